#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Every point of the anti-spoof policy, with real frames through a real
# bridge: for each kind of guest port (a PV vif, an HVM -emu tap, a custom
# vifname) an attack frame that must not reach the peer and a legitimate one
# that must.  leak-visibility.sh shows that the same frames do arrive when
# nothing filters, so every "0" here is a real drop.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"

vg_require_root
[ -x "$VG_FRAME" ] || vg_skip "vgframe not built"
[ -x "$VG_APPLY" ] || vg_skip "vg-apply not built"

P_MAC=02:00:00:00:0f:01
BR_MAC=02:00:00:00:0b:01
world_create xenbr0
world_host ip link set xenbr0 address "$BR_MAC"
world_bridge_addr 192.0.2.1/24
world_add_peer gw "$P_MAC" 192.0.2.254/24 2001:db8::fe/64
# PV vif, HVM emulated tap (the netback port exists too), custom vifname
world_add_guest vif3.0 00:16:3e:00:03:00
world_add_guest vif4.0 00:16:3e:00:04:00
world_add_guest vif4.0-emu 00:16:3e:00:04:00
world_add_guest web05 00:16:3e:00:05:00
# a guest port nobody configured yet, and a guest without an ip key
world_add_guest vif9.0 00:16:3e:00:09:00
world_add_guest vif6.0 00:16:3e:00:06:00

vifs=$(engine_vifs policy \
	'3 0 mac=00:16:3e:00:03:00 ip="192.0.2.3 198.51.100.0/28 2001:db8::3 2001:db8:1::/64" bridge=xenbr0' \
	'4 0 mac=00:16:3e:00:04:00 type=vif_ioemu ip="192.0.2.4 2001:db8::4" bridge=xenbr0' \
	'5 0 mac=00:16:3e:00:05:00 vifname=web05 ip="192.0.2.5 2001:db8::5" bridge=xenbr0' \
	'6 0 mac=00:16:3e:00:06:00 bridge=xenbr0')
# Later IPv4 fragments have no UDP header, whatever their data reads like,
# but the kernel's transport header loads may read it as one: the UDP rules
# of guest-ip first require `ip frag-off & 8191 == 0`.  Offset 8, no MF: a
# spoof from 0.0.0.0 to 255.255.255.255 whose data reads 68 -> 67, and a
# fragment of vif3.0's own whose data starts with port 67.  Both reach the
# peer without the table (so the drop below is the table's).
FRAG_SPOOF=(eth src=00:16:3e:00:03:00 type=0x0800
	payload=4500001c123400014011689d00000000ffffffff0044004300080000)
FRAG_OWN=(eth src=00:16:3e:00:03:00 type=0x0800
	payload=4500001c123400014011e39ac0000203c00002fe0043004400080000)
VG_FROM=vif3.0
vg_expect_eq "no table: delivered: later fragment from 0.0.0.0 reading 68 -> 67" 3 \
	"$(world_delivered gw eth0 "${FRAG_SPOOF[@]}")"
vg_expect_eq "no table: delivered: later fragment of its own reading port 67" 3 \
	"$(world_delivered gw eth0 "${FRAG_OWN[@]}")"
# IPv6 fragments (guest-frag6): a later fragment is checked by its source
# alone (nf_tables would read the IPv6 header as its transport header), a
# first fragment must not be neighbour discovery (RFC 6980) and must hold its
# upper-layer header (RFC 7112).  Each attack reaches the peer without the
# table.
M=00:16:3e:00:03:00
FRAG6_ATTACKS=(
	"NA for its own address in a first fragment|na src=$M saddr=2001:db8::3 target=2001:db8::3 frag=first"
	"NA for its own address in an atomic fragment|na src=$M saddr=2001:db8::3 target=2001:db8::3 frag=atomic"
	"NS in a first fragment|ns src=$M saddr=2001:db8::3 target=2001:db8::fe frag=first"
	"RA in a first fragment|ra src=$M saddr=fe80::216:3eff:fe00:300 frag=first"
	"redirect in a first fragment|redirect src=$M saddr=fe80::216:3eff:fe00:300 daddr=2001:db8::fe target=fe80::1 dest=2001:db8::77 frag=first"
	"first fragment without its ICMPv6 header|ipv6-icmp src=$M saddr=2001:db8::3 daddr=2001:db8::fe frag=first-no-l4"
	"first fragment without its UDP header (a DHCPv6 server's)|dhcpv6-advertise src=$M saddr=fe80::216:3eff:fe00:300 daddr=fe80::1 frag=first-no-l4"
	"DHCPv6 advertise in a first fragment|dhcpv6-advertise src=$M saddr=fe80::216:3eff:fe00:300 daddr=fe80::1 frag=first"
	"later fragment from the gateway's address|ipv6-icmp src=$M saddr=2001:db8::fe daddr=2001:db8::1 frag=later"
	"later fragment from ::|ipv6-udp src=$M saddr=:: daddr=2001:db8::fe frag=later"
	"later fragment reading like an NA, from the gateway's address|na src=$M saddr=2001:db8::fe target=2001:db8::fe frag=later"
)
for c in "${FRAG6_ATTACKS[@]}"; do
	read -r -a frame <<<"${c#*|}"
	vg_expect_eq "no table: delivered: ${c%%|*}" 3 "$(world_delivered gw eth0 "${frame[@]}")"
