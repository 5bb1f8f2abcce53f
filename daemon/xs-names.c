// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs-names.h"

/* The devices of one domain with a vif. */
struct xs_domain {
	char key[12];
	uint32_t domid;
	uint32_t *devids;
	size_t n, cap;
	bool watched;
	bool initial_pending; /* its watch's first event says nothing new */
};

static struct xs_domain *domain_get(struct xs_names *n, uint32_t domid, bool add)
{
	char key[12];
	struct xs_domain *d;
	uint32_t *u;
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
	d->domid = domid;
	v = strmap_put(&n->domains, d->key, &added);
	if (!v) {
		free(d);
		return NULL;
	}
	*v = d;
	u = realloc(n->unwatched, (n->n_unwatched + 1) * sizeof(*u));
	if (u) {
		n->unwatched = u;
		n->unwatched[n->n_unwatched++] = domid;
	}
	return d;
}

static void domain_free(struct xs_names *n, struct xs_domain *d)
{
	if (d->watched && n->xw)
		xenwatch_watch_name(n->xw, d->domid, false);
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

static void forget_all(struct xs_names *n)
{
	for (size_t i = 0; i < n->domains.cap; i++) {
		struct xs_domain *d = n->domains.slots[i].key ? n->domains.slots[i].value : NULL;

		if (d) {
			free(d->devids);
			free(d);
		}
	}
	strmap_done(&n->domains);
	n->n_unwatched = 0;
}

void xs_names_reset(struct xs_names *n, struct vif_table *t, struct xenwatch *xw)
{
	forget_all(n);
	for (size_t i = 0; i < t->n; i++)
		t->entries[i]->xs.in_domain = false;
	n->xw = xw;
}

void xs_names_done(struct xs_names *n)
{
	n->source = sd_event_source_disable_unref(n->source);
	forget_all(n);
	free(n->unwatched);
	n->unwatched = NULL;
}

void xs_names_on_event(struct xs_names *n, struct vif_table *t, uint32_t domid)
{
	struct xs_domain *d = domain_get(n, domid, false);

	if (!d)
		return;
	if (d->initial_pending) {
		d->initial_pending = false;
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		struct vif_entry *e = vif_table_find(t, domid, d->devids[i]);

		if (e)
			vif_table_list_add(t, VIF_LIST_DIRTY, e);
	}
}

static int on_idle(sd_event_source *s, void *userdata)
{
	struct xs_names *n = userdata;

	/* a slice per dispatch: xenstore events keep their turn */
	for (int k = 0; k < 64 && n->n_unwatched > 0 && n->xw; k++) {
		struct xs_domain *d = domain_get(n, n->unwatched[--n->n_unwatched], false);

		if (!d || d->watched)
			continue;
		if (xenwatch_watch_name(n->xw, d->domid, true) == 0)
			d->watched = d->initial_pending = true;
	}
	if (n->n_unwatched == 0 || !n->xw)
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return 0;
}

void xs_names_watch_later(struct xs_names *n, sd_event *ev)
{
	if (n->n_unwatched == 0 || !n->xw)
		return;
	if (!n->source) {
		if (sd_event_add_defer(ev, &n->source, on_idle, n) < 0)
			return;
		sd_event_source_set_priority(n->source, SD_EVENT_PRIORITY_IDLE);
	}
	sd_event_source_set_enabled(n->source, SD_EVENT_ON);
}
