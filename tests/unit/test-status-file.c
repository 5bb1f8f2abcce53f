/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The status file: what the daemon writes, vifguardctl reads back, field
 * by field; tabs and line breaks in values never split a line; no limit on
 * the number of vifs (vifguardctl used to stop silently at 16,384).
 */
#include <stdlib.h>

#include "check.h"
#include "status-file.h"

int main(void)
{
	struct status_daemon d = {.pid = 42,
				  .table = "vifguard",
				  .ready = true,
				  .backend = "/local/domain/0/backend/vif"};
	const char *v[_STATUS_FIELD_MAX] = {0};
	struct status_file sf = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	char id[32];

	status_file_put_header(f, &d);
	v[STATUS_DOMID] = "3";
	v[STATUS_DEVID] = "0";
	v[STATUS_ID] = "vif3.0";
	v[STATUS_PORT] = "web01";
	v[STATUS_STATE] = "rejected";
	v[STATUS_ERROR] = "key 'ip':\tbad\nvalue";
	status_file_put_vif(f, v);
	v[STATUS_ERROR] = "";
	v[STATUS_STATE] = "enforced";
	for (int i = 0; i < 20000; i++) {
		snprintf(id, sizeof(id), "vif%d.0", 1000 + i);
		v[STATUS_ID] = id;
		status_file_put_vif(f, v);
	}
	fclose(f);
	CHECK(strncmp(buf, "vifguard-status 1\ndaemon\tpid=42\ttable=vifguard\tready=1\t", 55) ==
	      0);

	f = fmemopen(buf, len, "r");
	CHECK(status_file_read(f, &sf) == 0);
	fclose(f);
	CHECK(sf.seen_header);
	CHECK(sf.daemon.pid == 42 && sf.daemon.ready);
	CHECK_STR(sf.daemon.table, "vifguard");
	CHECK_STR(sf.daemon.backend, "/local/domain/0/backend/vif");
	CHECK(sf.n_rows == 20001);
	CHECK_STR(sf.rows[0].v[STATUS_PORT], "web01");
	CHECK_STR(sf.rows[0].v[STATUS_ERROR], "key 'ip': bad value");
	CHECK_STR(sf.rows[0].v[STATUS_MAC], ""); /* left out: empty */
	CHECK_STR(sf.rows[20000].v[STATUS_ID], "vif20999.0");
	CHECK_STR(sf.rows[20000].v[STATUS_STATE], "enforced");
	/* unknown kinds and keys are skipped */
	CHECK(status_file_parse_line(&sf, "future\tx=1") == 0 && sf.n_rows == 20001);
	CHECK(status_file_parse_line(&sf, "vif\tid=vif1.0\tnew=1\tnokey") == 0);
	CHECK(sf.n_rows == 20002 && strcmp(sf.rows[20001].v[STATUS_ID], "vif1.0") == 0);
	CHECK_STR(status_field_to_string(STATUS_WITHHELD), "withheld");
	status_file_done(&sf);
	free(buf);
	printf("%u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
