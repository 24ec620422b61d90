#!/usr/bin/env bash
# Change capture and local sync: init, inserts, updates and deletes in
# both modes, composite keys, idempotent init, schema changes, uninstall,
# config errors found against the database, and the run lock.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (
  id INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(190) NOT NULL,
  password_hash VARCHAR(255) NULL,
  internal_notes TEXT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
    ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
CREATE TABLE order_items (
  order_id BIGINT NOT NULL,
  line VARCHAR(20) NOT NULL,
  qty INT NOT NULL,
  note VARCHAR(50) COLLATE utf8mb4_general_ci NULL,
  PRIMARY KEY (order_id, line)
) ENGINE=InnoDB;
SQL
TABLES='[{"name": "users", "primaryKey": "id", "timestampColumn": "updated_at",
          "ignoreColumns": ["password_hash", "internal_notes"]},
         {"name": "order_items", "primaryKey": ["order_id", "line"]}]'
h_up "$T" 2 --schema "$T/schema.sql" --tables "$TABLES" || bail_out "harness"
# e1 is master-slave, e2 master-master.
sed -i 's/"mode": "master-slave"/"mode": "master-master"/' "$T/e2/config.json"

for e in e1 e2; do
	nr_ctl $e init >"$T/out" 2>&1
	is "$?" 0 "$e: init succeeds"
	nr_ctl $e init >"$T/out2" 2>&1
	is "$?" 0 "$e: init again succeeds (idempotent)"
	is "$(cat "$T/out2")" "$(cat "$T/out")" "$e: and reports the same"
done
is "$(h_sql e1 master "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='appdb'")" 6 \
	"master-slave: 3 triggers per table on the master"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='appdb'")" 0 \
	"master-slave: none on the slave"
is "$(h_sql e2 slave "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='appdb'")" 6 \
	"master-master: triggers on the slave too"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(version ORDER BY version) FROM _nunez_schema_version")" "1,2,3,4,5" "every migration recorded"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = 'appdb' AND TABLE_NAME = '_nunez_changelog' AND INDEX_NAME = 'tbl_tenant_seq'")" \
	"tbl,tenant,seq" "the changelog is indexed by table, tenant and seq (a tenant's /sync feed)"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_meta WHERE name = 'cursor_legacy'")" 0 \
	"a new install takes no unsealed cursor token"
h_sql e1 master "INSERT INTO _nunez_schema_version VALUES (99, UTC_TIMESTAMP(6))"
out=$(nr_ctl e1 init 2>&1)
rc=$?
like "$rc: $out" "^[1-9][0-9]*: .*version 99, newer than this program's 5" \
	"init on engine tables newer than the program: refused, naming both versions"
h_sql e1 master "DELETE FROM _nunez_schema_version WHERE version = 99"

# Capture: key-only entries, origin, real changes only.
h_sql e1 master "INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'ada@x'), (2, 'Bob', 'bob@x')"
h_sql e1 master "UPDATE users SET email = 'ada@y', updated_at = '2024-01-01 00:00:00' WHERE id = 1"
n0=$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_changelog")
h_sql e1 master "UPDATE users SET email = 'ada@y', updated_at = '2024-01-01 00:00:00' WHERE id = 1"
h_sql e1 master "UPDATE users SET password_hash = 'x', internal_notes = 'y', updated_at = updated_at WHERE id = 1"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_changelog")" "$n0" \
	"identical update and ignored-column update log nothing"
h_sql e1 master "UPDATE users SET id = 10 WHERE id = 2"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(op, pk ORDER BY seq) FROM _nunez_changelog WHERE seq > $n0")" \
	'D["2"],U["10"]' "a key change logs a delete of the old key and an upsert of the new"
is "$(h_sql e1 master "SELECT DISTINCT origin FROM _nunez_changelog")" e1 "origin is the node id"
h_sql e1 master "INSERT INTO order_items VALUES (7, 'a', 1, 'x'), (7, 'b', 2, NULL), (8, 'a', 3, 'y')"
is "$(h_sql e1 master "SELECT pk FROM _nunez_changelog WHERE tbl='order_items' ORDER BY seq LIMIT 1")" \
	'["7", "a"]' "composite keys logged as a JSON array"
