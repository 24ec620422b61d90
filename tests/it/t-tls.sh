#!/usr/bin/env bash
# The HTTPS variant of the nginx site config serves the same API.
. "$(dirname "$0")/lib.sh"

h_need openssl:openssl || bail_out "openssl missing"
h_up "$T" 1 --no-slave || bail_out "harness did not start"
h_env

d="$T/e1/nginx-tls"
mkdir -p "$d/tmp"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$d/tls.key" -out "$d/tls.crt" >"$d/openssl.log" 2>&1
ok $? "self-signed certificate made"
port=$(h_port "$T")
sh "$NR_SRCDIR/nginx/render.sh" "$d" LISTEN="127.0.0.1:$port" \
	SOCKET="$T/e1/api.sock" BODY_LIMIT=1m WWW_ROOT="$d" \
	TLS_CERT="$d/tls.crt" TLS_KEY="$d/tls.key"
ok $? "templates rendered"
h_nginx_conf "$d" "$d/nunez-api-tls.conf"
nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' </dev/null >"$d/stdout.log" 2>&1 &
h_track "$T" e1-nginx-tls $!
H_WAIT=20 h_wait_for curl -s --cacert "$d/tls.crt" "https://127.0.0.1:$port/health"
ok $? "nginx answers over TLS"

body=$(curl -s --cacert "$d/tls.crt" "https://127.0.0.1:$port/health")
is "$(json_get "$body" status)" ok "GET /health over verified TLS"
body=$(curl -s --cacert "$d/tls.crt" -H "X-API-Key: $NR_E1_KEY_READ" \
	"https://127.0.0.1:$port/api/status")
is "$(json_get "$body" node.id)" e1 "GET /api/status over TLS with a key"
curl -s -o /dev/null "https://127.0.0.1:$port/health"
is "$?" 60 "an unknown certificate is refused by a verifying client"

done_testing
