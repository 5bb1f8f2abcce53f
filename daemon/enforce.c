// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enforce.h"
#include "log.h"
#include "report.h"
#include "retry.h"

#define RETRY_MIN_MS 1000u
#define RETRY_MAX_MS (300u * 1000u)
#define BLAME_MAX 3 /* refused vifs left out of one incremental write */

struct enforce {
	sd_event *ev;
	struct nfwriter *nw;
	struct nfmon *mon;
	const struct policy *pol; /* the manager's: replaced in place on reload */
	struct vif_table *t;
	uint32_t set_size_min;
	/* how many vifs in the kernel have addresses of each prefix length:
	 * a set and a lookup rule exist per length in use */
	uint32_t v4_len[32], v6_len[128];
	struct retry_list retries; /* vifs whose rules were refused */
	/* VIFGUARD_TEST_FAULTS plan-fail=N (tests): the Nth incremental plan
	 * fails to build as if out of memory */
	unsigned long plan_fail, n_plans;
	unsigned long long n_refused; /* transactions the kernel refused */
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A due retry reads the vif again: it is decided and written anew. */
static void on_retry_due(uint32_t domid, uint32_t devid, void *data)
{
	struct enforce *en = data;
	struct vif_entry *e = vif_table_find(en->t, domid, devid);

	if (!e || !e->kernel.refused)
		return;
	log_info("vif%u.%u: sending its refused rules again", domid, devid);
	vif_table_list_add(en->t, VIF_LIST_DIRTY, e);
}

int enforce_new(sd_event *ev, struct nfwriter *nw, struct nfmon *mon, const struct policy *pol,
		struct vif_table *t, struct enforce **ret)
{
	struct enforce *en = calloc(1, sizeof(*en));
	const char *faults = getenv("VIFGUARD_TEST_FAULTS");
	const char *pf = faults ? strstr(faults, "plan-fail=") : NULL;

