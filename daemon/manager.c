// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reconcile state, not events.  A watch event only marks a device (or the
 * whole tree) dirty; once per event-loop iteration a post source re-reads
 * what is dirty, decides every vif's addresses from scratch (conflicts,
 * protected addresses), diffs that against what the kernel has, and writes
 * all the differences as one transaction.  Startup, reconnect and tamper all
 * take the full-sync path, which replaces the whole table in one transaction.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "bridge.h"
#include "config.h"
#include "log.h"
#include "manager.h"
#include "explain.h"
#include "nflog.h"
#include "nfmon.h"
#include "nfwriter.h"
#include "resolve.h"
#include "ruleset.h"
#include "strmap.h"
#include "vif-path.h"
#include "vif.h"
#include "xenwatch.h"
#include "xs-bulk.h"

enum entry_state {
	ENTRY_PENDING, /* seen, not yet read */
	ENTRY_ENFORCED,
	ENTRY_REJECTED, /* bad xenstore input: fail-closed */
	ENTRY_FAILED, /* the kernel refused its rules: fail-closed */
	_ENTRY_STATE_MAX,
};

struct entry {
	uint32_t domid;
	uint32_t devid;
	char id_key[24]; /* "domid/devid": its key in the manager's ids map */
	uint64_t rank; /* arrival order: the first owner of an address keeps it */
	bool present; /* backend directory exists */
	bool dirty; /* re-read from xenstore */
	enum entry_state state;
	/* Texts are allocated only when there is something to say (NULL: ""),
	 * vifs only as large as their addresses (vif_store): an entry is a few
	 * hundred bytes, not the 5 kB fixed-size copies would take. */
	char *error; /* why it is rejected or failed */
	char domain_name[72];
	bool valid; /* desired holds a validated vif */
	struct vif *desired;
	bool applied_valid; /* the kernel has rules for applied */
	struct vif *applied;
	/* what was last reported, to log changes only */
	char *reported_withheld;
	/* for the status file: "ADDR conflict PORT/DOMAIN/DOMID; ADDR protected P" */
	char *withheld_desc;
	/* the port name this device claims, valid or not (see check_port_names) */
	char claim_name[IFNAMSIZ];
	bool has_custom_name;
	bool name_fresh; /* read since the last port-name check */
	bool name_rejected; /* rejected because an earlier vif has its name */
	/* journal rate limit of drop attribution */
	uint64_t drop_window_usec;
	unsigned int drop_logged;
	unsigned int drop_suppressed;
	char *reported_error;
	/* its line of the status file, made again only when stale: writing
	 * the file copies 4,000 lines instead of formatting them */
	char *status_line;
	bool status_stale;
	/* re-read since the last decision: decided again even when isolated */
	bool decide_again;
	/* enforced by the startup sync: its journal entry follows READY=1 */
	bool log_enforced_later;
};

static const char *str(const char *s)
{
	return s ? s : "";
}

/* *slot = a copy of v ("" and NULL: none).  On OOM the text is lost, which
 * only costs a log line or a status field. */
static void str_set(char **slot, const char *v)
{
	if (*slot && v && strcmp(*slot, v) == 0)
		return;
	free(*slot);
	*slot = v && v[0] ? strdup(v) : NULL;
}

