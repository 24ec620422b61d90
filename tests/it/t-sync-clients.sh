#!/usr/bin/env bash
# /sync for offline-first clients through nginx: the initial snapshot
# (paged), changes since a cursor, a client's queued changes with the
# engine's conflict rules, idempotence by client_change_id, tenancy
# (reads, writes, moves), bad requests, and replication of client
# changes to another environment.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE accounts (id CHAR(36) NOT NULL PRIMARY KEY,
  tenant_id VARCHAR(64) NOT NULL, name VARCHAR(100) NOT NULL,
  currency CHAR(3) NOT NULL DEFAULT 'EUR',
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
    ON UPDATE CURRENT_TIMESTAMP(6), KEY tenant (tenant_id)) ENGINE=InnoDB;
CREATE TABLE transactions (id CHAR(36) NOT NULL PRIMARY KEY,
  tenant_id VARCHAR(64) NOT NULL, account_id CHAR(36) NOT NULL,
  amount DECIMAL(12,2) NOT NULL, memo VARCHAR(200) NOT NULL DEFAULT '',
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
    ON UPDATE CURRENT_TIMESTAMP(6), KEY tenant (tenant_id)) ENGINE=InnoDB;
CREATE TABLE notes (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  body VARCHAR(200) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE products (id INT NOT NULL PRIMARY KEY, name VARCHAR(50)) ENGINE=InnoDB;
CREATE TABLE events (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --schema "$T/schema.sql" --tables '[
  {"name": "accounts", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "transactions", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id", "conflictStrategy": "primary_wins"},
  {"name": "notes", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id", "conflictStrategy": "manual"},
  {"name": "products", "primaryKey": "id"},
  {"name": "events", "primaryKey": "id", "capture": "timestamp",
   "timestampColumn": "at", "tenantColumn": "tenant_id"}]' || bail_out "harness"
h_env
for e in e1 e2; do nr_ctl $e init >/dev/null || bail_out "init $e"; done
C1=client-key-tenant-one-0123456789
C2=client-key-tenant-two-0123456789
jq --arg a "$C1" --arg b "$C2" '.api.keys += [
  {"name": "t1-app", "key": $a, "scopes": ["client"], "tenant": "t1"},
  {"name": "t2-app", "key": $b, "scopes": ["client"], "tenant": "t2"}]' \
	"$T/e1/config.json" >"$T/c.json" && cp "$T/c.json" "$T/e1/config.json"
api_reload e1 || bail_out "reload"
# "Later" for a client: a minute ahead, within the allowed clock skew
# (a time further ahead is refused, see t-sec-tenant.sh).
SOON=$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)
K1="X-API-Key: $C1"
K2="X-API-Key: $C2"
A="X-API-Key: $NR_E1_KEY_ADMIN"
J="Content-Type: application/json"

h_sql e1 master "INSERT INTO accounts (id, tenant_id, name) VALUES
  ('a1000000-0000-0000-0000-000000000001', 't1', 'Cash'),
  ('a1000000-0000-0000-0000-000000000002', 't1', 'Bank'),
  ('a1000000-0000-0000-0000-000000000003', 't1', 'Savings'),
  ('a2000000-0000-0000-0000-000000000001', 't2', 'Other tenant'),
  ('a2000000-0000-0000-0000-000000000002', 't2', 'Other again');
  INSERT INTO notes (id, tenant_id, body) VALUES (1, 't1', 'first'), (2, 't2', 'theirs');
  INSERT INTO transactions (id, tenant_id, account_id, amount) VALUES
  ('b1000000-0000-0000-0000-000000000001', 't1', 'a1000000-0000-0000-0000-000000000001', '12.50');
  INSERT INTO products VALUES (1, 'not a tenant table');
  INSERT INTO events (id, tenant_id) VALUES (1, 't1'), (2, 't2')"

# --- the initial snapshot
h_curl e1 /sync/initial/t1 -H "$K1"
is "$H_STATUS" 200 "initial: 200 for the key's own tenant"
is "$(json_get "$H_BODY" '[.rows[] | .table + ":" + .row.tenant_id] | sort | join(",")')" \
	"accounts:t1,accounts:t1,accounts:t1,notes:t1,transactions:t1" \
	"initial: every row of the tenant in every tenant table, no other tenant's, no products, no table captured by timestamp"
is "$(json_get "$H_BODY" '.has_more'):$(json_get "$H_BODY" '.next_page')" "false:null" \
	"initial: one page, no next page"
is "$(json_get "$H_BODY" '[.rows[] | select(.table == "transactions")][0].row.amount')" "12.50" \
	"initial: values as text, exactly as stored"
CUR=$(json_get "$H_BODY" .cursor)
[ -n "$CUR" ] && [ "$CUR" != null ]
ok $? "initial: a cursor to continue from"

pages=0 page="" all=""
while :; do
	h_curl e1 "/sync/initial/t1?limit=2${page:+&page=$page}" -H "$K1"
	[ "$H_STATUS" = 200 ] || break
	pages=$((pages + 1))
	all="$all $(json_get "$H_BODY" '[.rows[] | .table + "/" + (.row.id | tostring)] | join(" ")')"
	[ "$(json_get "$H_BODY" .has_more)" = true ] || break
	page=$(json_get "$H_BODY" .next_page)
	[ $pages -lt 20 ] || break
done
is "$(echo $all | tr ' ' '\n' | sort -u | wc -l):$(echo $all | wc -w)" "5:5" \
	"initial in pages of 2: all 5 rows once each"
[ $pages -ge 3 ]
ok $? "initial in pages of 2: $pages pages"

h_curl e1 /sync/initial/t2 -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "403:tenant_forbidden" "initial: another tenant's snapshot is refused"
h_curl e1 /sync/initial/t2 -H "$A"
is "$H_STATUS:$(json_get "$H_BODY" '.rows | length')" "200:3" "initial: an admin key reads any tenant"
h_curl e1 /sync/initial/t1 -H "X-API-Key: $NR_E1_KEY_PEER"
is "$H_STATUS" 403 "initial: a key without client or admin scope is refused"
h_curl e1 /api/pull -G -d table=accounts -H "$K1"
is "$H_STATUS" 403 "a client key cannot use the server-to-server pull"
h_curl e1 /sync/initial/t1
is "$H_STATUS" 401 "initial: no key, 401"

# --- changes since the cursor: the tenant's only, deletes as keys
h_curl e1 /sync/initial/t2 -H "$A"
T2CUR=$(json_get "$H_BODY" .cursor)
h_sql e1 master "INSERT INTO accounts (id, tenant_id, name) VALUES ('a1000000-0000-0000-0000-000000000004', 't1', 'New on server'), ('a2000000-0000-0000-0000-000000000003', 't2', 'Not yours');
  DELETE FROM accounts WHERE id = 'a1000000-0000-0000-0000-000000000003';
  UPDATE accounts SET tenant_id = 't2' WHERE id = 'a1000000-0000-0000-0000-000000000002'"
h_curl e1 "/sync/changes/t1?since=$CUR" -H "$K1"
is "$H_STATUS" 200 "changes: 200"
is "$(json_get "$H_BODY" '[.changes[] | .op + ":" + (.row.id // .key.id)] | sort | join(",")')" \
	"delete:a1000000-0000-0000-0000-000000000002,delete:a1000000-0000-0000-0000-000000000003,upsert:a1000000-0000-0000-0000-000000000004" \
	"changes: the insert, the delete (as a key), and the row moved away (as a delete); nothing of t2"
is "$(json_get "$H_BODY" '[.changes[] | select(.op == "upsert")][0].updated_at | length > 18')" true \
	"changes: each with its write time"
CUR2=$(json_get "$H_BODY" .next_cursor)
h_curl e1 "/sync/changes/t2?since=$T2CUR" -H "$A"
is "$H_STATUS:$(json_get "$H_BODY" '[.changes[] | .op + ":" + (.row.id // .key.id)] | sort | join(",")')" \
	"200:upsert:a1000000-0000-0000-0000-000000000002,upsert:a2000000-0000-0000-0000-000000000003" \
	"changes of t2: its insert and the row moved to it from t1; nothing of t1"
h_curl e1 "/sync/changes/t1?since=$CUR2" -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" '.changes | length'):$(json_get "$H_BODY" .has_more)" "200:0:false" \
	"changes: nothing new after the next cursor"
h_curl e1 "/sync/changes/t1" -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:missing_since" "changes: since is required"
h_curl e1 "/sync/changes/t1?since=garbage" -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_cursor" "changes: a cursor not from the server is refused"
b64() { printf '%s' "$1" | base64 -w0 | tr '+/' '-_' | tr -d '='; }
forged=$(b64 "{\"accounts\":\"$(b64 '{"v":1,"h":0,"g":[]}')\"}")
h_curl e1 "/sync/changes/t1?since=$forged" -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_cursor" \
	'changes: a well-formed cursor the server did not seal ("h":0, every tenant'"'"'s changes again) is refused'
