#!/usr/bin/env bash
# Workers killed with SIGKILL while a push is in flight: what committed
# stays, nothing is half-applied, and the retried batch applies once.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR(200) NOT NULL) ENGINE=InnoDB;
SQL
h_up "$T" 1 --no-slave --schema "$T/schema.sql" \
	--tables '[{"name": "t", "primaryKey": "id"}]' || bail_out "harness"
h_env
nr_ctl e1 init >/dev/null || bail_out "init"
P="X-API-Key: $NR_E1_KEY_PEER"
N=600

# A push of N new rows, ids from base, as a change batch.
make_batch() {
	local base=$1
	{
		printf '{"table":"t","node":"e2","batch_id":"kill-%s","changes":[' "$base"
		seq $((base + 1)) $((base + N)) | awk -v v="$(printf 'v%.0s' $(seq 1 150))" \
			'{ sep = NR > 1 ? "," : ""; printf "%s{\"op\":\"U\",\"pk\":[\"%d\"],\"row\":{\"id\":\"%d\",\"v\":\"%s\"},\"origin\":\"e2\"}", sep, $1, $1, v }'
		printf ']}'
	}
}

# Two places to die: holding its row locks before writing (a blocker
# holds one of the batch's keys), and with every row written, waiting to
# record the batch id (a blocker holds that id).
waiting() {
	[ "$(h_sql e1 master "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE COMMAND = 'Execute' AND TIME_MS > 300 AND INFO LIKE '$1%'")" -gt 0 ]
}
no_transaction() {
	[ "$(h_sql e1 master "SELECT COUNT(*) FROM information_schema.INNODB_TRX")" = 0 ]
}
two_workers() {
	[ "$(pgrep -c -P "$NR_E1_API_PID")" = 2 ]
}
interrupted=0
partial=0
for k in 1 2 3 4 5 6; do
	base=$((k * 100000))
	make_batch $base >"$T/batch$k.json"
	session_open blocker$k e1 master
	if [ $((k % 2)) = 1 ]; then
		session_send blocker$k "BEGIN; INSERT INTO t VALUES ($((base + N / 2)), 'blocker');"
		stmt="SELECT"
		where="before writing"
	else
		session_send blocker$k "BEGIN; INSERT INTO _nunez_batches VALUES ('kill-$base', 'x', 't', 0, 0, 0, 0, 0, 0, NOW());"
		stmt="INSERT INTO _nunez_batches"
		where="after writing every row"
	fi
	curl -s -o "$T/resp$k" -w '%{http_code}' -H "$P" --data-binary @"$T/batch$k.json" \
		"$NR_E1_URL/api/push" >"$T/code$k" &
	cpid=$!
	H_WAIT=20 h_wait_for waiting "$stmt"
	ok $? "push $k is in its transaction, waiting $where"
	pkill -KILL -P "$NR_E1_API_PID"
	wait $cpid
	code=$(cat "$T/code$k")
	[ "$code" != 200 ] && interrupted=$((interrupted + 1))
	session_send blocker$k "ROLLBACK;"
	session_close blocker$k
	H_WAIT=60 h_wait_for no_transaction
	got=$(h_sql e1 master "SELECT COUNT(*) FROM t WHERE id > $base AND id <= $((base + N))")
	case $got in 0 | $N) ;; *) partial=$((partial + 1)) ;; esac
	echo "# push $k killed $where: HTTP $code, $got of $N rows present"
	is "$got" 0 "push $k: the killed push left nothing"
	# Retry the same batch: applied exactly once.
	H_WAIT=10 h_wait_for two_workers
	h_curl e1 /api/push -X POST -H "$P" --data-binary @"$T/batch$k.json"
	r1=$H_STATUS
	h_curl e1 /api/push -X POST -H "$P" --data-binary @"$T/batch$k.json"
	is "$r1:$H_STATUS:$(json_get "$H_BODY" replayed)" "200:200:true" "push $k: the retry is applied, the next is a replay"
	is "$(h_sql e1 master "SELECT COUNT(*) FROM t WHERE id > $base AND id <= $((base + N))")" $N \
		"push $k: all $N rows there once"
done
is "$interrupted" 6 "every kill interrupted a push in flight"
is "$partial" 0 "no push was ever half-applied"
is "$(h_sql e1 master "SELECT COUNT(*) FROM _nunez_batches")" 6 "each batch recorded once"
is "$(h_sql e1 master "SELECT COUNT(*) FROM t")" $((6 * N)) "no row twice, none lost"

done_testing
