# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Run the real vifguardd inside the world's host namespace against a private
# xenstored, the way systemd would (a notification socket, a config file).
# Requires common.sh, world.sh, engine.sh and xenstored.sh.
#
#   daemon_setup            private xenstored + dom0 keys + config file
#   daemon_start [ARGS]     start vifguardd, wait for READY=1
#   daemon_stop / daemon_kill9
#   xs_vif DOMID DEVID key=value...   write backend keys (one transaction)
#   xs_rm PATH...
#   daemon_log              what it logged (readable lines + journal fields)
#   daemon_wait_log COUNT PATTERN     wait until PATTERN appears COUNT times

VG_DAEMON="${VG_DAEMON:-$VG_BUILD_DIR/daemon/vifguardd}"
VG_NOTIFY_SINK="$VG_BUILD_DIR/tests/driver/vg-notify-sink"
VG_DAEMON_PID=""
VG_SINK_PID=""

daemon_setup() {
	vg_cleanup_add xsd_stop
	xsd_start || return 1
	# dom0's own keys, as xen-init-dom0 writes them
	xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0 || return 1
	VG_CONF="$VG_WORLD_TMP/vifguard.conf"
	printf '[vifguard]\ntable = %s\n' "$VG_TABLE" >"$VG_CONF"
	VG_DAEMON_LOG="$VG_WORLD_TMP/vifguardd.log"
	VG_NOTIFY_LOG="$VG_WORLD_TMP/notify.log"
	: >"$VG_DAEMON_LOG"
	vg_on_failure_add daemon_dump_log_on_failure
}

daemon_dump_log_on_failure() {
	[ "$VG_FAIL" -gt 0 ] || return 0
	echo "# --- vifguardd log (last 60 lines) ---"
	tail -n 60 "$VG_DAEMON_LOG" | sed 's/^/# /'
}

daemon_start() {
	rm -f "$VG_WORLD_TMP/notify.sock"
	: >"$VG_NOTIFY_LOG"
	# ip netns exec directly (not a shell function), so $! is the process
	ip netns exec "$VG_WORLD-host" "$VG_NOTIFY_SINK" "$VG_WORLD_TMP/notify.sock" \
		>>"$VG_NOTIFY_LOG" &
	VG_SINK_PID=$!
	VG_WORLD_PIDS+=($!)
	vg_wait_for 3000 test -S "$VG_WORLD_TMP/notify.sock" || return 1
	# shellcheck disable=SC2086 # VG_DAEMON_ENV: extra VAR=value words
	# VIFGUARD_CHECK_INCREMENTAL: each decision about a few changed vifs is
	# checked against a full one (the daemon aborts on a difference)
	VG_RUNTIME_DIR="$VG_WORLD_TMP/run"
	ip netns exec "$VG_WORLD-host" env NOTIFY_SOCKET="$VG_WORLD_TMP/notify.sock" \
		RUNTIME_DIRECTORY="$VG_RUNTIME_DIR" VIFGUARD_CHECK_INCREMENTAL=1 \
		${VG_DAEMON_ENV:-} "$VG_DAEMON" -f --log-fields -c "$VG_CONF" "$@" \
		2>>"$VG_DAEMON_LOG" &
	VG_DAEMON_PID=$!
	VG_WORLD_PIDS+=($!)
	if ! vg_wait_for 10000 grep -q 'READY=1' "$VG_NOTIFY_LOG"; then
		vg_log "vifguardd did not become ready; its log:"
		cat "$VG_DAEMON_LOG" >&2
		return 1
	fi
}

daemon_alive() {
	[ -n "$VG_DAEMON_PID" ] && kill -0 "$VG_DAEMON_PID" 2>/dev/null
}

daemon_stop() {
	[ -n "$VG_DAEMON_PID" ] || return 0
	kill -TERM "$VG_DAEMON_PID" 2>/dev/null
	wait "$VG_DAEMON_PID" 2>/dev/null
	local rc=$?
	kill "$VG_SINK_PID" 2>/dev/null
	wait "$VG_SINK_PID" 2>/dev/null || true
	VG_DAEMON_PID=""
	return $rc
}

