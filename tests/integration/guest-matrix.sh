#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Real guest software against the real vifguardd (issue 14, item 5): a
# gateway running dnsmasq (DHCPv4, DHCPv6, router advertisements) and guests
# running dhclient, udhcpc, dhcpcd, the kernel's SLAAC (EUI-64, optimistic
# DAD), rdisc6/ndisc6, arping and keepalived, in the bridge world.  Each
# legitimate case must work with vifguard enforcing: the lease or address is
# obtained, and the guest and the gateway reach each other.  Each attack is
# made with real software too (ip addr add + ping, arping -U/-A, keepalived
# on the wrong guest, a rogue dnsmasq) and must fail with vifguard enforcing
# and succeed with it off (daemon stopped, table deleted), so every check
# can fail.
#
# VG_GUESTS_WORLD=shared runs instead the shared world (the guest-shared
# test): guests sharing the gateway's /64 and /24, each address in them
# owned first come, first served (tests/integration/guest-shared.sh).
# VG_GUESTS_CASES="dhcp4 attacks ..." runs only the named cases.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"
. "$VG_SOURCE_DIR/tests/lib/guests.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"
vg_require_cmd dnsmasq dhclient udhcpc dhcpcd keepalived rdisc6 ndisc6 arping nft

T0=$SECONDS

# seen_ge NAME N: the gateway counted at least N frames of watch NAME.
seen_ge() {
	local n
	n=$(gw_seen "$1")
	[ -n "$n" ] && [ "$n" -ge "$2" ]
}

# want CASE: the case is selected (all when VG_GUESTS_CASES is unset).
want() {
	[ -z "${VG_GUESTS_CASES:-}" ] || [[ " $VG_GUESTS_CASES " == *" $1 "* ]]
}

# attack_check on|off DESC CMD...: CMD makes the attack and succeeds when
# it worked; with enforcement off it must work, with it on it must not.
attack_check() {
	local st=$1 desc=$2
	shift 2
	if [ "$st" = off ]; then
		vg_check "enforcement off: $desc works" "$@"
	else
		vg_check "enforcement on: $desc fails" vg_not "$@"
	fi
}

# took LABEL: log the seconds since the start.
took() {
	vg_log "$1 at $((SECONDS - T0)) s"
}

# The world: the gateway with protected addresses and static leases, the
# guests' vif backends in xenstore before the daemon starts.
setup_world() {
	world_create xenbr0 || exit 1
	daemon_setup || exit 1
	# capper (vif14.0) runs into it with a third link-local of its own
	printf 'owned-addresses-per-vif = 2\n' >>"$VG_CONF"
	printf '[protect]\naddresses = %s %s %s %s\n' "$GW4" "$GW6" "$GW6D" "$GW_LL" >>"$VG_CONF"
	[ -z "${VG_GUESTS_EXTRA_CONF:-}" ] || printf '%s\n' "$VG_GUESTS_EXTRA_CONF" >>"$VG_CONF"
}

# VG_GUESTS_KEEP_LOG=FILE: a copy of the daemon's log, for reading after.
keep_log() {
	[ -z "${VG_GUESTS_KEEP_LOG:-}" ] || cp "$VG_DAEMON_LOG" "$VG_GUESTS_KEEP_LOG"
}

if [ "${VG_GUESTS_WORLD:-}" = shared ]; then
	# shellcheck source=guest-shared.sh
	. "$VG_SOURCE_DIR/tests/integration/guest-shared.sh"
	shared_main
	took "done"
	keep_log
	vg_done
fi

