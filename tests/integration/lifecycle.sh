#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Changing and removing a vif: an ip/mac update applied while the guest
# sends accepts no frame of the old address once the transaction is done and
# drops none of the new; removal leaves no trace in the ruleset.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"

vg_require_root
[ -x "$VG_FRAME" ] || vg_skip "vgframe not built"

M=00:16:3e:00:03:00
M2=00:16:3e:00:03:99
world_create xenbr0
world_add_guest vif3.0 "$M"
world_add_guest vif4.0 00:16:3e:00:04:00
world_add_peer gw 02:00:00:00:0f:01
VG_FROM=vif3.0
export VG_DEADLINE_MS=500

old=$(engine_vifs old '3 0 mac='$M' ip="192.0.2.3 2001:db8::3"' '4 0 mac=00:16:3e:00:04:00 ip=192.0.2.4')
new=$(engine_vifs new '3 0 mac='$M' ip="192.0.2.30 2001:db8::30"')
vg_check "initial ruleset" engine sync "$old"
vg_expect_eq "before: old address passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M saddr=192.0.2.3 daddr=192.0.2.254)"
vg_expect_eq "before: new address drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M saddr=192.0.2.30 daddr=192.0.2.254)"

# Background traffic from both addresses while the update is applied.
world_bg vif3.0 "$VG_FRAME" send -i eth0 -n 4000 -g 500 ipv4-udp src=$M saddr=192.0.2.3 \
	daddr=192.0.2.254 dport=7
world_bg vif3.0 "$VG_FRAME" send -i eth0 -n 4000 -g 500 ipv4-udp src=$M saddr=192.0.2.30 \
	daddr=192.0.2.254 dport=7
sleep 0.3
vg_check "ip update applied under traffic (one transaction)" engine update "$old" "$new"
# Right after the transaction: the old address's flood must not get through.
world_observe_start oldflood gw eth0 800 ipv4-udp src=$M saddr=192.0.2.3 daddr=192.0.2.254 dport=7
vg_expect_eq "after: no frame of the old address (flood still running)" 0 \
	"$(world_observe_wait oldflood)"
# ...and not one frame of the new address is lost: a counted burst.
world_observe_start burst gw eth0 5000 -n 500 ipv4-udp src=$M saddr=192.0.2.30 \
	daddr=192.0.2.254 dport=8
world_send vif3.0 -n 500 -g 200 ipv4-udp src=$M saddr=192.0.2.30 daddr=192.0.2.254 dport=8
vg_expect_eq "after: every frame of the new address arrives (500 of 500)" 500 \
	"$(world_observe_wait burst)"
vg_expect_eq "after: new IPv6 address passes" 3 \
	"$(world_delivered gw eth0 ipv6-udp src=$M saddr=2001:db8::30 daddr=2001:db8::fe)"
vg_expect_eq "after: old IPv6 address drops" 0 \
	"$(world_delivered gw eth0 ipv6-udp src=$M saddr=2001:db8::3 daddr=2001:db8::fe)"

# A mac change: the old mac drops, the new one passes.
newmac=$(engine_vifs newmac '3 0 mac='$M2' ip="192.0.2.30"')
vg_check "mac update applied" engine update "$new" "$newmac"
vg_expect_eq "mac update: old mac drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M saddr=192.0.2.30 daddr=192.0.2.254)"
vg_expect_eq "mac update: new mac passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M2 saddr=192.0.2.30 daddr=192.0.2.254)"
vg_expect_eq "other vif untouched by the updates" 3 \
	"$(VG_FROM=vif4.0 world_delivered gw eth0 ipv4-udp src=00:16:3e:00:04:00 saddr=192.0.2.4 daddr=192.0.2.254)"

# Removal: nothing of the vif is left, and its port is back to fail-closed.
vg_check "vif removed" engine del "$newmac"
list=$(engine_list)
vg_expect_eq "no trace of vif3.0 in the ruleset" 0 "$(grep -c -e 'vif3\.0' -e "$M2" -e 192.0.2.30 <<<"$list")"
vg_expect_eq "vif4.0 still in the ruleset" 1 "$(grep -c 'counter vif4.0 {' <<<"$list")"
vg_expect_eq "removed vif's port is fail-closed" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M2 saddr=192.0.2.30 daddr=192.0.2.254)"
vg_check "a second removal fails loudly" bash -c "! ip netns exec $VG_WORLD-host $VG_APPLY -t $VG_TABLE del $newmac 2>/dev/null"
# A full sync replaces the table in one transaction: a guest spoofing in a
# tight loop throughout 20 of them gets nothing through.
VG_FROM=vif4.0
world_observe_start storm gw eth0 60000 ipv4-udp src=00:16:3e:00:04:00 saddr=192.0.2.254 \
	daddr=192.0.2.1
world_bg vif4.0 "$VG_FRAME" send -i eth0 -n 200000 -g 20 ipv4-udp src=00:16:3e:00:04:00 \
	saddr=192.0.2.254 daddr=192.0.2.1
spoofer=${VG_WORLD_PIDS[-1]}
ok=0
for i in $(seq 20); do
	engine sync "$old" && ok=$((ok + 1))
done
kill "$spoofer" 2>/dev/null
kill -INT "$VG_OBS_PID_storm" 2>/dev/null
vg_expect_eq "20 full syncs under a spoofing flood all applied" 20 "$ok"
vg_expect_eq "no spoofed frame got through during the syncs" 0 "$(world_observe_wait storm)"

# A vif the kernel rejects (here: two vifs claim one port name) is blamed by
# sequence number and left out; the others are applied.
clash=$(engine_vifs clash '3 0 mac='$M' vifname=clash ip=192.0.2.3' \
	'8 0 mac=00:16:3e:00:08:00 vifname=clash ip=192.0.2.8' \
	'4 0 mac=00:16:3e:00:04:00 ip=192.0.2.4')
err=$(engine sync "$clash" 2>&1 >/dev/null)
vg_check "the sync with a clashing vif still applies the others" \
	bash -c "ip netns exec $VG_WORLD-host nft list counter bridge $VG_TABLE vif4.0 >/dev/null"
vg_check "the clashing vif is named in the error ($err)" grep -q 'vif8.0 (clash)' <<<"$err"
vg_check "the clashing vif has no rules" \
	bash -c "! ip netns exec $VG_WORLD-host nft list counter bridge $VG_TABLE vif8.0 2>/dev/null"
vg_expect_eq "the port stays with the first vif" 1 \
	"$(world_host nft list map bridge "$VG_TABLE" port-counters | grep -c '"clash" : "vif3.0"')"

vg_done
