// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vg-apply: the engine without the daemon, for integration tests.
 *
 *   vg-apply [-t TABLE] [-m no-ip-policy] print FILE
 *   vg-apply [-t TABLE] [-m no-ip-policy] sync FILE      full sync (one transaction)
 *   vg-apply [-t TABLE] [-m no-ip-policy] add FILE       one transaction per vif
 *   vg-apply [-t TABLE] [-m no-ip-policy] del FILE       one transaction per vif
 *   vg-apply [-t TABLE] [-m no-ip-policy] update OLD NEW one transaction per vif
 *   vg-apply bridge BRIDGE                               set no_linklocal_learn
 *
 * -P "ADDR ..." adds protected addresses (as [protect] addresses= does); print
 * and sync put them in the protect sets (ruleset_protect()).  The vifs are
 * not resolved against them: a test gives a vif only what it should get.
 *
 * FILE describes vifs as their backend directories would, one per line:
 *   <domid> <devid> mac=00:16:3e:00:00:01 ip="192.0.2.5 2001:db8::5" vifname=web0 type=vif_ioemu
 * and shared="PREFIX ..." for the prefixes it shares with other vifs (the
 * daemon's resolve finds those: v->claims).
 * Lines starting with '#' are comments.  Values go through the same parsers
 * as the daemon's, so a bad line is reported and the vif left out (its ports
 * stay fail-closed), as the daemon would.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge.h"
#include "nfwriter.h"
#include "policy.h"
#include "ruleset.h"
#include "vif.h"

#define MAX_VIFS 8192

struct vifs {
	struct vif *v;
	size_t n;
	size_t n_bad;
};

/* Split "k=v" tokens; values may be double-quoted. */
static int parse_line(char *line, const struct policy *pol, struct vif *ret,
		      struct vif_error *err)
{
	char *keys[6] = { 0 };
	const char *names[6] = { "mac", "ip", "vifname", "type", "bridge", "shared" };
	char *p = line, *tok[32];
	size_t n = 0;
	uint32_t domid, devid;
	int r;

	while (*p && n < 32) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n')
			break;
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
			if (*p == '"') {
				memmove(p, p + 1, strlen(p));
				while (*p && *p != '"')
					p++;
				if (*p == '"')
					memmove(p, p + 1, strlen(p));
				continue;
			}
			p++;
		}
		if (*p)
			*p++ = 0;
	}
	if (n < 2) {
		snprintf(err->text, sizeof(err->text), "need '<domid> <devid> key=value...'");
		return -EINVAL;
	}
	if ((r = vif_id_parse("domid", tok[0], VIF_DOMID_MAX, &domid, err)) < 0)
		return r;
	if ((r = vif_id_parse("devid", tok[1], VIF_DEVID_MAX, &devid, err)) < 0)
		return r;
	for (size_t i = 2; i < n; i++) {
		char *eq = strchr(tok[i], '=');
		size_t k;

		if (!eq) {
			snprintf(err->text, sizeof(err->text), "'%s' is not key=value", tok[i]);
			return -EINVAL;
		}
		*eq = 0;
		for (k = 0; k < 6; k++)
			if (strcmp(tok[i], names[k]) == 0)
				break;
		if (k == 6) {
			snprintf(err->text, sizeof(err->text), "unknown key '%s'", tok[i]);
			return -EINVAL;
		}
		keys[k] = eq + 1;
	}
	struct vif_keys vk = {
		.mac = keys[0], .ip = keys[1], .vifname = keys[2], .type = keys[3],
		.bridge = keys[4],
	};
	struct vif_addr claims[VIF_ADDRS_MAX];
	size_t n_claims = 0;

	if (keys[5] && (r = vif_ip_list_parse("shared", keys[5], &pol->limits, claims, &n_claims,
					     err)) < 0)
		return r;
	if (n_claims > VIF_CLAIMS_MAX) {
		snprintf(err->text, sizeof(err->text), "more than %d shared prefixes",
			 VIF_CLAIMS_MAX);
		return -EINVAL;
	}
	if ((r = vif_from_keys(domid, devid, &vk, &pol->limits, ret, err)) < 0)
		return r;
	memcpy(ret->claims, claims, n_claims * sizeof(claims[0]));
	ret->n_claims = n_claims;
	return 0;
}