# alice: dhclient (v4), SLAAC; bob: udhcpc, SLAAC, rdisc6/ndisc6, arping,
# joins; carol: dhcpcd (v4 with RFC 5227 probes, its own SLAAC, DHCPv6);
# dave: dhclient -6, SLAAC; erin: SLAAC with optimistic DAD; mallory: the
# attacker (static addresses; its ip= lists lb's shared address too, as a
# toolstack mistake would); victor: a guest the gateway gives no lease;
# lb1, lb2: a keepalived pair sharing VIP4/VIP6 ([shared] vip); lbv1, lbv2:
# one with use_vmac sharing VMIP4/VMIP6 and the VRRP macs ([shared] vip-vmac).
MA=00:16:3e:00:01:00 MB=00:16:3e:00:02:00 MC=00:16:3e:00:03:00 MD=00:16:3e:00:04:00
ME=00:16:3e:00:05:00 MM=00:16:3e:00:06:00 MV=00:16:3e:00:07:00
MK1=00:16:3e:00:08:00 MK2=00:16:3e:00:09:00 MV1=00:16:3e:00:0a:00 MV2=00:16:3e:00:0b:00
VIP4=192.0.2.50 VIP6=2001:db8:1::50 VMIP4=192.0.2.51 VMIP6=2001:db8:1::51
# keepalived's router ids: IPv4 VRID, IPv6 VRID+1 (ka_conf); the virtual macs follow
VRID=81 VRID_VMAC=83 VRID_MALLORY=85
# stable (addr_gen_mode 2) and random (3): link-locals that are not EUI-64,
# owned first come, first served, DHCPv6 leases from them; capper: an
# EUI-64 guest that adds link-locals of its own until the cap (2)
MSP=00:16:3e:00:0c:00 MRN=00:16:3e:00:0d:00 MCP=00:16:3e:00:0e:00
SP6D=2001:db8:2::21 RN6D=2001:db8:2::22
VMAC4=00:00:5e:00:01:53 VMAC6=00:00:5e:00:02:54
A4=192.0.2.11 B4=192.0.2.12 C4=192.0.2.13 M4=192.0.2.16 V4=192.0.2.17
C6D=2001:db8:2::13 D6D=2001:db8:2::14
A6=$(eui64 $MA $SLAAC_PFX) B6=$(eui64 $MB $SLAAC_PFX) C6=$(eui64 $MC $SLAAC_PFX)
D6=$(eui64 $MD $SLAAC_PFX) E6=$(eui64 $ME $SLAAC_PFX) M6=$(eui64 $MM $SLAAC_PFX)
ALL=$(eui64 $MA) BLL=$(eui64 $MB)

default_world() {
	setup_world
	printf '[shared]\nvip = %s %s domains lb1 lb2\n' $VIP4 $VIP6 >>"$VG_CONF"
	printf 'vip-vmac = %s %s vmac %s %s domains lbv1 lbv2\n' $VMIP4 $VMIP6 $VMAC4 $VMAC6 \
		>>"$VG_CONF"
	gw_dhcp_host "$MA,$A4"
	gw_dhcp_host "$MB,$B4"
	gw_dhcp_host "$MC,$C4,[$C6D]"
	gw_dhcp_host "$MD,[$D6D]"
	gw_dhcp_host "$MV,ignore"
	gw_dhcp_host "$MSP,[$SP6D]"
	gw_dhcp_host "$MRN,[$RN6D]"
	gw_start || exit 1
	guest_add vif1.0 $MA alice $A4 "$A6" || exit 1
	guest_add vif2.0 $MB bob $B4 "$B6" || exit 1
	guest_add vif3.0 $MC carol $C4 $C6D "$C6" || exit 1
	guest_add vif4.0 $MD dave $D6D "$D6" || exit 1
	guest_add vif5.0 $ME erin "$E6" || exit 1
	guest_add vif6.0 $MM mallory $M4 "$M6" $VIP4 || exit 1
	guest_add vif7.0 $MV victor $V4 || exit 1
	guest_add vif8.0 $MK1 lb1 192.0.2.31 $VIP4 $VIP6 || exit 1
	guest_add vif9.0 $MK2 lb2 192.0.2.32 $VIP4 $VIP6 || exit 1
	guest_add vif10.0 $MV1 lbv1 192.0.2.33 $VMIP4 $VMIP6 || exit 1
	guest_add vif11.0 $MV2 lbv2 192.0.2.34 $VMIP4 $VMIP6 || exit 1
	guest_add vif12.0 $MSP stable 192.0.2.21 $SP6D || exit 1
	guest_add vif13.0 $MRN random 192.0.2.22 $RN6D || exit 1
	guest_add vif14.0 $MCP capper 192.0.2.24 || exit 1
	# What the gateway sees: probes, announcements, renewals (unicast from
	# the leased address), DAD and MLD from ::, joins, spoofed sources.
	gw_watch probe_b ether saddr $MB arp saddr ip 0.0.0.0 arp daddr ip $B4
	gw_watch probe_c ether saddr $MC arp saddr ip 0.0.0.0 arp daddr ip $C4
	gw_watch announce_c ether saddr $MC arp saddr ip $C4 arp daddr ip $C4
	gw_watch renew_a ether saddr $MA ip saddr $A4 udp dport 67
	gw_watch renew_b ether saddr $MB ip saddr $B4 udp dport 67
	gw_watch renew_c ether saddr $MC ip saddr $C4 udp dport 67
	gw_watch dad_e ether saddr $ME ip6 saddr :: icmpv6 type nd-neighbor-solicit
	gw_watch rs_b ether saddr $MB icmpv6 type nd-router-solicit
	gw_watch mld0_b ether saddr $MB ip6 saddr :: ip6 daddr ff02::16
	gw_watch mld_b ether saddr $MB ip6 saddr "$BLL" ip6 daddr ff02::16
	gw_watch igmp_b ether saddr $MB ip saddr $B4 ip daddr 224.0.0.22
	gw_watch steal4 ether saddr $MM ip saddr $A4
	gw_watch steal6 ether saddr $MM ip6 saddr "$A6"
	gw_watch vip_m ether saddr $MM arp saddr ip $VIP4
	gw_watch rs_sp ether saddr $MSP icmpv6 type nd-router-solicit
	gw_watch rs_rn ether saddr $MRN icmpv6 type nd-router-solicit
	gw_watch mld_sp ether saddr $MSP ip6 saddr fe80::/64 ip6 daddr ff02::16
	gw_watch mld_rn ether saddr $MRN ip6 saddr fe80::/64 ip6 daddr ff02::16
	daemon_start || exit 1
	took "daemon ready"
	# Everyone comes up at once; the clients run in parallel.
	guest_up vif1.0 && guest_up vif2.0 && guest_up vif3.0 && guest_up vif4.0 &&
		guest_up vif6.0 && guest_up vif7.0 || exit 1
	world_exec vif6.0 ip addr add $M4/24 dev eth0
	local g
	for g in "vif8.0 192.0.2.31" "vif9.0 192.0.2.32" "vif10.0 192.0.2.33" "vif11.0 192.0.2.34"; do
		set -- $g
		guest_up "$1" || exit 1
		world_exec "$1" ip addr add "$2/24" dev eth0
	done
	run_dhclient vif1.0 -4
	run_udhcpc vif2.0
	run_dhcpcd vif3.0
	run_dhclient vif4.0 -6
	guest_up vif12.0 addr_gen_mode=2 && guest_up vif13.0 addr_gen_mode=3 &&
		guest_up vif14.0 || exit 1
	run_dhclient vif12.0 -6 dhclient6-stable
	run_dhclient vif13.0 -6 dhclient6-random
}

