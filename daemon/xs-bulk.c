// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Pipelined xenstore reads on our own socket connection.
 *
 * C xenstored (4.17, tools/xenstore/xenstored_core.c) reads one request per
 * poll() round per connection, answers it at once and queues the reply on
 * the connection's out_list, which it writes in order: replies come back in
 * request order, carrying the request's req_id and tx_id.  We still match
 * them by req_id and treat anything unexpected as a broken stream.  Its
 * quotas on outstanding requests (quota_req_outstanding, -Q outstanding=)
 * and on open transactions (quota_max_transaction, -t) apply only to
 * unprivileged domains (domain_is_unprivileged()); a dom0 socket client is
 * not limited, so the window below is our own choice, kept modest so one
 * scan does not hog xenstored's memory.
 *
 * Transactions are what make a scan slow there: every node read inside one
 * gets a transaction-private copy written into the store and deleted at the
 * end (access_node() in xenstored_transaction.c), several times the cost of
 * the read itself.  So a device is first read without one, and checked
 * instead: a watch on root on this same connection.  xenstored queues a
 * watch event on the out_list of every watcher while it processes the
 * write (or the transaction end) that fires it (fire_watches() ->
 * send_event()), on the same FIFO as our replies.  So a change to a device
 * between xenstored's answers to our first and last read of it arrives
 * before that last reply; no such event means every read saw the same
 * state.  (An identical event still pending in the queue suppresses the
 * new one, but the pending one then also arrives after our first read was
 * answered, so it counts.)  A device some event touched is read again in a
 * transaction, as xenwatch_read_device() reads it.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "xs-bulk.h"
#include "xs-wire.h"

_Static_assert((int)XS_WIRE_DIRECTORY == (int)XS_DIRECTORY, "protocol number");
_Static_assert((int)XS_WIRE_READ == (int)XS_READ, "protocol number");
_Static_assert((int)XS_WIRE_WATCH == (int)XS_WATCH, "protocol number");
_Static_assert((int)XS_WIRE_TRANSACTION_START == (int)XS_TRANSACTION_START, "protocol number");
_Static_assert((int)XS_WIRE_TRANSACTION_END == (int)XS_TRANSACTION_END, "protocol number");
_Static_assert((int)XS_WIRE_WATCH_EVENT == (int)XS_WATCH_EVENT, "protocol number");
_Static_assert((int)XS_WIRE_ERROR == (int)XS_ERROR, "protocol number");
_Static_assert((int)XS_WIRE_DIRECTORY_PART == (int)XS_DIRECTORY_PART, "protocol number");
_Static_assert(XS_WIRE_PAYLOAD_MAX == XENSTORE_PAYLOAD_MAX, "protocol limit");

/* Requests in flight. */
#define WINDOW 128
/* Devices per round of transactions: each round is four pipelined phases. */
#define CHUNK 256
/* Tries per device whose transaction ends with EAGAIN (as xenwatch). */
#define ATTEMPTS 5
/* A DIRECTORY_PART listing that keeps changing under us, or never ends. */
#define DIRPART_RESTARTS 8
#define DIRPART_PARTS 4096
/* Room for a path argument: the ones we build are under 100 bytes. */
#define ARG_MAX 256

/* Watch events remembered during one optimistic round; more means "all". */
#define EVENTS_MAX 1024
#define WATCH_TOKEN "vifguard-bulk"

struct xs_bulk {
	int fd;
	uint32_t next_req_id;
	/* the watch behind optimistic rounds (see read_round()) */
	char watched[128];
	bool is_watch_failed;
	bool is_tx_only;
	unsigned long n_reread;
	bool is_initial_pending;
	size_t n_events;
	bool is_events_overflow;
	char events[EVENTS_MAX][128];
	size_t out_len, out_off;
	unsigned char out[64 * 1024];
	unsigned char in[64 * 1024];
	struct xs_wire_decoder dec;
};

