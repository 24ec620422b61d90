#!/usr/bin/env bash
# Changelog retention: a purge deletes only what every peer has read
# (configured remotes always count, other peers for retention.peerDays),
# keeps the head entry, and runs from sync_multi and nunezctl purge. A
# peer whose position was purged past gets 409 cursor_expired and copies
# the table again by itself, the deletes it missed included. A restore
# (nunezctl new-epoch, or a changelog that went back) expires every
# position in the node's changelog the same way. Old sync log rows and
# decided conflicts are forgotten after retention.historyDays.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL) ENGINE=InnoDB;
SQL
h_up "$T" 2 --no-slave --schema "$T/schema.sql" \
	--tables '[{"name": "t", "primaryKey": "id"}]' || bail_out "harness"
h_env
nr_ctl e1 init >/dev/null || bail_out "init e1"
nr_ctl e2 init >/dev/null || bail_out "init e2"
config() {	# config ENV FILTER: edits ENV's config (read by each run)
	jq "$2" "$T/$1/config.json" >"$T/$1/c.json" && mv "$T/$1/c.json" "$T/$1/config.json"
}
config e1 '.retention.minHours = 0'
config e2 '.retention.minHours = 0'
cp "$T/e1/config.json" "$T/e1/config.keep"
entries() {	# entries ENV: changelog entries of t
	h_sql "$1" master "SELECT COUNT(*) FROM _nunez_changelog WHERE tbl = 't'"
}
same() {	# same MSG: e1 and e2 hold the same rows of t
	is "$(rows_of e2 master t)" "$(rows_of e1 master t)" "$1"
}

# A configured remote that has not read the table holds all of it.
h_sql e1 master "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')"
out=$(nr_ctl e1 purge --dry-run)
like "$out" "^t: nothing to purge .*held by e2 has not read it past a first copy" \
	"purge --dry-run: a remote that never read the table holds it all"
out=$(nr_ctl e1 purge)
is "$(entries e1)" 3 "... and purge deletes nothing"

# Once e2 has the rows, what it read goes; the head entry stays.
nr_sync e2 >/dev/null 2>&1 && nr_sync e2 >/dev/null 2>&1
ok $? "e2 pulls from e1 twice"
is "$(h_sql e1 master "SELECT need FROM _nunez_acks WHERE peer = 'e2' AND tbl = 't'")" 4 \
	"e1 records how far e2 has read its changelog (from the cursor of e2's pull)"
out=$(nr_ctl e1 purge --dry-run)
like "$out" "^t: would delete 2 entries up to seq 2 \(held by the changelog's head\)" \
	"purge --dry-run says what it would delete and what holds the rest"
is "$(entries e1)" 3 "... and deletes nothing"
out=$(nr_ctl e1 purge)
like "$out" "^t: deleted 2 entries up to seq 2" "purge deletes what every peer has read"
is "$(entries e1):$(h_sql e1 master "SELECT upto FROM _nunez_purged WHERE tbl = 't'")" "1:2" \
	"... keeps the head entry and records how far it went"

# New changes e2 has not read are kept, whoever runs the purge.
h_sql e1 master "INSERT INTO t VALUES (4, 'd'), (5, 'e'); UPDATE t SET v = 'a2' WHERE id = 1"
head=$(h_sql e1 master "SELECT MAX(seq) FROM _nunez_changelog")
out=$(nr_ctl e1 purge --dry-run)
like "$out" "^t: would delete 1 entries up to seq 3 \(held by e2 needs seq 4 on\)" \
	"changes e2 has not read hold the purge"
nr_sync e2 >/dev/null 2>&1
ok $? "e2 pulls them"
h_sql e1 master "UPDATE _nunez_changelog SET changed_at = UTC_TIMESTAMP(6) WHERE tbl = 't'"
config e1 '.retention.minHours = 1'
out=$(nr_ctl e1 purge --dry-run)
like "$out" "held by entries younger than retention.minHours \(1\)" \
	"entries younger than retention.minHours are kept even when read"
config e1 '.retention.minHours = 0'
nr_sync e1 >"$T/run.out" 2>&1
like "$(cat "$T/run.out")" "purge: deleted [1-9][0-9]* changelog entries every peer has read" \
	"sync_multi purges after its run"
is "$(entries e1)" 1 "... down to the head entry"
same "e1 and e2 agree after the purges"

# A peer that is not configured and was away longer than peerDays no
# longer holds the changelog: its position expires.
config e1 'del(.remoteEnvironments["e2"])'
h_sql e1 master "UPDATE _nunez_acks SET seen_at = UTC_TIMESTAMP(6) - INTERVAL 8 DAY WHERE peer = 'e2'"
h_sql e1 master "INSERT INTO t VALUES (6, 'f'); DELETE FROM t WHERE id = 2; UPDATE t SET v = 'c2' WHERE id = 3"
h_sql e2 master "INSERT INTO t VALUES (100, 'e2 only')"
old=$(h_sql e2 master "SELECT cursor_token FROM _nunez_cursors WHERE peer = 'e1' AND tbl = 't'")
out=$(nr_ctl e1 purge)
like "$out" "^t: deleted [1-9][0-9]* entries" "a peer away longer than peerDays holds nothing back"
h_curl e1 "/api/pull?table=t&node=e2&cursor=$old" -H "X-API-Key: $NR_E1_KEY_PEER"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "409:cursor_expired" \
	"its old position gets 409 cursor_expired"
