/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text format's escaping: a domain name from xenstore may
 * hold '\', '"' or a line break, and must not end its label value early or
 * start a new sample line.
 */
#include <stdlib.h>

#include "check.h"
#include "metrics-text.h"

static char *label(const char *value)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	metrics_text_put_label_value(f, value);
	fclose(f);
	return buf;
}

static void check_label(const char *value, const char *want)
{
	char *got = label(value);

	CHECK_STR(got, want);
	free(got);
}

int main(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	check_label("web01", "\"web01\"");
	check_label("", "\"\"");
	check_label("a\"b", "\"a\\\"b\"");
	check_label("a\\b", "\"a\\\\b\"");
	check_label("a\nb", "\"a\\nb\"");
	check_label("\\\"\n", "\"\\\\\\\"\\n\"");
	/* everything else is taken as it is: UTF-8, tabs, '}' and '=' */
	check_label("dom\xc3\xa9 {x=1}\t", "\"dom\xc3\xa9 {x=1}\t\"");

	f = open_memstream(&buf, &len);
	metrics_text_put_family(f, "vifguard_x_total", "counter", "a \\ b\nc \"d\"");
	fclose(f);
	/* HELP escapes '\' and line breaks, not quotes */
	CHECK_STR(buf, "# HELP vifguard_x_total a \\\\ b\\nc \"d\"\n"
		       "# TYPE vifguard_x_total counter\n");
	free(buf);
	printf("%u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