static int load(const char *path, const struct policy *pol, struct vifs *out)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
	char line[VIF_VALUE_MAX + 256];
	unsigned int lineno = 0;

	if (!f) {
		fprintf(stderr, "vg-apply: %s: %m\n", path);
		return -errno;
	}
	out->v = calloc(MAX_VIFS, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	while (fgets(line, sizeof(line), f)) {
		struct vif_error err;
		char *s = line;

		lineno++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '#' || *s == '\n' || !*s)
			continue;
		if (out->n == MAX_VIFS) {
			fprintf(stderr, "vg-apply: %s: more than %d vifs\n", path, MAX_VIFS);
			break;
		}
		if (parse_line(s, pol, &out->v[out->n], &err) < 0) {
			fprintf(stderr, "vg-apply: %s:%u: rejected: %s\n", path, lineno, err.text);
			out->n_bad++;
			continue;
		}
		out->n++;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static void report(const struct vif *v, const char *what, const struct nfwriter_error *e)
{
	char id[32];

	ruleset_vif_id(v, id, sizeof(id));
	fprintf(stderr, "vg-apply: %s (%s): %s: %s%s%s\n", id, v->name, what,
		strerror(-e->error), e->msg[0] ? ": " : "", e->msg);
}

/* Full sync; a vif the kernel rejects is left out and the rest retried once. */
static int cmd_sync(struct nfwriter *w, const struct policy *pol, struct vifs *vs)
{
	bool *skip = calloc(vs->n + 1, sizeof(bool));
	int r = -EINVAL;

	if (!skip)
		return -ENOMEM;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct nfwriter_error e;
		struct plan p;

		plan_init(&p, pol->table);
		r = ruleset_full(pol, vs->v, vs->n, skip, &p);
		if (r == 0)
			r = ruleset_protect(pol->protected_addrs, pol->n_protected, &p);
		if (r == 0)
			r = nfwriter_commit(w, &p, &e);
		plan_done(&p);
		if (r == 0)
			break;
		if (e.owner < 0) {
			fprintf(stderr, "vg-apply: sync failed: %s%s%s\n", strerror(-r),
				e.msg[0] ? ": " : "", e.msg);
			break;
		}
		report(&vs->v[e.owner], "rejected by the kernel, left fail-closed", &e);
		skip[e.owner] = true;
	}
	free(skip);
	return r;
}

/* The vif with v's ids in old (NULL if none or no old). */
static const struct vif *old_of(const struct vifs *old, const struct vif *v)
{
	for (size_t k = 0; old && k < old->n; k++)
		if (old->v[k].domid == v->domid && old->v[k].devid == v->devid)
			return &old->v[k];
	return NULL;
}

static int cmd_each(struct nfwriter *w, const struct policy *pol, struct vifs *old,
		    struct vifs *vs, bool add, bool del)
{
	int ret = 0;

	for (size_t i = 0; i < vs->n; i++) {
		const struct vif *prev = NULL;
		struct nfwriter_error e;
		struct plan p;
		int r = 0;

		if (old) {
			for (size_t k = 0; k < old->n && !prev; k++)
				if (old->v[k].domid == vs->v[i].domid &&
				    old->v[k].devid == vs->v[i].devid)
					prev = &old->v[k];
		}
		/* the prefix lengths in use before and after this vif's change:
		 * vifs before it are new, after it old (one transaction each) */
		struct ruleset_shape sh_old = { 0 }, sh_new = { 0 };

		for (size_t k = 0; k < vs->n; k++) {
			const struct vif *was, *is;

			if (add && del) { /* update */
				was = k < i ? &vs->v[k] : old_of(old, &vs->v[k]);
				is = k <= i ? &vs->v[k] : was;
			} else if (add) {
				was = k < i ? &vs->v[k] : NULL;
				is = k <= i ? &vs->v[k] : NULL;
			} else {
				was = k >= i ? &vs->v[k] : NULL;
				is = k > i ? &vs->v[k] : NULL;
			}
			if (was)
				ruleset_shape_add(pol, &sh_old, was);
			if (is)
				ruleset_shape_add(pol, &sh_new, is);
		}
		plan_init(&p, pol->table);
		r = ruleset_shape_begin(&sh_old, &sh_new, &p);
		if (r == 0 && del && (prev || !old))
			r = ruleset_vif_del(pol, prev ?: &vs->v[i], add ? &vs->v[i] : NULL, (int)i,
					    &p);
		if (add && r == 0)
			r = ruleset_vif_add(pol, &vs->v[i], del ? prev : NULL, (int)i, &p);
		if (r == 0)
			r = ruleset_shape_end(&sh_old, &sh_new, &p);
		if (r == 0 && p.n_ops)
			r = nfwriter_commit(w, &p, &e);
		plan_done(&p);
		if (r < 0) {
			report(&vs->v[i], "failed", &e);
			ret = r;
		}
	}
	return ret;
}