static void str_vsetf(char **slot, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void str_vsetf(char **slot, const char *fmt, va_list ap)
{
	char buf[sizeof(((struct vif_error *)0)->text)];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	str_set(slot, buf);
}

static void str_setf(char **slot, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void str_setf(char **slot, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vsetf(slot, fmt, ap);
	va_end(ap);
}

/* *slot = a copy of v sized to its addresses.  Only the fields up to
 * addrs[n_addrs] exist: never copy such a vif by value. */
static int vif_store(struct vif **slot, const struct vif *v)
{
	size_t size = offsetof(struct vif, addrs) + v->n_addrs * sizeof(v->addrs[0]);
	struct vif *n = realloc(*slot, size);

	if (!n)
		return -ENOMEM;
	memcpy(n, v, size);
	*slot = n;
	return 0;
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	free(e->error);
	free(e->desired);
	free(e->applied);
	free(e->reported_withheld);
	free(e->withheld_desc);
	free(e->reported_error);
	free(e->status_line);
	free(e);
}

/* An IPv4 or IPv6 address of one of the host's interfaces. */
struct host_addr {
	char ifname[IFNAMSIZ];
	struct vif_addr addr;
};

struct manager {
	sd_event *event;
	sd_event_source *xs_source;
	sd_event_source *xs_liveness_source;
	sd_event_source *nfmon_source;
	sd_event_source *post_source;
	sd_event_source *reconnect_timer;
	sd_event_source *resync_timer;
	sd_event_source *status_timer;
	sd_event_source *trim_source;
	uint64_t status_pending_usec; /* the first change not in the file yet */
	char status_buf[64 * 1024]; /* write_status()'s stdio buffer */
	sd_event_source *link_source;
	int link_fd;
	/* the host's addresses, read again only after rtnetlink said an
	 * address changed (every time when there is no monitor): a dump of
	 * every link per event is slow with thousands of vif interfaces */
	struct host_addr *host_addrs;
	size_t n_host_addrs;
	bool host_addrs_stale;
	bool addrs_changed; /* reconcile: the protected addresses may differ */
	struct xenwatch *xw;
	/* a few changed vifs are read through this xs-bulk connection, kept
	 * open and in transaction mode (4 round trips for all of them instead
	 * of 8 per vif); xsb_off: there is no socket for it */
	struct xs_bulk *xsb;
	bool xsb_off;
	struct nfwriter *nw;
	struct nfmon *mon;
	struct nflog *nflog;
	sd_event_source *nflog_source;
	struct policy pol;
	const char *config_path;
	char runtime_dir[256];

	struct entry **entries;
	size_t n_entries;
	size_t n_alloc;
	uint64_t next_rank;
	struct strmap ids; /* id_key -> entry */
	/* port name -> entry whose applied rules hold it (entry_find_port);
	 * its keys point into applied vifs, so it is made again after any of
	 * them changed (ports_stale) */
	struct strmap ports;
	bool ports_stale;
	/* port name -> earliest claimant, made per port-name check: of all
	 * vifs, or (a map of its own, kept small) of the re-read ones */
	struct strmap claims;
	struct strmap fresh_claims;
	/* the protected addresses the last decision used (the configured ones
	 * and the bridges'): when they change, every vif is decided again */
	struct vif_addr last_prot[POLICY_PROTECTED_MAX + 64];
	size_t n_last_prot;
	bool last_prot_known;
	/* VIFGUARD_CHECK_INCREMENTAL=1 (tests): every incremental decision is
	 * checked against a full one, and the daemon aborts on a difference */
	bool check_incremental;
	/* VIFGUARD_TEST_SET_SIZE_MIN (tests): the least size of a set, so
	 * that a few vifs fill one (0: PLAN_SET_SIZE_MIN) */
	uint32_t set_size_min;

	bool rescan; /* list the whole backend tree again */
	bool need_full_sync;
	/* where a full sync's time went (monotonic us; 0: not reached), told
	 * in its journal entry */
	struct {
		uint64_t start, listed, read, decided, committed;
	} sync_clock;
	const char *full_sync_reason;
	bool ready;
	unsigned int reconnect_delay_ms;
	unsigned int resync_delay_ms;
	const char *resync_reason;
	char bad_paths[16][96]; /* malformed directory names already reported */
	size_t n_bad_paths;
};

/* A plan for our table, its sets sized as configured for tests. */
static void plan_begin(const struct manager *m, struct plan *p)
{
	plan_init(p, m->pol.table);
	p->set_size_min = m->set_size_min;
}

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the vif table ---- */

static struct entry *entry_find(struct manager *m, uint32_t domid, uint32_t devid)
{
	char key[24];
	void **v;

	snprintf(key, sizeof(key), "%u/%u", domid, devid);
	v = strmap_get(&m->ids, key);
	return v ? *v : NULL;
}

/* The vif whose enforced rules hold this port name. */
static struct entry *entry_find_port(struct manager *m, const char *port)
{
	void **v;

	if (m->ports_stale) {
		size_t n = 0;

		for (size_t i = 0; i < m->n_entries; i++)
			if (m->entries[i]->applied_valid)
				n += 1 + !!m->entries[i]->applied->emu_name[0];
		strmap_clear(&m->ports);
		if (strmap_reserve(&m->ports, n) < 0)
			return NULL; /* no attribution this time, nothing else lost */
		for (size_t i = 0; i < m->n_entries; i++) {
			struct entry *e = m->entries[i];
			int added;

			if (!e->applied_valid)
				continue;
			/* a port name is applied for one vif at a time */
			*strmap_put(&m->ports, e->applied->name, &added) = e;
			if (e->applied->emu_name[0])
				*strmap_put(&m->ports, e->applied->emu_name, &added) = e;
		}
		m->ports_stale = false;
	}
	v = strmap_get(&m->ports, port);
	return v ? *v : NULL;
}

static struct entry *entry_get(struct manager *m, uint32_t domid, uint32_t devid)
{
	struct entry *e = entry_find(m, domid, devid);
	void **slot;
	int added;

	if (e)
		return e;
	if (m->n_entries == m->n_alloc) {
		size_t n = m->n_alloc ? m->n_alloc * 2 : 64;
		struct entry **v = realloc(m->entries, n * sizeof(*v));

		if (!v)
			return NULL;
		m->entries = v;
		m->n_alloc = n;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->domid = domid;
	e->devid = devid;
	snprintf(e->id_key, sizeof(e->id_key), "%u/%u", domid, devid);
	slot = strmap_put(&m->ids, e->id_key, &added);
	if (!slot) {
		free(e);
		return NULL;
	}
	*slot = e;
	e->rank = m->next_rank++;
	e->present = true;
	e->dirty = true;
	m->entries[m->n_entries++] = e;
	return e;
}

static void entry_drop(struct manager *m, size_t i)
{
	m->ports_stale = true;
	strmap_del(&m->ids, m->entries[i]->id_key);
	entry_free(m->entries[i]);
	m->entries[i] = m->entries[--m->n_entries];
}

/* Journal identity of an entry: its port name when known. */
static void entry_log_vif(const struct entry *e, struct log_vif *lv, char *name, size_t len)
{
	if (e->valid)
		snprintf(name, len, "%s", e->desired->name);
	else if (e->applied_valid)
		snprintf(name, len, "%s", e->applied->name);
	else
		snprintf(name, len, "vif%u.%u", e->domid, e->devid);
	*lv = (struct log_vif){ .interface = name, .domid = e->domid, .devid = e->devid,
				.domain_name = e->domain_name };
}

static bool vif_equal(const struct vif *a, const struct vif *b)
{
	if (a == b)
		return true;
	if (a->domid != b->domid || a->devid != b->devid || a->type != b->type ||
	    a->has_ip != b->has_ip || a->n_addrs != b->n_addrs ||
	    memcmp(a->mac, b->mac, 6) != 0 || strcmp(a->name, b->name) != 0 ||
	    strcmp(a->emu_name, b->emu_name) != 0 || strcmp(a->bridge, b->bridge) != 0)
		return false;
	return memcmp(a->addrs, b->addrs, a->n_addrs * sizeof(a->addrs[0])) == 0;
}

static void addrs_to_string(const struct vif_addr *a, size_t n, char *buf, size_t len)
{
	size_t k = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && k + 1 < len; i++) {
		char s[VIF_ADDR_STRLEN];

		vif_addr_to_string(&a[i], s, sizeof(s));
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? " " : "", s);
	}
	if (!buf[0])
		snprintf(buf, len, "%s", "none");
}

/* ---- xenstore ---- */

static void report_bad_path(struct manager *m, const char *path, const char *why)
{
	for (size_t i = 0; i < m->n_bad_paths; i++)
		if (strcmp(m->bad_paths[i], path) == 0)
			return;
	if (m->n_bad_paths < 16)
		snprintf(m->bad_paths[m->n_bad_paths++], sizeof(m->bad_paths[0]), "%s", path);
	log_event(LOG_ERR, MSGID_VIF_REJECTED, "Ignoring backend directory: %s", why);
}

/* One domain's devices are devs[0..n-1] (a listing, freed here): they are
 * present (scan_all marked every entry gone first). */
static int scan_domain(struct manager *m, uint32_t domid, char **devs, unsigned int n)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%u", xenwatch_root(m->xw), domid);
	for (unsigned int i = 0; i < n; i++) {
		struct vif_error err;
		uint32_t devid;
		struct entry *e;
		char full[160];

		snprintf(full, sizeof(full), "%s/%s", path, devs[i]);
		if (vif_id_parse("devid", devs[i], VIF_DEVID_MAX, &devid, &err) < 0) {
			report_bad_path(m, full, err.text);
			continue;
		}
		e = entry_get(m, domid, devid);
		if (!e) {
			free(devs);
			return -ENOMEM;
		}
		e->present = true;
		e->dirty = true;
	}
	free(devs);
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* List every domain's devices: all at once through b when there is one,
 * else one listing per domain. */
static int scan_all(struct manager *m, struct xs_bulk *b)
{
	char **doms = NULL, ***lists = NULL, (*paths)[96] = NULL;
	const char **path_ptrs = NULL;
	unsigned int n = 0, k = 0, *list_n = NULL;
	uint32_t *ids;
	int r;

	r = xenwatch_list(m->xw, xenwatch_root(m->xw), &doms, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_entries; i++) {
		m->entries[i]->present = false;
		m->entries[i]->dirty = true;
	}
	ids = calloc(n + 1, sizeof(*ids));
	if (!ids) {
		free(doms);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct vif_error err;
		char full[160];

		snprintf(full, sizeof(full), "%s/%s", xenwatch_root(m->xw), doms[i]);
		if (vif_id_parse("domid", doms[i], VIF_DOMID_MAX, &ids[k], &err) < 0) {
			report_bad_path(m, full, err.text);
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
		snprintf(paths[i], sizeof(paths[i]), "%s/%u", xenwatch_root(m->xw), ids[i]);
		path_ptrs[i] = paths[i];
	}
	if (b && k > 1 && xs_bulk_list(b, path_ptrs, k, lists, list_n) < 0)
		b = NULL; /* one at a time, below */
	for (unsigned int i = 0; i < k && r == 0; i++) {
		if (!b || k <= 1)
			r = xenwatch_list(m->xw, paths[i], &lists[i], &list_n[i]);
		if (r == 0)
			r = scan_domain(m, ids[i], lists[i], list_n[i]);
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

static void on_xs_path(const char *path, void *userdata)
{
	struct manager *m = userdata;
	struct vif_error err;
	struct vif_path p;
	struct entry *e;
	int r;

	r = vif_path_parse(xenwatch_backend_domid(m->xw), path, &p, &err);
	if (r == -ENOENT)
		return;
	if (r < 0) {
		/* a malformed directory name under our root: the rescan below
		 * reports the directory once (not once per key written in it)
		 * and finds out what else changed */
		log_debug("Watch event for a malformed path: %s", err.text);
		m->rescan = true;
		return;
	}
	switch (p.kind) {
	case VIF_PATH_ROOT:
	case VIF_PATH_DOMAIN:
		/* a whole domain (or everything) appeared or went */
		m->rescan = true;
		break;
	case VIF_PATH_DEVICE:
	case VIF_PATH_KEY:
		e = entry_get(m, p.domid, p.devid);
		if (e)
			e->dirty = true;
		else
			m->rescan = true;
		break;
	case _VIF_PATH_KIND_MAX:
		break;
	}
}

/* A dirty entry is about to be read again. */
static void entry_begin_refresh(struct entry *e)
{
	e->dirty = false;
	e->status_stale = true;
	e->decide_again = true;
	if (!e->present)
		e->valid = false;
}

/* Take what was read for e: its backend keys (exists = false: the device
 * directory is gone) and its domain's name. */
static void entry_take_keys(struct manager *m, struct entry *e, const struct xenwatch_keys *keys,
			    bool exists, const char *domain_name)
{
	struct vif_keys view;
	struct vif_error err;
	struct vif v;

	if (!exists) {
		e->present = false;
		e->valid = false;
		return;
	}
	snprintf(e->domain_name, sizeof(e->domain_name), "%s", domain_name);
	xenwatch_keys_view(keys, &view);
	e->name_fresh = true;
	e->name_rejected = false;
	e->has_custom_name = view.vifname && vif_ifname_check("vifname", view.vifname, NULL) == 0;
	if (e->has_custom_name)
		snprintf(e->claim_name, sizeof(e->claim_name), "%s", view.vifname);
	else
		snprintf(e->claim_name, sizeof(e->claim_name), "vif%u.%u", e->domid, e->devid);
	if (vif_from_keys(e->domid, e->devid, &view, &m->pol.limits, &v, &err) < 0) {
		e->valid = false;
		e->state = ENTRY_REJECTED;
		str_set(&e->error, err.text);
		return;
	}
	if (vif_store(&e->desired, &v) < 0) {
		e->valid = false;
		e->state = ENTRY_REJECTED;
		str_set(&e->error, "out of memory");
		return;
	}
	e->valid = true;
	str_set(&e->error, NULL);
	if (e->state == ENTRY_REJECTED || e->state == ENTRY_FAILED)
		e->state = ENTRY_PENDING; /* fixed input: try again */
}

/* Re-read one dirty entry through libxenstore.  Returns <0 only when
 * xenstore is gone. */
static int entry_refresh(struct manager *m, struct entry *e)
{
	struct xenwatch_keys *keys;
	char name[sizeof(e->domain_name)] = "";
	bool exists = false;
	int r;

	entry_begin_refresh(e);
	if (!e->present)
		return 0;
	keys = malloc(sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	r = xenwatch_read_device(m->xw, e->domid, e->devid, keys, &exists);
	if (r < 0) {
		free(keys);
		return r;
	}
	if (exists)
		xenwatch_domain_name(m->xw, e->domid, name, sizeof(name));
	entry_take_keys(m, e, keys, exists, name);
	free(keys);
	return 0;
}

/*
 * Re-read many dirty entries at once (startup, resync, a boot storm):
 * through xs-bulk's pipelined reads on a connection of our own, slices of
 * BULK_SLICE devices.  Entries it could not read stay dirty for the
 * one-by-one path.  Returns <0 only on out of memory.
 */
#define BULK_SLICE 256
static int refresh_bulk(struct manager *m, struct xs_bulk *b, size_t n_dirty, bool quiet)
{
	/* up to 256 x 20 kB of room for the longest values, of which a few
	 * bytes are used: mapped, so untouched pages cost nothing and all of it
	 * goes back at once (from malloc it would stay in the heap) */
	const size_t slice_max = n_dirty < BULK_SLICE ? n_dirty : BULK_SLICE;
	const size_t keys_size = slice_max * sizeof(struct xenwatch_keys);
	struct xenwatch_keys *keys = mmap(NULL, keys_size, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char (*names)[XS_BULK_NAME_SIZE] = calloc(BULK_SLICE, sizeof(*names));
	uint32_t (*ids)[2] = calloc(BULK_SLICE, sizeof(*ids));
	struct entry **slice = calloc(BULK_SLICE, sizeof(*slice));
	bool exists[BULK_SLICE];
	size_t next = 0;
	int r = 0;

	if (keys == MAP_FAILED)
		keys = NULL;
	if (!keys || !names || !ids || !slice) {
		r = -ENOMEM;
		goto out;
	}
	while (next < m->n_entries) {
		size_t n = 0;

		for (; next < m->n_entries && n < slice_max; next++) {
			struct entry *e = m->entries[next];

			if (!e->dirty)
				continue;
			if (!e->present) {
				entry_begin_refresh(e);
				continue;
			}
			slice[n] = e;
			ids[n][0] = e->domid;
			ids[n][1] = e->devid;
			n++;
		}
		if (n == 0)
			break;
		r = xs_bulk_read_devices(b, xenwatch_root(m->xw), (const uint32_t(*)[2])ids, n, keys,
					 exists, names);
		if (r < 0) {
			/* the one-by-one path reads what is left (still dirty) */
			if (quiet)
				log_full(LOG_DEBUG, r, "Pipelined xenstore reads failed: %m");
			else
				log_warning_errno(r, "Pipelined xenstore reads failed (%m); reading "
						     "one device at a time");
			break;
		}
		for (size_t k = 0; k < n; k++) {
			entry_begin_refresh(slice[k]);
			entry_take_keys(m, slice[k], &keys[k], exists[k], names[k]);
		}
	}
out:
	if (keys)
		munmap(keys, keys_size);
	free(names);
	free(ids);
	free(slice);
	return r;
}

/* ---- deciding ---- */

static bool name_is_host_interface(const char *name)
{
	char path[96];
	struct stat st;

	if (strcmp(name, "lo") == 0)
		return true;
	/* a bridge: the guests' own bridge or any other */
	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", name);
	return stat(path, &st) == 0;
}

static bool matches_guest_ports(const struct policy *pol, const char *name)
{
	for (size_t i = 0; i < pol->n_port_patterns; i++) {
		const char *p = pol->port_patterns[i];
		size_t n = strlen(p);

		if (n && p[n - 1] == '*' ? strncmp(name, p, n - 1) == 0 : strcmp(name, p) == 0)
			return true;
	}
	return false;
}

/* netback names its ports "vif<domid>.<devid>": such a name (and its -emu
 * twin) belongs to that device and no other. */
static bool is_netback_name_of_other(const char *name, uint32_t domid, uint32_t devid)
{
	unsigned int d, v;
	char tail[8] = "";
	int n = sscanf(name, "vif%u.%u%7s", &d, &v, tail);

	if (n < 2 || (n == 3 && strcmp(tail, "-emu") != 0))
		return false;
	return d != domid || v != devid;
}

static void reject(struct entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reject(struct entry *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	str_vsetf(&e->error, fmt, ap);
	va_end(ap);
	e->valid = false;
	e->state = ENTRY_REJECTED;
	e->status_stale = true;
}

/*
 * Port names.  vifguard only ever filters interfaces that are guest ports,
 * so a name is refused (the vif stays fail-closed) when it is a host
 * interface (a bridge, lo), when a custom vifname is outside the guest-port
 * patterns (the operator declares which names guests may take), when it is
 * another device's netback name, or when an earlier vif claims it - and a
 * vif keeps its claim while its other values are broken, so breaking one's
 * own entry never hands one's port to someone else.
 */
static void claim(struct strmap *claims, const char *name, struct entry *o)
{
	int added;
	void **v = strmap_put(claims, name, &added); /* reserved: cannot fail */
	const struct entry *held = *v;

	if (added || o->rank < held->rank)
		*v = o;
}

/* What the port-name check says about one valid vif. */
enum name_why {
	NAME_OK,
	NAME_HOST, /* a host interface */
	NAME_PATTERN, /* a custom name outside guest-ports */
	NAME_NETBACK, /* another device's netback name */
	NAME_TAKEN, /* an earlier vif claims it */
	NAME_OOM,
};
struct name_verdict {
	enum name_why why;
	const char *name;
	const struct entry *holder; /* NAME_TAKEN */
};

/* The earliest present vif claiming name, by a pass over all of them. */
static const struct entry *claimant_scan(struct manager *m, const char *name)
{
	const struct entry *best = NULL;

	for (size_t i = 0; i < m->n_entries; i++) {
		const struct entry *o = m->entries[i];

		if (!o->present || (best && best->rank < o->rank))
			continue;
		if (strcmp(o->claim_name, name) == 0 ||
		    (o->valid && o->desired->emu_name[0] && strcmp(o->desired->emu_name, name) == 0))
			best = o;
	}
	return best;
}

/*
 * Judge every valid vif's port names into v[] (no side effects).  all: the
 * plain way, every name against every claim (through a map of all claims).
 * Otherwise, when few vifs were re-read: a vif re-read is judged in full
 * (its claim against a scan of all); a vif not re-read was fine last time,
 * and only a claim made since, i.e. by a re-read vif, can take its name.
 * (A vif leaving only frees names; the vifs that waited for one are re-read.)
 */
#define NAMES_FRESH_MAX 16
static void judge_port_names(struct manager *m, bool all, struct name_verdict *v)
{
	struct strmap *claims;
	size_t n_fresh = 0;

	for (size_t i = 0; i < m->n_entries; i++)
		n_fresh += m->entries[i]->present && m->entries[i]->name_fresh;
	all = all || n_fresh > NAMES_FRESH_MAX;
	claims = all ? &m->claims : &m->fresh_claims;
	strmap_clear(claims);
	if (strmap_reserve(claims, all ? 2 * m->n_entries : 2 * n_fresh) < 0) {
		/* cannot check: nothing new may take a port */
		for (size_t i = 0; i < m->n_entries; i++)
			v[i] = (struct name_verdict){ .why = m->entries[i]->valid &&
								     m->entries[i]->name_fresh
							     ? NAME_OOM
							     : NAME_OK };
		return;
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *o = m->entries[i];

		if (!o->present || !(all || o->name_fresh))
			continue;
		claim(claims, o->claim_name, o);
		if (o->valid && o->desired->emu_name[0])
			claim(claims, o->desired->emu_name, o);
	}

	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *e = m->entries[i];
		const char *names[2];

		v[i] = (struct name_verdict){ .why = NAME_OK };
		if (!e->valid)
			continue;
		names[0] = e->desired->name;
		names[1] = e->desired->emu_name;
		for (int k = 0; k < 2; k++) {
			const struct entry *o;
			void **slot;

			if (!names[k][0])
				continue;
			v[i].name = names[k];
			if (!all && !e->name_fresh) {
				slot = strmap_get(claims, names[k]);
				o = slot ? *slot : NULL;
			} else {
				/* the checks that ask the system: only for values just read */
				if (e->name_fresh && name_is_host_interface(names[k])) {
					v[i].why = NAME_HOST;
					break;
				}
				if (k == 0 && e->has_custom_name &&
				    !matches_guest_ports(&m->pol, names[k])) {
					v[i].why = NAME_PATTERN;
					break;
				}
				/* (a name netback gave this device is its own by construction) */
				if (e->has_custom_name &&
				    is_netback_name_of_other(names[k], e->domid, e->devid)) {
					v[i].why = NAME_NETBACK;
					break;
				}
				if (all) {
					slot = strmap_get(claims, names[k]);
					o = slot ? *slot : NULL;
				} else {
					o = claimant_scan(m, names[k]);
				}
			}
			if (o && o != e && o->rank < e->rank) {
				v[i].why = NAME_TAKEN;
				v[i].holder = o;
				break;
			}
		}
	}
}

static void check_port_names(struct manager *m)
{
	struct name_verdict *v = calloc(m->n_entries + 1, sizeof(*v));

	if (!v) {
		for (size_t i = 0; i < m->n_entries; i++)
			if (m->entries[i]->valid && m->entries[i]->name_fresh)
				reject(m->entries[i], "%s", "out of memory checking port names");
		return;
	}
	judge_port_names(m, false, v);
	/* the map of all claims serves bursts (startup): not kept between */
	strmap_done(&m->claims);
	if (m->check_incremental) {
		struct name_verdict *w = calloc(m->n_entries + 1, sizeof(*w));

		if (w) {
			judge_port_names(m, true, w);
			for (size_t i = 0; i < m->n_entries; i++)
				if (v[i].why != w[i].why || v[i].holder != w[i].holder) {
					log_error("BUG: port-name check of vif%u.%u differs from a "
						  "full one (%d/%d)",
						  m->entries[i]->domid, m->entries[i]->devid,
						  (int)v[i].why, (int)w[i].why);
					abort();
				}
			free(w);
		}
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *e = m->entries[i];

		switch (v[i].why) {
		case NAME_OK:
			break;
		case NAME_HOST:
			reject(e, "key 'vifname': value '%s' is a host interface", v[i].name);
			break;
		case NAME_PATTERN:
			reject(e,
			       "key 'vifname': value '%s' does not match guest-ports in "
			       "vifguard.conf (vifguard only takes over declared guest ports)",
			       v[i].name);
			break;
		case NAME_NETBACK:
			reject(e, "key 'vifname': value '%s' is another device's netback name",
			       v[i].name);
			break;
		case NAME_TAKEN:
			reject(e, "key 'vifname': value '%s' is already the port of vif%u.%u",
			       v[i].name, v[i].holder->domid, v[i].holder->devid);
			e->name_rejected = true;
			break;
		case NAME_OOM:
			reject(e, "%s", "out of memory checking port names");
			break;
		}
		e->name_fresh = false;
	}
	free(v);
}

/* The host's IPv4 and IPv6 addresses, link-local ones left out. */
static void host_addrs_read(struct manager *m)
{
	struct ifaddrs *ifa, *p;
	struct host_addr *v;
	size_t n = 0;

	if (getifaddrs(&ifa) < 0) {
		log_warning_errno(-errno, "Cannot list the host's addresses: %m");
		return; /* stale stays set: next time again */
	}
	for (p = ifa; p; p = p->ifa_next)
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v) {
		freeifaddrs(ifa);
		return;
	}
	n = 0;
	for (p = ifa; p; p = p->ifa_next) {
		struct host_addr *h = &v[n];

		if (!p->ifa_addr ||
		    (p->ifa_addr->sa_family != AF_INET && p->ifa_addr->sa_family != AF_INET6))
			continue;
		snprintf(h->ifname, sizeof(h->ifname), "%s", p->ifa_name);
		h->addr = (struct vif_addr){ .family = p->ifa_addr->sa_family };
		if (p->ifa_addr->sa_family == AF_INET) {
			memcpy(h->addr.addr, &((struct sockaddr_in *)(void *)p->ifa_addr)->sin_addr, 4);
			h->addr.prefixlen = 32;
		} else {
			memcpy(h->addr.addr,
			       &((struct sockaddr_in6 *)(void *)p->ifa_addr)->sin6_addr, 16);
			h->addr.prefixlen = 128;
			if (h->addr.addr[0] == 0xfe && (h->addr.addr[1] & 0xc0) == 0x80)
				continue; /* link-local: per link, not an address to protect */
		}
		n++;
	}
	freeifaddrs(ifa);
	free(m->host_addrs);
	m->host_addrs = v;
	m->n_host_addrs = n;
	m->host_addrs_stale = false;
}

/* Addresses of the bridges the guests use: never granted to a guest. */
static size_t bridge_addrs(struct manager *m, struct vif_addr *out, size_t max)
{
	const char *used[32];
	size_t n_used = 0, n = 0;
	bool more = false; /* more bridges than used[] holds */

	if (!m->pol.protect_bridge_addrs)
		return 0;
	if (m->host_addrs_stale || m->link_fd < 0)
		host_addrs_read(m);
	/* hosts have a handful of bridges: a short list, not a scan per address */
	for (size_t i = 0; i < m->n_entries; i++) {
		const char *br = m->entries[i]->valid ? m->entries[i]->desired->bridge : "";
		bool seen = !br[0];

		for (size_t j = 0; j < n_used && !seen; j++)
			seen = strcmp(used[j], br) == 0;
		if (seen)
			continue;
		if (n_used < 32)
			used[n_used++] = br;
		else
			more = true;
	}
	for (size_t k = 0; k < m->n_host_addrs && n < max; k++) {
		const struct host_addr *h = &m->host_addrs[k];
		bool is_used = false;

		for (size_t j = 0; j < n_used && !is_used; j++)
			is_used = strcmp(used[j], h->ifname) == 0;
		for (size_t i = 0; i < m->n_entries && more && !is_used; i++)
			is_used = m->entries[i]->valid &&
				  strcmp(m->entries[i]->desired->bridge, h->ifname) == 0;
		if (is_used)
			out[n++] = h->addr;
	}
	return n;
}

/* Is a one of the space-terminated words of reported ("a1 a2 ")?  A plain
 * strstr() would take 192.0.2.1 for reported when 192.0.2.10 was. */
static bool withheld_reported(const char *reported, const char *a)
{
	size_t n = strlen(a);

	for (const char *p = reported; (p = strstr(p, a)); p++)
		if ((p == reported || p[-1] == ' ') && p[n] == ' ')
			return true;
	return false;
}

/* The configured protected addresses and the guests' bridges' own. */
static size_t protected_now(struct manager *m, struct vif_addr *prot)
{
	memcpy(prot, m->pol.protected_addrs, m->pol.n_protected * sizeof(prot[0]));
	return m->pol.n_protected + bridge_addrs(m, prot + m->pol.n_protected, 64);
}

/* Decide the addresses of the vifs in only[] (NULL: of every vif) against
 * each other and prot; log what changed.  of[i] points to entries[i]'s
 * answer (NULL unless valid and decided), inside *buf, which the caller
 * frees.  (Pointers, not copies: an answer has room for 64 withheld
 * addresses, 5.7 kB; copying 4,000 of them per event costs milliseconds.)
 * Deciding a subset is only right when no vif outside it overlaps it
 * (isolated()). */
static int decide(struct manager *m, const bool *only, const struct vif_addr *prot,
		  size_t n_prot, const struct resolve_out **of, struct resolve_out **buf)
{
	struct resolve_in *in;
	size_t *idx, n = 0;
	struct resolve_out *res;
	int r;


	in = calloc(m->n_entries + 1, sizeof(*in));
	idx = calloc(m->n_entries + 1, sizeof(*idx));
	/* not calloc: an answer is 5.7 kB, resolve_compute writes only what
	 * it uses, and zeroing N of them per event took milliseconds */
	res = malloc((m->n_entries + 1) * sizeof(*res));
	if (!in || !idx || !res) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m->n_entries; i++)
		of[i] = NULL;
	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *e = m->entries[i];

		if (only && !only[i])
			continue;
		if (!e->valid) {
			if (e->withheld_desc) {
				str_set(&e->withheld_desc, NULL);
				e->status_stale = true;
			}
			continue;
		}
		in[n] = (struct resolve_in){ .vif = e->desired, .domain_name = e->domain_name,
					     .rank = e->rank };
		idx[n++] = i;
	}
	r = resolve_compute(in, n, prot, n_prot, res);
	if (r < 0)
		goto out;
	for (size_t k = 0; k < n; k++) {
		struct entry *e = m->entries[idx[k]];
		char text[512] = "", name[IFNAMSIZ + 8], desc[768] = "";
		struct log_vif lv;
		size_t tl = 0;

		of[idx[k]] = &res[k];
		for (size_t w = 0, dl = 0; w < res[k].n_withheld; w++) {
			const struct resolve_withheld *wh = &res[k].withheld[w];
			char a[VIF_ADDR_STRLEN], p[VIF_ADDR_STRLEN];

			vif_addr_to_string(&wh->addr, a, sizeof(a));
			tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "%s ", a);
			if (tl >= sizeof(text))
				tl = sizeof(text) - 1;
			if (wh->why == RESOLVE_WHY_CONFLICT) {
				const struct entry *o = m->entries[idx[wh->other]];

				dl += (size_t)snprintf(desc + dl, sizeof(desc) - dl,
						       "%s%s conflict %s/%s/%u", w ? "; " : "", a,
						       o->desired->name,
						       o->domain_name[0] ? o->domain_name : "-",
						       o->domid);
			} else {
				vif_addr_to_string(&wh->protected_addr, p, sizeof(p));
				dl += (size_t)snprintf(desc + dl, sizeof(desc) - dl,
						       "%s%s protected %s", w ? "; " : "", a, p);
			}
			if (dl >= sizeof(desc))
				dl = sizeof(desc) - 1;
		}
		if (strcmp(desc, str(e->withheld_desc)) != 0) {
			str_set(&e->withheld_desc, desc);
			e->status_stale = true;
		}
		if (strcmp(text, str(e->reported_withheld)) == 0)
			continue;
		entry_log_vif(e, &lv, name, sizeof(name));
		/* log each withheld address once, with who holds it */
		for (size_t w = 0; w < res[k].n_withheld; w++) {
			const struct resolve_withheld *wh = &res[k].withheld[w];
			char a[VIF_ADDR_STRLEN], p[VIF_ADDR_STRLEN];

			vif_addr_to_string(&wh->addr, a, sizeof(a));
			if (withheld_reported(str(e->reported_withheld), a))
				continue;
			if (wh->why == RESOLVE_WHY_CONFLICT) {
				const struct entry *o = m->entries[idx[wh->other]];

				log_vif(LOG_WARNING, &lv, MSGID_CONFLICT, a,
					"address %s withheld: it belongs to %s (%s, dom %u)", a,
					o->desired->name, o->domain_name[0] ? o->domain_name : "?",
					o->domid);
			} else {
				vif_addr_to_string(&wh->protected_addr, p, sizeof(p));
				log_vif(LOG_WARNING, &lv, MSGID_CONFLICT, a,
					"address %s withheld: protected (%s)", a, p);
			}
		}
		str_set(&e->reported_withheld, text);
	}
out:
	free(in);
	free(idx);
	if (r < 0) {
		free(res);
		res = NULL;
	}
	*buf = res;
	return r;
}

static void remember_protected(struct manager *m, const struct vif_addr *prot, size_t n_prot)
{
	memcpy(m->last_prot, prot, n_prot * sizeof(prot[0]));
	m->n_last_prot = n_prot;
	m->last_prot_known = true;
}

/* Port names, then every vif's addresses. */
static int decide_all(struct manager *m, const struct resolve_out **of, struct resolve_out **buf)
{
	struct vif_addr prot[POLICY_PROTECTED_MAX + 64];
	size_t n_prot;

	check_port_names(m);
	n_prot = protected_now(m, prot);
	remember_protected(m, prot, n_prot);
	for (size_t i = 0; i < m->n_entries; i++)
		m->entries[i]->decide_again = false;
	return decide(m, NULL, prot, n_prot, of, buf);
}

/* Nothing to decide: valid with its rules in the kernel, or invalid and
 * without rules.  (Its rules are its last answer: a write that fails
 * leaves it FAILED, or without applied rules.) */
static bool entry_settled(const struct entry *e)
{
	if (e->valid)
		return e->state == ENTRY_ENFORCED && e->applied_valid;
	return !e->applied_valid;
}

static bool vif_overlaps(const struct vif *v, const struct vif_addr *a)
{
	for (size_t k = 0; k < v->n_addrs; k++)
		if (resolve_addrs_overlap(&v->addrs[k], a))
			return true;
	return false;
}

/*
 * Can the vifs in only[] be decided by themselves?  Yes when none of their
 * addresses, old (applied) or new (desired), overlaps an address any other
 * valid vif asks for, granted or withheld: then no other vif's answer can
 * depend on them, nor theirs on any other.  Costs the changed addresses
 * times all addresses, so a big batch (a boot storm) is decided as a whole.
 */
#define ISOLATED_MAX 16
static bool isolated(struct manager *m, const bool *only)
{
	const struct vif *changed[2 * ISOLATED_MAX];
	size_t n = 0;

	for (size_t i = 0; i < m->n_entries; i++) {
		const struct entry *e = m->entries[i];

		if (!only[i])
			continue;
		if (n + 2 > 2 * ISOLATED_MAX)
			return false;
		if (e->applied_valid)
			changed[n++] = e->applied;
		if (e->valid)
			changed[n++] = e->desired;
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct entry *o = m->entries[i];

		if (only[i] || !o->valid)
			continue;
		for (size_t c = 0; c < n; c++)
			for (size_t k = 0; k < changed[c]->n_addrs; k++)
				if (vif_overlaps(o->desired, &changed[c]->addrs[k]))
					return false;
	}
	return true;
}

/* A full decision must give every valid vif what want[] says. */
static void check_against_full(struct manager *m, const struct vif *const *want)
{
	const struct resolve_out **of = calloc(m->n_entries + 1, sizeof(*of));
	struct resolve_out *res = NULL;

	if (!of || decide_all(m, of, &res) < 0) {
		free(of);
		return;
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct entry *e = m->entries[i];

		if (e->valid && !vif_equal(want[i], &of[i]->effective)) {
			log_error("BUG: incremental decision for vif%u.%u differs from a full one",
				  e->domid, e->devid);
			abort();
		}
	}
	free(of);
	free(res);
}

static int write_changes(struct manager *m, const struct vif *const *want);

/*
 * Decide what changed and write it.  The port-name check passes over all
 * vifs (a hash lookup each); the address decision covers only the vifs that
 * were re-read or are not settled, when they are isolated from all others
 * and the protected addresses did not change; otherwise all of them.  A
 * vif left out keeps its applied rules as its answer.
 */
static int decide_and_write(struct manager *m)
{
	struct vif_addr prot[POLICY_PROTECTED_MAX + 64];
	const struct resolve_out **of = calloc(m->n_entries + 1, sizeof(*of));
	const struct vif **want = calloc(m->n_entries + 1, sizeof(*want));
	bool *only = calloc(m->n_entries + 1, sizeof(bool));
	struct resolve_out *res = NULL;
	bool incremental;
	size_t n_prot;
	int r = -ENOMEM;

	if (!of || !want || !only)
		goto out;
	check_port_names(m);
	n_prot = protected_now(m, prot);
	incremental = m->last_prot_known && n_prot == m->n_last_prot &&
		      memcmp(prot, m->last_prot, n_prot * sizeof(prot[0])) == 0;
	remember_protected(m, prot, n_prot);
	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *e = m->entries[i];

		only[i] = e->decide_again || !entry_settled(e);
		e->decide_again = false;
	}
	incremental = incremental && isolated(m, only);
	r = decide(m, incremental ? only : NULL, prot, n_prot, of, &res);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct entry *e = m->entries[i];

		if (e->valid)
			want[i] = of[i] ? &of[i]->effective : e->applied;
	}
	if (incremental && m->check_incremental)
		check_against_full(m, want);
	r = write_changes(m, want);
out:
	free(of);
	free(want);
	free(only);
	free(res);
	return r;
}

