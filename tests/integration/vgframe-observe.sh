#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The test tool itself: `vgframe observe` stopped by SIGINT reports every
# matching frame already queued on its socket.  The real-Xen world stops a
# receiver guest's observers with SIGINT; a guest vCPU that was not scheduled
# until the signal came used to report 0 for frames that had arrived (poll()
# returns EINTR before the queued frames are read).  Reproduced here by
# stopping the observer (SIGSTOP) while the frames arrive, then sending
# SIGINT and SIGCONT together.
. "$VG_SOURCE_DIR/tests/lib/common.sh"

VG_FRAME="${VG_FRAME:-$VG_BUILD_DIR/tests/tools/vgframe}"
vg_require_root
[ -x "$VG_FRAME" ] || vg_skip "vgframe not built"

ns=vgt-obs.$$
dir=$(mktemp -d "${TMPDIR:-/tmp}/vgt-obs.XXXXXX")
vg_cleanup_add rm -rf "$dir"
ip netns add "$ns"
vg_cleanup_add ip netns del "$ns"
ip -n "$ns" link add va type veth peer name vb
ip -n "$ns" link set va up
ip -n "$ns" link set vb up
frame=(ipv4-udp src=00:16:3e:00:00:16 saddr=192.0.2.16 daddr=192.0.2.1)

# stopped_count N: N frames arrive while the observer is stopped; print what
# it reports after SIGINT + SIGCONT (it may stop at 3).
stopped_count() {
	local pid n
	rm -f "$dir/ready" "$dir/count"
	ip netns exec "$ns" "$VG_FRAME" observe -i vb -t 20000 -n 3 -r "$dir/ready" \
		"${frame[@]}" >"$dir/count" &
	pid=$!
	vg_wait_for 5000 test -e "$dir/ready" || vg_log "observer not ready"
	kill -STOP "$pid"
	[ "$1" = 0 ] || ip netns exec "$ns" "$VG_FRAME" send -i va -n "$1" "${frame[@]}"
	sleep 0.2
	kill -INT "$pid"
	kill -CONT "$pid"
	wait "$pid"
	cat "$dir/count"
}

vg_expect_eq "3 frames queued before SIGINT are counted" 3 "$(stopped_count 3)"
vg_expect_eq "2 frames queued before SIGINT are counted" 2 "$(stopped_count 2)"
vg_expect_eq "no frame: 0" 0 "$(stopped_count 0)"
vg_done
