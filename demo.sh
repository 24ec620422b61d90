#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts two local
# environments (each a master and a slave MariaDB, nunez-api and nginx,
# all on loopback under a temporary directory), shows their health and
# status, syncs e1's master to its slave, and stops them. --keep leaves
# them running for exploring.
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

echo "== starting two environments under $dir"
start=$(h_now_ms)
h_up "$dir" 2 || exit 1
echo "   started in $(($(h_now_ms) - start)) ms"
. "$dir/harness.env"

for i in 1 2; do
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

ctl() { src/cli/nunezctl --config "$dir/e1/config.json" "$@"; }
sql() { mariadb --no-defaults --socket="$dir/e1/$1/sock" -uroot appdb -e "$2"; }
echo
echo "== e1: install capture, write on the master, sync to the slave"
echo "\$ nunezctl init"
ctl init
sql master "INSERT INTO users (id, name, email) VALUES
  (1, 'Ada Lovelace', 'ada@example.com'), (2, 'Alan Turing', 'alan@example.com');
  INSERT INTO products (id, name, price) VALUES (1, 'Notebook', 4.50), (2, 'Pen', 1.20)"
echo "\$ sync_multi --local-only"
src/cli/sync_multi --config "$dir/e1/config.json" --local-only
sql master "UPDATE products SET price = 4.75 WHERE id = 1; DELETE FROM users WHERE id = 2"
echo "\$ sync_multi --local-only      # after an update and a delete"
src/cli/sync_multi --config "$dir/e1/config.json" --local-only
echo "\$ nunezctl verify"
ctl verify
echo "\$ slave: SELECT * FROM products"
sql slave "SELECT * FROM products"

echo
if [ $keep = 1 ]; then
	echo "== left running. Configs: $dir/e*/config.json, keys: $dir/harness.env"
	echo "   stop with: bash tests/it/harness.sh down $dir"
else
	echo "== stopping (run ./demo.sh --keep to explore)"
fi
