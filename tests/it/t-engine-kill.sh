#!/usr/bin/env bash
# sync_multi killed with SIGKILL at ten points, writes on both sides in
# between, converges once it runs to the end; re-applying old batches
# changes nothing.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(200) NOT NULL,
                n INT NOT NULL DEFAULT 0) ENGINE=InnoDB;
SQL
h_up "$T" 1 --mode master-master --schema "$T/schema.sql" \
	--tables '[{"name": "t", "primaryKey": "id"}]' || bail_out "harness"
sed -i 's/"api": {/"sync": {"batchSize": 200},\n  "api": {/' "$T/e1/config.json"
nr_ctl e1 init >/dev/null || bail_out "init"
h_sql e1 master "INSERT INTO t (id, v) SELECT seq, REPEAT('m', 150) FROM seq_1_to_30000"
h_sql e1 slave "INSERT INTO t (id, v) SELECT seq + 100000, REPEAT('s', 150) FROM seq_1_to_10000"

# Rows applied so far, both directions: a kill point is "after the k-th
# batch of this run", so kills land mid-run whatever the machine's speed.
applied() {
	echo $(($(h_sql e1 slave "SELECT COALESCE(SUM(rows_applied), 0) FROM _nunez_cursors") + \
		$(h_sql e1 master "SELECT COALESCE(SUM(rows_applied), 0) FROM _nunez_cursors")))
}

landed=0
k=0
while [ $landed -lt 10 ] && [ $k -lt 40 ]; do
	k=$((k + 1))
	target=$(($(applied) + (k % 10 + 1) * 200))
	"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e1/config.json" \
		--local-only >"$T/run$k.out" 2>&1 &
	pid=$!
	while h_alive "$pid" && [ "$(applied)" -lt $target ]; do
		sleep 0.01
	done
	if kill -KILL "$pid" 2>/dev/null; then
		landed=$((landed + 1))
	fi
	wait "$pid" 2>/dev/null
	# Writes on both sides between runs, on rows no one else writes.
	h_sql e1 master "UPDATE t SET n = n + 1, v = CONCAT(LEFT(v, 100), '$k') WHERE id % 10 = $k % 10 AND id <= 30000; DELETE FROM t WHERE id = 29000 + $k; INSERT INTO t (id, v) VALUES (60000 + $k, 'm$k')"
	h_sql e1 slave "UPDATE t SET n = n + 1 WHERE id % 7 = $k % 7 AND id > 100000; INSERT INTO t (id, v) VALUES (200000 + $k, 's$k')"
done
echo "# $landed kills hit a running sync_multi in $k runs"
is "$landed" 10 "all ten kills landed while sync_multi was running"

first=$(h_sql e1 slave "SELECT cursor_token FROM _nunez_cursors WHERE peer = 'e1'")
nr_sync e1 --local-only >"$T/final.out" 2>&1
is "$?" 0 "the run after the kills succeeds"
nr_sync e1 --local-only >"$T/final2.out" 2>&1
nr_ctl e1 verify >"$T/v.out"
is "$?" 0 "master and slave converge: verify clean"
is "$(h_sql e1 master "SELECT COUNT(*) FROM t WHERE id > 200000")" $k \
	"every slave insert made between kills reached the master"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM t WHERE id BETWEEN 60001 AND 60040")" $k \
	"every master insert made between kills reached the slave"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM t WHERE id BETWEEN 29001 AND $((29000 + k))")" 0 \
	"every delete made between kills reached the slave"
is "$(grep -c ', 0 changes read' "$T/final2.out")" 2 "then both directions are quiet"

# Replaying: put the slave's cursor back to where it was after the kills
# and run again: the batches come again and change nothing.
before=$(h_sql e1 slave "SELECT COUNT(*) FROM _nunez_changelog")
sum=$(h_sql e1 slave "SELECT COUNT(*), SUM(CRC32(CONCAT(id, v, n))) FROM t")
h_sql e1 master "INSERT INTO t (id, v) VALUES (70000, 'one more')"
h_sql e1 slave "UPDATE _nunez_cursors SET cursor_token = '$first' WHERE peer = 'e1'"
nr_sync e1 --local-only >"$T/replay.out" 2>&1
is "$?" 0 "a replay from an old cursor runs"
like "$(grep 'master>slave' "$T/replay.out")" "[1-9][0-9]* changes read, 1 inserted, 0 updated, 0 deleted, [1-9][0-9]* unchanged" \
	"re-sent changes are counted unchanged; only the new row is written"
h_sql e1 master "DELETE FROM t WHERE id = 70000"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "SELECT COUNT(*), SUM(CRC32(CONCAT(id, v, n))) FROM t")" "$sum" \
	"the slave's data is as before the replay"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM _nunez_changelog")" "$((before + 2))" \
	"the replay logged nothing but the one new row and its delete"

done_testing
