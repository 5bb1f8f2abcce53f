// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr-index.h"
#include "resolve.h"

/* The holders of one exact address. */
struct addr_users {
	char key[VIF_ADDR_STRLEN];
	struct addr_holder **h;
	size_t n, cap;
};

static bool is_exact(const struct vif_addr *a)
{
	return a->prefixlen == (a->family == AF_INET ? 32 : 128);
}

static void users_free(struct addr_users *u)
{
	free(u->h);
	free(u);
}

void addr_index_done(struct addr_index *ix)
{
	for (size_t i = 0; i < ix->exact.cap; i++)
		if (ix->exact.slots[i].key)
			users_free(ix->exact.slots[i].value);
	strmap_done(&ix->exact);
	free(ix->prefixed);
	*ix = ADDR_INDEX_INIT;
}

static void exact_del(struct addr_index *ix, const struct vif_addr *a, struct addr_holder *h)
{
	char key[VIF_ADDR_STRLEN];
	struct addr_users *u;
	void **v;

	vif_addr_to_string(a, key, sizeof(key));
	v = strmap_get(&ix->exact, key);
	if (!v)
		return;
	u = *v;
	for (size_t i = 0; i < u->n; i++)
		if (u->h[i] == h) {
			u->h[i] = u->h[--u->n];
			break;
		}
	if (u->n == 0) {
		strmap_del(&ix->exact, u->key);
		users_free(u);
	}
}

static int exact_add(struct addr_index *ix, const struct vif_addr *a, struct addr_holder *h)
{
	char key[VIF_ADDR_STRLEN];
	struct addr_users *u;
	int added;
	void **v;

	vif_addr_to_string(a, key, sizeof(key));
	v = strmap_get(&ix->exact, key);
	if (v) {
		u = *v;
	} else {
		u = calloc(1, sizeof(*u));
		if (!u)
			return -ENOMEM;
		snprintf(u->key, sizeof(u->key), "%s", key);
		v = strmap_put(&ix->exact, u->key, &added);
		if (!v) {
			free(u);
			return -ENOMEM;
		}
		*v = u;
	}
	for (size_t i = 0; i < u->n; i++)
		if (u->h[i] == h)
			return 0; /* the same address twice */
	if (u->n == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 2;
		struct addr_holder **n = realloc(u->h, cap * sizeof(*n));

		if (!n) {
			if (u->n == 0) {
				strmap_del(&ix->exact, u->key);
				users_free(u);
			}
			return -ENOMEM;
		}
		u->h = n;
		u->cap = cap;
	}
	u->h[u->n++] = h;
	return 0;
}

static void prefixed_del(struct addr_index *ix, struct addr_holder *h)
{
	size_t i = h->prefixed_at - 1;

	if (!h->prefixed_at)
		return;
	ix->prefixed[i] = ix->prefixed[--ix->n_prefixed];
	ix->prefixed[i]->prefixed_at = i + 1;
	h->prefixed_at = 0;
}

static int prefixed_add(struct addr_index *ix, struct addr_holder *h)
{
	if (h->prefixed_at)
		return 0;
	if (ix->n_prefixed == ix->n_prefixed_alloc) {
		size_t cap = ix->n_prefixed_alloc ? 2 * ix->n_prefixed_alloc : 16;
		struct addr_holder **n = realloc(ix->prefixed, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ix->prefixed = n;
		ix->n_prefixed_alloc = cap;
	}
	ix->prefixed[ix->n_prefixed++] = h;
	h->prefixed_at = ix->n_prefixed;
	return 0;
}

int addr_index_set(struct addr_index *ix, struct addr_holder *h, const struct vif_addr *a, size_t n)
{
	struct vif_addr *copy = NULL;
	bool prefixed = false;
	int r = 0;

	if (h->lost) {
		h->lost = false;
		ix->n_lost--;
	}
	for (size_t i = 0; i < h->n; i++)
		if (is_exact(&h->addrs[i]))
			exact_del(ix, &h->addrs[i], h);
	prefixed_del(ix, h);
	free(h->addrs);
	h->addrs = NULL;
	h->n = 0;
	if (n == 0)
		return 0;
	copy = malloc(n * sizeof(*copy));
	if (!copy)
		r = -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		copy[i] = a[i];
		if (is_exact(&a[i]))
			r = exact_add(ix, &a[i], h);
		else
			prefixed = true;
		h->n = i + 1;
	}
	h->addrs = copy;
	if (r == 0 && prefixed)
		r = prefixed_add(ix, h);
	if (r < 0) {
		/* the index no longer knows what h holds */
		addr_index_set(ix, h, NULL, 0);
		h->lost = true;
		ix->n_lost++;
	}
	return r;
}

enum addr_index_answer addr_index_lookup(const struct addr_index *ix, const struct vif_addr *a,
					 bool (*ignore)(const struct addr_holder *h, void *data),
					 void *data)
{
	return addr_index_lookup_except(ix, a, ignore, data, NULL, 0);
}

static bool is_excepted(const struct vif_addr *held, const struct vif_addr *except, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (held->family == except[i].family && held->prefixlen == except[i].prefixlen &&
		    resolve_addrs_overlap(held, &except[i]))
			return true;
	return false;
}

enum addr_index_answer
addr_index_lookup_except(const struct addr_index *ix, const struct vif_addr *a,
			 bool (*ignore)(const struct addr_holder *h, void *data), void *data,
			 const struct vif_addr *except, size_t n_except)
{
	char key[VIF_ADDR_STRLEN];
	void **v;

	if (!is_exact(a) || ix->n_lost)
		return ADDR_INDEX_UNKNOWN;
	vif_addr_to_string(a, key, sizeof(key));
	v = strmap_get(&ix->exact, key);
	for (size_t i = 0; v && i < ((struct addr_users *)*v)->n; i++)
		if (!ignore(((struct addr_users *)*v)->h[i], data))
			return ADDR_INDEX_OVERLAPS;
	for (size_t i = 0; i < ix->n_prefixed; i++) {
		const struct addr_holder *h = ix->prefixed[i];

		if (ignore(h, data))
			continue;
		for (size_t k = 0; k < h->n; k++)
			if (resolve_addrs_overlap(&h->addrs[k], a) &&
			    !is_excepted(&h->addrs[k], except, n_except))
				return ADDR_INDEX_OVERLAPS;
	}
	return ADDR_INDEX_FREE;
}
