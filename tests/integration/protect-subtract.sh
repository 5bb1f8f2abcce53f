#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Protected addresses are subtracted from a guest's prefixes (issue 14, item
# 1): a guest allowed 192.0.2.0/24 and 2001:db8::/64 keeps every address of
# them but the protected 192.0.2.1 and 2001:db8::1.  The kernel's interval
# sets protect4, protect6 and protect-nd are looked up first in src-ip,
# src-arp, src-ip6 and nd-target.  Three passes with the same frames: no
# table (every frame reaches the gateway's port, so each check below can
# fail), the table without protected addresses (the prefix lets the spoofs
# through: the drops of the third pass are the protect sets'), and the table
# with them.  Then a guest without an ip key under no-ip = mac-only.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"

vg_require_root
[ -x "$VG_FRAME" ] || vg_skip "vgframe not built"
[ -x "$VG_APPLY" ] || vg_skip "vg-apply not built"

GW_MAC=02:00:00:00:0f:01
M3=00:16:3e:00:03:00
M6=00:16:3e:00:06:00
PROT="192.0.2.1 2001:db8::1"
world_create xenbr0
world_add_peer gw "$GW_MAC" 192.0.2.254/24 2001:db8::fe/64
world_add_guest vif3.0 "$M3"
world_add_guest vif6.0 "$M6"
vifs=$(engine_vifs prefix \
	"3 0 mac=$M3 ip=\"192.0.2.0/24 2001:db8::/64\" bridge=xenbr0" \
	"6 0 mac=$M6 bridge=xenbr0")

# desc|frame: from a protected address (spoofs) and from others in the prefixes
spoofs() {
	local M=$1
	SPOOFS=(
		"IPv4 from 192.0.2.1|ipv4-udp src=$M saddr=192.0.2.1 daddr=192.0.2.254"
		"ARP reply from 192.0.2.1|arp-reply src=$M spa=192.0.2.1 tha=$GW_MAC tpa=192.0.2.254"
		"gratuitous ARP for 192.0.2.1|arp-gratuitous src=$M ip=192.0.2.1"
		"IPv6 from 2001:db8::1|ipv6-udp src=$M saddr=2001:db8::1 daddr=2001:db8::fe"
		"IPv6 later fragment from 2001:db8::1|ipv6-udp src=$M saddr=2001:db8::1 daddr=2001:db8::fe frag=later"
		"NA claiming 2001:db8::1|na src=$M saddr=2001:db8::77 target=2001:db8::1 flags=0xa0"
		"unsolicited NA from and for 2001:db8::1|na src=$M saddr=2001:db8::1 target=2001:db8::1 flags=0xa0"
		"DAD for 2001:db8::1|ns src=$M saddr=:: target=2001:db8::1"
	)
	OWN=(
		"IPv4 from 192.0.2.77|ipv4-udp src=$M saddr=192.0.2.77 daddr=192.0.2.254"
		"IPv4 from 192.0.2.2 (next to the protected one)|ipv4-udp src=$M saddr=192.0.2.2 daddr=192.0.2.254"
		"IPv4 from 192.0.2.0 (just before it)|ipv4-udp src=$M saddr=192.0.2.0 daddr=192.0.2.254"
		"ARP reply from 192.0.2.77|arp-reply src=$M spa=192.0.2.77 tha=$GW_MAC tpa=192.0.2.254"
		"gratuitous ARP for 192.0.2.2|arp-gratuitous src=$M ip=192.0.2.2"
		"IPv6 from 2001:db8::77|ipv6-udp src=$M saddr=2001:db8::77 daddr=2001:db8::fe"
		"IPv6 from 2001:db8::2 (next to the protected one)|ipv6-udp src=$M saddr=2001:db8::2 daddr=2001:db8::fe"
		"NA for 2001:db8::77|na src=$M saddr=2001:db8::77 target=2001:db8::77 flags=0xa0"
		"DAD for 2001:db8::2|ns src=$M saddr=:: target=2001:db8::2"
	)
}

# expect_all WANT_SPOOF WANT_OWN LABEL: send every case from VG_FROM.
expect_all() {
	local want_spoof=$1 want_own=$2 label=$3 c frame
	for c in "${SPOOFS[@]}"; do
		read -r -a frame <<<"${c#*|}"
		vg_expect_eq "$label: $VG_FROM: $( [ "$want_spoof" = 0 ] && echo dropped || echo delivered): ${c%%|*}" \
			"$want_spoof" "$(world_delivered gw eth0 "${frame[@]}")"
	done
	for c in "${OWN[@]}"; do
		read -r -a frame <<<"${c#*|}"
		vg_expect_eq "$label: $VG_FROM: $( [ "$want_own" = 0 ] && echo dropped || echo delivered): ${c%%|*}" \
			"$want_own" "$(world_delivered gw eth0 "${frame[@]}")"
	done
}

export VG_DEADLINE_MS=500
VG_FROM=vif3.0
spoofs "$M3"
expect_all 3 3 "no table"

vg_check "engine applies the ruleset without protected addresses" engine sync "$vifs"
expect_all 3 3 "prefixes, nothing protected"

vg_check "engine applies the ruleset protecting $PROT" engine -P "$PROT" sync "$vifs"
vg_check "protect4 holds 192.0.2.1" \
	bash -c "ip netns exec $VG_WORLD-host nft list set bridge $VG_TABLE protect4 | grep -q 'elements = { 192.0.2.1 }'"
vg_check "protect6 holds 2001:db8::1" \
	bash -c "ip netns exec $VG_WORLD-host nft list set bridge $VG_TABLE protect6 | grep -q 'elements = { 2001:db8::1 }'"
vg_check "vif3.0 keeps its prefixes in the kernel" \
	bash -c "ip netns exec $VG_WORLD-host nft list table bridge $VG_TABLE | grep -q '\"vif3.0\" . 192.0.2.0'"
before=$(engine_counter vif3.0)
expect_all 0 3 "protected"
vg_check "vif3.0's counter counts the spoofs (${#SPOOFS[@]} x 3)" \
	test "$(engine_counter vif3.0)" -ge $((before + ${#SPOOFS[@]} * 3))

# A guest without an ip key under mac-only may use any address but a
# protected one.
VG_FROM=vif6.0
spoofs "$M6"
vg_check "engine applies the ruleset (mac-only) without protected addresses" \
	engine -m mac-only sync "$vifs"
expect_all 3 3 "mac-only, nothing protected"
vg_check "engine applies the ruleset (mac-only) protecting $PROT" \
	engine -m mac-only -P "$PROT" sync "$vifs"
expect_all 0 3 "mac-only, protected"

vg_done
