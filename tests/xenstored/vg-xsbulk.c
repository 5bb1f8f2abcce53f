// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vg-xsbulk: daemon/xs-bulk.c against daemon/xenwatch.c on a real xenstored
 * (XENSTORED_PATH).
 *
 *   vg-xsbulk edges
 *       Write the edge cases below (domids 7001..7010) through libxenstore.
 *   vg-xsbulk compare MIN_DEVICES [tx]
 *       Scan the backend vif tree both ways: xenwatch (xenwatch_list per
 *       domain, xenwatch_read_device, xenwatch_domain_name) and xs-bulk.  Every
 *       listing, key, existence flag and domain name must be equal, and at
 *       least MIN_DEVICES devices must have been read.  Exit 1 on a difference.
 *       With "tx", xs-bulk reads every device in a transaction (no
 *       optimistic round).
 *   vg-xsbulk torn DOMID SECONDS [tx]
 *       A child rewrites DOMID/0's mac and ip as one transaction, over and
 *       over (1 ms apart), always as a matching pair; meanwhile xs-bulk reads
 *       the device.  A pair that does not match is a torn read:
 *       exit 1.  Also fails when the writer made fewer than 100 writes, or
 *       (without "tx") when no optimistic read was ever redone.
 *   vg-xsbulk bench REPEATS [xenwatch|xs-bulk]
 *       Time a full scan both ways (or one), REPEATS times each, alternating;
 *       print "way=xenwatch|xs-bulk ms=T devices=N" per run.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "vif.h"
#include "xenwatch.h"
#include "xs-bulk.h"

#define SLICE 256
#define EDGE_ROOT "/local/domain/0/backend/vif"

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool put(struct xs_handle *xs, const char *path, const char *v, size_t len)
{
	if (!xs_write(xs, XBT_NULL, path, v, (unsigned int)len)) {
		fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		return false;
	}
	return true;
}

static bool put_dev(struct xs_handle *xs, unsigned int domid, const char *dev, const char *key,
		    const char *v, size_t len)
{
	char path[192];

	snprintf(path, sizeof(path), EDGE_ROOT "/%u/%s/%s", domid, dev, key);
	return put(xs, path, v, len);
}

static bool put_str(struct xs_handle *xs, unsigned int domid, const char *dev, const char *key,
		    const char *v)
{
	return put_dev(xs, domid, dev, key, v, strlen(v));
}

static bool put_name(struct xs_handle *xs, unsigned int domid, const char *v, size_t len)
{
	char path[64];

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	return put(xs, path, v, len);
}

static bool plain_vif(struct xs_handle *xs, unsigned int domid, const char *dev)
{
	return put_str(xs, domid, dev, "mac", "00:16:3e:7a:00:01") &&
	       put_str(xs, domid, dev, "ip", "192.0.2.7") &&
	       put_str(xs, domid, dev, "bridge", "xenbr0") &&
	       put_str(xs, domid, dev, "type", "vif");
}

