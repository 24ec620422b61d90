#!/usr/bin/env bash
# Load through nginx with wrk: 20 s of mixed reads with no 5xx, then the
# request rates of an empty pull (cursor at head) and of /health.
. "$(dirname "$0")/lib.sh"

h_need wrk:wrk || bail_out "wrk missing"
h_up "$T" 1 --no-slave || bail_out "harness"
h_env
nr_ctl e1 init >/dev/null || bail_out "init"
h_sql e1 master "INSERT INTO users (id, name, email) SELECT seq, CONCAT('u', seq), CONCAT('u', seq, '@x') FROM seq_1_to_1000"
K=$NR_E1_KEY_PEER
cur=""
while :; do
	h_curl e1 "/api/pull?table=users&cursor=$cur&limit=1000&node=e2" -H "X-API-Key: $K"
	cur=$(json_get "$H_BODY" next_cursor)
	[ "$(json_get "$H_BODY" has_more)" = false ] && break
done
h_curl e1 "/api/pull?table=users&cursor=$cur&node=e2" -H "X-API-Key: $K"
is "$(json_get "$H_BODY" '.changes | length')" 0 "the cursor is at the head"

cat >"$T/mixed.lua" <<LUA
local paths = {
  "/api/pull?table=users&cursor=$cur&node=e2",
  "/api/metadata?table=users",
  "/api/status",
  "/health",
  "/api/pull?table=users&since=2030-01-01%2000:00:00",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["X-API-Key"] = "$K"})
end
LUA
wrk -t1 -c8 -d20s -s "$T/mixed.lua" "$NR_E1_URL" >"$T/mixed.out" 2>&1
is "$?" 0 "wrk ran 20 s of mixed reads"
sed 's/^/# /' "$T/mixed.out"
grep -q "Non-2xx or 3xx responses" "$T/mixed.out"
is "$?" 1 "every response was 2xx"
grep -q "Socket errors" "$T/mixed.out"
is "$?" 1 "no socket errors"
h_curl e1 /metrics -H "X-API-Key: $K"
is "$(printf '%s\n' "$H_BODY" | grep -c 'status="5')" 0 "the metrics count no 5xx"
like "$(grep Requests/sec "$T/mixed.out")" "Requests/sec: +[0-9]" "a rate is reported"

cat >"$T/pull.lua" <<LUA
wrk.headers["X-API-Key"] = "$K"
LUA
wrk -t1 -c8 -d5s -s "$T/pull.lua" "$NR_E1_URL/api/pull?table=users&cursor=$cur&node=e2" >"$T/pull.out" 2>&1
wrk -t1 -c8 -d5s "$NR_E1_URL/health" >"$T/health.out" 2>&1
echo "# empty pull at head: $(grep Requests/sec "$T/pull.out")  (wrk -t1 -c8 -d5s)"
echo "# /health: $(grep Requests/sec "$T/health.out")  (wrk -t1 -c8 -d5s)"
grep -q "Non-2xx or 3xx responses" "$T/pull.out" "$T/health.out"
is "$?" 1 "the rate runs answered 2xx only"

# Writers of one table at once: the same 200 rows pushed by four
# connections in opposite key orders make MariaDB pick deadlock victims;
# each is run again, so every push is answered 200.
rows() { seq "$@" | awk -v t="$1" 'BEGIN { printf "{\"table\":\"users\",\"data\":[" }
	{ printf "%s{\"id\":%d,\"name\":\"w%s\",\"email\":\"w%d@x\"}", (NR > 1 ? "," : ""), $1, t, $1 }
	END { print "]}" }'; }
rows 2001 2200 >"$T/up.json"
rows 2200 -1 2001 >"$T/down.json"
for f in up down; do
	cat >"$T/w-$f.lua" <<LUA
wrk.method = "POST"
wrk.headers["X-API-Key"] = "$K"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$T/$f.json"); wrk.body = f:read("*a"); f:close()
LUA
done
wrk -t1 -c2 -d6s -s "$T/w-up.lua" "$NR_E1_URL/api/push" >"$T/w-up.out" 2>&1 &
up=$!
wrk -t1 -c2 -d6s -s "$T/w-down.lua" "$NR_E1_URL/api/push" >"$T/w-down.out" 2>&1
wait $up
grep -h 'requests in' "$T/w-up.out" "$T/w-down.out" | sed 's/^/# writers: /'
is "$(cat "$T/w-up.out" "$T/w-down.out" | grep -c 'Non-2xx')" 0 \
	"four writers of the same rows at once: every push answered 2xx"

done_testing
