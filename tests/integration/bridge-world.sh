#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The bridge world itself: ports carry Xen's names and sit on the bridge,
# guests and the peer talk through it, and everything it made disappears on
# normal exit, on failure and on interruption.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"

vg_require_root

count_world_ns() {
	ip netns list | grep -c "^$1-" || true
}

world_create xenbr0
world_add_guest vif3.0 00:16:3e:00:03:00 192.0.2.3/24 2001:db8::3/64
world_add_guest vif4.0-emu 00:16:3e:00:04:00 192.0.2.4/24
world_add_guest web01 00:16:3e:00:05:00 192.0.2.5/24
world_add_peer gw 02:00:00:00:0f:01 192.0.2.254/24 2001:db8::fe/64
world_bridge_addr 192.0.2.1/24

for port in vif3.0 vif4.0-emu web01 gw; do
	master=$(world_host ip -o link show dev "$port" 2>/dev/null | grep -o 'master [^ ]*' | cut -d' ' -f2)
	vg_expect_eq "port $port is enslaved to xenbr0" xenbr0 "$master"
done
mac=$(world_exec vif3.0 cat /sys/class/net/eth0/address)
vg_expect_eq "guest behind vif3.0 has its mac" 00:16:3e:00:03:00 "$mac"
vg_check "names exist only inside the world (not in the root namespace)" \
	bash -c '! ip link show vif3.0 >/dev/null 2>&1'

vg_check "guest vif3.0 pings the peer over IPv4" \
	world_exec vif3.0 ping -q -c 1 -W 2 192.0.2.254
vg_check "guest vif3.0 pings the peer over IPv6" \
	world_exec vif3.0 ping -q -6 -c 1 -W 2 2001:db8::fe
vg_check "guest web01 pings the host's bridge address" \
	world_exec web01 ping -q -c 1 -W 2 192.0.2.1
vg_check "guest behind an -emu port pings guest vif3.0" \
	world_exec vif4.0-emu ping -q -c 1 -W 2 192.0.2.3
port=$(world_fdb_port 00:16:3e:00:03:00)
vg_expect_eq "bridge learned vif3.0's mac on vif3.0" vif3.0 "$port"

# A background process inside the world is killed by world_destroy.
world_bg gw sleep 297
sleep_pid=${VG_WORLD_PIDS[-1]}
id=$VG_WORLD
vg_expect_eq "world has 5 namespaces" 5 "$(count_world_ns "$id")"
world_destroy
vg_expect_eq "world_destroy removes every namespace" 0 "$(count_world_ns "$id")"
vg_check "world_destroy kills background processes" bash -c "! kill -0 $sleep_pid 2>/dev/null"

# A test that fails (exits non-zero) or is interrupted still cleans up.
child() {
	bash -c '
		. "$VG_SOURCE_DIR/tests/lib/common.sh"
		. "$VG_SOURCE_DIR/tests/lib/world.sh"
		world_create xenbr0
		world_add_guest vif9.0 00:16:3e:00:09:00
		world_bg vif9.0 sleep 298
		echo "$VG_WORLD $$" > "$1"
		'"$1"'
	' child "$2"
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vgt-bw.XXXXXX")
vg_cleanup_add rm -rf "$tmp"

child "exit 3" "$tmp/id1"
read -r id _ <"$tmp/id1"
vg_expect_eq "a failing test leaves no namespace" 0 "$(count_world_ns "$id")"

# "sleep & wait" so the shell runs its trap as soon as the signal arrives.
child 'sleep 30 & wait $!' "$tmp/id2" &
cpid=$!
vg_wait_for 10000 test -s "$tmp/id2"
read -r id spid <"$tmp/id2"
vg_expect_eq "world of the child exists before the signal" 2 "$(count_world_ns "$id")"
kill -TERM "$spid"
wait "$cpid" 2>/dev/null
vg_expect_eq "an interrupted test (SIGTERM) leaves no namespace" 0 "$(count_world_ns "$id")"
vg_check "an interrupted test leaves no process in its world" \
	bash -c "! pgrep -fx 'sleep 298' >/dev/null"
pkill -x -f 'sleep 30' 2>/dev/null

vg_done
