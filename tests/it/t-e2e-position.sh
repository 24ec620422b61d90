#!/usr/bin/env bash
# One position, two writers: e1's stored position in e2's changelog is
# moved by e1's pull of e2 and by e2's push to e1. Each moves it only
# from where its batch began; a batch whose start was moved meanwhile is
# rolled back and the writer reads again from the stored position. The
# interleaving is forced with a lock on the position's row.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL) ENGINE=InnoDB;
SQL
h_up "$T" 2 --no-slave --schema "$T/schema.sql" \
	--tables '[{"name": "t", "primaryKey": "id"}]' || bail_out "harness"
h_env
nr_ctl e1 init >/dev/null || bail_out "init e1"
nr_ctl e2 init >/dev/null || bail_out "init e2"
# e1 pulls e2; e2 pushes to e1, one change per batch.
jq '.remoteEnvironments["e2"].syncMode = "pull"' "$T/e1/config.json" >"$T/c.json" &&
	mv "$T/c.json" "$T/e1/config.json"
jq '.remoteEnvironments["e1"].syncMode = "push" | .sync.batchSize = 1' \
	"$T/e2/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e2/config.json"
nr_sync e1 --env e2 >/dev/null 2>&1 || bail_out "first pull"

# Every value the position takes, in order.
h_sql e1 master "CREATE TABLE position_log (n INT AUTO_INCREMENT PRIMARY KEY, token TEXT);
CREATE TRIGGER position_log_i AFTER INSERT ON _nunez_cursors FOR EACH ROW
  INSERT INTO position_log (token) VALUES (NEW.cursor_token);
CREATE TRIGGER position_log_u AFTER UPDATE ON _nunez_cursors FOR EACH ROW
  INSERT INTO position_log (token) VALUES (NEW.cursor_token);"
# INNODB_TRX is a cache refreshed only when unread for 0.1 s: look slowly.
waiting() {	# waiting N: N transactions of e1 wait for a lock
	sleep 0.15
	[ "$(h_sql e1 master "SELECT COUNT(*) FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT'")" = "$1" ]
}

h_sql e2 master "INSERT INTO t VALUES (1, 'one'), (2, 'two')"
session_open lock e1 master
session_send lock "BEGIN; SELECT COUNT(*) FROM _nunez_cursors WHERE peer = 'e2' FOR UPDATE; SELECT 'locked';"
session_wait lock locked || bail_out "lock"
# The pull reads both changes and waits; then the push reads its first
# batch (one change) from the same start and waits behind it.
nr_sync e1 --env e2 >"$T/pull.out" 2>&1 &
pull=$!
H_WAIT=20 h_wait_for waiting 1 || bail_out "the pull did not wait"
nr_sync e2 --env e1 >"$T/push.out" 2>&1 &
push=$!
H_WAIT=20 h_wait_for waiting 2 || bail_out "the push did not wait"
session_send lock "COMMIT; SELECT 'released';"
session_wait lock released
session_close lock
wait $pull
is "$?" 0 "the pull succeeded"
wait $push
is "$?" 0 "the push succeeded"

highs=$(h_sql e1 master "SELECT token FROM position_log ORDER BY n" |
	while read -r tok; do cursor_json "$tok" | jq -r .h; done | tr '\n' ' ')
is "$(echo "$highs" | awk '{ if (NF == 0) { print "no position written"; exit } for (i = 2; i <= NF; i++) if ($i < $(i - 1)) { print "backwards: " $0; exit } print "forward" }')" \
	forward "the position never moved backwards ($highs)"
like "$(cat "$T/push.out")" "position moved" \
	"the push's batch from the old start was refused and it read again"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(id ORDER BY id) FROM t")" "1,2" "every change arrived"
nr_sync e2 --env e1 >"$T/again.out" 2>&1
is_quiet "$?" "$T/again.out" "the next push moves nothing"

done_testing
