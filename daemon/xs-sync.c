// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "vif-path.h"
#include "xenwatch.h"
#include "retry.h"
#include "xs-bulk.h"
#include "xs-names.h"
#include "xs-sync.h"

/* More dirty entries than this are read through a pipelined connection of
 * their own; fewer through the kept-open one. */
#define BULK_MIN 8
#define BULK_SLICE 256
#define READ_RETRY_MIN_MS 100u
#define READ_RETRY_MAX_MS 30000u

struct xs_sync {
	sd_event *ev;
	const struct policy *pol; /* the manager's: replaced in place on reload */
	struct vif_table *t;
	struct xenwatch *xw;
	sd_event_source *source;
	sd_event_source *liveness_source;
	sd_event_source *reconnect_timer;
	unsigned int reconnect_delay_ms;
	/* a few changed vifs are read through this xs-bulk connection, kept
	 * open and in transaction mode (4 round trips for all of them instead
	 * of 8 per vif); xsb_off: there is no socket for it */
	struct xs_bulk *xsb;
	bool xsb_off;
	bool rescan;
	const char *full_sync_why;
	struct xs_names names;	   /* which devices each domain has */
	struct retry_list retries; /* unreadable devices */
	char bad_paths[16][96];	   /* malformed directory names already reported */
	size_t n_bad_paths;
	/* VIFGUARD_TEST_FAULTS read-fail=D/N (tests): the first 3 reads of
	 * device N of domain D fail with EACCES */
	long fault_domid, fault_devid;
	unsigned int fault_left;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- watch events ---- */

static void report_bad_path(struct xs_sync *x, const char *path, const char *why)
{
	for (size_t i = 0; i < x->n_bad_paths; i++)
		if (strcmp(x->bad_paths[i], path) == 0)
			return;
	if (x->n_bad_paths < 16)
		snprintf(x->bad_paths[x->n_bad_paths++], sizeof(x->bad_paths[0]), "%s", path);
	log_event(LOG_ERR, MSGID_VIF_REJECTED, "Ignoring backend directory: %s", why);
}

static void mark_dirty(struct xs_sync *x, struct vif_entry *e)
{
	vif_table_list_add(x->t, VIF_LIST_DIRTY, e);
}

static void on_xs_path(const char *path, void *userdata)
{
	struct xs_sync *x = userdata;
	struct vif_error err;
	struct vif_path p;
	struct vif_entry *e;
	uint32_t domid;
	int r;

	if (xenwatch_name_path_domid(path, &domid) == 0) {
		xs_names_on_event(&x->names, x->t, domid);
		return;
	}
	r = vif_path_parse(xenwatch_backend_domid(x->xw), path, &p, &err);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		/* a malformed directory name under our root: the rescan
		 * reports the directory once (not once per key written in
		 * it) and finds out what else changed */
		log_debug("Watch event for a malformed path: %s", err.text);
		x->rescan = true;
		return;
	}
	switch (p.kind) {
	case VIF_PATH_ROOT:
	case VIF_PATH_DOMAIN:
		/* a whole domain (or everything) appeared or went */
		x->rescan = true;
		break;
	case VIF_PATH_DEVICE:
	case VIF_PATH_KEY:
		e = vif_table_get(x->t, p.domid, p.devid);
		if (e)
			mark_dirty(x, e);
		else
			x->rescan = true;
		break;
	case _VIF_PATH_KIND_MAX:
		break;
	}
}

/* ---- listing ---- */

/* One domain's devices are devs[0..n-1] (a listing, freed here): they are
 * present (scan_all marked every entry gone first). */
static int scan_domain(struct xs_sync *x, uint32_t domid, char **devs, unsigned int n)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%u", xenwatch_root(x->xw), domid);
	for (unsigned int i = 0; i < n; i++) {
		struct vif_error err;
		uint32_t devid;
		struct vif_entry *e;
		char full[160];

		snprintf(full, sizeof(full), "%s/%s", path, devs[i]);
		if (vif_id_parse("devid", devs[i], VIF_DEVID_MAX, &devid, &err) < 0) {
			report_bad_path(x, full, err.text);
			continue;
		}
		e = vif_table_get(x->t, domid, devid);
		if (!e) {
			free(devs);
			return -ENOMEM;
		}
		e->xs.present = true;
		mark_dirty(x, e);
	}
	free(devs);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t p = *(const uint32_t *)a, q = *(const uint32_t *)b;

	return p < q ? -1 : p > q;
}