struct req {
	uint32_t type;
	uint32_t tx_id;
	char arg[ARG_MAX];
	char arg2[24]; /* DIRECTORY_PART's offset, WATCH's token; "" for none */
	size_t dev;    /* read_round(): the device (index into devs) */
	int key;       /* read_round(): the XW_* key read, or -1 for the domain name */
	/* the reply */
	bool is_done;
	int error; /* -errno from XS_ERROR */
	uint32_t len;
	char *reply; /* len bytes and a NUL */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int xs_bulk_open(struct xs_bulk **ret)
{
	struct xs_bulk *b;
	int fd;

	fd = xenwatch_socket_open(SOCK_NONBLOCK);
	if (fd < 0)
		return fd;
	b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	b->fd = fd;
	b->next_req_id = 1;
	xs_wire_decoder_init(&b->dec);
	*ret = b;
	return 0;
}

struct xs_bulk *xs_bulk_free(struct xs_bulk *b)
{
	if (b) {
		if (b->fd >= 0)
			close(b->fd);
		free(b);
	}
	return NULL;
}

void xs_bulk_set_tx_only(struct xs_bulk *b, bool on)
{
	b->is_tx_only = on;
}

unsigned long xs_bulk_n_reread(const struct xs_bulk *b)
{
	return b->n_reread;
}

static void reqs_clear(struct req *reqs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(reqs[i].reply);
		reqs[i].reply = NULL;
		reqs[i].is_done = false;
		reqs[i].error = 0;
		reqs[i].len = 0;
	}
}

/* The stream is out of step (or gone): closing it also makes xenstored
 * drop the transactions we left open. */
static int broken(struct xs_bulk *b, int r)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	return r;
}

static void on_event(struct xs_bulk *b, const struct xs_wire_msg *m)
{
	const char *path = m->payload;
	size_t len = strnlen(path, m->len);

	if (len + 1 >= m->len || strcmp(path + len + 1, WATCH_TOKEN) != 0)
		return;
	/* xenstored sends one event for the watched path when the watch is
	 * set, right after its reply: nothing changed */
	if (b->is_initial_pending && strcmp(path, b->watched) == 0) {
		b->is_initial_pending = false;
		return;
	}
	if (b->n_events >= EVENTS_MAX || len >= sizeof(b->events[0])) {
		b->is_events_overflow = true;
		return;
	}
	memcpy(b->events[b->n_events++], path, len + 1);
}

static int on_reply(struct xs_bulk *b, struct req *reqs, size_t n_sent, uint32_t first,
		    const struct xs_wire_msg *m)
{
	uint32_t idx = m->req_id - first;
	struct req *q;

	if (m->type == XS_WIRE_WATCH_EVENT) {
		on_event(b, m);
		return 0;
	}
	if (idx >= n_sent || reqs[idx].is_done)
		return -EBADMSG;
	q = &reqs[idx];
	if (m->tx_id != q->tx_id)
		return -EBADMSG;
	if (m->type == XS_WIRE_ERROR) {
		q->error = xs_wire_error_parse(m->payload, m->len);
		if (q->error == -EBADMSG)
			q->error = -EIO;
	} else if (m->type != q->type) {
		return -EBADMSG;
	} else {
		q->reply = malloc(m->len + 1);
		if (!q->reply)
			return -ENOMEM;
		memcpy(q->reply, m->payload, m->len + 1);
		q->len = m->len;
	}
	q->is_done = true;
	return 1;
}

