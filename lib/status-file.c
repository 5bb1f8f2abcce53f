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
	fputc('\n', f);
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