h_sql e1 master "UPDATE order_items SET note = 'X' WHERE order_id = 7 AND line = 'a'"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_changelog WHERE tbl='order_items'")" 4 \
	"a case-only change under a case-insensitive collation is logged"

# master-slave: everything reaches the slave, including deletes.
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$?" 0 "e1: sync_multi --local-only exits 0"
like "$(cat "$T/sync.out")" "local master>slave users: ok" "one summary line per table"
U="SELECT id, name, email, updated_at FROM users ORDER BY id"
is "$(h_sql e1 slave "$U")" "$(h_sql e1 master "$U")" "users copied"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM users WHERE password_hash IS NOT NULL")" 0 \
	"ignored columns are not copied"
is "$(rows_of e1 slave order_items '1,2')" "$(rows_of e1 master order_items '1,2')" "composite-key table copied"
h_sql e1 master "DELETE FROM users WHERE id = 1; UPDATE order_items SET qty = 9 WHERE order_id = 8; DELETE FROM order_items WHERE order_id = 7 AND line = 'b'; INSERT INTO users (id, name, email) VALUES (3, 'Cy', 'cy@x')"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "$U")" "$(h_sql e1 master "$U")" "deletes, updates and inserts reach the slave"
is "$(rows_of e1 slave order_items '1,2')" "$(rows_of e1 master order_items '1,2')" "... in the composite-key table too"
nr_ctl e1 verify >"$T/v.out"
is "$?" 0 "verify: same"
like "$(cat "$T/v.out")" "^users: same \(2 rows" "verify prints each table"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
like "$(cat "$T/sync.out")" "users: ok, 0 changes read" "a second run moves nothing"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log WHERE status = 'ok'")" 6 "runs are in _nunez_sync_log"

# A stray slave write: verify finds it, names the key, and the next run
# does not fix it (it is not a change) but a resync would.
h_sql e1 slave "UPDATE users SET name = 'stray' WHERE id = 3"
nr_ctl e1 verify >"$T/v.out"
is "$?" 1 "verify exits 1 when a table differs"
like "$(cat "$T/v.out")" "users: DIFFERS" "... names the table"
like "$(cat "$T/v.out")" 'differing key \["3"\]' "... and the key"
h_sql e1 master "UPDATE users SET name = 'Cyrus' WHERE id = 3"
nr_sync e1 --local-only >/dev/null 2>&1
nr_ctl e1 verify >/dev/null
is "$?" 0 "the next change of the row repairs it"

# master-master: both ways.
h_sql e2 master "INSERT INTO users (id, name, email) VALUES (1, 'm1', 'm1@x'), (2, 'm2', 'm2@x')"
h_sql e2 slave "INSERT INTO users (id, name, email) VALUES (3, 's3', 's3@x'); INSERT INTO order_items VALUES (1, 'z', 1, NULL)"
nr_sync e2 --local-only >"$T/sync.out" 2>&1
is "$?" 0 "e2: master-master sync exits 0"
like "$(cat "$T/sync.out")" "local slave>master users: ok" "both directions run"
is "$(rows_of e2 slave users)" "$(rows_of e2 master users)" "users equal both ways"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users")" 3 "master has the slave's row"
h_sql e2 slave "DELETE FROM users WHERE id = 1; UPDATE users SET name = 'S2' WHERE id = 2"
h_sql e2 master "DELETE FROM users WHERE id = 3; DELETE FROM order_items"
nr_sync e2 --local-only >/dev/null 2>&1
is "$(rows_of e2 slave users)" "$(rows_of e2 master users)" "deletes and updates cross both ways"
is "$(h_sql e2 master "SELECT GROUP_CONCAT(id, name) FROM users")" "2S2" "... to the expected state"
is "$(h_sql e2 slave "SELECT COUNT(*) FROM order_items")" 0 "composite-key delete crossed"
before=$(h_sql e2 master "SELECT COUNT(*) FROM _nunez_changelog"):$(h_sql e2 slave "SELECT COUNT(*) FROM _nunez_changelog")
nr_sync e2 --local-only >"$T/sync.out" 2>&1
after=$(h_sql e2 master "SELECT COUNT(*) FROM _nunez_changelog"):$(h_sql e2 slave "SELECT COUNT(*) FROM _nunez_changelog")
is "$(grep -c ', 0 changes read' "$T/sync.out")" 4 "master-master goes quiet: 0 changes each way"
is "$after" "$before" "and logs nothing new"
nr_ctl e2 verify >/dev/null
is "$?" 0 "e2 verify: same"

