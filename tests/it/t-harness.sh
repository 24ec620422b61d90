#!/usr/bin/env bash
# The harness itself: three environments come up quickly, every server
# answers, and stopping them leaves no process behind.
. "$(dirname "$0")/lib.sh"

start=$(h_now_ms)
h_up "$T" 3 || bail_out "harness did not start"
ms=$(($(h_now_ms) - start))
echo "# three environments started in $ms ms"
h_env
is "$NR_H_N" 3 "harness.env describes three environments"

pids=""
for i in 1 2 3; do
	for role in master slave; do
		is "$(h_sql e$i $role 'SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "appdb"')" \
			4 "e$i $role has the demo schema"
	done
	h_curl e$i /health
	is "$H_STATUS" 200 "e$i answers through nginx"
	for v in API_PID NGINX_PID MASTER_PID SLAVE_PID; do
		eval "pids=\"\$pids \$NR_E${i}_$v\""
	done
done
ports=$(sort -u "$T/ports" | wc -l)
is "$ports" "$(wc -l <"$T/ports")" "no port was handed out twice"
alive=0
for p in $pids; do h_alive "$p" && alive=$((alive + 1)); done
is "$alive" 12 "twelve server processes running"

h_down "$T"
is "$?" 0 "h_down reports a clean stop"
alive=0
for p in $pids; do h_alive "$p" && alive=$((alive + 1)); done
is "$alive" 0 "no server process survives h_down"
is "$(h_leftovers "$T")" "" "no process refers to the test directory"
left=0
for p in $(cat "$T/ports"); do [ -d "$NR_IT_PORTS/$p" ] && left=$((left + 1)); done
is "$left" 0 "every port claim was released"

done_testing
