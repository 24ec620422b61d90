#!/usr/bin/env bash
# Benchmarks: each figure beside a baseline measured in the same run on
# the same servers. Prints a table and writes tests/bench/results.json.
#   tests/bench/bench.sh [--quick]
# Needs a built tree (make) and the harness's packages plus wrk,
# percona-toolkit.
set -u
QUICK=0
[ "${1:-}" = --quick ] && QUICK=1
here=$(cd "$(dirname "$0")" && pwd)
export NR_SRCDIR=${NR_SRCDIR:-$(cd "$here/../.." && pwd)}
export NR_BUILDDIR=${NR_BUILDDIR:-$NR_SRCDIR}
. "$NR_SRCDIR/tests/it/harness.sh"

if [ $QUICK = 1 ]; then
	N=20000; N_SMALL=5000; RUNS=1; WRK_S=3; PUSH_BATCHES=5; FOLLOW_S=5
else
	N=1000000; N_SMALL=100000; RUNS=3; WRK_S=10; PUSH_BATCHES=50; FOLLOW_S=30
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/nunez-bench.XXXXXX")
NR_H_DIR=$T
trap 'h_down "$T" >/dev/null 2>&1; [ -n "${NR_BENCH_KEEP:-}" ] || rm -rf "$T"' EXIT
RESULTS="$NR_BUILDDIR/tests/bench/results.json"
echo '{}' >"$T/results.json"

note() { echo "bench: $*" >&2; }
# Something of ours that went wrong: said, counted, and the run fails.
PROBLEMS=0
problem() {
	note "PROBLEM: $*"
	PROBLEMS=$((PROBLEMS + 1))
}
put() {	# put KEY NUMBER
	jq --arg k "$1" --argjson v "$2" '. + {($k): $v}' "$T/results.json" >"$T/r.json" &&
		mv "$T/r.json" "$T/results.json"
}
median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms() { h_now_ms; }
sql() { h_sql "$@"; }
dsn() { echo "h=127.0.0.1,P=$(cat "$T/$1/master/port"),u=nunez,p=$NR_DB_PASSWORD,D=appdb,t=bench"; }

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE bench (
  id INT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL,
  email VARCHAR(128) NOT NULL, amount DECIMAL(12,2) NOT NULL,
  note VARCHAR(255) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
    ON UPDATE CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
SQL
note "starting three environments"
# A buffer pool that holds the table, as a production server's would.
export NR_IT_BUFFER_POOL=${NR_IT_BUFFER_POOL:-1G}
h_up "$T" 3 --no-slave --schema "$T/schema.sql" --tables '[{"name": "bench",
  "primaryKey": "id", "timestampColumn": "updated_at"}]' >/dev/null || exit 1
. "$T/harness.env"
# A (e1) pushes to B (e2); C (e3) is pt-table-sync's copy, which wants
# no triggers.
for e in e1 e2; do
	"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/$e/config.json" init >/dev/null || exit 1
done
jq --arg u "$NR_E2_URL" --arg k "$NR_E2_KEY_PEER" \
	'.remoteEnvironments = {"e2": {url: $u, apiKey: $k, syncMode: "push"}} | .sync.batchSize = 1000' \
	"$T/e1/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e1/config.json"
SYNC="$NR_BUILDDIR/src/cli/sync_multi --verbose --config $T/e1/config.json"

fill() {	# fill N: the realistic table on A
	sql e1 master "TRUNCATE bench; INSERT INTO bench (id, name, email, amount, note) SELECT seq, CONCAT('name ', seq), CONCAT('user', seq, '@example.com'), seq * 1.25, REPEAT(CHAR(65 + seq % 26), 200) FROM seq_1_to_$1"
}
reset_b() {	# B empty, A's push starting over
	sql e2 master "TRUNCATE bench; TRUNCATE _nunez_cursors; TRUNCATE _nunez_changelog; TRUNCATE _nunez_batches"
}