h_curl e1 "/sync/changes/t2?since=$CUR2" -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "403:tenant_forbidden" "changes: another tenant's changes are refused"
h_curl e1 "/sync/changes/t1?since=$CUR2&limit=0" -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_limit" "changes: limit 0 is refused"
h_curl e1 "/sync/changes/t1%27%3B%20DROP%20TABLE%20accounts?since=$CUR2" -H "$A"
is "$H_STATUS" 404 "changes: SQL in the tenant is no route"

# post SENDS BODY [KEY]: POST /sync/changes
post() {
	h_curl e1 /sync/changes -X POST -H "${2:-$K1}" -H "$J" --data-binary "$1"
}
count() { h_sql e1 master "SELECT COUNT(*) FROM $1"; }

# --- a client's queued changes
NEW=c1000000-0000-0000-0000-000000000001
BODY='{"client_id": "web-1", "cursor": "'$CUR2'", "changes": [
  {"client_change_id": "ch-1", "table": "accounts", "op": "upsert",
   "row": {"id": "'$NEW'", "name": "Made offline", "currency": "USD"},
   "updated_at": "2026-01-02T03:04:05.678Z"},
  {"client_change_id": "ch-2", "table": "transactions", "op": "upsert",
   "row": {"id": "c2000000-0000-0000-0000-000000000001", "account_id": "'$NEW'", "amount": 7, "memo": "coffee"},
   "updated_at": "2026-01-02 03:04:06"}]}'
