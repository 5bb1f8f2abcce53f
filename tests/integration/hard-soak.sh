#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Soak: VG_SOAK_CYCLES (default 10,000) vif add/update/remove cycles through
# xenstore with vifguardd running and guests spoofing the whole time.
#
# A cycle writes a backend (mac, ip, bridge), changes its ip, removes it.
# Cycles run 20 at a time over a pool of 20 domains (dom 100-119), in a
# pipeline of three overlapping batches (devids 0-2): each round adds one
# batch, changes the ip of the one before and removes the one before that,
# one xenstore transaction each, so the daemon sees bursts and reconciles
# several changes per loop iteration.  The addresses collide on purpose
# (conflicts between the pool's domains, and with the stable vif3.0).
#
# Two spoofers run throughout: vif100.0, a port whose vif comes and goes
# all the time, claims vif3.0's address 192.0.2.3 (which the pool also
# claims and never gets), and the stable vif3.0 claims 198.51.100.7, an
# address of the pool.  Observers at the gateway count every copy that
# gets through: 0 at the end.
#
# Afterwards: the kernel's table is exactly the ruleset of the final xenstore
# state (compared statement by statement with --print-ruleset; no vif of the
# pool left but the final batch: no orphaned chain, set, counter or map
# element), the daemon alive, its RSS and open fds flat (logged; RSS at most
# start * 1.5 + 4 MiB, fds equal).
#
# Then a second phase: one vif added, changed and removed 200 times
# (VG_SOAK_RACE_CYCLES), each step applied before the next, while its port
# floods a spoofed frame at ~50,000 frames/s: every transaction meets frames.
#
# Duration on 2 shared CPUs: the 10,000 cycles take 20-30 s (~400 cycles/s,
# logged), the second phase ~20 s; about a minute in all.
# VG_SOAK_CYCLES=1000 for a quick run.
. "$VG_SOURCE_DIR/tests/lib/common.sh"
. "$VG_SOURCE_DIR/tests/lib/world.sh"
. "$VG_SOURCE_DIR/tests/lib/engine.sh"
. "$VG_SOURCE_DIR/tests/lib/xenstored.sh"
. "$VG_SOURCE_DIR/tests/lib/daemon.sh"

vg_require_root
xsd_available || vg_skip "xenstored or its shim not available"

CYCLES=${VG_SOAK_CYCLES:-10000}
POOL=20 # domains 100..119, one vif of each per batch
ROUNDS=$(((CYCLES + POOL - 1) / POOL))
BE=/local/domain/0/backend/vif
M3=00:16:3e:00:03:00
M4=00:16:3e:00:04:00
# pmac DOMID DEVID: the mac of a pool vif
pmac() { printf '00:16:3e:01:%02x:%02x' "$1" "$2"; }

world_create xenbr0
world_add_peer gw 02:00:00:00:0f:01
world_add_guest vif3.0 "$M3"
world_add_guest vif4.0 "$M4"
world_add_guest vif100.0 "$(pmac 100 0)"
world_add_guest vif99.0 "$(pmac 99 0)"
daemon_setup
export VG_DEADLINE_MS=500
vg_on_failure_add 'echo "# --- error lines of the daemon (first 20) ---"; grep -F "vifguardd[error]" "$VG_DAEMON_LOG" | head -n 20 | cut -c1-400 | sed "s/^/# /"'
[ -z "${VG_KEEP_LOG:-}" ] || vg_cleanup_add 'cp "$VG_DAEMON_LOG" "$VG_KEEP_LOG"'

# --- the expected ruleset, as in hard-faults.sh ---
REF_NS="$VG_WORLD-ref"
world_ns_add "$REF_NS"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$VG_DAEMON_PID/status"; }
# the peak: the current RSS swings by 1-2 MB with the bursts (malloc trims
# or not), the peak only grows if something accumulates
hwm_kb() { awk '/^VmHWM:/ { print $2 }' "/proc/$VG_DAEMON_PID/status"; }
n_fds() { ls "/proc/$VG_DAEMON_PID/fd" | wc -l; }

