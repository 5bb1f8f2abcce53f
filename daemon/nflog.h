/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Dropped frames from the kernel (nfnetlink_log group), for attribution.
 */
#ifndef VIFGUARD_NFLOG_H
#define VIFGUARD_NFLOG_H

#include <stdint.h>

#include "nfmsg.h"

struct nflog;

int nflog_new(uint16_t group, struct nflog **ret);
struct nflog *nflog_free(struct nflog *l);
int nflog_fd(const struct nflog *l);
/* Read what is pending (bounded), cb for every frame. */
int nflog_read(struct nflog *l, void (*cb)(const struct nfmsg_nflog *pkt, void *userdata),
	       void *userdata);

#endif
