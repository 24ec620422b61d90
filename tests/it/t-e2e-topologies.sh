#!/usr/bin/env bash
# End to end: four topologies, each with a random workload of inserts,
# updates and deletes on two tables (one with a composite key) written by
# concurrent writers while sync_multi runs; then every link runs, every
# environment holds the same tables, and one more round moves nothing.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (id INT NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL,
  email VARCHAR(60) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB;
CREATE TABLE order_items (order_id INT NOT NULL, line INT NOT NULL,
  qty INT NOT NULL, note VARCHAR(40) NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  PRIMARY KEY (order_id, line)) ENGINE=InnoDB;
SQL
TABLES='[{"name": "users", "primaryKey": "id", "timestampColumn": "updated_at"},
  {"name": "order_items", "primaryKey": ["order_id", "line"],
   "timestampColumn": "updated_at"}]'
OPS=${NR_E2E_OPS:-5000}

# N random statements for writer W (seeded), autocommit each.
workload() {
	awk -v n="$1" -v seed="$2" -v w="$3" 'BEGIN {
		srand(seed)
		for (i = 0; i < n; i++) {
			r = rand(); k = int(rand() * 1500) + 1
			o = int(rand() * 150) + 1; l = int(rand() * 4) + 1
			if (rand() < 0.6) {
				if (r < 0.5) printf "INSERT INTO users (id, name, email) VALUES (%d, \"%s-%d\", \"u%d@x\") ON DUPLICATE KEY UPDATE name = VALUES(name), updated_at = NOW(6);\n", k, w, i, k
				else if (r < 0.8) printf "UPDATE users SET email = \"%s-%d@x\", updated_at = NOW(6) WHERE id = %d;\n", w, i, k
				else printf "DELETE FROM users WHERE id = %d;\n", k
			} else {
				if (r < 0.5) printf "INSERT INTO order_items (order_id, line, qty, note) VALUES (%d, %d, %d, \"%s\") ON DUPLICATE KEY UPDATE qty = VALUES(qty), note = VALUES(note), updated_at = NOW(6);\n", o, l, i, w
				else if (r < 0.8) printf "UPDATE order_items SET qty = qty + 1, updated_at = NOW(6) WHERE order_id = %d AND line = %d;\n", o, l
				else printf "DELETE FROM order_items WHERE order_id = %d AND line = %d;\n", o, l
			}
		}
	}'
}

