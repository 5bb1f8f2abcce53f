// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the kernel sends back over netlink (acks, errors with extended acks,
 * change notifications) is parsed by nfmsg; feed it anything.  Checks: no
 * crash, acks report errno values in range, event strings are terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_ack(const struct nfmsg_ack *ack, void *userdata)
{
	(void)userdata;
	if (ack->error > 0 || ack->error < -4095 || memchr(ack->msg, 0, sizeof(ack->msg)) == NULL)
		abort();
}

static void on_nflog(const struct nfmsg_nflog *p, void *userdata)
{
	volatile uint8_t sink = 0;

	(void)userdata;
	/* touch every byte the parser hands out: ASan checks the bounds */
	for (size_t i = 0; i < p->hw_len; i++)
		sink ^= p->hw[i];
	for (size_t i = 0; i < p->payload_len; i++)
		sink ^= p->payload[i];
	if (memchr(p->prefix, 0, sizeof(p->prefix)) == NULL)
		abort();
	(void)sink;
}

static void on_event(const struct nfmsg_event *ev, void *userdata)
{
	(void)userdata;
	if (memchr(ev->table, 0, sizeof(ev->table)) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the daemon's receive buffers are 8-byte aligned; so is this copy */
	uint64_t *buf = malloc(size + 8);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	nfmsg_acks_parse(buf, size, on_ack, NULL);
	nfmsg_events_parse(buf, size, on_event, NULL);
	nfmsg_nflog_parse(buf, size, on_nflog, NULL);
	free(buf);
	return 0;
}
