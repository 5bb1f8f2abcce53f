/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One vif in the ruleset: its elements in the catalog's sets (set-catalog.h)
 * and its two named objects, the counter and the log limit
 * ("vif<domid>.<devid>").  Adding, updating or removing a vif is only these.
 */
#ifndef VIFGUARD_RULESET_VIF_H
#define VIFGUARD_RULESET_VIF_H

#include <stdbool.h>
#include <stddef.h>

#include "plan.h"
#include "policy.h"
#include "vif.h"

/* Add a vif (owner tags the ops).  With have (the vif as the kernel has it
 * now): only what v has and have has not, and no objects (an update). */
int ruleset_vif_add(const struct policy *pol, const struct vif *v, const struct vif *have,
		    int owner, struct plan *p);
/* Delete a vif.  With keep (the vif it becomes): only what keep has not,
 * and the objects stay. */
int ruleset_vif_del(const struct policy *pol, const struct vif *v, const struct vif *keep,
		    int owner, struct plan *p);
/* Add a vif in a full sync: its elements merged with the other vifs' if
 * p->merge_elems (see struct plan). */
int ruleset_vif_add_full(const struct policy *pol, const struct vif *v, int owner, struct plan *p);

/* The name of a vif's counter and limit objects: "vif<domid>.<devid>". */
void ruleset_vif_id(const struct vif *v, char *buf, size_t len);

/* A vif without an `ip` key under no-ip = mac-only: only the mac and the
 * router/server checks apply, any address is allowed. */
bool ruleset_vif_is_mac_only(const struct policy *pol, const struct vif *v);

/* May v claim addresses (own-judge.h): an `ip` key, and the daemon reads
 * claims (a log group) and grants them (owned-addresses-per-vif > 0)?
 * Then its ports are in own-ll and its shared prefixes (v->claims) in
 * own4-<len> / own6-<len> / own-nd6-<len>. */
bool ruleset_vif_claims(const struct policy *pol, const struct vif *v);

#endif
