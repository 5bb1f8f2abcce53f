#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The benchmark suite of issue 6: vifguard side by side with no filtering and
# with the classic per-vif ebtables layout, on this machine, in one run.
#
#   sudo tests/bench/bench.sh [--quick] [--repeat K] [--parts 1234] [--duration MS]
#                             [--raw DIR]
#
# Needs a build tree (VG_BUILD_DIR, default build/ in the source tree) with
# the tests built (vg-apply, vgframe, the xenstored shim, tests/bench/*).
# Everything runs in a private bridge world (tests/lib/world.sh) with a
# private xenstored; nothing touches the host's network or xenstore, and
# everything is removed on exit or interrupt.  Prints Markdown tables on
# stdout (progress on stderr).  It measures; it never fails on a number,
# only on errors (a tool failing, a legitimate frame not arriving, a spoofed
# frame arriving).
#
#   1 per frame   frames/s from the last-added guest port through the bridge
#                 to a peer, N = 0 10 100 1000 4000 guarded vifs:
#                 a) no rules, b) vifguard's ruleset (vg-apply sync), c) the
#                 classic per-vif ebtables layout (ebtables-nft-restore).
#                 The measured vif is the last one added; the other N-1 are
#                 rules for ports that do not exist.  N=0: nothing is
#                 guarded; the frame comes from a non-guest port (an uplink)
#                 through the empty vifguard table / empty ebtables FORWARD.
#   2 per event   one vif added, updated, removed with N present:
#                 kernel transaction alone (vg-txbench), and end to end from
#                 the xenstore write until a frame from the new address passes
#                 (or stops passing), with the real daemon (vg-xsbench e2e).
#   3 boot storm  1000 vifs written to xenstore at once -> the daemon's status
#                 file lists all of them enforced (written in one transaction,
#                 one transaction per vif as libxl does, and the same per-vif
#                 transactions pipelined on one connection: xenstored's pace);
#                 and the classic way, one ebtables process per rule.
#   4 daemon      start -> READY=1 with 0/1000/4000 vifs present (resync after
#                 restart), VmRSS, and wakeups over 60 s idle.
#
# Method (see ../shared/docs/nftables-perf-facts.md): 60-byte frames (IPv6
# UDP: 62, its minimum) from vg-blast, an AF_PACKET sender with
# PACKET_QDISC_BYPASS and sendmmsg() batches of 64 pinned to one CPU; on veth
# the whole path (guest veth, bridge, hooks, peer veth) runs in the sender's
# softirq on that CPU.  Frames arrive at the peer's eth0, counted by its
# rx_packets (a veth counts a frame there when it queues it, for free) and
# dropped by a netdev ingress chain so that the peer's own stack adds nothing.
# The bridge has br_netfilter's bridge-nf-call-* off (no iptables detour) and a
# static fdb entry for the peer (no flooding).  Each repeat measures a, b and
# c back to back for each N, so ratios compare runs seconds apart;
# the tables give the median and [min..max] over repeats.
#
# --quick (CI: ctest -L bench, `bench-smoke`): N = 0 10 100, one repeat,
# 200 ms per point, storm of 100, 10 s idle; < 3 minutes.
set -u
set -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export VG_SOURCE_DIR="${VG_SOURCE_DIR:-$(cd "$BENCH_DIR/../.." && pwd)}"
VG_BUILD_DIR="${VG_BUILD_DIR:-$VG_SOURCE_DIR/build}"
case "$VG_BUILD_DIR" in /*) ;; *) VG_BUILD_DIR="$PWD/$VG_BUILD_DIR" ;; esac
export VG_BUILD_DIR

QUICK=0
REPEAT=""
PARTS=1234
DURATION_MS=""
RAW=""
usage() {
	sed -n '4,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit "${1:-2}"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) QUICK=1 ;;
	--repeat) REPEAT=${2:-}; shift ;;
	--repeat=*) REPEAT=${1#*=} ;;
	--parts) PARTS=${2:-}; shift ;;
	--parts=*) PARTS=${1#*=} ;;
	--duration) DURATION_MS=${2:-}; shift ;;
	--duration=*) DURATION_MS=${1#*=} ;;
	--raw) RAW=${2:-}; shift ;;
	--raw=*) RAW=${1#*=} ;;
	-h | --help) usage 0 ;;
	*) echo "bench.sh: unknown argument '$1'" >&2; usage ;;
	esac
	shift
done
for v in "$REPEAT" "$DURATION_MS"; do
	case "$v" in '' | [1-9] | [1-9][0-9] | [1-9][0-9][0-9] | [1-9][0-9][0-9][0-9]) ;;
	*) echo "bench.sh: --repeat/--duration: a number, 1..9999" >&2; exit 2 ;;
	esac
done
case "$PARTS" in *[!1-4]* | '') echo "bench.sh: --parts: digits 1-4" >&2; exit 2 ;; esac

if [ "$QUICK" = 1 ]; then
	N_FRAME=(0 10 100)
	N_EVENT=(10 100)
	REPEAT=${REPEAT:-1}
	DURATION_MS=${DURATION_MS:-200}
	TX_K=20
	E2E_K=5
	STORM=100
	CLASSIC=10
	RSS_N=(0 100)
	RESYNC_N=100
	RESYNC_REPEAT=1
	IDLE_S=10
else
	N_FRAME=(0 10 100 1000 4000)
	read -r -a N_EVENT <<<"${VG_BENCH_N_EVENT:-10 1000 4000}"
	REPEAT=${REPEAT:-5}
	DURATION_MS=${DURATION_MS:-2000}
	TX_K=200
	E2E_K=30
	STORM=1000
	CLASSIC=1000
	read -r -a RSS_N <<<"${VG_BENCH_RSS_N:-0 1000 4000}"
	RESYNC_N=4000
	RESYNC_REPEAT=3
	IDLE_S=${VG_BENCH_IDLE_S:-60}
fi
# the classic storm is one process per rule: stop it after this long and
# extrapolate from the vifs done
CLASSIC_CAP_S=${VG_BENCH_CLASSIC_CAP_S:-240}

. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

VG_TABLE=vgbench
BLAST="$VG_BUILD_DIR/tests/bench/vg-blast"
TXBENCH="$VG_BUILD_DIR/tests/bench/vg-txbench"
XSB="$VG_BUILD_DIR/tests/bench/vg-xsbench"

vg_require_root
vg_require_cmd nft ip bridge awk ebtables-nft ebtables-nft-restore xenstore-write
for f in "$BLAST" "$TXBENCH" "$XSB" "$VG_APPLY" "$VG_DAEMON" "$VG_FRAME"; do
	if [ ! -x "$f" ]; then
		echo "bench.sh: $f is missing: build first (cmake --build $VG_BUILD_DIR)" >&2
		exit 1
	fi
done
if [[ $PARTS == *[234]* ]] && ! xsd_available; then
	vg_skip "no xenstored, shim or xenstore tools (scripts/install-deps.sh)"
fi

NCPU=$(nproc)
CPU=$((NCPU - 1)) # the sender's CPU: the whole frame path runs there
FAILED=0
err() {
	printf 'ERROR: %s\n' "$*" >&2
	FAILED=$((FAILED + 1))
}
say() {
	printf '# [%s] %s\n' "$(date +%T)" "$*" >&2
}
now_us() {
	local t=${EPOCHREALTIME/./}
	printf '%s' "$t"
}

# Addresses: the measured guest and the peer use documentation addresses;
# filler vif i (a rule for a port that does not exist) gets 198.18.0.0/15
# (RFC 2544 benchmarking: the documentation blocks hold only 762 hosts) and
# 2001:db8:1::/64, exactly as vg-xsbench and vg-txbench make them.
BR=xenbr0
G_PORT=vif9999.0 G_DOMID=9999 G_MAC=00:16:3e:00:99:99 G_IP4=192.0.2.10 G_IP6=2001:db8::10
# a link-local the measured vif owns: the daemon writes an owned address as an
# exact element of v6, as vg-apply writes an exact ip= entry, so the frame
# takes the same fast path (daemon/ownership.c)
G_LL=fe80::99
U_PORT=uplink0 U_MAC=02:00:00:00:00:0a
P_PORT=peer0 P_MAC=02:00:00:00:00:fe P_IP4=192.0.2.254 P_IP6=2001:db8::fe
E_DOMID=30000 E_PORT=vif30000.0 E_MAC=00:16:3e:75:30:02

world_create "$BR" || { err "cannot create the bridge world"; exit 1; }
RES="$VG_WORLD_TMP/results"
mkdir -p "$RES"
# br_netfilter would send bridged IPv4/IPv6 through iptables' hooks as well
world_host sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
	net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
world_add_guest "$G_PORT" "$G_MAC" || { err "cannot add the guest"; exit 1; }
world_add_peer "$U_PORT" "$U_MAC" || { err "cannot add the uplink"; exit 1; }
world_add_peer "$P_PORT" "$P_MAC" || { err "cannot add the peer"; exit 1; }
# no chatter (MLD, ND) from the world's own stacks into the counters
quiet_ipv6() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1 || true
}
for ns in "${VG_WORLD_NS[@]}"; do quiet_ipv6 "$ns"; done
world_host bridge fdb replace "$P_MAC" dev "$P_PORT" master static ||
	{ err "cannot add the peer's fdb entry"; exit 1; }
# the peer counts (rx_packets) and drops at once: its own stack adds nothing
world_exec "$P_PORT" nft -f - <<EOF || { err "cannot set up the peer's sink"; exit 1; }
table netdev sink {
	chain in {
		type filter hook ingress device "eth0" priority 0; policy drop;
	}
}
EOF

KERNEL=$(uname -r)
NFT_V=$(nft --version 2>/dev/null | awk '{print $2}')
NFTNL_V=$(dpkg-query -W -f='${Version}' libnftnl11 2>/dev/null || echo '?')
EBT_V=$(ebtables-nft -V 2>/dev/null)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
say "bench: $NCPU CPUs, sender on CPU $CPU, kernel $KERNEL, nft $NFT_V, libnftnl $NFTNL_V," \
	"$EBT_V; repeat $REPEAT, $DURATION_MS ms per point; load $LOAD_START"

# ---- statistics ----

# stats: numbers on stdin -> "median min max count" (median of an even count:
# the mean of the middle two)
stats() {
	sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "- - - 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR], NR }'
}

# fmt_rate PPS: 1234567 -> 1.23M, 12345 -> 12.3k
fmt_rate() {
	awk -v x="$1" 'BEGIN {
		if (x == "-" || x == "") { print "-"; exit }
		if (x >= 1e6) printf "%.3gM", x / 1e6; else if (x >= 1e3) printf "%.3gk", x / 1e3
		else printf "%.3g", x }'
}

# fmt_num X: three significant digits, no exponent: 0.884, 12.3, 5234
fmt_num() {
	awk -v x="$1" 'BEGIN {
		a = x < 0 ? -x : x
		if (a >= 100) printf "%.0f", x; else if (a >= 10) printf "%.1f", x
		else if (a >= 1) printf "%.2f", x; else printf "%.3g", x }'
}

# cell VALUES_FILE KIND(rate|num): "median [min..max]"
cell() {
	local s m lo hi n
	s=$(stats <"$1")
	read -r m lo hi n <<<"$s"
	if [ "$n" = 0 ]; then
		printf -- '-'
		return
	fi
	case "$2" in
	rate) m=$(fmt_rate "$m") lo=$(fmt_rate "$lo") hi=$(fmt_rate "$hi") ;;
	*) m=$(fmt_num "$m") lo=$(fmt_num "$lo") hi=$(fmt_num "$hi") ;;
	esac
	if [ "$n" = 1 ]; then
		printf '%s' "$m"
	else
		printf '%s [%s..%s]' "$m" "$lo" "$hi"
	fi
}

# ---- part 1: per frame ----

peer_rx() {
	world_exec "$P_PORT" cat /sys/class/net/eth0/statistics/rx_packets
}

# frame_args KIND [FROM]: vg-blast's KIND key=value words for a legitimate
# frame of that kind from the measured guest (or the uplink).
frame_args() {
	local src=$G_MAC ip4=$G_IP4 ip6=$G_IP6
	if [ "${2:-guest}" = uplink ]; then
		src=$U_MAC ip4=192.0.2.20 ip6=2001:db8::20
	fi
	case "$1" in
	ipv4) echo "ipv4-udp src=$src dst=$P_MAC saddr=$ip4 daddr=$P_IP4" ;;
	# unicast, so it takes the same forward path as the others (a broadcast
	# would also go up the bridge's own stack)
	arp) echo "arp-request src=$src dst=$P_MAC sha=$src spa=$ip4 tpa=$P_IP4" ;;
	ipv6) echo "ipv6-udp src=$src dst=$P_MAC saddr=$ip6 daddr=$P_IP6 payload=" ;;
	ipv6ll) echo "ipv6-udp src=$src dst=$P_MAC saddr=$G_LL daddr=$P_IP6 payload=" ;;
	spoof4) echo "ipv4-udp src=$src dst=$P_MAC saddr=192.0.2.99 daddr=$P_IP4" ;;
	spoofarp) echo "arp-reply src=$src dst=$P_MAC sha=$src spa=192.0.2.99 tpa=$P_IP4" ;;
	spoof6) echo "ipv6-udp src=$src dst=$P_MAC saddr=2001:db8::99 daddr=$P_IP6 payload=" ;;
	esac
}

# blast FROM DURATION_MS KIND: send for DURATION_MS, print "pps sent delivered"
# (pps = frames that reached the peer per second of sending).
blast() {
	local from=$1 dur=$2 kind=$3 port before after out sent ns
	port=$G_PORT
	[ "$from" = uplink ] && port=$U_PORT
	before=$(peer_rx) || return 1
	# shellcheck disable=SC2046 # the frame's key=value words
	out=$(world_exec "$port" "$BLAST" -i eth0 -d "$dur" -c "$CPU" $(frame_args "$kind" "$from")) ||
		return 1
	sleep 0.05 # the last batch's softirq
	after=$(peer_rx) || return 1
	sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
	ns=$(sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p' <<<"$out")
	[ -n "$sent" ] && [ -n "$ns" ] && [ "$ns" -gt 0 ] || return 1
	awk -v d=$((after - before)) -v s="$sent" -v ns="$ns" \
		'BEGIN { printf "%.0f %d %d\n", d * 1e9 / ns, s, d }'
}

# vifs_file N: N-1 filler vifs and the measured one, last (vg-apply format)
vifs_file() {
	awk -v n="$1" -v d="$G_DOMID" -v mac="$G_MAC" -v ip="$G_IP4 $G_IP6 $G_LL" -v br="$BR" 'BEGIN {
		for (i = 1; i < n; i++)
			printf "%d 0 mac=00:16:3e:%02x:%02x:01 ip=\"198.18.%d.%d 2001:db8:1::%x\" bridge=%s\n",
				i, int(i / 256) % 256, i % 256, int(i / 250), i % 250 + 1, i, br
		if (n > 0) printf "%d 0 mac=%s ip=\"%s\" bridge=%s\n", d, mac, ip, br
	}' >"$VG_WORLD_TMP/frame-$1.vifs"
	printf '%s' "$VG_WORLD_TMP/frame-$1.vifs"
}

# ebt_file N: the classic layout for the same vifs (ebtables-save format)
ebt_file() {
	awk -v n="$1" -v g="$G_PORT" -v gip="$G_IP4" 'BEGIN {
		print "*filter"; print ":INPUT ACCEPT"; print ":FORWARD ACCEPT"; print ":OUTPUT ACCEPT"
		for (i = 1; i <= n; i++) { name[i] = "vif" i ".0"; ip[i] = "198.18." int(i / 250) "." (i % 250 + 1) }
		if (n > 0) { name[n] = g; ip[n] = gip }
		for (i = 1; i <= n; i++) print ":" name[i] " ACCEPT"
		for (i = 1; i <= n; i++) print "-A FORWARD -i " name[i] " -j " name[i]
		for (i = 1; i <= n; i++) {
			print "-A " name[i] " -p ARP --arp-opcode Request -j ACCEPT"
			print "-A " name[i] " -p IPv4 --ip-src " ip[i] " -j ACCEPT"
			print "-A " name[i] " -p ARP --arp-ip-src " ip[i] " -j ACCEPT"
			print "-A " name[i] " -j DROP"
		}
	}' >"$VG_WORLD_TMP/ebt-$1.txt"
	printf '%s' "$VG_WORLD_TMP/ebt-$1.txt"
}

flush_rules() {
	world_host nft delete table bridge "$VG_TABLE" 2>/dev/null
	world_host nft delete table bridge filter 2>/dev/null
	return 0
}

# record REP N LAYOUT KIND FROM: measure one point into frame.tsv
record() {
	local rep=$1 n=$2 layout=$3 kind=$4 from=$5 r pps sent got
	if ! r=$(blast "$from" "$DURATION_MS" "$kind"); then
		err "per frame: vg-blast failed (N=$n $layout $kind)"
		return 1
	fi
	read -r pps sent got <<<"$r"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$n" "$layout" "$kind" "$pps" "$sent" "$got" \
		>>"$RES/frame.tsv"
	# a legitimate frame must arrive (a few may be lost to a full backlog)
	if [ "$sent" -eq 0 ] || [ $((got * 10)) -lt $((sent * 9)) ]; then
		err "per frame: N=$n $layout $kind: only $got of $sent legitimate frames arrived"
	fi
}

# spoof_check N LAYOUT KIND...: a spoofed frame from the guest must not
# arrive (counted exactly by vgframe observe at the peer: rx_packets would
# also count any stray frame)
spoof_check() {
	local n=$1 layout=$2 kind r pps sent got
	shift 2
	for kind in "$@"; do
		# shellcheck disable=SC2046 # the frame's key=value words
		world_observe_start spoof "$P_PORT" eth0 1000 $(frame_args "$kind") ||
			{ err "per frame: observer did not start"; continue; }
		r=$(blast guest 100 "$kind") || { err "per frame: vg-blast failed ($kind)"; continue; }
		read -r pps sent got <<<"$r"
		got=$(world_observe_wait spoof)
		if [ "$got" != 0 ] || [ "$sent" -eq 0 ]; then
			err "per frame: N=$n $layout: $got of $sent spoofed $kind frames arrived"
		fi
	done
}

part_frame() {
	local rep n from f t0 t1 kinds
	: >"$RES/frame.tsv"
	: >"$RES/setup.tsv"
	for ((rep = 1; rep <= REPEAT; rep++)); do
		for n in "${N_FRAME[@]}"; do
			say "per frame: repeat $rep/$REPEAT, N=$n"
			from=guest
			kinds=(ipv4 arp ipv6 ipv6ll)
			if [ "$n" -eq 0 ]; then
				from=uplink
				kinds=(ipv4)
			fi
			flush_rules
			for k in "${kinds[@]}"; do record "$rep" "$n" a "$k" "$from"; done

			f=$(vifs_file "$n")
			t0=$(now_us)
			if ! engine sync "$f" >/dev/null; then
				err "per frame: vg-apply sync of $n vifs failed"
				continue
			fi
			t1=$(now_us)
			printf '%s\t%s\tb\t%s\n' "$rep" "$n" $((t1 - t0)) >>"$RES/setup.tsv"
			for k in "${kinds[@]}"; do record "$rep" "$n" b "$k" "$from"; done
			[ "$rep" = 1 ] && [ "$n" -gt 0 ] && spoof_check "$n" b spoof4 spoofarp spoof6
			flush_rules

			f=$(ebt_file "$n")
			t0=$(now_us)
			if ! world_host ebtables-nft-restore <"$f"; then
				err "per frame: ebtables-nft-restore of $n vifs failed"
				continue
			fi
			t1=$(now_us)
			printf '%s\t%s\tc\t%s\n' "$rep" "$n" $((t1 - t0)) >>"$RES/setup.tsv"
			record "$rep" "$n" c ipv4 "$from"
			[ "$rep" = 1 ] && [ "$n" -gt 0 ] && spoof_check "$n" c spoof4
			flush_rules
		done
	done
}

# values N LAYOUT KIND: the pps of every repeat
values() {
	awk -F'\t' -v n="$1" -v l="$2" -v k="$3" '$2 == n && $3 == l && $4 == k { print $5 }' \
		"$RES/frame.tsv"
}

# ratios N L1 K1 L2 K2: per repeat, pps(L1,K1) / pps(L2,K2)
ratios() {
	awk -F'\t' -v n="$1" -v l1="$2" -v k1="$3" -v l2="$4" -v k2="$5" '
		$2 == n && $3 == l1 && $4 == k1 { x[$1] = $5 }
		$2 == n && $3 == l2 && $4 == k2 { y[$1] = $5 }
		END { for (r in x) if ((r in y) && y[r] > 0) print x[r] / y[r] }' "$RES/frame.tsv"
}

report_frame() {
	local n t="$VG_WORLD_TMP/v"
	echo
	echo "### 1. Per frame: frames/s through the bridge (median [min..max] of $REPEAT)"
	echo
	echo "| N | a: no rules | b: vifguard | c: ebtables | b/a | b/c | b ns/frame | b ARP | b/a ARP | b IPv6 | b/a IPv6 | b owned LL | b/a owned LL |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	for n in "${N_FRAME[@]}"; do
		local a b c ba bc nsf barp baarp b6 ba6 bll ball
		values "$n" a ipv4 >"$t"; a=$(cell "$t" rate)
		values "$n" b ipv4 >"$t"; b=$(cell "$t" rate)
		values "$n" b ipv4 | awk '$1 > 0 { print 1e9 / $1 }' >"$t"; nsf=$(cell "$t" num)
		values "$n" c ipv4 >"$t"; c=$(cell "$t" rate)
		ratios "$n" b ipv4 a ipv4 >"$t"; ba=$(cell "$t" num)
		ratios "$n" b ipv4 c ipv4 >"$t"; bc=$(cell "$t" num)
		values "$n" b arp >"$t"; barp=$(cell "$t" rate)
		ratios "$n" b arp a arp >"$t"; baarp=$(cell "$t" num)
		values "$n" b ipv6 >"$t"; b6=$(cell "$t" rate)
		ratios "$n" b ipv6 a ipv6 >"$t"; ba6=$(cell "$t" num)
		values "$n" b ipv6ll >"$t"; bll=$(cell "$t" rate)
		ratios "$n" b ipv6ll a ipv6ll >"$t"; ball=$(cell "$t" num)
		echo "| $n | $a | $b | $c | $ba | $bc | $nsf | $barp | $baarp | $b6 | $ba6 | $bll | $ball |"
	done
	echo
	echo "N=0: nothing guarded; an IPv4 frame from a non-guest port (uplink) through the empty"
	echo "vifguard table (b) and an empty ebtables FORWARD chain (c). Frames: IPv4 UDP 60 bytes,"
	echo "ARP request (unicast) 60 bytes, IPv6 UDP 62 bytes (owned LL: from a link-local the vif"
	echo "owns, an exact v6 element as the daemon writes it). Rule setup time (not part of the"
	echo "per-frame figures), median ms: $(awk -F'\t' '{ s[$2 " " $3] = s[$2 " " $3] " " $4 }
		END { for (k in s) print k, s[k] }' "$RES/setup.tsv" | sort -n | while read -r n l v; do
		printf '%s N=%s %s; ' "$l" "$n" "$(printf '%s\n' $v | stats | awk '{ printf "%.0f", $1 / 1000 }')"
	done)"
}

# ---- part 2a: per event, kernel transaction ----

part_tx() {
	local n out
	: >"$RES/tx.txt"
	for n in "${N_EVENT[@]}"; do
		say "per event (kernel): N=$n, $TX_K rounds"
		world_host nft delete table bridge vgtx 2>/dev/null
		if ! out=$(world_host "$TXBENCH" -t vgtx -n "$n" -k "$TX_K" -c "$CPU"); then
			err "vg-txbench -n $n failed"
			continue
		fi
		printf '%s\n' "$out" >>"$RES/tx.txt"
		world_host nft delete table bridge vgtx 2>/dev/null
	done
}

report_tx() {
	local n op
	echo
	echo "### 2a. Per event, kernel transaction alone (vg-txbench: nfwriter_commit from an open socket, $TX_K rounds)"
	echo
	echo "| N | add p50 / p99 (us) | update p50 / p99 (us) | remove p50 / p99 (us) | ops per add / update / remove | full sync of N: plan + commit (ms) |"
	echo "|---|---|---|---|---|---|"
	for n in "${N_EVENT[@]}"; do
		local row="| $n |" ops=""
		for op in add update remove; do
			row+=" $(awk -v n="$n" -v op="$op" '$1 == "op=" op && $2 == "n=" n {
				for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				printf "%s / %s", v["commit_p50_us"], v["commit_p99_us"] }' "$RES/tx.txt") |"
			ops+="$(awk -v n="$n" -v op="$op" '$1 == "op=" op && $2 == "n=" n {
				for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				printf "%s", v["ops"] }' "$RES/tx.txt") "
		done
		row+=" ${ops% } |"
		row+=" $(awk -v n="$n" '$1 == "sync" && $2 == "n=" n {
			for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			printf "%s + %s", v["plan_ms"], v["commit_ms"] }' "$RES/tx.txt") |"
		echo "$row"
	done
}

# ---- the daemon (parts 2b, 3, 4) ----

# bench_daemon_start [VAR=value...]: daemon_start (tests/lib/daemon.sh) with
# timestamps: the sink stamps each notification, `vg-xsbench stamp` the exec
# of vifguardd.  Sets READY_US: microseconds from exec to READY=1.  (Not in
# a subshell: it sets VG_DAEMON_PID and friends for daemon_stop.)
READY_US=""
bench_daemon_start() {
	READY_US=""
	local start ready rfd fifo="$VG_WORLD_TMP/ready.fifo"
	rm -f "$VG_WORLD_TMP/notify.sock" "$VG_WORLD_TMP/start.ns" "$fifo"
	: >"$VG_NOTIFY_LOG"
	# READY=1 is awaited in read(1) on a FIFO the sink writes to, not by
	# polling the log: a grep and a sleep every 20 ms would take CPU from
	# the start being measured (2 CPUs here)
	mkfifo "$fifo" || return 1
	exec {rfd}<>"$fifo"
	ip netns exec "$VG_WORLD-host" "$XSB" sink "$VG_WORLD_TMP/notify.sock" "$fifo" \
		>>"$VG_NOTIFY_LOG" &
	# shellcheck disable=SC2034 # daemon_stop (tests/lib/daemon.sh) stops it
	VG_SINK_PID=$!
	VG_WORLD_PIDS+=($!)
	vg_wait_for 3000 test -S "$VG_WORLD_TMP/notify.sock" || return 1
	VG_RUNTIME_DIR="$VG_WORLD_TMP/run"
	ip netns exec "$VG_WORLD-host" env NOTIFY_SOCKET="$VG_WORLD_TMP/notify.sock" \
		RUNTIME_DIRECTORY="$VG_RUNTIME_DIR" "$@" \
		"$XSB" stamp "$VG_WORLD_TMP/start.ns" "$VG_DAEMON" -f --log-fields -c "$VG_CONF" \
		2>>"$VG_DAEMON_LOG" &
	VG_DAEMON_PID=$!
	VG_WORLD_PIDS+=($!)
	if ! read -r -t 60 -u "$rfd" _; then
		exec {rfd}<&-
		err "vifguardd did not become ready within 60 s"
		tail -n 20 "$VG_DAEMON_LOG" >&2
		return 1
	fi
	exec {rfd}<&-
	start=$(cat "$VG_WORLD_TMP/start.ns" 2>/dev/null)
	ready=$(awk '/READY=1/ { print $1; exit }' "$VG_NOTIFY_LOG")
	[ -n "$start" ] && [ -n "$ready" ] || return 1
	READY_US=$(((ready - start) / 1000))
}

# status_count [enforced]: vifs in the status file (enforced ones only)
status_count() {
	local f="$VG_WORLD_TMP/run/status"
	if [ "${1:-}" = enforced ]; then
		grep -c $'^vif\t.*\tstate=enforced' "$f" 2>/dev/null
	else
		grep -c $'^vif\t' "$f" 2>/dev/null
	fi
}

# wait_status COUNT TIMEOUT_MS: the status file lists exactly COUNT vifs, all
# enforced
status_is() {
	[ "$(status_count)" = "$1" ] && [ "$(status_count enforced)" = "$1" ]
}
wait_status() {
	vg_wait_for "$2" status_is "$1"
}

TICK_HZ=$(getconf CLK_TCK)
# cpu_ticks PID: user + system time of all its threads, in clock ticks
cpu_ticks() {
	cat /proc/"$1"/task/*/stat 2>/dev/null |
		awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }'
}

