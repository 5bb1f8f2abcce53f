/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What vifguardctl and systemd see: the status file (lib/status-file.h, in
 * the runtime directory) and STATUS=.  Both are written once things are
 * quiet: STATUS_DELAY after the last change, at most STATUS_MAX_DELAY after
 * the first unwritten one, so rewriting thousands of lines never holds up
 * the event that follows.  Lines of vifs that did not change are copied
 * from the last write.  Writes only the status part of an entry.
 */
#ifndef VIFGUARD_STATUS_H
#define VIFGUARD_STATUS_H

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "vif-table.h"

struct status;

int status_new(sd_event *ev, const char *runtime_dir, const char *table, struct vif_table *t,
	       struct status **ret);
struct status *status_free(struct status *s);

/* The daemon line: READY=1 sent, and the backend directory watched
 * (NULL: xenstore unreachable). */
void status_set_daemon(struct status *s, bool ready, const char *backend);
/* The entries on the changed list have new lines: write soon. */
void status_changed(struct status *s);
/* Write now. */
void status_flush(struct status *s);

#endif
