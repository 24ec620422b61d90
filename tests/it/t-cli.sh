#!/usr/bin/env bash
# The programs' command lines: help, version, exit 2 with one line per
# config problem naming the file and the JSON path.
. "$(dirname "$0")/lib.sh"

B="$NR_BUILDDIR/src"
API="$B/api/nunez-api"
SYNC="$B/cli/sync_multi"
CTL="$B/cli/nunezctl"

for p in "$API" "$SYNC" "$CTL"; do
	n=$(basename "$p")
	"$p" --help >"$T/out" 2>&1
	is "$?" 0 "$n --help exits 0"
	like "$(cat "$T/out")" "^usage: $n" "$n --help prints usage"
	is "$("$p" --version)" "$n 0.1.0" "$n --version"
	"$p" --no-such-option >/dev/null 2>&1
	is "$?" 2 "$n with an unknown option exits 2"
	env -u NUNEZ_CONFIG "$p" $([ $n = nunezctl ] && echo check-config) \
		>/dev/null 2>"$T/err"
	is "$?" 2 "$n without a config exits 2"
	like "$(cat "$T/err")" "no config: give --config FILE or set NUNEZ_CONFIG" \
		"$n says how to give the config"
done

cat >"$T/bad.json" <<'JSON'
{
  "mode": "master-master",
  "databases": {"master": {"user": "u", "database": "m", "port": "3306"}},
  "replication": {"tables": [
    {"name": "users", "primaryKey": "id"},
    {"name": "orders", "primaryKey": 7}
  ]},
  "remoteEnvironments": {"prod": {"url": "https://p", "apiKey": "k",
                                  "syncMode": "sideways"}}
}
JSON
want="$T/bad.json: databases.master.port: expected an integer, got a string
$T/bad.json: replication.tables[1].primaryKey: expected a string or an array of strings, got an integer
$T/bad.json: remoteEnvironments.prod.syncMode: expected one of push, pull, bidirectional; got \"sideways\"
$T/bad.json: mode: \"master-master\" needs databases.slave"
for p in "$API" "$SYNC" "$CTL"; do
	n=$(basename "$p")
	"$p" --config "$T/bad.json" $([ $n = nunezctl ] && echo check-config) \
		>/dev/null 2>"$T/err"
	is "$?" 2 "$n with a bad config exits 2"
	is "$(grep -v 'configuration rejected' "$T/err")" "$want" \
		"$n prints one line per problem with file and JSON path"
	like "$(tail -n 1 "$T/err")" "^$n: $T/bad.json: configuration rejected \(4 problems\)$" \
		"$n ends with a summary line"
done

NUNEZ_CONFIG="$T/bad.json" "$SYNC" >/dev/null 2>&1
is "$?" 2 "the config also comes from NUNEZ_CONFIG"

echo '{"databases": ' >"$T/broken.json"
"$SYNC" --config "$T/broken.json" 2>"$T/err"
is "$?" 2 "truncated JSON exits 2"
like "$(head -n 1 "$T/err")" "^$T/broken.json: invalid JSON at line 2, column 1" \
	"truncated JSON names the position"

cp "$NR_SRCDIR/examples/config.example.json" "$T/orig.json"
"$CTL" --config "$T/orig.json" check-config >"$T/out" 2>"$T/err"
is "$?" 0 "the original NunezReplication config.example.json is accepted"
like "$(cat "$T/out")" "remote: production https://prod-server.example.com bidirectional" \
	"check-config summarises its remotes"
# The original config has plain-string keys and no node.id.
like "$(cat "$T/err")" "hint: no key in api.keys has the admin scope; the dashboard" \
	"check-config: a hint when no key can run the dashboard"
like "$(cat "$T/err")" "warning: node.id is not set, so this node is '[^']+' \(host-database\); the other environments must use that name" \
	"check-config: a warning when the node id is derived"
NUNEZ_EXAMPLE_PEER_KEY=k-0123456789abcdef NUNEZ_EXAMPLE_SIGNING_SECRET=s-0123456789abcdef \
	"$CTL" --config "$NR_SRCDIR/examples/config.full.json" \
	check-config >/dev/null 2>"$T/err"
is "$?:$(grep -c 'hint:\|warning: node.id' "$T/err")" "0:0" \
	"... and neither with node.id and an admin key"
"$SYNC" --config "$T/orig.json" --plan >"$T/out" 2>/dev/null
is "$?" 0 "sync_multi --plan on it exits 0"
is "$(cat "$T/out")" "local master-slave: users
remote production bidirectional: users
remote staging pull: users
local master-slave: products
remote production bidirectional: products
remote staging pull: products" "sync_multi --plan prints the plan"
"$SYNC" --config "$T/orig.json" --plan --env staging --table products \
	>"$T/out" 2>/dev/null
is "$(cat "$T/out")" "remote staging pull: products" "--env and --table narrow it"
"$SYNC" --config "$T/orig.json" --env nowhere 2>"$T/err"
is "$?" 2 "an unknown --env exits 2"
like "$(cat "$T/err")" "remoteEnvironments has no environment 'nowhere'" \
	"... naming it"
"$SYNC" --config "$T/orig.json" --table nope 2>/dev/null
is "$?" 2 "an unknown --table exits 2"

key=$("$CTL" gen-key)
like "$key" "^key:    [A-Za-z0-9_-]{43}
stored: sha256:[0-9a-f]{64}$" "gen-key prints a key and its stored form"
k=$(printf '%s\n' "$key" | sed -n 's/^key: *//p')
is "$("$CTL" hash-key "$k")" "$(printf '%s\n' "$key" | sed -n 's/^stored: *//p')" \
	"hash-key gives the same stored form"
is "$("$CTL" hash-key password)" \
	"sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8" \
	"hash-key is SHA-256"
"$CTL" frobnicate >/dev/null 2>&1
is "$?" 2 "an unknown command exits 2"

done_testing