/* ---- writing ---- */

static const char *const entry_state_names[_ENTRY_STATE_MAX] = {
	[ENTRY_PENDING] = "pending",
	[ENTRY_ENFORCED] = "enforced",
	[ENTRY_REJECTED] = "rejected",
	[ENTRY_FAILED] = "failed",
};

/* Tabs and newlines never appear in status values (fields are tab-separated). */
static void put_field(FILE *f, const char *key, const char *value)
{
	fputc('\t', f);
	fputs(key, f);
	fputc('=', f);
	if (!strpbrk(value, "\t\n\r")) {
		fputs(value, f);
		return;
	}
	for (const char *c = value; *c; c++)
		fputc(*c == '\t' || *c == '\n' || *c == '\r' ? ' ' : *c, f);
}

/* One vif's line of the status file. */
static void put_status_line(FILE *f, const struct entry *e)
{
	const struct vif *v = e->applied_valid ? e->applied : e->valid ? e->desired : NULL;
	char buf[VIF_ADDRS_MAX * VIF_ADDR_STRLEN], id[32];

	fprintf(f, "vif\tdomid=%u\tdevid=%u", e->domid, e->devid);
	snprintf(id, sizeof(id), "vif%u.%u", e->domid, e->devid);
	put_field(f, "id", id);
	put_field(f, "port", v ? v->name : id);
	put_field(f, "emu", v ? v->emu_name : "");
	put_field(f, "domain", e->domain_name);
	put_field(f, "state", entry_state_names[e->state]);
	if (v) {
		snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
			 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
		put_field(f, "mac", buf);
		put_field(f, "bridge", v->bridge);
	}
	addrs_to_string(e->applied_valid ? e->applied->addrs : NULL,
			e->applied_valid ? e->applied->n_addrs : 0, buf, sizeof(buf));
	put_field(f, "allowed", e->applied_valid ? buf : "");
	put_field(f, "withheld", str(e->withheld_desc));
	put_field(f, "error",
		  e->state == ENTRY_REJECTED || e->state == ENTRY_FAILED ? str(e->error) : "");
	fputc('\n', f);
}

