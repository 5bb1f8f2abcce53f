/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plan -> one nfnetlink batch (BATCH_BEGIN, one message per op, BATCH_END),
 * and the parsing of what the kernel answers.  Pure: builds and parses bytes.
 */
#ifndef VIFGUARD_NFMSG_H
#define VIFGUARD_NFMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

struct nfmsg_batch {
	uint8_t *buf;
	size_t len;
	size_t alloc;
	uint32_t first_seq; /* seq of ops[0]; op i has first_seq + i */
	uint32_t last_seq; /* seq of the last op (which asks for an ACK) */
	size_t n_ops;
};

/* Build the batch for every op of the plan; seq numbers start at seq. */
int nfmsg_batch_build(const struct plan *p, uint32_t seq, struct nfmsg_batch *ret);
void nfmsg_batch_done(struct nfmsg_batch *b);

/* One answer from the kernel. */
struct nfmsg_ack {
	uint32_t seq;
	int error; /* 0 for an ACK, negative errno for an error */
	char msg[128]; /* extended ack message, if any */
};

/* Parse a buffer of netlink messages read from the socket; calls cb for each
 * NLMSG_ERROR (ack or error).  Returns -EBADMSG on malformed input. */
int nfmsg_acks_parse(const void *buf, size_t len,
		     void (*cb)(const struct nfmsg_ack *ack, void *userdata), void *userdata);

/* Map a seq back to its op index in the batch, or -1 (begin/end/unknown). */
long nfmsg_batch_op_of_seq(const struct nfmsg_batch *b, uint32_t seq);


/* One nf_tables change notification (NFNLGRP_NFTABLES). */
struct nfmsg_event {
	uint16_t type; /* NFT_MSG_* */
	uint8_t family;
	uint32_t portid; /* netlink port that made the change (0: kernel) */
	char table[64]; /* "" when the message names no table (NEWGEN) */
};

/* Parse a buffer of notifications; cb for each nf_tables message.
 * -EBADMSG on malformed input (what was valid before it was reported). */
int nfmsg_events_parse(const void *buf, size_t len,
		       void (*cb)(const struct nfmsg_event *ev, void *userdata), void *userdata);

/* One frame copied by nfnetlink_log (the nft "log group" statement). */
struct nfmsg_nflog {
	uint16_t group;
	uint16_t hw_protocol; /* ethertype, host order */
	uint32_t indev; /* input ifindex, 0 if absent */
	uint32_t physindev; /* the bridge port, when indev is the bridge
			     * (kernels with br_netfilter), 0 if absent */
	bool has_vlan; /* the frame's outer VLAN tag, moved out of the frame */
	uint16_t vlan_proto; /* host order */
	uint16_t vlan_tci;
	char prefix[64]; /* the log statement's prefix */
	const uint8_t *hw; /* Ethernet header (NULL if absent) */
	size_t hw_len;
	const uint8_t *payload; /* from the network header */
	size_t payload_len;
};

/* Parse a buffer of nfnetlink_log messages; cb for each packet. */
int nfmsg_nflog_parse(const void *buf, size_t len,
		      void (*cb)(const struct nfmsg_nflog *pkt, void *userdata), void *userdata);

/* Build the two config messages that bind a socket to a log group and ask
 * for packet copies of at most copy_range bytes; returns the length used
 * (buf must hold 256 bytes). */
size_t nfmsg_nflog_bind(void *buf, uint16_t group, uint32_t copy_range, uint32_t seq);

#endif