log_before=$(count _nunez_changelog)
post "$BODY"
is "$H_STATUS" 200 "push: 200"
is "$(json_get "$H_BODY" '[.results[] | .client_change_id + "=" + .status] | join(",")'):$(json_get "$H_BODY" .applied)" \
	"ch-1=applied,ch-2=applied:2" "push: both applied"
is "$(h_sql e1 master "SELECT CONCAT_WS('|', tenant_id, name, currency, updated_at) FROM accounts WHERE id = '$NEW'")" \
	"t1|Made offline|USD|2026-01-02 03:04:05.678000" "push: the row is in MariaDB, tenant filled in, written at updated_at"
is "$(json_get "$H_BODY" '.results[1].row.amount')" "7.00" "push: the answer has the server's row (7 became 7.00)"
log_mid=$(count _nunez_changelog)
post "$BODY"
is "$H_STATUS:$(json_get "$H_BODY" '[.results[] | .status + "/" + (.replayed | tostring)] | join(",")')" \
	"200:applied/true,applied/true" "push again: answered as replayed with the first results"
is "$(count _nunez_changelog):$((log_mid - log_before))" "$log_mid:2" "push again: nothing applied or logged twice"

h_curl e1 "/sync/changes/t1?since=$CUR2&client_id=web-1" -H "$K1"
is "$(json_get "$H_BODY" '.changes | length')" 0 "changes with client_id: the client's own changes are not sent back"
h_curl e1 "/sync/changes/t1?since=$CUR2&client_id=web-2" -H "$K1"
is "$(json_get "$H_BODY" '.changes | length')" 2 "changes for another client of the tenant: both"
CUR3=$(json_get "$H_BODY" .next_cursor)

