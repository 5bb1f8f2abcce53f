// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "log.h"
#include "ownership.h"

#define PROT_MAX (POLICY_PROTECTED_MAX + 64)

struct bridge_use {
	char name[IFNAMSIZ];
	size_t n; /* vifs wanting it */
};

struct decide {
	const struct policy *pol; /* the manager's: replaced in place on reload */
	struct host *host;
	struct port_judge judge;
	struct addr_index index; /* every wanted address: isolated() */
	/* the protected addresses the last decision used: when they change,
	 * every vif is decided again */
	struct vif_addr last_prot[PROT_MAX];
	size_t n_last_prot;
	bool last_prot_known;
	struct bridge_use *bridges;
	size_t n_bridges;
	bool cross_check;
	struct vif_table *touching; /* port_judge_update()'s callback adds to its list */
	struct ownership *own;	    /* the addresses vifs own (NULL: none) */
};

static struct vif_entry *entry_of(struct port_claimant *c)
{
	return (struct vif_entry *)(void *)((char *)c -
					    offsetof(struct vif_entry, verdict.claimant));
}

static const struct vif_entry *entry_of_holder(const struct addr_holder *h)
{
	return (const struct vif_entry *)(const void *)((const char *)h -
							offsetof(struct vif_entry, verdict.addrs));
}

/* The index holds e's wanted addresses. */
static void index_track(struct decide *d, struct vif_entry *e)
{
	const struct vif *v = vif_entry_wanted(e);
	const size_t n = v ? v->n_addrs : 0;
	struct addr_holder *h = &e->verdict.addrs;

	if (!h->lost && h->n == n &&
	    (n == 0 || memcmp(h->addrs, v->addrs, n * sizeof(v->addrs[0])) == 0))
		return;
	/* out of memory: the index knows it lost e and answers "unknown" */
	addr_index_set(&d->index, h, n ? v->addrs : NULL, n);
}

void decision_done(struct decision *d)
{
	free(d->e);
	free(d->want);
	free(d->res);
	*d = (struct decision){0};
}

int decide_new(const struct policy *pol, struct host *host, struct decide **ret)
{
	struct decide *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->pol = pol;
	d->host = host;
	d->judge = PORT_JUDGE_INIT;
	d->index = ADDR_INDEX_INIT;
	*ret = d;
	return 0;
}

struct decide *decide_free(struct decide *d)
{
	if (!d)
		return NULL;
	port_judge_done(&d->judge);
	addr_index_done(&d->index);
	free(d->bridges);
	free(d);
	return NULL;
}

void decide_set_ownership(struct decide *d, struct ownership *own)
{
	d->own = own;
}

void decide_set_cross_check(struct decide *d, bool on)
{
	d->cross_check = on;
}

/* ---- bridges ---- */

static void bridge_count(struct decide *d, const char *name, int delta)
{
	size_t i;

	if (!name[0])
		return;
	for (i = 0; i < d->n_bridges; i++)
		if (strcmp(d->bridges[i].name, name) == 0)
			break;
	if (i == d->n_bridges) {
		struct bridge_use *v;

		if (delta < 0)
			return;
		v = realloc(d->bridges, (d->n_bridges + 1) * sizeof(*v));
		if (!v)
			return; /* its addresses go unprotected until the next change */
		d->bridges = v;
		snprintf(v[i].name, sizeof(v[i].name), "%s", name);
		v[i].n = 0;
		d->n_bridges++;
	}
	if (delta > 0)
		d->bridges[i].n++;
	else if (--d->bridges[i].n == 0)
		d->bridges[i] = d->bridges[--d->n_bridges];
}

/* Count e's bridge: the one its wanted vif names. */
static void bridge_track(struct decide *d, struct vif_entry *e)
{
	const struct vif *v = vif_entry_wanted(e);
	const char *now = v ? v->bridge : "";

	if (strcmp(now, e->verdict.bridge) == 0)
		return;
	bridge_count(d, e->verdict.bridge, -1);
	bridge_count(d, now, +1);
	snprintf(e->verdict.bridge, sizeof(e->verdict.bridge), "%s", now);
}

