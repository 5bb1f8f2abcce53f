/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address ownership, first come, first served (RFC 6620): the addresses a
 * guest configured itself inside the space it may claim in, fe80::/64
 * (stable-privacy and random link-locals, besides the EUI-64 one its mac
 * gives) and the prefixes it shares with other guests (lib/resolve.c: a
 * SLAAC /64 or an IPv4 subnet several guests' ip= list).  The kernel tells
 * us of a claim (a duplicate address detection solicitation for the
 * address, an ARP probe for it, or a frame from it, logged with prefix
 * CHAINS_OWN_PREFIX: attribution.c hands it here); lib/own-judge.c judges
 * it; a granted address is the vif's until the vif goes, and decide.c adds
 * it to the vif's addresses as an exact one, so it takes the same
 * one-lookup fast path as a configured address and every full sync
 * carries it.
 *
 * The owner of the address -> vif map and of each entry's `own` part.
 *
 * Restarts: the kernel's table is the record.  Before the first full sync
 * the manager hands over the exact elements of the old table's v4 and v6
 * sets (ownership_recover()); deciding a vif takes back those of its port
 * that are not its configured or EUI-64 ones and lie in its claim space,
 * judged again, so a restart keeps every ownership in the same transaction
 * that replaces the table.
 */
#ifndef VIFGUARD_OWNERSHIP_H
#define VIFGUARD_OWNERSHIP_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "vif-table.h"

struct ownership;

int ownership_new(const struct policy *pol, struct vif_table *t, struct ownership **ret);
struct ownership *ownership_free(struct ownership *o);

/*
 * The kernel logged a claim of a by the vif on port (how: "duplicate
 * address detection", "a frame").  prot: the protected addresses in force.
 * A grant puts the entry on the changed list and makes
 * ownership_take_changed() true; a refusal is logged with both parties.
 */
void ownership_claim(struct ownership *o, const char *port, const struct vif_addr *a,
		     const char *how, const struct vif_addr *prot, size_t n_prot);

/* Did a claim change anything since the last call? (the manager then
 * reconciles) */
bool ownership_take_changed(struct ownership *o);

/*
 * decide.c, for entry e whose decided addresses are v: drop what e may own
 * no longer (now protected, another vif's configured address: taken()
 * says so, outside its claim space), take back recovered ownerships of its
 * port, and append what it owns to v as exact addresses.
 */
void ownership_merge(struct ownership *o, struct vif_entry *e, struct vif *v,
		     const struct vif_addr *prot, size_t n_prot,
		     bool (*taken)(const struct vif_addr *a, const struct vif_entry *self,
				   const struct vif *space, void *data),
		     void *data);

/* decide.c: entries owning an address e now asks for go on the changed
 * list (they must give it up). */
void ownership_touch(struct ownership *o, struct vif_table *t, const struct vif_entry *e);

/* e leaves the table: what it owned is free. */
void ownership_forget(struct ownership *o, struct vif_entry *e);

/* Restart: an exact element (port . mac . address) found in the old
 * table; kept until ownership_recover_done(). */
int ownership_recover(struct ownership *o, const char *port, const struct vif_addr *a);
/* The first full sync is done: forget the recovered elements not taken. */
void ownership_recover_done(struct ownership *o);

/* Is a inside the space v (a decided vif) may claim in: fe80::/64 and the
 * prefixes it shares with other guests (v->claims), when it has an ip key
 * and claims are read? */
bool ownership_may_claim(const struct ownership *o, const struct vif *v, const struct vif_addr *a);

/* Is a (an entry of some vif's ip=) one of the prefixes space shares?  An
 * address inside it is no single vif's until claimed. */
bool ownership_is_claim(const struct vif *space, const struct vif_addr *a);

#endif