daemon_kill9() {
	kill -KILL "$VG_DAEMON_PID" 2>/dev/null
	wait "$VG_DAEMON_PID" 2>/dev/null
	kill "$VG_SINK_PID" 2>/dev/null
	wait "$VG_SINK_PID" 2>/dev/null || true
	VG_DAEMON_PID=""
}

# xs_vif DOMID DEVID key=value...: write backend keys in one transaction,
# as libxl does (values may contain spaces).
xs_vif() {
	local domid=$1 devid=$2 be kv args=()
	shift 2
	be=/local/domain/0/backend/vif/$domid/$devid
	for kv in "$@"; do
		args+=("$be/${kv%%=*}" "${kv#*=}")
	done
	xenstore-write "${args[@]}"
}

xs_rm() {
	xenstore-rm "$@"
}

daemon_log() {
	cat "$VG_DAEMON_LOG"
}

# daemon_wait_log COUNT PATTERN [TIMEOUT_MS]: until grep -c PATTERN >= COUNT.
daemon_wait_log() {
	local count=$1 pattern=$2 t=${3:-5000}
	vg_wait_for "$t" bash -c "[ \"\$(grep -c -- \"\$1\" \"\$2\")\" -ge $count ]" _ "$pattern" \
		"$VG_DAEMON_LOG"
}

# log_count PATTERN: how many log lines match.
log_count() {
	grep -c -- "$1" "$VG_DAEMON_LOG"
}

# has_vif ID: the vif's rules are in the kernel (its counter "vif<d>.<n>"
# exists: it comes with the vif's elements and goes with them).
has_vif() {
	world_host nft list counter bridge "$VG_TABLE" "$1" >/dev/null 2>&1
}

# vif_allows PORT ADDR: the kernel lets PORT use ADDR as an exact source
# address: set v4 (or v6) holds "PORT" . <its mac> . ADDR.  (No
# "nft ... | grep -q": under pipefail, nft killed by SIGPIPE after an early
# match fails the check.)
vif_allows() {
	local fam=v4 l
	case "$2" in *:*) fam=v6 ;; esac
	l=$(world_host nft list set bridge "$VG_TABLE" "$fam" 2>/dev/null) || return 1
	grep -qE -- "\"$1\" \. [0-9a-f:]{17} \. ${2//./\\.}([ ,]|\$)" <<<"$l"
}

