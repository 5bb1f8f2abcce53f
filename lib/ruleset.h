/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy + vifs -> the nftables objects that enforce them, as a plan: an
 * ordered list of create/delete operations on libnftnl objects, each with its
 * printed nft form and the vif it belongs to.  Pure: builds data, does no I/O.
 *
 * Layout (one table, bridge family):
 *   counter fail-closed, map ports (ifname : verdict)
 *   chain prerouting, chain input (base):  iifname vmap @ports
 *                                          iifname "vif*" counter name "fail-closed" drop
 *   per vif "vif<domid>.<devid>": counter, sets -v4 and -v6, chains
 *     <id>, <id>-arp, <id>-ip, <id>-ip6, <id>-dad, <id>-na, <id>-ns, <id>-nd
 * Per-frame cost is one hash lookup plus a handful of rules of that vif's
 * own chains, whatever the number of vifs.  Adding, updating or removing a
 * vif touches only its own objects and its elements of @ports.
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
	PLAN_COUNTER,
	PLAN_RULE,
	_PLAN_OBJ_MAX,
};

struct plan_op {
	bool del;
	enum plan_obj obj;
	void *nl; /* struct nftnl_table/chain/set/obj/rule */
	int owner; /* caller's vif index, -1 for the table's own objects */
	char name[64]; /* object name; for rules and elements: chain / set name */
	char *text; /* printed form (rule, chain header, set header, elements) */
};

struct plan {
	char table[POLICY_TABLE_MAX];
	struct plan_op *ops;
	size_t n_ops;
	size_t n_alloc;
	uint32_t next_set_id;
	bool oom;
};

void plan_init(struct plan *p, const char *table);
void plan_done(struct plan *p);

/* Replace the whole table: create it if missing, delete it and create it
 * again with every vif, all in the plan (so in one transaction).  Vifs with
 * skip[i] set (may be NULL) are left out: their ports stay fail-closed. */
int ruleset_full(const struct policy *pol, const struct vif *vifs, size_t n, const bool *skip,
		 struct plan *p);
/* Create one vif's objects (owner tags the ops). */
int ruleset_vif_add(const struct policy *pol, const struct vif *v, int owner, struct plan *p);
/* Delete one vif's objects. */
int ruleset_vif_del(const struct policy *pol, const struct vif *v, int owner, struct plan *p);

/* The chain / counter / set name prefix of a vif: "vif<domid>.<devid>". */
void ruleset_vif_id(const struct vif *v, char *buf, size_t len);

/* Render the objects a plan creates as an nft script (malloc'ed, NULL on OOM). */
char *ruleset_print(const struct plan *p);

#endif
