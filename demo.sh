#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts two local
# environments (each a master and a slave MariaDB, nunez-api and nginx,
# all on loopback under a temporary directory), shows their health and
# status, and stops them. --keep leaves them running for exploring.
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

echo
if [ $keep = 1 ]; then
	echo "== left running. Configs: $dir/e*/config.json, keys: $dir/harness.env"
	echo "   stop with: bash tests/it/harness.sh down $dir"
else
	echo "== stopping (run ./demo.sh --keep to explore)"
fi