static void usage(void)
{
	fprintf(stderr, "usage: vg-apply [-t TABLE] [-m block|mac-only] [-P \"ADDR ...\"] "
			"print|sync|add|del FILE | update OLD NEW | bridge NAME\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct vifs vs = { 0 }, old = { 0 };
	struct nfwriter *w = NULL;
	struct policy pol;
	const char *cmd;
	int c, r;

	policy_default(&pol);
	while ((c = getopt(argc, argv, "+t:m:P:")) != -1) {
		struct vif_addr a[VIF_ADDRS_MAX];
		struct vif_error err;
		size_t n_a;

		switch (c) {
		case 'P':
			if (vif_ip_list_parse("protect", optarg, &pol.limits, a, &n_a, &err) < 0 ||
			    n_a > POLICY_PROTECTED_MAX - pol.n_protected) {
				fprintf(stderr, "vg-apply: bad protected addresses '%s'\n", optarg);
				return 2;
			}
			memcpy(&pol.protected_addrs[pol.n_protected], a, n_a * sizeof(a[0]));
			pol.n_protected += n_a;
			break;
		case 't':
			if (!policy_table_name_is_valid(optarg)) {
				fprintf(stderr, "vg-apply: bad table name '%s'\n", optarg);
				return 2;
			}
			snprintf(pol.table, sizeof(pol.table), "%s", optarg);
			break;
		case 'm':
			r = policy_no_ip_from_string(optarg);
			if (r < 0)
				usage();
			pol.no_ip = (enum policy_no_ip)r;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2)
		usage();
	cmd = argv[optind];
	if (strcmp(cmd, "bridge") == 0) {
		r = bridge_set_no_linklocal_learn(argv[optind + 1]);
		if (r < 0)
			fprintf(stderr, "vg-apply: bridge %s: %s\n", argv[optind + 1], strerror(-r));
		return r < 0 ? 1 : 0;
	}
	if (strcmp(cmd, "update") == 0) {
		if (argc - optind < 3)
			usage();
		if (load(argv[optind + 1], &pol, &old) < 0 || load(argv[optind + 2], &pol, &vs) < 0)
			return 1;
	} else if (load(argv[optind + 1], &pol, &vs) < 0) {
		return 1;
	}

	if (strcmp(cmd, "print") == 0) {
		struct plan p;
		char *text;

		plan_init(&p, pol.table);
		r = ruleset_full(&pol, vs.v, vs.n, NULL, &p);
		if (r == 0)
			r = ruleset_protect(pol.protected_addrs, pol.n_protected, &p);
		text = r == 0 ? ruleset_print(&p) : NULL;
		plan_done(&p);
		free(vs.v);
		if (!text)
			return 1;
		fputs(text, stdout);
		free(text);
		return vs.n_bad ? 3 : 0;
	}

	r = nfwriter_new(&w);
	if (r < 0) {
		fprintf(stderr, "vg-apply: netlink: %s\n", strerror(-r));
		free(vs.v);
		free(old.v);
		return 1;
	}
	if (strcmp(cmd, "sync") == 0) {
		r = cmd_sync(w, &pol, &vs);
		for (size_t i = 0; i < vs.n && r == 0; i++)
			if (vs.v[i].bridge[0])
				bridge_set_no_linklocal_learn(vs.v[i].bridge);
	} else if (strcmp(cmd, "add") == 0) {
		r = cmd_each(w, &pol, NULL, &vs, true, false);
	} else if (strcmp(cmd, "del") == 0) {
		r = cmd_each(w, &pol, NULL, &vs, false, true);
	} else if (strcmp(cmd, "update") == 0) {
		r = cmd_each(w, &pol, &old, &vs, true, true);
	} else {
		usage();
	}
	nfwriter_free(w);
	free(vs.v);
	free(old.v);
	if (r < 0)
		return 1;
	return vs.n_bad ? 3 : 0;
}
