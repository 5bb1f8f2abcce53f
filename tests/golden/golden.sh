#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Golden printouts: every tests/golden/NAME.vifs must print exactly NAME.nft
# through the ruleset printer (vg-apply print).  The first line of a .vifs
# file holds vg-apply's options after "# ".  With --update, rewrite the .nft
# files instead (review the diff).  As root, also checks that nft itself
# parses each printout (what we print is what nft would accept).
. "$VG_SOURCE_DIR/tests/lib/common.sh"

VG_APPLY="$VG_BUILD_DIR/tests/driver/vg-apply"
dir="$VG_SOURCE_DIR/tests/golden"
update=false
[ "${1:-}" = --update ] && update=true
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vgt-golden.XXXXXX")
vg_cleanup_add rm -rf "$tmp"

can_nft=false
if [ "$(id -u)" -eq 0 ] && command -v nft >/dev/null; then
	ns="vgt$$-golden"
	ip netns add "$ns" && can_nft=true
	vg_cleanup_add ip netns del "$ns"
fi

for in in "$dir"/*.vifs; do
	name=$(basename "$in" .vifs)
	read -r -a opts <<<"$(head -n1 "$in" | sed 's/^# *//')"
	"$VG_APPLY" "${opts[@]}" print "$in" >"$tmp/$name.nft"
	if $update; then
		cp "$tmp/$name.nft" "$dir/$name.nft"
		echo "updated $name.nft"
		continue
	fi
	if diff -u "$dir/$name.nft" "$tmp/$name.nft"; then
		vg_pass "$name: printout matches $name.nft"
	else
		vg_failed "$name: printout differs from $name.nft"
	fi
	if $can_nft; then
		vg_check "$name: nft parses the printout" ip netns exec "$ns" nft -c -f "$tmp/$name.nft"
	fi
done
$update && exit 0
[ "${CI:-}" = true ] && ! $can_nft && vg_failed "nft parse check did not run under CI"
vg_done
