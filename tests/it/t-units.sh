#!/usr/bin/env bash
# The systemd units as built: systemd-analyze verify finds nothing to say
# (with the build tree's programs in place of the installed ones; the
# package test verifies the installed units as they are), and they keep
# their contract: the API as user nunez with its socket in
# /run/nunez for nginx's group, reload by SIGHUP, hardening; the sync
# service counting exit 3 as success; the timer and the cron line.
. "$(dirname "$0")/lib.sh"

h_need systemd-analyze:systemd || bail_out "systemd-analyze is missing"
S="$NR_SRCDIR/systemd"
for u in nunez-api.service nunez-sync.service nunez-sync.cron; do
	sed -e "s|@bindir@|$NR_BUILDDIR/src/cli|g" \
		-e "s|@sbindir@|$NR_BUILDDIR/src/api|g" \
		-e "s|@sysconfdir@|$T/etc|g" "$S/$u.in" >"$T/$u"
done
cp "$S/nunez-sync.timer" "$T/"
(cd "$T" && systemd-analyze verify --man=no nunez-api.service \
	nunez-sync.service nunez-sync.timer) >"$T/verify.out" 2>&1
is "$?:$(cat "$T/verify.out")" "0:" "systemd-analyze verify finds nothing to say"

# Its findings do reach us: a unit with a typo is reported.
mkdir -p "$T/bad"
sed 's/^ProtectSystem=/ProtectSistem=/' "$T/nunez-api.service" \
	>"$T/bad/nunez-api.service"
like "$(cd "$T/bad" && systemd-analyze verify --man=no nunez-api.service 2>&1)" \
	"Unknown key name 'ProtectSistem'|Unknown key 'ProtectSistem'" \
	"... and would report a misspelt directive"

key() {	# key UNIT KEY: the values of KEY in UNIT, one line each
	sed -n "s/^$2=//p" "$T/$1"
}
A=nunez-api.service
is "$(key $A User)" nunez "the API runs as user nunez"
is "$(key $A Group):$(key $A SupplementaryGroups)" "www-data:nunez" \
	"... with nginx's group, so its socket is nginx's to open, and nunez's"
is "$(key $A RuntimeDirectory):$(key $A RuntimeDirectoryMode)" "nunez:0750" \
	"... in the runtime directory /run/nunez"
like "$(key $A ExecStart)" "^$NR_BUILDDIR/src/api/nunez-api --socket /run/nunez/api.sock --socket-mode 0660( |$)" \
	"... listening on /run/nunez/api.sock, mode 0660"
is "$(key $A ExecReload)" '/bin/kill -HUP $MAINPID' "reload is SIGHUP"
for h in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ProtectHome=yes; do
	is "$(key $A "${h%=*}")" "${h#*=}" "hardening: $h"
done
is "$(key $A ConditionPathExists)" "$T/etc/nunez/config.json" \
	"it starts only once a config exists"
Y=nunez-sync.service
is "$(key $Y Type):$(key $Y User):$(key $Y SuccessExitStatus)" "oneshot:nunez:3" \
	"the sync service is one run as nunez; exit 3 (lock held) is success"
is "$(key $Y ExecStart)" "$NR_BUILDDIR/src/cli/sync_multi \$NUNEZ_SYNC_OPTS" \
	"... of sync_multi with the default config"
is "$(key $Y NoNewPrivileges):$(key $Y ProtectSystem):$(key $Y PrivateTmp)" \
	"yes:strict:yes" "... hardened too"
is "$(key nunez-sync.timer OnUnitInactiveSec)" 1min "the timer runs it a minute after the last run"
is "$(grep -v '^#' "$T/nunez-sync.cron" | grep -v '^MAILTO' | grep -v '^$')" \
	"* * * * * nunez $NR_BUILDDIR/src/cli/sync_multi" \
	"the cron line runs sync_multi as nunez every minute"

done_testing