/* Send reqs, at most WINDOW unanswered at a time, and collect every reply. */
static int run(struct xs_bulk *b, struct req *reqs, size_t n)
{
	uint32_t first = b->next_req_id;
	size_t n_sent = 0, n_done = 0;
	uint64_t deadline = now_ms() + XS_BULK_TIMEOUT_MS;

	if (b->fd < 0)
		return -ENOTCONN;
	reqs_clear(reqs, n);
	/* ids wrap; the distance from first is what identifies a request */
	b->next_req_id += (uint32_t)n;
	while (n_done < n) {
		struct pollfd p = {.fd = b->fd, .events = POLLIN};
		uint64_t t;
		int r;

		if (b->out_off > 0) {
			memmove(b->out, b->out + b->out_off, b->out_len - b->out_off);
			b->out_len -= b->out_off;
			b->out_off = 0;
		}
		while (n_sent < n && n_sent - n_done < WINDOW) {
			struct req *q = &reqs[n_sent];
			const char *args[2] = {q->arg, q->arg2};

			r = xs_wire_encode(q->type, first + (uint32_t)n_sent, q->tx_id, args,
					   q->arg2[0] ? 2 : 1, b->out + b->out_len,
					   sizeof(b->out) - b->out_len);
			if (r == -ENOBUFS)
				break;
			if (r < 0)
				return broken(b, r); /* our bug: paths are checked before */
			b->out_len += (size_t)r;
			n_sent++;
		}
		if (b->out_len > 0)
			p.events |= POLLOUT;
		t = now_ms();
		if (t >= deadline)
			return broken(b, -ETIMEDOUT);
		r = poll(&p, 1, (int)(deadline - t));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return broken(b, -errno);
		}
		if (r == 0)
			return broken(b, -ETIMEDOUT);
		if (p.revents & POLLOUT) {
			/* MSG_NOSIGNAL: xenstored gone is EPIPE here, not SIGPIPE */
			ssize_t w = send(b->fd, b->out, b->out_len, MSG_NOSIGNAL);

			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return broken(b, -errno);
			if (w > 0)
				b->out_off = (size_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t rd = read(b->fd, b->in, sizeof(b->in));
			size_t off = 0;

			if (rd == 0)
				return broken(b, -ECONNRESET);
			if (rd < 0) {
				if (errno == EAGAIN || errno == EINTR)
					continue;
				return broken(b, -errno);
			}
			while (off < (size_t)rd) {
				struct xs_wire_msg m;
				size_t used;

				r = xs_wire_decoder_feed(&b->dec, b->in + off, (size_t)rd - off,
							 &used, &m);
				off += used;
				if (r < 0)
					return broken(b, r);
				if (r == 0)
					continue;
				r = on_reply(b, reqs, n_sent, first, &m);
				if (r < 0)
					return broken(b, r);
				if (r > 0) {
					n_done++;
					deadline = now_ms() + XS_BULK_TIMEOUT_MS;
				}
			}
		}
	}
	return 0;
}

static int req_set(struct req *q, uint32_t type, uint32_t tx_id, const char *arg)
{
	int n = snprintf(q->arg, sizeof(q->arg), "%s", arg);

	q->type = type;
	q->tx_id = tx_id;
	q->arg2[0] = 0;
	return n < 0 || (size_t)n >= sizeof(q->arg) ? -ENAMETOOLONG : 0;
}

/* A listing too big for one DIRECTORY reply, the way libxenstore does it:
 * parts by offset, from the start again when the node changed meanwhile. */
static int list_parts(struct xs_bulk *b, uint32_t tx_id, const char *path, char ***ret,
		      unsigned int *ret_n)
{
	char gen[24] = "", *acc = NULL;
	size_t acc_len = 0;
	struct req q = {0};
	int r = 0, restarts = 0;

	r = req_set(&q, XS_WIRE_DIRECTORY_PART, tx_id, path);
	if (r < 0)
		return r;
	for (int part = 0;; part++) {
		const char *g, *names;
		size_t names_len;
		bool is_last;
		char *p;

		if (part >= DIRPART_PARTS) {
			r = -EBADMSG;
			break;
		}
		snprintf(q.arg2, sizeof(q.arg2), "%zu", acc_len);
		r = run(b, &q, 1);
		if (r < 0)
			break;
		if (q.error) {
			r = q.error;
			break;
		}
		r = xs_wire_dirpart_parse(q.reply, q.len, &g, &names, &names_len, &is_last);
		if (r < 0)
			break;
		if (acc_len > 0 && strcmp(gen, g) != 0) {
			if (++restarts > DIRPART_RESTARTS) {
				r = -EAGAIN;
				break;
			}
			acc_len = 0;
			gen[0] = 0;
			continue;
		}
		snprintf(gen, sizeof(gen), "%s", g);
		p = realloc(acc, acc_len + names_len + 1);
		if (!p) {
			r = -ENOMEM;
			break;
		}
		acc = p;
		memcpy(acc + acc_len, names, names_len);
		acc_len += names_len;
		if (is_last || names_len == 0) {
			r = xs_wire_strings_split(acc ? acc : "", acc_len, ret, ret_n);
			break;
		}
	}
	reqs_clear(&q, 1);
	free(acc);
	return r;
}

