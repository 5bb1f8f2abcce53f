// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <xenstore.h>

#include "xenwatch.h"

#define WATCH_TOKEN "vifguard"
/* a domain's name (xl rename, the end of a migration) */
#define NAME_TOKEN "vifguard-name"

struct xenwatch {
	struct xs_handle *xs;
	int liveness_fd;
	uint32_t backend_domid;
	char root[64];
	/* the event xenstored sends when the watch is set: the caller scans
	 * everything right after setting it, so that one says nothing new */
	bool initial_pending;
};

const char *const xenwatch_key_names[5] = {"mac", "ip", "vifname", "type", "bridge"};

struct xenwatch *xenwatch_free(struct xenwatch *x)
{
	if (x) {
		if (x->xs)
			xs_close(x->xs);
		if (x->liveness_fd >= 0)
			close(x->liveness_fd);
		free(x);
	}
	return NULL;
}

int xenwatch_socket_open(int flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = getenv("XENSTORED_PATH");
	const char *rundir = getenv("XENSTORED_RUNDIR");
	struct stat st;
	int fd, n;

	if (path)
		n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	else
		n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/socket",
			     rundir ? rundir : "/var/run/xenstored");
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	/* libxenstore falls back to the xenbus device here (and XENSTORED_PATH
	 * may name that device itself) */
	if (stat(sa.sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -EOPNOTSUPP;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/*
 * libxenstore notices a dead xenstored only inside its reader thread, which
 * then exits without a word: the watch fd never becomes readable again.  So
 * we keep a second, idle connection to the same socket (libxenstore's path
 * rules) that we never write to: when xenstored goes, it reads as EOF.  On a
 * kernel xenbus device (driver domains) there is no socket and nothing to
 * watch: -1.
 */
static int liveness_open(void)
{
	int fd = xenwatch_socket_open(SOCK_NONBLOCK);

	return fd < 0 ? -1 : fd;
}

int xenwatch_liveness_fd(const struct xenwatch *x)
{
	return x->liveness_fd;
}

int xenwatch_new(struct xenwatch **ret)
{
	struct xenwatch *x = calloc(1, sizeof(*x));
	struct vif_error err;
	unsigned int len;
	char *domid;
	int r;

	if (!x)
		return -ENOMEM;
	x->liveness_fd = liveness_open();
	x->xs = xs_open(0);
	if (!x->xs) {
		r = -errno;
		goto fail;
	}
	/* Our own domid: 0 in dom0, the driver domain's own id elsewhere.  The
	 * key is relative to our home directory /local/domain/<self>. */
	domid = xs_read(x->xs, XBT_NULL, "domid", &len);
	if (domid) {
		r = vif_id_parse("domid", domid, VIF_DOMID_MAX, &x->backend_domid, &err);
		free(domid);
		if (r < 0)
			goto fail;
	} else if (errno != ENOENT) {
		r = -errno;
		goto fail;
	}
	snprintf(x->root, sizeof(x->root), "/local/domain/%u/backend/vif", x->backend_domid);
	/* The watch fires once at once, covers the whole subtree and works
	 * before the directory exists (and after it vanishes). */
	if (!xs_watch(x->xs, x->root, WATCH_TOKEN)) {
		r = -errno;
		goto fail;
	}
	x->initial_pending = true;
	*ret = x;
	return 0;
fail:
	xenwatch_free(x);
	return r ? r : -EIO;
}

int xenwatch_fd(const struct xenwatch *x)
{
	return xs_fileno(x->xs);
}

uint32_t xenwatch_backend_domid(const struct xenwatch *x)
{
	return x->backend_domid;
}

const char *xenwatch_root(const struct xenwatch *x)
{
	return x->root;
}

int xenwatch_drain(struct xenwatch *x, void (*cb)(const char *path, void *userdata), void *userdata)
{
	/* Bounded: events queue up inside libxenstore; stop after a big batch
	 * and let the event loop come back (the fd stays readable). */
	for (int i = 0; i < 100000; i++) {
		char **v = xs_check_watch(x->xs);

		if (!v) {
			if (errno == EAGAIN)
				return 0;
			return errno ? -errno : -EIO;
		}
		if (strcmp(v[XS_WATCH_TOKEN], NAME_TOKEN) == 0) {
			cb(v[XS_WATCH_PATH], userdata);
			free(v);
			continue;
		}
		if (strcmp(v[XS_WATCH_TOKEN], WATCH_TOKEN) != 0) {
			free(v);
			continue;
		}
		/* xenstored queues the initial event before any other of this
		 * watch: the first one, for the root itself, is that one */
		if (x->initial_pending) {
			x->initial_pending = false;
			if (strcmp(v[XS_WATCH_PATH], x->root) == 0) {
				free(v);
				continue;
			}
		}
		cb(v[XS_WATCH_PATH], userdata);
		free(v);
	}
	return 0;
}

int xenwatch_list(struct xenwatch *x, const char *path, char ***ret, unsigned int *ret_n)
{
	unsigned int n = 0;
	char **v = xs_directory(x->xs, XBT_NULL, path, &n);

	if (!v) {
		if (errno == ENOENT) {
			*ret = NULL;
			*ret_n = 0;
			return 0;
		}
		return errno ? -errno : -EIO;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void xenwatch_keys_set(struct xenwatch_keys *k, int i, const char *v, size_t len)
{
	k->has[i] = true;
	if (memchr(v, 0, len)) {
		/* an embedded NUL: keep something that cannot validate */
		snprintf(k->value[i], sizeof(k->value[i]), "%s", "\x01(embedded NUL)");
	} else if (len > VIF_VALUE_MAX) {
		/* too long: a value of VIF_VALUE_MAX + 1 bytes cannot validate */
		memset(k->value[i], 'x', VIF_VALUE_MAX + 1);
		k->value[i][VIF_VALUE_MAX + 1] = 0;
	} else {
		memcpy(k->value[i], v, len);
		k->value[i][len] = 0;
	}
}

void xenwatch_name_sanitize(const char *v, size_t n, char *buf, size_t len)
{
	size_t k = 0;

	/* the guest owns its name: keep it printable and short */
	for (size_t i = 0; i < n && k + 1 < len && k < 64; i++)
		buf[k++] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	if (len > 0)
		buf[k] = 0;
}

static int read_device(struct xenwatch *x, xs_transaction_t t, uint32_t domid, uint32_t devid,
		       struct xenwatch_keys *ret, bool *ret_exists)
{
	char path[128];
	unsigned int n;
	char **dir;

	memset(ret->has, 0, sizeof(ret->has));
	snprintf(path, sizeof(path), "%s/%u/%u", x->root, domid, devid);
	/* existence first: a device without a directory is gone */
	dir = xs_directory(x->xs, t, path, &n);
	if (!dir) {
		if (errno == ENOENT) {
			*ret_exists = false;
			return 0;
		}
		return errno ? -errno : -EIO;
	}
	*ret_exists = true;
	for (int i = 0; i < 5; i++) {
		char kpath[160];
		unsigned int len;
		bool listed = false;
		char *v;

		/* a key the directory does not list is absent: no round trip
		 * to find that out (the listing is part of this transaction) */
		for (unsigned int k = 0; k < n && !listed; k++)
			listed = strcmp(dir[k], xenwatch_key_names[i]) == 0;
		if (!listed)
			continue;
		snprintf(kpath, sizeof(kpath), "%s/%s", path, xenwatch_key_names[i]);
		v = xs_read(x->xs, t, kpath, &len);
		if (!v) {
			int e = errno;

			if (e == ENOENT)
				continue;
			free(dir);
			return e ? -e : -EIO;
		}
		xenwatch_keys_set(ret, i, v, len);
		free(v);
	}
	free(dir);
	return 0;
}

/*
 * One device's keys as of one moment: read in a transaction, or a device
 * removed (or rewritten) between two reads would come out torn, e.g. with
 * its mac already gone (found by tests/integration/hard-soak.sh).  A
 * transaction that someone else's write spoiled is read again; after a few
 * tries the last read stands (that write's watch event reads it again).
 */
int xenwatch_read_device(struct xenwatch *x, uint32_t domid, uint32_t devid,
			 struct xenwatch_keys *ret, bool *ret_exists)
{
	for (int attempt = 0;; attempt++) {
		xs_transaction_t t = xs_transaction_start(x->xs);
		int r;

		if (t == XBT_NULL)
			return errno ? -errno : -EIO;
		r = read_device(x, t, domid, devid, ret, ret_exists);
		if (r < 0) {
			xs_transaction_end(x->xs, t, true);
			return r;
		}
		if (xs_transaction_end(x->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return errno ? -errno : -EIO;
		if (attempt == 4)
			return 0;
	}
}

void xenwatch_keys_view(const struct xenwatch_keys *k, struct vif_keys *ret)
{
	const char *p[5];

	for (int i = 0; i < 5; i++)
		p[i] = k->has[i] ? k->value[i] : NULL;
	*ret = (struct vif_keys){
	    .mac = p[XW_MAC],
	    .ip = p[XW_IP],
	    .vifname = p[XW_VIFNAME],
	    .type = p[XW_TYPE],
	    .bridge = p[XW_BRIDGE],
	};
}

int xenwatch_watch_name(struct xenwatch *x, uint32_t domid, bool on)
{
	char path[64];
	bool ok;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	ok = on ? xs_watch(x->xs, path, NAME_TOKEN) : xs_unwatch(x->xs, path, NAME_TOKEN);
	return ok ? 0 : errno ? -errno : -EIO;
}

int xenwatch_name_path_domid(const char *path, uint32_t *ret)
{
	unsigned int d;
	int n = 0;

	if (sscanf(path, "/local/domain/%u/name%n", &d, &n) != 1 || n == 0 || path[n])
		return -EINVAL;
	*ret = d;
	return 0;
}

void xenwatch_domain_name(struct xenwatch *x, uint32_t domid, char *buf, size_t len)
{
	char path[64];
	unsigned int n;
	char *v;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	v = xs_read(x->xs, XBT_NULL, path, &n);
	if (!v)
		return;
	xenwatch_name_sanitize(v, n, buf, len);
	free(v);
}
