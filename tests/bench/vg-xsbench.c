// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vg-xsbench: the xenstore side of the daemon benchmarks.
 *
 *   vg-xsbench load [-1] FIRST COUNT
 *       Write the backend directories of vifs FIRST..FIRST+COUNT-1 (the
 *       benchmark's filler vifs, see below) the way libxl does: one
 *       transaction per vif, or with -1 all in one transaction.
 *       Prints "wrote=COUNT ms=T".
 *   vg-xsbench rm FIRST COUNT
 *       Remove those backend directories (one transaction per vif).
 *   vg-xsbench check FIRST COUNT
 *       Check that xenstore holds exactly those vifs' keys and values.
 *   vg-xsbench storm [-1 | -p [-w WINDOW] [-b BATCH]] [-t TIMEOUT_MS] STATUS FIRST COUNT
 *       load, then wait until the daemon's status file STATUS lists every
 *       one of those vifs as enforced (inotify on its directory: the daemon
 *       renames a new one into place after every change).  Prints
 *       "vifs=COUNT write_ms=T enforced_ms=T" (both from the first write).
 *       -p: the same transaction per vif, but written as fast as xenstored
 *       takes them: the wire protocol on a connection of our own, at most
 *       WINDOW requests in flight (default 256), BATCH vifs (default 256)
 *       at a time: all their TRANSACTION_STARTs, then all their WRITEs,
 *       then all their TRANSACTION_ENDs (EAGAIN: again, at most 20 times).
 *       Also prints "window= batch= eagain=" (transactions redone).
 *   vg-xsbench e2e [-k K] [-g TICK_US] [-t TIMEOUT_MS] DOMID MAC IP_A IP_B
 *                  GUEST_NETNS PEER_NETNS PEER_MAC PEER_IP
 *       K rounds of: add vif DOMID.0 (ip=IP_A), update it (ip=IP_B), remove
 *       it, each one xenstore transaction.  The port vif<DOMID>.0 exists and
 *       is fail-closed while the daemon has no rules for it.  From the
 *       moment the transaction is sent, the guest (eth0 in GUEST_NETNS)
 *       sends a UDP frame from the address that is about to become legal
 *       (IP_A, then IP_B) every TICK_US (default 50); the peer (eth0 in
 *       PEER_NETNS) watches for it.  add/update: time until the first frame
 *       arrives (the rules are live); remove: time until the last frame that
 *       still arrived (the rules are gone once frames stop for 200 ms).
 *       Resolution: one tick plus the frame's own path (a few us).
 *       Prints one line per round and "op=add|update|remove k= p50_ms=
 *       p99_ms= min_ms= max_ms= xs_tx_p50_ms=" per event (xs_tx: the
 *       xenstore transaction alone, part of the total).
 *   vg-xsbench stamp FILE CMD [ARG...]
 *       Write CLOCK_REALTIME (ns) to FILE, then exec CMD (to time a start).
 *   vg-xsbench sink SOCKET [FIFO]
 *       A systemd notification socket that prints each message prefixed by
 *       its arrival time (CLOCK_REALTIME ns), until killed.  With FIFO: the
 *       first READY=1 also writes a line to it, so that a waiting script
 *       blocks in read(1) instead of polling (its forks would take CPU from
 *       the start being measured).
 *
 * Filler vif i: domid i, devid 0, mac 00:16:3e:hh:ll:01 (i = hh*256+ll),
 * ip "198.18.<i/250>.<i%250+1> 2001:db8:1::<i in hex>", bridge xenbr0,
 * domain name "bench<i>".  198.18.0.0/15 is RFC 2544's benchmarking block:
 * the three IPv4 documentation blocks hold only 762 hosts, and thousands of
 * guests need distinct addresses or the daemon withholds them as conflicts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "frame.h"
#include "xenwatch.h"
#include "xs-wire.h"

#define COUNT_MAX 30000
#define K_MAX 10000
#define BACKEND "/local/domain/0/backend/vif"
#define QUIET_MS 200

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static uint64_t real_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int parse_u(const char *what, const char *s, unsigned long max, unsigned long *ret)
{
	char *end;

	errno = 0;
	*ret = strtoul(s, &end, 10);
	if (!*s || *end || errno || *ret > max || *s == '-') {
		fprintf(stderr, "vg-xsbench: %s: bad value '%s' (max %lu)\n", what, s, max);
		return -EINVAL;
	}
	return 0;
}

static struct xs_handle *xs_connect(void)
{
	struct xs_handle *xs = xs_open(0);

	if (!xs)
		fprintf(stderr, "vg-xsbench: cannot connect to xenstore: %m\n");
	return xs;
}

static bool xs_put(struct xs_handle *xs, xs_transaction_t t, const char *path, const char *v)
{
	if (xs_write(xs, t, path, v, strlen(v)))
		return true;
	fprintf(stderr, "vg-xsbench: write %s: %m\n", path);
	return false;
}

/* The backend keys libxl writes for a PV vif (vifguardd reads mac, ip,
 * vifname, type and bridge; the others only make watch events, as on a
 * real host), and the domain name first: both writers (libxenstore and the
 * pipelined one) write exactly these, in this order. */
#define VIF_KEYS 11
struct vif_kv {
	char path[160];
	char v[96];
};

