#!/usr/bin/env bash
# Two environments syncing through faults: connections cut mid-answer,
# sync_multi killed at 20 points, nunez-api workers killed mid-push, the
# remote's master restarted mid-run, the remote down for several runs
# (the circuit opens, then closes), two runs at once. After each, nothing
# is lost and the environments converge.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL,
  note VARCHAR(200) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --no-slave --schema "$T/schema.sql" --tables '[{"name": "users",
  "primaryKey": "id", "timestampColumn": "updated_at"}]' || bail_out "harness"
h_env
for e in e1 e2; do nr_ctl $e init >/dev/null || bail_out "init"; done
proxy_port=$(h_port "$T")
"$NR_BUILDDIR/tests/it/cutproxy" "$proxy_port" "${NR_E2_URL##*:}" 2 6000 \
	>"$T/proxy.out" 2>&1 &
h_track "$T" proxy $!
H_WAIT=10 h_wait_for grep -q ready "$T/proxy.out"
# e1 runs the link e1 <-> e2; e2 lists no remote.
jq '.sync = {batchSize: 200, retries: 2, retryBackoffMs: 50,
    circuitBreakerFailures: 3, circuitBreakerCooldownSeconds: 3}' \
	"$T/e1/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e1/config.json"
jq '.remoteEnvironments = {}' "$T/e2/config.json" >"$T/c.json" &&
	mv "$T/c.json" "$T/e2/config.json"

write() {	# write ENV FROM N: N upserts with ids from FROM, a few deletes
	h_sql $1 master "INSERT INTO users (id, name, note) SELECT seq, '$1', REPEAT('x', 150) FROM seq_$2_to_$(($2 + $3 - 1)) ON DUPLICATE KEY UPDATE name = VALUES(name), updated_at = NOW(6); DELETE FROM users WHERE id = $2 + 1"
}
same() {
	[ "$(h_sql e1 master "CHECKSUM TABLE users" | awk '{print $2}')" = \
		"$(h_sql e2 master "CHECKSUM TABLE users" | awk '{print $2}')" ]
}
converge() {	# runs e1's sync until both hold the same table
	local i
	for i in 1 2 3 4 5 6; do
		nr_sync e1 >>"$T/converge.out" 2>&1 && same && return 0
	done
	return 1
}
applied() {
	echo $(($(h_sql e1 master "SELECT COALESCE(SUM(rows_applied), 0) FROM _nunez_cursors") + \
		$(h_sql e2 master "SELECT COALESCE(SUM(rows_applied), 0) FROM _nunez_cursors")))
}

write e2 1 3000
write e1 10001 1000

# --- connections cut in the middle of answers (every other connection
# is cut after 6,000 bytes)
e2url=$NR_E2_URL
jq --arg u "http://127.0.0.1:$proxy_port" '.remoteEnvironments["e2"].url = $u' \
	"$T/e1/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e1/config.json"
for i in 1 2 3; do
	nr_sync e1 >"$T/cut$i.out" 2>&1
	write e1 $((20000 + i * 100)) 50
	write e2 $((30000 + i * 100)) 50
done
like "$(cat "$T"/cut*.out)" "retrying in" "connections were cut mid-answer and retried"
converge
ok $? "through the cutting proxy, the two converge"
jq --arg u "$e2url" '.remoteEnvironments["e2"].url = $u' "$T/e1/config.json" >"$T/c.json" &&
	mv "$T/c.json" "$T/e1/config.json"

# --- sync_multi killed at 20 points
landed=0
k=0
while [ $landed -lt 20 ] && [ $k -lt 60 ]; do
	k=$((k + 1))
	write e1 $((40000 + k * 500)) 400
	write e2 $((70000 + k * 500)) 400
	target=$(($(applied) + (k % 5 + 1) * 200))
	"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e1/config.json" >"$T/kill$k.out" 2>&1 &
	pid=$!
	while h_alive $pid && [ "$(applied)" -lt $target ]; do sleep 0.01; done
	kill -KILL $pid 2>/dev/null && landed=$((landed + 1))
	wait $pid 2>/dev/null
done
is "$landed" 20 "sync_multi was killed 20 times in the middle of a run"
converge
ok $? "after the kills, the two converge"
is "$(h_sql e1 master "SELECT COUNT(*) FROM users WHERE id > 70000")" \
	"$(h_sql e2 master "SELECT COUNT(*) FROM users WHERE id > 70000")" "nothing written in e2 was lost"

