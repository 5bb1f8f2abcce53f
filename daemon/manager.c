// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The manager: the event loop, signals, startup and READY=1, and the
 * reconcile pipeline.  It registers; the modules implement:
 *
 *   xs-sync.c      xenstore -> the xs part of each entry (what it says)
 *   decide.c       names and addresses -> the verdict part
 *   enforce.c      the verdict -> one nf_tables transaction -> the kernel part
 *   report.c       the journal;  status.c  the status file and STATUS=
 *   attribution.c  dropped frames -> the journal;  host.c  the host's links
 *   ownership.c    claims of link-local addresses (from attribution.c) ->
 *                  the addresses each vif owns, which decide.c adds
 *
 * Reconcile state, not events: a watch event only marks a device dirty;
 * once per event-loop iteration (a post source) what is dirty is read,
 * decided and written as one transaction.  A full sync (startup, xenstore
 * reconnected, the table tampered with or gone, a reload) replaces the
 * whole table in one transaction; modules only ask for one, and
 * full_sync() here is the one place that runs it.
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "attribution.h"
#include "config.h"
#include "decide.h"
#include "enforce.h"
#include "host.h"
#include "log.h"
#include "manager.h"
#include "nfmon.h"
#include "nfwriter.h"
#include "ownership.h"
#include "report.h"
#include "set-catalog.h"
#include "set-key.h"
#include "setdump.h"
#include "status.h"
#include "vif-table.h"
#include "xs-sync.h"

struct manager {
	sd_event *event;
	sd_event_source *post_source;
	sd_event_source *nfmon_source;
	sd_event_source *resync_timer;
	sd_event_source *trim_source;
	struct policy pol; /* modules keep a pointer: replaced in place on reload */
	const char *config_path;
	char runtime_dir[256];

	struct vif_table table;
	struct xs_sync *xs;
	struct host *host;
	struct decide *decide;
	struct nfwriter *nw;
	struct nfmon *mon;
	struct enforce *enforce;
	struct status *status;
	struct attribution *attribution;
	struct ownership *own;

	bool ready; /* READY=1 sent */
	bool host_changed;
	const char *full_sync_why; /* a full sync is wanted, and why */
	bool synced;		   /* a full sync succeeded */
	unsigned int resync_delay_ms;
	const char *resync_why;
};

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Where a full sync's time went (monotonic us; 0: not reached). */
struct sync_clock {
	uint64_t start, listed, read, decided, committed;
};

/* ---- the full sync ---- */

static int reconcile(struct manager *m);

static int on_resync_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct manager *m = userdata;

	(void)s;
	(void)usec;
	m->full_sync_why = m->resync_why;
	reconcile(m);
	return 0;
}

/* A full sync that failed, or that may have missed someone else's change,
 * is done again: after 100 ms, doubling up to 5 s. */
