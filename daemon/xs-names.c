// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs-names.h"

/* The devices of one domain with a vif. */
struct xs_domain {
	char key[12];
	uint32_t *devids;
	size_t n, cap;
};

static struct xs_domain *domain_get(struct xs_names *n, uint32_t domid, bool add)
{
	char key[12];
	struct xs_domain *d;
	void **v;
	int added;

	snprintf(key, sizeof(key), "%u", domid);
	v = strmap_get(&n->domains, key);
	if (v || !add)
		return v ? *v : NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	snprintf(d->key, sizeof(d->key), "%u", domid);
	v = strmap_put(&n->domains, d->key, &added);
	if (!v) {
		free(d);
		return NULL;
	}
	*v = d;
	return d;
}

static void domain_free(struct xs_names *n, struct xs_domain *d)
{
	strmap_del(&n->domains, d->key);
	free(d->devids);
	free(d);
}

void xs_names_track(struct xs_names *n, struct vif_entry *e, bool in)
{
	struct xs_domain *d;

	if (e->xs.in_domain == in)
		return;
	d = domain_get(n, e->domid, in);
	if (!d)
		return; /* out of memory: no rename is seen for it */
	if (in) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 2;
			uint32_t *v = realloc(d->devids, cap * sizeof(*v));

			if (!v)
				return;
			d->devids = v;
			d->cap = cap;
		}
		d->devids[d->n++] = e->devid;
	} else {
		for (size_t i = 0; i < d->n; i++)
			if (d->devids[i] == e->devid) {
				d->devids[i] = d->devids[--d->n];
				break;
			}
		if (d->n == 0)
			domain_free(n, d);
	}
	e->xs.in_domain = in;
}

void xs_names_done(struct xs_names *n)
{
	for (size_t i = 0; i < n->domains.cap; i++) {
		struct xs_domain *d = n->domains.slots[i].key ? n->domains.slots[i].value : NULL;

		if (d) {
			free(d->devids);
			free(d);
		}
	}
	strmap_done(&n->domains);
}

void xs_names_reset(struct xs_names *n, struct vif_table *t)
{
	xs_names_done(n);
	for (size_t i = 0; i < t->n; i++)
		t->entries[i]->xs.in_domain = false;
}

void xs_names_on_event(struct xs_names *n, struct vif_table *t, uint32_t domid)
{
	struct xs_domain *d = domain_get(n, domid, false);

	for (size_t i = 0; d && i < d->n; i++) {
		struct vif_entry *e = vif_table_find(t, domid, d->devids[i]);

		if (e)
			vif_table_list_add(t, VIF_LIST_DIRTY, e);
	}
}