static void vif_keys(unsigned long domid, const char *mac, const char *ip,
		     struct vif_kv kv[VIF_KEYS])
{
	static const char *const fixed[][2] = {
	    {"online", "1"},
	    {"state", "1"},
	    {"handle", "0"},
	    {"type", "vif"},
	    {"script", "/etc/xen/scripts/vif-bridge"},
	    {"bridge", "xenbr0"},
	};
	char dir[96];
	size_t k = 0;

	_Static_assert(3 + sizeof(fixed) / sizeof(fixed[0]) + 2 == VIF_KEYS, "key count");
	snprintf(dir, sizeof(dir), BACKEND "/%lu/0", domid);
	snprintf(kv[k].path, sizeof(kv[k].path), "/local/domain/%lu/name", domid);
	snprintf(kv[k++].v, sizeof(kv[0].v), "bench%lu", domid);
	snprintf(kv[k].path, sizeof(kv[k].path), "%s/frontend", dir);
	snprintf(kv[k++].v, sizeof(kv[0].v), "/local/domain/%lu/device/vif/0", domid);
	snprintf(kv[k].path, sizeof(kv[k].path), "%s/frontend-id", dir);
	snprintf(kv[k++].v, sizeof(kv[0].v), "%lu", domid);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		snprintf(kv[k].path, sizeof(kv[k].path), "%s/%s", dir, fixed[i][0]);
		snprintf(kv[k++].v, sizeof(kv[0].v), "%s", fixed[i][1]);
	}
	snprintf(kv[k].path, sizeof(kv[k].path), "%s/mac", dir);
	snprintf(kv[k++].v, sizeof(kv[0].v), "%s", mac);
	snprintf(kv[k].path, sizeof(kv[k].path), "%s/ip", dir);
	snprintf(kv[k++].v, sizeof(kv[0].v), "%s", ip);
}

static bool write_vif(struct xs_handle *xs, xs_transaction_t t, unsigned long domid,
		      const char *mac, const char *ip)
{
	struct vif_kv kv[VIF_KEYS];

	vif_keys(domid, mac, ip, kv);
	for (size_t k = 0; k < VIF_KEYS; k++)
		if (!xs_put(xs, t, kv[k].path, kv[k].v))
			return false;
	return true;
}

static void filler_keys(unsigned long i, char *mac, size_t mlen, char *ip, size_t iplen)
{
	snprintf(mac, mlen, "00:16:3e:%02lx:%02lx:01", (i >> 8) & 0xff, i & 0xff);
	snprintf(ip, iplen, "198.18.%lu.%lu 2001:db8:1::%lx", i / 250, i % 250 + 1, i);
}

/* Run fn in one transaction, retrying on EAGAIN (bounded). */
static bool in_transaction(struct xs_handle *xs,
			   bool (*fn)(struct xs_handle *, xs_transaction_t, void *), void *arg)
{
	for (int attempt = 0; attempt < 20; attempt++) {
		xs_transaction_t t = xs_transaction_start(xs);

		if (t == XBT_NULL) {
			fprintf(stderr, "vg-xsbench: transaction start: %m\n");
			return false;
		}
		if (!fn(xs, t, arg)) {
			xs_transaction_end(xs, t, true);
			return false;
		}
		if (xs_transaction_end(xs, t, false))
			return true;
		if (errno != EAGAIN) {
			fprintf(stderr, "vg-xsbench: transaction end: %m\n");
			return false;
		}
	}
	fprintf(stderr, "vg-xsbench: transaction kept conflicting\n");
	return false;
}

struct range {
	unsigned long first, count;
};

static bool tx_fillers(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct range *r = arg;
	char mac[32], ip[96];

	for (unsigned long i = r->first; i < r->first + r->count; i++) {
		filler_keys(i, mac, sizeof(mac), ip, sizeof(ip));
		if (!write_vif(xs, t, i, mac, ip))
			return false;
	}
	return true;
}

static bool load(struct xs_handle *xs, unsigned long first, unsigned long count, bool one_tx)
{
	if (one_tx) {
		struct range r = {first, count};

		return in_transaction(xs, tx_fillers, &r);
	}
	for (unsigned long i = first; i < first + count; i++) {
		struct range r = {i, 1};

		if (!in_transaction(xs, tx_fillers, &r))
			return false;
	}
	return true;
}

/* ---- the pipelined writer ---- */

/*
 * The same per-vif transactions as load(), but on one socket connection of
 * our own, many requests in flight (as daemon/xs-bulk.c reads): a batch of
 * vifs is TRANSACTION_START for each, then every WRITE of each with its
 * transaction id, then TRANSACTION_END "T" for each; a vif whose end says
 * EAGAIN goes again in a new transaction (bounded).  xenstored answers in
 * request order; replies are still matched by req_id and tx_id.
 */
#define PIPE_WINDOW_DEFAULT 256
#define PIPE_WINDOW_MAX 4096
#define PIPE_BATCH_DEFAULT 256
#define PIPE_ATTEMPTS 20
/* no reply for this long: xenstored is stuck or gone */
#define PIPE_TIMEOUT_MS 10000

