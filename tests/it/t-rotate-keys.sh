#!/usr/bin/env bash
# docs/rotate-keys.md, step by step, while e1 keeps syncing with e2 once
# every fraction of a second (as the timer would): e2 takes a new key
# beside the old one, e1 switches to it, e2 drops the old one. No run
# fails, the old key ends refused and the new one works.
. "$(dirname "$0")/lib.sh"

h_up "$T" 2 --no-slave || bail_out "harness"
h_env
for e in e1 e2; do nr_ctl $e init >/dev/null || bail_out "init"; done
nr_sync e1 >/dev/null 2>&1
is "$?" 0 "e1 syncs with e2 using e2's peer key"

# Runs of e1 in a loop, each reading the config anew.
(
	i=0
	while [ ! -f "$T/stop" ]; do
		i=$((i + 1))
		h_sql e1 master "INSERT INTO users (id, name, email) VALUES ($i, 'n$i', 'u$i@x')"
		nr_sync e1 >>"$T/loop.out" 2>&1
		echo "rc=$?" >>"$T/loop.out"
		sleep 0.2
	done
) &
h_track "$T" loop $!
H_WAIT=30 h_wait_for grep -q 'rc=' "$T/loop.out"
runs() { grep -c 'rc=' "$T/loop.out"; }
runs_from() { [ "$(runs)" -ge "$1" ]; }

# 1-2: e2 lists the new key beside the old one, and reloads.
new=$(nr_ctl e2 gen-key | sed -n 's/^key: *//p')
stored=$(nr_ctl e2 hash-key "$new")
sign=$(cat "$T/e2/sign-peer-e1")
api_config e2 ".api.keys += [{\"name\": \"peer-e1-new\", \"key\": \"$stored\",
    \"scopes\": [\"read\", \"pull\", \"push\"], \"node\": \"e1\",
    \"signingSecret\": \"$sign\"}]"
ok $? "e2 reloads with both keys"
# 3: e1 uses the new key from its next run on.
jq --arg k "$new" '.remoteEnvironments["e2"].apiKey = $k' "$T/e1/config.json" \
	>"$T/e1/config.new" && mv "$T/e1/config.new" "$T/e1/config.json"
H_WAIT=30 h_wait_for runs_from $(($(runs) + 3))
ok $? "... e1 ran three more times"
# 5: e2 drops the old key.
api_config e2 'del(.api.keys[] | select(.name == "peer-e1"))'
ok $? "e2 reloads without the old key"
H_WAIT=30 h_wait_for runs_from $(($(runs) + 3))
touch "$T/stop"
H_WAIT=30 h_wait_for test ! -e /proc/"$(awk '$1 == "loop" {print $2}' "$T/pids")"

# 6: nothing failed; the old key is refused, the new one taken.
is "$(grep -v '^rc=0$' "$T/loop.out" | grep -c 'FAILED\|^rc=')" 0 \
	"no run failed during the rotation ($(grep -c '^rc=' "$T/loop.out") runs)"
h_curl e2 /api/status -H "X-API-Key: $NR_E2_KEY_PEER"
is "$H_STATUS" 401 "the old key is refused"
h_curl e2 /api/status -H "X-API-Key: $new"
is "$H_STATUS" 200 "the new key works"
is "$(h_sql e2 master "SELECT COUNT(*) FROM users")" \
	"$(h_sql e1 master "SELECT COUNT(*) FROM users")" "every row written meanwhile arrived"

done_testing
