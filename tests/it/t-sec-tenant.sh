#!/usr/bin/env bash
# Tenant isolation, one section per promise of the README's "Security":
# a replayed client_change_id answers for the change recorded and never
# with another tenant's row; a table with a tenant column and a UNIQUE
# index without it is refused; a client's time is bounded and its
# tombstones are its tenant's; a key bound to a tenant has no other
# scope; an admin key bound to tables sees only their conflicts, log,
# lag and peers; a key of another tenant is answered as a missing one;
# foreign key refusals do not pass the server's text.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE accounts (id CHAR(36) NOT NULL PRIMARY KEY,
  tenant_id VARCHAR(64) NOT NULL, name VARCHAR(100) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE notes (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  body VARCHAR(200) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE tasks (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  title VARCHAR(200) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE parents (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  name VARCHAR(100) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE children (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  parent_id INT NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT children_parent FOREIGN KEY (parent_id) REFERENCES parents (id))
  ENGINE=InnoDB;
CREATE TABLE members (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  email VARCHAR(100) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  UNIQUE KEY tenant_email (tenant_id, email)) ENGINE=InnoDB;
CREATE TABLE profiles (id INT NOT NULL PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL,
  email VARCHAR(100) NOT NULL, name VARCHAR(100) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --schema "$T/schema.sql" --tables '[
  {"name": "accounts", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "notes", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "tasks", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id", "conflictStrategy": "manual"},
  {"name": "parents", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "children", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "members", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "profiles", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"}]' || bail_out "harness"
h_env
nr_ctl e1 init >"$T/init1.out" 2>&1
ok $? "init accepts a table whose UNIQUE index holds its tenant column (members): $(tail -1 "$T/init1.out")"
nr_ctl e2 init >/dev/null 2>&1 || bail_out "init e2"
C1=client-key-tenant-one-0123456789
C2=client-key-tenant-two-0123456789
OPS=ops-key-accounts-only-0123456789
jq --arg a "$C1" --arg b "$C2" --arg o "$OPS" '.api.keys += [
  {"name": "t1-app", "key": $a, "scopes": ["client"], "tenant": "t1"},
  {"name": "t2-app", "key": $b, "scopes": ["client"], "tenant": "t2"},
  {"name": "ops-accounts", "key": $o, "scopes": ["read", "admin"],
   "tables": ["accounts"]}]' "$T/e1/config.json" >"$T/c.json" &&
	cp "$T/c.json" "$T/e1/config.json" && api_reload e1 || bail_out "keys"
K1="X-API-Key: $C1"
K2="X-API-Key: $C2"
KO="X-API-Key: $OPS"
A="X-API-Key: $NR_E1_KEY_ADMIN"
J="Content-Type: application/json"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# post BODY [KEY]: POST /sync/changes as client web-1 of t1 (or KEY's).
post() {
	h_curl e1 /sync/changes -X POST -H "${2:-$K1}" -H "$J" --data-binary "$1"
}
# change ID TABLE OP ROW [TIME]: one change as JSON.
change() {
	printf '{"client_change_id": "%s", "table": "%s", "op": "%s", "row": %s, "updated_at": "%s"}' \
		"$1" "$2" "$3" "$4" "${5:-$NOW}"
}
one() {
	post '{"client_id": "web-1", "changes": ['"$(change "$@")"']}' "${K:-$K1}"
}

h_sql e1 master "INSERT INTO accounts (id, tenant_id, name) VALUES
  ('a1000000-0000-0000-0000-000000000001', 't1', 'Cash'),
  ('a2000000-0000-0000-0000-000000000001', 't2', 'T2 SECRET ACCOUNT');
  INSERT INTO parents (id, tenant_id, name) VALUES (7, 't2', 'T2 SECRET PARENT'),
    (1, 't1', 'mine');
  INSERT INTO children (id, tenant_id, parent_id) VALUES (1, 't1', 1);
  INSERT INTO tasks (id, tenant_id, title) VALUES (1, 't1', 'task');
  INSERT INTO profiles (id, tenant_id, email, name) VALUES
    (2, 't2', 'bob@example.com', 'T2 SECRET BOB')"

# --- 1. a replayed client_change_id answers for the change recorded
one rp-1 notes delete '{"id": 7}'
is "$H_STATUS:$(json_get "$H_BODY" '.results[0] | .table + "/" + .status + "/" + (.row | tostring)')" \
	"200:notes/unchanged/null" "replay: first, a delete of a missing note 7"
one rp-1 parents delete '{"id": 7}'
is "$H_STATUS:$(json_get "$H_BODY" '.results[0] | .table + "/" + .status + "/" + (.row | tostring) + "/" + (.replayed | tostring)')" \
	"200:notes/unchanged/null/true" \
	"replay naming another table: answered for the recorded table (notes), not with parents' row 7"
case $H_BODY in *SECRET*) ok 1 "replay: t2's row is not in the answer" ;; *) ok 0 "replay: t2's row is not in the answer" ;; esac
is "$(h_sql e1 master "SELECT name FROM parents WHERE id = 7")" "T2 SECRET PARENT" "replay: ... and t2's parent is untouched"

one rp-2 notes delete '{"id": 8}'
h_sql e1 master "INSERT INTO notes (id, tenant_id, body) VALUES (8, 't2', 'T2 SECRET NOTE')"
one rp-2 notes delete '{"id": 8}'
is "$H_STATUS:$(json_get "$H_BODY" '.results[0] | .status + "/" + (.row | tostring) + "/" + (.replayed | tostring)')" \
	"200:unchanged/null/true" \
	"replay of a key that another tenant took since: no row (the row is not this tenant's)"
is "$(h_sql e1 master "SELECT body FROM notes WHERE id = 8")" "T2 SECRET NOTE" "replay: ... and t2's note stays"

# --- 3. client times: bounded by the server's clock plus the skew; a
# client's tombstone is its tenant's
one far notes delete '{"id": 9}' "9999-12-31T23:59:59Z"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_time" "time: a delete dated 9999 is refused (bad_time)"
like "$(json_get "$H_BODY" error.message)" "changes\[0\].updated_at is 9999-12-31 23:59:59, more than 300 s ahead" \
	"time: ... the message says which change and by how much at most"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_changelog WHERE tbl = 'notes' AND pk LIKE '%\"9\"%'")" 0 \
	"time: ... and no tombstone was recorded"
K=$K2 one t2-note-9 notes upsert '{"id": 9, "body": "t2 writes 9"}'
is "$H_STATUS:$(json_get "$H_BODY" '.results[0].status'):$(h_sql e1 master "SELECT tenant_id FROM notes WHERE id = 9")" \
	"200:applied:t2" "time: ... so another tenant's later write of the key applies"
one ahead notes delete '{"id": 11}' "$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:bad_time" "time: 10 minutes ahead is refused by default (300 s)"
api_config e1 '.api.clientClockSkewSeconds = 3600' || bail_out "skew"
one ahead notes delete '{"id": 11}' "$(date -u -d '+10 minutes' +%Y-%m-%dT%H:%M:%SZ)"
is "$H_STATUS:$(json_get "$H_BODY" '.results[0].status')" "200:unchanged" \
	"time: ... and accepted with api.clientClockSkewSeconds 3600"
api_config e1 'del(.api.clientClockSkewSeconds)' || bail_out "skew back"

h_curl e1 /sync/initial/t1 -H "$K1"
T1CUR=$(json_get "$H_BODY" .cursor)
h_curl e1 /sync/initial/t2 -H "$K2"
T2CUR=$(json_get "$H_BODY" .cursor)
one tomb notes delete '{"id": 10}'
is "$H_STATUS:$(json_get "$H_BODY" '.results[0].status')" "200:unchanged" "tombstone: t1 deletes a missing note 10"
is "$(h_sql e1 master "SELECT CONCAT(op, ' ', COALESCE(tenant, 'NULL')) FROM _nunez_changelog WHERE tbl = 'notes' ORDER BY seq DESC LIMIT 1")" \
	"D t1" "tombstone: logged as t1's"
h_curl e1 "/sync/changes/t1?since=$T1CUR&client_id=web-2" -H "$K1"
is "$(json_get "$H_BODY" '[.changes[] | select(.table == "notes") | .op + ":" + (.key.id | tostring)] | index("delete:10") != null')" true \
	"tombstone: t1's other clients hear of the delete"
h_curl e1 "/sync/changes/t2?since=$T2CUR" -H "$K2"
is "$(json_get "$H_BODY" '[.changes[] | select(.table == "notes")] | length')" 0 "tombstone: t2's do not"

# --- 6a. a key whose row is another tenant's is answered as a missing one
one gone-del accounts delete '{"id": "a9000000-0000-0000-0000-000000000009"}'
missing="$H_STATUS $(json_get "$H_BODY" '.results[0] | del(.client_change_id) | tostring')"
one other-del accounts delete '{"id": "a2000000-0000-0000-0000-000000000001"}'
is "$H_STATUS $(json_get "$H_BODY" '.results[0] | del(.client_change_id) | tostring')" "$missing" \
	"missing key: deleting t2's account is answered exactly as deleting a missing one ($missing)"
one gone-up accounts upsert '{"id": "a9000000-0000-0000-0000-000000000009", "name": "x"}' "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)"
missing="$H_STATUS $(json_get "$H_BODY" '.results[0] | del(.client_change_id) | tostring')"
one other-up accounts upsert '{"id": "a2000000-0000-0000-0000-000000000001", "name": "x"}' "$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)"
is "$H_STATUS $(json_get "$H_BODY" '.results[0] | del(.client_change_id) | tostring')" "$missing" \
	"missing key: overwriting t2's account is answered as a missing key's upsert that a later delete beat ($missing)"
is "$(h_sql e1 master "SELECT CONCAT(tenant_id, ' ', name) FROM accounts WHERE id = 'a2000000-0000-0000-0000-000000000001'")" \
	"t2 T2 SECRET ACCOUNT" "missing key: ... t2's account untouched"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_changelog WHERE pk LIKE '%a2000000-0000-0000-0000-000000000001%'")" 1 \
	"missing key: ... and nothing logged for it (no tombstone, only its insert)"

# --- 6b. foreign keys: a generic answer naming the table
one fk-1 children upsert '{"id": 5, "parent_id": 999}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "400:foreign_key" "foreign key: a child of a missing parent, 400 foreign_key"
like "$(json_get "$H_BODY" error.message)" "^table children: " "foreign key: ... the message names the table"
case $H_BODY in *CONSTRAINT* | *REFERENCES* | *children_parent* | *"foreign key constraint"* | *appdb*)
	ok 1 "foreign key: ... and none of the server's text ($(json_get "$H_BODY" error.message))" ;;
*) ok 0 "foreign key: ... and none of the server's text" ;;
esac
one fk-2 parents delete '{"id": 1}' "$(date -u -d '+1 minute' +%Y-%m-%dT%H:%M:%SZ)"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "409:foreign_key" "foreign key: deleting a parent with children, 409 foreign_key"
like "$(json_get "$H_BODY" error.message)" "^table parents: " "foreign key: ... the message names the table"
case $H_BODY in *CONSTRAINT* | *REFERENCES* | *children_parent* | *"foreign key constraint"* | *appdb*)
	ok 1 "foreign key: ... and none of the server's text ($(json_get "$H_BODY" error.message))" ;;
