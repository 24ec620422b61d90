#!/usr/bin/env bash
# Conflicts between environments: the same rows edited in e1 and e2 before
# a sync; under each strategy both end with the same winner, and the
# conflicts are listed (and a manual one resolved) through the API; a
# manual conflict is shown open on both sides and resolving it on one
# closes both.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE lww (id INT PRIMARY KEY, v VARCHAR(20), ts DATETIME(6)) ENGINE=InnoDB;
CREATE TABLE pw (id INT PRIMARY KEY, v VARCHAR(20), ts DATETIME(6)) ENGINE=InnoDB;
CREATE TABLE man (id INT PRIMARY KEY, v VARCHAR(20), ts DATETIME(6)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --no-slave --schema "$T/schema.sql" --tables '[
  {"name": "lww", "primaryKey": "id", "timestampColumn": "ts"},
  {"name": "pw", "primaryKey": "id", "timestampColumn": "ts", "conflictStrategy": "primary_wins"},
  {"name": "man", "primaryKey": "id", "timestampColumn": "ts", "conflictStrategy": "manual"}]' ||
	bail_out "harness"
h_env
for e in e1 e2; do nr_ctl $e init >/dev/null || bail_out "init"; done
jq '.remoteEnvironments = {}' "$T/e2/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e2/config.json"
A1="X-API-Key: $NR_E1_KEY_ADMIN"
both() { echo "$(h_sql e1 master "$1"):$(h_sql e2 master "$1")"; }

for t in lww pw man; do
	h_sql e1 master "INSERT INTO $t VALUES (1, 'base', '2024-01-01'), (2, 'base', '2024-01-01')"
done
nr_sync e1 >/dev/null 2>&1
is "$(both "SELECT COUNT(*) FROM man")" "2:2" "the base rows are everywhere"

# e1 edits first (older), e2 later (newer), before any sync.
for t in lww pw man; do
	h_sql e1 master "UPDATE $t SET v = 'e1', ts = '2030-01-01 10:00:00' WHERE id = 1"
	h_sql e2 master "UPDATE $t SET v = 'e2', ts = '2030-01-01 10:00:09' WHERE id = 1"
done
h_sql e1 master "DELETE FROM lww WHERE id = 2"
h_sql e2 master "UPDATE lww SET v = 'e2 later', ts = '2099-01-01' WHERE id = 2"
nr_sync e1 >"$T/sync.out" 2>&1
nr_sync e1 >>"$T/sync.out" 2>&1

is "$(both "SELECT GROUP_CONCAT(id, v ORDER BY id) FROM lww")" "1e2,2e2 later:1e2,2e2 later" \
	"last_write_wins: the later edit wins in both, an update later than a delete too"
is "$(both "SELECT v FROM pw WHERE id = 1")" "e1:e1" \
	"primary_wins: e1 (priority 1) wins in both though its edit is older"
is "$(both "SELECT v FROM man WHERE id = 1")" "e1:e1" \
	"manual: the side that found it keeps its row, and both agree"
h_curl e1 "/api/replication/conflicts?status=all" -H "$A1"
is "$(json_get "$H_BODY" '[.conflicts[] | .tbl] | sort | join(",")')" "lww,lww,man,pw" \
	"every conflict is listed by the API where it was found"
is "$(json_get "$H_BODY" '[.conflicts[] | select(.tbl == "man") | .status] | join(",")')" open \
	"the manual one is open"
id=$(json_get "$H_BODY" '.conflicts[] | select(.tbl == "man") | .id')
like "$(json_get "$H_BODY" '.conflicts[] | select(.tbl == "man") | .remote_row')" '"v":"e2"' \
	"it holds e2's version"
# The other side learned of it with the batch that carried e1's row.
A2="X-API-Key: $NR_E2_KEY_ADMIN"
h_curl e2 "/api/replication/conflicts" -H "$A2"
is "$(json_get "$H_BODY" '[.conflicts[] | select(.tbl == "man") | "\(.status):\(.peer)"] | join(",")')" \
	"open:e1" "manual: e2 shows the conflict open too, with e1"
like "$(json_get "$H_BODY" '.conflicts[] | select(.tbl == "man") | .local_row')" '"v":"e2"' \
	"... holding its own edit as the local version"
nr_sync e1 >/dev/null 2>&1
h_curl e2 "/api/replication/conflicts" -H "$A2"
is "$(json_get "$H_BODY" '[.conflicts[] | select(.tbl == "man")] | length')" 1 \
	"... recorded once, however often the row comes again"
# Resolving on either side closes both: here on e1.
h_curl e1 /api/replication/conflicts/$id/resolve -X POST -H "$A1" -d '{"resolution":"use_remote"}'
is "$H_STATUS" 200 "resolved through the API with use_remote"
nr_sync e1 >/dev/null 2>&1
is "$(both "SELECT v FROM man WHERE id = 1")" "e2:e2" "the resolution reaches both"
is "$(both "SELECT COUNT(*) FROM _nunez_conflicts WHERE tbl = 'man' AND status = 'open'")" "0:0" \
	"and the conflict is closed on both sides"
# ... and here on e2, the side that did not find it.
h_sql e1 master "UPDATE man SET v = 'e1 two', ts = '2030-02-01' WHERE id = 2"
h_sql e2 master "UPDATE man SET v = 'e2 two', ts = '2030-02-02' WHERE id = 2"
nr_sync e1 >/dev/null 2>&1
is "$(both "SELECT COUNT(*) FROM _nunez_conflicts WHERE tbl = 'man' AND status = 'open'")" "1:1" \
	"a second manual conflict, open on both sides"
h_curl e2 "/api/replication/conflicts" -H "$A2"
id2=$(json_get "$H_BODY" '.conflicts[] | select(.tbl == "man") | .id')
h_curl e2 /api/replication/conflicts/$id2/resolve -X POST -H "$A2" -d '{"resolution":"use_local"}'
is "$H_STATUS" 200 "resolved on e2 with use_local (e2's own edit)"
nr_sync e1 >/dev/null 2>&1
is "$(both "SELECT v FROM man WHERE id = 2")" "e2 two:e2 two" "e2's choice reaches both"
is "$(both "SELECT COUNT(*) FROM _nunez_conflicts WHERE tbl = 'man' AND status = 'open'")" "0:0" \
	"and it is closed on both sides"
nr_ctl e1 verify --env e2 >"$T/v.out"
is "$?" 0 "verify --env: every table the same"
nr_sync e1 >"$T/quiet.out" 2>&1
is_quiet $? "$T/quiet.out" "then quiet"

done_testing