	if (!en)
		return -ENOMEM;
	*en = (struct enforce){.ev = ev, .nw = nw, .mon = mon, .pol = pol, .t = t};
	en->retries = (struct retry_list){.ev = ev, .on_due = on_retry_due, .data = en};
	if (pf)
		en->plan_fail = strtoul(pf + strlen("plan-fail="), NULL, 10);
	*ret = en;
	return 0;
}

struct enforce *enforce_free(struct enforce *en)
{
	if (!en)
		return NULL;
	retry_list_done(&en->retries);
	free(en);
	return NULL;
}

void enforce_set_size_min(struct enforce *en, uint32_t n)
{
	en->set_size_min = n;
}

/* A plan for our table, its sets sized as configured for tests. */
static void plan_begin(const struct enforce *en, struct plan *p)
{
	plan_init(p, en->pol->table);
	p->set_size_min = en->set_size_min;
	p->no_text = true;
}

/* ---- prefix lengths in use ---- */

static void shape_count(struct enforce *en, const struct vif *v, int delta)
{
	struct ruleset_shape one = {0};

	ruleset_shape_add(en->pol, &one, v);
	for (unsigned int l = 0; l < 128; l++) {
		if (l < 32 && (one.v4[l / 8] & (1u << (l % 8))))
			en->v4_len[l] += (uint32_t)delta;
		if (one.v6[l / 8] & (1u << (l % 8)))
			en->v6_len[l] += (uint32_t)delta;
	}
}

static void shape_of(const uint32_t *v4, const uint32_t *v6, struct ruleset_shape *ret)
{
	*ret = (struct ruleset_shape){0};
	for (unsigned int l = 0; l < 128; l++) {
		if (l < 32 && v4[l])
			ret->v4[l / 8] |= (uint8_t)(1u << (l % 8));
		if (v6[l])
			ret->v6[l / 8] |= (uint8_t)(1u << (l % 8));
	}
}

/* ---- what the kernel has ---- */

static void ports_set(struct enforce *en, struct vif_entry *e, const struct vif *v, bool on)
{
	const char *names[2] = {v->name, v->emu_name};

	for (int k = 0; k < 2; k++) {
		if (!names[k][0])
			continue;
		if (on)
			vif_table_port_set(en->t, names[k], e);
		else
			vif_table_port_del(en->t, names[k], e);
	}
}

/* e's rules in the kernel are now target (NULL: none).  -ENOMEM: they
 * are, but we cannot remember them (a full sync sorts it out). */
static int record(struct enforce *en, struct vif_entry *e, const struct vif *target, bool quiet)
{
	const struct vif *old = vif_entry_rules(e);

	vif_table_changed(en->t, e);
	if (old) {
		shape_count(en, old, -1);
		ports_set(en, e, old, false);
	}
	if (!target) {
		e->kernel.has_rules = false;
		if (old && !e->kernel.refused)
			report_removed(e, old);
		return 0;
	}
	if (vif_box_set(&e->kernel.rules, target) < 0) {
		e->kernel.has_rules = false;
		return -ENOMEM;
	}
	e->kernel.has_rules = true;
	e->kernel.refused = false;
	vif_entry_text_set(&e->kernel.error, NULL);
	e->kernel.retry_delay_ms = 0;
	shape_count(en, target, +1);
	/* the map borrows its keys: the names in our copy, not in target */
	ports_set(en, e, vif_entry_rules(e), true);
	if (quiet)
		e->kernel.enforced_quietly = true;
	else
		report_enforced(e);
	return 0;
}

/* The kernel refused e's rules (r, err): it stays fail-closed, and is
 * tried again later. */
static void refuse(struct enforce *en, struct vif_entry *e, int r, const char *msg)
{
	char text[256];

	snprintf(text, sizeof(text), "the kernel refused its rules: %s%s%s", strerror(-r),
		 msg[0] ? ": " : "", msg);
	vif_entry_text_set(&e->kernel.error, text);
	e->kernel.refused = true;
	e->kernel.retry_delay_ms =
	    retry_backoff(e->kernel.retry_delay_ms, RETRY_MIN_MS, RETRY_MAX_MS);
	vif_table_changed(en->t, e);
	/* out of memory: no retry; its next change in xenstore tries again */
	retry_list_add(&en->retries, e->domid, e->devid, e->kernel.retry_delay_ms);
}

/* ---- the incremental path ---- */

static const struct vif *target_of(const struct decision *d, const bool *excluded, size_t i)
{
	return excluded[i] ? NULL : d->want[i];
}

static bool differs(const struct vif *target, const struct vif *rules)
{
	return target ? !rules || !vif_equal(target, rules) : rules != NULL;
}

/* One transaction with every change of d but the excluded vifs'. */
static int write_once(struct enforce *en, const struct decision *d, const bool *excluded,
		      struct nfwriter_error *err, bool *ret_built)
{
	uint32_t v4[32], v6[128];
	struct ruleset_shape sh_old, sh_new;
	size_t n_changes = 0;
	struct plan p;
	int r;

	*ret_built = false;
	memcpy(v4, en->v4_len, sizeof(v4));
	memcpy(v6, en->v6_len, sizeof(v6));
	shape_of(v4, v6, &sh_old);
	for (size_t i = 0; i < d->n; i++) {
		const struct vif *target = target_of(d, excluded, i),
				 *rules = vif_entry_rules(d->e[i]);
		struct ruleset_shape one;

		if (!differs(target, rules))
			continue;
		for (int k = 0; k < 2; k++) {
			const struct vif *v = k ? target : rules;

			if (!v)
				continue;
			one = (struct ruleset_shape){0};
			ruleset_shape_add(en->pol, &one, v);
			for (unsigned int l = 0; l < 128; l++) {
				if (l < 32 && (one.v4[l / 8] & (1u << (l % 8))))
					v4[l] += k ? 1 : (uint32_t)-1;
				if (one.v6[l / 8] & (1u << (l % 8)))
					v6[l] += k ? 1 : (uint32_t)-1;
			}
		}
	}
	shape_of(v4, v6, &sh_new);