like "$(json_get "$H_BODY" error.message)" "purged up to seq" "... saying why"
nr_sync e2 >"$T/e2.out" 2>&1
is "$?" 0 "the peer's next run succeeds"
like "$(cat "$T/e2.out")" "remote e1 pull t: ok, .* 1 resyncs" \
	"... copying the table again by itself, counted in the summary"
like "$(cat "$T/e2.out")" "purged up to seq .*copying the table again" "... and logged"
is "$(h_sql e2 master "SELECT COUNT(*) FROM t WHERE id = 2")" 0 \
	"the copy carries the delete the purge took away"
is "$(h_sql e2 master "SELECT v FROM t WHERE id = 3")" "c2" "... and the update"
is "$(h_sql e1 master "SELECT v FROM t WHERE id = 100")" "e2 only" \
	"a row the peer wrote while away is kept and reaches e1"
same "e1 and e2 agree after the copy"
nr_sync e2 >"$T/e2.out" 2>&1
like "$(cat "$T/e2.out")" "remote e1 pull t: ok, 0 changes read, .* 0 resyncs" \
	"the next run reads on from the new position"

# A restore: nunezctl new-epoch on e1 expires every position in its
# changelog; e1 forgets its own positions in e2's; both copy again.
cp "$T/e1/config.keep" "$T/e1/config.json"
nr_sync e1 >/dev/null 2>&1
ok $? "e2 is e1's remote again"
epoch=$(h_sql e1 master "SELECT value FROM _nunez_meta WHERE name = 'epoch'")
is "${#epoch}" 32 "init made an epoch"
out=$(nr_ctl e1 new-epoch)
like "$out" "new epoch, and [1-9][0-9]* positions in peers' changelogs are forgotten" "nunezctl new-epoch"
is "$(h_sql e1 master "SELECT value <> '$epoch' FROM _nunez_meta WHERE name = 'epoch'")" 1 \
	"... makes a new epoch"
api_reload e1 || bail_out "reload e1"
h_sql e1 master "INSERT INTO t VALUES (7, 'g')"
nr_sync e1 >"$T/e1.out" 2>&1
is "$?" 0 "e1's run after its new epoch succeeds"
like "$(cat "$T/e1.out")" "remote e2 push t: ok, .* 1 resyncs" \
	"e1's push finds e2's position in its changelog of the old epoch and copies again"
like "$(cat "$T/e1.out")" "earlier changelog of this node" "... saying why"
nr_ctl e1 new-epoch >/dev/null && api_reload e1 || bail_out "new epoch"
h_sql e1 master "INSERT INTO t VALUES (8, 'h')"
nr_sync e2 >"$T/e2.out" 2>&1
is "$?" 0 "e2's run after e1's next new epoch succeeds"
like "$(cat "$T/e2.out")" "remote e1 pull t: ok, .* 1 resyncs" \
	"e2's pull gets 409 cursor_expired from e1 and copies e1's table again"
nr_sync e1 >/dev/null 2>&1
same "e1 and e2 agree after the new epochs"

# A changelog that went back behind a position (a dump restored) is
# found without a new epoch.
tok=$(h_sql e2 master "SELECT cursor_token FROM _nunez_cursors WHERE peer = 'e1' AND tbl = 't'")
high=$(cursor_json "$tok" | jq -r .h)
h_sql e1 master "DELETE FROM _nunez_changelog WHERE seq >= $high"
h_curl e1 "/api/pull?table=t&node=e2&cursor=$tok" -H "X-API-Key: $NR_E1_KEY_PEER"
is "$H_STATUS:$(json_get "$H_BODY" error.code)" "409:cursor_expired" \
	"a position past the changelog's head: 409 cursor_expired"
like "$(json_get "$H_BODY" error.message)" "went back" "... saying the changelog went back"

# History: sync log rows and decided conflicts older than historyDays.
h_sql e1 master "UPDATE _nunez_sync_log SET started_at = '2020-01-01', finished_at = '2020-01-01' ORDER BY id LIMIT 2;
INSERT INTO _nunez_conflicts (tbl, pk, peer, strategy, winner, status, created_at, resolved_at) VALUES
  ('t', '[1]', 'e2', 'last_write_wins', 'local', 'resolved', '2020-01-01', '2020-01-01'),
  ('t', '[2]', 'e2', 'manual', 'local', 'open', '2020-01-01', NULL),
  ('t', '[3]', 'e2', 'last_write_wins', 'local', 'resolved', UTC_TIMESTAMP(), UTC_TIMESTAMP())"
n=$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log")
out=$(nr_ctl e1 purge)
like "$out" " 3 sync log rows and decided conflicts" "purge forgets old history"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log")" "$((n - 2))" \
	"... sync log rows older than historyDays"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(pk ORDER BY pk) FROM _nunez_conflicts")" "[2],[3]" \
	"... decided conflicts older than historyDays; open ones stay"

done_testing
