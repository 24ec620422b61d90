#!/usr/bin/env bash
# The Debian package, end to end, as root on Debian 12: build it from the
# release tarball (dpkg-buildpackage -us -uc -b), lintian it, install it
# with dpkg -i, run the installed programs and pages (the demo's
# two-environment sync with /usr/sbin/nunez-api, /usr/share/nunez/nginx
# and /usr/share/nunez/www; the unit's socket as user nunez and group
# www-data, reached by an nginx running as www-data), remove it (the
# conffile stays) and purge it (nothing stays). Prints how long each part
# took, and leaves the .deb in NR_BUILDDIR. Usage: t-deb.sh TARBALL
# (make deb-test).
. "$(dirname "$0")/../it/lib.sh"

tarball=$1
t0=$(h_now_ms)
lap() {	# lap NAME: how long since the last lap
	local now
	now=$(h_now_ms)
	echo "# time: $1: $(((now - t0) / 1000)) s"
	t0=$now
}
[ "$(id -u)" = 0 ] || bail_out "run as root: it installs and purges the package nunez"
h_need dpkg-buildpackage:dpkg-dev dh:debhelper lintian:lintian \
	systemd-analyze:systemd man:man-db socat:socat setpriv:util-linux ||
	bail_out "missing packages"
if dpkg-query -W -f '${Status}' nunez 2>/dev/null | grep -q installed &&
	[ -e /etc/nunez/config.json ]; then
	bail_out "nunez is installed and configured here; this test would purge it"
fi
dpkg --purge nunez >/dev/null 2>&1

# 1. Build from the tarball, as a release would be.
mkdir -p "$T/build"
tar -C "$T/build" -xzf "$tarball" || bail_out "cannot unpack $tarball"
src=$(echo "$T"/build/nunez-replication-*)
(cd "$src" && DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b) \
	>"$T/build.log" 2>&1
ok $? "dpkg-buildpackage -us -uc -b builds the package" ||
	tail -n 30 "$T/build.log" | sed 's/^/#   /'
deb=$(ls "$T"/build/nunez_*.deb 2>/dev/null | head -n 1)
[ -f "$deb" ] || bail_out "no .deb was built"
lap build
cp "$deb" "$NR_BUILDDIR/"
lintian --fail-on error "$deb" "$T"/build/nunez_*.changes >"$T/lintian.out" 2>&1
ok $? "lintian reports no error"
sed 's/^/# lintian: /' "$T/lintian.out"
lap lintian
dpkg -c "$deb" >"$T/contents"
sed 's/^/# deb: /' "$T/contents"

# 2. Install.
dpkg -i "$deb" >"$T/install.log" 2>&1
ok $? "dpkg -i installs it" || sed 's/^/#   /' "$T/install.log"
like "$(getent passwd nunez)" "^nunez:x:[0-9]+:[0-9]+:.*:/nonexistent:/usr/sbin/nologin$" \
	"postinst created the system user nunez"
is "$(dpkg-query -W -f '${Conffiles}' nunez | awk 'NF {print $1}')" \
	"/etc/nunez/nunez.env" "its conffile is /etc/nunez/nunez.env"
is "$(ls /etc/systemd/system/*.wants/nunez-* 2>/dev/null)" "" \
	"no unit is enabled"
is "$(systemctl is-enabled nunez-api.service nunez-sync.timer 2>&1 | tr '\n' ' ')" \
	"disabled disabled " "... systemctl says disabled"
running() {	# pids of processes running the installed programs
	local f
	for f in /proc/[0-9]*/exe; do
		case $(readlink "$f" 2>/dev/null) in
		/usr/sbin/nunez-api | /usr/bin/sync_multi) echo "${f%/exe}" ;;
		esac
	done
}
is "$(running)" "" "... and none of its programs runs"

# 3. The programs and pages.
is "$(nunezctl --version)" "nunezctl 0.1.0" "nunezctl --version"
is "$(man -w sync_multi)" "/usr/share/man/man8/sync_multi.8.gz" "man -w sync_multi"
is "$(man -w 5 nunez.json)" "/usr/share/man/man5/nunez.json.5.gz" "man -w 5 nunez.json"
like "$(MANWIDTH=80 man sync_multi 2>/dev/null | col -b)" "3[[:space:]]+Another run holds this environment's lock" \
	"sync_multi(8) renders with its exit statuses"
systemd-analyze verify /lib/systemd/system/nunez-api.service \
	/lib/systemd/system/nunez-sync.service \
	/lib/systemd/system/nunez-sync.timer >"$T/verify.out" 2>&1
is "$?:$(cat "$T/verify.out")" "0:" "systemd-analyze verify: the installed units, programs and man pages"
lap "install and look"

# 4. The demo's two environments with the installed programs and files.
export NR_API_BIN=/usr/sbin/nunez-api NR_NGINX_DIR=/usr/share/nunez/nginx \
	NR_WWW_DIR=/usr/share/nunez/www
h_up "$T" 2 || bail_out "harness with the installed paths"
h_env
is "$(h_leftovers "$T" | xargs -r -n1 sh -c 'readlink /proc/$0/exe' | sort -u | grep nunez-api)" \
	"/usr/sbin/nunez-api" "the environments run the installed nunez-api"
h_curl e1 /
is "$H_STATUS:$H_BODY" "200:$(cat /usr/share/nunez/www/index.html)" \
	"nginx serves the dashboard from /usr/share/nunez/www"
