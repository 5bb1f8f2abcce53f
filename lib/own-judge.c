// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "own-judge.h"

static const char *const verdict_names[_OWN_VERDICT_MAX] = {
    [OWN_GRANT] = "granted",
    [OWN_ALREADY] = "already its own",
    [OWN_NOT_SINGLE] = "not a single address",
    [OWN_OUTSIDE] = "outside the addresses it may claim",
    [OWN_PROTECTED] = "a protected address",
    [OWN_SHARED] = "a [shared] address of other domains",
    [OWN_CONFIGURED] = "configured for another vif",
    [OWN_EUI64] = "another vif's EUI-64 address",
    [OWN_OWNED] = "owned by another vif",
    [OWN_CAP] = "it owns as many addresses as it may",
};

const char *own_verdict_to_string(enum own_verdict v)
{
	return (unsigned)v < _OWN_VERDICT_MAX ? verdict_names[v] : "?";
}

static unsigned width(int family)
{
	return family == AF_INET ? 32 : 128;
}

bool own_inside(const struct vif_addr *p, const struct vif_addr *a)
{
	unsigned full, rest;

	if (p->family != a->family || p->prefixlen > width(p->family) ||
	    a->prefixlen < p->prefixlen)
		return false;
	full = p->prefixlen / 8;
	rest = p->prefixlen % 8;
	if (memcmp(p->addr, a->addr, full) != 0)
		return false;
	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((p->addr[full] & mask) != (a->addr[full] & mask))
			return false;
	}
	return true;
}

bool own_eui64_mac(const struct vif_addr *a, uint8_t mac[6])
{
	const uint8_t *iid = a->addr + 8;

	if (a->family != AF_INET6 || iid[3] != 0xff || iid[4] != 0xfe)
		return false;
	mac[0] = iid[0] ^ 0x02;
	mac[1] = iid[1];
	mac[2] = iid[2];
	mac[3] = iid[5];
	mac[4] = iid[6];
	mac[5] = iid[7];
	return true;
}

static const void *another(const void *v, const void *self)
{
	return v == self ? NULL : v;
}

enum own_verdict own_judge(const struct own_claimant *c, const struct vif_addr *a,
			   const struct own_world *w, const void **other)
{
	const void *o;
	uint8_t mac[6];
	bool inside = false;

	if (other)
		*other = NULL;
	if ((a->family != AF_INET && a->family != AF_INET6) || a->prefixlen != width(a->family))
		return OWN_NOT_SINGLE;
	for (size_t i = 0; i < c->n_space && !inside; i++)
		inside = own_inside(&c->space[i], a);
	if (!inside)
		return OWN_OUTSIDE;
	if (w->is_protected(a, w->data))
		return OWN_PROTECTED;
	if (w->is_shared_elsewhere && w->is_shared_elsewhere(a, w->data))
		return OWN_SHARED;
	o = another(w->configured_by(a, w->data), c->self);
	if (o) {
		if (other)
			*other = o;
		return OWN_CONFIGURED;
	}
	if (own_eui64_mac(a, mac)) {
		o = another(w->mac_of(mac, w->data), c->self);
		if (o) {
			if (other)
				*other = o;
			return OWN_EUI64;
		}
	}
	o = w->owner_of(a, w->data);
	if (o == c->self)
		return OWN_ALREADY;
	if (o) {
		if (other)
			*other = o;
		return OWN_OWNED;
	}
	if (c->n_owned >= c->cap)
		return OWN_CAP;
	return OWN_GRANT;
}

const char *own_how_to_string(enum own_how h)
{
	static const char *const names[_OWN_HOW_MAX] = {
	    [OWN_HOW_FRAME] = "a frame from it",
	    [OWN_HOW_DAD] = "duplicate address detection",
	    [OWN_HOW_NA] = "a neighbour advertisement",
	    [OWN_HOW_PROBE] = "an ARP probe",
	    [OWN_HOW_ANNOUNCE] = "ARP from it",
	};

	return (unsigned)h < _OWN_HOW_MAX ? names[h] : "?";
}

/* IPv4: the source of a packet; ARP (Ethernet, IPv4): the sender's
 * address, or a probe's (sender 0.0.0.0) target. */
static int claim_v4(const uint8_t *l3, size_t len, uint16_t proto, struct vif_addr *ret,
		    enum own_how *ret_how)
{
	static const uint8_t arp_fixed[6] = {0, 1, 0x08, 0x00, 6, 4};
	static const uint8_t unspecified[4];
	const uint8_t *a;

	*ret = (struct vif_addr){.family = AF_INET, .prefixlen = 32};
	*ret_how = OWN_HOW_FRAME;
	if (proto == 0x0800) {
		if (len < 20 || (l3[0] >> 4) != 4)
			return -EINVAL;
		a = l3 + 12;
	} else {
		/* htype, ptype, hlen, plen, operation, sha, spa, tha, tpa */
		if (len < 28 || memcmp(l3, arp_fixed, 6) != 0)
			return -EINVAL;
		a = l3 + 14;
		*ret_how = OWN_HOW_ANNOUNCE;
		if (memcmp(a, unspecified, 4) == 0) {
			a = l3 + 24;
			*ret_how = OWN_HOW_PROBE;
		}
	}
	if (memcmp(a, unspecified, 4) == 0)
		return -EINVAL;
	memcpy(ret->addr, a, 4);
	return 0;
}

int own_claim_address(const uint8_t *l3, size_t len, uint16_t proto, struct vif_addr *ret,
		      enum own_how *ret_how)
{
	static const uint8_t unspecified[16];
	/* fixed header (40), then an NS or NA: type, code, checksum, flags or
	 * reserved, target */
	const size_t nd_end = 40 + 8 + 16;
	bool is_nd;

	if (proto == 0x0800 || proto == 0x0806)
		return claim_v4(l3, len, proto, ret, ret_how);
	if (proto != 0x86dd || len < 40 || (l3[0] >> 4) != 6)
		return -EINVAL;
	*ret = (struct vif_addr){.family = AF_INET6, .prefixlen = 128};
	*ret_how = OWN_HOW_FRAME;
	is_nd = l3[6] == 58 && len >= nd_end && l3[41] == 0;
	if (memcmp(l3 + 8, unspecified, 16) != 0) {
		/* an NA claims its target (the rules check that, nd-target) */
		if (is_nd && l3[40] == 136) {
			memcpy(ret->addr, l3 + 48, 16);
			*ret_how = OWN_HOW_NA;
			return 0;
		}
		memcpy(ret->addr, l3 + 8, 16);
		return 0;
	}
	if (!is_nd || l3[40] != 135)
		return -EINVAL;
	memcpy(ret->addr, l3 + 48, 16);
	*ret_how = OWN_HOW_DAD;
	return 0;
}
