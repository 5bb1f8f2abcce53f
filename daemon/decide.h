/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deciding: what each vif may have.  Its port names (lib/port-judge.c: host
 * interfaces, netback names, names another device holds), then its
 * addresses against every other vif's and the protected ones
 * (lib/resolve.c: conflicts, the gateway, the bridges' own addresses).
 *
 * A vif is decided again when:
 *   - it was read from xenstore again (it is on the table's changed list),
 *   - a name it claims changed hands (port_judge_update() names it),
 *   - the protected addresses changed (configuration, a bridge's address):
 *     then every vif is,
 *   - its rules were refused and its retry is due (enforce.c re-reads it),
 *   - or any overlap with another vif's addresses makes a partial decision
 *     unsafe (isolated()): then every vif is.
 *
 * Writes only the verdict part of an entry (struct vif_entry, vif-table.h).
 */
#ifndef VIFGUARD_DECIDE_H
#define VIFGUARD_DECIDE_H

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "policy.h"
#include "resolve.h"
#include "vif-table.h"

struct decide;

/* The decision handed to enforce.c: for each decided entry, the vif it
 * should have in the kernel (NULL: none). */
struct decision {
	bool all; /* every entry was decided (e[] is the whole table) */
	size_t n;
	struct vif_entry **e;
	const struct vif **want; /* into res (or the entry's own rules) */
	struct resolve_out *res;
	/* The protected addresses it was made with (valid until the next
	 * decision), and whether they differ from the previous decision's:
	 * the kernel's protect sets then follow in a full sync. */
	const struct vif_addr *prot;
	size_t n_prot;
	bool prot_changed;
};

void decision_done(struct decision *d);

int decide_new(const struct policy *pol, struct host *host, struct decide **ret);
struct decide *decide_free(struct decide *d);

/* The owned addresses (ownership.h) that join each decided vif's granted
 * ones; they are forgotten with the entry (decide_forget()). */
struct ownership;
void decide_set_ownership(struct decide *d, struct ownership *own);

/* VIFGUARD_CHECK_INCREMENTAL=1 (tests): every partial decision is checked
 * against a full one, and the daemon aborts on a difference. */
void decide_set_cross_check(struct decide *d, bool on);

/* The entries on the table's changed list, and what they affect. */
int decide_changes(struct decide *d, struct vif_table *t, struct decision *ret);
/* Every entry (a full sync). */
int decide_all(struct decide *d, struct vif_table *t, struct decision *ret);
/* An entry leaves the table: its claims go (others may be judged again). */
void decide_forget(struct decide *d, struct vif_table *t, struct vif_entry *e);

/* The bridges the vifs use (pointers valid until the next decision). */
/* The protected addresses of the latest decision (what the kernel's protect
 * sets hold once it is enforced); valid until the next decision. */
const struct vif_addr *decide_protected(const struct decide *d, size_t *ret_n);

size_t decide_bridges(const struct decide *d, const char **out, size_t max);

#endif
