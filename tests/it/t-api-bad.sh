#!/usr/bin/env bash
# A catalogue of bad requests through nginx: each gets the right 4xx and
# a JSON error; the data is the same before and after (checksums), the
# workers stay up.
. "$(dirname "$0")/lib.sh"

cat >"$T/schema.sql" <<'SQL'
CREATE TABLE users (
  id INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(20) NOT NULL,
  email VARCHAR(190) NOT NULL, born DATE NULL,
  updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB;
CREATE TABLE items (a INT NOT NULL, b VARCHAR(10) NOT NULL, v INT,
  PRIMARY KEY (a, b)) ENGINE=InnoDB;
SQL
h_up "$T" 1 --no-slave --schema "$T/schema.sql" --tables '[
  {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at"},
  {"name": "items", "primaryKey": ["a", "b"]}]' || bail_out "harness"
h_env
nr_ctl e1 init >/dev/null || bail_out "init"
jq '.api.keys += [{"name": "signer", "key": "signer-key-0123456789abcdef",
   "scopes": ["pull"], "requireSignature": true,
   "signingSecret": "signer-signing-secret-0123456789"},
  {"name": "items-only", "key": "items-key-0123456789abcdef",
   "scopes": ["pull", "push"], "tables": ["items"]},
  {"name": "client", "key": "client-key-0123456789abcdef",
   "scopes": ["client"], "tenant": "t1"}]
  | .api.maxClientBodyBytes = 65536 | .api.maxJsonValues = 200000' \
	"$T/e1/config.json" >"$T/c.json"
mv "$T/c.json" "$T/e1/config.json"
api_reload e1 || bail_out "reload"
h_sql e1 master "INSERT INTO users (id, name, email) VALUES (1, 'Ada', 'ada@x'), (2, 'Bob', 'bob@x'); INSERT INTO items VALUES (1, 'a', 1)"
P="X-API-Key: $NR_E1_KEY_PEER"

state() {
	h_sql e1 master "CHECKSUM TABLE users, items" | awk '{print $2}' | tr '\n' ' '
	h_sql e1 master "SELECT COUNT(*) FROM _nunez_changelog"
}
before=$(state)
workers=$(pgrep -P "$NR_E1_API_PID" | sort | tr '\n' ' ')

# bad STATUS CODE NAME curl-args...: the status, a JSON error body with
# success false and that code.
n=0
bad() {
	local status=$1 code=$2 name=$3
	shift 3
	n=$((n + 1))
	h_curl e1 "$@"
	if [ "$H_STATUS" = "$status" ] &&
		[ "$(json_get "$H_BODY" success)" = false ] &&
		[ "$(json_get "$H_BODY" error.code)" = "$code" ]; then
		ok 0 "$name: $status $code"
	else
		ok 1 "$name: $status $code"
		echo "#   got: $H_STATUS $(printf '%s' "$H_BODY" | head -c 300)"
	fi
}
push() {
	local status=$1 code=$2 name=$3 body=$4
	shift 4
	bad "$status" "$code" "$name" /api/push -X POST -H "$P" --data-binary "$body" "$@"
}
row='{"id":9,"name":"x","email":"e","updated_at":"2024-01-01 00:00:00"}'