*) ok 0 "foreign key: ... and none of the server's text" ;;
esac

# --- 5. an admin key bound to tables sees only their operations data
h_sql e1 master "UPDATE accounts SET name = 'server edit' WHERE id = 'a1000000-0000-0000-0000-000000000001';
  UPDATE tasks SET title = 'server edit' WHERE id = 1"
one c-acc accounts upsert '{"id": "a1000000-0000-0000-0000-000000000001", "name": "old client edit"}' "2020-01-01T00:00:00Z"
one c-task tasks upsert '{"id": 1, "title": "client edit"}'
is "$(json_get "$H_BODY" '.results[0].status')" conflict "ops: an open conflict in tasks"
h_curl e1 "/api/replication/conflicts?status=all" -H "$A"
is "$(json_get "$H_BODY" '[.conflicts[].tbl] | unique | join(",")')" "accounts,tasks" "ops: the full admin key sees conflicts of accounts and tasks"
TASKC=$(json_get "$H_BODY" '[.conflicts[] | select(.tbl == "tasks")][0].id')
h_curl e1 "/api/replication/conflicts?status=all" -H "$KO"
is "$H_STATUS:$(json_get "$H_BODY" '[.conflicts[].tbl] | unique | join(",")')" "200:accounts" "ops: conflicts, the accounts key sees only accounts'"
h_curl e1 "/api/replication/conflicts/$TASKC" -H "$KO"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "404:no_such_conflict" "ops: ... a tasks conflict by id is none to it"
h_curl e1 "/api/replication/conflicts/$TASKC/resolve" -X POST -H "$KO" -H "$J" -d '{"resolution": "use_remote"}'
is "$H_STATUS:$(h_sql e1 master "SELECT CONCAT(status, ' ', title) FROM _nunez_conflicts, tasks WHERE _nunez_conflicts.id = $TASKC AND tasks.id = 1")" \
	"404:open server edit" "ops: ... and it cannot resolve it"