# --- tenancy on writes: a row naming another tenant is refused; a key
# whose row is another tenant's is answered as a missing key would be
# (t-sec-tenant.sh compares the two) and left alone
before=$(h_sql e1 master "CHECKSUM TABLE accounts, transactions" | awk '{print $2}' | tr '\n' ,)
post '{"client_id": "web-1", "changes": [
  {"client_change_id": "ok-but-not-alone", "table": "accounts", "op": "upsert",
   "row": {"id": "c1000000-0000-0000-0000-000000000009", "name": "x", "currency": "EUR"}, "updated_at": "2026-01-03T00:00:00Z"},
  {"client_change_id": "other-tenant", "table": "accounts", "op": "upsert",
   "row": {"id": "c1000000-0000-0000-0000-000000000008", "tenant_id": "t2", "name": "x", "currency": "EUR"}, "updated_at": "2026-01-03T00:00:00Z"}]}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "403:tenant_forbidden" "write: a row naming another tenant is refused"
post '{"client_id": "web-1", "changes": [
  {"client_change_id": "steal", "table": "accounts", "op": "upsert",
   "row": {"id": "a2000000-0000-0000-0000-000000000001", "name": "mine now", "currency": "EUR"}, "updated_at": "'$SOON'"}]}'
is "$H_STATUS:$(json_get "$H_BODY" '[.results[] | .status + "/" + (.row | tostring)] | join(",")')" "200:rejected/null" \
	"write: overwriting another tenant's row is rejected, and the answer has no row"
post '{"client_id": "web-1", "changes": [
  {"client_change_id": "ok-first", "table": "notes", "op": "upsert",
   "row": {"id": 50, "body": "fine"}, "updated_at": "'$SOON'"},
  {"client_change_id": "kill", "table": "accounts", "op": "delete",
   "row": {"id": "a2000000-0000-0000-0000-000000000002"}, "updated_at": "'$SOON'"}]}'
is "$H_STATUS:$(json_get "$H_BODY" '[.results[] | .status + "/" + (.row.body // "null")] | join(",")')" \
	"200:applied/fine,unchanged/null" \
	"write: deleting another tenant's row deletes nothing (unchanged, no row), the rest of the request applies"
post '{"client_id": "web-1", "changes": [
  {"client_change_id": "move", "table": "accounts", "op": "upsert",
   "row": {"id": "'$NEW'", "tenant_id": "t2", "name": "moved", "currency": "EUR"}, "updated_at": "'$SOON'"}]}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "403:tenant_forbidden" "write: moving an own row to another tenant is refused"
post '{"client_id": "web-2", "changes": [
  {"client_change_id": "t2-writes-t1", "table": "accounts", "op": "upsert",
   "row": {"id": "'$NEW'", "name": "taken", "currency": "EUR"}, "updated_at": "'$SOON'"}]}' "$K2"
is "$H_STATUS:$(json_get "$H_BODY" '[.results[] | .status + "/" + (.row | tostring)] | join(",")')" "200:rejected/null" \
	"write: another tenant's key cannot take a row by its key"
is "$(h_sql e1 master "CHECKSUM TABLE accounts, transactions" | awk '{print $2}' | tr '\n' ,)" "$before" \
	"write: after those requests accounts and transactions are as before (nothing of another tenant's touched)"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(client_change_id ORDER BY client_change_id) FROM _nunez_client_changes WHERE client_change_id IN ('ok-but-not-alone', 'ok-first', 'other-tenant')")" ok-first \
	"write: ... and no change of a refused request recorded as done"