static int cmd_edges(void)
{
	struct xs_handle *xs = xs_open(0);
	char big[4001], name[101], path[96];
	bool ok;

	if (!xs) {
		perror("xs_open");
		return 1;
	}
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	for (size_t i = 0; i < sizeof(name) - 1; i++)
		name[i] = (char)(i % 3 == 0 ? '\t' : 'a' + i % 26);
	name[sizeof(name) - 1] = 0;
	ok = /* a device without mac */
	    put_str(xs, 7001, "0", "ip", "192.0.2.1") &&
	    put_str(xs, 7001, "0", "bridge", "xenbr0") && put_name(xs, 7001, "nomac", 5) &&
	    /* an ip of 300 bytes */
	    plain_vif(xs, 7002, "0") && put_dev(xs, 7002, "0", "ip", big, 300) &&
	    put_name(xs, 7002, "long-ip", 7) &&
	    /* no domain name */
	    plain_vif(xs, 7003, "0") &&
	    /* a device written, then deleted (its domain keeps another) */
	    plain_vif(xs, 7004, "0") && plain_vif(xs, 7004, "1") &&
	    put_name(xs, 7004, "deleted", 7) &&
	    /* a devid that is no number, next to a good one */
	    plain_vif(xs, 7005, "abc") && plain_vif(xs, 7005, "0") &&
	    /* an embedded NUL */
	    plain_vif(xs, 7006, "0") && put_dev(xs, 7006, "0", "ip", "192.0.2.6\0x", 11) &&
	    put_name(xs, 7006, "nul\0name", 8) &&
	    /* a value of 4000 bytes */
	    plain_vif(xs, 7007, "0") && put_dev(xs, 7007, "0", "bridge", big, 4000) &&
	    /* a long name with control characters */
	    plain_vif(xs, 7008, "0") && put_name(xs, 7008, name, 100) &&
	    /* an empty value and vifname */
	    plain_vif(xs, 7010, "0") && put_str(xs, 7010, "0", "vifname", "") &&
	    put_str(xs, 7010, "0", "mac", "");
	/* a device directory whose listing exceeds one reply (DIRECTORY_PART) */
	ok = ok && plain_vif(xs, 7009, "0");
	for (int i = 0; i < 400 && ok; i++) {
		char key[32];

		snprintf(key, sizeof(key), "feature-padding-%03d", i);
		ok = put_str(xs, 7009, "0", key, "1");
	}
	snprintf(path, sizeof(path), EDGE_ROOT "/7004/0");
	if (ok && !xs_rm(xs, XBT_NULL, path)) {
		perror("rm");
		ok = false;
	}
	xs_close(xs);
	return ok ? 0 : 1;
}

struct scan {
	char **doms;
	unsigned int n_doms;
	char ***devs; /* per domain */
	unsigned int *n_devs;
	uint32_t (*ids)[2];
	size_t n_ids;
	struct xenwatch_keys *keys;
	bool *exists;
	char (*names)[XS_BULK_NAME_SIZE];
};

static void scan_done(struct scan *s)
{
	for (unsigned int i = 0; s->devs && i < s->n_doms; i++)
		free(s->devs[i]);
	free(s->devs);
	free(s->n_devs);
	free(s->doms);
	free(s->ids);
	free(s->keys);
	free(s->exists);
	free(s->names);
	memset(s, 0, sizeof(*s));
}

/* Devices whose names parse as ids, plus one that does not exist. */
static int collect_ids(struct scan *s)
{
	size_t cap = 1;

	for (unsigned int d = 0; d < s->n_doms; d++)
		cap += s->n_devs[d];
	s->ids = calloc(cap, sizeof(*s->ids));
	if (!s->ids)
		return -ENOMEM;
	for (unsigned int d = 0; d < s->n_doms; d++) {
		struct vif_error err;
		uint32_t domid, devid;

		if (vif_id_parse("domid", s->doms[d], VIF_DOMID_MAX, &domid, &err) < 0)
			continue;
		for (unsigned int k = 0; k < s->n_devs[d]; k++) {
			if (vif_id_parse("devid", s->devs[d][k], VIF_DEVID_MAX, &devid, &err) < 0)
				continue;
			s->ids[s->n_ids][0] = domid;
			s->ids[s->n_ids][1] = devid;
			s->n_ids++;
		}
	}
	s->ids[s->n_ids][0] = 7004;
	s->ids[s->n_ids][1] = 0; /* deleted by edges */
	s->n_ids++;
	return 0;
}

static int scan_alloc_devs(struct scan *s)
{
	s->devs = calloc(s->n_doms + 1, sizeof(*s->devs));
	s->n_devs = calloc(s->n_doms + 1, sizeof(*s->n_devs));
	return s->devs && s->n_devs ? 0 : -ENOMEM;
}

static int scan_alloc_results(struct scan *s, bool all)
{
	size_t n = all ? s->n_ids : SLICE;

	s->keys = calloc(n, sizeof(*s->keys));
	s->exists = calloc(s->n_ids, sizeof(*s->exists));
	s->names = calloc(s->n_ids, sizeof(*s->names));
	return s->keys && s->exists && s->names ? 0 : -ENOMEM;
}