# renewed WHO EVENT WATCH: the client's hook saw EVENT (a renewal) and the
# gateway a DHCP request from the leased address.
renewed() {
	[ "$(events "$1" "^$2 ")" -ge 1 ] && seen_ge "$3" 1
}

# DHCPv4: the lease, both directions, a unicast renewal, RFC 5227 probes.
case_dhcp4() {
	local g
	for g in "vif1.0 alice dhclient $A4" "vif2.0 bob udhcpc $B4" "vif3.0 carol dhcpcd $C4"; do
		set -- $g
		vg_check "$3 ($2): DHCPv4 lease of $4" wait_addr "$1" "$4" 20000
		vg_check "$3 ($2): the gateway reaches $4" pings $GW "$4"
		vg_check "$3 ($2): reaches the gateway from $4" pings "$1" $GW4
	done
	took "DHCPv4 leases"
	# udhcpc ignores T1 (renews at half the lease): SIGUSR1 asks for it
	kill -USR1 "${GUEST_PID[udhcpc]}"
	for g in "vif1.0 alice dhclient RENEW renew_a" "vif2.0 bob udhcpc renew renew_b" \
		"vif3.0 carol dhcpcd RENEW renew_c"; do
		set -- $g
		vg_check "$3 ($2): lease renewed by unicast from its address" \
			until_ms $(((GUEST_T1 + 6) * 1000)) renewed "$1" "$4" "$5"
	done
	vg_check "udhcpc: ARP probe of the offered address (from 0.0.0.0) reached the gateway" \
		seen_ge probe_b 1
	vg_check "dhcpcd: RFC 5227 probes reached the gateway ($(gw_seen probe_c))" seen_ge probe_c 2
	vg_check "dhcpcd: RFC 5227 announcements reached the gateway ($(gw_seen announce_c))" \
		seen_ge announce_c 1
}

# SLAAC with EUI-64 addresses (addr_gen_mode 0) from the gateway's RAs.
case_slaac() {
	local g
	for g in "vif1.0 alice $A6 $ALL" "vif2.0 bob $B6 $BLL"; do
		set -- $g
		vg_expect_eq "SLAAC ($2): EUI-64 link-local" "$4" "$(v6_ll "$1")"
		vg_check "SLAAC ($2): $3 configured" wait_addr "$1" "$3" 10000
		vg_check "SLAAC ($2): the gateway reaches $3" pings $GW "$3"
		vg_check "SLAAC ($2): reaches the gateway" pings "$1" $GW6
		vg_check "SLAAC ($2): reaches the gateway's link-local" pings "$1" "$GW_LL%eth0"
	done
	# echo requests and replies in fragments (RFC 6980 forbids only ND in them)
	vg_check "ping -6 -s 3000 (bob): fragmented ICMPv6 to the gateway and back" \
		pings vif2.0 $GW6 -s 3000
	vg_check "ping -6 -s 3000 (bob): fragmented ICMPv6 from the gateway and back" \
		pings $GW "$B6" -s 3000
	vg_check "dhcpcd (carol): its own SLAAC (hwaddr) gives $C6" wait_addr vif3.0 "$C6" 10000
	vg_check "dhcpcd (carol): the gateway reaches $C6" pings $GW "$C6"
}

