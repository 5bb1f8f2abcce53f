#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The systemd unit: Type=notify with a watchdog, only CAP_NET_ADMIN, and a
# `systemd-analyze security` exposure of at most 2.0.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
vg_require_cmd systemd-analyze
unit="$VG_BUILD_DIR/systemd/vifguard.service"

vg_check "unit is generated" test -s "$unit"
for want in Type=notify WatchdogSec= Restart=on-failure CapabilityBoundingSet=CAP_NET_ADMIN \
	After=xen.service; do
	vg_check "unit has $want" grep -q "^$want" "$unit"
done
out=$(systemd-analyze security --offline=true "$unit" 2>&1)
exposure=$(sed -n 's/.*Overall exposure level for vifguard.service: \([0-9.]*\).*/\1/p' <<<"$out")
vg_log "systemd-analyze security exposure: $exposure"
vg_check "exposure level is known ($exposure)" test -n "$exposure"
vg_check "exposure level $exposure is at most 2.0" awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }'
vg_done
