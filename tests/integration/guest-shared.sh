# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The guest matrix's shared world (issue 14): guests sharing the gateway's
# SLAAC /64 (2001:db8:1::/64, which holds the protected 2001:db8:1::1) and
# its IPv4 /24 (192.0.2.0/24, the protected 192.0.2.1), each address in them
# owned by the first guest that claims it (a DAD solicitation, an ARP probe
# or a first frame), and link-locals that are not EUI-64.  Sourced by
# guest-matrix.sh when VG_GUESTS_WORLD=shared (the guest-shared test).
# VG_GUESTS_EXTRA_CONF adds lines to vifguard.conf.

PFX=2001:db8:1::/64 PFX4=192.0.2.0/24
# shareda and sharedb own these in the shared /24 (an ARP probe first; a
# first frame)
SA4=192.0.2.60 SB4=192.0.2.61
MF=00:16:3e:00:10:00 MSP=00:16:3e:00:11:00 MRN=00:16:3e:00:12:00
MTA=00:16:3e:00:13:00 MTB=00:16:3e:00:14:00 MSA=00:16:3e:00:15:00 MSB=00:16:3e:00:16:00
MLH=00:16:3e:00:22:00 MLR=00:16:3e:00:23:00 MSQ=00:16:3e:00:24:00 MAB=00:16:3e:00:25:00
# SLAAC addresses in the shared /64, written as the daemon and vifguardctl
# write them (RFC 5952: one zero group is not shortened to ::)
P6=2001:db8:1:0:
F6=$(eui64 $MF $P6) FLL=$(eui64 $MF)
SA6=$(eui64 $MSA $P6) SB6=$(eui64 $MSB $P6)
SQ6=$(eui64 $MSQ $P6) AB6=$(eui64 $MAB $P6)

shared_world() {
	setup_world
	gw_dhcp_host "$MSP,[2001:db8:2::21]"
	gw_dhcp_host "$MRN,[2001:db8:2::22]"
	gw_start || exit 1
	# frag first: its exact address inside the /64 predates the sharers
	guest_add vif10.0 $MF frag 192.0.2.40 "$F6" || exit 1
	guest_add vif11.0 $MSP stable 192.0.2.21 2001:db8:2::21 $PFX || exit 1
	guest_add vif12.0 $MRN random 192.0.2.22 2001:db8:2::22 $PFX || exit 1
	guest_add vif13.0 $MTA tempa $PFX || exit 1
	guest_add vif14.0 $MTB tempb $PFX || exit 1
	guest_add vif15.0 $MSA shareda $PFX $PFX4 || exit 1
	guest_add vif16.0 $MSB sharedb $PFX $PFX4 || exit 1
	guest_add vif22.0 $MLH llhole 192.0.2.42 fe80::/64 || exit 1
	guest_add vif23.0 $MLR llrandom 192.0.2.43 || exit 1
	guest_add vif24.0 $MSQ squat $PFX $PFX4 || exit 1
	# a guest that is shut down: its EUI-64 address is still its own
	guest_add vif25.0 $MAB absent $PFX || exit 1
	gw_watch rs_sp ether saddr $MSP icmpv6 type nd-router-solicit
	gw_watch rs_rn ether saddr $MRN icmpv6 type nd-router-solicit
	gw_watch rs_lr ether saddr $MLR icmpv6 type nd-router-solicit
	gw_watch mld_sp ether saddr $MSP ip6 saddr fe80::/64 ip6 daddr ff02::16
	gw_watch mld_rn ether saddr $MRN ip6 saddr fe80::/64 ip6 daddr ff02::16
	gw_watch squat ether saddr $MSQ ip6 saddr "$AB6"
	gw_watch steal ether saddr $MSB ip6 saddr "$SA6"
	gw_watch gwsrc ether saddr $MSB ip6 saddr $GW6
	gw_watch steal4 ether saddr $MSB ip saddr $SA4
	gw_watch frag4 ether saddr $MSB ip saddr 192.0.2.40
	daemon_start || exit 1
	took "daemon ready"
	local g
	for g in vif10.0 vif15.0 vif16.0 vif22.0 vif24.0; do
		guest_up $g || exit 1
	done
	guest_up vif11.0 addr_gen_mode=2 && guest_up vif12.0 addr_gen_mode=3 &&
		guest_up vif13.0 use_tempaddr=2 && guest_up vif14.0 use_tempaddr=2 &&
		guest_up vif23.0 addr_gen_mode=3 || exit 1
	for g in "vif10.0 192.0.2.40" "vif22.0 192.0.2.42" "vif23.0 192.0.2.43"; do
		set -- $g
		world_exec "$1" ip addr add "$2/24" dev eth0
	done
	run_dhclient vif11.0 -6
	run_dhclient vif12.0 -6
}

