#!/usr/bin/env bash
# Conflicts in master-master: each strategy picks the same winner on both
# sides, every conflict is recorded with both versions, and a manual one
# is resolved with nunezctl and the resolution replicates.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE lww (id INT PRIMARY KEY, v VARCHAR(20), ts DATETIME(6)) ENGINE=InnoDB;
CREATE TABLE pw (id INT PRIMARY KEY, v VARCHAR(20), ts DATETIME(6)) ENGINE=InnoDB;
CREATE TABLE man (id INT PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --mode master-master --schema "$T/schema.sql" --tables '[
  {"name": "lww", "primaryKey": "id", "timestampColumn": "ts"},
  {"name": "pw", "primaryKey": "id", "timestampColumn": "ts",
   "conflictStrategy": "primary_wins"},
  {"name": "man", "primaryKey": "id", "conflictStrategy": "manual"}]' ||
	bail_out "harness"
nr_ctl e1 init >/dev/null || bail_out "init"
m() { h_sql e1 master "$1"; }
s() { h_sql e1 slave "$1"; }
sync() { nr_sync e1 --local-only >"$T/sync.out" 2>&1; }

m "INSERT INTO lww VALUES (1,'base','2024-01-01'),(2,'base','2024-01-01'),(3,'base','2024-01-01'),(5,'base','2024-01-01'),(6,'base','2024-01-01'),(9,'base','2024-01-01')"
m "INSERT INTO pw VALUES (1,'base','2024-01-01'),(2,'base','2024-01-01')"
m "INSERT INTO man VALUES (1,'base'),(2,'base')"
sync
is "$?" 0 "first sync"

# last_write_wins
m "UPDATE lww SET v='m', ts='2030-01-01 00:00:01' WHERE id=1"
s "UPDATE lww SET v='s', ts='2030-01-01 00:00:02' WHERE id=1"
m "UPDATE lww SET v='m', ts='2030-01-01 00:00:03' WHERE id=2"
s "UPDATE lww SET v='s', ts='2030-01-01 00:00:02' WHERE id=2"
m "UPDATE lww SET v='m', ts='2030-01-01 00:00:05' WHERE id=3"
s "UPDATE lww SET v='s', ts='2030-01-01 00:00:05' WHERE id=3"
m "DELETE FROM lww WHERE id=5"
s "UPDATE lww SET v='s', ts='2099-01-01' WHERE id=5"
m "DELETE FROM lww WHERE id=6"
s "UPDATE lww SET v='s', ts='2000-01-01' WHERE id=6"
m "UPDATE lww SET v='m-only' WHERE id=9"
sync
like "$(cat "$T/sync.out")" "lww: ok, .* 5 conflicts \(0 open\)" "five conflicts found and decided"
is "$(m "SELECT GROUP_CONCAT(id, v ORDER BY id) FROM lww")" "1s,2m,3s,5s,9m-only" \
	"master: later write wins; a tie goes to the greater node id; newer update beats older delete"
is "$(s "SELECT GROUP_CONCAT(id, v ORDER BY id) FROM lww")" "$(m "SELECT GROUP_CONCAT(id, v ORDER BY id) FROM lww")" \
	"slave picked the same winners"
is "$(s "SELECT COUNT(*) FROM _nunez_conflicts WHERE tbl='lww' AND status='resolved' AND local_row IS NOT NULL")" 5 \
	"every conflict is recorded, resolved, with the local version"
is "$(s "SELECT COUNT(*) FROM _nunez_conflicts WHERE tbl='lww' AND pk='[\"1\"]' AND winner='local' AND remote_row LIKE '%\"v\":\"m\"%' AND local_row LIKE '%\"v\":\"s\"%'")" 1 \
	"a record holds both versions of the row and the winner"
is "$(s "SELECT remote_row IS NULL FROM _nunez_conflicts WHERE tbl='lww' AND pk='[\"6\"]'")" 1 \
	"a delete's version is recorded as no row"
sync
is "$(grep -c ', 0 changes read' "$T/sync.out")" 6 "after the conflicts, the next run moves nothing"

# primary_wins: a write that came from e2 (priority 2) loses to this
# environment's own (priority 1), though it is newer.
h_sql e1 master "SET @nunez_origin = 'e2'; UPDATE pw SET v='from-e2', ts='2030-01-01' WHERE id=1; SET @nunez_origin = NULL"
s "UPDATE pw SET v='local', ts='2020-01-01' WHERE id=1"
m "UPDATE pw SET v='m', ts='2030-01-01' WHERE id=2"
s "UPDATE pw SET v='s', ts='2031-01-01' WHERE id=2"
sync
is "$(m "SELECT GROUP_CONCAT(id, v ORDER BY id) FROM pw")" "1local,2s" \
	"primary_wins: priority 1 beats priority 2 whatever the time; equal priorities fall back to the later write"