/* List every domain's devices: all at once through b when there is one,
 * else one listing per domain. */
static int scan_all(struct xs_sync *x, struct xs_bulk *b)
{
	char **doms = NULL, ***lists = NULL, (*paths)[96] = NULL;
	const char **path_ptrs = NULL;
	unsigned int n = 0, k = 0, *list_n = NULL;
	uint32_t *ids;
	int r;

	r = xenwatch_list(x->xw, xenwatch_root(x->xw), &doms, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < x->t->n; i++) {
		x->t->entries[i]->xs.present = false;
		mark_dirty(x, x->t->entries[i]);
	}
	ids = calloc(n + 1, sizeof(*ids));
	if (!ids) {
		free(doms);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct vif_error err;
		char full[160];

		snprintf(full, sizeof(full), "%s/%s", xenwatch_root(x->xw), doms[i]);
		if (vif_id_parse("domid", doms[i], VIF_DOMID_MAX, &ids[k], &err) < 0) {
			report_bad_path(x, full, err.text);
			continue;
		}
		k++;
	}
	free(doms);
	/* new entries get their rank in domid order: lower domids are older */
	qsort(ids, k, sizeof(*ids), cmp_u32);
	lists = calloc(k + 1, sizeof(*lists));
	list_n = calloc(k + 1, sizeof(*list_n));
	paths = calloc(k + 1, sizeof(*paths));
	path_ptrs = calloc(k + 1, sizeof(*path_ptrs));
	if (!lists || !list_n || !paths || !path_ptrs) {
		r = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < k; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%u", xenwatch_root(x->xw), ids[i]);
		path_ptrs[i] = paths[i];
	}
	if (b && k > 1 && xs_bulk_list(b, path_ptrs, k, lists, list_n) < 0)
		b = NULL; /* one at a time, below */
	for (unsigned int i = 0; i < k && r == 0; i++) {
		if (!b || k <= 1)
			r = xenwatch_list(x->xw, paths[i], &lists[i], &list_n[i]);
		if (r == 0)
			r = scan_domain(x, ids[i], lists[i], list_n[i]);
		lists[i] = NULL; /* scan_domain freed it */
	}
out:
	for (unsigned int i = 0; lists && i < k; i++)
		free(lists[i]);
	free(lists);
	free(list_n);
	free(paths);
	free(path_ptrs);
	free(ids);
	return r;
}

static void xs_lost(struct xs_sync *x, int r);

/* ---- reading devices ---- */

/* Take what was read for e: its backend keys (exists false: the device
 * directory is gone) and its domain's name. */
static void take_keys(struct xs_sync *x, struct vif_entry *e, const struct xenwatch_keys *keys,
		      bool exists, const char *domain_name)
{
	struct vif_keys view;
	struct vif_error err;
	struct vif v;

	vif_table_changed(x->t, e);
	e->xs.read_failures = 0;
	e->xs.retry_delay_ms = 0;
	if (!exists) {
		e->xs.present = false;
		e->xs.valid = false;
		xs_names_track(&x->names, e, false);
		return;
	}
	e->xs.present = true;
	xs_names_track(&x->names, e, true);
	snprintf(e->xs.domain_name, sizeof(e->xs.domain_name), "%s", domain_name);
	xenwatch_keys_view(keys, &view);
	e->xs.custom_name = view.vifname && vif_ifname_check("vifname", view.vifname, NULL) == 0;
	if (e->xs.custom_name)
		snprintf(e->xs.claim_name, sizeof(e->xs.claim_name), "%s", view.vifname);
	else
		snprintf(e->xs.claim_name, sizeof(e->xs.claim_name), "vif%u.%u", e->domid,
			 e->devid);
	if (vif_from_keys(e->domid, e->devid, &view, &x->pol->limits, &v, &err) < 0) {
		e->xs.valid = false;
		vif_entry_text_set(&e->xs.error, err.text);
		return;
	}
	if (vif_box_set(&e->xs.vif, &v) < 0) {
		e->xs.valid = false;
		vif_entry_text_set(&e->xs.error, "out of memory");
		return;
	}
	e->xs.valid = true;
	vif_entry_text_set(&e->xs.error, NULL);
}