for e in e1 e2; do
	nunezctl --config "$T/$e/config.json" init >/dev/null
	ok $? "$e: the installed nunezctl init"
done
h_sql e1 master "INSERT INTO users (id, name, email) VALUES (1, 'Ada Lovelace', 'ada@example.com')"
h_sql e2 master "INSERT INTO users (id, name, email) VALUES (2, 'Alan Turing', 'alan@example.com'); INSERT INTO products (id, name, price) VALUES (1, 'Notebook', 4.50)"
for round in 1 2; do
	for e in e1 e2; do
		sync_multi --verbose --config "$T/$e/config.json" >"$T/sync-$e-$round.out" 2>&1
		ok $? "$e: the installed sync_multi, round $round"
	done
done
nunezctl --config "$T/e1/config.json" verify --env e2 >"$T/verify-e2.out"
ok $? "e1 and e2 hold the same tables"
like "$(cat "$T/verify-e2.out")" "users: same as e2 \(2 rows" "... both users everywhere"
lap "two environments"

# 5. The unit's socket: ExecStart as the unit runs it (user nunez, group
# www-data, nunez besides), and an nginx whose workers are www-data.
cp "$T/e1/config.json" /etc/nunez/config.json
cp "$T/e1/db-password" /etc/nunez/db-password
chown root:nunez /etc/nunez/config.json /etc/nunez/db-password
chmod 0640 /etc/nunez/config.json /etc/nunez/db-password
install -d -o nunez -g www-data -m 0750 /run/nunez
exec_start=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/nunez-api.service |
	sed 's/\$NUNEZ_API_OPTS//')
setpriv --reuid=nunez --regid=www-data --groups=nunez --inh-caps=-all \
	$exec_start </dev/null >"$T/unit-api.log" 2>&1 &
api=$!
h_track "$T" unit-api $api
H_WAIT=20 h_wait_for test -S /run/nunez/api.sock
is "$(stat -c '%U:%G:%a' /run/nunez/api.sock)" "nunez:www-data:660" \
	"the unit's socket is nunez's, group www-data, mode 0660"
setpriv --reuid=www-data --regid=www-data --clear-groups \
	socat -u /dev/null UNIX-CONNECT:/run/nunez/api.sock 2>"$T/socat.err"
ok $? "www-data can connect to it"
setpriv --reuid=nobody --regid=nogroup --clear-groups \
	socat -u /dev/null UNIX-CONNECT:/run/nunez/api.sock 2>"$T/socat.err"
ok $((! $?)) "... nobody else can: $(cat "$T/socat.err")"
nd="$T/nginx-www-data"
mkdir -p "$nd/tmp"
port=$(h_port "$T")
sh /usr/share/nunez/nginx/render.sh "$nd" LISTEN="127.0.0.1:$port" \
	SOCKET=/run/nunez/api.sock BODY_LIMIT=1m WWW_ROOT=/usr/share/nunez/www
h_nginx_conf "$nd" "$nd/nunez-api.conf"
sed -i 's/^user root root;/user www-data www-data;/' "$nd/nginx.conf"
nginx -p "$nd" -c "$nd/nginx.conf" -g 'daemon off;' </dev/null \
	>"$nd/stdout.log" 2>&1 &
h_track "$T" nginx-www-data $!
H_WAIT=20 h_wait_for curl -sf "http://127.0.0.1:$port/health"
body=$(curl -s "http://127.0.0.1:$port/health")
like "$body" '"status":"ok"' "nginx's www-data workers reach the unit's socket: /health is ok"
is "$(ps -o user= --ppid "$(cat "$nd/nginx.pid")" | sort -u)" "www-data" \
	"... and they run as www-data"
kill -HUP $api
H_WAIT=20 h_wait_for grep -q 'reloaded:' "$T/unit-api.log"
ok $? "ExecReload's SIGHUP reloads the config"
kill -TERM $api "$(cat "$nd/nginx.pid")"
h_wait_gone 40 $api
rm -rf /run/nunez /etc/nunez/config.json /etc/nunez/db-password
lap "unit socket"
h_down "$T"

# 6. Remove: the conffile stays. Purge: nothing stays (the user nunez
# does, as Debian leaves system users).
awk '$1 !~ /^d/ {sub("^\\.", "", $6); print $6}' "$T/contents" >"$T/files"
dpkg -r nunez >"$T/remove.log" 2>&1
ok $? "dpkg -r removes it"
is "$(dpkg-query -W -f '${Status}' nunez)" "deinstall ok config-files" \
	"... leaving its configuration files"
is "$(while read -r f; do [ -e "$f" ] && echo "$f"; done <"$T/files")" \
	"/etc/nunez/nunez.env" "... which is only the conffile"
dpkg -P nunez >"$T/purge.log" 2>&1
ok $? "dpkg -P purges it"
is "$(dpkg-query -W -f '${Status}' nunez 2>&1 | grep -c 'ok installed\|config-files')" 0 \
	"... dpkg knows no more of it"
is "$(while read -r f; do [ -e "$f" ] && echo "$f"; done <"$T/files")" "" \
	"... and no file of it is left"
ok "$([ -e /etc/nunez ] && echo 1 || echo 0)" "... not even /etc/nunez"
lap "remove and purge"

done_testing
