#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# xenstored goes away: libxenstore does not reconnect, so vifguardd must,
# with backoff, and then resync everything; the rules stay in force while
# xenstored is gone.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

M3=00:16:3e:00:03:00
M4=00:16:3e:00:04:00
world_create xenbr0
world_add_peer gw 02:00:00:00:0f:01
world_add_guest vif3.0 "$M3"
world_add_guest vif4.0 "$M4"
daemon_setup
export VG_DEADLINE_MS=500

populate() {
	xenstore-write /local/domain/0/domid 0 /local/domain/3/name web03 &&
		xs_vif 3 0 mac=$M3 "ip=$1" bridge=xenbr0
}
populate 192.0.2.3
vg_check "daemon started" daemon_start
VG_FROM=vif3.0

# A burst of changes, and xenstored dies in the middle of it.
for i in $(seq 1 50); do
	xs_vif 3 0 "ip=192.0.2.3 198.51.100.$i" || break
done &
burst=$!
sleep 0.05
xsd_kill9
wait "$burst" 2>/dev/null
vg_check "daemon notices the lost connection" daemon_wait_log 1 'Lost the xenstore connection'
vg_check "daemon keeps running without xenstored" daemon_alive
vg_expect_eq "xenstored down: rules still in force (spoof drops)" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.99 daddr=192.0.2.254)"
vg_expect_eq "xenstored down: legitimate traffic passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.254)"
sleep 1 # a few reconnect attempts with backoff

# xenstored comes back (empty, as this test xenstored keeps no state); the
# toolstack writes the backends again, with a change and a new vif.
xsd_restart
populate 192.0.2.33
xs_vif 4 0 mac=$M4 ip=192.0.2.4 bridge=xenbr0
vg_check "daemon reconnects" daemon_wait_log 1 'Reconnected to xenstore' 10000
vg_wait_for 5000 has_vif vif4.0
vg_check "resync: the new vif is enforced" has_vif vif4.0
vg_expect_eq "resync: vif3.0's new address passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.33 daddr=192.0.2.254)"
vg_expect_eq "resync: vif3.0's old address drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.254)"
vg_check "resync is logged" grep -q 'MESSAGE_ID=7305865137334f18a98a5654882ae995' "$VG_DAEMON_LOG"

# And the watch works on the new connection.
xs_vif 3 0 ip=192.0.2.35
vg_wait_for 3000 vif_allows vif3.0 192.0.2.35
vg_expect_eq "after reconnect: changes are followed" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.35 daddr=192.0.2.254)"
vg_check "clean stop" daemon_stop
vg_done