# vif_addrs ID: every address vif ID (vif<domid>.<devid>) may use as a
# source, one per line: exact ones as ADDR, prefixes as NET/LEN (from the
# elements of its ports in v4, v6 and v4-<len>, v6-<len>).
vif_addrs() {
	local ports
	ports=$(world_host nft list map bridge "$VG_TABLE" port-counters 2>/dev/null |
		grep -oE "\"[^\"]+\" : \"$1\"" | sed -E 's/^"([^"]+)".*/\1/') || return 1
	[ -n "$ports" ] || return 0
	world_host nft list table bridge "$VG_TABLE" 2>/dev/null | awk -v ports="$ports" '
	BEGIN { n = split(ports, p, "\n"); for (i = 1; i <= n; i++) want["\"" p[i] "\""] = 1 }
	($1 == "set" || $1 == "map") && $NF == "{" { set = $2; inel = 0; next }
	{
		line = $0
		if (line ~ /elements = \{/) { inel = 1; sub(/.*elements = \{/, "", line) }
		if (!inel) next
		if (line ~ /\}/) inel = 0
		gsub(/[{}]/, "", line)
		k = split(line, parts, ",")
		for (i = 1; i <= k; i++) {
			e = parts[i]; gsub(/^[ \t]+|[ \t]+$/, "", e)
			m = split(e, f, / \. /)
			if (!(f[1] in want)) continue
			if ((set == "v4" || set == "v6") && m == 3) print f[3]
			else if (set ~ /^v[46]-[0-9]+$/ && m == 2) { l = set; sub(/^v[46]-/, "", l); print f[2] "/" l }
		}
	}' | sort -u
}

# map_has TEXT / map_lacks TEXT: the map of ports to their vif's counter
# lists (does not list) TEXT; both fail when the map cannot be read.
map_has() {
	local m
	m=$(world_host nft list map bridge "$VG_TABLE" port-counters) || return 1
	grep -qF -- "$1" <<<"$m"
}
map_lacks() {
	local m
	m=$(world_host nft list map bridge "$VG_TABLE" port-counters) || return 1
	! grep -qF -- "$1" <<<"$m"
}

# vif_has_mac PORT MAC: the kernel holds MAC as the port's mac.
vif_has_mac() {
	local l
	l=$(world_host nft list set bridge "$VG_TABLE" macs 2>/dev/null) || return 1
	grep -qF -- "\"$1\" . $2" <<<"$l"
}

# daemon_wait_notify COUNT PATTERN [TIMEOUT_MS]: sd_notify messages seen.
daemon_wait_notify() {
	local count=$1 pattern=$2 t=${3:-5000}
	vg_wait_for "$t" bash -c "[ \"\$(grep -c -- \"\$1\" \"\$2\")\" -ge $count ]" _ "$pattern" \
		"$VG_NOTIFY_LOG"
}

# vgctl ARGS...: vifguardctl against this daemon (in the host namespace).
vgctl() {
	world_host "$VG_BUILD_DIR/daemon/vifguardctl" --runtime-dir "$VG_WORLD_TMP/run" "$@"
}

# The ruleset check: our table in the kernel, compared (normalised, sorted)
# with what `vifguardd --print-ruleset` says xenstore gives, loaded by nft
# into the reference namespace $REF_NS (the caller creates it with
# world_ns_add).  VG_REAL_DAEMON: the binary when VG_DAEMON is a wrapper.
norm_table() {
	awk '
	$1 == "table" { next }
	$1 ~ /^(chain|set|map|counter)$/ && $NF == "{" { blk = $1 " " $2; inel = 0; idx = 0; print blk; next }
	/^[ \t]*}$/ { next }
	{
		line = $0
		gsub(/^[ \t]+|[ \t]+$/, "", line)
		# a set size is room, not policy: it depends on the vifs there
		# were at the last full sync (lib/ruleset.h, PLAN_SET_SIZE_MIN)
		if (line == "" || line ~ /^packets [0-9]+ bytes [0-9]+$/ || line ~ /^size [0-9]+$/)
			next
		if (line ~ /^elements = \{/) {
			inel = 1
			sub(/^elements = \{ */, "", line)
		}
		if (inel) {
			if (line ~ /\}$/) {
				inel = 0
				sub(/ *\}$/, "", line)
			}
			n = split(line, a, /, */)
			for (i = 1; i <= n; i++)
				if (a[i] != "")
					print blk " elem " a[i]
			next
		}
		print blk " " (blk ~ /^chain / ? ++idx " " : "") line
	}' | sort
}
actual_table() {
	world_host nft list table bridge "$VG_TABLE" 2>/dev/null | norm_table
}
expected_table() {
	world_host "${VG_REAL_DAEMON:-$VG_DAEMON}" -c "$VG_CONF" --print-ruleset >"$VG_WORLD_TMP/expected.nft" \
		2>/dev/null || return 1
	ip netns exec "$REF_NS" nft flush ruleset &&
		ip netns exec "$REF_NS" nft -f "$VG_WORLD_TMP/expected.nft" &&
		ip netns exec "$REF_NS" nft list table bridge "$VG_TABLE" | norm_table
}
ruleset_matches() {
	local e a
	e=$(expected_table) || return 1
	a=$(actual_table)
	[ -n "$a" ] && [ "$a" = "$e" ]
}
