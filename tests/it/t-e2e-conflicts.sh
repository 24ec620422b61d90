#!/usr/bin/env bash
# Conflicts between environments: the same rows edited in e1 and e2 before
# a sync; under each strategy both end with the same winner, and the
# conflicts are listed (and a manual one resolved) through the API.
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
h_curl e1 /api/replication/conflicts/$id/resolve -X POST -H "$A1" -d '{"resolution":"use_remote"}'
is "$H_STATUS" 200 "resolved through the API with use_remote"
nr_sync e1 >/dev/null 2>&1
is "$(both "SELECT v FROM man WHERE id = 1")" "e2:e2" "the resolution reaches both"
nr_ctl e1 verify --env e2 >"$T/v.out"
is "$?" 0 "verify --env: every table the same"
nr_sync e1 >"$T/quiet.out" 2>&1
is_quiet $? "$T/quiet.out" "then quiet"

done_testing
