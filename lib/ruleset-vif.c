// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * One vif's elements and objects (ruleset-vif.h).  A vif becomes a list of
 * element keys (struct elems), so an update is the difference of two lists
 * and a deletion mirrors the addition exactly.
 */
/* first: plan.h pulls in net/if.h, which must precede the uapi headers */
#include "ruleset-vif.h"

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libnftnl/object.h>
#include <libnftnl/set.h>

#include "set-catalog.h"

void ruleset_vif_id(const struct vif *v, char *buf, size_t len)
{
	snprintf(buf, len, "vif%u.%u", v->domid, v->devid);
}

bool ruleset_vif_is_mac_only(const struct policy *pol, const struct vif *v)
{
	return !v->has_ip && pol->no_ip == POLICY_NO_IP_MAC_ONLY;
}

struct elem {
	uint8_t kind; /* enum set_kind */
	uint8_t plen; /* the prefix length of a per-length set */
	uint8_t len;
	uint8_t key[SET_CATALOG_KEY_MAX];
};

/* Room for every element of one vif: 2 ports x (6 fixed + 2 per address +
 * 2 for the link-local address + 2 per shared prefix + per virtual mac: 2
 * fixed, 1 per address and 1 for the link-local address). */
#define VIF_ELEMS_MAX                                                                              \
	(2 * (6 + 2 * VIF_ADDRS_MAX + 2 + 2 * VIF_CLAIMS_MAX + VIF_VMACS_MAX * (3 + VIF_ADDRS_MAX)))

struct elems {
	struct elem e[VIF_ELEMS_MAX];
	size_t n;
};

static bool elems_has(const struct elems *es, const struct elem *x)
{
	for (size_t i = 0; i < es->n; i++)
		if (es->e[i].kind == x->kind && es->e[i].plen == x->plen &&
		    es->e[i].len == x->len && memcmp(es->e[i].key, x->key, x->len) == 0)
			return true;
	return false;
}

/* Append "port . [mac .] data" (each field padded to 4 bytes), once. */
static void elems_put(struct elems *es, enum set_kind k, unsigned int plen, const char *port,
		      const uint8_t *mac, const uint8_t *data, size_t dlen)
{
	struct elem x = {.kind = (uint8_t)k, .plen = (uint8_t)plen};
	size_t n = strnlen(port, IFNAMSIZ - 1);

	memcpy(x.key, port, n);
	x.len = IFNAMSIZ;
	if (mac) {
		memcpy(x.key + x.len, mac, 6);
		x.len += 8;
	}
	if (data) {
		memcpy(x.key + x.len, data, dlen);
		x.len += (uint8_t)((dlen + 3) / 4 * 4);
	}
	if (!elems_has(es, &x) && es->n < VIF_ELEMS_MAX)
		es->e[es->n++] = x;
}