# settle PID: wait until the process used no CPU for 1 s (bounded: 600 s);
# sets SETTLE_MS to how long it stayed busy (250 ms resolution)
SETTLE_MS=""
settle() {
	local pid=$1 prev cur quiet=0 t0 t_last
	t0=$(now_us)
	t_last=$t0
	prev=$(cpu_ticks "$pid")
	while [ $(($(now_us) - t0)) -lt 600000000 ] && [ "$quiet" -lt 4 ]; do
		sleep 0.25
		cur=$(cpu_ticks "$pid")
		if [ "$cur" = "$prev" ]; then
			quiet=$((quiet + 1))
		else
			quiet=0
			t_last=$(now_us)
		fi
		prev=$cur
	done
	SETTLE_MS=$(((t_last - t0) / 1000))
}

rss_kb() {
	awk -v k="$2" '$1 == k ":" { print $2 }' "/proc/$1/status"
}

# restart_measure N: stop the daemon, start it with N vifs in xenstore; record
# start -> READY=1 and the memory figures
restart_measure() {
	local n=$1 us pid perf_pid="" rc=0
	daemon_stop >/dev/null 2>&1
	# VG_BENCH_PERF_DIR: record the whole machine while the daemon starts
	if [ -n "${VG_BENCH_PERF_DIR:-}" ]; then
		perf record -q -a -g -o "$VG_BENCH_PERF_DIR/restart-$n.data" >/dev/null 2>&1 &
		perf_pid=$!
		sleep 0.5
	fi
	# the CPU time xenstored and the daemon spend until READY=1
	local xs0 xs1 dmn
	xs0=$(cpu_ticks "$VG_XSD_PID")
	bench_daemon_start || rc=$?
	xs1=$(cpu_ticks "$VG_XSD_PID")
	dmn=$(cpu_ticks "$VG_DAEMON_PID")
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid" 2>/dev/null
	fi
	if [ "$rc" != 0 ]; then
		err "daemon start with $n vifs failed"
		return 1
	fi
	us=$READY_US pid=$VG_DAEMON_PID
	[ -z "$RAW" ] || { mkdir -p "$RAW" && cp "$VG_DAEMON_LOG" "$RAW/daemon-start-$n.log"; }
	if [ "$(status_count enforced)" != "$n" ]; then
		err "after start with $n vifs the status file lists $(status_count enforced) enforced"
	fi
	local rss_ready
	rss_ready=$(rss_kb "$pid" VmRSS)
	# after READY=1 the daemon may still work (the watch's first event);
	# RSS and idle are measured once it stopped using CPU
	settle "$pid"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$us" "$(rss_kb "$pid" VmRSS)" \
		"$(rss_kb "$pid" RssAnon)" "$(rss_kb "$pid" RssFile)" "$(rss_kb "$pid" VmHWM)" \
		"$rss_ready" "$SETTLE_MS" "$(((xs1 - xs0) * 1000 / TICK_HZ))" \
		"$((dmn * 1000 / TICK_HZ))" >>"$RES/restart.tsv"
	# where the memory is, for the raw results: the largest mappings
	[ -z "$RAW" ] || awk '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 ? $6 : "[anon]" }
		/^Rss:/ { rss[name] += $2 } END { for (k in rss) print rss[k] " kB\t" k }' \
		"/proc/$pid/smaps" 2>/dev/null | sort -rn | head -12 >"$RAW/smaps-$n.txt"
	say "daemon: start with $n vifs: READY after $((us / 1000)) ms (VmRSS $rss_ready kB)," \
		"then busy for $SETTLE_MS ms more; settled VmRSS $(rss_kb "$pid" VmRSS) kB"
}

