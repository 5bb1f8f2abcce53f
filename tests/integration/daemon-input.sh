#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# vifguardd and bad xenstore input, end to end.  Every malformed backend
# value (bad mac, junk ip, overlong strings, huge lists, non-numeric domid or
# devid directories, missing keys, a vifname that clashes with another vif or
# with the bridge) leaves that vif fail-closed with ONE journal error naming
# the key and the (escaped) value; the daemon keeps running and nothing else
# changes: a good guest keeps passing its traffic and dropping its spoofs.
# A fixed value gets enforced; a bad value on an enforced vif removes its
# rules (fail-closed) until it is fixed.  Control bytes in values and domain
# names never reach the log raw.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

GW=02:00:00:00:0f:01
M3=00:16:3e:00:03:00
M7=00:16:3e:00:07:00
BE=/local/domain/0/backend/vif
# mac DOMID: the (good) mac of that domain's guest, 00:16:3e:00:<domid hex>:00
mac() { printf '00:16:3e:00:%02x:00' "$1"; }

world_create xenbr0
world_add_peer gw "$GW"
world_add_guest vif3.0 "$M3"
world_add_guest guest-web07 "$M7"
world_add_guest guest-31 "$(mac 31)"
world_add_guest web42 "$(mac 42)"
# The guest port each bad vif would have.  A vifname the hotplug script could
# not give (too long, the bridge's, another vif's) leaves netback's name.
BAD_PORTS=(vif10.0 vif11.0 vif12.0 vif13.0 vif14.0 vif15.0 vif16.0 vif17.0 vif18.0
	vif19.0 'guest-a!b' vif21.0 vif24.0 vif25.0 vif26.0 vif27.0 vif28.0 vif29.0)