static void prefix_mask(unsigned int bytes, unsigned int plen, uint8_t *mask)
{
	memset(mask, 0, bytes);
	for (unsigned int bit = 0; bit < plen; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
}

/* A prefix: its network in the set of its length (k4 for IPv4, k6 and
 * knd for IPv6: as a source and as an ND target). */
static void net_elems(struct elems *es, const char *port, const struct vif_addr *a,
		      enum set_kind k4, enum set_kind k6, enum set_kind knd)
{
	unsigned int bytes = a->family == AF_INET ? 4 : 16;
	uint8_t m[16], net[16];

	prefix_mask(bytes, a->prefixlen, m);
	for (unsigned int b = 0; b < bytes; b++)
		net[b] = a->addr[b] & m[b];
	if (a->family == AF_INET) {
		elems_put(es, k4, a->prefixlen, port, NULL, net, 4);
	} else {
		elems_put(es, k6, a->prefixlen, port, NULL, net, 16);
		elems_put(es, knd, a->prefixlen, port, NULL, net, 16);
	}
}

bool ruleset_vif_claims(const struct policy *pol, const struct vif *v)
{
	return v->has_ip && pol->log_group >= 0 && pol->owned_max > 0 &&
	       !ruleset_vif_is_mac_only(pol, v);
}

/*
 * A VRRP virtual mac ([shared] ... vmac) is a second mac for its family:
 * keepalived's use_vmac sends everything of that VRRP instance from it
 * (adverts from the vif's own address or link-local, ARP and ND for the
 * shared address), so it pairs with each exact address of its family, the
 * shared ones included, and the link-local; prefixes are keyed without a
 * mac anyway.
 */
static void vmac_elems(const struct vif *v, const char *port, const uint8_t ll[16],
		       struct elems *es)
{
	for (size_t m = 0; m < v->n_vmacs; m++) {
		const uint8_t *vm = v->vmacs[m];
		int family = vm[4] == 1 ? AF_INET : AF_INET6;

		elems_put(es, SET_KIND_MACS, 0, port, vm, NULL, 0);
		elems_put(es, SET_KIND_OPT_LLA, 0, port, vm, NULL, 0);
		for (size_t k = 0; k < v->n_addrs; k++) {
			const struct vif_addr *a = &v->addrs[k];

			if (a->family != family || a->prefixlen != (family == AF_INET ? 32 : 128))
				continue;
			elems_put(es, family == AF_INET ? SET_KIND_V4 : SET_KIND_V6, 0, port, vm,
				  a->addr, family == AF_INET ? 4 : 16);
		}
		if (family == AF_INET6)
			elems_put(es, SET_KIND_V6, 0, port, vm, ll, 16);
	}
}

static void vif_elems(const struct policy *pol, const struct vif *v, struct elems *es)
{
	const char *ports[2] = {v->name, v->emu_name};
	bool mac_only = ruleset_vif_is_mac_only(pol, v);
	uint8_t ll[16];

	es->n = 0;
	vif_mac_to_eui64_ll(v->mac, ll);
	for (int i = 0; i < 2; i++) {
		const char *port = ports[i];

		if (!port[0])
			continue;
		elems_put(es, SET_KIND_PORTS, 0, port, NULL, NULL, 0);
		elems_put(es, SET_KIND_MACS, 0, port, v->mac, NULL, 0);
		elems_put(es, SET_KIND_OPT_LLA, 0, port, v->mac, NULL, 0);
		elems_put(es, SET_KIND_COUNTERS, 0, port, NULL, NULL, 0);
		if (pol->log_group >= 0)
			elems_put(es, SET_KIND_LIMITS, 0, port, NULL, NULL, 0);
		if (mac_only) {
			elems_put(es, SET_KIND_ANY_IP, 0, port, NULL, NULL, 0);
			continue;
		}
		for (size_t k = 0; k < v->n_addrs; k++) {
			const struct vif_addr *a = &v->addrs[k];
			unsigned int bytes = a->family == AF_INET ? 4 : 16;

			if (a->prefixlen == bytes * 8) {
				if (a->family == AF_INET) {
					elems_put(es, SET_KIND_V4, 0, port, v->mac, a->addr, 4);
				} else {
					elems_put(es, SET_KIND_V6, 0, port, v->mac, a->addr, 16);
					elems_put(es, SET_KIND_ND6, 0, port, NULL, a->addr, 16);
				}
				continue;
			}
			net_elems(es, port, a, SET_KIND_V4_NET, SET_KIND_V6_NET, SET_KIND_ND6_NET);
		}
		/* the EUI-64 link-local address: a source with any IPv6 config,
		 * and always a target for DAD; any other link-local, and any
		 * address in the prefixes it shares with other vifs, it may
		 * claim (own-judge.h) when the daemon reads the claims from the
		 * log */
		if (v->has_ip)
			elems_put(es, SET_KIND_V6, 0, port, v->mac, ll, 16);
		if (ruleset_vif_claims(pol, v)) {
			elems_put(es, SET_KIND_OWN_LL, 0, port, NULL, NULL, 0);
			for (size_t k = 0; k < v->n_claims; k++)
				net_elems(es, port, &v->claims[k], SET_KIND_OWN4_NET,
					  SET_KIND_OWN6_NET, SET_KIND_OWN_ND6_NET);
		}
		elems_put(es, SET_KIND_ND6, 0, port, NULL, ll, 16);
		vmac_elems(v, port, ll, es);
	}
}

/* One element message per set: the elements of es (in the order of the set
 * kinds given) that are not in other; with merge, added to the elements
 * gathered for each set instead, which become an op of their own every
 * PLAN_MERGE_MAX elements and at the end of ruleset_full(). */
static int elems_emit(struct plan *p, bool del, const struct elems *es, const struct elems *other,
		      enum set_kind k, int owner, const char *id, bool merge)
{
	bool done[VIF_ELEMS_MAX] = {false};

	for (size_t i = 0; i < es->n; i++) {
		struct plan_merge *mg;
		struct nftnl_set *s;
		char name[32], *text = NULL;
		size_t tlen = 0, n = 0;
		FILE *f = NULL;
		int ret;

		if (done[i] || es->e[i].kind != k)
			continue;
		set_catalog_name(k, es->e[i].plen, name, sizeof(name));
		mg = merge ? plan_merge_get(p, name) : NULL;
		if (merge && !mg)
			return -ENOMEM;
		s = mg ? mg->s : plan_set_new(p, name);
		if (s && !p->no_text)
			f = open_memstream(&text, &tlen);
		if (!s || (!p->no_text && !f)) {
			if (!mg && s)
				nftnl_set_free(s);
			return plan_push(p, del, PLAN_ELEMS, NULL, owner, name, NULL);
		}
		for (size_t j = i; j < es->n; j++) {
			const struct elem *x = &es->e[j];
			struct nftnl_set_elem *e;
			char buf[160];

			if (done[j] || x->kind != k || x->plen != es->e[i].plen)
				continue;
			done[j] = true;
			if (other && elems_has(other, x))
				continue;
			e = nftnl_set_elem_alloc();
			if (!e) {
				p->oom = true;
				break;
			}
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, x->key, x->len);
			if (!del && set_catalog_obj_type(k))
				nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF, id);
			nftnl_set_elem_add(s, e);
			n++;
			if (f) {
				set_catalog_elem_print(k, x->key, id, buf, sizeof(buf));
				fprintf(f, "%s%s", ftell(f) ? ", " : "", buf);
			}
		}
		if (f && fclose(f) != 0)
			p->oom = true;
		if (mg) {
			ret = plan_merge_add(p, mg, n, text);
			free(text);
			if (ret < 0)
				return ret;
			continue;
		}
		if (n == 0 || p->oom) {
			/* nothing to change in this set */
			nftnl_set_free(s);
			free(text);
			if (p->oom)
				return -ENOMEM;
			continue;
		}
		ret = plan_push(p, del, PLAN_ELEMS, s, owner, name, text);
		free(text);
		if (ret < 0)
			return ret;
		p->ops[p->n_ops - 1].n_elems = (uint32_t)n;
	}
	return 0;
}