/* all: keep every device's keys (compare) or only the last slice (bench) */
static int scan_xenwatch(struct xenwatch *x, struct scan *s, bool all)
{
	char path[160];
	int r;

	r = xenwatch_list(x, xenwatch_root(x), &s->doms, &s->n_doms);
	if (r < 0)
		return r;
	r = scan_alloc_devs(s);
	for (unsigned int d = 0; d < s->n_doms && r == 0; d++) {
		snprintf(path, sizeof(path), "%s/%s", xenwatch_root(x), s->doms[d]);
		r = xenwatch_list(x, path, &s->devs[d], &s->n_devs[d]);
	}
	if (r == 0)
		r = collect_ids(s);
	if (r == 0)
		r = scan_alloc_results(s, all);
	for (size_t i = 0; i < s->n_ids && r == 0; i++) {
		struct xenwatch_keys *k = &s->keys[all ? i : i % SLICE];

		r = xenwatch_read_device(x, s->ids[i][0], s->ids[i][1], k, &s->exists[i]);
		if (r == 0)
			xenwatch_domain_name(x, s->ids[i][0], s->names[i], sizeof(s->names[i]));
	}
	return r;
}

static int scan_bulk(struct xs_bulk *b, const char *root, struct scan *s, bool all)
{
	const char *rp[1] = {root};
	char **paths = NULL, ***one;
	unsigned int n1;
	int r;

	one = &s->doms;
	r = xs_bulk_list(b, rp, 1, one, &n1);
	if (r < 0)
		return r;
	s->n_doms = n1;
	r = scan_alloc_devs(s);
	if (r == 0) {
		paths = calloc(s->n_doms + 1, sizeof(*paths));
		if (!paths)
			r = -ENOMEM;
	}
	for (unsigned int d = 0; d < s->n_doms && r == 0; d++)
		if (asprintf(&paths[d], "%s/%s", root, s->doms[d]) < 0)
			r = -ENOMEM;
	if (r == 0)
		r = xs_bulk_list(b, (const char *const *)paths, s->n_doms, s->devs, s->n_devs);
	for (unsigned int d = 0; paths && d < s->n_doms; d++)
		free(paths[d]);
	free(paths);
	if (r == 0)
		r = collect_ids(s);
	if (r == 0)
		r = scan_alloc_results(s, all);
	for (size_t i = 0; i < s->n_ids && r == 0; i += SLICE) {
		size_t n = s->n_ids - i < SLICE ? s->n_ids - i : SLICE;

		r = xs_bulk_read_devices(b, root, s->ids + i, n, s->keys + (all ? i : 0),
					 s->exists + i, s->names + i);
	}
	return r;
}

static bool same_list(const char *what, char **a, unsigned int na, char **b, unsigned int nb)
{
	if (na != nb || (!a) != (!b)) {
		fprintf(stderr, "%s: %u names vs %u\n", what, na, nb);
		return false;
	}
	for (unsigned int i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0) {
			fprintf(stderr, "%s: name %u '%s' vs '%s'\n", what, i, a[i], b[i]);
			return false;
		}
	return true;
}

static int cmd_compare(unsigned long min_devices, bool tx_only)
{
	struct scan a = {0}, b = {0};
	struct xenwatch *x = NULL;
	struct xs_bulk *bulk = NULL;
	unsigned long diffs = 0, with_keys = 0;
	int r;

	r = xenwatch_new(&x);
	if (r < 0) {
		fprintf(stderr, "xenwatch_new: %s\n", strerror(-r));
		return 1;
	}
	r = xs_bulk_open(&bulk);
	if (r < 0) {
		fprintf(stderr, "xs_bulk_open: %s\n", strerror(-r));
		xenwatch_free(x);
		return 1;
	}
	r = scan_xenwatch(x, &a, true);
	if (r < 0)
		fprintf(stderr, "xenwatch scan: %s\n", strerror(-r));
	if (r == 0) {
		xs_bulk_set_tx_only(bulk, tx_only);
		r = scan_bulk(bulk, xenwatch_root(x), &b, true);
		if (r < 0)
			fprintf(stderr, "xs-bulk scan: %s\n", strerror(-r));
	}
	if (r == 0) {
		if (!same_list("root", a.doms, a.n_doms, b.doms, b.n_doms))
			diffs++;
		for (unsigned int d = 0; d < a.n_doms && d < b.n_doms; d++)
			if (!same_list(a.doms[d], a.devs[d], a.n_devs[d], b.devs[d], b.n_devs[d]))
				diffs++;
		if (a.n_ids != b.n_ids) {
			fprintf(stderr, "%zu devices vs %zu\n", a.n_ids, b.n_ids);
			diffs++;
		}
	}
	for (size_t i = 0; r == 0 && i < a.n_ids && i < b.n_ids; i++) {
		const struct xenwatch_keys *ka = &a.keys[i], *kb = &b.keys[i];
		bool same = a.exists[i] == b.exists[i] && strcmp(a.names[i], b.names[i]) == 0;

		for (int k = 0; k < 5 && same && a.exists[i]; k++)
			same = ka->has[k] == kb->has[k] &&
			       (!ka->has[k] || strcmp(ka->value[k], kb->value[k]) == 0);
		if (!same) {
			fprintf(stderr, "device %u/%u differs (exists %d/%d, name '%s'/'%s')\n",
				a.ids[i][0], a.ids[i][1], a.exists[i], b.exists[i], a.names[i],
				b.names[i]);
			diffs++;
		}
		if (a.exists[i] && ka->has[XW_MAC])
			with_keys++;
	}
	printf("devices=%zu with_mac=%lu differences=%lu tx_only=%d\n", a.n_ids, with_keys, diffs,
	       tx_only);
	scan_done(&a);
	scan_done(&b);
	xs_bulk_free(bulk);
	xenwatch_free(x);
	if (r < 0 || diffs > 0)
		return 1;
	if (with_keys < min_devices) {
		fprintf(stderr, "only %lu devices with keys, expected %lu\n", with_keys,
			min_devices);
		return 1;
	}
	return 0;
}