# DHCPv6 (IA_NA) with dhclient -6 and dhcpcd, static leases by mac.
case_dhcp6() {
	local g
	for g in "vif4.0 dave dhclient $D6D" "vif3.0 carol dhcpcd $C6D"; do
		set -- $g
		vg_check "$3 ($2): DHCPv6 lease of $4" wait_addr "$1" "$4" 20000
		vg_check "$3 ($2): the gateway reaches $4" pings $GW "$4"
		vg_check "$3 ($2): reaches the gateway from $4" pings "$1" $GW6D -I "$4"
	done
}

# rdisc6 and ndisc6: a router solicitation and a neighbour solicitation from
# the guest, answered by the gateway.
case_ndisc() {
	local o
	vg_check "rdisc6 (bob): its RS reaches the gateway, an RA with 2001:db8:1::/64 answers" \
		rdisc_reaches vif2.0 rs_b
	o=$(world_exec vif2.0 ndisc6 -1 -r 3 -w 1000 $GW6 eth0 2>&1)
	vg_check "ndisc6 (bob): the gateway's NA answers with its mac" grep -qi "$GW_MAC" <<<"$o"
}

# arping: announcements (request and reply forms) update the gateway's
# cache; a probe (sender 0.0.0.0) for an address in use is answered.
case_arping() {
	local mode rc
	for mode in -U -A; do
		world_exec $GW ip neigh replace $B4 lladdr 02:00:00:00:00:99 dev eth0 nud stale
		world_exec vif2.0 arping "$mode" -c 2 -w 2 -I eth0 $B4 >/dev/null 2>&1
		vg_check "arping $mode (bob): the announcement reaches the gateway's cache" \
			neigh_is $GW $B4 $MB
	done
	world_exec vif2.0 arping -D -c 2 -w 3 -I eth0 $GW4 >/dev/null 2>&1
	rc=$?
	vg_expect_eq "arping -D (bob): the probe for $GW4 is answered (exit 1: in use)" 1 "$rc"
	vg_check "ping -s 3000 (bob): fragmented IPv4 to the gateway and back" \
		pings vif2.0 $GW4 -s 3000
}

# Multicast joins: IGMP and MLD reports reach the gateway (a querier or a
# snooping bridge needs them): the kernel's own for its addresses' groups,
# from :: while the link-local is new and from the link-local after, and
# those of an explicit join (ip addr ... autojoin).
case_joins() {
	local n4 n6
	vg_check "MLD (bob): reports from :: (before its link-local) reached the gateway" seen_ge mld0_b 1
	vg_check "MLD (bob): reports from its link-local reached the gateway" seen_ge mld_b 1
	n4=$(gw_seen igmp_b)
	n6=$(gw_seen mld_b)
	world_exec vif2.0 ip addr add 233.252.0.1/32 dev eth0 autojoin
	world_exec vif2.0 ip -6 addr add ff05::db8:1/128 dev eth0 autojoin nodad
	vg_check "IGMP (bob): a join's report reaches the gateway" until_ms 3000 seen_ge igmp_b $((n4 + 1))
	vg_check "MLD (bob): a join's report reaches the gateway" until_ms 3000 seen_ge mld_b $((n6 + 1))
}

# Optimistic DAD (RFC 4429): erin comes up now; its address is used at once,
# while its DAD (3 NS, 1 s apart) still runs.
case_optimistic() {
	local flags=""
	guest_up vif5.0 optimistic_dad=1 use_optimistic=1 dad_transmits=3 \
		net.ipv6.neigh.eth0.retrans_time_ms=1000
	until_ms 10000 addr_present vif5.0 "$E6"
	flags=$(world_exec vif5.0 ip -o -6 addr show dev eth0 to "$E6")
	vg_check "optimistic DAD (erin): $E6 appears optimistic" grep -q optimistic <<<"$flags"
	vg_check "optimistic DAD (erin): reaches the gateway from it during DAD" \
		pings vif5.0 $GW6 -I "$E6"
	flags=$(world_exec vif5.0 ip -o -6 addr show dev eth0 to "$E6")
	vg_check "optimistic DAD (erin): ... and DAD was still running then" grep -q optimistic <<<"$flags"
	vg_check "optimistic DAD (erin): its DAD solicitations (from ::) reached the gateway" \
		seen_ge dad_e 1
	vg_check "optimistic DAD (erin): DAD completes" wait_addr vif5.0 "$E6" 6000
	vg_check "optimistic DAD (erin): the gateway reaches it" pings $GW "$E6"
}

# --- attacks: each succeeds when the attack worked ---------------------------