# --- conflicts: last_write_wins, primary_wins, manual
h_sql e1 master "UPDATE accounts SET name = 'Server edit', updated_at = '2026-06-01 00:00:00' WHERE id = 'a1000000-0000-0000-0000-000000000001'"
post '{"client_id": "web-1", "cursor": "'$CUR3'", "changes": [
  {"client_change_id": "lww-old", "table": "accounts", "op": "upsert",
   "row": {"id": "a1000000-0000-0000-0000-000000000001", "name": "Client edit", "currency": "EUR"}, "updated_at": "2026-05-01T00:00:00Z"}]}'
is "$(json_get "$H_BODY" '.results[0].status'):$(json_get "$H_BODY" '.results[0].row.name'):$(json_get "$H_BODY" .rejected)" \
	"rejected:Server edit:1" "last_write_wins: an older client edit loses, the answer carries the server's row"
is "$(h_sql e1 master "SELECT name FROM accounts WHERE id = 'a1000000-0000-0000-0000-000000000001'")" "Server edit" \
	"last_write_wins: the server's row stays"
post '{"client_id": "web-1", "cursor": "'$CUR3'", "changes": [
  {"client_change_id": "lww-new", "table": "accounts", "op": "upsert",
   "row": {"id": "a1000000-0000-0000-0000-000000000001", "name": "Client later", "currency": "EUR"}, "updated_at": "2026-07-01T00:00:00Z"}]}'
is "$(json_get "$H_BODY" '.results[0].status'):$(h_sql e1 master "SELECT name FROM accounts WHERE id = 'a1000000-0000-0000-0000-000000000001'")" \
	"applied:Client later" "last_write_wins: a later client edit wins"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_conflicts WHERE tbl = 'accounts' AND peer = 'client:web-1'")" 2 \
	"last_write_wins: both conflicts recorded (the client had not seen the server's edit)"

h_sql e1 master "UPDATE transactions SET memo = 'server memo', updated_at = '2026-01-01 00:00:00' WHERE id = 'b1000000-0000-0000-0000-000000000001'"
post '{"client_id": "web-1", "cursor": "'$CUR3'", "changes": [
  {"client_change_id": "pw-1", "table": "transactions", "op": "upsert",
   "row": {"id": "b1000000-0000-0000-0000-000000000001", "account_id": "a1000000-0000-0000-0000-000000000001", "amount": "12.50", "memo": "client memo"},
   "updated_at": "'$SOON'"}]}'
is "$(json_get "$H_BODY" '.results[0].status'):$(json_get "$H_BODY" '.results[0].row.memo')" "rejected:server memo" \
	"primary_wins: the server changed the row since the client's cursor, so the server wins even against a later time"
h_curl e1 "/sync/changes/t1?since=$CUR3&client_id=web-1" -H "$K1"
CUR4=$(json_get "$H_BODY" .next_cursor)
post '{"client_id": "web-1", "cursor": "'$CUR4'", "changes": [
  {"client_change_id": "pw-2", "table": "transactions", "op": "upsert",
   "row": {"id": "b1000000-0000-0000-0000-000000000001", "account_id": "a1000000-0000-0000-0000-000000000001", "amount": "12.50", "memo": "client memo"},
   "updated_at": "'$SOON'"}]}'
is "$(json_get "$H_BODY" '.results[0].status'):$(h_sql e1 master "SELECT memo FROM transactions WHERE id = 'b1000000-0000-0000-0000-000000000001'")" \
	"applied:client memo" "primary_wins: once the client has seen the server's change, its edit applies"

h_sql e1 master "UPDATE notes SET body = 'server note' WHERE id = 1"
post '{"client_id": "web-1", "cursor": "'$CUR4'", "changes": [
  {"client_change_id": "man-1", "table": "notes", "op": "upsert",
   "row": {"id": 1, "body": "client note"}, "updated_at": "'$SOON'"}]}'
is "$(json_get "$H_BODY" '.results[0].status'):$(json_get "$H_BODY" '.results[0].row.body')" "conflict:server note" \
	"manual: an open conflict, the server's row kept and returned"