/* Make e's line again if anything in it may have changed. */
static void refresh_status_line(struct entry *e)
{
	char *shrunk;
	size_t len;
	FILE *f;

	if (e->status_line && !e->status_stale)
		return;
	free(e->status_line);
	e->status_line = NULL;
	f = open_memstream(&e->status_line, &len);
	if (!f)
		return;
	put_status_line(f, e);
	if (fclose(f) != 0) {
		free(e->status_line);
		e->status_line = NULL;
		return;
	}
	/* a memory stream leaves room to grow: 4,000 lines would keep ~1 MB */
	shrunk = realloc(e->status_line, len + 1);
	if (shrunk)
		e->status_line = shrunk;
	e->status_stale = false;
}

/*
 * The status file vifguardctl reads: one "daemon" line, one "vif" line per
 * known vif, tab-separated key=value fields.  Written to a temporary file
 * and renamed, so a reader never sees half of it.  Lines of vifs that did
 * not change are copied from the last write (refresh_status_line).
 */
static void write_status(struct manager *m)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;

	snprintf(path, sizeof(path), "%s/status", m->runtime_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (!f) {
		log_debug("Cannot write %s: %m", tmp);
		return;
	}
	/* 4,000 lines are about 600 kB: in 64 kB writes, not stdio's 4 kB */
	setvbuf(f, m->status_buf, _IOFBF, sizeof(m->status_buf));
	fprintf(f, "vifguard-status 1\ndaemon\tpid=%d\ttable=%s\tready=%d\tbackend=%s\n",
		(int)getpid(), m->pol.table, m->ready,
		m->xw ? xenwatch_root(m->xw) : "(xenstore unreachable)");
	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *e = m->entries[i];

		if (!e->present)
			continue;
		refresh_status_line(e);
		if (e->status_line)
			fputs(e->status_line, f);
		else
			put_status_line(f, e); /* out of memory: not kept */
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		log_debug("Cannot write %s: %m", path);
		unlink(tmp);
	}
}