# mallory sends from alice's leased IPv4 / SLAAC IPv6 address.
attack_steal4() {
	gw_reset steal4
	world_exec vif6.0 ip addr add $A4/32 dev eth0
	world_exec vif6.0 ping -n -q -c 2 -i 0.2 -W 1 -I $A4 $GW4 >/dev/null 2>&1
	world_exec vif6.0 ip addr del $A4/32 dev eth0
	world_exec $GW ip neigh del $A4 dev eth0 2>/dev/null
	seen_ge steal4 1
}
attack_steal6() {
	gw_reset steal6
	world_exec vif6.0 ip -6 addr add "$A6/128" dev eth0 nodad
	world_exec vif6.0 ping -n -q -c 2 -i 0.2 -W 1 -I "$A6" $GW6 >/dev/null 2>&1
	world_exec vif6.0 ip -6 addr del "$A6/128" dev eth0
	world_exec $GW ip neigh del "$A6" dev eth0 2>/dev/null
	seen_ge steal6 1
}

# arp_poison VICTIM ADDR ARPING-MODE: mallory takes ADDR (ip addr add) and
# announces it with arping; VICTIM's cache, which held the real owner after
# a ping, now names mallory.
arp_poison() {
	local victim=$1 addr=$2 mode=$3 r
	world_exec "$victim" ip neigh del "$addr" dev eth0 2>/dev/null
	pings "$victim" "$addr"
	world_exec vif6.0 ip addr add "$addr/32" dev eth0
	world_exec vif6.0 arping "$mode" -c 2 -w 2 -I eth0 "$addr" >/dev/null 2>&1
	neigh_is "$victim" "$addr" $MM
	r=$?
	world_exec vif6.0 ip addr del "$addr/32" dev eth0
	world_exec "$victim" ip neigh del "$addr" dev eth0 2>/dev/null
	return $r
}

# ka_poisoned: record in KA_RESULT which of keepalived's four claims
# (attack_keepalived) the victims' caches show now; true once all four did.
ka_poisoned() {
	local -a who=(vif1.0 vif1.0 vif1.0 $GW) addr=($GW4 $GW6 $GW_LL "$ALL")
	local k
	for k in 0 1 2 3; do
		[ "${KA_RESULT[$k]}" = 1 ] || ! neigh_is "${who[$k]}" "${addr[$k]}" $MM ||
			KA_RESULT[k]=1
	done
	[ "${KA_RESULT[*]}" = "1 1 1 1" ]
}

# keepalived on mallory, master at once, claiming the gateway's IPv4,
# IPv6 and link-local addresses and alice's link-local: its gratuitous ARPs
# and unsolicited NAs re-point alice's and the gateway's caches.  Sets
# KA_RESULT to one 0/1 (worked) per claim.
attack_keepalived() {
	local st=$1
	world_exec vif1.0 ip neigh flush dev eth0
	world_exec $GW ip neigh flush dev eth0
	pings vif1.0 $GW4
	pings vif1.0 $GW6
	pings vif1.0 "$GW_LL%eth0"
	pings $GW "$ALL%eth0"
	run_keepalived "ka-$st" vif6.0 < <(ka_conf 200 71 $GW4/24 $GW_LL/64 $GW6/64 "$ALL/64")
	ka_master vif6.0 "ka-$st" 2 || vg_log "keepalived: not master in 8 s"
	# Its first burst goes at once, the second after vrrp_garp_master_delay
	# (1 s), one per instance.  A claim worked if the victim's cache named
	# mallory's mac at any moment: the owner's own traffic (a DAD defence,
	# a reply) may set it back, so one look after a fixed wait could miss
	# a poisoning that happened.  Look every 50 ms for 3 s.
	KA_RESULT=(0 0 0 0)
	until_ms 3000 ka_poisoned
	guest_stop "ka-$st"
	world_exec vif1.0 ip neigh flush dev eth0
	world_exec $GW ip neigh flush dev eth0
}

