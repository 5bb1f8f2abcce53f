#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Crash and restart: vifguardd is SIGKILLed, vifs are added, changed and
# removed while it is down, and it is started again: the state is right, and
# a guest spoofing in a tight loop the whole time gets nothing through.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

M3=00:16:3e:00:03:00
M4=00:16:3e:00:04:00
M5=00:16:3e:00:05:00
world_create xenbr0
world_add_peer gw 02:00:00:00:0f:01
world_add_guest vif3.0 "$M3"
world_add_guest vif4.0 "$M4"
world_add_guest vif5.0 "$M5"
daemon_setup
export VG_DEADLINE_MS=500

xs_vif 3 0 mac=$M3 ip=192.0.2.3 bridge=xenbr0
xs_vif 4 0 mac=$M4 ip=192.0.2.4 bridge=xenbr0
vg_check "daemon started" daemon_start

# The attacker (vif3.0) claims the gateway's address for the whole test.
world_observe_start spoof gw eth0 120000 ipv4-udp src=$M3 saddr=192.0.2.254 daddr=192.0.2.1
world_bg vif3.0 "$VG_FRAME" send -i eth0 -n 10000000 -g 50 ipv4-udp src=$M3 \
	saddr=192.0.2.254 daddr=192.0.2.1
spoofer=${VG_WORLD_PIDS[-1]}

daemon_kill9
vg_check "after SIGKILL the rules are still there" has_vif vif3.0
# While the daemon is down: vif4.0 changes address, vif3.0 keeps spoofing,
# vif5.0 appears, and dom 4's old address must stop working once we are back.
xs_vif 4 0 ip=192.0.2.44
xs_vif 5 0 mac=$M5 ip=192.0.2.5 bridge=xenbr0
VG_FROM=vif5.0
vg_expect_eq "while down: a new vif's port is fail-closed" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M5 saddr=192.0.2.5 daddr=192.0.2.254)"
VG_FROM=vif4.0
vg_expect_eq "while down: the old rules stay in force" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M4 saddr=192.0.2.4 daddr=192.0.2.254)"

vg_check "daemon restarted" daemon_start
vg_expect_eq "after restart: vif4.0's new address passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M4 saddr=192.0.2.44 daddr=192.0.2.254)"
vg_expect_eq "after restart: vif4.0's old address drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M4 saddr=192.0.2.4 daddr=192.0.2.254)"
VG_FROM=vif5.0
vg_expect_eq "after restart: the vif added while down is enforced" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M5 saddr=192.0.2.5 daddr=192.0.2.254)"

# Removed while down: its rules go in the startup transaction.
daemon_kill9
xs_rm /local/domain/0/backend/vif/5
vg_check "daemon restarted again" daemon_start
vg_check "the vif removed while down lost its rules at startup" vg_not has_vif vif5.0
vg_expect_eq "and its port is fail-closed" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M5 saddr=192.0.2.5 daddr=192.0.2.254)"

# Kill and restart a few times more while the spoofer runs.
for i in 1 2 3 4 5; do
	daemon_kill9
	daemon_start || break
done
vg_check "daemon alive after 5 more kill/restart cycles" daemon_alive
kill "$spoofer" 2>/dev/null
kill -INT "$VG_OBS_PID_spoof" 2>/dev/null
vg_expect_eq "spoofing guest got 0 frames through across all restarts" 0 \
	"$(world_observe_wait spoof)"
vg_check "clean stop" daemon_stop
vg_done
