#!/usr/bin/env bash
# Peak memory of nunez-api workers under the worst request bodies we can
# make, sent through nginx to /api/push one at a time with the default
# limits (16 MiB bodies): for each, every worker's peak RSS (VmHWM of
# /proc/PID/status) before and after, fresh workers for each body.
# Prints a table; exits 1 when a worker went over the bar or died.
#   tests/bench/rss.sh [--bar MB]
# Needs a built tree (make) and the harness's packages. Point
# NR_BUILDDIR at another build to measure it with the same bodies.
set -u
BAR=256
[ "${1:-}" = --bar ] && BAR=$2
here=$(cd "$(dirname "$0")" && pwd)
export NR_SRCDIR=${NR_SRCDIR:-$(cd "$here/../.." && pwd)}
export NR_BUILDDIR=${NR_BUILDDIR:-$NR_SRCDIR}
. "$NR_SRCDIR/tests/it/harness.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/nunez-rss.XXXXXX")
NR_H_DIR=$T
trap 'h_down "$T" >/dev/null 2>&1; rm -rf "$T"' EXIT
note() { echo "rss: $*" >&2; }

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (
  id INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL,
  email VARCHAR(190) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
SQL
note "starting one environment ($NR_BUILDDIR)"
H_MAX_BODY=16777216 H_BODY_LIMIT=16m h_up "$T" 1 --no-slave \
	--schema "$T/schema.sql" --tables '[{"name": "users",
	"primaryKey": "id", "timestampColumn": "updated_at"}]' >/dev/null ||
	exit 1
. "$T/harness.env"
"$NR_BUILDDIR/src/cli/nunezctl" --config "$T/e1/config.json" init \
	>/dev/null || exit 1

# The bodies, each at most 16 MiB as sent ($B bytes of items).
note "making the bodies"
perl - "$T" <<'PERL' || exit 1
my ($d) = @ARGV;
my $B = 16_000_000;
sub put {
	my ($name, @parts) = @_;
	open(my $f, '>', "$d/$name") or die "$d/$name: $!";
	print $f @parts;
	close($f) or die "$d/$name: $!";
}
put('objects', '{"table":"users","data":[', '{},' x ($B / 3), '{}]}');
put('arrays', '{"table":"users","data":[', '[],' x ($B / 3), '[]]}');
put('numbers', '{"table":"users","data":[', '0,' x ($B / 2), '0]}');
put('keys', '{"table":"users","data":[{',
    join(',', map { qq("k$_":0) } 1 .. $B / 12), '}]}');
put('deep', '[' x $B);
put('string', '{"table":"', 'a' x $B, '"}');
put('escapes', '{"table":"', '\u00e9' x ($B / 6), '"}');
put('digits', '{"table":"users","data":[1', '0' x $B, ']}');
# Within every default budget (100,000 containers, 1,000,000 values):
# the most objects and numbers, with objects of keys, and with the rest
# of 16 MB in one string.
put('budget', '{"table":"users","x":[', '{},' x 89999, '{}],"data":[',
    '0,' x 799999, '0]}');
put('budget-keys', '{"table":"users","data":[',
    join(',', ('{"a":0,"b":0,"c":0,"d":0,"e":0}') x 90000), ']}');
put('budget-16m', '{"table":"users","x":[', '{},' x 89999, '{}],"y":[',
    '0,' x 799999, '0],"data":"', 'a' x 14_000_000, '"}');
# What a push really is: 10,000 rows.
put('rows', '{"table":"users","data":[', join(',', map {
	qq({"id":$_,"name":"user $_","email":"user$_\@example.com",)
	    . qq("updated_at":"2024-01-01 00:00:00"})
} 1 .. 10000), ']}');
# As found: 16.5 MB of {}, (gzip makes 16 KB of it).
put('objects.json', '{"table":"users","data":[', '{},' x 5500000, '{}]}');
PERL
gzip -c "$T/rows" >"$T/rows.gz"
gzip -9 -c "$T/objects.json" >"$T/objects.gz"
rm -f "$T/objects.json"
head -c 1000000000 /dev/zero | gzip -1 -c >"$T/zeros.gz"

workers=""
# Fresh workers for each body (SIGHUP: nunez-api starts new ones, the old
# ones leave): what one body costs is not hidden by what a worker kept.
fresh_workers() {
	local log="$T/e1/api.log" n old=$workers i
	n=$(grep -c 'reloaded:' "$log")
	kill -HUP "$NR_E1_API_PID"
	for i in $(seq 1 200); do
		[ "$(grep -c 'reloaded:' "$log")" -gt "$n" ] && break
		sleep 0.05
	done
	# shellcheck disable=SC2086
	h_wait_gone 30 $old || note "old workers still there: $old"
	workers=$(pgrep -P "$NR_E1_API_PID" | sort | tr '\n' ' ')
	for i in $(seq 1 100); do
		h_curl e1 /health
		[ "$H_STATUS" = 200 ] && return 0
		sleep 0.05
	done
	note "fresh workers do not answer"
}
hwm() {	# hwm PID: its peak RSS in MB, or "gone"
	awk '/^VmHWM:/ { printf "%d", ($2 + 1023) / 1024; f = 1 }
		END { if (!f) printf "gone" }' "/proc/$1/status" 2>/dev/null ||
		printf gone
}

over=0
printf '%-12s %9s %9s %-26s %7s  %s\n' body sent inflated answer seconds \
	"peak RSS per worker, MB: before -> after"
send() {	# send NAME [curl args]: one body, one line of the table
	local name=$1 file=$T/$1 status code t0 t1 line w before after
	shift
	fresh_workers
	before=""
	for w in $workers; do
		before="$before $(hwm "$w")"
	done
	t0=$(h_now_ms)
	status=$(curl -s -o "$T/answer" -w '%{http_code}' --max-time 300 \
		-X POST -H "X-API-Key: $NR_E1_KEY_PEER" "$@" \
		--data-binary @"$file" "$NR_E1_URL/api/push")
	t1=$(h_now_ms)
	code=$(jq -r '.error.code // "ok"' "$T/answer" 2>/dev/null)
	line=""
	set -- $before
	for w in $workers; do
		after=$(hwm "$w")
		line="$line  $1 -> $after"
		shift
		if [ "$after" = gone ] || [ "$after" -gt "$BAR" ]; then
			over=$((over + 1))
		fi
	done
	now=$(pgrep -P "$NR_E1_API_PID" | sort | tr '\n' ' ')
	if [ "$now" != "$workers" ]; then
		note "$name: a worker died ($workers -> $now)"
		over=$((over + 1))
	fi
	printf '%-12s %9s %9s %-26s %7s %s\n' "$name" "$(stat -c %s "$file")" \
		"${inflated:--}" "$status ${code:-?}" \
		"$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1000 }')" \
		"$line"
}
for b in objects arrays numbers keys deep string escapes digits budget \
	budget-keys budget-16m rows; do
	inflated="" send $b
done
for b in objects.gz zeros.gz rows.gz; do
	inflated=$(gzip -dc "$T/$b" | wc -c) send $b -H "Content-Encoding: gzip"
done

h_curl e1 /health
[ "$H_STATUS" = 200 ] || { note "/health answers $H_STATUS"; over=$((over + 1)); }
if [ $over -gt 0 ]; then
	note "$over over the bar of $BAR MB (or gone)"
	exit 1
fi
note "every worker stayed under $BAR MB and answers"
