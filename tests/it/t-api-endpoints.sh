#!/usr/bin/env bash
# Every endpoint through nginx: success paths, the original API's exact
# request and response shapes, the sync protocol, scopes and table lists,
# signed requests and replays, gzip, operations, SIGHUP reload.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (
  id INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL,
  email VARCHAR(190) NOT NULL, password_hash VARCHAR(255) NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
CREATE TABLE products (id INT NOT NULL PRIMARY KEY, name VARCHAR(50),
  price DECIMAL(10,2)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --schema "$T/schema.sql" --tables '[
  {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at",
   "ignoreColumns": ["password_hash"]},
  {"name": "products", "primaryKey": "id", "conflictStrategy": "manual"}]' ||
	bail_out "harness"
h_env
for e in e1 e2; do nr_ctl $e init >/dev/null || bail_out "init $e"; done
A="X-API-Key: $NR_E1_KEY_ADMIN"
R="X-API-Key: $NR_E1_KEY_READ"
P="X-API-Key: $NR_E1_KEY_PEER"
SIGNER=signer-key-0123456789abcdef
SIGNER_SECRET=signer-signing-secret-0123456789
PRODUCTS=products-key-0123456789abcd

# More keys, added by a reload (SIGHUP) of nunez-api.
jq --arg s "$SIGNER" --arg ss "$SIGNER_SECRET" --arg p "$PRODUCTS" '.api.keys += [
  {"name": "signer", "key": $s, "scopes": ["read", "pull", "push"],
   "requireSignature": true, "signingSecret": $ss},
  {"name": "products-only", "key": $p, "scopes": ["pull", "push"],
   "tables": ["products"]}]' "$T/e1/config.json" >"$T/new.json"
cp "$T/e1/config.json" "$T/old.json"
echo '{"mode": broken' >"$T/e1/config.json"
api_reload e1
is $? 1 "SIGHUP with a bad config: rejected, the old one kept"
h_curl e1 /api/status -H "$R"
is "$H_STATUS" 200 "... and the API still answers with the old keys"
cp "$T/new.json" "$T/e1/config.json"
api_reload e1
ok $? "SIGHUP with a good config: reloaded"
h_curl e1 /api/pull -G -d table=products -H "X-API-Key: $PRODUCTS"
is "$H_STATUS" 200 "a key added by the reload works"

# --- health, instance, status, config, metrics
h_curl e1 /.well-known/nunez-instance
is "$H_STATUS:$(json_get "$H_BODY" node)" "200:e1" "instance: no key needed, names the node"
is "$(json_get "$H_BODY" signing.algorithm)" HMAC-SHA256 "instance: says how requests are signed"
h_curl e1 /api/status -H "$R"
is "$(json_get "$H_BODY" database)" ok "status: database ok"
is "$(json_get "$H_BODY" '[.tables[].conflictStrategy] | join(",")')" "last_write_wins,manual" \
	"status: tables with their strategies"
h_curl e1 /api/config -H "$R"
is "$H_STATUS" 403 "config needs admin"
is "$(json_get "$H_BODY" error.code)" forbidden "... 403 forbidden"
h_curl e1 /api/config -H "$A"
is "$H_STATUS" 200 "config with an admin key"
leak=0
for secret in "$NR_E1_KEY_ADMIN" "$NR_E1_KEY_PEER" "$NR_E2_KEY_PEER" "$SIGNER" \
	"$SIGNER_SECRET" "$NR_E1_SIGN_PEER" "$NR_E2_SIGN_PEER" \
	"$NR_DB_PASSWORD" "$(h_sha256 "$NR_E1_KEY_READ")"; do
	case $H_BODY in *"$secret"*) leak=$((leak + 1)) ;; esac
done
is "$leak" 0 "config shows no key, hash, signing secret, remote apiKey or database password"
is "$(json_get "$H_BODY" '.config.remoteEnvironments["e2"].apiKey')" "********" "remote apiKey redacted"
is "$(json_get "$H_BODY" config.databases.master.password)" "********" "database password redacted"
h_curl e1 /metrics
is "$H_STATUS" 401 "metrics need a key"
h_curl e1 /metrics -H "$R"
like "$H_BODY" 'nunez_requests_total\{endpoint="/api/status",status="200"\} [0-9]+' \
	"metrics: requests by endpoint and status"
