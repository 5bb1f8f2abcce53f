// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiler's top: a full replacement of the table, the prefix-length
 * shape around vif changes, and the printer's public name.  The layers it
 * puts together: plan.c (the container), stmt.c (statements: text and
 * expressions from the same values), set-catalog.c (the sets), chains.c (the
 * table's fixed part) and ruleset-vif.c (one vif's elements and objects).
 */
/* first: it pulls in net/if.h, which must precede the uapi headers */
#include "ruleset.h"

#include <linux/netfilter.h>
#include <string.h>

#include <libnftnl/table.h>

#include "chains.h"
#include "set-catalog.h"

static void bit_set(uint8_t *b, unsigned int i)
{
	b[i / 8] |= (uint8_t)(1u << (i % 8));
}

void ruleset_shape_add(const struct policy *pol, struct ruleset_shape *s, const struct vif *v)
{
	if (ruleset_vif_is_mac_only(pol, v))
		return;
	for (size_t i = 0; i < v->n_addrs; i++) {
		const struct vif_addr *a = &v->addrs[i];

		if (a->family == AF_INET && a->prefixlen < 32)
			bit_set(s->v4, a->prefixlen);
		else if (a->family == AF_INET6 && a->prefixlen < 128)
			bit_set(s->v6, a->prefixlen);
	}
}

int ruleset_shape_begin(const struct ruleset_shape *old, const struct ruleset_shape *new,
			struct plan *p)
{
	bool v4 = memcmp(old->v4, new->v4, sizeof(old->v4)) != 0;
	bool v6 = memcmp(old->v6, new->v6, sizeof(old->v6)) != 0;
	int ret = 0;

	for (unsigned int plen = 0; plen < 128 && ret == 0; plen++) {
		if (plen < 32 && ruleset_shape_has(new, AF_INET, plen) &&
		    !ruleset_shape_has(old, AF_INET, plen))
			ret = set_catalog_add(p, SET_KIND_V4_NET, plen);
		if (ret == 0 && ruleset_shape_has(new, AF_INET6, plen) &&
		    !ruleset_shape_has(old, AF_INET6, plen))
			ret = set_catalog_add(p, SET_KIND_V6_NET, plen)
				  ?: set_catalog_add(p, SET_KIND_ND6_NET, plen);
	}
	if (v4 && ret == 0)
		ret = chains_src_rebuild(p, AF_INET, new);
	if (v6 && ret == 0)
		ret = chains_src_rebuild(p, AF_INET6, new);
	return ret;
}

int ruleset_shape_end(const struct ruleset_shape *old, const struct ruleset_shape *new,
		      struct plan *p)
{
	int ret = 0;

	for (unsigned int plen = 0; plen < 128 && ret == 0; plen++) {
		if (plen < 32 && ruleset_shape_has(old, AF_INET, plen) &&
		    !ruleset_shape_has(new, AF_INET, plen))
			ret = set_catalog_del(p, SET_KIND_V4_NET, plen);
		if (ret == 0 && ruleset_shape_has(old, AF_INET6, plen) &&
		    !ruleset_shape_has(new, AF_INET6, plen))
			ret = set_catalog_del(p, SET_KIND_V6_NET, plen)
				  ?: set_catalog_del(p, SET_KIND_ND6_NET, plen);
	}
	return ret;
}

static struct nftnl_table *table_new(const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t) {
		nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_BRIDGE);
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	}
	return t;
}

int ruleset_full(const struct policy *pol, const struct vif *vifs, size_t n, const bool *skip,
		 struct plan *p)
{
	struct ruleset_shape sh = {0};
	int ret;

	for (size_t i = 0; i < n; i++)
		if (!skip || !skip[i])
			ruleset_shape_add(pol, &sh, &vifs[i]);
	/* create (no-op if present), delete, create: one transaction, no gap */
	ret = plan_push(p, false, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	ret = ret ?: plan_push(p, true, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	ret = ret ?: chains_table_add(pol, &sh, p);
	for (size_t i = 0; i < n && ret == 0; i++)
		if (!skip || !skip[i])
			ret = ruleset_vif_add_full(pol, &vifs[i], (int)i, p);
	/* what is still gathered, in the order the sets were first used */
	ret = ret ?: plan_merge_flush(p);
	plan_merge_free(p);
	if (ret == 0)
		ret = plan_sets_size(p);
	return ret;
}

char *ruleset_print(const struct plan *p)
{
	return plan_print(p);
}
