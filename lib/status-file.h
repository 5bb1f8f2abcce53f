/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The status file vifguardd writes and vifguardctl reads
 * (<RuntimeDirectory>/status): both directions of one format, so the two
 * cannot drift apart.
 *
 *   vifguard-status 1
 *   daemon<TAB>pid=123<TAB>table=vifguard<TAB>ready=1<TAB>backend=/local/...<TAB>
 *         full_syncs=startup:1;xenstore reconnected:2<TAB>last_full_sync_us=1234<TAB>
 *         tamper_restores=0<TAB>refused_transactions=0
 *   vif<TAB>domid=3<TAB>devid=0<TAB>id=vif3.0<TAB>port=web01<TAB>...
 *
 * One "daemon" line, one "vif" line per known device, tab-separated
 * key=value fields in the order of enum status_field; a field may be
 * missing (mac and bridge of a device without a valid vif).  Values never
 * hold tabs or line breaks: the writer turns them into spaces.  Readers
 * skip unknown line kinds and keys, so fields can be added.
 * Pure: stdio streams only, no logging.
 */
#ifndef VIFGUARD_STATUS_FILE_H
#define VIFGUARD_STATUS_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum status_field {
	STATUS_DOMID,
	STATUS_DEVID,
	STATUS_ID, /* "vif<domid>.<devid>": also the name of its counter */
	STATUS_PORT,
	STATUS_EMU,
	STATUS_DOMAIN,
	STATUS_STATE, /* pending, enforced, rejected, failed */
	STATUS_MAC,
	STATUS_BRIDGE,
	STATUS_ALLOWED,	 /* space-separated */
	STATUS_WITHHELD, /* "ADDR conflict PORT/DOMAIN/DOMID; ADDR protected P" */
	STATUS_ERROR,
	STATUS_OWNED,  /* space-separated: addresses it claimed (not in allowed) */
	STATUS_SHARED, /* space-separated: prefixes it shares, claimed in (not in allowed) */
	_STATUS_FIELD_MAX,
};

const char *status_field_to_string(enum status_field f);

/* Full syncs of one reason (the daemon's fixed "why" strings). */
struct status_sync_count {
	char why[64];
	unsigned long long n;
};

#define STATUS_SYNC_REASONS_MAX 16

/* Counters start at 0 with each daemon; a file without them reads as 0. */
struct status_daemon {
	int pid;
	char table[64];
	bool ready;
	char backend[128];
	struct status_sync_count full_syncs[STATUS_SYNC_REASONS_MAX];
	size_t n_full_syncs;
	unsigned long long last_full_sync_usec;	 /* how long the last one took */
	unsigned long long tamper_restores;	 /* the table restored after an outside change */
	unsigned long long refused_transactions; /* the kernel refused a transaction */
};

/* Count one full sync of reason why (a reason past the last slot is counted
 * as "other"). */
void status_daemon_count_full_sync(struct status_daemon *d, const char *why);

/* The first two lines. */
void status_file_put_header(FILE *f, const struct status_daemon *d);
/* A vif line; v[k] NULL leaves field k out. */
void status_file_put_vif(FILE *f, const char *const v[_STATUS_FIELD_MAX]);

struct status_row {
	char *line; /* the fields point into it ("" when missing) */
	const char *v[_STATUS_FIELD_MAX];
};

struct status_file {
	bool seen_header; /* "vifguard-status 1" */
	struct status_daemon daemon;
	struct status_row *rows;
	size_t n_rows;
	size_t n_alloc;
};

/* Take one line (without its '\n'; the text is copied).  0, or -ENOMEM. */
int status_file_parse_line(struct status_file *sf, const char *line);
/* Read a whole file: 0, -errno of the stream, or -ENOMEM. */
int status_file_read(FILE *f, struct status_file *sf);
void status_file_done(struct status_file *sf);

#endif