static void status_now(struct manager *m)
{
	size_t enforced = 0, rejected = 0;

	write_status(m);
	m->status_pending_usec = 0;

	for (size_t i = 0; i < m->n_entries; i++) {
		enforced += m->entries[i]->state == ENTRY_ENFORCED;
		rejected += m->entries[i]->state == ENTRY_REJECTED ||
			    m->entries[i]->state == ENTRY_FAILED;
	}
	sd_notifyf(0, "STATUS=Enforcing %zu vif(s), %zu rejected (fail-closed)", enforced,
		   rejected);
}

static int on_status_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	status_now(userdata);
	return 0;
}

/* The status file and systemd's STATUS=, once things are quiet: written
 * STATUS_DELAY_USEC after the last change (rewriting 4,000 lines right after
 * a change would hold up the event that often follows it: an update after
 * an add), but at most STATUS_MAX_DELAY_USEC after the first unwritten one
 * (a long burst still shows progress). */
#define STATUS_DELAY_USEC (50 * 1000)
#define STATUS_MAX_DELAY_USEC (1000 * 1000)
static void notify_status(struct manager *m)
{
	uint64_t now, due;

	if (!m->event || sd_event_now(m->event, CLOCK_MONOTONIC, &now) < 0)
		goto now;
	if (!m->status_pending_usec)
		m->status_pending_usec = now;
	due = now + STATUS_DELAY_USEC;
	if (due > m->status_pending_usec + STATUS_MAX_DELAY_USEC)
		due = m->status_pending_usec + STATUS_MAX_DELAY_USEC;
	if (m->status_timer) {
		if (sd_event_source_set_time(m->status_timer, due) >= 0 &&
		    sd_event_source_set_enabled(m->status_timer, SD_EVENT_ONESHOT) >= 0)
			return;
	} else if (sd_event_add_time(m->event, &m->status_timer, CLOCK_MONOTONIC, due,
				     1000 /* us; 0 would let sd-event add 250 ms */, on_status_timer,
				     m) >= 0) {
		return;
	}
now:
	status_now(m);
}

static void log_rejections(struct manager *m)
{
	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *e = m->entries[i];
		char name[IFNAMSIZ + 8];
		struct log_vif lv;

		if (!e->present || (e->state != ENTRY_REJECTED && e->state != ENTRY_FAILED)) {
			str_set(&e->reported_error, NULL);
			continue;
		}
		if (strcmp(str(e->reported_error), str(e->error)) == 0)
			continue;
		entry_log_vif(e, &lv, name, sizeof(name));
		log_vif(LOG_ERR, &lv, e->state == ENTRY_FAILED ? MSGID_KERNEL_REJECTED
							       : MSGID_VIF_REJECTED,
			NULL, "%s; its ports stay fail-closed", str(e->error));
		str_set(&e->reported_error, e->error);
	}
}

static void log_applied(struct entry *e, bool added, bool removed)
{
	char name[IFNAMSIZ + 8], addrs[1024];
	struct log_vif lv;

	entry_log_vif(e, &lv, name, sizeof(name));
	if (added) {
		char mac[18];

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", e->applied->mac[0],
			 e->applied->mac[1], e->applied->mac[2], e->applied->mac[3], e->applied->mac[4],
			 e->applied->mac[5]);
		addrs_to_string(e->applied->addrs, e->applied->n_addrs, addrs, sizeof(addrs));
		log_vif(LOG_NOTICE, &lv, MSGID_VIF_ENFORCED, NULL,
			"enforced: mac %s, addresses %s%s%s", mac, addrs,
			e->applied->emu_name[0] ? ", also on " : "", e->applied->emu_name);
	} else if (removed) {
		log_vif(LOG_NOTICE, &lv, MSGID_VIF_REMOVED, NULL, "removed: rules deleted");
	}
}

static void ensure_bridges(struct manager *m)
{
	char done[32][IFNAMSIZ];
	size_t n_done = 0;

	for (size_t i = 0; i < m->n_entries; i++) {
		const char *br = m->entries[i]->valid ? m->entries[i]->desired->bridge : "";
		bool seen = false;
		int r;

		if (!br[0])
			continue;
		/* hosts have a handful of bridges: a short list, not a scan */
		for (size_t j = 0; j < n_done && !seen; j++)
			seen = strcmp(done[j], br) == 0;
		if (seen)
			continue;
		if (n_done < 32)
			snprintf(done[n_done++], IFNAMSIZ, "%s", br);
		if (bridge_get_no_linklocal_learn(br) == 1)
			continue;
		r = bridge_set_no_linklocal_learn(br);
		if (r == -ENODEV)
			continue; /* not there yet; checked again next time */
		if (r < 0)
			log_warning_errno(r, "Failed to set no_linklocal_learn on bridge %s: %m", br);
		else
			log_info("Bridge %s: no_linklocal_learn set", br);
	}
}

static int full_sync(struct manager *m, const char *why);

/* The incremental path: one transaction with every vif's changes.
 * want[i]: what entries[i] should have (NULL: nothing, or not valid). */
