#!/usr/bin/env bash
# /health and /api/status through real nginx for two environments: keys,
# JSON errors, 503 while the master is down and 200 after it is back.
. "$(dirname "$0")/lib.sh"

h_up "$T" 2 || bail_out "harness did not start"
h_env

for e in e1 e2; do
	h_curl $e /health
	is "$H_STATUS" 200 "$e: GET /health is 200"
	is "$(json_get "$H_BODY" status)" ok "$e: health status ok"
	is "$(json_get "$H_BODY" databases.master)" ok "$e: master ok"
	is "$(json_get "$H_BODY" databases.slave)" ok "$e: slave ok"

	h_curl $e /api/status -H "X-API-Key: $(cat "$T/$e/key-read")"
	is "$H_STATUS" 200 "$e: /api/status with the hashed read key is 200"
	is "$(json_get "$H_BODY" node.id)" $e "$e: status names its node"
	is "$(json_get "$H_BODY" mode)" master-slave "$e: status gives the mode"
	is "$(json_get "$H_BODY" '[.tables[].name] | join(",")')" \
		"users,products" "$e: status lists the tables"
	is "$(json_get "$H_BODY" '[.remotes[].name] | join(",")')" \
		"$([ $e = e1 ] && echo e2 || echo e1)" "$e: status lists the other environment"
	like "$H_BODY" '^\{"success":true' "$e: status body is JSON"
	if printf '%s' "$H_BODY" | grep -q "$(cat "$T/e2/key-peer")"; then
		ok 1 "$e: status does not show a remote's key"
	else
		ok 0 "$e: status does not show a remote's key"
	fi
done

h_curl e1 /api/status -H "X-API-Key: $NR_E1_KEY_ADMIN"
is "$H_STATUS" 200 "admin key (plain in the config) also reads status"

h_curl e1 /api/status
is "$H_STATUS" 401 "no key: 401"
is "$(json_get "$H_BODY" error.code)" unauthorized "no key: error code"
is "$(json_get "$H_BODY" error.message)" "the X-API-Key header is missing" "no key: says the header is missing"
h_curl e1 /api/status -H "X-API-Key;"
is "$(json_get "$H_BODY" error.message)" "the X-API-Key header is missing" "an empty key counts as missing"
is "$(json_get "$H_BODY" success)" false "no key: success false"

h_curl e1 /api/status -H "X-API-Key: wrong-key"
is "$H_STATUS" 401 "wrong key: 401"
h_curl e1 /api/status -H "X-API-Key: $NR_E2_KEY_READ"
is "$H_STATUS" 401 "another environment's key: 401"
h_curl e1 /api/status -H "X-API-Key: sha256:$(h_sha256 "$NR_E1_KEY_READ")"
is "$H_STATUS" 401 "the stored hash is not a key: 401"

h_curl e1 /api/nothing-here -H "X-API-Key: $NR_E1_KEY_ADMIN"
is "$H_STATUS" 404 "unknown API path: 404"
is "$(json_get "$H_BODY" error.code)" not_found "unknown API path: JSON error"
h_curl e1 /nothing-here
is "$H_STATUS" 404 "unknown path outside the API: 404"
is "$(json_get "$H_BODY" error.code)" not_found "... with a JSON body, not HTML"
h_curl e1 /health -X POST
is "$H_STATUS" 405 "POST /health: 405"
is "$(json_get "$H_BODY" error.code)" method_not_allowed "405 is JSON"
head -c 2000000 /dev/zero >"$T/big"
h_curl e1 /api/status -X POST --data-binary @"$T/big" \
	-H "X-API-Key: $NR_E1_KEY_ADMIN"
is "$H_STATUS" 413 "body over the nginx limit: 413"
is "$(json_get "$H_BODY" error.code)" body_too_large "413 is JSON"

# The master goes away: health says so, the other environment is fine.
h_db_stop "$T" e1 master
h_curl e1 /health
is "$H_STATUS" 503 "master stopped: /health is 503"
is "$(json_get "$H_BODY" databases.master)" unreachable "master reported unreachable"
is "$(json_get "$H_BODY" databases.slave)" ok "slave still ok"
h_curl e2 /health
is "$H_STATUS" 200 "e2 unaffected"
h_curl e1 /api/status -H "X-API-Key: $NR_E1_KEY_READ"
is "$H_STATUS" 200 "status, which needs no database, still answers"

# Back again: every worker reconnects.
h_db_start "$T" e1 master
h_db_wait "$T" e1 master || bail_out "master did not restart"
codes=""
for i in 1 2 3 4 5 6; do
	h_curl e1 /health
	codes="$codes$H_STATUS "
done
is "$codes" "200 200 200 200 200 200 " "master back: every worker answers 200 again"
is "$(pgrep -c -P "$NR_E1_API_PID")" 2 "both workers still alive"

# A worker killed outright is replaced; the API keeps answering.
victim=$(pgrep -P "$NR_E1_API_PID" | head -n 1)
kill -KILL "$victim"
replaced() {
	! pgrep -P "$NR_E1_API_PID" | grep -qx "$victim" &&
		[ "$(pgrep -c -P "$NR_E1_API_PID")" = 2 ]
}
H_WAIT=10 h_wait_for replaced
ok $? "a killed worker is replaced by a new process"
codes=""
for i in 1 2 3 4; do
	h_curl e1 /health
	codes="$codes$H_STATUS "
done
is "$codes" "200 200 200 200 " "every request after the kill is answered"
like "$(cat "$T/e1/api.log")" "worker $victim ended \(signal 9\); starting another" \
	"the supervisor logs the death"

# SIGTERM: the supervisor drains its workers and removes its socket.
h_api_stop "$T" e1
ok $? "nunez-api exits on SIGTERM"
[ -e "$T/e1/api.sock" ]
is "$?" 1 "its socket is removed"
h_curl e1 /health
is "$H_STATUS" 503 "nginx answers 503 JSON while nunez-api is down"
is "$(json_get "$H_BODY" error.code)" api_unavailable "... with a JSON error"

done_testing