# --- nunez-api workers of e2 killed while e1 pushes to it
write e1 100001 3000
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e1/config.json" >"$T/wk.out" 2>&1 &
pid=$!
kills=0
while h_alive $pid; do
	pkill -KILL -P "$(cat "$T/e2/api.pid")" && kills=$((kills + 1))
	sleep 0.05
done
wait $pid
echo "# workers killed $kills times during one run"
ok $((kills == 0)) "e2's workers were killed during the run"
converge
ok $? "after the worker kills, the two converge"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users WHERE id BETWEEN 100001 AND 103000")" \
	"$(h_sql e1 master "SELECT COUNT(*) FROM users WHERE id BETWEEN 100001 AND 103000")" \
	"every pushed row arrived, once"

# --- e2's master restarted in the middle of a run
write e2 200001 4000
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e1/config.json" >"$T/restart.out" 2>&1 &
pid=$!
while h_alive $pid && [ "$(h_sql e1 master "SELECT COALESCE(SUM(rows_applied), 0) FROM _nunez_cursors")" -lt 200 ]; do sleep 0.01; done
h_db_stop "$T" e2 master
h_db_start "$T" e2 master
h_db_wait "$T" e2 master || bail_out "e2 master did not restart"
wait $pid
echo "# the run during the restart exited $? : $(grep -c FAILED "$T/restart.out") directions failed"
converge
ok $? "after the restart, the two converge"

# --- e2 down for several runs: the circuit opens, then closes
h_api_stop "$T" e2
for i in 1 2 3 4; do
	nr_sync e1 >"$T/down$i.out" 2>&1
	echo "$?" >>"$T/down.codes"
done
is "$(tr '\n' ' ' <"$T/down.codes")" "1 1 1 1 " "every run while e2 is down exits 1"
like "$(cat "$T/down4.out")" "remote e2: skipped, circuit open \(3 failed runs" \
	"after 3 failed runs the circuit is open and e2 is skipped"
like "$(h_sql e1 master "SELECT value FROM _nunez_meta WHERE name = 'breaker:e2'")" "^3 [1-9]" \
	"the breaker's state is in the database"
write e1 300001 500
h_api_start "$T" e2
h_api_wait "$T" e2
sleep 3.2
nr_sync e1 >"$T/up.out" 2>&1
is "$?" 0 "after the cooldown, with e2 back, the run succeeds"
is "$(h_sql e1 master "SELECT value FROM _nunez_meta WHERE name = 'breaker:e2'")" "0 0" "the circuit is closed again"
same
ok $? "what was written while e2 was down caught up"

# --- two runs at once
write e1 400001 3000
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e1/config.json" >"$T/first.out" 2>&1 &
pid=$!
H_WAIT=10 h_wait_for test -s "$T/first.out"
nr_sync e1 >"$T/second.out" 2>&1
is "$?" 3 "a second sync_multi at the same time exits 3 (busy, not failed)"
like "$(cat "$T/second.out")" "another sync_multi is running for environment e1" "... saying so"
wait $pid
is "$?" 0 "the first one completes"
converge
ok $? "and the two converge"
nr_sync e1 >"$T/quiet.out" 2>&1
is_quiet $? "$T/quiet.out" "then a round moves nothing"

# --- --follow keeps syncing until SIGTERM
jq '.sync.followIntervalSeconds = 1' "$T/e1/config.json" >"$T/c.json" &&
	mv "$T/c.json" "$T/e1/config.json"
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e1/config.json" --follow >"$T/follow.out" 2>&1 &
pid=$!
h_track "$T" follow $pid
h_sql e2 master "INSERT INTO users (id, name, note) VALUES (999999, 'followed', 'x')"
arrived() { [ "$(h_sql e1 master "SELECT COUNT(*) FROM users WHERE id = 999999")" = 1 ]; }
H_WAIT=15 h_wait_for arrived
ok $? "--follow brings a new row over without another command"
kill -TERM $pid
h_wait_gone 20 $pid
ok $? "--follow stops on SIGTERM"
wait $pid
is "$?" 0 "... with status 0"

done_testing