static void on_retry_due(uint32_t domid, uint32_t devid, void *data)
{
	struct xs_sync *x = data;
	struct vif_entry *e = vif_table_find(x->t, domid, devid);

	if (e && e->xs.read_failures)
		mark_dirty(x, e);
}

/* Errors of one device's reads, not of the connection. */
static bool error_is_local(int r)
{
	switch (-r) {
	case EACCES:
	case EPERM:
	case ENOMEM:
	case E2BIG:
	case EINVAL:
	case ENOSPC:
	case EDQUOT:
		return true;
	default:
		return false;
	}
}

/* e's directory could not be read (r): rejected alone, read again later. */
static void read_failed(struct xs_sync *x, struct vif_entry *e, int r)
{
	char text[160];

	vif_table_changed(x->t, e);
	snprintf(text, sizeof(text), "cannot read its backend directory: %s", strerror(-r));
	e->xs.valid = false;
	vif_entry_text_set(&e->xs.error, text);
	e->xs.read_failures++;
	e->xs.retry_delay_ms =
	    retry_backoff(e->xs.retry_delay_ms, READ_RETRY_MIN_MS, READ_RETRY_MAX_MS);
	/* out of memory: its next watch event reads it again */
	retry_list_add(&x->retries, e->domid, e->devid, e->xs.retry_delay_ms);
}

static bool fault_fires(struct xs_sync *x, const struct vif_entry *e)
{
	if (!x->fault_left || e->domid != x->fault_domid || e->devid != x->fault_devid)
		return false;
	x->fault_left--;
	return true;
}

/* Read one dirty entry through libxenstore.  <0 only when xenstore is gone. */
static int read_one(struct xs_sync *x, struct vif_entry *e)
{
	char name[sizeof(e->xs.domain_name)] = "";
	struct xenwatch_keys *keys;
	bool exists = false;
	int r;

	if (!e->xs.present) {
		take_keys(x, e, NULL, false, "");
		return 0;
	}
	keys = malloc(sizeof(*keys));
	if (!keys) {
		read_failed(x, e, -ENOMEM);
		return 0;
	}
	r = fault_fires(x, e) ? -EACCES
			      : xenwatch_read_device(x->xw, e->domid, e->devid, keys, &exists);
	if (r == 0 && exists)
		xenwatch_domain_name(x->xw, e->domid, name, sizeof(name));
	if (r == 0)
		take_keys(x, e, keys, exists, name);
	else if (error_is_local(r))
		read_failed(x, e, r);
	free(keys);
	return r < 0 && !error_is_local(r) ? r : 0;
}

/*
 * Read many dirty entries at once (startup, resync, a boot storm) through
 * xs-bulk's pipelined reads, slices of BULK_SLICE devices.  Entries it
 * could not read stay dirty for the one-by-one path.
 */
