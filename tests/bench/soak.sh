#!/usr/bin/env bash
# Leak and memory soak: SOAK_SECONDS (default 300) of mixed wrk load on
# one environment's nunez-api (pull, push, metadata, and /sync's POST
# and initial copy), then nunez-api is stopped and LeakSanitizer's
# reports of the supervisor and of each worker are read. Prints the
# requests, the answers that were not 2xx by status and kind, the leak
# reports (0 expected), and each worker's RSS averaged over the first
# and the last minute. Meant for the sanitizer build (configure
# --enable-sanitizers; make soak there); with another build the leak
# check cannot run and the RSS figures are those of a plain build.
#   [SOAK_CONNECTIONS=5] tests/bench/soak.sh [SECONDS]
set -u
SECONDS_WANTED=${1:-${SOAK_SECONDS:-300}}
here=$(cd "$(dirname "$0")" && pwd)
export NR_SRCDIR=${NR_SRCDIR:-$(cd "$here/../.." && pwd)}
export NR_BUILDDIR=${NR_BUILDDIR:-$NR_SRCDIR}
. "$NR_SRCDIR/tests/it/harness.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/nunez-soak.XXXXXX")
NR_H_DIR=$T
trap 'h_down "$T" >/dev/null 2>&1; [ -n "${NR_SOAK_KEEP:-}" ] || rm -rf "$T"' EXIT
note() { echo "soak: $*" >&2; }
API=$NR_BUILDDIR/src/api/nunez-api
SAN=0
nm "$API" 2>/dev/null | grep -q __asan_init && SAN=1
[ $SAN = 1 ] || note "$API is not built with sanitizers: no leak check"
# Reports go to files, one per process, read at the end.
mkdir -p "$T/san"
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:log_path=$T/san/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$T/san/ubsan"

