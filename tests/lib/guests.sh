# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Real guest network software in the bridge world (issue 14): a gateway
# peer running dnsmasq (DHCPv4, DHCPv6, router advertisements) and guests
# running dhclient, udhcpc, dhcpcd, keepalived, the kernel's SLAAC, ndisc6
# and arping, with the real vifguardd in between.  Requires common.sh,
# world.sh, engine.sh, xenstored.sh and daemon.sh.
#
# Nothing here may touch the host.  Every program runs inside a world
# namespace in the foreground, so its pid is the one recorded in
# VG_WORLD_PIDS (world_destroy ends it, then anything left in the namespace);
# its pid, lease and log files are in the guest's directory under
# VG_WORLD_TMP; the clients call a hook of ours that only sets eth0's
# addresses, never the distribution's (which rewrites /etc/resolv.conf); and
# each runs with /run (and dhcpcd's /var/lib/dhcpcd) on a tmpfs private to
# its mount namespace (ip netns exec gives every command its own), so fixed
# paths like /run/dhcpcd/eth0.pid cannot collide or outlive the test, and
# syslog(3) finds no /dev/log.
#
# Addresses: documentation ones only.  The gateway "gw" holds 192.0.2.1/24,
# 2001:db8:1::1/64 (advertised for SLAAC), 2001:db8:2::1/64 (DHCPv6, on-link
# only) and its EUI-64 link-local; all four are protected in vifguard.conf.

GW=gw
GW_MAC=02:00:00:00:0f:01
GW4=192.0.2.1
GW6=2001:db8:1::1
GW6D=2001:db8:2::1
GW_LL=fe80::ff:fe00:f01
SLAAC_PFX=2001:db8:1::
GW_OBS=vgtobs
# DHCPv4 renewal time (T1, s): short, so a renewal happens during the test
GUEST_T1=${GUEST_T1:-4}
declare -A GUEST_PID=()

# until_ms MS CMD...: poll CMD every 50 ms until it succeeds, for at most MS
# of wall-clock time (vg_wait_for counts only its sleeps, and the commands
# polled here take tens of ms each).
until_ms() {
	local now end
	now=${EPOCHREALTIME/./}
	end=$((now / 1000 + $1))
	shift
	while ! "$@" 2>/dev/null; do
		now=${EPOCHREALTIME/./}
		[ $((now / 1000)) -ge "$end" ] && return 1
		sleep 0.05
	done
}

# gdir NAME: a private directory for one guest's (or the gateway's) files.
gdir() {
	mkdir -p "$VG_WORLD_TMP/g-$1" && printf '%s' "$VG_WORLD_TMP/g-$1"
}

# eui64 MAC [PREFIX]: the modified EUI-64 address MAC gives in PREFIX (a
# /64 ending in "::", default fe80::).  Assumes no 16-bit group is zero (true
# for the 00:16:3e:... macs used here), so the text is canonical.
eui64() {
	local b
	IFS=: read -r -a b <<<"$1"
	printf '%s%x:%x:%x:%x' "${2:-fe80::}" $(((0x${b[0]} ^ 2) << 8 | 0x${b[1]})) \
		$((0x${b[2]} << 8 | 0xff)) $((0xfe00 | 0x${b[3]})) $((0x${b[4]} << 8 | 0x${b[5]}))
}

# guest_sysctl WHO key=value...: net.ipv6.conf.eth0.<key> (a key with a
# dot is taken as a full name).
guest_sysctl() {
	local who=$1 kv k
	shift
	for kv in "$@"; do
		k=${kv%%=*}
		case "$k" in *.*) ;; *) k=net.ipv6.conf.eth0.$k ;; esac
		world_exec "$who" sysctl -qw "$k=${kv#*=}" || return 1
	done
}