static void resync_later(struct manager *m, const char *why)
{
	int r;

	m->resync_why = why;
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
 * whole heap, so it waits until the loop has nothing else to do. */
static void trim_later(struct manager *m)
{
	if (!m->trim_source && sd_event_add_defer(m->event, &m->trim_source, on_trim, m) >= 0)
		sd_event_source_set_priority(m->trim_source, SD_EVENT_PRIORITY_IDLE);
	if (!m->trim_source || sd_event_source_set_enabled(m->trim_source, SD_EVENT_ONESHOT) < 0)
		malloc_trim(0);
}

static void log_full_sync(struct manager *m, const char *why, const struct sync_clock *c)
{
	const uint64_t end = mono_us();
	const uint64_t listed = c->listed ? c->listed : c->start;
	char listing[48] = "";

	if (c->listed)
		snprintf(listing, sizeof(listing), "listing %.1f ms, ",
			 (double)(listed - c->start) / 1000.0);
	log_event(LOG_NOTICE, MSGID_RESYNC,
		  "Full sync (%s): table %s replaced, %zu vif(s) in %.1f ms (xenstore: %s"
		  "reads %.1f ms; deciding %.1f ms; building and kernel commit %.1f ms; "
		  "recording %.1f ms)",
		  why, m->pol.table, m->table.n, (double)(end - c->start) / 1000.0, listing,
		  (double)(c->read - listed) / 1000.0, (double)(c->decided - c->read) / 1000.0,
		  (double)(c->committed - c->decided) / 1000.0,
		  (double)(end - c->committed) / 1000.0);
}

/* Decide every vif and replace the whole table. */
static int full_sync(struct manager *m, const char *why, struct sync_clock *c)
{
	struct enforce_full_result res = {0};
	struct decision d = {0};
	int r;

	r = decide_all(m->decide, &m->table, &d);
	c->decided = mono_us();
	if (r == 0)
		r = enforce_full(m->enforce, &d, !m->ready, &res);
	decision_done(&d);
	c->committed = res.committed_usec ? res.committed_usec : mono_us();
	if (r < 0) {
		log_error_errno(r, "Full sync failed (%s): %m; trying again", why);
		resync_later(m, why);
	} else {
		m->synced = true;
		log_full_sync(m, why, c);
		status_count_full_sync(m->status, why, mono_us() - c->start);
		if (res.again)
			resync_later(m, res.again);
		else
			m->resync_delay_ms = 0;
	}
	trim_later(m);
	return r;
}

/* ---- the pipeline ---- */

/* After the kernel: bridges, journal, status; then entries gone from both
 * xenstore and the kernel leave the table. */
static void finish(struct manager *m)
{
	struct vif_table *t = &m->table;
	const char *bridges[64];

	host_ensure_bridges(m->host, bridges, decide_bridges(m->decide, bridges, 64));
	report_changes(t);
	status_set_daemon(m->status, m->ready, xs_sync_root(m->xs));
	status_set_refused_transactions(m->status, enforce_refused_transactions(m->enforce));
	status_changed(m->status);
	/* backwards: vif_table_drop() moves the list's last entry into i */
	for (size_t i = t->n_list[VIF_LIST_CHANGED]; i-- > 0;) {
		struct vif_entry *e = t->lists[VIF_LIST_CHANGED][i];

		if (!e->xs.present && !e->kernel.has_rules) {
			decide_forget(m->decide, t, e);
			vif_table_drop(t, e);
		}
	}
	vif_table_list_clear(t, VIF_LIST_CHANGED);
}

static int reconcile(struct manager *m)
{
	struct sync_clock clock = {.start = mono_us()};
	struct xs_sync_clock xc = {0};
	const char *why = NULL;
	struct decision d = {0};
	int r = 0;

	/* 1. read what changed in xenstore */
	if (xs_sync_root(m->xs) && xs_sync_pending(m->xs))
		r = xs_sync_refresh(m->xs, &xc);
	clock.listed = xc.listed;
	clock.read = mono_us();
	if (r < 0 && !m->full_sync_why)
		return 0; /* xenstore is gone: the rules stay, xs-sync reconnects */
	m->host_changed = false;
	if (xs_sync_take_full_sync(m->xs, &why) || (why = m->full_sync_why)) {
		m->full_sync_why = NULL;
		r = full_sync(m, why, &clock);
	} else {
		/* 2. decide what changed, 3. write it */
		r = decide_changes(m->decide, &m->table, &d);
		if (r == 0)
			r = enforce_changes(m->enforce, &d, &why);
		decision_done(&d);
		if (r == 1)
			r = full_sync(m, why, &clock);
	}
	/* 4. tell */
	finish(m);
	return r;
}

static int on_post(sd_event_source *s, void *userdata)
{
	struct manager *m = userdata;
	int r;

	(void)s;
	m->host_changed = m->host_changed || host_take_changed(m->host);
	/* a granted claim put its vif on the changed list */
	if (!ownership_take_changed(m->own) && !xs_sync_pending(m->xs) && !m->full_sync_why &&
	    !m->host_changed)
		return 0;
	r = reconcile(m);
	if (r < 0)
		log_error_errno(r, "Reconcile failed: %m");
	return 0;
}

/* ---- signals and the kernel ---- */

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
	m->full_sync_why = "restored after an outside change";
	if (reconcile(m) == 0) {
		status_count_tamper_restore(m->status);
		log_event(LOG_WARNING, MSGID_TAMPER, "Table bridge %s restored", m->pol.table);
	}
	return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	struct manager *m = userdata;
	struct config_errors errs = {0};
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
		log_error(
		    "Not reloading: the table name cannot change at runtime (restart instead)");
		return 0;
	}
	m->pol = pol;
	xs_sync_reread_all(m->xs); /* limits may have changed */
	m->full_sync_why = "configuration reloaded";
	log_notice("Configuration reloaded from %s", m->config_path);
	reconcile(m);
	return 0;
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

/* ---- lifecycle ---- */

struct manager *manager_free(struct manager *m)
{
	if (!m)
		return NULL;
	sd_event_source_disable_unref(m->post_source);
	sd_event_source_disable_unref(m->nfmon_source);
	sd_event_source_disable_unref(m->resync_timer);
	sd_event_source_disable_unref(m->trim_source);
	attribution_free(m->attribution);
	status_free(m->status);
	enforce_free(m->enforce);
	decide_free(m->decide);
	ownership_free(m->own);
	xs_sync_free(m->xs);
	host_free(m->host);
	nfmon_free(m->mon);
	nfwriter_free(m->nw);
	vif_table_done(&m->table);
	sd_event_unref(m->event);
	free(m);
	return NULL;
}