like "$H_BODY" "nunez_database_up 1" "metrics: database up"

# --- the original API, exactly as its clients send it
h_curl e1 /api/push -X POST -H "$P" -H 'Content-Type: application/json' \
	-d '{"table":"users","data":[{"id":1,"name":"Ada","email":"ada@x","updated_at":"2024-05-01 10:00:00"},{"id":2,"name":"Bob","email":"bob@x","password_hash":"secret","updated_at":"2024-05-01 10:00:00"}]}'
is "$H_STATUS" 200 "original push: 200"
is "$(json_get "$H_BODY" '[.success, .result.inserted, .result.updated, .result.total] | map(tostring) | join(",")')" \
	"true,2,0,2" "original push answers {success, result: {inserted, updated, total}}"
is "$(h_sql e1 master "SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL")" 0 \
	"an ignored column in a pushed row is dropped"
h_curl e1 /api/push -X POST -H "$P" \
	-d '{"table":"users","data":[{"id":1,"name":"Ada L","email":"ada@x","updated_at":"2024-05-02 10:00:00"},{"id":2,"name":"Old Bob","email":"bob@x","updated_at":"2024-04-01 00:00:00"}]}'
is "$(json_get "$H_BODY" '[.result.inserted, .result.updated, .result.total] | map(tostring) | join(",")')" \
	"0,1,2" "a newer row updates, an older one does not (last write wins)"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(name ORDER BY id) FROM users")" "Ada L,Bob" "the data says so too"
h_curl e1 "/api/pull?table=users" -H "$P"
is "$(json_get "$H_BODY" '[.success, .table, (.data | length)] | map(tostring) | join(",")')" "true,users,2" \
	"original pull answers {success, table, data}"
like "$(json_get "$H_BODY" timestamp)" "^20[0-9]{2}-[0-9]{2}-[0-9]{2} " "... and a timestamp"
h_curl e1 "/api/pull?table=users&since=2024-05-01%2012:00:00" -H "$P"
is "$(json_get "$H_BODY" '[.data[].name] | join(",")')" "Ada L" "pull since a time gives the rows changed after it"
h_curl e1 "/api/metadata?table=users" -H "$P"
is "$(json_get "$H_BODY" '.metadata | keys | join(",")')" \
	"changelog_head,deleted_records,first_sync,last_sync,total_records" \
	"original metadata fields"
is "$(json_get "$H_BODY" metadata.total_records)" 2 "metadata counts rows"
h_curl e1 "/api/metadata?table=users&checksum=1" -H "$P"
is "$H_STATUS:$(json_get "$H_BODY" metadata.checksum_rows):$(json_get "$H_BODY" '.metadata.checksum | test("^[0-9]+$")')" \
	"200:$(h_sql e1 master "SELECT COUNT(*) FROM users"):true" "metadata with a checksum over every row"
sum1=$(json_get "$H_BODY" metadata.checksum)
h_sql e1 master "UPDATE users SET name = CONCAT(name, '!') WHERE id = 2"
h_curl e1 "/api/metadata?table=users&checksum=1" -H "$P"
sum2=$(json_get "$H_BODY" metadata.checksum)
h_sql e1 master "UPDATE users SET name = TRIM(TRAILING '!' FROM name) WHERE id = 2"
h_curl e1 "/api/metadata?table=users&checksum=1" -H "$P"
is "$([ "$sum1" != "$sum2" ] && echo changed):$(json_get "$H_BODY" metadata.checksum)" "changed:$sum1" \
	"the checksum follows a change of one value, and comes back with it"

# --- the sync protocol
h_curl e1 "/api/pull?table=users&cursor=&limit=1&node=e2" -H "$P"
is "$(json_get "$H_BODY" '[.has_more, .snapshot, (.changes | length)] | map(tostring) | join(",")')" \
	"true,true,1" "pull by cursor: the first copy, one row per page"
