# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# Drive the enforcement engine (vg-apply) inside the world's host namespace,
# with a private table name so no test ever touches a real host's table.
# Requires common.sh and world.sh.

VG_APPLY="${VG_APPLY:-$VG_BUILD_DIR/tests/driver/vg-apply}"
VG_TABLE="${VG_TABLE:-vgtest}"

# engine CMD FILE...: vg-apply CMD in the host namespace.
engine() {
	world_host "$VG_APPLY" -t "$VG_TABLE" "$@"
}

# engine_vifs NAME LINE...: write a vif description file, print its path.
engine_vifs() {
	local f="$VG_WORLD_TMP/$1.vifs"
	shift
	printf '%s\n' "$@" >"$f"
	printf '%s' "$f"
}

# engine_list: the kernel's view of our table.
engine_list() {
	world_host nft list table bridge "$VG_TABLE"
}

# engine_counter NAME: packets counted by a named counter.
engine_counter() {
	world_host nft list counter bridge "$VG_TABLE" "$1" 2>/dev/null |
		awk '$1 == "packets" { print $2; exit }'
}