note "starting one environment"
H_WORKERS=2 h_up "$T" 1 --no-slave --client-tenant t1 --tables '[
  {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at",
   "ignoreColumns": ["password_hash", "internal_notes"]},
  {"name": "accounts", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"}]' >/dev/null || exit 1
. "$T/harness.env"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/e1/config.json" init \
	>/dev/null || exit 1
h_sql e1 master "INSERT INTO users (id, name, email) SELECT seq,
  CONCAT('user ', seq), CONCAT('u', seq, '@example.com') FROM seq_1_to_2000;
  INSERT INTO accounts (id, tenant_id, name) SELECT
  CONCAT('a0000000-0000-0000-0000-', LPAD(seq, 12, '0')), 't1',
  CONCAT('account ', seq) FROM seq_1_to_300"

# Five kinds of request, one wrk thread each, so that every answer is
# counted under its kind; all are expected to be 2xx. One connection a
# kind by default (SOAK_CONNECTIONS=5): two pushes at once into one
# table can deadlock in MariaDB, which is answered 500.
cat >"$T/mixed.lua" <<EOF
local peer = "$NR_E1_KEY_PEER"
local client = "$NR_E1_KEY_CLIENT"
local kinds = {"pull", "push", "metadata", "sync-post", "sync-initial"}
local threads = {}
local made = 0
local n = 0
counts = {}

function setup(thread)
	made = made + 1
	thread:set("kind", kinds[(made - 1) % #kinds + 1])
	thread:set("id", made)
	table.insert(threads, thread)
end

local function json(path, key, body)
	return wrk.format("POST", path, {["X-API-Key"] = key,
		["Content-Type"] = "application/json"}, body)
end

function request()
	n = n + 1
	if kind == "pull" then
		return wrk.format("GET",
			"/api/pull?table=users&limit=100&node=e2",
			{["X-API-Key"] = peer})
	elseif kind == "push" then
		local uid = 100000 + n % 5000
		local ts = string.format("2026-01-%02d 12:%02d:%02d.000000",
			1 + n % 28, n % 60, (n * 7) % 60)
		return json("/api/push", peer, string.format(
			'{"table":"users","node":"e2","batch_id":"soak-%d-%d",' ..
			'"changes":[{"op":"U","pk":["%d"],"row":{"id":%d,' ..
			'"name":"pushed %d","email":"p%d@example.com",' ..
			'"updated_at":"%s"},"origin":"e2","ts":"%s"}]}',
			id, n, uid, uid, n, n, ts, ts))
	elseif kind == "metadata" then
		return wrk.format("GET", "/api/metadata?table=users&node=e2",
			{["X-API-Key"] = peer})
	elseif kind == "sync-post" then
		local acc = string.format("b0000000-0000-0000-0000-%012d",
			n % 2000)
		return json("/sync/changes", client, string.format(
			'{"client_id":"soak-%d","changes":[{"client_change_id":' ..
			'"c-%d-%d","table":"accounts","op":"upsert",' ..
			'"updated_at":"2026-01-02T03:04:05.%03dZ","row":' ..
			'{"id":"%s","name":"offline %d","currency":"EUR"}}]}',
			id, id, n, n % 1000, acc, n))
	end
	return wrk.format("GET", "/sync/initial/t1?limit=50",
		{["X-API-Key"] = client})
end

function response(status, headers, body)
	if status < 200 or status > 299 then
		local key = kind .. " " .. status
		counts[key] = (counts[key] or 0) + 1
	end
end

function done(summary, latency, requests)
	local none = true
	io.write(string.format("requests: %d\n", summary.requests))
	io.write(string.format("socket errors: connect %d, read %d, " ..
		"write %d, timeout %d\n", summary.errors.connect,
		summary.errors.read, summary.errors.write,
		summary.errors.timeout))
	for _, t in ipairs(threads) do
		for k, v in pairs(t:get("counts") or {}) do
			io.write(string.format("non-2xx: %s: %d\n", k, v))
			none = false
		end
	end
	if none then io.write("non-2xx: none\n") end
end
EOF

# Each worker's RSS (KiB) every 5 s: seconds-since-start pid rss.
sample() {
	local t0=$1 now pid rss
	while :; do
		now=$(($(date +%s) - t0))
		for pid in $(pgrep -P "$NR_E1_API_PID"); do
			rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
			[ -n "$rss" ] && echo "$now $pid $rss"
		done
		sleep 5
	done
}

note "$SECONDS_WANTED s of mixed load (wrk: 5 threads, ${SOAK_CONNECTIONS:-5} connections)"
t0=$(date +%s)
sample "$t0" >"$T/rss" &
sampler=$!
wrk -t5 -c"${SOAK_CONNECTIONS:-5}" -d"${SECONDS_WANTED}s" --timeout 10s -s "$T/mixed.lua" \
	"$NR_E1_URL" >"$T/wrk.out" 2>&1
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
elapsed=$(($(date +%s) - t0))
grep -q '^requests:' "$T/wrk.out" || { cat "$T/wrk.out"; exit 1; }
sed -n '/^requests:/,$p' "$T/wrk.out"
awk '/Requests\/sec/ { print "requests/s: " $2 }' "$T/wrk.out"

# RSS per worker over the first and the last minute (a worker replaced
# in between shows as its own line).
awk -v end="$elapsed" '{
	if ($1 < 60) { first[$2] += $3; nf[$2]++ }
	if ($1 >= end - 60) { last[$2] += $3; nl[$2]++ }
	seen[$2] = 1
} END {
	for (p in seen)
		printf "worker %s RSS: first minute %.1f MiB, last minute %.1f MiB\n",
			p, nf[p] ? first[p] / nf[p] / 1024 : 0,
			nl[p] ? last[p] / nl[p] / 1024 : 0
}' "$T/rss" | sort

note "stopping nunez-api"
h_api_stop "$T" e1
leaks=0
reports=0
for f in "$T"/san/*; do
	[ -f "$f" ] || continue
	reports=$((reports + 1))
	if grep -q 'LeakSanitizer' "$f"; then
		leaks=$((leaks + 1))
		grep -E '^SUMMARY|^(Direct|Indirect) leak' "$f" | head -n 20
	else
		head -n 40 "$f"
	fi
done
rc=0
if [ $SAN = 1 ]; then
	echo "LeakSanitizer: $leaks process(es) with leaks;" \
		"sanitizer reports: $reports"
	[ $reports = 0 ] || rc=1
fi
grep -q '^non-2xx: none' "$T/wrk.out" || rc=1
exit $rc