	plan_begin(en, &p);
	r = ruleset_shape_begin(&sh_old, &sh_new, &p);
	/* every delete before any add: a port name (a @ports element) moving
	 * from one vif to another must be gone before it is added again, or
	 * the kernel refuses the add (EEXIST).  An update deletes and adds
	 * only the elements that differ. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < d->n && r == 0; i++) {
			const struct vif *target = target_of(d, excluded, i);
			const struct vif *rules = vif_entry_rules(d->e[i]);

			if (!differs(target, rules))
				continue;
			if (pass == 0 && rules) {
				r = ruleset_vif_del(en->pol, rules, target, (int)i, &p);
				n_changes++;
			}
			if (pass == 1 && target) {
				r = ruleset_vif_add(en->pol, target, rules, (int)i, &p);
				n_changes++;
			}
		}
	if (r == 0)
		r = ruleset_shape_end(&sh_old, &sh_new, &p);
	if (r == 0 && en->plan_fail && ++en->n_plans == en->plan_fail)
		r = -ENOMEM;
	if (r == 0) {
		*ret_built = true;
		if (n_changes && p.n_ops) {
			r = nfwriter_commit(en->nw, &p, err);
			en->n_refused += r < 0;
		}
	}
	plan_done(&p);
	return r;
}

unsigned long long enforce_refused_transactions(const struct enforce *en)
{
	return en->n_refused;
}

int enforce_changes(struct enforce *en, const struct decision *d, const char **ret_why)
{
	bool *excluded = calloc(d->n + 1, sizeof(bool));
	int r = -ENOMEM;

	if (!excluded)
		return -ENOMEM;
	/* the kernel's protect sets follow the list in a full sync: rare (a
	 * bridge address changed), and it rewrites them whole */
	if (d->prot_changed) {
		*ret_why = "the protected addresses changed";
		free(excluded);
		return 1;
	}
	for (int attempt = 0;; attempt++) {
		struct nfwriter_error err = {.op = -1, .owner = -1};
		bool built;

		r = write_once(en, d, excluded, &err, &built);
		if (r == 0)
			break;
		/* the table (nft flush ruleset) or one of our objects is gone:
		 * no vif is to blame, replay it all; a set is full
		 * (PLAN_SET_SIZE_MIN): not the fault of the vif that came last,
		 * the full sync sizes it again */
		if (r == -ENOENT || r == -ENFILE) {
			*ret_why = r == -ENOENT ? "the table disappeared" : "a set is full";
			free(excluded);
			return 1;
		}
		*ret_why = NULL;
		if (!built)
			*ret_why = "building a transaction failed";
		else if (err.owner < 0 || (size_t)err.owner >= d->n || excluded[err.owner])
			*ret_why = "a transaction failed";
		else if (attempt + 1 == BLAME_MAX)
			*ret_why = "transactions kept failing";
		if (*ret_why) {
			log_error_errno(r, "Transaction failed: %m%s%s; replacing the whole table",
					err.msg[0] ? ": " : "", err.msg);
			free(excluded);
			return 1;
		}
		/* blame the vif and write the others without its change; its
		 * old rules (if any) go, so it is fail-closed, not stale */
		excluded[err.owner] = true;
		refuse(en, d->e[err.owner], r, err.msg);
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct vif *target = target_of(d, excluded, i);

		if (!differs(target, vif_entry_rules(d->e[i])))
			continue;
		if (record(en, d->e[i], target, false) < 0)
			r = 1;
	}
	free(excluded);
	if (r == 1)
		*ret_why = "out of memory";
	return r;
}

/* ---- the whole table ---- */

/* ruleset_full()'s input from d: every vif (skip[i]: none for it).  False
 * when either array could not be allocated. */
static bool full_vifs(const struct decision *d, bool *skip, struct vif *vifs)
{
	if (!skip || !vifs)
		return false;
	for (size_t i = 0; i < d->n; i++) {
		skip[i] = !d->want[i];
		if (!skip[i])
			vifs[i] = *d->want[i];
	}
	return true;
}

int enforce_full(struct enforce *en, const struct decision *d, bool quiet,
		 struct enforce_full_result *ret)
{
	bool *skip = calloc(d->n + 1, sizeof(bool));
	struct vif *vifs = calloc(d->n + 1, sizeof(*vifs));
	uint32_t gen_before = 0, gen_after = 0;
	bool gen_known, lost = false, merge = true;
	int r = -ENOMEM;

