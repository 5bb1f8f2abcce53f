#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vifguardd and link-local addresses owned first come, first served (issue
# 14, item 1), with crafted frames: how an ownership starts (a DAD
# solicitation, a first frame), what is refused (another's, protected,
# another vif's EUI-64, over the cap), and how it ends (another vif's ip=
# lists the address now, a lower cap on reload, the vif goes), and that a
# SIGKILL keeps it.  guest-matrix.sh does the same with real guest stacks.
# web01 (vif3.0) and db02 (vif4.0) on xenbr0; the gateway's fe80::1 is
# protected; owned-addresses-per-vif = 2.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

GW=02:00:00:00:0f:01
M3=00:16:3e:00:03:00 M4=00:16:3e:00:04:00
LL4=fe80::216:3eff:fe00:400 # db02's EUI-64 link-local
DST=2001:db8::200
REFUSED=03c0f29b23d44c549bb816f7b50f9d59
world_create xenbr0
world_add_peer gw "$GW"
world_add_guest vif3.0 "$M3"
world_add_guest vif4.0 "$M4"
daemon_setup
printf 'owned-addresses-per-vif = 2\n[protect]\naddresses = fe80::1\n' >>"$VG_CONF"
export VG_DEADLINE_MS=500

# u6 PORT ADDR: UDP from ADDR, counted at the gateway (3 sent)
u6() {
	local m=$M3
	[ "$1" = vif4.0 ] && m=$M4
	VG_FROM=$1 world_delivered gw eth0 ipv6-udp src=$m saddr="$2" daddr=$DST
}
# dad PORT ADDR: one DAD solicitation for ADDR (source ::)
dad() {
	local m=$M3
	[ "$1" = vif4.0 ] && m=$M4
	world_send "$1" ns src=$m target="$2" >/dev/null
}
# claim PORT ADDR: one frame from ADDR (its first: dropped, and a claim)
claim() {
	local m=$M3
	[ "$1" = vif4.0 ] && m=$M4
	world_send "$1" ipv6-udp src=$m saddr="$2" daddr=$DST >/dev/null
}
passes() { vg_expect_eq "$1: delivered: $2 from $3" 3 "$(u6 "$2" "$3")"; }
drops() { vg_expect_eq "$1: dropped: $2 from $3" 0 "$(u6 "$2" "$3")"; }
# owned WHO ADDRS: vifguardctl show WHO's owned: line is ADDRS (within 3 s)
owned_now() { vgctl show "$1" | grep -qx " *owned: $2"; }
owned() { vg_wait_for 3000 owned_now "$1" "$2"; }
json_owned() { vgctl --json show "$1" | jq -e ".vifs[0].owned == $2" >/dev/null; }
logged() { daemon_wait_log 1 "$1" 3000; }

# Without vifguard every frame arrives, so each "dropped" can fail.
for a in fe80::a1 fe80::1 $LL4 fe80::a3; do
	passes "no table" vif3.0 $a
done

xenstore-write /local/domain/3/name web01 /local/domain/4/name db02
xs_vif 3 0 mac=$M3 "ip=192.0.2.3 2001:db8::3" bridge=xenbr0
xs_vif 4 0 mac=$M4 "ip=192.0.2.4 2001:db8::4" bridge=xenbr0
vg_check "daemon starts" daemon_start
vg_check "web01 and db02 enforced" vg_wait_for 5000 has_vif vif4.0

# --- claims ---
dad vif3.0 fe80::a1
vg_check "web01's DAD for fe80::a1 claims it (journal)" \
	logged "web01, dom 3): owns fe80::a1 now (duplicate address detection"
passes "web01 owns fe80::a1" vif3.0 fe80::a1
vg_check "vifguardctl show web01: owned: fe80::a1" owned web01 fe80::a1
v6_has() { world_host nft list set bridge "$VG_TABLE" v6 | grep -qF "\"$1\" . $2 . $3"; }
vg_check "its v6 element names port, mac and address" v6_has vif3.0 $M3 fe80::a1
dad vif4.0 fe80::a1
vg_check "db02's DAD for web01's fe80::a1 is refused, naming web01" \
	logged "db02, dom 4): claim of fe80::a1 (duplicate address detection) refused: owned by another vif vif3.0 (web01, dom 3)"