int manager_new(const struct manager_options *opts, const struct policy *pol, struct manager **ret)
{
	struct manager *m = calloc(1, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	m->pol = *pol;
	m->config_path = opts->config_path;
	/* systemd's RuntimeDirectory=vifguard sets RUNTIME_DIRECTORY */
	snprintf(m->runtime_dir, sizeof(m->runtime_dir), "%s",
		 getenv("RUNTIME_DIRECTORY") ? getenv("RUNTIME_DIRECTORY") : "/run/vifguard");
	r = xs_sync_new(NULL, &m->pol, &m->table, &m->xs);
	if (r < 0) {
		log_error_errno(r, "Cannot connect to xenstore: %m");
		manager_free(m);
		return r;
	}
	log_info("Watching %s", xs_sync_root(m->xs));
	*ret = m;
	return 0;
}

/* The modules that work without the event loop (--print-ruleset too). */
static int modules_new(struct manager *m, sd_event *ev)
{
	const char *check, *size_min;
	int r;

	r = host_new(ev, &m->host);
	if (r == 0)
		r = decide_new(&m->pol, m->host, &m->decide);
	if (r == 0)
		r = ownership_new(&m->pol, &m->table, &m->own);
	if (r == 0)
		decide_set_ownership(m->decide, m->own);
	if (r == 0)
		r = enforce_new(ev, m->nw, m->mon, &m->pol, &m->table, &m->enforce);
	if (r < 0)
		return r;
	check = getenv("VIFGUARD_CHECK_INCREMENTAL");
	decide_set_cross_check(m->decide, check && strcmp(check, "1") == 0);
	size_min = getenv("VIFGUARD_TEST_SET_SIZE_MIN");
	if (size_min)
		enforce_set_size_min(m->enforce, (uint32_t)strtoul(size_min, NULL, 10));
	return 0;
}

int manager_print_ruleset(struct manager *m)
{
	struct xs_sync_clock xc;
	struct decision d = {0};
	char *text = NULL;
	int r;

	r = modules_new(m, NULL);
	if (r < 0)
		return log_error_errno(r, "Setting up failed: %m");
	r = xs_sync_refresh(m->xs, &xc);
	if (r < 0)
		return log_error_errno(r, "Reading xenstore failed: %m");
	r = decide_all(m->decide, &m->table, &d);
	if (r == 0) {
		report_changes(&m->table);
		r = enforce_print(m->enforce, &d, &text);
	}
	decision_done(&d);
	if (text)
		fputs(text, stdout);
	free(text);
	return r;
}

static int recover_one(const uint8_t *key, uint32_t len, void *data)
{
	struct manager *m = data;
	struct vif_addr a;
	char port[IFNAMSIZ];
	uint8_t mac[6];

	if (set_key_v6(key, len, port, mac, &a) < 0 && set_key_v4(key, len, port, mac, &a) < 0)
		return 0; /* not ours to judge: the full sync replaces it */
	return ownership_recover(m->own, port, &a);
}

/* Restart: the addresses the previous run let guests own are exact
 * elements of its table's v4 and v6 sets, still in force (the table
 * outlives us, even a SIGKILL).  Read them before the first full sync,
 * which keeps those still owned by right in the same transaction
 * (ownership.h). */
static void recover_owned(struct manager *m)
{
	static const enum set_kind kinds[] = {SET_KIND_V4, SET_KIND_V6};
	char set[32];
	int r = -EINTR;

	for (int i = 0; i < 3 && r == -EINTR; i++) {
		ownership_recover_done(m->own); /* a dump cut short: from scratch */
		r = 0;
		for (size_t k = 0; k < 2 && (r == 0 || r == -ENOENT); k++) {
			set_catalog_name(kinds[k], 0, set, sizeof(set));
			r = setdump_elems(m->pol.table, set, recover_one, m);
		}
	}
	if (r < 0 && r != -ENOENT)
		log_warning_errno(r,
				  "Cannot read the addresses guests owned before this start: %m; "
				  "they are claimed again from the guests' next frames");
}

int manager_run(struct manager *m)
{
	int r;

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
	if ((r = modules_new(m, m->event)) < 0 ||
	    (r = status_new(m->event, m->runtime_dir, m->pol.table, &m->table, &m->status)) < 0 ||
	    (r = attribution_new(m->event, &m->pol, m->decide, &m->table, m->own,
				 &m->attribution)) < 0 ||
	    (r = xs_sync_attach(m->xs, m->event)) < 0 ||
	    (r = sd_event_add_io(m->event, &m->nfmon_source, nfmon_fd(m->mon), EPOLLIN, on_nfmon,
				 m)) < 0 ||
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
	m->full_sync_why = "startup";
	recover_owned(m);
	r = reconcile(m);
	ownership_recover_done(m->own);
	if (r < 0 || !m->synced) {
		log_error_errno(r, "Initial sync failed: %m");
		return 1;
	}
	m->ready = true;
	status_set_daemon(m->status, true, xs_sync_root(m->xs));
	status_flush(m->status);
	sd_notify(0, "READY=1");
	log_notice("Ready: table bridge %s, %zu vif(s)", m->pol.table, m->table.n);
	/* the rules were in force before READY=1; what they are goes to the
	 * journal now (a line per vif that units ordered after us need not
	 * wait for) */
	enforce_report_quiet(m->enforce);
	r = sd_event_loop(m->event);
	return r < 0 ? 1 : r;
}
