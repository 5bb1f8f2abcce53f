// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "status-file.h"

static const char *const field_names[_STATUS_FIELD_MAX] = {
    [STATUS_DOMID] = "domid",	  [STATUS_DEVID] = "devid",	  [STATUS_ID] = "id",
    [STATUS_PORT] = "port",	  [STATUS_EMU] = "emu",		  [STATUS_DOMAIN] = "domain",
    [STATUS_STATE] = "state",	  [STATUS_MAC] = "mac",		  [STATUS_BRIDGE] = "bridge",
    [STATUS_ALLOWED] = "allowed", [STATUS_WITHHELD] = "withheld", [STATUS_ERROR] = "error",
    [STATUS_OWNED] = "owned",	  [STATUS_SHARED] = "shared",
};

const char *status_field_to_string(enum status_field f)
{
	return f >= 0 && f < _STATUS_FIELD_MAX ? field_names[f] : NULL;
}

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

void status_daemon_count_full_sync(struct status_daemon *d, const char *why)
{
	size_t i;

	for (i = 0; i < d->n_full_syncs; i++)
		if (strcmp(d->full_syncs[i].why, why) == 0)
			break;
	if (i == d->n_full_syncs) {
		/* the last slot takes every reason that did not fit */
		if (i == STATUS_SYNC_REASONS_MAX - 1)
			why = "other";
		if (i == STATUS_SYNC_REASONS_MAX) {
			i--;
		} else {
			snprintf(d->full_syncs[i].why, sizeof(d->full_syncs[i].why), "%s", why);
			d->n_full_syncs++;
		}
	}
	d->full_syncs[i].n++;
}

/* "why:n;why:n": ';' and ':' in a reason become ',' (the daemon's have none) */
static void put_full_syncs(FILE *f, const struct status_daemon *d)
{
	fputs("\tfull_syncs=", f);
	for (size_t i = 0; i < d->n_full_syncs; i++) {
		fputs(i ? ";" : "", f);
		for (const char *c = d->full_syncs[i].why; *c; c++)
			fputc(strchr(";:\t\n\r", *c) ? ',' : *c, f);
		fprintf(f, ":%llu", d->full_syncs[i].n);
	}
}

static void parse_full_syncs(struct status_daemon *d, const char *value)
{
	char *copy = strdup(value), *save = NULL, *tok;

	d->n_full_syncs = 0;
	if (!copy)
		return;
	for (tok = strtok_r(copy, ";", &save); tok && d->n_full_syncs < STATUS_SYNC_REASONS_MAX;
	     tok = strtok_r(NULL, ";", &save)) {
		struct status_sync_count *c = &d->full_syncs[d->n_full_syncs];
		char *colon = strrchr(tok, ':');

		if (!colon || colon == tok)
			continue;
		*colon = 0;
		snprintf(c->why, sizeof(c->why), "%s", tok);
		c->n = strtoull(colon + 1, NULL, 10);
		d->n_full_syncs++;
	}
	free(copy);
}

void status_file_put_header(FILE *f, const struct status_daemon *d)
{
	char pid[16], ready[4];

	snprintf(pid, sizeof(pid), "%d", d->pid);
	snprintf(ready, sizeof(ready), "%d", d->ready);
	fputs("vifguard-status 1\ndaemon", f);
	put_field(f, "pid", pid);
	put_field(f, "table", d->table);
	put_field(f, "ready", ready);
	put_field(f, "backend", d->backend);
	put_full_syncs(f, d);
	fprintf(f, "\tlast_full_sync_us=%llu\ttamper_restores=%llu\trefused_transactions=%llu\n",
		d->last_full_sync_usec, d->tamper_restores, d->refused_transactions);
}

void status_file_put_vif(FILE *f, const char *const v[_STATUS_FIELD_MAX])
{
	fputs("vif", f);
	for (int k = 0; k < _STATUS_FIELD_MAX; k++)
		if (v[k])
			put_field(f, field_names[k], v[k]);
	fputc('\n', f);
}

static void daemon_field(struct status_daemon *d, const char *key, const char *value)
{
	if (strcmp(key, "pid") == 0)
		d->pid = atoi(value);
	else if (strcmp(key, "table") == 0)
		snprintf(d->table, sizeof(d->table), "%s", value);
	else if (strcmp(key, "backend") == 0)
		snprintf(d->backend, sizeof(d->backend), "%s", value);
	else if (strcmp(key, "ready") == 0)
		d->ready = strcmp(value, "1") == 0;
	else if (strcmp(key, "full_syncs") == 0)
		parse_full_syncs(d, value);
	else if (strcmp(key, "last_full_sync_us") == 0)
		d->last_full_sync_usec = strtoull(value, NULL, 10);
	else if (strcmp(key, "tamper_restores") == 0)
		d->tamper_restores = strtoull(value, NULL, 10);
	else if (strcmp(key, "refused_transactions") == 0)
		d->refused_transactions = strtoull(value, NULL, 10);
}

int status_file_parse_line(struct status_file *sf, const char *line)
{
	struct status_row row = {0};
	char *save = NULL, *tok, *copy;
	bool is_vif;

	if (strcmp(line, "vifguard-status 1") == 0) {
		sf->seen_header = true;
		return 0;
	}
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	tok = strtok_r(copy, "\t", &save);
	is_vif = tok && strcmp(tok, "vif") == 0;
	if (!tok || (!is_vif && strcmp(tok, "daemon") != 0)) {
		free(copy);
		return 0;
	}
	for (int k = 0; k < _STATUS_FIELD_MAX; k++)
		row.v[k] = "";
	while ((tok = strtok_r(NULL, "\t", &save))) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq++ = 0;
		if (!is_vif) {
			daemon_field(&sf->daemon, tok, eq);
			continue;
		}
		for (int k = 0; k < _STATUS_FIELD_MAX; k++)
			if (strcmp(tok, field_names[k]) == 0)
				row.v[k] = eq;
	}
	if (!is_vif) {
		free(copy);
		return 0;
	}
	if (sf->n_rows == sf->n_alloc) {
		size_t n = sf->n_alloc ? 2 * sf->n_alloc : 64;
		struct status_row *rows = realloc(sf->rows, n * sizeof(*rows));

		if (!rows) {
			free(copy);
			return -ENOMEM;
		}
		sf->rows = rows;
		sf->n_alloc = n;
	}
	row.line = copy;
	sf->rows[sf->n_rows++] = row;
	return 0;
}

int status_file_read(FILE *f, struct status_file *sf)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int r = 0;

	while (r == 0 && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[n - 1] = 0;
		r = status_file_parse_line(sf, line);
	}
	free(line);
	if (r == 0 && ferror(f))
		r = -EIO;
	return r;
}

void status_file_done(struct status_file *sf)
{
	for (size_t i = 0; i < sf->n_rows; i++)
		free(sf->rows[i].line);
	free(sf->rows);
	*sf = (struct status_file){0};
}
