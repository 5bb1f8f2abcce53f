/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plan: an ordered list of create/delete operations on libnftnl objects,
 * each with its printed nft form and the vif it belongs to.  This module owns
 * the container (pushing ops, freeing them), the merging of several vifs'
 * elements into shared ops, the sizing of the sets a plan creates, and the
 * printer.  It knows nothing of the policy: chains.c, set-catalog.c and
 * ruleset-vif.c fill plans, nfmsg.c turns them into bytes.
 */
#ifndef VIFGUARD_PLAN_H
#define VIFGUARD_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

struct nftnl_set;

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
	void *nl;	  /* struct nftnl_table/chain/set/obj/rule */
	int owner;	  /* caller's vif index, -1 for the table's own objects */
	uint32_t n_elems; /* PLAN_ELEMS: how many */
	char name[64];	  /* object name; for rules and elements: chain / set name */
	char *text;	  /* printed form (rule, chain header, set header, elements) */
};

/* The owner of an op that holds several vifs' elements (merged plans). */
#define PLAN_OWNER_MERGED (-2)

/* Elements gathered for one set in a merged plan, not yet an op. */
struct plan_merge {
	char name[32];
	struct nftnl_set *s; /* NULL: nothing gathered since the last op */
	size_t n;
	char *text;
	size_t text_len;
};

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
 * ruleset_full() sizes each set for four times the
 * elements it puts in, at least the minimum; an add beyond the size fails
 * with ENFILE, and the caller replaces the table, sized again. */
#define PLAN_SET_SIZE_MIN 4096

void plan_init(struct plan *p, const char *table);
void plan_done(struct plan *p);

/* Append an op.  Takes ownership of nl (NULL: the allocation failed) and
 * frees it on failure; text (may be NULL) is copied unless p->no_text. */
int plan_push(struct plan *p, bool del, enum plan_obj obj, void *nl, int owner, const char *name,
	      const char *text);
/* The size a new set gets before plan_sets_size(). */
uint32_t plan_set_size_min(const struct plan *p);
/* A set of the plan's table by name, with the next set id (for elements). */
struct nftnl_set *plan_set_new(struct plan *p, const char *name);

/* The elements gathered for set name (made on first use, with a set to add
 * them to); NULL on OOM. */
struct plan_merge *plan_merge_get(struct plan *p, const char *name);
/* Account n elements (printed as text, may be NULL) just added to mg->s;
 * every PLAN_MERGE_MAX elements they become an op. */
int plan_merge_add(struct plan *p, struct plan_merge *mg, size_t n, const char *text);
/* Everything still gathered becomes ops, in the order the sets were first
 * used (the objects the elements refer to must be in the plan by then). */
int plan_merge_flush(struct plan *p);
/* Free what is gathered (plan_done() does too). */
void plan_merge_free(struct plan *p);

/* Size the sets the plan creates for four times the elements it puts in
 * them (PLAN_SET_SIZE_MIN at least; a power of two, as the kernel's buckets
 * are), in their nftnl objects and their printed headers. */
int plan_sets_size(struct plan *p);

/* Render the objects a plan creates as an nft script (malloc'ed, NULL on OOM). */
char *plan_print(const struct plan *p);

#endif
