/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Domain names: a watch on /local/domain/<domid>/name of every domain with
 * a vif, so that `xl rename` and the end of a migration (the "--incoming"
 * suffix dropped) reach the journal and the status without any change to
 * the vif's own backend directory.  Owned by xs-sync.c, which reads the
 * names; this module only knows which devices each domain has and keeps
 * the watches.  Watches are set at idle priority, a slice at a time: a boot
 * storm's enforcement does not wait for them.
 */
#ifndef VIFGUARD_XS_NAMES_H
#define VIFGUARD_XS_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "strmap.h"
#include "vif-table.h"
#include "xenwatch.h"

struct xs_names {
	struct strmap domains; /* domid -> struct xs_domain (xs-names.c) */
	uint32_t *unwatched;   /* domids whose watch is to be set */
	size_t n_unwatched;
	sd_event_source *source;
	struct xenwatch *xw; /* the connection the watches live on (NULL: none) */
};

#define XS_NAMES_INIT ((struct xs_names){.domains = STRMAP_INIT})

void xs_names_done(struct xs_names *n);
/* A new connection (NULL: none): every watch is set again. */
void xs_names_reset(struct xs_names *n, struct vif_table *t, struct xenwatch *xw);
/* e is present (in) or gone (!in): count it in its domain. */
void xs_names_track(struct xs_names *n, struct vif_entry *e, bool in);
/* A watch event for domid's name: its devices go on the dirty list. */
void xs_names_on_event(struct xs_names *n, struct vif_table *t, uint32_t domid);
/* Set the watches of new domains soon, at idle priority. */
void xs_names_watch_later(struct xs_names *n, sd_event *ev);

#endif
