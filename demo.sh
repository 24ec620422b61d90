#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts three local
# environments (each a master and a slave MariaDB, nunez-api and nginx,
# all on loopback under a temporary directory), shows their health and
# status, then makes them replicate: changes in each, a conflict, and
# the checksums that show all three hold the same data. It stops them at
# the end; --keep leaves them running for exploring, and prints where the
# dashboard and the offline demo page are and which key each takes.
set -u
cd "$(dirname "$0")"
keep=0
[ "${1:-}" = --keep ] && keep=1

./.ci/deps || exit 1
[ -x configure ] || autoreconf -fi || exit 1
[ -f Makefile ] || ./configure || exit 1
make -j2 >/dev/null || { make; exit 1; }

export NR_SRCDIR=$PWD NR_BUILDDIR=$PWD
. tests/it/harness.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/nunez-demo.XXXXXX")
NR_H_DIR=$dir
[ $keep = 1 ] || trap 'h_down "$dir" && rm -rf "$dir"' EXIT

echo "== starting three environments under $dir"
start=$(h_now_ms)
# The demo schema's tables; accounts and transactions are the offline
# demo page's, one tenant's rows each, reached with a client key of
# tenant "demo".
h_up "$dir" 3 --client-tenant demo --tables '[
  {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at",
   "ignoreColumns": ["password_hash", "internal_notes"]},
  {"name": "products", "primaryKey": "id", "timestampColumn": "updated_at"},
  {"name": "accounts", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "transactions", "primaryKey": "id",
   "timestampColumn": "updated_at", "tenantColumn": "tenant_id"}]' || exit 1
echo "   started in $(($(h_now_ms) - start)) ms"
. "$dir/harness.env"

for i in 1; do
	url=$(eval echo "\$NR_E${i}_URL")
	key=$(eval echo "\$NR_E${i}_KEY_READ")
	echo
	echo "== environment e$i at $url"
	echo "\$ curl $url/health"
	curl -s "$url/health" | jq .
	echo "\$ curl -H 'X-API-Key: ...' $url/api/status"
	curl -s -H "X-API-Key: $key" "$url/api/status" | jq .
	echo "\$ curl $url/api/status    # no key"
	curl -s "$url/api/status" | jq -c .
done

ctl() { e=$1; shift; src/cli/nunezctl --config "$dir/$e/config.json" "$@"; }
sync() { src/cli/sync_multi --verbose --config "$dir/$1/config.json" | grep -v ', 0 changes read'; }
sql() { mariadb --no-defaults --socket="$dir/$1/master/sock" -uroot appdb -e "$2"; }
echo
echo "== three environments replicating (each lists the other two as bidirectional remotes)"
for e in e1 e2 e3; do ctl $e init >/dev/null; done
sql e1 "INSERT INTO users (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com')"
sql e2 "INSERT INTO users (id, name, email) VALUES (2, 'Alan Turing', 'alan@example.com')"
sql e3 "INSERT INTO products (id, name, price) VALUES (1, 'Notebook', 4.50)"
sql e1 "INSERT INTO accounts (id, tenant_id, name, currency) VALUES
  ('6f1c2a3e-9b7d-4c1e-8a55-0d3f7e2b9c11', 'demo', 'Checking', 'EUR');
INSERT INTO transactions (id, tenant_id, account_id, amount, memo, booked_on) VALUES
  ('0b7e4d2c-5a1f-4e3b-9c8d-7f6a5b4c3d21', 'demo',
   '6f1c2a3e-9b7d-4c1e-8a55-0d3f7e2b9c11', 1250.00, 'Salary', CURRENT_DATE)"
for round in 1 2; do
	for e in e1 e2 e3; do
		echo "\$ sync_multi    # in $e, round $round (lines that moved something)"
		sync $e
	done
done
echo
echo "== a conflict: e1 and e2 change the same row before syncing"
sql e1 "UPDATE users SET email = 'ada@e1.example', updated_at = '2030-01-01 10:00:00' WHERE id = 1"
sql e2 "UPDATE users SET email = 'ada@e2.example', updated_at = '2030-01-01 10:00:05' WHERE id = 1"
for e in e1 e2 e3; do sync $e >/dev/null; done
for e in e1 e2 e3; do sync $e >/dev/null; done
echo "last_write_wins: the later write (e2's, 10:00:05) wins everywhere:"
for e in e1 e2 e3; do
	printf '  %s: ' $e
	mariadb --no-defaults --socket="$dir/$e/master/sock" -uroot -N appdb -e "SELECT email FROM users WHERE id = 1"
done
echo "recorded in _nunez_conflicts where it was found:"
for e in e1 e2 e3; do
	mariadb --no-defaults --socket="$dir/$e/master/sock" -uroot -N appdb -e "SELECT CONCAT('  $e: table ', tbl, ' key ', pk, ', ', strategy, ', winner ', winner, ' (', local_origin, ' ', local_ts, ' vs ', remote_origin, ' ', remote_ts, ')') FROM _nunez_conflicts"
done
echo "\$ nunezctl verify --env e2; nunezctl verify --env e3    # in e1"
ctl e1 verify --env e2
ctl e1 verify --env e3

echo
if [ $keep = 1 ]; then
	echo "== left running. Configs: $dir/e*/config.json, keys: $dir/harness.env"
	for i in 1 2 3; do
		url=$(eval echo "\$NR_E${i}_URL")
		echo "   e$i dashboard:    $url/"
		echo "      paste the admin key: $(eval echo "\$NR_E${i}_KEY_ADMIN")"
		echo "   e$i offline demo: $url/demo/"
		echo "      paste the client key: $(eval echo "\$NR_E${i}_KEY_CLIENT") (tenant demo)"
	done
	echo "   (each environment's page shows that environment; run"
	echo "   src/cli/sync_multi --config $dir/e1/config.json to sync e1 by hand)"
	echo "   stop with: bash tests/it/harness.sh down $dir"
else
	echo "== stopping (run ./demo.sh --keep to explore)"
fi
