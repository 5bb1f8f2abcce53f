/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which of its configured addresses each guest vif actually gets.
 *
 * The `ip` key of a vif is written by the toolstack (or a driver domain), so
 * two guests can claim the same address, or one can claim the gateway.  Both
 * would let a guest take over another's traffic even with perfect
 * anti-spoofing, so before compiling rules every vif's entries are resolved
 * against a list of protected addresses and against each other: the vif known
 * first keeps an address, later claimants have it withheld.
 *
 * This is pure and stateless: the caller passes every vif each time and gets
 * the whole answer back.  When the first owner goes away the caller just omits
 * it, and the next claimant gets the address on the next computation.
 */
#ifndef VIFGUARD_RESOLVE_H
#define VIFGUARD_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "vif.h"

struct resolve_in {
	const struct vif *vif;
	/* /local/domain/<domid>/name, or NULL when unknown */
	const char *domain_name;
	/* Lower = known earlier = first owner; ties go by domid, then devid. */
	uint64_t rank;
};

enum resolve_why {
	/* equals or lies inside an entry of protected_addrs */
	RESOLVE_WHY_PROTECTED,
	/* overlaps an entry already granted to a conflicting vif */
	RESOLVE_WHY_CONFLICT,
	/* overlaps a [shared] address whose domains do not include this vif's */
	RESOLVE_WHY_SHARED,
	_RESOLVE_WHY_MAX,
};

struct resolve_withheld {
	struct vif_addr addr; /* the entry as configured */
	enum resolve_why why;
	/*
	 * CONFLICT: index into the input array of the vif that owns an
	 * overlapping entry (the first such vif in processing order).
	 * PROTECTED: index into protected_addrs of the first entry containing it.
	 * SHARED: index into shared of the first entry holding an overlapping
	 * address.
	 */
	size_t other;
	/* PROTECTED: a copy of protected_addrs[other]; SHARED: that shared
	 * address; zeroed for CONFLICT. */
	struct vif_addr protected_addr;
};

struct resolve_out {
	/*
	 * Copy of the input vif with only the granted entries in addrs/n_addrs,
	 * in their configured order, the virtual macs of the [shared]
	 * entries it got an address of (of that address's family) in vmacs,
	 * and the prefixes it shares with other vifs in claims/n_claims;
	 * has_ip and everything else unchanged.  addrs[] past n_addrs is not
	 * written.
	 */
	struct vif effective;
	/* bit k: effective.addrs[k] is a [shared] address, of entry shared_of[k] */
	uint64_t shared_mask;
	uint8_t shared_of[VIF_ADDRS_MAX];
	size_t n_withheld;
	/* The withheld entries, in their configured order. */
	struct resolve_withheld withheld[VIF_ADDRS_MAX];
};

/*
 * Resolve n vifs against each other, against protected_addrs and against
 * the [shared] entries (n_shared of them, at most POLICY_SHARED_MAX).
 *
 * Vifs are processed in order of (rank, domid, devid, input index).  A
 * prefix (not a single address) that two vifs which conflict both list is
 * shared: it is not granted to any of its listers but becomes claim space
 * for each (effective.claims), every address in it owned by the first vif
 * that claims it (daemon/ownership.c).  Each entry of each vif is, in order:
 *  - withheld (PROTECTED) if it equals a protected entry or lies inside one;
 *    a prefix that strictly contains protected entries is granted, and the
 *    kernel subtracts them (ruleset_protect(): no vif may use them);
 *  - else, a shared prefix: withheld (CONFLICT) if a prefix granted to an
 *    earlier vif that conflicts with this one contains it (or the vif has
 *    VIF_CLAIMS_MAX shared prefixes already), else claim space; the exact
 *    addresses and smaller prefixes of others inside it stay theirs;
 *  - else withheld (SHARED) if it overlaps an address of a [shared] entry
 *    that does not name the vif's domain (resolve_domain_is_member());
 *  - else granted as shared if it is exactly such an address: no conflict
 *    with any other vif, and other vifs never conflict with it;
 *  - else withheld (CONFLICT) if it overlaps an entry granted to an earlier vif
 *    that conflicts with this one (see resolve_vifs_conflict()), or, a
 *    prefix, the claim space of such a vif;
 *  - else granted.
 * Two entries overlap when they have the same family and one prefix contains
 * the other (resolve_addrs_overlap()).
 *
 * ret must hold n entries; ret[i] answers in[i].  It is written only on
 * success.  Returns 0, -EINVAL for an entry with an unknown family or a
 * prefixlen beyond the family's width, or for n_addrs > VIF_ADDRS_MAX,
 * -E2BIG for more than 2^32 - 2 vifs or entries, or -ENOMEM.
 *
 * Cost: O(E log E) for E = all entries plus protected ones (details in
 * resolve.c); 4,000 vifs with two addresses each take about 2 ms.
 */
int resolve_compute(const struct resolve_in *in, size_t n, const struct vif_addr *protected_addrs,
		    size_t n_protected, const struct policy_shared *shared, size_t n_shared,
		    struct resolve_out *ret);

/*
 * Does sh name the domain domain_name (NULL: unknown, never)?  Compared
 * without a migration suffix (resolve_base_name_len()), so both halves of a
 * local live migration are members.
 */
bool resolve_domain_is_member(const struct policy_shared *sh, const char *domain_name);

/*
 * Same family, and the first min(a->prefixlen, b->prefixlen) bits are equal.
 * Bits beyond an entry's own prefixlen are ignored; a prefixlen beyond the
 * family's width counts as the full width; an unknown family overlaps nothing.
 */
bool resolve_addrs_overlap(const struct vif_addr *a, const struct vif_addr *b);

/* Does any of list[0..n-1] overlap a? */
bool resolve_addrs_overlap_any(const struct vif_addr *list, size_t n, const struct vif_addr *a);

/*
 * Length of name without one trailing "--incoming" or "--migratedaway", the
 * names xl gives the two halves of a local live migration:
 * "web01--incoming" -> 5.  A name that is nothing but the suffix is left
 * whole, so "--incoming" -> 10.
 */
size_t resolve_base_name_len(const char *name);

/*
 * May a and b not hold overlapping addresses?  They may share when they are in
 * the same domain, or when they have the same mac and domain names that are
 * both known, non-empty and equal after resolve_base_name_len() (a local live
 * migration runs "web01--incoming" next to "web01" for a while).  Symmetric.
 */
bool resolve_vifs_conflict(const struct resolve_in *a, const struct resolve_in *b);

const char *resolve_why_to_string(enum resolve_why why);

#endif
