#!/usr/bin/env bash
# The first sync between two sides that both hold data delivers the
# deletes the sender's changelog knows for keys its copy lacks, as
# tombstones with their write time: local master-master, a remote pull
# and a remote push.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL) ENGINE=InnoDB;
CREATE TABLE c (a INT NOT NULL, b VARCHAR(10) NOT NULL, v VARCHAR(40) NOT NULL,
  PRIMARY KEY (a, b)) ENGINE=InnoDB;
SQL
TABLES='[{"name": "t", "primaryKey": "id"}, {"name": "c", "primaryKey": ["a", "b"]}]'

# --- local master-master
h_up "$T" 1 --mode master-master --schema "$T/schema.sql" --tables "$TABLES" ||
	bail_out "harness"
nr_ctl e1 init >/dev/null || bail_out "init"
m() { h_sql e1 master "$1"; }
s() { h_sql e1 slave "$1"; }
# Before any sync: the master inserts K; the slave inserts K and deletes
# it later (the delete is the latest write); the slave also deletes a
# key it had that the master never held, and a composite key the same way.
m "INSERT INTO t VALUES (1, 'master'), (3, 'master later')"
m "INSERT INTO c VALUES (1, 'x', 'master')"
s "INSERT INTO t VALUES (1, 'slave'), (2, 'slave')"
s "INSERT INTO c VALUES (1, 'x', 'slave')"
s "DELETE FROM t WHERE id IN (1, 2)"
s "DELETE FROM c WHERE a = 1 AND b = 'x'"
# Key 3: the slave's delete is older than the master's insert.
s "INSERT INTO t VALUES (3, 'slave')"
s "DELETE FROM t WHERE id = 3"
sleep 0.01
m "UPDATE t SET v = 'master newest' WHERE id = 3"
nr_sync e1 --local-only >"$T/first.out" 2>&1
is "$?" 0 "the first sync runs"
is "$(m "SELECT COUNT(*) FROM t WHERE id = 1")" 0 \
	"the slave's later delete of a key the master also inserted reaches the master"
is "$(s "SELECT COUNT(*) FROM t WHERE id = 1")" 0 "and the slave keeps it deleted"
is "$(m "SELECT COUNT(*) FROM c")" 0 "the same for a composite key"
is "$(m "SELECT v FROM t WHERE id = 3")" "master newest" \
	"a delete older than the other side's write loses on the master"
is "$(s "SELECT v FROM t WHERE id = 3")" "master newest" "and on the slave"
is "$(rows_of e1 master t)" "$(rows_of e1 slave t)" "both sides hold the same rows"
nr_sync e1 --local-only >"$T/again.out" 2>&1
ran=$(grep -c 'changes read' "$T/again.out")
moved=$(grep 'changes read' "$T/again.out" | grep -vc ', 0 changes read')
is "$((ran > 0)):$moved" "1:0" "the next run moves nothing (and did run)"
nr_ctl e1 verify >"$T/v.out" 2>&1
is "$?" 0 "verify finds both sides identical"
h_down "$T" >/dev/null

# --- remotes: e1 pulls e2 and pushes to e3
T2="$T/r"
mkdir -p "$T2"
h_up "$T2" 3 --mode master-slave --no-slave --schema "$T/schema.sql" --tables "$TABLES" ||
	bail_out "harness (remotes)"
. "$T2/harness.env"
for e in e1 e2 e3; do
	"$NR_BUILDDIR/src/cli/nunezctl" --config "$T2/$e/config.json" init >/dev/null ||
		bail_out "init $e"
done
r() { h_sql "$1" master "$2"; }
jq --arg u2 "$NR_E2_URL" --arg k2 "$NR_E2_KEY_PEER" --arg u3 "$NR_E3_URL" --arg k3 "$NR_E3_KEY_PEER" \
	'.remoteEnvironments = {"e2": {url: $u2, apiKey: $k2, syncMode: "pull"},
	  "e3": {url: $u3, apiKey: $k3, syncMode: "push"}}' \
	"$T2/e1/config.json" >"$T2/c.json" && mv "$T2/c.json" "$T2/e1/config.json"
# Pull: e1 holds key 10; e2 inserted it and deleted it later.
r e1 "INSERT INTO t VALUES (10, 'e1')"
r e2 "INSERT INTO t VALUES (10, 'e2'), (11, 'e2')"
r e2 "DELETE FROM t WHERE id = 10"
# Push: e3 holds key 20; e1 inserted it and deleted it later.
r e3 "INSERT INTO t VALUES (20, 'e3')"
r e1 "INSERT INTO t VALUES (20, 'e1'), (21, 'e1')"
r e1 "DELETE FROM t WHERE id = 20"
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T2/e1/config.json" >"$T2/run.out" 2>&1
is "$?" 0 "e1's first run of both links"
is "$(r e1 "SELECT GROUP_CONCAT(id ORDER BY id) FROM t")" "11,21" \
	"pull: e2's later delete of key 10 reached e1"
is "$(r e3 "SELECT GROUP_CONCAT(id ORDER BY id) FROM t")" "11,21" \
	"push: e1's later delete of key 20 reached e3 (and key 11, pulled from e2, arrived)"
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T2/e1/config.json" >"$T2/again.out" 2>&1
is_quiet "$?" "$T2/again.out" "the next run moves nothing"
h_down "$T2" >/dev/null

done_testing
