#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Drop attribution: a dropped spoof reaches the journal as one structured,
# rate-limited entry naming the guest that tried and the guest it tried to
# impersonate; a flood of spoofs neither floods the journal nor slows the
# daemon.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

M3=00:16:3e:00:03:00
M5=00:16:3e:00:05:00
world_create xenbr0
world_add_peer gw 02:00:00:00:0f:01
world_add_guest vif3.0 "$M3"
world_add_guest vif5.0 "$M5"
daemon_setup
printf '[protect]\naddresses = 192.0.2.1\n[log]\nrate-limit-burst = 1\nrate-limit-interval = 60\n' \
	>>"$VG_CONF"
xenstore-write /local/domain/3/name web01 /local/domain/5/name db01
xs_vif 3 0 mac=$M3 ip=192.0.2.10 bridge=xenbr0
xs_vif 5 0 mac=$M5 ip=192.0.2.20 bridge=xenbr0
vg_check "daemon started" daemon_start
export VG_DEADLINE_MS=500
DROP_ID=MESSAGE_ID=99260db8f80c4286b6dd710b19491d89

# One spoof: db01 answers ARP for web01's address.
VG_FROM=vif5.0
vg_expect_eq "the spoof is dropped" 0 \
	"$(world_delivered gw eth0 arp-reply src=$M5 spa=192.0.2.10 tha=02:00:00:00:0f:01 tpa=192.0.2.254)"
vg_check "an attribution entry appears" daemon_wait_log 1 "$DROP_ID" 3000
line=$(grep "$DROP_ID" "$VG_DAEMON_LOG" | head -n1)
vg_log "attribution: $line"
vg_check "it names the attacker and what it tried" \
	grep -q 'vif5.0 (db01, dom 5): dropped: ARP reply claiming 192.0.2.10' <<<"$line"
vg_check "it names the owner of the address" grep -q 'owned by vif3.0 (web01, dom 3)' <<<"$line"
vg_check "it carries the vif's journal fields" \
	grep -q 'INTERFACE=vif5.0 XEN_DOMID=5 XEN_DEVID=0 XEN_DOMAIN_NAME=db01 ADDRESS=192.0.2.10' \
	<<<"$line"
sleep 0.5
vg_expect_eq "three dropped frames, one entry (rate limit: 1 per 60 s)" 1 "$(log_count "$DROP_ID")"

# A flood from web01 against the protected gateway address: one entry, and
# the daemon keeps up with xenstore meanwhile.
world_bg vif3.0 "$VG_FRAME" send -i eth0 -n 100000 -g 10 ipv4-udp src=$M3 saddr=192.0.2.1 \
	daddr=192.0.2.254
flood=${VG_WORLD_PIDS[-1]}
vg_check "flood: one entry for web01" daemon_wait_log 2 "$DROP_ID" 3000
start=$(date +%s%N)
xs_vif 5 0 "ip=192.0.2.20 192.0.2.23"
vg_wait_for 5000 vif_allows vif5.0 192.0.2.23
ms=$((($(date +%s%N) - start) / 1000000))
vg_log "xenstore change applied in $ms ms during the flood"
vg_check "flood: the daemon still applies changes promptly ($ms ms)" test "$ms" -lt 2000
wait "$flood" 2>/dev/null
vg_expect_eq "flood: still exactly one entry for web01" 1 \
	"$(grep "$DROP_ID" "$VG_DAEMON_LOG" | grep -c 'vif3.0 (web01, dom 3): dropped')"
vg_check "flood: it says the address is protected" \
	grep -q 'vif3.0 (web01, dom 3): dropped: IPv4 from 192.0.2.1.*protected' "$VG_DAEMON_LOG"
vg_check "the counter saw the whole flood" test "$(engine_counter vif3.0)" -ge 50000
vg_check "daemon alive" daemon_alive
vg_done
