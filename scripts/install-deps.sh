#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Install everything vifguard needs to build, test and run on Debian 12
# (bookworm).  Safe to run again; run as root.
set -euo pipefail

packages=(
	# build
	build-essential cmake pkg-config clang
	libxen-dev libnftnl-dev libmnl-dev libsystemd-dev libinih-dev
	# run: the nftables CLI is only used by tests and operators to look at
	# the ruleset; the daemon talks netlink itself
	nftables iproute2 iputils-ping
	# test: a real xenstored (C), its CLI clients, and kernel-side tools
	xen-utils-4.17 xenstore-utils procps psmisc jq time
	# test: promtool (check metrics, check rules); Debian ships it only in
	# the server's package, whose service policy-rc.d keeps from starting
	prometheus
	# bench: the classic per-vif ebtables layout, side by side (tests/bench);
	# ebtables-nft itself ships in iptables (the ebtables package is legacy)
	ebtables iptables
	# test: the daemon's end-to-end run under memcheck (hard-valgrind.sh)
	valgrind
	# the Debian package (scripts/build-deb.sh) and its install/upgrade/purge
	# test in a clean Debian 12 root (tests/package)
	debhelper dpkg-dev fakeroot lintian bash-completion mmdebstrap
	# test: real guest network software in the bridge world (guest-matrix):
	# the gateway's DHCP/RA server (dnsmasq-base: no dnsmasq.service), DHCP
	# clients, VRRP, ND and ARP tools.  keepalived.service is enabled but
	# starts only with a non-empty /etc/keepalived/keepalived.conf (none is
	# installed); policy-rc.d keeps it from starting during the install.
	dnsmasq-base isc-dhcp-client udhcpc dhcpcd-base keepalived ndisc6 iputils-arping
	# docs
	man-db groff-base
	# the unit check (systemd-analyze)
	systemd
)

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps.sh: run as root (apt-get install)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
	echo "install-deps.sh: all ${#packages[@]} packages already installed"
else
	echo "install-deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# xen-utils must not start services on a machine that is not a Xen host.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The real-Xen test world (tests/xen, -DVIFGUARD_XEN_WORLD=ON): QEMU, and
# the hypervisor, kernel and busybox it boots, unpacked into a cache rather
# than installed.  Only when asked for: VIFGUARD_XEN_WORLD=1.
if [ "${VIFGUARD_XEN_WORLD:-0}" = 1 ]; then
	"$(dirname "$0")/install-xen-world.sh"
fi
