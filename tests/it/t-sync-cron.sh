#!/usr/bin/env bash
# sync_multi under cron, under systemd and on a terminal: under cron
# (neither stdout nor stderr a terminal) a run that succeeds, or finds
# another run holding the lock, writes nothing at all (the summary is in
# _nunez_sync_log), a failure is said on stderr; under systemd (stderr is
# the journal's stream) the summaries are log lines at info; --verbose
# prints them on stdout; on a terminal the summary lines and, during a
# first copy, a live progress line with the estimated total, the rate and
# the time left.
. "$(dirname "$0")/lib.sh"

h_need script:util-linux || bail_out "script is missing"
h_up "$T" 2 --no-slave || bail_out "harness"
nr_ctl e1 init >/dev/null && nr_ctl e2 init >/dev/null || bail_out "init"
SYNC="$NR_BUILDDIR/src/cli/sync_multi"

# 30,000 rows to copy: the progress line shows from 10,000 on.
h_sql e1 master "INSERT INTO users (id, name, email) SELECT seq, CONCAT('n', seq), CONCAT('u', seq, '@x') FROM seq_1_to_30000; ANALYZE TABLE users" >/dev/null

# On a terminal (script(1) gives it one): summaries and progress.
script -qefc "$SYNC --config $T/e1/config.json --env e2" /dev/null \
	>"$T/tty.out" 2>&1
is "$?" 0 "on a terminal: the first copy exits 0"
tr '\r' '\n' <"$T/tty.out" >"$T/tty.lines"
like "$(cat "$T/tty.lines")" "^remote e2 push users: [0-9]+ of ~[0-9]+ rows \([0-9]+%\), [0-9]+ rows/s, ETA [0-9]+:[0-5][0-9]" \
	"... a progress line: rows of the estimated total, rate, time left"
like "$(cat "$T/tty.lines")" "^remote e2 push users: ok, 30000 changes read, 30000 inserted" \
	"... the summary lines without --verbose"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users")" 30000 "... and the rows arrived"

# A pull's first copy: the total is the remote's row count.
h_sql e2 master "DELETE FROM _nunez_cursors WHERE peer = 'e1'"
script -qefc "$SYNC --config $T/e2/config.json --env e1" /dev/null \
	>"$T/tty2.out" 2>&1
is "$?" 0 "on a terminal: a pull's first copy exits 0"
tr '\r' '\n' <"$T/tty2.out" >"$T/tty2.lines"
like "$(cat "$T/tty2.lines")" "^remote e1 pull users: [0-9]+ of ~30000 rows \([0-9]+%\), [0-9]+ rows/s, ETA [0-9]+:[0-5][0-9]" \
	"... its progress line counts against the remote's rows, with the time left"

# Cron, all well: nothing on stdout or stderr, so nothing is mailed.
h_sql e1 master "UPDATE users SET name = 'changed' WHERE id <= 5"
logged=$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log WHERE status = 'ok'")
env -u JOURNAL_STREAM "$SYNC" --config "$T/e1/config.json" \
	>"$T/quiet.out" 2>"$T/quiet.err"
is "$?" 0 "under cron: a run that syncs exits 0"
is "$(cat "$T/quiet.out")" "" "... prints nothing on stdout"
is "$(cat "$T/quiet.err")" "" "... nor on stderr"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_sync_log WHERE status = 'ok'")" $((logged + 4)) \
	"... and its summary is in _nunez_sync_log (two tables, pull and push)"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users WHERE name = 'changed'")" 5 \
	"... and it did sync"

# Under systemd: stderr is the journal's stream (JOURNAL_STREAM names its
# device and inode), which takes the summaries at info.
h_sql e1 master "UPDATE users SET name = 'again' WHERE id <= 3"
: >"$T/journal.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/journal.err") "$SYNC" \
	--config "$T/e1/config.json" >"$T/journal.out" 2>>"$T/journal.err"
is "$?" 0 "under systemd: a run that syncs exits 0"
is "$(cat "$T/journal.out")" "" "... prints nothing on stdout"
like "$(cat "$T/journal.err")" "^<6>[0-9-]+T[0-9:.]+Z info  sync_multi\[[0-9]+\]: remote e2 push users: ok, 3 changes read, 0 inserted, 3 updated" \
	"... and logs the summary at info (syslog priority 6)"
ok "$(grep -c 'FAILED' "$T/journal.err")" "... no line says FAILED"

# Another run holds the lock: exit 3, and under cron not a word.
session_open lock e1 master
session_send lock "SELECT GET_LOCK('nunez_sync:e1', 0);"
session_wait lock "^1$"
env -u JOURNAL_STREAM "$SYNC" --config "$T/e1/config.json" \
	>"$T/busy.out" 2>"$T/busy.err"
is "$?" 3 "under cron: a run that finds the lock taken exits 3"
is "$(cat "$T/busy.out")$(cat "$T/busy.err")" "" "... and writes nothing (cron mails nothing)"
: >"$T/busy.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/busy.err") "$SYNC" \
	--config "$T/e1/config.json" >/dev/null 2>>"$T/busy.err"
is "$?" 3 "under systemd: exit 3 too"
like "$(cat "$T/busy.err")" "^<6>.* info  sync_multi\[[0-9]+\]: another sync_multi is running for environment e1; this run does nothing" \
	"... said in the journal at info"
session_close lock

# --verbose: the summary on stdout whatever it is.
"$SYNC" --config "$T/e1/config.json" --verbose >"$T/verbose.out" 2>/dev/null
is "$?" 0 "--verbose exits 0"
like "$(cat "$T/verbose.out")" "^remote e2 pull users: ok, 0 changes read" \
	"... and prints the summary lines on stdout"

# A failure: on stderr only, so cron mails it.
kill -TERM "$(cat "$T/e2/nginx/pid")"
h_wait_gone 20 "$(cat "$T/e2/nginx/pid")"
env -u JOURNAL_STREAM "$SYNC" --config "$T/e1/config.json" \
	>"$T/fail.out" 2>"$T/fail.err"
is "$?" 1 "under cron: a run with a failure exits 1"
is "$(cat "$T/fail.out")" "" "... prints nothing on stdout"
like "$(cat "$T/fail.err")" "^remote e2 pull users: FAILED" \
	"... and the failed summary on stderr"

done_testing