# guest_add PORT MAC NAME IP...: a guest behind PORT (vif<domid>.<devid>)
# whose backend says mac=MAC ip="IP..." (none: no ip key), domain name
# NAME.  Its eth0 stays down until guest_up, so the autoconf settings (see
# guest_up) apply from its first frame.
guest_add() {
	local port=$1 mac=$2 name=$3 domid devid
	shift 3
	domid=${port#vif}
	devid=${domid#*.}
	domid=${domid%.*}
	world_add_guest "$port" "$mac" || return 1
	world_exec "$port" ip link set eth0 down || return 1
	xenstore-write "/local/domain/$domid/name" "$name" || return 1
	if [ $# -gt 0 ]; then
		xs_vif "$domid" "$devid" mac="$mac" "ip=$*" bridge=xenbr0 type=vif state=4
	else
		xs_vif "$domid" "$devid" mac="$mac" bridge=xenbr0 type=vif state=4
	fi
}

# guest_up PORT [key=value...]: bring eth0 up with fast IPv6 autoconf: RS at
# once and every second, DAD of one NS waiting 100 ms, SLAAC from RAs, no
# neighbour-cache lock time (so the cache takes the newest announcement,
# which is what the spoofing checks look at).  Extra keys override, e.g.
# addr_gen_mode=3 use_tempaddr=2 (a stable_secret is set for mode 2).
guest_up() {
	local port=$1 kv
	shift
	guest_sysctl "$port" accept_ra=1 router_solicitation_delay=0 router_solicitation_interval=1 \
		router_solicitations=3 dad_transmits=1 net.ipv6.neigh.eth0.retrans_time_ms=100 \
		net.ipv6.neigh.eth0.locktime=0 net.ipv4.neigh.eth0.locktime=0 || return 1
	for kv in "$@"; do
		[ "$kv" = addr_gen_mode=2 ] &&
			guest_sysctl "$port" "stable_secret=2001:db8:5ec:5ec::$((RANDOM % 9000 + 1000))"
		guest_sysctl "$port" "$kv" || return 1
	done
	world_exec "$port" ip link set eth0 up
}

# guest_bg TAG WHO CMD...: start CMD in WHO's namespace with a private /run,
# output to <dir of WHO>/TAG.out; its pid is GUEST_PID[TAG].
guest_bg() {
	local tag=$1 who=$2 d
	shift 2
	d=$(gdir "$who") || return 1
	# ip netns exec directly, so $! is the program (sh execs it)
	ip netns exec "$(world_ns "$who")" sh -c \
		'mount -t tmpfs vgt /run && mkdir -p /run/dhcpcd &&
		 { [ ! -d /var/lib/dhcpcd ] || mount -t tmpfs vgt /var/lib/dhcpcd; } && exec "$@"' \
		sh "$@" </dev/null >"$d/$tag.out" 2>&1 &
	GUEST_PID[$tag]=$!
	VG_WORLD_PIDS+=($!)
}

# guest_stop TAG: end one program started with guest_bg (TERM, then KILL
# after 3 s) and wait for it.
guest_stop() {
	local pid=${GUEST_PID[$1]:-} i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "GUEST_PID[$1]"
	return 0
}

# --- the gateway -------------------------------------------------------------

# gw_dhcp_host LINE: a static DHCP lease, as dnsmasq's dhcp-host takes it
# ("MAC,IPv4,[IPv6]" or "MAC,ignore"); a running dnsmasq rereads on SIGHUP.
gw_dhcp_host() {
	printf '%s\n' "$1" >>"$(gdir "$GW")/hosts"
	[ -z "${GUEST_PID[dnsmasq]:-}" ] || kill -HUP "${GUEST_PID[dnsmasq]}"
}

# gw_start: the gateway peer, its observation counters (gw_watch) and
# dnsmasq: DHCPv4 (2 min leases, T1 GUEST_T1 s), RAs every 4 s for
# 2001:db8:1::/64 (SLAAC) and 2001:db8:2::/64 (on-link, DHCPv6 leases).
gw_start() {
	local d
	d=$(gdir "$GW") || return 1
	world_add_peer "$GW" "$GW_MAC" "$GW4/24" "$GW6/64" "$GW6D/64" || return 1
	world_exec "$GW" sysctl -qw net.ipv4.neigh.eth0.locktime=0 net.ipv6.neigh.eth0.locktime=0 \
		net.ipv6.neigh.eth0.retrans_time_ms=200 || return 1
	world_exec "$GW" nft -f - <<-EOF || return 1
		table netdev $GW_OBS {
			chain in { type filter hook ingress device "eth0" priority -500; policy accept; }
		}
	EOF
	touch "$d/hosts"
	cat >"$d/dnsmasq.conf" <<-EOF
		port=0
		interface=eth0
		bind-interfaces
		user=root
		no-resolv
		no-hosts
		pid-file=$d/dnsmasq.pid
		dhcp-leasefile=$d/dnsmasq.leases
		log-facility=$d/dnsmasq.log
		log-dhcp
		dhcp-authoritative
		no-ping
		dhcp-hostsfile=$d/hosts
		dhcp-range=192.0.2.100,192.0.2.199,255.255.255.0,2m
		dhcp-option=option:router,$GW4
		dhcp-option=option:T1,$GUEST_T1
		dhcp-option=option:T2,$((GUEST_T1 * 3))
		enable-ra
		ra-param=eth0,4,120
		dhcp-range=$SLAAC_PFX,ra-only,64,2m
		dhcp-range=2001:db8:2::100,2001:db8:2::1ff,64,2m
	EOF
	guest_bg dnsmasq "$GW" dnsmasq -k "--conf-file=$d/dnsmasq.conf" || return 1
	until_ms 5000 grep -q 'router advertisement on' "$d/dnsmasq.log" || {
		vg_log "dnsmasq did not start:"
		cat "$d/dnsmasq.out" "$d/dnsmasq.log" >&2
		return 1
	}
}

# gw_watch NAME NFT-MATCH...: count the frames arriving at the gateway's
# eth0 that match (nft syntax, netdev family); gw_seen NAME prints the count.
# NAME must not be an nft keyword ("igmp"): nft takes no quoted name here.
gw_watch() {
	local name=$1
	shift
	world_exec "$GW" nft add counter netdev "$GW_OBS" "$name" &&
		world_exec "$GW" nft add rule netdev "$GW_OBS" in "$@" counter name "$name"
}
gw_seen() {
	world_exec "$GW" nft list counter netdev "$GW_OBS" "$1" 2>/dev/null |
		awk '$1 == "packets" { print $2; exit }'
}
gw_reset() {
	world_exec "$GW" nft reset counter netdev "$GW_OBS" "$1" >/dev/null
}

# gw_log_count PATTERN: dnsmasq log lines matching (extended regex).
gw_log_count() {
	grep -cE -- "$1" "$(gdir "$GW")/dnsmasq.log"
}

# --- checks ------------------------------------------------------------------

# has_addr WHO ADDR: eth0 holds ADDR and DAD is done (not tentative).
has_addr() {
	local l
	l=$(world_exec "$1" ip -o addr show dev eth0 to "$2" 2>/dev/null) || return 1
	[ -n "$l" ] && ! grep -qE 'tentative|dadfailed' <<<"$l"
}

# addr_present WHO ADDR: eth0 holds ADDR (or an address in the prefix
# ADDR/LEN), in any state.
addr_present() {
	[ -n "$(world_exec "$1" ip -o addr show dev eth0 to "$2" 2>/dev/null)" ]
}

# wait_addr WHO ADDR [MS]: until has_addr, default 10 s.
wait_addr() {
	until_ms "${3:-10000}" has_addr "$1" "$2"
}

# v6_global WHO PREFIX: the first (non-temporary) global address of eth0 in
# PREFIX/64 ("2001:db8:1::"), or nothing.
v6_global() {
	world_exec "$1" ip -o -6 addr show dev eth0 scope global to "${2}/64" 2>/dev/null |
		awk '!/temporary/ { sub(/\/.*/, "", $4); print $4; exit }'
}

# v6_ll WHO: eth0's link-local address.
v6_ll() {
	world_exec "$1" ip -o -6 addr show dev eth0 scope link 2>/dev/null |
		awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# pings WHO DEST [ARGS...]: up to 3 echo requests, 1 s each, until one is
# answered.
pings() {
	local who=$1 dest=$2 i
	shift 2
	for i in 1 2 3; do
		world_exec "$who" ping -n -q -c 1 -W 1 "$@" "$dest" >/dev/null 2>&1 && return 0
	done
	return 1
}

# rdisc_reaches WHO WATCH: rdisc6 on WHO gets an RA and the gateway counted
# one more router solicitation from it (an RA alone may be a periodic one).
rdisc_reaches() {
	local n o
	n=$(gw_seen "$2")
	o=$(world_exec "$1" rdisc6 -1 -r 3 -w 1000 eth0 2>&1)
	grep -q "Prefix *: $SLAAC_PFX/64" <<<"$o" && seen_ge "$2" $((n + 1))
}

# neigh_mac WHO ADDR: the mac WHO's neighbour cache has for ADDR (or "none").
neigh_mac() {
	local m
	m=$(world_exec "$1" ip neigh show dev eth0 to "$2" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") { print $(i + 1); exit } }')
	printf '%s' "${m:-none}"
}

# neigh_is WHO ADDR MAC: WHO's cache maps ADDR to MAC.
neigh_is() {
	[ "$(neigh_mac "$1" "$2")" = "$3" ]
}

# enforce_off: the daemon stopped and its table deleted: nothing filters.
enforce_off() {
	daemon_stop
	world_host nft delete table bridge "$VG_TABLE" 2>/dev/null
	! world_host nft list table bridge "$VG_TABLE" >/dev/null 2>&1
}

# --- the clients -------------------------------------------------------------

# The hooks log "<event> <address...>" to <dir>/events and set eth0's
# addresses only (no routes: the gateway is on-link; no DNS).
hook_dhclient() {
	cat <<-EOF
		#!/bin/sh
		echo "\$reason \${new_ip_address:-} \${new_ip6_address:-}" >>"$1/events"
		case \$reason in
		PREINIT) ip link set dev "\$interface" up ;;
		PREINIT6)
			# as dhclient-script: wait until the link-local address may be used
			i=0
			while ip -6 addr show dev "\$interface" scope link | grep -q tentative &&
				[ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done ;;
		BOUND|RENEW|REBIND|REBOOT)
			ip addr replace "\$new_ip_address/\$new_subnet_mask" dev "\$interface" ;;
		EXPIRE|FAIL|RELEASE|STOP)
			[ -z "\$old_ip_address" ] || ip addr del "\$old_ip_address/\$old_subnet_mask" dev "\$interface" ;;
		BOUND6|RENEW6|REBIND6|REBOOT6)
			ip -6 addr replace "\$new_ip6_address/64" dev "\$interface" ;;
		EXPIRE6|RELEASE6|STOP6)
			[ -z "\$old_ip6_address" ] || ip -6 addr del "\$old_ip6_address/64" dev "\$interface" ;;
		esac
		exit 0
	EOF
}

