// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "retry.h"

void retry_list_done(struct retry_list *l)
{
	l->timer = sd_event_source_disable_unref(l->timer);
	free(l->items);
	l->items = NULL;
	l->n = l->n_alloc = 0;
}

unsigned int retry_backoff(unsigned int last_ms, unsigned int min_ms, unsigned int max_ms)
{
	if (last_ms < min_ms)
		return min_ms;
	return last_ms > max_ms / 2 ? max_ms : 2 * last_ms;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata);

static void arm(struct retry_list *l)
{
	uint64_t due = UINT64_MAX;

	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].due_usec < due)
			due = l->items[i].due_usec;
	if (due == UINT64_MAX) {
		if (l->timer)
			sd_event_source_set_enabled(l->timer, SD_EVENT_OFF);
		return;
	}
	if (!l->timer) {
		if (sd_event_add_time(l->ev, &l->timer, CLOCK_MONOTONIC, due, 1000, on_timer, l) <
		    0)
			log_warning("Cannot schedule looking at a device again");
		return;
	}
	sd_event_source_set_time(l->timer, due);
	sd_event_source_set_enabled(l->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct retry_list *l = userdata;

	(void)s;
	for (size_t i = 0; i < l->n;) {
		struct retry_item it = l->items[i];

		if (it.due_usec > usec) {
			i++;
			continue;
		}
		l->items[i] = l->items[--l->n];
		l->on_due(it.domid, it.devid, l->data);
	}
	arm(l);
	return 0;
}

int retry_list_add(struct retry_list *l, uint32_t domid, uint32_t devid, unsigned int delay_ms)
{
	uint64_t now;
	size_t i;

	if (!l->ev || sd_event_now(l->ev, CLOCK_MONOTONIC, &now) < 0)
		return 0;
	for (i = 0; i < l->n; i++)
		if (l->items[i].domid == domid && l->items[i].devid == devid)
			break;
	if (i == l->n) {
		if (l->n == l->n_alloc) {
			size_t n = l->n_alloc ? 2 * l->n_alloc : 8;
			struct retry_item *v = realloc(l->items, n * sizeof(*v));

			if (!v)
				return -ENOMEM;
			l->items = v;
			l->n_alloc = n;
		}
		l->n++;
	}
	l->items[i] = (struct retry_item){domid, devid, now + delay_ms * 1000ull};
	arm(l);
	return 0;
}
