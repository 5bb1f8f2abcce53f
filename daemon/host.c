// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bridge.h"
#include "host.h"
#include "log.h"

/* An IPv4 or IPv6 address of one of the host's interfaces. */
struct host_addr {
	char ifname[IFNAMSIZ];
	struct vif_addr addr;
	bool link_local;
};

struct host {
	sd_event_source *link_source;
	int link_fd;
	struct host_addr *addrs;
	size_t n_addrs;
	bool stale;   /* read the addresses again before using them */
	bool changed; /* host_take_changed() */
};

/* A link appeared or changed: a bridge deleted and made again has lost
 * no_linklocal_learn, and no xenstore event says so; an address may have
 * come or gone. */
static int host_on_link(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct host *h = userdata;
	unsigned int what;

	(void)s;
	(void)revents;
	what = bridge_monitor_drain(fd);
	if (what & (BRIDGE_MONITOR_LINKS | BRIDGE_MONITOR_ADDRS))
		h->stale = h->changed = true;
	return 0;
}

int host_new(sd_event *ev, struct host **ret)
{
	struct host *h = calloc(1, sizeof(*h));
	int r;

	if (!h)
		return -ENOMEM;
	h->link_fd = -1;
	h->stale = true;
	if (ev) {
		h->link_fd = bridge_monitor_open();
		if (h->link_fd < 0)
			log_warning_errno(h->link_fd,
					  "Cannot watch network links (%m): a bridge made again "
					  "gets no_linklocal_learn only with the next change");
		else if ((r = sd_event_add_io(ev, &h->link_source, h->link_fd, EPOLLIN,
					      host_on_link, h)) < 0) {
			host_free(h);
			return r;
		}
	}
	*ret = h;
	return 0;
}

struct host *host_free(struct host *h)
{
	if (!h)
		return NULL;
	sd_event_source_disable_unref(h->link_source);
	if (h->link_fd >= 0)
		close(h->link_fd);
	free(h->addrs);
	free(h);
	return NULL;
}

bool host_take_changed(struct host *h)
{
	bool c = h->changed;

	h->changed = false;
	return c;
}

static void addrs_read(struct host *h)
{
	struct ifaddrs *ifa, *p;
	struct host_addr *v;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0) {
		log_warning_errno(-errno, "Cannot list the host's addresses: %m");
		return; /* stale stays set: next time again */
	}
	for (p = ifa; p; p = p->ifa_next)
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		freeifaddrs(ifa);
		return;
	}
	n = 0;
	for (p = ifa; p; p = p->ifa_next) {
		struct host_addr *a = &v[n];

		if (!p->ifa_addr ||
		    (p->ifa_addr->sa_family != AF_INET && p->ifa_addr->sa_family != AF_INET6))
			continue;
		snprintf(a->ifname, sizeof(a->ifname), "%s", p->ifa_name);
		a->addr = (struct vif_addr){.family = p->ifa_addr->sa_family};
		if (p->ifa_addr->sa_family == AF_INET) {
			memcpy(a->addr.addr, &((struct sockaddr_in *)(void *)p->ifa_addr)->sin_addr,
			       4);
			a->addr.prefixlen = 32;
		} else {
			memcpy(a->addr.addr,
			       &((struct sockaddr_in6 *)(void *)p->ifa_addr)->sin6_addr, 16);
			a->addr.prefixlen = 128;
			/* per link, not an address to protect */
			a->link_local = a->addr.addr[0] == 0xfe && (a->addr.addr[1] & 0xc0) == 0x80;
		}
		n++;
	}
	freeifaddrs(ifa);
	free(h->addrs);
	h->addrs = v;
	h->n_addrs = n;
	h->stale = false;
}

static void addrs_fresh(struct host *h)
{
	if (h->stale || h->link_fd < 0)
		addrs_read(h);
}

size_t host_bridge_addrs(struct host *h, const char *const *bridges, size_t n_bridges,
			 struct vif_addr *out, size_t max)
{
	size_t n = 0;

	if (n_bridges == 0)
		return 0;
	addrs_fresh(h);
	for (size_t k = 0; k < h->n_addrs && n < max; k++) {
		const struct host_addr *a = &h->addrs[k];

		if (a->link_local)
			continue;
		for (size_t j = 0; j < n_bridges; j++)
			if (strcmp(bridges[j], a->ifname) == 0) {
				out[n++] = a->addr;
				break;
			}
	}
	return n;
}

static bool sys_has(const char *name, const char *what)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, what);
	return stat(path, &st) == 0;
}

/* Does the sysfs link /sys/class/net/<name>/<link> end in want? */
static bool sys_link_is(const char *name, const char *link, const char *want)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	base = strrchr(target, '/');
	return strcmp(base ? base + 1 : target, want) == 0;
}

/* Is the device behind name a xenbus backend's vif device ("vif-<domid>-<devid>")? */
static bool sys_device_is_xenbus_vif(const char *name)
{
	char path[PATH_MAX], target[PATH_MAX];
	unsigned int domid, devid;
	const char *base;
	char end;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", name);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = 0;
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	return sscanf(base, "vif-%u-%u%c", &domid, &devid, &end) == 2;
}

/*
 * Is the device behind name netback's?  Its driver is "vif", but while a vif
 * is destroyed (xl destroy, network-detach, the old side of a migration) the
 * kernel removes the device's "subsystem" and "driver" links before netback
 * unregisters the netdev; the device link itself, to the xenbus device
 * "vif-<domid>-<devid>", stays until the netdev is gone.
 */
static bool sys_device_is_netback(const char *name)
{
	return sys_link_is(name, "device/driver", "vif") ||
	       sys_link_is(name, "device/subsystem", "xen-backend") ||
	       sys_device_is_xenbus_vif(name);
}

bool host_is_host_interface(struct host *h, const char *name)
{
	if (strcmp(name, "lo") == 0)
		return true;
	if (!sys_has(name, ""))
		return false; /* not there yet */
	if (sys_has(name, "bridge") || sys_has(name, "bonding") || sys_has(name, "bonding_slave"))
		return true;
	{
		char vlan[PATH_MAX];
		struct stat st;

		snprintf(vlan, sizeof(vlan), "/proc/net/vlan/%s", name);
		if (stat(vlan, &st) == 0)
			return true;
	}
	/* a device behind a bus: a NIC, unless it is netback's (driver "vif").
	 * Asked again when the links say no: a vif being destroyed loses its
	 * links one by one, and a link read a moment after it was seen may be
	 * gone (a save, destroy or migration: seen once in the real-Xen world
	 * as "vif1.0 is a host interface" while xl save tore it down). */
	if (sys_has(name, "device") && !sys_device_is_netback(name))
		return sys_has(name, "device") && !sys_device_is_netback(name);
	addrs_fresh(h);
	for (size_t k = 0; k < h->n_addrs; k++)
		if (!h->addrs[k].link_local && strcmp(h->addrs[k].ifname, name) == 0)
			return true;
	return false;
}

void host_ensure_bridges(struct host *h, const char *const *bridges, size_t n_bridges)
{
	(void)h;
	for (size_t i = 0; i < n_bridges; i++) {
		int r;

		if (bridge_get_no_linklocal_learn(bridges[i]) == 1)
			continue;
		r = bridge_set_no_linklocal_learn(bridges[i]);
		if (r == -ENODEV)
			continue; /* not there yet; checked again next time */
		if (r < 0)
			log_warning_errno(r, "Failed to set no_linklocal_learn on bridge %s: %m",
					  bridges[i]);
		else
			log_info("Bridge %s: no_linklocal_learn set", bridges[i]);
	}
}
