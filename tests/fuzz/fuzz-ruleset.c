/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ruleset builder on two fuzzed versions of one vif (an update).  The
 * input is a policy line, then two backend directories separated by a line
 * "--", each as lines: mac, ip, vifname, type ("~" or a missing line: the
 * key is absent).  The policy line's first character picks no-ip
 * (m: mac-only, else block), its second logging (n: none).
 *
 * Checked: every plan builds; a vif's deletion removes exactly the elements
 * its addition wrote; an update (delete what b lacks, add what a lacks)
 * turns a's elements into b's exactly, and touches nothing when a == b; the
 * prefix-length shape of a vif plans sets and rules without error.
 */
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "ruleset.h"
#include "vif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* "set|element" strings of a plan's element ops (del or not) */
struct strs {
	char **v;
	size_t n, alloc;
};

static void strs_add(struct strs *s, const char *set, const char *e, size_t len)
{
	char *x;

	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 64;
		s->v = realloc(s->v, s->alloc * sizeof(*s->v));
		if (!s->v)
			abort();
	}
	x = malloc(strlen(set) + len + 2);
	if (!x)
		abort();
	memcpy(x, set, strlen(set));
	x[strlen(set)] = '|';
	memcpy(x + strlen(set) + 1, e, len);
	x[strlen(set) + 1 + len] = '\0';
	s->v[s->n++] = x;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void elems_of(const struct plan *p, bool del, struct strs *s)
{
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct plan_op *op = &p->ops[i];
		const char *t = op->text;

		if (op->obj != PLAN_ELEMS || op->del != del)
			continue;
		if (!t || !*t)
			abort(); /* an element op always says what it holds */
		for (;;) {
			const char *c = strstr(t, ", ");

			strs_add(s, op->name, t, c ? (size_t)(c - t) : strlen(t));
			if (!c)
				break;
			t = c + 2;
		}
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp);
}

static void strs_free(struct strs *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool strs_has(const struct strs *s, const char *x)
{
	return s->n && bsearch(&x, s->v, s->n, sizeof(*s->v), cmp) != NULL;
}

/* The same strings (both sorted by elems_of()). */
static bool strs_equal(const struct strs *a, const struct strs *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool parse_vif(char *rec, struct vif *v)
{
	const char *f[4] = { 0 };
	struct vif_limits lim;
	struct vif_error err;
	struct vif_keys k;
	char *p = rec;

	for (int i = 0; i < 4 && p; i++) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		f[i] = strcmp(p, "~") == 0 ? NULL : p;
		p = nl ? nl + 1 : NULL;
	}
	k = (struct vif_keys){ .mac = f[0], .ip = f[1], .vifname = f[2], .type = f[3] };
	vif_limits_default(&lim);
	return vif_from_keys(7, 1, &k, &lim, v, &err) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vif a, b;
	struct strs ea = { 0 }, da = { 0 }, eb = { 0 }, ud = { 0 }, ua = { 0 };
	struct ruleset_shape sa = { 0 }, sb = { 0 };
	struct plan add, del, upd, same, full;
	struct policy pol;
	char *buf, *sep, *line;

	if (size > 2 * VIF_VALUE_MAX)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	line = strchr(buf, '\n');
	sep = line ? strstr(line + 1, "\n--\n") : NULL;
	if (!line || !sep) {
		free(buf);
		return 0;
	}
	*sep = '\0';
	policy_default(&pol);
	if (buf[0] == 'm')
		pol.no_ip = POLICY_NO_IP_MAC_ONLY;
	if (line - buf >= 2 && buf[1] == 'n')
		pol.log_group = -1;
	if (!parse_vif(line + 1, &a) || !parse_vif(sep + 4, &b)) {
		free(buf);
		return 0;
	}

	plan_init(&add, "t");
	plan_init(&del, "t");
	plan_init(&upd, "t");
	plan_init(&same, "t");
	plan_init(&full, "t");
	if (ruleset_vif_add(&pol, &a, NULL, 0, &add) || ruleset_vif_del(&pol, &a, NULL, 0, &del) ||
	    ruleset_vif_add(&pol, &b, NULL, 0, &full))
		abort();
	elems_of(&add, false, &ea);
	elems_of(&del, true, &da);
	elems_of(&full, false, &eb);
	/* deletion mirrors addition */
	if (!strs_equal(&ea, &da))
		abort();
	/* an update from a to b */
	ruleset_shape_add(&pol, &sa, &a);
	ruleset_shape_add(&pol, &sb, &b);
	if (ruleset_shape_begin(&sa, &sb, &upd) || ruleset_vif_del(&pol, &a, &b, 0, &upd) ||
	    ruleset_vif_add(&pol, &b, &a, 0, &upd) || ruleset_shape_end(&sa, &sb, &upd))
		abort();
	elems_of(&upd, true, &ud);
	elems_of(&upd, false, &ua);
	for (size_t i = 0; i < ud.n; i++)
		if (!strs_has(&ea, ud.v[i]) || strs_has(&eb, ud.v[i]))
			abort(); /* deletes only what a has and b has not */
	for (size_t i = 0; i < ua.n; i++)
		if (strs_has(&ea, ua.v[i]) || !strs_has(&eb, ua.v[i]))
			abort(); /* adds only what b has and a has not */
	for (size_t i = 0; i < eb.n; i++)
		if (!strs_has(&ua, eb.v[i]) && !strs_has(&ea, eb.v[i]))
			abort(); /* b's elements are all there afterwards */
	for (size_t i = 0; i < ea.n; i++)
		if (!strs_has(&eb, ea.v[i]) && !strs_has(&ud, ea.v[i]))
			abort(); /* a's other elements are all gone */
	/* a to a: nothing at all */
	if (ruleset_shape_begin(&sa, &sa, &same) || ruleset_vif_del(&pol, &a, &a, 0, &same) ||
	    ruleset_vif_add(&pol, &a, &a, 0, &same) || ruleset_shape_end(&sa, &sa, &same) ||
	    same.n_ops != 0)
		abort();
	strs_free(&ea);
	strs_free(&da);
	strs_free(&eb);
	strs_free(&ud);
	strs_free(&ua);
	plan_done(&add);
	plan_done(&del);
	plan_done(&upd);
	plan_done(&same);
	plan_done(&full);
	/* the whole table with b prints */
	plan_init(&full, "t");
	if (ruleset_full(&pol, &b, 1, NULL, &full))
		abort();
	free(ruleset_print(&full));
	plan_done(&full);
	/* the whole table with a and b, its elements merged into shared ops
	 * (the full sync's way): the same elements as one op per vif and set */
	{
		const struct vif ab[2] = { a, b };
		struct plan one, merged;
		struct strs eo = { 0 }, em = { 0 };

		plan_init(&one, "t");
		plan_init(&merged, "t");
		merged.merge_elems = true;
		if (ruleset_full(&pol, ab, 2, NULL, &one) || ruleset_full(&pol, ab, 2, NULL, &merged))
			abort();
		elems_of(&one, false, &eo);
		elems_of(&merged, false, &em);
		if (!strs_equal(&eo, &em))
			abort();
		for (size_t i = 0; i < merged.n_ops; i++)
			if (merged.ops[i].obj == PLAN_ELEMS &&
			    (merged.ops[i].owner != PLAN_OWNER_MERGED || merged.ops[i].n_elems == 0 ||
			     merged.ops[i].n_elems > PLAN_MERGE_MAX))
				abort();
		strs_free(&eo);
		strs_free(&em);
		plan_done(&one);
		plan_done(&merged);
	}
	free(buf);
	return 0;
}
