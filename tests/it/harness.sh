#!/usr/bin/env bash
# The integration harness: starts N environments, each a master and a
# slave mariadbd, a nunez-api and an nginx, on loopback; stops them all.
#
# Sourced, it gives shell functions (h_up, h_down, h_sql, ...); run, it
# takes subcommands for other languages:
#   harness.sh up DIR N [--schema FILE] [--tables JSON] [--mode MODE]
#                       [--client-tenant TENANT] [--forwarders SPEC]
#                       [--db-opt OPTION]...
#   harness.sh down DIR
# See tests/README.md.

NR_SRCDIR=${NR_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
NR_BUILDDIR=${NR_BUILDDIR:-$NR_SRCDIR}
NR_IT_CACHE=${NR_IT_CACHE:-${TMPDIR:-/tmp}/nunez-it-cache-$(id -u)}
NR_IT_PORTS=${NR_IT_PORTS:-${TMPDIR:-/tmp}/nunez-it-ports}
NR_DB_PASSWORD=nunez-it-password
# What the environments run: the build tree's programs and files, or
# (set by the package test) the installed ones.
NR_API_BIN=${NR_API_BIN:-$NR_BUILDDIR/src/api/nunez-api}
NR_NGINX_DIR=${NR_NGINX_DIR:-$NR_SRCDIR/nginx}
NR_WWW_DIR=${NR_WWW_DIR:-$NR_SRCDIR/www}
# The replicated tables of the demo schema (sql/demo/schema.sql).
H_DEFAULT_TABLES='[
    {"name": "users", "primaryKey": "id", "timestampColumn": "updated_at",
     "ignoreColumns": ["password_hash", "internal_notes"]},
    {"name": "products", "primaryKey": "id",
     "timestampColumn": "updated_at"}]'

h_die() {
	echo "harness: $*" >&2
	return 1
}

# Milliseconds since the epoch.
h_now_ms() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000000))
}

h_is_root() { [ "$(id -u)" = 0 ]; }

