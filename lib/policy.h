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
/* [shared]: entries, and per entry addresses, domains and a domain name's length */
#define POLICY_SHARED_MAX 32
/* most addresses a vif may own (owned-addresses-per-vif) */
#define POLICY_OWNED_MAX 32
#define POLICY_OWNED_DEFAULT 8
#define POLICY_SHARED_ADDRS_MAX 8
#define POLICY_SHARED_DOMAINS_MAX 16
#define POLICY_SHARED_NAME_MAX 32
#define POLICY_DOMAIN_NAME_MAX 64

enum policy_no_ip {
	/* no `ip` key: ARP probes, DHCP client and DAD only */
	POLICY_NO_IP_BLOCK,
	/* no `ip` key: any IP source, only the mac and the router/server checks */
	POLICY_NO_IP_MAC_ONLY,
	_POLICY_NO_IP_MAX,
};

/*
 * A [shared] entry: exact addresses that the vifs of several domains may all
 * use (VRRP, keepalived, anycast).  A vif gets one when its `ip` lists it and
 * its domain is named here; to every other vif it is never granted.  With a
 * VRRP virtual mac (00:00:5e:00:01:<vrid> for IPv4, 00:00:5e:00:02:<vrid>
 * for IPv6), those vifs may also send from that mac.
 */
struct policy_shared {
	char name[POLICY_SHARED_NAME_MAX];
	struct vif_addr addrs[POLICY_SHARED_ADDRS_MAX];
	size_t n_addrs;
	/* [0] IPv4, [1] IPv6 */
	bool has_vmac[2];
	uint8_t vmac[2][6];
	char domains[POLICY_SHARED_DOMAINS_MAX][POLICY_DOMAIN_NAME_MAX];
	size_t n_domains;
	unsigned line; /* where the entry was first named (0: not from a file) */
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
	/* Most link-local addresses a vif may own (first come, first served,
	 * daemon/ownership.c), 0..POLICY_OWNED_MAX; 0: it owns none. */
	unsigned int owned_max;
	/* Never granted to a guest: gateways, the host, services. */
	struct vif_addr protected_addrs[POLICY_PROTECTED_MAX];
	size_t n_protected;
	/* Shared by the vifs of the domains each entry names. */
	struct policy_shared shared[POLICY_SHARED_MAX];
	size_t n_shared;
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
/* Is mac a VRRP virtual router mac (00:00:5e:00:01:<vrid> or 00:00:5e:00:02:<vrid>, vrid
 * 1..255)?  Returns the family's index (0 IPv4, 1 IPv6) or -EINVAL. */
int policy_vmac_family(const uint8_t mac[6]);
/* Is name a domain name a [shared] entry may list (1..63 of [A-Za-z0-9_.:+@-], not ending in
 * xl's migration suffixes)? */
bool policy_domain_name_is_valid(const char *name);
/* Is pattern a valid port pattern (interface name characters, optional trailing '*')? */
bool policy_port_pattern_is_valid(const char *pattern);

#endif