c1=$(json_get "$H_BODY" next_cursor)
is "$(json_get "$H_BODY" '.changes[0].pk | tojson')" '["1"]' "a change carries its key as an array"
h_curl e1 "/api/pull?table=users&cursor=$c1&limit=1&node=e2" -H "$P"
is "$(json_get "$H_BODY" '.changes[0].row.name')" "Bob" "the next page continues after the cursor"
cur=$(json_get "$H_BODY" next_cursor)
for i in 1 2 3; do
	h_curl e1 "/api/pull?table=users&cursor=$cur&limit=1&node=e2" -H "$P"
	cur=$(json_get "$H_BODY" next_cursor)
done
is "$(json_get "$H_BODY" '[.has_more, (.changes | length)] | map(tostring) | join(",")')" "false,0" \
	"caught up: no changes, has_more false"
head=$cur
h_curl e1 "/api/metadata?table=users&node=e2&brief=1" -H "$P"
is "$(json_get "$H_BODY" '.metadata | keys | join(",")')" "peer_cursor" \
	"metadata brief=1: only where the caller's changes stand (no row count)"
h_curl e1 "/api/metadata?table=users&brief=1" -H "$P"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:missing_node" "metadata brief=1 needs node"
h_curl e2 /api/push -X POST -H "X-API-Key: $NR_E2_KEY_PEER" -d "{\"table\":\"users\",\"node\":\"e1\",\"batch_id\":\"e1-users-1\",\"from\":\"\",\"cursor\":\"$head\",\"changes\":[{\"op\":\"U\",\"pk\":[\"1\"],\"row\":{\"id\":\"1\",\"name\":\"Ada L\",\"email\":\"ada@x\",\"updated_at\":\"2024-05-02 10:00:00.000000\"},\"origin\":\"e1\",\"ts\":\"2024-05-02 10:00:00.000000\"}]}"
is "$(json_get "$H_BODY" '[.result.inserted, .replayed] | map(tostring) | join(",")')" "1,false" \
	"push of changes with a batch id: applied"
h_curl e2 /api/push -X POST -H "X-API-Key: $NR_E2_KEY_PEER" -d "{\"table\":\"users\",\"node\":\"e1\",\"batch_id\":\"e1-users-1\",\"changes\":[{\"op\":\"D\",\"pk\":[\"1\"],\"row\":null,\"origin\":\"e1\"}]}"
is "$(json_get "$H_BODY" '[.result.inserted, .replayed] | map(tostring) | join(",")')" "1,true" \
	"the same batch id again: the first answer, nothing applied"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users WHERE id = 1")" 1 "the replayed batch's delete was not applied"
is "$(h_sql e2 master "SELECT cursor_token FROM _nunez_cursors WHERE peer = 'e1' AND tbl = 'users'")" "$head" \
	"the sender's cursor is stored with the batch"
h_curl e2 "/api/pull?table=users&cursor=&node=e1" -H "X-API-Key: $NR_E2_KEY_PEER"
is "$(json_get "$H_BODY" '[.changes[] | select(.pk == ["1"]) | .origin, .ts] | join(",")')" \
	"e1,2024-05-02 10:00:00.000000" \
	"a first copy carries each row with its writer and write time"
is "$(json_get "$H_BODY" seen)" "$head" "... and says how far this node has the caller's changes (seen)"

# --- scopes and table lists
h_curl e1 /api/push -X POST -H "$R" -d '{"table":"users","data":[]}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "403:forbidden" "a read key cannot push"
h_curl e1 "/api/pull?table=users" -H "X-API-Key: $PRODUCTS"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "403:table_forbidden" "a key bound to products cannot pull users"
h_curl e1 /api/push -X POST -H "X-API-Key: $PRODUCTS" -d '{"table":"products","data":[{"id":1,"name":"Pen","price":"1.50"}]}'
is "$H_STATUS" 200 "... but can push products"

# --- signed requests
h_curl e1 "/api/pull?table=users" -H "X-API-Key: $SIGNER"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "401:signature_required" "a key that must sign: unsigned refused"
H_SIGN_SECRET="" h_signed e1 GET /api/pull "table=users" "$SIGNER"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "401:signature_invalid" \
	"a signature keyed with the SHA-256 of the key (which every request carries): refused"
