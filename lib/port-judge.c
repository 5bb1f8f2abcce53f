// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port-judge.h"

/* One claimed name and its claimants (usually one; a few while devices
 * fight over it).  The map's key points to name. */
struct port_name {
	char name[IFNAMSIZ];
	size_t n, cap;
	struct port_claimant **c;
};

void port_judge_done(struct port_judge *j)
{
	for (size_t i = 0; i < j->names.cap; i++) {
		struct port_name *pn = j->names.slots[i].key ? j->names.slots[i].value : NULL;

		if (pn) {
			free(pn->c);
			free(pn);
		}
	}
	strmap_done(&j->names);
}

static struct port_name *name_get(const struct port_judge *j, const char *name)
{
	void **v = strmap_get(&j->names, name);

	return v ? *v : NULL;
}

static void name_del(struct port_judge *j, const char *name, struct port_claimant *c,
		     void (*touched)(struct port_claimant *, void *), void *data)
{
	struct port_name *pn = name_get(j, name);

	if (!pn)
		return;
	for (size_t i = 0; i < pn->n; i++)
		if (pn->c[i] == c) {
			pn->c[i] = pn->c[--pn->n];
			break;
		}
	for (size_t i = 0; i < pn->n; i++)
		touched(pn->c[i], data);
	if (pn->n == 0) {
		strmap_del(&j->names, pn->name);
		free(pn->c);
		free(pn);
	}
}

static int name_add(struct port_judge *j, const char *name, struct port_claimant *c,
		    void (*touched)(struct port_claimant *, void *), void *data)
{
	struct port_name *pn = name_get(j, name);
	int added;
	void **v;

	if (!pn) {
		pn = calloc(1, sizeof(*pn));
		if (!pn)
			return -ENOMEM;
		snprintf(pn->name, sizeof(pn->name), "%s", name);
		v = strmap_put(&j->names, pn->name, &added);
		if (!v) {
			free(pn);
			return -ENOMEM;
		}
		*v = pn;
	}
	if (pn->n == pn->cap) {
		size_t cap = pn->cap ? 2 * pn->cap : 2;
		struct port_claimant **n = realloc(pn->c, cap * sizeof(*n));

		if (!n) {
			if (pn->n == 0) {
				strmap_del(&j->names, pn->name);
				free(pn->c);
				free(pn);
			}
			return -ENOMEM;
		}
		pn->c = n;
		pn->cap = cap;
	}
	for (size_t i = 0; i < pn->n; i++)
		touched(pn->c[i], data);
	pn->c[pn->n++] = c;
	return 0;
}

int port_judge_update(struct port_judge *j, struct port_claimant *c, const char *name,
		      const char *emu, void (*touched)(struct port_claimant *x, void *data),
		      void *data)
{
	const char *want[2] = {name ? name : "", emu ? emu : ""};
	int r = 0;

	touched(c, data);
	for (int k = 0; k < 2; k++) {
		if (!c->claims[k][0] || strcmp(c->claims[k], want[k]) == 0)
			continue;
		name_del(j, c->claims[k], c, touched, data);
		c->claims[k][0] = 0;
	}
	for (int k = 0; k < 2 && r == 0; k++) {
		if (!want[k][0] || strcmp(c->claims[k], want[k]) == 0)
			continue;
		/* a device whose name and twin are one name claims it once */
		if (k == 1 && strcmp(want[1], c->claims[0]) == 0)
			continue;
		r = name_add(j, want[k], c, touched, data);
		if (r == 0)
			snprintf(c->claims[k], sizeof(c->claims[k]), "%s", want[k]);
	}
	if (r < 0)
		for (int k = 0; k < 2; k++)
			if (c->claims[k][0]) {
				name_del(j, c->claims[k], c, touched, data);
				c->claims[k][0] = 0;
			}
	return r;
}

const struct port_claimant *port_judge_holder(const struct port_judge *j, const char *name)
{
	const struct port_name *pn = name_get(j, name);
	const struct port_claimant *best = NULL;

	for (size_t i = 0; pn && i < pn->n; i++)
		if (!best || pn->c[i]->rank < best->rank)
			best = pn->c[i];
	return best;
}

bool port_name_is_netback_of_other(const char *name, uint32_t domid, uint32_t devid)
{
	unsigned int d, v;
	char tail[8] = "";
	int n = sscanf(name, "vif%u.%u%7s", &d, &v, tail);

	if (n < 2 || (n == 3 && strcmp(tail, "-emu") != 0))
		return false;
	return d != domid || v != devid;
}

struct port_verdict port_judge(const struct port_judge *j, const struct port_claimant *c,
			       const char *const names[2], const bool host[2], bool custom)
{
	for (int k = 0; k < 2; k++) {
		const struct port_claimant *h;

		if (!names[k][0])
			continue;
		if (host[k])
			return (struct port_verdict){.why = PORT_HOST, .which = k};
		/* a name netback gave this device is its own by construction */
		if (custom && port_name_is_netback_of_other(names[k], c->domid, c->devid))
			return (struct port_verdict){.why = PORT_NETBACK, .which = k};
		h = port_judge_holder(j, names[k]);
		if (h && h != c && h->rank < c->rank)
			return (struct port_verdict){.why = PORT_TAKEN, .which = k, .holder = h};
	}
	return (struct port_verdict){.why = PORT_OK};
}

const char *port_why_to_string(enum port_why why)
{
	static const char *const names[_PORT_WHY_MAX] = {
	    [PORT_OK] = "ok",
	    [PORT_HOST] = "host",
	    [PORT_NETBACK] = "netback",
	    [PORT_TAKEN] = "taken",
	};

	return why >= 0 && why < _PORT_WHY_MAX ? names[why] : NULL;
}