hook_udhcpc() {
	cat <<-EOF
		#!/bin/sh
		echo "\$1 \${ip:-}" >>"$1/events"
		case \$1 in
		deconfig) ip -4 addr flush dev "\$interface" scope global ;;
		bound|renew) ip addr replace "\$ip/\$subnet" dev "\$interface" ;;
		esac
		exit 0
	EOF
}

# dhcpcd sets the addresses itself; its hook only logs.
hook_dhcpcd() {
	cat <<-EOF
		#!/bin/sh
		echo "\$reason \${new_ip_address:-} \${new_dhcp6_ia_na1_ia_addr1:-}" >>"$1/events"
		exit 0
	EOF
}

# write_hook WHO CLIENT: the hook script for CLIENT in WHO's dir; prints it.
write_hook() {
	local d
	d=$(gdir "$1") || return 1
	"hook_$2" "$d" >"$d/hook-$2" && chmod +x "$d/hook-$2" && printf '%s' "$d/hook-$2"
}

# events WHO PATTERN: the hook's log lines matching (extended regex).
events() {
	grep -cE -- "$2" "$(gdir "$1")/events" 2>/dev/null
}

# run_dhclient WHO -4|-6 [TAG]: ISC dhclient in the foreground.
run_dhclient() {
	local who=$1 fam=$2 tag=${3:-dhclient$2} d hook
	d=$(gdir "$who") && hook=$(write_hook "$who" dhclient) || return 1
	: >"$d/dhclient.conf"
	guest_bg "$tag" "$who" dhclient "$fam" -d -v -cf "$d/dhclient.conf" -sf "$hook" \
		-lf "$d/$tag.leases" -pf "$d/$tag.pid" eth0
}