H_SIGN_SECRET=$SIGNER_SECRET
h_signed e1 GET /api/pull "table=users" "$SIGNER"
is "$H_STATUS" 200 "a pull signed with the key's signing secret"
nonce=$H_NONCE
h_signed e1 GET /api/pull "table=users" "$SIGNER" "" "" "$nonce"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "401:nonce_replayed" "the same nonce again: a replay, refused"
khash=$SIGNER_SECRET
ts=$(date +%s)
sig=$(printf 'GET\n/api/pull\ntable=users\n%s\nfresh-nonce-0123456789\n%s' "$ts" \
	"$(printf '' | sha256sum | awk '{print $1}')" | openssl dgst -sha256 -hmac "$khash" -hex | awk '{print $NF}')
h_curl e1 "/api/pull?table=products" -H "X-API-Key: $SIGNER" -H "X-Nunez-Timestamp: $ts" \
	-H "X-Nunez-Nonce: fresh-nonce-0123456789" -H "X-Nunez-Signature: $sig"
is "$(json_get "$H_BODY" error.code)" "signature_invalid" "a request changed after signing (the query) is refused"
h_curl e1 "/api/pull?table=users" -H "X-API-Key: $SIGNER" -H "X-Nunez-Timestamp: $ts" \
	-H "X-Nunez-Nonce: fresh-nonce-0123456789" -H "X-Nunez-Signature: $sig"
is "$H_STATUS" 200 "the unchanged request with that signature passes"
h_signed e1 GET /api/pull "table=users" "$SIGNER" "" $(($(date +%s) - 400))
is "$(json_get "$H_BODY" error.code)" signature_expired "a timestamp 400 s old is stale"
h_signed e1 GET /api/pull "table=users" "$SIGNER" "" $(($(date +%s) + 400))
is "$(json_get "$H_BODY" error.code)" signature_expired "... and 400 s ahead too"
H_SIG_OVERRIDE=$(printf '%064d' 0) h_signed e1 GET /api/pull "table=users" "$SIGNER"
is "$(json_get "$H_BODY" error.code)" signature_invalid "a wrong signature"
body='{"table":"users","data":[{"id":3,"name":"Cy","email":"cy@x","updated_at":"2024-06-01 00:00:00"}]}'
h_signed e1 POST /api/push "" "$SIGNER" "$body"
is "$H_STATUS:$(json_get "$H_BODY" result.inserted)" "200:1" "a signed push (the body is signed too)"
nonce=$H_NONCE
h_api_stop "$T" e1
h_api_start "$T" e1
h_api_wait "$T" e1
h_signed e1 POST /api/push "" "$SIGNER" "$body" "" "$nonce"
is "$(json_get "$H_BODY" error.code)" nonce_replayed "a replay is refused after a restart too"
H_SIGN_SECRET=$NR_E1_SIGN_PEER
h_signed e1 GET /api/pull "table=users" "$NR_E1_KEY_PEER"
is "$H_STATUS" 200 "a key that need not sign may sign"
H_SIG_OVERRIDE=$(printf '%064d' 0) h_signed e1 GET /api/pull "table=users" "$NR_E1_KEY_PEER"
is "$H_STATUS" 401 "... and is checked when it does"
H_SIGN_SECRET=""
h_signed e1 GET /api/pull "table=users" "$NR_E1_KEY_ADMIN"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "401:signature_unverifiable" \
	"a key with no signing secret cannot have its signature checked: 401, not taken as unsigned"

# --- gzip
printf '%s' '{"table":"users","data":[{"id":4,"name":"Di","email":"di@x","updated_at":"2024-06-01 00:00:00"}]}' |
	gzip -c >"$T/body.gz"
