/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The set catalog: every set of the table, its name, its key (as the fields
 * a rule looks it up with) and whether it maps to objects.  A set's key type,
 * key length, user data, printed header and printed elements are all derived
 * from its key fields here, so they cannot disagree.
 *
 * Every vif's state is elements of these sets (and two named objects):
 * adding, updating or removing a vif is element operations only, which the
 * kernel applies without revalidating any rule and without walking per-vif
 * objects by name.  Addresses with a prefix go into one hash set per prefix
 * length in use, looked up with the address masked.
 */
#ifndef VIFGUARD_SET_CATALOG_H
#define VIFGUARD_SET_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

enum set_kind {
	SET_KIND_PORTS,	   /* ifname: the vif's ports */
	SET_KIND_MACS,	   /* ifname . ether_addr */
	SET_KIND_OPT_LLA,  /* iifname . @th,208,48: ND link-layer option = the mac */
	SET_KIND_ANY_IP,   /* ifname: mac-only ports (no address check) */
	SET_KIND_V4,	   /* ifname . ether_addr . ipv4_addr: exact addresses */
	SET_KIND_V6,	   /* ifname . ether_addr . ipv6_addr */
	SET_KIND_ND6,	   /* iifname . @th,64,128: exact ND targets */
	SET_KIND_COUNTERS, /* ifname : counter */
	SET_KIND_LIMITS,   /* ifname : limit (log rate) */
	SET_KIND_OWN_LL,   /* ifname: ports that may claim link-locals (own-judge.h) */
	/* interval sets: the protected addresses, no guest's (ruleset_protect()) */
	SET_KIND_PROTECT4,   /* ipv4_addr */
	SET_KIND_PROTECT6,   /* ipv6_addr */
	SET_KIND_PROTECT_ND, /* @th,64,128: as ND targets */
	/* one set per prefix length in use, named <name>-<length> */
	SET_KIND_V4_NET,  /* ifname . ipv4_addr: v4-<len> */
	SET_KIND_V6_NET,  /* ifname . ipv6_addr: v6-<len> */
	SET_KIND_ND6_NET, /* iifname . @th,64,128: nd6-<len> */
	/* the prefixes ports share with other vifs, addresses in them claimed
	 * first come, first served (own-judge.h) */
	SET_KIND_OWN4_NET,    /* ifname . ipv4_addr: own4-<len> */
	SET_KIND_OWN6_NET,    /* ifname . ipv6_addr: own6-<len> */
	SET_KIND_OWN_ND6_NET, /* iifname . @th,64,128: own-nd6-<len> */
	_SET_KIND_MAX,
};

/* The longest element key (ifname . ether_addr . ipv6_addr). */
#define SET_CATALOG_KEY_MAX 40

/* Is k one set per prefix length (else one set)? */
bool set_catalog_is_per_length(enum set_kind k);
/* The name of set k (plen: the prefix length of a per-length set). */
void set_catalog_name(enum set_kind k, unsigned int plen, char *buf, size_t len);
/* Is k an interval set (flags interval, one key field, elements are a
 * start and an interval end: ruleset_protect())? */
bool set_catalog_is_interval(enum set_kind k);
/* The objects set k maps to (NFT_OBJECT_*), 0 for a plain set. */
uint32_t set_catalog_obj_type(enum set_kind k);
/* Create or delete set k in p. */
int set_catalog_add(struct plan *p, enum set_kind k, unsigned int plen);
int set_catalog_del(struct plan *p, enum set_kind k, unsigned int plen);
/* An element of set k as nft prints it (id: the object a map's element
 * refers to). */
void set_catalog_elem_print(enum set_kind k, const uint8_t *key, const char *id, char *buf,
			    size_t len);

#endif
