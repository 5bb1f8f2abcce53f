// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "policy.h"
#include "report.h"
#include "status-file.h"
#include "status.h"

#define STATUS_DELAY_USEC (50 * 1000)
#define STATUS_MAX_DELAY_USEC (1000 * 1000)

struct status {
	sd_event *ev;
	sd_event_source *timer;
	struct vif_table *t;
	char path[PATH_MAX];
	struct status_daemon daemon;
	uint64_t pending_usec; /* the first change not in the file yet */
	char buf[64 * 1024];   /* the file's stdio buffer */
};

int status_new(sd_event *ev, const char *runtime_dir, const char *table, struct vif_table *t,
	       struct status **ret)
{
	struct status *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->ev = ev;
	s->t = t;
	snprintf(s->path, sizeof(s->path), "%s/status", runtime_dir);
	s->daemon.pid = (int)getpid();
	snprintf(s->daemon.table, sizeof(s->daemon.table), "%s", table);
	*ret = s;
	return 0;
}

struct status *status_free(struct status *s)
{
	if (!s)
		return NULL;
	sd_event_source_disable_unref(s->timer);
	free(s);
	return NULL;
}

void status_set_daemon(struct status *s, bool ready, const char *backend)
{
	s->daemon.ready = ready;
	snprintf(s->daemon.backend, sizeof(s->daemon.backend), "%s",
		 backend ? backend : "(xenstore unreachable)");
}

void status_count_full_sync(struct status *s, const char *why, uint64_t duration_usec)
{
	status_daemon_count_full_sync(&s->daemon, why);
	s->daemon.last_full_sync_usec = duration_usec;
}

void status_count_tamper_restore(struct status *s)
{
	s->daemon.tamper_restores++;
}

void status_set_refused_transactions(struct status *s, unsigned long long n)
{
	s->daemon.refused_transactions = n;
}

static bool owns(const struct vif_entry *e, const struct vif_addr *a)
{
	for (size_t i = 0; i < e->own.n; i++)
		if (memcmp(&e->own.addrs[i], a, sizeof(*a)) == 0)
			return true;
	return false;
}

/* One vif's line. */
static void put_line(FILE *f, const struct vif_entry *e)
{
	const struct vif *v = vif_entry_rules(e) ?: vif_entry_wanted(e);
	char addrs[VIF_ADDRS_MAX * VIF_ADDR_STRLEN], owned[POLICY_OWNED_MAX * VIF_ADDR_STRLEN];
	char shared[VIF_CLAIMS_MAX * VIF_ADDR_STRLEN];
	char id[32], domid[12], devid[12], mac[18];
	const char *val[_STATUS_FIELD_MAX] = {0};
	enum vif_state st = vif_entry_state(e);

	snprintf(domid, sizeof(domid), "%u", e->domid);
	snprintf(devid, sizeof(devid), "%u", e->devid);
	snprintf(id, sizeof(id), "vif%u.%u", e->domid, e->devid);
	val[STATUS_DOMID] = domid;
	val[STATUS_DEVID] = devid;
	val[STATUS_ID] = id;
	val[STATUS_PORT] = v ? v->name : id;
	val[STATUS_EMU] = v ? v->emu_name : "";
	val[STATUS_DOMAIN] = e->xs.domain_name;
	val[STATUS_STATE] = vif_state_to_string(st);
	if (v) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
			 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
		val[STATUS_MAC] = mac;
		val[STATUS_BRIDGE] = v->bridge;
	}
	if (vif_entry_rules(e)) {
		/* decide.c appends the owned addresses to the granted ones */
		const struct vif *r = vif_entry_rules(e);
		size_t n = r->n_addrs;

		while (n > 0 && owns(e, &r->addrs[n - 1]))
			n--;
		report_addrs(r->addrs, n, addrs, sizeof(addrs));
		report_addrs(&r->addrs[n], r->n_addrs - n, owned, sizeof(owned));
		if (n == r->n_addrs)
			owned[0] = 0;
		report_addrs(r->claims, r->n_claims, shared, sizeof(shared));
		if (r->n_claims == 0)
			shared[0] = 0;
	}
	val[STATUS_ALLOWED] = vif_entry_rules(e) ? addrs : "";
	val[STATUS_OWNED] = vif_entry_rules(e) ? owned : "";
	val[STATUS_SHARED] = vif_entry_rules(e) ? shared : "";
	val[STATUS_WITHHELD] = e->verdict.withheld_desc ? e->verdict.withheld_desc : "";
	val[STATUS_ERROR] = vif_entry_error(e);
	status_file_put_vif(f, val);
}

