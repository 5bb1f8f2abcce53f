#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Faults, one section each; every section ends with no spoofed frame
# delivered (real frames, a guest spoofing the whole section long), the
# daemon alive (or restarted) with exactly the ruleset xenstore gives (the
# kernel's table compared statement by statement with `vifguardd
# --print-ruleset` loaded into a scratch namespace), and one clear log line.
#   a  xenstored SIGKILLed in the middle of a burst of changes, restarted and
#      re-populated with a different state
#   b  injected netlink faults (VIFGUARD_TEST_FAULTS, daemon/nfwriter.c): a
#      batch the kernel refuses (at startup and incrementally), a failed
#      sendmsg() on a change and on the restore after a tamper
#   c  the daemon SIGKILLed between two transactions, and during a burst
#   d  the table deleted in a tight loop while changes are written (frames
#      that pass while the table is gone are counted and logged, not
#      asserted: without the table nothing filters until it is restored)
#   e  the bridge deleted and created again (ports re-enslaved): the daemon
#      sets no_linklocal_learn on the new bridge without any xenstore event
#   f  vifnames longer than IFNAMSIZ
#   g  an ip value of 10,000 entries, and the longest lists xenstore takes
#   h  the config file unreadable or gone at SIGHUP
#   i  sets that fill up (VIFGUARD_TEST_SET_SIZE_MIN=4): the kernel refuses
#      an add with ENFILE; no vif is blamed, the table is replaced with
#      larger sets
# The daemon runs with CAP_NET_ADMIN only, as under its systemd unit (so a
# chmod 000 config file is unreadable to it).
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
vg_require_cmd setpriv
xsd_available || vg_skip "xenstored or its shim not available"

GW=02:00:00:00:0f:01
BE=/local/domain/0/backend/vif
MSGID_KERNEL_REJECTED=e8a2168561664f3ba291101a3f608c96
MSGID_VIF_REJECTED=094b71b67181429196a954c1bdb54d29
MSGID_TAMPER=5ac1127ef4364460a4bf2c9c601f623d
# mac N: the mac of dom N's guest, 00:16:3e:00:<N hex>:00
mac() { printf '00:16:3e:00:%02x:00' "$1"; }

world_create xenbr0
world_add_peer gw "$GW"
PORTS=(vif3.0 vif4.0 vif5.0 vif6.0 vif7.0 vif8.0 vif9.0 guest-012345678)
for p in "${PORTS[@]}"; do
	case $p in
	vif*) d=${p#vif} d=${d%.0} ;;
	*) d=12 ;;
	esac
	world_add_guest "$p" "$(mac "$d")"
done
daemon_setup
printf 'guest-ports = vif* guest-*\n[protect]\naddresses = 192.0.2.1 192.0.2.254\n' >>"$VG_CONF"
export VG_DEADLINE_MS=500

# The daemon with CAP_NET_ADMIN only (CapabilityBoundingSet= of the unit).
VG_REAL_DAEMON=$VG_DAEMON
VG_DAEMON="$VG_WORLD_TMP/vifguardd-capped"
printf '#!/bin/sh\nexec setpriv --bounding-set=-all,+net_admin --inh-caps=-all -- %s "$@"\n' \
	"$VG_REAL_DAEMON" >"$VG_DAEMON"
chmod +x "$VG_DAEMON"

# --- the expected ruleset: what --print-ruleset makes of xenstore, loaded
# into a scratch namespace and listed by the same nft ---
REF_NS="$VG_WORLD-ref"
world_ns_add "$REF_NS"
# settled DESC: within 15 s the kernel's table is exactly xenstore's
settled() {
	if vg_wait_for 15000 ruleset_matches; then
		vg_pass "$1: the table is exactly what xenstore gives"
	else
		vg_failed "$1: the table is exactly what xenstore gives"
		diff <(expected_table) <(actual_table) | head -n 20 | sed 's/^/#   /'
	fi
}

