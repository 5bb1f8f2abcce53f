// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The frame decoder of drop attribution (explain-decode.h): nf_tables' own
 * parsing, copied so that a rule replayed on logged bytes sees what the rule
 * saw in the kernel.  `meta l4proto` and every transport header load exist
 * only if nf_tables could validate the IPv4/IPv6 header, and transport loads
 * also need a first fragment.  IPv6 finds the transport header with
 * ipv6_find_hdr(), which stops at AH for the l4 protocol but walks through
 * it when looking for a fragment header.
 */
#include "explain-decode.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

uint16_t explain_decode_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

bool explain_decode_has(struct explain_decode *d, size_t off, size_t n)
{
	if (off <= d->len && n <= d->len - off)
		return true;
	if (d->is_cut)
		d->is_unknown = true;
	return false;
}

bool explain_decode_is_there(const struct explain_decode *d, size_t off, size_t n)
{
	return off <= d->len && n <= d->len - off;
}

bool explain_decode_th(struct explain_decode *d, const struct explain_decode_l4 *l, size_t off,
		       size_t n)
{
	return l->is_valid && l->fragoff == 0 && explain_decode_has(d, l->thoff + off, n);
}

bool explain_decode_is_vlan_type(uint16_t type)
{
	return type == PROTO_ETHERTYPE_8021Q || type == PROTO_ETHERTYPE_8021AD ||
	       type == PROTO_ETHERTYPE_QINQ_OLD;
}

/* nft_set_pktinfo_ipv4_validate() */
void explain_decode_ip4(struct explain_decode *d, struct explain_decode_l4 *ret)
{
	const uint8_t *p = d->p;
	size_t hlen, tot;

	memset(ret, 0, sizeof(*ret));
	if (!explain_decode_has(d, 0, 20)) {
		snprintf(ret->why, sizeof(ret->why), "IPv4 frame (truncated, %zu bytes)", d->len);
		return;
	}
	if (p[0] >> 4 != 4) {
		snprintf(ret->why, sizeof(ret->why), "IPv4 frame with IP version %u", p[0] >> 4);
		return;
	}
	hlen = (size_t)(p[0] & 0xf) * 4;
	if (hlen < 20) {
		snprintf(ret->why, sizeof(ret->why), "IPv4 frame with header length %zu", hlen);
		return;
	}
	tot = explain_decode_be16(p + 2);
	/* a cut capture is taken to have been as long as the header says */
	if (tot > d->len && !d->is_cut) {
		snprintf(ret->why, sizeof(ret->why), "IPv4 frame (truncated, %zu of %zu bytes)",
			 d->len, tot);
		return;
	}
	if (tot < hlen) {
		snprintf(ret->why, sizeof(ret->why),
			 "IPv4 frame with total length %zu (shorter than its header)", tot);
		return;
	}
	ret->is_valid = true;
	ret->proto = p[9];
	ret->thoff = hlen;
	ret->fragoff = explain_decode_be16(p + PROTO_IPV4_FRAG_OFF) & PROTO_IPV4_FRAG_OFF_MASK;
}

static bool is_ext_hdr(uint8_t nh)
{
	return nh == PROTO_IP_HOPOPTS || nh == PROTO_IP_ROUTING || nh == PROTO_IP_FRAGMENT ||
	       nh == PROTO_IP_AH || nh == PROTO_IP_NONE || nh == PROTO_IP_DSTOPTS;
}

/* ipv6_find_hdr() (see explain-decode.h) */
int explain_decode_find_hdr(struct explain_decode *d, int target, size_t *ret_off,
			    uint16_t *ret_fragoff)
{
	const uint8_t *p = d->p;
	size_t start = 40, hdrlen;
	uint16_t fragoff = 0;
	bool found;
	uint8_t nh;

	if (!explain_decode_has(d, 6, 1))
		return -EBADMSG;
	nh = p[6];
	for (;;) {
		found = nh == target;
		if (!is_ext_hdr(nh) || nh == PROTO_IP_NONE) {
			if (target < 0 || found)
				break;
			return -ENOENT;
		}
		if (!explain_decode_has(d, start, 2))
			return -EBADMSG;
		if (nh == PROTO_IP_ROUTING && !explain_decode_has(d, start, 4))
			return -EBADMSG;
		if (nh == PROTO_IP_FRAGMENT) {
			uint16_t fo;

			if (!explain_decode_has(d, start + 2, 2))
				return -EBADMSG;
			fo = explain_decode_be16(p + start + 2) & ~7;
			if (fo) {
				/* a later fragment: no transport header to find */
				if (target < 0 &&
				    (!is_ext_hdr(p[start]) || p[start] == PROTO_IP_NONE)) {
					*ret_off = start;
					*ret_fragoff = fo;
					return p[start];
				}
				if (!found)
					return -ENOENT;
				fragoff = fo;
				break;
			}
			hdrlen = 8;
		} else if (nh == PROTO_IP_AH) {
			if (target < 0)
				break;
			hdrlen = ((size_t)p[start + 1] + 2) * 4;
		} else {
			hdrlen = ((size_t)p[start + 1] + 1) * 8;
		}
		if (found)
			break;
		nh = p[start];
		start += hdrlen;
	}
	*ret_off = start;
	*ret_fragoff = fragoff;
	return nh;
}

/* nft_set_pktinfo_ipv6_validate() */
void explain_decode_ip6(struct explain_decode *d, struct explain_decode_l4 *ret)
{
	const uint8_t *p = d->p;
	size_t plen, thoff;
	uint16_t fragoff;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (!explain_decode_has(d, 0, 40)) {
		snprintf(ret->why, sizeof(ret->why), "IPv6 frame (truncated, %zu bytes)", d->len);
		return;
	}
	if (p[0] >> 4 != 6) {
		snprintf(ret->why, sizeof(ret->why), "IPv6 frame with IP version %u", p[0] >> 4);
		return;
	}
	plen = explain_decode_be16(p + 4);
	/* a cut capture is taken to have been as long as the header says */
	if (plen + 40 > d->len && !d->is_cut) {
		snprintf(ret->why, sizeof(ret->why), "IPv6 frame (truncated, %zu of %zu bytes)",
			 d->len, plen + 40);
		return;
	}
	r = explain_decode_find_hdr(d, -1, &thoff, &fragoff);
	if (r == -EBADMSG) {
		snprintf(ret->why, sizeof(ret->why),
			 "IPv6 frame (truncated in its extension headers)");
		return;
	}
	if (r < 0) {
		snprintf(ret->why, sizeof(ret->why),
			 "IPv6 fragment with an extension header after the fragment header");
		return;
	}
	ret->is_valid = true;
	ret->proto = (uint8_t)r;
	ret->thoff = thoff;
	ret->fragoff = fragoff;
}
