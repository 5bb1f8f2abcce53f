// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "own-judge.h"
#include "ownership.h"
#include "report.h"
#include "resolve.h"
#include "ruleset-vif.h"

/* One owned address: the map's key lives here. */
struct owned {
	char key[VIF_ADDR_STRLEN];
	struct vif_entry *e;
};

struct recovered {
	char port[IFNAMSIZ];
	struct vif_addr a;
	bool taken;
};

struct ownership {
	const struct policy *pol; /* the manager's: replaced in place on reload */
	struct vif_table *t;
	struct strmap owners; /* address text -> struct owned */
	bool changed;
	struct recovered *rec;
	size_t n_rec, n_rec_alloc;
};

/* fe80::/64 */
static const struct vif_addr ll_space = {.family = AF_INET6, .prefixlen = 64, .addr = {0xfe, 0x80}};

/* The same refusal is logged again after this long. */
#define REFUSAL_REPEAT_USEC (60ULL * 1000000ULL)

int ownership_new(const struct policy *pol, struct vif_table *t, struct ownership **ret)
{
	struct ownership *o = calloc(1, sizeof(*o));

	if (!o)
		return -ENOMEM;
	*o = (struct ownership){.pol = pol, .t = t, .owners = STRMAP_INIT};
	*ret = o;
	return 0;
}

static void free_owned(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].key)
			free(m->slots[i].value);
}

struct ownership *ownership_free(struct ownership *o)
{
	if (!o)
		return NULL;
	for (size_t i = 0; i < o->t->n; i++) {
		free(o->t->entries[i]->own.addrs);
		memset(&o->t->entries[i]->own, 0, sizeof(o->t->entries[i]->own));
	}
	free_owned(&o->owners);
	strmap_done(&o->owners);
	free(o->rec);
	free(o);
	return NULL;
}

bool ownership_take_changed(struct ownership *o)
{
	bool c = o && o->changed;

	if (o)
		o->changed = false;
	return c;
}

/* The space v (only its fields before addrs) may claim in: fe80::/64 and
 * the prefixes it shares, or nothing.  Returns how many prefixes. */
static size_t claim_space(const struct ownership *o, const struct vif *v,
			  struct vif_addr ret[1 + VIF_CLAIMS_MAX])
{
	if (!v || !ruleset_vif_claims(o->pol, v))
		return 0;
	ret[0] = ll_space;
	memcpy(&ret[1], v->claims, v->n_claims * sizeof(v->claims[0]));
	return 1 + v->n_claims;
}

bool ownership_may_claim(const struct ownership *o, const struct vif *v, const struct vif_addr *a)
{
	struct vif_addr space[1 + VIF_CLAIMS_MAX];
	size_t n = claim_space(o, v, space);

	for (size_t k = 0; k < n; k++)
		if (own_inside(&space[k], a))
			return true;
	return false;
}

bool ownership_is_claim(const struct vif *space, const struct vif_addr *a)
{
	for (size_t k = 0; space && k < space->n_claims; k++)
		if (memcmp(&space->claims[k], a, sizeof(*a)) == 0)
			return true;
	return false;
}

/* Does v's ip= list a, or a prefix around it, other than the prefixes it
 * shares (those of space)? */
