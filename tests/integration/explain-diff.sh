#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Drop attribution against the kernel: explain_frame() (lib/explain*.c) must
# say "accepted" exactly when the real table lets a frame through.
#
# vg-explain builds a few thousand frames from a fixed seed: typical frames
# of every kind explain names (ARP variants, IPv4/IPv6 sources and prefixes,
# DHCP/DHCPv6 servers, ND/DAD/RA/redirect, VLAN tags, fragments, extension
# headers, AH, truncated headers, odd ethertypes), the explain fuzzer's
# corpus, and random mutations of them.  Each is sent raw from a guest's eth0
# and tagged by its destination mac; a receiver on the gateway's port records
# which arrive.  Three passes: no table (what the bridge forwards at all;
# frames it does not are not judged), the table with the default policy, the
# table with no-ip = mac-only.  Both tables protect PROT, addresses inside
# vif3.0's and vif5.0's prefixes and outside any (the protect sets subtract
# them; vif6.0 under mac-only loses them too), and each vif's typical frames
# use them as IPv4/IPv6 source, ARP sender and NA/DAD target.  Then explain's verdict for each judged frame,
# built the way the daemon builds it from nfnetlink_log (whole, and cut to the
# log's snaplen), is compared with the kernel's.  Every disagreement fails
# the test, but for the short list of known differences in vg-explain.c,
# which are printed as KNOWN.
#
# br_netfilter is switched off in the host namespace: it runs after our
# chains (bridge prerouting priority 0 against -300) and only adds drops of
# its own (bad IPv4 checksums, bad lengths), which would hide mutated frames
# from the comparison.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"

VG_EXPLAIN="${VG_EXPLAIN:-$VG_BUILD_DIR/tests/driver/vg-explain}"
SEED=${VG_EXPLAIN_SEED:-20261207}
MUTANTS=${VG_EXPLAIN_MUTANTS:-1200}
CORPUS=$VG_SOURCE_DIR/tests/fuzz/corpus/fuzz-explain
# the receiver's bound: a pass takes a few seconds (under ASan too)
RECV_TIMEOUT_MS=60000

vg_require_root
[ -x "$VG_EXPLAIN" ] || vg_skip "vg-explain not built"
[ -x "$VG_APPLY" ] || vg_skip "vg-apply not built"

# port|mac|ip key ("-": no ip key)
VIFS=(
	"vif3.0|00:16:3e:00:03:00|192.0.2.3 198.51.100.0/28 2001:db8::3 2001:db8:1::/64"
	"vif4.0|00:16:3e:00:04:00|2001:db8::4"
	"vif5.0|00:16:3e:00:05:00|192.0.2.5 203.0.113.0/24"
	"vif6.0|00:16:3e:00:06:00|-"
)

PROT="198.51.100.1 203.0.113.1 2001:db8:1::1 192.0.2.1 2001:db8::1"

world_create xenbr0
# The br_netfilter sysctls are per network namespace since Linux 5.3; before
# that, writing them here would change the host's.
IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
if [ "$kmaj" -gt 5 ] || { [ "$kmaj" -eq 5 ] && [ "${kmin%%[!0-9]*}" -ge 3 ]; }; then
	world_host sysctl -qw net.bridge.bridge-nf-call-iptables=0 \
		net.bridge.bridge-nf-call-ip6tables=0 net.bridge.bridge-nf-call-arptables=0 ||
		vg_log "br_netfilter stays on: its drops only shrink the judged set"
else
	vg_log "Linux $kmaj.$kmin: br_netfilter stays on: its drops only shrink the judged set"