static int write_changes(struct manager *m, const struct vif *const *want)
{
	bool *excluded = calloc(m->n_entries + 1, sizeof(bool));
	int r = 0;

	if (!excluded)
		return -ENOMEM;
	for (int attempt = 0; attempt < 3; attempt++) {
		struct nfwriter_error err;
		struct plan p;
		size_t n_changes = 0;

		struct ruleset_shape sh_old = { 0 }, sh_new = { 0 };

		plan_begin(m, &p);
		p.no_text = true;
		for (size_t i = 0; i < m->n_entries; i++) {
			struct entry *e = m->entries[i];

			if (e->applied_valid)
				ruleset_shape_add(&m->pol, &sh_old, e->applied);
			if (e->valid && !excluded[i])
				ruleset_shape_add(&m->pol, &sh_new, want[i]);
		}
		r = ruleset_shape_begin(&sh_old, &sh_new, &p);
		/* every delete before any add: a port name (a @ports element)
		 * moving from one vif to another must be gone before it is
		 * added again, or the kernel refuses the add (EEXIST).  An
		 * update deletes and adds only the elements that differ. */
		for (int pass = 0; pass < 2; pass++)
			for (size_t i = 0; i < m->n_entries && r == 0; i++) {
				struct entry *e = m->entries[i];
				const struct vif *target = e->valid && !excluded[i] ? want[i] : NULL;
				const struct vif *applied = e->applied_valid ? e->applied : NULL;
				bool differs = !target || !applied || !vif_equal(target, applied);

				if (!differs)
					continue;
				if (pass == 0 && applied) {
					r = ruleset_vif_del(&m->pol, applied, target, (int)i, &p);
					n_changes++;
				}
				if (pass == 1 && target) {
					r = ruleset_vif_add(&m->pol, target, applied, (int)i, &p);
					n_changes++;
				}
			}
		if (r == 0)
			r = ruleset_shape_end(&sh_old, &sh_new, &p);
		if (r == 0 && n_changes && p.n_ops)
			r = nfwriter_commit(m->nw, &p, &err);
		plan_done(&p);
		if (r == 0) {
			for (size_t i = 0; i < m->n_entries; i++) {
				struct entry *e = m->entries[i];
				const struct vif *target = e->valid && !excluded[i] ? want[i] : NULL;
				bool changed = target ? (!e->applied_valid ||
							 !vif_equal(target, e->applied))
						      : e->applied_valid;

				if (!changed) {
					if (target && e->state == ENTRY_PENDING) {
						e->state = ENTRY_ENFORCED;
						e->status_stale = true;
					}
					continue;
				}
				e->status_stale = true;
				m->ports_stale = true;
				if (target && vif_store(&e->applied, target) < 0) {
					/* the kernel has it, we cannot remember it:
					 * a full sync sorts it out */
					m->need_full_sync = true;
					m->full_sync_reason = "out of memory";
					e->applied_valid = false;
				} else if (target) {
					e->applied_valid = true;
					e->state = ENTRY_ENFORCED;
					log_applied(e, true, false);
				} else {
					e->applied_valid = false;
					log_applied(e, false, true);
				}
			}
			break;
		}
		if (r == -ENOENT) {
			/* the table (nft flush ruleset) or one of our objects is
			 * gone: no vif is to blame, replay it all */
			free(excluded);
			return full_sync(m, "the table disappeared");
		}
		if (r == -ENFILE) {
			/* a set is full (PLAN_SET_SIZE_MIN): not the fault of
			 * the vif that came last; the full sync sizes it again */
			free(excluded);
			return full_sync(m, "a set is full");
		}
		if (err.owner < 0 || (size_t)err.owner >= m->n_entries || excluded[err.owner]) {
			log_error_errno(r, "Transaction failed: %m%s%s; replacing the whole table",
					err.msg[0] ? ": " : "", err.msg);
			free(excluded);
			return full_sync(m, "a transaction failed");
		}
		/* blame the vif and write the others without its change; its
		 * old rules (if any) go, so it is fail-closed, not stale */
		excluded[err.owner] = true;
		m->entries[err.owner]->state = ENTRY_FAILED;
		m->entries[err.owner]->status_stale = true;
		str_setf(&m->entries[err.owner]->error, "the kernel refused its rules: %s%s%s", strerror(-r),
			 err.msg[0] ? ": " : "", err.msg);
		r = 0;
	}
	free(excluded);
	return r;
}

static int reconcile(struct manager *m);

static int on_resync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;

	(void)s;
	(void)usec;
	m->need_full_sync = true;
	m->full_sync_reason = m->resync_reason;
	if (m->xw) {
		reconcile(m);
	} else {
		full_sync(m, m->resync_reason);
		notify_status(m);
	}
	return 0;
}

/* A full sync that failed, or that may have missed someone else's change
 * (see full_sync), is done again: after 100 ms, doubling up to 5 s. */
static void resync_later(struct manager *m, const char *why)
{
	int r;

	m->resync_reason = why;
	m->resync_delay_ms = m->resync_delay_ms ? m->resync_delay_ms * 2 : 100;
	if (m->resync_delay_ms > 5000)
		m->resync_delay_ms = 5000;
	if (!m->resync_timer) {
		r = sd_event_add_time_relative(m->event, &m->resync_timer, CLOCK_MONOTONIC,
					       m->resync_delay_ms * 1000ULL, 0, on_resync_timer, m);
		if (r < 0)
			log_error_errno(r, "Cannot schedule a full sync: %m");
		return;
	}
	sd_event_source_set_time_relative(m->resync_timer, m->resync_delay_ms * 1000ULL);
	sd_event_source_set_enabled(m->resync_timer, SD_EVENT_ONESHOT);
}

static int on_trim(sd_event_source *s, void *userdata)
{
	(void)s;
	(void)userdata;
	malloc_trim(0);
	return 0;
}

/* A full sync's plan is many small blocks: give them back to the kernel
 * instead of keeping the peak for the life of the daemon.  That walks the
 * whole heap (50 ms after a 4,000-vif sync), so it waits until the loop has
 * nothing else to do (after READY=1, at startup). */
static void trim_later(struct manager *m)
{
	if (!m->event) {
		malloc_trim(0);
		return;
	}
	if (!m->trim_source &&
	    sd_event_add_defer(m->event, &m->trim_source, on_trim, m) >= 0)
		sd_event_source_set_priority(m->trim_source, SD_EVENT_PRIORITY_IDLE);
	if (!m->trim_source || sd_event_source_set_enabled(m->trim_source, SD_EVENT_ONESHOT) < 0)
		malloc_trim(0);
}

/* The journal entry of a full sync, with where its time went: xenstore
 * (listing, then reading the devices), deciding, the kernel's commit, and
 * the rest (recording what was applied, one line per vif). */
static void log_full_sync(struct manager *m, const char *why)
{
	const uint64_t end = mono_us();
	const typeof(m->sync_clock) *c = &m->sync_clock;
	const uint64_t listed = c->listed ? c->listed : c->start;
	char listing[48] = "";

	if (c->listed)
		snprintf(listing, sizeof(listing), "listing %.1f ms, ",
			 (double)(listed - c->start) / 1000.0);
	log_event(LOG_NOTICE, MSGID_RESYNC,
		  "Full sync (%s): table %s replaced, %zu vif(s) in %.1f ms (xenstore: %s"
		  "reads %.1f ms; deciding %.1f ms; building and kernel commit %.1f ms; "
		  "recording %.1f ms)",
		  why, m->pol.table, m->n_entries, (double)(end - c->start) / 1000.0, listing,
		  (double)(c->read - listed) / 1000.0, (double)(c->decided - c->read) / 1000.0,
		  (double)(c->committed - c->decided) / 1000.0,
		  (double)(end - c->committed) / 1000.0);
}

static int full_sync(struct manager *m, const char *why)
{
	const struct resolve_out **of = calloc(m->n_entries + 1, sizeof(*of));
	bool *skip = calloc(m->n_entries + 1, sizeof(bool));
	struct vif *vifs = calloc(m->n_entries + 1, sizeof(*vifs));
	struct resolve_out *res = NULL;
	uint32_t gen_before = 0, gen_after = 0;
	bool gen_known, lost = false, merge = true;
	int r = -ENOMEM;

	if (!m->sync_clock.read) /* not after reading xenstore in reconcile() */
		m->sync_clock.start = m->sync_clock.read = mono_us();
	if (!of || !skip || !vifs)
		goto out;
	r = decide_all(m, of, &res);
	if (r < 0)
		goto out;
	m->sync_clock.decided = mono_us();
	for (size_t i = 0; i < m->n_entries; i++) {
		skip[i] = !m->entries[i]->valid;
		if (!skip[i])
			vifs[i] = of[i]->effective;
	}
	/* our own notifications would flood the monitor: not listening while
	 * we replace the table.  A change someone else makes meanwhile would go
	 * unseen, so the generation id tells: ours must be the one commit. */
	if (m->mon)
		nfmon_set_listening(m->mon, false);
	gen_known = nfwriter_genid(m->nw, &gen_before) == 0;
	/* all vifs' elements of a set go in a few messages; when the kernel
	 * refuses one of those, the plan is made again a message per vif and
	 * set to learn whose rules it was, and the next attempt goes without
	 * that vif (up to 8 times) */
	for (size_t attempt = 0; attempt <= m->n_entries && attempt < 8;) {
		struct nfwriter_error err = { .op = -1, .owner = -1 };
		struct plan p;

		plan_begin(m, &p);
		p.no_text = true;
		p.merge_elems = merge;
		r = ruleset_full(&m->pol, vifs, m->n_entries, skip, &p);
		if (r == 0)
			r = nfwriter_commit(m->nw, &p, &err);
		plan_done(&p);
		if (r < 0 && merge && err.owner == PLAN_OWNER_MERGED) {
			merge = false;
			continue;
		}
		if (r == 0 || err.owner < 0 || (size_t)err.owner >= m->n_entries)
			break;
		skip[err.owner] = true;
		m->entries[err.owner]->state = ENTRY_FAILED;
		m->entries[err.owner]->status_stale = true;
		str_setf(&m->entries[err.owner]->error, "the kernel refused its rules: %s%s%s", strerror(-r),
			 err.msg[0] ? ": " : "", err.msg);
		attempt++;
	}
	if (m->mon)
		nfmon_set_listening(m->mon, true);
	m->sync_clock.committed = mono_us();
	if (r < 0) {
		log_error_errno(r, "Full sync failed (%s): %m; trying again", why);
		resync_later(m, why);
		goto out;
	}
	for (size_t i = 0; i < m->n_entries; i++) {
		struct entry *e = m->entries[i];
		bool had = e->applied_valid;
		bool changed;

		e->status_stale = true;
		m->ports_stale = true;
		if (skip[i]) {
			e->applied_valid = false;
			if (had && !e->present)
				log_applied(e, false, true);
			continue;
		}
		changed = !had || !vif_equal(&vifs[i], e->applied);
		if (vif_store(&e->applied, &vifs[i]) < 0) {
			e->applied_valid = false;
			lost = true;
			continue;
		}
		e->applied_valid = true;
		e->state = ENTRY_ENFORCED;
		if (changed && m->ready)
			log_applied(e, true, false);
		else if (changed)
			e->log_enforced_later = true;
	}
	m->need_full_sync = false;
	log_full_sync(m, why);
	if (lost) {
		/* the kernel has vifs we could not record: replace it again */
		resync_later(m, "out of memory");
	} else if (gen_known &&
		   (nfwriter_genid(m->nw, &gen_after) < 0 || gen_after != gen_before + 1)) {
		log_warning("nf_tables changed while the table was being replaced; replacing it "
			    "again");
		resync_later(m, "changed during a full sync");
	} else {
		m->resync_delay_ms = 0;
	}
out:
	free(of);
	free(res);
	free(skip);
	free(vifs);
	trim_later(m);
	return r;
}

