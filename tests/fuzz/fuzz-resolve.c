/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * resolve_compute on a handful of vifs built from the input bytes.  Domids,
 * macs, names, ranks and addresses come from a few bits each, so shared
 * domains, migration pairs, rank ties and overlapping entries are the common
 * case.  The answer must keep the invariants below and equal a quadratic
 * reference written straight from the rules.
 *
 * Input: byte 0 = vif count, byte 1 = protected count, then per vif two bytes
 * (domid:2 devid:2 mac:1 name:3, rank:2 n_addrs:3 has_ip:1) and two bytes per
 * entry (family:1 prefix:3 net:1 keep-host-bits:1, last byte), then two bytes
 * per protected entry.  Missing bytes read as 0.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_MAX 8
#define ADDRS_MAX 7
#define PROT_MAX 4

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t next(struct reader *rd)
{
	if (rd->left == 0)
		return 0;
	rd->left--;
	return *rd->p++;
}

static struct vif_addr read_addr(struct reader *rd)
{
	static const uint8_t lens4[] = {32, 32, 31, 30, 28, 26, 24, 1};
	static const uint8_t lens6[] = {128, 128, 127, 124, 120, 64, 48, 0};
	uint8_t a = next(rd), b = next(rd);
	struct vif_addr r = {0};
	unsigned width;

