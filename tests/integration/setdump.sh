#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# setdump_elems() and set-key.h against the kernel: the elements put into
# sets v6 and v4 come back as "port mac address", both from sets nft made
# and from the sets vg-apply makes as the daemon does; an empty set is an
# empty list, an absent table or set a clear error.
. "$VG_SOURCE_DIR/tests/lib/common.sh"

VG_SETDUMP="${VG_SETDUMP:-$VG_BUILD_DIR/tests/driver/vg-setdump}"
VG_APPLY="${VG_APPLY:-$VG_BUILD_DIR/tests/driver/vg-apply}"

vg_require_root
vg_require_cmd nft
[ -x "$VG_SETDUMP" ] || vg_skip "vg-setdump not built"
[ -x "$VG_APPLY" ] || vg_skip "vg-apply not built"

NS="vgsd$$-$RANDOM"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/vg-setdump.XXXXXX") || exit 1
vg_cleanup_add "rm -rf '$TMP'"
ip netns add "$NS" || exit 1
vg_cleanup_add "ip netns del '$NS'"
in_ns() {
	ip netns exec "$NS" "$@"
}

# abcdefghijklmno: 15 bytes, the longest port name
V6="vif3.0 00:16:3e:00:03:00 2001:db8::3
vif3.0 00:16:3e:00:03:00 fe80::216:3eff:fe00:300
abcdefghijklmno 00:16:3e:ab:cd:ef 2001:db8:ffff::1"
V4="vif3.0 00:16:3e:00:03:00 192.0.2.3
vif4.0-emu 00:16:3e:00:04:00 198.51.100.4"
elements() {
	awk '{ printf "%s\"%s\" . %s . %s", (NR > 1 ? ", " : ""), $1, $2, $3 }' <<<"$1"
}
cat >"$TMP/ruleset" <<EOF
table bridge vgsd {
	set v6 {
		typeof iifname . ether saddr . ip6 saddr
		elements = { $(elements "$V6") }
	}
	set v4 {
		typeof iifname . ether saddr . ip saddr
		elements = { $(elements "$V4") }
	}
}
table bridge vgsd-empty {
	set v6 {
		typeof iifname . ether saddr . ip6 saddr
	}
}
EOF
vg_check "nft creates the sets" in_ns nft -f "$TMP/ruleset"

out=$(in_ns "$VG_SETDUMP" vgsd v6)
vg_expect_eq "v6: every element, decoded" "$(sort <<<"$V6")" "$(sort <<<"$out")"
out=$(in_ns "$VG_SETDUMP" vgsd v4)
vg_expect_eq "v4: every element, decoded" "$(sort <<<"$V4")" "$(sort <<<"$out")"
vg_expect_eq "v6: the key of vif3.0's 2001:db8::3 as the kernel holds it" \
	766966332e300000000000000000000000163e000300000020010db8000000000000000000000003 \
	"$(in_ns "$VG_SETDUMP" -x vgsd v6 | grep '20010db8000000000000000000000003$')"
out=$(in_ns "$VG_SETDUMP" vgsd-empty v6)
vg_expect_eq "an empty set: exit 0, no elements" "0 " "$? $out"

# the daemon's own sets (type ifname . ether_addr . ipv6_addr), made by
# vg-apply; v6 also holds the vif's EUI-64 link-local address
printf '%s\n' '5 0 mac=00:16:3e:00:05:00 ip="192.0.2.5 2001:db8::5"' >"$TMP/vifs"
vg_check "vg-apply creates table bridge vgsd-own" in_ns "$VG_APPLY" -t vgsd-own sync "$TMP/vifs"
vg_expect_eq "vg-apply's v6: the vif's addresses" \
	"vif5.0 00:16:3e:00:05:00 2001:db8::5 vif5.0 00:16:3e:00:05:00 fe80::216:3eff:fe00:500" \
	"$(in_ns "$VG_SETDUMP" vgsd-own v6 | sort | paste -sd ' ')"
vg_expect_eq "vg-apply's v4: the vif's address" "vif5.0 00:16:3e:00:05:00 192.0.2.5" \
	"$(in_ns "$VG_SETDUMP" vgsd-own v4)"

# exit 1 and the reason, never an empty list
out=$(in_ns "$VG_SETDUMP" vgsd-absent v6 2>&1)
vg_expect_eq "absent table: exit 1" 1 "$?"
vg_check "absent table: says so" \
	grep -q 'table bridge vgsd-absent: No such file or directory' <<<"$out"
in_ns nft delete set bridge vgsd v4
out=$(in_ns "$VG_SETDUMP" vgsd v4 2>&1)
vg_expect_eq "absent set: exit 1" 1 "$?"
vg_check "absent set: says so" \
	grep -q 'set v4 of table bridge vgsd: No such file or directory' <<<"$out"
vg_done