# --- frames ---
# udp PORT DOMID SADDR: frames of dom DOMID's guest (its mac) from SADDR
# delivered to the gateway (of 3)
udp() {
	VG_FROM=$1 world_delivered gw eth0 ipv4-udp src="$(mac "$2")" saddr="$3" daddr=192.0.2.200
}
passes() { [ "$(udp "$@")" = 3 ]; }
drops() { [ "$(udp "$@")" = 0 ]; }

# A spoofing guest for a whole section: vif3.0 claims the gateway's address
# (protected: never granted to anyone) 200 times a second; an observer at
# the gateway counts every copy that gets through.
SPOOF_FRAME=(ipv4-udp src="$(mac 3)" saddr=192.0.2.254 daddr=192.0.2.1)
spoof_start() {
	world_observe_start spoof gw eth0 600000 "${SPOOF_FRAME[@]}" || return 1
	world_bg vif3.0 "$VG_FRAME" send -i eth0 -n 10000000 -g 5000 "${SPOOF_FRAME[@]}"
	SPOOFER=${VG_WORLD_PIDS[-1]}
}
# spoof_end DESC: stop the spoofer; no copy may have been delivered
spoof_end() {
	kill "$SPOOFER" 2>/dev/null
	wait "$SPOOFER" 2>/dev/null
	kill -INT "$VG_OBS_PID_spoof" 2>/dev/null
	vg_expect_eq "$1: no spoofed frame delivered during the section" 0 "$(world_observe_wait spoof)"
}

# log lines: count and wait
lines_since() { # N PATTERN: lines matching PATTERN after line N of the log
	tail -n +"$(($1 + 1))" "$VG_DAEMON_LOG" | grep -cF -- "$2"
}
log_mark() { wc -l <"$VG_DAEMON_LOG"; }
# one_line DESC MARK PATTERN: exactly one log line matching since MARK
one_line() {
	vg_wait_for 10000 bash -c "[ \$(tail -n +$(($2 + 1)) '$VG_DAEMON_LOG' | grep -cF -- \"\$1\") -ge 1 ]" \
		_ "$3"
	vg_expect_eq "$1: one log line: $3" 1 "$(lines_since "$2" "$3")"
}

populate() {
	xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0 \
		/local/domain/3/name web03 /local/domain/4/name web04 /local/domain/5/name web05
	xs_vif 3 0 mac="$(mac 3)" ip=192.0.2.3 bridge=xenbr0
	xs_vif 4 0 mac="$(mac 4)" ip=192.0.2.4 bridge=xenbr0
	xs_vif 5 0 mac="$(mac 5)" ip=192.0.2.5 bridge=xenbr0
}
populate
vg_check "daemon starts (CAP_NET_ADMIN only)" daemon_start
vg_check "startup: table as xenstore says" vg_wait_for 10000 ruleset_matches
vg_check "startup: legitimate frame passes" passes vif3.0 3 192.0.2.3
VG_FROM=vif3.0
vg_expect_eq "startup: the spoofed frame of the sections drops" 0 \
	"$(world_delivered gw eth0 "${SPOOF_FRAME[@]}")"

# ---------------------------------------------------------------- a
vg_log "a: xenstored killed in the middle of a burst"
spoof_start
mark=$(log_mark)
# a spoofer on vif4.0 too: it claims vif5.0's address
world_observe_start spoof4 gw eth0 600000 ipv4-udp src="$(mac 4)" saddr=192.0.2.5 daddr=192.0.2.1
world_bg vif4.0 "$VG_FRAME" send -i eth0 -n 10000000 -g 5000 ipv4-udp src="$(mac 4)" \
	saddr=192.0.2.5 daddr=192.0.2.1
