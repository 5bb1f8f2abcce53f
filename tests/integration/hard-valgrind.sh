#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vifguardd's end-to-end scenario under valgrind (memcheck, full leak check,
# fd tracking): start with vifs present, add, update ip/mac/vifname, a bad
# value, a conflict, attributed drops, remove, SIGHUP, `nft flush ruleset`
# (restored), xenstored lost and back, clean SIGTERM.  Valgrind must report
# 0 errors and 0 definitely/indirectly lost bytes and exit 0 (99 = errors);
# "possibly lost"/"still reachable" (libxenstore's reader thread, sd-event)
# are allowed.  Frames are checked as in daemon-basic: enforcement under
# valgrind is the kernel's, so it is exactly as strict.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
vg_require_cmd valgrind
xsd_available || vg_skip "xenstored or its shim not available"

M3=00:16:3e:00:03:00
M4=00:16:3e:00:04:00
M7=00:16:3e:00:07:00
GW=02:00:00:00:0f:01
world_create xenbr0
world_add_peer gw "$GW"
world_add_guest vif3.0 "$M3"
world_add_guest vif4.0 "$M4"
world_add_guest vif4.0-emu "$M4"
world_add_guest guest-web07 "$M7"
world_add_guest guest-web17 "$M7"
daemon_setup
# every drop explained (the default 10 per 30 s per vif could be used up by
# the guests' own IPv6 noise before the attribution check)
printf 'guest-ports = vif* guest-*\n[log]\nrate-limit-burst = 1000\n' >>"$VG_CONF"
export VG_DEADLINE_MS=500
# valgrind slows the daemon down ~20-50x: generous bounded waits
W=30000

# The daemon, through a wrapper that execs valgrind (the pid stays the one
# daemon_start knows, so signals reach valgrind, which passes them on).
VG_REAL_DAEMON=$VG_DAEMON
VG_VALGRIND_LOG="$VG_WORLD_TMP/valgrind.log"
VG_DAEMON="$VG_WORLD_TMP/vifguardd-valgrind"
cat >"$VG_DAEMON" <<EOF
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect \\
	--errors-for-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=yes \\
	--num-callers=30 --log-file="$VG_VALGRIND_LOG" "$VG_REAL_DAEMON" "\$@"
EOF
chmod +x "$VG_DAEMON"
vg_on_failure_add 'echo "# --- valgrind log ---"; sed "s/^/# /" "$VG_VALGRIND_LOG"'

# daemon_start waits 10 s for READY=1; under valgrind on a loaded machine
# that may not be enough, so it is given time here (bounded, 120 s).
vg_daemon_start() {
	daemon_start && return 0
	daemon_alive || return 1
	vg_log "not ready after 10 s under valgrind; waiting longer"
	vg_wait_for 120000 grep -q 'READY=1' "$VG_NOTIFY_LOG"
}

udp() { # PORT MAC SADDR: frames delivered to the gateway
	VG_FROM=$1 world_delivered gw eth0 ipv4-udp src="$2" saddr="$3" daddr=192.0.2.254
}

# Present before the start: enforced by the startup sync.
xenstore-write /local/domain/3/name web03 /local/domain/4/name hvm04 /local/domain/7/name web07
xs_vif 3 0 mac=$M3 "ip=192.0.2.3 2001:db8::3" bridge=xenbr0 type=vif state=4
vg_check "daemon starts under valgrind and reports READY=1" vg_daemon_start
vg_check "valgrind is running the daemon" grep -q 'Memcheck' "$VG_VALGRIND_LOG"
vg_expect_eq "startup vif: legitimate frame passes" 3 "$(udp vif3.0 $M3 192.0.2.3)"
vg_expect_eq "startup vif: spoof drops" 0 "$(udp vif3.0 $M3 192.0.2.99)"

# Added while running (HVM: netback port and -emu tap).
xs_vif 4 0 mac=$M4 ip=192.0.2.4 bridge=xenbr0 type=vif_ioemu
vg_check "added: vif4.0 enforced" vg_wait_for $W map_has '"vif4.0-emu" : "vif4.0"'
vg_expect_eq "added: legitimate frame from the -emu tap passes" 3 "$(udp vif4.0-emu $M4 192.0.2.4)"
vg_expect_eq "added: spoof from the netback port drops" 0 "$(udp vif4.0 $M4 192.0.2.3)"

