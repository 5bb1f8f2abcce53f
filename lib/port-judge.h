/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Port names: which device may have its rules on which interface name.
 *
 * vifguard matches a vif's rules by port name, so two devices must never
 * hold the same one.  Every present device claims its port name (the
 * backend's vifname, else netback's "vif<domid>.<devid>") and, when it has
 * an emulated twin, "<name>-emu"; a device keeps its claim while its other
 * values are broken, so breaking one's own entry never hands one's port to
 * someone else.  Of several claimants of a name, the earliest (lowest rank)
 * holds it.
 *
 * A valid vif's names are refused when one is a host interface (the caller
 * asks the system: see decide.c), when a custom name is another device's
 * netback name, or when an earlier device holds it.
 *
 * The judge keeps an index of claims, name -> claimants, so that a change
 * re-judges only the devices it can affect: the one that changed and the
 * claimants of each name it took or gave up (port_judge_update()).
 * Pure: no I/O, no logging.
 */
#ifndef VIFGUARD_PORT_JUDGE_H
#define VIFGUARD_PORT_JUDGE_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strmap.h"

struct port_claimant {
	/* the caller's: set before the first update, never changed after */
	uint64_t rank; /* arrival order: lower holds a name first */
	uint32_t domid;
	uint32_t devid;
	/* the judge's: the names this device claims ("": none) */
	char claims[2][IFNAMSIZ];
};

struct port_judge {
	struct strmap names; /* name -> struct port_name (port-judge.c) */
};

#define PORT_JUDGE_INIT ((struct port_judge){.names = STRMAP_INIT})

void port_judge_done(struct port_judge *j);

/*
 * c now claims name and emu (NULL or "": nothing; both NULL: c is gone).
 * touched(x, data) is called for each claimant whose verdict may have
 * changed: c itself and every other claimant of a name c took or gave up
 * (some may be called twice).  0, or -ENOMEM: then c claims nothing (its
 * old claims are dropped too) and the caller refuses it.
 */
int port_judge_update(struct port_judge *j, struct port_claimant *c, const char *name,
		      const char *emu, void (*touched)(struct port_claimant *x, void *data),
		      void *data);

/* The earliest claimant of name, or NULL. */
const struct port_claimant *port_judge_holder(const struct port_judge *j, const char *name);

enum port_why {
	PORT_OK,
	PORT_HOST,    /* a host interface */
	PORT_NETBACK, /* a custom name that is another device's netback name */
	PORT_TAKEN,   /* an earlier device holds it */
	_PORT_WHY_MAX,
};

struct port_verdict {
	enum port_why why;
	int which;			    /* the refused name: 0 the port, 1 the -emu twin */
	const struct port_claimant *holder; /* PORT_TAKEN */
};

/*
 * The verdict on a valid vif c whose port names are names[0] and names[1]
 * ("" when it has no -emu twin).  host[k]: names[k] is a host interface.
 * custom: names[0] came from the backend's vifname.
 */
struct port_verdict port_judge(const struct port_judge *j, const struct port_claimant *c,
			       const char *const names[2], const bool host[2], bool custom);

/* Is name netback's name of a device other than domid/devid
 * ("vif<domid>.<devid>" or its "-emu" twin)? */
bool port_name_is_netback_of_other(const char *name, uint32_t domid, uint32_t devid);

const char *port_why_to_string(enum port_why why);

#endif
