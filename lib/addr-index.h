/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which vifs ask for which addresses: so that deciding one changed vif can
 * tell, without a pass over every vif, whether any other vif's answer could
 * depend on it (an address of one overlapping an address of another).
 *
 * Exact addresses (/32, /128) are kept in a hash map, address -> holders;
 * holders with any prefix are kept in a list, each checked on a lookup
 * (prefixes are few).  A lookup of a prefix would need every exact address
 * inside it, so it answers "unknown" and the caller decides everything.
 * Each holder's addresses are copied: the caller's vif may change before
 * the holder is updated.  Pure: no I/O, no logging.
 */
#ifndef VIFGUARD_ADDR_INDEX_H
#define VIFGUARD_ADDR_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "strmap.h"
#include "vif.h"

/* Embedded in the caller's object; the index's own. */
struct addr_holder {
	struct vif_addr *addrs;
	size_t n;
	size_t prefixed_at; /* its place in the prefix list, +1 (0: not there) */
	bool lost;	    /* out of memory: the index does not know what it holds */
};

struct addr_index {
	struct strmap exact; /* address text -> struct addr_users (addr-index.c) */
	struct addr_holder **prefixed;
	size_t n_prefixed, n_prefixed_alloc;
	size_t n_lost; /* holders it lost: every lookup answers "unknown" */
};

#define ADDR_INDEX_INIT ((struct addr_index){.exact = STRMAP_INIT})

/* Empties the index; the holders' copies are theirs to free
 * (addr_index_set(ix, h, NULL, 0) before, or free(h->addrs) after). */
void addr_index_done(struct addr_index *ix);
/* h now holds a[0..n-1] (n 0: nothing).  0 or -ENOMEM (then it holds
 * nothing, and lookups answer "unknown" until an update succeeds). */
int addr_index_set(struct addr_index *ix, struct addr_holder *h, const struct vif_addr *a,
		   size_t n);

enum addr_index_answer {
	ADDR_INDEX_FREE, /* no holder but the ignored ones overlaps it */
	ADDR_INDEX_OVERLAPS,
	ADDR_INDEX_UNKNOWN, /* a is a prefix, or the index lost a holder */
};

/* Does a holder other than those ignore() says to skip hold an address
 * overlapping a? */
enum addr_index_answer addr_index_lookup(const struct addr_index *ix, const struct vif_addr *a,
					 bool (*ignore)(const struct addr_holder *h, void *data),
					 void *data);

/* The same, but a held prefix equal to one of except[0..n_except-1] does
 * not count (the prefixes a claimant shares with other vifs). */
enum addr_index_answer
addr_index_lookup_except(const struct addr_index *ix, const struct vif_addr *a,
			 bool (*ignore)(const struct addr_holder *h, void *data), void *data,
			 const struct vif_addr *except, size_t n_except);

#endif
