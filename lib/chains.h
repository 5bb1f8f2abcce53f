/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The table and its fixed part: the fail-closed counter, the sets (from
 * set-catalog.h), the base chains and every chain's rules.  The rules are
 * written only with the statement emitters of stmt.h.  Layout and the why of
 * each rule: docs/design.md.
 */
#ifndef VIFGUARD_CHAINS_H
#define VIFGUARD_CHAINS_H

/* The log prefix of a frame that claims an address (chain own-claim and
 * the DAD solicitations of guest-dad); drops log with "vifguard". */
#define CHAINS_OWN_PREFIX "vifguard-own"

#include "plan.h"
#include "policy.h"
#include "ruleset.h"

/* Create the table with its objects, sets, chains and rules (shape: the
 * prefix lengths in use, a set and a masked lookup rule each). */
int chains_table_add(const struct policy *pol, const struct ruleset_shape *sh, struct plan *p);
/* Create (del false) or delete the per-length sets of the lengths shape a
 * has and shape b has not. */
int chains_shape_sets(const struct ruleset_shape *a, const struct ruleset_shape *b, bool del,
		      struct plan *p);
/* Flush and rewrite the source-check chains of one family (AF_INET: src-ip,
 * src-arp and probe-claim; AF_INET6: src-ip6 and nd-target) for shape sh. */
int chains_src_rebuild(struct plan *p, int family, const struct ruleset_shape *sh);

#endif
