// SPDX-License-Identifier: GPL-2.0-or-later
#include "metrics-text.h"

void metrics_text_put_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (const char *c = help; *c; c++) {
		if (*c == '\\')
			fputs("\\\\", f);
		else if (*c == '\n')
			fputs("\\n", f);
		else
			fputc(*c, f);
	}
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void metrics_text_put_label_value(FILE *f, const char *value)
{
	fputc('"', f);
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '"') {
			fputc('\\', f);
			fputc(*c, f);
		} else if (*c == '\n') {
			fputs("\\n", f);
		} else {
			fputc(*c, f);
		}
	}
	fputc('"', f);
}