xenstore-write /local/domain/3/name web03 /local/domain/4/name web04
xs_vif 3 0 mac=$M3 ip=192.0.2.3 bridge=xenbr0
xs_vif 4 0 mac=$M4 ip=192.0.2.4 bridge=xenbr0
names=()
for ((d = 100; d < 100 + POOL; d++)); do
	names+=("/local/domain/$d/name" "pool$d")
done
xenstore-write "${names[@]}"
vg_check "daemon started" daemon_start
VG_FROM=vif3.0
vg_expect_eq "vif3.0: legitimate frame passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.200)"
# one warm-up round trip of a pool vif (first allocations), then the baseline
xs_vif 100 0 mac="$(pmac 100 0)" ip=198.51.100.1 bridge=xenbr0
vg_wait_for 10000 has_vif vif100.0
xs_rm $BE/100
vg_wait_for 10000 vg_not has_vif vif100.0
sleep 0.5
RSS0=$(rss_kb)
FDS0=$(n_fds)
vg_log "start: VmRSS ${RSS0} kB, ${FDS0} open fds"

SPOOF_A=(ipv4-udp src="$(pmac 100 0)" saddr=192.0.2.3 daddr=192.0.2.1)
SPOOF_B=(ipv4-udp "src=$M3" saddr=198.51.100.7 daddr=192.0.2.1)
world_observe_start spoofa gw eth0 3600000 "${SPOOF_A[@]}"
world_observe_start spoofb gw eth0 3600000 "${SPOOF_B[@]}"
world_bg vif100.0 "$VG_FRAME" send -i eth0 -n 10000000 -g 2000 "${SPOOF_A[@]}"
spoofer_a=${VG_WORLD_PIDS[-1]}
world_bg vif3.0 "$VG_FRAME" send -i eth0 -n 10000000 -g 2000 "${SPOOF_B[@]}"
spoofer_b=${VG_WORLD_PIDS[-1]}

# ip_of ROUND DOMID: the first address a pool vif gets (60 vifs alive at a
# time share 40 addresses, and every 11th claims 192.0.2.3: conflicts);
# dom 119's also has an address of its own round, which tells that the
# daemon has got that far
ip_of() {
	if [ $((($1 + $2) % 11)) -eq 0 ]; then
		printf '192.0.2.3 198.51.100.%d' $((($1 * 7 + $2) % 40 + 1))
	else
		printf '198.51.100.%d' $((($1 * 7 + $2) % 40 + 1))
	fi
	[ "$2" != 119 ] || printf ' 2001:db8:1::%x' "$1"
}
add_batch() { # ROUND
	local r=$1 v=$(($1 % 3)) d args=()
	for ((d = 100; d < 100 + POOL; d++)); do
		args+=("$BE/$d/$v/mac" "$(pmac $d $v)" "$BE/$d/$v/ip" "$(ip_of "$r" $d)"
			"$BE/$d/$v/bridge" xenbr0 "$BE/$d/$v/type" vif)
	done
	xenstore-write "${args[@]}"
}
update_batch() { # ROUND [final]: the final update gives every vif its own address
	local r=$1 v=$(($1 % 3)) d args=()
	for ((d = 100; d < 100 + POOL; d++)); do
		if [ "${2:-}" = final ]; then
			args+=("$BE/$d/$v/ip" "203.0.113.$((d - 99)) 2001:db8::$d")
		else
			args+=("$BE/$d/$v/ip" "203.0.113.$((($r * 3 + $d) % 40 + 1)) 2001:db8::$d")
		fi
	done
	xenstore-write "${args[@]}"
}
remove_batch() { # ROUND
	local v=$(($1 % 3)) d args=()
	for ((d = 100; d < 100 + POOL; d++)); do
		args+=("$BE/$d/$v")
	done
	xenstore-rm "${args[@]}"
}

