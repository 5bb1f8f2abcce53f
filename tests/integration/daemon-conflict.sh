#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vifguardd and addresses claimed twice, end to end.  An address configured
# on vifs of two domains with different macs stays with the first owner; the
# newcomer has it withheld (a warning names both domains) and gets it when
# the owner goes away.  Prefixes overlap like addresses.  The two halves of a
# local live migration (<name>--incoming next to <name>, same mac) share; a
# different mac or a different name does not.  Two vifs of one domain share.
# Protected addresses from the config and the addresses of the guests' bridge
# are never granted.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

GW=02:00:00:00:0f:01
M3=00:16:3e:00:03:00  # web01
M5=00:16:3e:00:05:00  # db01
M11=00:16:3e:00:0b:00 # net11, a /28
M12=00:16:3e:00:0c:00 # net12
MA=00:16:3e:00:aa:00  # app and app--incoming
MB=00:16:3e:00:bb:00  # app--incoming with another mac
M13=00:16:3e:00:0d:00 # claims protected addresses
M14=00:16:3e:00:0e:00 # claims the bridge's addresses
M15=00:16:3e:00:0f:00 # dom 15, devid 0
M15B=00:16:3e:00:0f:01 # dom 15, devid 1
M16=00:16:3e:00:10:00 # not a migration: same mac as app, another name
BE=/local/domain/0/backend/vif
DST=192.0.2.200
MSGID_CONFLICT=8425c5c7fcaa47eaa76042af3c3af891

world_create xenbr0
# the host's own address on the guests' bridge: never a guest's
world_bridge_addr 192.0.2.254/24 2001:db8::fe/64
world_add_peer gw "$GW"
world_add_guest vif3.0 "$M3"
world_add_guest vif5.0 "$M5"
world_add_guest vif11.0 "$M11"
world_add_guest vif12.0 "$M12"
world_add_guest vif7.0 "$MA"
world_add_guest vif8.0 "$MA"
world_add_guest vif16.0 "$MA"
world_add_guest vif13.0 "$M13"
world_add_guest vif14.0 "$M14"
world_add_guest vif15.0 "$M15"
world_add_guest vif15.1 "$M15B"
daemon_setup
printf '[protect]\naddresses = 192.0.2.1 203.0.113.0/24\n' >>"$VG_CONF"
export VG_DEADLINE_MS=500

