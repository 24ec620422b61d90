#!/usr/bin/env bash
# The randomized convergence checker. Each run draws from its seed a
# topology, a workload written on several environments before the first
# sync and while syncs run, and faults; then writers stop, every link
# runs until quiet, and the oracle checks:
#   1. every database holds the same rows (the first differing key is
#      printed);
#   2. each key holds what its last write decided under last_write_wins,
#      computed from a history of local writes that each database records
#      in the writing transaction (stress_audit, by a trigger of this
#      tool's own);
#   3. one more round moves nothing: no changelog head, no row.
#
#   tests/stress/stress.sh [--seed N] [--runs N] [--keep]
# A run prints its seed; --seed N replays its draws (topology, writes,
# faults and their order; the timing of processes running side by side
# is the machine's). --runs N runs N seeds from --seed (random without).
# Exit status 1 when a run diverged; its directory is kept under
# tests/stress/logs/seed-N.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export NR_SRCDIR=${NR_SRCDIR:-$(cd "$here/../.." && pwd)}
export NR_BUILDDIR=${NR_BUILDDIR:-$NR_SRCDIR}
. "$NR_SRCDIR/tests/it/harness.sh"

SEED=""
RUNS=1
KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--seed) SEED=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) echo "usage: stress.sh [--seed N] [--runs N] [--keep]" >&2; exit 2 ;;
	esac
done
[ -n "$SEED" ] || SEED=$(( (RANDOM << 15 | RANDOM) % 1000000 ))
case $SEED$RUNS in *[!0-9]*)
	echo "stress: --seed and --runs take numbers" >&2; exit 2 ;;
esac
LOGS="$NR_BUILDDIR/tests/stress/logs"
# A held client that died of an error (a lock wait timeout) has closed
# its fifo: writing to it must fail, not end this script.
trap '' PIPE
SYNC="$NR_BUILDDIR/src/cli/sync_multi"
CTL="$NR_BUILDDIR/src/cli/nunezctl"
PROXY="$NR_BUILDDIR/tests/it/cutproxy"

# --- the draws: a generator of its own, so that nothing else (the
# harness's port picking uses RANDOM) shifts them.
S=1
draw() {	# draw N: R = the next number in 0..N-1
	S=$(( (S * 1103515245 + 12345) % 2147483648 ))
	R=$(( (S >> 8) % $1 ))
}
chance() {	# chance P: true P% of the time
	draw 100
	[ $R -lt "$1" ]
}

say() { echo "stress[$SEED]: $*" >>"$T/story"; }

SCHEMA="CREATE TABLE s1 (id INT NOT NULL PRIMARY KEY, v VARCHAR(40) NOT NULL) ENGINE=InnoDB;
CREATE TABLE s2 (a INT NOT NULL, b VARCHAR(8) NOT NULL, v VARCHAR(40) NOT NULL,
  PRIMARY KEY (a, b)) ENGINE=InnoDB;"
TABLES='[{"name": "s1", "primaryKey": "id"},
  {"name": "s2", "primaryKey": ["a", "b"]}]'

