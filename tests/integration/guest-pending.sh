# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The guest matrix's pending cases: what issue 14 asks for and vifguard does
# not do yet (a /64 shared by several guests, each owning the addresses it
# configures in it, first come, first served).  Fragmented ICMPv6, keepalived
# pairs sharing an address ([shared]) and link-locals owned first come,
# first served (stable-privacy, random, the cap, claiming another's) pass
# now and are in the default cases; ip= values covering fe80::/10 are
# refused now.  Sourced
# by guest-matrix.sh when VG_GUESTS_PENDING=1, in a world of its own: every
# guest here shares 2001:db8:1::/64, the gateway's SLAAC prefix, which holds
# the protected 2001:db8:1::1.  Each case is written as the issue wants it to
# behave, so it fails until that is built.  VG_GUESTS_EXTRA_CONF adds lines
# to vifguard.conf.

PFX=2001:db8:1::/64
MF=00:16:3e:00:10:00 MSP=00:16:3e:00:11:00 MRN=00:16:3e:00:12:00
MTA=00:16:3e:00:13:00 MTB=00:16:3e:00:14:00 MSA=00:16:3e:00:15:00 MSB=00:16:3e:00:16:00
MLH=00:16:3e:00:22:00 MLR=00:16:3e:00:23:00 MSQ=00:16:3e:00:24:00 MAB=00:16:3e:00:25:00
F6=$(eui64 $MF $SLAAC_PFX) FLL=$(eui64 $MF)
SA6=$(eui64 $MSA $SLAAC_PFX) SB6=$(eui64 $MSB $SLAAC_PFX)
SQ6=$(eui64 $MSQ $SLAAC_PFX) AB6=$(eui64 $MAB $SLAAC_PFX)

pending_world() {
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
	guest_add vif15.0 $MSA shareda $PFX || exit 1
	guest_add vif16.0 $MSB sharedb $PFX || exit 1
	guest_add vif22.0 $MLH llhole 192.0.2.42 fe80::/64 || exit 1
	guest_add vif23.0 $MLR llrandom 192.0.2.43 || exit 1
	guest_add vif24.0 $MSQ squat $PFX || exit 1
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
pcase_linklocal() {
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
pcase_tempaddr() {
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
pcase_shared64() {
	local g
	for g in "vif15.0 shareda $SA6" "vif16.0 sharedb $SB6"; do
		set -- $g
		vg_check "$2 (shared /64): $3 configured" wait_addr "$1" "$3" 8000
		vg_check "$2 (shared /64): the gateway reaches it" pings $GW "$3"
		vg_check "$2 (shared /64): reaches the gateway" pings "$1" $GW6
	done
	vg_check "squat (shared /64): its own $SQ6 configured" wait_addr vif24.0 "$SQ6" 8000
	vg_check "squat (shared /64): reaches the gateway from it" pings vif24.0 $GW6 -I "$SQ6"
}

# A random link-local the guest owns works (its RS reaches the gateway).
pcase_llrandom() {
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

pending_attacks() {
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
}

pending_main() {
	pending_world
	want linklocal && pcase_linklocal
	want tempaddr && pcase_tempaddr
	want shared64 && pcase_shared64
	want llrandom && pcase_llrandom
	took "pending legitimate cases done"
	if want attacks; then
		pending_attacks on
		vg_check "enforcement off: daemon stopped, table deleted" enforce_off
		pending_attacks off
	fi
}