struct pipe {
	int fd;
	uint32_t next_req_id;
	unsigned long window;
	unsigned long n_again; /* transactions that ended with EAGAIN */
	size_t out_len, out_off;
	unsigned char out[64 * 1024];
	unsigned char in[64 * 1024];
	struct xs_wire_decoder dec;
};

struct preq {
	uint32_t type;
	uint32_t tx_id;
	const char *arg;   /* path, or TRANSACTION_START's "" / END's "T" */
	const char *value; /* WRITE's value (sent without a NUL), else NULL */
	bool is_done;
	int error;	/* -errno from XS_ERROR */
	char reply[24]; /* TRANSACTION_START's id */
};

/* The socket libxenstore would use, as the daemon opens it. */
static int pipe_open(struct pipe *pp, unsigned long window)
{
	pp->fd = xenwatch_socket_open(SOCK_NONBLOCK);
	if (pp->fd < 0) {
		fprintf(stderr, "vg-xsbench: connect to xenstored: %s\n", strerror(-pp->fd));
		pp->fd = -1;
		return -1;
	}
	pp->next_req_id = 1;
	pp->window = window;
	pp->n_again = 0;
	pp->out_len = pp->out_off = 0;
	xs_wire_decoder_init(&pp->dec);
	return 0;
}

/* Encode q at the end of the output buffer; -ENOBUFS when it is full. */
static int pipe_encode(struct pipe *pp, const struct preq *q, uint32_t req_id)
{
	const char *args[2] = {q->arg, q->value};
	int r;

	r = xs_wire_encode(q->type, req_id, q->tx_id, args, q->value ? 2 : 1,
			   pp->out + pp->out_len, sizeof(pp->out) - pp->out_len);
	if (r < 0)
		return r;
	pp->out_len += (size_t)r;
	return 0;
}

static int pipe_reply(struct preq *reqs, size_t n_sent, uint32_t first,
		      const struct xs_wire_msg *m)
{
	uint32_t idx = m->req_id - first;
	struct preq *q;

	if (idx >= n_sent || reqs[idx].is_done || m->tx_id != reqs[idx].tx_id)
		return -EBADMSG;
	q = &reqs[idx];
	if (m->type == XS_WIRE_ERROR) {
		q->error = xs_wire_error_parse(m->payload, m->len);
		if (q->error == -EBADMSG)
			q->error = -EIO;
	} else if (m->type != q->type) {
		return -EBADMSG;
	} else if (q->type == XS_WIRE_TRANSACTION_START) {
		if (m->len >= sizeof(q->reply))
			return -EBADMSG;
		memcpy(q->reply, m->payload, m->len + 1);
	}
	q->is_done = true;
	return 0;
}

/* Send reqs, at most pp->window unanswered at a time, and collect every
 * reply (a request's own error is in its preq).  Bounded: PIPE_TIMEOUT_MS
 * without a reply fails. */
static int pipe_run(struct pipe *pp, struct preq *reqs, size_t n)
{
	uint32_t first = pp->next_req_id;
	size_t n_sent = 0, n_done = 0;
	uint64_t deadline = mono_ns() + PIPE_TIMEOUT_MS * 1000000ULL;

	for (size_t i = 0; i < n; i++) {
		reqs[i].is_done = false;
		reqs[i].error = 0;
	}
	pp->next_req_id += (uint32_t)n;
	while (n_done < n) {
		struct pollfd p = {.fd = pp->fd, .events = POLLIN};
		uint64_t t;
		int r;

		if (pp->out_off > 0) {
			memmove(pp->out, pp->out + pp->out_off, pp->out_len - pp->out_off);
			pp->out_len -= pp->out_off;
			pp->out_off = 0;
		}
		while (n_sent < n && n_sent - n_done < pp->window) {
			r = pipe_encode(pp, &reqs[n_sent], first + (uint32_t)n_sent);
			if (r == -ENOBUFS)
				break;
			if (r < 0) {
				fprintf(stderr, "vg-xsbench: encode: %s\n", strerror(-r));
				return r;
			}
			n_sent++;
		}
		if (pp->out_len > 0)
			p.events |= POLLOUT;
		t = mono_ns();
		if (t >= deadline)
			goto timeout;
		r = poll(&p, 1, (int)((deadline - t) / 1000000ULL) + 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "vg-xsbench: poll: %m\n");
			return -errno;
		}
		if (r == 0)
			continue; /* the deadline check above ends it */
		if (p.revents & POLLOUT) {
			ssize_t w = write(pp->fd, pp->out, pp->out_len);

			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				fprintf(stderr, "vg-xsbench: write to xenstored: %m\n");
				return -errno;
			}
			if (w > 0)
				pp->out_off = (size_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t rd = read(pp->fd, pp->in, sizeof(pp->in));
			size_t off = 0;

			if (rd == 0) {
				fprintf(stderr, "vg-xsbench: xenstored closed the connection\n");
				return -ECONNRESET;
			}
			if (rd < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				fprintf(stderr, "vg-xsbench: read from xenstored: %m\n");
				return -errno;
			}
			while (off < (size_t)rd) {
				struct xs_wire_msg m;
				size_t used;

				r = xs_wire_decoder_feed(&pp->dec, pp->in + off, (size_t)rd - off,
							 &used, &m);
				off += used;
				if (r == 0)
					continue;
				if (r > 0)
					r = pipe_reply(reqs, n_sent, first, &m);
				if (r < 0) {
					fprintf(stderr, "vg-xsbench: unexpected reply from xenstored\n");
					return r;
				}
				n_done++;
				deadline = mono_ns() + PIPE_TIMEOUT_MS * 1000000ULL;
			}
		}
	}
	return 0;
