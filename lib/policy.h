/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the operator configures (conf/vifguard.conf).  Pure data with defaults;
 * the file parser fills it.
 */
#ifndef VIFGUARD_POLICY_H
#define VIFGUARD_POLICY_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "vif.h"

#define POLICY_PATTERNS_MAX 16
#define POLICY_TABLE_MAX 64
#define POLICY_PROTECTED_MAX 256

enum policy_no_ip {
	/* no `ip` key: ARP probes, DHCP client and DAD only */
	POLICY_NO_IP_BLOCK,
	/* no `ip` key: any IP source, only the mac and the router/server checks */
	POLICY_NO_IP_MAC_ONLY,
	_POLICY_NO_IP_MAX,
};

struct policy {
	char table[POLICY_TABLE_MAX]; /* nft table name in the bridge family */
	/* Guest-port name patterns: a port matching one with no rules drops
	 * everything.  A trailing '*' matches any suffix, as in nft. */
	char port_patterns[POLICY_PATTERNS_MAX][IFNAMSIZ];
	size_t n_port_patterns;
	enum policy_no_ip no_ip;
	struct vif_limits limits;
	int priority; /* bridge prerouting/input hook priority */
	/* Never granted to a guest: gateways, the host, services. */
	struct vif_addr protected_addrs[POLICY_PROTECTED_MAX];
	size_t n_protected;
	/* Also protect the addresses configured on the bridges guests use. */
	bool protect_bridge_addrs;
	/* Per-vif journal rate limit: at most burst messages per interval. */
	unsigned int log_rate_interval_sec;
	unsigned int log_rate_burst;
	/* nfnetlink_log group for dropped frames (-1: none), and how many per
	 * second per vif the kernel copies to it at most */
	int log_group;
	unsigned int log_kernel_rate;
};

void policy_default(struct policy *ret);
const char *policy_no_ip_to_string(enum policy_no_ip p);
int policy_no_ip_from_string(const char *s);
/* Is name a valid nft table name we accept ([A-Za-z][A-Za-z0-9_-]*, bounded)? */
bool policy_table_name_is_valid(const char *name);
/* Is pattern a valid port pattern (interface name characters, optional trailing '*')? */
bool policy_port_pattern_is_valid(const char *pattern);

#endif