# Stable-privacy (mode 2) and random (mode 3) link-locals: RS, DHCPv6 and
# MLD from them, SLAAC in the shared /64.
case_linklocal() {
	local g a
	for g in "vif11.0 stable $MSP 2001:db8:2::21 mld_sp rs_sp" \
		"vif12.0 random $MRN 2001:db8:2::22 mld_rn rs_rn"; do
		set -- $g
		vg_check "$2 link-local: not EUI-64 ($(v6_ll "$1"))" test "$(v6_ll "$1")" != "$(eui64 "$3")"
		vg_check "$2 link-local: rdisc6's solicitation reaches the gateway" rdisc_reaches "$1" "$6"
		vg_check "$2 link-local: DHCPv6 lease of $4 (dhclient -6)" wait_addr "$1" "$4" 10000
		vg_check "$2 link-local: MLD reports from it reach the gateway" seen_ge "$5" 1
		until_ms 8000 has_addr "$1" "$(v6_global "$1" $SLAAC_PFX)"
		a=$(v6_global "$1" $SLAAC_PFX)
		vg_check "$2 link-local: SLAAC address in the shared /64 (${a:-none})" test -n "$a"
		vg_check "$2 link-local: the gateway reaches ${a:-it}" pings $GW "${a:-::}"
		vg_check "$2 link-local: reaches the gateway" pings "$1" $GW6
	done
}

# use_tempaddr=2 in the shared /64: both guests send from temporary addresses.
case_tempaddr() {
	local g a
	for g in "vif13.0 tempa" "vif14.0 tempb"; do
		set -- $g
		until_ms 8000 bash -c '[ -n "$(ip netns exec "$1" ip -6 addr show dev eth0 temporary)" ]' \
			_ "$(world_ns "$1")"
		a=$(world_exec "$1" ip -o -6 addr show dev eth0 temporary |
			awk '{ sub(/\/.*/, "", $4); print $4; exit }')
		vg_check "$2 (use_tempaddr=2): temporary address (${a:-none})" test -n "$a"
		vg_check "$2 (use_tempaddr=2): reaches the gateway from it" pings "$1" $GW6 -I "${a:-::}"
		vg_check "$2 (use_tempaddr=2): the gateway reaches it" pings $GW "${a:-::}"
	done
}

# Two guests on the shared /64 holding the protected gateway address.
case_shared64() {
	local g
	for g in "vif15.0 shareda $SA6" "vif16.0 sharedb $SB6"; do
		set -- $g
		vg_check "$2 (shared /64): $3 configured" wait_addr "$1" "$3" 8000
		vg_check "$2 (shared /64): the gateway reaches it" pings $GW "$3"
		vg_check "$2 (shared /64): reaches the gateway" pings "$1" $GW6
	done
	vg_check "squat (shared /64): its own $SQ6 configured" wait_addr vif24.0 "$SQ6" 8000
	vg_check "squat (shared /64): reaches the gateway from it" pings vif24.0 $GW6 -I "$SQ6"
	vg_check "vifguardctl show: shareda shares $PFX $PFX4" shows_shared shareda "$PFX $PFX4"
	vg_check "shareda (shared /64): $SA6 owned from its DAD (journal)" \
		grep -q "owns $SA6 now (duplicate address detection" "$VG_DAEMON_LOG"
}

# shows_shared WHO PREFIXES: vifguardctl show WHO lists PREFIXES as shared.
shows_shared() {
	vgctl show "$1" | grep -qx " *shared: $2"
}

# owns WHO ADDRS: vifguardctl show WHO lists ADDRS as owned, in any order
# (within 3 s); the list is logged when it does not.
owns() {
	until_ms 3000 owned_set_is "$1" "$2" && return
	vg_log "$1: $(vgctl show "$1" | grep ' owned:')"
	return 1
}
owned_set_is() {
	[ "$(vgctl show "$1" | sed -n 's/^ *owned: //p' | tr ' ' '\n' | sort | xargs)" = \
		"$(printf '%s\n' $2 | sort | xargs)" ]
}

