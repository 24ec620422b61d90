#!/usr/bin/env bash
# nunezctl init on servers as operators run them: binary logging on and
# an account without SUPER (error 1419, said with what to do), a trigger
# DEFINER given with --definer, and the least privileges that
# docs/privileges.md lists for init, the definer and sync_multi.
. "$(dirname "$0")/lib.sh"

h_up "$T" 1 --db-opt --log-bin=binlog || bail_out "harness"
is "$(h_sql e1 master "SELECT @@log_bin, @@log_bin_trust_function_creators")" "1	0" \
	"the master writes a binary log, trusting no function creators"

# The accounts, on master and slave alike (docs/privileges.md).
accounts() {
	h_sql e1 "$1" "
	CREATE USER 'nunez_init'@'%' IDENTIFIED BY '$NR_DB_PASSWORD';
	GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER,
	  TRIGGER ON appdb.* TO 'nunez_init'@'%';
	CREATE USER 'nunez_run'@'%' IDENTIFIED BY '$NR_DB_PASSWORD';
	GRANT SELECT, INSERT, UPDATE, DELETE ON appdb.* TO 'nunez_run'@'%';
	GRANT PROCESS ON *.* TO 'nunez_run'@'%';
	CREATE USER 'nunez_trigger'@'localhost' ACCOUNT LOCK;
	GRANT SELECT, TRIGGER ON appdb.* TO 'nunez_trigger'@'localhost';"
}
accounts master
accounts slave
as_user() {
	jq --arg u "$1" '.databases.master.user = $u | .databases.slave.user = $u' \
		"$T/e1/config.json" >"$T/e1/config-$1.json"
}
as_user nunez_init
as_user nunez_run
ctl_as() {
	local u=$1
	shift
	"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/e1/config-$u.json" "$@"
}

# 1419: say what to do.
ctl_as nunez_init init >"$T/out" 2>"$T/err"
is "$?" 1 "init without SUPER under binary logging fails"
like "$(cat "$T/err")" "master database: binary logging is on, and then creating triggers needs the SUPER privilege, which this account lacks \(error 1419\)" \
	"... naming the cause"
like "$(cat "$T/err")" "set log_bin_trust_function_creators=1 on the server .* or run nunezctl init as an account with SUPER" \
	"... and both ways out"
is "$(h_sql e1 master "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'appdb'")" 0 \
	"... and no trigger was made"

# The first way out.
h_sql e1 master "SET GLOBAL log_bin_trust_function_creators = 1"
ctl_as nunez_init init >"$T/out" 2>"$T/err"
is "$?" 0 "with log_bin_trust_function_creators=1 the same account's init works: $(cat "$T/err")"
is "$(h_sql e1 master "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'appdb'")" 6 \
	"... six triggers on the two tables"
is "$(h_sql e1 master "SELECT DISTINCT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'appdb'")" \
	"nunez_init@%" "... defined by the account that ran init"

# --definer: the triggers run as a locked account of least privilege.
ctl_as nunez_init init --definer nunez_trigger@localhost >"$T/out" 2>"$T/err"
is "$?" 1 "--definer by an account without SET USER fails"
like "$(cat "$T/err")" "--definer nunez_trigger@localhost needs the SET USER \(or SUPER\) privilege .*\(error 1227\)" \
	"... saying which privilege is missing"
nr_ctl e1 init --definer nunez_trigger@localhost >"$T/out" 2>"$T/err"
is "$?" 0 "init --definer by an account that may: $(cat "$T/err")"
is "$(h_sql e1 master "SELECT DISTINCT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'appdb'")" \
	"nunez_trigger@localhost" "... every trigger of the master has that definer"
# Writes by root fire the triggers as nunez_trigger, whose grants are
# enough: SELECT and TRIGGER on the database, INSERT on the changelog.
h_sql e1 master "GRANT INSERT ON appdb._nunez_changelog TO 'nunez_trigger'@'localhost'"
h_sql e1 master "INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'a@x'); UPDATE users SET name = 'Ada L' WHERE id = 1; INSERT INTO users (id, name, email) VALUES (2, 'Bo', 'b@x'); DELETE FROM users WHERE id = 2" 2>"$T/err"
is "$?:$(cat "$T/err")" "0:" "writes run the definer's triggers with its grants"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(op, pk ORDER BY seq) FROM _nunez_changelog")" \
	'U["1"],U["1"],U["2"],D["2"]' "... and every change is logged"
h_sql e1 master "REVOKE INSERT ON appdb._nunez_changelog FROM 'nunez_trigger'@'localhost'"
h_sql e1 master "INSERT INTO users (id, name, email) VALUES (3, 'Cy', 'c@x')" 2>"$T/err"
ok $((! $?)) "without INSERT on the changelog the definer's trigger refuses the write"
like "$(cat "$T/err")" "INSERT command denied to user 'nunez_trigger'@'localhost'" \
	"... so the triggers really run as the definer"
h_sql e1 master "GRANT INSERT ON appdb._nunez_changelog TO 'nunez_trigger'@'localhost'"

# The run-time account syncs and serves with its four privileges and
# PROCESS.
h_sql e1 slave "GRANT INSERT ON appdb._nunez_changelog TO 'nunez_trigger'@'localhost'"
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e1/config-nunez_run.json" \
	--local-only >"$T/sync.out" 2>&1
is "$?" 0 "sync_multi runs as the run-time account: $(grep -i fail "$T/sync.out" | head -1)"
is "$(h_sql e1 slave "SELECT id, name FROM users")" "1	Ada L" "... and copies the table"

# Bad definers are usage errors, said before any connection.
nr_ctl e1 init --definer "no-host" >/dev/null 2>"$T/err"
is "$?" 2 "--definer without @HOST exits 2"
like "$(cat "$T/err")" "--definer: expected USER@HOST" "... saying what it expects"
nr_ctl e1 init --definer "x'y@localhost" >/dev/null 2>&1
is "$?" 2 "--definer with a quote exits 2"
nr_ctl e1 verify --definer a@b >/dev/null 2>"$T/err"
is "$?:$(cat "$T/err")" "2:nunezctl: --definer is for init only" "--definer is for init only"

done_testing
