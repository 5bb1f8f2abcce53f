/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one writer of log messages: the journal with structured fields, or
 * readable lines on stderr (--foreground).  Errors are logged once, where
 * they are handled; the log_*_errno() forms return the error they were given.
 */
#ifndef VIFGUARD_LOG_H
#define VIFGUARD_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* MESSAGE_IDs of the notable events (catalog: systemd/vifguard.catalog). */
#define MSGID_VIF_ENFORCED "8ea97c304aad412f86330343180baf00"
#define MSGID_VIF_REMOVED "9b4999db09c84e98b4c440008863b41e"
#define MSGID_VIF_REJECTED "094b71b67181429196a954c1bdb54d29"
#define MSGID_CONFLICT "8425c5c7fcaa47eaa76042af3c3af891"
#define MSGID_TAMPER "5ac1127ef4364460a4bf2c9c601f623d"
#define MSGID_RESYNC "7305865137334f18a98a5654882ae995"
#define MSGID_KERNEL_REJECTED "e8a2168561664f3ba291101a3f608c96"
#define MSGID_DROPPED "99260db8f80c4286b6dd710b19491d89"
#define MSGID_OWNED "bc82da2d06934b439103e65528e95b85"
#define MSGID_OWN_REFUSED "03c0f29b23d44c549bb816f7b50f9d59"

enum log_target {
	LOG_TARGET_JOURNAL,
	LOG_TARGET_STDERR, /* readable lines */
	LOG_TARGET_STDERR_FIELDS, /* readable lines followed by their fields (tests) */
};

void log_setup(enum log_target target, int max_priority);

/* Who a message is about. */
struct log_vif {
	const char *interface; /* port name */
	uint32_t domid;
	uint32_t devid;
	const char *domain_name; /* may be NULL */
};

int log_internal(int priority, int error, const char *file, int line, const char *func,
		 const char *message_id, const struct log_vif *vif, const char *address,
		 const char *format, ...) __attribute__((format(printf, 9, 10)));

#define log_full(prio, err, ...) \
	log_internal(prio, err, __FILE__, __LINE__, __func__, NULL, NULL, NULL, __VA_ARGS__)
#define log_debug(...) log_full(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, 0, __VA_ARGS__)
#define log_warning_errno(r, ...) log_full(LOG_WARNING, r, __VA_ARGS__)
#define log_error_errno(r, ...) log_full(LOG_ERR, r, __VA_ARGS__)

/* A message about one vif, with its journal fields and an optional MESSAGE_ID
 * and ADDRESS. */
#define log_vif(prio, vif, msgid, address, ...) \
	log_internal(prio, 0, __FILE__, __LINE__, __func__, msgid, vif, address, __VA_ARGS__)
#define log_vif_errno(prio, r, vif, msgid, ...) \
	log_internal(prio, r, __FILE__, __LINE__, __func__, msgid, vif, NULL, __VA_ARGS__)
/* A notable event not about one vif. */
#define log_event(prio, msgid, ...) \
	log_internal(prio, 0, __FILE__, __LINE__, __func__, msgid, NULL, NULL, __VA_ARGS__)

#endif
