/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame decoder of drop attribution: what nf_tables itself sees of a
 * logged frame.  Bounds-checked loads (a load past the end of the frame
 * does not match, NFT_BREAK), and the IPv4/IPv6 header validation and
 * extension-header walk that fill struct nft_pktinfo (`meta l4proto`, the
 * transport header offset, the fragment offset).  It knows nothing of the
 * vif's rules; explain-replay.h and the chain replays build on it.
 *
 * Pure: no I/O, no logging, no allocation.
 */
#ifndef VIFGUARD_EXPLAIN_DECODE_H
#define VIFGUARD_EXPLAIN_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The logged bytes from the network header on.  Written by this module
 * (is_unknown) and set up by explain.c. */
struct explain_decode {
	const uint8_t *p; /* payload, from the network header */
	size_t len;
	/* the capture may end before the frame did (see explain_frame.snaplen) */
	bool is_cut;
	/* a rule needed bytes past a cut capture: its outcome is unknown */
	bool is_unknown;
};

/* What nf_tables knows of the transport header (struct nft_pktinfo). */
struct explain_decode_l4 {
	bool is_valid; /* the header validated: meta l4proto matches */
	uint8_t proto;
	size_t thoff;
	uint16_t fragoff; /* IPv4: in 8-byte units; IPv6: in bytes; 0: a first fragment */
	char why[96];	  /* when not valid: what is wrong, for the final drop */
};

/* A big-endian 16-bit field. */
uint16_t explain_decode_be16(const uint8_t *p);

/* Bytes [off, off + n) of the payload, for a rule's load: are they there?
 * Past a cut capture the kernel had them and we do not: d->is_unknown is
 * set, as the rule's outcome, and so the answer, is unknown. */
bool explain_decode_has(struct explain_decode *d, size_t off, size_t n);
/* The same for bytes only the description reads: never sets is_unknown. */
bool explain_decode_is_there(const struct explain_decode *d, size_t off, size_t n);
/* A transport header load of [off, off + n): only with a validated header
 * and a first fragment. */
bool explain_decode_th(struct explain_decode *d, const struct explain_decode_l4 *l, size_t off,
		       size_t n);

/* 802.1Q, 802.1ad or the old QinQ 0x9100 tag type. */
bool explain_decode_is_vlan_type(uint16_t type);

/* nft_set_pktinfo_ipv4_validate() and nft_set_pktinfo_ipv6_validate():
 * always fill *ret (is_valid false and why set when the header does not
 * validate). */
void explain_decode_ip4(struct explain_decode *d, struct explain_decode_l4 *ret);
void explain_decode_ip6(struct explain_decode *d, struct explain_decode_l4 *ret);

/*
 * ipv6_find_hdr() as nf_tables calls it.  target >= 0: find that header
 * (`exthdr frag exists`, which walks through AH).  target < 0: the l4
 * protocol for nft_pktinfo, which stops at AH (IP6_FH_F_AUTH), so ICMPv6
 * behind AH has l4proto 51 to the rules.  Returns the header type and its
 * offset, -ENOENT or -EBADMSG (a header runs past the frame).
 */
int explain_decode_find_hdr(struct explain_decode *d, int target, size_t *ret_off,
			    uint16_t *ret_fragoff);

#endif
