#!/bin/sh
# Renders the nginx templates of this directory into OUTDIR, replacing
# @@NAME@@ with the value given as NAME=value.
#   nginx/render.sh /etc/nginx/nunez LISTEN=80 SOCKET=/run/nunez/api.sock \
#       BODY_LIMIT=16m WWW_ROOT=/usr/share/nunez/www \
#       [TLS_CERT=... TLS_KEY=...]
# CONF_DIR defaults to OUTDIR. Then include OUTDIR/nunez-api.conf (or
# nunez-api-tls.conf) in nginx's http block.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR NAME=value..." >&2; exit 2; }
out=$1
shift
mkdir -p "$out"
script="s|@@CONF_DIR@@|$out|g"
for kv in "$@"; do
	name=${kv%%=*}
	value=${kv#*=}
	case $name in
	LISTEN|SOCKET|BODY_LIMIT|WWW_ROOT|TLS_CERT|TLS_KEY|CONF_DIR) ;;
	*) echo "$0: unknown name $name" >&2; exit 2 ;;
	esac
	script="$script;s|@@$name@@|$value|g"
done
for t in nunez-locations nunez-api nunez-api-tls; do
	sed "$script" "$here/$t.conf.template" >"$out/$t.conf"
done
if grep -l '@@[A-Z_]*@@' "$out/nunez-locations.conf" "$out/nunez-api.conf" \
	>/dev/null 2>&1; then
	echo "$0: placeholders left unfilled:" >&2
	grep -ho '@@[A-Z_]*@@' "$out/nunez-locations.conf" \
		"$out/nunez-api.conf" | sort -u >&2
	exit 2
fi
