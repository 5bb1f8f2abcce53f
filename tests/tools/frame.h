/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test frame builder: a kind name plus key=value strings in, the exact bytes
 * of one Ethernet frame out.  Pure: no sockets, no printing.  vgframe sends
 * these bytes and, when observing, compares received frames against the same
 * bytes, so the builder must be deterministic and must pad every frame to the
 * Ethernet minimum itself (otherwise a padded frame on the wire would not
 * compare equal to what we built).
 */
#ifndef VIFGUARD_FRAME_H
#define VIFGUARD_FRAME_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Shortest frame on the wire, without FCS; shorter frames get zero padding. */
#define FRAME_MIN_LEN 60
/* Longest frame any kind can build: 14 + 2 tags + IPv6 + ext + UDP + payload. */
#define FRAME_MAX_LEN 1600
#define FRAME_PAYLOAD_MAX 1500

enum frame_kind {
	FRAME_KIND_ETH,
	FRAME_KIND_ARP_REQUEST,
	FRAME_KIND_ARP_REPLY,
	FRAME_KIND_ARP_PROBE,
	FRAME_KIND_ARP_GRATUITOUS,
	FRAME_KIND_IPV4_UDP,
	FRAME_KIND_IPV4_ICMP,
	FRAME_KIND_DHCP_DISCOVER,
	FRAME_KIND_DHCP_OFFER,
	FRAME_KIND_IPV6_UDP,
	FRAME_KIND_IPV6_ICMP,
	FRAME_KIND_NS,
	FRAME_KIND_NA,
	FRAME_KIND_RA,
	FRAME_KIND_REDIRECT,
	FRAME_KIND_MLD_REPORT,
	FRAME_KIND_DHCPV6_SOLICIT,
	FRAME_KIND_DHCPV6_ADVERTISE,
	_FRAME_KIND_MAX,
	_FRAME_KIND_INVALID = -EINVAL,
};

enum frame_key {
	/* every kind */
	FRAME_KEY_SRC,
	FRAME_KEY_DST,
	FRAME_KEY_VLAN,
	FRAME_KEY_QINQ,
	/* eth */
	FRAME_KEY_TYPE,
	FRAME_KEY_PAYLOAD,
	/* arp-* */
	FRAME_KEY_SHA,
	FRAME_KEY_SPA,
	FRAME_KEY_THA,
	FRAME_KEY_TPA,
	FRAME_KEY_IP,
	FRAME_KEY_HTYPE,
	FRAME_KEY_PTYPE,
	FRAME_KEY_HLEN,
	FRAME_KEY_PLEN,
	FRAME_KEY_OP,
	/* IPv4 and IPv6 */
	FRAME_KEY_SADDR,
	FRAME_KEY_DADDR,
	FRAME_KEY_SPORT,
	FRAME_KEY_DPORT,
	FRAME_KEY_TTL,
	FRAME_KEY_HLIM,
	FRAME_KEY_ID,
	FRAME_KEY_SEQ,
	FRAME_KEY_XID,
	FRAME_KEY_YIADDR,
	FRAME_KEY_CHADDR,
	/* ICMPv6 ND / MLD */
	FRAME_KEY_TARGET,
	FRAME_KEY_DEST,
	FRAME_KEY_SLL,
	FRAME_KEY_TLL,
	FRAME_KEY_NONCE,
	FRAME_KEY_EXT,
	FRAME_KEY_FRAG,
	FRAME_KEY_FLAGS,
	FRAME_KEY_PREFIX,
	FRAME_KEY_GROUP,
	_FRAME_KEY_MAX,
	_FRAME_KEY_INVALID = -EINVAL,
};

/* ext= values: which IPv6 extension header goes before the upper layer. */
enum frame_ext {
	FRAME_EXT_NONE,
	FRAME_EXT_HBH,
	FRAME_EXT_DST,
	_FRAME_EXT_MAX,
};

/* frag= values: a fragment header (after any ext=) and what follows it. */
enum frame_frag {
	FRAME_FRAG_NONE,
	FRAME_FRAG_FIRST,	/* offset 0, more fragments: the whole message follows */
	FRAME_FRAG_LATER,	/* offset 1448, the last: the message's bytes as its data */
	FRAME_FRAG_ATOMIC,	/* offset 0, no more (RFC 6946) */
	FRAME_FRAG_FIRST_NO_L4, /* a first fragment whose header chain ends in a
				 * destination options header: the upper-layer
				 * header would come in a later one (RFC 7112) */
	_FRAME_FRAG_MAX,
};

/* "unknown key 'foo' for kind 'ns'", "key 'src': bad MAC 'zz'" */
struct frame_error {
	char text[256];
};

/* One parsed value; which member is meaningful depends on the key. */
struct frame_value {
	uint32_t u;	  /* integers, ext, prefix length */
	uint8_t addr[16]; /* MAC (6 bytes), IPv4 (4), IPv6 (16), nonce (6) */
	bool none;	  /* sll=none, tll=none */
};

struct frame_spec {
	enum frame_kind kind;
	uint64_t has; /* bit (1 << enum frame_key) for each key given */
	struct frame_value v[_FRAME_KEY_MAX];
	size_t payload_len;
	uint8_t payload[FRAME_PAYLOAD_MAX];
};

const char *frame_kind_to_string(enum frame_kind k);
enum frame_kind frame_kind_from_string(const char *s);
const char *frame_key_to_string(enum frame_key k);
/* Whether kind k accepts / requires key. */
bool frame_kind_has_key(enum frame_kind k, enum frame_key key);
bool frame_kind_needs_key(enum frame_kind k, enum frame_key key);

/* Start an empty spec of the named kind; -EINVAL for an unknown kind. */
int frame_spec_init(struct frame_spec *ret, const char *kind, struct frame_error *err);

/*
 * Parse one key; a later value for the same key replaces the earlier one.
 * -EINVAL (with err filled) for an unknown key, a key this kind does not
 * take, or a malformed value.  On error the spec is unchanged.
 */
int frame_spec_set(struct frame_spec *s, const char *key, const char *value,
		   struct frame_error *err);
/* Same, for one "key=value" argument. */
int frame_spec_set_arg(struct frame_spec *s, const char *arg, struct frame_error *err);

/*
 * Build the frame: *ret_len bytes, at least FRAME_MIN_LEN.  If ret_data_len
 * is not NULL it gets the length before the zero padding (<= *ret_len).
 * -EINVAL (err filled) when a required key is missing, -ENOBUFS when len is
 * too small (FRAME_MAX_LEN always suffices).
 */
int frame_build(const struct frame_spec *s, uint8_t *buf, size_t len, size_t *ret_len,
		size_t *ret_data_len, struct frame_error *err);

#endif