# The history of local writes: written by the writing transaction, so a
# rolled-back write leaves none; writes an applier makes (@nunez_origin
# set) are not local.
audit_sql() {	# audit_sql NODE
	cat <<EOF
CREATE TABLE stress_audit (n BIGINT AUTO_INCREMENT PRIMARY KEY,
  tbl VARCHAR(8), pk VARCHAR(64), op CHAR(1), v VARCHAR(40), at DATETIME(6),
  node VARCHAR(64));
CREATE TRIGGER stress_s1_i AFTER INSERT ON s1 FOR EACH ROW
  INSERT INTO stress_audit (tbl, pk, op, v, at, node) SELECT 's1', NEW.id, 'U',
  NEW.v, UTC_TIMESTAMP(6), '$1' FROM DUAL WHERE @nunez_origin IS NULL;
CREATE TRIGGER stress_s1_d AFTER DELETE ON s1 FOR EACH ROW
  INSERT INTO stress_audit (tbl, pk, op, v, at, node) SELECT 's1', OLD.id, 'D',
  NULL, UTC_TIMESTAMP(6), '$1' FROM DUAL WHERE @nunez_origin IS NULL;
CREATE TRIGGER stress_s1_u AFTER UPDATE ON s1 FOR EACH ROW
  INSERT INTO stress_audit (tbl, pk, op, v, at, node)
  SELECT 's1', OLD.id, 'D', NULL, UTC_TIMESTAMP(6), '$1' FROM DUAL
    WHERE @nunez_origin IS NULL AND OLD.id <> NEW.id
  UNION ALL SELECT 's1', NEW.id, 'U', NEW.v, UTC_TIMESTAMP(6), '$1' FROM DUAL
    WHERE @nunez_origin IS NULL AND NOT (OLD.id <=> NEW.id AND OLD.v <=> NEW.v);
CREATE TRIGGER stress_s2_i AFTER INSERT ON s2 FOR EACH ROW
  INSERT INTO stress_audit (tbl, pk, op, v, at, node) SELECT 's2',
  CONCAT(NEW.a, '|', NEW.b), 'U', NEW.v, UTC_TIMESTAMP(6), '$1' FROM DUAL
  WHERE @nunez_origin IS NULL;
CREATE TRIGGER stress_s2_d AFTER DELETE ON s2 FOR EACH ROW
  INSERT INTO stress_audit (tbl, pk, op, v, at, node) SELECT 's2',
  CONCAT(OLD.a, '|', OLD.b), 'D', NULL, UTC_TIMESTAMP(6), '$1' FROM DUAL
  WHERE @nunez_origin IS NULL;
CREATE TRIGGER stress_s2_u AFTER UPDATE ON s2 FOR EACH ROW
  INSERT INTO stress_audit (tbl, pk, op, v, at, node)
  SELECT 's2', CONCAT(OLD.a, '|', OLD.b), 'D', NULL, UTC_TIMESTAMP(6), '$1'
    FROM DUAL WHERE @nunez_origin IS NULL AND NOT (OLD.a <=> NEW.a AND OLD.b <=> NEW.b)
  UNION ALL SELECT 's2', CONCAT(NEW.a, '|', NEW.b), 'U', NEW.v,
    UTC_TIMESTAMP(6), '$1' FROM DUAL WHERE @nunez_origin IS NULL AND
    NOT (OLD.a <=> NEW.a AND OLD.b <=> NEW.b AND OLD.v <=> NEW.v);
SET GLOBAL innodb_lock_wait_timeout = 4;
EOF
}

