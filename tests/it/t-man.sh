#!/usr/bin/env bash
# The manual pages: mandoc finds nothing to warn about, nunez.json(5)
# documents exactly the keys of examples/config.full.json (each with its
# default or "required"), and each program's page has every option of its
# --help. Runs no server.
. "$(dirname "$0")/lib.sh"

h_need mandoc:mandoc jq:jq || bail_out "mandoc and jq are needed"
M="$NR_SRCDIR/man"
B="$NR_BUILDDIR/src"

for page in nunez-api.8 sync_multi.8 nunezctl.8 nunez.json.5; do
	out=$(mandoc -Tlint -W warning "$M/$page" 2>&1)
	is "$out" "" "$page: mandoc -Tlint finds no warning or error"
	# Style too, but for references to pages not installed here.
	out=$(mandoc -Tlint "$M/$page" 2>&1 |
		grep -v 'referenced manual not found\|mandoc.db')
	is "$out" "" "$page: ... nor any style message"
done

# The keys of the example, as the page names them: arrays' elements as
# [], a remote's name as NAME, master and slave as ROLE; a secret object
# ({"env": ...} or {"file": ...}) and arrays of values are one key.
jq -r '
def lv($p): if (type == "object") and ((has("env") or has("file")) | not)
  then (to_entries[] as $e | $e.value | lv($p + [$e.key]))
  elif (type == "array") and (length > 0) and (.[0] | type == "object")
  then (.[] | lv($p + ["[]"]))
  else $p end;
lv([]) | join(".")' "$NR_SRCDIR/examples/config.full.json" |
	sed 's/\.\[\]/[]/g; s/^remoteEnvironments\.[^.]*\./remoteEnvironments.NAME./
	     s/^databases\.\(master\|slave\)\./databases.ROLE./' |
	sort -u >"$T/example.keys"
# The page's keys: each ".It Cm KEY" under the last '.\" prefix:' line.
awk '/^\.\\" prefix:/ { p = $3 } /^\.It Cm / { print p $3 }' \
	"$M/nunez.json.5" | sort >"$T/page.keys"
ok $(($(wc -l <"$T/example.keys") < 50)) \
	"the example has $(wc -l <"$T/example.keys") keys"
is "$(comm -23 "$T/example.keys" "$T/page.keys" | tr '\n' ' ')" "" \
	"every key of config.full.json is in nunez.json(5)"
is "$(comm -13 "$T/example.keys" "$T/page.keys" | tr '\n' ' ')" "" \
	"every key of nunez.json(5) is in config.full.json"
is "$(sort "$T/page.keys" | uniq -d | tr '\n' ' ')" "" \
	"nunez.json(5) documents each key once"
is "$(grep '^\.It Cm ' "$M/nunez.json.5" | grep -v 'Pq \(default\|required\)')" "" \
	"each key of nunez.json(5) says its default or that it is required"

# Every option of each program's --help is in its page.
for p in api/nunez-api cli/sync_multi cli/nunezctl; do
	n=${p#*/}
	missing=""
	for opt in $("$B/$p" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q "Fl \\\\\?-${opt#--}\\b" "$M/$n.8" || missing="$missing $opt"
	done
	is "$missing" "" "$n(8) has every option of $n --help"
done
for c in 0 1 2 3; do
	grep -q "^\.It $c\$" "$M/sync_multi.8"
	ok $? "sync_multi(8) documents exit status $c"
done
like "$("$B/cli/sync_multi" --help)" "3 another run holds the environment's lock" \
	"sync_multi --help names exit status 3"

done_testing
