/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one long-lived nfnetlink socket that commits plans to nf_tables.
 */
#ifndef VIFGUARD_NFWRITER_H
#define VIFGUARD_NFWRITER_H

#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

struct nfwriter;

struct nfwriter_error {
	long op; /* index of the plan op the kernel rejected, -1 if none known */
	int owner; /* that op's owner (vif index, -1 = the table) */
	int error; /* negative errno */
	char msg[128]; /* kernel's extended ack message */
};

int nfwriter_new(struct nfwriter **ret);
struct nfwriter *nfwriter_free(struct nfwriter *w);
/* The netlink port of our socket: changes it makes carry it. */
uint32_t nfwriter_portid(const struct nfwriter *w);

/* Send the plan as one transaction.  0: applied.  <0: nothing applied; if
 * the kernel blamed one op, err says which (and whose). */
int nfwriter_commit(struct nfwriter *w, const struct plan *p, struct nfwriter_error *err);

/* nf_tables' generation id (every committed transaction, anyone's, adds 1). */
int nfwriter_genid(struct nfwriter *w, uint32_t *ret);

#endif
