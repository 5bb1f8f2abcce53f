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

int own_claim_address(const uint8_t *l3, size_t len, uint16_t proto, struct vif_addr *ret,
		      bool *ret_dad)
{
	static const uint8_t unspecified[16];
	/* fixed header (40), then an NS: type, code, checksum, reserved, target */
	const size_t ns_end = 40 + 8 + 16;

	if (proto != 0x86dd || len < 40 || (l3[0] >> 4) != 6)
		return -EINVAL;
	*ret = (struct vif_addr){.family = AF_INET6, .prefixlen = 128};
	*ret_dad = false;
	if (memcmp(l3 + 8, unspecified, 16) != 0) {
		memcpy(ret->addr, l3 + 8, 16);
		return 0;
	}
	if (l3[6] != 58 || len < ns_end || l3[40] != 135 || l3[41] != 0)
		return -EINVAL;
	memcpy(ret->addr, l3 + 48, 16);
	*ret_dad = true;
	return 0;
}
