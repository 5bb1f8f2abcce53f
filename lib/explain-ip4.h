/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop attribution for ARP and IPv4 frames: the guest-arp and guest-ip
 * chains of lib/chains.c (with src-arp and src-ip), replayed rule by rule.
 * A change to those chains must change this file too.
 */
#ifndef VIFGUARD_EXPLAIN_IP4_H
#define VIFGUARD_EXPLAIN_IP4_H

#include "explain-replay.h"

/* c->d holds the frame from its ARP header on. */
void explain_ip4_arp_replay(struct explain_replay *c);
/* c->d holds the frame from its IPv4 header on. */
void explain_ip4_replay(struct explain_replay *c);

#endif