is "$(s "SELECT GROUP_CONCAT(id, v ORDER BY id) FROM pw")" "1local,2s" "the slave agrees"
is "$(s "SELECT COUNT(*) FROM _nunez_conflicts WHERE tbl='pw' AND strategy='primary_wins'")" 2 "both recorded"

# manual: the conflict stays open, the local row is kept.
m "UPDATE man SET v='master says' WHERE id=1"
s "UPDATE man SET v='slave says' WHERE id=1"
sync
like "$(cat "$T/sync.out")" "man: ok, .* 1 conflicts \(1 open\)" "a manual conflict is left open"
is "$(s "SELECT v FROM man WHERE id=1")" "slave says" "the side that found it keeps its row"
nr_ctl e1 conflicts list --slave >"$T/list.out"
is "$?" 0 "conflicts list exits 0"
id=$(awk '$2 == "open" {print $1}' "$T/list.out")
like "$id" "^[0-9]+$" "the open conflict is listed"
nr_ctl e1 conflicts show "$id" --slave >"$T/show.out"
like "$(cat "$T/show.out")" 'remote_row +\{"id":"1","v":"master says"\}' "show gives the other version"
like "$(cat "$T/show.out")" 'local_row +\{"id":"1","v":"slave says"\}' "... and the local one"
nr_ctl e1 conflicts resolve "$id" use_remote --slave >"$T/res.out"
is "$?" 0 "resolve use_remote exits 0"
is "$(s "SELECT v FROM man WHERE id=1")" "master says" "the remote version is written"
sync
is "$(m "SELECT v FROM man WHERE id=1")" "master says" "the resolution replicates"
nr_ctl e1 verify >/dev/null
is "$?" 0 "verify clean after the resolution"
is "$(s "SELECT CONCAT(status, ' ', resolution, ' ', winner) FROM _nunez_conflicts WHERE id=$id")" \
	"resolved use_remote remote" "the conflict is marked resolved"
nr_ctl e1 conflicts resolve "$id" use_local --slave >/dev/null 2>"$T/err"
is "$?" 2 "resolving it again is refused"
like "$(cat "$T/err")" "already resolved" "... saying why"
nr_ctl e1 conflicts resolve 99999 use_local >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "no conflict 99999" "an unknown id is named"
nr_ctl e1 conflicts resolve "$id" keep_both --slave >/dev/null 2>"$T/err"
is "$?" 2 "an unknown resolution exits 2"

# use_local: the local version is pushed to the other side.
m "UPDATE man SET v='m2' WHERE id=2"
s "UPDATE man SET v='s2' WHERE id=2"
sync
id=$(nr_ctl e1 conflicts list --slave | awk '$2 == "open" {print $1}')
nr_ctl e1 conflicts resolve "$id" use_local --slave >/dev/null
sync
is "$(m "SELECT v FROM man WHERE id=2"):$(s "SELECT v FROM man WHERE id=2")" "s2:s2" \
	"use_local: the local version replicates"
is "$(nr_ctl e1 conflicts list --slave | wc -l)" 1 "no open conflict is left"
nr_ctl e1 verify >/dev/null
is "$?" 0 "verify clean"

# UPDATE IGNORE that meets a duplicate key changes nothing, though MariaDB
# runs the AFTER UPDATE trigger for it: nothing may be logged. A logged
# phantom would carry the kept row with a new write time and beat the
# slave's real, older edit of that key.
m "INSERT INTO lww VALUES (40,'m40','2024-01-01'),(41,'m41','2024-01-01')"
sync
s "UPDATE lww SET v='s-edit', ts='2030-06-01' WHERE id=41"
before=$(m "SELECT COUNT(*) FROM _nunez_changelog")
m "UPDATE IGNORE lww SET id=41, v='never', ts='2031-01-01' WHERE id=40"
is "$(m "SELECT COUNT(*) FROM _nunez_changelog")" "$before" \
	"an UPDATE IGNORE that skipped its row logs nothing"
m "UPDATE lww SET v='m40b' WHERE id=40"
is "$(m "SELECT COUNT(*) FROM _nunez_changelog")" "$((before + 1))" \
	"a real update still logs"
sync
is "$(m "SELECT v FROM lww WHERE id=41"):$(s "SELECT v FROM lww WHERE id=41")" \
	"s-edit:s-edit" "the slave's edit of the key holds on both sides"

done_testing
