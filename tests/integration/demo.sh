#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The README's first command, scripts/demo.sh, run against this build: it
# must show the spoofs arriving without vifguard and dropped with it, the
# attribution line and the status table, and clean up after itself.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
vg_require_root
out=$(VG_BUILD_DIR="$VG_BUILD_DIR" bash "$VG_SOURCE_DIR/scripts/demo.sh" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/#   /'
vg_expect_eq "demo exits 0" 0 "$rc"
without=$(sed -n '/Without vifguard/,/With vifguard/p' <<<"$out")
with=$(sed -n '/== With vifguard/,/journal says/p' <<<"$out")
vg_expect_eq "without vifguard: all 4 kinds of frames arrive" 4 "$(grep -c ': 3 of 3 reach' <<<"$without")"
vg_expect_eq "with vifguard: the 3 spoofs are dropped" 3 "$(grep -c ': 0 of 3 reach' <<<"$with")"
vg_expect_eq "with vifguard: the legitimate frame arrives" 1 "$(grep -c 'own address: 3 of 3' <<<"$with")"
vg_check "attribution line names both guests" \
	grep -q 'vif5.0 (db01, dom 5): dropped: .*claiming 192.0.2.10, owned by vif3.0 (web01, dom 3)' <<<"$out"
vg_check "status table shows both guests enforced" \
	grep -qE '^vif5\.0 +db01 .*enforced' <<<"$out"
vg_check "the conflict is refused and shown as withheld" grep -q 'withheld: 192.0.2.10 conflict vif3.0/web01/3' <<<"$out"
vg_check "no namespace left" vg_not bash -c 'ip netns list | grep -q "^vgt$$"'
vg_done
