#!/usr/bin/env bash
# TAP for integration tests, and the life of one test's servers: source
# it, call h_up, write assertions; at exit everything is stopped, the
# logs of a failed test are kept and their tails printed.
#
#   . "$(dirname "$0")/lib.sh"
#   h_up "$T" 2
#   is "$(h_sql e1 master 'SELECT 1')" 1 "master answers"
#   done_testing

. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

T_NAME=$(basename "$0" .sh)
T_COUNT=0
T_FAILED=0
T=$(mktemp -d "${TMPDIR:-/tmp}/nunez-it.$T_NAME.XXXXXX")
NR_H_DIR=$T

ok() {
	T_COUNT=$((T_COUNT + 1))
	if [ "$1" = 0 ]; then
		echo "ok $T_COUNT - $2"
	else
		echo "not ok $T_COUNT - $2"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# is GOT WANT NAME
# skip DESC REASON: an assertion this build cannot make.
skip() {
	T_COUNT=$((T_COUNT + 1))
	echo "ok $T_COUNT - $1 # SKIP $2"
}

# True when the programs are built with ASan (--enable-sanitizers),
# whose memory use is not the program's.
nr_sanitized() {
	nm "$NR_BUILDDIR/src/cli/sync_multi" 2>/dev/null | grep -q __asan_init
}

is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

# like GOT REGEX NAME (grep -E)
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want match: '$2'"
	fi
}

# json_get JSON PATH: prints the value at a dotted path (json_get "$b"
# databases.master), or of a jq filter starting with '[' or '.'.
json_get() {
	case $2 in
	[.[]*) printf '%s' "$1" | jq -r "$2" 2>/dev/null ;;
	*) printf '%s' "$1" | jq -r ".$2" 2>/dev/null ;;
	esac
}

