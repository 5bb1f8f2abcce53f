#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The test xenstored itself: start it through tests/lib/xenstored.sh, run
# xs-selftest (libxenstore semantics) and the xenstore-* CLI tools against it,
# check a kill -9 + restart, then stop it and check nothing is left behind.
# Needs no root: xenstored serves a socket in a private dir.

# shellcheck source=tests/lib/common.sh
. "$VG_SOURCE_DIR/tests/lib/common.sh"
# shellcheck source=tests/lib/xenstored.sh
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"

SELFTEST=${VG_XS_SELFTEST:-$VG_BUILD_DIR/tests/xenstored/xs-selftest}

[ -x "$VG_XENSTORED" ] || vg_skip "$VG_XENSTORED missing (package xen-utils-4.17)"
vg_require_cmd xenstore-read xenstore-write xenstore-ls xenstore-rm
[ -x "$SELFTEST" ] || vg_skip "$SELFTEST not built"
[ -r "$(xsd_shim)" ] || vg_skip "$(xsd_shim) not built"

# Registered before the start, so an interrupt during start-up cleans up too.
vg_cleanup_add xsd_stop

# xsd_procs_of DIR: pids whose command line mentions DIR (our xenstored
# carries its pid file path there).
xsd_procs_of() {
	local f pid
	for f in /proc/[0-9]*/cmdline; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[ "$pid" = "$BASHPID" ] && continue
		tr '\0' ' ' 2>/dev/null <"$f" | grep -qF -- "$1/" && printf '%s\n' "$pid"
	done
	return 0
}

t0=$(date +%s%N)
vg_check "xenstored starts and answers" xsd_start || vg_done
t1=$(date +%s%N)
vg_log "xenstored answered after $(((t1 - t0) / 1000000)) ms (pid $VG_XSD_PID, dir $VG_XSD_DIR)"
dir=$VG_XSD_DIR

vg_expect_eq "XENSTORED_PATH is the private socket" "$dir/socket" "$XENSTORED_PATH"
vg_check "socket exists" test -S "$XENSTORED_PATH"
vg_expect_eq "pid file names the started process" "$VG_XSD_PID" "$(cat "$dir/xenstored.pid" 2>/dev/null)"
vg_expect_eq "only /tool/xenstored exists at start" "tool tool/xenstored" \
	"$(xenstore-ls -f / 2>&1 | sed 's/ = .*//; s|^/||' | paste -sd' ')"

# libxenstore semantics.
if "$SELFTEST"; then
	vg_pass "xs-selftest"
else
	vg_failed "xs-selftest"
fi

# The CLI tools, as a toolstack or a person would use them.
be=/local/domain/0/backend/vif/4/0
vg_check "xenstore-write several keys" xenstore-write "$be/mac" 00:16:3e:01:02:03 \
	"$be/ip" "192.0.2.4" "$be/bridge" xenbr0
vg_expect_eq "xenstore-read" "00:16:3e:01:02:03" "$(xenstore-read "$be/mac" 2>&1)"
vg_expect_eq "xenstore-read of a value with a space" "192.0.2.4" "$(xenstore-read "$be/ip" 2>&1)"
vg_expect_eq "xenstore-ls lists the keys" "bridge ip mac" \
	"$(xenstore-ls "$be" 2>&1 | sed 's/ = .*//' | sort | paste -sd' ')"
vg_expect_eq "xenstore-ls -f shows full paths" "$be/mac = \"00:16:3e:01:02:03\"" \
	"$(xenstore-ls -f "$be" 2>&1 | grep '/mac =')"
vg_check "xenstore-rm the vif dir" xenstore-rm /local/domain/0/backend/vif/4
vg_check "xenstore-read of a removed key fails" eval "! xenstore-read '$be/mac' >/dev/null 2>&1"

# A crash and a restart on the same socket: the store starts empty again.
vg_check "write before the crash" xenstore-write "$be/mac" 00:16:3e:01:02:03
old_pid=$VG_XSD_PID
xsd_kill9
vg_check "kill -9 leaves no process" eval "! kill -0 $old_pid 2>/dev/null"
vg_check "clients fail while it is down" eval "! xenstore-read /tool/xenstored >/dev/null 2>&1"
vg_check "restart on the same socket" xsd_restart
vg_expect_eq "same dir after restart" "$dir" "$VG_XSD_DIR"
vg_check "new pid after restart" test "$VG_XSD_PID" != "$old_pid"
vg_check "the store is empty after a restart" eval "! xenstore-read '$be/mac' >/dev/null 2>&1"
vg_check "writes work after the restart" xenstore-write "$be/mac" 00:16:3e:01:02:03

# Stop, and check that nothing is left.
last_pid=$VG_XSD_PID
vg_check "xsd_stop" xsd_stop
vg_check "xsd_stop again is a no-op" xsd_stop
vg_check "no xenstored left (pid $last_pid)" eval "! kill -0 $last_pid 2>/dev/null"
vg_expect_eq "no process mentions $dir" "" "$(xsd_procs_of "$dir")"
vg_check "private dir removed" eval "[ ! -e '$dir' ]"
vg_check "clients fail after the stop instead of finding another xenstore" \
	eval "! xenstore-read /tool/xenstored >/dev/null 2>&1"
vg_done