spoofer4=${VG_WORLD_PIDS[-1]}
# every state of the burst keeps 192.0.2.3 / 192.0.2.4: they pass throughout
(
	for i in $(seq 1 250); do
		xenstore-write $BE/3/0/ip "192.0.2.3 198.51.100.$i" \
			$BE/4/0/ip "192.0.2.4 203.0.113.$i" 2>/dev/null || exit 0
	done
) &
burst=$!
vg_check "a: the daemon follows the burst" \
	vg_wait_for 10000 bash -c "[ \$(tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | grep -c 'vif3.0.*enforced') -ge 5 ]"
vg_check "a: the burst is still being written" kill -0 "$burst"
xsd_kill9
wait "$burst"
n_burst=$(lines_since "$mark" 'enforced: mac')
vg_log "a: xenstored killed after $n_burst applied changes"
one_line "a: the loss" "$mark" 'Lost the xenstore connection'
vg_check "a: daemon alive without xenstored" daemon_alive
vg_check "a: outage: vif3.0's legitimate frame passes" passes vif3.0 3 192.0.2.3
vg_check "a: outage: vif3.0's spoof drops" drops vif3.0 3 192.0.2.99
vg_check "a: outage: vif5.0's legitimate frame passes" passes vif5.0 5 192.0.2.5
vg_check "a: outage: vif6.0 (never configured) is fail-closed" drops vif6.0 6 192.0.2.6
# xenstored back, empty; the toolstack writes a different state: vif3.0
# changed, vif4.0 gone, vif6.0 new
xsd_restart
xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0 \
	/local/domain/3/name web03 /local/domain/5/name web05 /local/domain/6/name web06
xs_vif 3 0 mac="$(mac 3)" ip=192.0.2.33 bridge=xenbr0
xs_vif 5 0 mac="$(mac 5)" ip=192.0.2.5 bridge=xenbr0
xs_vif 6 0 mac="$(mac 6)" ip=192.0.2.6 bridge=xenbr0
vg_check "a: reconnected" daemon_wait_log 1 'Reconnected to xenstore' 15000
settled "a: after the re-population"
vg_check "a: vif3.0's new address passes" passes vif3.0 3 192.0.2.33
vg_check "a: vif3.0's address of the burst drops" drops vif3.0 3 192.0.2.3
vg_check "a: vif4.0 (gone from xenstore) is fail-closed" drops vif4.0 4 192.0.2.4
vg_check "a: vif6.0 (new) passes" passes vif6.0 6 192.0.2.6
kill "$spoofer4" 2>/dev/null
wait "$spoofer4" 2>/dev/null
kill -INT "$VG_OBS_PID_spoof4" 2>/dev/null
vg_expect_eq "a: vif4.0's spoof of vif5.0's address: none delivered" 0 "$(world_observe_wait spoof4)"
spoof_end "a"
vg_check "a: daemon alive" daemon_alive

# ---------------------------------------------------------------- b
vg_log "b: injected netlink faults"
spoof_start
# b1: the kernel refuses an element of vif5.0 (every time), at startup: in
# the full sync's merged plan that message holds many vifs' elements, so the
# plan is made again a message per vif to find whose it was
daemon_stop
mark=$(log_mark)
VG_DAEMON_ENV="VIFGUARD_TEST_FAULTS=reject-elem=vif5.0,reject=vif7.0" vg_check \
	"b1: daemon starts with reject-elem=vif5.0,reject=vif7.0" daemon_start
one_line "b1: the refusal" "$mark" "MESSAGE_ID=$MSGID_KERNEL_REJECTED INTERFACE=vif5.0"
vg_check "b1: ... an error naming the cause" \
	bash -c "tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | grep -F 'vifguardd[error]' | grep -q 'vif5.0.*the kernel refused its rules: Invalid argument: injected'"
