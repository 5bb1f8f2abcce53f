/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy + vifs -> the nftables objects that enforce them, as a plan: an
 * ordered list of create/delete operations on libnftnl objects, each with its
 * printed nft form and the vif it belongs to.  Pure: builds data, does no I/O.
 *
 * Layout (one table, bridge family; docs/design.md draws it): fixed chains
 * created once, and every vif's state as elements of a few shared hash sets
 * (its ports, its mac, its addresses with the mac, its ND targets, its
 * counter and log limit through object maps) plus two named objects (the
 * counter and the limit, "vif<domid>.<devid>").  A frame costs the same
 * few hash lookups whatever the number of vifs; adding, updating or
 * removing a vif is element operations only, which the kernel commits
 * without revalidating the ruleset.  Addresses with a prefix live in one
 * set per prefix length in use ("v4-24", "v6-64"), each with one masked
 * lookup rule in the source-check chains (struct ruleset_shape).
 *
 * This header is the compiler's whole interface: the plan container comes
 * from plan.h and one vif's changes from ruleset-vif.h.  Inside, stmt.c
 * emits statements, set-catalog.c describes the sets, chains.c writes the
 * table's fixed part and ruleset.c puts them together.
 */
#ifndef VIFGUARD_RULESET_H
#define VIFGUARD_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "plan.h"
#include "policy.h"
#include "ruleset-vif.h"
#include "vif.h"

/* Replace the whole table: create it if missing, delete it and create it
 * again with every vif, all in the plan (so in one transaction).  Vifs with
 * skip[i] set (may be NULL) are left out: their ports stay fail-closed. */
int ruleset_full(const struct policy *pol, const struct vif *vifs, size_t n, const bool *skip,
		 struct plan *p);

/* The protected addresses (no guest may use them, whatever its allowance
 * says: resolve.c grants a prefix that strictly contains one) as elements
 * of the interval sets protect4, protect6 and protect-nd, which the four
 * source-check chains look up first.  Overlapping and adjacent entries are
 * merged into one range.  To follow a plan that creates the table
 * (ruleset_full()); a change of the list is a full sync.  Entries of another
 * family are ignored; -ENOMEM. */
int ruleset_protect(const struct vif_addr *prot, size_t n, struct plan *p);

/* The prefix lengths in use: a set and a lookup rule per length and family. */
struct ruleset_shape {
	uint8_t v4[32 / 8]; /* bit L: some vif has an IPv4 prefix of length L (< 32) */
	uint8_t v6[128 / 8];
	/* bit L: some vif claims in a shared prefix of length L (v->claims) */
	uint8_t c4[32 / 8];
	uint8_t c6[128 / 8];
};
/* Does a vif have a prefix of length plen (< 32 or < 128) in family (AF_INET, AF_INET6)? */
static inline bool ruleset_shape_has(const struct ruleset_shape *s, int family, unsigned int plen)
{
	const uint8_t *b = family == AF_INET ? s->v4 : s->v6;

	return b[plen / 8] & (1u << (plen % 8));
}
/* Does a vif claim in a shared prefix of length plen in family? */
static inline bool ruleset_shape_has_claim(const struct ruleset_shape *s, int family,
					   unsigned int plen)
{
	const uint8_t *b = family == AF_INET ? s->c4 : s->c6;

	return b[plen / 8] & (1u << (plen % 8));
}
/* Add the lengths of one vif (as its elements would be written). */
void ruleset_shape_add(const struct policy *pol, struct ruleset_shape *s, const struct vif *v);
/* Going from shape old to new around vif changes in one plan: begin (before
 * the vifs' ops) creates sets for new lengths and rewrites the source-check
 * chains; end (after them) deletes the sets of lengths no longer used. */
int ruleset_shape_begin(const struct ruleset_shape *old, const struct ruleset_shape *new,
			struct plan *p);
int ruleset_shape_end(const struct ruleset_shape *old, const struct ruleset_shape *new,
		      struct plan *p);

/* Render the objects a plan creates as an nft script (malloc'ed, NULL on OOM). */
char *ruleset_print(const struct plan *p);

#endif