# --- topologies. DBS: every database as ENV/ROLE=NODE; WRITERS: those
# written to; RUNNERS: the environments whose sync_multi runs; links are
# set in the configs by link().
TOPOLOGIES="master-master primary-replicas active-active ring-one-way chain ring-both-ways"
link() {	# link FROM TO MODE: FROM's sync_multi syncs TO by MODE
	jq --arg to "$2" --arg u "$(eval echo "\$NR_${2^^}_URL")" \
		--arg k "$(eval echo "\$NR_${2^^}_KEY_PEER_${1^^}")" --arg m "$3" \
		--argjson p "${2#e}" \
		'.remoteEnvironments[$to] = {url: $u, apiKey: $k, syncMode: $m,
		   priority: $p, timeout: 20, connectTimeout: 2}' \
		"$T/$1/config.json" >"$T/c.json" && mv "$T/c.json" "$T/$1/config.json"
}
setup() {	# setup TOPOLOGY
	local n=3 slave=--no-slave mode=master-slave e
	case $1 in
	master-master) n=1; slave=""; mode=master-master ;;
	active-active) n=2 ;;
	esac
	draw 6; BATCH=$((3 + R))
	# Half the runs purge each changelog after every sync_multi run, as
	# far as every peer has read it, in chunks of a few entries.
	MINH=24
	if chance 50; then
		MINH=0
		say "purging after every run"
	fi
	echo "$SCHEMA" >"$T/schema.sql"
	h_up "$T" $n --mode $mode $slave --schema "$T/schema.sql" \
		--tables "$TABLES" >"$T/up.out" 2>&1 || return 1
	. "$T/harness.env"
	for e in $(seq 1 $n); do
		jq --argjson b $BATCH --argjson h $MINH '.remoteEnvironments = {} |
		    .sync = {batchSize: $b, retries: 1, retryBackoffMs: 50,
		    circuitBreakerFailures: 1000, circuitBreakerCooldownSeconds: 1} |
		    .retention = {minHours: $h, purgeChunk: 100, pauseMs: 0}' \
			"$T/e$e/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e$e/config.json"
		"$CTL" --config "$T/e$e/config.json" init >/dev/null 2>&1 || return 1
	done
	case $1 in
	master-master)
		DBS="e1/master=e1 e1/slave=e1.slave"; WRITERS="e1/master e1/slave"
		RUNNERS="e1" ;;
	primary-replicas)
		DBS="e1/master=e1 e2/master=e2 e3/master=e3"; WRITERS="e1/master"
		link e2 e1 pull; link e3 e1 pull; RUNNERS="e2 e3" ;;
	active-active)
		DBS="e1/master=e1 e2/master=e2"; WRITERS="e1/master e2/master"
		link e1 e2 bidirectional; link e2 e1 bidirectional; RUNNERS="e1 e2" ;;
	ring-one-way)
		DBS="e1/master=e1 e2/master=e2 e3/master=e3"
		WRITERS="e1/master e2/master e3/master"
		link e1 e2 bidirectional; link e2 e3 bidirectional
		link e3 e1 bidirectional; RUNNERS="e1 e2 e3" ;;
	chain)
		DBS="e1/master=e1 e2/master=e2 e3/master=e3"
		WRITERS="e1/master e2/master e3/master"
		link e2 e1 bidirectional; link e2 e3 bidirectional; RUNNERS="e2" ;;
	ring-both-ways)
		DBS="e1/master=e1 e2/master=e2 e3/master=e3"
		WRITERS="e1/master e2/master e3/master"
		for e in 1 2 3; do
			link e$e e$((e % 3 + 1)) bidirectional
			link e$e e$(((e + 1) % 3 + 1)) bidirectional
		done
		RUNNERS="e1 e2 e3" ;;
	esac
	local d node
	for d in $DBS; do
		node=${d#*=}
		d=${d%=*}
		audit_sql "$node" | h_sql_in "${d%/*}" "${d#*/}" || return 1
		[ -z "${STRESS_GENERAL_LOG:-}" ] ||	# every statement, to debug
			h_sql "${d%/*}" "${d#*/}" "SET GLOBAL general_log_file = '$T/$d/general.log', general_log = 1"
	done
}
db_sql() {	# db_sql ENV/ROLE SQL
	h_sql "${1%/*}" "${1#*/}" "$2"
}