# A rogue dnsmasq on mallory: RAs for 2001:db8:66::/64 (alice would form an
# address in it) and a DHCPv4 server for 198.51.100.0/24 (victor, whom the
# real gateway ignores, would take its lease).  Sets ROGUE_RESULT (RA, DHCP).
attack_rogue() {
	local st=$1 d
	d=$(gdir vif6.0)
	world_exec vif6.0 ip addr add 198.51.100.1/24 dev eth0
	world_exec vif6.0 ip -6 addr add 2001:db8:66::1/64 dev eth0 nodad
	cat >"$d/rogue.conf" <<-EOF
		port=0
		interface=eth0
		bind-interfaces
		user=root
		no-resolv
		no-hosts
		pid-file=$d/rogue-$st.pid
		dhcp-leasefile=$d/rogue-$st.leases
		log-facility=$d/rogue-$st.log
		dhcp-range=198.51.100.50,198.51.100.60,255.255.255.0,2m
		enable-ra
		ra-param=eth0,4,0
		dhcp-range=2001:db8:66::,ra-only,64,2m
	EOF
	guest_bg "rogue-$st" vif6.0 dnsmasq -k "--conf-file=$d/rogue.conf"
	until_ms 5000 grep -q 'router advertisement on' "$d/rogue-$st.log" ||
		vg_log "rogue dnsmasq: not started in 5 s"
	UDHCPC_TAG="udhcpc-$st" run_udhcpc vif7.0 -n -q -t 4
	ROGUE_RESULT=(0 0)
	until_ms 6000 addr_present vif1.0 2001:db8:66::/64 && ROGUE_RESULT[0]=1
	until_ms 8000 vg_not kill -0 "${GUEST_PID[udhcpc-$st]}"
	[ "$(events vif7.0 "^bound 198\.51\.100\.")" -ge 1 ] && ROGUE_RESULT[1]=1
	guest_stop "udhcpc-$st"
	guest_stop "rogue-$st"
	world_exec vif6.0 ip addr del 198.51.100.1/24 dev eth0
	world_exec vif6.0 ip -6 addr del 2001:db8:66::1/64 dev eth0
	world_exec vif1.0 ip -6 addr flush dev eth0 to 2001:db8:66::/64
	world_exec vif1.0 ip -6 route flush dev eth0 to 2001:db8:66::/64 2>/dev/null
	world_exec vif7.0 ip -4 addr flush dev eth0
	: >"$(gdir vif7.0)/events"
}

# vrrp_pair NAME PORT1 PORT2 MAC1 MAC2 VRID V4 V6 [use_vmac]: keepalived on
# both, the first preferred; the gateway reaches the virtual addresses,
# then again after the first's keepalived stops: the new master's
# gratuitous ARPs and unsolicited NAs pass.
vrrp_pair() {
	local name=$1 p1=$2 p2=$3 m1=$4 m2=$5 vrid=$6 v4=$7 v6=$8 vmac=${9:-}
	run_keepalived "$name-1" "$p1" < <(ka_conf 150 "$vrid" "$v4/24" "$v6/64" $vmac)
	run_keepalived "$name-2" "$p2" < <(ka_conf 100 "$vrid" "$v4/24" "$v6/64" $vmac)
	ka_master "$p1" "$name-1" 2
	[ -z "$vmac" ] || { m1=00:00:5e:00:01:$(printf %02x "$vrid") && m2=$m1; }
	vg_check "$name: master ${p1}: the gateway reaches $v4" pings $GW "$v4"
	vg_check "$name: master ${p1}: the gateway reaches $v6" pings $GW "$v6"
	vg_check "$name: master ${p1}: the gateway's cache has $m1 for $v4" \
		until_ms 2500 neigh_is $GW "$v4" "$m1"
	guest_stop "$name-1"
	vg_check "$name: failover: $p2 becomes master" ka_master "$p2" "$name-2" 2 5000
	vg_check "$name: after failover: the gateway's cache has $m2 for $v4" \
		until_ms 2500 neigh_is $GW "$v4" "$m2"
	vg_check "$name: after failover: the gateway reaches $v4" pings $GW "$v4"
	vg_check "$name: after failover: the gateway reaches $v6" pings $GW "$v6"
	guest_stop "$name-2"
}

# keepalived pairs sharing an address ([shared]), with and without use_vmac;
# mallory, whose ip= lists it too, has it withheld.
case_vrrp() {
	vrrp_pair keepalived vif8.0 vif9.0 $MK1 $MK2 $VRID $VIP4 $VIP6
	vrrp_pair keepalived-vmac vif10.0 vif11.0 $MV1 $MV2 $VRID_VMAC $VMIP4 $VMIP6 use_vmac
	vg_check "mallory (not in [shared] vip): $VIP4 withheld as shared" withheld_shared
}

# withheld_shared: vifguardctl shows mallory's $VIP4 withheld for [shared] vip.
withheld_shared() {
	vgctl show mallory | grep -q "withheld: .*$VIP4 shared vip "
}

# keepalived on mallory (not a member of [shared] vip) claiming the shared
# $VIP4 with no member running: the gateway's ping reaches mallory and its
# cache names mallory's mac.
attack_vip() {
	local r
	world_exec $GW ip neigh del $VIP4 dev eth0 2>/dev/null
	gw_reset vip_m
	run_keepalived "vip-$1" vif6.0 < <(ka_conf 200 $VRID_MALLORY $VIP4/24)
	ka_master vif6.0 "vip-$1" 1 || vg_log "keepalived: not master in 8 s"
	pings $GW $VIP4 && until_ms 2500 neigh_is $GW $VIP4 $MM && seen_ge vip_m 1
	r=$?
	guest_stop "vip-$1"
	world_exec $GW ip neigh del $VIP4 dev eth0 2>/dev/null
	return $r
}

