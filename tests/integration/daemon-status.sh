#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vifguardctl against real state: enforced, rejected and conflicting vifs,
# counters moving after a spoof, text and JSON output, exit codes for
# monitoring.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
vg_require_cmd jq
vg_require_cmd promtool
xsd_available || vg_skip "xenstored or its shim not available"

M3=00:16:3e:00:03:00
M5=00:16:3e:00:05:00
world_create xenbr0
world_add_peer gw 02:00:00:00:0f:01
world_add_guest vif3.0 "$M3"
world_add_guest vif5.0 "$M5"
daemon_setup
export VG_DEADLINE_MS=500

xenstore-write /local/domain/3/name web01 /local/domain/5/name db01 /local/domain/6/name broken06
xs_vif 3 0 mac=$M3 "ip=192.0.2.10 2001:db8::10" bridge=xenbr0
vg_check "daemon started" daemon_start
xs_vif 5 0 mac=$M5 "ip=192.0.2.20 192.0.2.10" bridge=xenbr0 type=vif_ioemu
xs_vif 6 0 mac=01:00:5e:00:00:01 ip=192.0.2.60
vg_wait_for 3000 bash -c "grep -q 'domid=6.*state=rejected' '$VG_RUNTIME_DIR/status'"

out=$(vgctl status)
rc=$?
vg_log "vifguardctl status:"
printf '%s\n' "$out" | sed 's/^/#   /'
vg_expect_eq "status: exit 1 while a vif is rejected" 1 "$rc"
vg_check "status: header says running" grep -q 'vifguardd: running' <<<"$out"
vg_check "status: web01's vif enforced with its addresses" \
	grep -qE '^vif3\.0 +web01 +3 +0 +vif3\.0 .*enforced .*192\.0\.2\.10 2001:db8::10' <<<"$out"
vg_check "status: db01's vif lists both ports" grep -qE '^vif5\.0 +db01 .*vif5\.0,vif5\.0-emu' <<<"$out"
vg_check "status: db01's withheld address names the owner" \
	grep -q 'withheld: 192.0.2.10 conflict vif3.0/web01/3' <<<"$out"
vg_check "status: the rejected vif shows its reason" \
	grep -q "error: key 'mac': value '01:00:5e:00:00:01' is a multicast address" <<<"$out"

# Counters move after a spoof.
before=$(vgctl --json show vif3.0 | jq '.vifs[0].dropped')
VG_FROM=vif3.0
world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.99 daddr=192.0.2.254 >/dev/null
after=$(vgctl --json show vif3.0 | jq '.vifs[0].dropped')
vg_check "counter moved after a spoof ($before -> $after)" test "$after" -ge $((before + 3))

json=$(vgctl --json status)
vg_check "JSON parses" bash -c 'jq -e . >/dev/null' <<<"$json"
vg_expect_eq "JSON: three vifs" 3 "$(jq '.vifs | length' <<<"$json")"
vg_expect_eq "JSON: daemon running and enforcing" "true true" \
	"$(jq -r '"\(.daemon.running) \(.daemon.enforcing)"' <<<"$json")"
vg_expect_eq "JSON: db01 ports" '["vif5.0","vif5.0-emu"]' \
	"$(jq -c '.vifs[] | select(.domain == "db01") | .ports' <<<"$json")"
vg_expect_eq "JSON: db01 allowed" '["192.0.2.20"]' \
	"$(jq -c '.vifs[] | select(.domain == "db01") | .allowed' <<<"$json")"
vg_expect_eq "JSON: db01 withheld" '["192.0.2.10 conflict vif3.0/web01/3"]' \
	"$(jq -c '.vifs[] | select(.domain == "db01") | .withheld' <<<"$json")"
vg_expect_eq "JSON: rejected state" rejected \
	"$(jq -r '.vifs[] | select(.domid == 6) | .state' <<<"$json")"

# Prometheus: the whole exposition passes promtool's lint (names, units,
# _total on counters, HELP/TYPE), with the values the JSON has.
metrics=$(vgctl metrics)
rc=$?
vg_expect_eq "metrics: exit 1 while a vif is rejected (as status)" 1 "$rc"
lint=$(promtool check metrics <<<"$metrics" 2>&1)
vg_expect_eq "metrics: promtool check metrics passes" "0 " "$? $lint"
vg_log "promtool check metrics: exit 0, output '$lint'"
vg_check "metrics: running and enforcing" \
	grep -qx 'vifguard_enforcing 1' <<<"$metrics"