# --- the workload. Keys overlap between writers (s1 ids 1..16, s2 a 1..4
# b x|y|z); held transactions and deadlock pairs use keys of their own
# (200 + 20 * round ..) so that they do not stall appliers. A key update
# that meets an existing key fails, and with it the rest of its batch of
# statements: not UPDATE IGNORE, for which MariaDB 10.11 runs AFTER
# UPDATE triggers on rows it skipped (the audit would record a write that
# did not happen).
TOK=0
TOKP=""
token() { TOK=$((TOK + 1)); V="$1$TOKP:$TOK"; }
one_write() {	# one_write DB: W = one random statement
	local db=$1 k k2 a b
	draw 16; k=$((R + 1))
	draw 16; k2=$((R + 1))
	draw 4; a=$((R + 1))
	draw 3; b=$(echo x y z | cut -d' ' -f$((R + 1)))
	token "${db%/master}"
	draw 10
	case $R in
	0|1) W="INSERT INTO s1 VALUES ($k, '$V') ON DUPLICATE KEY UPDATE v = VALUES(v);" ;;
	2) W="UPDATE s1 SET v = '$V' WHERE id = $k;" ;;
	3) W="DELETE FROM s1 WHERE id = $k;" ;;
	4) W="UPDATE s1 SET id = $k2, v = '$V' WHERE id = $k;" ;;
	5|6) W="INSERT INTO s2 VALUES ($a, '$b', '$V') ON DUPLICATE KEY UPDATE v = VALUES(v);" ;;
	7) W="DELETE FROM s2 WHERE a = $a AND b = '$b';" ;;
	8) W="UPDATE s2 SET b = 'w', v = '$V' WHERE a = $a AND b = '$b';" ;;
	9)	# a burst over the batch size
		draw 30
		W="INSERT INTO s1 SELECT 30 + seq, CONCAT('$V.', seq) FROM seq_1_to_$((BATCH * 2 + R)) ON DUPLICATE KEY UPDATE v = VALUES(v);" ;;
	esac
}
writes() {	# writes DB N: N statements on DB, one transaction or each alone
	local db=$1 n=$2 i sql=""
	for i in $(seq 1 "$n"); do one_write "$db"; sql="$sql $W"; done
	if chance 30; then
		sql="START TRANSACTION; $sql COMMIT;"
	fi
	db_sql "$db" "$sql" >/dev/null 2>&1
}
some_writes() {	# on every writer
	local w
	for w in $WRITERS; do
		draw 5
		writes "$w" $((R + 1))
	done
}

# Held transactions: a client fed through a fifo, left open across syncs.
HELD=""
HELD_PIDS=""
DL_PIDS=""
hold_open() {	# hold_open DB IDX
	local db=$1 f="$T/held$2" base=$((200 + 20 * $2)) k
	mkfifo "$f.fifo"
	mariadb --no-defaults --socket="$T/$db/sock" -uroot -N -B -n appdb \
		<"$f.fifo" >"$f.out" 2>&1 &
	h_track "$T" "held$2" $!
	HELD_PIDS="$HELD_PIDS $!"
	# The fifo stays open while this holds it; no descriptor of this
	# shell does, so that no child inherits one.
	sleep 100000 >"$f.fifo" &
	h_track "$T" "holder$2" $!
	draw 8; k=$((base + R))
	token held
	printf 'START TRANSACTION; INSERT INTO s1 VALUES (%d, "%s") ON DUPLICATE KEY UPDATE v = VALUES(v); DELETE FROM s1 WHERE id = %d; INSERT INTO s1 VALUES (%d, "%s.b") ON DUPLICATE KEY UPDATE v = VALUES(v); SELECT "open";\n' \
		$k "$V" $((k + 1)) $((k + 2)) "$V" >"$f.fifo"
	HELD="$HELD $!:$2"
	say "held transaction $2 opened on $db"
}
close_held() {	# commits or rolls back every held transaction
	local h how
	for h in $HELD; do
		how=COMMIT
		chance 30 && how=ROLLBACK
		# A client gone with an error (a lock wait timeout) reads no
		# more: opening its fifo would wait for ever.
		timeout 5 sh -c "printf '%s; SELECT \"closed\";\n' $how >'$T/held${h#*:}.fifo'" \
			2>/dev/null || how="nothing (its client had ended)"
		kill "${h%%:*}" 2>/dev/null
		say "held transaction ${h#*:}: $how"
	done
	HELD=""
	[ -z "$HELD_PIDS" ] || wait $HELD_PIDS 2>/dev/null
	HELD_PIDS=""
}
deadlock_pair() {	# deadlock_pair DB IDX: two clients lock two keys in turn
	local db=$1 k=$((200 + 20 * $2 + 10))
	token dl
	db_sql "$db" "INSERT INTO s1 VALUES ($k, '$V'), ($((k + 1)), '$V') ON DUPLICATE KEY UPDATE v = VALUES(v)" >/dev/null 2>&1
	db_sql "$db" "START TRANSACTION; UPDATE s1 SET v = '$V.a' WHERE id = $k; DO SLEEP(0.3); UPDATE s1 SET v = '$V.a' WHERE id = $((k + 1)); COMMIT;" >/dev/null 2>&1 &
	DL_PIDS="$DL_PIDS $!"
	db_sql "$db" "START TRANSACTION; UPDATE s1 SET v = '$V.b' WHERE id = $((k + 1)); DO SLEEP(0.3); UPDATE s1 SET v = '$V.b' WHERE id = $k; COMMIT;" >/dev/null 2>&1 &
	DL_PIDS="$DL_PIDS $!"
	say "deadlock pair on $db"
}

