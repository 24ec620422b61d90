#!/bin/sh
# The whole test suite again, built with ASan and UBSan (configure
# --enable-debug --enable-sanitizers) out of tree in build-san/, from
# the files a release holds (make distdir): the source tree's own build
# is left alone. Every sanitized process writes its reports to
# build-san/reports; a report fails the run, as does a failed test.
# Prints the totals as its last line: "sanitizers: N passed, N failed,
# N skipped". Run from a configured build directory, where build-san
# goes (make check-sanitizers).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
[ -f Makefile ] || { echo "sanitizers.sh: run it where make runs" >&2; exit 2; }
san=$(pwd)/build-san
rm -rf "$san"
mkdir -p "$san/obj" "$san/reports" || exit 1
make distdir distdir=build-san/src >"$san/distdir.log" 2>&1 || {
	tail -n 20 "$san/distdir.log"
	echo "sanitizers: 0 passed, 1 failed"
	exit 1
}
# The browser test's node modules, when the source tree has them.
[ -d tests/browser/node_modules ] &&
	ln -s "$top/tests/browser/node_modules" "$san/src/tests/browser/"
cd "$san/obj" || exit 1
../src/configure --enable-debug --enable-sanitizers >configure.log 2>&1 &&
	make -j2 >build.log 2>&1 || {
	tail -n 30 configure.log build.log
	echo "sanitizers: 0 passed, 1 failed"
	exit 1
}
ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:log_path=$san/reports/asan"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$san/reports/ubsan"
export ASAN_OPTIONS UBSAN_OPTIONS
make -j2 check >check.log 2>&1
rc=$?
unset ASAN_OPTIONS UBSAN_OPTIONS
grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS|XFAIL):' check.log | grep -v '^PASS' |
	head -n 50
[ $rc = 0 ] || sed -n '/^FAIL\|^ERROR/,$p' test-suite.log | head -n 200
count() {
	n=$(sed -n "s/^# $1: *\([0-9]*\)$/\1/p" test-suite.log 2>/dev/null |
		head -n 1)
	echo "${n:-0}"
}
pass=$(count PASS)
fail=$(($(count FAIL) + $(count ERROR) + $(count XPASS)))
skip=$(count SKIP)
# A report is a finding when it says so ("ERROR: ...Sanitizer", "runtime
# error"); LeakSanitizer's notes on a process killed while it looked
# ("Unable to get registers from thread") are shown, not counted.
reports=$(grep -lE 'ERROR: [A-Za-z]+Sanitizer|runtime error' \
	"$san"/reports/* 2>/dev/null | wc -l)
for f in "$san"/reports/*; do
	[ -f "$f" ] || continue
	echo "--- $f"
	head -n 60 "$f"
done
if [ "$reports" -gt 0 ]; then
	echo "sanitizers: $reports report(s) of a finding in $san/reports"
	[ "$fail" -gt 0 ] || fail=1
fi
[ $rc = 0 ] || [ "$fail" -gt 0 ] || fail=1
echo "sanitizers: ${pass:-0} passed, $fail failed, ${skip:-0} skipped"
[ $rc = 0 ] && [ "$fail" = 0 ]