done

vg_check "engine applies the ruleset" engine sync "$vifs"
vg_expect_eq "vif3.0: dropped: later fragment from 0.0.0.0 reading 68 -> 67 (not DHCP)" 0 \
	"$(world_delivered gw eth0 "${FRAG_SPOOF[@]}")"
vg_expect_eq "vif3.0: delivered: later fragment of its own reading port 67 (not a server)" 3 \
	"$(world_delivered gw eth0 "${FRAG_OWN[@]}")"
vg_check "no_linklocal_learn is on for the guests' bridge" \
	bash -c "[ \"\$(ip netns exec $VG_WORLD-host cat /sys/class/net/xenbr0/bridge/no_linklocal_learn)\" = 1 ]"

# No accept before the anti-spoof checks: the base chains accept a frame
# only from a port that is not a guest port of ours (neither named like one
# nor in @ports) or through a lookup of the port, its mac and its source
# address together (the fast path), and the guest chain accepts nothing.
list=$(engine_list)
vg_expect_eq "base chains: an accept only for host ports or with the port . mac . address lookup" 0 \
	"$(world_host nft list chain bridge "$VG_TABLE" prerouting | grep -v 'policy accept' |
		grep accept | grep -vE '^[[:space:]]*iifname != "vif\*" iifname != @ports accept$' |
		grep -cvE 'iifname \. ether saddr \. ip6? saddr @v[46] accept$')"
vg_expect_eq "base chains: the fast path is there (4 rules)" 4 \
	"$(world_host nft list chain bridge "$VG_TABLE" prerouting | grep -c '@v[46] accept$')"
vg_expect_eq "the guest chain holds no accept rule" 0 \
	"$(world_host nft list chain bridge "$VG_TABLE" guest | grep -c accept)"

export VG_DEADLINE_MS=500

