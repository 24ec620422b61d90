#!/usr/bin/env bash
# docs/restore.md, step by step: a dump of e1's master is taken, both
# environments write and sync after it, the dump is restored into e1,
# then init, nunezctl new-epoch and a sync on each side. Both end with
# the same rows, among them those written after the backup on either
# side, which e1 gets back from e2.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
    ON UPDATE CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --no-slave --schema "$T/schema.sql" --tables '[{"name": "t",
	"primaryKey": "id", "timestampColumn": "updated_at"}]' || bail_out "harness"
h_env
nr_ctl e1 init >/dev/null || bail_out "init e1"
nr_ctl e2 init >/dev/null || bail_out "init e2"
dump() {	# dump ENV: mariadb-dump of ENV's master as the runbook takes it
	mariadb-dump --no-defaults --socket="$T/$1/master/sock" -uroot \
		--single-transaction --triggers --routines --databases appdb
}
h_sql e1 master "INSERT INTO t (id, v) VALUES (1, 'one'), (2, 'two')"
nr_sync e1 >/dev/null 2>&1 && nr_sync e2 >/dev/null 2>&1
ok $? "both environments synced before the backup"
dump e1 >"$T/appdb.sql"
ok $? "the backup of e1 (mariadb-dump --single-transaction --triggers)"

# After the backup: e1 inserts and updates, e2 inserts; both sync.
h_sql e1 master "INSERT INTO t (id, v) VALUES (3, 'after the backup on e1'); UPDATE t SET v = 'one, later' WHERE id = 1; DELETE FROM t WHERE id = 2"
h_sql e2 master "INSERT INTO t (id, v) VALUES (10, 'after the backup on e2')"
nr_sync e1 >/dev/null 2>&1 && nr_sync e2 >/dev/null 2>&1 && nr_sync e1 >/dev/null 2>&1
is "$(rows_of e2 master t | cut -f1,2 | tr '\n\t' ';,')" "1,one, later;3,after the backup on e1;10,after the backup on e2;" \
	"e2 holds the writes after the backup"

# The restore (steps 1-5).
h_api_stop "$T" e1 || bail_out "stop e1's api"
mariadb --no-defaults --socket="$T/e1/master/sock" -uroot <"$T/appdb.sql"
ok $? "step 2: the dump restored into e1's master"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(id ORDER BY id) FROM t")" "1,2" \
	"... which is back at the backup"
nr_ctl e1 init >/dev/null
ok $? "step 3: init"
out=$(nr_ctl e1 new-epoch)
like "$out" "new epoch, and [1-9][0-9]* positions" "step 4: new-epoch"
h_api_start "$T" e1 && h_api_wait "$T" e1
ok $? "step 5: nunez-api started"

# Step 6: e1 syncs, then e2, then e1 once more.
nr_sync e1 >"$T/s1.out" 2>&1
is "$?" 0 "step 6: e1's run succeeds"
like "$(cat "$T/s1.out")" "remote e2 push t: ok, .* 1 resyncs" \
	"... its push copies its table to e2 again"
nr_sync e2 >"$T/s2.out" 2>&1
is "$?" 0 "e2's run succeeds"
nr_sync e1 >"$T/s3.out" 2>&1
is "$?" 0 "e1's next run succeeds"
is "$(h_sql e1 master "SELECT v FROM t WHERE id = 3")" "after the backup on e1" \
	"e1 got back the row it wrote after the backup"
is "$(h_sql e1 master "SELECT v FROM t WHERE id = 1")" "one, later" \
	"... and its later update"
is "$(h_sql e1 master "SELECT v FROM t WHERE id = 10")" "after the backup on e2" \
	"... and e2's row"
is "$(h_sql e1 master "SELECT COUNT(*) FROM t WHERE id = 2"):$(h_sql e2 master "SELECT COUNT(*) FROM t WHERE id = 2")" "0:0" \
	"... and its delete: the row stays deleted on both sides"
nr_ctl e1 verify --env e2 >"$T/v.out" 2>&1
is "$?" 0 "step 7: verify --env e2: the same rows on both sides"
nr_sync e1 >"$T/s4.out" 2>&1 && nr_sync e2 >>"$T/s4.out" 2>&1
is_quiet $? "$T/s4.out" "one more round on each side moves nothing"

done_testing
