#!/bin/bash
# Runs the fuzz targets (make fuzz builds them), each for --seconds on a
# copy of its seed corpus (tests/fuzz/corpus/NAME), and prints per
# target its executions, executions per second and findings. Fails when
# a target found a crash, a leak, undefined behaviour, a timeout or an
# allocation over its limit; the target's log and the input that did it
# stay in tests/fuzz/logs/NAME.
#   run.sh [--seconds N] [--corpus DIR] [--bin DIR] [NAME...]
set -u
here=$(cd "$(dirname "$0")" && pwd)
seconds=30
corpus=$here/corpus
bin=tests/fuzz
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift 2 ;;
	--corpus) corpus=$2; shift 2 ;;
	--bin) bin=$2; shift 2 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
names=${*:-cursor query gzip codec key sync b64hex pull}
logs=$bin/logs
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
failed=0
for name in $names; do
	exe=$bin/fuzz_$name
	work=$logs/$name
	if [ ! -x "$exe" ]; then
		echo "fuzz_$name: not built (make fuzz)"
		failed=$((failed + 1))
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work/corpus"
	cp "$corpus/$name"/* "$work/corpus/" 2>/dev/null
	dict=()
	[ -f "$here/$name.dict" ] && dict=(-dict="$here/$name.dict")
	# Bodies are capped well below these limits: a 256 MB allocation
	# for a small input is a finding, not a big input.
	"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-malloc_limit_mb=256 -print_final_stats=1 \
		-artifact_prefix="$work/" "${dict[@]}" "$work/corpus" \
		>"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	found=$(cd "$work" && ls -d crash-* leak-* timeout-* oom-* \
		slow-unit-* 2>/dev/null | tr '\n' ' ')
	if [ $rc = 0 ] && [ -z "$found" ]; then
		echo "fuzz_$name: ${runs:-?} runs, ${rate:-?}/s, no finding"
		rm -rf "$work"
	else
		echo "fuzz_$name: FAILED (exit $rc) after ${runs:-?} runs:" \
			"${found:-no input saved}; log: $work/log"
		grep -E -A40 '^==[0-9]+==|runtime error|check failed' \
			"$work/log" | head -n 60
		failed=$((failed + 1))
	fi
done
[ "$failed" = 0 ] || { echo "fuzz-run: $failed target(s) failed"; exit 1; }
echo "fuzz-run: every target ran ${seconds} s with no finding"