# Every frame used below: "PORT|KIND key=value...".
declare -A F=(
	[web01.10]="vif3.0|ipv4-udp src=$M3 saddr=192.0.2.10 daddr=$DST"
	[db01.10]="vif5.0|ipv4-udp src=$M5 saddr=192.0.2.10 daddr=$DST"
	[db01.20]="vif5.0|ipv4-udp src=$M5 saddr=192.0.2.20 daddr=$DST"
	[db01.arp10]="vif5.0|arp-reply src=$M5 spa=192.0.2.10 tha=$GW tpa=$DST"
	[db01.arp20]="vif5.0|arp-reply src=$M5 spa=192.0.2.20 tha=$GW tpa=$DST"
	[web01.arp10]="vif3.0|arp-reply src=$M3 spa=192.0.2.10 tha=$GW tpa=$DST"
	[net11.5]="vif11.0|ipv4-udp src=$M11 saddr=198.51.100.5 daddr=$DST"
	[net12.5]="vif12.0|ipv4-udp src=$M12 saddr=198.51.100.5 daddr=$DST"
	[net12.20]="vif12.0|ipv4-udp src=$M12 saddr=198.51.100.20 daddr=$DST"
	[app.70]="vif7.0|ipv4-udp src=$MA saddr=198.51.100.70 daddr=$DST"
	[incoming.70]="vif8.0|ipv4-udp src=$MA saddr=198.51.100.70 daddr=$DST"
	[incomingB.70]="vif8.0|ipv4-udp src=$MB saddr=198.51.100.70 daddr=$DST"
	[other.70]="vif16.0|ipv4-udp src=$MA saddr=198.51.100.70 daddr=$DST"
	[p13.1]="vif13.0|ipv4-udp src=$M13 saddr=192.0.2.1 daddr=$DST"
	[p13.arp1]="vif13.0|arp-reply src=$M13 spa=192.0.2.1 tha=$GW tpa=$DST"
	[p13.203]="vif13.0|ipv4-udp src=$M13 saddr=203.0.113.7 daddr=$DST"
	[p13.40]="vif13.0|ipv4-udp src=$M13 saddr=192.0.2.40 daddr=$DST"
	[br14.254]="vif14.0|ipv4-udp src=$M14 saddr=192.0.2.254 daddr=$DST"
	[br14.arp254]="vif14.0|arp-reply src=$M14 spa=192.0.2.254 tha=$GW tpa=$DST"
	[br14.fe]="vif14.0|ipv6-udp src=$M14 saddr=2001:db8::fe daddr=2001:db8::1"
	[br14.41]="vif14.0|ipv4-udp src=$M14 saddr=192.0.2.41 daddr=$DST"
	[d15.50]="vif15.0|ipv4-udp src=$M15 saddr=192.0.2.50 daddr=$DST"
	[d15b.50]="vif15.1|ipv4-udp src=$M15B saddr=192.0.2.50 daddr=$DST"
)
# sent NAME: how many of 3 copies of frame NAME reach the gateway
sent() {
	local f=${F[$1]}
	# shellcheck disable=SC2086 # the key=value list splits on purpose
	VG_FROM=${f%%|*} world_delivered gw eth0 ${f#*|}
}
passes() { vg_expect_eq "$1: $2 passes" 3 "$(sent "$2")"; }
drops() { vg_expect_eq "$1: $2 drops" 0 "$(sent "$2")"; }

# Without vifguard every one of them arrives, so each "drops" below can fail.
n=0
for f in "${!F[@]}"; do
	if [ "$(sent "$f")" = 3 ]; then n=$((n + 1)); else vg_log "unfiltered: $f did not arrive"; fi
done
vg_expect_eq "unfiltered: all ${#F[@]} frames arrive" "${#F[@]}" "$n"

# set_has VIF ADDR: the kernel lets the vif (vif<domid>.<devid>) use ADDR
# (an address or NET/LEN); set_lacks: our table is there and does not.
set_has() {
	local l
	l=$(vif_addrs "$1") || return 1
	grep -qxF -- "$2" <<<"$l"
}
set_lacks() {
	local l
	has_table || return 1
	l=$(vif_addrs "$1") || return 1
	! grep -qxF -- "$2" <<<"$l"
}
has_table() { world_host nft list table bridge "$VG_TABLE" >/dev/null 2>&1; }
# warn_lines DOMID ADDRESS: the conflict warnings about that vif and address
warn_lines() {
	grep -F 'vifguardd[warning]' "$VG_DAEMON_LOG" |
		grep -F "MESSAGE_ID=$MSGID_CONFLICT INTERFACE=vif$1" |
		grep -F "XEN_DOMID=$1 " | grep -F "ADDRESS=$2}"
}
warn_count() { warn_lines "$1" "$2" | wc -l; }
warned() { [ "$(warn_count "$1" "$2")" -ge 1 ]; }
warn_has() { warn_lines "$1" "$2" | grep -F -- "$3" >/dev/null; }

xenstore-write /local/domain/3/name web01 /local/domain/5/name db01 \
	/local/domain/11/name net11 /local/domain/12/name net12 \
	/local/domain/7/name app /local/domain/8/name app--incoming \
	/local/domain/16/name other /local/domain/13/name greedy \
	/local/domain/14/name bridgey /local/domain/15/name twonics
xs_vif 3 0 mac=$M3 ip=192.0.2.10 bridge=xenbr0 type=vif
vg_check "daemon starts" daemon_start
vg_check "web01 enforced with 192.0.2.10" set_has vif3.0 192.0.2.10

# --- (a) a second domain claims web01's address ---
xs_vif 5 0 mac=$M5 "ip=192.0.2.10 192.0.2.20" bridge=xenbr0
vg_check "(a) db01 enforced" vg_wait_for 5000 set_has vif5.0 192.0.2.20
vg_check "(a) db01 does not get 192.0.2.10" set_lacks vif5.0 192.0.2.10
passes "(a) db01" db01.20
drops "(a) db01" db01.10
passes "(a) db01" db01.arp20
drops "(a) db01" db01.arp10
passes "(a) web01 keeps it" web01.10
passes "(a) web01 keeps it" web01.arp10
vg_check "(a) a conflict warning for db01 and 192.0.2.10" vg_wait_for 3000 warned 5 192.0.2.10
vg_expect_eq "(a) exactly one" 1 "$(warn_count 5 192.0.2.10)"
vg_check "(a) it says withheld" warn_has 5 192.0.2.10 "address 192.0.2.10 withheld"
vg_check "(a) it names the newcomer db01" warn_has 5 192.0.2.10 "XEN_DOMAIN_NAME=db01"
vg_check "(a) it names the owner web01 (vif3.0, dom 3)" warn_has 5 192.0.2.10 \
	"it belongs to vif3.0 (web01, dom 3)"
vg_expect_eq "(a) no warning about web01" 0 "$(warn_count 3 192.0.2.10)"
vg_expect_eq "(a) no warning about 192.0.2.20" 0 "$(warn_count 5 192.0.2.20)"

# The owner goes away: the waiting vif gets the address.
xs_rm $BE/3
vg_check "(a) web01 removed: db01 gets 192.0.2.10" vg_wait_for 5000 set_has vif5.0 192.0.2.10
vg_check "(a) web01's chain is gone" vg_not has_vif vif3.0
passes "(a) owner gone" db01.10
passes "(a) owner gone" db01.arp10
passes "(a) owner gone" db01.20
drops "(a) owner gone, web01's port fail-closed" web01.10
# web01 comes back: now it is the newcomer.
xs_vif 3 0 mac=$M3 ip=192.0.2.10 bridge=xenbr0 type=vif
vg_check "(a) web01 back: enforced" vg_wait_for 5000 has_vif vif3.0
vg_check "(a) web01 back: the warning names db01 as the owner" vg_wait_for 3000 warned 3 192.0.2.10
vg_check "(a) ... it belongs to vif5.0 (db01, dom 5)" warn_has 3 192.0.2.10 \
	"it belongs to vif5.0 (db01, dom 5)"
drops "(a) web01 back, without it" web01.10
passes "(a) db01 keeps it" db01.10

# --- (b) a prefix first, an address inside it later ---
xs_vif 11 0 mac=$M11 ip=198.51.100.0/28 bridge=xenbr0
vg_check "(b) net11 enforced with 198.51.100.0/28" \
	vg_wait_for 5000 set_has vif11.0 198.51.100.0/28
xs_vif 12 0 mac=$M12 "ip=198.51.100.5 198.51.100.20" bridge=xenbr0
vg_check "(b) net12 enforced" vg_wait_for 5000 set_has vif12.0 198.51.100.20
vg_check "(b) net12 does not get 198.51.100.5" set_lacks vif12.0 198.51.100.5
drops "(b) net12" net12.5
passes "(b) net12" net12.20
passes "(b) net11 keeps its /28" net11.5
vg_check "(b) warning: withheld, inside net11's prefix" vg_wait_for 3000 warn_has 12 198.51.100.5 \
	"address 198.51.100.5 withheld: it belongs to vif11.0 (net11, dom 11)"
vg_expect_eq "(b) exactly one" 1 "$(warn_count 12 198.51.100.5)"

# --- (c) local live migration: <name> and <name>--incoming, same mac ---
xs_vif 7 0 mac=$MA ip=198.51.100.70 bridge=xenbr0
vg_check "(c) app enforced" vg_wait_for 5000 set_has vif7.0 198.51.100.70
xs_vif 8 0 mac=$MA ip=198.51.100.70 bridge=xenbr0
vg_check "(c) app--incoming enforced" vg_wait_for 5000 has_vif vif8.0
vg_check "(c) app--incoming also gets 198.51.100.70" set_has vif8.0 198.51.100.70
passes "(c) migration" app.70
passes "(c) migration" incoming.70
vg_expect_eq "(c) migration: no warning" 0 "$(warn_count 8 198.51.100.70)"
# the same mac and address under a name that is not the same guest: conflict
xs_vif 16 0 mac=$MA ip=198.51.100.70 bridge=xenbr0
vg_check "(c) 'other' with app's mac enforced" vg_wait_for 5000 has_vif vif16.0
vg_check "(c) 'other' does not get 198.51.100.70" set_lacks vif16.0 198.51.100.70
drops "(c) another name, same mac" other.70
vg_check "(c) another name: warned" vg_wait_for 3000 warn_has 16 198.51.100.70 \
	"it belongs to vif7.0 (app, dom 7)"
# the incoming half with another mac: not a migration, a conflict
xs_vif 8 0 mac=$MB
vg_check "(c) app--incoming with another mac: 198.51.100.70 withheld" \
	vg_wait_for 5000 set_lacks vif8.0 198.51.100.70
drops "(c) another mac" incomingB.70
passes "(c) another mac, app keeps it" app.70
vg_check "(c) another mac: warned, naming app" vg_wait_for 3000 warn_has 8 198.51.100.70 \
	"it belongs to vif7.0 (app, dom 7)"
vg_expect_eq "(c) exactly one" 1 "$(warn_count 8 198.51.100.70)"

# --- (d) protected addresses from the config ---
xs_vif 13 0 mac=$M13 "ip=192.0.2.1 203.0.113.7 192.0.2.40" bridge=xenbr0
vg_check "(d) enforced with 192.0.2.40" vg_wait_for 5000 set_has vif13.0 192.0.2.40
vg_check "(d) not 192.0.2.1" set_lacks vif13.0 192.0.2.1
vg_check "(d) not 203.0.113.7" set_lacks vif13.0 203.0.113.7
passes "(d)" p13.40
drops "(d) protected" p13.1
drops "(d) protected" p13.arp1
drops "(d) protected prefix" p13.203
vg_check "(d) warning for 192.0.2.1" vg_wait_for 3000 warn_has 13 192.0.2.1 \
	"address 192.0.2.1 withheld: protected (192.0.2.1)"
vg_check "(d) warning for 203.0.113.7, naming the protected prefix" \
	warn_has 13 203.0.113.7 "address 203.0.113.7 withheld: protected (203.0.113.0/24)"
vg_expect_eq "(d) one warning each" "1 1" \
	"$(warn_count 13 192.0.2.1) $(warn_count 13 203.0.113.7)"
vg_expect_eq "(d) none for the granted one" 0 "$(warn_count 13 192.0.2.40)"

# --- (e) the addresses of the guests' bridge ---
xs_vif 14 0 mac=$M14 "ip=192.0.2.254 2001:db8::fe 192.0.2.41" bridge=xenbr0
vg_check "(e) enforced with 192.0.2.41" vg_wait_for 5000 set_has vif14.0 192.0.2.41
vg_check "(e) not the bridge's 192.0.2.254" set_lacks vif14.0 192.0.2.254
vg_check "(e) not the bridge's 2001:db8::fe" set_lacks vif14.0 2001:db8::fe
passes "(e)" br14.41
drops "(e) the bridge's address" br14.254
drops "(e) the bridge's address" br14.arp254
drops "(e) the bridge's IPv6 address" br14.fe
vg_check "(e) warning for 192.0.2.254" vg_wait_for 3000 warn_has 14 192.0.2.254 \
	"address 192.0.2.254 withheld: protected (192.0.2.254)"
vg_check "(e) warning for 2001:db8::fe" warn_has 14 2001:db8::fe \
	"address 2001:db8::fe withheld: protected (2001:db8::fe)"
# an address the bridge gets later is withheld at once, without any
# xenstore event (rtnetlink tells the daemon), and comes back when it goes
world_bridge_addr 192.0.2.41/24
vg_check "(e) bridge takes 192.0.2.41 later: withheld" vg_wait_for 3000 set_lacks vif14.0 192.0.2.41
drops "(e) the bridge's new address" br14.41
vg_check "(e) warning for 192.0.2.41" warn_has 14 192.0.2.41 \
	"address 192.0.2.41 withheld: protected (192.0.2.41)"
world_host ip addr del 192.0.2.41/24 dev "$VG_WORLD_BRIDGE"
vg_check "(e) bridge gives 192.0.2.41 up: granted again" vg_wait_for 3000 set_has vif14.0 192.0.2.41
passes "(e) again" br14.41

# --- (f) one domain, two vifs, one address: not a conflict ---
xs_vif 15 0 mac=$M15 ip=192.0.2.50 bridge=xenbr0
xs_vif 15 1 mac=$M15B ip=192.0.2.50 bridge=xenbr0
vg_check "(f) vif15.0 enforced with 192.0.2.50" vg_wait_for 5000 set_has vif15.0 192.0.2.50
vg_check "(f) vif15.1 enforced with 192.0.2.50" vg_wait_for 5000 set_has vif15.1 192.0.2.50
passes "(f) same domain" d15.50
passes "(f) same domain" d15b.50
vg_expect_eq "(f) no warning" 0 "$(grep -c "XEN_DOMID=15 .*ADDRESS=" "$VG_DAEMON_LOG")"

# Nothing repeats: every warning was logged once, however often we reconciled.
xs_rm $BE/16
vg_wait_for 5000 vg_not has_vif vif16.0
dups=$(grep -F "MESSAGE_ID=$MSGID_CONFLICT" "$VG_DAEMON_LOG" | sort | uniq -d | wc -l)
vg_expect_eq "no conflict warning logged twice" 0 "$dups"
vg_expect_eq "conflict warnings: the 10 expected" 10 \
	"$(grep -cF "MESSAGE_ID=$MSGID_CONFLICT" "$VG_DAEMON_LOG")"
vg_check "daemon logged no error" vg_not grep -qF 'vifguardd[error]' "$VG_DAEMON_LOG"
vg_check "SIGTERM: clean exit (status 0)" daemon_stop
vg_done
