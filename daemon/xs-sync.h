/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Keeping the vif table in step with xenstore: the watch on our backend vif
 * directory (and on the name of each domain with a vif), reading what
 * changed (pipelined through xs-bulk for many devices, one by one through
 * libxenstore for the rest), and reconnecting when xenstored goes away.
 * Writes only the xs part of an entry, and puts every entry it read on the
 * table's changed list.
 *
 * A device whose directory cannot be read (EACCES, ENOMEM) is rejected
 * alone (fail-closed) and read again after a delay that doubles up to 30 s;
 * only errors of the connection itself (it is closed, it broke) count as
 * losing xenstore.
 */
#ifndef VIFGUARD_XS_SYNC_H
#define VIFGUARD_XS_SYNC_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "policy.h"
#include "vif-table.h"

struct xs_sync;

int xs_sync_new(sd_event *ev, const struct policy *pol, struct vif_table *t, struct xs_sync **ret);
struct xs_sync *xs_sync_free(struct xs_sync *x);
/* Event sources (after xs_sync_new() with ev NULL for --print-ruleset:
 * none). */
int xs_sync_attach(struct xs_sync *x, sd_event *ev);

/* The backend directory watched, NULL while xenstore is unreachable. */
const char *xs_sync_root(const struct xs_sync *x);
/* Read every known device again at the next refresh. */
void xs_sync_reread_all(struct xs_sync *x);
/* Something to read (dirty entries, a rescan). */
bool xs_sync_pending(const struct xs_sync *x);
/* After reconnecting: the kernel may have missed changes; *ret_why. */
bool xs_sync_take_full_sync(struct xs_sync *x, const char **ret_why);

struct xs_sync_clock {
	uint64_t listed; /* monotonic us when the listing was done (0: none) */
};

/* Read what is dirty.  -errno: xenstore is gone (rules stay, a reconnect
 * is scheduled). */
int xs_sync_refresh(struct xs_sync *x, struct xs_sync_clock *clock);

#endif