h_need() {
	local prog pkg
	for prog in "$@"; do
		pkg=${prog#*:}
		prog=${prog%%:*}
		command -v "$prog" >/dev/null 2>&1 ||
			[ -x "/usr/sbin/$prog" ] ||
			h_die "$prog is missing: apt-get install -y $pkg" ||
			return 1
	done
}

# True when something listens on TCP port $1 (IPv4 or IPv6).
h_port_busy() {
	local hex
	hex=$(printf ':%04X ' "$1")
	grep -q "$hex[0-9A-F:]* 0A " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# Prints a free loopback port, claimed under $NR_IT_PORTS for the run
# in DIR $1 so that tests running side by side never share one.
h_port() {
	local dir=$1 p i owner
	mkdir -p "$NR_IT_PORTS"
	for i in $(seq 1 200); do
		p=$((20000 + RANDOM % 12000))
		h_port_busy "$p" && continue
		if ! mkdir "$NR_IT_PORTS/$p" 2>/dev/null; then
			owner=$(cat "$NR_IT_PORTS/$p/owner" 2>/dev/null)
			[ -n "$owner" ] && [ -d "$owner" ] && continue
			rm -rf "$NR_IT_PORTS/$p"
			mkdir "$NR_IT_PORTS/$p" 2>/dev/null || continue
		fi
		echo "$dir" >"$NR_IT_PORTS/$p/owner"
		echo "$p" >>"$dir/ports"
		echo "$p"
		return 0
	done
	h_die "no free port found"
}

# Records a started process: h_track DIR LABEL PID.
h_track() {
	echo "$2 $3" >>"$1/pids"
}

h_alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null &&
		! grep -q '^State:.*[Zz]' "/proc/$1/status" 2>/dev/null
}

# Waits until no pid of $2.. is alive, at most $1 seconds; 1 on timeout.
h_wait_gone() {
	local limit=$1 end pid left
	shift
	end=$(($(h_now_ms) + limit * 1000))
	while :; do
		left=0
		for pid in "$@"; do
			h_alive "$pid" && left=1
		done
		[ $left = 0 ] && return 0
		[ "$(h_now_ms)" -ge $end ] && return 1
		sleep 0.05
	done
}

# Polls command "$@" until it succeeds, at most $H_WAIT seconds.
h_wait_for() {
	local end
	end=$(($(h_now_ms) + ${H_WAIT:-60} * 1000))
	until "$@" >/dev/null 2>&1; do
		[ "$(h_now_ms)" -ge $end ] && return 1
		sleep 0.05
	done
}

# A data directory with the system tables, the nunez user and the appdb
# database, made once per MariaDB version and copied for every server.
h_template() {
	local ver tdir log pid
	ver=$(mariadbd --version 2>/dev/null | awk '{print $3}')
	tdir="$NR_IT_CACHE/mariadb-$ver"
	mkdir -p "$NR_IT_CACHE"
	(
		flock 9
		[ -f "$tdir/ready" ] && exit 0
		rm -rf "$tdir"
		mkdir -p "$tdir/data"
		log="$tdir/install.log"
		mariadb-install-db --no-defaults --datadir="$tdir/data" \
			--auth-root-authentication-method=normal \
			--skip-test-db $(h_is_root && echo --user=root) \
			>"$log" 2>&1 || { cat "$log" >&2; exit 1; }
		mariadbd --no-defaults --datadir="$tdir/data" \
			--socket="$tdir/sock" --skip-networking \
			--innodb-buffer-pool-size=16M \
			--pid-file="$tdir/pid" --log-error="$tdir/err.log" \
			$(h_is_root && echo --user=root) \
			</dev/null >"$tdir/stdout.log" 2>&1 &
		pid=$!
		H_WAIT=60 h_wait_for mariadb-admin --no-defaults \
			--socket="$tdir/sock" -uroot ping ||
			{ cat "$tdir/err.log" >&2; kill -9 $pid; exit 1; }
		mariadb --no-defaults --socket="$tdir/sock" -uroot <<-SQL ||
			CREATE USER 'nunez'@'%' IDENTIFIED BY '$NR_DB_PASSWORD';
			GRANT ALL PRIVILEGES ON *.* TO 'nunez'@'%';
			CREATE USER 'nunez'@'localhost' IDENTIFIED BY '$NR_DB_PASSWORD';
			GRANT ALL PRIVILEGES ON *.* TO 'nunez'@'localhost';
			CREATE DATABASE appdb CHARACTER SET utf8mb4
			  COLLATE utf8mb4_bin;
		SQL
			{ kill -9 $pid; exit 1; }
		mariadb-admin --no-defaults --socket="$tdir/sock" -uroot \
			shutdown
		h_wait_gone 60 $pid || kill -9 $pid
		rm -f "$tdir/data"/*.pid "$tdir/sock"
		touch "$tdir/ready"
	) 9>"$NR_IT_CACHE/lock" || return 1
	echo "$tdir/data"
}

# Starts the database server of env $2 role $3 (master|slave) under
# DIR $1 on the port in its port file, from its existing datadir.
h_db_start() {
	local dir=$1 e=$2 role=$3 d pid port
	d="$dir/$e/$role"
	port=$(cat "$d/port")
	rm -f "$d/sock"
	mariadbd --no-defaults --datadir="$d/data" --socket="$d/sock" \
		--port="$port" --bind-address=127.0.0.1 \
		--pid-file="$d/mariadbd.pid" --log-error="$d/err.log" \
		--tmpdir="$d/tmp" --innodb-buffer-pool-size=${NR_IT_BUFFER_POOL:-32M} \
		--innodb-flush-log-at-trx-commit=2 --innodb-doublewrite=0 \
		--innodb-flush-method=nosync \
		--innodb-use-native-aio=0 --performance-schema=OFF \
		--character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
		--skip-name-resolve --max-connections=300 --net-read-timeout=5 \
		--server-id="$(cat "$d/server-id")" \
		$(cat "$d/db-opts" 2>/dev/null) \
		$(h_is_root && echo --user=root) \
		</dev/null >>"$d/stdout.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/pid"
	h_track "$dir" "$e-$role" "$pid"
}

# Waits for the server of h_db_start; 2 when its port was taken.
h_db_wait() {
	local dir=$1 e=$2 role=$3 d pid end
	d="$dir/$e/$role"
	pid=$(cat "$d/pid")
	end=$(($(h_now_ms) + 60000))
	while :; do
		if ! h_alive "$pid"; then
			grep -qi 'bind on tcp/ip port\|address already in use' \
				"$d/err.log" 2>/dev/null && return 2
			h_die "mariadbd $e-$role exited; see $d/err.log"
			tail -n 20 "$d/err.log" >&2
			return 1
		fi
		[ -S "$d/sock" ] && mariadb-admin --no-defaults \
			--socket="$d/sock" -uroot ping >/dev/null 2>&1 &&
			return 0
		[ "$(h_now_ms)" -ge $end ] && {
			h_die "mariadbd $e-$role not ready in 60 s"
			return 1
		}
		sleep 0.05
	done
}

# Stops the database server of env $2 role $3, waiting for it to exit.
h_db_stop() {
	local dir=$1 e=$2 role=$3 pid
	pid=$(cat "$dir/$e/$role/pid")
	kill -TERM "$pid" 2>/dev/null
	h_wait_gone 60 "$pid" || { kill -KILL "$pid"; h_wait_gone 10 "$pid"; }
}

# Creates env $2's database server $3 from the template and starts it,
# taking another port when the first was taken meanwhile.
h_db_create() {
	local dir=$1 e=$2 role=$3 tmpl=$4 sid=$5 d try rc
	d="$dir/$e/$role"
	mkdir -p "$d/tmp"
	cp -a "$tmpl" "$d/data"
	echo "$sid" >"$d/server-id"
	printf '%s\n' "${H_DB_OPTS:-}" >"$d/db-opts"
	h_port "$dir" >"$d/port" || return 1
	for try in 1 2 3 4 5; do
		h_db_start "$dir" "$e" "$role"
		rc=0
		h_db_wait "$dir" "$e" "$role" || rc=$?
		[ $rc = 2 ] || return $rc
		h_port "$dir" >"$d/port" || return 1
	done
	h_die "no port for mariadbd $e-$role"
}

h_new_key() {
	head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'
}

h_sha256() {
	printf '%s' "$1" | sha256sum | awk '{print $1}'
}

# The peers env $1 holds a key for: every other of e1..eN, and e2 (or e1)
# when N is 1, so that one environment still has a peer's key to test.
h_peers() {
	local e=$1 n=$2 i
	[ "$n" -lt 2 ] && n=2
	for i in $(seq 1 "$n"); do
		[ "e$i" = "$e" ] || echo "e$i"
	done
}

# True when env $1's key for node $2 is a forwarder: --forwarders SPEC is
# "all", "none" or pairs AT:FOR ("e3:e2": e3 takes e2's pushes of
# others' changes); by default all when N >= 3 (every environment lists
# every other, and a mesh forwards), none below.
h_forwards() {
	local spec=${H_FORWARDERS:-} pair
	[ -n "$spec" ] || { [ "$3" -ge 3 ] && spec=all || spec=none; }
	case $spec in
	all) return 0 ;;
	none) return 1 ;;
	esac
	for pair in $spec; do
		[ "$pair" = "$1:$2" ] && return 0
	done
	return 1
}

# Writes env $2's config.json. Remotes are every other environment,
# bidirectional, each reached with the key that environment holds for
# this one (bound to this node) and signing with that key's secret.
h_write_config() {
	local dir=$1 e=$2 n=$3 i other remotes="" sep="" priority slave client
	local ed="$dir/$e" peers="" p fwd
	for i in $(seq 1 "$n"); do
		other="e$i"
		[ "$other" = "$e" ] && continue
		remotes="$remotes$sep
    \"$other\": {\"url\": \"http://127.0.0.1:$(cat "$dir/$other/http-port")\",
      \"apiKey\": \"$(cat "$dir/$other/key-peer-$e")\",
      \"signingSecret\": \"$(cat "$dir/$other/sign-peer-$e")\",
      \"syncMode\": \"bidirectional\", \"priority\": ${other#e},
      \"timeout\": 30}"
		sep=","
	done
	for p in $(h_peers "$e" "$n"); do
		fwd=false
		h_forwards "$e" "$p" "$n" && fwd=true
		peers="$peers,
	      {\"name\": \"peer-$p\", \"key\": \"$(cat "$ed/key-peer-$p")\",
	       \"scopes\": [\"read\", \"pull\", \"push\"], \"node\": \"$p\",
	       \"forwarder\": $fwd,
	       \"signingSecret\": \"$(cat "$ed/sign-peer-$p")\"}"
	done
	priority=${e#e}
	slave=""
	if [ -f "$ed/slave/port" ]; then
		slave=",
    \"slave\": {\"host\": \"127.0.0.1\",
      \"port\": $(cat "$ed/slave/port"), \"user\": \"nunez\",
      \"password\": {\"file\": \"db-password\"}, \"database\": \"appdb\"}"
	fi
	client=""
	if [ -n "${H_CLIENT_TENANT:-}" ]; then
		client=",
	      {\"name\": \"client\", \"key\": \"$(cat "$ed/key-client")\",
	       \"scopes\": [\"client\"], \"tenant\": \"$H_CLIENT_TENANT\"}"
	fi
	printf '%s' "$NR_DB_PASSWORD" >"$ed/db-password"
	cat >"$ed/config.json" <<-EOF
	{
	  "mode": "${H_MODE:-master-slave}",
	  "node": {"id": "$e", "priority": $priority},
	  "api": {
	    "workers": ${H_WORKERS:-2},
	    "maxBodyBytes": ${H_MAX_BODY:-1048576},
	    "keys": [
	      {"name": "admin", "key": "$(cat "$ed/key-admin")",
	       "scopes": ["read", "pull", "push", "admin"]},
	      {"name": "reader",
	       "key": "sha256:$(h_sha256 "$(cat "$ed/key-read")")",
	       "scopes": ["read"]}$peers$client
	    ]
	  },
	  "databases": {
	    "master": {"host": "127.0.0.1",
	      "port": $(cat "$ed/master/port"), "user": "nunez",
	      "password": {"file": "db-password"}, "database": "appdb",
	      "connectTimeout": 2}$slave
	  },
	  "replication": {"tables": ${H_TABLES:-$H_DEFAULT_TABLES}},
	  "remoteEnvironments": {$remotes
	  }
	}
	EOF
}

h_api_start() {
	local dir=$1 e=$2 pid
	local ed="$dir/$e"
	"$NR_API_BIN" --config "$ed/config.json" \
		--socket "$ed/api.sock" </dev/null >>"$ed/api.log" 2>&1 &
	pid=$!
	echo "$pid" >"$ed/api.pid"
	h_track "$dir" "$e-api" "$pid"
}

h_api_wait() {
	local ed="$1/$2"
	H_WAIT=30 h_wait_for test -S "$ed/api.sock" || {
		h_die "nunez-api of $2 did not start; see $ed/api.log"
		tail -n 20 "$ed/api.log" >&2
		return 1
	}
}

# Stops nunez-api of env $2 (SIGTERM: it drains and exits).
h_api_stop() {
	local pid
	pid=$(cat "$1/$2/api.pid")
	kill -TERM "$pid" 2>/dev/null
	h_wait_gone 40 "$pid"
}

# Writes the main nginx.conf of an nginx run from directory $1 that
# serves the site config $2 (a rendered nginx/ template).
h_nginx_conf() {
	local nd=$1 site=$2
	cat >"$nd/nginx.conf" <<-EOF
	$(h_is_root && echo "user root root;")
	worker_processes 1;
	error_log $nd/error.log warn;
	pid $nd/nginx.pid;
	events { worker_connections 512; }
	http {
	    access_log $nd/access.log;
	    client_body_temp_path $nd/tmp/body;
	    fastcgi_temp_path $nd/tmp/fastcgi;
	    proxy_temp_path $nd/tmp/proxy;
	    uwsgi_temp_path $nd/tmp/uwsgi;
	    scgi_temp_path $nd/tmp/scgi;
	    include /etc/nginx/mime.types;
	    default_type application/octet-stream;
	    include $site;
	}
	EOF
}

h_nginx_start() {
	local dir=$1 e=$2 pid nd
	local ed="$dir/$e"
	nd="$ed/nginx"
	mkdir -p "$nd/tmp"
	# Every environment serves the dashboard and the demo page of www/.
	sh "$NR_NGINX_DIR/render.sh" "$nd" \
		LISTEN="127.0.0.1:$(cat "$ed/http-port")" \
		SOCKET="$ed/api.sock" BODY_LIMIT=${H_BODY_LIMIT:-1m} \
		WWW_ROOT="$NR_WWW_DIR" \
		TLS_CERT="$nd/tls.crt" TLS_KEY="$nd/tls.key" || return 1
	h_nginx_conf "$nd" "$nd/nunez-api.conf"
	nginx -p "$nd" -c "$nd/nginx.conf" -g 'daemon off;' \
		</dev/null >>"$nd/stdout.log" 2>&1 &
	pid=$!
	echo "$pid" >"$nd/pid"
	h_track "$dir" "$e-nginx" "$pid"
}

h_nginx_wait() {
	local ed="$1/$2"
	H_WAIT=30 h_wait_for curl -s -o /dev/null \
		"http://127.0.0.1:$(cat "$ed/http-port")/health" || {
		h_die "nginx of $2 did not answer; see $ed/nginx/error.log"
		tail -n 20 "$ed/nginx/error.log" >&2
		return 1
	}
}

# Writes DIR/harness.env: every address, key and pid a test needs.
h_write_env() {
	local dir=$1 n=$2 i e E ed role R p
	{
		echo "NR_H_DIR=$dir"
		echo "NR_H_N=$n"
		for i in $(seq 1 "$n"); do
			e="e$i"
			E="E$i"
			ed="$dir/$e"
			echo "NR_${E}_NAME=$e"
			echo "NR_${E}_URL=http://127.0.0.1:$(cat "$ed/http-port")"
			echo "NR_${E}_CONFIG=$ed/config.json"
			echo "NR_${E}_KEY_ADMIN=$(cat "$ed/key-admin")"
			echo "NR_${E}_KEY_READ=$(cat "$ed/key-read")"
			echo "NR_${E}_KEY_PEER=$(cat "$ed/key-peer")"
			echo "NR_${E}_SIGN_PEER=$(cat "$ed/sign-peer")"
			for p in $(h_peers "$e" "$n"); do
				echo "NR_${E}_KEY_PEER_$(echo "$p" | tr e E)=$(cat "$ed/key-peer-$p")"
				echo "NR_${E}_SIGN_PEER_$(echo "$p" | tr e E)=$(cat "$ed/sign-peer-$p")"
			done
			if [ -f "$ed/key-client" ]; then
				echo "NR_${E}_KEY_CLIENT=$(cat "$ed/key-client")"
				echo "NR_${E}_CLIENT_TENANT=$H_CLIENT_TENANT"
			fi
			echo "NR_${E}_API_PID=$(cat "$ed/api.pid")"
			echo "NR_${E}_NGINX_PID=$(cat "$ed/nginx/pid")"
			for role in master slave; do
				[ -d "$ed/$role" ] || continue
				R=$(echo "$role" | tr a-z A-Z)
				echo "NR_${E}_${R}_PORT=$(cat "$ed/$role/port")"
				echo "NR_${E}_${R}_SOCK=$ed/$role/sock"
				echo "NR_${E}_${R}_PID=$(cat "$ed/$role/pid")"
			done
		done
		echo "NR_DB_USER=nunez"
		echo "NR_DB_PASSWORD=$NR_DB_PASSWORD"
		echo "NR_DB_NAME=appdb"
	} >"$dir/harness.env"
}

# h_up DIR N [--schema FILE] [--tables JSON] [--mode MODE] [--no-slave]
#      [--client-tenant TENANT] [--forwarders SPEC] [--db-opt OPTION]...
# Starts N environments e1..eN under DIR and writes DIR/harness.env.
# Env eX holds a key for each peer eY (key-peer-eY, NR_EX_KEY_PEER_EY,
# bound to node eY, with the signing secret sign-peer-eY,
# NR_EX_SIGN_PEER_EY); key-peer and sign-peer (NR_EX_KEY_PEER,
# NR_EX_SIGN_PEER) are those for e2, or for e1 in every other
# environment.
# Each --db-opt is passed to every mariadbd (--log-bin, say).
h_up() {
	local dir=$1 n=$2 schema="$NR_SRCDIR/sql/demo/schema.sql" slave=1
	local H_DB_OPTS=""
	local tmpl i e roles role pids="" p
	shift 2 || { h_die "usage: h_up DIR N [options]"; return 1; }
	while [ $# -gt 0 ]; do
		case $1 in
		--schema) schema=$2; shift 2 ;;
		--tables) H_TABLES=$2; shift 2 ;;
		--mode) H_MODE=$2; shift 2 ;;
		--no-slave) slave=0; shift ;;
		--client-tenant) H_CLIENT_TENANT=$2; shift 2 ;;
		--forwarders) H_FORWARDERS=$2; shift 2 ;;
		--db-opt) H_DB_OPTS="${H_DB_OPTS:-} $2"; shift 2 ;;
		*) h_die "h_up: unknown option $1"; return 1 ;;
		esac
	done
	h_need mariadbd:mariadb-server mariadb:mariadb-client \
		nginx:nginx-light curl:curl flock:util-linux || return 1
	[ -x "$NR_API_BIN" ] ||
		{ h_die "build first: $NR_API_BIN is missing"; return 1; }
	mkdir -p "$dir"
	: >>"$dir/pids"
	tmpl=$(h_template) || return 1
	roles="master"
	[ $slave = 1 ] && roles="master slave"
	for i in $(seq 1 "$n"); do
		e="e$i"
		mkdir -p "$dir/$e"
		h_port "$dir" >"$dir/$e/http-port" || return 1
		for p in admin read ${H_CLIENT_TENANT:+client}; do
			h_new_key >"$dir/$e/key-$p"
		done
		for p in $(h_peers "$e" "$n"); do
			h_new_key >"$dir/$e/key-peer-$p"
			h_new_key >"$dir/$e/sign-peer-$p"
		done
		p=e1
		[ "$e" = e1 ] && p=e2
		cp "$dir/$e/key-peer-$p" "$dir/$e/key-peer"
		cp "$dir/$e/sign-peer-$p" "$dir/$e/sign-peer"
	done
	# The database servers start side by side.
	for i in $(seq 1 "$n"); do
		for role in $roles; do
			h_db_create "$dir" "e$i" "$role" "$tmpl" \
				$((i * 10 + ${#role})) &
			pids="$pids $!"
		done
	done
	for p in $pids; do
		wait "$p" || return 1
	done
	for i in $(seq 1 "$n"); do
		e="e$i"
		for role in $roles; do
			mariadb --no-defaults --socket="$dir/$e/$role/sock" \
				-uroot appdb <"$schema" ||
				{ h_die "schema $schema failed on $e-$role"; return 1; }
		done
		h_write_config "$dir" "$e" "$n"
		h_api_start "$dir" "$e"
		h_nginx_start "$dir" "$e" || return 1
	done
	for i in $(seq 1 "$n"); do
		h_api_wait "$dir" "e$i" || return 1
		h_nginx_wait "$dir" "e$i" || return 1
	done
	h_write_env "$dir" "$n"
}

# Prints the pids of live processes whose command line names a path under
# DIR $1: forked nunez-api workers carry the config path, for instance.
h_leftovers() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		grep -q -a -F "$1/" "$f" 2>/dev/null && h_alive "$pid" &&
			echo "$pid"
	done
	return 0
}

# h_down DIR: stops every process started under DIR (nginx and nunez-api
# first, then the databases), frees its ports. Returns 1 if a process
# outlived the stop.
h_down() {
	local dir=$1 label pid pids="" dbs="" rc=0 left
	[ -f "$dir/pids" ] || return 0
	while read -r label pid; do
		case $label in
		*-master | *-slave) dbs="$dbs $pid" ;;
		*) pids="$pids $pid" ;;
		esac
	done <"$dir/pids"
	for pid in $pids; do
		h_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	h_wait_gone 40 $pids || rc=1
	for pid in $dbs; do
		h_alive "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	h_wait_gone 60 $dbs || rc=1
	for pid in $pids $dbs; do
		h_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	done
	for pid in $(h_leftovers "$dir"); do
		echo "harness: leftover process $pid: $(tr '\0' ' ' \
			<"/proc/$pid/cmdline" 2>/dev/null)" >&2
		kill -KILL "$pid" 2>/dev/null
		rc=1
	done
	[ $rc = 0 ] || echo "harness: some processes had to be killed" >&2
	if [ -f "$dir/ports" ]; then
		while read -r p; do
			rm -rf "${NR_IT_PORTS:?}/$p"
		done <"$dir/ports"
	fi
	: >"$dir/pids"
	return $rc
}

# h_sql ENV ROLE SQL...: runs SQL on appdb of that server as root,
# tab-separated rows without headers.
h_sql() {
	local e=$1 role=$2
	shift 2
	mariadb --no-defaults --socket="$NR_H_DIR/$e/$role/sock" -uroot \
		-N -B appdb -e "$*"
}

# h_sql_in ENV ROLE: runs the SQL on standard input, like h_sql.
h_sql_in() {
	mariadb --no-defaults --socket="$NR_H_DIR/$1/$2/sock" -uroot -N -B appdb
}

# h_curl ENV PATH [curl args...]: a request to that environment's
# nginx; sets H_STATUS (HTTP status, 000 when none) and H_BODY.
h_curl() {
	local e=$1 path=$2 url
	shift 2
	url=$(sed -n "s/^NR_E${e#e}_URL=//p" "$NR_H_DIR/harness.env")
	: >"$NR_H_DIR/.body"
	H_STATUS=$(curl -s -o "$NR_H_DIR/.body" -w '%{http_code}' \
		--max-time 30 "$@" "$url$path")
	H_BODY=$(cat "$NR_H_DIR/.body")
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	case ${1:-} in
	up)
		[ $# -ge 3 ] || { echo "usage: $0 up DIR N [options]" >&2; exit 2; }
		d=$2
		n=$3
		shift 3
		h_up "$d" "$n" "$@" || { h_down "$d"; exit 1; }
		;;
	down)
		[ $# -ge 2 ] || { echo "usage: $0 down DIR" >&2; exit 2; }
		h_down "$2"
		;;
	*)
		echo "usage: $0 up DIR N [options] | down DIR" >&2
		exit 2
		;;
	esac
fi
