#!/usr/bin/env bash
# Cursors with gaps: a transaction that took a seq and commits after a
# later seq was read is still delivered; a rolled-back seq stops being
# waited for; a row changed twice in one second; rows written while the
# first copy runs are not missed.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL) ENGINE=InnoDB;
SQL
h_up "$T" 1 --schema "$T/schema.sql" \
	--tables '[{"name": "t", "primaryKey": "id"}]' || bail_out "harness"
sed -i 's/"api": {/"sync": {"batchSize": 50},\n  "api": {/' "$T/e1/config.json"
nr_ctl e1 init >/dev/null || bail_out "init"
nr_sync e1 --local-only >/dev/null 2>&1

# Gaps read from the cursor the slave holds.
gaps() {
	cursor_json "$(h_sql e1 slave "SELECT cursor_token FROM _nunez_cursors WHERE tbl = 't'")" |
		jq -c '.g | length'
}

# Out-of-order commit: A takes seq N and waits; B takes N+1 and commits.
# A row first, so that the cursor is past the first copy.
h_sql e1 master "INSERT INTO t VALUES (0, 'first')"
nr_sync e1 --local-only >/dev/null 2>&1
session_open a e1 master
session_send a "BEGIN; INSERT INTO t VALUES (1, 'from A'); SELECT 'a-in';"
session_wait a "a-in" || bail_out "session A"
h_sql e1 master "INSERT INTO t VALUES (2, 'from B')"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(id) FROM t WHERE id > 0")" 2 "B's row arrives while A is open"
is "$(gaps)" 1 "A's seq is a gap in the cursor"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(gaps)" 1 "the gap stays while A is still open"
session_send a "COMMIT; SELECT 'a-done';"
session_wait a "a-done"
session_close a
# A commit between two runs. The runs come after InnoDB's view of open
# transactions (INNODB_TRX, cached for 0.1 s) has seen A end: a run that
# judged the gap dead before reading it lost A's row here.
sleep 0.6
nr_sync e1 --local-only >"$T/after-commit.out" 2>&1
like "$(cat "$T/after-commit.out")" "master>slave t: ok, 1 changes read" \
	"the run after A's commit reads A's change"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(id ORDER BY id) FROM t WHERE id > 0")" "1,2" \
	"A's row is delivered after it commits, though a later seq was read first"
is "$(gaps)" 0 "and the gap is gone"

# Rolled back: the gap is dropped, the cursor does not stall.
session_open r e1 master
session_send r "BEGIN; INSERT INTO t VALUES (3, 'never'); SELECT 'r-in';"
session_wait r "r-in"
h_sql e1 master "INSERT INTO t VALUES (4, 'after')"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(gaps)" 1 "an open transaction's seq is a gap"
session_send r "ROLLBACK; SELECT 'r-done';"
session_wait r "r-done"
session_close r
sleep 0.6	# a gap younger than 0.5 s is never judged dead
h_sql e1 master "INSERT INTO t VALUES (5, 'later')"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(gaps)" 0 "after the rollback the gap is dropped"
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(id ORDER BY id) FROM t WHERE id > 0")" "1,2,4,5" \
	"later rows flow; the rolled-back row never appears"

# The same row changed twice in one second (and in one batch).
h_sql e1 master "UPDATE t SET v = 'one' WHERE id = 4; UPDATE t SET v = 'two' WHERE id = 4"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "SELECT v FROM t WHERE id = 4")" two "two changes in a second: the latest arrives"
h_sql e1 master "UPDATE t SET v = 'three' WHERE id = 4"
nr_sync e1 --local-only >/dev/null 2>&1
h_sql e1 master "UPDATE t SET v = 'four' WHERE id = 4"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "SELECT v FROM t WHERE id = 4")" four "changes in consecutive runs within a second"

# First copy while writers run: a fresh table on a new slave cursor.
h_sql e1 master "INSERT INTO t SELECT seq + 100, CONCAT('row ', seq) FROM seq_1_to_20000"
h_sql e1 slave "DELETE FROM _nunez_cursors"
(
	for i in $(seq 1 60); do
		h_sql e1 master "UPDATE t SET v = CONCAT(v, '+') WHERE id = 100 + $i * 300; DELETE FROM t WHERE id = 101 + $i * 300; INSERT INTO t VALUES (50000 + $i, 'new $i')"
	done
) &
writer=$!
nr_sync e1 --local-only >"$T/copy.out" 2>&1
wait $writer
nr_sync e1 --local-only >/dev/null 2>&1
nr_ctl e1 verify >"$T/v.out"
is "$?" 0 "a first copy with writers running misses nothing"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM t WHERE id > 50000")" 60 "every row inserted during the copy arrived"
like "$(cat "$T/copy.out")" "local master>slave t: ok" "the copy run itself succeeded"

done_testing
