#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Where the per-frame cost of vifguard's ruleset goes: a legitimate IPv4
# frame from the guest through a handful of layouts, round robin in one
# world, same method as bench.sh part 1 (vg-blast, rx_packets at the peer).
#
#   sudo tests/bench/layouts.sh [--repeat K] [--duration MS]
#
#   none          no table at all
#   hook          an empty bridge prerouting base chain (the hook alone)
#   vmap-accept   iifname vmap @ports -> a chain that accepts (one hash lookup)
#   concat4       one rule: udp sport != 67, iifname . ether saddr . ip saddr
#                 in a hash set -> accept (the flat fast path, no per-vif chain)
#   concat4-size  the same, the set with size 65536 (a fixed-size hash)
#   concat4-one   one rule: @th,0,16 != 67 and the lookup (-one-size: sized)
#   concat4-nocheck  the lookup alone
#   (the variants run when named in VG_LAYOUTS)
#   vifguard      vifguard's ruleset (vg-apply sync, 10 vifs)
#   vifguard+fast vifguard's ruleset with the concat4 rules inserted first
#
# Evidence for docs/performance.md (the per-frame target); not run by ctest.
set -u
set -o pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export VG_SOURCE_DIR="${VG_SOURCE_DIR:-$(cd "$BENCH_DIR/../.." && pwd)}"
VG_BUILD_DIR="${VG_BUILD_DIR:-$VG_SOURCE_DIR/build}"
case "$VG_BUILD_DIR" in /*) ;; *) VG_BUILD_DIR="$PWD/$VG_BUILD_DIR" ;; esac
export VG_BUILD_DIR

REPEAT=5
DURATION_MS=1000
while [ $# -gt 0 ]; do
	case "$1" in
	--repeat) REPEAT=${2:-}; shift ;;
	--duration) DURATION_MS=${2:-}; shift ;;
	*) echo "usage: layouts.sh [--repeat K] [--duration MS]" >&2; exit 2 ;;
	esac
	shift
done
case "$REPEAT$DURATION_MS" in *[!0-9]* | '') echo "layouts.sh: numbers, please" >&2; exit 2 ;; esac
[ "$REPEAT" -ge 1 ] && [ "$REPEAT" -le 100 ] && [ "$DURATION_MS" -ge 10 ] &&
	[ "$DURATION_MS" -le 60000 ] || { echo "layouts.sh: out of range" >&2; exit 2; }

. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"

VG_TABLE=vgbench
BLAST="$VG_BUILD_DIR/tests/bench/vg-blast"
vg_require_root
vg_require_cmd nft bridge awk
[ -x "$BLAST" ] && [ -x "$VG_APPLY" ] || { echo "layouts.sh: build first" >&2; exit 1; }

CPU=$(($(nproc) - 1))
G_PORT=vif9999.0 G_MAC=00:16:3e:00:99:99 G_IP4=192.0.2.10
P_PORT=peer0 P_MAC=02:00:00:00:00:fe P_IP4=192.0.2.254

world_create xenbr0 || exit 1
world_host sysctl -qw net.bridge.bridge-nf-call-iptables=0 net.bridge.bridge-nf-call-ip6tables=0 \
	net.bridge.bridge-nf-call-arptables=0 2>/dev/null || true
world_add_guest "$G_PORT" "$G_MAC" || exit 1
world_add_peer "$P_PORT" "$P_MAC" || exit 1
for ns in "${VG_WORLD_NS[@]}"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
world_host bridge fdb replace "$P_MAC" dev "$P_PORT" master static || exit 1
world_exec "$P_PORT" nft -f - <<EOF || exit 1
table netdev sink {
	chain in {
		type filter hook ingress device "eth0" priority 0; policy drop;
	}
}
EOF

# 9 filler vifs and the measured one, as bench.sh makes them
VIFS="$VG_WORLD_TMP/10.vifs"
awk -v mac="$G_MAC" -v ip="$G_IP4" 'BEGIN {
	for (i = 1; i < 10; i++)
		printf "%d 0 mac=00:16:3e:00:%02x:01 ip=\"198.18.0.%d\" bridge=xenbr0\n", i, i, i + 1
	printf "9999 0 mac=%s ip=\"%s\" bridge=xenbr0\n", mac, ip }' >"$VIFS"
FAST_ELEMS=$(awk -v g="$G_PORT" -v mac="$G_MAC" -v ip="$G_IP4" 'BEGIN {
	for (i = 1; i < 10; i++) printf "\"vif%d.0\" . 00:16:3e:00:%02x:01 . 198.18.0.%d, ", i, i, i + 1
	printf "\"%s\" . %s . %s", g, mac, ip }')
PORT_ELEMS=$(awk -v g="$G_PORT" 'BEGIN {
	for (i = 1; i < 10; i++) printf "\"vif%d.0\" : goto guest, ", i
	printf "\"%s\" : goto guest", g }')

# concat4 SET_OPTION RULES: the fast4 set (with SET_OPTION, e.g. a size)
# and RULES (newline-separated) in front of the fail-closed drop
TWO_RULES="ether type ip meta l4proto != udp iifname . ether saddr . ip saddr @fast4 accept
ether type ip udp sport != 67 iifname . ether saddr . ip saddr @fast4 accept"
concat4() {
	world_host nft -f - <<EOF
table bridge $VG_TABLE {
	set fast4 {
		type ifname . ether_addr . ipv4_addr
		$1
		elements = { $FAST_ELEMS }
	}
	chain prerouting {
		type filter hook prerouting priority -300; policy accept;
		$2
		iifname "vif*" drop
	}
}
EOF
}

setup() {
	world_host nft delete table bridge "$VG_TABLE" 2>/dev/null
	case "$1" in
	none) ;;
	hook)
		world_host nft -f - <<EOF
table bridge $VG_TABLE {
	chain prerouting {
		type filter hook prerouting priority -300; policy accept;
	}
}
EOF
		;;
	vmap-accept)
		world_host nft -f - <<EOF
table bridge $VG_TABLE {
	map ports {
		type ifname : verdict
		elements = { $PORT_ELEMS }
	}
	chain guest {
		accept
	}
	chain prerouting {
		type filter hook prerouting priority -300; policy accept;
		iifname vmap @ports
		iifname "vif*" drop
	}
}
EOF
		;;
	concat4) concat4 "" "$TWO_RULES" ;;
	concat4-size) concat4 "size 65536" "$TWO_RULES" ;;
	concat4-one) concat4 "" "ether type ip @th,0,16 != 67 iifname . ether saddr . ip saddr @fast4 accept" ;;
	concat4-one-size) concat4 "size 65536" "ether type ip @th,0,16 != 67 iifname . ether saddr . ip saddr @fast4 accept" ;;
	concat4-nocheck) concat4 "" "iifname . ether saddr . ip saddr @fast4 accept" ;;
	vifguard) engine sync "$VIFS" >/dev/null ;;
	vifguard+fast)
		engine sync "$VIFS" >/dev/null &&
			world_host nft -f - <<EOF
add set bridge $VG_TABLE fast4 { type ifname . ether_addr . ipv4_addr; elements = { $FAST_ELEMS }; }
insert rule bridge $VG_TABLE prerouting ether type ip udp sport != 67 iifname . ether saddr . ip saddr @fast4 accept
insert rule bridge $VG_TABLE prerouting ether type ip meta l4proto != udp iifname . ether saddr . ip saddr @fast4 accept
EOF
		;;
	esac
}

peer_rx() {
	world_exec "$P_PORT" cat /sys/class/net/eth0/statistics/rx_packets
}

LAYOUTS=(${VG_LAYOUTS:-none hook vmap-accept concat4 vifguard vifguard+fast})
RES="$VG_WORLD_TMP/layouts.tsv"
: >"$RES"
for ((rep = 1; rep <= REPEAT; rep++)); do
	printf '# repeat %d/%d\n' "$rep" "$REPEAT" >&2
	for l in "${LAYOUTS[@]}"; do
		setup "$l" || { echo "layouts.sh: setting up $l failed" >&2; exit 1; }
		before=$(peer_rx)
		out=$(world_exec "$G_PORT" "$BLAST" -i eth0 -d "$DURATION_MS" -c "$CPU" ipv4-udp \
			src="$G_MAC" dst="$P_MAC" saddr="$G_IP4" daddr="$P_IP4") || exit 1
		sleep 0.05
		after=$(peer_rx)
		ns=$(sed -n 's/.*elapsed_ns=\([0-9]*\).*/\1/p' <<<"$out")
		printf '%s\t%s\t%s\n' "$rep" "$l" $(((after - before) * 1000000000 / ns)) >>"$RES"
	done
done
world_host nft delete table bridge "$VG_TABLE" 2>/dev/null

echo "| layout | frames/s (median) | x no rules (median [min..max] of per-repeat ratios) | ns/frame added |"
echo "|---|---|---|---|"
for l in "${LAYOUTS[@]}"; do
	awk -F'\t' -v l="$l" '
		function isort(a, n,   i, j, t) {
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		}
		$2 == "none" { base[$1] = $3 }
		$2 == l { v[$1] = $3 }
		END {
			n = 0
			for (r in v) { p[++n] = v[r]; q[n] = v[r] / base[r]; d[n] = 1e9 / v[r] - 1e9 / base[r] }
			isort(p, n); isort(q, n); isort(d, n)
			m = n % 2 ? p[(n + 1) / 2] : (p[n / 2] + p[n / 2 + 1]) / 2
			mq = n % 2 ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
			md = n % 2 ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
			printf "| %s | %.0f | %.3f [%.3f..%.3f] | %+.0f |\n", l, m, mq, q[1], q[n], md
		}' "$RES"
done