/* The writer: mac 00:16:3e:00:HH:LL with ip 10.0.HH.LL, as one transaction. */
static void torn_writer(unsigned int domid, unsigned int seconds)
{
	struct xs_handle *xs = xs_open(0);
	uint64_t end = mono_ns() + (uint64_t)seconds * 1000000000u;
	unsigned long writes = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (!xs)
		_exit(1);
	for (unsigned int i = 0; mono_ns() < end; i++) {
		char mp[128], ip[128], mac[32], addr[32];
		xs_transaction_t t = xs_transaction_start(xs);

		if (t == XBT_NULL)
			_exit(1);
		snprintf(mp, sizeof(mp), EDGE_ROOT "/%u/0/mac", domid);
		snprintf(ip, sizeof(ip), EDGE_ROOT "/%u/0/ip", domid);
		snprintf(mac, sizeof(mac), "00:16:3e:00:%02x:%02x", (i >> 8) & 0xff, i & 0xff);
		snprintf(addr, sizeof(addr), "10.0.%u.%u", (i >> 8) & 0xff, i & 0xff);
		if (!xs_write(xs, t, mp, mac, strlen(mac)) ||
		    !xs_write(xs, t, ip, addr, strlen(addr)))
			_exit(1);
		if (xs_transaction_end(xs, t, false))
			writes++;
		else if (errno != EAGAIN)
			_exit(1);
		/* a pause: a reader whose transaction keeps failing gets its
		 * last read through unchecked (ATTEMPTS in xs-bulk.c), which
		 * must stay unlikely here */
		usleep(1000);
	}
	xs_close(xs);
	_exit(writes >= 100 ? 0 : 2);
}

