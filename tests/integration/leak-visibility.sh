#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Proof that the harness sees leaks: with NO filtering installed, every frame
# kind the frame tool can send - legitimate or spoofed - sent from a guest
# port arrives at the peer.  Every later "must not arrive" assertion uses the
# same observer, so this test is what shows those assertions can fail.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"

vg_require_root
[ -x "$VG_FRAME" ] || vg_skip "vgframe not built"

G_MAC=00:16:3e:00:03:00
G_LL=fe80::216:3eff:fe00:300
P_MAC=02:00:00:00:0f:01

world_create xenbr0
world_add_guest vif3.0 "$G_MAC" 192.0.2.3/24 2001:db8::3/64
world_add_peer gw "$P_MAC" 192.0.2.254/24 2001:db8::fe/64
VG_FROM=vif3.0

# Each line: a description, then the frame kind and its keys.  Spoofed
# addresses (someone else's IP or MAC) are here on purpose: nothing stops them.
cases=(
	"raw ethertype|eth src=$G_MAC type=0x88b5"
	"spoofed source MAC|eth src=02:00:00:00:0f:01 type=0x88b5"
	"802.1Q tagged|eth src=$G_MAC vlan=10 type=0x88b5"
	"802.1ad double tagged|eth src=$G_MAC qinq=20 vlan=10 type=0x88b5"
	"ARP request|arp-request src=$G_MAC spa=192.0.2.3 tpa=192.0.2.254"
	"ARP reply claiming the gateway|arp-reply src=$G_MAC spa=192.0.2.254 tha=$P_MAC tpa=192.0.2.254"
	"ARP probe|arp-probe src=$G_MAC tpa=192.0.2.7"
	"gratuitous ARP for the gateway|arp-gratuitous src=$G_MAC ip=192.0.2.254"
	"malformed ARP (hlen 8)|arp-request src=$G_MAC spa=192.0.2.3 tpa=192.0.2.254 hlen=8"
	"IPv4 UDP, spoofed source|ipv4-udp src=$G_MAC saddr=198.51.100.9 daddr=192.0.2.254"
	"IPv4 UDP, own source|ipv4-udp src=$G_MAC saddr=192.0.2.3 daddr=192.0.2.254"
	"IPv4 ICMP, spoofed source|ipv4-icmp src=$G_MAC saddr=203.0.113.9 daddr=192.0.2.254"
	"DHCP discover|dhcp-discover src=$G_MAC"
	"DHCP offer (guest as server)|dhcp-offer src=$G_MAC saddr=192.0.2.3"
	"IPv6 UDP, spoofed source|ipv6-udp src=$G_MAC saddr=2001:db8::99 daddr=2001:db8::fe"
	"IPv6 ICMP echo|ipv6-icmp src=$G_MAC saddr=2001:db8::3 daddr=2001:db8::fe"
	"NS with source link-layer option|ns src=$G_MAC saddr=2001:db8::3 target=2001:db8::fe"
	"NS without options|ns src=$G_MAC saddr=2001:db8::3 target=2001:db8::fe sll=none"
	"NS behind hop-by-hop header|ns src=$G_MAC saddr=2001:db8::3 target=2001:db8::fe ext=hbh"
	"NS behind destination options|ns src=$G_MAC saddr=2001:db8::3 target=2001:db8::fe ext=dst"
	"DAD NS|ns src=$G_MAC saddr=:: target=2001:db8::3"
	"NA claiming the gateway|na src=$G_MAC saddr=2001:db8::3 target=2001:db8::fe"
	"NA with foreign link-layer option|na src=$G_MAC saddr=2001:db8::3 target=2001:db8::3 tll=$P_MAC"
	"NA without options|na src=$G_MAC saddr=2001:db8::3 target=2001:db8::3 tll=none"
	"NA behind hop-by-hop header|na src=$G_MAC saddr=2001:db8::3 target=2001:db8::fe ext=hbh"
	"NA behind destination options|na src=$G_MAC saddr=2001:db8::3 target=2001:db8::fe ext=dst"
	"router advertisement|ra src=$G_MAC saddr=$G_LL prefix=2001:db8:1::/64"
	"redirect|redirect src=$G_MAC saddr=$G_LL daddr=2001:db8::fe target=fe80::1 dest=2001:db8::77"
	"MLD report from ::|mld-report src=$G_MAC"
	"DHCPv6 solicit|dhcpv6-solicit src=$G_MAC saddr=$G_LL"
	"DHCPv6 advertise (guest as server)|dhcpv6-advertise src=$G_MAC saddr=$G_LL daddr=fe80::1"
)

for c in "${cases[@]}"; do
	desc=${c%%|*}
	read -r -a frame <<<"${c#*|}"
	n=$(world_delivered gw eth0 "${frame[@]}")
	vg_expect_eq "unfiltered: $desc arrives at the peer" 3 "$n"
done

# The observer must also be able to say "no": a frame nobody sent.
n=$(VG_DEADLINE_MS=300 world_observe_start neg gw eth0 300 eth src=$G_MAC type=0x88b6 &&
	world_observe_wait neg)
vg_expect_eq "observer counts 0 for a frame nobody sent" 0 "$n"

vg_done
