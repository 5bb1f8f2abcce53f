# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Shared helpers for the bash test scripts.  Source it first:
#   . "$VG_SOURCE_DIR/tests/lib/common.sh"
#
# - Cleanup: `vg_cleanup_add CMD...` registers a command; all of them run in
#   reverse order on EXIT, INT, TERM and HUP, so a failing or interrupted test
#   still removes what it made.
# - Skips: `vg_skip REASON` exits 77 (ctest: skipped), but under CI=true it
#   fails instead: CI has root and namespaces, and a skip there hides a hole.
# - Checks: `vg_check DESC CMD...`, `vg_expect_eq DESC EXPECTED ACTUAL`,
#   `vg_done` prints the "N passed, N failed" line and sets the exit code.

set -u
set -o pipefail

: "${VG_BUILD_DIR:?VG_BUILD_DIR must point at the build tree}"
: "${VG_SOURCE_DIR:?VG_SOURCE_DIR must point at the source tree}"

VG_PASS=0
VG_FAIL=0
VG_CLEANUP=()
VG_TEST_NAME=$(basename "${0%.sh}")

vg_log() {
	printf '# %s\n' "$*" >&2
}

vg_skip() {
	if [ "${CI:-}" = true ]; then
		printf 'FAIL: %s: would skip under CI=true: %s\n' "$VG_TEST_NAME" "$*" >&2
		exit 1
	fi
	printf 'SKIP: %s: %s\n' "$VG_TEST_NAME" "$*" >&2
	exit 77
}

vg_require_root() {
	[ "$(id -u)" -eq 0 ] || vg_skip "needs root"
	ip netns list >/dev/null 2>&1 || vg_skip "no network namespace support"
}

vg_require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || vg_skip "missing command: $c"
	done
}

vg_cleanup_add() {
	VG_CLEANUP+=("$*")
}

vg_run_cleanup() {
	local i
	trap - EXIT INT TERM HUP
	for ((i = ${#VG_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${VG_CLEANUP[$i]}" >/dev/null 2>&1 || true
	done
	VG_CLEANUP=()
}

vg_on_signal() {
	vg_log "interrupted by $1, cleaning up"
	vg_run_cleanup
	exit 130
}

trap vg_run_cleanup EXIT
trap 'vg_on_signal INT' INT
trap 'vg_on_signal TERM' TERM
trap 'vg_on_signal HUP' HUP

vg_pass() {
	VG_PASS=$((VG_PASS + 1))
	printf 'ok %d - %s\n' $((VG_PASS + VG_FAIL)) "$1"
}

vg_failed() {
	VG_FAIL=$((VG_FAIL + 1))
	printf 'not ok %d - %s\n' $((VG_PASS + VG_FAIL)) "$1"
}

# vg_check DESC CMD...: passes when CMD exits 0.
vg_check() {
	local desc=$1
	shift
	if "$@"; then
		vg_pass "$desc"
	else
		vg_failed "$desc"
	fi
}

# vg_expect_eq DESC EXPECTED ACTUAL
vg_expect_eq() {
	if [ "$2" = "$3" ]; then
		vg_pass "$1"
	else
		vg_failed "$1 (expected '$2', got '$3')"
	fi
}

# vg_on_failure_add CMD...: run CMD from vg_done when a check failed (while
# everything still exists), e.g. to print a daemon's log.
VG_ON_FAILURE=()
vg_on_failure_add() {
	VG_ON_FAILURE+=("$*")
}

vg_done() {
	local f
	if [ "$VG_FAIL" -gt 0 ]; then
		for f in "${VG_ON_FAILURE[@]}"; do
			eval "$f" || true
		done
	fi
	printf '%d passed, %d failed\n' "$VG_PASS" "$VG_FAIL"
	[ "$VG_FAIL" -eq 0 ] && [ "$VG_PASS" -gt 0 ]
	exit $?
}

# vg_wait_for DEADLINE_MS CMD...: poll CMD every 20 ms until it succeeds.
vg_wait_for() {
	local deadline_ms=$1 waited=0
	shift
	while ! "$@" 2>/dev/null; do
		[ "$waited" -ge "$deadline_ms" ] && return 1
		sleep 0.02
		waited=$((waited + 20))
	done
}

# vg_not CMD...: succeeds when CMD fails (for vg_check and vg_wait_for; a
# "bash -c '! func'" would not see this shell's functions and always pass).
vg_not() {
	! "$@"
}
