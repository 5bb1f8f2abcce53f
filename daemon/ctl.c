// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vifguardctl: what vifguardd enforces, for operators and monitoring.
 *
 * State comes from the status file the daemon rewrites after every change
 * (RuntimeDirectory, root only), drop counters straight from the kernel.
 * Exit status: 0 every vif enforced, 1 some vif rejected or failed, 2 the
 * daemon is not running or not enforcing, 3 usage error; the same for
 * every command, metrics too (its output is complete either way).
 */
#include <errno.h>
#include <getopt.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/object.h>

#include "metrics-text.h"
#include "nldump.h"
#include "status-file.h"
#include "strmap.h"

#define F_ID STATUS_ID
#define F_DOMID STATUS_DOMID
#define F_DEVID STATUS_DEVID
#define F_PORT STATUS_PORT
#define F_EMU STATUS_EMU
#define F_DOMAIN STATUS_DOMAIN
#define F_STATE STATUS_STATE
#define F_MAC STATUS_MAC
#define F_BRIDGE STATUS_BRIDGE
#define F_ALLOWED STATUS_ALLOWED
#define F_WITHHELD STATUS_WITHHELD
#define F_OWNED STATUS_OWNED
#define F_SHARED STATUS_SHARED
#define F_ERROR STATUS_ERROR

/* A vif line of the status file and its drop counter. */
struct row {
	const char *const *f; /* its fields, in the status file's rows */
	long long dropped;    /* -1: unknown */
};

struct status {
	int pid;
	char table[64];
	struct status_file file;
	struct row *rows;
	size_t n;
	struct strmap by_id; /* id -> row, for the counters */
};

static int status_load(const char *path, struct status *st)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f)
		return -errno;
	r = status_file_read(f, &st->file);
	fclose(f);
	if (r < 0)
		return r;
	st->pid = st->file.daemon.pid;
	snprintf(st->table, sizeof(st->table), "%s", st->file.daemon.table);
	st->n = st->file.n_rows;
	st->rows = calloc(st->n + 1, sizeof(*st->rows));
	if (!st->rows || strmap_reserve(&st->by_id, st->n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < st->n; i++) {
		int added;

		st->rows[i] = (struct row){.f = st->file.rows[i].v, .dropped = -1};
		*strmap_put(&st->by_id, st->rows[i].f[F_ID], &added) = &st->rows[i];
	}
	return 0;
}

static void status_done(struct status *st)
{
	free(st->rows);
	strmap_done(&st->by_id);
	status_file_done(&st->file);
}

struct counters {
	struct status *st;
	bool seen_table;
};

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct counters *c = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	const char *name;

	if (!o)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0 &&
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) == NFT_OBJECT_COUNTER) {
		void **row;

		name = nftnl_obj_get_str(o, NFTNL_OBJ_NAME);
		c->seen_table = true;
		row = name ? strmap_get(&c->st->by_id, name) : NULL;
		if (row)
			((struct row *)*row)->dropped =
			    (long long)nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

/* Read every counter of our table.  -ENOENT: the table does not exist. */
static int counters_load(struct status *st)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	struct counters c = {.st = st};
	struct nftnl_obj *o = nftnl_obj_alloc();
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL);
	int r;

	if (!o)
		return -ENOMEM;
	nlh =
	    nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_BRIDGE, NLM_F_DUMP | NLM_F_ACK, seq);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, st->table);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);

	r = nldump_run(NETLINK_NETFILTER, nlh, buf, sizeof(buf), obj_cb, &c);
	/* an empty dump of a table that exists still has our fail-closed counter */
	if (r == 0 && !c.seen_table)
		r = -ENOENT;
	return r;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