# The shared /24: shareda probes 192.0.2.60 first (arping -D, RFC 5227) and
# then announces it; sharedb just configures 192.0.2.61 and pings, its first
# frames claim it.  Each owns its address, and the gateway and each reach
# the other.
case_shared4() {
	vg_check "shareda (shared /24): arping -D finds $SA4 free" \
		world_exec vif15.0 arping -D -c 2 -w 3 -I eth0 $SA4
	world_exec vif15.0 ip addr add $SA4/24 dev eth0
	world_exec vif15.0 arping -U -c 1 -w 1 -I eth0 $SA4 >/dev/null 2>&1
	vg_check "shareda (shared /24): $SA4 owned from its ARP probe (journal)" \
		grep -q "owns $SA4 now (an ARP probe" "$VG_DAEMON_LOG"
	vg_check "shareda (shared /24): reaches the gateway from $SA4" pings vif15.0 $GW4 -I $SA4
	vg_check "shareda (shared /24): the gateway reaches $SA4" pings $GW $SA4
	world_exec vif16.0 ip addr add $SB4/24 dev eth0
	vg_check "sharedb (shared /24): reaches the gateway from $SB4 (its first frames claim it)" \
		until_ms 5000 pings vif16.0 $GW4 -I $SB4
	vg_check "sharedb (shared /24): the gateway reaches $SB4" pings $GW $SB4
	vg_check "vifguardctl show: shareda owns $SA6 $SA4" owns shareda "$SA6 $SA4"
	vg_check "vifguardctl show: sharedb owns $SB6 $SB4" owns sharedb "$SB6 $SB4"
}

# SIGKILL and a restart of the daemon while shareda sends from its owned
# addresses in the shared /64 and /24 (a ping every 20 ms each) and sharedb
# spoofs the IPv6 one: no echo lost, no spoof delivered, both still owned.
case_restart() {
	local n k sent got ok=true
	gw_watch spoof6 ether saddr $MSB ip6 saddr "$SA6"
	world_exec vif16.0 ip -6 addr add "$SA6/128" dev eth0 nodad
	guest_bg restart-ping6 vif15.0 ping -n -i 0.02 -c 200 -W 1 -I "$SA6" $GW6
	guest_bg restart-ping4 vif15.0 ping -n -i 0.02 -c 200 -W 1 -I $SA4 $GW4
	guest_bg restart-spoof vif16.0 ping -n -q -i 0.02 -c 200 -W 1 -I "$SA6" $GW6
	sleep 1
	n=$(log_count 'Ready: table')
	daemon_kill9
	daemon_start || vg_log "restart: not ready"
	for k in restart-ping6 restart-ping4 restart-spoof; do
		until_ms 8000 vg_not kill -0 "${GUEST_PID[$k]}"
	done
	vg_check "restart: the daemon started again" test "$(log_count 'Ready: table')" -gt "$n"
	for k in restart-ping6 restart-ping4; do
		sent=$(out vif15.0 $k | awk '/packets transmitted/ { print $1 }')
		got=$(out vif15.0 $k | awk '/packets transmitted/ { print $4 }')
		vg_check "restart: every echo of $k from shareda's owned address answered ($got/$sent)" \
			test -n "$sent" -a "$sent" = "$got" -a "${sent:-0}" -ge 150
	done
	vg_check "restart: no spoof from sharedb with $SA6 reached the gateway ($(gw_seen spoof6))" \
		test "$(gw_seen spoof6)" = 0
	vg_check "restart: shareda still owns $SA6 $SA4" owns shareda "$SA6 $SA4"
	for k in restart-ping6 restart-ping4 restart-spoof; do
		guest_stop $k
	done
	world_exec vif16.0 ip -6 addr del "$SA6/128" dev eth0
	world_exec $GW ip neigh del "$SA6" dev eth0 2>/dev/null
}

# A random link-local the guest owns works (its RS reaches the gateway).
case_llrandom() {
	vg_check "llrandom (mode 3): rdisc6's solicitation reaches the gateway" rdisc_reaches vif23.0 rs_lr
}

# --- attacks -------------------------------------------------------------------

# send_from WHO ADDR WATCH: WHO sends from ADDR (ip addr add nodad + ping
# to the gateway's other prefix, as ADDR may be the gateway's own); the
# gateway counts it.
send_from() {
	gw_reset "$3"
	world_exec "$1" ip -6 addr add "$2/128" dev eth0 nodad
	world_exec "$1" ping -n -q -c 2 -i 0.2 -W 1 -I "$2" $GW6D >/dev/null 2>&1
	world_exec "$1" ip -6 addr del "$2/128" dev eth0
	world_exec $GW ip neigh del "$2" dev eth0 2>/dev/null
	seen_ge "$3" 1
}