vg_check "b1: vif5.0 is fail-closed" drops vif5.0 5 192.0.2.5
vg_check "b1: vif5.0 has no chain" vg_not has_vif vif5.0
vg_check "b1: the others are enforced (vif3.0 passes)" passes vif3.0 3 192.0.2.33
vg_check "b1: the others are enforced (vif6.0 passes)" passes vif6.0 6 192.0.2.6
# b2: incremental: vif7.0 and vif8.0 appear in one transaction, the kernel
# refuses vif7.0's chain
xenstore-write /local/domain/7/name web07 /local/domain/8/name web08 \
	$BE/7/0/mac "$(mac 7)" $BE/7/0/ip 192.0.2.7 $BE/7/0/bridge xenbr0 \
	$BE/8/0/mac "$(mac 8)" $BE/8/0/ip 192.0.2.8 $BE/8/0/bridge xenbr0
one_line "b2: the refusal" "$mark" "MESSAGE_ID=$MSGID_KERNEL_REJECTED INTERFACE=vif7.0"
vg_check "b2: vif8.0, in the same transaction, is enforced" vg_wait_for 5000 has_vif vif8.0
vg_check "b2: vif8.0 passes" passes vif8.0 8 192.0.2.8
vg_check "b2: vif7.0 is fail-closed" drops vif7.0 7 192.0.2.7
vg_check "b2: vif7.0 has no chain" vg_not has_vif vif7.0
vg_check "b2: status says vif7.0 failed" \
	grep -qE 'domid=7.*state=failed.*injected' "$VG_RUNTIME_DIR/status"
# the daemon goes on: changes of the others are applied (each transaction
# retries the failed vifs, is refused, and goes through without them)
xs_vif 6 0 "ip=192.0.2.6 192.0.2.66"
vg_check "b2: another vif's change is applied" vg_wait_for 5000 vif_allows "vif6.0" 192.0.2.66
vg_check "b2: ... its new address passes" passes vif6.0 6 192.0.2.66
kill -HUP "$VG_DAEMON_PID"
vg_check "b2: a full sync (SIGHUP) works around them too" \
	daemon_wait_log 1 'Full sync (configuration reloaded)'
vg_check "b2: ... vif5.0 still fail-closed" drops vif5.0 5 192.0.2.5
vg_check "b2: ... vif8.0 still passes" passes vif8.0 8 192.0.2.8
vg_expect_eq "b2: each refusal logged once in all that" 2 \
	"$(lines_since "$mark" "MESSAGE_ID=$MSGID_KERNEL_REJECTED")"
vg_expect_eq "b2: no other error" 2 "$(tail -n +$((mark + 1)) "$VG_DAEMON_LOG" | grep -cF 'vifguardd[error]')"
vg_check "b2: daemon alive" daemon_alive
# recovery: the kernel takes the rules again (a restart without the fault:
# its startup full sync)
daemon_stop
vg_check "b2: restarted without faults" daemon_start
settled "b2: recovered"
vg_check "b2: vif5.0 recovered" passes vif5.0 5 192.0.2.5
vg_check "b2: vif7.0 recovered" passes vif7.0 7 192.0.2.7

# b3: sendmsg() fails on a change (commit 2): the whole table is replaced
daemon_stop
mark=$(log_mark)
VG_DAEMON_ENV="VIFGUARD_TEST_FAULTS=send-fail=2,send-fail=4" vg_check \
	"b3: daemon starts with send-fail=2,send-fail=4" daemon_start
xs_vif 8 0 ip=192.0.2.88
vg_check "b3: the change is applied after all" vg_wait_for 5000 vif_allows "vif8.0" 192.0.2.88
one_line "b3: the failed send" "$mark" 'Transaction failed: No buffer space available'
vg_check "b3: vif8.0's new address passes" passes vif8.0 8 192.0.2.88
vg_check "b3: vif8.0's old address drops" drops vif8.0 8 192.0.2.8
settled "b3: after the failed send"