# check_port PORT MAC IP4 IP6 LL: the whole policy for one guest port.
check_port() {
	local port=$1 M=$2 IP4=$3 IP6=$4 LL=$5 c desc want frame n
	local cases=(
		# --- Ethernet ---
		"3|own mac, own IPv4 (UDP)|ipv4-udp src=$M saddr=$IP4 daddr=192.0.2.254"
		"0|foreign source mac (the peer's)|ipv4-udp src=$P_MAC saddr=$IP4 daddr=192.0.2.254"
		"0|foreign source mac (another guest's)|ipv4-udp src=00:16:3e:00:0a:00 saddr=$IP4 daddr=192.0.2.254"
		"0|other ethertype|eth src=$M type=0x88b5"
		"0|802.1Q tagged|eth src=$M vlan=10 type=0x0800"
		"0|802.1Q tagged IPv4 with own address|ipv4-udp src=$M vlan=10 saddr=$IP4 daddr=192.0.2.254"
		"0|802.1ad double tagged|ipv4-udp src=$M qinq=20 vlan=10 saddr=$IP4 daddr=192.0.2.254"
		# --- ARP ---
		"3|ARP request from own address|arp-request src=$M spa=$IP4 tpa=192.0.2.254"
		"3|ARP reply from own address|arp-reply src=$M spa=$IP4 tha=$P_MAC tpa=192.0.2.254"
		"3|ARP probe (sender 0.0.0.0)|arp-probe src=$M tpa=$IP4"
		"3|gratuitous ARP for own address|arp-gratuitous src=$M ip=$IP4"
		"0|ARP reply claiming the gateway|arp-reply src=$M spa=192.0.2.254 tha=$P_MAC tpa=192.0.2.254"
		"0|ARP request claiming the gateway|arp-request src=$M spa=192.0.2.254 tpa=192.0.2.9"
		"0|gratuitous ARP for the gateway|arp-gratuitous src=$M ip=192.0.2.254"
		"0|ARP with a foreign sender mac|arp-request src=$M sha=$P_MAC spa=$IP4 tpa=192.0.2.254"
		"0|ARP with opcode 3|arp-request src=$M spa=$IP4 tpa=192.0.2.254 op=3"
		"0|ARP with hlen 8|arp-request src=$M spa=$IP4 tpa=192.0.2.254 hlen=8"
		"0|ARP with htype 6|arp-request src=$M spa=$IP4 tpa=192.0.2.254 htype=6"
		"0|ARP with ptype IPv6|arp-request src=$M spa=$IP4 tpa=192.0.2.254 ptype=0x86dd"
		"0|ARP probe as a reply|arp-reply src=$M spa=0.0.0.0 tha=$P_MAC tpa=192.0.2.254"
		# --- IPv4 ---
		"3|ICMP from own address|ipv4-icmp src=$M saddr=$IP4 daddr=192.0.2.254"
		"0|UDP from the gateway's address|ipv4-udp src=$M saddr=192.0.2.254 daddr=192.0.2.1"
		"0|UDP from the host's address|ipv4-udp src=$M saddr=192.0.2.1 daddr=192.0.2.254"
		"0|ICMP from a foreign address|ipv4-icmp src=$M saddr=203.0.113.9 daddr=192.0.2.254"
		"3|DHCP discover|dhcp-discover src=$M"
		"0|DHCP offer (guest as server)|dhcp-offer src=$M saddr=$IP4"
		"0|UDP from port 67 to a unicast|ipv4-udp src=$M saddr=$IP4 daddr=192.0.2.254 sport=67 dport=68"
		"0|DHCP-like from 0.0.0.0 to a unicast|ipv4-udp src=$M saddr=0.0.0.0 daddr=192.0.2.254 sport=68 dport=67"
		"0|DHCP-like from 0.0.0.0, wrong port|ipv4-udp src=$M saddr=0.0.0.0 daddr=255.255.255.255 sport=68 dport=68"
		# --- IPv6 ---
		"3|UDP from own IPv6 address|ipv6-udp src=$M saddr=$IP6 daddr=2001:db8::fe"
		"3|ICMPv6 echo from own link-local|ipv6-icmp src=$M saddr=$LL daddr=fe80::1"
		"0|UDP from the gateway's IPv6 address|ipv6-udp src=$M saddr=2001:db8::fe daddr=2001:db8::1"
		"0|UDP from a foreign link-local|ipv6-udp src=$M saddr=fe80::1 daddr=2001:db8::fe"
		"3|NS from own address, own sll|ns src=$M saddr=$IP6 target=2001:db8::fe"
		"3|NS from own address, no options|ns src=$M saddr=$IP6 target=2001:db8::fe sll=none"
		"0|NS with a foreign sll|ns src=$M saddr=$IP6 target=2001:db8::fe sll=$P_MAC"
		"0|NS from a foreign address|ns src=$M saddr=2001:db8::fe target=2001:db8::1"
		"3|NA for own address, own tll|na src=$M saddr=$IP6 target=$IP6"
		"3|NA for own address, no options|na src=$M saddr=$IP6 target=$IP6 tll=none"
		"3|NA for own link-local|na src=$M saddr=$LL target=$LL"
		"0|NA claiming the gateway|na src=$M saddr=$IP6 target=2001:db8::fe"
		"0|NA claiming the gateway, no options|na src=$M saddr=$IP6 target=2001:db8::fe tll=none"
		"0|NA for own address with a foreign tll|na src=$M saddr=$IP6 target=$IP6 tll=$P_MAC"
		"0|NA claiming the gateway behind hop-by-hop|na src=$M saddr=$IP6 target=2001:db8::fe ext=hbh"
		"0|NA claiming the gateway behind dest options|na src=$M saddr=$IP6 target=2001:db8::fe ext=dst"
		"0|NA with foreign tll behind dest options|na src=$M saddr=$IP6 target=$IP6 tll=$P_MAC ext=dst"
		"3|DAD NS for own address|ns src=$M saddr=:: target=$IP6"
		"3|DAD NS for own address with nonce|ns src=$M saddr=:: target=$IP6 nonce=0102030405ff"
		"0|DAD NS for the gateway's address|ns src=$M saddr=:: target=2001:db8::fe"
		"0|DAD NS with a source link-layer option|ns src=$M saddr=:: target=$IP6 sll=$M"
		"3|MLD report from ::|mld-report src=$M"
		"0|UDP from ::|ipv6-udp src=$M saddr=:: daddr=2001:db8::fe"
		"0|router advertisement|ra src=$M saddr=$LL prefix=2001:db8:1::/64"
		"0|router advertisement behind hop-by-hop|ra src=$M saddr=$LL ext=hbh"
		"0|redirect|redirect src=$M saddr=$LL daddr=2001:db8::fe target=fe80::1 dest=2001:db8::77"
		"3|DHCPv6 solicit|dhcpv6-solicit src=$M saddr=$LL"
		"0|DHCPv6 advertise (guest as server)|dhcpv6-advertise src=$M saddr=$LL daddr=fe80::1"
	)
	VG_FROM=$port
	for c in "${cases[@]}"; do
		want=${c%%|*}
		c=${c#*|}
		desc=${c%%|*}
		read -r -a frame <<<"${c#*|}"
		n=$(world_delivered gw eth0 "${frame[@]}")
		if [ "$want" = 3 ]; then
			vg_expect_eq "$port: delivered: $desc" 3 "$n"
		else
			vg_expect_eq "$port: dropped: $desc" 0 "$n"
		fi
	done
}

check_port vif3.0 00:16:3e:00:03:00 192.0.2.3 2001:db8::3 fe80::216:3eff:fe00:300
check_port vif4.0-emu 00:16:3e:00:04:00 192.0.2.4 2001:db8::4 fe80::216:3eff:fe00:400
check_port web05 00:16:3e:00:05:00 192.0.2.5 2001:db8::5 fe80::216:3eff:fe00:500

# Prefix allowances (vif3.0 has 198.51.100.0/28 and 2001:db8:1::/64).
VG_FROM=vif3.0
M=00:16:3e:00:03:00
vg_expect_eq "vif3.0: delivered: IPv4 from inside its /28" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M saddr=198.51.100.14 daddr=192.0.2.254)"
vg_expect_eq "vif3.0: dropped: IPv4 just outside its /28" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M saddr=198.51.100.16 daddr=192.0.2.254)"
vg_expect_eq "vif3.0: delivered: ARP from inside its /28" 3 \
	"$(world_delivered gw eth0 arp-gratuitous src=$M ip=198.51.100.1)"