# --- 1. first copy through nginx and nunez-api vs mysqldump | mariadb
note "first copy of $N rows"
fill $N
for i in $(seq 1 $RUNS); do
	reset_b
	t0=$(ms)
	/usr/bin/time -f '%M' -o "$T/rss" $SYNC --env e2 >"$T/copy.out" 2>&1
	t=$(($(ms) - t0))
	echo "$t" >>"$T/copy.ms"
	cat "$T/rss" >>"$T/copy.rss"
	got=$(sql e2 master "SELECT COUNT(*) FROM bench")
	[ "$got" = $N ] || problem "copy incomplete: $got rows of $N: $(tail -2 "$T/copy.out")"
	sql e3 master "TRUNCATE bench"
	t0=$(ms)
	mysqldump --no-defaults --socket="$T/e1/master/sock" -uroot --no-create-info \
		--extended-insert --skip-triggers appdb bench |
		mariadb --no-defaults --socket="$T/e3/master/sock" -uroot appdb
	echo "$(($(ms) - t0))" >>"$T/dump.ms"
done
copy_ms=$(median <"$T/copy.ms")
dump_ms=$(median <"$T/dump.ms")
copy_rate=$((N * 1000 / (copy_ms > 0 ? copy_ms : 1)))
dump_rate=$((N * 1000 / (dump_ms > 0 ? dump_ms : 1)))
sync_rss=$(sort -n "$T/copy.rss" | tail -1)
put first_copy_rows_per_s $copy_rate
put mysqldump_rows_per_s $dump_rate
put sync_multi_peak_rss_kb $sync_rss

# --- 2. incremental sync after 1,000 updates and 100 deletes vs pt-table-sync
# Servers settle first (InnoDB purges what the bulk load left behind), as
# they would between a first copy and the syncs that follow it.
quiet() {	# waits until no server has purge work left, at most 60 s
	local i e n
	for i in $(seq 1 120); do
		n=0
		for e in e1 e2 e3; do
			n=$((n + $(sql $e master "SHOW ENGINE INNODB STATUS\G" |
				awk '/History list length/ { print $4 }')))
		done
		[ $n -lt 100 ] && return 0
		sleep 0.5
	done
	note "servers still purging ($n undo logs) after 60 s"
}
incremental() {	# incremental N: prints "ours_ms pt_ms", medians of RUNS rounds
	local n=$1 t0 r
	fill $n
	reset_b
	$SYNC --env e2 >/dev/null 2>&1
	sql e3 master "TRUNCATE bench"
	mysqldump --no-defaults --socket="$T/e1/master/sock" -uroot --no-create-info \
		--extended-insert --skip-triggers appdb bench |
		mariadb --no-defaults --socket="$T/e3/master/sock" -uroot appdb
	: >"$T/inc.ms"
	: >"$T/pt.ms"
	for r in $(seq 1 $RUNS); do
		sql e1 master "UPDATE bench SET amount = amount + 1 WHERE id % ($n / 1000) = $(((6 + r) % (n / 1000))); DELETE FROM bench WHERE id % ($n / 100) = $(((2 + r) % (n / 100))) LIMIT 100"
		quiet
		t0=$(ms)
		$SYNC --env e2 >"$T/inc.out" 2>&1
		echo $(($(ms) - t0)) >>"$T/inc.ms"
		t0=$(ms)
		pt-table-sync --execute "$(dsn e1)" "$(dsn e3)" >"$T/pt.out" 2>&1
		echo $(($(ms) - t0)) >>"$T/pt.ms"
		[ "$(sql e2 master "CHECKSUM TABLE bench" | awk '{print $2}')" = \
			"$(sql e1 master "CHECKSUM TABLE bench" | awk '{print $2}')" ] || problem "incremental sync left B different"
		[ "$(sql e3 master "CHECKSUM TABLE bench" | awk '{print $2}')" = \
			"$(sql e1 master "CHECKSUM TABLE bench" | awk '{print $2}')" ] || note "pt-table-sync left C different: $(tail -2 "$T/pt.out")"
	done
	echo "$(median <"$T/inc.ms") $(median <"$T/pt.ms")"
}
note "incremental sync at $N_SMALL and $N rows"
read -r inc_small pt_small < <(incremental $N_SMALL)
read -r inc_big pt_big < <(incremental $N)
put incremental_ms_small $inc_small
put incremental_ms_big $inc_big
put pt_table_sync_ms_small $pt_small
put pt_table_sync_ms_big $pt_big