vg_check "metrics: startup full sync counted" \
	grep -qx 'vifguard_full_syncs_total{reason="startup"} 1' <<<"$metrics"
vg_check "metrics: one rejected vif" grep -qx 'vifguard_vifs{state="rejected"} 1' <<<"$metrics"
db01='{vif="vif5.0",port="vif5.0",domain="db01",domid="5"}'
vg_check "metrics: db01 has one allowed address" \
	grep -qxF "vifguard_vif_allowed_addresses$db01 1" <<<"$metrics"
vg_check "metrics: ... and one withheld" \
	grep -qxF "vifguard_vif_withheld_addresses$db01 1" <<<"$metrics"
vg_check "metrics: web01's drops as in JSON ($after)" grep -qx \
	"vifguard_vif_dropped_frames_total{vif=\"vif3.0\",port=\"vif3.0\",domain=\"web01\",domid=\"3\"} $after" \
	<<<"$metrics"
vg_check "metrics: the rejected vif's state" grep -q \
	'vifguard_vif_state{vif="vif6.0",.*,state="rejected"} 1' <<<"$metrics"
vg_log "vifguardctl metrics (head):"
head -n 40 <<<"$metrics" | sed 's/^/#   /'

vgctl show db01 >/dev/null
vg_expect_eq "show by domain name: exit 0 (enforced)" 0 $?
vgctl show vif5.0-emu >/dev/null
vg_expect_eq "show by -emu port: exit 0" 0 $?
vgctl show 6 >/dev/null
vg_expect_eq "show the rejected vif by domid: exit 1" 1 $?
vgctl show nosuchvif >/dev/null 2>&1
vg_expect_eq "show an unknown vif: exit 3" 3 $?
vgctl bogus >/dev/null 2>&1
vg_expect_eq "usage error: exit 3" 3 $?

# Fixed input: everything enforced, exit 0.
xs_vif 6 0 mac=00:16:3e:00:06:00
vg_wait_for 3000 bash -c "grep -q 'domid=6.*state=enforced' '$VG_RUNTIME_DIR/status'"
vgctl status >/dev/null
vg_expect_eq "all enforced: exit 0" 0 $?

# Not enforcing: the table is gone while the daemon is down; or no daemon.
daemon_kill9
vgctl status >/dev/null 2>&1
vg_expect_eq "daemon killed: exit 2" 2 $?
vg_check "daemon killed: text says NOT RUNNING" bash -c "ip netns exec $VG_WORLD-host \
	$VG_BUILD_DIR/daemon/vifguardctl --runtime-dir $VG_WORLD_TMP/run status | grep -q 'NOT RUNNING'"
rm -f "$VG_RUNTIME_DIR/status"
vgctl status >/dev/null 2>&1
vg_expect_eq "no status file: exit 2" 2 $?
metrics=$(vgctl metrics 2>/dev/null)
vg_expect_eq "no status file: metrics exit 2" 2 $?
vg_check "no status file: metrics say not enforcing" grep -qx 'vifguard_enforcing 0' <<<"$metrics"
vg_check "no status file: promtool accepts it" promtool check metrics <<<"$metrics"

# 20,000 vifs: all listed (it used to stop at 16,384 without a word), in
# memory that grows with the file (it used to take ~200 MB for fixed rows).
big="$VG_WORLD_TMP/big"
mkdir -p "$big"
{
	printf 'vifguard-status 1\ndaemon\tpid=1\ttable=%s-none\tready=1\tbackend=/x\n' "$VG_TABLE"
	for i in $(seq 1 20000); do
		printf 'vif\tdomid=%d\tdevid=0\tid=vif%d.0\tport=vif%d.0\tstate=enforced\tallowed=192.0.2.1\n' \
			"$i" "$i" "$i"
	done
} >"$big/status"
n=$(world_host "$VG_BUILD_DIR/daemon/vifguardctl" --runtime-dir "$big" --json status 2>/dev/null |
	jq '.vifs | length')
vg_expect_eq "a status of 20,000 vifs: all listed" 20000 "$n"
/usr/bin/time -o "$big/rss" -f '%M' "$VG_BUILD_DIR/daemon/vifguardctl" --runtime-dir "$big" \
	status >/dev/null 2>&1
rss=$(tail -n 1 "$big/rss")
vg_log "vifguardctl on 20,000 vifs: max RSS $rss kB"
vg_check "... in less than 64 MB" test "${rss:-999999}" -lt 65536
vg_done
