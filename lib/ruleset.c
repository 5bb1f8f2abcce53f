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

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/set.h>
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
	for (size_t i = 0; i < v->n_claims && ruleset_vif_claims(pol, v); i++) {
		const struct vif_addr *a = &v->claims[i];

		if (a->family == AF_INET && a->prefixlen < 32)
			bit_set(s->c4, a->prefixlen);
		else if (a->family == AF_INET6 && a->prefixlen < 128)
			bit_set(s->c6, a->prefixlen);
	}
}

int ruleset_shape_begin(const struct ruleset_shape *old, const struct ruleset_shape *new,
			struct plan *p)
{
	bool v4 = memcmp(old->v4, new->v4, sizeof(old->v4)) != 0 ||
		  memcmp(old->c4, new->c4, sizeof(old->c4)) != 0;
	bool v6 = memcmp(old->v6, new->v6, sizeof(old->v6)) != 0 ||
		  memcmp(old->c6, new->c6, sizeof(old->c6)) != 0;
	int ret = chains_shape_sets(new, old, false, p);

	if (v4 && ret == 0)
		ret = chains_src_rebuild(p, AF_INET, new);
	if (v6 && ret == 0)
		ret = chains_src_rebuild(p, AF_INET6, new);
	return ret;
}

int ruleset_shape_end(const struct ruleset_shape *old, const struct ruleset_shape *new,
		      struct plan *p)
{
	return chains_shape_sets(old, new, true, p);
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
	ret = plan_push(p, false, PLAN_TABLE, plan_table_new(p->table), -1, p->table, NULL);
	ret = ret ?: plan_push(p, true, PLAN_TABLE, plan_table_new(p->table), -1, p->table, NULL);
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

/* ---- the protected addresses ---- */

/* A range of addresses [lo, hi], big endian: the first 4 or 16 bytes
 * used, the rest zero. */
struct range {
	uint8_t lo[16], hi[16];
};

static int range_cmp(const void *x, const void *y)
{
	const struct range *a = x, *b = y;

	return memcmp(a->lo, b->lo, sizeof(a->lo));
}

/* a + 1 into ret; false when a is all ones (no successor). */
static bool addr_next(const uint8_t *a, size_t len, uint8_t *ret)
{
	memcpy(ret, a, len);
	for (size_t i = len; i-- > 0;)
		if (++ret[i] != 0)
			return true;
	return false;
}

/* The prefix length of [lo, hi] if it is one prefix, else -1. */
static int range_prefix(const struct range *r, size_t len)
{
	unsigned int plen = 0;

	while (plen < len * 8 &&
	       (r->lo[plen / 8] & (0x80 >> (plen % 8))) == (r->hi[plen / 8] & (0x80 >> (plen % 8))))
		plen++;
	for (unsigned int b = plen; b < len * 8; b++) {
		bool lo = r->lo[b / 8] & (0x80 >> (b % 8)), hi = r->hi[b / 8] & (0x80 >> (b % 8));

		if (lo || !hi)
			return -1;
	}
	return (int)plen;
}

/* One range as nft prints it: an address, a prefix or lo-hi; hex for the
 * raw ND target (hex prefixes do not parse back). */
static void range_print(FILE *f, const struct range *r, size_t len, bool hex, bool first)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int plen = range_prefix(r, len);

	fprintf(f, "%s", first ? "" : ", ");
	if (hex) {
		fprintf(f, "0x");
		for (size_t i = 0; i < len; i++)
			fprintf(f, "%02x", r->lo[i]);
		if (plen == (int)len * 8)
			return;
		fprintf(f, "-0x");
		for (size_t i = 0; i < len; i++)
			fprintf(f, "%02x", r->hi[i]);
		return;
	}
	inet_ntop(len == 4 ? AF_INET : AF_INET6, r->lo, a, sizeof(a));
	inet_ntop(len == 4 ? AF_INET : AF_INET6, r->hi, b, sizeof(b));
	if (plen == (int)len * 8)
		fprintf(f, "%s", a);
	else if (plen >= 0)
		fprintf(f, "%s/%d", a, plen);
	else
		fprintf(f, "%s-%s", a, b);
}