# --- faults, each during one runner's sync_multi
run_sync() {	# run_sync ENV [args]: one run, its output appended
	local e=$1
	shift
	"$SYNC" --verbose --config "$T/$e/config.json" "$@" >>"$T/sync-$e.out" 2>&1
}
api_workers() { pgrep -P "$(cat "$T/$1/api.pid")"; }
fault_run() {	# fault_run ENV: one run of ENV's links with a drawn fault
	local e=$1 pid victim d role delay
	draw 100; delay=$R
	draw 10
	case $R in
	0|1)	# SIGKILL of sync_multi (the process itself, not a subshell)
		"$SYNC" --verbose --config "$T/$e/config.json" >>"$T/sync-$e.out" 2>&1 &
		pid=$!
		sleep "0.$(printf '%02d' $delay)"
		kill -KILL $pid 2>/dev/null && say "killed sync_multi of $e after 0.$delay s"
		wait $pid 2>/dev/null ;;
	2)	# SIGKILL of an API worker while it serves
		draw 3; victim=e$((R % NENV + 1))
		run_sync "$e" & pid=$!
		sleep "0.$(printf '%02d' $((delay / 3)))"
		kill -KILL $(api_workers $victim | head -1) 2>/dev/null &&
			say "killed a worker of $victim's nunez-api"
		wait $pid 2>/dev/null ;;
	3)	# a database restart
		draw $(echo $DBS | wc -w)
		d=$(echo $DBS | cut -d' ' -f$((R + 1))); d=${d%=*}
		role=${d#*/}
		run_sync "$e" & pid=$!
		sleep "0.$(printf '%02d' $((delay / 2)))"
		h_db_stop "$T" "${d%/*}" "$role"
		h_db_start "$T" "${d%/*}" "$role"
		h_db_wait "$T" "${d%/*}" "$role" >/dev/null 2>&1
		db_sql "$d" "SET GLOBAL innodb_lock_wait_timeout = 4" >/dev/null 2>&1
		say "restarted $d during $e's run"
		wait $pid 2>/dev/null ;;
	4)	# connections cut mid-answer, on every link of this run
		if [ "$TOPO" != master-master ] && cut_run "$e" $delay; then
			:
		else
			run_sync "$e"
		fi ;;
	*) run_sync "$e" ;;
	esac
}
cut_run() {	# cut_run ENV N: ENV's remotes through a proxy cutting answers
	local e=$1 r port cfg="$T/$1/config.cut.json" pids=""
	cp "$T/$e/config.json" "$cfg"
	for r in $(jq -r '.remoteEnvironments | keys[]' "$T/$e/config.json"); do
		port=$(h_port "$T") || return 1
		"$PROXY" "$port" "$(eval echo "\${NR_${r^^}_URL##*:}")" 1 $((200 + $2 * 40)) \
			>"$T/proxy-$port.out" 2>&1 &
		pids="$pids $!"
		h_track "$T" "proxy-$port" $!
		H_WAIT=5 h_wait_for grep -q ready "$T/proxy-$port.out"
		jq --arg r "$r" --arg u "http://127.0.0.1:$port" \
			'.remoteEnvironments[$r].url = $u' "$cfg" >"$cfg.new" &&
			mv "$cfg.new" "$cfg"
	done
	"$SYNC" --verbose --config "$cfg" >>"$T/sync-$e.out" 2>&1
	kill $pids 2>/dev/null
	wait $pids 2>/dev/null
	say "cut connections on $e's links"
}

# --- the oracle
tables_of() {	# tables_of DB: every replicated row, sorted as expected is
	db_sql "$1" "SELECT 's1', id, v FROM s1; SELECT 's2', CONCAT(a, '|', b), v FROM s2" |
		LC_ALL=C sort -t'	' -k1,1 -k2,2
}
expected() {	# the winner of every key's writes, under last_write_wins
	local d
	for d in $DBS; do
		db_sql "${d%=*}" "SELECT tbl, pk, op, COALESCE(v, '-'), at, node FROM stress_audit"
	done | awk -F'\t' '
	function prio(n) { sub(/^e/, "", n); sub(/\.slave$/, "", n); return n + 0 }
	function wins(at, node, k) {	# does (at, node) beat the winner of k?
		if (!(k in best)) return 1
		if (at != best[k]) return at > best[k]
		if (prio(node) != prio(who[k])) return prio(node) < prio(who[k])
		return node > who[k]
	}
	{ k = $1 "\t" $2
	  if (wins($5, $6, k)) { best[k] = $5; who[k] = $6; op[k] = $3; v[k] = $4 } }
	END { for (k in op) if (op[k] == "U") print k "\t" v[k] }' |
		LC_ALL=C sort -t'	' -k1,1 -k2,2
}
converge() {	# converge ROUNDS: every runner, in turn, ROUNDS times
	local i e
	# No run of a fault may still hold an environment's lock.
	H_WAIT=60 h_wait_for sh -c "! pgrep -f -- '[s]ync_multi --config $T/' >/dev/null"
	for i in $(seq 1 "$1"); do
		for e in $RUNNERS; do
			run_sync "$e"
		done
	done
}
heads() {	# every database's changelog head and table checksums
	local d
	for d in $DBS; do
		db_sql "${d%=*}" "SELECT (SELECT COALESCE(MAX(seq), 0) FROM _nunez_changelog), (SELECT COUNT(*) FROM s1), (SELECT COUNT(*) FROM s2); CHECKSUM TABLE s1, s2"
	done
}

one_run() {	# one_run SEED: 0 when the oracle is content
	local rounds i w e first d n wp f=0
	S=$1
	SEED=$1
	T="$(mktemp -d "${TMPDIR:-/tmp}/nunez-stress.XXXXXX")"
	NR_H_DIR=$T
	: >"$T/story"
	draw 6
	TOPO=$(echo $TOPOLOGIES | cut -d' ' -f$((R + 1)))
	setup "$TOPO" || { echo "stress[$SEED]: the environments did not start" >&2
		tail -5 "$T/up.out" >&2; return 2; }
	NENV=$(ls -d "$T"/e[0-9] | wc -l)
	say "topology $TOPO, batch size $BATCH"

	# Writes before the first sync, on every writer: enough that keys
	# written on one side are deleted on another.
	for i in 1 2 3 4 5 6; do some_writes; done
	# Rounds of writes, held transactions and faulted runs.
	draw 3; rounds=$((3 + R))
	for i in $(seq 1 $rounds); do
		w=$(echo $WRITERS | cut -d' ' -f1)
		if chance 40; then
			draw $(echo $WRITERS | wc -w)
			hold_open "$(echo $WRITERS | cut -d' ' -f$((R + 1)))" "$i"
		fi
		if chance 20; then
			draw $(echo $WRITERS | wc -w)
			deadlock_pair "$(echo $WRITERS | cut -d' ' -f$((R + 1)))" "$i"
		fi
		for e in $RUNNERS; do
			(TOKP=b; some_writes) & wp=$!
			fault_run "$e"
			wait $wp 2>/dev/null
		done
		[ -z "$DL_PIDS" ] || wait $DL_PIDS 2>/dev/null
		DL_PIDS=""
		some_writes
		[ $i = $((rounds - 1)) ] && close_held
	done
	close_held
	# Writers have stopped: the links run until quiet.
	converge $((NENV * 2 + 2))

	# 1. identical everywhere
	first=""
	for d in $DBS; do
		d=${d%=*}
		n=$(echo "$d" | tr / -)
		tables_of "$d" >"$T/rows-$n" 2>&1
		if [ -z "$first" ]; then first=$n; continue; fi
		if ! cmp -s "$T/rows-$first" "$T/rows-$n"; then
			say "DIVERGED: $first and $n differ; first difference: $(diff "$T/rows-$first" "$T/rows-$n" | grep '^[<>]' | head -2 | tr '\n\t' '  ')"
			f=1
		fi
	done
	# 2. the expected winner of every key
	expected >"$T/expected"
	if ! cmp -s "$T/expected" "$T/rows-$first"; then
		say "WRONG WINNER: $(diff "$T/expected" "$T/rows-$first" | grep '^[<>]' | head -2 | tr '\n\t' '  ') (< expected, > held)"
		f=1
	fi
	# 3. one more round moves nothing
	heads >"$T/heads.before"
	: >"$T/last.out"
	for e in $RUNNERS; do
		"$SYNC" --verbose --config "$T/$e/config.json" >>"$T/last.out" 2>&1
	done
	heads >"$T/heads.after"
	if ! cmp -s "$T/heads.before" "$T/heads.after" ||
	   grep 'changes read' "$T/last.out" | grep -qv ', 0 changes read'; then
		say "NOT QUIET: one more round moved something: $(grep 'changes read' "$T/last.out" | grep -v ', 0 changes read' | head -2 | tr '\n' ' ')"
		f=1
	fi
	if [ $f != 0 ]; then	# what the databases knew, for the story
		for d in $DBS; do
			d=${d%=*}
			db_sql "$d" "SELECT * FROM stress_audit ORDER BY n; SELECT seq, tbl, pk, op, origin, via, changed_at FROM _nunez_changelog ORDER BY seq; SELECT * FROM _nunez_conflicts; SELECT * FROM _nunez_cursors" \
				>"$T/dump-$(echo "$d" | tr / -)" 2>&1
		done
	fi
	h_down "$T" >/dev/null 2>&1
	if [ $f = 0 ]; then
		echo "stress[$SEED]: ok: $TOPO, $(grep -c 'killed\|restarted\|cut' "$T/story") faults ($(grep -c 'killed sync_multi' "$T/story") sync_multi kills, $(grep -c 'killed a worker' "$T/story") worker kills, $(grep -c restarted "$T/story") restarts, $(grep -c 'cut conn' "$T/story") cuts), $(grep -c held "$T/story") held-transaction events, $(grep -c deadlock "$T/story") deadlock pairs, $(cat "$T"/sync-*.out "$T/last.out" 2>/dev/null | grep -c 'purge: deleted') purges"
		[ $KEEP = 1 ] || rm -rf "$T"
		return 0
	fi
	cat "$T/story"
	mkdir -p "$LOGS"
	rm -rf "$LOGS/seed-$SEED"
	mv "$T" "$LOGS/seed-$SEED"
	echo "stress[$SEED]: FAILED ($TOPO); replay with: make stress SEED=$SEED; kept in $LOGS/seed-$SEED"
	return 1
}

failed=0
first_seed=$SEED
t0=$(h_now_ms)
for n in $(seq 0 $((RUNS - 1))); do
	one_run $((first_seed + n)) || failed=$((failed + 1))
done
echo "stress: $RUNS runs from seed $first_seed, $failed failed, $(( ($(h_now_ms) - t0) / 1000 )) s"
[ $failed = 0 ]
