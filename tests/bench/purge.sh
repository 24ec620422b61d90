#!/usr/bin/env bash
# Purging a large changelog while the application writes. ENTRIES (5
# million) changelog entries older than retention.minHours, which no
# peer needs, are purged by `nunezctl purge` (retention.purgeChunk
# entries a statement, retention.pauseMs between) while a writer inserts
# RATE rows a second (500) into a replicated table, each in its own
# transaction. Prints the writer's latency alone and during the purge,
# the purge's time and rate, then the changelog's size every ten seconds
# under the same writer with a purge after each (minHours 0): flat.
#   tests/bench/purge.sh [--entries N] [--rate N] [--seconds N]
# Needs a built tree (make tests/bench/writer) and the harness's packages.
set -u
ENTRIES=5000000 RATE=500 SECONDS_ALONE=30
while [ $# -gt 0 ]; do
	case $1 in
	--entries) ENTRIES=$2; shift 2 ;;
	--rate) RATE=$2; shift 2 ;;
	--seconds) SECONDS_ALONE=$2; shift 2 ;;
	*) echo "usage: purge.sh [--entries N] [--rate N] [--seconds N]" >&2; exit 2 ;;
	esac
done
here=$(cd "$(dirname "$0")" && pwd)
export NR_SRCDIR=${NR_SRCDIR:-$(cd "$here/../.." && pwd)}
export NR_BUILDDIR=${NR_BUILDDIR:-$NR_SRCDIR}
. "$NR_SRCDIR/tests/it/harness.sh"
WRITER=$NR_BUILDDIR/tests/bench/writer
CTL=$NR_BUILDDIR/src/cli/nunezctl
[ -x "$WRITER" ] || { echo "purge: build $WRITER first (make tests/bench/writer)" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/nunez-purge.XXXXXX")
NR_H_DIR=$T
trap 'h_down "$T" >/dev/null 2>&1; rm -rf "$T"' EXIT
note() { echo "purge: $*" >&2; }
sql() { h_sql e1 master "$1"; }

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE w (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, v VARCHAR(8) NOT NULL) ENGINE=InnoDB;
SQL
note "starting one environment ($NR_BUILDDIR)"
h_up "$T" 1 --no-slave --schema "$T/schema.sql" \
	--tables '[{"name": "w", "primaryKey": "id"}]' >/dev/null || exit 1
"$CTL" --config "$T/e1/config.json" init >/dev/null || exit 1
SOCK=$T/e1/master/sock
write() {	# write SECONDS: the writer's line (exec: a kill reaches it)
	exec "$WRITER" "$SOCK" appdb w "$RATE" "$1"
}

note "filling the changelog with $ENTRIES entries two days old"
i=0
while [ $i -lt "$ENTRIES" ]; do
	n=$((ENTRIES - i > 500000 ? 500000 : ENTRIES - i))
	sql "INSERT INTO _nunez_changelog (tbl, pk, op, origin, changed_at)
	  SELECT 'w', CONCAT('[', seq, ']'), 'U', 'e1', UTC_TIMESTAMP(6) - INTERVAL 2 DAY
	  FROM seq_$((i + 1))_to_$((i + n))" || exit 1
	i=$((i + n))
done
sql "ANALYZE TABLE _nunez_changelog" >/dev/null

note "the writer alone, $SECONDS_ALONE s"
alone=$(write "$SECONDS_ALONE") || exit 1
[ -n "$alone" ] || exit 1

note "the writer during nunezctl purge"
(write 3600 >"$T/during") &
wp=$!
sleep 2
t0=$(date +%s.%N)
"$CTL" --config "$T/e1/config.json" purge >"$T/purge.out" || exit 1
t1=$(date +%s.%N)
kill -TERM $wp
wait $wp
during=$(cat "$T/during")
gone=$(sed -n 's/^w: deleted \([0-9]*\) entries.*/\1/p' "$T/purge.out")
secs=$(echo "$t1 - $t0" | bc -l)

echo "changelog purge, $ENTRIES entries, writer at $RATE inserts/s (one transaction each):"
echo "  writer alone:        $alone"
echo "  writer during purge: $during"
printf '  purge: %s entries in %.1f s (%.0f entries/s)\n' "$gone" "$secs" \
	"$(echo "$gone / $secs" | bc -l)"
p99() { sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p'; }
printf '  p99 during / alone: %.2f\n' \
	"$(echo "$(echo "$during" | p99) / $(echo "$alone" | p99)" | bc -l)"

note "steady load: a purge every 10 s with retention.minHours 0"
jq '.retention.minHours = 0' "$T/e1/config.json" >"$T/c.json" &&
	mv "$T/c.json" "$T/e1/config.json"
(write 60 >"$T/steady") &
wp=$!
sizes=""
for r in 1 2 3 4 5 6; do
	sleep 10
	"$CTL" --config "$T/e1/config.json" purge >/dev/null || exit 1
	sizes="$sizes $(sql "SELECT COUNT(*) FROM _nunez_changelog")"
done
wait $wp
echo "  steady load, entries after each purge (every 10 s):$sizes"
echo "  writer meanwhile: $(cat "$T/steady")"
