# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# The bridge world: a Xen host's network, without Xen.
#
#   host namespace  <id>-host : bridge (default "xenbr0") with the guest ports
#   guest namespace <id>-<port>: "eth0", the other end of the veth whose host
#                                end is the port (vif3.0, vif3.0-emu, web0...)
#   peer namespace  <id>-<name>: another machine or the gateway, on port <name>
#
# Port names in the host namespace are exactly what netback, qemu or the
# hotplug script would create, so rules keyed on names behave as on dom0.
# Everything is made inside namespaces this file creates; world_destroy (run
# from the common.sh cleanup trap) kills every process started in them and
# deletes them, which also removes the bridge and the veth pairs.
#
# Requires common.sh to be sourced first.

VG_FRAME="${VG_FRAME:-$VG_BUILD_DIR/tests/tools/vgframe}"
VG_WORLD=""
VG_WORLD_NS=()
VG_WORLD_PIDS=()
VG_WORLD_TMP=""
VG_WORLD_BRIDGE=""

# world_create [BRIDGE]: host namespace with a bridge, up, no STP delay, no
# multicast snooping (so multicast reaches every port regardless of MLD state).
world_create() {
	VG_WORLD_BRIDGE=${1:-xenbr0}
	VG_WORLD="vgt$$-$RANDOM"
	VG_WORLD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vgt-world.XXXXXX") || return 1
	vg_cleanup_add world_destroy
	world_ns_add "$VG_WORLD-host" || return 1
	world_host ip link add "$VG_WORLD_BRIDGE" type bridge forward_delay 0 stp_state 0 \
		mcast_snooping 0 || return 1
	world_host ip link set lo up
	world_host ip link set "$VG_WORLD_BRIDGE" up
}

world_ns_add() {
	ip netns add "$1" || return 1
	VG_WORLD_NS+=("$1")
	ip netns exec "$1" ip link set lo up
	# Quiet IPv6 on the host side: no router solicitations or autoconf.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.router_solicitations=0
}

# world_host CMD...: run CMD in the host namespace.
world_host() {
	ip netns exec "$VG_WORLD-host" "$@"
}

# world_ns PORT_OR_PEER: name of the namespace behind a port.
world_ns() {
	printf '%s-%s' "$VG_WORLD" "$1"
}

# world_exec PORT_OR_PEER CMD...: run CMD inside the guest or peer behind PORT.
world_exec() {
	local ns
	ns=$(world_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# world_plug PORT MAC [ADDR/LEN...]: a veth pair, host end PORT enslaved to the
# bridge, far end "eth0" with MAC and addresses in its own namespace.
world_plug() {
	local port=$1 mac=$2 ns a
	shift 2
	ns=$(world_ns "$port")
	world_ns_add "$ns" || return 1
	world_host ip link add "$port" type veth peer name eth0 netns "$ns" || return 1
	ip netns exec "$ns" ip link set eth0 address "$mac" || return 1
	for a in "$@"; do
		case "$a" in
		*:*) ip netns exec "$ns" ip -6 addr add "$a" dev eth0 nodad || return 1 ;;
		*) ip netns exec "$ns" ip addr add "$a" dev eth0 || return 1 ;;
		esac
	done
	world_host ip link set "$port" master "$VG_WORLD_BRIDGE" || return 1
	world_host ip link set "$port" up || return 1
	ip netns exec "$ns" ip link set eth0 up
}

# world_add_guest PORT MAC [ADDR/LEN...]: a guest whose host-side port is PORT
# (vif<domid>.<devid>, vif<domid>.<devid>-emu or a custom vifname).
world_add_guest() {
	world_plug "$@"
}

# world_add_peer NAME MAC [ADDR/LEN...]: another machine (or the gateway) on
# bridge port NAME.
world_add_peer() {
	world_plug "$@"
}

# world_bridge_addr ADDR/LEN...: give the host's bridge interface addresses.
world_bridge_addr() {
	local a
	for a in "$@"; do
		case "$a" in
		*:*) world_host ip -6 addr add "$a" dev "$VG_WORLD_BRIDGE" nodad || return 1 ;;
		*) world_host ip addr add "$a" dev "$VG_WORLD_BRIDGE" || return 1 ;;
		esac
	done
}

