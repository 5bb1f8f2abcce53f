#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The sandbox demo: what a Xen host looks like without and with vifguard.
# Installs what is missing, builds, then, entirely inside private network
# namespaces and a private xenstored:
#   - two guests (web01 = dom 3, db01 = dom 5) on a bridge with a gateway,
#   - their vif backends written to xenstore as libxl writes them,
#   - db01 claims web01's address (gratuitous ARP, IPv4) and the gateway's:
#     first with nothing enforcing (it all arrives), then with vifguard's
#     ruleset built from the backend directories (it is all dropped),
#   - and the per-vif drop counters.  Everything is removed at the end.
# The enforcement is the real vifguardd, reading the real (private)
# xenstored and programming the real kernel: only xenstored's hypervisor and
# the guests are simulated.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (it creates network namespaces)" >&2
	exit 1
fi
# The test suite runs the demo against its own build (VG_BUILD_DIR).
if [ -z "${VG_BUILD_DIR:-}" ]; then
	scripts/install-deps.sh >/dev/null
	cmake -S . -B build >/dev/null
	cmake --build build -j"$(nproc)" >/dev/null
	VG_BUILD_DIR=$src/build
fi
export VG_BUILD_DIR VG_SOURCE_DIR=$src
. tests/lib/common.sh
. tests/lib/world.sh
. tests/lib/engine.sh
. tests/lib/xenstored.sh
. tests/lib/daemon.sh
set +u
VG_TABLE=vifguard

if [ -t 1 ]; then
	say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	say() { printf '\n== %s\n' "$*"; }
fi

say "Starting a private xenstored and a host network namespace with bridge xenbr0"
world_create xenbr0
daemon_setup
# the gateway's address is never a guest's
printf '[protect]\naddresses = 192.0.2.254\n' >>"$VG_CONF"
world_bridge_addr 192.0.2.1/24
world_add_peer gw 02:00:00:00:0f:01 192.0.2.254/24
world_add_guest vif3.0 00:16:3e:00:03:00 192.0.2.10/24
world_add_guest vif5.0 00:16:3e:00:05:00 192.0.2.20/24

say "Writing the guests' vif backends as libxl does (the guest cannot write these)"
for d in "3 web01 00:16:3e:00:03:00 192.0.2.10" "5 db01 00:16:3e:00:05:00 192.0.2.20"; do
	read -r domid name mac ip <<<"$d"
	be=/local/domain/0/backend/vif/$domid/0
	xenstore-write /local/domain/$domid/name "$name" "$be/mac" "$mac" "$be/ip" "$ip" \
		"$be/bridge" xenbr0 "$be/type" vif "$be/handle" 0 "$be/state" 4
done
xenstore-ls -f /local/domain/0/backend/vif

spoof() {
	VG_FROM=vif5.0
	printf '  db01 sends a gratuitous ARP claiming web01 (192.0.2.10): %s of 3 reach the gateway\n' \
		"$(world_delivered gw eth0 arp-gratuitous src=00:16:3e:00:05:00 ip=192.0.2.10)"
	printf '  db01 sends an ARP reply claiming the gateway (192.0.2.254): %s of 3 reach the gateway\n' \
		"$(world_delivered gw eth0 arp-reply src=00:16:3e:00:05:00 spa=192.0.2.254 \
			tha=02:00:00:00:0f:01 tpa=192.0.2.254)"
	printf '  db01 sends UDP from web01'"'"'s address: %s of 3 reach the gateway\n' \
		"$(world_delivered gw eth0 ipv4-udp src=00:16:3e:00:05:00 saddr=192.0.2.10 daddr=192.0.2.254)"
	printf '  db01 sends UDP from its own address: %s of 3 reach the gateway\n' \
		"$(world_delivered gw eth0 ipv4-udp src=00:16:3e:00:05:00 saddr=192.0.2.20 daddr=192.0.2.254)"
}

say "Without vifguard: Xen writes ip= to xenstore and nothing enforces it"
spoof

say "Starting vifguardd (as systemd would: it reads xenstore and programs nftables)"
daemon_start
sed 's/ {.*//' "$VG_DAEMON_LOG"
world_host nft list set bridge vifguard v4   # port . mac . address: what each guest may use
world_host nft list chain bridge vifguard guest-arp

say "With vifguard"
spoof
say "What the journal says about it (drop attribution, rate-limited per guest)"
daemon_wait_log 1 'dropped:' 3000 || true
grep 'dropped:' "$VG_DAEMON_LOG" | sed 's/ {.*//' | sort | uniq -c
say "vifguardctl status"
vgctl status || true
say "db01 now configures web01's address in its xenstore entry: vifguard refuses the conflict"
xs_vif 5 0 "ip=192.0.2.20 192.0.2.10"
daemon_wait_log 1 withheld
grep withheld "$VG_DAEMON_LOG" | sed 's/ {.*//'
# the status file follows 50 ms after things are quiet
db01_shows_withheld() { vgctl show db01 2>/dev/null | grep -q withheld; }
vg_wait_for 3000 db01_shows_withheld || true
vgctl show db01 || true
daemon_stop
say "Done; removing the sandbox"