h_curl e1 /api/replication/conflicts -G -d status=open -H "$A"
is "$(json_get "$H_BODY" '[.conflicts[] | select(.tbl == "notes") | .remote_row | fromjson | .body] | join(",")')" "client note" \
	"manual: the open conflict holds the client's version for an operator"
cid=$(json_get "$H_BODY" '[.conflicts[] | select(.tbl == "notes")][0].id')
h_curl e1 "/api/replication/conflicts/$cid/resolve" -X POST -H "$A" -H "$J" -d '{"resolution": "use_local"}'
is "$H_STATUS:$(h_sql e1 master "SELECT CONCAT(op, ' ', tenant) FROM _nunez_changelog WHERE tbl = 'notes' ORDER BY seq DESC LIMIT 1")" "200:U t1" \
	"manual: the resolution is logged with the row's tenant"
h_curl e1 "/sync/changes/t1?since=$CUR4&client_id=web-1" -H "$K1"
is "$(json_get "$H_BODY" '[.changes[] | select(.table == "notes") | .row.body] | join(",")')" "server note" \
	"manual: ... so the client hears of the resolution"

# --- one key twice in a request: the later write stands
post '{"client_id": "web-1", "changes": [
  {"client_change_id": "dup-a", "table": "notes", "op": "upsert", "row": {"id": 60, "body": "v1"}, "updated_at": "2026-02-01T00:00:00Z"},
  {"client_change_id": "dup-b", "table": "notes", "op": "upsert", "row": {"id": 60, "body": "v2"}, "updated_at": "2026-02-01T00:00:01Z"},
  {"client_change_id": "dup-c", "table": "notes", "op": "delete", "row": {"id": 61}, "updated_at": "2026-02-01T00:00:01Z"}]}'
is "$H_STATUS:$(h_sql e1 master "SELECT body FROM notes WHERE id = 60")" "200:v2" "a key twice in one request: the later write stands"
is "$(json_get "$H_BODY" '[.results[].status] | join(",")')" "applied,applied,unchanged" \
	"... both reported applied; deleting a row that is not there is unchanged"

# --- bad requests
post '{"client_id": "web-1", "changes": [' 
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:malformed_json" "bad: malformed JSON"
post '{"changes": [{"client_change_id": "x", "table": "notes", "op": "delete", "row": {"id": 1}, "updated_at": "2026-01-01T00:00:00Z"}]}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_client_id" "bad: client_id missing"
post '{"client_id": "web 1; DROP", "changes": []}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_client_id" "bad: client_id with spaces and SQL"
post '{"client_id": "web-1", "changes": []}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_changes" "bad: no changes"
post "$(jq -cn '{client_id: "web-1", changes: [range(1001) | {client_change_id: ("m" + tostring), table: "notes", op: "delete", row: {id: .}, updated_at: "2026-01-01T00:00:00Z"}]}')"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_changes" "bad: over 1000 changes in one request"
for bad in \
	'{"client_change_id": "b1", "table": "products", "op": "delete", "row": {"id": 1}, "updated_at": "2026-01-01T00:00:00Z"}|unknown_table|a table without a tenant column' \
	'{"client_change_id": "b1t", "table": "events", "op": "delete", "row": {"id": 1}, "updated_at": "2026-01-01T00:00:00Z"}|unknown_table|a table captured by timestamp (its deletes and tenant moves are not logged)' \
	'{"client_change_id": "b2", "table": "accounts`; DROP TABLE notes; --", "op": "delete", "row": {"id": 1}, "updated_at": "2026-01-01T00:00:00Z"}|unknown_table|SQL in a table name' \
	'{"client_change_id": "b3", "table": "notes", "op": "insert", "row": {"id": 1}, "updated_at": "2026-01-01T00:00:00Z"}|bad_change|an unknown op' \
	'{"client_change_id": "b4", "table": "notes", "op": "delete", "row": {"id": 1}, "updated_at": "yesterday"}|bad_change|a bad updated_at' \
	'{"client_change_id": "b5", "table": "notes", "op": "delete", "row": {"body": "x"}, "updated_at": "2026-01-01T00:00:00Z"}|bad_change|a delete without the key' \
	'{"client_change_id": "b6", "table": "notes", "op": "upsert", "row": {"id": 7}, "updated_at": "2026-01-01T00:00:00Z"}|bad_change|an upsert missing a column' \
	'{"client_change_id": "b7", "table": "notes", "op": "upsert", "row": {"id": 7, "body": "x", "evil": 1}, "updated_at": "2026-01-01T00:00:00Z"}|bad_change|an unknown column' \
	'{"client_change_id": "", "table": "notes", "op": "delete", "row": {"id": 1}, "updated_at": "2026-01-01T00:00:00Z"}|bad_change|an empty client_change_id' \
	'"just a string"|bad_change|a change that is not an object'; do
	change=${bad%%|*}
	rest=${bad#*|}
	post '{"client_id": "web-1", "changes": ['"$change"']}'
	is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:${rest%%|*}" "bad: ${rest#*|}"
done
post '{"client_id": "web-1", "changes": [
  {"client_change_id": "same", "table": "notes", "op": "delete", "row": {"id": 70}, "updated_at": "2026-01-01T00:00:00Z"},
  {"client_change_id": "same", "table": "notes", "op": "delete", "row": {"id": 71}, "updated_at": "2026-01-01T00:00:00Z"}]}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_change" "bad: one client_change_id twice in a request"