drops "db02 sending from web01's fe80::a1" vif4.0 fe80::a1
drops "web01 sending from the protected fe80::1" vif3.0 fe80::1
drops "web01 sending from db02's EUI-64 link-local" vif3.0 $LL4
vg_check "the claim of db02's EUI-64 link-local is refused as such" \
	logged "claim of $LL4 (a frame from it) refused: another vif's EUI-64 address vif4.0 (db02, dom 4)"
passes "db02's own EUI-64 link-local needs no claim" vif4.0 $LL4
claim vif3.0 fe80::a2
vg_check "web01's first frame from fe80::a2 claims it (journal)" \
	logged "web01, dom 3): owns fe80::a2 now (a frame from it"
passes "web01 owns fe80::a2 after its first frame" vif3.0 fe80::a2
drops "web01's third link-local (cap 2)" vif3.0 fe80::a3
vg_check "the cap is logged once, with its MESSAGE_ID" \
	bash -c '[ "$(grep -c "claim of fe80::a3 (a frame from it) refused: it owns 2" "$1")" = 1 ] &&
		grep "claim of fe80::a3" "$1" | grep -q "MESSAGE_ID=$2"' _ "$VG_DAEMON_LOG" $REFUSED
vg_check "vifguardctl show web01: owned: fe80::a1 fe80::a2" owned web01 "fe80::a1 fe80::a2"
vg_check "--json lists them under owned" json_owned web01 '["fe80::a1","fe80::a2"]'

# --- what ends an ownership ---
xs_vif 4 0 "ip=192.0.2.4 2001:db8::4 fe80::a1"
vg_check "db02's ip= now lists fe80::a1: web01 gives it up (journal)" \
	logged "web01, dom 3): owns fe80::a1 no longer: another vif's ip= lists it now"
drops "web01 after db02 configured fe80::a1" vif3.0 fe80::a1
passes "db02 sends from its configured fe80::a1" vif4.0 fe80::a1
vg_check "vifguardctl show web01: owned: fe80::a2" owned web01 fe80::a2
claim vif3.0 fe80::a3
vg_check "web01's frame from fe80::a3 claims it (room again)" \
	logged "web01, dom 3): owns fe80::a3 now (a frame from it"
passes "web01 owns fe80::a3" vif3.0 fe80::a3
sed -i 's/^owned-addresses-per-vif = 2/owned-addresses-per-vif = 1/' "$VG_CONF"
n=$(log_count 'Configuration reloaded from')
kill -HUP "$VG_DAEMON_PID"
vg_check "reload with owned-addresses-per-vif = 1" \
	daemon_wait_log $((n + 1)) 'Configuration reloaded from' 3000
vg_check "web01 keeps its first, gives up the newest (journal)" \
	logged "owns fe80::a3 no longer: owned-addresses-per-vif allows fewer now"
passes "after the reload" vif3.0 fe80::a2
drops "after the reload" vif3.0 fe80::a3

# --- a SIGKILL keeps it; the vif's end frees it ---
daemon_kill9
passes "daemon killed: the kernel's table still has it" vif3.0 fe80::a2
vg_check "daemon restarts" daemon_start
passes "restarted: web01 still owns fe80::a2" vif3.0 fe80::a2
vg_check "restarted: vifguardctl show web01: owned: fe80::a2" owned web01 fe80::a2
drops "restarted: db02 still cannot take it" vif4.0 fe80::a2
xs_rm /local/domain/0/backend/vif/3
vg_check "web01's vif goes" vg_wait_for 5000 vg_not has_vif vif3.0
claim vif4.0 fe80::a2
vg_check "db02's frame from fe80::a2, free now, claims it" \
	logged "db02, dom 4): owns fe80::a2 now (a frame from it"
passes "db02 owns fe80::a2" vif4.0 fe80::a2
vg_check "vifguardctl show db02: owned: fe80::a2" owned db02 fe80::a2

vg_check "daemon logged no error" vg_not grep -qF 'vifguardd[error]' "$VG_DAEMON_LOG"
vg_check "SIGTERM: clean exit (status 0)" daemon_stop
vg_done