/* "a b c" -> ["a","b","c"]; "x; y" with sep ';' for withheld */
static void json_list(const char *s, char sep)
{
	char *buf = strdup(s);
	char *save = NULL, *tok;
	char seps[3] = {sep, 0, 0};
	bool first = true;

	if (!buf)
		abort();
	putchar('[');
	for (tok = strtok_r(buf, seps, &save); tok; tok = strtok_r(NULL, seps, &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		printf("%s", first ? "" : ",");
		json_str(tok);
		first = false;
	}
	putchar(']');
	free(buf);
}

static bool row_matches(const struct row *r, const char *sel)
{
	return !sel || strcmp(r->f[F_PORT], sel) == 0 || strcmp(r->f[F_EMU], sel) == 0 ||
	       strcmp(r->f[F_ID], sel) == 0 || strcmp(r->f[F_DOMAIN], sel) == 0 ||
	       strcmp(r->f[F_DOMID], sel) == 0;
}

static void print_json(const struct status *st, bool running, bool enforcing, const char *sel)
{
	bool first = true;

	printf("{\"daemon\":{\"running\":%s,\"enforcing\":%s,\"pid\":%d,\"table\":",
	       running ? "true" : "false", enforcing ? "true" : "false", st->pid);
	json_str(st->table);
	printf("},\"vifs\":[");
	for (size_t i = 0; i < st->n; i++) {
		const struct row *r = &st->rows[i];

		if (!row_matches(r, sel))
			continue;
		printf("%s{\"id\":", first ? "" : ",");
		first = false;
		json_str(r->f[F_ID]);
		printf(",\"domid\":%s,\"devid\":%s,\"domain\":", r->f[F_DOMID], r->f[F_DEVID]);
		json_str(r->f[F_DOMAIN]);
		printf(",\"ports\":[");
		json_str(r->f[F_PORT]);
		if (r->f[F_EMU][0]) {
			putchar(',');
			json_str(r->f[F_EMU]);
		}
		printf("],\"mac\":");
		json_str(r->f[F_MAC]);
		printf(",\"bridge\":");
		json_str(r->f[F_BRIDGE]);
		printf(",\"state\":");
		json_str(r->f[F_STATE]);
		printf(",\"allowed\":");
		json_list(r->f[F_ALLOWED], ' ');
		printf(",\"owned\":");
		json_list(r->f[F_OWNED], ' ');
		printf(",\"shared\":");
		json_list(r->f[F_SHARED], ' ');
		printf(",\"withheld\":");
		json_list(r->f[F_WITHHELD], ';');
		printf(",\"error\":");
		json_str(r->f[F_ERROR]);
		if (r->dropped >= 0)
			printf(",\"dropped\":%lld}", r->dropped);
		else
			printf(",\"dropped\":null}");
	}
	printf("]}\n");
}

static void print_text(const struct status *st, bool running, bool enforcing, const char *sel)
{
	size_t n_enf = 0, n_bad = 0;

	for (size_t i = 0; i < st->n; i++) {
		n_enf += strcmp(st->rows[i].f[F_STATE], "enforced") == 0;
		n_bad += strcmp(st->rows[i].f[F_STATE], "rejected") == 0 ||
			 strcmp(st->rows[i].f[F_STATE], "failed") == 0;
	}
	if (!sel)
		printf("vifguardd: %s (pid %d), table bridge %s%s; %zu vif(s): %zu enforced, %zu "
		       "rejected\n\n",
		       running ? "running" : "NOT RUNNING", st->pid, st->table,
		       enforcing ? "" : " (MISSING: not enforcing)", st->n, n_enf, n_bad);
	printf("%-10s %-16s %5s %5s %-22s %-17s %-9s %8s  %s\n", "VIF", "DOMAIN", "DOMID", "DEVID",
	       "PORTS", "MAC", "STATE", "DROPPED", "ALLOWED");
	for (size_t i = 0; i < st->n; i++) {
		const struct row *r = &st->rows[i];
		char ports[160], dropped[32];

		if (!row_matches(r, sel))
			continue;
		snprintf(ports, sizeof(ports), "%s%s%s", r->f[F_PORT], r->f[F_EMU][0] ? "," : "",
			 r->f[F_EMU]);
		if (r->dropped >= 0)
			snprintf(dropped, sizeof(dropped), "%lld", r->dropped);
		else
			snprintf(dropped, sizeof(dropped), "-");
		printf("%-10s %-16s %5s %5s %-22s %-17s %-9s %8s  %s\n", r->f[F_ID],
		       r->f[F_DOMAIN][0] ? r->f[F_DOMAIN] : "-", r->f[F_DOMID], r->f[F_DEVID],
		       ports, r->f[F_MAC][0] ? r->f[F_MAC] : "-", r->f[F_STATE], dropped,
		       r->f[F_ALLOWED][0] ? r->f[F_ALLOWED] : "-");
		if (r->f[F_SHARED][0])
			printf("%10s shared: %s\n", "", r->f[F_SHARED]);
		if (r->f[F_OWNED][0])
			printf("%10s owned: %s\n", "", r->f[F_OWNED]);
		if (r->f[F_WITHHELD][0])
			printf("%10s withheld: %s\n", "", r->f[F_WITHHELD]);
		if (r->f[F_ERROR][0])
			printf("%10s error: %s\n", "", r->f[F_ERROR]);
	}
}

/* ---- metrics: the Prometheus text format ---- */

static const char *const vif_states[] = {"pending", "enforced", "rejected", "failed"};

/* The items of a status field separated by sep ("ADDR ADDR", or "ADDR
 * conflict P/D/ID; ADDR protected P"): the segments that are not blank. */
static size_t count_items(const char *s, char sep)
{
	size_t n = 0;
	bool blank = true;

	for (;; s++) {
		if (!*s || *s == sep) {
			n += !blank;
			blank = true;
			if (!*s)
				return n;
		} else if (*s != ' ') {
			blank = false;
		}
	}
}

static void put_vif_labels(FILE *f, const struct row *r)
{
	fputs("{vif=", f);
	metrics_text_put_label_value(f, r->f[F_ID]);
	fputs(",port=", f);
	metrics_text_put_label_value(f, r->f[F_PORT]);
	fputs(",domain=", f);
	metrics_text_put_label_value(f, r->f[F_DOMAIN]);
	fputs(",domid=", f);
	metrics_text_put_label_value(f, r->f[F_DOMID]);
}

/* One per-vif family: value(r) for every selected vif. */
static void put_vif_family(FILE *f, const struct status *st, const char *sel, const char *name,
			   const char *type, const char *help,
			   long long (*value)(const struct row *r))
{
	metrics_text_put_family(f, name, type, help);
	for (size_t i = 0; i < st->n; i++) {
		const struct row *r = &st->rows[i];

		if (!row_matches(r, sel) || value(r) < 0)
			continue;
		fputs(name, f);
		put_vif_labels(f, r);
		fprintf(f, "} %lld\n", value(r));
	}
}

static long long row_dropped(const struct row *r)
{
	return r->dropped; /* -1 (not in the kernel): left out */
}

static long long row_allowed(const struct row *r)
{
	return (long long)count_items(r->f[F_ALLOWED], ' ');
}

static long long row_owned(const struct row *r)
{
	return (long long)count_items(r->f[F_OWNED], ' ');
}

static long long row_withheld(const struct row *r)
{
	return (long long)count_items(r->f[F_WITHHELD], ';');
}

static void print_metrics(FILE *f, const struct status *st, bool running, bool enforcing,
			  const char *sel)
{
	const struct status_daemon *d = &st->file.daemon;

	metrics_text_put_family(f, "vifguard_running", "gauge",
				"Whether vifguardd is running (1) or not (0).");
	fprintf(f, "vifguard_running %d\n", running);
	metrics_text_put_family(f, "vifguard_enforcing", "gauge",
				"Whether vifguard's nf_tables table is in the kernel (1) or not "
				"(0: guests are not filtered).");
	fprintf(f, "vifguard_enforcing %d\n", enforcing);
	metrics_text_put_family(f, "vifguard_ready", "gauge",
				"Whether vifguardd finished its startup sync (READY=1).");
	fprintf(f, "vifguard_ready %d\n", d->ready);
	metrics_text_put_family(f, "vifguard_info", "gauge",
				"The daemon's table and the xenstore directory it watches.");
	fputs("vifguard_info{table=", f);
	metrics_text_put_label_value(f, st->table);
	fputs(",backend=", f);
	metrics_text_put_label_value(f, d->backend);
	fputs("} 1\n", f);

	metrics_text_put_family(f, "vifguard_vifs", "gauge", "Vifs known to vifguardd, by state.");
	for (size_t k = 0; k < sizeof(vif_states) / sizeof(vif_states[0]); k++) {
		size_t n = 0;

		for (size_t i = 0; i < st->n; i++)
			n += strcmp(st->rows[i].f[F_STATE], vif_states[k]) == 0;
		fprintf(f, "vifguard_vifs{state=\"%s\"} %zu\n", vif_states[k], n);
	}
	metrics_text_put_family(f, "vifguard_full_syncs_total", "counter",
				"Full syncs (the whole table replaced) since the daemon started, "
				"by reason.");
	for (size_t i = 0; i < d->n_full_syncs; i++) {
		fputs("vifguard_full_syncs_total{reason=", f);
		metrics_text_put_label_value(f, d->full_syncs[i].why);
		fprintf(f, "} %llu\n", d->full_syncs[i].n);
	}
	metrics_text_put_family(f, "vifguard_tamper_restores_total", "counter",
				"Times the table was restored after someone else changed it.");
	fprintf(f, "vifguard_tamper_restores_total %llu\n", d->tamper_restores);
	metrics_text_put_family(f, "vifguard_refused_transactions_total", "counter",
				"nf_tables transactions the kernel refused.");
	fprintf(f, "vifguard_refused_transactions_total %llu\n", d->refused_transactions);
	metrics_text_put_family(f, "vifguard_last_full_sync_duration_seconds", "gauge",
				"How long the last full sync took.");
	fprintf(f, "vifguard_last_full_sync_duration_seconds %.6f\n",
		(double)d->last_full_sync_usec / 1e6);

	put_vif_family(f, st, sel, "vifguard_vif_dropped_frames_total", "counter",
		       "Frames from the vif dropped as spoofed (its nf_tables counter).",
		       row_dropped);
	metrics_text_put_family(f, "vifguard_vif_state", "gauge",
				"The vif's state: 1 for the one it is in.");
	for (size_t i = 0; i < st->n; i++) {
		const struct row *r = &st->rows[i];

		if (!row_matches(r, sel))
			continue;
		for (size_t k = 0; k < sizeof(vif_states) / sizeof(vif_states[0]); k++) {
			fputs("vifguard_vif_state", f);
			put_vif_labels(f, r);
			fprintf(f, ",state=\"%s\"} %d\n", vif_states[k],
				strcmp(r->f[F_STATE], vif_states[k]) == 0);
		}
	}
	put_vif_family(f, st, sel, "vifguard_vif_allowed_addresses", "gauge",
		       "Addresses the vif may send from.", row_allowed);
	put_vif_family(f, st, sel, "vifguard_vif_owned_addresses", "gauge",
		       "Link-local addresses the vif configured itself and owns (first come, "
		       "first served), not counted in allowed.",
		       row_owned);
	put_vif_family(f, st, sel, "vifguard_vif_withheld_addresses", "gauge",
		       "Addresses xenstore gives the vif that vifguard withholds (a conflict "
		       "or a protected address).",
		       row_withheld);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: vifguardctl [--json] [--runtime-dir DIR] status\n"
		   "       vifguardctl [--json] [--runtime-dir DIR] show VIF|DOMAIN\n"
		   "       vifguardctl [--runtime-dir DIR] metrics [VIF|DOMAIN]\n"
		   "Exit status: 0 all enforced, 1 a vif is rejected or failed, 2 vifguardd is "
		   "not running or not enforcing, 3 usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"runtime-dir", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	const char *dir = "/run/vifguard", *sel = NULL;
	struct status st = {.pid = 0, .by_id = STRMAP_INIT};
	bool json = false, metrics, running, enforcing;
	char path[4096];
	int c, r, code = 0;

	while ((c = getopt_long(argc, argv, "jd:h", options, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 3;
		}
	}
	if (optind >= argc || (strcmp(argv[optind], "status") == 0 && argc - optind != 1) ||
	    (strcmp(argv[optind], "show") == 0 && argc - optind != 2) ||
	    (strcmp(argv[optind], "metrics") == 0 && argc - optind > 2) ||
	    (strcmp(argv[optind], "status") != 0 && strcmp(argv[optind], "show") != 0 &&
	     strcmp(argv[optind], "metrics") != 0)) {
		usage(stderr);
		return 3;
	}
	metrics = strcmp(argv[optind], "metrics") == 0;
	if (argc - optind == 2)
		sel = argv[optind + 1];

	snprintf(path, sizeof(path), "%s/status", dir);
	r = status_load(path, &st);
	if (r < 0) {
		fprintf(stderr, "vifguardctl: %s: %s: vifguardd is not running (or never ran)\n",
			path, strerror(-r));
		/* a scrape still says so: what an alert on vifguard_enforcing needs */
		if (metrics) {
			status_done(&st);
			st = (struct status){.by_id = STRMAP_INIT};
			print_metrics(stdout, &st, false, false, NULL);
		}
		status_done(&st);
		return 2;
	}
	running = st.pid > 0 && (kill(st.pid, 0) == 0 || errno == EPERM);
	r = counters_load(&st);
	enforcing = r == 0;
	if (r < 0 && r != -ENOENT)
		fprintf(stderr, "vifguardctl: reading counters: %s\n", strerror(-r));

	if (metrics)
		print_metrics(stdout, &st, running, enforcing, sel);
	else if (json)
		print_json(&st, running, enforcing, sel);
	else
		print_text(&st, running, enforcing, sel);

	if (!running || !enforcing) {
		code = 2;
	} else {
		bool found = !sel;

		for (size_t i = 0; i < st.n; i++) {
			if (!row_matches(&st.rows[i], sel))
				continue;
			found = true;
			if (strcmp(st.rows[i].f[F_STATE], "rejected") == 0 ||
			    strcmp(st.rows[i].f[F_STATE], "failed") == 0)
				code = 1;
		}
		if (!found) {
			fprintf(stderr, "vifguardctl: no vif or domain '%s'\n", sel);
			code = 3;
		}
	}
	status_done(&st);
	return code;
}