for p in "${BAD_PORTS[@]}"; do
	d=${p#vif}
	d=${d%.0}
	[ "$p" = 'guest-a!b' ] && d=20
	world_add_guest "$p" "$(mac "$d")"
done
daemon_setup
# custom vifnames are guest ports too: fail-closed while they have no rules
printf 'guest-ports = vif* guest-*\n' >>"$VG_CONF"
export VG_DEADLINE_MS=500

legit3() { world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.254; }
spoof3() { world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.99 daddr=192.0.2.254; }
# port_frame PORT DOMID: the frame a guest configured as 192.0.2.<domid> would send
port_frame() {
	VG_FROM=$1 world_delivered gw eth0 ipv4-udp src="$(mac "$2")" saddr="192.0.2.$2" \
		daddr=192.0.2.254
}

# Without vifguard every frame used below arrives, so each "0" below is a drop.
VG_FROM=vif3.0
vg_expect_eq "unfiltered: vif3.0's spoof arrives" 3 "$(spoof3)"
n=0
for p in "${BAD_PORTS[@]}"; do
	d=${p#vif}
	d=${d%.0}
	[ "$p" = 'guest-a!b' ] && d=20
	[ "$(port_frame "$p" "$d")" = 3 ] && n=$((n + 1))
done
vg_expect_eq "unfiltered: a frame from each of the ${#BAD_PORTS[@]} bad vifs' ports arrives" \
	"${#BAD_PORTS[@]}" "$n"

# The good guests: vif3.0, and dom 7 with a custom vifname.
xenstore-write /local/domain/3/name web03 /local/domain/7/name web07
xs_vif 3 0 mac=$M3 ip=192.0.2.3 bridge=xenbr0 type=vif state=4
xs_vif 7 0 mac=$M7 ip=192.0.2.7 vifname=guest-web07 bridge=xenbr0 type=vif state=4
vg_check "daemon starts" daemon_start
vg_check "vif3.0 enforced" has_vif vif3.0
vg_check "dom 7 (guest-web07) enforced" has_vif vif7.0
VG_FROM=vif3.0
vg_expect_eq "vif3.0: legitimate frame passes" 3 "$(legit3)"
vg_expect_eq "vif3.0: spoof drops" 0 "$(spoof3)"

# The table without its counters, one statement or map element a line,
# sorted (a vif added again lists after the others): "nothing else changes"
# compares this.
shape() {
	world_host nft list table bridge "$VG_TABLE" |
		sed -E 's/packets [0-9]+ bytes [0-9]+//; s/elements = \{//; s/[{},]//g; s/^[[:space:]]+//' |
		sort
}
SHAPE=$(shape)

err_lines() {
	grep -F 'vifguardd[error]' "$VG_DAEMON_LOG" | grep -F -- "$1"
}
err_count() {
	err_lines "$1" | wc -l
}
has_err() {
	[ "$(err_count "$1")" -ge 1 ]
}
# error_names SEL NEEDLE: SEL's error line contains NEEDLE
error_names() {
	err_lines "$1" | grep -F -- "$2" >/dev/null
}
# xs_refused ARGS...: xs_vif ARGS fails, refused by xenstored (not by exec)
xs_refused() {
	local out
	out=$(xs_vif "$@" 2>&1) && return 1
	[[ $out == *"could not write path"* ]]
}
xs_exists() {
	xenstore-read "$1" >/dev/null 2>&1
}
fail_closed_grew() {
	[ "$(engine_counter fail-closed)" -ge $(($1 + 3)) ]
}

# bad_case DESC SEL CHAIN PORT DOMID NEEDLE...: a bad backend was just
# written.  SEL picks its error lines, CHAIN is the vif's chain ("-": none),
# PORT its guest port ("-": none; DOMID gives the frame it sends).
BAD_SELS=()
bad_case() {
	local desc=$1 sel=$2 chain=$3 port=$4 d=$5 needle fc
	shift 5
	BAD_SELS+=("$sel")
	vg_check "$desc: an error is logged" vg_wait_for 5000 has_err "$sel"
	vg_expect_eq "$desc: exactly one error line" 1 "$(err_count "$sel")"
	for needle in "$@"; do
		vg_check "$desc: the error names $needle" error_names "$sel" "$needle"
	done
	vg_check "$desc: the daemon is still running" daemon_alive
	if [ "$chain" != - ]; then
		vg_check "$desc: the error carries INTERFACE=$chain" \
			error_names "$sel" "INTERFACE=$chain XEN_DOMID=$d "
		vg_check "$desc: no chain $chain" vg_not has_vif "$chain"
	fi
	vg_expect_eq "$desc: the table is unchanged" "$SHAPE" "$(shape)"
	if [ "$port" != - ]; then
		fc=$(engine_counter fail-closed)
		vg_expect_eq "$desc: port $port drops a legitimate-looking frame" 0 \
			"$(port_frame "$port" "$d")"
		vg_check "$desc: ... counted as fail-closed" fail_closed_grew "$fc"
	fi
	VG_FROM=vif3.0
	vg_expect_eq "$desc: vif3.0 still passes its traffic" 3 "$(legit3)"
	vg_expect_eq "$desc: vif3.0 still drops its spoof" 0 "$(spoof3)"
}

# --- bad mac ---
xs_vif 10 0 mac=01:00:5e:00:00:0a ip=192.0.2.10 bridge=xenbr0
bad_case "multicast mac" "XEN_DOMID=10 " vif10.0 vif10.0 10 \
	"key 'mac'" "value '01:00:5e:00:00:0a'" "multicast"
xs_vif 11 0 mac=00:00:00:00:00:00 ip=192.0.2.11 bridge=xenbr0
bad_case "all-zero mac" "XEN_DOMID=11 " vif11.0 vif11.0 11 \
	"key 'mac'" "value '00:00:00:00:00:00'" "all-zero"
xs_vif 12 0 "mac=$(mac 12)junk" ip=192.0.2.12 bridge=xenbr0
bad_case "mac with trailing junk" "XEN_DOMID=12 " vif12.0 vif12.0 12 \
	"key 'mac'" "value '$(mac 12)junk'" "is not a MAC address"
xs_vif 13 0 ip=192.0.2.13 bridge=xenbr0
bad_case "no mac key" "XEN_DOMID=13 " vif13.0 vif13.0 13 "key 'mac' is missing"

# --- bad ip ---
xs_vif 14 0 "mac=$(mac 14)" "ip=192.0.2.14 banana" bridge=xenbr0
bad_case "junk in ip" "XEN_DOMID=14 " vif14.0 vif14.0 14 \
	"key 'ip'" "'banana'" "is not an IPv4 or IPv6 address"
xs_vif 15 0 "mac=$(mac 15)" "ip=192.0.2.15,192.0.2.115" bridge=xenbr0
bad_case "ip with commas" "XEN_DOMID=15 " vif15.0 vif15.0 15 \
	"key 'ip'" "value '192.0.2.15,192.0.2.115'" "comma"
xs_vif 16 0 "mac=$(mac 16)" "ip=192.0.2.16 192.0.2.0/8" bridge=xenbr0
bad_case "prefix wider than allowed" "XEN_DOMID=16 " vif16.0 vif16.0 16 \
	"key 'ip'" "'192.0.2.0/8'" "wider than the allowed /24"
xs_vif 17 0 "mac=$(mac 17)" "ip=192.0.2.17 0.0.0.0/0" bridge=xenbr0
bad_case "0.0.0.0/0" "XEN_DOMID=17 " vif17.0 vif17.0 17 \
	"key 'ip'" "'0.0.0.0/0'" "prefix /0"

# A value of 10,000 entries, or of more than 4096 bytes, does not fit in one
# xenstore message (payload <= 4096 bytes with the path): xenstored refuses
# it, so the daemon never sees it.  The longest value that fits is the worst
# a backend can write.
huge=$(for i in $(seq 0 9999); do printf '192.0.2.%d ' $((i % 254 + 1)); done)
vg_check "10,000-entry ip value: xenstored refuses it" \
	xs_refused 18 0 "mac=$(mac 18)" "ip=$huge" bridge=xenbr0
vg_check "... and nothing of it is stored" vg_not xs_exists $BE/18
list=$(for i in $(seq 1 254); do printf '192.0.2.%d ' "$i"; done)
list="$list$(for i in $(seq 1 254); do printf '198.51.100.%d ' "$i"; done)"
list=${list:0:4000}
list=${list% *}
vg_log "ip list: ${#list} bytes, $(wc -w <<<"$list") entries"
vg_check "ip value of 4000 bytes ($(wc -w <<<"$list") entries): written" \
	xs_vif 18 0 "mac=$(mac 18)" "ip=$list" bridge=xenbr0
bad_case "ip with hundreds of entries" "XEN_DOMID=18 " vif18.0 vif18.0 18 \
	"key 'ip'" "value '192.0.2.1 192.0.2.2 192.0.2.3" "more than 64 entries"
long=$(head -c 5000 /dev/zero | tr '\0' 7)
vg_check "ip value of 5000 bytes: xenstored refuses it" \
	xs_refused 21 0 "mac=$(mac 21)" "ip=$long" bridge=xenbr0
vg_check "... and nothing of it is stored" vg_not xs_exists $BE/21
xs_vif 21 0 "mac=$(mac 21)" "ip=192.0.2.21 ${long:0:4000}" bridge=xenbr0
bad_case "a 4000-byte ip entry" "XEN_DOMID=21 " vif21.0 vif21.0 21 \
	"key 'ip'" "entry '7777777777" "7...'" "is not an IPv4 or IPv6 address"
vg_check "a 4000-byte ip entry: the error line stays short" \
	bash -c "[ \$(grep -F 'XEN_DOMID=21 ' '$VG_DAEMON_LOG' | wc -L) -lt 400 ]"

# --- bad vifname ---
xs_vif 19 0 "mac=$(mac 19)" ip=192.0.2.19 vifname=guest-0123456789 bridge=xenbr0
bad_case "vifname of 16 characters" "XEN_DOMID=19 " vif19.0 vif19.0 19 \
	"key 'vifname'" "value 'guest-0123456789'" "longer than 15 bytes"
xs_vif 20 0 "mac=$(mac 20)" ip=192.0.2.20 'vifname=guest-a!b' bridge=xenbr0
bad_case "vifname with a bad character" "XEN_DOMID=20 " vif20.0 'guest-a!b' 20 \
	"key 'vifname'" "value 'guest-a!b'" "contains a character other than"
xs_vif 25 0 "mac=$(mac 25)" ip=192.0.2.25 vifname=xenbr0 bridge=xenbr0
bad_case "vifname of the bridge" "XEN_DOMID=25 " vif25.0 vif25.0 25 \
	"key 'vifname'" "value 'xenbr0'" "host interface"
vg_check "vifname of the bridge: no rules on xenbr0" map_lacks '"xenbr0"'
xs_vif 26 0 "mac=$(mac 26)" ip=192.0.2.26 vifname=vif3.0 bridge=xenbr0
bad_case "vifname of another vif's port (vif3.0)" "XEN_DOMID=26 " vif26.0 vif26.0 26 \
	"key 'vifname'" "value 'vif3.0'" "is another device's netback name"
VG_FROM=vif3.0
vg_expect_eq "vif3.0 does not get dom 26's allowances" 0 \
	"$(world_delivered gw eth0 ipv4-udp src="$(mac 26)" saddr=192.0.2.26 daddr=192.0.2.254)"
xs_vif 27 0 "mac=$(mac 27)" ip=192.0.2.27 vifname=guest-web07 bridge=xenbr0
bad_case "vifname of another vif's custom name" "XEN_DOMID=27 " vif27.0 vif27.0 27 \
	"key 'vifname'" "value 'guest-web07'" "already the port of vif7.0"
VG_FROM=guest-web07
vg_expect_eq "guest-web07 still passes dom 7's traffic" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M7 saddr=192.0.2.7 daddr=192.0.2.254)"
vg_expect_eq "guest-web07 does not get dom 27's allowances" 0 \
	"$(world_delivered gw eth0 ipv4-udp src="$(mac 27)" saddr=192.0.2.27 daddr=192.0.2.254)"
# The uplink holds one of the host's addresses here: a host interface, as
# a physical NIC, a bond or a VLAN would be (sysfs tells those).
world_host ip addr add 198.51.100.1/32 dev gw
xs_vif 41 0 "mac=$(mac 41)" ip=192.0.2.41 vifname=gw bridge=xenbr0
bad_case "vifname of the uplink (a host interface)" "XEN_DOMID=41 " vif41.0 - 41 \
	"key 'vifname'" "value 'gw'" "is a host interface"
vg_check "vifname of the uplink: no rules on gw" map_lacks '"gw"'
VG_FROM=gw
vg_expect_eq "the uplink still reaches the guests" 3 \
	"$(world_delivered vif3.0 eth0 ipv4-udp src=$GW saddr=192.0.2.254 daddr=192.0.2.3)"

# --- a custom vifname outside guest-ports is enforced all the same ---
xs_vif 42 0 "mac=$(mac 42)" ip=192.0.2.42 vifname=web42 bridge=xenbr0
vg_check "custom vifname web42 (not in guest-ports): enforced" vg_wait_for 5000 has_vif vif42.0
vg_expect_eq "web42: its legitimate frame passes" 3 "$(port_frame web42 42)"
vg_expect_eq "web42: a spoof drops" 0 \
	"$(VG_FROM=web42 world_delivered gw eth0 ipv4-udp src="$(mac 42)" saddr=192.0.2.3 daddr=192.0.2.254)"
vg_expect_eq "web42: no error" 0 "$(err_count "XEN_DOMID=42 ")"
xenstore-rm $BE/42
vg_check "web42 removed" vg_wait_for 5000 vg_not has_vif vif42.0
SHAPE=$(shape)

# --- bad type ---
xs_vif 24 0 "mac=$(mac 24)" ip=192.0.2.24 type=junk bridge=xenbr0
bad_case "type=junk" "XEN_DOMID=24 " vif24.0 vif24.0 24 \
	"key 'type'" "value 'junk'" "is not a vif type"

# --- bad directory names ---
xenstore-write $BE/abc/0/mac "$(mac 22)" $BE/abc/0/ip 192.0.2.22
bad_case "non-numeric domid directory" "'abc'" - - - \
	"key 'domid'" "is not a decimal number"
xenstore-write $BE/9/x/mac "$(mac 9)" $BE/9/x/ip 192.0.2.9
bad_case "non-numeric devid directory" "'x'" - - - \
	"key 'devid'" "is not a decimal number"

# --- control bytes: escaped in the log, never raw ---
xenstore-write /local/domain/28/name $'evil\nname\e[0m'
xs_vif 28 0 "mac=$(mac 28)" ip=192.0.2.28 $'vifname=g\e[31m\nvifguardd[error]: forged' \
	bridge=xenbr0
bad_case "vifname with ESC and newline" "XEN_DOMID=28 " vif28.0 vif28.0 28 \
	"key 'vifname'" "value 'g\\x1b[31m\\x0avifguardd[error]: forged'" \
	"XEN_DOMAIN_NAME=evil?name?[0m"
xs_vif 29 0 "mac=$(mac 29)" $'ip=192.0.2.29\n\tvifguardd[error]: forged\r' bridge=xenbr0
bad_case "ip with newline, tab and CR" "XEN_DOMID=29 " vif29.0 vif29.0 29 \
	"key 'ip'" "'192.0.2.29\\x0a'"

# --- a bad vif fixed: enforced, its error not repeated ---
xs_vif 10 0 "mac=$(mac 10)"
vg_check "fixed mac: vif10.0 gets enforced" vg_wait_for 5000 has_vif vif10.0
vg_check "fixed mac: the enforced entry is logged" \
	grep -qF "enforced: mac $(mac 10), addresses 192.0.2.10 {MESSAGE_ID=8ea97c304aad412f86330343180baf00 INTERFACE=vif10.0" \
	"$VG_DAEMON_LOG"
VG_FROM=vif10.0
vg_expect_eq "fixed mac: legitimate frame passes" 3 "$(port_frame vif10.0 10)"
vg_expect_eq "fixed mac: spoof drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src="$(mac 10)" saddr=192.0.2.3 daddr=192.0.2.254)"
vg_expect_eq "fixed mac: its error is not repeated" 1 "$(err_count "XEN_DOMID=10 ")"
SHAPE=$(shape)

# --- a bad value on an enforced vif: its rules go, fail-closed, until fixed ---
n_removed=$(grep -cF 'removed: rules deleted {MESSAGE_ID=9b4999db09c84e98b4c440008863b41e INTERFACE=vif3.0' "$VG_DAEMON_LOG")
xs_vif 3 0 mac=01:00:5e:00:00:03
vg_check "enforced vif3.0 gets a multicast mac: its chain goes" \
	vg_wait_for 5000 vg_not has_vif vif3.0
vg_check "... an error is logged" vg_wait_for 5000 has_err "XEN_DOMID=3 "
vg_expect_eq "... exactly one error line" 1 "$(err_count "XEN_DOMID=3 ")"
vg_check "... naming key and value" error_names "XEN_DOMID=3 " \
	"key 'mac': value '01:00:5e:00:00:03' is a multicast address"
vg_check "... with INTERFACE=vif3.0" error_names "XEN_DOMID=3 " "INTERFACE=vif3.0 XEN_DOMID=3 "
vg_expect_eq "... its removal is logged once" $((n_removed + 1)) \
	"$(grep -cF 'removed: rules deleted {MESSAGE_ID=9b4999db09c84e98b4c440008863b41e INTERFACE=vif3.0' "$VG_DAEMON_LOG")"
vg_check "... nothing of it left in the map" map_lacks '"vif3.0"'
fc=$(engine_counter fail-closed)
VG_FROM=vif3.0
vg_expect_eq "... vif3.0 drops its formerly legitimate frame" 0 "$(legit3)"
vg_check "... counted as fail-closed" fail_closed_grew "$fc"
vg_check "... the daemon is still running" daemon_alive
vg_check "... guest-web07 keeps its rules" map_has '"guest-web07" : "vif7.0"'
vg_check "... vif10.0 keeps its rules" map_has '"vif10.0" : "vif10.0"'
VG_FROM=guest-web07
vg_expect_eq "... guest-web07 still passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M7 saddr=192.0.2.7 daddr=192.0.2.254)"
xs_vif 3 0 mac=$M3
vg_check "vif3.0 fixed again: enforced" vg_wait_for 5000 has_vif vif3.0
VG_FROM=vif3.0
vg_expect_eq "vif3.0 fixed again: legitimate frame passes" 3 "$(legit3)"
vg_expect_eq "vif3.0 fixed again: spoof drops" 0 "$(spoof3)"
vg_expect_eq "vif3.0 fixed again: the table is as before" "$SHAPE" "$(shape)"
vg_expect_eq "vif3.0 fixed again: its error is not repeated" 1 "$(err_count "XEN_DOMID=3 ")"

# A new domain makes the daemon rescan everything: no error is repeated.
xs_vif 30 0 "mac=$(mac 30)" ip=192.0.2.30 bridge=xenbr0
vg_check "a new good vif after all that: enforced" vg_wait_for 5000 has_vif vif30.0
sleep 0.2
n=0
for sel in "${BAD_SELS[@]}"; do
	[ "$(err_count "$sel")" = 1 ] || {
		vg_log "error lines for '$sel': $(err_count "$sel")"
		n=$((n + 1))
	}
done
vg_expect_eq "after a rescan: still one error line per bad vif (${#BAD_SELS[@]})" 0 "$n"
vg_expect_eq "no other error lines" $((${#BAD_SELS[@]} + 1)) \
	"$(grep -cF 'vifguardd[error]' "$VG_DAEMON_LOG")"

# The log: one entry per line, no raw control bytes, nothing forged.
vg_expect_eq "log: every line is a vifguardd entry" 0 "$(grep -cv '^vifguardd\[' "$VG_DAEMON_LOG")"
vg_expect_eq "log: no raw control or non-ASCII bytes" 0 \
	"$(tr -d '\n' <"$VG_DAEMON_LOG" | LC_ALL=C tr -d '[:print:]' | wc -c)"
vg_expect_eq "log: no forged entry" 0 "$(grep -c '^vifguardd\[error\]: forged' "$VG_DAEMON_LOG")"

# A vif waiting for a port name gets it once the holder goes: dom 27 asked
# for guest-web07, which dom 7 holds.
xs_rm /local/domain/0/backend/vif/7
vg_check "holder of guest-web07 gone: dom 27 takes the name" vg_wait_for 5000 has_vif vif27.0
VG_FROM=guest-web07
vg_expect_eq "guest-web07 now passes dom 27's traffic" 3 \
	"$(world_delivered gw eth0 ipv4-udp src="$(mac 27)" saddr=192.0.2.27 daddr=192.0.2.254)"
vg_expect_eq "guest-web07 no longer passes dom 7's" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M7 saddr=192.0.2.7 daddr=192.0.2.254)"

# The other way round: a vif known earlier asks for the name a later vif
# holds.  The earlier one wins, and the later one, which did not change at
# all, loses its port (the daemon must look at it although it was not re-read).
xs_vif 31 0 "mac=$(mac 31)" ip=192.0.2.31 vifname=guest-31 bridge=xenbr0
vg_check "dom 31 enforced as guest-31" vg_wait_for 5000 has_vif vif31.0
xs_vif 30 0 "mac=$(mac 30)" ip=192.0.2.30 vifname=guest-31 bridge=xenbr0
vg_check "dom 30 (known earlier) takes guest-31: dom 31 is refused" \
	vg_wait_for 5000 error_names "XEN_DOMID=31 " "already the port of vif30.0"
vg_check "... dom 31's rules are gone" vg_wait_for 5000 vg_not has_vif vif31.0
vg_check "... dom 30 is enforced" has_vif vif30.0
VG_FROM=guest-31
vg_expect_eq "guest-31 passes dom 30's traffic" 3 \
	"$(world_delivered gw eth0 ipv4-udp src="$(mac 30)" saddr=192.0.2.30 daddr=192.0.2.254)"
vg_expect_eq "guest-31 no longer passes dom 31's" 0 \
	"$(world_delivered gw eth0 ipv4-udp src="$(mac 31)" saddr=192.0.2.31 daddr=192.0.2.254)"

vg_check "SIGTERM: clean exit (status 0)" daemon_stop
vg_done