push 400 malformed_json "truncated JSON" '{"table":'
push 400 malformed_json "a JSON array, not an object" '[1, 2]'
push 400 malformed_json "an empty body" ''
push 400 malformed_json "trailing garbage" '{"table":"users"} x'
push 400 malformed_json "single quotes" "{'table':'users'}"
push 400 missing_table "no table" '{"data": []}'
push 400 bad_table "table is a number" '{"table": 5, "data": []}'
push 400 unknown_table "an unknown table" '{"table": "nope", "data": []}'
push 400 unknown_table "SQL in the table name" '{"table": "users; DROP TABLE users", "data": []}'
push 400 unknown_table "a backquote in the table name" '{"table": "users`", "data": []}'
push 400 unknown_table "an engine table" '{"table": "_nunez_changelog", "data": []}'
push 400 bad_request "SQL in a column name" "{\"table\":\"users\",\"data\":[{\"id\":9,\"name\":\"x\",\"email\":\"e\",\"updated_at\":\"2024-01-01\",\"x\`; DROP TABLE users; --\":1}]}"
push 400 bad_request "data is an object" '{"table": "users", "data": {}}'
push 400 bad_request "a row is a number" '{"table": "users", "data": [1]}'
push 400 bad_request "a row without its key" '{"table": "users", "data": [{"name": "x"}]}'
push 400 bad_value "a new row without a column that has no default" '{"table": "users", "data": [{"id": 9}]}'
push 400 bad_request "a value is an array" '{"table":"users","data":[{"id":9,"name":["x"],"email":"e","born":null,"updated_at":"2024-01-01"}]}'
push 400 bad_value "a word for an integer" '{"table":"users","data":[{"id":"abc","name":"x","email":"e","born":null,"updated_at":"2024-01-01"}]}'
push 400 bad_value "a string too long" '{"table":"users","data":[{"id":9,"name":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","email":"e","born":null,"updated_at":"2024-01-01"}]}'
push 400 bad_value "null in a NOT NULL column" '{"table":"users","data":[{"id":9,"name":null,"email":"e","born":null,"updated_at":"2024-01-01"}]}'
push 400 bad_value "an impossible date" '{"table":"users","data":[{"id":9,"name":"x","email":"e","born":"2024-13-45","updated_at":"2024-01-01"}]}'
push 400 bad_value "a negative unsigned key" '{"table":"users","data":[{"id":-1,"name":"x","email":"e","born":null,"updated_at":"2024-01-01"}]}'
push 400 bad_request "both data and changes" "{\"table\":\"users\",\"data\":[],\"changes\":[]}"
push 400 bad_request "neither data nor changes" '{"table": "users"}'
push 400 missing_node "changes without node" '{"table":"users","changes":[]}'
push 400 bad_node "a node id with a slash" '{"table":"users","node":"../e2","changes":[]}'
push 400 bad_node "a node id that is a number" '{"table":"users","node":5,"changes":[]}'
push 400 bad_request "changes is an object" '{"table":"users","node":"e2","changes":{}}'
push 400 bad_request "an unknown op" '{"table":"users","node":"e2","changes":[{"op":"X","pk":["9"],"origin":"e2"}]}'
push 400 bad_request "a change without pk" '{"table":"users","node":"e2","changes":[{"op":"D","origin":"e2"}]}'
push 400 bad_request "a key with two values for one column" '{"table":"users","node":"e2","changes":[{"op":"D","pk":["9","1"],"origin":"e2"}]}'
push 400 bad_request "a key of the wrong type" '{"table":"items","node":"e2","changes":[{"op":"D","pk":[1,"a"],"origin":"e2"}]}'
push 400 bad_request "a key that is not the row's" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[{\"op\":\"U\",\"pk\":[\"1\"],\"row\":$row,\"origin\":\"e2\"}]}"
push 400 bad_request "a delete with a row" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[{\"op\":\"D\",\"pk\":[\"9\"],\"row\":$row,\"origin\":\"e2\"}]}"
push 400 bad_request "an upsert without a row" '{"table":"users","node":"e2","changes":[{"op":"U","pk":["9"],"origin":"e2"}]}'
push 400 bad_request "an origin with spaces" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[{\"op\":\"U\",\"pk\":[\"9\"],\"row\":$row,\"origin\":\"a b\"}]}"
push 400 bad_request "a time that is not a string" "{\"table\":\"users\",\"node\":\"e2\",\"changes\":[{\"op\":\"U\",\"pk\":[\"9\"],\"row\":$row,\"origin\":\"e2\",\"ts\":5}]}"
push 400 bad_batch_id "a batch id with a quote" '{"table":"users","node":"e2","batch_id":"a'"'"'b","changes":[]}'
push 400 bad_batch_id "a batch id too long" "{\"table\":\"users\",\"node\":\"e2\",\"batch_id\":\"$(printf 'a%.0s' $(seq 1 65))\",\"changes\":[]}"
push 400 bad_cursor "a seen that is not a cursor" '{"table":"users","node":"e2","seen":"!!!","changes":[]}'
push 400 bad_cursor "a cursor of the wrong type" '{"table":"users","node":"e2","cursor":12,"changes":[]}'

# Oversize, nesting, encodings.
printf '{"table":"users","data":[%s]}' "$(printf '{"id":9},%.0s' $(seq 1 10001) | sed 's/,$//')" >"$T/many.json"
bad 400 bad_request "10,001 rows in one push" /api/push -X POST -H "$P" --data-binary @"$T/many.json"
printf '%*s' 1000 '' | tr ' ' '[' >"$T/deep.json"
bad 400 malformed_json "JSON nested 1,000 deep" /api/push -X POST -H "$P" --data-binary @"$T/deep.json"
printf '{"table":"users","data":[{"id":9,"name":"\xff\xfe","email":"e","born":null,"updated_at":"2024-01-01"}]}' >"$T/latin.json"
bad 400 malformed_json "a body that is not UTF-8" /api/push -X POST -H "$P" --data-binary @"$T/latin.json"
head -c 1500000 /dev/zero | tr '\0' ' ' >"$T/big.json"
bad 413 body_too_large "a body over the limit (nginx)" /api/push -X POST -H "$P" --data-binary @"$T/big.json"
head -c 50000000 /dev/zero | gzip -c >"$T/bomb.gz"
bad 413 body_too_large "a gzip bomb (50 MB from $(($(stat -c %s "$T/bomb.gz") / 1024)) KB)" /api/push -X POST -H "$P" \
	-H "Content-Encoding: gzip" --data-binary @"$T/bomb.gz"
printf 'not gzip at all' >"$T/notgz"
bad 400 bad_request "a corrupt gzip body" /api/push -X POST -H "$P" -H "Content-Encoding: gzip" --data-binary @"$T/notgz"
bad 400 bad_request "an unknown Content-Encoding" /api/push -X POST -H "$P" -H "Content-Encoding: br" --data-binary '{}'

# Bodies that cost far more to parse than to send: each is refused with
# 413 before json-c builds it (a worker once took 4 GB for 16 KB of gzip).
many_objects() {
	printf '{"table":"users","data":['
	head -c $((3 * $1)) /dev/zero | tr '\0' '\1' | sed 's/\x01\x01\x01/{},/g'
	printf '{}]}'
}
many_objects 300000 >"$T/objects.json"
bad 413 json_too_large "300,000 empty objects in 900 KB" /api/push -X POST -H "$P" --data-binary @"$T/objects.json"
like "$(json_get "$H_BODY" error.message)" 'api\.maxJsonContainers' "... naming api.maxJsonContainers"
printf '{"table":"users","data":[0' >"$T/values.json"
head -c 300000 /dev/zero | tr '\0' '\1' | sed 's/\x01/,0/g' >>"$T/values.json"
printf ']}' >>"$T/values.json"
bad 413 json_too_large "300,000 numbers, over api.maxJsonValues" /api/push -X POST -H "$P" --data-binary @"$T/values.json"
like "$(json_get "$H_BODY" error.message)" 'api\.maxJsonValues' "... naming api.maxJsonValues"
many_objects 5500000 | gzip -9 -c >"$T/objects.gz"
bad 413 body_too_large "16 MB of {}, in $(($(stat -c %s "$T/objects.gz") / 1024)) KB of gzip" /api/push -X POST -H "$P" \
	-H "Content-Encoding: gzip" --data-binary @"$T/objects.gz"
{ printf '{"table":"users","data":['; head -c 900000 /dev/zero | tr '\0' ' '; printf ']}'; } | gzip -9 -c >"$T/ratio.gz"
bad 413 body_too_large "900 KB in $(stat -c %s "$T/ratio.gz") bytes of gzip (under maxBodyBytes, over the ratio)" \
	/api/push -X POST -H "$P" -H "Content-Encoding: gzip" --data-binary @"$T/ratio.gz"
like "$(json_get "$H_BODY" error.message)" 'api\.maxInflateRatio' "... naming api.maxInflateRatio"
C="X-API-Key: client-key-0123456789abcdef"
{ printf '{"client_id":"c1","changes":[{"table":"users","op":"U","client_change_id":"x","row":{"name":"'; head -c 100000 /dev/zero | tr '\0' a; printf '"}}]}'; } >"$T/client.json"
bad 413 body_too_large "100 KB to /sync/changes (api.maxClientBodyBytes 64 KiB)" /sync/changes -X POST -H "$C" --data-binary @"$T/client.json"
bad 413 body_too_large "a signed GET with a body" "/api/pull?table=users" -H "X-API-Key: signer-key-0123456789abcdef" \
	-H "X-Nunez-Timestamp: $(date +%s)" -H "X-Nunez-Nonce: nonce-0123456789abcdef" \
	-H "X-Nunez-Signature: $(printf '%064d' 0)" -X GET --data-binary '{}'

# Pull and metadata parameters.
bad 400 missing_table "pull without table" "/api/pull" -H "$P"
bad 400 unknown_table "pull of an unknown table" "/api/pull?table=nope" -H "$P"
bad 400 unknown_table "pull with SQL in the table" "/api/pull?table=users%20WHERE%201%3D1" -H "$P"
bad 400 bad_limit "limit 0" "/api/pull?table=users&limit=0" -H "$P"
bad 400 bad_limit "limit is a word" "/api/pull?table=users&limit=all" -H "$P"
bad 400 bad_limit "limit too high" "/api/pull?table=users&limit=100000" -H "$P"
bad 400 bad_cursor "a cursor that is not base64" "/api/pull?table=users&cursor=%21%21" -H "$P"
bad 400 bad_cursor "a cursor of other JSON" "/api/pull?table=users&cursor=eyJ2IjoyfQ" -H "$P"
bad 400 bad_since "since is a word" "/api/pull?table=users&since=yesterday" -H "$P"
bad 400 bad_since "since with SQL" "/api/pull?table=users&since=2024-01-01%27%20OR%201%3D1" -H "$P"
bad 400 bad_request "since and cursor together" "/api/pull?table=users&since=2024-01-01&cursor=" -H "$P"
bad 400 bad_node "pull with a bad node" "/api/pull?table=users&cursor=&node=a%20b" -H "$P"
bad 400 bad_query "a broken percent escape" "/api/pull?table=%ZZ" -H "$P"
bad 400 bad_query "a NUL in the query" "/api/pull?table=users%00" -H "$P"
bad 400 bad_query "a query ending in '%'" "/api/pull?table=users%" -H "$P"
bad 400 bad_query "a query ending in a cut escape '%4'" "/api/pull?table=users%4" -H "$P"
bad 400 bad_query "a name ending in a cut escape '%4'" "/api/pull?table%4=users" -H "$P"
bad 400 missing_table "metadata without table" "/api/metadata" -H "$P"

# Keys, scopes, signatures.
bad 401 unauthorized "no key" /api/pull?table=users
bad 401 unauthorized "a wrong key" /api/pull?table=users -H "X-API-Key: nope"
bad 401 unauthorized "SQL as the key" /api/pull?table=users -H "X-API-Key: ' OR 1=1 --"
bad 403 forbidden "a read key pushes" /api/push -X POST -H "X-API-Key: $NR_E1_KEY_READ" --data-binary '{"table":"users","data":[]}'
bad 403 forbidden "a peer key asks for the config" /api/config -H "$P"
bad 403 table_forbidden "a key bound to items pushes users" /api/push -X POST \
	-H "X-API-Key: items-key-0123456789abcdef" --data-binary '{"table":"users","data":[]}'
bad 401 signature_required "a key that must sign, unsigned" /api/pull?table=users -H "X-API-Key: signer-key-0123456789abcdef"
bad 401 signature_malformed "a signature without a nonce" /api/pull?table=users \
	-H "X-API-Key: signer-key-0123456789abcdef" -H "X-Nunez-Timestamp: $(date +%s)" -H "X-Nunez-Signature: 00"
bad 401 signature_expired "a signature from yesterday" /api/pull?table=users \
	-H "X-API-Key: signer-key-0123456789abcdef" -H "X-Nunez-Timestamp: $(($(date +%s) - 86400))" \
	-H "X-Nunez-Nonce: nonce-0123456789abcdef" -H "X-Nunez-Signature: $(printf '%064d' 0)"
bad 401 signature_invalid "a forged signature" /api/pull?table=users \
	-H "X-API-Key: signer-key-0123456789abcdef" -H "X-Nunez-Timestamp: $(date +%s)" \
	-H "X-Nunez-Nonce: nonce-0123456789abcdef" -H "X-Nunez-Signature: $(printf '%064d' 0)"
bad 401 signature_unverifiable "a signature from a key with no signing secret" /api/pull?table=users \
	-H "X-API-Key: $NR_E1_KEY_ADMIN" -H "X-Nunez-Timestamp: $(date +%s)" \
	-H "X-Nunez-Nonce: nonce-0123456789abcdef" -H "X-Nunez-Signature: $(printf '%064d' 0)"

# Operations and routing.
A="X-API-Key: $NR_E1_KEY_ADMIN"
bad 400 bad_resolution "resolve with a made-up resolution" /api/replication/conflicts/1/resolve -X POST -H "$A" --data-binary '{"resolution":"both"}'
bad 404 no_such_conflict "resolve an unknown conflict" /api/replication/conflicts/424242/resolve -X POST -H "$A" --data-binary '{"resolution":"use_local"}'
bad 404 not_found "a conflict id that is not a number" "/api/replication/conflicts/1%20OR%201" -H "$A"
bad 400 bad_status "conflicts of a made-up status" "/api/replication/conflicts?status=x" -H "$A"
bad 400 bad_peer "resync with a bad peer" /api/replication/resync -X POST -H "$A" --data-binary '{"peer":"x y","table":"users"}'
bad 400 unknown_table "resync of an unknown table" /api/replication/resync -X POST -H "$A" --data-binary '{"peer":"e2","table":"nope"}'
bad 404 not_found "an unknown endpoint" /api/nothing -H "$P"
bad 404 not_found "an unknown path" /etc/passwd
bad 405 method_not_allowed "DELETE on push" /api/push -X DELETE -H "$P"

echo "# $n bad requests sent"
ok $((n < 40)) "the catalogue has at least 40 bad requests"
is "$(state)" "$before" "the data and the changelog are unchanged"
is "$(pgrep -P "$NR_E1_API_PID" | sort | tr '\n' ' ')" "$workers" "no worker died"
h_curl e1 /health
is "$H_STATUS" 200 "the API still answers"

# Each worker's address space is capped (api.workerAddressSpaceMB, 1 GiB
# by default); past the cap an allocation fails, the request is refused
# and the worker lives on. ASan reserves more than any cap: not checked.
if ldd "$NR_BUILDDIR/src/api/nunez-api" | grep -q libasan; then
	echo "# nunez-api is built with ASan: the address-space cap is not applied"
else
	for w in $workers; do
		is "$(awk '/^Max address space/ {print $4 "/" $5}' "/proc/$w/limits")" \
			1073741824/1073741824 "worker $w may map at most 1 GiB"
	done
	api_config e1 '.api.workerAddressSpaceMB = 256 | .api.maxJsonContainers = 100000000 |
		.api.maxJsonValues = 100000000' ||
		bail_out "reload"
	workers=$(pgrep -P "$NR_E1_API_PID" | sort | tr '\n' ' ')
	many_objects 340000 >"$T/objects.json"
	for i in 1 2 3; do
		bad 413 out_of_memory "340,000 objects (300 MB parsed) in a 256 MiB worker, #$i" \
			/api/push -X POST -H "$P" --data-binary @"$T/objects.json"
	done
	is "$(pgrep -P "$NR_E1_API_PID" | sort | tr '\n' ' ')" "$workers" "... and no worker died"
	h_curl e1 /api/push -X POST -H "$P" --data-binary '{"table":"items","data":[{"a":2,"b":"b","v":2}]}'
	is "$H_STATUS" 200 "... and the next push is applied"
	h_sql e1 master "DELETE FROM items WHERE a = 2"
fi

# A value that looks like SQL is just a value.
h_curl e1 /api/push -X POST -H "$P" --data-binary '{"table":"users","data":[{"id":9,"name":"x'"'"'); DROP TABLE users; --","email":"e","born":null,"updated_at":"2024-01-01"}]}'
is "$H_STATUS" 400 "... (too long for the column here: refused, not run)"
h_curl e1 /api/push -X POST -H "$P" --data-binary '{"table":"users","data":[{"id":9,"name":"'"'"'; DROP--","email":"e","born":null,"updated_at":"2024-01-01"}]}'
is "$H_STATUS" 200 "a short value with SQL in it is stored"
is "$(h_sql e1 master "SELECT name FROM users WHERE id = 9")" "'; DROP--" "... verbatim"
is "$(h_sql e1 master "SELECT COUNT(*) FROM users")" 3 "and the table is all there"

done_testing