# set_remotes ENV SPEC: that environment's remoteEnvironments, each
# reached with the key the remote holds for ENV.
set_remotes() {
	local e=$1 spec=$2 json="{}" name mode
	for pair in $spec; do
		name=${pair%%:*}
		mode=${pair#*:}
		json=$(jq --arg n "$name" --arg m "$mode" \
			--arg url "$(sed -n "s/^NR_E${name#e}_URL=//p" "$T/harness.env")" \
			--arg key "$(cat "$T/$name/key-peer-$e")" \
			'. + {($n): {url: $url, apiKey: $key, syncMode: $m, priority: ($n[1:] | tonumber)}}' <<<"$json")
	done
	jq --argjson r "$json" '.remoteEnvironments = $r | .sync = {batchSize: 300, retries: 1, retryBackoffMs: 100}' \
		"$T/$e/config.json" >"$T/$e/c.json" && mv "$T/$e/c.json" "$T/$e/config.json"
}

sums() {
	local e
	for e in $1; do
		h_sql $e master "CHECKSUM TABLE users, order_items" | awk '{print $2}' | tr '\n' ' '
		echo
	done
}

run_all() {
	local e
	for e in $1; do
		nr_sync $e >>"$T/$2" 2>&1
	done
}

# NR_E2E_ONLY="active-active pair" runs that topology alone. FORWARDERS
# are the keys that take others' changes, as AT:FOR (h_up --forwarders):
# the links over which a node passes on what it received.
topology() {
	local name=$1 spec1=$2 spec2=$3 spec3=$4 writers=$5 runners=$6 members=$7
	local forwarders=${8:-none}
	local start=$(h_now_ms) pids="" w seed=0 round moved
	[ -z "${NR_E2E_ONLY:-}" ] || [ "$name" = "$NR_E2E_ONLY" ] || return 0
	h_down "$T" >/dev/null 2>&1
	rm -rf "${T:?}"/e1 "$T"/e2 "$T"/e3 "$T"/harness.env "$T"/pids "$T"/ports "$T"/*.out
	h_up "$T" 3 --no-slave --schema "$T/schema.sql" --tables "$TABLES" \
		--forwarders "$forwarders" || bail_out "harness"
	for e in e1 e2 e3; do nr_ctl $e init >/dev/null || bail_out "init"; done
	set_remotes e1 "$spec1"
	set_remotes e2 "$spec2"
	set_remotes e3 "$spec3"
	# Writers and syncs at once.
	rm -f "$T/stop"
	for e in $runners; do
		(while [ ! -f "$T/stop" ]; do nr_sync $e >>"$T/bg-$e.out" 2>&1; done) &
		pids="$pids $!"
	done
	for w in $writers; do
		seed=$((seed + 17))
		workload "$OPS" $seed $w | h_sql_in $w master &
		wpids="$wpids $!"
	done
	wait $wpids
	wpids=""
	touch "$T/stop"
	wait $pids
	ops=$(( OPS * $(echo $writers | wc -w) ))
	# Every link runs until quiet.
	for round in 1 2 3 4; do
		t0=$(h_now_ms)
		run_all "$runners" "round$round.out"
		moved=$(grep '^remote' "$T/round$round.out" | awk -F', ' '{
			for (i = 1; i <= NF; i++) if ($i ~ /inserted|updated|deleted/) { split($i, a, " "); n += a[1] } }
			END { print n + 0 }')
		echo "# $name: round $round moved $moved rows in $(($(h_now_ms) - t0)) ms"
	done
	s=$(sums "$members")
	is "$(echo "$s" | sort -u | wc -l)" 1 "$name: every environment holds the same tables after $ops writes"
	echo "# $name: checksums $(echo "$s" | head -n 1)"
	echo "# $name: $(h_sql e1 master "SELECT COUNT(*) FROM users") users, $(h_sql e1 master "SELECT COUNT(*) FROM order_items") order items"
	run_all "$runners" final.out
	lines=$(grep -c '^remote' "$T/final.out")
	moved=$(grep '^remote' "$T/final.out" | grep -vc ', 0 changes read, 0 inserted, 0 updated, 0 deleted')
	[ "$lines" -gt 0 ] && lines=ran
	is "$lines:$moved" "ran:0" "$name: one more round moves 0 rows (no echo, no ping-pong)"
	bad=$(cat "$T"/round*.out "$T/final.out" | grep -c FAILED)
	is "$bad" 0 "$name: no sync failed"
	echo "# $name: $(( ($(h_now_ms) - start) / 1000 )) s, conflicts recorded: $(for e in e1 e2 e3; do h_sql $e master "SELECT COUNT(*) FROM _nunez_conflicts"; done | tr '\n' ' ')"
}

topology "primary to two replicas" "e2:push e3:push" "" "" "e1" "e1" "e1 e2 e3"
topology "active-active pair" "e2:bidirectional" "e1:bidirectional" "" "e1 e2" "e1 e2" "e1 e2"
# In the ring each node pushes to the next what it received from the
# one before; in the chain e2 passes e1's changes on to e3.
topology "ring of three" "e2:bidirectional" "e3:bidirectional" "e1:bidirectional" "e1 e2 e3" "e1 e2 e3" "e1 e2 e3" \
	"e2:e1 e3:e2 e1:e3"
topology "chain e1 > e2 > e3" "e2:push" "e3:push" "" "e1" "e1 e2" "e1 e2 e3" "e3:e2"

done_testing