# A schema change: a new column is replicated once init runs again.
h_sql e1 master "ALTER TABLE users ADD COLUMN phone VARCHAR(20) NULL"
h_sql e1 slave "ALTER TABLE users ADD COLUMN phone VARCHAR(20) NULL"
nr_ctl e1 init >/dev/null 2>&1
h_sql e1 master "UPDATE users SET phone = '555' WHERE id = 3"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "SELECT phone FROM users WHERE id = 3")" 555 "after init, a change of the new column replicates"

# A slave without the new column (a change rolling out): rows carry the
# columns both have, and a warning names the column.
h_sql e1 master "ALTER TABLE users ADD COLUMN fax VARCHAR(20) NULL"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$?" 0 "a column on the master only: the sync goes on"
like "$(cat "$T/sync.out")" "columns on the master only: fax; on the slave only: none" \
	"... with a warning naming it"
h_sql e1 master "ALTER TABLE users DROP COLUMN fax"
# A column of another type on the slave: refused, naming it.
h_sql e1 slave "ALTER TABLE users MODIFY phone TEXT NULL"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$?" 2 "a column of another type on the slave: exit 2"
like "$(cat "$T/sync.out")" "replication.tables\[0\]: column 'phone' of table 'users' is varchar on the master and text on the slave" \
	"... naming the config path, the column and both types"
h_sql e1 slave "ALTER TABLE users MODIFY phone VARCHAR(20) NULL"

# Config checked against the database.
sed 's/"primaryKey": "id"/"primaryKey": "email"/' "$T/e1/config.json" >"$T/badpk.json"
cp "$T/e1/db-password" "$T/"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/badpk.json" init >/dev/null 2>"$T/err"
is "$?" 2 "init with a wrong primaryKey exits 2"
like "$(cat "$T/err")" "replication.tables\[0\].primaryKey: does not match the primary key of table 'users' \(id\)" \
	"... naming the config path"
sed 's/"name": "users"/"name": "nosuch"/' "$T/e1/config.json" >"$T/badtbl.json"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/badtbl.json" init >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "replication.tables\[0\].name: table 'nosuch' does not exist" \
	"a missing table is named"
sed 's/"timestampColumn": "updated_at"/"timestampColumn": "changed"/' "$T/e1/config.json" >"$T/badts.json"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/badts.json" init >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "replication.tables\[0\].timestampColumn: column 'changed' does not exist in table 'users'" \
	"a missing column is named"

# One run at a time per environment.
synclog_before=$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log")
session_open lock e1 master
session_send lock "SELECT GET_LOCK('nunez_sync:e1', 0);"
session_wait lock "^1$"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$?" 3 "a second sync_multi exits 3 while another holds the lock"
like "$(cat "$T/sync.out")" "info .*another sync_multi is running for environment e1; this run does nothing" \
	"... saying so in an info line of the log"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log")" "$synclog_before" \
	"... and syncs nothing"
session_close lock
nr_sync e1 --local-only >/dev/null 2>&1
is "$?" 0 "and runs once the lock is free"

# Not installed: a clear error.
nr_ctl e2 uninstall >"$T/out"
is "$?" 0 "uninstall exits 0"
is "$(h_sql e2 master "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='appdb' AND TABLE_NAME LIKE '\\_nunez%'")" 0 \
	"uninstall drops the engine tables"
is "$(h_sql e2 slave "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='appdb'")" 0 \
	"... and the triggers"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users")" 1 "application data is untouched"
nr_sync e2 --local-only >"$T/sync.out" 2>&1
is "$?" 2 "sync without the engine installed exits 2"
like "$(cat "$T/sync.out")" "the engine is not installed in the master database: run nunezctl init" \
	"... saying what to do"

done_testing
