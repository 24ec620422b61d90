#!/usr/bin/env bash
# Peer identity: a key speaks for the node it is bound to (its pushes and
# pulls name that node and no other), changes other nodes wrote come only
# from a forwarder, and a batch names a bounded number of writers.
. "$(dirname "$0")/lib.sh"

h_up "$T" 3 --no-slave --forwarders none || bail_out "harness"
h_env
for e in e1 e2 e3; do nr_ctl $e init >/dev/null || bail_out "init $e"; done
# e1's key for e2 (bound to node e2, no forwarder), e1's admin key (no
# node) and e3's key for e2.
P="X-API-Key: $NR_E1_KEY_PEER_E2"
A="X-API-Key: $NR_E1_KEY_ADMIN"

# push KEY-HEADER BODY: POST /api/push to e1.
push() {
	h_curl e1 /api/push -X POST -H "$1" --data-binary "$2"
}
err() {
	printf '%s:%s' "$H_STATUS" "$(json_get "$H_BODY" error.code)"
}
change() {	# change ID NAME ORIGIN: one upsert of users
	printf '{"op":"U","pk":["%s"],"row":{"id":"%s","name":"%s","email":"%s@x","updated_at":"2030-01-01 00:00:00.000000"},"origin":"%s","ts":"2030-01-01 00:00:00.000000"}' \
		"$1" "$1" "$2" "$2" "$3"
}
users() { h_sql e1 master "SELECT COALESCE(GROUP_CONCAT(CONCAT(id, '=', name) ORDER BY id), '-') FROM users"; }

# --- a key names only its own node
push "$P" "{\"table\":\"users\",\"node\":\"e3\",\"from\":\"\",\"cursor\":\"eyJ2IjoxLCJoIjo5OTksImciOltdfQ\",\"changes\":[$(change 1 forged e3)]}"
is "$(err)" "403:node_forbidden" "push as another node: 403 node_forbidden"
like "$(json_get "$H_BODY" error.message)" "key peer-e2 belongs to node e2; it cannot act as node e3" \
	"... saying whose key it is"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_cursors WHERE peer = 'e3'"):$(users)" "0:-" \
	"... nothing written: neither e3's stored position nor the row"
h_curl e1 "/api/pull?table=users&cursor=&node=e3" -H "$P"
is "$(err)" "403:node_forbidden" "pull as another node (its echo filter, its seen): 403"
h_curl e1 "/api/metadata?table=users&node=e3&brief=1" -H "$P"
is "$(err)" "403:node_forbidden" "metadata of another node's position: 403"
push "$A" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(change 1 admin e2)]}"
is "$(err)" "403:node_forbidden" "a key bound to no node cannot push changes as one"
h_curl e1 "/api/pull?table=users&cursor=&node=e2" -H "$A"
is "$(err)" "403:node_forbidden" "... nor pull as one"
h_curl e1 "/api/pull?table=users&cursor=" -H "$A"
is "$H_STATUS" 200 "... but pulls without naming a node"
push "$A" '{"table":"users","data":[{"id":7,"name":"orig","email":"o@x","updated_at":"2030-01-01 00:00:00"}]}'
is "$H_STATUS:$(json_get "$H_BODY" result.inserted)" "200:1" "... and pushes rows by the original API"
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(change 2 own e2)]}"
is "$H_STATUS:$(json_get "$H_BODY" result.inserted)" "200:1" "its own node's changes: applied"

# --- who wrote the changes
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(change 3 mine e2),$(change 4 forged e3)]}"
is "$(err)" "403:origin_forbidden" "a change written by another node, from a key that is no forwarder: 403"
like "$(json_get "$H_BODY" error.message)" 'changes\[1\]: origin e3 is not node e2' "... naming the change"
is "$(users)" "2=own,7=orig" "... and nothing of that batch applied"
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(change 5 slave e2.slave),$(change 6 client client:web-1),$(change 8 api api-someone)]}"
is "$H_STATUS:$(json_get "$H_BODY" result.inserted)" "200:3" \
	"its node's slave, an offline client and an original-API caller of its node: applied"
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(change 9 forged e1)]}"
is "$H_STATUS:$(json_get "$H_BODY" '[.result.inserted, .result.unchanged] | map(tostring) | join(",")')" \
	"200:0,1" "a change claiming this node (e1) wrote it: skipped as an echo, not applied"
is "$(h_sql e1 master "SELECT COUNT(*) FROM users WHERE id = 9")" 0 "... the row is not written"
api_config e1 '(.api.keys[] | select(.node == "e2")).forwarder = true' || bail_out "reload"
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(change 4 passed e3)]}"
is "$H_STATUS:$(json_get "$H_BODY" result.inserted)" "200:1" "a forwarder may push changes another node wrote"
is "$(h_sql e1 master "SELECT CONCAT(origin, ' via ', via) FROM _nunez_changelog WHERE pk = '[\"4\"]'")" \
	"e3 via e2" "... logged with their writer and the forwarder"