size_t decide_bridges(const struct decide *d, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_bridges && n < max; i++)
		out[n++] = d->bridges[i].name;
	return n;
}

/* The configured protected addresses and the guests' bridges' own. */
static size_t protected_now(struct decide *d, struct vif_addr *prot)
{
	const char *br[64];
	size_t n = d->pol->n_protected, n_br;

	memcpy(prot, d->pol->protected_addrs, n * sizeof(prot[0]));
	if (!d->pol->protect_bridge_addrs)
		return n;
	n_br = decide_bridges(d, br, 64);
	return n + host_bridge_addrs(d->host, br, n_br, prot + n, PROT_MAX - n);
}

/* ---- port names ---- */

static void on_touched(struct port_claimant *c, void *data)
{
	struct decide *d = data;

	vif_table_changed(d->touching, entry_of(c));
}

static void name_refuse(struct vif_entry *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void name_refuse(struct vif_entry *e, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	e->verdict.name_refused = true;
	vif_entry_text_set(&e->verdict.name_error, buf);
}

/* e's claims follow what xenstore says now; claimants of names it took
 * or gave up join the changed list. */
static void names_claim(struct decide *d, struct vif_table *t, struct vif_entry *e)
{
	const struct vif *v = e->xs.valid ? vif_box_vif(e->xs.vif) : NULL;
	int r;

	d->touching = t;
	if (!e->xs.present)
		r = port_judge_update(&d->judge, &e->verdict.claimant, NULL, NULL, on_touched, d);
	else
		r = port_judge_update(&d->judge, &e->verdict.claimant, e->xs.claim_name,
				      v ? v->emu_name : NULL, on_touched, d);
	d->touching = NULL;
	e->verdict.claim_failed = r < 0;
}

static void names_judge(struct decide *d, struct vif_entry *e)
{
	const struct vif *v;
	const char *names[2];
	struct port_verdict pv;

	if (!e->xs.present || !e->xs.valid) {
		e->verdict.name_refused = false;
		vif_entry_text_set(&e->verdict.name_error, NULL);
		return;
	}
	e->verdict.name_refused = false;
	if (e->verdict.claim_failed) {
		/* it holds no claim, so it cannot have a port */
		name_refuse(e, "%s", "out of memory checking port names");
		return;
	}
	v = vif_box_vif(e->xs.vif);
	names[0] = v->name;
	names[1] = v->emu_name;
	for (int k = 0; k < 2; k++)
		e->verdict.host[k] = names[k][0] && host_is_host_interface(d->host, names[k]);
	pv = port_judge(&d->judge, &e->verdict.claimant, names, e->verdict.host, e->xs.custom_name);
	switch (pv.why) {
	case PORT_OK:
		vif_entry_text_set(&e->verdict.name_error, NULL);
		break;
	case PORT_HOST:
		name_refuse(e, "key 'vifname': value '%s' is a host interface", names[pv.which]);
		break;
	case PORT_NETBACK:
		name_refuse(e, "key 'vifname': value '%s' is another device's netback name",
			    names[pv.which]);
		break;
	case PORT_TAKEN:
		name_refuse(e, "key 'vifname': value '%s' is already the port of vif%u.%u",
			    names[pv.which], pv.holder->domid, pv.holder->devid);
		break;
	case _PORT_WHY_MAX:
		break;
	}
}

/* ---- addresses ---- */

static bool vif_overlaps(const struct vif *v, const struct vif_addr *a)
{
	for (size_t k = 0; k < v->n_addrs; k++)
		if (resolve_addrs_overlap(&v->addrs[k], a))
			return true;
	return false;
}

/* Does any vif not in sub[] (not on the changed list) ask for an address
 * overlapping one in changed[]?  A pass over every vif: for a prefix,
 * which the index cannot look up. */
static bool overlaps_walk(struct vif_table *t, const struct vif *const *changed, size_t n)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct vif_entry *o = t->entries[i];
		const struct vif *ov = vif_entry_wanted(o);

		if (!ov || o->listed[VIF_LIST_CHANGED])
			continue;
		for (size_t c = 0; c < n; c++)
			for (size_t k = 0; k < changed[c]->n_addrs; k++)
				if (vif_overlaps(ov, &changed[c]->addrs[k]))
					return true;
	}
	return false;
}