vg_log "soak: $CYCLES cycles in $ROUNDS rounds of $POOL"
t0=$(date +%s%N)
ok=1
for ((r = 0; r < ROUNDS + 2; r++)); do
	if [ "$r" -lt "$ROUNDS" ]; then
		add_batch "$r" || ok=0
	fi
	if [ "$r" -ge 1 ] && [ "$r" -le "$ROUNDS" ]; then
		if [ "$r" -eq "$ROUNDS" ]; then
			update_batch $((r - 1)) final || ok=0
		else
			update_batch $((r - 1)) || ok=0
		fi
	fi
	# the last batch stays: the final state has vifs of the pool
	if [ "$r" -ge 2 ] && [ $((r - 2)) -lt $((ROUNDS - 1)) ]; then
		remove_batch $((r - 2)) || ok=0
	fi
	[ "$ok" = 1 ] || break
	# every 25 rounds, let the daemon catch up (bounded): it must not fall
	# behind without limit, and it gets to see the intermediate states
	if [ $((r % 25)) -eq 24 ]; then
		vg_wait_for 60000 vif_allows "vif119.$((r % 3))" "2001:db8:1::$(printf %x "$r")" ||
			ok=0
		# the peak RSS once 30% of the cycles are done (it levels off
		# after ~3,000): the rest must not add to it (from 3,000 to
		# 30,000 cycles it grew by 60 kB)
		[ -n "${HWM_MID:-}" ] || [ "$r" -lt $((ROUNDS * 3 / 10)) ] || HWM_MID=$(hwm_kb)
	fi
done
vg_check "all $CYCLES cycles written to xenstore" test "$ok" = 1
t1=$(date +%s%N)
vg_check "the daemon settles on the final state (exactly what xenstore gives)" \
	vg_wait_for 60000 ruleset_matches
t2=$(date +%s%N)
ms_write=$(((t1 - t0) / 1000000))
ms_settle=$(((t2 - t1) / 1000000))
vg_log "soak: $CYCLES cycles written in $ms_write ms ($((CYCLES * 1000 / (ms_write + 1))) cycles/s), settled $ms_settle ms later"
vg_log "soak: the daemon applied $(grep -c 'enforced: mac' "$VG_DAEMON_LOG") vif rule sets and deleted $(grep -c 'removed: rules deleted' "$VG_DAEMON_LOG"), withheld $(grep -c 'withheld: it belongs to' "$VG_DAEMON_LOG") conflicting addresses"

kill "$spoofer_a" "$spoofer_b" 2>/dev/null
wait "$spoofer_a" "$spoofer_b" 2>/dev/null
kill -INT "$VG_OBS_PID_spoofa" "$VG_OBS_PID_spoofb" 2>/dev/null
vg_expect_eq "vif100.0 (churned) claiming vif3.0's address: 0 frames delivered" 0 \
	"$(world_observe_wait spoofa)"
vg_expect_eq "vif3.0 claiming a pool address: 0 frames delivered" 0 "$(world_observe_wait spoofb)"

vg_check "daemon alive" daemon_alive
last=$(((ROUNDS - 1) % 3))
listing=$(world_host nft list table bridge "$VG_TABLE")
# counters, limits and elements of the pool: only the final batch's
orphans=$(grep -oE '(counter|limit) vif1[01][0-9]\.[0-9]+' <<<"$listing" |
	grep -vE "vif1[01][0-9]\.$last\$" | sort -u | wc -l)