spoof_end "b1-b3"
# b4: sendmsg() fails on the restore after a tamper (commit 4): tried again.
# Until the daemon restores it (100 ms later) there is no table: nothing
# filters, as in d, so the spoof watch restarts after the restore.
mark=$(log_mark)
world_host nft delete table bridge "$VG_TABLE"
one_line "b4: the tamper" "$mark" 'was changed by someone else'
one_line "b4: the failed restore" "$mark" 'Full sync failed (restored after an outside change): No buffer space available'
vg_check "b4: the table is restored after all" vg_wait_for 10000 has_vif vif8.0
settled "b4: after the failed restore"
vg_check "b4: spoof drops" drops vif8.0 8 192.0.2.99
vg_check "b4: legitimate frame passes" passes vif8.0 8 192.0.2.88
spoof_start
xs_vif 8 0 ip=192.0.2.8
vg_check "b4: a change after the restore is applied" vg_wait_for 5000 vif_allows "vif8.0" 192.0.2.8
spoof_end "b4"
daemon_stop
vg_check "b: daemon restarted without faults" daemon_start

# ---------------------------------------------------------------- c
vg_log "c: the daemon SIGKILLed between two transactions"
spoof_start
mark=$(log_mark)
xs_vif 5 0 "ip=192.0.2.5 192.0.2.55"
daemon_wait_log 1 'addresses 192.0.2.5 192.0.2.55' 5000
daemon_kill9
# (the spoofer's dropped frames are logged as they come: not a transaction)
vg_check "c: killed right after the change was logged" \
	bash -c "grep -v ': dropped: ' '$VG_DAEMON_LOG' | tail -n 1 | grep -q '192.0.2.55'"
# the next transaction happens while it is down
xs_vif 5 0 ip=192.0.2.56
xs_rm $BE/6
xs_vif 9 0 mac="$(mac 9)" ip=192.0.2.9 bridge=xenbr0
vg_check "c: while down: the first change is in force" passes vif5.0 5 192.0.2.55
vg_check "c: while down: the new vif is fail-closed" drops vif9.0 9 192.0.2.9
vg_check "c: restarted" daemon_start
settled "c: after the restart"
vg_check "c: vif5.0's address of the first change drops" drops vif5.0 5 192.0.2.55
vg_check "c: vif5.0's address of the second change passes" passes vif5.0 5 192.0.2.56
vg_check "c: vif6.0 (removed while down) is fail-closed" drops vif6.0 6 192.0.2.6
vg_check "c: vif9.0 (added while down) passes" passes vif9.0 9 192.0.2.9
# and killed in the middle of a burst of transactions
mark=$(log_mark)
(
	for i in $(seq 1 200); do
		xs_vif 5 0 "ip=192.0.2.5 198.51.100.$i" || exit 0
	done
) &
burst=$!
vg_wait_for 10000 bash -c "[ \$(tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | grep -c 'vif5.0.*enforced') -ge 5 ]"
daemon_kill9
wait "$burst"
vg_log "c: killed after $(lines_since "$mark" 'enforced') of 200 changes"
vg_check "c: restarted after the burst" daemon_start
settled "c: after the burst"
vg_check "c: the burst's last address passes" passes vif5.0 5 198.51.100.200
vg_check "c: an earlier address of the burst drops" drops vif5.0 5 198.51.100.199
one_line "c: the restart" "$mark" 'Full sync (startup)'
spoof_end "c"

# ---------------------------------------------------------------- d
vg_log "d: the table deleted in a tight loop while changes are written"
mark=$(log_mark)
# Leaks are counted during the loop for the record: while the table is
# deleted nothing filters (root took the protection away) until the daemon
# restores it.
world_observe_start spoofd gw eth0 600000 "${SPOOF_FRAME[@]}"
world_bg vif3.0 "$VG_FRAME" send -i eth0 -n 10000000 -g 1000 "${SPOOF_FRAME[@]}"
spooferd=${VG_WORLD_PIDS[-1]}
world_host bash -c 'end=$((SECONDS + 4)); n=0; while [ $SECONDS -lt $end ]; do
	nft delete table bridge "$1" 2>/dev/null && n=$((n + 1)); done; echo "$n" >"$2"' \
	_ "$VG_TABLE" "$VG_WORLD_TMP/deletes" &