# --- 3. requests/s of an empty pull at the head vs a trivial responder
note "request rates"
cur=""
while :; do
	h_curl e1 "/api/pull?table=bench&cursor=$cur&limit=10000&node=e2" -H "X-API-Key: $NR_E1_KEY_PEER"
	cur=$(printf '%s' "$H_BODY" | jq -r .next_cursor)
	[ "$(printf '%s' "$H_BODY" | jq -r .has_more)" = false ] && break
done
"$NR_BUILDDIR/tests/bench/trivial_fcgi" "$T/trivial.sock" 2 &
h_track "$T" trivial $!
# The trivial responder gets an nginx of its own, set up as e1's is. It
# is not added to e1's nginx by a reload: for a moment after one, the old
# worker still accepts connections and, as it exits, closes them after
# one answer, which wrk counts as read errors of the run that follows.
tport=$(h_port "$T")
mkdir -p "$T/tnginx/tmp"
cat >"$T/tnginx/trivial.conf" <<EOF
server {
    listen 127.0.0.1:$tport;
    location / {
        fastcgi_pass unix:$T/trivial.sock;
        fastcgi_param REQUEST_METHOD \$request_method;
        fastcgi_param QUERY_STRING \$query_string;
        fastcgi_param HTTP_X_API_KEY \$http_x_api_key if_not_empty;
    }
}
EOF
h_nginx_conf "$T/tnginx" "$T/tnginx/trivial.conf"
nginx -p "$T/tnginx" -c "$T/tnginx/nginx.conf" -g 'daemon off;' \
	</dev/null >>"$T/tnginx/stdout.log" 2>&1 &
h_track "$T" trivial-nginx $!
H_WAIT=10 h_wait_for curl -sf "http://127.0.0.1:$tport/x"
cat >"$T/key.lua" <<EOF
wrk.headers["X-API-Key"] = "$NR_E1_KEY_PEER"
EOF
rate() {	# rate URL: requests/s by wrk -t1 -c8, every answer a 2xx
	wrk -t1 -c8 -d${WRK_S}s -s "$T/key.lua" "$1" >"$T/wrk.out" 2>&1
	grep -q "Non-2xx\|Socket errors" "$T/wrk.out" &&
		problem "$1: $(grep "Non-2xx\|Socket errors" "$T/wrk.out")"
	awk '/Requests\/sec/ { printf "%d", $2 }' "$T/wrk.out"
}
# Taken in turns, so that a slower moment of the machine falls on both,
# once the servers have settled.
quiet
: >"$T/pull.rate"
: >"$T/trivial.rate"
for i in $(seq 1 $RUNS); do
	rate "$NR_E1_URL/api/pull?table=bench&cursor=$cur&node=e2" >>"$T/pull.rate"
	echo >>"$T/pull.rate"
	rate "http://127.0.0.1:$tport/api/pull" >>"$T/trivial.rate"
	echo >>"$T/trivial.rate"
done
pull_rate=$(median <"$T/pull.rate")
trivial_rate=$(median <"$T/trivial.rate")
note "empty pull req/s: $(tr '\n' ' ' <"$T/pull.rate"); trivial: $(tr '\n' ' ' <"$T/trivial.rate")"
put empty_pull_req_per_s $pull_rate
put trivial_fastcgi_req_per_s $trivial_rate

