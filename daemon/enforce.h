/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Enforcing: turning a decision into one nf_tables transaction, blaming a
 * refused one on the vif whose op the kernel named and retrying without
 * it, and keeping what the kernel now has.  Writes only the kernel part of
 * an entry (struct vif_entry, vif-table.h) and the table's port index.
 *
 * A vif whose rules the kernel refused stays fail-closed (no rules) and is
 * read again after a delay that doubles from 1 s up to 5 minutes, not at
 * every reconcile: a vif the kernel keeps refusing costs one transaction
 * per delay.
 */
#ifndef VIFGUARD_ENFORCE_H
#define VIFGUARD_ENFORCE_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "decide.h"
#include "nfmon.h"
#include "nfwriter.h"
#include "policy.h"
#include "vif-table.h"

struct enforce;

int enforce_new(sd_event *ev, struct nfwriter *nw, struct nfmon *mon, const struct policy *pol,
		struct vif_table *t, struct enforce **ret);
struct enforce *enforce_free(struct enforce *en);

/* Tests: the least size of a set (VIFGUARD_TEST_SET_SIZE_MIN). */
void enforce_set_size_min(struct enforce *en, uint32_t n);

/*
 * Write what changed in d.  0: done (some vifs may be refused and wait for
 * their retry).  1: only a full sync can sort it out, *ret_why says why (the
 * table is gone, a set is full, nobody to blame).  <0: out of memory.
 */
int enforce_changes(struct enforce *en, const struct decision *d, const char **ret_why);

struct enforce_full_result {
	const char *again;	 /* do it again soon, and why (NULL: no need) */
	uint64_t committed_usec; /* monotonic: the kernel's commit returned */
};

/*
 * Replace the whole table with d (every entry).  quiet: the entries'
 * "enforced" journal entries wait for enforce_report_quiet() (startup:
 * after READY=1).  0 or <0 (nothing changed in the kernel).
 */
int enforce_full(struct enforce *en, const struct decision *d, bool quiet,
		 struct enforce_full_result *ret);
void enforce_report_quiet(struct enforce *en);

/* The plan enforce_full() would commit, as an nft script (--print-ruleset). */
int enforce_print(struct enforce *en, const struct decision *d, char **ret_text);

#endif