post '{"client_id": "web-1", "changes": [{"client_change_id": "big", "table": "notes", "op": "upsert", "row": {"id": 8, "body": "'"$(head -c 300 /dev/zero | tr '\0' x)"'"}, "updated_at": "2026-01-01T00:00:00Z"}]}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_value" "bad: a value too long for its column"
post '{"client_id": "web-1", "changes": [{"client_change_id": "x1", "table": "notes", "op": "delete", "row": {"id": 1}, "updated_at": "2026-01-01T00:00:00Z"}]}' "X-API-Key: $NR_E1_KEY_ADMIN"
is "$H_STATUS" 403 "bad: an admin key without a tenant cannot write as a client"
is "$(h_sql e1 master "SELECT COUNT(*) FROM notes WHERE id IN (7, 8)")" 0 "bad: nothing of the bad requests was written"

# --- client changes replicate to another environment, both before and
# after the first copy of the tables
nr_sync e1 --env e2 >"$T/sync.out" 2>&1
ok $? "sync_multi e1 -> e2 runs"
post '{"client_id": "web-1", "changes": [
  {"client_change_id": "after-copy", "table": "accounts", "op": "upsert",
   "row": {"id": "c1000000-0000-0000-0000-0000000000aa", "name": "After the copy", "currency": "EUR"},
   "updated_at": "2026-03-01T00:00:00Z"}]}'
is "$(json_get "$H_BODY" '.results[0].status')" applied "a client change after the first copy"
nr_sync e1 --env e2 >"$T/sync2.out" 2>&1
ok $? "sync_multi e1 <-> e2 runs again: $(grep -i fail "$T/sync2.out" | head -2)"
is "$(h_sql e2 master "SELECT name FROM accounts WHERE id = 'c1000000-0000-0000-0000-0000000000aa'")" \
	"After the copy" "... reaches e2 through the changelog (origin client:web-1)"
nr_sync e2 --env e1 >"$T/sync3.out" 2>&1
ok $? "sync_multi from e2 runs: $(grep -i fail "$T/sync3.out" | head -2)"
is "$(h_sql e2 master "SELECT CONCAT_WS('|', tenant_id, name, updated_at) FROM accounts WHERE id = '$NEW'")" \
	"t1|Made offline|2026-01-02 03:04:05.678000" "a client's row reached e2 with its write time"