/* Make e's line again if anything in it may have changed. */
static void line_refresh(struct vif_entry *e)
{
	char *shrunk;
	size_t len;
	FILE *f;

	if (e->status.line && !e->status.stale)
		return;
	free(e->status.line);
	e->status.line = NULL;
	f = open_memstream(&e->status.line, &len);
	if (!f)
		return;
	put_line(f, e);
	if (fclose(f) != 0) {
		free(e->status.line);
		e->status.line = NULL;
		return;
	}
	/* a memory stream leaves room to grow: thousands of lines would keep
	 * a megabyte */
	shrunk = realloc(e->status.line, len + 1);
	if (shrunk)
		e->status.line = shrunk;
	e->status.stale = false;
}

/* Written to a temporary file and renamed, so a reader never sees half
 * of it. */
void status_flush(struct status *s)
{
	char tmp[PATH_MAX + 8];
	size_t enforced = 0, rejected = 0;
	FILE *f;

	s->pending_usec = 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	f = fopen(tmp, "we");
	if (f) {
		setvbuf(f, s->buf, _IOFBF, sizeof(s->buf));
		status_file_put_header(f, &s->daemon);
	} else {
		log_debug("Cannot write %s: %m", tmp);
	}
	for (size_t i = 0; i < s->t->n; i++) {
		struct vif_entry *e = s->t->entries[i];
		enum vif_state st = vif_entry_state(e);

		if (!e->xs.present)
			continue;
		enforced += st == VIF_STATE_ENFORCED;
		rejected += st == VIF_STATE_REJECTED || st == VIF_STATE_FAILED;
		if (!f)
			continue;
		line_refresh(e);
		if (e->status.line)
			fputs(e->status.line, f);
		else
			put_line(f, e); /* out of memory: not kept */
	}
	if (f && (fclose(f) != 0 || rename(tmp, s->path) < 0)) {
		log_debug("Cannot write %s: %m", s->path);
		unlink(tmp);
	}
	sd_notifyf(0, "STATUS=Enforcing %zu vif(s), %zu rejected (fail-closed)", enforced,
		   rejected);
}

static int status_on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	(void)src;
	(void)usec;
	status_flush(userdata);
	return 0;
}

void status_changed(struct status *s)
{
	uint64_t now, due;

	for (size_t i = 0; i < s->t->n_list[VIF_LIST_CHANGED]; i++)
		s->t->lists[VIF_LIST_CHANGED][i]->status.stale = true;
	if (!s->ev || sd_event_now(s->ev, CLOCK_MONOTONIC, &now) < 0)
		goto now;
	if (!s->pending_usec)
		s->pending_usec = now;
	due = now + STATUS_DELAY_USEC;
	if (due > s->pending_usec + STATUS_MAX_DELAY_USEC)
		due = s->pending_usec + STATUS_MAX_DELAY_USEC;
	if (s->timer) {
		if (sd_event_source_set_time(s->timer, due) >= 0 &&
		    sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT) >= 0)
			return;
	} else if (sd_event_add_time(s->ev, &s->timer, CLOCK_MONOTONIC, due,
				     1000 /* us; 0 would let sd-event add 250 ms */,
				     status_on_timer, s) >= 0) {
		return;
	}
now:
	status_flush(s);
}
