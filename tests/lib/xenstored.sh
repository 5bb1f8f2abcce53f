# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# A private, real xenstored for tests: Debian's C xenstored with the
# vg-xs-shim LD_PRELOAD library standing in for the hypervisor (see
# docs/xen-vif-facts.md, "Running a real xenstored without a hypervisor").
#
#   xsd_available   0 when the xenstored binary, the shim and the CLI tools exist
#   xsd_start       start one in a new private dir; exports XENSTORED_PATH,
#                   VG_XSD_PID and VG_XSD_DIR
#   xsd_alive       0 while the started xenstored runs
#   xsd_kill9       SIGKILL it (a crash); the dir and the stale socket stay
#   xsd_restart     stop it if it runs, start a fresh one on the same socket
#   xsd_stop        stop it and remove the dir; idempotent, safe if never started
#
# Cleanup belongs to the caller: this file installs no trap.  Register xsd_stop
# with the caller's trap BEFORE xsd_start, so an interrupt during start-up still
# removes the process and the dir, e.g. with common.sh:
#   vg_cleanup_add xsd_stop
#   xsd_start || exit 1
# Call xsd_start from the test's own shell, not from a subshell or $(...):
# xenstored is that shell's child and gets SIGTERM when its parent exits, so a
# SIGKILLed test leaves no daemon behind (its dir, though, stays).
#
# Everything xenstored writes goes into the private dir (socket, pid file,
# output); its store lives in memory (the 4.17 default), so each start,
# including xsd_restart, begins with only /tool/xenstored.  Its one write
# outside the dir is syslog(3) through /dev/log when that socket exists.
#
# XENSTORED_PATH stays exported after xsd_stop, pointing at the removed
# socket: libxenstore then uses it for both its socket and its device path, so
# a stray client fails instead of reaching a real dom0's xenstore.
#
# Knobs: VG_XS_SHIM (the shim; CMake sets it for its tests, default
# $VG_BUILD_DIR/tests/xenstored/libvg-xs-shim.so), VG_XENSTORED (the binary),
# VG_XSD_START_TIMEOUT_MS (default 10000).

VG_XENSTORED=${VG_XENSTORED:-/usr/lib/xen-4.17/bin/xenstored}
VG_XSD_DIR=""
VG_XSD_PID=""

xsd_shim() {
	printf '%s' "${VG_XS_SHIM:-${VG_BUILD_DIR:-}/tests/xenstored/libvg-xs-shim.so}"
}

xsd_available() {
	local c
	[ -x "$VG_XENSTORED" ] || return 1
	[ -r "$(xsd_shim)" ] || return 1
	for c in xenstore-read xenstore-write xenstore-ls xenstore-rm; do
		command -v "$c" >/dev/null 2>&1 || return 1
	done
}

# The pid is trusted only while its command line still names our pid file, so
# a stale VG_XSD_PID never makes us signal an unrelated, recycled pid.  Our own
# child that has not reached exec() yet still runs bash's command line; it is
# recognised by its parent instead, or an interrupt right after the fork would
# leak the xenstored it is about to become.
xsd_pid_is_ours() {
	local pid=$1 cmdline ppid
	[ -n "$pid" ] && [ -n "$VG_XSD_DIR" ] || return 1
	cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
	case "$cmdline" in
	*" $VG_XSD_DIR/xenstored.pid"*) return 0 ;;
	esac
	[ "$pid" = "$VG_XSD_PID" ] || return 1
	ppid=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
	[ "$ppid" = "$BASHPID" ]
}

# A killed child stays a zombie until reaped, and kill -0 succeeds on zombies.
xsd_pid_running() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

xsd_alive() {
	xsd_pid_is_ours "$VG_XSD_PID" && xsd_pid_running "$VG_XSD_PID"
}

xsd_log_dump() {
	[ -n "$VG_XSD_DIR" ] && [ -s "$VG_XSD_DIR/xenstored.log" ] || return 0
	printf '# --- %s ---\n' "$VG_XSD_DIR/xenstored.log" >&2
	sed 's/^/# /' "$VG_XSD_DIR/xenstored.log" >&2
}