static int elem_add(struct nftnl_set *s, const uint8_t *key, size_t len, bool end)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return -ENOMEM;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)len);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
	return 0;
}

/* The merged ranges r[0..n) as the elements of set k: each range's first
 * address, and the address after its last one as an interval end (none
 * after the last address of all); and, as nft writes it, an interval end
 * at 0 when the first range starts later. */
static int protect_emit(struct plan *p, enum set_kind k, const struct range *r, size_t n,
			size_t len)
{
	static const uint8_t zero[16] = {0};
	struct nftnl_set *s;
	char name[32], *text = NULL;
	size_t tlen = 0;
	uint32_t n_elems = 0;
	FILE *f = NULL;
	int ret = 0;

	if (n == 0)
		return 0;
	set_catalog_name(k, 0, name, sizeof(name));
	s = plan_set_new(p, name);
	if (!s)
		return plan_push(p, false, PLAN_ELEMS, NULL, -1, name, NULL);
	if (!p->no_text && !(f = open_memstream(&text, &tlen))) {
		nftnl_set_free(s);
		return -ENOMEM;
	}
	if (memcmp(r[0].lo, zero, len) != 0) {
		ret = elem_add(s, zero, len, true);
		n_elems++;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		uint8_t end[16];

		ret = elem_add(s, r[i].lo, len, false);
		n_elems++;
		if (ret == 0 && addr_next(r[i].hi, len, end)) {
			ret = elem_add(s, end, len, true);
			n_elems++;
		}
		if (f)
			range_print(f, &r[i], len, k == SET_KIND_PROTECT_ND, i == 0);
	}
	if (f && fclose(f) != 0)
		ret = -ENOMEM;
	if (ret < 0) {
		nftnl_set_free(s);
		free(text);
		return ret;
	}
	ret = plan_push(p, false, PLAN_ELEMS, s, -1, name, text);
	free(text);
	if (ret == 0)
		p->ops[p->n_ops - 1].n_elems = n_elems;
	return ret;
}

int ruleset_protect(const struct vif_addr *prot, size_t n, struct plan *p)
{
	struct range *r = malloc((n ? n : 1) * sizeof(*r));
	int ret = 0;

	if (!r)
		return -ENOMEM;
	for (int fam = 0; fam < 2 && ret == 0; fam++) {
		const int family = fam ? AF_INET6 : AF_INET;
		const size_t len = fam ? 16 : 4;
		size_t m = 0, k = 0;

		for (size_t i = 0; i < n; i++) {
			const struct vif_addr *a = &prot[i];
			unsigned int plen =
			    a->prefixlen > len * 8 ? (unsigned int)len * 8 : a->prefixlen;

			if (a->family != family)
				continue;
			r[m] = (struct range){{0}, {0}};
			for (size_t b = 0; b < len; b++) {
				unsigned int keep = plen > b * 8 ? plen - (unsigned int)b * 8 : 0;
				uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep);

				r[m].lo[b] = a->addr[b] & mask;
				r[m].hi[b] = a->addr[b] | (uint8_t)~mask;
			}
			m++;
		}
		qsort(r, m, sizeof(*r), range_cmp);
		/* merge overlapping and adjacent ranges (the kernel refuses both) */
		for (size_t i = 1; i < m; i++) {
			uint8_t next[16];
			bool has_next = addr_next(r[k].hi, len, next);

			if (!has_next || memcmp(r[i].lo, next, len) <= 0) {
				if (memcmp(r[i].hi, r[k].hi, len) > 0)
					memcpy(r[k].hi, r[i].hi, len);
				continue;
			}
			r[++k] = r[i];
		}
		if (m > 0)
			m = k + 1;
		ret = protect_emit(p, fam ? SET_KIND_PROTECT6 : SET_KIND_PROTECT4, r, m, len);
		if (ret == 0 && fam)
			ret = protect_emit(p, SET_KIND_PROTECT_ND, r, m, len);
	}
	free(r);
	return ret;
}

char *ruleset_print(const struct plan *p)
{
	return plan_print(p);
}