static bool lists(const struct vif *v, const struct vif *space, const struct vif_addr *a)
{
	for (size_t k = 0; v && k < v->n_addrs; k++)
		if (resolve_addrs_overlap(&v->addrs[k], a) &&
		    !ownership_is_claim(space, &v->addrs[k]))
			return true;
	return false;
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the judge's view of the table ---- */

struct world_data {
	struct ownership *o;
	const struct vif_addr *prot;
	size_t n_prot;
	const struct vif *space; /* the claimant's claim prefixes */
	const char *domain_name; /* the claimant's */
};

static bool w_protected(const struct vif_addr *a, void *data)
{
	const struct world_data *w = data;

	return resolve_addrs_overlap_any(w->prot, w->n_prot, a);
}

static bool w_shared_elsewhere(const struct vif_addr *a, void *data)
{
	const struct world_data *w = data;
	const struct policy *pol = w->o->pol;

	for (size_t i = 0; i < pol->n_shared; i++)
		if (resolve_addrs_overlap_any(pol->shared[i].addrs, pol->shared[i].n_addrs, a) &&
		    !resolve_domain_is_member(&pol->shared[i], w->domain_name))
			return true;
	return false;
}

/* A pass over every vif: claims are rate limited by the kernel (the vif's
 * log limiter), and a vif has few addresses.  A prefix the claimant shares
 * with it is no vif's: the judge is asked about an address in it. */
static const void *w_configured_by(const struct vif_addr *a, void *data)
{
	const struct world_data *w = data;
	const struct vif_table *t = w->o->t;

	for (size_t i = 0; i < t->n; i++)
		if (lists(vif_entry_wanted(t->entries[i]), w->space, a))
			return t->entries[i];
	return NULL;
}

static const void *w_mac_of(const uint8_t mac[6], void *data)
{
	const struct world_data *w = data;
	const struct vif_table *t = w->o->t;

	for (size_t i = 0; i < t->n; i++) {
		const struct vif *v = vif_entry_wanted(t->entries[i]);

		if (v && memcmp(v->mac, mac, 6) == 0)
			return t->entries[i];
	}
	return NULL;
}

static const void *w_owner_of(const struct vif_addr *a, void *data)
{
	const struct world_data *w = data;
	char key[VIF_ADDR_STRLEN];
	void **slot = strmap_get(&w->o->owners, vif_addr_to_string(a, key, sizeof(key)));

	return slot ? ((const struct owned *)*slot)->e : NULL;
}

/* Judge e's claim of a: v holds the prefixes it shares (its claim space;
 * only the fields before addrs are read), n_granted how many addresses it
 * has besides those it owns (the room left for owned ones). */
static enum own_verdict judge(struct ownership *o, struct vif_entry *e, const struct vif *v,
			      size_t n_granted, const struct vif_addr *a,
			      const struct vif_addr *prot, size_t n_prot,
			      const struct vif_entry **other)
{
	struct world_data wd = {
	    .o = o, .prot = prot, .n_prot = n_prot, .space = v, .domain_name = e->xs.domain_name};
	const struct own_world w = {.is_protected = w_protected,
				    .is_shared_elsewhere = w_shared_elsewhere,
				    .configured_by = w_configured_by,
				    .mac_of = w_mac_of,
				    .owner_of = w_owner_of,
				    .data = &wd};
	size_t room = n_granted < VIF_ADDRS_MAX ? VIF_ADDRS_MAX - n_granted : 0;
	struct vif_addr space[1 + VIF_CLAIMS_MAX];
	struct own_claimant c = {.self = e,
				 .space = space,
				 .n_space = claim_space(o, v, space),
				 .n_owned = e->own.n,
				 .cap = o->pol->owned_max < room ? o->pol->owned_max : room};
	const void *ov = NULL;
	enum own_verdict r = own_judge(&c, a, &w, &ov);

	*other = ov;
	return r;
}

/* ---- owning and giving up ---- */

static int own_add(struct ownership *o, struct vif_entry *e, const struct vif_addr *a)
{
	struct owned *ow = calloc(1, sizeof(*ow));
	void **slot;
	int added;

	if (!ow)
		return -ENOMEM;
	if (e->own.n == e->own.n_alloc) {
		size_t n = e->own.n_alloc ? e->own.n_alloc * 2 : 2;
		struct vif_addr *a2 = realloc(e->own.addrs, n * sizeof(*a2));

		if (!a2) {
			free(ow);
			return -ENOMEM;
		}
		e->own.addrs = a2;
		e->own.n_alloc = n;
	}
	vif_addr_to_string(a, ow->key, sizeof(ow->key));
	ow->e = e;
	slot = strmap_put(&o->owners, ow->key, &added);
	if (!slot || !added) {
		free(ow);
		return slot ? -EEXIST : -ENOMEM;
	}
	*slot = ow;
	e->own.addrs[e->own.n++] = *a;
	return 0;
}

/* e gives up its k-th owned address. */
static void own_del(struct ownership *o, struct vif_entry *e, size_t k)
{
	char key[VIF_ADDR_STRLEN];
	void **slot =
	    strmap_get(&o->owners, vif_addr_to_string(&e->own.addrs[k], key, sizeof(key)));

	if (slot && ((struct owned *)*slot)->e == e) {
		struct owned *ow = *slot;

		/* the map borrows ow->key: out of the map first */
		strmap_del(&o->owners, key);
		free(ow);
	}
	memmove(&e->own.addrs[k], &e->own.addrs[k + 1],
		(e->own.n - k - 1) * sizeof(e->own.addrs[0]));
	e->own.n--;
	e->own.cap_reported = e->own.cap_reported && e->own.n >= o->pol->owned_max;
}

/* Are e and other the two halves of a local live migration (the same mac,
 * domain names equal but for --incoming or --migratedaway)? */
static bool migration_partner(const struct vif_entry *e, const struct vif_entry *other)
{
	const struct resolve_in a = {.vif = vif_entry_wanted(e), .domain_name = e->xs.domain_name};
	const struct resolve_in b = {.vif = other ? vif_entry_wanted(other) : NULL,
				     .domain_name = other ? other->xs.domain_name : NULL};

	return a.vif && b.vif && a.vif->domid != b.vif->domid && !resolve_vifs_conflict(&a, &b);
}

/* a's owner gives it up (logged), and is decided again. */
static void own_give_up(struct ownership *o, const struct vif_addr *a, const char *why)
{
	char name[IFNAMSIZ + 8], s[VIF_ADDR_STRLEN];
	void **slot = strmap_get(&o->owners, vif_addr_to_string(a, s, sizeof(s)));
	struct vif_entry *e = slot ? ((struct owned *)*slot)->e : NULL;
	struct log_vif lv;

	for (size_t k = 0; e && k < e->own.n; k++) {
		if (memcmp(&e->own.addrs[k], a, sizeof(*a)) != 0)
			continue;
		report_identity(e, NULL, &lv, name, sizeof(name));
		log_vif(LOG_NOTICE, &lv, MSGID_OWNED, s, "owns %s no longer: %s", s, why);
		own_del(o, e, k);
		vif_table_changed(o->t, e);
		return;
	}
}

static void log_refused(struct vif_entry *e, const struct vif_addr *a, const char *how,
			enum own_verdict r, const struct vif_entry *other)
{
	char name[IFNAMSIZ + 8], s[VIF_ADDR_STRLEN], who[160] = "";
	struct log_vif lv;
	uint64_t now = mono_usec();

	if (r == OWN_CAP) {
		if (e->own.cap_reported)
			return;
		e->own.cap_reported = true;
	} else if (memcmp(&e->own.refused, a, sizeof(*a)) == 0 &&
		   now - e->own.refused_usec < REFUSAL_REPEAT_USEC) {
		return;
	}
	e->own.refused = *a;
	e->own.refused_usec = now;
	if (other && vif_entry_wanted(other))
		snprintf(who, sizeof(who), " %s (%s, dom %u)", vif_entry_wanted(other)->name,
			 other->xs.domain_name[0] ? other->xs.domain_name : "?", other->domid);
	vif_addr_to_string(a, s, sizeof(s));
	report_identity(e, NULL, &lv, name, sizeof(name));
	if (r == OWN_CAP)
		log_vif(LOG_WARNING, &lv, MSGID_OWN_REFUSED, s,
			"claim of %s (%s) refused: it owns %zu address(es), the most "
			"owned-addresses-per-vif allows; frames from more are dropped",
			s, how, e->own.n);
	else
		log_vif(LOG_WARNING, &lv, MSGID_OWN_REFUSED, s, "claim of %s (%s) refused: %s%s", s,
			how, own_verdict_to_string(r), who);
}

static bool is_own_eui64(const struct vif *v, const struct vif_addr *a)
{
	uint8_t ll[16];

	vif_mac_to_eui64_ll(v->mac, ll);
	return memcmp(ll, a->addr, 16) == 0;
}

void ownership_claim(struct ownership *o, const char *port, const struct vif_addr *a,
		     const char *how, const struct vif_addr *prot, size_t n_prot)
{
	struct vif_entry *e = vif_table_by_port(o->t, port);
	const struct vif *v = e ? vif_entry_wanted(e) : NULL;
	/* what the kernel has: the space it logged the claim in */
	const struct vif *k = e ? vif_entry_rules(e) : NULL;
	const struct vif_entry *other = NULL;
	char name[IFNAMSIZ + 8], s[VIF_ADDR_STRLEN];
	struct log_vif lv;
	enum own_verdict r;

	if (!v || !k)
		return; /* gone, or fail-closed: nothing of it is enforced */
	if (is_own_eui64(v, a) || lists(v, k, a))
		return; /* its own already: the DAD of its EUI-64 link-local */
	/* room: as if it got every address it asks for */
	r = judge(o, e, k, v->n_addrs, a, prot, n_prot, &other);
	if (r == OWN_ALREADY)
		return; /* the kernel has not been told yet: a second frame */
	if (r == OWN_OUTSIDE || r == OWN_NOT_SINGLE) {
		/* outside its claim space: the kernel logs no such claim
		 * unless the configuration changed meanwhile */
		return;
	}
	if (r == OWN_OWNED && migration_partner(e, other)) {
		/* a local live migration: the incoming domain takes it over */
		r = e->own.n < o->pol->owned_max ? OWN_GRANT : OWN_CAP;
		if (r == OWN_GRANT)
			own_give_up(o, a, "its domain migrated");
	}
	if (r != OWN_GRANT) {
		log_refused(e, a, how, r, other);
		return;
	}
	if (own_add(o, e, a) < 0) {
		log_warning("Out of memory: claim of an address not recorded");
		return;
	}
	vif_table_changed(o->t, e);
	o->changed = true;
	vif_addr_to_string(a, s, sizeof(s));
	report_identity(e, NULL, &lv, name, sizeof(name));
	log_vif(LOG_NOTICE, &lv, MSGID_OWNED, s, "owns %s now (%s; first come, first served)", s,
		how);
}

/* ---- deciding ---- */

/* Why e may own a no longer (NULL: it may). */
static const char *lost_why(struct ownership *o, struct vif_entry *e, const struct vif *v,
			    const struct vif_addr *a, const struct vif_addr *prot, size_t n_prot,
			    bool (*taken)(const struct vif_addr *, const struct vif_entry *,
					  const struct vif *, void *),
			    void *data)
{
	struct world_data wd = {.o = o, .space = v};
	const struct vif_entry *m;
	uint8_t mac[6];

	if (!ownership_may_claim(o, v, a))
		return "it may claim addresses there no longer";
	if (w_shared_elsewhere(a, &(struct world_data){.o = o, .domain_name = e->xs.domain_name}))
		return "it is a [shared] address of other domains now";
	if (resolve_addrs_overlap_any(prot, n_prot, a))
		return "the address is protected now";
	if (resolve_addrs_overlap_any(v->addrs, v->n_addrs, a))
		return NULL; /* configured now: still its, see below */
	if (taken && taken(a, e, v, data))
		return "another vif's ip= lists it now";
	if (own_eui64_mac(a, mac) && (m = w_mac_of(mac, &wd)) && m != e)
		return "it is the EUI-64 address of another vif's mac now";
	return NULL;
}

static void take_recovered(struct ownership *o, struct vif_entry *e, const struct vif *v,
			   const struct vif_addr *prot, size_t n_prot)
{
	for (size_t i = 0; i < o->n_rec; i++) {
		struct recovered *rc = &o->rec[i];
		const struct vif_entry *other;
		enum own_verdict r;

		if (rc->taken ||
		    (strcmp(rc->port, v->name) != 0 && strcmp(rc->port, v->emu_name) != 0))
			continue;
		rc->taken = true;
		if (resolve_addrs_overlap_any(v->addrs, v->n_addrs, &rc->a) ||
		    is_own_eui64(v, &rc->a))
			continue;
		r = judge(o, e, v, v->n_addrs, &rc->a, prot, n_prot, &other);
		if (r == OWN_OUTSIDE || r == OWN_NOT_SINGLE)
			continue; /* an element of a grant it has no longer */
		if (r == OWN_GRANT) {
			if (own_add(o, e, &rc->a) < 0)
				log_warning("Out of memory: an owned address not recovered");
		} else if (r != OWN_ALREADY) {
			log_refused(e, &rc->a, "owned before the restart", r, other);
		}
	}
}

void ownership_merge(struct ownership *o, struct vif_entry *e, struct vif *v,
		     const struct vif_addr *prot, size_t n_prot,
		     bool (*taken)(const struct vif_addr *a, const struct vif_entry *self,
				   const struct vif *space, void *data),
		     void *data)
{
	if (!o)
		return;
	for (size_t k = e->own.n; k-- > 0;) {
		const struct vif_addr *a = &e->own.addrs[k];
		const char *why = k >= o->pol->owned_max
				      ? "owned-addresses-per-vif allows fewer now"
				      : lost_why(o, e, v, a, prot, n_prot, taken, data);
		char name[IFNAMSIZ + 8], s[VIF_ADDR_STRLEN];
		struct log_vif lv;

		if (!why && !resolve_addrs_overlap_any(v->addrs, v->n_addrs, a))
			continue;
		vif_addr_to_string(a, s, sizeof(s));
		report_identity(e, NULL, &lv, name, sizeof(name));
		if (why)
			log_vif(LOG_NOTICE, &lv, MSGID_OWNED, s, "owns %s no longer: %s", s, why);
		own_del(o, e, k);
	}
	if (o->n_rec)
		take_recovered(o, e, v, prot, n_prot);
	for (size_t k = 0; k < e->own.n && v->n_addrs < VIF_ADDRS_MAX; k++)
		v->addrs[v->n_addrs++] = e->own.addrs[k];
}

void ownership_touch(struct ownership *o, struct vif_table *t, const struct vif_entry *e)
{
	const struct vif *v = vif_entry_wanted(e);

	for (size_t k = 0; o && v && k < v->n_addrs; k++) {
		char key[VIF_ADDR_STRLEN];
		void **slot;

		if (v->addrs[k].prefixlen != (v->addrs[k].family == AF_INET ? 32 : 128))
			continue;
		slot = strmap_get(&o->owners, vif_addr_to_string(&v->addrs[k], key, sizeof(key)));
		if (slot && ((struct owned *)*slot)->e != e)
			vif_table_changed(t, ((struct owned *)*slot)->e);
	}
}

void ownership_forget(struct ownership *o, struct vif_entry *e)
{
	while (o && e->own.n)
		own_del(o, e, e->own.n - 1);
	free(e->own.addrs);
	e->own.addrs = NULL;
	e->own.n_alloc = 0;
}

/* ---- restarts ---- */

int ownership_recover(struct ownership *o, const char *port, const struct vif_addr *a)
{
	if (a->prefixlen != (a->family == AF_INET ? 32 : 128) || strlen(port) >= IFNAMSIZ)
		return 0;
	if (o->n_rec == o->n_rec_alloc) {
		size_t n = o->n_rec_alloc ? o->n_rec_alloc * 2 : 16;
		struct recovered *r = realloc(o->rec, n * sizeof(*r));

		if (!r)
			return -ENOMEM;
		o->rec = r;
		o->n_rec_alloc = n;
	}
	o->rec[o->n_rec] = (struct recovered){.a = *a};
	strcpy(o->rec[o->n_rec].port, port);
	o->n_rec++;
	return 0;
}

void ownership_recover_done(struct ownership *o)
{
	if (!o)
		return;
	free(o->rec);
	o->rec = NULL;
	o->n_rec = o->n_rec_alloc = 0;
}
