#!/usr/bin/env bash
# A rolling schema change: a nullable column added on one environment
# first, then on the other (and on each slave), then dropped the same
# way. Rows keep flowing both ways with the columns both sides have, a
# warning names the column once per run, nunez-api notices without a
# reload; a type or key change stops the table with an error naming it.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(20) NOT NULL) ENGINE=InnoDB;
SQL
h_up "$T" 2 --schema "$T/schema.sql" \
	--tables '[{"name": "t", "primaryKey": "id"}]' || bail_out "harness"
for e in e1 e2; do
	jq '.mode = "master-master"' "$T/$e/config.json" >"$T/c.json" &&
		mv "$T/c.json" "$T/$e/config.json"
	nr_ctl $e init >/dev/null || bail_out "init $e"
done
h_sql e1 master "INSERT INTO t VALUES (1, 'a')"
h_sql e2 master "INSERT INTO t VALUES (2, 'b')"
nr_sync e1 >/dev/null 2>&1 && nr_sync e2 --local-only >/dev/null 2>&1 ||
	bail_out "first sync"
rows() { h_sql "$1" "$2" "SELECT GROUP_CONCAT(CONCAT_WS(':', id, v, IFNULL(note, '-')) ORDER BY id) FROM t"; }
rows_v() { h_sql "$1" "$2" "SELECT GROUP_CONCAT(CONCAT_WS(':', id, v) ORDER BY id) FROM t"; }

# 1. e2 (master and slave) gets the column first.
for r in master slave; do h_sql e2 $r "ALTER TABLE t ADD COLUMN note VARCHAR(20) NULL"; done
nr_ctl e2 init >/dev/null || bail_out "init e2 after the change"
h_sql e2 master "INSERT INTO t VALUES (3, 'c', 'from e2')"
h_sql e1 master "INSERT INTO t VALUES (4, 'd')"
nr_sync e1 >"$T/out" 2>&1
is "$?" 0 "e2 has a column e1 lacks: the run succeeds"
is "$(rows_v e1 master)" "1:a,2:b,3:c,4:d" "e1 gets e2's new row without the column"
is "$(rows e2 master)" "1:a:-,2:b:-,3:c:from e2,4:d:-" "e2 gets e1's row, the column left NULL"
is "$(grep -c 'columns note are not in this table' "$T/out")" 1 \
	"the pull's warning names the column, once in the run"

# 2. e1's master gets it; its slave not yet.
h_sql e1 master "ALTER TABLE t ADD COLUMN note VARCHAR(20) NULL"
nr_ctl e1 init >"$T/init.out" 2>&1
h_sql e1 master "INSERT INTO t VALUES (5, 'e', 'from e1')"
h_sql e2 master "UPDATE t SET note = 'later' WHERE id = 3"
nr_sync e1 >"$T/out" 2>&1
is "$?" 0 "master and slave differ too: the run succeeds"
like "$(cat "$T/out")" "columns on the master only: note; on the slave only: none" \
	"... with a warning naming the column"
is "$(rows_v e1 slave)" "1:a,2:b,3:c,4:d,5:e" "the slave gets the rows without the column"
is "$(rows e1 master)" "1:a:-,2:b:-,3:c:later,4:d:-,5:e:from e1" \
	"e1's master now gets e2's values of the column"
is "$(rows e2 master)" "1:a:-,2:b:-,3:c:later,4:d:-,5:e:from e1" \
	"... and e2 gets e1's: nunez-api saw the new column without a reload"

# 3. Everywhere: the warnings gone; the values written while only some
# had the column replicate again with nunezctl touch.
h_sql e1 slave "ALTER TABLE t ADD COLUMN note VARCHAR(20) NULL"
nr_ctl e1 init >/dev/null
nr_sync e1 >"$T/out" 2>&1
is "$(grep -c 'not in this table\|master only' "$T/out")" 0 "once both have it, no warning"
is "$(rows e1 slave)" "1:a:-,2:b:-,3:c:-,4:d:-,5:e:-" \
	"values written while the slave lacked the column are not there yet"
is "$(nr_ctl e1 touch t note)" "t: 2 rows logged to replicate again" \
	"touch t note logs the rows that have a value in it"
nr_sync e1 >"$T/out" 2>&1
nr_sync e2 --local-only >/dev/null 2>&1
is "$(rows e1 slave)" "$(rows e1 master)" "e1's slave has every value"
is "$(rows e2 slave)" "$(rows e2 master)" "e2's slave too"
is "$(rows e2 master)" "$(rows e1 master)" "e1 and e2 hold the same"
nr_sync e1 >"$T/out" 2>&1
is_quiet "$?" "$T/out" "and the next run moves nothing (the touch went quiet)"

# 4. Dropping it: e1 first.
for r in master slave; do h_sql e1 $r "ALTER TABLE t DROP COLUMN note"; done
nr_ctl e1 init >/dev/null
h_sql e2 master "INSERT INTO t VALUES (6, 'f', 'gone soon')"
h_sql e1 master "UPDATE t SET v = 'E' WHERE id = 5"
nr_sync e1 >"$T/out" 2>&1
is "$?" 0 "a column dropped on e1 first: the run succeeds"
is "$(rows_v e1 master)" "1:a,2:b,3:c,4:d,5:E,6:f" "e1 gets e2's row"
is "$(rows e2 master)" "1:a:-,2:b:-,3:c:later,4:d:-,5:E:from e1,6:f:gone soon" \
	"e2 keeps its values of the column when e1's update comes"

# 5. A type change or a key change stops the table, naming it.
h_sql e1 slave "ALTER TABLE t MODIFY v TEXT NOT NULL"
nr_sync e1 --local-only >"$T/out" 2>&1
is "$([ $? != 0 ] && echo failed)" failed "a column of another type on the slave: the run fails"
like "$(cat "$T/out")" "column 'v' of table 't' is varchar on the master and text on the slave" \
	"... naming the column and both types"
h_sql e1 slave "ALTER TABLE t MODIFY v VARCHAR(20) NOT NULL"
h_sql e1 slave "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, v)"
nr_sync e1 --local-only >"$T/out" 2>&1
is "$([ $? != 0 ] && echo failed)" failed "another primary key on the slave: the run fails"
like "$(cat "$T/out")" "primaryKey: does not match the primary key of table 't' \\(id, v\\)" \
	"... saying so"
done_testing