attacks() {
	local st=$1
	attack_check "$st" "mallory sending from alice's leased $A4" attack_steal4
	attack_check "$st" "mallory sending from alice's SLAAC $A6" attack_steal6
	attack_check "$st" "ip addr add + arping -U: mallory claims the gateway's $GW4 to alice" \
		arp_poison vif1.0 $GW4 -U
	attack_check "$st" "ip addr add + arping -A: mallory claims the gateway's $GW4 to alice" \
		arp_poison vif1.0 $GW4 -A
	attack_check "$st" "ip addr add + arping -U: mallory claims alice's lease $A4 to the gateway" \
		arp_poison $GW $A4 -U
	attack_keepalived "$st"
	attack_check "$st" "keepalived on mallory: gratuitous ARP for the gateway's $GW4" \
		test "${KA_RESULT[0]}" = 1
	attack_check "$st" "keepalived on mallory: unsolicited NA for the gateway's $GW6" \
		test "${KA_RESULT[1]}" = 1
	attack_check "$st" "keepalived on mallory: unsolicited NA for the gateway's link-local" \
		test "${KA_RESULT[2]}" = 1
	attack_check "$st" "keepalived on mallory: unsolicited NA for alice's link-local" \
		test "${KA_RESULT[3]}" = 1
	attack_check "$st" "keepalived on mallory (not in [shared] vip) taking the shared $VIP4" \
		attack_vip "$st"
	attack_check "$st" "random (its own random link-local) claiming the gateway's link-local" \
		ll_claim "$st" rndgw vif13.0 vif1.0 $GW_LL
	attack_check "$st" "stable claiming random's owned link-local $RN_LL" \
		ll_claim "$st" steal-ll vif12.0 $GW "$RN_LL"
	attack_check "$st" "capper's third link-local of its own (cap 2) reaching the gateway" \
		attack_cap
	attack_rogue "$st"
	attack_check "$st" "rogue dnsmasq on mallory: RA gives alice a 2001:db8:66:: address" \
		test "${ROGUE_RESULT[0]}" = 1
	attack_check "$st" "rogue dnsmasq on mallory: DHCPv4 leases victor a 198.51.100.x" \
		test "${ROGUE_RESULT[1]}" = 1
}

# shows_owned WHO ADDRS: vifguardctl show WHO lists exactly ADDRS as owned
# (within 3 s: the daemon rewrites its status file shortly after a change).
shows_owned() {
	until_ms 3000 owned_line "$1" "$2"
}
owned_line() {
	vgctl show "$1" | grep -qx " *owned: $2"
}

# Stable-privacy (addr_gen_mode 2) and random (3) link-locals: owned from
# their DAD, first come, first served; RS, MLD and DHCPv6 from them work.
case_linklocal() {
	local g ll
	for g in "vif12.0 stable $MSP $SP6D mld_sp rs_sp dhclient6-stable" \
		"vif13.0 random $MRN $RN6D mld_rn rs_rn dhclient6-random"; do
		set -- $g
		ll=$(v6_ll "$1")
		vg_check "$2 link-local: not EUI-64 (${ll:-none})" \
			test -n "$ll" -a "$ll" != "$(eui64 "$3")"
		vg_check "$2 link-local: owned from its DAD (journal)" \
			grep -q "owns $ll now (duplicate address detection" "$VG_DAEMON_LOG"
		vg_check "$2 link-local: vifguardctl show lists it as owned" shows_owned "$2" "$ll"
		vg_check "$2 link-local: rdisc6's solicitation reaches the gateway" rdisc_reaches "$1" "$6"
		vg_check "$2 link-local: MLD reports from it reach the gateway" seen_ge "$5" 1
		vg_check "$2 link-local: DHCPv6 lease of $4 (dhclient -6)" wait_addr "$1" "$4" 20000
		vg_check "$2 link-local: the gateway reaches it" pings $GW "$ll%eth0"
		vg_check "$2 link-local: reaches the gateway's link-local" pings "$1" "$GW_LL%eth0"
		vg_check "$2 link-local: reaches the gateway from $4" pings "$1" $GW6D -I "$4"
	done
	# its own extra link-locals, with DAD, up to the cap
	for ll in fe80::c1 fe80::c2; do
		world_exec vif14.0 ip -6 addr add $ll/64 dev eth0
		vg_check "capper: its own $ll (DAD done)" wait_addr vif14.0 $ll 5000
		vg_check "capper: reaches the gateway from $ll" pings vif14.0 "$GW_LL%eth0" -I "$ll%eth0"
	done
	vg_check "capper: vifguardctl show lists fe80::c1 fe80::c2 as owned" \
		shows_owned capper "fe80::c1 fe80::c2"
}