static bool ignore_self(const struct addr_holder *h, void *data)
{
	const struct vif_entry *const *self = data;

	return entry_of_holder(h) == *self;
}

static bool ignore_changed(const struct addr_holder *h, void *data)
{
	(void)data;
	return entry_of_holder(h)->listed[VIF_LIST_CHANGED];
}

/*
 * Can the entries in sub[] (all on the changed list) be decided by
 * themselves?  Yes when none of their addresses, old (rules) or new
 * (wanted), overlaps an address any other vif asks for, granted or
 * withheld: then no other vif's answer can depend on them, nor theirs on
 * any other.  Exact addresses are looked up in the index; a prefix costs a
 * pass over every vif; a big batch (a boot storm) is decided as a whole.
 */
#define ISOLATED_MAX 16
static bool isolated(struct decide *d, struct vif_table *t, struct vif_entry *const *sub,
		     size_t n_sub)
{
	const struct vif *changed[2 * ISOLATED_MAX];
	size_t n = 0;

	if (n_sub > ISOLATED_MAX)
		return false;
	for (size_t i = 0; i < n_sub; i++) {
		if (vif_entry_rules(sub[i]))
			changed[n++] = vif_entry_rules(sub[i]);
		if (vif_entry_wanted(sub[i]))
			changed[n++] = vif_entry_wanted(sub[i]);
	}
	for (size_t c = 0; c < n; c++)
		for (size_t k = 0; k < changed[c]->n_addrs; k++)
			switch (addr_index_lookup(&d->index, &changed[c]->addrs[k], ignore_changed,
						  NULL)) {
			case ADDR_INDEX_FREE:
				break;
			case ADDR_INDEX_OVERLAPS:
				return false;
			case ADDR_INDEX_UNKNOWN:
				return !overlaps_walk(t, changed, n);
			}
	return true;
}

/* The withheld addresses of one answer, as the status file and the
 * journal tell them. */
static bool withheld_texts(const struct policy *pol, struct vif_entry *e,
			   const struct resolve_out *res, struct vif_entry *const *in_entry)
{
	char words[512] = "", desc[768] = "";
	size_t wl = 0, dl = 0;

	for (size_t w = 0; w < res->n_withheld; w++) {
		const struct resolve_withheld *wh = &res->withheld[w];
		char a[VIF_ADDR_STRLEN], p[VIF_ADDR_STRLEN];

		vif_addr_to_string(&wh->addr, a, sizeof(a));
		wl += (size_t)snprintf(words + wl, sizeof(words) - wl, "%s ", a);
		if (wl >= sizeof(words))
			wl = sizeof(words) - 1;
		switch (wh->why) {
		case RESOLVE_WHY_CONFLICT: {
			const struct vif_entry *o = in_entry[wh->other];

			dl += (size_t)snprintf(
			    desc + dl, sizeof(desc) - dl, "%s%s conflict %s/%s/%u", w ? "; " : "",
			    a, vif_entry_wanted(o)->name,
			    o->xs.domain_name[0] ? o->xs.domain_name : "-", o->domid);
			break;
		}
		case RESOLVE_WHY_SHARED:
			/* reserved by [shared] NAME for other domains */
			vif_addr_to_string(&wh->protected_addr, p, sizeof(p));
			dl += (size_t)snprintf(desc + dl, sizeof(desc) - dl, "%s%s shared %s %s",
					       w ? "; " : "", a, pol->shared[wh->other].name, p);
			break;
		case RESOLVE_WHY_PROTECTED:
		case _RESOLVE_WHY_MAX:
			vif_addr_to_string(&wh->protected_addr, p, sizeof(p));
			dl += (size_t)snprintf(desc + dl, sizeof(desc) - dl, "%s%s protected %s",
					       w ? "; " : "", a, p);
			break;
		}
		if (dl >= sizeof(desc))
			dl = sizeof(desc) - 1;
	}
	/* both are set, whichever changed */
	bool desc_changed = vif_entry_text_set(&e->verdict.withheld_desc, desc);
	bool words_changed = vif_entry_text_set(&e->verdict.withheld_words, words);

	return desc_changed || words_changed;
}

