# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
#
# Sourced by the guest's command loop before each command from dom0 (busybox
# sh): helpers that keep the commands short, as a xenstore value holds at
# most 2 kB (xenstored's default quota for nodes a guest owns).
#
# obs NAME TIMEOUT_MS IFACE KIND key=value...: count, in the background,
# copies of that frame arriving on IFACE (at most 3).  obs_wait waits until
# every observer started so far is listening.
obs() {
	n=$1 t=$2 i=$3
	shift 3
	mkdir -p /tmp/o
	rm -f "/tmp/o/$n.r" "/tmp/o/$n.c"
	vgframe observe -i "$i" -t "$t" -n 3 -r "/tmp/o/$n.r" "$@" >"/tmp/o/$n.c" 2>/dev/null &
	echo $! >"/tmp/o/$n.p"
}

obs_wait() {
	k=0
	for p in /tmp/o/*.p; do
		while [ ! -e "${p%.p}.r" ] && [ $k -lt 300 ]; do
			sleep 0.1
			k=$((k + 1))
		done
		[ -e "${p%.p}.r" ] || return 1
	done
}

# obs_results: stop every observer (SIGINT: it prints its count and exits),
# print "NAME COUNT" lines.
obs_results() {
	# this guest may have just been scheduled after seconds without a CPU:
	# let its kernel hand the frames netfront holds to the sockets first
	sleep 1
	for p in /tmp/o/*.p; do
		[ -e "$p" ] && kill -INT "$(cat "$p")" 2>/dev/null
	done
	k=0
	for p in /tmp/o/*.p; do
		while [ -e "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null && [ $k -lt 300 ]; do
			sleep 0.1
			k=$((k + 1))
		done
	done
	for f in /tmp/o/*.c; do
		[ -e "$f" ] || continue
		c=$(cat "$f")
		n=${f##*/}
		echo "${n%.c} ${c:--1}"
	done
	rm -rf /tmp/o
}

# up IFACE: a NIC attached after boot comes up down.
up() {
	ip link set "$1" up
}
