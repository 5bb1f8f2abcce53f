// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "log.h"

static enum log_target log_target = LOG_TARGET_STDERR;
static int log_max_priority = LOG_INFO;

void log_setup(enum log_target target, int max_priority)
{
	log_target = target;
	log_max_priority = max_priority;
}

static const char *const prio_names[] = {
	"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug",
};

#define FIELDS_MAX 14

int log_internal(int priority, int error, const char *file, int line, const char *func,
		 const char *message_id, const struct log_vif *vif, const char *address,
		 const char *format, ...)
{
	char msg[1024], prefix[96] = "", f[FIELDS_MAX][160], message[1200];
	struct iovec iov[FIELDS_MAX];
	int n = 0, saved = errno;
	va_list ap;

	if (priority > log_max_priority)
		return error < 0 ? error : -error;

	/* %m in format strings means the error we were given */
	errno = error < 0 ? -error : error;
	va_start(ap, format);
	vsnprintf(msg, sizeof(msg), format, ap);
	va_end(ap);
	errno = saved;

	if (vif) {
		if (vif->domain_name && vif->domain_name[0])
			snprintf(prefix, sizeof(prefix), "%s (%s, dom %u): ", vif->interface,
				 vif->domain_name, vif->domid);
		else
			snprintf(prefix, sizeof(prefix), "%s (dom %u): ", vif->interface,
				 vif->domid);
	}

	snprintf(message, sizeof(message), "MESSAGE=%s%s", prefix, msg);
	n++; /* f[0] unused: MESSAGE is longer */
	snprintf(f[n++], sizeof(f[0]), "PRIORITY=%d", priority);
	snprintf(f[n++], sizeof(f[0]), "SYSLOG_IDENTIFIER=vifguardd");
	snprintf(f[n++], sizeof(f[0]), "CODE_FILE=%s", file);
	snprintf(f[n++], sizeof(f[0]), "CODE_LINE=%d", line);
	snprintf(f[n++], sizeof(f[0]), "CODE_FUNC=%s", func);
	if (error)
		snprintf(f[n++], sizeof(f[0]), "ERRNO=%d", error < 0 ? -error : error);
	if (message_id)
		snprintf(f[n++], sizeof(f[0]), "MESSAGE_ID=%s", message_id);
	if (vif) {
		snprintf(f[n++], sizeof(f[0]), "INTERFACE=%s", vif->interface);
		snprintf(f[n++], sizeof(f[0]), "XEN_DOMID=%u", vif->domid);
		snprintf(f[n++], sizeof(f[0]), "XEN_DEVID=%u", vif->devid);
		if (vif->domain_name && vif->domain_name[0])
			snprintf(f[n++], sizeof(f[0]), "XEN_DOMAIN_NAME=%s", vif->domain_name);
	}
	if (address)
		snprintf(f[n++], sizeof(f[0]), "ADDRESS=%s", address);

	if (log_target == LOG_TARGET_JOURNAL) {
		for (int i = 0; i < n; i++) {
			iov[i].iov_base = i == 0 ? message : f[i];
			iov[i].iov_len = strlen(iov[i].iov_base);
		}
		sd_journal_sendv(iov, n);
	} else {
		fprintf(stderr, "vifguardd[%s]: %s%s", prio_names[priority & 7], prefix, msg);
		if (log_target == LOG_TARGET_STDERR_FIELDS) {
			fputs(" {", stderr);
			/* skip MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and the code location */
			for (int i = 6; i < n; i++)
				fprintf(stderr, "%s%s", i > 6 ? " " : "", f[i]);
			fputs("}", stderr);
		}
		fputc('\n', stderr);
	}
	return error < 0 ? error : -error;
}