static bool withheld_clear(struct vif_entry *e)
{
	bool desc_changed = vif_entry_text_set(&e->verdict.withheld_desc, NULL);
	bool words_changed = vif_entry_text_set(&e->verdict.withheld_words, NULL);

	return desc_changed || words_changed;
}

/*
 * Resolve the addresses of sub[] (n_sub entries) against each other and
 * prot, into ret: the decision for exactly those entries.  With t, their
 * withheld texts are kept, and an entry whose texts changed joins t's
 * changed list.
 */
/* Does a vif other than self ask for a (its ip=, granted or withheld),
 * other than in a prefix self shares (space->claims)? */
static bool taken_by_other(const struct vif_addr *a, const struct vif_entry *self,
			   const struct vif *space, void *data)
{
	const struct decide *dc = data;

	return addr_index_lookup_except(&dc->index, a, ignore_self, &self, space->claims,
					space->n_claims) != ADDR_INDEX_FREE;
}

static int resolve_subset(struct decide *dc, struct vif_table *t, struct vif_entry **sub,
			  size_t n_sub, const struct vif_addr *prot, size_t n_prot,
			  struct decision *ret)
{
	const struct policy *pol = dc->pol;
	struct resolve_in *in = calloc(n_sub + 1, sizeof(*in));
	struct vif_entry **in_entry = calloc(n_sub + 1, sizeof(*in_entry));
	size_t *in_of = calloc(n_sub + 1, sizeof(*in_of));
	struct decision d = {0};
	size_t n = 0;
	int r = -ENOMEM;

	d.e = calloc(n_sub + 1, sizeof(*d.e));
	d.want = calloc(n_sub + 1, sizeof(*d.want));
	/* not calloc: an answer is 5.7 kB, resolve_compute writes only what
	 * it uses */
	d.res = malloc((n_sub + 1) * sizeof(*d.res));
	if (!in || !in_entry || !in_of || !d.e || !d.want || !d.res)
		goto out;
	for (size_t i = 0; i < n_sub; i++) {
		const struct vif *v = vif_entry_wanted(sub[i]);

		d.e[i] = sub[i];
		if (!v) {
			if (t && withheld_clear(sub[i]))
				vif_table_changed(t, sub[i]);
			continue;
		}
		in[n] = (struct resolve_in){
		    .vif = v, .domain_name = sub[i]->xs.domain_name, .rank = sub[i]->rank};
		in_entry[n] = sub[i];
		in_of[n++] = i;
	}
	d.n = n_sub;
	r = resolve_compute(in, n, prot, n_prot, pol->shared, pol->n_shared, d.res);
	if (r < 0)
		goto out;
	for (size_t k = 0; k < n; k++) {
		/* the link-local addresses it owns join its granted ones */
		ownership_merge(dc->own, in_entry[k], &d.res[k].effective, prot, n_prot,
				taken_by_other, dc);
		d.want[in_of[k]] = &d.res[k].effective;
		if (t && withheld_texts(pol, in_entry[k], &d.res[k], in_entry))
			vif_table_changed(t, in_entry[k]);
	}
	*ret = d;
	d = (struct decision){0};
out:
	decision_done(&d);
	free(in);
	free(in_entry);
	free(in_of);
	return r;
}

/* A full decision must give every vif what the partial one left it with. */
static void cross_check(struct decide *dc, struct vif_table *t, const struct vif_addr *prot,
			size_t n_prot, const struct decision *part)
{
	struct decision full = {0};

	if (resolve_subset(dc, NULL, t->entries, t->n, prot, n_prot, &full) < 0)
		return;
	for (size_t i = 0; i < full.n; i++) {
		const struct vif_entry *e = full.e[i];
		const struct vif *got = e->listed[VIF_LIST_CHANGED] ? NULL : vif_entry_rules(e);

		/* refused rules wait for their retry (enforce.c) */
		if (!e->listed[VIF_LIST_CHANGED] && e->kernel.refused)
			continue;

		for (size_t k = 0; k < part->n && e->listed[VIF_LIST_CHANGED]; k++)
			if (part->e[k] == e)
				got = part->want[k];
		if (!full.want[i] != !got || (got && !vif_equal(full.want[i], got))) {
			log_error("BUG: incremental decision for vif%u.%u differs from a full one",
				  e->domid, e->devid);
			abort();
		}
	}
	decision_done(&full);
}

