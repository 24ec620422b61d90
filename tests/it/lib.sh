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
			\( -name '*.log' -o -name '*.json' -o -name '*.conf' \) \
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