static int read_bulk(struct xs_sync *x, struct xs_bulk *b, bool quiet)
{
	struct vif_table *t = x->t;
	const size_t n_dirty = t->n_list[VIF_LIST_DIRTY];
	/* room for the longest values, of which a few bytes are used: mapped,
	 * so untouched pages cost nothing and all of it goes back at once */
	const size_t slice_max = n_dirty < BULK_SLICE ? n_dirty : BULK_SLICE;
	const size_t keys_size = slice_max * sizeof(struct xenwatch_keys);
	struct xenwatch_keys *keys =
	    mmap(NULL, keys_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char(*names)[XS_BULK_NAME_SIZE] = calloc(BULK_SLICE, sizeof(*names));
	uint32_t(*ids)[2] = calloc(BULK_SLICE, sizeof(*ids));
	struct vif_entry **slice = calloc(BULK_SLICE, sizeof(*slice));
	bool exists[BULK_SLICE];
	size_t next = 0, kept = 0;
	int r = 0;

	if (keys == MAP_FAILED)
		keys = NULL;
	if (!keys || !names || !ids || !slice) {
		r = -ENOMEM;
		goto out;
	}
	/* the dirty list is consumed from the front; what is not read is
	 * kept at its start for the one-by-one path */
	while (next < n_dirty) {
		size_t n = 0;

		for (; next < n_dirty && n < slice_max; next++) {
			struct vif_entry *e = t->lists[VIF_LIST_DIRTY][next];

			if (!e->xs.present) {
				take_keys(x, e, NULL, false, "");
				e->listed[VIF_LIST_DIRTY] = false;
				continue;
			}
			if (x->fault_left && e->domid == x->fault_domid &&
			    e->devid == x->fault_devid) {
				/* a test's failing device: read alone, below */
				t->lists[VIF_LIST_DIRTY][kept++] = e;
				continue;
			}
			slice[n] = e;
			ids[n][0] = e->domid;
			ids[n][1] = e->devid;
			n++;
		}
		if (n == 0)
			break;
		r = xs_bulk_read_devices(b, xenwatch_root(x->xw), (const uint32_t(*)[2])ids, n,
					 keys, exists, names);
		if (r < 0) {
			if (quiet)
				log_full(LOG_DEBUG, r, "Pipelined xenstore reads failed: %m");
			else
				log_warning_errno(r,
						  "Pipelined xenstore reads failed (%m); reading "
						  "one device at a time");
			for (size_t k = 0; k < n; k++)
				t->lists[VIF_LIST_DIRTY][kept++] = slice[k];
			break;
		}
		for (size_t k = 0; k < n; k++) {
			slice[k]->listed[VIF_LIST_DIRTY] = false;
			take_keys(x, slice[k], &keys[k], exists[k], names[k]);
		}
	}
	for (; next < n_dirty; next++)
		t->lists[VIF_LIST_DIRTY][kept++] = t->lists[VIF_LIST_DIRTY][next];
	t->n_list[VIF_LIST_DIRTY] = kept;
out:
	if (keys)
		munmap(keys, keys_size);
	free(names);
	free(ids);
	free(slice);
	return r;
}

int xs_sync_refresh(struct xs_sync *x, struct xs_sync_clock *clock)
{
	struct vif_table *t = x->t;
	struct xs_bulk *b = NULL;
	size_t n_dirty;
	int r = 0;

	*clock = (struct xs_sync_clock){0};
	if (!x->xw)
		return -ENOTCONN;
	if (x->rescan && xs_bulk_open(&b) < 0)
		b = NULL; /* no socket (a xenbus device): libxenstore it is */
	if (x->rescan) {
		x->rescan = false;
		r = scan_all(x, b);
		clock->listed = mono_us();
		if (r < 0) {
			xs_bulk_free(b);
			if (r != -ENOMEM)
				xs_lost(x, r);
			return r;
		}
	}
	n_dirty = t->n_list[VIF_LIST_DIRTY];
	if (n_dirty > BULK_MIN && (b || xs_bulk_open(&b) == 0)) {
		read_bulk(x, b, false);
	} else if (n_dirty > 0 && !x->xsb_off) {
		if (!x->xsb) {
			r = xs_bulk_open(&x->xsb);
			x->xsb_off = r == -EOPNOTSUPP;
			if (r == 0)
				xs_bulk_set_tx_only(x->xsb, true);
		}
		if (x->xsb && read_bulk(x, x->xsb, true) < 0)
			x->xsb = xs_bulk_free(x->xsb); /* broken: a new one next time */
		r = 0;
	}
	b = xs_bulk_free(b);
	for (size_t i = 0; i < t->n_list[VIF_LIST_DIRTY] && r == 0; i++)
		r = read_one(x, t->lists[VIF_LIST_DIRTY][i]);
	if (r < 0) {
		xs_lost(x, r); /* what is left stays dirty for after the reconnect */
		return r;
	}
	vif_table_list_clear(t, VIF_LIST_DIRTY);
	return 0;
}

/* ---- the connection ---- */

static int on_xs_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct xs_sync *x = userdata;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	r = xenwatch_drain(x->xw, on_xs_path, x);
	if (r < 0)
		xs_lost(x, r);
	return 0;
}

static int on_xs_liveness(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct xs_sync *x = userdata;
	char c;

	(void)s;
	(void)revents;
	/* xenstored never writes to this idle connection: readable means EOF */
	if (recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN)
		return 0;
	xs_lost(x, -ECONNRESET);
	return 0;
}

int xs_sync_attach(struct xs_sync *x, sd_event *ev)
{
	int r;

	x->ev = ev;
	x->retries.ev = ev;
	r = sd_event_add_io(ev, &x->source, xenwatch_fd(x->xw), EPOLLIN, on_xs_readable, x);
	if (r < 0)
		return r;
	if (xenwatch_liveness_fd(x->xw) >= 0) {
		r = sd_event_add_io(ev, &x->liveness_source, xenwatch_liveness_fd(x->xw),
				    EPOLLIN | EPOLLRDHUP, on_xs_liveness, x);
		if (r < 0)
			return r;
	}
	return 0;
}

