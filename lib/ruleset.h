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
 */
#ifndef VIFGUARD_RULESET_H
#define VIFGUARD_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "vif.h"

enum plan_obj {
	PLAN_TABLE,
	PLAN_CHAIN,
	PLAN_SET,
	PLAN_ELEMS,
	PLAN_OBJECT,
	PLAN_RULE,
	_PLAN_OBJ_MAX,
};

struct plan_op {
	bool del;
	enum plan_obj obj;
	void *nl; /* struct nftnl_table/chain/set/obj/rule */
	int owner; /* caller's vif index, -1 for the table's own objects */
	uint32_t n_elems; /* PLAN_ELEMS: how many */
	char name[64]; /* object name; for rules and elements: chain / set name */
	char *text; /* printed form (rule, chain header, set header, elements) */
};

/* The owner of an op that holds several vifs' elements (merged plans). */
#define PLAN_OWNER_MERGED (-2)

struct plan_merge; /* elements gathered for one set, not yet an op */

struct plan {
	char table[POLICY_TABLE_MAX];
	struct plan_op *ops;
	size_t n_ops;
	size_t n_alloc;
	uint32_t next_set_id;
	bool oom;
	/* skip the printed forms (ops' text stays NULL): for plans that are
	 * only sent, where the text would be most of the plan's memory */
	bool no_text;
	/* ruleset_full() (no other) puts the vifs' elements of each set into shared ops
	 * of up to PLAN_MERGE_MAX elements (owner PLAN_OWNER_MERGED) instead
	 * of one op per vif and set: about 100 times fewer messages for the
	 * kernel, but an error no longer names one vif (plan again without) */
	bool merge_elems;
	struct plan_merge *merge;
	size_t n_merge;
	/* the size new sets get (0: PLAN_SET_SIZE_MIN); see below */
	uint32_t set_size_min;
};
#define PLAN_MERGE_MAX 256

/* Every set has a size: the kernel then keeps it in a hash table of fixed
 * size instead of an rhashtable that grows in steps while a full sync fills
 * it (at 4,000 vifs the growing was a third of the full sync's kernel time).
 * ruleset_full() sizes each set for four times the elements it puts in, at
 * least the minimum; an add beyond the size fails with ENFILE, and the
 * caller replaces the table, sized again. */
#define PLAN_SET_SIZE_MIN 4096

void plan_init(struct plan *p, const char *table);
void plan_done(struct plan *p);

/* Replace the whole table: create it if missing, delete it and create it
 * again with every vif, all in the plan (so in one transaction).  Vifs with
 * skip[i] set (may be NULL) are left out: their ports stay fail-closed. */
int ruleset_full(const struct policy *pol, const struct vif *vifs, size_t n, const bool *skip,
		 struct plan *p);
/* Add a vif (owner tags the ops).  With have (the vif as the kernel has it
 * now): only what v has and have has not, and no objects (an update). */
int ruleset_vif_add(const struct policy *pol, const struct vif *v, const struct vif *have,
		    int owner, struct plan *p);
/* Delete a vif.  With keep (the vif it becomes): only what keep has not,
 * and the objects stay. */
int ruleset_vif_del(const struct policy *pol, const struct vif *v, const struct vif *keep,
		    int owner, struct plan *p);

/* The prefix lengths in use: a set and a lookup rule per length and family. */
struct ruleset_shape {
	uint8_t v4[32 / 8]; /* bit L: some vif has an IPv4 prefix of length L (< 32) */
	uint8_t v6[128 / 8];
};
/* Add the lengths of one vif (as its elements would be written). */
void ruleset_shape_add(const struct policy *pol, struct ruleset_shape *s, const struct vif *v);
/* Going from shape old to new around vif changes in one plan: begin (before
 * the vifs' ops) creates sets for new lengths and rewrites the source-check
 * chains; end (after them) deletes the sets of lengths no longer used. */
int ruleset_shape_begin(const struct ruleset_shape *old, const struct ruleset_shape *new,
			struct plan *p);
int ruleset_shape_end(const struct ruleset_shape *old, const struct ruleset_shape *new,
		      struct plan *p);

/* The name of a vif's counter and limit objects: "vif<domid>.<devid>". */
void ruleset_vif_id(const struct vif *v, char *buf, size_t len);

/* Render the objects a plan creates as an nft script (malloc'ed, NULL on OOM). */
char *ruleset_print(const struct plan *p);

#endif