# SIGKILL and a restart of the daemon while random sends from its owned
# link-local (a ping every 20 ms) and capper spoofs it: no echo lost, no
# spoof delivered, and the ownership is still random's.
case_restart() {
	local ll pid n sent got
	ll=$(v6_ll vif13.0)
	gw_watch spoof_ll ether saddr $MCP ip6 saddr "$ll"
	world_exec vif14.0 ip -6 addr add "$ll/128" dev eth0 nodad
	guest_bg restart-ping vif13.0 ping -n -i 0.02 -c 200 -W 1 "$GW_LL%eth0"
	guest_bg restart-spoof vif14.0 ping -n -q -i 0.02 -c 200 -W 1 -I "$ll%eth0" "$GW_LL%eth0"
	sleep 1
	n=$(log_count 'Ready: table')
	daemon_kill9
	daemon_start || vg_log "restart: not ready"
	pid=${GUEST_PID[restart-ping]}
	until_ms 8000 vg_not kill -0 "$pid"
	until_ms 8000 vg_not kill -0 "${GUEST_PID[restart-spoof]}"
	sent=$(out vif13.0 restart-ping | awk '/packets transmitted/ { print $1 }')
	got=$(out vif13.0 restart-ping | awk '/packets transmitted/ { print $4 }')
	vg_log "restart: $got of $sent echoes answered, spoofs seen at the gateway: $(gw_seen spoof_ll)"
	vg_check "restart: the daemon started again" test "$(log_count 'Ready: table')" -gt "$n"
	vg_check "restart: every echo from random's owned $ll answered ($got/$sent)" \
		test -n "$sent" -a "$sent" = "$got" -a "${sent:-0}" -ge 150
	vg_check "restart: no spoof from capper with $ll reached the gateway" \
		test "$(gw_seen spoof_ll)" = 0
	vg_check "restart: random still owns $ll" shows_owned random "$ll"
	guest_stop restart-ping
	guest_stop restart-spoof
	world_exec vif14.0 ip -6 addr del "$ll/128" dev eth0
}

# A local live migration of random: the old domain is paused (its bridge
# port down), the toolstack names the incoming domain random--incoming and
# gives its vif the same mac; the incoming vif's first frame from random's
# owned link-local takes the ownership over.  Then the incoming domain goes
# and random resumes: its DAD when its link comes back claims it back.  Any
# other guest is refused (case_restart, attacks).
case_migrate() {
	local ll
	ll=$(v6_ll vif13.0)
	world_host ip link set vif13.0 down
	guest_add vif15.0 $MRN random--incoming 192.0.2.22 $RN6D || return
	vg_check "migration: the incoming vif is enforced" vg_wait_for 5000 has_vif vif15.0
	guest_up vif15.0 addr_gen_mode=1
	world_exec vif15.0 ip -6 addr add "$ll/64" dev eth0 nodad
	vg_check "migration: the incoming domain reaches the gateway from $ll" \
		pings vif15.0 "$GW_LL%eth0" -I "$ll%eth0"
	vg_check "migration: random--incoming owns $ll" shows_owned random--incoming "$ll"
	vg_check "migration: random gave it up (journal)" \
		grep -q "random, dom 13): owns $ll no longer: its domain migrated" "$VG_DAEMON_LOG"
	world_host ip link set vif15.0 down
	world_host ip link set vif13.0 up
	vg_check "migration back: random reaches the gateway from $ll" \
		until_ms 5000 pings vif13.0 "$GW_LL%eth0" -I "$ll%eth0"
	vg_check "migration back: random owns $ll" shows_owned random "$ll"
	xs_rm /local/domain/0/backend/vif/15
	vg_check "migration done: the incoming vif's rules are gone" \
		vg_wait_for 5000 vg_not has_vif vif15.0
}

# attack_cap: capper's third link-local of its own (DAD done) reaches the
# gateway.
attack_cap() {
	local r
	world_exec vif14.0 ip -6 addr add fe80::c3/64 dev eth0
	wait_addr vif14.0 fe80::c3 5000
	pings vif14.0 "$GW_LL%eth0" -I fe80::c3%eth0
	r=$?
	world_exec vif14.0 ip -6 addr del fe80::c3/64 dev eth0
	return $r
}

default_world
want dhcp4 && case_dhcp4
took "DHCPv4 done"
want slaac && case_slaac
want dhcp6 && case_dhcp6
want ndisc && case_ndisc
want arping && case_arping
want joins && case_joins
want optimistic && case_optimistic
want vrrp && case_vrrp
want linklocal && case_linklocal
want restart && case_restart
want migrate && case_migrate
took "legitimate cases done"
vg_check "daemon logged no error" bash -c "! grep -q '^vifguardd\[error\]' '$VG_DAEMON_LOG'"
if want attacks; then
	RN_LL=$(v6_ll vif13.0)
	attacks on
	vg_check "capper: the cap was logged" \
		grep -q "capper.*refused: it owns 2 address(es)" "$VG_DAEMON_LOG"
	took "attacks with enforcement on done"
	vg_check "enforcement off: daemon stopped, table deleted" enforce_off
	attacks off
	took "attacks with enforcement off done"
fi
keep_log
vg_done
