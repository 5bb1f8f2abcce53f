#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vifguardd and protected addresses inside a guest's prefixes (issue 14,
# item 1): web01 is given 192.0.2.0/24 and 2001:db8::/64, which hold the
# configured 192.0.2.1 and the bridge's 192.0.2.254 and 2001:db8::fe.  The
# prefixes are granted and the kernel's protect sets subtract those
# addresses.  When the list changes (the bridge gains or loses an address,
# [protect] changes and SIGHUP) the daemon rewrites the sets in a full sync:
# each newly protected address is delivered before and dropped after, and
# one no longer protected is delivered again.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

GW=02:00:00:00:0f:01
M3=00:16:3e:00:03:00
DST=192.0.2.200
DROP_ID=MESSAGE_ID=99260db8f80c4286b6dd710b19491d89
world_create xenbr0
world_bridge_addr 192.0.2.254/24 2001:db8::fe/64
world_add_peer gw "$GW"
world_add_guest vif3.0 "$M3"
daemon_setup
printf '[protect]\naddresses = 192.0.2.1\n' >>"$VG_CONF"
export VG_DEADLINE_MS=500
VG_FROM=vif3.0

# KIND ADDR: a frame from web01 using ADDR
u4() { world_delivered gw eth0 ipv4-udp src=$M3 saddr="$1" daddr=$DST; }
arp() { world_delivered gw eth0 arp-reply src=$M3 spa="$1" tha=$GW tpa=$DST; }
u6() { world_delivered gw eth0 ipv6-udp src=$M3 saddr="$1" daddr=2001:db8::200; }
na() { world_delivered gw eth0 na src=$M3 saddr=2001:db8::77 target="$1" flags=0xa0; }
passes() { vg_expect_eq "$1: delivered: $2 $3" 3 "$($2 "$3")"; }
drops() { vg_expect_eq "$1: dropped: $2 $3" 0 "$($2 "$3")"; }
# set_elems SET: the elements line of one of our sets
set_elems() {
	world_host nft list set bridge "$VG_TABLE" "$1" 2>/dev/null | tr -d '\n\t' |
		grep -oE 'elements = \{[^}]*\}'
}
prot_has() { grep -qE "[{ ,]$2[ ,}]" <<<"$(set_elems "$1")"; }
granted() { grep -qxF -- "$1" <<<"$(vif_addrs vif3.0)"; }
prot_lacks() { set_elems "$1" >/dev/null && ! prot_has "$@"; }

# Without vifguard every one of them arrives, so each "dropped" can fail.
for c in "u4 192.0.2.1" "u4 192.0.2.254" "u4 192.0.2.33" "u4 192.0.2.44" "arp 192.0.2.44" \
	"u6 2001:db8::44" "na 2001:db8::44"; do
	# shellcheck disable=SC2086 # kind and address
	passes "no table" $c
done

xenstore-write /local/domain/3/name web01
xs_vif 3 0 mac=$M3 "ip=192.0.2.0/24 2001:db8::/64" bridge=xenbr0
vg_check "daemon starts" daemon_start
vg_check "web01 enforced" vg_wait_for 5000 has_vif vif3.0
vg_check "web01 is granted 192.0.2.0/24 (a protected address inside it is no reason to withhold it)" \
	granted 192.0.2.0/24
vg_check "web01 is granted 2001:db8::/64" granted 2001:db8::/64
vg_expect_eq "no withheld warning" 0 "$(log_count 'withheld: protected')"
vg_log "protect4: $(set_elems protect4); protect6: $(set_elems protect6)"
vg_check "protect4 holds the configured 192.0.2.1" prot_has protect4 192.0.2.1
vg_check "protect4 holds the bridge's 192.0.2.254" prot_has protect4 192.0.2.254
vg_check "protect6 holds the bridge's 2001:db8::fe" prot_has protect6 2001:db8::fe
drops "start" u4 192.0.2.1
drops "start" arp 192.0.2.1
drops "start" u4 192.0.2.254
drops "start" u6 2001:db8::fe
drops "start" na 2001:db8::fe
passes "start" u4 192.0.2.77
passes "start" u4 192.0.2.33
passes "start" u6 2001:db8::77
vg_check "a drop from a protected address is attributed as such" daemon_wait_log 1 \
	"dropped: IPv4 from 192.0.2.1 (protected), a protected address" 3000