# Prints the JSON inside a cursor token (base64url without padding,
# then, sealed, "." and the seal).
cursor_json() {
	local t=${1%%.*}
	while [ $((${#t} % 4)) != 0 ]; do
		t="$t="
	done
	printf '%s' "$t" | tr -- '-_' '+/' | base64 -d
}

# cursor_seal ENV JSON: the token of the cursor JSON sealed as ENV's node
# seals it (with the key in its master's _nunez_meta).
cursor_seal() {
	local key body mac
	key=$(h_sql "$1" master "SELECT value FROM _nunez_meta WHERE name = 'cursor_key'")
	body=$(printf '%s' "$2" | base64 -w0 | tr '+/' '-_' | tr -d '=')
	mac=$(printf 'nunez-cursor-v1\n%s' "$body" |
		openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" -binary |
		base64 -w0 | tr '+/' '-_' | tr -d '=')
	printf '%s.%s' "$body" "$mac"
}

# Loads harness.env into the test's shell after h_up.
h_env() {
	set -a
	. "$T/harness.env"
	set +a
}

# Stops the servers; keeps and shows the logs of a failed test.
t_finish() {
	local rc=$? keep f tail
	trap - EXIT
	[ $rc = 0 ] || ok 1 "the test script ran to its end (it stopped with status $rc)"
	h_down "$T"
	ok $? "every process stopped, none left over"
	echo "1..$T_COUNT"
	if [ $T_FAILED -gt 0 ] || [ $rc != 0 ]; then
		keep="${NR_BUILDDIR:-.}/tests/it/logs/$T_NAME"
		rm -rf "$keep"
		mkdir -p "$keep"
		# Keep every log and config; show the tails of the logs.
		find "$T" \( -name data -o -name tmp \) -prune -o -type f \
			\( -name '*.log' -o -name '*.out' -o -name '*.json' -o -name '*.conf' \) \
			-print | while read -r f; do
			mkdir -p "$keep/$(dirname "${f#$T/}")"
			cp "$f" "$keep/${f#$T/}"
			case $f in
			*.log) ;;
			*) continue ;;
			esac
			tail=$(grep -v 'Note\]\|max_open_files' "$f" | tail -n 12)
			[ -n "$tail" ] || continue
			echo "# ---- ${f#$T/} (last 12 lines)"
			printf '%s\n' "$tail" | sed 's/^/#   /'
		done
		echo "# logs kept in $keep"
	fi
	rm -rf "$T"
	# Failures are reported as TAP lines, counted once each.
	exit 0
}

# Stops the test at once, as an error: bail_out MESSAGE.
bail_out() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	exit 0
}

trap t_finish EXIT

# The programs, for environment $1 (e1, ...): nr_ctl e1 verify.
nr_ctl() {
	local e=$1
	shift
	"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/$e/config.json" "$@"
}

nr_sync() {
	local e=$1
	shift
	"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/$e/config.json" "$@"
}

# api_reload ENV: SIGHUP to ENV's nunez-api; true once it says the new
# config is in use (its workers started), false when it kept the old one
# or said nothing within 10 s.
api_reload() {
	local log="$T/$1/api.log" n r i
	n=$(grep -c 'reloaded:' "$log")
	r=$(grep -c 'keeping the old one' "$log")
	kill -HUP "$(cat "$T/$1/api.pid")"
	for i in $(seq 1 100); do
		[ "$(grep -c 'keeping the old one' "$log")" -gt "$r" ] && return 1
		if [ "$(grep -c 'reloaded:' "$log")" -gt "$n" ]; then
			sleep 0.3
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# api_config ENV FILTER: edits ENV's config with the jq filter and
# reloads it (api_reload).
api_config() {
	jq "$2" "$T/$1/config.json" >"$T/$1/config.new" &&
		mv "$T/$1/config.new" "$T/$1/config.json" && api_reload "$1"
}

# is_quiet RC FILE NAME: a sync_multi run that exited RC and printed FILE
# did run (exit 0, at least one remote line) and moved nothing.
is_quiet() {
	local lines moved
	lines=$(grep -c '^remote ' "$2")
	moved=$(grep '^remote ' "$2" | grep -vc ', 0 changes read')
	[ "$lines" -gt 0 ] && lines=ran
	is "$1:$lines:$moved" "0:ran:0" "$3"
}

# Rows of a table in key order as text, for comparing two servers:
# rows_of ENV ROLE TABLE [ORDER BY].
rows_of() {
	h_sql "$1" "$2" "SELECT * FROM $3 ORDER BY ${4:-1}"
}

# Holds a database session open for statements sent later:
#   session_open NAME ENV ROLE; session_send NAME "BEGIN; ..."; session_close NAME
session_open() {
	mkfifo "$T/$1.fifo"
	mariadb --no-defaults --socket="$T/$2/$3/sock" -uroot -N -B -n appdb \
		<"$T/$1.fifo" >"$T/$1.out" 2>&1 &
	echo $! >"$T/$1.pid"
	h_track "$T" "session-$1" "$(cat "$T/$1.pid")"
	exec {fd}>"$T/$1.fifo"
	eval "SESSION_FD_$1=$fd"
}

session_send() {
	local fd
	eval "fd=\$SESSION_FD_$1"
	printf '%s\n' "$2" >&"$fd"
}

# Waits until the session has printed a line matching $2.
session_wait() {
	H_WAIT=${3:-20} h_wait_for grep -q -- "$2" "$T/$1.out"
}

session_close() {
	local fd pid
	eval "fd=\$SESSION_FD_$1"
	exec {fd}>&-
	pid=$(cat "$T/$1.pid")
	h_wait_gone 20 "$pid"
}

# A signed request: h_signed ENV METHOD PATH QUERY KEY [BODY [TS [NONCE]]];
# sets H_STATUS and H_BODY like h_curl. It signs with $H_SIGN_SECRET, or,
# when that is empty, as the old scheme did: with the key's SHA-256.
h_signed() {
	local e=$1 method=$2 path=$3 query=$4 key=$5 body=${6:-} ts nonce
	local khash bhash sig url
	ts=${7:-$(date +%s)}
	nonce=${8:-$(head -c 18 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')}
	khash=${H_SIGN_SECRET:-$(h_sha256 "$key")}
	bhash=$(printf '%s' "$body" | sha256sum | awk '{print $1}')
	sig=$(printf '%s\n%s\n%s\n%s\n%s\n%s' "$method" "$path" "$query" "$ts" \
		"$nonce" "$bhash" | openssl dgst -sha256 -hmac "$khash" -hex |
		awk '{print $NF}')
	H_NONCE=$nonce
	url="$path"
	[ -n "$query" ] && url="$path?$query"
	if [ -n "$body" ]; then
		h_curl "$e" "$url" -X "$method" -H "X-API-Key: $key" \
			-H "X-Nunez-Timestamp: $ts" -H "X-Nunez-Nonce: $nonce" \
			-H "X-Nunez-Signature: ${H_SIG_OVERRIDE:-$sig}" \
			--data-binary "$body"
	else
		h_curl "$e" "$url" -X "$method" -H "X-API-Key: $key" \
			-H "X-Nunez-Timestamp: $ts" -H "X-Nunez-Nonce: $nonce" \
			-H "X-Nunez-Signature: ${H_SIG_OVERRIDE:-$sig}"
	fi
}