vg_expect_eq "vif3.0: delivered: IPv6 from inside its /64" 3 \
	"$(world_delivered gw eth0 ipv6-udp src=$M saddr=2001:db8:1::77 daddr=2001:db8::fe)"
vg_expect_eq "vif3.0: delivered: NA for an address inside its /64" 3 \
	"$(world_delivered gw eth0 na src=$M saddr=2001:db8:1::77 target=2001:db8:1::77)"
vg_expect_eq "vif3.0: dropped: IPv6 from the next /64" 0 \
	"$(world_delivered gw eth0 ipv6-udp src=$M saddr=2001:db8:2::77 daddr=2001:db8::fe)"

VG_FROM=vif3.0
M=00:16:3e:00:03:00
for c in "${FRAG6_ATTACKS[@]}"; do
	read -r -a frame <<<"${c#*|}"
	vg_expect_eq "vif3.0: dropped: ${c%%|*}" 0 "$(world_delivered gw eth0 "${frame[@]}")"
done
vg_expect_eq "vif3.0: delivered: echo request, first fragment" 3 \
	"$(world_delivered gw eth0 ipv6-icmp src=$M saddr=2001:db8::3 daddr=2001:db8::fe frag=first)"
vg_expect_eq "vif3.0: delivered: echo request, later fragment" 3 \
	"$(world_delivered gw eth0 ipv6-icmp src=$M saddr=2001:db8::3 daddr=2001:db8::fe frag=later)"
vg_expect_eq "vif3.0: delivered: echo request, atomic fragment" 3 \
	"$(world_delivered gw eth0 ipv6-icmp src=$M saddr=2001:db8::3 daddr=2001:db8::fe frag=atomic)"
vg_expect_eq "vif3.0: delivered: echo request fragments from inside its /64" 3 \
	"$(world_delivered gw eth0 ipv6-icmp src=$M saddr=2001:db8:1::77 daddr=2001:db8::fe frag=first)"
vg_expect_eq "vif3.0: delivered: later fragment from inside its /64" 3 \
	"$(world_delivered gw eth0 ipv6-icmp src=$M saddr=2001:db8:1::77 daddr=2001:db8::fe frag=later)"
vg_expect_eq "vif3.0: delivered: UDP, first fragment" 3 \
	"$(world_delivered gw eth0 ipv6-udp src=$M saddr=2001:db8::3 daddr=2001:db8::fe frag=first)"