# load_to N: make xenstore hold filler vifs 1..N (adds the missing ones, one
# transaction each: C xenstored takes minutes for one transaction of 3000
# vifs) and wait until the daemon enforces them all
LOADED=0
load_to() {
	local n=$1 out
	if [ "$n" -gt "$LOADED" ]; then
		if ! out=$(world_host "$XSB" load $((LOADED + 1)) $((n - LOADED))); then
			err "vg-xsbench load failed"
			return 1
		fi
	elif [ "$n" -lt "$LOADED" ]; then
		if ! world_host "$XSB" rm $((n + 1)) $((LOADED - n)); then
			err "vg-xsbench rm failed"
			return 1
		fi
	fi
	LOADED=$n
	if daemon_alive && ! wait_status "$n" 120000; then
		err "the daemon did not settle at $n enforced vifs within 120 s" \
			"($(status_count) listed, $(status_count enforced) enforced)"
		return 1
	fi
}

# e2e N: end to end add/update/remove with N vifs present
e2e() {
	local n=$1 out
	say "per event (end to end): N=$n, $E2E_K rounds"
	# VG_BENCH_PERF_DIR: record the daemon with perf during the rounds
	local perf_pid=""
	if [ -n "${VG_BENCH_PERF_DIR:-}" ]; then
		perf record -q -g -p "$VG_DAEMON_PID" -o "$VG_BENCH_PERF_DIR/e2e-$n.data" \
			>/dev/null 2>&1 &
		perf_pid=$!
		sleep 0.5
	fi
	local rc=0
	out=$(world_host "$XSB" e2e -k "$E2E_K" "$E_DOMID" "$E_MAC" \
		"192.0.2.30 2001:db8::30" "192.0.2.31 2001:db8::31" \
		"$(world_ns "$E_PORT")" "$(world_ns "$P_PORT")" "$P_MAC" "$P_IP4") || rc=$?
	if [ -n "$perf_pid" ]; then
		kill -INT "$perf_pid" 2>/dev/null
		wait "$perf_pid" 2>/dev/null
	fi
	if [ "$rc" != 0 ]; then
		err "vg-xsbench e2e at N=$n failed"
		printf '%s\n' "$out" | tail -n 3 >&2
		return 1
	fi
	printf '%s\n' "$out" | sed "s/^op=/n=$n op=/" | grep '^n=' >>"$RES/e2e.txt"
}