writers() {	# writers N: N changes, each by another node
	local i sep=""
	for i in $(seq 1 "$1"); do
		printf '%s%s' "$sep" "$(change $((100 + i)) m "n$i")"
		sep=,
	done
}
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(writers 65)]}"
is "$(err)" "400:too_many_origins" "a batch of 65 writers: 400 too_many_origins"
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[$(writers 64)]}"
is "$H_STATUS:$(json_get "$H_BODY" result.total)" "200:64" "... 64 are taken"

# --- end to end: a chain e1 > e2 > e3 needs e3 to take e2's forwarding
jq --arg u "$NR_E2_URL" --arg k "$NR_E2_KEY_PEER_E1" --arg s "$NR_E2_SIGN_PEER_E1" \
	'.remoteEnvironments = {"e2": {url: $u, apiKey: $k, signingSecret: $s, syncMode: "push"}}' \
	"$T/e1/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e1/config.json"
jq --arg u "$NR_E3_URL" --arg k "$NR_E3_KEY_PEER_E2" --arg s "$NR_E3_SIGN_PEER_E2" \
	'.remoteEnvironments = {"e3": {url: $u, apiKey: $k, signingSecret: $s, syncMode: "push"}}' \
	"$T/e2/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e2/config.json"
h_sql e1 master "INSERT INTO products (id, name, price) VALUES (1, 'chain', 1.00)"
nr_sync e1 --table products >"$T/chain1.out" 2>&1
is "$?:$(h_sql e2 master "SELECT name FROM products")" "0:chain" "chain: e1's row reaches e2"
nr_sync e2 --table products >"$T/chain2.out" 2>&1
is "$?" 1 "chain: e2's push of e1's change to e3 fails while e3's key for e2 is no forwarder"
like "$(cat "$T/chain2.out")" "HTTP 403: changes\[0\]: origin e1 is not node e2" "... saying why"
api_config e3 '(.api.keys[] | select(.node == "e2")).forwarder = true' || bail_out "reload e3"
nr_sync e2 --table products >"$T/chain3.out" 2>&1
is "$?:$(h_sql e3 master "SELECT name FROM products")" "0:chain" "... and passes once it is one"

# --- signatures: keyed with a secret no request carries
is "$(h_sql e2 master "SELECT COUNT(*) > 0 FROM _nunez_nonces")" 1 \
	"sync_multi signs its requests with the remote's signingSecret (e2 kept their nonces)"
remote() {	# remote JQ-UPDATE: edits e1's remote e2
	jq ".remoteEnvironments[\"e2\"] |= ($1)" "$T/e1/config.json" >"$T/c.json" &&
		mv "$T/c.json" "$T/e1/config.json"
}
h_sql e1 master "INSERT INTO products (id, name, price) VALUES (2, 'signed', 1.00)"
remote 'del(.signingSecret) | .legacySigning = true'
nr_sync e1 --table products >"$T/sign1.out" 2>&1
is "$?" 1 "signing the old way (keyed with the SHA-256 of the API key): refused"
like "$(cat "$T/sign1.out")" "HTTP 401: the signature does not match the request" "... as a bad signature"
remote '.signingSecret = "not-the-secret-0123456789"'
nr_sync e1 --table products >"$T/sign2.out" 2>&1
like "$?: $(cat "$T/sign2.out")" "^1: .*HTTP 401: the signature does not match" "another secret: refused"
api_config e2 '(.api.keys[] | select(.node == "e1")).legacySigning = true' || bail_out "reload e2"
remote 'del(.signingSecret)'
nr_sync e1 --table products >"$T/sign3.out" 2>&1
is "$?:$(h_sql e2 master "SELECT name FROM products WHERE id = 2")" "0:signed" \
	"the old scheme passes where the key says legacySigning: true"
like "$(grep legacySigning "$T/e2/api.log" | head -1)" "warning: .*legacySigning: signatures keyed with the SHA-256 of the key are taken" \
	"... which nunez-api warns about when it loads the config"

# --- http:// only to loopback
jq '.remoteEnvironments = {"far": {url: "http://203.0.113.7:8080/nunez", apiKey: "far-key-0123456789"}}' \
	"$T/e1/config.json" >"$T/e1/far.json"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/e1/far.json" check-config >"$T/far.out" 2>&1
is "$?" 2 "a remote over http:// to a host not on loopback: the config is refused"
like "$(cat "$T/far.out")" "remoteEnvironments.far.url: http:// sends the API key and every row in the clear" \
	"... naming the path"