vg_expect_eq "vif3.0: delivered: UDP, later fragment" 3 \
	"$(world_delivered gw eth0 ipv6-udp src=$M saddr=2001:db8::3 daddr=2001:db8::fe frag=later)"
vg_expect_eq "vif3.0: delivered: echo request fragment behind dest options" 3 \
	"$(world_delivered gw eth0 ipv6-icmp src=$M saddr=2001:db8::3 daddr=2001:db8::fe frag=first ext=dst)"

# A vif without an ip key: ARP probes, DHCP client and DAD only.
VG_FROM=vif6.0
M=00:16:3e:00:06:00
vg_expect_eq "no ip key: delivered: ARP probe" 3 "$(world_delivered gw eth0 arp-probe src=$M tpa=192.0.2.66)"
vg_expect_eq "no ip key: delivered: DHCP discover" 3 "$(world_delivered gw eth0 dhcp-discover src=$M)"
vg_expect_eq "no ip key: delivered: DAD NS for its link-local" 3 \
	"$(world_delivered gw eth0 ns src=$M saddr=:: target=fe80::216:3eff:fe00:600)"
vg_expect_eq "no ip key: dropped: IPv4 from any address" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M saddr=192.0.2.66 daddr=192.0.2.254)"
vg_expect_eq "no ip key: dropped: ARP claiming an address" 0 \
	"$(world_delivered gw eth0 arp-gratuitous src=$M ip=192.0.2.66)"
vg_expect_eq "no ip key: dropped: IPv6 from its link-local" 0 \
	"$(world_delivered gw eth0 ipv6-udp src=$M saddr=fe80::216:3eff:fe00:600 daddr=fe80::1)"

# Fail-closed: a guest port without rules drops everything, even frames
# that would be fine for a configured guest.
VG_FROM=vif9.0
M=00:16:3e:00:09:00
before=$(engine_counter fail-closed)
vg_expect_eq "unconfigured vif9.0: dropped: ARP probe" 0 "$(world_delivered gw eth0 arp-probe src=$M tpa=192.0.2.99)"
vg_expect_eq "unconfigured vif9.0: dropped: DHCP discover" 0 "$(world_delivered gw eth0 dhcp-discover src=$M)"
after=$(engine_counter fail-closed)
vg_check "fail-closed counter counts the drops ($before -> $after)" test "$after" -ge $((before + 6))

# Host interfaces are untouched: the peer's port is not a guest port.
VG_FROM=gw
vg_expect_eq "peer (not a guest port): spoofed frame reaches a guest" 3 \
	"$(world_delivered vif3.0 eth0 ipv4-udp src=$P_MAC saddr=203.0.113.50 daddr=192.0.2.3)"
vg_expect_eq "peer: other ethertype reaches a guest" 3 \
	"$(world_delivered vif3.0 eth0 eth src=$P_MAC type=0x88b5)"

# Per-vif drop counters count what each vif dropped.
vg_check "vif3.0's drop counter moved" test "$(engine_counter vif3.0)" -gt 0
vg_check "web05's drop counter moved" test "$(engine_counter vif5.0)" -gt 0

# Real stacks, not just crafted frames: the guest's own kernel talks to the peer.
vg_check "guest kernel: vif3.0 pings the peer (IPv4, ARP)" bash -c "
	ip netns exec $VG_WORLD-vif3.0 ip addr add 192.0.2.3/24 dev eth0 &&
	ip netns exec $VG_WORLD-vif3.0 ping -q -c 2 -W 2 192.0.2.254 >/dev/null"
vg_check "guest kernel: vif3.0 pings the peer (IPv6, ND)" bash -c "
	ip netns exec $VG_WORLD-vif3.0 ip -6 addr add 2001:db8::3/64 dev eth0 nodad &&
	ip netns exec $VG_WORLD-vif3.0 ping -q -6 -c 2 -W 2 2001:db8::fe >/dev/null"
vg_check "guest kernel: vif3.0 pings the peer with 3000-byte echoes (IPv6 fragments)" bash -c "
	ip netns exec $VG_WORLD-vif3.0 ping -q -6 -s 3000 -c 2 -W 2 2001:db8::fe >/dev/null"
vg_check "guest kernel: a spoofing guest cannot ping with the gateway's address" bash -c "
	ip netns exec $VG_WORLD-web05 ip addr add 192.0.2.77/24 dev eth0 &&
	! ip netns exec $VG_WORLD-web05 ping -q -c 2 -W 1 192.0.2.254 >/dev/null"

vg_done