# ip update
xs_vif 3 0 "ip=192.0.2.30 2001:db8::3"
vg_check "ip update applied" vg_wait_for $W vif_allows "vif3.0" 192.0.2.30
vg_expect_eq "ip update: new address passes" 3 "$(udp vif3.0 $M3 192.0.2.30)"
vg_expect_eq "ip update: old address drops" 0 "$(udp vif3.0 $M3 192.0.2.3)"

# mac update and back
xs_vif 3 0 mac=00:16:3e:00:03:33
vg_check "mac update applied" vg_wait_for $W vif_has_mac vif3.0 00:16:3e:00:03:33
vg_expect_eq "mac update: old mac drops" 0 "$(udp vif3.0 $M3 192.0.2.30)"
xs_vif 3 0 mac=$M3
vg_check "mac restored" vg_wait_for $W vif_has_mac vif3.0 $M3

# vifname: a custom name, then renamed
xs_vif 7 0 mac=$M7 ip=192.0.2.7 vifname=guest-web07 bridge=xenbr0
vg_check "custom vifname enforced" vg_wait_for $W map_has '"guest-web07" : "vif7.0"'
vg_expect_eq "custom vifname: legitimate frame passes" 3 "$(udp guest-web07 $M7 192.0.2.7)"
xs_vif 7 0 vifname=guest-web17
vg_check "vifname update applied" vg_wait_for $W map_has '"guest-web17" : "vif7.0"'
vg_check "vifname update: the old name left the map" vg_not map_has '"guest-web07"'
vg_expect_eq "vifname update: the old port is fail-closed" 0 "$(udp guest-web07 $M7 192.0.2.7)"
vg_expect_eq "vifname update: the new port passes" 3 "$(udp guest-web17 $M7 192.0.2.7)"

# A bad value (rejected, error path) and a conflict (withheld path).
xs_vif 9 0 mac=01:00:5e:00:00:09 ip=192.0.2.9
vg_check "bad mac: rejected" vg_wait_for $W grep -q 'XEN_DOMID=9 ' "$VG_DAEMON_LOG"
xs_vif 8 0 mac=00:16:3e:00:08:00 "ip=192.0.2.8 192.0.2.4" bridge=xenbr0
vg_check "conflict: withheld and logged" vg_wait_for $W grep -q 'address 192.0.2.4 withheld' \
	"$VG_DAEMON_LOG"
# Drop attribution (nflog path): one explained drop.
udp vif3.0 $M3 192.0.2.4 >/dev/null
vg_check "a drop is explained" vg_wait_for $W grep -q 'dropped: .*192.0.2.4' "$VG_DAEMON_LOG"

# Removal
xs_rm /local/domain/0/backend/vif/8 /local/domain/0/backend/vif/9
xs_rm /local/domain/0/backend/vif/4
vg_check "removed: vif4.0's chains go" vg_wait_for $W vg_not has_vif vif4.0
vg_expect_eq "removed: nothing of vif4.0 left" 0 "$(engine_list | grep -c -e 'vif4\.0' -e "$M4")"
vg_expect_eq "removed: its port is fail-closed" 0 "$(udp vif4.0 $M4 192.0.2.4)"

# SIGHUP: a new config (protects 192.0.2.30, vif3.0 loses it)
printf '[vifguard]\ntable = %s\nguest-ports = vif* guest-*\n[protect]\naddresses = 192.0.2.30\n[log]\nrate-limit-burst = 1000\n' \
	"$VG_TABLE" >"$VG_CONF"
kill -HUP "$VG_DAEMON_PID"
vg_check "SIGHUP: reloaded" daemon_wait_log 1 'Configuration reloaded' $W
vg_check "SIGHUP: the protected address is withheld" \
	vg_wait_for $W vg_not vif_allows "vif3.0" 192.0.2.30