timeout:
	fprintf(stderr, "vg-xsbench: no reply from xenstored for %d ms (%zu of %zu)\n",
		PIPE_TIMEOUT_MS, n_done, n);
	return -ETIMEDOUT;
}

static bool parse_tx(const struct preq *q, uint32_t *ret)
{
	unsigned long v;
	char *end;

	if (q->error) {
		fprintf(stderr, "vg-xsbench: transaction start: %s\n", strerror(-q->error));
		return false;
	}
	errno = 0;
	v = strtoul(q->reply, &end, 10);
	if (errno || *end || end == q->reply || v == 0 || v > UINT32_MAX) {
		fprintf(stderr, "vg-xsbench: transaction start: bad id '%s'\n", q->reply);
		return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/*
 * Write vifs[0..n) (domids), each in its own transaction: all the
 * TRANSACTION_STARTs pipelined, then, pipelined as well, each vif's WRITEs
 * followed by its TRANSACTION_END.  Not all the WRITEs before all the ENDs:
 * every transaction adds a child to BACKEND (or to /local/domain), and C
 * xenstored fails the commit of a transaction whose nodes another commit
 * changed after it first touched them, so of transactions that overlap that
 * way only the first to end succeeds.  xenstored handles one connection's
 * requests in order, so here vif i+1's first WRITE reaches BACKEND only
 * after vif i's END: nothing conflicts.  The vifs whose transaction still
 * ended with EAGAIN (another writer) are moved to the front of vifs, their
 * count in *ret_again.  A WRITE that fails fails the storm (its END has been
 * sent with the rest: that vif may be left partly written).
 */
static bool pipe_round(struct pipe *pp, unsigned long *vifs, size_t n, struct vif_kv *kv,
		       uint32_t *tx, struct preq *reqs, size_t *ret_again)
{
	char mac[32], ip[96];
	size_t k = 0, n_again = 0;
	bool ok = true;

	for (size_t d = 0; d < n; d++)
		reqs[d] = (struct preq){.type = XS_WIRE_TRANSACTION_START, .arg = ""};
	if (pipe_run(pp, reqs, n) < 0)
		return false;
	for (size_t d = 0; d < n; d++) {
		tx[d] = 0;
		if (!parse_tx(&reqs[d], &tx[d]))
			ok = false;
	}
	if (!ok) {
		/* abort the ones that started */
		for (size_t d = 0; d < n; d++)
			if (tx[d])
				reqs[k++] = (struct preq){
				    .type = XS_WIRE_TRANSACTION_END, .tx_id = tx[d], .arg = "F"};
		pipe_run(pp, reqs, k);
		return false;
	}
	for (size_t d = 0; d < n; d++) {
		filler_keys(vifs[d], mac, sizeof(mac), ip, sizeof(ip));
		vif_keys(vifs[d], mac, ip, &kv[d * VIF_KEYS]);
		for (size_t i = 0; i < VIF_KEYS; i++)
			reqs[k++] = (struct preq){.type = XS_WIRE_WRITE,
						  .tx_id = tx[d],
						  .arg = kv[d * VIF_KEYS + i].path,
						  .value = kv[d * VIF_KEYS + i].v};
		reqs[k++] =
		    (struct preq){.type = XS_WIRE_TRANSACTION_END, .tx_id = tx[d], .arg = "T"};
	}
	if (pipe_run(pp, reqs, k) < 0)
		return false;
	k = 0;
	for (size_t d = 0; d < n; d++) {
		int e;

		for (size_t i = 0; i < VIF_KEYS; i++, k++)
			if (reqs[k].error && ok) {
				fprintf(stderr, "vg-xsbench: write %s: %s\n", reqs[k].arg,
					strerror(-reqs[k].error));
				ok = false;
			}
		e = reqs[k++].error;
		if (e == -EAGAIN) {
			unsigned long t = vifs[n_again];

			pp->n_again++;
			vifs[n_again++] = vifs[d];
			vifs[d] = t;
		} else if (e && ok) {
			fprintf(stderr, "vg-xsbench: transaction end: %s\n", strerror(-e));
			ok = false;
		}
	}
	*ret_again = n_again;
	return ok;
}

static bool load_pipelined(struct pipe *pp, unsigned long first, unsigned long count,
			   unsigned long batch)
{
	unsigned long *vifs = calloc(batch, sizeof(*vifs));
	struct vif_kv *kv = calloc(batch * VIF_KEYS, sizeof(*kv));
	uint32_t *tx = calloc(batch, sizeof(*tx));
	struct preq *reqs = calloc(batch * (VIF_KEYS + 1), sizeof(*reqs));
	bool ok = vifs && kv && tx && reqs;

	if (!ok)
		fprintf(stderr, "vg-xsbench: out of memory\n");
	for (unsigned long start = first; ok && start < first + count; start += batch) {
		size_t m = first + count - start < batch ? first + count - start : batch;
		int attempt;

		for (size_t d = 0; d < m; d++)
			vifs[d] = start + d;
		for (attempt = 0; ok && m > 0 && attempt < PIPE_ATTEMPTS; attempt++)
			ok = pipe_round(pp, vifs, m, kv, tx, reqs, &m);
		if (ok && m > 0) {
			fprintf(stderr, "vg-xsbench: %zu transactions kept conflicting\n", m);
			ok = false;
		}
	}
	free(vifs);
	free(kv);
	free(tx);
	free(reqs);
	return ok;
}

static int cmd_load(int argc, char **argv)
{
	unsigned long first, count;
	bool one_tx = false;
	struct xs_handle *xs;
	uint64_t t0, t1;
	int c;

	while ((c = getopt(argc, argv, "+1")) != -1) {
		if (c != '1')
			return 2;
		one_tx = true;
	}
	if (argc - optind != 2 || parse_u("FIRST", argv[optind], COUNT_MAX, &first) < 0 ||
	    parse_u("COUNT", argv[optind + 1], COUNT_MAX, &count) < 0 || first == 0)
		return 2;
	xs = xs_connect();
	if (!xs)
		return 1;
	t0 = mono_ns();
	if (!load(xs, first, count, one_tx)) {
		xs_close(xs);
		return 1;
	}
	t1 = mono_ns();
	printf("wrote=%lu ms=%.3f\n", count, (double)(t1 - t0) / 1e6);
	xs_close(xs);
	return 0;
}

/* Does xenstore hold exactly the filler vifs' keys: each key's value, and
 * nothing else in the backend directory?  (Both writers must store the same.) */
static int cmd_check(int argc, char **argv)
{
	unsigned long first, count, bad = 0;
	struct xs_handle *xs;

	if (argc != 3 || parse_u("FIRST", argv[1], COUNT_MAX, &first) < 0 ||
	    parse_u("COUNT", argv[2], COUNT_MAX, &count) < 0 || first == 0)
		return 2;
	xs = xs_connect();
	if (!xs)
		return 1;
	for (unsigned long i = first; i < first + count && bad < 10; i++) {
		struct vif_kv kv[VIF_KEYS];
		char mac[32], ip[96], dir[96];
		unsigned int n_dir = 0;
		char **names;

		filler_keys(i, mac, sizeof(mac), ip, sizeof(ip));
		vif_keys(i, mac, ip, kv);
		for (size_t k = 0; k < VIF_KEYS; k++) {
			unsigned int len = 0;
			char *v = xs_read(xs, XBT_NULL, kv[k].path, &len);

			if (!v)
				fprintf(stderr, "vg-xsbench: check: read %s: %m\n", kv[k].path);
			else if (len != strlen(kv[k].v) || memcmp(v, kv[k].v, len) != 0)
				fprintf(stderr, "vg-xsbench: check: %s is '%.*s' (%u bytes), not '%s'\n",
					kv[k].path, (int)len, v, len, kv[k].v);
			if (!v || len != strlen(kv[k].v) || memcmp(v, kv[k].v, len) != 0)
				bad++;
			free(v);
		}
		snprintf(dir, sizeof(dir), BACKEND "/%lu/0", i);
		names = xs_directory(xs, XBT_NULL, dir, &n_dir);
		if (!names || n_dir != VIF_KEYS - 1) {
			fprintf(stderr, "vg-xsbench: check: %s has %u entries, not %d\n", dir, n_dir,
				VIF_KEYS - 1);
			bad++;
		}
		free(names);
	}
	xs_close(xs);
	if (bad)
		return 1;
	printf("checked=%lu\n", count);
	return 0;
}

static int cmd_rm(int argc, char **argv)
{
	unsigned long first, count;
	struct xs_handle *xs;
	char path[96];

	if (argc != 3 || parse_u("FIRST", argv[1], COUNT_MAX, &first) < 0 ||
	    parse_u("COUNT", argv[2], COUNT_MAX, &count) < 0)
		return 2;
	xs = xs_connect();
	if (!xs)
		return 1;
	for (unsigned long i = first; i < first + count; i++) {
		snprintf(path, sizeof(path), BACKEND "/%lu", i);
		if (!xs_rm(xs, XBT_NULL, path) && errno != ENOENT) {
			fprintf(stderr, "vg-xsbench: rm %s: %m\n", path);
			xs_close(xs);
			return 1;
		}
	}
	xs_close(xs);
	return 0;
}

/* How many vifs with domid in [first, first+count) the status file lists
 * as enforced; -1 if it cannot be read. */
static long count_enforced(const char *status, unsigned long first, unsigned long count)
{
	FILE *f = fopen(status, "re");
	char line[4096];
	long n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long domid;

		if (strncmp(line, "vif\tdomid=", 10) != 0 || !strstr(line, "\tstate=enforced"))
			continue;
		domid = strtoul(line + 10, NULL, 10);
		if (domid >= first && domid < first + count)
			n++;
	}
	fclose(f);
	return n;
}

static int cmd_storm(int argc, char **argv)
{
	unsigned long first, count, timeout_ms = 60000;
	const char *status;
	char dir[PATH_MAX], *slash;
	bool one_tx = false, pipelined = false, written;
	unsigned long window = PIPE_WINDOW_DEFAULT, batch = PIPE_BATCH_DEFAULT;
	struct xs_handle *xs = NULL;
	struct pipe *pp = NULL;
	uint64_t t0, t1, t2 = 0;
	long seen = 0;
	int c, ifd;

	while ((c = getopt(argc, argv, "+1pt:w:b:")) != -1) {
		if (c == '1')
			one_tx = true;
		else if (c == 'p')
			pipelined = true;
		else if (c == 't' && parse_u("-t", optarg, 3600000, &timeout_ms) == 0)
			continue;
		else if (c == 'w' && parse_u("-w", optarg, PIPE_WINDOW_MAX, &window) == 0 &&
			 window > 0)
			continue;
		else if (c == 'b' && parse_u("-b", optarg, COUNT_MAX, &batch) == 0 && batch > 0)
			continue;
		else
			return 2;
	}
	if (argc - optind != 3 || parse_u("FIRST", argv[optind + 1], COUNT_MAX, &first) < 0 ||
	    parse_u("COUNT", argv[optind + 2], COUNT_MAX, &count) < 0 || first == 0 ||
	    (one_tx && pipelined))
		return 2;
	status = argv[optind];
	snprintf(dir, sizeof(dir), "%s", status);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		*slash = 0;
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0 || inotify_add_watch(ifd, dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		fprintf(stderr, "vg-xsbench: inotify on %s: %m\n", dir);
		return 1;
	}
	if (pipelined) {
		pp = malloc(sizeof(*pp));
		if (!pp || pipe_open(pp, window) < 0) {
			free(pp);
			return 1;
		}
	} else {
		xs = xs_connect();
		if (!xs)
			return 1;
	}
	t0 = mono_ns();
	written = pp ? load_pipelined(pp, first, count, batch) : load(xs, first, count, one_tx);
	t1 = mono_ns();
	if (!written) {
		if (xs)
			xs_close(xs);
		if (pp)
			close(pp->fd);
		free(pp);
		return 1;
	}
	/* bounded by timeout_ms; a 50 ms poll covers a missed event */
	while (mono_ns() - t0 < timeout_ms * 1000000ULL) {
		struct pollfd pfd = {.fd = ifd, .events = POLLIN};
		char buf[4096];

		seen = count_enforced(status, first, count);
		if (seen >= (long)count) {
			t2 = mono_ns();
			break;
		}
		if (poll(&pfd, 1, 50) > 0)
			while (read(ifd, buf, sizeof(buf)) > 0)
				;
	}
	if (xs)
		xs_close(xs);
	if (pp)
		close(pp->fd);
	close(ifd);
	if (!t2) {
		free(pp);
		fprintf(stderr, "vg-xsbench: storm: %ld of %lu enforced after %lu ms\n", seen,
			count, timeout_ms);
		printf("vifs=%lu write_ms=%.3f enforced_ms=timeout seen=%ld\n", count,
		       (double)(t1 - t0) / 1e6, seen);
		return 1;
	}
	printf("vifs=%lu write_ms=%.3f enforced_ms=%.3f", count, (double)(t1 - t0) / 1e6,
	       (double)(t2 - t0) / 1e6);
	if (pp)
		printf(" window=%lu batch=%lu eagain=%lu", window, batch, pp->n_again);
	printf("\n");
	free(pp);
	return 0;
}

/* ---- e2e ---- */

/* A socket of the given type, made inside network namespace NAME. */
static int socket_in_netns(const char *name, int domain, int type, int proto)
{
	char path[PATH_MAX];
	int self, ns, fd, saved;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (self < 0 || ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vg-xsbench: enter netns %s: %m\n", name);
		if (self >= 0)
			close(self);
		if (ns >= 0)
			close(ns);
		return -1;
	}
	fd = socket(domain, type, proto);
	saved = errno;
	if (fd >= 0) {
		struct sockaddr_ll sll = {.sll_family = AF_PACKET,
					  .sll_protocol = (uint16_t)proto,
					  .sll_ifindex = (int)if_nametoindex("eth0")};

		if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
			saved = errno;
			close(fd);
			fd = -1;
		}
	}
	if (setns(self, CLONE_NEWNET) < 0) {
		fprintf(stderr, "vg-xsbench: back to our netns: %m\n");
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	close(self);
	close(ns);
	if (fd < 0)
		fprintf(stderr, "vg-xsbench: eth0 socket in %s: %s\n", name, strerror(saved));
	return fd;
}

struct frame {
	uint8_t b[FRAME_MAX_LEN];
	size_t len, data_len;
};

static int build(struct frame *f, const char *src, const char *dst, const char *saddr,
		 const char *daddr)
{
	char a[4][80];
	struct frame_spec s;
	struct frame_error err;
	int r;

	snprintf(a[0], sizeof(a[0]), "src=%s", src);
	snprintf(a[1], sizeof(a[1]), "dst=%s", dst);
	snprintf(a[2], sizeof(a[2]), "saddr=%s", saddr);
	snprintf(a[3], sizeof(a[3]), "daddr=%s", daddr);
	r = frame_spec_init(&s, "ipv4-udp", &err);
	for (int i = 0; i < 4 && r >= 0; i++)
		r = frame_spec_set_arg(&s, a[i], &err);
	if (r >= 0)
		r = frame_build(&s, f->b, sizeof(f->b), &f->len, &f->data_len, &err);
	if (r < 0)
		fprintf(stderr, "vg-xsbench: frame: %s\n", err.text);
	return r;
}

/* Frames matching f queued on fd (br_netfilter may trim the padding). */
static unsigned long drain(int fd, const struct frame *f)
{
	uint8_t rx[FRAME_MAX_LEN + 64];
	unsigned long n = 0;

	for (int i = 0; i < 4096; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t len = recvfrom(fd, rx, sizeof(rx), MSG_DONTWAIT | MSG_TRUNC,
				       (struct sockaddr *)&from, &fl);

		if (len < 0)
			break;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if ((size_t)len <= f->len && (size_t)len >= f->data_len &&
		    memcmp(rx, f->b, (size_t)len) == 0)
			n++;
	}
	return n;
}

struct e2e {
	struct xs_handle *xs;
	unsigned long domid;
	const char *mac;
	const char *ip;
	int tx, rx;
	unsigned long tick_us, timeout_ms;
};

static bool tx_add(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct e2e *e = arg;

	return write_vif(xs, t, e->domid, e->mac, e->ip);
}

static bool tx_update(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct e2e *e = arg;
	char path[96];

	snprintf(path, sizeof(path), BACKEND "/%lu/0/ip", e->domid);
	return xs_put(xs, t, path, e->ip);
}

static bool tx_remove(struct xs_handle *xs, xs_transaction_t t, void *arg)
{
	const struct e2e *e = arg;
	char path[96];

	snprintf(path, sizeof(path), BACKEND "/%lu/0", e->domid);
	if (xs_rm(xs, t, path))
		return true;
	fprintf(stderr, "vg-xsbench: rm %s: %m\n", path);
	return false;
}

static void sleep_until_ns(uint64_t t)
{
	struct timespec ts = {.tv_sec = (time_t)(t / 1000000000ULL),
			      .tv_nsec = (long)(t % 1000000000ULL)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Run one event: t0, the transaction, then a frame every tick.  want_pass:
 * return when the first frame arrives; else: return when none arrived for
 * QUIET_MS, with the arrival time of the last one.  Result in ns from t0,
 * or -1 on timeout / error.
 */
static int64_t run_event(struct e2e *e, bool (*fn)(struct xs_handle *, xs_transaction_t, void *),
			 const struct frame *f, bool want_pass, int64_t *ret_tx)
{
	uint64_t t0, next, last = 0, now;

	drain(e->rx, f);
	t0 = mono_ns();
	if (!in_transaction(e->xs, fn, e))
		return -1;
	next = mono_ns();
	*ret_tx = (int64_t)(next - t0);
	/* bounded by timeout_ms */
	for (;;) {
		unsigned long got;

		if (send(e->tx, f->b, f->len, 0) < 0 && errno != ENOBUFS && errno != EAGAIN) {
			fprintf(stderr, "vg-xsbench: send: %m\n");
			return -1;
		}
		/* the frame's whole path ran in send(): it is queued now if it passed */
		got = drain(e->rx, f);
		now = mono_ns();
		if (got) {
			last = now;
			if (want_pass)
				return (int64_t)(now - t0);
		}
		if (!want_pass && now - (last ? last : t0) > QUIET_MS * 1000000ULL)
			return (int64_t)((last ? last : t0) - t0);
		if (now - t0 > e->timeout_ms * 1000000ULL)
			return -1;
		next += e->tick_us * 1000ULL;
		if (next > now)
			sleep_until_ns(next);
		else
			next = now;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double pct_ms(const int64_t *v, size_t n, double p)
{
	size_t rank = (size_t)((p / 100.0) * (double)n + 0.999999);

	rank = rank < 1 ? 1 : rank > n ? n : rank;
	return (double)v[rank - 1] / 1e6;
}

static int cmd_e2e(int argc, char **argv)
{
	unsigned long k = 20, domid;
	struct e2e e = {.tick_us = 50, .timeout_ms = 10000};
	const char *ip_a, *ip_b, *peer_mac, *peer_ip;
	static const char *const names[3] = {"add", "update", "remove"};
	struct frame fa, fb;
	int64_t *res[3], *txs[3];
	int c, r = 1, failed = 0;

	while ((c = getopt(argc, argv, "+k:g:t:")) != -1) {
		if (c == 'k' && parse_u("-k", optarg, K_MAX, &k) == 0 && k > 0)
			continue;
		if (c == 'g' && parse_u("-g", optarg, 100000, &e.tick_us) == 0 && e.tick_us > 0)
			continue;
		if (c == 't' && parse_u("-t", optarg, 600000, &e.timeout_ms) == 0)
			continue;
		return 2;
	}
	if (argc - optind != 8 || parse_u("DOMID", argv[optind], 32751, &domid) < 0)
		return 2;
	e.domid = domid;
	e.mac = argv[optind + 1];
	ip_a = argv[optind + 2];
	ip_b = argv[optind + 3];
	peer_mac = argv[optind + 6];
	peer_ip = argv[optind + 7];
	/* the frames come from the first (IPv4) address of each */
	char a4[64], b4[64];
	snprintf(a4, sizeof(a4), "%s", ip_a);
	snprintf(b4, sizeof(b4), "%s", ip_b);
	a4[strcspn(a4, " ")] = 0;
	b4[strcspn(b4, " ")] = 0;
	if (build(&fa, e.mac, peer_mac, a4, peer_ip) < 0 ||
	    build(&fb, e.mac, peer_mac, b4, peer_ip) < 0)
		return 2;
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	e.tx = socket_in_netns(argv[optind + 4], AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	e.rx =
	    socket_in_netns(argv[optind + 5], AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	e.xs = xs_connect();
	for (int i = 0; i < 3; i++) {
		res[i] = calloc(k, sizeof(int64_t));
		txs[i] = calloc(k, sizeof(int64_t));
	}
	if (e.tx < 0 || e.rx < 0 || !e.xs || !res[0] || !res[1] || !res[2] || !txs[0] || !txs[1] ||
	    !txs[2])
		goto out;
	for (unsigned long round = 0; round < k; round++) {
		int64_t t[3], x[3] = {0, 0, 0};

		e.ip = ip_a;
		t[0] = run_event(&e, tx_add, &fa, true, &x[0]);
		e.ip = ip_b;
		t[1] = t[0] < 0 ? -1 : run_event(&e, tx_update, &fb, true, &x[1]);
		/* always remove, so the next round starts clean */
		t[2] = run_event(&e, tx_remove, &fb, false, &x[2]);
		printf("round=%lu add_ms=%.3f update_ms=%.3f remove_ms=%.3f add_tx_ms=%.3f "
		       "update_tx_ms=%.3f remove_tx_ms=%.3f\n",
		       round, (double)t[0] / 1e6, (double)t[1] / 1e6, (double)t[2] / 1e6,
		       (double)x[0] / 1e6, (double)x[1] / 1e6, (double)x[2] / 1e6);
		for (int i = 0; i < 3; i++) {
			if (t[i] < 0) {
				fprintf(stderr, "vg-xsbench: round %lu: %s timed out or failed\n",
					round, names[i]);
				failed++;
				goto out;
			}
			res[i][round] = t[i];
			txs[i][round] = x[i];
		}
		/* let the daemon finish logging before the next round */
		usleep(20000);
	}
	for (int i = 0; i < 3; i++) {
		qsort(res[i], k, sizeof(int64_t), cmp_i64);
		qsort(txs[i], k, sizeof(int64_t), cmp_i64);
		printf("op=%s k=%lu p50_ms=%.3f p99_ms=%.3f min_ms=%.3f max_ms=%.3f tick_us=%lu "
		       "xs_tx_p50_ms=%.3f\n",
		       names[i], k, pct_ms(res[i], k, 50), pct_ms(res[i], k, 99),
		       pct_ms(res[i], k, 0), pct_ms(res[i], k, 100), e.tick_us,
		       pct_ms(txs[i], k, 50));
	}
	r = 0;
out:
	if (e.xs)
		xs_close(e.xs);
	if (e.tx >= 0)
		close(e.tx);
	if (e.rx >= 0)
		close(e.rx);
	for (int i = 0; i < 3; i++) {
		free(res[i]);
		free(txs[i]);
	}
	fflush(stdout);
	return failed ? 1 : r;
}

/* ---- start time and notifications ---- */

static int cmd_stamp(int argc, char **argv)
{
	FILE *f;

	if (argc < 3)
		return 2;
	f = fopen(argv[1], "we");
	if (!f) {
		fprintf(stderr, "vg-xsbench: %s: %m\n", argv[1]);
		return 1;
	}
	fprintf(f, "%llu\n", (unsigned long long)real_ns());
	if (fclose(f) != 0)
		return 1;
	execvp(argv[2], argv + 2);
	fprintf(stderr, "vg-xsbench: exec %s: %m\n", argv[2]);
	return 127;
}

static int cmd_sink(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *fifo = argc == 3 ? argv[2] : NULL;
	char buf[4096];
	int fd;

	if (argc < 2 || argc > 3 || strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("vg-xsbench sink");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* runs until killed, like vg-notify-sink */
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		uint64_t t = real_ns();

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("vg-xsbench sink");
			return 1;
		}
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == '\n')
				buf[i] = ' ';
		buf[n] = 0;
		printf("%llu %s\n", (unsigned long long)t, buf);
		if (fifo && (strncmp(buf, "READY=1", 7) == 0 || strstr(buf, " READY=1"))) {
			/* the reader holds it open: a non-blocking open works */
			int w = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

			if (w < 0 || write(w, "ready\n", 6) != 6)
				perror("vg-xsbench sink: ready fifo");
			if (w >= 0)
				close(w);
			fifo = NULL;
		}
	}
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "load") == 0)
		return cmd_load(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(cmd, "rm") == 0)
		return cmd_rm(argc - 1, argv + 1);
	if (strcmp(cmd, "storm") == 0)
		return cmd_storm(argc - 1, argv + 1);
	if (strcmp(cmd, "e2e") == 0)
		return cmd_e2e(argc - 1, argv + 1);
	if (strcmp(cmd, "stamp") == 0)
		return cmd_stamp(argc - 1, argv + 1);
	if (strcmp(cmd, "sink") == 0)
		return cmd_sink(argc - 1, argv + 1);
	fprintf(stderr, "usage: vg-xsbench load|rm|check|storm|e2e|stamp|sink ... (see the source)\n");
	return 2;
}
