/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain names: which devices each domain with a vif has, so that a change
 * of /local/domain/<domid>/name (`xl rename`, the end of a migration: the
 * "--incoming" suffix dropped) reads that domain's devices again and the
 * journal and the status show the new name.  The watch itself is one for
 * all domains (xenwatch.c).  Owned by xs-sync.c, which reads the names.
 */
#ifndef VIFGUARD_XS_NAMES_H
#define VIFGUARD_XS_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "strmap.h"
#include "vif-table.h"

struct xs_names {
	struct strmap domains; /* domid -> struct xs_domain (xs-names.c) */
};

#define XS_NAMES_INIT ((struct xs_names){ .domains = STRMAP_INIT })

void xs_names_done(struct xs_names *n);
/* Forget every domain (a new connection: everything is read again). */
void xs_names_reset(struct xs_names *n, struct vif_table *t);
/* e is present (in) or gone (!in): count it in its domain. */
void xs_names_track(struct xs_names *n, struct vif_entry *e, bool in);
/* domid's name changed: its devices go on the dirty list. */
void xs_names_on_event(struct xs_names *n, struct vif_table *t, uint32_t domid);

#endif