vg_expect_eq "SIGHUP: protected address drops" 0 "$(udp vif3.0 $M3 192.0.2.30)"
# and a broken one (error path of the reload)
printf '[vifguard]\nno-such-key = 1\n' >"$VG_CONF"
kill -HUP "$VG_DAEMON_PID"
vg_check "SIGHUP with a broken config: refused" daemon_wait_log 1 'Not reloading' $W

# Tamper: nft flush ruleset -> restored
world_host nft flush ruleset
vg_check "flush ruleset: restored" \
	daemon_wait_log 2 'MESSAGE_ID=5ac1127ef4364460a4bf2c9c601f623d' $W
vg_check "flush ruleset: chains back" vg_wait_for $W has_vif vif7.0
vg_expect_eq "flush ruleset: spoof drops again" 0 "$(udp vif3.0 $M3 192.0.2.99)"
vg_expect_eq "flush ruleset: legitimate frame passes" 3 \
	"$(VG_FROM=vif3.0 world_delivered gw eth0 ipv6-udp src=$M3 saddr=2001:db8::3 daddr=2001:db8::fe)"

# xenstored lost and back (xenwatch freed and made again)
xsd_kill9
vg_check "xenstored lost: noticed" daemon_wait_log 1 'Lost the xenstore connection' $W
xsd_restart
xenstore-write /local/domain/0/domid 0 /local/domain/3/name web03
xs_vif 3 0 mac=$M3 "ip=192.0.2.31" bridge=xenbr0
vg_check "xenstored back: reconnected" daemon_wait_log 1 'Reconnected to xenstore' $W
resynced() { ! has_vif vif7.0 && vif_allows vif3.0 192.0.2.31; }
vg_check "xenstored back: resynced (vif7.0 gone, vif3.0 updated)" \
	vg_wait_for $W resynced
vg_expect_eq "after resync: legitimate frame passes" 3 "$(udp vif3.0 $M3 192.0.2.31)"

# Clean stop: valgrind exits with the daemon's status (0), not 99.
daemon_stop
rc=$?
vg_expect_eq "SIGTERM: valgrind exits 0 (99 would be errors or leaks)" 0 "$rc"
vg_check "SIGTERM: the daemon logged its exit" grep -q 'Received SIGTERM' "$VG_DAEMON_LOG"
vg_check "valgrind wrote its summary" grep -q 'ERROR SUMMARY:' "$VG_VALGRIND_LOG"
vg_check "valgrind: ERROR SUMMARY: 0 errors" grep -q 'ERROR SUMMARY: 0 errors' "$VG_VALGRIND_LOG"
# With --leak-check=full a leak summary appears when anything was allocated
# at exit; no summary at all means nothing was left.
leak_zero() { # KIND
	! grep -q 'LEAK SUMMARY' "$VG_VALGRIND_LOG" ||
		grep -qE "$1: 0 bytes in 0 blocks" "$VG_VALGRIND_LOG"
}
vg_check "valgrind: definitely lost: 0" leak_zero 'definitely lost'
vg_check "valgrind: indirectly lost: 0" leak_zero 'indirectly lost'
vg_log "valgrind: $(grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|still reachable|FILE DESCRIPTORS' "$VG_VALGRIND_LOG" | sed 's/^==[0-9]*== *//' | tr '\n' ';')"
# --track-fds: every fd open at exit besides 0-2 was inherited from the
# test's shell (and valgrind's own log): the daemon closed all it opened.
n_open=$(grep -c 'Open file descriptor [0-9]*:' "$VG_VALGRIND_LOG")
n_inherited=$(grep -c '<inherited from parent>' "$VG_VALGRIND_LOG")
vg_check "valgrind --track-fds: the fd report is there" grep -q 'FILE DESCRIPTORS:' "$VG_VALGRIND_LOG"
vg_expect_eq "valgrind --track-fds: no fd the daemon opened is left at exit" "$n_inherited" "$n_open"
vg_check "after exit: the rules stay (fail-closed)" has_vif vif3.0
vg_expect_eq "after exit: still enforcing" 0 "$(udp vif3.0 $M3 192.0.2.99)"
vg_done