	if (a & 1) {
		r.family = AF_INET6;
		memcpy(r.addr, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		r.addr[7] = (a >> 4) & 1;
		r.addr[15] = b;
		r.prefixlen = lens6[(a >> 1) & 7];
		width = 128;
	} else {
		r.family = AF_INET;
		memcpy(r.addr,
		       (a >> 4) & 1 ? (const uint8_t[]){198, 51, 100}
				    : (const uint8_t[]){192, 0, 2},
		       3);
		r.addr[3] = b;
		r.prefixlen = lens4[(a >> 1) & 7];
		width = 32;
	}
	/* Host bits under the prefix must be ignored; usually they are clear. */
	if (!(a & 0x20))
		for (unsigned i = r.prefixlen; i < width; i++)
			r.addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	return r;
}

/* Independent of lib/resolve.c: bit by bit. */
static bool overlap(const struct vif_addr *a, const struct vif_addr *b)
{
	unsigned len = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;

	if (a->family != b->family)
		return false;
	for (unsigned i = 0; i < len; i++)
		if (((a->addr[i / 8] ^ b->addr[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static size_t base_len(const char *s)
{
	size_t n = strlen(s);

	if (n > 10 && strcmp(s + n - 10, "--incoming") == 0)
		return n - 10;
	if (n > 14 && strcmp(s + n - 14, "--migratedaway") == 0)
		return n - 14;
	return n;
}

static bool conflict(const struct resolve_in *a, const struct resolve_in *b)
{
	if (a->vif->domid == b->vif->domid)
		return false;
	if (memcmp(a->vif->mac, b->vif->mac, 6) != 0 || !a->domain_name || !b->domain_name)
		return true;
	return base_len(a->domain_name) == 0 ||
	       base_len(a->domain_name) != base_len(b->domain_name) ||
	       strncmp(a->domain_name, b->domain_name, base_len(a->domain_name)) != 0;
}

static bool before(const struct resolve_in *in, size_t i, size_t j)
{
	if (in[i].rank != in[j].rank)
		return in[i].rank < in[j].rank;
	if (in[i].vif->domid != in[j].vif->domid)
		return in[i].vif->domid < in[j].vif->domid;
	if (in[i].vif->devid != in[j].vif->devid)
		return in[i].vif->devid < in[j].vif->devid;
	return i < j;
}

static bool addr_same(const struct vif_addr *a, const struct vif_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static bool is_exact(const struct vif_addr *a)
{
	return a->prefixlen == (a->family == AF_INET ? 32 : 128);
}

static bool lists_prefix(const struct vif *v, const struct vif_addr *a)
{
	for (size_t k = 0; k < v->n_addrs; k++)
		if (v->addrs[k].prefixlen == a->prefixlen && overlap(&v->addrs[k], a))
			return true;
	return false;
}

/* A prefix two conflicting vifs list is shared. */
static bool is_shared(const struct resolve_in *in, size_t n, const struct vif_addr *a)
{
	for (size_t i = 0; i < n && !is_exact(a); i++)
		for (size_t j = 0; j < n; j++)
			if (conflict(&in[i], &in[j]) && lists_prefix(in[i].vif, a) &&
			    lists_prefix(in[j].vif, a))
				return true;
	return false;
}

/* The reference: every entry against every entry granted to an earlier vif
 * (a shared prefix: those around it), then (a prefix not shared) against
 * the shared prefixes of earlier vifs. */
static void reference(const struct resolve_in *in, size_t n, const struct vif_addr *prot,
		      size_t n_prot, const size_t *order, struct resolve_out *o)
{
	for (size_t p = 0; p < n; p++) {
		size_t i = order[p];

		o[i].effective = *in[i].vif;
		o[i].effective.n_addrs = 0;
		o[i].effective.n_claims = 0;
		o[i].n_withheld = 0;
		for (size_t k = 0; k < in[i].vif->n_addrs; k++) {
			const struct vif_addr *a = &in[i].vif->addrs[k];
			struct resolve_withheld w = {.addr = *a};
			bool is_withheld = false, shared = is_shared(in, n, a);

			for (size_t q = 0; q < n_prot && !is_withheld; q++)
				if (prot[q].prefixlen <= a->prefixlen && overlap(a, &prot[q])) {
					w.why = RESOLVE_WHY_PROTECTED;
					w.other = q;
					w.protected_addr = prot[q];
					is_withheld = true;
				}
			for (int pass = 0; pass < 2 && !is_withheld; pass++)
				for (size_t pj = 0; pj < p && !is_withheld; pj++) {
					size_t j = order[pj];
					const struct vif *e = &o[j].effective;
					size_t nm = pass ? e->n_claims : e->n_addrs;

					if (!conflict(&in[i], &in[j]) ||
					    (pass == 1 && (shared || is_exact(a))))
						continue;
					for (size_t m = 0; m < nm && !is_withheld; m++) {
						const struct vif_addr *b =
						    pass ? &e->claims[m] : &e->addrs[m];

						if (overlap(a, b) &&
						    (!shared || b->prefixlen <= a->prefixlen)) {
							w.why = RESOLVE_WHY_CONFLICT;
							w.other = j;
							is_withheld = true;
						}
					}
				}
			if (is_withheld)
				o[i].withheld[o[i].n_withheld++] = w;
			else if (shared)
				o[i].effective.claims[o[i].effective.n_claims++] = *a;
			else
				o[i].effective.addrs[o[i].effective.n_addrs++] = *a;
		}
	}
}

static void check(const struct resolve_in *in, size_t n, const struct vif_addr *prot, size_t n_prot,
		  const struct resolve_out *out)
{
	static struct resolve_out want[N_MAX];
	size_t order[N_MAX], where[N_MAX];

	for (size_t i = 0; i < n; i++) {
		size_t k = i;

		while (k > 0 && before(in, i, order[k - 1])) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	for (size_t p = 0; p < n; p++)
		where[order[p]] = p;

	for (size_t i = 0; i < n; i++) {
		const struct vif *v = in[i].vif, *e = &out[i].effective;
		size_t g = 0, w = 0, c = 0;

		/* Everything but the addresses is copied. */
		if (e->domid != v->domid || e->devid != v->devid || e->type != v->type ||
		    e->has_ip != v->has_ip || memcmp(e->mac, v->mac, 6) != 0 ||
		    strcmp(e->name, v->name) != 0 || strcmp(e->emu_name, v->emu_name) != 0 ||
		    strcmp(e->bridge, v->bridge) != 0)
			abort();

		/* granted + withheld + shared = the input, each in input order. */
		if (e->n_addrs + out[i].n_withheld + e->n_claims != v->n_addrs)
			abort();
		for (size_t k = 0; k < v->n_addrs; k++) {
			if (g < e->n_addrs && addr_same(&e->addrs[g], &v->addrs[k]))
				g++;
			else if (w < out[i].n_withheld &&
				 addr_same(&out[i].withheld[w].addr, &v->addrs[k]))
				w++;
			else if (c < e->n_claims && addr_same(&e->claims[c], &v->addrs[k]))
				c++;
			else
				abort();
		}

		/* A shared prefix: not a single address, two vifs that conflict
		 * list it (not always this one's rival: the two halves of a
		 * migration share with a third), it is not protected, and no conflicting vif's
		 * grant is a prefix around it. */
		for (size_t k = 0; k < e->n_claims; k++) {
			const struct vif_addr *x = &e->claims[k];

			if (is_exact(x) || !is_shared(in, n, x))
				abort();
			for (size_t q = 0; q < n_prot; q++)
				if (prot[q].prefixlen <= x->prefixlen && overlap(x, &prot[q]))
					abort();
			for (size_t j = 0; j < n; j++)
				for (size_t m = 0; j != i && conflict(&in[i], &in[j]) &&
						   m < out[j].effective.n_addrs;
				     m++)
					if (out[j].effective.addrs[m].prefixlen <= x->prefixlen &&
					    overlap(x, &out[j].effective.addrs[m]))
						abort();
		}

		/* Every withheld entry names a real reason. */
		for (size_t k = 0; k < out[i].n_withheld; k++) {
			const struct resolve_withheld *x = &out[i].withheld[k];
			bool is_found = false;

			switch (x->why) {
			case RESOLVE_WHY_PROTECTED:
				if (x->other >= n_prot || !overlap(&x->addr, &prot[x->other]) ||
				    prot[x->other].prefixlen > x->addr.prefixlen ||
				    !addr_same(&x->protected_addr, &prot[x->other]))
					abort();
				break;
			case RESOLVE_WHY_CONFLICT:
				if (x->other >= n || where[x->other] >= where[i] ||
				    !conflict(&in[i], &in[x->other]))
					abort();
				for (size_t m = 0; m < out[x->other].effective.n_addrs; m++)
					is_found =
					    is_found ||
					    overlap(&x->addr, &out[x->other].effective.addrs[m]);
				for (size_t m = 0; m < out[x->other].effective.n_claims; m++)
					is_found =
					    is_found ||
					    overlap(&x->addr, &out[x->other].effective.claims[m]);
				if (!is_found)
					abort();
				break;
			case RESOLVE_WHY_SHARED: /* no [shared] entries are given */
			case _RESOLVE_WHY_MAX:
				abort();
			}
			if (!resolve_why_to_string(x->why))
				abort();
		}

		/* Nothing granted equals or lies inside a protected entry (a prefix
		 * strictly containing one is granted: the kernel subtracts it), or
		 * overlaps a conflicting vif's grant. */
		for (size_t k = 0; k < e->n_addrs; k++) {
			for (size_t q = 0; q < n_prot; q++)
				if (prot[q].prefixlen <= e->addrs[k].prefixlen &&
				    overlap(&e->addrs[k], &prot[q]))
					abort();
			for (size_t j = 0; j < n; j++) {
				if (j == i || !conflict(&in[i], &in[j]))
					continue;
				for (size_t m = 0; m < out[j].effective.n_addrs; m++)
					if (overlap(&e->addrs[k], &out[j].effective.addrs[m]))
						abort();
			}
		}
	}

	/* And exactly what the rules say. */
	reference(in, n, prot, n_prot, order, want);
	for (size_t i = 0; i < n; i++) {
		if (want[i].effective.n_addrs != out[i].effective.n_addrs ||
		    want[i].n_withheld != out[i].n_withheld ||
		    want[i].effective.n_claims != out[i].effective.n_claims)
			abort();
		for (size_t k = 0; k < want[i].effective.n_claims; k++)
			if (!addr_same(&want[i].effective.claims[k], &out[i].effective.claims[k]))
				abort();
		for (size_t k = 0; k < want[i].effective.n_addrs; k++)
			if (!addr_same(&want[i].effective.addrs[k], &out[i].effective.addrs[k]))
				abort();
		for (size_t k = 0; k < want[i].n_withheld; k++)
			if (want[i].withheld[k].why != out[i].withheld[k].why ||
			    want[i].withheld[k].other != out[i].withheld[k].other)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
	    NULL,
	    "web01",
	    "web01--incoming",
	    "web01--migratedaway",
	    "web02",
	    "web02--incoming",
	    "",
	    "--incoming",
	};
	static struct vif vifs[N_MAX];
	static struct resolve_in in[N_MAX];
	static struct resolve_out out[N_MAX];
	struct vif_addr prot[PROT_MAX];
	struct reader rd = {data, size};
	size_t n, n_prot;

	if (size > 64 * 1024)
		return 0;
	n = 1 + next(&rd) % N_MAX;
	n_prot = next(&rd) % (PROT_MAX + 1);
	for (size_t i = 0; i < n; i++) {
		uint8_t a = next(&rd), b = next(&rd);
		struct vif *v = &vifs[i];

		memset(v, 0, sizeof(*v));
		v->domid = 1 + (a & 3);
		v->devid = (a >> 2) & 3;
		memcpy(v->mac,
		       (const uint8_t[]){0x00, 0x16, 0x3e, 0, 0, (uint8_t)(1 + ((a >> 4) & 1))}, 6);
		snprintf(v->name, sizeof(v->name), "vif%u.%u", v->domid, v->devid);
		v->has_ip = b & 0x80;
		v->n_addrs = (b >> 2) & ADDRS_MAX;
		for (size_t k = 0; k < v->n_addrs; k++)
			v->addrs[k] = read_addr(&rd);
		in[i] = (struct resolve_in){.vif = v, .domain_name = names[a >> 5], .rank = b & 3};
	}
	for (size_t q = 0; q < n_prot; q++)
		prot[q] = read_addr(&rd);

	if (resolve_compute(in, n, prot, n_prot, NULL, 0, out) != 0)
		abort();
	check(in, n, prot, n_prot, out);
	return 0;
}
