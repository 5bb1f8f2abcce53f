#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Someone else changes or deletes our table: vifguardd restores it with one
# full sync and logs a warning.  Also SIGHUP: a broken config is refused
# (the old one stays), a good one is applied.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

M3=00:16:3e:00:03:00
world_create xenbr0
world_add_peer gw 02:00:00:00:0f:01
world_add_guest vif3.0 "$M3"
daemon_setup
export VG_DEADLINE_MS=500
VG_FROM=vif3.0
xs_vif 3 0 mac=$M3 "ip=192.0.2.3 192.0.2.33" bridge=xenbr0
vg_check "daemon started" daemon_start

spoof_blocked() {
	[ "$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.99 daddr=192.0.2.254)" = 0 ]
}
legit_passes() {
	[ "$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.254)" = 3 ]
}
restored() {
	has_vif vif3.0 && vif_has_mac vif3.0 $M3 && vif_allows vif3.0 192.0.2.3 &&
		[ "$(world_host nft list chain bridge "$VG_TABLE" guest-ip | grep -c 'jump src-ip')" = 1 ]
}

# tamper DESC NFT-ARGS...: change our table behind the daemon's back, expect
# one more "restored" warning and working enforcement.
tamper() {
	local desc=$1 before
	shift
	before=$(log_count 'MESSAGE_ID=5ac1127ef4364460a4bf2c9c601f623d')
	world_host nft "$@"
	vg_check "$desc: daemon logs the tamper warning" \
		daemon_wait_log $((before + 2)) 'MESSAGE_ID=5ac1127ef4364460a4bf2c9c601f623d'
	vg_wait_for 3000 restored
	vg_check "$desc: table restored" restored
	vg_check "$desc: spoof dropped again" spoof_blocked
	vg_check "$desc: legitimate traffic passes" legit_passes
}

tamper "nft flush ruleset" flush ruleset
tamper "delete the table" delete table bridge "$VG_TABLE"
tamper "flush one of the fixed chains" flush chain bridge "$VG_TABLE" guest-ip
tamper "delete the vif's mac element" delete element bridge "$VG_TABLE" macs "{ \"vif3.0\" . $M3 }"
tamper "delete the vif's map element" delete element bridge "$VG_TABLE" ports '{ "vif3.0" }'
tamper "add an accept rule" insert rule bridge "$VG_TABLE" prerouting accept
vg_check "the foreign accept rule is gone" \
	vg_not bash -c "ip netns exec $VG_WORLD-host nft list chain bridge $VG_TABLE prerouting | grep -qx '[[:space:]]*accept'"
tamper "add an element to an address set" add element bridge "$VG_TABLE" v4 "{ \"vif3.0\" . $M3 . 192.0.2.99 }"
vg_check "the foreign element is gone" \
	vg_not vif_allows vif3.0 192.0.2.99

# Other tables are not ours: no reaction.
before=$(log_count 'MESSAGE_ID=5ac1127ef4364460a4bf2c9c601f623d')
world_host nft add table bridge someone-else
world_host nft add chain bridge someone-else c
sleep 0.5
vg_expect_eq "changes to other tables are left alone" "$before" \
	"$(log_count 'MESSAGE_ID=5ac1127ef4364460a4bf2c9c601f623d')"
vg_check "the other table survives" world_host nft list table bridge someone-else

# SIGHUP with a broken config: refused, the old policy stays.
cp "$VG_CONF" "$VG_WORLD_TMP/good.conf"
printf '[vifguard]\ntable = %s\nno-such-key = 1\n' "$VG_TABLE" >"$VG_CONF"
kill -HUP "$VG_DAEMON_PID"
vg_check "broken config on SIGHUP: not reloading" daemon_wait_log 1 'Not reloading'
vg_check "broken config: the error names the line" grep -q 'vifguard.conf:3' "$VG_DAEMON_LOG"
vg_check "broken config: daemon alive" daemon_alive
vg_check "broken config: still enforcing" spoof_blocked
# A good one: protect 192.0.2.33, which vif3.0 then loses.
printf '[vifguard]\ntable = %s\n[protect]\naddresses = 192.0.2.33\n' "$VG_TABLE" >"$VG_CONF"
kill -HUP "$VG_DAEMON_PID"
vg_check "good config on SIGHUP: reloaded" daemon_wait_log 1 'Configuration reloaded'
vg_wait_for 3000 vg_not vif_allows vif3.0 192.0.2.33
vg_expect_eq "reloaded: a newly protected address is withheld" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.33 daddr=192.0.2.254)"
vg_check "reloaded: legitimate traffic still passes" legit_passes
vg_check "daemon logged no error besides the broken config" \
	bash -c "[ \"\$(grep -c '^vifguardd\[error\]' '$VG_DAEMON_LOG')\" -le 3 ]"
vg_check "clean stop" daemon_stop
vg_done