deleter=$!
VG_WORLD_PIDS+=("$deleter")
for i in $(seq 1 40); do
	xs_vif 5 0 "ip=192.0.2.5 203.0.113.$i"
	xs_vif 9 0 "ip=192.0.2.9 198.51.100.$i"
	sleep 0.05
done
wait "$deleter"
kill "$spooferd" 2>/dev/null
wait "$spooferd" 2>/dev/null
kill -INT "$VG_OBS_PID_spoofd" 2>/dev/null
leaked=$(world_observe_wait spoofd)
vg_log "d: $(cat "$VG_WORLD_TMP/deletes") deletions; $(lines_since "$mark" "MESSAGE_ID=$MSGID_TAMPER") tamper log lines; $leaked spoofed frames (1000/s) passed while the table was gone"
vg_check "d: the daemon noticed" bash -c "[ $(lines_since "$mark" 'was changed by someone else') -ge 1 ]"
vg_check "d: daemon alive" daemon_alive
vg_check "d: the table is back" vg_wait_for 10000 has_vif vif5.0
settled "d: after the deletions"
spoof_start
vg_check "d: the last change is in force" passes vif5.0 5 203.0.113.40
vg_check "d: vif9.0's last change is in force" passes vif9.0 9 198.51.100.40
vg_check "d: spoof drops" drops vif9.0 9 198.51.100.39
vg_expect_eq "d: no error besides expected ones" 0 \
	"$(tail -n +$((mark + 1)) "$VG_DAEMON_LOG" | grep -cF "vifguardd[error]")"
spoof_end "d"

# ---------------------------------------------------------------- e
vg_log "e: the bridge deleted and created again"
spoof_start
mark=$(log_mark)
nll() { [ "$(world_host cat /sys/class/net/xenbr0/bridge/no_linklocal_learn 2>/dev/null)" = "$1" ]; }
vg_check "e: before: no_linklocal_learn is set" nll 1
world_host ip link del xenbr0
vg_check "e: bridge gone: daemon alive" daemon_alive
world_host ip link add xenbr0 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
world_host ip link set xenbr0 up
for p in gw "${PORTS[@]}"; do
	world_host ip link set "$p" master xenbr0
done
vg_check "e: the daemon sets no_linklocal_learn on the new bridge" vg_wait_for 10000 nll 1
one_line "e: the bridge" "$mark" 'Bridge xenbr0: no_linklocal_learn set'
settled "e: rules keyed by port name survive"
vg_check "e: legitimate frame passes" passes vif5.0 5 203.0.113.40
vg_check "e: spoof drops" drops vif5.0 5 192.0.2.99
vg_check "e: an unconfigured port is fail-closed" drops vif6.0 6 192.0.2.6
spoof_end "e"

# ---------------------------------------------------------------- f
vg_log "f: vifnames longer than IFNAMSIZ"
spoof_start
for name in guest-0123456789 guest-0123456789abcdefghijklmnopqrstuvwxyz \
	"guest-$(head -c 3000 /dev/zero | tr '\0' x)"; do
	mark=$(log_mark)
	xs_vif 6 0 mac="$(mac 6)" ip=192.0.2.6 "vifname=$name" bridge=xenbr0
	one_line "f: ${#name}-byte vifname" "$mark" "MESSAGE_ID=$MSGID_VIF_REJECTED INTERFACE=vif6.0"
	vg_check "f: ${#name}-byte vifname: the error says why" \
		bash -c "tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | grep -F 'vifguardd[error]' | grep -q \"key 'vifname'.*longer than 15 bytes\""
	vg_check "f: ${#name}-byte vifname: the error line stays short" \
		bash -c "[ \$(tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | wc -L) -lt 600 ]"
	vg_check "f: ${#name}-byte vifname: netback's port stays fail-closed" drops vif6.0 6 192.0.2.6
	vg_check "f: ${#name}-byte vifname: no chain" vg_not has_vif vif6.0
	settled "f: ${#name}-byte vifname"
	xs_rm $BE/6
	vg_wait_for 5000 ruleset_matches
