// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy replay's state and its answer (explain-replay.h): the text of
 * the rule that drops a frame, the address or mac it claimed, and the vif's
 * address sets as the rules look them up.
 */
#include "explain-replay.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

bool explain_replay_is_icmp6(struct explain_replay *c, const struct explain_decode_l4 *l,
			     uint8_t type)
{
	return l->is_valid && l->proto == PROTO_IP_ICMPV6 && explain_decode_th(&c->d, l, 0, 1) &&
	       c->d.p[l->thoff] == type;
}

bool explain_replay_is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

const char *explain_replay_addr_str(int family, const uint8_t *src, char buf[INET6_ADDRSTRLEN])
{
	uint8_t a[16] = {0};

	memcpy(a, src, family == AF_INET ? 4 : 16);
	if (!inet_ntop(family, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

const char *explain_replay_mac_str(const uint8_t *mac, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

static void vsay(struct explain *e, enum explain_reason r, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vsay(struct explain *e, enum explain_reason r, const char *fmt, va_list ap)
{
	memset(e, 0, sizeof(*e));
	e->reason = r;
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
}

void explain_replay_say(struct explain_replay *c, enum explain_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(&c->out, r, fmt, ap);
	va_end(ap);
}

void explain_replay_allowed(struct explain_replay *c, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (c->has_guess) {
		c->out = c->guess;
		return;
	}
	va_start(ap, fmt);
	vsay(&c->out, EXPLAIN_REASON_NONE, fmt, ap);
	va_end(ap);
	n = strlen(c->out.what);
	if (c->v)
		snprintf(c->out.what + n, sizeof(c->out.what) - n,
			 " (allowed by its current rules)");
}

bool explain_replay_is_final(struct explain_replay *c)
{
	if (c->v)
		return true;
	c->guess = c->out;
	c->has_guess = true;
	return false;
}

void explain_replay_claim(struct explain_replay *c, int family, const uint8_t *addr)
{
	size_t n = family == AF_INET ? 4 : 16;

	/* 0.0.0.0 and :: claim nothing */
	if (explain_replay_is_zero(addr, n))
		return;
	c->out.has_claim = true;
	memset(&c->out.claim, 0, sizeof(c->out.claim));
	c->out.claim.family = family;
	c->out.claim.prefixlen = (uint8_t)(n * 8);
	memcpy(c->out.claim.addr, addr, n);
}

void explain_replay_claim_mac(struct explain_replay *c, const uint8_t *mac)
{
	c->out.has_claim_mac = true;
	memcpy(c->out.claim_mac, mac, 6);
}

static bool in_prefix(const struct vif_addr *a, int family, const uint8_t *addr)
{
	unsigned int width = family == AF_INET ? 32 : 128;
	unsigned int plen = a->prefixlen < width ? a->prefixlen : width;
	uint8_t mask;

	if (a->family != family || memcmp(a->addr, addr, plen / 8) != 0)
		return false;
	if (plen % 8 == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - plen % 8));
	return ((a->addr[plen / 8] ^ addr[plen / 8]) & mask) == 0;
}

bool explain_replay_is_protected(const struct explain_replay *c, int family, const uint8_t *addr)
{
	for (size_t i = 0; i < c->n_prot; i++)
		if (in_prefix(&c->prot[i], family, addr))
			return true;
	return false;
}

bool explain_replay_is_vif_mac(const struct vif *v, const uint8_t *mac)
{
	size_t n = v->n_vmacs < VIF_VMACS_MAX ? v->n_vmacs : VIF_VMACS_MAX;

	if (memcmp(mac, v->mac, 6) == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (memcmp(mac, v->vmacs[i], 6) == 0)
			return true;
	return false;
}

bool explain_replay_is_allowed(const struct explain_replay *c, int family, const uint8_t *addr,
			       bool is_nd_target)
{
	size_t n;

	if (!c->v)
		return false;
	if (c->is_mac_only)
		return true;
	n = c->v->n_addrs < VIF_ADDRS_MAX ? c->v->n_addrs : VIF_ADDRS_MAX;
	for (size_t i = 0; i < n; i++)
		if (in_prefix(&c->v->addrs[i], family, addr))
			return true;
	if (family == AF_INET6 && (c->v->has_ip || is_nd_target)) {
		uint8_t ll[16];

		vif_mac_to_eui64_ll(c->v->mac, ll);
		return memcmp(ll, addr, 16) == 0;
	}
	return false;
}