/* ---- the loop ---- */

static int xs_connect(struct manager *m);
static void xs_lost(struct manager *m, int r);

/* More dirty entries than this are read through xs-bulk. */
#define BULK_MIN 8

static int refresh_dirty(struct manager *m)
{
	struct xs_bulk *b = NULL;
	size_t n_dirty = 0;
	int r = 0;

	if (m->rescan && xs_bulk_open(&b) < 0)
		b = NULL; /* no socket (a xenbus device): libxenstore it is */
	if (m->rescan) {
		m->rescan = false;
		r = scan_all(m, b);
		m->sync_clock.listed = mono_us();
		if (r < 0) {
			xs_bulk_free(b);
			return r;
		}
	}
	/* a vif waiting for a port name another vif holds gets another look
	 * whenever anything changed: the holder may be gone */
	for (size_t i = 0; i < m->n_entries; i++)
		if (m->entries[i]->dirty) {
			for (size_t k = 0; k < m->n_entries; k++)
				if (m->entries[k]->name_rejected)
					m->entries[k]->dirty = true;
			break;
		}
	for (size_t i = 0; i < m->n_entries; i++)
		n_dirty += m->entries[i]->dirty;
	if (n_dirty > BULK_MIN && (b || xs_bulk_open(&b) == 0)) {
		refresh_bulk(m, b, n_dirty, false);
	} else if (n_dirty > 0 && !m->xsb_off) {
		if (!m->xsb) {
			r = xs_bulk_open(&m->xsb);
			m->xsb_off = r == -EOPNOTSUPP;
			if (r == 0)
				xs_bulk_set_tx_only(m->xsb, true);
		}
		if (m->xsb && refresh_bulk(m, m->xsb, n_dirty, true) < 0)
			m->xsb = xs_bulk_free(m->xsb); /* broken: a new one next time */
		r = 0;
	}
	b = xs_bulk_free(b);
	for (size_t i = 0; i < m->n_entries && r == 0; i++)
		if (m->entries[i]->dirty)
			r = entry_refresh(m, m->entries[i]);
	return r;
}

static void forget_gone(struct manager *m)
{
	for (size_t i = 0; i < m->n_entries;) {
		struct entry *e = m->entries[i];

		if (!e->present && !e->applied_valid)
			entry_drop(m, i);
		else
			i++;
	}
}

static int reconcile(struct manager *m)
{
	int r;

	if (!m->xw)
		return 0;
	m->addrs_changed = false;
	m->sync_clock.start = mono_us();
	m->sync_clock.listed = 0;
	r = refresh_dirty(m);
	m->sync_clock.read = mono_us();
	if (r < 0) {
		memset(&m->sync_clock, 0, sizeof(m->sync_clock));
		xs_lost(m, r);
		return 0;
	}
	if (m->need_full_sync) {
		r = full_sync(m, m->full_sync_reason ? m->full_sync_reason : "startup");
	} else {
		r = decide_and_write(m);
	}
	ensure_bridges(m);
	log_rejections(m);
	forget_gone(m);
	notify_status(m);
	memset(&m->sync_clock, 0, sizeof(m->sync_clock));
	return r;
}

static int on_post(sd_event_source *s, void *userdata)
{
	struct manager *m = userdata;
	bool dirty = m->rescan || m->need_full_sync || m->addrs_changed;
	int r;

	(void)s;
	for (size_t i = 0; i < m->n_entries && !dirty; i++)
		dirty = m->entries[i]->dirty;
	if (!dirty)
		return 0;
	r = reconcile(m);
	if (r < 0)
		log_error_errno(r, "Reconcile failed: %m");
	return 0;
}

static int on_xs_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	r = xenwatch_drain(m->xw, on_xs_path, m);
	if (r < 0)
		xs_lost(m, r);
	return 0;
}

static int on_xs_liveness(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;
	char c;

	(void)s;
	(void)revents;
	/* xenstored never writes to this idle connection: readable means EOF */
	if (recv(fd, &c, 1, MSG_DONTWAIT | MSG_PEEK) < 0 && errno == EAGAIN)
		return 0;
	xs_lost(m, -ECONNRESET);
	return 0;
}

/* Event sources for a (new) xenstore connection. */
static int xs_attach(struct manager *m)
{
	int r;

	r = sd_event_add_io(m->event, &m->xs_source, xenwatch_fd(m->xw), EPOLLIN, on_xs_readable,
			    m);
	if (r < 0)
		return r;
	if (xenwatch_liveness_fd(m->xw) >= 0) {
		r = sd_event_add_io(m->event, &m->xs_liveness_source, xenwatch_liveness_fd(m->xw),
				    EPOLLIN | EPOLLRDHUP, on_xs_liveness, m);
		if (r < 0)
			return r;
	}
	return 0;
}

static int on_reconnect_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;
	int r;

	(void)s;
	(void)usec;
	r = xs_connect(m);
	if (r < 0) {
		m->reconnect_delay_ms = m->reconnect_delay_ms < 5000 ? m->reconnect_delay_ms * 2
								      : 5000;
		sd_event_source_set_time_relative(m->reconnect_timer,
						  m->reconnect_delay_ms * 1000ULL);
		sd_event_source_set_enabled(m->reconnect_timer, SD_EVENT_ONESHOT);
		log_debug("xenstore still unreachable (%d), next try in %u ms", r,
			  m->reconnect_delay_ms);
		return 0;
	}
	log_notice("Reconnected to xenstore; resyncing");
	m->rescan = true;
	m->need_full_sync = true;
	m->full_sync_reason = "xenstore reconnected";
	return 0;
}

/* Enforcement stays as it is in the kernel; we come back and resync. */
static void xs_lost(struct manager *m, int r)
{
	log_warning_errno(r, "Lost the xenstore connection (%m); rules stay in force, reconnecting");
	m->xs_source = sd_event_source_disable_unref(m->xs_source);
	m->xs_liveness_source = sd_event_source_disable_unref(m->xs_liveness_source);
	m->xw = xenwatch_free(m->xw);
	m->xsb = xs_bulk_free(m->xsb);
	m->reconnect_delay_ms = 100;
	if (!m->reconnect_timer) {
		r = sd_event_add_time_relative(m->event, &m->reconnect_timer, CLOCK_MONOTONIC,
					       m->reconnect_delay_ms * 1000ULL, 0,
					       on_reconnect_timer, m);
		if (r < 0) {
			log_error_errno(r, "Cannot schedule a reconnect: %m");
			sd_event_exit(m->event, 1);
		}
	} else {
		sd_event_source_set_time_relative(m->reconnect_timer,
						  m->reconnect_delay_ms * 1000ULL);
		sd_event_source_set_enabled(m->reconnect_timer, SD_EVENT_ONESHOT);
	}
}

static int xs_connect(struct manager *m)
{
	int r;

	r = xenwatch_new(&m->xw);
	if (r < 0)
		return r;
	r = xs_attach(m);
	if (r < 0) {
		m->xs_source = sd_event_source_disable_unref(m->xs_source);
		m->xs_liveness_source = sd_event_source_disable_unref(m->xs_liveness_source);
		m->xw = xenwatch_free(m->xw);
		return r;
	}
	return 0;
}

static int on_nfmon(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;
	char who[64] = "";
	bool tampered = false;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	r = nfmon_read(m->mon, &tampered, who, sizeof(who));
	if (r < 0)
		log_warning_errno(r, "Reading nf_tables notifications failed: %m");
	if (!tampered)
		return 0;
	log_event(LOG_WARNING, MSGID_TAMPER,
		  "Table bridge %s was changed by someone else (%s); restoring it", m->pol.table,
		  who);
	r = full_sync(m, "restored after an outside change");
	if (r == 0)
		log_event(LOG_WARNING, MSGID_TAMPER, "Table bridge %s restored", m->pol.table);
	notify_status(m);
	return 0;
}

/* ---- drop attribution ---- */

static const struct entry *owner_of(struct manager *m, const struct entry *self,
				    const struct vif_addr *a)
{
	for (size_t i = 0; i < m->n_entries; i++) {
		const struct entry *o = m->entries[i];

		if (o == self || !o->applied_valid)
			continue;
		for (size_t k = 0; k < o->applied->n_addrs; k++)
			if (resolve_addrs_overlap(&o->applied->addrs[k], a))
				return o;
	}
	return NULL;
}

static bool is_protected(const struct manager *m, const struct vif_addr *a)
{
	for (size_t i = 0; i < m->pol.n_protected; i++)
		if (resolve_addrs_overlap(&m->pol.protected_addrs[i], a))
			return true;
	return false;
}

/* One journal entry per dropped frame, at most log_rate_burst per vif per
 * log_rate_interval_sec (the kernel already limits what reaches us). */
static void on_drop(const struct nfmsg_nflog *pkt, void *userdata)
{
	struct manager *m = userdata;
	struct explain_frame f = { .hw = pkt->hw, .hw_len = pkt->hw_len, .proto = pkt->hw_protocol,
				   .has_vlan = pkt->has_vlan, .vlan_proto = pkt->vlan_proto,
				   .vlan_tci = pkt->vlan_tci, .payload = pkt->payload,
				   .payload_len = pkt->payload_len, .snaplen = 256 };
	char name[IFNAMSIZ + 8], who[160] = "", claim[VIF_ADDR_STRLEN] = "", more[48] = "";
	struct explain ex;
	struct log_vif lv;
	char port[IF_NAMESIZE];
	struct entry *e = NULL;
	uint64_t now;

	/* the input port names the vif: the bridge port itself, reported as
	 * physindev when br_netfilter is loaded, else as indev */
	if (!if_indextoname(pkt->physindev ?: pkt->indev, port))
		return;
	e = entry_find_port(m, port);
	if (!e)
		return;
	sd_event_now(m->event, CLOCK_MONOTONIC, &now);
	if (now - e->drop_window_usec >= m->pol.log_rate_interval_sec * 1000000ULL) {
		if (e->drop_suppressed)
			snprintf(more, sizeof(more), " (%u more suppressed before)", e->drop_suppressed);
		e->drop_window_usec = now;
		e->drop_logged = 0;
		e->drop_suppressed = 0;
	}
	if (e->drop_logged >= m->pol.log_rate_burst) {
		e->drop_suppressed++;
		return;
	}
	e->drop_logged++;
	if (explain_frame(&f, &m->pol, e->applied_valid ? e->applied : NULL, &ex) < 0)
		return;
	if (ex.has_claim) {
		const struct entry *o = owner_of(m, e, &ex.claim);

		vif_addr_to_string(&ex.claim, claim, sizeof(claim));
		if (o)
			snprintf(who, sizeof(who), ", owned by %s (%s, dom %u)",
				 o->applied->name, o->domain_name[0] ? o->domain_name : "?", o->domid);
		else if (is_protected(m, &ex.claim))
			snprintf(who, sizeof(who), ", a protected address");
	}
	entry_log_vif(e, &lv, name, sizeof(name));
	log_vif(LOG_WARNING, &lv, MSGID_DROPPED, claim[0] ? claim : NULL, "dropped: %s%s%s",
		ex.what, who, more);
}