# run_udhcpc WHO [ARGS...]: busybox udhcpc in the foreground, validating the
# offered address with an ARP probe (-a).
run_udhcpc() {
	local who=$1 tag=${UDHCPC_TAG:-udhcpc} d hook
	shift
	d=$(gdir "$who") && hook=$(write_hook "$who" udhcpc) || return 1
	guest_bg "$tag" "$who" udhcpc -f -a -i eth0 -s "$hook" -p "$d/$tag.pid" -t 5 -T 1 "$@"
}

# run_dhcpcd WHO [ARGS...]: dhcpcd in the foreground: DHCPv4 with RFC 5227
# probes and announcements, RAs handled by dhcpcd itself with EUI-64 SLAAC,
# DHCPv6 when the RA asks for it; no IPv4LL, no hooks but ours.
run_dhcpcd() {
	local who=$1 d hook
	shift
	d=$(gdir "$who") && hook=$(write_hook "$who" dhcpcd) || return 1
	printf '%s\n' noipv4ll 'slaac hwaddr' ipv6rs 'ia_na 1' >"$d/dhcpcd.conf"
	guest_bg dhcpcd "$who" dhcpcd -B -f "$d/dhcpcd.conf" -c "$hook" -j "$d/dhcpcd.log" "$@" eth0
}