h_curl e1 /api/push -X POST -H "$P" -H "Content-Encoding: gzip" --data-binary @"$T/body.gz"
is "$H_STATUS:$(json_get "$H_BODY" result.inserted)" "200:1" "a gzip request body is accepted"
h_sql e1 master "INSERT INTO users (id, name, email) SELECT seq + 100, REPEAT('x', 50), 'e' FROM seq_1_to_100"
enc=$(curl -s -o /dev/null -D - -H "$P" -H "Accept-Encoding: gzip" "$NR_E1_URL/api/pull?table=users" |
	tr -d '\r' | sed -n 's/^Content-Encoding: //Ip')
is "$enc" gzip "a response is gzip when asked"
count=$(curl -s --compressed -H "$P" "$NR_E1_URL/api/pull?table=users&limit=1000" | jq '.data | length')
is "$count" 104 "... and decompresses to the full answer"

# --- operations
h_curl e1 /api/replication/peers -H "$A"
is "$(json_get "$H_BODY" '[.peers[].name] | join(",")')" e2 "peers lists the remotes"
h_curl e2 /api/replication/lag -H "X-API-Key: $NR_E2_KEY_ADMIN"
is "$(json_get "$H_BODY" '.lag[0] | [.peer, .table] | join(",")')" "e1,users" "lag per peer and table"
h_sql e1 master "INSERT INTO products VALUES (9, 'local', 1.00)"
h_curl e1 /api/push -X POST -H "$P" -d '{"table":"products","node":"e2","changes":[{"op":"U","pk":["9"],"row":{"id":"9","name":"remote","price":"2.00"},"origin":"e2","ts":null}]}'
is "$(json_get "$H_BODY" result.conflicts)" 1 "a concurrent change of a manual table: a conflict"
h_curl e1 /api/replication/conflicts -H "$A"
id=$(json_get "$H_BODY" '.conflicts[0].id')
is "$(json_get "$H_BODY" '.conflicts[0] | [.tbl, .status, .winner] | join(",")')" "products,open,none" \
	"conflicts lists it, open"
h_curl e1 /api/replication/conflicts/$id -H "$A"
like "$(json_get "$H_BODY" conflict.remote_row)" '"name":"remote"' "a conflict shows the remote row"
h_curl e1 /api/replication/conflicts/99999 -H "$A"
is "$H_STATUS" 404 "an unknown conflict: 404"
h_curl e1 /api/replication/conflicts/$id/resolve -X POST -H "$A" -d '{"resolution":"use_remote"}'
is "$H_STATUS" 200 "resolve use_remote"
is "$(h_sql e1 master "SELECT name FROM products WHERE id = 9")" remote "the remote row is written"
h_curl e1 /api/replication/conflicts/$id/resolve -X POST -H "$A" -d '{"resolution":"use_local"}'
is "$H_STATUS" 409 "resolving a resolved conflict: 409"
h_curl e1 /api/replication/pause -X POST -H "$A"
h_curl e1 /api/status -H "$R"
is "$(json_get "$H_BODY" paused)" true "pause: status says paused"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
like "$(cat "$T/sync.out")" "replication is paused" "sync_multi does nothing while paused"
h_curl e1 /api/replication/resume -X POST -H "$A"
h_curl e1 /api/status -H "$R"
is "$(json_get "$H_BODY" paused)" false "resume"
h_curl e2 /api/replication/resync -X POST -H "X-API-Key: $NR_E2_KEY_ADMIN" -d '{"peer":"e1","table":"users"}'
is "$(json_get "$H_BODY" reset)" true "resync resets the peer's cursor"
is "$(h_sql e2 master "SELECT COUNT(*) FROM _nunez_cursors WHERE peer = 'e1'")" 0 "... it is gone"
h_curl e1 /api/replication/pause -H "$A"
is "$H_STATUS" 405 "GET on a POST endpoint: 405"

# --- what the dashboard reads: the sync log, tables, circuits, errors
nr_sync e1 --local-only >/dev/null 2>&1
h_curl e1 "/api/replication/log?limit=2" -H "$A"
is "$(json_get "$H_BODY" '[(.log | length), .log[0].peer, .log[0].status] | map(tostring) | join(",")')" \
	"2,local,ok" "log: the newest sync log rows, limited"
