/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bridge settings vifguard applies through rtnetlink.
 */
#ifndef VIFGUARD_BRIDGE_H
#define VIFGUARD_BRIDGE_H

/*
 * Turn on no_linklocal_learn on a bridge: the kernel learns source macs
 * from frames to 01:80:c2:00:00:0X without running the bridge prerouting
 * hook (for :00 and :0e, LLDP, without any netfilter hook), so a guest could
 * otherwise re-point another guest's mac in the forwarding database with one
 * such frame, whatever the ruleset says.  -ENODEV if there is no such bridge.
 */
int bridge_set_no_linklocal_learn(const char *bridge);

/* 1 if set, 0 if not, <0 on error. */
int bridge_get_no_linklocal_learn(const char *bridge);

/* A non-blocking rtnetlink socket subscribed to link changes (a bridge
 * deleted and made again comes back without no_linklocal_learn) and to
 * address changes (a bridge's addresses are protected), or <0;
 * bridge_monitor_drain() reads what queued up and says what it was about. */
enum {
	BRIDGE_MONITOR_LINKS = 1 << 0,
	BRIDGE_MONITOR_ADDRS = 1 << 1,
};
int bridge_monitor_open(void);
unsigned int bridge_monitor_drain(int fd);

#endif