# ka_conf PRIO VRID ADDR/LEN... [use_vmac]: a keepalived configuration with a
# VRRPv3 instance per family holding the addresses (IPv4: router id VRID,
# IPv6: VRID+1), adverts every 0.2 s, gratuitous ARPs / unsolicited NAs at
# once on becoming master and again 1 s later.
ka_conf() {
	local prio=$1 vrid=$2 a fam v4=() v6=() vmac=""
	shift 2
	for a in "$@"; do
		case "$a" in
		use_vmac) vmac=use_vmac ;;
		*:*) v6+=("$a") ;;
		*) v4+=("$a") ;;
		esac
	done
	printf 'global_defs {\n\tvrrp_version 3\n\tvrrp_garp_master_delay 1\n'
	printf '\tvrrp_garp_interval 0.05\n\tvrrp_gna_interval 0.05\n}\n'
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then set -- "${v4[@]}"; else set -- "${v6[@]}"; fi
		[ $# -gt 0 ] || continue
		printf 'vrrp_instance v%s {\n\tinterface eth0\n\tvirtual_router_id %d\n' "$fam" \
			$((fam == 4 ? vrid : vrid + 1))
		printf '\tpriority %d\n\tadvert_int 0.2\n\t%s\n\tvirtual_ipaddress {\n' "$prio" "$vmac"
		printf '\t\t%s\n' "$@"
		printf '\t}\n}\n'
	done
}

# ka_master WHO TAG N [MS]: keepalived TAG logged N transitions to master.
ka_master() {
	until_ms "${4:-8000}" out_has "$1" "$2" "$3" "Entering MASTER STATE"
}

# run_keepalived TAG WHO: keepalived's VRRP process, configured from stdin
# (redirect it, "< <(ka_conf ...)": in a pipeline its pid would be lost).
run_keepalived() {
	local tag=$1 who=$2 d
	d=$(gdir "$who") || return 1
	cat >"$d/$tag.conf"
	guest_bg "$tag" "$who" keepalived -n -l -D -G -P -f "$d/$tag.conf" -p "$d/$tag.pid" \
		-r "$d/$tag-vrrp.pid" -c "$d/$tag-check.pid" -i "$tag"
}

# out_has WHO TAG COUNT PATTERN: the program's output matches PATTERN (a
# fixed string) on at least COUNT lines.
out_has() {
	[ "$(grep -cF -- "$4" "$(gdir "$1")/$2.out" 2>/dev/null)" -ge "$3" ]
}

# out WHO TAG: what a program started with guest_bg printed.
out() {
	cat "$(gdir "$1")/$2.out" 2>/dev/null
}

# ll_claim ST TAG WHO VICTIM ADDR: keepalived on WHO claims link-local ADDR;
# VICTIM's cache (filled by a ping) then names WHO's mac.
ll_claim() {
	local st=$1 tag=$2 who=$3 victim=$4 addr=$5 mac r
	mac=$(world_exec "$who" cat /sys/class/net/eth0/address)
	world_exec "$victim" ip neigh flush dev eth0
	pings "$victim" "$addr%eth0"
	run_keepalived "$tag-$st" "$who" < <(ka_conf 200 91 "$addr/64")
	ka_master "$who" "$tag-$st" 1
	# two bursts of unsolicited NAs, 1 s apart
	until_ms 2500 neigh_is "$victim" "$addr" "$mac"
	r=$?
	guest_stop "$tag-$st"
	world_exec "$victim" ip neigh flush dev eth0
	return $r
}