is "$(json_get "$H_BODY" '.log[0] | keys | join(",")')" \
	"conflicts,direction,finished_at,id,message,peer,rows_in,rows_out,started_at,status,table" \
	"log: each row's fields"
newest=$(h_sql e1 master "SELECT MAX(id) FROM _nunez_sync_log")
is "$(json_get "$H_BODY" '.log[0].id')" "$newest" "log: newest first"
h_sql e1 master "INSERT INTO _nunez_sync_log (started_at, finished_at, peer, tbl, direction, status, message)
	VALUES (UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'e2', 'users', 'pull', 'failed', 'connection refused')"
h_curl e1 "/api/replication/log?peer=e2&status=failed" -H "$A"
is "$(json_get "$H_BODY" '[.log[] | [.peer, .table, .status, .message] | join(",")] | join(";")')" \
	"e2,users,failed,connection refused" "log: filtered by peer and status"
h_curl e1 "/api/replication/log?table=products&peer=local&limit=1000" -H "$A"
is "$(json_get "$H_BODY" '[.log[].table] | unique | join(",")')" products "log: filtered by table"
h_curl e1 "/api/replication/log?limit=0" -H "$A"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_limit" "log: a limit out of range is 400"
h_curl e1 "/api/replication/log?status=maybe" -H "$A"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_status" "log: an unknown status is 400"
h_curl e1 "/api/replication/log?peer=a%20b" -H "$A"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_peer" "log: a peer that is no node id is 400"
h_curl e1 /api/replication/log -H "$R"
is "$H_STATUS" 403 "log needs admin"
h_curl e1 /api/replication/peers -H "$A"
is "$(json_get "$H_BODY" '.peers[0].circuit | [.state, .failures, .openedAt] | map(tostring) | join(",")')" \
	"closed,0,null" "peers: a remote's circuit, closed"
is "$(json_get "$H_BODY" '.peers[0].recentErrors[0] | [.table, .direction, .message] | join(",")')" \
	"users,pull,connection refused" "peers: a remote's recent errors"
is "$(json_get "$H_BODY" '.peers[0].lastRun.status')" failed "peers: the remote's last run"
h_sql e1 master "INSERT INTO _nunez_meta (name, value) VALUES ('breaker:e2', CONCAT('5 ', UNIX_TIMESTAMP() - 10))"
h_curl e1 /api/replication/peers -H "$A"
is "$(json_get "$H_BODY" '.peers[0].circuit | [.state, .failures] | map(tostring) | join(",")')" \
	"open,5" "peers: an open circuit"
like "$(json_get "$H_BODY" '.peers[0].circuit.retryInSeconds')" '^(289|29[0-9])$' \
	"... with the seconds until it is tried again"
h_sql e1 master "UPDATE _nunez_meta SET value = CONCAT('5 ', UNIX_TIMESTAMP() - 400) WHERE name = 'breaker:e2'"
h_curl e1 /api/replication/peers -H "$A"
is "$(json_get "$H_BODY" '.peers[0].circuit.state')" half_open "peers: past the cooldown, half open"
h_sql e1 master "DELETE FROM _nunez_meta WHERE name = 'breaker:e2'"
h_curl e1 /api/replication/tables -H "$A"
is "$(json_get "$H_BODY" '[.tables[] | [.name, .rows, .conflictStrategy] | map(tostring) | join(":")] | join(",")')" \
	"users:$(h_sql e1 master "SELECT COUNT(*) FROM users"):last_write_wins,products:$(h_sql e1 master "SELECT COUNT(*) FROM products"):manual" \
	"tables: row counts and strategies"
is "$(json_get "$H_BODY" '.tables[0].changelogHead')" \
	"$(h_sql e1 master "SELECT MAX(seq) FROM _nunez_changelog WHERE tbl = 'users'")" "tables: changelog head"
h_sql e1 master "INSERT INTO _nunez_conflicts (tbl, pk, peer, strategy, winner, status, created_at)
	VALUES ('products', '[\"1\"]', 'e2', 'manual', 'none', 'open', UTC_TIMESTAMP(6))"