# world_bg PORT_OR_PEER CMD...: start CMD in the background inside that
# namespace; its pid is remembered and killed by world_destroy.
world_bg() {
	local ns
	ns=$(world_ns "$1")
	shift
	ip netns exec "$ns" "$@" &
	VG_WORLD_PIDS+=($!)
}

# world_send PORT_OR_PEER [-n COUNT] KIND key=value...: send frames from eth0.
world_send() {
	local who=$1
	shift
	world_exec "$who" "$VG_FRAME" send -i eth0 "$@"
}

# world_observe_start HANDLE WHO IFACE TIMEOUT_MS [-n STOP_AT] KIND key=value...
# Starts an observer counting exact copies of the frame KIND would build, in
# WHO's namespace ("host" for the host namespace) on IFACE; returns once it is
# listening.  Read the count with world_observe_wait HANDLE.
world_observe_start() {
	local handle=$1 who=$2 iface=$3 timeout=$4 ns
	shift 4
	if [ "$who" = host ]; then ns="$VG_WORLD-host"; else ns=$(world_ns "$who"); fi
	rm -f "$VG_WORLD_TMP/$handle.ready" "$VG_WORLD_TMP/$handle.count"
	ip netns exec "$ns" "$VG_FRAME" observe -i "$iface" -t "$timeout" \
		-r "$VG_WORLD_TMP/$handle.ready" "$@" >"$VG_WORLD_TMP/$handle.count" &
	VG_WORLD_PIDS+=($!)
	eval "VG_OBS_PID_$handle=$!"
	vg_wait_for 5000 test -e "$VG_WORLD_TMP/$handle.ready"
}

# world_observe_wait HANDLE: wait for the observer and print its count.
world_observe_wait() {
	local pid_var="VG_OBS_PID_$1" i
	# In a command substitution the observer is not our child: poll.
	wait "${!pid_var}" 2>/dev/null
	for ((i = 0; i < 3000; i++)); do
		kill -0 "${!pid_var}" 2>/dev/null || break
		sleep 0.02
	done
	cat "$VG_WORLD_TMP/$1.count" 2>/dev/null || echo -1
}

# world_delivered WHO IFACE KIND key=value...: send KIND from the guest/peer
# named by VG_FROM (3 frames) and print how many arrived at WHO's IFACE: the
# count runs for VG_DEADLINE_MS (default 700) after the observer listens,
# and at least VG_SETTLE_MS (default 250) after the sender is done (on a
# loaded machine starting the sender alone can take longer than the
# deadline: its frames then came after a fixed window closed).
world_delivered() {
	local who=$1 iface=$2 kind=$3 t0 t1 end now pid_var=VG_OBS_PID_obs
	shift 3
	world_observe_start obs "$who" "$iface" 60000 -n 3 "$kind" "$@" || {
		echo -1
		return
	}
	t0=${EPOCHREALTIME/./}
	world_send "$VG_FROM" -n 3 "$kind" "$@" >/dev/null || echo "send failed" >&2
	t1=${EPOCHREALTIME/./}
	end=$((t0 / 1000 + ${VG_DEADLINE_MS:-700}))
	[ $((t1 / 1000 + ${VG_SETTLE_MS:-250})) -le "$end" ] || end=$((t1 / 1000 + ${VG_SETTLE_MS:-250}))
	# the observer stops by itself at 3 frames
	while kill -0 "${!pid_var}" 2>/dev/null; do
		now=${EPOCHREALTIME/./}
		[ $((now / 1000)) -lt "$end" ] || break
		sleep 0.02
	done
	kill -INT "${!pid_var}" 2>/dev/null
	world_observe_wait obs
}

# world_fdb_port MAC: bridge port the host's fdb currently points MAC at.
world_fdb_port() {
	world_host bridge fdb show br "$VG_WORLD_BRIDGE" 2>/dev/null |
		awk -v m="$1" '$1 == m && $2 == "dev" && $0 !~ /permanent/ { print $3; exit }'
}

world_destroy() {
	local p ns
	for p in "${VG_WORLD_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for ns in "${VG_WORLD_NS[@]}"; do
		# Anything still running inside (a stray observer, a daemon).
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$p" 2>/dev/null
		done
	done
	for p in "${VG_WORLD_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	for ns in "${VG_WORLD_NS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$VG_WORLD_TMP" ] && rm -rf "$VG_WORLD_TMP"
	VG_WORLD_PIDS=()
	VG_WORLD_NS=()
	VG_WORLD_TMP=""
}
