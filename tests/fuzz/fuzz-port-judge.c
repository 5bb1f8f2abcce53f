/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The port-name judge, incremental against full.  The input is a sequence
 * of changes to eight devices (2 bytes each: which device, and what it now
 * claims: nothing (gone) or one of a few names, with or without an -emu
 * twin, a custom name or netback's).  After each change only the devices
 * port_judge_update() said were touched are judged again; their verdicts,
 * and everyone else's kept ones, must equal a full judgement of all
 * devices against a judge built from scratch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port-judge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N 8

static const char *const names[] = {"web01", "web02", "vif0.0", "vif1.0", "vif2.0", "guest-x"};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

struct dev {
	struct port_claimant c;
	bool present;
	char name[IFNAMSIZ], emu[IFNAMSIZ];
	bool custom;
	struct port_verdict v; /* kept between changes */
	bool touched;
};

static void on_touched(struct port_claimant *c, void *data)
{
	(void)data;
	((struct dev *)(void *)c)->touched = true;
}

static struct port_verdict judge(const struct port_judge *j, const struct dev *d)
{
	const char *n[2] = {d->name, d->emu};
	const bool host[2] = {strcmp(d->name, "guest-x") == 0, false};

	return port_judge(j, &d->c, n, host, d->custom);
}

static bool same(const struct port_verdict *a, const struct port_verdict *b,
		 const struct dev *devs_a, const struct dev *devs_b)
{
	if (a->why != b->why || a->which != b->which)
		return false;
	/* holders are compared by device, each judge has its own claimants */
	return !a->holder || ((const struct dev *)(const void *)a->holder - devs_a ==
			      (const struct dev *)(const void *)b->holder - devs_b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct port_judge j = PORT_JUDGE_INIT;
	struct dev devs[N] = {0};

	for (int i = 0; i < N; i++) {
		/* ranks out of index order; domid i devid 0 */
		devs[i].c =
		    (struct port_claimant){.rank = (uint64_t)((i * 5) % N), .domid = (uint32_t)i};
	}
	for (size_t k = 0; k + 1 < size && k < 400; k += 2) {
		struct dev *d = &devs[data[k] % N];
		uint8_t what = data[k + 1];
		struct port_judge full = PORT_JUDGE_INIT;
		struct dev copy[N];

		for (int i = 0; i < N; i++)
			devs[i].touched = false;
		if (what % 8 == 7) {
			d->present = false;
			d->name[0] = d->emu[0] = 0;
		} else {
			d->present = true;
			d->custom = what & 0x40;
			snprintf(d->name, sizeof(d->name), "%s",
				 d->custom ? names[(what / 8) % N_NAMES] : "");
			if (!d->custom)
				snprintf(d->name, sizeof(d->name), "vif%u.0", d->c.domid);
			if (what & 0x80)
				snprintf(d->emu, sizeof(d->emu), "%.10s-emu", d->name);
			else
				d->emu[0] = 0;
		}
		if (port_judge_update(&j, &d->c, d->present ? d->name : NULL,
				      d->present ? d->emu : NULL, on_touched, NULL) < 0)
			abort(); /* no allocation fails here */
		for (int i = 0; i < N; i++)
			if (devs[i].touched && devs[i].present)
				devs[i].v = judge(&j, &devs[i]);

		/* from scratch, in another order */
		memcpy(copy, devs, sizeof(copy));
		for (int i = N; i-- > 0;) {
			memset(copy[i].c.claims, 0, sizeof(copy[i].c.claims));
			if (copy[i].present && port_judge_update(&full, &copy[i].c, copy[i].name,
								 copy[i].emu, on_touched, NULL) < 0)
				abort();
		}
		for (int i = 0; i < N; i++) {
			struct port_verdict w;

			if (!devs[i].present)
				continue;
			w = judge(&full, &copy[i]);
			if (!same(&devs[i].v, &w, devs, copy)) {
				fprintf(stderr, "device %d: incremental %s, full %s\n", i,
					port_why_to_string(devs[i].v.why),
					port_why_to_string(w.why));
				abort();
			}
		}
		port_judge_done(&full);
	}
	port_judge_done(&j);
	return 0;
}
