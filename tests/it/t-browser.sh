#!/usr/bin/env bash
# The dashboard and the offline demo page (www/) in headless Chromium,
# driven by playwright-core (tests/browser/run.js): two environments'
# status after sync_multi; a conflict resolved by a click that then
# replicates; records made while the page is offline reach MariaDB once
# it is online, and a row changed on the server appears in the page.
# Screenshots go to tests/browser/screenshots/ of the build tree.
NR_SRCDIR=${NR_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
NR_BUILDDIR=${NR_BUILDDIR:-$NR_SRCDIR}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

# Chromium from Debian, installed here when it is missing and we may.
if [ ! -x "$CHROMIUM" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
		>/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium \
			>/dev/null 2>&1; }
fi
if [ ! -x "$CHROMIUM" ]; then
	echo "1..0 # SKIP chromium cannot be installed here (apt-get install chromium)"
	exit 0
fi
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	echo "1..0 # SKIP node and npm are missing (they run playwright-core)"
	exit 0
fi

. "$(dirname "$0")/lib.sh"

# playwright-core: tests/browser/node_modules (npm ci, as .ci/deps does);
# a read-only source tree (make distcheck) installs into the build tree.
modules="$NR_SRCDIR/tests/browser/node_modules"
if [ ! -d "$modules/playwright-core" ]; then
	pkg="$NR_SRCDIR/tests/browser"
	if [ ! -w "$pkg" ]; then
		pkg="$NR_BUILDDIR/tests/browser"
		mkdir -p "$pkg"
		cp "$NR_SRCDIR/tests/browser/package.json" \
			"$NR_SRCDIR/tests/browser/package-lock.json" "$pkg/"
	fi
	(cd "$pkg" && npm ci --no-audit --no-fund --loglevel=error) \
		>"$T/npm.log" 2>&1 || { cat "$T/npm.log"; bail_out "npm ci failed"; }
	modules="$pkg/node_modules"
fi

h_up "$T" 2 --client-tenant demo --tables '[
  {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at",
   "ignoreColumns": ["password_hash", "internal_notes"]},
  {"name": "products", "primaryKey": "id", "timestampColumn": "updated_at",
   "conflictStrategy": "manual"},
  {"name": "accounts", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"},
  {"name": "transactions", "primaryKey": "id", "timestampColumn": "updated_at",
   "tenantColumn": "tenant_id"}]' || bail_out "harness"
h_env
for e in e1 e2; do nr_ctl $e init >/dev/null || bail_out "init $e"; done

# The script's TAP lines carry no numbers; they are counted here.
while IFS= read -r line; do
	case $line in
	"ok - "*) ok 0 "${line#ok - }" ;;
	"not ok - "*) ok 1 "${line#not ok - }" ;;
	"Bail out!"*) bail_out "${line#Bail out! }" ;;
	*) echo "$line" ;;
	esac
done < <(cd "$NR_SRCDIR/tests/browser" && NODE_PATH="$modules" \
	HARNESS_ENV="$T/harness.env" NR_BUILDDIR="$NR_BUILDDIR" \
	CHROMIUM="$CHROMIUM" SCREENSHOTS="$NR_BUILDDIR/tests/browser/screenshots" \
	timeout 180 node run.js 2>&1; echo "$?" >"$T/node.rc")
# A script that crashed, was killed or never started says so here.
checks=$T_COUNT
[ "$checks" -gt 40 ] && checks=many
is "$(cat "$T/node.rc" 2>/dev/null):$checks" "0:many" "the browser script ran to its end, all its checks passing"

done_testing