# --- the bridge gains an address inside web01's prefix ---
n=$(log_count 'Full sync (the protected addresses changed)')
world_bridge_addr 192.0.2.33/24
vg_check "bridge gains 192.0.2.33: protect4 holds it" vg_wait_for 3000 prot_has protect4 192.0.2.33
vg_check "bridge gains 192.0.2.33: a full sync, logged with its reason" \
	daemon_wait_log $((n + 1)) 'Full sync (the protected addresses changed)' 3000
vg_log "protect4: $(set_elems protect4)"
drops "bridge has 192.0.2.33" u4 192.0.2.33
passes "bridge has 192.0.2.33" u4 192.0.2.34
vg_check "web01 still has 192.0.2.0/24" granted 192.0.2.0/24
world_host ip addr del 192.0.2.33/24 dev "$VG_WORLD_BRIDGE"
vg_check "bridge gives 192.0.2.33 up: protect4 lacks it" \
	vg_wait_for 3000 prot_lacks protect4 192.0.2.33
passes "bridge gave 192.0.2.33 up" u4 192.0.2.33

# --- [protect] changes, SIGHUP ---
for c in "u4 192.0.2.44" "arp 192.0.2.44" "u6 2001:db8::44" "na 2001:db8::44"; do
	# shellcheck disable=SC2086 # kind and address
	passes "before the reload" $c
done
sed -i 's/^addresses = .*/addresses = 192.0.2.1 192.0.2.44 2001:db8::44/' "$VG_CONF"
n=$(log_count 'Full sync (configuration reloaded)')
kill -HUP "$VG_DAEMON_PID"
vg_check "SIGHUP: configuration reloaded" daemon_wait_log 1 'Configuration reloaded from' 3000
vg_check "SIGHUP: a full sync" daemon_wait_log $((n + 1)) 'Full sync (configuration reloaded)' 3000
vg_check "protect4 holds 192.0.2.44" vg_wait_for 3000 prot_has protect4 192.0.2.44
vg_check "protect6 holds 2001:db8::44" prot_has protect6 2001:db8::44
vg_log "protect4: $(set_elems protect4); protect6: $(set_elems protect6)"
for c in "u4 192.0.2.44" "arp 192.0.2.44" "u6 2001:db8::44" "na 2001:db8::44"; do
	# shellcheck disable=SC2086 # kind and address
	drops "after the reload" $c
done
passes "after the reload" u4 192.0.2.45
passes "after the reload" u6 2001:db8::45
vg_check "web01 still has 192.0.2.0/24" granted 192.0.2.0/24
vg_check "web01 still has 2001:db8::/64" granted 2001:db8::/64

# and back: the address leaves [protect]
sed -i 's/^addresses = .*/addresses = 192.0.2.1/' "$VG_CONF"
n=$(log_count 'Configuration reloaded from')
kill -HUP "$VG_DAEMON_PID"
vg_check "SIGHUP again: reloaded" daemon_wait_log $((n + 1)) 'Configuration reloaded from' 3000
vg_check "protect4 lacks 192.0.2.44 again" vg_wait_for 3000 prot_lacks protect4 192.0.2.44
passes "unprotected again" u4 192.0.2.44
passes "unprotected again" u6 2001:db8::44

vg_check "daemon logged no error" vg_not grep -qF 'vifguardd[error]' "$VG_DAEMON_LOG"
vg_check "SIGTERM: clean exit (status 0)" daemon_stop
vg_done