# --- 4. push throughput in batches of 1,000 vs multi-row INSERT ... ODKU
note "push throughput"
: >"$T/push.ms"
: >"$T/direct.ms"
for r in $(seq 1 $RUNS); do	# new keys in every round: inserts each time
	for b in $(seq 1 $PUSH_BATCHES); do
		k=$((5000000 + r * 100000 + b * 1000))
		seq $k $((k + 999)) | awk 'BEGIN { printf "{\"table\":\"bench\",\"data\":[" }
			{ sep = NR > 1 ? "," : ""; printf "%s{\"id\":%d,\"name\":\"p%d\",\"email\":\"p@x\",\"amount\":\"1.00\",\"note\":\"%0200d\",\"updated_at\":\"2030-01-01 00:00:00\"}", sep, $1, $1, 0 }
			END { printf "]}" }' >"$T/push$b.json"
		seq $((k + 1000000)) $((k + 1000999)) | awk 'BEGIN { printf "INSERT INTO bench (id, name, email, amount, note, updated_at) VALUES " }
			{ sep = NR > 1 ? "," : ""; printf "%s(%d,\"p%d\",\"p@x\",1.00,\"%0200d\",\"2030-01-01 00:00:00\")", sep, $1, $1, 0 }
			END { print " ON DUPLICATE KEY UPDATE name = VALUES(name), email = VALUES(email), amount = VALUES(amount), note = VALUES(note), updated_at = VALUES(updated_at);" }' >"$T/direct$b.sql"
	done
	t0=$(ms)
	for b in $(seq 1 $PUSH_BATCHES); do
		st=$(curl -s -o /dev/null -w '%{http_code}' -H "X-API-Key: $NR_E2_KEY_PEER" --data-binary @"$T/push$b.json" "$NR_E2_URL/api/push")
		[ "$st" = 200 ] || problem "push of batch $b answered HTTP $st"
	done
	echo $(($(ms) - t0)) >>"$T/push.ms"
	t0=$(ms)
	for b in $(seq 1 $PUSH_BATCHES); do
		mariadb --no-defaults -h127.0.0.1 -P"$(cat "$T/e2/master/port")" -ununez -p"$NR_DB_PASSWORD" appdb <"$T/direct$b.sql"
	done
	echo $(($(ms) - t0)) >>"$T/direct.ms"
done
push_ms=$(median <"$T/push.ms")
direct_ms=$(median <"$T/direct.ms")
[ "$(sql e2 master "SELECT COUNT(*) FROM bench WHERE id >= 5000000 AND id < 6000000")" = $((RUNS * PUSH_BATCHES * 1000)) ] ||
	problem "not every pushed row arrived"
put push_rows_per_s $((PUSH_BATCHES * 1000000 / (push_ms > 0 ? push_ms : 1)))
put direct_insert_rows_per_s $((PUSH_BATCHES * 1000000 / (direct_ms > 0 ? direct_ms : 1)))

# --- 5. nunez-api worker RSS after the load
rss=0
for p in $(pgrep -P "$NR_E1_API_PID") $(pgrep -P "$NR_E2_API_PID"); do
	r=$(awk '/VmRSS/ { print $2 }' "/proc/$p/status")
	[ "${r:-0}" -gt $rss ] && rss=$r
done
put api_worker_rss_kb $rss

# --- 6. --follow lag: 200 writes/s on A, B pulls A with --follow
note "--follow lag for $FOLLOW_S s"
jq --arg u "$NR_E1_URL" --arg k "$NR_E1_KEY_PEER" \
	'.remoteEnvironments = {"e1": {url: $u, apiKey: $k, syncMode: "pull"}} | .sync.followIntervalSeconds = 1' \
	"$T/e2/config.json" >"$T/c.json" && mv "$T/c.json" "$T/e2/config.json"
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e2/config.json" >/dev/null 2>&1
"$NR_BUILDDIR/src/cli/sync_multi" --verbose --config "$T/e2/config.json" --follow >"$T/follow.out" 2>&1 &
fpid=$!
h_track "$T" follow $fpid
(
	n=$((FOLLOW_S * 200))
	seq 9000001 $((9000000 + n)) | awk '{ printf "INSERT INTO bench (id, name, email, amount, note) VALUES (%d, \"f\", \"f@x\", 1, \"f\"); DO SLEEP(0.005);\n", $1 }' |
		h_sql_in e1 master
) &
wpid=$!
last=9000000
end=$(($(ms) + FOLLOW_S * 1000 + 5000))
: >"$T/lag"
while [ "$(ms)" -lt $end ]; do
	sql e2 master "SELECT id, TIMESTAMPDIFF(MICROSECOND, updated_at, NOW(6)) FROM bench WHERE id > $last ORDER BY id" >"$T/seen"
	if [ -s "$T/seen" ]; then
		cat "$T/seen" >>"$T/lag"
		last=$(tail -1 "$T/seen" | awk '{print $1}')
	fi
	sleep 0.05
