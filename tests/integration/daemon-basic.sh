#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vifguardd end to end: real xenstored, real bridge, real frames.  A vif
# written to xenstore is enforced; ip, mac and vifname changes follow; the
# backend's removal removes the rules; state=6 alone does not; a clean exit
# leaves the rules in force; READY=1 only after the first sync.
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
world_add_guest vif4.0-emu "$M4"
world_add_guest web07 00:16:3e:00:07:00
daemon_setup
# custom vifnames must be declared guest ports
printf 'guest-ports = vif* web*\n' >>"$VG_CONF"

# The backend exists before the daemon starts: enforced by the startup sync.
xenstore-write /local/domain/3/name web03
xs_vif 3 0 mac=$M3 "ip=192.0.2.3 2001:db8::3" bridge=xenbr0 type=vif state=4
VG_DAEMON_ENV="WATCHDOG_USEC=400000" vg_check "daemon starts and reports READY=1" daemon_start
vg_check "READY came after the first full sync" \
	bash -c "grep -n 'Full sync (startup)' '$VG_DAEMON_LOG' | head -n1 | grep -q ."
vg_check "STATUS reports the enforced vif" grep -q 'STATUS=Enforcing 1 vif' "$VG_NOTIFY_LOG"
vg_check "watchdog: WATCHDOG=1 keeps coming (WATCHDOG_USEC=400ms)" \
	daemon_wait_notify 3 'WATCHDOG=1' 3000
vg_check "no_linklocal_learn set on the vif's bridge" \
	bash -c "[ \"\$(ip netns exec $VG_WORLD-host cat /sys/class/net/xenbr0/bridge/no_linklocal_learn)\" = 1 ]"

export VG_DEADLINE_MS=500
VG_FROM=vif3.0
vg_expect_eq "vif3.0: legitimate IPv4 passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.254)"
vg_expect_eq "vif3.0: legitimate IPv6 passes" 3 \
	"$(world_delivered gw eth0 ipv6-udp src=$M3 saddr=2001:db8::3 daddr=2001:db8::fe)"
vg_expect_eq "vif3.0: spoofed IPv4 drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.99 daddr=192.0.2.254)"
vg_expect_eq "vif3.0: ARP for the gateway drops" 0 \
	"$(world_delivered gw eth0 arp-reply src=$M3 spa=192.0.2.254 tha=02:00:00:00:0f:01 tpa=192.0.2.254)"
vg_check "journal: enforced entry with its fields" grep -q \
	"MESSAGE_ID=8ea97c304aad412f86330343180baf00 INTERFACE=vif3.0 XEN_DOMID=3 XEN_DEVID=0 XEN_DOMAIN_NAME=web03" \
	"$VG_DAEMON_LOG"

# A vif appearing while the daemon runs: an HVM guest (netback port + -emu tap).
xenstore-write /local/domain/4/name hvm04
xs_vif 4 0 mac=$M4 ip=192.0.2.4 bridge=xenbr0 type=vif_ioemu state=1
vg_wait_for 3000 has_vif vif4.0
VG_FROM=vif4.0-emu
vg_expect_eq "new HVM vif: legitimate frame from the -emu tap passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M4 saddr=192.0.2.4 daddr=192.0.2.254)"
vg_expect_eq "new HVM vif: spoof from the -emu tap drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M4 saddr=192.0.2.3 daddr=192.0.2.254)"
VG_FROM=vif4.0
vg_expect_eq "new HVM vif: legitimate frame from the netback port passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M4 saddr=192.0.2.4 daddr=192.0.2.254)"

# ip changes: enforcement follows.
VG_FROM=vif3.0
xs_vif 3 0 "ip=192.0.2.30 2001:db8::3"
vg_wait_for 3000 vif_allows vif3.0 192.0.2.30
vg_expect_eq "ip changed: new address passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.30 daddr=192.0.2.254)"
vg_expect_eq "ip changed: old address drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.254)"

# mac changes.
xs_vif 3 0 mac=00:16:3e:00:03:33
vg_wait_for 3000 vif_has_mac vif3.0 00:16:3e:00:03:33
vg_expect_eq "mac changed: old mac drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.30 daddr=192.0.2.254)"
xs_vif 3 0 mac=$M3
vg_wait_for 3000 vif_has_mac vif3.0 $M3

# vifname: the hotplug script renames vif7.0 to the custom name.
xs_vif 7 0 mac=00:16:3e:00:07:00 ip=192.0.2.7 vifname=web07 bridge=xenbr0
vg_wait_for 3000 has_vif vif7.0
VG_FROM=web07
vg_expect_eq "custom vifname: legitimate frame passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=00:16:3e:00:07:00 saddr=192.0.2.7 daddr=192.0.2.254)"
vg_expect_eq "custom vifname: spoof drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=00:16:3e:00:07:00 saddr=192.0.2.3 daddr=192.0.2.254)"

# state=6 (Closed) alone is not removal: a guest reconnecting keeps its rules.
VG_FROM=vif3.0
xs_vif 3 0 state=6
sleep 0.3
vg_check "state=6 alone keeps the rules" has_vif vif3.0
vg_expect_eq "state=6: still enforced" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.99 daddr=192.0.2.254)"

# Removal: libxl deletes the backend dir (and the empty parents).
n_removed=$(log_count 'removed: rules deleted')
xs_rm /local/domain/0/backend/vif/3
vg_wait_for 3000 vg_not has_vif vif3.0
vg_check "backend removed: its chains are gone" vg_not has_vif vif3.0
vg_expect_eq "backend removed: nothing of it left in the ruleset" 0 \
	"$(engine_list | grep -c -e 'vif3\.0' -e "$M3")"
vg_expect_eq "backend removed: its port is fail-closed again" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.30 daddr=192.0.2.254)"
vg_expect_eq "journal: one 'removed' entry" $((n_removed + 1)) "$(log_count 'removed: rules deleted')"
# The whole vif directory vanishes when the last vif goes.
xs_rm /local/domain/0/backend/vif
vg_wait_for 3000 vg_not has_vif vif7.0
vg_check "all backends removed: vif4.0's chains are gone" vg_not has_vif vif4.0
vg_check "all backends removed: vif7.0's chains are gone" vg_not has_vif vif7.0
xs_vif 4 0 mac=$M4 ip=192.0.2.4 type=vif_ioemu
vg_wait_for 3000 has_vif vif4.0
vg_check "the vif directory re-created: watched again" has_vif vif4.0

# SIGTERM: clean exit, the rules stay in the kernel (fail-closed while down).
vg_check "SIGTERM: clean exit (status 0)" daemon_stop
vg_check "after exit: the table is still there" has_vif vif4.0
VG_FROM=vif4.0
vg_expect_eq "after exit: still enforcing" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M4 saddr=192.0.2.99 daddr=192.0.2.254)"
vg_check "daemon logged no error" bash -c "! grep -q '^vifguardd\[error\]' '$VG_DAEMON_LOG'"
vg_done
