#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# daemon/xs-bulk.c on a real xenstored: after vg-xsbench's filler vifs and the
# edge cases of `vg-xsbulk edges`, a scan through xs-bulk must equal the scan
# through libxenstore (xenwatch) listing by listing and device by device;
# and a device rewritten all the while is never read torn.  1500 domains
# make the root listing too big for one reply (the DIRECTORY_PART path).
# Needs no root: xenstored serves a socket in a private dir.

# shellcheck source=tests/lib/common.sh
. "$VG_SOURCE_DIR/tests/lib/common.sh"
# shellcheck source=tests/lib/xenstored.sh
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"

TOOL=$VG_BUILD_DIR/tests/xenstored/vg-xsbulk
XSBENCH=$VG_BUILD_DIR/tests/bench/vg-xsbench
N=1500

[ -x "$VG_XENSTORED" ] || vg_skip "$VG_XENSTORED missing (package xen-utils-4.17)"
vg_require_cmd xenstore-read xenstore-write xenstore-ls xenstore-rm
[ -x "$TOOL" ] || vg_skip "$TOOL not built"
[ -x "$XSBENCH" ] || vg_skip "$XSBENCH not built"
[ -r "$(xsd_shim)" ] || vg_skip "$(xsd_shim) not built"

# Registered before the start, so an interrupt during start-up cleans up too.
vg_cleanup_add xsd_stop
vg_check "xenstored starts and answers" xsd_start || vg_done

vg_check "no backend yet: both scans agree on nothing" "$TOOL" compare 0
vg_check "load $N filler vifs" "$XSBENCH" load 1 "$N"
vg_check "write the edge cases" "$TOOL" edges
# N fillers and the 9 edge devices that have a mac (7002..7010, 7004's
# remaining one, 7005's good one; not 7001, which has none)
vg_check "xs-bulk equals xenwatch on every device" "$TOOL" compare $((N + 9))
vg_check "xs-bulk in transactions only equals xenwatch" "$TOOL" compare $((N + 9)) tx
vg_check "no torn reads while a device is rewritten" "$TOOL" torn 7010 3
vg_check "no torn reads in transactions only" "$TOOL" torn 7010 2 tx

vg_done
