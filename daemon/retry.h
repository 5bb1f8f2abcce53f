/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices to look at again later, each at its own time, on one timer: the
 * vifs whose rules the kernel refused (enforce.c) and the devices whose
 * directory could not be read (xs-sync.c) each have one.  Devices are named
 * by domid/devid, not by pointer: an entry may leave the table meanwhile.
 * A device is in the list once; adding it again moves its time.
 */
#ifndef VIFGUARD_RETRY_H
#define VIFGUARD_RETRY_H

#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

struct retry_item {
	uint32_t domid;
	uint32_t devid;
	uint64_t due_usec; /* CLOCK_MONOTONIC */
};

struct retry_list {
	sd_event *ev; /* NULL: nothing is ever due */
	sd_event_source *timer;
	struct retry_item *items;
	size_t n, n_alloc;
	/* called for each device that is due, after it left the list */
	void (*on_due)(uint32_t domid, uint32_t devid, void *data);
	void *data;
};

void retry_list_done(struct retry_list *l);
/* Look at domid/devid again in delay_ms.  -ENOMEM: it will not be. */
int retry_list_add(struct retry_list *l, uint32_t domid, uint32_t devid, unsigned int delay_ms);

/* The next delay of a backoff: min at first, then doubling up to max. */
unsigned int retry_backoff(unsigned int last_ms, unsigned int min_ms, unsigned int max_ms);

#endif