"$NR_BUILDDIR/src/cli/sync_multi" --config "$T/e1/far.json" >"$T/far2.out" 2>&1
is "$?" 2 "... by sync_multi too (exit 2)"
jq '.remoteEnvironments.far.allowInsecure = true' "$T/e1/far.json" >"$T/e1/far3.json"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/e1/far3.json" check-config >"$T/far3.out" 2>&1
is "$?" 0 "... and taken with allowInsecure: true"

# --- cursor tokens: sealed by the node whose changelog they read
b64() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
h_curl e1 "/api/pull?table=users&cursor=&node=e2&limit=2" -H "$P"
real=$(json_get "$H_BODY" next_cursor)
like "$H_STATUS:$real" '^200:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$' "a pull answers a sealed cursor (body.seal)"
h_curl e1 "/api/pull?table=users&cursor=$real&node=e2" -H "$P"
is "$H_STATUS" 200 "... which e1 takes back"
h_curl e1 "/api/pull?table=users&cursor=$(b64 '{"v":1,"h":0,"g":[]}')&node=e2" -H "$P"
is "$(err)" "400:bad_cursor" 'a forged cursor ("h":0: read the whole changelog again): 400 bad_cursor'
like "$(json_get "$H_BODY" error.message)" "not sealed by this node" "... saying why"
h_curl e1 "/api/pull?table=users&cursor=$(b64 '{"v":1,"h":0,"g":[]}').${real#*.}&node=e2" -H "$P"
is "$(err)" "400:bad_cursor" "another body under a real token's seal: 400"
h_curl e2 "/api/pull?table=users&cursor=&node=e1&limit=1" -H "X-API-Key: $NR_E2_KEY_PEER_E1"
other=$(json_get "$H_BODY" next_cursor)
h_curl e1 "/api/pull?table=users&cursor=$other&node=e2" -H "$P"
is "$(err)" "400:bad_cursor" "a token sealed by another node (e2): 400"
like "$(json_get "$H_BODY" error.message)" "another node gave it" "... saying so"
h_curl e1 "/api/pull?table=users&cursor=$(b64 '{"v":1,"h":5,"g":[[1,1,-9223372036854775807]]}')&node=e2" -H "$P"
is "$(err)" "400:bad_cursor" "a gap seen before the epoch (its age would overflow): 400"
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"seen\":\"$(b64 '{"v":1,"h":999999,"g":[]}')\",\"changes\":[$(change 1 seen e2)]}"
is "$(err)" "400:bad_cursor" "a push whose seen is forged (it has 'seen' every change here): 400"
push "$P" "{\"table\":\"users\",\"node\":\"e2\",\"seen\":\"$real\",\"changes\":[$(change 1 seen e2)]}"
is "$H_STATUS" 200 "... and one e1 gave is taken"

# --- a tenant's feed reads that tenant's changelog entries only: the
# query of a /sync read (table, tenant, after a seq, in seq order) on a
# changelog where another tenant has 3000 entries and this one 5.
h_sql e1 master "INSERT INTO _nunez_changelog (tbl, pk, op, origin, changed_at, tenant)
	SELECT 'accounts', CONCAT('[\"', seq, '\"]'), 'U', 'e1', UTC_TIMESTAMP(6), IF(seq % 600 = 0, 'small', 'big')
	FROM seq_1_to_3000; ANALYZE TABLE _nunez_changelog" >/dev/null
read_rows=$(h_sql e1 master "ANALYZE FORMAT=JSON SELECT seq, pk, op, origin, via, changed_at
	FROM _nunez_changelog WHERE tbl = 'accounts' AND tenant = 'small' AND (seq > 0) ORDER BY seq LIMIT 100" |
	sed 's/\\n/ /g' | jq '[.. | objects | select(has("r_rows")) | .r_rows] | max')
is "$read_rows" 5 "a tenant's changelog read touches its 5 entries, not the other tenant's 3000 (index tbl, tenant, seq)"

# --- the upgrade: positions stored before tokens were sealed
T2="$T/up"
mkdir -p "$T2"
h_up "$T2" 2 || bail_out "harness (upgrade)"
sql2() { mariadb --no-defaults --socket="$T2/$1/$2/sock" -uroot -N -B appdb -e "$3"; }
ctl2() { "$NR_BUILDDIR/src/cli/nunezctl" --config "$T2/$1/config.json" "$2" >/dev/null; }
sync2() { "$NR_BUILDDIR/src/cli/sync_multi" --config "$T2/$1/config.json" "${@:2}"; }
api2() { h_api_stop "$T2" "$1" && h_api_start "$T2" "$1" && h_api_wait "$T2" "$1"; }
for e in e1 e2; do ctl2 $e init || bail_out "init $e"; done
sql2 e1 master "INSERT INTO products (id, name, price) VALUES (1, 'before', 1.00)"
sql2 e2 master "INSERT INTO products (id, name, price) VALUES (2, 'before', 1.00)"
# The local pair runs first: e1's slave gets e2's row on the next run.
sync2 e1 >"$T2/s1.out" 2>&1 && sync2 e2 >"$T2/s2.out" 2>&1 &&
	sync2 e1 --local-only >>"$T2/s1.out" 2>&1
