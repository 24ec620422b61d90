#!/usr/bin/env bash
# Retention has one home: sync_multi forgets expired nonces, batch ids
# older than a day and client change records older than 30 days after a
# run, and nunezctl housekeeping does on demand; what is still needed
# stays.
. "$(dirname "$0")/lib.sh"

h_up "$T" 1 --no-slave || bail_out "harness"
nr_ctl e1 init >/dev/null || bail_out "init"
old() {	# old: rows of each kind, three expired and one still needed
	h_sql e1 master "
INSERT INTO _nunez_nonces VALUES ('n-old-1', UTC_TIMESTAMP() - INTERVAL 1 MINUTE),
  ('n-old-2', UTC_TIMESTAMP() - INTERVAL 1 DAY), ('n-old-3', '2020-01-01'),
  ('n-new', UTC_TIMESTAMP() + INTERVAL 5 MINUTE);
INSERT INTO _nunez_batches VALUES ('b-old-1', 'e2', 'users', 0, 0, 0, 0, 0, 0, UTC_TIMESTAMP() - INTERVAL 25 HOUR),
  ('b-old-2', 'e2', 'users', 0, 0, 0, 0, 0, 0, UTC_TIMESTAMP() - INTERVAL 3 DAY),
  ('b-old-3', 'e2', 'users', 0, 0, 0, 0, 0, 0, '2020-01-01'),
  ('b-new', 'e2', 'users', 0, 0, 0, 0, 0, 0, UTC_TIMESTAMP() - INTERVAL 1 HOUR);
INSERT INTO _nunez_client_changes VALUES ('t', 'c-old-1', 'web', 'users', '[1]', 'applied', UTC_TIMESTAMP() - INTERVAL 31 DAY),
  ('t', 'c-old-2', 'web', 'users', '[1]', 'applied', UTC_TIMESTAMP() - INTERVAL 90 DAY),
  ('t', 'c-old-3', 'web', 'users', '[1]', 'applied', '2020-01-01'),
  ('t', 'c-new', 'web', 'users', '[1]', 'applied', UTC_TIMESTAMP() - INTERVAL 29 DAY);"
}
left() {
	h_sql e1 master "SELECT CONCAT_WS(',', (SELECT GROUP_CONCAT(nonce) FROM _nunez_nonces),
	  (SELECT GROUP_CONCAT(batch_id) FROM _nunez_batches),
	  (SELECT GROUP_CONCAT(client_change_id) FROM _nunez_client_changes))"
}
old
nr_sync e1 >"$T/sync.out" 2>&1
is "$?" 0 "sync_multi runs"
is "$(left)" "n-new,b-new,c-new" "after a run only what is still needed is kept"
like "$(cat "$T/sync.out")" "forgot 3 nonces, 3 batch ids, 3 client change records" \
	"and the run says what it forgot"

h_sql e1 master "DELETE FROM _nunez_nonces; DELETE FROM _nunez_batches; DELETE FROM _nunez_client_changes"
old
is "$(nr_ctl e1 housekeeping)" "forgot 3 nonces, 3 batch ids, 3 client change records" \
	"nunezctl housekeeping forgets the same on demand"
is "$(left)" "n-new,b-new,c-new" "... and keeps what is still needed"

done_testing