static void detach(struct xs_sync *x)
{
	x->source = sd_event_source_disable_unref(x->source);
	x->liveness_source = sd_event_source_disable_unref(x->liveness_source);
	x->xw = xenwatch_free(x->xw);
	x->xsb = xs_bulk_free(x->xsb);
}

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct xs_sync *x = userdata;
	int r;

	(void)s;
	(void)usec;
	r = xenwatch_new(&x->xw);
	if (r == 0) {
		r = xs_sync_attach(x, x->ev);
		if (r < 0)
			detach(x);
	}
	if (r < 0) {
		x->reconnect_delay_ms =
		    x->reconnect_delay_ms < 5000 ? x->reconnect_delay_ms * 2 : 5000;
		sd_event_source_set_time_relative(x->reconnect_timer,
						  x->reconnect_delay_ms * 1000ULL);
		sd_event_source_set_enabled(x->reconnect_timer, SD_EVENT_ONESHOT);
		log_debug("xenstore still unreachable (%d), next try in %u ms", r,
			  x->reconnect_delay_ms);
		return 0;
	}
	log_notice("Reconnected to xenstore; resyncing");
	/* a new connection has no name watches: set them again */
	xs_names_reset(&x->names, x->t);
	x->rescan = true;
	x->full_sync_why = "xenstore reconnected";
	return 0;
}

/* Enforcement stays as it is in the kernel; we come back and resync. */
static void xs_lost(struct xs_sync *x, int r)
{
	log_warning_errno(r,
			  "Lost the xenstore connection (%m); rules stay in force, reconnecting");
	detach(x);
	x->reconnect_delay_ms = 100;
	if (!x->reconnect_timer) {
		r = sd_event_add_time_relative(x->ev, &x->reconnect_timer, CLOCK_MONOTONIC,
					       x->reconnect_delay_ms * 1000ULL, 0,
					       on_reconnect_timer, x);
		if (r < 0) {
			log_error_errno(r, "Cannot schedule a reconnect: %m");
			sd_event_exit(x->ev, 1);
		}
	} else {
		sd_event_source_set_time_relative(x->reconnect_timer,
						  x->reconnect_delay_ms * 1000ULL);
		sd_event_source_set_enabled(x->reconnect_timer, SD_EVENT_ONESHOT);
	}
}

/* ---- the module ---- */

int xs_sync_new(sd_event *ev, const struct policy *pol, struct vif_table *t, struct xs_sync **ret)
{
	struct xs_sync *x = calloc(1, sizeof(*x));
	const char *faults = getenv("VIFGUARD_TEST_FAULTS");
	const char *rf = faults ? strstr(faults, "read-fail=") : NULL;
	int r;

	if (!x)
		return -ENOMEM;
	x->ev = ev;
	x->retries = (struct retry_list){.ev = ev, .on_due = on_retry_due, .data = x};
	x->pol = pol;
	x->t = t;
	if (rf && sscanf(rf, "read-fail=%ld/%ld", &x->fault_domid, &x->fault_devid) == 2)
		x->fault_left = 3;
	r = xenwatch_new(&x->xw);
	if (r < 0) {
		free(x);
		return r;
	}
	x->names = XS_NAMES_INIT;
	x->rescan = true;
	*ret = x;
	return 0;
}

struct xs_sync *xs_sync_free(struct xs_sync *x)
{
	if (!x)
		return NULL;
	detach(x);
	sd_event_source_disable_unref(x->reconnect_timer);
	retry_list_done(&x->retries);
	xs_names_done(&x->names);
	free(x);
	return NULL;
}

const char *xs_sync_root(const struct xs_sync *x)
{
	return x->xw ? xenwatch_root(x->xw) : NULL;
}

void xs_sync_reread_all(struct xs_sync *x)
{
	for (size_t i = 0; i < x->t->n; i++)
		mark_dirty(x, x->t->entries[i]);
}

bool xs_sync_pending(const struct xs_sync *x)
{
	return x->xw && (x->rescan || x->t->n_list[VIF_LIST_DIRTY] > 0);
}

bool xs_sync_take_full_sync(struct xs_sync *x, const char **ret_why)
{
	if (!x->full_sync_why)
		return false;
	*ret_why = x->full_sync_why;
	x->full_sync_why = NULL;
	return true;
}
