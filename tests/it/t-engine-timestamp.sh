#!/usr/bin/env bash
# Timestamp capture, for tables that cannot have triggers: rows found by
# (timestampColumn, key) with an overlap window; soft deletes replicate,
# hard deletes do not; a late row older than the window is missed. The
# last two are the documented limits of this mode.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE legacy (sku VARCHAR(20) NOT NULL PRIMARY KEY,
  price DECIMAL(10,2) NOT NULL, modified DATETIME(6) NOT NULL,
  deleted_at DATETIME NULL, KEY (modified)) ENGINE=InnoDB;
SQL
h_up "$T" 1 --schema "$T/schema.sql" --tables '[{"name": "legacy",
  "primaryKey": "sku", "capture": "timestamp", "timestampColumn": "modified",
  "softDeleteColumn": "deleted_at"}]' || bail_out "harness"
sed -i 's/"api": {/"sync": {"batchSize": 100, "timestampOverlapSeconds": 60},\n  "api": {/' "$T/e1/config.json"
nr_ctl e1 init >/dev/null || bail_out "init"
is "$(h_sql e1 master "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA='appdb'")" 0 \
	"no triggers on a table captured by timestamp"

h_sql e1 master "INSERT INTO legacy SELECT CONCAT('sku', seq), seq, UTC_TIMESTAMP(6) - INTERVAL (300 - seq) SECOND, NULL FROM seq_1_to_250"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$?" 0 "first pass"
nr_ctl e1 verify >/dev/null
is "$?" 0 "250 rows copied in pages of 100"

h_sql e1 master "UPDATE legacy SET price = price + 1000, modified = UTC_TIMESTAMP(6) WHERE sku IN ('sku1', 'sku2', 'sku3')"
h_sql e1 master "UPDATE legacy SET deleted_at = UTC_TIMESTAMP(), modified = UTC_TIMESTAMP(6) WHERE sku = 'sku4'"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(price ORDER BY sku) FROM legacy WHERE sku IN ('sku1','sku2','sku3')")" \
	"1001.00,1002.00,1003.00" "updates found by their time"
is "$(h_sql e1 slave "SELECT deleted_at IS NOT NULL FROM legacy WHERE sku = 'sku4'")" 1 "a soft delete replicates"
like "$(cat "$T/sync.out")" " 0 inserted, 4 updated, 0 deleted, [0-9]+ unchanged" \
	"rows in the overlap window are read again and left unchanged"

h_sql e1 master "INSERT INTO legacy VALUES ('late', 1, UTC_TIMESTAMP(6) - INTERVAL 20 SECOND, NULL)"
h_sql e1 master "INSERT INTO legacy VALUES ('too-late', 1, UTC_TIMESTAMP(6) - INTERVAL 1 DAY, NULL)"
h_sql e1 master "DELETE FROM legacy WHERE sku = 'sku5'"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(h_sql e1 slave "SELECT COUNT(*) FROM legacy WHERE sku = 'late'")" 1 \
	"a row committed late with a time inside the overlap window is found"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM legacy WHERE sku = 'too-late'")" 0 \
	"limit: one older than the window is not"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM legacy WHERE sku = 'sku5'")" 1 \
	"limit: a hard delete does not replicate"
nr_ctl e1 verify >"$T/v.out"
like "$(cat "$T/v.out")" 'differing key \["sku5"\]' "verify shows what the limits leave behind"

done_testing