done
# exactly IFNAMSIZ - 1 bytes is a valid name
xs_vif 12 0 mac="$(mac 12)" ip=192.0.2.12 vifname=guest-012345678 bridge=xenbr0
vg_check "f: a 15-byte vifname is enforced" vg_wait_for 5000 has_vif vif12.0
vg_check "f: a 15-byte vifname passes its traffic" passes guest-012345678 12 192.0.2.12
vg_check "f: ... and drops its spoof" drops guest-012345678 12 192.0.2.3
# an HVM vif whose name + "-emu" is longer than 15 bytes
mark=$(log_mark)
xs_vif 12 0 type=vif_ioemu
one_line "f: a 15-byte vifname of an HVM vif (-emu makes 19)" "$mark" \
	"MESSAGE_ID=$MSGID_VIF_REJECTED INTERFACE=vif12.0 XEN_DOMID=12"
vg_check "f: ... its port is fail-closed again" drops guest-012345678 12 192.0.2.12
settled "f: after the vifnames"
vg_check "f: daemon alive" daemon_alive
spoof_end "f"

# ---------------------------------------------------------------- g
vg_log "g: an ip value of 10,000 entries"
spoof_start
mark=$(log_mark)
huge=$(for i in $(seq 2 10001); do printf '::%x ' "$i"; done)
vg_log "g: the value is ${#huge} bytes"
vg_check "g: xenstored refuses a 10,000-entry value (its messages hold 4096 bytes)" \
	vg_not xs_vif 9 0 "ip=$huge"
vg_check "g: ... the old value stays" \
	bash -c "[ \"\$(xenstore-read $BE/9/0/ip)\" = '192.0.2.9 198.51.100.40' ]"
# The most entries that fit: 4000 bytes of short IPv6 addresses.
many=$(for i in $(seq 2 2000); do printf '::%x ' "$i"; done)
many=${many:0:4000}
many=${many% *}
n_many=$(wc -w <<<"$many")
vg_check "g: a $n_many-entry value fits" xs_vif 9 0 "ip=$many"
one_line "g: $n_many entries" "$mark" "MESSAGE_ID=$MSGID_VIF_REJECTED INTERFACE=vif9.0"
vg_check "g: ... the error says why" \
	bash -c "tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | grep -F 'vifguardd[error]' | grep -q \"key 'ip'.*more than 64 entries\""
vg_check "g: ... the error line stays short" \
	bash -c "[ \$(tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | wc -L) -lt 600 ]"
vg_check "g: ... vif9.0 is fail-closed" drops vif9.0 9 192.0.2.9
vg_check "g: ... vif9.0 has no chain" vg_not has_vif vif9.0
settled "g: $n_many entries"
# 1000 copies of one address: duplicates count once, enforced
dups=$(for i in $(seq 1 1000); do printf '192.0.2.9 '; done)
dups=${dups:0:4000}
xs_vif 9 0 "ip=$dups"
vg_check "g: $(wc -w <<<"$dups") copies of one address: enforced" vg_wait_for 5000 has_vif vif9.0
vg_check "g: ... that address passes" passes vif9.0 9 192.0.2.9
# exactly 64 distinct entries: enforced, all in the set
list64=$(for i in $(seq 1 64); do printf '198.51.100.%d ' "$i"; done)
xs_vif 9 0 "ip=$list64"
vg_check "g: 64 entries: enforced" vg_wait_for 5000 vif_allows "vif9.0" 198.51.100.64
vg_check "g: ... the 64th passes" passes vif9.0 9 198.51.100.64
vg_check "g: ... the old one drops" drops vif9.0 9 192.0.2.9
settled "g: 64 entries"
vg_check "g: daemon alive" daemon_alive
spoof_end "g"