vg_expect_eq "no orphaned counter or limit of the pool" 0 "$orphans"
vg_expect_eq "the final batch: $POOL vifs, a counter and a limit each" $((POOL * 2)) \
	"$(grep -cE "^[[:space:]]*(counter|limit) vif1[01][0-9]\.$last \{" <<<"$listing")"
vg_expect_eq "ports set: the final batch, vif3.0 and vif4.0 only" $((POOL + 2)) \
	"$(world_host nft list set bridge "$VG_TABLE" ports | grep -oE '"[^"]+"' | wc -l)"
vg_expect_eq "no element of a removed vif anywhere" 0 \
	"$(grep -cE "vif1[01][0-9]\.[^$last]" <<<"$listing")"
VG_FROM=vif3.0
vg_expect_eq "after the soak: vif3.0's legitimate frame passes" 3 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=192.0.2.3 daddr=192.0.2.200)"
vg_expect_eq "after the soak: vif3.0's spoof drops" 0 \
	"$(world_delivered gw eth0 ipv4-udp src=$M3 saddr=198.51.100.7 daddr=192.0.2.200)"
if [ "$last" = 0 ]; then
	VG_FROM=vif100.0
	vg_expect_eq "after the soak: vif100.0 passes its final address" 3 \
		"$(world_delivered gw eth0 ipv4-udp src="$(pmac 100 0)" saddr=203.0.113.1 daddr=192.0.2.200)"
fi

# Phase 2: one vif (dom 99) added, changed and removed RACE_CYCLES times,
# each step applied before the next, so that every transaction touches its
# port, while that port floods a spoofed frame 20,000 times a second.  A
# frame that meets a transaction can see the rules of one generation and
# the @ports element of the next; nothing of that may let it through.
RACE_CYCLES=${VG_SOAK_RACE_CYCLES:-200}
SPOOF_C=(ipv4-udp src="$(pmac 99 0)" saddr=192.0.2.3 daddr=192.0.2.1)
world_observe_start race gw eth0 3600000 "${SPOOF_C[@]}"
world_bg vif99.0 "$VG_FRAME" send -i eth0 -n 10000000 -g 20 "${SPOOF_C[@]}"
spoofer_c=${VG_WORLD_PIDS[-1]}
xenstore-write /local/domain/99/name race99
t0=$(date +%s%N)
ok=1
for ((i = 0; i < RACE_CYCLES && ok; i++)); do
	xs_vif 99 0 mac="$(pmac 99 0)" "ip=198.51.100.$((i % 40 + 101)) 192.0.2.3" bridge=xenbr0 &&
		vg_wait_for 10000 vif_allows "vif99.0" "198.51.100.$((i % 40 + 101))" &&
		xs_vif 99 0 "ip=203.0.113.$((i % 40 + 101)) 192.0.2.3" &&
		vg_wait_for 10000 vif_allows "vif99.0" "203.0.113.$((i % 40 + 101))" &&
		xs_rm $BE/99 &&
		vg_wait_for 10000 vg_not has_vif vif99.0 || ok=0
done
t1=$(date +%s%N)
vg_check "race: $RACE_CYCLES add/change/remove cycles of vif99.0 applied one by one" test "$ok" = 1
kill "$spoofer_c" 2>/dev/null
wait "$spoofer_c" 2>/dev/null
kill -INT "$VG_OBS_PID_race" 2>/dev/null
vg_log "race: $((RACE_CYCLES * 3)) transactions in $(((t1 - t0) / 1000000)) ms under the flood"
vg_expect_eq "race: vif99.0 claiming vif3.0's address through every transaction: 0 frames delivered" \
	0 "$(world_observe_wait race)"
vg_check "race: settled again" vg_wait_for 30000 ruleset_matches

# RSS and fds once the final state has settled
sleep 0.5
RSS1=$(rss_kb)
HWM1=$(hwm_kb)
FDS1=$(n_fds)
vg_log "end: VmRSS ${RSS1} kB (start ${RSS0} kB), peak ${HWM1} kB (after 30% of the cycles ${HWM_MID:-?} kB), ${FDS1} open fds (start ${FDS0})"
# Under AddressSanitizer RSS says nothing about leaks: its quarantine keeps
# up to 256 MB of freed memory on purpose (ASan's leak checker runs at the
# daemon's exit instead, and the normal build asserts RSS here).
if ldd "$VG_DAEMON" 2>/dev/null | grep -q libasan; then
	vg_log "ASan build: RSS not compared (quarantine); the normal build checks it"
else
	vg_check "RSS flat: ${RSS1} kB <= ${RSS0} kB * 1.5 + 2048 kB" \
		test "$RSS1" -le $((RSS0 * 3 / 2 + 2048))
	vg_check "RSS flat: the last 70% of the cycles raised the peak by at most 1 MiB (${HWM_MID:-?} -> ${HWM1} kB)" \
		test "$HWM1" -le $((${HWM_MID:-0} + 1024))
fi
vg_expect_eq "open fds flat" "$FDS0" "$FDS1"
vg_expect_eq "no error logged" 0 "$(grep -cF 'vifguardd[error]' "$VG_DAEMON_LOG")"
vg_check "clean stop" daemon_stop
vg_done
