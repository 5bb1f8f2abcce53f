#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# /init of the PV guests' initramfs (busybox): load netfront, bring the NICs
# up, then serve commands that dom0 writes to this domain's xenstore
# directory.  xenstore, not the network, is the control channel: the network
# is what is under test, and vifguard drops a fail-closed or spoofing guest's
# traffic by design.
#   dom0 writes  data/vg-cmd = "<seq> <shell command>"
#   guest writes data/vg-out = "<seq> <exit code> <output>"
# (paths relative to /local/domain/<domid>; libxl makes data/ writable by
# the guest; -R: values as they are, xenstore-read escapes newlines otherwise).
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp
mount -t tmpfs tmpfs /tmp
insmod /modules/xen-netfront.ko
# Only crafted frames on the wire: no router solicitations, DAD or MLD from
# the guest's own stack (it has no addresses to use anyway).
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
for _ in 1 2 3 4 5 6 7 8 9 10; do
	[ -e /sys/class/net/eth0 ] && break
	sleep 0.5
done
for d in /sys/class/net/eth*; do
	ip link set "${d##*/}" up
done
xenstore-write data/vg-ready 1

# One watch for the guest's life: its first event (fired on registration)
# covers a command written before it, every later write fires again, and an
# idle guest costs no CPU (every cycle counts under emulation).
last=
xenstore-watch data/vg-cmd | while read -r _; do
	cmd=$(xenstore-read -R data/vg-cmd 2>/dev/null)
	[ -n "$cmd" ] && [ "$cmd" != "$last" ] || continue
	last=$cmd
	seq=${cmd%% *}
	sh -c ". /bin/guest-lib.sh; ${cmd#* }" >/tmp/out 2>&1 </dev/null
	rc=$?
	xenstore-write -R data/vg-out "$seq $rc $(head -c 1800 /tmp/out)"
done
echo "guest-init: the xenstore watch ended" >/dev/console
poweroff -f
