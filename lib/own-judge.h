/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * May a vif own an address it configured itself?  First come, first served
 * (RFC 6620): a guest claims an address inside the space it may claim in
 * (its link-local /64, a prefix it shares with other guests) by sending a
 * duplicate address detection solicitation for it, an ARP probe, or a first
 * frame from it; the first vif to claim an address owns it until the vif
 * goes.  This module only judges one claim: the caller's indexes answer who
 * else holds the address, and the caller records the answer.
 *
 * Pure: no I/O, no logging, no allocation.
 */
#ifndef VIFGUARD_OWN_JUDGE_H
#define VIFGUARD_OWN_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vif.h"

enum own_verdict {
	OWN_GRANT,	/* the vif owns it from now on */
	OWN_ALREADY,	/* it owns it already (a repeated claim) */
	OWN_NOT_SINGLE, /* not a single address (/32, /128) */
	OWN_OUTSIDE,	/* outside the space the vif may claim in */
	OWN_PROTECTED,	/* a protected address (the host's, the gateway's, [protect]) */
	OWN_SHARED,	/* a [shared] address of other domains */
	OWN_CONFIGURED, /* another vif's configured address (its ip=) */
	OWN_EUI64,	/* the EUI-64 address another vif's mac gives */
	OWN_OWNED,	/* another vif owns it */
	OWN_CAP,	/* the vif owns as many addresses as it may */
	_OWN_VERDICT_MAX,
};

/* A short phrase for logs: "owned by another vif", ... */
const char *own_verdict_to_string(enum own_verdict v);

/*
 * What the caller's indexes know.  Each lookup returns the vif (an opaque
 * pointer the caller understands) holding the address in that way, or
 * NULL; `self` is never returned as "another".
 */
struct own_world {
	bool (*is_protected)(const struct vif_addr *a, void *data);
	/* a [shared] address whose entry does not name the claimant's domain */
	bool (*is_shared_elsewhere)(const struct vif_addr *a, void *data);
	const void *(*configured_by)(const struct vif_addr *a, void *data);
	const void *(*mac_of)(const uint8_t mac[6], void *data);
	const void *(*owner_of)(const struct vif_addr *a, void *data);
	void *data;
};

/* The claimant. */
struct own_claimant {
	const void *self;
	const struct vif_addr *space; /* the prefixes it may claim in */
	size_t n_space;
	size_t n_owned; /* how many it owns now */
	size_t cap;	/* at most this many */
};

/*
 * Judge a's claim by c.  *other (may be NULL) gets the vif that holds the
 * address for CONFIGURED, EUI64 and OWNED, else NULL.  The checks run in the
 * order of the verdicts above, so a protected address is reported as such
 * even when a vif also lists it.
 */
enum own_verdict own_judge(const struct own_claimant *c, const struct vif_addr *a,
			   const struct own_world *w, const void **other);

/*
 * The mac an IPv6 address's interface identifier was made from by EUI-64
 * (RFC 4291 appendix A: ff:fe in the middle, the universal/local bit
 * flipped back); false when the identifier is not of that form.
 */
bool own_eui64_mac(const struct vif_addr *a, uint8_t mac[6]);

/* Is a (a single address) inside prefix p? */
bool own_inside(const struct vif_addr *p, const struct vif_addr *a);

/* How a frame claims an address. */
enum own_how {
	OWN_HOW_FRAME,	  /* an IP packet from it */
	OWN_HOW_DAD,	  /* a duplicate address detection solicitation for it */
	OWN_HOW_NA,	  /* a neighbour advertisement for it */
	OWN_HOW_PROBE,	  /* an ARP probe for it (RFC 5227) */
	OWN_HOW_ANNOUNCE, /* ARP from it: an announcement, a request, a reply */
	_OWN_HOW_MAX,
};

/* For logs: "duplicate address detection", "an ARP probe", ... */
const char *own_how_to_string(enum own_how h);

/*
 * The address a logged claim is about, from the frame's network header
 * (nfnetlink_log's payload) of ethertype proto: an IPv6 duplicate address
 * detection solicitation (source ::, ICMPv6 right after the fixed header)
 * or neighbour advertisement claims its target, any other IPv6 packet its
 * source; an ARP probe (sender 0.0.0.0, RFC 5227) its target, any other ARP
 * its sender's address, an IPv4 packet its source.  -EINVAL when the frame
 * says none (too short, another protocol, another packet from ::, 0.0.0.0).
 * *ret_how: how it claims.
 */
int own_claim_address(const uint8_t *l3, size_t len, uint16_t proto, struct vif_addr *ret,
		      enum own_how *ret_how);

#endif
