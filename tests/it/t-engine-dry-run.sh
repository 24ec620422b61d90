#!/usr/bin/env bash
# sync_multi --dry-run reads and decides every batch of every direction
# (local pair, pull, push), reports the counts, and leaves every table,
# position and log as it was; a real run afterwards converges, its slave
# included (what arrives from remotes is copied to the slave in the same
# run).
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL) ENGINE=InnoDB;
SQL
h_up "$T" 2 --schema "$T/schema.sql" \
	--tables '[{"name": "t", "primaryKey": "id"}]' || bail_out "harness"
for e in e1 e2; do
	# Two changes a batch: five changes make three batches.
	jq '.mode = "master-master" | .sync.batchSize = 2' "$T/$e/config.json" >"$T/c.json" &&
		mv "$T/c.json" "$T/$e/config.json"
	nr_ctl $e init >/dev/null || bail_out "init $e"
done
h_sql e1 master "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e')"
h_sql e2 master "INSERT INTO t VALUES (11, 'k'), (12, 'l'), (13, 'm'), (14, 'n'), (15, 'o')"

state() {	# state ENV ROLE: the rows, positions and sync log of one database
	h_sql "$1" "$2" "SELECT CONCAT(
	  (SELECT COALESCE(GROUP_CONCAT(id ORDER BY id), '') FROM t), ' / ',
	  (SELECT COUNT(*) FROM _nunez_cursors), ' / ',
	  (SELECT COUNT(*) FROM _nunez_sync_log))"
}
before="$(state e1 master) $(state e1 slave) $(state e2 master)"
nr_sync e1 --dry-run >"$T/dry.out" 2>&1
is "$?" 0 "a dry run over three batches a direction exits 0"
like "$(cat "$T/dry.out")" "local master>slave t: ok, 5 changes read, 5 inserted" \
	"local pair: every batch read and counted"
like "$(cat "$T/dry.out")" "remote e2 pull t: ok, 5 changes read, 5 inserted" \
	"pull: every batch read and counted"
like "$(cat "$T/dry.out")" "remote e2 push t: ok, 5 changes read" \
	"push: every batch read"
is "$(state e1 master) $(state e1 slave) $(state e2 master)" "$before" \
	"no row, position or log entry written anywhere"

nr_sync e1 >"$T/real.out" 2>&1
is "$?" 0 "the real run afterwards exits 0"
all="1,2,3,4,5,11,12,13,14,15"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(id ORDER BY id) FROM t")" "$all" "e1 master has every row"
is "$(h_sql e2 master "SELECT GROUP_CONCAT(id ORDER BY id) FROM t")" "$all" "e2 master has every row"
# What arrived from e2 reaches e1's slave in the same run.
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(id ORDER BY id) FROM t")" "$all" \
	"e1 slave has every row at the end of that run"
nr_ctl e1 verify >"$T/verify.out" 2>&1
is "$?" 0 "nunezctl verify right after the run: master and slave equal"
done_testing