# protect_gw_ll yes|no: the gateway's link-local in [protect] or not, applied
# by a reload (SIGHUP) when the daemon runs.  Protected, it makes fe80::/64
# in llhole's ip= withheld whole; unprotected (as most hosts run), that
# fe80::/64 is granted today: the hole of issue 14 item 4.
protect_gw_ll() {
	local n
	if [ "$1" = no ]; then
		sed -i "/^addresses = /s/ $GW_LL\$//" "$VG_CONF"
	else
		sed -i "/^addresses = /s/\$/ $GW_LL/" "$VG_CONF"
	fi
	daemon_alive || return 0
	n=$(log_count 'Full sync (configuration reloaded)')
	kill -HUP "$VG_DAEMON_PID"
	daemon_wait_log $((n + 1)) 'Full sync (configuration reloaded)' 5000
}

# send_from4 WHO ADDR WATCH: WHO sends from IPv4 ADDR (ip addr add + ping
# to the gateway); the gateway counts it.
send_from4() {
	gw_reset "$3"
	world_exec "$1" ip addr add "$2/32" dev eth0
	world_exec "$1" ping -n -q -c 2 -i 0.2 -W 1 -I "$2" $GW4 >/dev/null 2>&1
	world_exec "$1" ip addr del "$2/32" dev eth0
	world_exec $GW ip neigh del "$2" dev eth0 2>/dev/null
	seen_ge "$3" 1
}

# arp_take WHO ADDR: WHO announces ADDR (arping -U) after the gateway's
# cache learnt its owner; the gateway's cache then names WHO's mac.
arp_take() {
	local mac r
	mac=$(world_exec "$1" cat /sys/class/net/eth0/address)
	pings $GW "$2"
	world_exec "$1" ip addr add "$2/32" dev eth0
	world_exec "$1" arping -U -c 2 -w 2 -I eth0 "$2" >/dev/null 2>&1
	neigh_is $GW "$2" "$mac"
	r=$?
	world_exec "$1" ip addr del "$2/32" dev eth0
	world_exec $GW ip neigh del "$2" dev eth0 2>/dev/null
	return $r
}

shared_attacks() {
	local st=$1
	protect_gw_ll no
	attack_check "$st" "llhole (ip= holds fe80::/64, the gateway's link-local unprotected) claiming it" \
		ll_claim "$st" hole vif22.0 vif10.0 $GW_LL
	protect_gw_ll yes
	attack_check "$st" "llrandom (its own random link-local) claiming the gateway's link-local" \
		ll_claim "$st" rndgw vif23.0 vif10.0 $GW_LL
	attack_check "$st" "llrandom claiming frag's link-local" \
		ll_claim "$st" rndfrag vif23.0 $GW "$FLL"
	attack_check "$st" "squat sending from absent's EUI-64 $AB6 in the shared /64" \
		send_from vif24.0 "$AB6" squat
	attack_check "$st" "sharedb sending from shareda's $SA6 (owned) in the shared /64" \
		send_from vif16.0 "$SA6" steal
	attack_check "$st" "sharedb sending from the protected $GW6 inside the shared /64" \
		send_from vif16.0 $GW6 gwsrc
	attack_check "$st" "sharedb sending from shareda's $SA4 (owned) in the shared /24" \
		send_from4 vif16.0 $SA4 steal4
	attack_check "$st" "sharedb taking shareda's $SA4 in the gateway's cache (arping -U)" \
		arp_take vif16.0 $SA4
	attack_check "$st" "sharedb sending from frag's configured 192.0.2.40 in the shared /24" \
		send_from4 vif16.0 192.0.2.40 frag4
}

shared_main() {
	shared_world
	want linklocal && case_linklocal
	want tempaddr && case_tempaddr
	want shared64 && case_shared64
	want llrandom && case_llrandom
	want shared4 && case_shared4
	want restart && case_restart
	took "legitimate cases done"
	# but llhole's: its ip= holds fe80::/64 (item 4)
	vg_check "daemon logged no error (but llhole's rejection)" \
		bash -c "! grep '^vifguardd\[error\]' '$VG_DAEMON_LOG' | grep -qv '(llhole, dom 22): key .ip.: entry .fe80::/64'"
	if want attacks; then
		shared_attacks on
		vg_check "enforcement off: daemon stopped, table deleted" enforce_off
		shared_attacks off
	fi
}
