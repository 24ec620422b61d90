#!/usr/bin/env bash
# Values arrive byte-identical, both ways: NULL, empty strings, utf8mb4,
# binary with zero bytes, DECIMAL(30,10), DATETIME(6)/TIMESTAMP(6), JSON,
# BIGINT UNSIGNED max, float edge cases, BIT, ENUM/SET, TIME, YEAR; and
# keys of binary, decimal and datetime types.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE fid (
  id BIGINT UNSIGNED NOT NULL PRIMARY KEY,
  s_null VARCHAR(10) NULL, s_empty VARCHAR(10) NULL,
  s_utf VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NULL,
  s_latin VARCHAR(20) CHARACTER SET latin1 NULL,
  b BLOB NULL, vb VARBINARY(16) NULL, fixb BINARY(4) NULL,
  d30 DECIMAL(30,10) NULL, dt DATETIME(6) NULL, dt0 DATETIME NULL,
  ts TIMESTAMP(6) NULL DEFAULT NULL, j JSON NULL,
  u BIGINT UNSIGNED NULL, i BIGINT NULL, ti TINYINT NULL,
  f FLOAT NULL, f2 FLOAT(7,4) NULL, dbl DOUBLE NULL,
  bit10 BIT(10) NULL, e ENUM('a','b c','ü') NULL, st SET('x','y','z') NULL,
  dte DATE NULL, tm TIME(6) NULL, yr YEAR NULL, txt MEDIUMTEXT NULL
) ENGINE=InnoDB;
CREATE TABLE bk (k VARBINARY(16) NOT NULL PRIMARY KEY, v INT) ENGINE=InnoDB;
CREATE TABLE dk (k DECIMAL(30,10) NOT NULL, d DATETIME(6) NOT NULL, v INT,
  PRIMARY KEY (k, d)) ENGINE=InnoDB;
SQL
h_up "$T" 2 --mode master-master --schema "$T/schema.sql" --tables '[
  {"name": "fid", "primaryKey": "id"}, {"name": "bk", "primaryKey": "k"},
  {"name": "dk", "primaryKey": ["k", "d"]}]' || bail_out "harness"
nr_ctl e1 init >/dev/null || bail_out "init"

# The same values, written on the master (ids 1-4) and the slave (101-104).
rows() {
	local o=$1
	cat <<SQL
INSERT INTO fid (id) VALUES ($o + 1);
INSERT INTO fid VALUES ($o + 2, NULL, '',
  CONCAT('emoji 😀 ', 'e', X'CC81', ' "q" \\\\ tab', CHAR(9), 'nl', CHAR(10), 'nul', CHAR(0 USING utf8mb4), 'end'),
  'café', X'00FF0010', X'00', X'00000000',
  '-12345678901234567890.0123456789', '9999-12-31 23:59:59.999999', '2024-02-29 12:34:56',
  '2038-01-19 03:14:07.999999', '{"a": [1, 2.50, "x"], "u": "\\\\u00fc", "n": null}',
  18446744073709551615, -9223372036854775808, -128,
  1.2345678, 123.4567, 0.30000000000000004,
  b'1010101010', 'ü', 'x,z', '1000-01-01', '-838:59:59.000000', 2155,
  REPEAT('long text ü ', 20000));
INSERT INTO fid (id, f, dbl, d30, dt, ts, tm, yr, u, ti, bit10, s_empty)
  VALUES ($o + 3, -CAST(0 AS DOUBLE), -CAST(0 AS DOUBLE), 0, '1000-01-01 00:00:00',
  '1970-01-01 00:00:01', '00:00:00.000001', 1901, 0, 127, b'0', ' ');
INSERT INTO fid (id, f, dbl, d30) VALUES ($o + 4, 3.4028234e38, 1.7976931348623157e308, 0.0000000001);
INSERT INTO fid (id, f, dbl) VALUES ($o + 5, 1.17549435e-38, 4.9e-324);
INSERT INTO fid (id, f, dbl, i) VALUES ($o + 6, 16777217, -2.2250738585072014e-308, 9223372036854775807);
SQL
}
rows 0 | h_sql e1 master "$(cat)"
rows 100 | h_sql e1 slave "$(cat)"
h_sql e1 master "INSERT INTO bk VALUES (X'00', 1), (X'FF00', 2), ('', 3), ('a b', 4)"
h_sql e1 slave "INSERT INTO bk VALUES (X'0000', 5), (X'7F', 6)"
h_sql e1 master "INSERT INTO dk VALUES (-0.5, '2024-01-01 00:00:00.000001', 1), (99999999999999999999.9999999999, '1000-01-01 00:00:00', 2)"
h_sql e1 slave "INSERT INTO dk VALUES (0, '2024-01-01 00:00:00', 3)"

