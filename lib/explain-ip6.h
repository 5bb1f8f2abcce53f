/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop attribution for IPv6 frames: the guest-ip6, guest-dad, guest-na,
 * guest-ns and guest-nd chains of lib/chains.c (with src-ip6 and
 * nd-target), replayed rule by rule.  A change to those chains must change
 * this file too.
 */
#ifndef VIFGUARD_EXPLAIN_IP6_H
#define VIFGUARD_EXPLAIN_IP6_H

#include "explain-replay.h"

/* c->d holds the frame from its IPv6 header on. */
void explain_ip6_replay(struct explain_replay *c);

#endif