h_curl e1 /api/replication/tables -H "$A"
is "$(json_get "$H_BODY" '.tables[1].openConflicts')" 1 "tables: open conflicts per table"
h_sql e1 master "DELETE FROM _nunez_conflicts WHERE status = 'open'"
h_curl e1 /api/replication/tables -H "$R"
is "$H_STATUS" 403 "tables needs admin"

# --- plain reads from the slave, while it is fresh enough
api_config e1 '.api.readFromSlave = true | .api.maxSlaveLagSeconds = 60'
ok $? "reloaded with readFromSlave"
nr_sync e1 --local-only >/dev/null 2>&1
h_sql e1 slave "INSERT INTO users (id, name, email, updated_at) VALUES (777, 'only on the slave', 'x', '2031-01-01')"
h_curl e1 "/api/pull?table=users&since=2030-01-01" -H "$P"
is "$(json_get "$H_BODY" '[.data[].name] | join(",")')" "only on the slave" \
	"readFromSlave: a pull by time reads the freshly synced slave"
h_sql e1 slave "UPDATE _nunez_cursors SET updated_at = UTC_TIMESTAMP() - INTERVAL 1 HOUR"
sleep 1.1
h_curl e1 "/api/pull?table=users&since=2030-01-01" -H "$P"
is "$H_STATUS:$(json_get "$H_BODY" '.data | length')" "200:0" "a slave an hour behind is not read: the master is"

# --- the shared changelog head: pulls at the head within
# api.headCacheMilliseconds of a read answer without the database
api_config e1 '.api.headCacheMilliseconds = 1000'
ok $? "reloaded with headCacheMilliseconds 1000"
cur=""
while :; do
	h_curl e1 "/api/pull?table=users&cursor=$cur&node=e2" -H "$P"
	cur=$(json_get "$H_BODY" next_cursor)
	[ "$(json_get "$H_BODY" has_more)" = false ] && break
done
h_curl e1 "/api/pull?table=users&cursor=$cur&node=e2" -H "$P"
h_sql e1 master "INSERT INTO users (id, name, email) VALUES (888, 'cached head', 'c@x')"
h_curl e1 "/api/pull?table=users&cursor=$cur&node=e2" -H "$P"
is "$(json_get "$H_BODY" '.changes | length'):$(json_get "$H_BODY" next_cursor)" "0:$cur" \
	"head cache: a write just after a read of the head waits for the cache to age (the cursor stays)"
sleep 1.1
h_curl e1 "/api/pull?table=users&cursor=$cur&node=e2" -H "$P"
is "$(json_get "$H_BODY" '[.changes[].row.name] | join(",")')" "cached head" \
	"head cache: once it is older than headCacheMilliseconds the change is read"
cur=$(json_get "$H_BODY" next_cursor)
api_config e1 '.api.headCacheMilliseconds = 0'
ok $? "reloaded with headCacheMilliseconds 0"
h_curl e1 "/api/pull?table=users&cursor=$cur&node=e2" -H "$P"
h_sql e1 master "INSERT INTO users (id, name, email) VALUES (889, 'no cache', 'n@x')"
h_curl e1 "/api/pull?table=users&cursor=$cur&node=e2" -H "$P"
is "$(json_get "$H_BODY" '[.changes[].row.name] | join(",")')" "no cache" \
	"head cache off (0): a write just after a read of the head is read at once"

# The gauges, each with its labels and value, once there is something to count.
h_curl e2 /metrics -H "X-API-Key: $NR_E2_KEY_READ"
n=$(h_sql e2 master "SELECT MAX(seq) FROM _nunez_changelog WHERE tbl = 'users'")
like "$H_BODY" "nunez_changelog_head\{table=\"users\"\} $n
" "metrics: changelog head by table ($n)"
like "$H_BODY" 'nunez_changelog_entries [0-9]+
' "metrics: changelog entries as the table statistics estimate them"
like "$H_BODY" 'nunez_changelog_bytes [1-9][0-9]*
' "metrics: changelog bytes from the table statistics"
like "$H_BODY" 'nunez_sync_lag_seconds\{peer="e1",table="users"\} [0-9]+(\.[0-9]+)?
' "metrics: lag by peer and table"

done_testing