static int cmd_torn(unsigned int domid, unsigned int seconds, bool tx_only)
{
	uint32_t ids[64][2];
	struct xenwatch_keys *keys = calloc(64, sizeof(*keys));
	char names[64][XS_BULK_NAME_SIZE];
	bool exists[64];
	struct xs_bulk *b = NULL;
	unsigned long reads = 0, torn = 0;
	uint64_t end;
	int r, status;
	pid_t pid;

	if (!keys)
		return 1;
	for (int i = 0; i < 64; i++) {
		ids[i][0] = domid;
		ids[i][1] = 0;
	}
	r = xs_bulk_open(&b);
	if (r < 0) {
		fprintf(stderr, "xs_bulk_open: %s\n", strerror(-r));
		free(keys);
		return 1;
	}
	xs_bulk_set_tx_only(b, tx_only);
	pid = fork();
	if (pid < 0) {
		free(keys);
		xs_bulk_free(b);
		return 1;
	}
	if (pid == 0)
		torn_writer(domid, seconds);
	end = mono_ns() + (uint64_t)seconds * 1000000000u;
	while (mono_ns() < end && r == 0) {
		/* one device per call: a short transaction rarely conflicts */
		r = xs_bulk_read_devices(b, EDGE_ROOT, (const uint32_t(*)[2])ids, 1, keys, exists,
					 names);
		for (int i = 0; i < 1 && r == 0; i++) {
			unsigned int m1, m2, a1, a2;

			reads++;
			if (!exists[i] || !keys[i].has[XW_MAC] || !keys[i].has[XW_IP] ||
			    sscanf(keys[i].value[XW_MAC], "00:16:3e:00:%x:%x", &m1, &m2) != 2 ||
			    sscanf(keys[i].value[XW_IP], "10.0.%u.%u", &a1, &a2) != 2) {
				/* before the writer's first write: the edges' values */
				if (keys[i].has[XW_MAC] && strcmp(keys[i].value[XW_MAC], "") == 0)
					continue;
				fprintf(stderr, "unexpected: mac '%s' ip '%s'\n",
					keys[i].value[XW_MAC], keys[i].value[XW_IP]);
				torn++;
			} else if (m1 != a1 || m2 != a2) {
				torn++;
			}
		}
	}
	if (r < 0)
		fprintf(stderr, "xs_bulk_read_devices: %s\n", strerror(-r));
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	printf("reads=%lu torn=%lu reread=%lu tx_only=%d writer_status=%d\n", reads, torn,
	       xs_bulk_n_reread(b), tx_only, status);
	/* the optimistic round must have seen the writer's changes */
	if (!tx_only && xs_bulk_n_reread(b) == 0)
		r = -ENOMSG;
	free(keys);
	xs_bulk_free(b);
	if (r < 0 || torn > 0 || reads < 1000)
		return 1;
	/* killed at the end is fine; an early exit is not */
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		fprintf(stderr, "the writer failed (status %d)\n", WEXITSTATUS(status));
		return 1;
	}
	return 0;
}

static int cmd_bench(unsigned int repeats, const char *only)
{
	struct xenwatch *x = NULL;
	int r;

	r = xenwatch_new(&x);
	if (r < 0) {
		fprintf(stderr, "xenwatch_new: %s\n", strerror(-r));
		return 1;
	}
	for (unsigned int k = 0; k < repeats && r == 0; k++) {
		struct scan s = {0};
		struct xs_bulk *b = NULL;
		uint64_t t0, t1;

		if (!only || strcmp(only, "xenwatch") == 0) {
			t0 = mono_ns();
			r = scan_xenwatch(x, &s, false);
			t1 = mono_ns();
			printf("way=xenwatch ms=%.1f devices=%zu\n", (double)(t1 - t0) / 1e6,
			       s.n_ids);
			scan_done(&s);
			if (r < 0)
				break;
		}
		if (only && strcmp(only, "xs-bulk") != 0)
			continue;
		t0 = mono_ns();
		r = xs_bulk_open(&b);
		if (r == 0)
			r = scan_bulk(b, xenwatch_root(x), &s, false);
		t1 = mono_ns();
		printf("way=xs-bulk ms=%.1f devices=%zu\n", (double)(t1 - t0) / 1e6, s.n_ids);
		scan_done(&s);
		xs_bulk_free(b);
		fflush(stdout);
	}
	if (r < 0)
		fprintf(stderr, "bench: %s\n", strerror(-r));
	xenwatch_free(x);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "edges") == 0)
		return cmd_edges();
	bool tx_only = argc >= 3 && strcmp(argv[argc - 1], "tx") == 0;

	if ((argc == 3 || argc == 4) && strcmp(argv[1], "compare") == 0)
		return cmd_compare(strtoul(argv[2], NULL, 10), tx_only);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "torn") == 0)
		return cmd_torn((unsigned int)strtoul(argv[2], NULL, 10),
				(unsigned int)strtoul(argv[3], NULL, 10), tx_only);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "bench") == 0)
		return cmd_bench((unsigned int)strtoul(argv[2], NULL, 10),
				 argc == 4 ? argv[3] : NULL);
	fprintf(stderr, "usage: vg-xsbulk edges | compare MIN [tx] | torn DOMID SECONDS [tx] | "
			"bench N [WAY]\n");
	return 2;
}