nr_sync e1 --env e2 >"$T/sync.out" 2>&1
ok $? "sync_multi e1 <-> e2 runs: $(grep -i fail "$T/sync.out" | head -2)"
h_curl e1 "/api/replication/log?limit=1000" -H "$A"
is "$(json_get "$H_BODY" '[.log[].table] | unique | length > 3')" true "ops: the full admin key's log has every table"
h_curl e1 "/api/replication/log?limit=1000" -H "$KO"
is "$H_STATUS:$(json_get "$H_BODY" '[.log[].table] | unique | join(",")')" "200:accounts" "ops: log, the accounts key sees only accounts'"
h_curl e1 "/api/replication/log?table=notes" -H "$KO"
is "$H_STATUS:$(json_get "$H_BODY" '.log | length')" "200:0" "ops: ... also when it asks for another table's"
h_curl e1 /api/replication/lag -H "$A"
is "$(json_get "$H_BODY" '[.lag[].table] | unique | length > 3')" true "ops: the full admin key's lag has every table"
h_curl e1 /api/replication/lag -H "$KO"
is "$H_STATUS:$(json_get "$H_BODY" '[.lag[].table] | unique | join(",")')" "200:accounts" "ops: lag, only accounts"
h_curl e1 /api/replication/peers -H "$KO"
is "$H_STATUS:$(json_get "$H_BODY" '[.peers[].tables[].table, (.peers[].lastRun // {} | .table // empty), (.peers[].recentErrors[].table)] | unique | join(",")')" \
	"200:accounts" "ops: peers, only accounts' arrivals and runs"
