#!/usr/bin/env bash
# A 100,000-row table: the first sync in batches with bounded memory,
# then a 1,000-row incremental sync. Prints rows/s and peak RSS.
. "$(dirname "$0")/lib.sh"

N=${NR_BIG_ROWS:-100000}
cat >"$T/schema.sql" <<'SQL'
CREATE TABLE big (
  id INT NOT NULL PRIMARY KEY, name VARCHAR(64) NOT NULL,
  email VARCHAR(128) NOT NULL, amount DECIMAL(12,2) NOT NULL,
  note VARCHAR(255) NOT NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
SQL
h_up "$T" 1 --schema "$T/schema.sql" --tables '[{"name": "big",
  "primaryKey": "id", "timestampColumn": "updated_at"}]' || bail_out "harness"
nr_ctl e1 init >/dev/null || bail_out "init"
h_sql e1 master "INSERT INTO big (id, name, email, amount, note) SELECT seq, CONCAT('name ', seq), CONCAT('user', seq, '@example.com'), seq * 1.25, REPEAT(CHAR(65 + seq % 26), 200) FROM seq_1_to_$N"
size=$(h_sql e1 master "SELECT ROUND(SUM(LENGTH(name) + LENGTH(email) + LENGTH(note) + 24) / 1048576) FROM big")

timed_sync() {
	/usr/bin/time -f '%e %M' -o "$T/time" "$NR_BUILDDIR/src/cli/sync_multi" --verbose \
		--config "$T/e1/config.json" --local-only >"$T/sync.out" 2>&1
}
timed_sync
is "$?" 0 "first sync of $N rows"
read -r secs rss <"$T/time"
rate=$(awk -v n="$N" -v s="$secs" 'BEGIN { printf "%d", n / (s > 0 ? s : 0.01) }')
echo "# first sync: $N rows in $secs s = $rate rows/s; peak RSS $((rss / 1024)) MB; table $size MB"
if nr_sanitized; then
	skip "peak RSS of the first sync stays under 48 MB" "ASan build"
else
	ok $((rss > 48 * 1024)) "peak RSS of the first sync stays under 48 MB"
fi
nr_ctl e1 verify >/dev/null
is "$?" 0 "slave equals master"

h_sql e1 master "UPDATE big SET amount = amount + 1 WHERE id % 100 = 7"
timed_sync
is "$?" 0 "incremental sync"
read -r secs rss <"$T/time"
echo "# incremental sync of 1,000 updated rows: $secs s; peak RSS $((rss / 1024)) MB"
like "$(cat "$T/sync.out")" "1000 changes read, 0 inserted, 1000 updated" "exactly the 1,000 changed rows moved"
nr_ctl e1 verify >/dev/null
is "$?" 0 "slave equals master after the incremental sync"

done_testing
