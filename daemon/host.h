/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's side of the links: its interfaces and addresses (read again
 * only after rtnetlink said something changed), which names are host
 * interfaces a guest's port must never be, and the bridges' settings.
 */
#ifndef VIFGUARD_HOST_H
#define VIFGUARD_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-event.h>

#include "vif.h"

struct host;

/* With a link monitor on ev (NULL: none; the addresses are read each time). */
int host_new(sd_event *ev, struct host **ret);
struct host *host_free(struct host *h);

/* Something changed since the last call (an address or a link): the
 * protected addresses may differ.  Clears the flag. */
bool host_take_changed(struct host *h);

/* The IPv4 and IPv6 addresses (link-local left out) of the interfaces
 * named in bridges[0..n_bridges-1], into out (at most max). */
size_t host_bridge_addrs(struct host *h, const char *const *bridges, size_t n_bridges,
			 struct vif_addr *out, size_t max);

/*
 * Is name a host interface, which a guest's port must never be?  lo, a
 * bridge, a bond, a VLAN, a physical NIC (a device that is not a netback
 * vif), or an interface holding one of the host's (non link-local)
 * addresses.  A name that does not exist yet is not: netback or the
 * hotplug script makes it later.  Netback vifs, taps (an HVM guest's -emu
 * port) and other virtual links (veth) are guest ports.
 */
bool host_is_host_interface(struct host *h, const char *name);

/* Turn on no_linklocal_learn where it is off (bridges that do not exist
 * yet are left for the next call). */
void host_ensure_bridges(struct host *h, const char *const *bridges, size_t n_bridges);

#endif
