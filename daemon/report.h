/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Journal entries about vifs: enforced, removed, rejected or refused, and
 * each withheld address once, with who holds it.  Each is written once,
 * when it changes; what was told lives in the entry's `reported` part,
 * which only this module writes.
 */
#ifndef VIFGUARD_REPORT_H
#define VIFGUARD_REPORT_H

#include "vif-table.h"

/* Who an entry is, for log_vif(): port is its port name (NULL: the one
 * vif_entry_port() gives, else "vif<domid>.<devid>"). */
void report_identity(const struct vif_entry *e, const char *port, struct log_vif *ret, char *buf,
		     size_t len);

void report_enforced(const struct vif_entry *e);
/* Its rules old were deleted (named by old's port). */
void report_removed(const struct vif_entry *e, const struct vif *old);

/* The entries on the changed list: a new error, newly withheld addresses. */
void report_changes(struct vif_table *t);

/* "a b c", "none" for no addresses. */
void report_addrs(const struct vif_addr *a, size_t n, char *buf, size_t len);

#endif