for t in accounts transactions notes; do
	is "$(h_sql e2 master "CHECKSUM TABLE $t" | awk '{print $2}')" \
		"$(h_sql e1 master "CHECKSUM TABLE $t" | awk '{print $2}')" "e1 and e2 hold the same $t"
done

# A pull whose cursor has many gaps (each seq below the head once
# missing) still goes out: its query is far longer than 1 KiB.
h_sql e1 master "INSERT INTO products SELECT seq + 1000, 'more' FROM seq_1_to_300"
head=$(h_sql e1 master "SELECT MAX(seq) FROM _nunez_changelog")
gaps=$(seq 1 "$head" | head -n 300 | awk '{ sep = ","; if (NR == 1) sep = ""; printf "%s[%d,%d,0]", sep, $1, $1 }')
token=$(cursor_seal e1 "$(printf '{"v":1,"h":%s,"g":[%s]}' "$head" "$gaps")")
h_sql e2 master "UPDATE _nunez_cursors SET cursor_token = '$token' WHERE peer = 'e1' AND tbl = 'accounts'"
h_sql e1 master "INSERT INTO accounts (id, tenant_id, name) VALUES ('a1000000-0000-0000-0000-0000000000ff', 't1', 'After the gaps')"
nr_sync e2 --env e1 >"$T/sync4.out" 2>&1
ok $? "a pull with a cursor of ${#token} characters runs: $(grep -i fail "$T/sync4.out" | head -1)"
is "$(h_sql e2 master "SELECT name FROM accounts WHERE id = 'a1000000-0000-0000-0000-0000000000ff'")" \
	"After the gaps" "... and brings the change made after it"
# Retention: a client that names itself (client_id) holds the changelog
# back while it is heard from; away longer than retention.peerDays, its
# position expires (409 cursor_expired) and it starts from /sync/initial.
h_curl e1 "/sync/initial/t1?limit=1000" -H "$K1"
h_curl e1 "/sync/changes/t1?since=$(json_get "$H_BODY" cursor)&client_id=dev-9" -H "$K1"
h_curl e1 "/sync/changes/t1?since=$(json_get "$H_BODY" next_cursor)&client_id=dev-9" -H "$K1"
NC=$(json_get "$H_BODY" next_cursor)
is "$(h_sql e1 master "SELECT COUNT(*) > 0 FROM _nunez_acks WHERE peer = 'client:dev-9'")" 1 \
	"a client that gives its client_id is a peer of the changelog"
h_sql e1 master "INSERT INTO accounts (id, tenant_id, name) VALUES ('a1000000-0000-0000-0000-0000000000fe', 't1', 'While away');
  INSERT INTO products VALUES (9999, 'the changelog head, which a purge keeps')"
jq '.retention.minHours = 0' "$T/e1/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e1/config.json"
nr_sync e1 >/dev/null 2>&1 && nr_sync e1 >/dev/null 2>&1
h_sql e1 master "UPDATE _nunez_acks SET seen_at = UTC_TIMESTAMP(6) - INTERVAL 8 DAY WHERE peer LIKE 'client:%' AND peer <> 'client:dev-9'"
out=$(nr_ctl e1 purge --dry-run)
like "$out" "^accounts: .*held by client:dev-9 needs seq" "while heard from, it holds the purge"
h_sql e1 master "UPDATE _nunez_acks SET seen_at = UTC_TIMESTAMP(6) - INTERVAL 8 DAY WHERE peer = 'client:dev-9'"
nr_ctl e1 purge >/dev/null
h_curl e1 "/sync/changes/t1?since=$NC&client_id=dev-9" -H "$K1"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "409:cursor_expired" \
	"away longer than peerDays, its position is purged past: 409 cursor_expired"
like "$(json_get "$H_BODY" error.message)" "/sync/initial" "... telling it to start from /sync/initial"
h_curl e1 "/sync/initial/t1?limit=1000" -H "$K1"
like "$H_STATUS:$(json_get "$H_BODY" '[.rows[].row.name] | join(",")')" "^200:.*While away" \
	"/sync/initial gives it every row again"
done_testing