fi
world_add_peer gw 02:00:00:00:0f:01
# the end marker comes from a port that is not a guest's: no rule drops it
world_add_peer mk 02:00:00:00:0e:0d
T=$VG_WORLD_TMP
lines=()
i=0
for v in "${VIFS[@]}"; do
	IFS='|' read -r port mac ips <<<"$v"
	world_add_guest "$port" "$mac"
	# the bridge learns nothing from a guest's (possibly mutated) source mac
	world_host bridge link set dev "$port" learning off
	id=${port#vif}
	if [ "$ips" = - ]; then
		lines+=("${id%.*} ${id#*.} mac=$mac bridge=xenbr0")
		args=("$mac")
	else
		lines+=("${id%.*} ${id#*.} mac=$mac ip=\"$ips\" bridge=xenbr0")
		args=("$mac" "$ips")
	fi
	"$VG_EXPLAIN" gen -P "$PROT" -s $((SEED + i)) -n "$MUTANTS" -b $((i * 1000000)) -c "$CORPUS" "${args[@]}" \
		>"$T/$port.frames" || vg_failed "gen frames for $port"
	i=$((i + 1))
done
vifs=$(engine_vifs explain "${lines[@]}")
n_frames=$(cat "$T"/*.frames | wc -l)
vg_log "$n_frames frames from ${#VIFS[@]} vifs (seed $SEED, $MUTANTS mutants each)"

# run_pass NAME: send every vif's frames, record what reaches the gateway.
run_pass() {
	local name=$1 v port pid rc
	rm -f "$T/$name.ready"
	world_bg gw "$VG_EXPLAIN" recv -i eth0 -t "$RECV_TIMEOUT_MS" -r "$T/$name.ready" \
		>"$T/$name.got" 2>"$T/$name.err"
	pid=${VG_WORLD_PIDS[-1]}
	vg_wait_for 5000 test -e "$T/$name.ready" || {
		vg_failed "$name: receiver ready"
		return 1
	}
	for v in "${VIFS[@]}"; do
		port=${v%%|*}
		world_exec "$port" "$VG_EXPLAIN" send -i eth0 "$T/$port.frames" ||
			vg_failed "$name: send from $port"
	done
	world_exec mk "$VG_EXPLAIN" send -i eth0 -M
	wait "$pid"
	rc=$?
	vg_log "$name: $(cat "$T/$name.err")"
	vg_expect_eq "$name: the receiver saw the end marker and lost nothing" 0 "$rc"
}

run_pass off
n_off=$(wc -l <"$T/off.got")
vg_log "without rules the bridge forwards $n_off of $n_frames frames"
vg_check "without rules most frames are forwarded ($n_off of $n_frames)" \
	test $((n_off * 10)) -ge $((n_frames * 8))

vg_check "engine applies the ruleset (no-ip = block)" engine -P "$PROT" sync "$vifs"
run_pass block
vg_check "engine applies the ruleset (no-ip = mac-only)" engine -m mac-only -P "$PROT" sync "$vifs"
run_pass mac-only
vg_log "delivered with rules: $(wc -l <"$T/block.got") (block), $(wc -l <"$T/mac-only.got") (mac-only)"

# judge POLICY: explain against the kernel for every vif.
judge() {
	local policy=$1 v port mac ips args out
	for v in "${VIFS[@]}"; do
		IFS='|' read -r port mac ips <<<"$v"
		args=("$mac")
		[ "$ips" = - ] || args+=("$ips")
		out="$T/judge-$policy-$port.txt"
		"$VG_EXPLAIN" judge -m "$policy" -P "$PROT" -s "$T/$port.frames" -o "$T/off.got" \
			-k "$T/$policy.got" "${args[@]}" >"$out"
		vg_expect_eq "$policy: $port: explain agrees with the kernel on every frame" 0 $?
		grep -E '^(DISAGREE|KNOWN|NOTE|  )' "$out" | head -n 90 >&2
		vg_log "$policy: $port: $(grep '^summary' "$out")"
		vg_log "$policy: $port: not forwarded without rules, by explain's reason:" \
			"$(awk '$1 == "unforwarded" { printf " %s:%s", $2, $3 }' "$out")"
	done
}
judge block
judge mac-only

# The comparison means something only if the kernel dropped frames for every
# reason explain can give and delivered some too (unknown is not a rule: it
# only answers for a cut capture).
reasons=$(cat "$T"/judge-*.txt | awk '$1 == "reason" { d[$2] += $4; a[$2] += $6 }
	END { for (r in d) printf "%s:%d/%d\n", r, d[r], a[r] }' | sort)
vg_log "judged frames by explain's reason (dropped/delivered): ${reasons//$'\n'/ }"
for r in ether-saddr vlan ethertype arp-format arp-operation arp-sender-mac arp-sender-ip \
	dhcp-server ip-saddr icmpv6-fragment ipv6-ah router-advert redirect dhcpv6-server \
	ip6-unspec ip6-saddr nd-form nd-target protected malformed; do
	vg_check "judged frames include drops for reason $r" \
		grep -qE "^$r:[1-9]" <<<"$reasons"
done
vg_check "judged frames include accepted ones" grep -qE '^none:[0-9]+/[1-9]' <<<"$reasons"
vg_done
