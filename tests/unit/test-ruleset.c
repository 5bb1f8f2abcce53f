/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the ruleset compiler's failure paths (lib/ruleset*.c,
 * chains.c, set-catalog.c, plan.c): every malloc() and realloc() of a full
 * sync, an add, a delete, an update and a shape change fails in turn.  Each
 * must return -ENOMEM with the plan marked, and free everything (the ASan
 * build checks); with no failure the plan prints as it did the first time.
 * What the compiler builds is checked by tests/golden, tests/nfmsg and
 * fuzz-ruleset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "ruleset.h"
#include "vif.h"

#include "check.h"
#include "fail-alloc.h"

static struct vif vifs[3], changed;

static void make_vif(struct vif *v, uint32_t domid, const char *mac, const char *ip,
		     const char *type)
{
	struct vif_keys k = {.mac = mac, .ip = ip, .type = type};
	struct vif_error err;

	if (vif_from_keys(domid, 0, &k, NULL, v, &err) < 0) {
		fprintf(stderr, "vif %u: %s\n", domid, err.text);
		exit(EXIT_FAILURE);
	}
}

enum what { FULL, FULL_MERGED, ADD, DEL, UPDATE, SHAPE, _WHAT_MAX };

static int plan(const struct policy *pol, enum what w, struct plan *p)
{
	struct ruleset_shape a = {0}, b = {0};

	plan_init(p, pol->table);
	switch (w) {
	case FULL:
		return ruleset_full(pol, vifs, 3, NULL, p);
	case FULL_MERGED:
		p->merge_elems = true;
		return ruleset_full(pol, vifs, 3, NULL, p);
	case ADD:
		return ruleset_vif_add(pol, &vifs[1], NULL, 1, p);
	case DEL:
		return ruleset_vif_del(pol, &vifs[1], NULL, 1, p);
	case UPDATE:
		return ruleset_vif_del(pol, &vifs[1], &changed, 1, p)
			   ?: ruleset_vif_add(pol, &changed, &vifs[1], 1, p);
	case SHAPE:
		ruleset_shape_add(pol, &a, &vifs[1]);
		ruleset_shape_add(pol, &b, &changed);
		return ruleset_shape_begin(&a, &b, p) ?: ruleset_shape_end(&a, &b, p);
	case _WHAT_MAX:
		break;
	}
	return -EINVAL;
}

static void test_oom(const struct policy *pol)
{
	for (int w = 0; w < _WHAT_MAX; w++) {
		struct plan p;
		char *want, *got;
		unsigned long n;

		CHECK(plan(pol, (enum what)w, &p) == 0);
		want = ruleset_print(&p);
		plan_done(&p);
		for (n = 1; n < 100000; n++) {
			bool is_hit;
			int r;

			fail_alloc_arm(n);
			r = plan(pol, (enum what)w, &p);
			is_hit = fail_alloc_disarm();
			if (!is_hit) {
				CHECK(r == 0);
				got = ruleset_print(&p);
				CHECK_STR(got, want);
				free(got);
				plan_done(&p);
				break;
			}
			CHECK(r == -ENOMEM);
			CHECK(p.oom);
			plan_done(&p);
		}
		/* some allocation was there to fail */
		CHECK(n > 1);
		free(want);
	}
}

/* Protected entries: overlapping and adjacent ones merge into one range, each
 * range is a start and an interval end (none after the last address), after
 * an end at 0 as nft writes it. */
static void test_protect(const struct policy *pol)
{
	struct vif_addr prot[VIF_ADDRS_MAX * 2];
	struct vif_error err;
	size_t n4 = 0, n6 = 0;
	struct plan p;
	char *text;

	CHECK(vif_ip_list_parse("ip", "192.0.2.1 198.51.100.0/25 198.51.100.128/25 198.51.100.7",
				&pol->limits, prot, &n4, &err) == 0);
	CHECK(vif_ip_list_parse("ip", "2001:db8::/127 2001:db8::2 2001:db8:1::1", &pol->limits,
				prot + n4, &n6, &err) == 0);
	plan_init(&p, "t");
	p.no_text = false;
	CHECK(ruleset_protect(prot, n4 + n6, &p) == 0);
	CHECK(p.n_ops == 3);
	/* 0 end, 192.0.2.1 + end, 198.51.100.0/24 + end */
	CHECK(p.ops[0].n_elems == 5 && strcmp(p.ops[0].name, "protect4") == 0);
	CHECK(strcmp(p.ops[0].text, "192.0.2.1, 198.51.100.0/24") == 0);
	CHECK(strcmp(p.ops[1].text, "2001:db8::-2001:db8::2, 2001:db8:1::1") == 0);
	CHECK(strcmp(p.ops[2].name, "protect-nd") == 0);
	plan_done(&p);
	plan_init(&p, "t");
	CHECK(ruleset_protect(prot, 0, &p) == 0 && p.n_ops == 0);
	text = ruleset_print(&p);
	CHECK(text != NULL);
	free(text);
	plan_done(&p);
}

int main(void)
{
	struct policy pol;

	make_vif(&vifs[0], 3, "00:16:3e:00:00:03", "192.0.2.3 2001:db8::3", NULL);
	make_vif(&vifs[1], 4, "00:16:3e:00:00:04", "192.0.2.128/25 2001:db8:4::/64 198.51.100.4",
		 "vif_ioemu");
	make_vif(&vifs[2], 5, "00:16:3e:00:00:05", NULL, NULL);
	make_vif(&changed, 4, "00:16:3e:00:00:04", "192.0.2.0/24 2001:db8:4::/64", "vif_ioemu");

	policy_default(&pol);
	test_protect(&pol);
	test_oom(&pol);
	pol.log_group = -1;
	pol.no_ip = POLICY_NO_IP_MAC_ONLY;
	test_oom(&pol);

	printf("test-ruleset: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