# idle SECONDS LABEL: wakeups of the daemon while nothing happens
idle() {
	local s=$1 label=$2 pid=$VG_DAEMON_PID c0 c1 epoll=- perf_out
	c0=$(cat /proc/"$pid"/task/*/status 2>/dev/null |
		awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }')
	say "daemon: idle for $s s ($label)"
	if command -v perf >/dev/null 2>&1 &&
		perf_out=$(perf stat -x, -e 'syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_pwait2' \
			-p "$pid" -- sleep "$s" 2>&1 >/dev/null); then
		# "<not counted>": the task never ran in the window, so zero
		epoll=$(awk -F, '$1 ~ /^[0-9]+$/ { s += $1; ok = 1 } $1 == "<not counted>" { ok = 1 }
			END { if (ok) print s + 0; else print "-" }' <<<"$perf_out")
	else
		sleep "$s"
	fi
	c1=$(cat /proc/"$pid"/task/*/status 2>/dev/null |
		awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }')
	printf '%s\t%s\t%s\t%s\n' "$label" "$s" "$epoll" $((c1 - c0)) >>"$RES/idle.tsv"
}

# classic_storm COUNT: one ebtables process per rule, as vif-bridge scripts do
classic_storm() {
	local n=$1 out
	say "boot storm (classic): $n vifs, one ebtables-nft process per rule (cap ${CLASSIC_CAP_S} s)"
	world_host nft delete table bridge filter 2>/dev/null
	# one shell inside the namespace, so only ebtables' own cost is timed
	out=$(world_host bash -c '
		n=$1 cap=$2 t0=${EPOCHREALTIME/./} done=0 ts=("$t0")
		for ((i = 1; i <= n; i++)); do
			v=vif$i.0 ip=198.18.$((i / 250)).$((i % 250 + 1))
			ebtables-nft -N $v &&
			ebtables-nft -A FORWARD -i $v -j $v &&
			ebtables-nft -A $v -p ARP --arp-opcode Request -j ACCEPT &&
			ebtables-nft -A $v -p IPv4 --ip-src $ip -j ACCEPT &&
			ebtables-nft -A $v -p ARP --arp-ip-src $ip -j ACCEPT &&
			ebtables-nft -A $v -j DROP || { echo "error at vif $i"; exit 1; }
			done=$i
			ts[i]=${EPOCHREALTIME/./}
			[ $((ts[i] - t0)) -gt $((cap * 1000000)) ] && break
		done
		# the per-vif cost of the last tenth, to extrapolate a capped run
		k=$((done / 10)); [ "$k" -lt 1 ] && k=1
		echo "done=$done us=$((ts[done] - t0)) last_from=$((done - k)) last_us=$((ts[done] - ts[done - k]))"
	' _ "$n" "$CLASSIC_CAP_S") || { err "classic storm: $out"; return 1; }
	printf 'n=%s %s\n' "$n" "$out" >>"$RES/classic.txt"
	world_host nft delete table bridge filter 2>/dev/null
}

part_daemon() {
	local n i us out
	: >"$RES/restart.tsv"
	: >"$RES/e2e.txt"
	: >"$RES/storm.txt"
	: >"$RES/idle.tsv"
	: >"$RES/classic.txt"
	flush_rules
	daemon_setup || { err "private xenstored failed"; return 1; }
	# the daemon's runtime directory on a tmpfs, as /run/vifguard is on a
	# real host (this machine's /run is the root ext4, where each status
	# file write and rename costs the daemon a journalled block allocation)
	local shm
	if shm=$(mktemp -d /dev/shm/vgbench-run.XXXXXX 2>/dev/null); then
		vg_cleanup_add rm -rf "$shm"
		rm -rf "$VG_WORLD_TMP/run" && ln -s "$shm" "$VG_WORLD_TMP/run"
	fi
	world_add_guest "$E_PORT" "$E_MAC" || { err "cannot add the e2e guest"; return 1; }
	quiet_ipv6 "$(world_ns "$E_PORT")"

	if [[ $PARTS == *3* ]]; then
		classic_storm "$CLASSIC"
	fi

	# 0 vifs: start, RSS
	LOADED=0
	restart_measure 0 || return 1
	if [[ $PARTS == *3* ]]; then
		say "boot storm: $STORM vifs in one xenstore transaction"
		if out=$(world_host "$XSB" storm -1 -t 120000 "$VG_WORLD_TMP/run/status" 1 "$STORM"); then
			echo "mode=one-transaction $out" >>"$RES/storm.txt"
		else
			err "boot storm (one transaction) failed: $out"
		fi
		LOADED=$STORM
		load_to 0
		say "boot storm: $STORM vifs, one xenstore transaction each (libxl's way), fast loop"
		if out=$(world_host "$XSB" storm -t 120000 "$VG_WORLD_TMP/run/status" 1 "$STORM"); then
			echo "mode=transaction-per-vif $out" >>"$RES/storm.txt"
		else
			err "boot storm (transaction per vif) failed: $out"
		fi
		LOADED=$STORM
		load_to 0
		say "boot storm: $STORM vifs, one xenstore transaction each, pipelined writer (as fast as xenstored takes them)"
		if out=$(world_host "$XSB" storm -p -t 120000 "$VG_WORLD_TMP/run/status" 1 "$STORM"); then
			echo "mode=transaction-per-vif,_pipelined_writer $out" >>"$RES/storm.txt"
		else
			err "boot storm (transaction per vif, pipelined writer) failed: $out"
		fi
		LOADED=$STORM
		# both writers store the same keys and values
		world_host "$XSB" check 1 "$STORM" >/dev/null ||
			err "boot storm (pipelined writer): xenstore does not hold the expected vifs"
		echo "rss_after_storm_kb=$(rss_kb "$VG_DAEMON_PID" VmRSS)" >>"$RES/storm.txt"
	fi

	# ascending N: 10 (e2e), then the RSS points and 1000/4000 (e2e)
	local -a steps
	mapfile -t steps < <(printf '%s\n' "${N_EVENT[@]}" "${RSS_N[@]}" | sort -n -u)
	for n in "${steps[@]}"; do
		[ "$n" -eq 0 ] && continue
		daemon_stop >/dev/null 2>&1
		load_to "$n" || return 1
		local reps=1
		[ "$n" -eq "$RESYNC_N" ] && reps=$RESYNC_REPEAT
		for ((i = 0; i < reps; i++)); do
			restart_measure "$n" || return 1
		done
		if [[ $PARTS == *2* ]] && printf '%s\n' "${N_EVENT[@]}" | grep -qx "$n"; then
			e2e "$n"
		fi
	done
	if [[ $PARTS == *4* ]]; then
		idle "$IDLE_S" "N=$LOADED"
		if [ "$QUICK" = 0 ]; then
			# as under systemd: WatchdogSec=30s in vifguard.service
			daemon_stop >/dev/null 2>&1
			bench_daemon_start WATCHDOG_USEC=30000000 || return 1
			settle "$VG_DAEMON_PID"
			idle "$IDLE_S" "N=$LOADED, WATCHDOG_USEC=30s (systemd unit)"
		fi
	fi
	daemon_stop >/dev/null 2>&1
	flush_rules
}

report_daemon() {
	local n t="$VG_WORLD_TMP/v"
	if [[ $PARTS == *2* ]] && [ -s "$RES/e2e.txt" ]; then
		echo
		echo "### 2b. Per event, end to end: xenstore transaction -> first frame from the new address passes (remove: last frame passes); real vifguardd, $E2E_K rounds, 50 us frame tick"
		echo
		echo "| N present | add p50 / p99 (ms) | update p50 / p99 (ms) | remove p50 / p99 (ms) | max add / update / remove (ms) | of which the xenstore transaction, p50 add / update / remove (ms) |"
		echo "|---|---|---|---|---|---|"
		for n in "${N_EVENT[@]}"; do
			awk -v n="$n" '$1 == "n=" n {
				for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				p[v["op"]] = v["p50_ms"] " / " v["p99_ms"]; m[v["op"]] = v["max_ms"]
				x[v["op"]] = v["xs_tx_p50_ms"] }
				END { if (length(p)) printf "| %s | %s | %s | %s | %s / %s / %s | %s / %s / %s |\n", n,
					p["add"], p["update"], p["remove"], m["add"], m["update"], m["remove"],
					x["add"], x["update"], x["remove"] }' \
				"$RES/e2e.txt"
		done
	fi
	if [[ $PARTS == *3* ]]; then
		echo
		echo "### 3. Boot storm"
		echo
		echo "| what | vifs | xenstore writes done (ms) | all enforced (ms, from the first write) | enforced after the last write (ms) |"
		echo "|---|---|---|---|---|"
		awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			gsub("_", " ", v["mode"])
			if (v["mode"] != "") printf "| vifguardd, %s | %s | %.0f | %s | %s |\n", v["mode"], v["vifs"],
				v["write_ms"], v["enforced_ms"] == "timeout" ? "timeout" : sprintf("%.0f", v["enforced_ms"]),
				v["enforced_ms"] == "timeout" ? "-" : sprintf("%.0f", v["enforced_ms"] - v["write_ms"]); delete v }' "$RES/storm.txt"
		awk '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			per = v["last_us"] / (v["done"] - v["last_from"])
			est = v["us"] + (v["n"] - v["done"]) * per
			if (v["done"] == v["n"]) printf "| classic: one ebtables-nft process per rule (6 per vif) | %s | - | %.0f | - |\n", v["n"], v["us"] / 1000
			else printf "| classic: one ebtables-nft process per rule (6 per vif) | %s | - | %.0f for %s vifs (capped); extrapolated for %s at the last tenth'"'"'s %.0f ms/vif: %.0f | - |\n",
				v["n"], v["us"] / 1000, v["done"], v["n"], per / 1000, est / 1000 }' "$RES/classic.txt"
		grep -o 'rss_after_storm_kb=[0-9]*' "$RES/storm.txt" | sed 's/.*=/\nVmRSS after the storms: /; s/$/ kB/'
	fi
	if [[ $PARTS == *4* ]]; then
		echo
		echo "### 4. The daemon"
		echo
		echo "| vifs present | start -> READY=1 (ms) | CPU until READY=1: xenstored / vifguardd (ms) | then still busy (ms) | VmRSS at READY (kB) | VmRSS settled (kB) | RssAnon (kB) | RssFile (kB) | VmHWM (kB) |"
		echo "|---|---|---|---|---|---|---|---|---|"
		for n in $(cut -f1 "$RES/restart.tsv" | sort -n -u); do
			local row="| $n |"
			awk -F'\t' -v n="$n" '$1 == n { print $2 / 1000 }' "$RES/restart.tsv" >"$t"
			row+=" $(cell "$t" num) |"
			awk -F'\t' -v n="$n" '$1 == n { print $9 }' "$RES/restart.tsv" >"$t"
			row+=" $(cell "$t" num) /"
			awk -F'\t' -v n="$n" '$1 == n { print $10 }' "$RES/restart.tsv" >"$t"
			row+=" $(cell "$t" num) |"
			for col in 8 7 3 4 5 6; do
				awk -F'\t' -v n="$n" -v c="$col" '$1 == n { print $c }' "$RES/restart.tsv" >"$t"
				row+=" $(cell "$t" num) |"
			done
			echo "$row"
		done
		echo
		echo "| idle window | seconds | epoll_wait calls (perf) | context switches, all threads |"
		echo "|---|---|---|---|"
		awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$RES/idle.tsv"
	fi
}

