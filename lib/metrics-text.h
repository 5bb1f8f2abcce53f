/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text exposition format (version 0.0.4), the parts
 * vifguardctl metrics writes: HELP and TYPE lines and label values, each
 * escaped as the format says.  Pure: stdio streams only.
 */
#ifndef VIFGUARD_METRICS_TEXT_H
#define VIFGUARD_METRICS_TEXT_H

#include <stdio.h>

/* "# HELP name help" and "# TYPE name type"; help's '\' and line breaks
 * are escaped. */
void metrics_text_put_family(FILE *f, const char *name, const char *type, const char *help);
/* A label value between its double quotes: '\', '"' and line breaks
 * escaped (a domain name comes from xenstore and may hold any of them). */
void metrics_text_put_label_value(FILE *f, const char *value);

#endif