# Every column's bytes; floats through DOUBLE, which is exact.
dump() {	# dump ROLE [ENV]
	h_sql "${2:-e1}" "$1" "SELECT id, HEX(s_null), HEX(s_empty), HEX(s_utf), HEX(s_latin), HEX(b), HEX(vb), HEX(fixb), d30, dt, dt0, ts, HEX(j), u, i, ti, CAST(f AS DOUBLE), CAST(f2 AS DOUBLE), dbl, HEX(bit10), HEX(e), HEX(st), dte, tm, yr, MD5(txt), LENGTH(txt) FROM fid ORDER BY id"
}
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$?" 0 "sync both ways"
is "$(dump slave)" "$(dump master)" "every value byte-identical on both sides"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM fid")" 12 "rows from both sides present"
is "$(h_sql e1 slave "SELECT HEX(b) FROM fid WHERE id = 102")" 00FF0010 "zero bytes in a BLOB survive"
is "$(h_sql e1 master "SELECT u FROM fid WHERE id = 102")" 18446744073709551615 "BIGINT UNSIGNED max survives"
is "$(h_sql e1 master "SELECT d30 FROM fid WHERE id = 102")" "-12345678901234567890.0123456789" "DECIMAL(30,10) survives"
is "$(h_sql e1 master "SELECT CAST(f AS DOUBLE) FROM fid WHERE id = 102")" "$(h_sql e1 slave "SELECT CAST(f AS DOUBLE) FROM fid WHERE id = 2")" \
	"FLOAT keeps every bit (not the 6 digits the server prints)"
is "$(h_sql e1 master "SELECT HEX(s_utf) FROM fid WHERE id = 102")" "$(h_sql e1 master "SELECT HEX(s_utf) FROM fid WHERE id = 2")" \
	"utf8mb4, combining marks, quotes, control characters and NUL survive"
is "$(h_sql e1 slave "SELECT dbl FROM fid WHERE id = 5")" 5e-324 "the smallest denormal double survives"
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(HEX(k), ':', v ORDER BY k) FROM bk")" \
	"$(h_sql e1 master "SELECT GROUP_CONCAT(HEX(k), ':', v ORDER BY k) FROM bk")" "binary keys, empty key included"
is "$(h_sql e1 slave "SELECT COUNT(*) FROM bk")" 6 "all binary-keyed rows"
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(k, '@', d, ':', v ORDER BY k) FROM dk")" \
	"$(h_sql e1 master "SELECT GROUP_CONCAT(k, '@', d, ':', v ORDER BY k) FROM dk")" "decimal and datetime keys"

# Updates and deletes addressed by those keys.
h_sql e1 master "UPDATE bk SET v = 10 WHERE k = X'00'; DELETE FROM bk WHERE k = X'FF00'; UPDATE dk SET v = 7 WHERE k = -0.5; UPDATE fid SET b = X'0000', j = '[]' WHERE id = 2"
h_sql e1 slave "DELETE FROM bk WHERE k = ''; DELETE FROM dk WHERE k = 0; UPDATE fid SET f = -1.5e-30, tm = '838:59:59.999999' WHERE id = 102"
nr_sync e1 --local-only >/dev/null 2>&1
is "$(dump slave)" "$(dump master)" "after updates both ways, still byte-identical"
is "$(h_sql e1 slave "SELECT GROUP_CONCAT(HEX(k), ':', v ORDER BY k) FROM bk")" "00:10,0000:5,612062:4,7F:6" \
	"binary-key update and deletes applied"
is "$(h_sql e1 master "SELECT COUNT(*) FROM dk"):$(h_sql e1 slave "SELECT v FROM dk WHERE k = -0.5")" "2:7" \
	"decimal/datetime-key update and delete applied"
nr_ctl e1 verify >"$T/v.out"
is "$?" 0 "verify: same checksums"
nr_sync e1 --local-only >"$T/sync.out" 2>&1
is "$(grep -c ', 0 changes read' "$T/sync.out")" 6 "and nothing echoes back"

# To another environment: through nginx, nunez-api and the JSON of the
# sync protocol, both ways.
nr_ctl e2 init >/dev/null || bail_out "init e2"
h_sql e2 master "INSERT INTO bk VALUES (X'0001FF', 77)"
nr_sync e1 --env e2 >"$T/remote.out" 2>&1
is "$?" 0 "sync with another environment through the API: $(grep -c FAILED "$T/remote.out") failed"
is "$(dump master e2)" "$(dump master)" "every value byte-identical in the other environment"
is "$(h_sql e2 master "SELECT GROUP_CONCAT(HEX(k), ':', v ORDER BY k) FROM bk")" \
	"$(h_sql e1 master "SELECT GROUP_CONCAT(HEX(k), ':', v ORDER BY k) FROM bk")" \
	"binary keys both ways between environments"
is "$(h_sql e1 master "SELECT v FROM bk WHERE k = X'0001FF'")" 77 "... e2's binary-keyed row reached e1"
is "$(h_sql e2 master "SELECT GROUP_CONCAT(k, '@', d, ':', v ORDER BY k) FROM dk")" \
	"$(h_sql e1 master "SELECT GROUP_CONCAT(k, '@', d, ':', v ORDER BY k) FROM dk")" \
	"decimal and datetime keys between environments"

done_testing
