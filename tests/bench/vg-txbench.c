// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vg-txbench: what one vif event costs the kernel, from an open socket.
 *
 *   vg-txbench [-t TABLE] [-n N] [-k K] [-c CPU]
 *
 * Opens the daemon's nf_tables writer (daemon/nfwriter.c) once, installs N
 * vifs with one full sync (the daemon's startup transaction), then K times:
 * adds one extra vif, updates it (new addresses: delete and re-create in one
 * transaction, as the daemon does), removes it.  Each of those is one
 * transaction; clock_gettime() brackets nfwriter_commit() alone (batch
 * encoding, sendmsg(), the kernel's commit and reading the acks), and
 * separately the plan building (lib/ruleset.c) before it.
 *
 * Vif i (1..N) is domid i, devid 0, mac 00:16:3e:<i/256>:<i%256>:01,
 * addresses 198.18.<i/250>.<i%250+1> (RFC 2544's benchmarking block: the
 * documentation blocks hold only 762 hosts) and 2001:db8:1::<i in hex>, as
 * in bench.sh and vg-xsbench.  The extra vif is domid 30000 with
 * documentation addresses.
 *
 * Output: one line per measurement, "key=value" words:
 *   sync n=N ms=T
 *   op=add|update|remove k=K commit_p50_us= commit_p99_us= commit_min_us=
 *      commit_max_us= plan_p50_us= ops=
 * The table is left in place (the caller deletes it).
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfwriter.h"
#include "policy.h"
#include "ruleset.h"
#include "vif.h"

#define N_MAX 16384
#define K_MAX 100000
#define EXTRA_DOMID 30000

enum { OP_ADD, OP_UPDATE, OP_REMOVE, OP_MAX };
static const char *const op_names[OP_MAX] = {"add", "update", "remove"};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int make_vif(const struct policy *pol, uint32_t domid, const char *mac, const char *ip,
		    struct vif *ret)
{
	struct vif_keys k = {.mac = mac, .ip = ip, .bridge = "xenbr0"};
	struct vif_error err;
	int r = vif_from_keys(domid, 0, &k, &pol->limits, ret, &err);

	if (r < 0)
		fprintf(stderr, "vg-txbench: vif %u: %s\n", domid, err.text);
	return r;
}

static int filler(const struct policy *pol, uint32_t i, struct vif *ret)
{
	char mac[32], ip[96];

	snprintf(mac, sizeof(mac), "00:16:3e:%02x:%02x:01", (i >> 8) & 0xff, i & 0xff);
	snprintf(ip, sizeof(ip), "198.18.%u.%u 2001:db8:1::%x", i / 250, i % 250 + 1, i);
	return make_vif(pol, i, mac, ip, ret);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct_us(const uint64_t *v, size_t n, double p)
{
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (double)v[rank - 1] / 1000.0;
}

static int commit(struct nfwriter *w, struct plan *p, const char *what)
{
	struct nfwriter_error e;
	int r = nfwriter_commit(w, p, &e);

	if (r < 0)
		fprintf(stderr, "vg-txbench: %s: %s%s%s\n", what, strerror(-r),
			e.msg[0] ? ": " : "", e.msg);
	return r;
}

int main(int argc, char **argv)
{
	unsigned long n = 10, k = 200, cpu = 0;
	bool pin = false;
	struct nfwriter *w = NULL;
	struct vif *vifs = NULL, extra[2];
	uint64_t *commit_ns[OP_MAX] = {0}, *plan_ns[OP_MAX] = {0};
	size_t n_ops[OP_MAX] = {0};
	struct policy pol;
	struct plan p;
	uint64_t t0, t1, t2;
	int c, r = 1;

	policy_default(&pol);
	snprintf(pol.table, sizeof(pol.table), "%s", "vgbench");
	while ((c = getopt(argc, argv, "t:n:k:c:h")) != -1) {
		switch (c) {
		case 't':
			if (!policy_table_name_is_valid(optarg)) {
				fprintf(stderr, "vg-txbench: bad table name '%s'\n", optarg);
				return 2;
			}
			snprintf(pol.table, sizeof(pol.table), "%s", optarg);
			break;
		case 'n':
			n = strtoul(optarg, NULL, 10);
			if (n > N_MAX) {
				fprintf(stderr, "vg-txbench: -n: at most %d\n", N_MAX);
				return 2;
			}
			break;
		case 'k':
			k = strtoul(optarg, NULL, 10);
			if (k < 1 || k > K_MAX) {
				fprintf(stderr, "vg-txbench: -k: 1..%d\n", K_MAX);
				return 2;
			}
			break;
		case 'c':
			cpu = strtoul(optarg, NULL, 10);
			pin = cpu < CPU_SETSIZE;
			break;
		default:
			fprintf(stderr, "usage: vg-txbench [-t TABLE] [-n N] [-k K] [-c CPU]\n");
			return 2;
		}
	}
	if (pin) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			fprintf(stderr, "vg-txbench: pin to CPU %lu: %m (not pinned)\n", cpu);
	}

	vifs = calloc(n + 1, sizeof(*vifs));
	for (int i = 0; i < OP_MAX; i++) {
		commit_ns[i] = calloc(k, sizeof(uint64_t));
		plan_ns[i] = calloc(k, sizeof(uint64_t));
		if (!commit_ns[i] || !plan_ns[i])
			goto out;
	}
	if (!vifs)
		goto out;
	for (uint32_t i = 0; i < n; i++)
		if (filler(&pol, i + 1, &vifs[i]) < 0)
			goto out;
	if (make_vif(&pol, EXTRA_DOMID, "00:16:3e:75:30:01", "192.0.2.100 2001:db8::100",
		     &extra[0]) < 0 ||
	    make_vif(&pol, EXTRA_DOMID, "00:16:3e:75:30:01", "192.0.2.101 2001:db8::101",
		     &extra[1]) < 0)
		goto out;

	r = nfwriter_new(&w);
	if (r < 0) {
		fprintf(stderr, "vg-txbench: netlink: %s\n", strerror(-r));
		r = 1;
		goto out;
	}
	r = 1;

	/* the daemon's startup transaction */
	plan_init(&p, pol.table);
	p.no_text = true; /* as the daemon sends them */
	t0 = now_ns();
	if (ruleset_full(&pol, vifs, n, NULL, &p) < 0) {
		plan_done(&p);
		fprintf(stderr, "vg-txbench: ruleset_full failed\n");
		goto out;
	}
	t1 = now_ns();
	if (commit(w, &p, "full sync") < 0) {
		plan_done(&p);
		goto out;
	}
	t2 = now_ns();
	printf("sync n=%lu ops=%zu plan_ms=%.3f commit_ms=%.3f\n", n, p.n_ops,
	       (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6);
	plan_done(&p);

	/* bounded: k rounds of three transactions */
	for (unsigned long round = 0; round < k; round++) {
		for (int op = 0; op < OP_MAX; op++) {
			int owner = (int)n;

			plan_init(&p, pol.table);
			p.no_text = true;
			t0 = now_ns();
			if (op == OP_ADD)
				r = ruleset_vif_add(&pol, &extra[0], NULL, owner, &p);
			else if (op == OP_UPDATE)
				r = ruleset_vif_del(&pol, &extra[0], &extra[1], owner, &p)
					?: ruleset_vif_add(&pol, &extra[1], &extra[0], owner, &p);
			else
				r = ruleset_vif_del(&pol, &extra[1], NULL, owner, &p);
			t1 = now_ns();
			n_ops[op] = p.n_ops;
			if (r < 0 || commit(w, &p, op_names[op]) < 0) {
				plan_done(&p);
				r = 1;
				goto out;
			}
			t2 = now_ns();
			plan_done(&p);
			plan_ns[op][round] = t1 - t0;
			commit_ns[op][round] = t2 - t1;
		}
	}
	for (int op = 0; op < OP_MAX; op++) {
		qsort(commit_ns[op], k, sizeof(uint64_t), cmp_u64);
		qsort(plan_ns[op], k, sizeof(uint64_t), cmp_u64);
		printf("op=%s n=%lu k=%lu ops=%zu commit_p50_us=%.1f commit_p99_us=%.1f "
		       "commit_min_us=%.1f commit_max_us=%.1f plan_p50_us=%.1f\n",
		       op_names[op], n, k, n_ops[op], pct_us(commit_ns[op], k, 50),
		       pct_us(commit_ns[op], k, 99), pct_us(commit_ns[op], k, 0),
		       pct_us(commit_ns[op], k, 100), pct_us(plan_ns[op], k, 50));
	}
	r = fflush(stdout) == 0 ? 0 : 1;
out:
	nfwriter_free(w);
	free(vifs);
	for (int i = 0; i < OP_MAX; i++) {
		free(commit_ns[i]);
		free(plan_ns[i]);
	}
	return r;
}