h_curl e1 /api/status -H "$KO"
is "$H_STATUS:$(json_get "$H_BODY" '[.tables[].name, .arrivals[].table] | unique | join(",")')" "200:accounts" \
	"ops: status, only accounts and its arrivals"
h_curl e1 /metrics -H "$KO"
is "$H_STATUS:$(printf '%s\n' "$H_BODY" | grep -o 'table="[a-z]*"' | sort -u | tr '\n' ' ')" '200:table="accounts" ' \
	"ops: metrics, only accounts"

# --- 4. a key bound to a tenant has the scope client alone
jq '.api.keys += [{"name": "t3-too-much", "key": "client-key-tenant-three-0123456",
  "scopes": ["client", "read", "pull"], "tenant": "t3"}]' "$T/e1/config.json" >"$T/bad.json"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/bad.json" check-config >"$T/bad.out" 2>&1
rc=$?
idx=$(jq '.api.keys | length - 1' "$T/bad.json")
is "$rc:$(grep -c "api.keys\[$idx\].scopes: a key bound to a tenant (api.keys\[$idx\].tenant) may have only the scope \"client\"; with \"read\" and \"pull\"" "$T/bad.out")" \
	"2:1" "key scopes: a tenant key with read and pull is refused at load, by its path"
cp "$T/e1/config.json" "$T/good.json"
cp "$T/bad.json" "$T/e1/config.json"
api_reload e1
is $? 1 "key scopes: ... nunez-api keeps its old config"
cp "$T/good.json" "$T/e1/config.json"

# --- 2. a UNIQUE index without the tenant column: refused at init, by
# sync_multi and by nunez-api
h_sql e1 master "ALTER TABLE profiles ADD UNIQUE KEY email (email)"
nr_ctl e1 init >"$T/init2.out" 2>&1
rc=$?
want="replication.tables\[6\].tenantColumn: table 'profiles' has the UNIQUE index 'email' (email) without its tenant column 'tenant_id'"
is "$rc:$(grep -c "$want" "$T/init2.out")" "2:1" "unique: init refuses the table, naming it and the index"
nr_sync e1 --env e2 >"$T/sync2.out" 2>&1
rc=$?
is "$rc:$(grep -c "$want" "$T/sync2.out")" "2:1" "unique: sync_multi refuses it too"
api_reload e1 || bail_out "reload"
one steal profiles upsert '{"id": 100, "email": "bob@example.com", "name": "t1 took it"}'
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "503:table_unavailable" "unique: nunez-api refuses /sync changes to it"
like "$(json_get "$H_BODY" error.message)" "table 'profiles' has the UNIQUE index 'email'" "unique: ... naming the table and the index"
is "$(h_sql e1 master "SELECT CONCAT(tenant_id, ' ', name) FROM profiles WHERE id = 2")" "t2 T2 SECRET BOB" \
	"unique: t2's row, which the upsert would have taken over, is untouched"
done_testing