# ---- run ----

T_START=$(date +%s)
[[ $PARTS == *1* ]] && part_frame
[[ $PARTS == *2* ]] && part_tx
[[ $PARTS == *[234]* ]] && part_daemon
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

echo "## vifguard benchmark ($(date -u +%F), $([ "$QUICK" = 1 ] && echo 'quick smoke pass' || echo 'full run'))"
echo
echo "Machine: $NCPU CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), kernel $KERNEL,"
echo "nftables $NFT_V, libnftnl $NFTNL_V, $EBT_V. Sender pinned to CPU $CPU. Load average at start"
echo "$LOAD_START, at the end $LOAD_END. Took $(($(date +%s) - T_START)) s."
[[ $PARTS == *1* ]] && report_frame
[[ $PARTS == *2* ]] && report_tx
[[ $PARTS == *[234]* ]] && report_daemon
echo
if [ -n "$RAW" ]; then
	mkdir -p "$RAW" && cp "$RES"/* "$RAW"/ && cp "$VG_DAEMON_LOG" "$RAW"/vifguardd.log 2>/dev/null
	say "raw results in $RAW"
fi
if [ "$FAILED" -gt 0 ]; then
	echo "bench.sh: $FAILED error(s), see above" >&2
	exit 1
fi
exit 0