# ---------------------------------------------------------------- h
vg_log "h: the config file unreadable at SIGHUP"
spoof_start
before=$(actual_table)
cp "$VG_CONF" "$VG_WORLD_TMP/good.conf"
for how in chmod rm dir; do
	mark=$(log_mark)
	case $how in
	chmod) why='Permission denied' && chmod 000 "$VG_CONF" ;;
	rm) why='No such file or directory' && rm -f "$VG_CONF" ;;
	dir) why='Is a directory' && rm -f "$VG_CONF" && mkdir "$VG_CONF" ;;
	esac
	kill -HUP "$VG_DAEMON_PID"
	one_line "h ($how)" "$mark" "$why"
	vg_check "h ($how): the error names the file" \
		bash -c "tail -n +$((mark + 1)) '$VG_DAEMON_LOG' | grep -F 'vifguardd[error]' | grep -qF '$VG_CONF'"
	one_line "h ($how)" "$mark" 'Not reloading: keeping the running configuration'
	vg_check "h ($how): daemon alive" daemon_alive
	vg_expect_eq "h ($how): the table is unchanged" "$before" "$(actual_table)"
	vg_check "h ($how): the old config stays: 192.0.2.254 still protected" \
		drops vif3.0 3 192.0.2.254
	# still working: a change is applied
	xs_vif 9 0 "ip=198.51.100.64 192.0.2.9"
	vg_check "h ($how): changes still applied" vg_wait_for 5000 vif_allows "vif9.0" 192.0.2.9
	xs_vif 9 0 "ip=$list64"
	vg_wait_for 5000 vg_not vif_allows "vif9.0" 192.0.2.9
	rm -rf "$VG_CONF"
	cp "$VG_WORLD_TMP/good.conf" "$VG_CONF"
done
mark=$(log_mark)
kill -HUP "$VG_DAEMON_PID"
one_line "h: readable again" "$mark" 'Configuration reloaded'
settled "h: after the reload"
spoof_end "h"

# ---------------------------------------------------------------- i
vg_log "i: sets that fill up"
spoof_start
daemon_stop
# sets sized for 4 x their elements at the last full sync, at least 4
VG_DAEMON_ENV="VIFGUARD_TEST_SET_SIZE_MIN=4" vg_check "i: daemon starts with small sets" \
	daemon_start
settled "i: startup"
ports_size() { world_host nft list set bridge "$VG_TABLE" ports | awk '$1 == "size" { print $2 }'; }
size_before=$(ports_size)
mark=$(log_mark)
# one vif at a time, each its own event: @ports (sized 32 for the vifs
# there are) has to grow
for d in $(seq 40 99); do
	xs_vif "$d" 0 mac="$(mac "$d")" ip="203.0.113.$((d + 100))" bridge=xenbr0
	vg_wait_for 5000 vif_allows "vif$d.0" "203.0.113.$((d + 100))" || break
done
vg_check "i: all 60 added vifs enforced" vif_allows vif99.0 203.0.113.199
n_full=$(lines_since "$mark" 'Full sync (a set is full)')
vg_check "i: sets filled up and the table was replaced ($n_full times)" [ "$n_full" -ge 1 ]
vg_expect_eq "i: no vif blamed for a full set" 0 "$(lines_since "$mark" 'kernel refused')"
vg_check "i: @ports grew (size $size_before before)" [ "$(ports_size)" -gt "$size_before" ]
vg_check "i: vif9.0's legitimate frame passes" passes vif9.0 9 198.51.100.64
for d in $(seq 40 99); do xs_rm "$BE/$d"; done
settled "i: the 60 vifs removed"
spoof_end "i"

vg_check "clean stop" daemon_stop
vg_done
