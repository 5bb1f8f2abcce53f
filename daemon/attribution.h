/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop attribution: each frame a vif's rules drop reaches us through
 * nfnetlink_log; lib/explain.c says which rule it broke, and one journal
 * entry names the guest that sent it and whose address it claimed, at most
 * log_rate_burst per vif per log_rate_interval_sec.  Optional: without it
 * everything is still enforced.  Writes only the drops part of an entry.
 * The claims of addresses the kernel logs with them go to ownership.c.
 */
#ifndef VIFGUARD_ATTRIBUTION_H
#define VIFGUARD_ATTRIBUTION_H

#include <systemd/sd-event.h>

#include "decide.h"
#include "ownership.h"
#include "policy.h"
#include "vif-table.h"

struct attribution;

/* NULL in *ret (and 0) when the policy has no log group.  d gives the
 * protected addresses the rules were written with; claims of addresses
 * (log prefix CHAINS_OWN_PREFIX) go to own. */
int attribution_new(sd_event *ev, const struct policy *pol, const struct decide *d,
		    struct vif_table *t, struct ownership *own, struct attribution **ret);
struct attribution *attribution_free(struct attribution *a);

#endif