# xsd_signal SIG TIMEOUT_MS: signal our xenstored and wait until it is gone.
# One that outlives TIMEOUT_MS gets SIGKILL and 5 s more; after that (stuck in
# the kernel) we give up rather than hang the test.
xsd_signal() {
	local sig=$1 timeout_ms=$2 pid=$VG_XSD_PID waited=0 killed=0

	# Fall back to the pid file when an interrupt hit before VG_XSD_PID was set.
	if [ -z "$pid" ] && [ -n "$VG_XSD_DIR" ]; then
		pid=$(cat "$VG_XSD_DIR/xenstored.pid" 2>/dev/null)
	fi
	if xsd_pid_is_ours "$pid"; then
		kill "-$sig" "$pid" 2>/dev/null
		while xsd_pid_running "$pid"; do
			if [ "$waited" -ge "$timeout_ms" ]; then
				if [ "$killed" -eq 1 ]; then
					printf '# xsd: pid %s survives SIGKILL\n' "$pid" >&2
					break
				fi
				kill -KILL "$pid" 2>/dev/null
				killed=1
				timeout_ms=$((timeout_ms + 5000))
			fi
			sleep 0.05
			waited=$((waited + 50))
		done
	fi
	VG_XSD_PID=""
	export VG_XSD_PID
	return 0
}

# Start xenstored in $VG_XSD_DIR and wait until it answers on its socket.
xsd_spawn() {
	local dir=$VG_XSD_DIR shim waited=0
	local timeout_ms=${VG_XSD_START_TIMEOUT_MS:-10000}

	local -a pdeath=()
	if setpriv --help 2>/dev/null | grep -q -- --pdeathsig; then
		pdeath=(setpriv --pdeathsig TERM --)
	fi

	shim=$(xsd_shim)
	if [ ! -r "$shim" ]; then
		printf '# xsd: shim %s not found (build target vg-xs-shim)\n' "$shim" >&2
		return 1
	fi
	# A stale socket from a killed run would only answer ECONNREFUSED.
	rm -f "$dir/socket" "$dir/xenstored.pid"
	printf '# xsd: starting %s at %s\n' "$VG_XENSTORED" "$(date +%T.%N)" >>"$dir/xenstored.log"
	# cwd is the private dir, so even a core dump lands there.  No -V: it
	# logs every message.  The store stays in memory (no tdb file).  The
	# parent-death signal covers a caller killed by SIGKILL, whose trap never
	# runs; the subshell execs, so that parent is the calling shell.
	(
		cd "$dir" || exit 1
		XENSTORED_RUNDIR=$dir XENSTORED_PATH=$dir/socket LD_PRELOAD=$shim \
			exec "${pdeath[@]}" "$VG_XENSTORED" -N -F "$dir/xenstored.pid"
	) </dev/null >>"$dir/xenstored.log" 2>&1 &
	VG_XSD_PID=$!
	export VG_XSD_PID
	# Not a job of the caller: bash would print "Killed" for xsd_kill9, and
	# no one needs the exit status.  bash still reaps it.
	disown "$VG_XSD_PID" 2>/dev/null

	while :; do
		if ! xsd_pid_running "$VG_XSD_PID"; then
			printf '# xsd: xenstored exited during start-up\n' >&2
			xsd_log_dump
			xsd_signal TERM 1000
			return 1
		fi
		if [ -S "$dir/socket" ] &&
			XENSTORED_PATH=$dir/socket xenstore-read /tool/xenstored >/dev/null 2>&1; then
			return 0
		fi
		if [ "$waited" -ge "$timeout_ms" ]; then
			printf '# xsd: xenstored did not answer within %d ms\n' "$timeout_ms" >&2
			xsd_log_dump
			xsd_signal TERM 1000
			return 1
		fi
		sleep 0.05
		waited=$((waited + 50))
	done
}

xsd_start() {
	if [ -n "$VG_XSD_DIR" ]; then
		printf '# xsd: already started in %s\n' "$VG_XSD_DIR" >&2
		return 1
	fi
	if [ ! -x "$VG_XENSTORED" ]; then
		printf '# xsd: %s not found (package xen-utils-4.17)\n' "$VG_XENSTORED" >&2
		return 1
	fi
	VG_XSD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vgt-xsd.XXXXXX") || {
		VG_XSD_DIR=""
		return 1
	}
	XENSTORED_PATH=$VG_XSD_DIR/socket
	export VG_XSD_DIR XENSTORED_PATH
	xsd_spawn
}

xsd_kill9() {
	[ -n "$VG_XSD_DIR" ] || return 1
	xsd_signal KILL 5000
}

xsd_restart() {
	[ -n "$VG_XSD_DIR" ] || return 1
	xsd_signal TERM 5000
	xsd_spawn
}

xsd_stop() {
	xsd_signal TERM 5000
	if [ -n "$VG_XSD_DIR" ]; then
		rm -rf -- "$VG_XSD_DIR"
	fi
	VG_XSD_DIR=""
	export VG_XSD_DIR
	return 0
}