is "$?:$(sql2 e1 slave "SELECT COUNT(*) FROM products")" "0:2" "upgrade: both environments synced, the slaves too"
# As a database of the version before: tokens unsealed, no key, no index.
for e in e1 e2; do
	for r in master slave; do
		sql2 $e $r "UPDATE _nunez_cursors SET cursor_token = SUBSTRING_INDEX(cursor_token, '.', 1);
			DELETE FROM _nunez_meta WHERE name IN ('cursor_key', 'cursor_legacy', 'epoch');
			DELETE FROM _nunez_schema_version WHERE version >= 4;
			DROP INDEX tbl_tenant_seq ON _nunez_changelog;
			DROP TABLE _nunez_acks, _nunez_purged;
			DROP INDEX finished_at ON _nunez_sync_log;
			DROP INDEX resolved_at ON _nunez_conflicts"
	done
done
is "$(sql2 e2 master "SELECT COUNT(*) FROM _nunez_cursors WHERE cursor_token LIKE '%.%'")" 0 \
	"upgrade: every stored position is an unsealed token"
for e in e1 e2; do ctl2 $e init || bail_out "upgrade $e"; api2 $e || bail_out "api $e"; done
is "$(sql2 e1 master "SELECT COUNT(*) FROM _nunez_meta WHERE name = 'cursor_legacy'"):$(sql2 e1 master "SELECT MAX(version) FROM _nunez_schema_version")" \
	"1:5" "upgrade: the migration records when tokens were sealed (this database was in use)"
sql2 e1 master "INSERT INTO products (id, name, price) VALUES (3, 'after', 1.00)"
sql2 e2 master "INSERT INTO products (id, name, price) VALUES (4, 'after', 1.00)"
sync2 e1 >"$T2/s3.out" 2>&1
rc1=$?
sync2 e2 >"$T2/s4.out" 2>&1 && sync2 e1 --local-only >>"$T2/s4.out" 2>&1
is "$rc1:$?" "0:0" "upgrade: both sync from the positions stored before: $(grep -ih 'fail\|error' "$T2"/s3.out "$T2"/s4.out | head -2)"
is "$(sql2 e1 master "SELECT GROUP_CONCAT(id ORDER BY id) FROM products"):$(sql2 e2 master "SELECT GROUP_CONCAT(id ORDER BY id) FROM products"):$(sql2 e1 slave "SELECT GROUP_CONCAT(id ORDER BY id) FROM products")" \
	"1,2,3,4:1,2,3,4:1,2,3,4" "... every change arrived, nothing twice"
is "$(sql2 e2 master "SELECT COUNT(*) FROM _nunez_cursors WHERE cursor_token NOT LIKE '%.%'")" 0 \
	"... and the stored positions are sealed now"
# The grace is over: a peer's unsealed token is refused; one this node
# stored itself (the local pair) is still read.
sql2 e1 master "UPDATE _nunez_meta SET value = CONCAT(UNIX_TIMESTAMP() - 8 * 86400, ' ', SUBSTRING_INDEX(value, ' ', -1)) WHERE name = 'cursor_legacy'"
api2 e1 || bail_out "api e1"
for e in e1 e2; do
	for r in master slave; do
		sql2 $e $r "UPDATE _nunez_cursors SET cursor_token = SUBSTRING_INDEX(cursor_token, '.', 1)"
	done
done
sql2 e1 master "INSERT INTO products (id, name, price) VALUES (5, 'late', 1.00)"
sync2 e2 --env e1 >"$T2/s5.out" 2>&1
is "$?" 1 "after the grace (sync.legacyCursorGraceSeconds) an unsealed token from a peer is refused"
like "$(cat "$T2/s5.out")" "HTTP 400: cursor: the cursor is not sealed by this node" "... with 400 bad_cursor"
sync2 e1 --local-only >"$T2/s6.out" 2>&1
is "$?:$(sql2 e1 slave "SELECT name FROM products WHERE id = 5")" "0:late" \
	"... while the local pair reads the unsealed position this node stored itself"
h_down "$T2" >/dev/null

done_testing
