#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Link-local space is shared by everything on the link, so an `ip` value
# with a prefix covering it (fe80::/64, 169.254.0.0/16, ...) would let a
# guest claim the gateway's link-local address with a neighbour
# advertisement.  Such a vif is rejected and stays fail-closed; an exact
# link-local address is still allowed.  Without the table every attack frame
# here reaches the victim, so each drop is the table's.  (With a vg-apply
# that still accepts the prefix, VG_APPLY=..., the attack checks fail.)
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"

vg_require_root
[ -x "$VG_FRAME" ] || vg_skip "vgframe not built"
[ -x "$VG_APPLY" ] || vg_skip "vg-apply not built"

GW_MAC=02:00:00:00:0f:01
GW_LL=fe80::1
M3=00:16:3e:00:03:00
M4=00:16:3e:00:04:00
world_create xenbr0
world_add_peer gw "$GW_MAC" 192.0.2.254/24 2001:db8::fe/64 "$GW_LL/64"
# vif3.0: the attacker, listed with a link-local prefix; vif4.0: the victim,
# with its own link-local address listed exactly
world_add_guest vif3.0 "$M3"
world_add_guest vif4.0 "$M4"

vifs=$(engine_vifs ll \
	"3 0 mac=$M3 ip=\"192.0.2.3 2001:db8::3 fe80::/64\" bridge=xenbr0" \
	"4 0 mac=$M4 ip=\"192.0.2.4 2001:db8::4 fe80::4\" bridge=xenbr0")
# the attack: "fe80::1 (the gateway) is at my mac", and traffic from it
NA_GW=(na src="$M3" saddr="$GW_LL" target="$GW_LL" flags=0xa0)
UDP_GW=(ipv6-udp src="$M3" saddr="$GW_LL" daddr=ff02::1)

export VG_DEADLINE_MS=500
VG_FROM=vif3.0
vg_expect_eq "no table: delivered to another guest: NA claiming the gateway's link-local" 3 \
	"$(world_delivered vif4.0 eth0 "${NA_GW[@]}")"
vg_expect_eq "no table: delivered to another guest: UDP from the gateway's link-local" 3 \
	"$(world_delivered vif4.0 eth0 "${UDP_GW[@]}")"
vg_expect_eq "no table: delivered to another guest: gratuitous ARP for 169.254.1.1" 3 \
	"$(world_delivered vif4.0 eth0 arp-gratuitous src=$M3 ip=169.254.1.1)"

out=$(engine sync "$vifs" 2>&1)
# 3: applied, with a vif left out
vg_expect_eq "engine applies the ruleset without vif3.0" 3 "$?"
vg_check "vif3.0 rejected: its ip value covers link-local addresses" \
	grep -q "rejected: key 'ip': entry 'fe80::/64' is a prefix covering link-local addresses (fe80::/10)" \
	<<<"$out"
vg_check "vif4.0 accepted (an exact link-local address)" bash -c "! grep -q ':2: rejected' <<<\"\$1\"" _ "$out"
vg_expect_eq "vif3.0 is not in @ports (fail-closed)" 0 \
	"$(engine_list | grep -c '"vif3.0"')"

before=$(engine_counter fail-closed)
vg_expect_eq "vif3.0: dropped: NA claiming the gateway's link-local" 0 \
	"$(world_delivered vif4.0 eth0 "${NA_GW[@]}")"
vg_expect_eq "vif3.0: dropped: UDP from the gateway's link-local" 0 \
	"$(world_delivered vif4.0 eth0 "${UDP_GW[@]}")"
vg_expect_eq "vif3.0: dropped: even its own IPv4 address (the whole vif is rejected)" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.254)"
vg_check "the fail-closed counter counts vif3.0's frames" \
	test "$(engine_counter fail-closed)" -ge $((before + 9))

VG_FROM=vif4.0
vg_expect_eq "vif4.0: delivered: NA for its own listed link-local fe80::4" 3 \
	"$(world_delivered gw eth0 na src=$M4 saddr=fe80::4 target=fe80::4)"
vg_expect_eq "vif4.0: delivered: UDP from its own listed link-local" 3 \
	"$(world_delivered gw eth0 ipv6-udp src=$M4 saddr=fe80::4 daddr=fe80::1)"
vg_expect_eq "vif4.0: dropped: NA claiming the gateway's link-local" 0 \
	"$(world_delivered gw eth0 na src=$M4 saddr=fe80::4 target=$GW_LL)"
vg_expect_eq "vif4.0: dropped: UDP from fe80::5, next to its own" 0 \
	"$(world_delivered gw eth0 ipv6-udp src=$M4 saddr=fe80::5 daddr=fe80::1)"

# An IPv4 link-local prefix is refused the same way.
vifs=$(engine_vifs ll4 "3 0 mac=$M3 ip=\"192.0.2.3 169.254.1.0/24\" bridge=xenbr0")
out=$(engine sync "$vifs" 2>&1)
vg_check "169.254.1.0/24 rejected" \
	grep -q "entry '169.254.1.0/24' is a prefix covering link-local addresses (169.254.0.0/16)" \
	<<<"$out"
VG_FROM=vif3.0
vg_expect_eq "vif3.0 with 169.254.1.0/24: dropped: gratuitous ARP for 169.254.1.1" 0 \
	"$(world_delivered vif4.0 eth0 arp-gratuitous src=$M3 ip=169.254.1.1)"

vg_done