int xs_bulk_list(struct xs_bulk *b, const char *const *paths, size_t n, char ***ret_names,
		 unsigned int *ret_n)
{
	struct req *reqs;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		ret_names[i] = NULL;
		ret_n[i] = 0;
	}
	if (n == 0)
		return 0;
	reqs = calloc(n, sizeof(*reqs));
	if (!reqs)
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++)
		r = req_set(&reqs[i], XS_WIRE_DIRECTORY, 0, paths[i]);
	if (r == 0)
		r = run(b, reqs, n);
	for (size_t i = 0; i < n && r == 0; i++) {
		if (reqs[i].error == -ENOENT)
			continue;
		if (reqs[i].error == -E2BIG)
			r = list_parts(b, 0, paths[i], &ret_names[i], &ret_n[i]);
		else if (reqs[i].error)
			r = reqs[i].error;
		else
			r = xs_wire_strings_split(reqs[i].reply, reqs[i].len, &ret_names[i],
						  &ret_n[i]);
	}
	reqs_clear(reqs, n);
	free(reqs);
	if (r < 0)
		for (size_t i = 0; i < n; i++) {
			free(ret_names[i]);
			ret_names[i] = NULL;
			ret_n[i] = 0;
		}
	return r;
}

static int parse_tx_id(const struct req *q, uint32_t *ret)
{
	unsigned long v;
	char *end;

	if (q->error)
		return q->error;
	if (q->len < 2 || q->reply[0] < '0' || q->reply[0] > '9')
		return -EBADMSG;
	errno = 0;
	v = strtoul(q->reply, &end, 10);
	if (errno || *end || end != q->reply + q->len - 1 || v == 0 || v > UINT32_MAX)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

/* Did a recorded event concern path (the path itself, above or below it)? */
static bool is_touched(const struct xs_bulk *b, const char *path)
{
	size_t n = strlen(path);

	if (b->is_events_overflow)
		return true;
	for (size_t e = 0; e < b->n_events; e++) {
		const char *p = b->events[e];
		size_t m = strlen(p);

		if (m <= n ? strncmp(p, path, m) == 0 && (path[m] == '/' || path[m] == 0)
			   : strncmp(p, path, n) == 0 && p[n] == '/')
			return true;
	}
	return false;
}

/* Watch root on our connection (once): optimistic rounds rely on it.
 * Returns 1 when watched, 0 when rounds must use transactions. */
static int watch_root(struct xs_bulk *b, const char *root)
{
	struct req q = {0};
	int r;

	if (b->watched[0])
		return strcmp(b->watched, root) == 0;
	if (b->is_watch_failed || req_set(&q, XS_WIRE_WATCH, 0, root) < 0 ||
	    strlen(root) >= sizeof(b->watched))
		return 0;
	snprintf(q.arg2, sizeof(q.arg2), "%s", WATCH_TOKEN);
	r = run(b, &q, 1);
	if (r < 0)
		return r;
	if (q.error) {
		b->is_watch_failed = true;
		reqs_clear(&q, 1);
		return 0;
	}
	reqs_clear(&q, 1);
	snprintf(b->watched, sizeof(b->watched), "%s", root);
	b->is_initial_pending = true;
	return 1;
}

struct dev {
	size_t i; /* index into the caller's arrays */
	uint32_t tx_id;
	char path[128];
	char **dir;
	unsigned int n_dir;
};

/*
 * One round for devs: start a transaction for each, list each device
 * directory in it, read the listed keys in it (and, on the first round,
 * the domain names, outside any transaction as xenwatch does), end them.
 * The devices whose transaction ended with EAGAIN are moved to the front of
 * devs, their count in *ret_again.
 */
static int read_round(struct xs_bulk *b, struct dev *devs, size_t n, bool use_tx, bool with_names,
		      bool is_last_try, const uint32_t (*ids)[2], struct xenwatch_keys *keys,
		      bool *exists, char (*domain_names)[XS_BULK_NAME_SIZE], struct req *reqs,
		      size_t *ret_again)
{
	size_t k, n_again = 0;
	int r = 0, failed = 0;

	/* 1: transactions, or (optimistic) the start of the event record */
	if (use_tx) {
		for (size_t d = 0; d < n; d++)
			req_set(&reqs[d], XS_WIRE_TRANSACTION_START, 0, "");
		r = run(b, reqs, n);
		if (r < 0)
			return r;
	} else {
		b->n_events = 0;
		b->is_events_overflow = false;
	}
	for (size_t d = 0; d < n; d++) {
		int e = use_tx ? parse_tx_id(&reqs[d], &devs[d].tx_id) : 0;

		if (!use_tx)
			devs[d].tx_id = 0;
		if (e < 0) {
			devs[d].tx_id = 0; /* not started: nothing to end */
			if (!failed)
				failed = e;
		}
	}

	/* 2: the device directories; a key the listing lacks is absent */
	for (size_t d = 0; d < n; d++) {
		devs[d].dir = NULL;
		devs[d].n_dir = 0;
		memset(keys[devs[d].i].has, 0, sizeof(keys[devs[d].i].has));
	}
	k = 0;
	for (size_t d = 0; d < n && !failed; d++)
		req_set(&reqs[k++], XS_WIRE_DIRECTORY, devs[d].tx_id, devs[d].path);
	if (!failed) {
		r = run(b, reqs, k);
		if (r < 0)
			goto out;
	}
	for (size_t d = 0; d < n && !failed; d++) {
		struct req *q = &reqs[d];
		int e = 0;

		exists[devs[d].i] = q->error != -ENOENT;
		if (q->error == -ENOENT)
			continue;
		if (q->error == -E2BIG)
			e = list_parts(b, devs[d].tx_id, devs[d].path, &devs[d].dir,
				       &devs[d].n_dir);
		else if (q->error)
			e = q->error;
		else
			e = xs_wire_strings_split(q->reply, q->len, &devs[d].dir, &devs[d].n_dir);
		if (e < 0)
			failed = e;
		if (b->fd < 0) {
			r = e;
			goto out;
		}
	}

	/* 3: the listed keys, and the domain names */
	k = 0;
	for (size_t d = 0; d < n && !failed; d++) {
		for (int i = 0; i < 5; i++) {
			bool listed = false;
			char kpath[160];

			for (unsigned int j = 0; j < devs[d].n_dir && !listed; j++)
				listed = strcmp(devs[d].dir[j], xenwatch_key_names[i]) == 0;
			if (!listed)
				continue;
			snprintf(kpath, sizeof(kpath), "%s/%s", devs[d].path,
				 xenwatch_key_names[i]);
			req_set(&reqs[k], XS_WIRE_READ, devs[d].tx_id, kpath);
			reqs[k].dev = d;
			reqs[k].key = i;
			k++;
		}
		if (with_names) {
			char npath[64];

			snprintf(npath, sizeof(npath), "/local/domain/%u/name", ids[devs[d].i][0]);
			req_set(&reqs[k], XS_WIRE_READ, 0, npath);
			reqs[k].dev = d;
			reqs[k].key = -1;
			k++;
		}
	}
	if (!failed) {
		r = run(b, reqs, k);
		if (r < 0)
			goto out;
		for (size_t q = 0; q < k; q++) {
			size_t i = devs[reqs[q].dev].i;

			if (reqs[q].key < 0) {
				domain_names[i][0] = 0;
				if (reqs[q].error == 0)
					xenwatch_name_sanitize(reqs[q].reply, reqs[q].len,
							       domain_names[i], XS_BULK_NAME_SIZE);
			} else if (reqs[q].error == 0) {
				xenwatch_keys_set(&keys[i], reqs[q].key, reqs[q].reply,
						  reqs[q].len);
			} else if (reqs[q].error != -ENOENT && !failed) {
				failed = reqs[q].error;
			}
		}
	}

	/* 4 (optimistic): any change to a device while we read it shows as
	 * a watch event before its last reply; those devices are read again */
	if (!use_tx) {
		for (size_t d = 0; d < n && !failed; d++)
			if (is_touched(b, devs[d].path)) {
				struct dev t = devs[n_again];

				b->n_reread++;
				devs[n_again++] = devs[d];
				devs[d] = t;
			}
		r = failed;
		goto out;
	}

	/* 4: end them; a failed round only aborts */
	k = 0;
	for (size_t d = 0; d < n; d++)
		if (devs[d].tx_id)
			req_set(&reqs[k++], XS_WIRE_TRANSACTION_END, devs[d].tx_id,
				failed ? "F" : "T");
	r = run(b, reqs, k);
	if (r < 0)
		goto out;
	k = 0;
	for (size_t d = 0; d < n; d++) {
		int e;

		if (!devs[d].tx_id)
			continue;
		e = reqs[k++].error;
		if (failed)
			continue;
		if (e == -EAGAIN && !is_last_try) {
			struct dev t = devs[n_again];

			devs[n_again++] = devs[d];
			devs[d] = t;
		} else if (e < 0 && e != -EAGAIN) {
			failed = e;
		}
	}
	r = failed;
out:
	for (size_t d = 0; d < n; d++) {
		free(devs[d].dir);
		devs[d].dir = NULL;
	}
	reqs_clear(reqs, n * 6 > k ? n * 6 : k);
	*ret_again = n_again;
	return r;
}

int xs_bulk_read_devices(struct xs_bulk *b, const char *root, const uint32_t (*ids)[2], size_t n,
			 struct xenwatch_keys *keys, bool *exists,
			 char (*domain_names)[XS_BULK_NAME_SIZE])
{
	struct dev *devs;
	struct req *reqs;
	int r = 0;

	if (b->fd < 0)
		return -ENOTCONN;
	devs = calloc(CHUNK, sizeof(*devs));
	/* phase 3 sends at most 5 keys and a name per device */
	reqs = calloc(CHUNK * 6, sizeof(*reqs));
	if (!devs || !reqs) {
		free(devs);
		free(reqs);
		return -ENOMEM;
	}
	for (size_t start = 0; start < n && r == 0; start += CHUNK) {
		size_t m = n - start < CHUNK ? n - start : CHUNK;

		for (size_t d = 0; d < m && r == 0; d++) {
			int len;

			devs[d].i = start + d;
			len = snprintf(devs[d].path, sizeof(devs[d].path), "%s/%u/%u", root,
				       ids[start + d][0], ids[start + d][1]);
			if (len < 0 || (size_t)len >= sizeof(devs[d].path))
				r = -ENAMETOOLONG;
		}
		/* transaction mode needs no watch (and a kept-open connection
		 * must not have xenstored queue an event for every write) */
		int watched = b->is_tx_only ? 0 : watch_root(b, root);
		int tries = ATTEMPTS + (watched > 0);

		if (watched < 0) {
			r = watched;
			break;
		}
		for (int attempt = 0; attempt < tries && m > 0 && r == 0; attempt++)
			r = read_round(b, devs, m, !(watched > 0 && attempt == 0), attempt == 0,
				       attempt == tries - 1, ids, keys, exists, domain_names, reqs,
				       &m);
	}
	free(devs);
	free(reqs);
	return r;
}