done
wait $wpid
kill -TERM $fpid
wait $fpid 2>/dev/null
pct() {	# pct P: the P-th percentile of the lags, in ms
	awk '{ print int($2 / 1000) }' "$T/lag" | sort -n |
		awk -v p="$1" '{ a[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; print a[i] + 0 }'
}
p50=$(pct 0.5)
p99=$(pct 0.99)
put follow_lag_p50_ms "${p50:-0}"
put follow_lag_p99_ms "${p99:-0}"
put follow_rows_seen "$(wc -l <"$T/lag")"

# --- the table
put quick $QUICK
put cores "$(nproc)"
put memory_mb "$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo)"
cp "$T/results.json" "$RESULTS"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = 0; if (b > 0) r = a / b; printf "%.2f", r }'; }
# Quick mode's small N says nothing of the bars: not judged there.
mark() {
	if [ $QUICK = 1 ]; then echo "(quick)"
	elif [ "$1" = 1 ]; then echo met
	else echo MISSED
	fi
}
r1=$(ratio $copy_rate $dump_rate)
r2=$(ratio $pt_big $inc_big)
r3=$(ratio $inc_big $inc_small)
r4=$(ratio $pull_rate $trivial_rate)
r5=$(ratio "$(jq .push_rows_per_s "$RESULTS")" "$(jq .direct_insert_rows_per_s "$RESULTS")")
echo
echo "machine: $(nproc) cores, $(jq .memory_mb "$RESULTS") MB; N = $N$([ $QUICK = 1 ] && echo ' (quick mode: small N, no bars)')"
printf '%-46s %14s %18s %8s %s\n' figure ours baseline ratio bar
printf '%-46s %14s %18s %8s %s\n' "first copy of $N rows, rows/s" "$copy_rate" "$dump_rate (mysqldump)" "$r1" "≥ 0.5: $(mark $(awk -v r=$r1 'BEGIN{print r >= 0.5}'))"
printf '%-46s %14s %18s %8s %s\n' "incremental sync at $N rows, ms" "$inc_big" "$pt_big (pt-table-sync)" "${r2}x" "≥ 20x: $(mark $(awk -v r=$r2 'BEGIN{print r >= 20}'))"
printf '%-46s %14s %18s %8s %s\n' "incremental sync at $N_SMALL rows, ms" "$inc_small" "$pt_small (pt-table-sync)" "$r3" "big/small ≤ 1.5: $(mark $(awk -v r=$r3 'BEGIN{print r <= 1.5}'))"
printf '%-46s %14s %18s %8s %s\n' "empty /api/pull at head, req/s" "$pull_rate" "$trivial_rate (trivial)" "$r4" "≥ 0.5: $(mark $(awk -v r=$r4 'BEGIN{print r >= 0.5}'))"
printf '%-46s %14s %18s %8s %s\n' "push in batches of 1,000, rows/s" "$(jq .push_rows_per_s "$RESULTS")" "$(jq .direct_insert_rows_per_s "$RESULTS") (INSERT)" "$r5" "≥ 0.5: $(mark $(awk -v r=$r5 'BEGIN{print r >= 0.5}'))"
printf '%-46s %14s %18s %8s %s\n' "nunez-api worker RSS, MB" "$((rss / 1024))" "-" "-" "≤ 32: $(mark $(( rss / 1024 <= 32 )))"
printf '%-46s %14s %18s %8s %s\n' "sync_multi peak RSS in the first copy, MB" "$((sync_rss / 1024))" "-" "-" "≤ 128: $(mark $(( sync_rss / 1024 <= 128 )))"
printf '%-46s %14s %18s %8s %s\n' "--follow lag at 200 writes/s, p50/p99 ms" "$p50/$p99" "-" "-" "p99 ≤ 2000: $(mark $(awk -v p=$p99 'BEGIN{print p <= 2000}'))"
echo "results: $RESULTS"
if [ $PROBLEMS -gt 0 ]; then
	echo "bench: $PROBLEMS problems (above); the figures are not to be trusted"
	exit 1
fi
