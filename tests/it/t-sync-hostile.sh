#!/usr/bin/env bash
# sync_multi against a remote that misbehaves: tests/it/hostile, a real
# HTTP server, answers /api/pull as a broken or hostile remote would
# (has_more for ever, answers of 100 MB, JSON bombs, cursors that are
# not). Each run fails within seconds with an error naming the remote,
# in bounded memory, storing no bad position; syncs with a real remote
# still work, empty batches and highly compressible rows included.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (id INT UNSIGNED NOT NULL PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE docs (id INT UNSIGNED NOT NULL PRIMARY KEY,
  body MEDIUMTEXT NOT NULL) ENGINE=InnoDB;
SQL
h_up "$T" 2 --no-slave --schema "$T/schema.sql" --tables '[
  {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at"},
  {"name": "docs", "primaryKey": "id"}]' || bail_out "harness"
h_env
for e in e1 e2; do
	nr_ctl $e init >/dev/null || bail_out "init $e"
done
port=$(h_port "$T") || bail_out "port"
api_config e1 '.remoteEnvironments.evil = {"url": "http://127.0.0.1:'"$port"'",
	"apiKey": "evil-key-0123456789abcdef", "syncMode": "pull",
	"timeout": 30} | .sync.circuitBreakerFailures = 1000 |
	.sync.retries = 0' >/dev/null || bail_out "config"

HPID=""
# hostile_up MODE: the server, (re)started in MODE.
hostile_up() {
	if [ -n "$HPID" ]; then
		kill "$HPID"
		h_wait_gone 10 "$HPID"
	fi
	"$NR_BUILDDIR/tests/it/hostile" "$port" "$1" >"$T/hostile.log" 2>&1 &
	HPID=$!
	h_track "$T" hostile "$HPID"
	H_WAIT=10 h_wait_for grep -q ready "$T/hostile.log" ||
		bail_out "hostile $1 did not start"
}

# evil MODE WANT NAME: one run of e1 against the server in MODE, in an
# address space of 1 GiB and at most 60 s: it fails (status 1) saying
# WANT (an extended regex), within 10 s, its peak RSS under 256 MB.
evil() {
	local mode=$1 want=$2 name=$3 t0 ms rss rc
	hostile_up "$mode"
	t0=$(h_now_ms)
	(
		# ASan reserves more address space than the cap.
		nr_sanitized || ulimit -v 1048576
		exec /usr/bin/time -f %M -o "$T/rss" timeout -k 5 60 \
			"$NR_BUILDDIR/src/cli/sync_multi" \
			--config "$T/e1/config.json" --env evil --table users
	) >"$T/evil.out" 2>&1
	rc=$?
	ms=$(($(h_now_ms) - t0))
	rss=$(tail -n 1 "$T/rss")
	PULLS=$(grep -c '^GET /api/pull' "$T/hostile.log")
	echo "# $mode: status $rc in $ms ms, peak RSS $((rss / 1024)) MB, $PULLS pulls"
	is "$rc" 1 "$name: sync_multi fails"
	like "$(cat "$T/evil.out")" "$want" "$name: ... saying so"
	ok $((ms > 10000)) "$name: ... within 10 s"
	if nr_sanitized; then
		skip "$name: ... in under 256 MB" "ASan build"
	else
		ok $((rss > 256 * 1024)) "$name: ... in under 256 MB"
	fi
}
stored() {
	h_sql e1 master "SELECT COUNT(*) FROM _nunez_cursors WHERE peer = 'evil'"
}

evil stall 'remote evil \(table users\) answered 3 times in a row with the position it was asked for while saying it has more: it makes no progress' \
	"has_more for ever at the same cursor"
is "$PULLS" 4 "... after one step and three answers that stand still"
evil empty 'remote evil \(table users\) sent 1001 batches in a row without a change while saying it has more \(sync.maxEmptyBatches is 1000\)' \
	"has_more for ever with no change, the cursor moving"
is "$PULLS" 1001 "... after sync.maxEmptyBatches + 1 pulls"
h_sql e1 master "DELETE FROM _nunez_cursors WHERE peer = 'evil'"
evil huge 'remote evil: the answer to GET /api/pull is larger than sync.maxResponseBytes \(33554432 bytes\)' \
	"an answer of 100 MB (Content-Length)"
evil huge-close 'remote evil: the answer to GET /api/pull is larger than sync.maxResponseBytes \(33554432 bytes\)' \
	"an answer of 100 MB (no Content-Length)"
evil bomb 'remote evil: the answer to GET /api/pull: the JSON holds [0-9]{8} objects and arrays; the limit is 100000' \
	"30 MB of empty objects"
evil badcursor 'remote evil: pull of users: next_cursor is not a cursor \(malformed cursor\)' \
	"a next_cursor that is not a cursor"
evil nocursor 'remote evil: pull of users: next_cursor is empty' \
	"an empty next_cursor"
is "$(stored)" 0 "the last five runs stored no position of the remote"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log WHERE peer = 'evil' AND status = 'failed'")" 7 \
	"every failed run is in the sync log"

# A real remote: pushed rows come back as batches without a change (e2
# leaves out e1's own), and rows that gzip shrinks 200 times go plain
# (e2 refuses gzip that inflates more than 100 times).
api_config e1 '.remoteEnvironments.evil.enabled = false | .sync.batchSize = 100' >/dev/null ||
	bail_out "config"
h_sql e1 master "INSERT INTO users (id, name) SELECT seq, CONCAT('u', seq) FROM seq_1_to_3000"
h_sql e1 master "INSERT INTO docs SELECT seq, REPEAT('x', 50000) FROM seq_1_to_10"
nr_sync e1 --env e2 >"$T/push.out" 2>&1
is "$?" 0 "e1 pushes 3,000 users, and 10 docs of 50 KB of one byte, to e2"
is "$(h_sql e2 master "SELECT COUNT(*), SUM(LENGTH(body)) FROM docs")" "10	500000" \
	"... every doc arrived whole"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users")" 3000 "... and every user"
nr_sync e1 --env e2 >"$T/again.out" 2>&1
is_quiet $? "$T/again.out" "pulling them back (30 batches without a change) ends quiet"
like "$(grep 'remote e2 pull users' "$T/again.out")" ': ok, 0 changes read' "... the pull of users is ok"

done_testing