/* The vif's counter, and its log limit if frames are logged. */
static int objects(const struct policy *pol, struct plan *p, bool del, int owner, const char *id)
{
	struct nftnl_obj *o;
	char text[96];
	int ret;

	ret = plan_push(p, del, PLAN_OBJECT, plan_obj_new(p->table, id, NFT_OBJECT_COUNTER), owner,
			id, NULL);
	if (ret || pol->log_group < 0)
		return ret;
	o = plan_obj_new(p->table, id, NFT_OBJECT_LIMIT);
	if (o) {
		nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_RATE, pol->log_kernel_rate);
		nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_UNIT, 1);
		nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_BURST, pol->log_kernel_rate);
		nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_FLAGS, 0);
	}
	/* the same two numbers as rate and burst above, one second as the unit */
	snprintf(text, sizeof(text), "rate %u/second burst %u packets", pol->log_kernel_rate,
		 pol->log_kernel_rate);
	return plan_push(p, del, PLAN_OBJECT, o, owner, id, text);
}

/* The order elements are added in (@ports last: the port leaves the
 * fail-closed rule once everything else is there) and deleted in
 * (reversed). */
static const enum set_kind add_order[] = {
    SET_KIND_COUNTERS, SET_KIND_LIMITS,	     SET_KIND_MACS,    SET_KIND_OPT_LLA,
    SET_KIND_ANY_IP,   SET_KIND_V4,	     SET_KIND_V6,      SET_KIND_ND6,
    SET_KIND_V4_NET,   SET_KIND_V6_NET,	     SET_KIND_ND6_NET, SET_KIND_OWN4_NET,
    SET_KIND_OWN6_NET, SET_KIND_OWN_ND6_NET, SET_KIND_OWN_LL,  SET_KIND_PORTS,
};

/* Add (del false) or delete v; with other (what the kernel has, or what v
 * becomes): only the elements other lacks, and no objects. */
static int vif_change(const struct policy *pol, bool del, const struct vif *v,
		      const struct vif *other, int owner, struct plan *p, bool merge)
{
	const size_t n = sizeof(add_order) / sizeof(add_order[0]);
	struct elems *es = malloc(sizeof(*es)), *oes = other ? malloc(sizeof(*oes)) : NULL;
	char id[32];
	int ret = 0;

	if (!es || (other && !oes)) {
		free(es);
		free(oes);
		p->oom = true;
		return -ENOMEM;
	}
	ruleset_vif_id(v, id, sizeof(id));
	vif_elems(pol, v, es);
	if (oes)
		vif_elems(pol, other, oes);
	if (!del && !other)
		ret = objects(pol, p, false, owner, id);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = elems_emit(p, del, es, oes, add_order[del ? n - 1 - i : i], owner, id,
				 merge && !del && !other);
	if (del && !other && ret == 0)
		ret = objects(pol, p, true, owner, id);
	free(es);
	free(oes);
	return ret;
}

int ruleset_vif_add(const struct policy *pol, const struct vif *v, const struct vif *have,
		    int owner, struct plan *p)
{
	return vif_change(pol, false, v, have, owner, p, false);
}

int ruleset_vif_del(const struct policy *pol, const struct vif *v, const struct vif *keep,
		    int owner, struct plan *p)
{
	return vif_change(pol, true, v, keep, owner, p, false);
}

int ruleset_vif_add_full(const struct policy *pol, const struct vif *v, int owner, struct plan *p)
{
	return vif_change(pol, false, v, NULL, owner, p, p->merge_elems);
}