	*ret = (struct enforce_full_result){0};
	if (!full_vifs(d, skip, vifs))
		goto out;
	/* our own notifications would flood the monitor: not listening while
	 * we replace the table.  A change someone else makes meanwhile would go
	 * unseen, so the generation id tells: ours must be the one commit. */
	if (en->mon)
		nfmon_set_listening(en->mon, false);
	gen_known = nfwriter_genid(en->nw, &gen_before) == 0;
	/* all vifs' elements of a set go in a few messages; when the kernel
	 * refuses one of those, the plan is made again a message per vif and
	 * set to learn whose rules it was, and the next attempt goes without
	 * that vif (up to 8 times) */
	for (size_t attempt = 0; attempt <= d->n && attempt < 8;) {
		struct nfwriter_error err = {.op = -1, .owner = -1};
		struct plan p;

		plan_begin(en, &p);
		p.merge_elems = merge;
		r = ruleset_full(en->pol, vifs, d->n, skip, &p);
		if (r == 0)
			r = ruleset_protect(d->prot, d->n_prot, &p);
		if (r == 0)
			r = nfwriter_commit(en->nw, &p, &err);
		en->n_refused += r < 0;
		plan_done(&p);
		if (r < 0 && merge && err.owner == PLAN_OWNER_MERGED) {
			merge = false;
			continue;
		}
		if (r == 0 || err.owner < 0 || (size_t)err.owner >= d->n)
			break;
		skip[err.owner] = true;
		refuse(en, d->e[err.owner], r, err.msg);
		attempt++;
	}
	if (en->mon)
		nfmon_set_listening(en->mon, true);
	ret->committed_usec = mono_us();
	if (r < 0)
		goto out;
	for (size_t i = 0; i < d->n; i++) {
		struct vif_entry *e = d->e[i];
		const struct vif *old = vif_entry_rules(e);

		vif_table_changed(en->t, e); /* its state may change */
		if (skip[i]) {
			if (old && !e->xs.present)
				record(en, e, NULL, quiet);
			else if (old)
				e->kernel.has_rules = false;
			continue;
		}
		if (old && vif_equal(&vifs[i], old))
			e->kernel.refused = false;
		else if (record(en, e, &vifs[i], quiet) < 0)
			lost = true;
	}
	/* the kernel has exactly vifs[] minus skip[]: count and index again */
	memset(en->v4_len, 0, sizeof(en->v4_len));
	memset(en->v6_len, 0, sizeof(en->v6_len));
	strmap_clear(&en->t->ports);
	for (size_t i = 0; i < en->t->n; i++) {
		struct vif_entry *e = en->t->entries[i];

		if (!vif_entry_rules(e))
			continue;
		shape_count(en, vif_entry_rules(e), +1);
		ports_set(en, e, vif_entry_rules(e), true);
	}
	if (lost) {
		/* the kernel has vifs we could not record: replace it again */
		ret->again = "out of memory";
	} else if (gen_known &&
		   (nfwriter_genid(en->nw, &gen_after) < 0 || gen_after != gen_before + 1)) {
		log_warning("nf_tables changed while the table was being replaced; replacing it "
			    "again");
		ret->again = "changed during a full sync";
	}
out:
	free(skip);
	free(vifs);
	return r;
}

void enforce_report_quiet(struct enforce *en)
{
	for (size_t i = 0; i < en->t->n; i++) {
		struct vif_entry *e = en->t->entries[i];

		if (!e->kernel.enforced_quietly)
			continue;
		e->kernel.enforced_quietly = false;
		if (e->kernel.has_rules)
			report_enforced(e);
	}
}

int enforce_print(struct enforce *en, const struct decision *d, char **ret_text)
{
	bool *skip = calloc(d->n + 1, sizeof(bool));
	struct vif *vifs = calloc(d->n + 1, sizeof(*vifs));
	struct plan p;
	int r = -ENOMEM;

	*ret_text = NULL;
	if (!full_vifs(d, skip, vifs))
		goto out;
	plan_begin(en, &p);
	p.no_text = false;
	r = ruleset_full(en->pol, vifs, d->n, skip, &p);
	if (r == 0)
		r = ruleset_protect(d->prot, d->n_prot, &p);
	if (r == 0) {
		*ret_text = ruleset_print(&p);
		if (!*ret_text)
			r = -ENOMEM;
	}
	plan_done(&p);
out:
	free(skip);
	free(vifs);
	return r;
}