static int on_nflog(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;
	int r;

	(void)s;
	(void)fd;
	(void)revents;
	r = nflog_read(m->nflog, on_drop, m);
	if (r < 0)
		log_warning_errno(r, "Reading dropped frames failed: %m");
	return 0;
}

/* A link appeared or changed: a bridge deleted and made again has lost
 * no_linklocal_learn, and no xenstore event says so. */
static int on_link(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct manager *m = userdata;

	unsigned int what;

	(void)s;
	(void)revents;
	what = bridge_monitor_drain(fd);
	if (what & BRIDGE_MONITOR_LINKS)
		ensure_bridges(m);
	/* a bridge's address may have come or gone: decide again (on_post) */
	if (what & BRIDGE_MONITOR_ADDRS)
		m->host_addrs_stale = m->addrs_changed = true;
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;
	struct config_errors errs = { 0 };
	struct policy pol;
	int r;

	(void)s;
	(void)si;
	if (!m->config_path) {
		log_notice("SIGHUP: no configuration file, nothing to reload");
		return 0;
	}
	r = config_parse_file(m->config_path, &pol, &errs);
	if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_error("%s", errs.text[i]);
		if (errs.n == 0)
			log_error_errno(r, "%s: %m", m->config_path);
		log_error("Not reloading: keeping the running configuration");
		return 0;
	}
	if (strcmp(pol.table, m->pol.table) != 0) {
		log_error("Not reloading: the table name cannot change at runtime (restart instead)");
		return 0;
	}
	m->pol = pol;
	for (size_t i = 0; i < m->n_entries; i++)
		m->entries[i]->dirty = true; /* limits may have changed */
	m->need_full_sync = true;
	m->full_sync_reason = "configuration reloaded";
	log_notice("Configuration reloaded from %s", m->config_path);
	return reconcile(m) < 0 ? 0 : 0;
}

struct manager *manager_free(struct manager *m)
{
	if (!m)
		return NULL;
	sd_event_source_disable_unref(m->xs_source);
	sd_event_source_disable_unref(m->xs_liveness_source);
	sd_event_source_disable_unref(m->nfmon_source);
	sd_event_source_disable_unref(m->nflog_source);
	nflog_free(m->nflog);
	sd_event_source_disable_unref(m->post_source);
	sd_event_source_disable_unref(m->reconnect_timer);
	sd_event_source_disable_unref(m->resync_timer);
	sd_event_source_disable_unref(m->status_timer);
	sd_event_source_disable_unref(m->trim_source);
	sd_event_source_disable_unref(m->link_source);
	if (m->link_fd >= 0)
		close(m->link_fd);
	sd_event_unref(m->event);
	xenwatch_free(m->xw);
	xs_bulk_free(m->xsb);
	nfwriter_free(m->nw);
	nfmon_free(m->mon);
	for (size_t i = 0; i < m->n_entries; i++)
		entry_free(m->entries[i]);
	free(m->entries);
	free(m->host_addrs);
	strmap_done(&m->ids);
	strmap_done(&m->ports);
	strmap_done(&m->claims);
	strmap_done(&m->fresh_claims);
	free(m);
	return NULL;
}

int manager_new(const struct manager_options *opts, const struct policy *pol,
		struct manager **ret)
{
	struct manager *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->link_fd = -1;
	m->ports_stale = true;
	m->host_addrs_stale = true;
	m->check_incremental = getenv("VIFGUARD_CHECK_INCREMENTAL") &&
			       strcmp(getenv("VIFGUARD_CHECK_INCREMENTAL"), "1") == 0;
	if (getenv("VIFGUARD_TEST_SET_SIZE_MIN"))
		m->set_size_min = (uint32_t)strtoul(getenv("VIFGUARD_TEST_SET_SIZE_MIN"), NULL, 10);
	m->pol = *pol;
	m->config_path = opts->config_path;
	/* systemd's RuntimeDirectory=vifguard sets RUNTIME_DIRECTORY */
	snprintf(m->runtime_dir, sizeof(m->runtime_dir), "%s",
		 getenv("RUNTIME_DIRECTORY") ? getenv("RUNTIME_DIRECTORY") : "/run/vifguard");
	r = xenwatch_new(&m->xw);
	if (r < 0) {
		log_error_errno(r, "Cannot connect to xenstore: %m");
		goto fail;
	}
	log_info("Watching %s", xenwatch_root(m->xw));
	*ret = m;
	return 0;
fail:
	manager_free(m);
	return r;
}

int manager_print_ruleset(struct manager *m)
{
	const struct resolve_out **of;
	struct resolve_out *res = NULL;
	struct vif *vifs;
	bool *skip;
	struct plan p;
	char *text = NULL;
	int r;

	m->rescan = true;
	r = refresh_dirty(m);
	if (r < 0)
		return log_error_errno(r, "Reading xenstore failed: %m");
	of = calloc(m->n_entries + 1, sizeof(*of));
	vifs = calloc(m->n_entries + 1, sizeof(*vifs));
	skip = calloc(m->n_entries + 1, sizeof(bool));
	if (!of || !vifs || !skip) {
		r = -ENOMEM;
		goto out;
	}
	r = decide_all(m, of, &res);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < m->n_entries; i++) {
		skip[i] = !m->entries[i]->valid;
		if (!skip[i])
			vifs[i] = of[i]->effective;
	}
	log_rejections(m);
	plan_begin(m, &p);
	r = ruleset_full(&m->pol, vifs, m->n_entries, skip, &p);
	if (r == 0) {
		text = ruleset_print(&p);
		if (!text)
			r = -ENOMEM;
	}
	plan_done(&p);
	if (text)
		fputs(text, stdout);
	free(text);
out:
	free(of);
	free(res);
	free(vifs);
	free(skip);
	return r;
}

static int on_exit_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;

	(void)s;
	log_notice("Received SIG%s; exiting, rules stay in force (fail-closed)",
		   sigabbrev_np((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	sd_event_exit(m->event, 0);
	return 0;
}

int manager_run(struct manager *m)
{
	int r, code = 1;

	/* SIGTERM, SIGINT and SIGHUP are blocked by main() before any thread
	 * exists; here they become signalfd sources */
	if (mkdir(m->runtime_dir, 0700) < 0 && errno != EEXIST)
		log_warning_errno(-errno, "Cannot create %s (no status for vifguardctl): %m",
				  m->runtime_dir);
	r = sd_event_default(&m->event);
	if (r < 0)
		return log_error_errno(r, "sd-event: %m"), 1;
	r = nfwriter_new(&m->nw);
	if (r < 0)
		return log_error_errno(r, "Cannot open the nf_tables netlink socket: %m"), 1;
	r = nfmon_new(m->pol.table, nfwriter_portid(m->nw), &m->mon);
	if (r < 0)
		return log_error_errno(r, "Cannot listen to nf_tables notifications: %m"), 1;
	if (m->pol.log_group >= 0) {
		/* attribution is a bonus: without it we still enforce */
		r = nflog_new((uint16_t)m->pol.log_group, &m->nflog);
		if (r < 0)
			log_warning_errno(r, "Cannot read dropped frames (nflog group %d): %m; "
					     "drops will not be attributed",
					  m->pol.log_group);
		else if ((r = sd_event_add_io(m->event, &m->nflog_source, nflog_fd(m->nflog),
					      EPOLLIN, on_nflog, m)) < 0)
			return log_error_errno(r, "sd-event: %m"), 1;
	}
	m->link_fd = bridge_monitor_open();
	if (m->link_fd < 0)
		log_warning_errno(m->link_fd, "Cannot watch network links (%m): a bridge made again "
					      "gets no_linklocal_learn only with the next change");
	else if ((r = sd_event_add_io(m->event, &m->link_source, m->link_fd, EPOLLIN, on_link,
				      m)) < 0)
		return log_error_errno(r, "sd-event: %m"), 1;
	if ((r = sd_event_add_io(m->event, &m->nfmon_source, nfmon_fd(m->mon), EPOLLIN, on_nfmon,
				 m)) < 0 ||
	    (r = xs_attach(m)) < 0 ||
	    (r = sd_event_add_post(m->event, &m->post_source, on_post, m)) < 0 ||
	    (r = sd_event_add_signal(m->event, NULL, SIGTERM, on_exit_signal, m)) < 0 ||
	    (r = sd_event_add_signal(m->event, NULL, SIGINT, on_exit_signal, m)) < 0 ||
	    (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m)) < 0)
		return log_error_errno(r, "Setting up the event loop failed: %m"), 1;
	/* post sources are one-shot per iteration: keep it on */
	sd_event_source_set_enabled(m->post_source, SD_EVENT_ON);
	sd_event_set_watchdog(m->event, true);

	/* Startup: one full scan and one full-sync transaction (vifs that went
	 * away while we were down lose their rules in the same transaction),
	 * and only then READY=1. */
	m->rescan = true;
	m->need_full_sync = true;
	r = reconcile(m);
	if (r < 0 || m->need_full_sync) {
		log_error_errno(r, "Initial sync failed: %m");
		goto out;
	}
	m->ready = true;
	status_now(m);
	sd_notify(0, "READY=1");
	log_notice("Ready: table bridge %s, %zu vif(s)", m->pol.table, m->n_entries);
	/* the rules were in force before READY=1; what they are goes to the
	 * journal now (a line per vif: 45 ms at 4,000 that units ordered after
	 * us need not wait for) */
	for (size_t i = 0; i < m->n_entries; i++)
		if (m->entries[i]->log_enforced_later) {
			m->entries[i]->log_enforced_later = false;
			if (m->entries[i]->applied_valid)
				log_applied(m->entries[i], true, false);
		}
	r = sd_event_loop(m->event);
	code = r < 0 ? 1 : r;
out:
	return code;
}