/* The changed list grows while claims move (port_judge_update()): walk it
 * by index. */
static void judge_changed(struct decide *d, struct vif_table *t)
{
	for (size_t i = 0; i < t->n_list[VIF_LIST_CHANGED]; i++)
		names_claim(d, t, t->lists[VIF_LIST_CHANGED][i]);
	for (size_t i = 0; i < t->n_list[VIF_LIST_CHANGED]; i++) {
		struct vif_entry *e = t->lists[VIF_LIST_CHANGED][i];

		names_judge(d, e);
		bridge_track(d, e);
		index_track(d, e);
		ownership_touch(d->own, t, e);
	}
}

static bool prot_same(const struct decide *d, const struct vif_addr *prot, size_t n)
{
	return d->last_prot_known && n == d->n_last_prot &&
	       memcmp(prot, d->last_prot, n * sizeof(prot[0])) == 0;
}

static void prot_remember(struct decide *d, const struct vif_addr *prot, size_t n)
{
	memcpy(d->last_prot, prot, n * sizeof(prot[0]));
	d->n_last_prot = n;
	d->last_prot_known = true;
}

const struct vif_addr *decide_protected(const struct decide *d, size_t *ret_n)
{
	*ret_n = d->n_last_prot;
	return d->last_prot;
}

/* The protected addresses go with the decision (enforce.c writes them). */
static void prot_hand(const struct decide *d, bool changed, struct decision *ret)
{
	ret->prot = d->last_prot;
	ret->n_prot = d->n_last_prot;
	ret->prot_changed = changed;
}

int decide_changes(struct decide *d, struct vif_table *t, struct decision *ret)
{
	struct vif_addr prot[PROT_MAX];
	struct vif_entry **sub;
	size_t n_prot, n_sub;
	bool partial, same;
	int r;

	judge_changed(d, t);
	sub = t->lists[VIF_LIST_CHANGED];
	n_sub = t->n_list[VIF_LIST_CHANGED];
	n_prot = protected_now(d, prot);
	same = prot_same(d, prot, n_prot);
	partial = same && isolated(d, t, sub, n_sub);
	prot_remember(d, prot, n_prot);
	if (!partial) {
		r = resolve_subset(d, t, t->entries, t->n, prot, n_prot, ret);
		if (r == 0)
			ret->all = true;
	} else {
		r = resolve_subset(d, t, sub, n_sub, prot, n_prot, ret);
		if (r == 0 && d->cross_check)
			cross_check(d, t, prot, n_prot, ret);
	}
	if (r == 0)
		prot_hand(d, !same, ret);
	return r;
}

int decide_all(struct decide *d, struct vif_table *t, struct decision *ret)
{
	struct vif_addr prot[PROT_MAX];
	size_t n_prot;
	int r;

	/* every entry's names: each is on the changed list for this */
	for (size_t i = 0; i < t->n; i++)
		vif_table_changed(t, t->entries[i]);
	judge_changed(d, t);
	n_prot = protected_now(d, prot);
	prot_remember(d, prot, n_prot);
	r = resolve_subset(d, t, t->entries, t->n, prot, n_prot, ret);
	if (r == 0) {
		ret->all = true;
		prot_hand(d, true, ret);
	}
	return r;
}

void decide_forget(struct decide *d, struct vif_table *t, struct vif_entry *e)
{
	d->touching = t;
	port_judge_update(&d->judge, &e->verdict.claimant, NULL, NULL, on_touched, d);
	d->touching = NULL;
	bridge_count(d, e->verdict.bridge, -1);
	e->verdict.bridge[0] = 0;
	ownership_forget(d->own, e);
	addr_index_set(&d->index, &e->verdict.addrs, NULL, 0);
}
