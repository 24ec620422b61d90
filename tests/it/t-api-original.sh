#!/usr/bin/env bash
# The original client's push: rows as it builds them (every column but
# its own ignoreColumns), no since, push and pull in one run. A new row
# gets the columns given and the table's defaults for the rest; an
# existing row gets only the columns given; the last write wins on the
# timestamp column; our ignoreColumns are dropped; an unknown column is
# a 400 naming it.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (
  id INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL,
  email VARCHAR(190) NOT NULL, photo VARCHAR(100) NOT NULL DEFAULT 'none.png',
  password_hash VARCHAR(255) NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
SQL
h_up "$T" 1 --schema "$T/schema.sql" --tables '[
  {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at",
   "ignoreColumns": ["password_hash"]}]' || bail_out "harness"
h_env
nr_ctl e1 init >/dev/null || bail_out "init"
P="X-API-Key: $NR_E1_KEY_PEER"
users() { h_sql e1 master "SELECT CONCAT_WS('|', id, name, email, photo, IFNULL(password_hash, '-'), updated_at) FROM users ORDER BY id"; }

# The client leaves out photo (its own ignoreColumns) and sends ours.
h_sql e1 master "INSERT INTO users (id, name, email, photo, updated_at) VALUES
  (2, 'Bob', 'bob@x', 'bob.png', '2024-05-01 10:00:00')"
h_curl e1 /api/push -X POST -H "$P" -H 'Content-Type: application/json' \
	-d '{"table":"users","data":[{"id":1,"name":"Ann","email":"ann@x","password_hash":"s","updated_at":"2024-05-01 10:00:00"},{"id":2,"name":"Bobby","email":"bob@x","password_hash":"s","updated_at":"2024-05-02 10:00:00"}]}'
is "$H_STATUS" 200 "a push of rows without a column the table has: 200"
is "$(json_get "$H_BODY" '[.success, .result.inserted, .result.updated, .result.total] | map(tostring) | join(",")')" \
	"true,1,1,2" "... one inserted, one updated"
is "$(users)" "1|Ann|ann@x|none.png|-|2024-05-01 10:00:00.000000
2|Bobby|bob@x|bob.png|-|2024-05-02 10:00:00.000000" \
	"the new row has the default photo, the existing one keeps its photo; our ignored column is dropped"

# Last write wins on the timestamp column, for partial rows too.
h_curl e1 /api/push -X POST -H "$P" \
	-d '{"table":"users","data":[{"id":2,"name":"Old Bob","email":"bob@x","updated_at":"2024-04-01 00:00:00"}]}'
is "$(json_get "$H_BODY" '[.result.inserted, .result.updated, .result.total] | map(tostring) | join(",")')" \
	"0,0,1" "an older partial row changes nothing"
is "$(h_sql e1 master "SELECT name FROM users WHERE id = 2")" "Bobby" "... the row says so too"

# The same row again: already so, nothing written.
h_curl e1 /api/push -X POST -H "$P" \
	-d '{"table":"users","data":[{"id":2,"name":"Bobby","email":"bob@x","updated_at":"2024-05-02 10:00:00.000000"}]}'
is "$(json_get "$H_BODY" '[.result.inserted, .result.updated] | map(tostring) | join(",")')" \
	"0,0" "a partial row equal in the columns it gives is unchanged"

# A plain REST client: only some columns, no timestamp.
h_curl e1 /api/push -X POST -H "$P" -d '{"table":"users","data":[{"id":3,"name":"Cy","email":"cy@x"}]}'
is "$H_STATUS:$(h_sql e1 master "SELECT CONCAT_WS('|', name, photo) FROM users WHERE id = 3")" "200:Cy|none.png" \
	"a row of a few columns and no time is inserted with the defaults"
h_curl e1 /api/push -X POST -H "$P" -d '{"table":"users","data":[{"id":3,"email":"cy@y"}]}'
is "$(h_sql e1 master "SELECT CONCAT_WS('|', name, email) FROM users WHERE id = 3")" "Cy|cy@y" \
	"... and updated in the one column given"

# New rows of the same columns go in together, others apart; each gets
# the defaults of the columns it leaves out.
h_curl e1 /api/push -X POST -H "$P" -d '{"table":"users","data":[{"id":6,"name":"F","email":"f@x"},{"id":7,"name":"G","email":"g@x","photo":"g.png"},{"id":8,"name":"H","email":"h@x"}]}'
is "$H_STATUS:$(json_get "$H_BODY" '.result.inserted')" "200:3" "three new rows of two column sets"
is "$(h_sql e1 master "SELECT GROUP_CONCAT(CONCAT(id, ':', photo) ORDER BY id) FROM users WHERE id BETWEEN 6 AND 8")" \
	"6:none.png,7:g.png,8:none.png" "... each with its columns and the defaults"
h_sql e1 master "DELETE FROM users WHERE id BETWEEN 6 AND 8"

# Refusals.
before=$(users)
h_curl e1 /api/push -X POST -H "$P" -d '{"table":"users","data":[{"id":4,"name":"D","email":"d@x","shoe":42}]}'
is "$H_STATUS:$(json_get "$H_BODY" error.message)" \
	"400:data[0]: unknown column 'shoe' in table users" "an unknown column is a 400 naming it"
h_curl e1 /api/push -X POST -H "$P" -d '{"table":"users","data":[{"name":"D","email":"d@x"}]}'
is "$H_STATUS:$(json_get "$H_BODY" error.message)" "400:data[0]: row has no column id" \
	"a row without its key is a 400 naming the column"
h_curl e1 /api/push -X POST -H "$P" -d '{"table":"users","data":[{"id":5,"email":"e@x"}]}'
is "$H_STATUS" 400 "a new row without a column that has no default is refused"
is "$(users)" "$before" "... and none of these wrote anything"

# Both directions in one run, as the original client does: its pull
# hands back the rows with every column we replicate.
h_curl e1 "/api/pull?table=users" -H "$P"
is "$(json_get "$H_BODY" '[.data[] | "\(.id):\(.photo)"] | join(",")')" "1:none.png,2:bob.png,3:none.png" \
	"the pull after the push gives every row with its photo"
is "$(json_get "$H_BODY" '[.data[] | has("password_hash")] | any')" false "... and not our ignored column"
done_testing
