/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop attribution.  The chains of one vif (lib/chains.c) are replayed on
 * the logged bytes in rule order; the first rule that drops the frame names
 * it.  Two kernel details decide what a rule sees, and both are copied here:
 *
 *  - A payload load past the end of the frame does not match (NFT_BREAK), so
 *    a short frame skips every later rule that reads that far and lands on
 *    the chain's final drop.
 *  - `meta l4proto` and every transport header load exist only if nf_tables
 *    could validate the IPv4/IPv6 header (nft_set_pktinfo_ipv4/6_validate),
 *    and transport loads also need a first fragment.  IPv6 finds the
 *    transport header with ipv6_find_hdr(), which stops at AH for the l4
 *    protocol but walks through it when looking for a fragment header.
 *
 * Nothing from the frame reaches the text but numbers and addresses, so the
 * text is printable ASCII whatever the guest sent.
 */
#include "explain.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

/* an NS or NA with exactly one option of one unit (a link-layer address, a nonce) */
#define ND_LEN_ONE_OPT (PROTO_ND_MSG_LEN + PROTO_ND_OPT_UNIT)

static const char *const reason_names[_EXPLAIN_REASON_MAX] = {
	[EXPLAIN_REASON_ETHER_SADDR] = "ether-saddr",
	[EXPLAIN_REASON_VLAN] = "vlan",
	[EXPLAIN_REASON_ETHERTYPE] = "ethertype",
	[EXPLAIN_REASON_ARP_FORMAT] = "arp-format",
	[EXPLAIN_REASON_ARP_OPERATION] = "arp-operation",
	[EXPLAIN_REASON_ARP_SENDER_MAC] = "arp-sender-mac",
	[EXPLAIN_REASON_ARP_SENDER_IP] = "arp-sender-ip",
	[EXPLAIN_REASON_DHCP_SERVER] = "dhcp-server",
	[EXPLAIN_REASON_IP_SADDR] = "ip-saddr",
	[EXPLAIN_REASON_ICMPV6_FRAGMENT] = "icmpv6-fragment",
	[EXPLAIN_REASON_IPV6_AH] = "ipv6-ah",
	[EXPLAIN_REASON_ROUTER_ADVERT] = "router-advert",
	[EXPLAIN_REASON_REDIRECT] = "redirect",
	[EXPLAIN_REASON_DHCPV6_SERVER] = "dhcpv6-server",
	[EXPLAIN_REASON_IP6_UNSPEC] = "ip6-unspec",
	[EXPLAIN_REASON_IP6_SADDR] = "ip6-saddr",
	[EXPLAIN_REASON_ND_FORM] = "nd-form",
	[EXPLAIN_REASON_ND_TARGET] = "nd-target",
	[EXPLAIN_REASON_MALFORMED] = "malformed",
	[EXPLAIN_REASON_UNKNOWN] = "unknown",
	[EXPLAIN_REASON_NONE] = "none",
};

const char *explain_reason_to_string(enum explain_reason r)
{
	if (r < 0 || r >= _EXPLAIN_REASON_MAX)
		return NULL;
	return reason_names[r];
}

struct ctx {
	const uint8_t *p; /* payload, from the network header */
	size_t len;
	/* the capture may end before the frame did (see explain_frame.snaplen) */
	bool is_cut;
	/* a rule needed bytes past a cut capture: its outcome is unknown */
	bool is_unknown;
	const struct vif *v; /* NULL: unknown vif */
	bool is_mac_only;
	struct explain out;
	/* without a vif: the latest address check taken to fail (see is_final()) */
	bool has_guess;
	struct explain guess;
};

/* What nf_tables knows of the transport header (struct nft_pktinfo). */
struct l4 {
	bool is_valid; /* the header validated: meta l4proto matches */
	uint8_t proto;
	size_t thoff;
	uint16_t fragoff;
	char why[96]; /* when not valid: what is wrong, for the final drop */
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Bytes [off, off + n) of the payload, for a rule's load: are they there?
 * Past a cut capture the kernel had them and we do not: the rule's outcome,
 * and so the answer, is unknown. */
static bool has(struct ctx *c, size_t off, size_t n)
{
	if (off <= c->len && n <= c->len - off)
		return true;
	if (c->is_cut)
		c->is_unknown = true;
	return false;
}

/* The same for bytes only the description reads. */
static bool is_there(const struct ctx *c, size_t off, size_t n)
{
	return off <= c->len && n <= c->len - off;
}

/* A transport header load: only with a validated header and a first fragment. */
static bool th(struct ctx *c, const struct l4 *l, size_t off, size_t n)
{
	return l->is_valid && l->fragoff == 0 && has(c, l->thoff + off, n);
}

static bool is_icmp6(struct ctx *c, const struct l4 *l, uint8_t type)
{
	return l->is_valid && l->proto == PROTO_IP_ICMPV6 && th(c, l, 0, 1) &&
	       c->p[l->thoff] == type;
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static const char *addr_str(int family, const uint8_t *src, char buf[INET6_ADDRSTRLEN])
{
	uint8_t a[16] = { 0 };

	memcpy(a, src, family == AF_INET ? 4 : 16);
	if (!inet_ntop(family, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

static const char *mac_str(const uint8_t *m, char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static void vsay(struct explain *e, enum explain_reason r, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static void vsay(struct explain *e, enum explain_reason r, const char *fmt, va_list ap)
{
	memset(e, 0, sizeof(*e));
	e->reason = r;
	vsnprintf(e->what, sizeof(e->what), fmt, ap);
}

/* The result: rule r drops the frame. */
static void say(struct ctx *c, enum explain_reason r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(struct ctx *c, enum explain_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(&c->out, r, fmt, ap);
	va_end(ap);
}

/* The frame reaches an accept: report the guess if there is one, else
 * describe the frame. */
static void allowed(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void allowed(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (c->has_guess) {
		c->out = c->guess;
		return;
	}
	va_start(ap, fmt);
	vsay(&c->out, EXPLAIN_REASON_NONE, fmt, ap);
	va_end(ap);
	n = strlen(c->out.what);
	if (c->v)
		snprintf(c->out.what + n, sizeof(c->out.what) - n,
			 " (allowed by its current rules)");
}

/*
 * c->out names an address check the frame failed.  With a vif that is the
 * answer.  Without one the check is only a guess: keep it and carry on as if
 * it passed, so that a rule that certainly drops the frame still wins, and an
 * accept reports the (latest, most specific) guess.
 */
static bool is_final(struct ctx *c)
{
	if (c->v)
		return true;
	c->guess = c->out;
	c->has_guess = true;
	return false;
}

static void claim(struct ctx *c, int family, const uint8_t *a)
{
	size_t n = family == AF_INET ? 4 : 16;

	/* 0.0.0.0 and :: claim nothing */
	if (is_zero(a, n))
		return;
	c->out.has_claim = true;
	memset(&c->out.claim, 0, sizeof(c->out.claim));
	c->out.claim.family = family;
	c->out.claim.prefixlen = (uint8_t)(n * 8);
	memcpy(c->out.claim.addr, a, n);
}

static void claim_mac(struct ctx *c, const uint8_t *mac)
{
	c->out.has_claim_mac = true;
	memcpy(c->out.claim_mac, mac, 6);
}

static bool in_prefix(const struct vif_addr *a, int family, const uint8_t *addr)
{
	unsigned int width = family == AF_INET ? 32 : 128;
	unsigned int plen = a->prefixlen < width ? a->prefixlen : width;
	uint8_t mask;

	if (a->family != family || memcmp(a->addr, addr, plen / 8) != 0)
		return false;
	if (plen % 8 == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - plen % 8));
	return ((a->addr[plen / 8] ^ addr[plen / 8]) & mask) == 0;
}

/*
 * Do the vif's rules allow addr?  Its v4/v6 sets hold its addresses, and the
 * v6 set its EUI-64 link-local address too when it has an `ip` key; ND
 * targets may always be the link-local address.  Under mac-only there is no
 * address check.  Without a vif: unknown, answered false (see is_final()).
 */
static bool is_allowed(const struct ctx *c, int family, const uint8_t *addr, bool is_nd_target)
{
	size_t n;

	if (!c->v)
		return false;
	if (c->is_mac_only)
		return true;
	n = c->v->n_addrs < VIF_ADDRS_MAX ? c->v->n_addrs : VIF_ADDRS_MAX;
	for (size_t i = 0; i < n; i++)
		if (in_prefix(&c->v->addrs[i], family, addr))
			return true;
	if (family == AF_INET6 && (c->v->has_ip || is_nd_target)) {
		uint8_t ll[16];

		vif_mac_to_eui64_ll(c->v->mac, ll);
		return memcmp(ll, addr, 16) == 0;
	}
	return false;
}

/* ---- Ethernet ---- */

static bool is_vlan_type(uint16_t t)
{
	return t == PROTO_ETHERTYPE_8021Q || t == PROTO_ETHERTYPE_8021AD ||
	       t == PROTO_ETHERTYPE_QINQ_OLD;
}

static const char *vlan_name(uint16_t tpid)
{
	switch (tpid) {
	case PROTO_ETHERTYPE_8021Q:
		return "802.1Q";
	case PROTO_ETHERTYPE_8021AD:
		return "802.1ad";
	case PROTO_ETHERTYPE_QINQ_OLD:
		return "QinQ (0x9100)";
	}
	return "VLAN";
}

/*
 * A tagged frame: `ether type` saw the tag type and none of the three
 * dispatch rules matched.  The outer tag is in the metadata (has_vlan) or, if
 * the kernel left it in the frame, at the start of the payload; an inner tag
 * is always in the payload.
 */
static void explain_vlan(struct ctx *c, const struct explain_frame *f, uint16_t type)
{
	const uint8_t *p = c->p;
	uint16_t tpid, vid;
	size_t off = 0;

	if (f->has_vlan) {
		tpid = f->vlan_proto;
		vid = f->vlan_tci & 0xfff;
	} else {
		tpid = type;
		if (!is_there(c, 0, 2)) {
			say(c, EXPLAIN_REASON_VLAN, "%s tagged frame (truncated)", vlan_name(tpid));
			return;
		}
		vid = be16(p) & 0xfff;
		if (!is_there(c, 2, 2)) {
			say(c, EXPLAIN_REASON_VLAN, "%s tagged frame (VLAN %u)", vlan_name(tpid),
			    vid);
			return;
		}
		type = be16(p + 2);
		off = 4;
	}
	if (is_vlan_type(type) && is_there(c, off, 2))
		say(c, EXPLAIN_REASON_VLAN, "%s tagged frame (VLAN %u, inner VLAN %u)",
		    vlan_name(tpid), vid, be16(p + off) & 0xfff);
	else
		say(c, EXPLAIN_REASON_VLAN, "%s tagged frame (VLAN %u)", vlan_name(tpid), vid);
}

static void explain_ethertype(struct ctx *c, uint16_t type, bool has_hw)
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
		{ 0x0842, "Wake-on-LAN" },  { 0x8035, "RARP" },	       { 0x809b, "AppleTalk" },
		{ 0x80f3, "AARP" },	    { 0x8137, "IPX" },	       { 0x8808, "pause" },
		{ 0x8809, "LACP/slow protocols" }, { 0x8847, "MPLS" }, { 0x8848, "MPLS multicast" },
		{ 0x8863, "PPPoE discovery" }, { 0x8864, "PPPoE session" }, { 0x888e, "EAPOL" },
		{ 0x88cc, "LLDP" },	    { 0x88e5, "MACsec" },      { 0x88f7, "PTP" },
		{ 0x8906, "FCoE" },	    { 0x8914, "FIP" },	       { 0x9000, "loopback" },
	};
	const uint8_t *p = c->p;

	if (type < PROTO_ETHERTYPE_MIN) {
		/* 802.3 length field, then an LLC header: STP is 0x42/0x42 */
		if (is_there(c, 0, 2) && p[0] == 0x42 && p[1] == 0x42)
			say(c, EXPLAIN_REASON_ETHERTYPE, "802.3 frame without an ethertype (STP)");
		else if (has_hw)
			say(c, EXPLAIN_REASON_ETHERTYPE,
			    "802.3 frame without an ethertype (length %u)", type);
		else
			say(c, EXPLAIN_REASON_ETHERTYPE, "802.3 frame without an ethertype");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type) {
			say(c, EXPLAIN_REASON_ETHERTYPE, "ethertype 0x%04x (%s)", type,
			    names[i].name);
			return;
		}
	say(c, EXPLAIN_REASON_ETHERTYPE, "ethertype 0x%04x", type);
}

/* ---- ARP: the -arp chain ---- */

static const char *arp_op_name(uint16_t op)
{
	switch (op) {
	case 3:
		return "RARP request";
	case 4:
		return "RARP reply";
	case 8:
		return "InARP request";
	case 9:
		return "InARP reply";
	case 10:
		return "ARP NAK";
	}
	return "neither request nor reply";
}

static void explain_arp_rules(struct ctx *c)
{
	const uint8_t *p = c->p;
	char a[INET6_ADDRSTRLEN], m[18];
	bool is_gratuitous;
	uint16_t op;

	/* the format checks, each as its own rule */
	if (!has(c, 0, 2))
		goto short_frame;
	if (be16(p) != PROTO_ARP_HTYPE_ETHER) {
		say(c, EXPLAIN_REASON_ARP_FORMAT, "ARP with hardware type %u (not Ethernet)",
		    be16(p));
		return;
	}
	if (!has(c, 2, 2))
		goto short_frame;
	if (be16(p + 2) != PROTO_ETHERTYPE_IPV4) {
		say(c, EXPLAIN_REASON_ARP_FORMAT, "ARP for protocol type 0x%04x (not IPv4)",
		    be16(p + 2));
		return;
	}
	if (!has(c, 4, 1))
		goto short_frame;
	if (p[4] != PROTO_ARP_HLEN_ETHER) {
		say(c, EXPLAIN_REASON_ARP_FORMAT, "ARP with hardware address length %u (not 6)",
		    p[4]);
		return;
	}
	if (!has(c, 5, 1))
		goto short_frame;
	if (p[5] != PROTO_ARP_PLEN_IPV4) {
		say(c, EXPLAIN_REASON_ARP_FORMAT, "ARP with protocol address length %u (not 4)",
		    p[5]);
		return;
	}
	/* arp operation != 1-2 */
	if (!has(c, 6, 2))
		goto short_frame;
	op = be16(p + 6);
	if (op < PROTO_ARP_OP_REQUEST || op > PROTO_ARP_OP_REPLY) {
		say(c, EXPLAIN_REASON_ARP_OPERATION, "ARP operation %u (%s)", op, arp_op_name(op));
		return;
	}
	/* arp saddr ether != MAC */
	if (!has(c, 8, 6))
		goto short_frame;
	if (c->v && memcmp(p + 8, c->v->mac, 6) != 0) {
		say(c, EXPLAIN_REASON_ARP_SENDER_MAC, "ARP with sender mac %s (not its own)",
		    mac_str(p + 8, m));
		claim_mac(c, p + 8);
		return;
	}
	/* the probe accept, then arp saddr ip @set accept */
	if (!has(c, 14, 4))
		goto short_frame;
	if (op == PROTO_ARP_OP_REQUEST && is_zero(p + 14, 4)) {
		if (is_there(c, 24, 4))
			allowed(c, "ARP probe for %s", addr_str(AF_INET, p + 24, a));
		else
			allowed(c, "ARP probe");
		return;
	}
	addr_str(AF_INET, p + 14, a);
	if (is_allowed(c, AF_INET, p + 14, false)) {
		allowed(c, "ARP %s from %s", op == PROTO_ARP_OP_REQUEST ? "request" : "reply", a);
		return;
	}
	is_gratuitous = is_there(c, 24, 4) && memcmp(p + 24, p + 14, 4) == 0;
	say(c, EXPLAIN_REASON_ARP_SENDER_IP, "%sARP %s claiming %s",
	    is_gratuitous ? "gratuitous " : "", op == PROTO_ARP_OP_REQUEST ? "request" : "reply",
	    a);
	claim(c, AF_INET, p + 14);
	/* final or a guess: the chain ends here either way */
	(void)is_final(c);
	return;

short_frame:
	/* Every later rule loads a field the frame does not have, so none
	 * matches but the bare accept that ends the chain under mac-only. */
	if (c->is_mac_only)
		allowed(c, "ARP frame (truncated, %zu bytes)", c->len);
	else
		say(c, EXPLAIN_REASON_MALFORMED, "ARP frame (truncated, %zu bytes)", c->len);
}

static void explain_arp(struct ctx *c)
{
	explain_arp_rules(c);
	if (c->is_unknown)
		say(c, EXPLAIN_REASON_UNKNOWN, "ARP frame (cut at %zu bytes)", c->len);
}

/* ---- IPv4: the -ip chain ---- */

/* nft_set_pktinfo_ipv4_validate() */
static void ip4_parse(struct ctx *c, struct l4 *l)
{
	const uint8_t *p = c->p;
	size_t hlen, tot;

	memset(l, 0, sizeof(*l));
	if (!has(c, 0, 20)) {
		snprintf(l->why, sizeof(l->why), "IPv4 frame (truncated, %zu bytes)", c->len);
		return;
	}
	if (p[0] >> 4 != 4) {
		snprintf(l->why, sizeof(l->why), "IPv4 frame with IP version %u", p[0] >> 4);
		return;
	}
	hlen = (size_t)(p[0] & 0xf) * 4;
	if (hlen < 20) {
		snprintf(l->why, sizeof(l->why), "IPv4 frame with header length %zu", hlen);
		return;
	}
	tot = be16(p + 2);
	/* a cut capture is taken to have been as long as the header says */
	if (tot > c->len && !c->is_cut) {
		snprintf(l->why, sizeof(l->why), "IPv4 frame (truncated, %zu of %zu bytes)",
			 c->len, tot);
		return;
	}
	if (tot < hlen) {
		snprintf(l->why, sizeof(l->why),
			 "IPv4 frame with total length %zu (shorter than its header)", tot);
		return;
	}
	l->is_valid = true;
	l->proto = p[9];
	l->thoff = hlen;
	l->fragoff = be16(p + 6) & 0x1fff;
}

static void explain_ipv4_rules(struct ctx *c)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };
	const uint8_t *p = c->p;
	char a[INET6_ADDRSTRLEN];
	struct l4 l;

	ip4_parse(c, &l);

	/* udp sport 67 */
	if (l.is_valid && l.proto == PROTO_IP_UDP && th(c, &l, 0, 2) &&
	    be16(p + l.thoff) == PROTO_DHCP_SERVER_PORT) {
		say(c, EXPLAIN_REASON_DHCP_SERVER, "UDP from port 67 (DHCP server)");
		return;
	}
	/* ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 accept */
	if (has(c, 12, 4) && is_zero(p + 12, 4) && has(c, 16, 4) &&
	    memcmp(p + 16, bcast, 4) == 0 && l.is_valid && l.proto == PROTO_IP_UDP &&
	    th(c, &l, 0, 4) && be16(p + l.thoff) == PROTO_DHCP_CLIENT_PORT &&
	    be16(p + l.thoff + 2) == PROTO_DHCP_SERVER_PORT) {
		allowed(c, "DHCP request from 0.0.0.0");
		return;
	}
	/* ip saddr != @set */
	if (!c->is_mac_only && has(c, 12, 4) && !is_allowed(c, AF_INET, p + 12, false)) {
		if (!is_zero(p + 12, 4)) {
			say(c, EXPLAIN_REASON_IP_SADDR, "IPv4 from %s",
			    addr_str(AF_INET, p + 12, a));
			claim(c, AF_INET, p + 12);
		} else if (l.is_valid && l.proto == PROTO_IP_UDP && l.fragoff == 0 &&
			   is_there(c, l.thoff, 4) &&
			   (be16(p + l.thoff) == PROTO_DHCP_CLIENT_PORT ||
			    be16(p + l.thoff + 2) == PROTO_DHCP_SERVER_PORT)) {
			say(c, EXPLAIN_REASON_IP_SADDR, "DHCP-like packet from 0.0.0.0");
		} else {
			say(c, EXPLAIN_REASON_IP_SADDR, "IPv4 from 0.0.0.0");
		}
		if (is_final(c))
			return;
	}
	/* meta l4proto 0-255 accept, else the final drop */
	if (l.is_valid)
		allowed(c, "IPv4 from %s", addr_str(AF_INET, p + 12, a));
	else
		say(c, EXPLAIN_REASON_MALFORMED, "%s", l.why);
}

static void explain_ipv4(struct ctx *c)
{
	char a[INET6_ADDRSTRLEN];

	explain_ipv4_rules(c);
	if (!c->is_unknown)
		return;
	if (is_there(c, 12, 4)) {
		say(c, EXPLAIN_REASON_UNKNOWN, "IPv4 from %s (cut at %zu bytes)",
		    addr_str(AF_INET, c->p + 12, a), c->len);
		claim(c, AF_INET, c->p + 12);
	} else {
		say(c, EXPLAIN_REASON_UNKNOWN, "IPv4 frame (cut at %zu bytes)", c->len);
	}
}

/* ---- IPv6: the -ip6, -dad, -na, -ns and -nd chains ---- */

static bool is_ext_hdr(uint8_t nh)
{
	return nh == PROTO_IP_HOPOPTS || nh == PROTO_IP_ROUTING || nh == PROTO_IP_FRAGMENT ||
	       nh == PROTO_IP_AH || nh == PROTO_IP_NONE || nh == PROTO_IP_DSTOPTS;
}

/*
 * ipv6_find_hdr() as nf_tables calls it.  target >= 0: find that header
 * (`exthdr frag exists`, which walks through AH).  target < 0: the l4
 * protocol for nft_pktinfo, which stops at AH (IP6_FH_F_AUTH), so ICMPv6
 * behind AH has l4proto 51 to the rules.  Returns the header type and its
 * offset, -ENOENT or -EBADMSG (a header runs past the frame).
 */
static int find_hdr(struct ctx *c, int target, size_t *ret_off, uint16_t *ret_fragoff)
{
	const uint8_t *p = c->p;
	size_t start = 40, hdrlen;
	uint16_t fragoff = 0;
	bool found;
	uint8_t nh;

	if (!has(c, 6, 1))
		return -EBADMSG;
	nh = p[6];
	for (;;) {
		found = nh == target;
		if (!is_ext_hdr(nh) || nh == PROTO_IP_NONE) {
			if (target < 0 || found)
				break;
			return -ENOENT;
		}
		if (!has(c, start, 2))
			return -EBADMSG;
		if (nh == PROTO_IP_ROUTING && !has(c, start, 4))
			return -EBADMSG;
		if (nh == PROTO_IP_FRAGMENT) {
			uint16_t fo;

			if (!has(c, start + 2, 2))
				return -EBADMSG;
			fo = be16(p + start + 2) & ~7;
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
static void ip6_parse(struct ctx *c, struct l4 *l)
{
	const uint8_t *p = c->p;
	size_t plen, thoff;
	uint16_t fragoff;
	int r;

	memset(l, 0, sizeof(*l));
	if (!has(c, 0, 40)) {
		snprintf(l->why, sizeof(l->why), "IPv6 frame (truncated, %zu bytes)", c->len);
		return;
	}
	if (p[0] >> 4 != 6) {
		snprintf(l->why, sizeof(l->why), "IPv6 frame with IP version %u", p[0] >> 4);
		return;
	}
	plen = be16(p + 4);
	/* a cut capture is taken to have been as long as the header says */
	if (plen + 40 > c->len && !c->is_cut) {
		snprintf(l->why, sizeof(l->why), "IPv6 frame (truncated, %zu of %zu bytes)", c->len,
			 plen + 40);
		return;
	}
	r = find_hdr(c, -1, &thoff, &fragoff);
	if (r == -EBADMSG) {
		snprintf(l->why, sizeof(l->why), "IPv6 frame (truncated in its extension headers)");
		return;
	}
	if (r < 0) {
		snprintf(l->why, sizeof(l->why),
			 "IPv6 fragment with an extension header after the fragment header");
		return;
	}
	l->is_valid = true;
	l->proto = (uint8_t)r;
	l->thoff = thoff;
	l->fragoff = fragoff;
}

/*
 * The -nd chain: the target of an NA or a DAD solicitation must be the
 * vif's (mac-only: a bare accept).  Reached only with a validated header
 * whose payload length covers the target.
 */
static void nd_target(struct ctx *c, const struct l4 *l, bool is_dad)
{
	const char *what = is_dad ? "DAD" : "neighbor advertisement";
	char a[INET6_ADDRSTRLEN];
	const uint8_t *t;

	if (c->is_mac_only) {
		if (is_there(c, l->thoff + 8, 16))
			allowed(c, "%s for %s", what, addr_str(AF_INET6, c->p + l->thoff + 8, a));
		else
			allowed(c, "%s", what);
		return;
	}
	if (!th(c, l, 8, 16)) {
		say(c, EXPLAIN_REASON_MALFORMED, "%s (truncated)", what);
		return;
	}
	t = c->p + l->thoff + 8;
	addr_str(AF_INET6, t, a);
	if (is_allowed(c, AF_INET6, t, true)) {
		allowed(c, "%s for %s", what, a);
		return;
	}
	if (is_dad)
		say(c, EXPLAIN_REASON_ND_TARGET, "DAD for %s", a);
	else
		say(c, EXPLAIN_REASON_ND_TARGET, "neighbor advertisement claiming %s", a);
	claim(c, AF_INET6, t);
	/* final or a guess: the chain ends here either way */
	(void)is_final(c);
}

/*
 * The -na and -ns chains: the message right after the fixed header with no
 * option, or with exactly one link-layer option (type opt) carrying the
 * vif's mac.  Returns true if one of those rules matches.
 */
static bool nd_form_ok(struct ctx *c, const struct l4 *l, uint8_t opt)
{
	const uint8_t *p = c->p;
	size_t plen = be16(p + 4);

	if (p[6] != PROTO_IP_ICMPV6)
		return false;
	if (plen == PROTO_ND_MSG_LEN)
		return true;
	return plen == ND_LEN_ONE_OPT && th(c, l, PROTO_ND_MSG_LEN, PROTO_ND_OPT_UNIT) &&
	       p[l->thoff + PROTO_ND_MSG_LEN] == opt && p[l->thoff + PROTO_ND_MSG_LEN + 1] == 1 &&
	       (!c->v || memcmp(p + l->thoff + PROTO_ND_MSG_LEN + 2, c->v->mac, 6) == 0);
}

/* Why nd_form_ok() said no. */
static void nd_form_drop(struct ctx *c, const struct l4 *l, const char *what, uint8_t opt)
{
	const uint8_t *p = c->p;
	size_t o = l->thoff + PROTO_ND_MSG_LEN;

	if (p[6] != PROTO_IP_ICMPV6) {
		say(c, EXPLAIN_REASON_ND_FORM, "%s behind an extension header", what);
	} else if (be16(p + 4) == ND_LEN_ONE_OPT && is_there(c, o, PROTO_ND_OPT_UNIT) &&
		   p[o] == opt && p[o + 1] == 1) {
		say(c, EXPLAIN_REASON_ND_FORM, "%s with a foreign link-layer option", what);
		claim_mac(c, p + o + 2);
	} else {
		say(c, EXPLAIN_REASON_ND_FORM, "%s with unexpected options", what);
	}
}

/* The -dad chain: from ::, only DAD solicitations and MLD reports. */
static void explain_dad(struct ctx *c, const struct l4 *l)
{
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	const uint8_t *p = c->p;
	char a[INET6_ADDRSTRLEN];
	bool is_ns = is_icmp6(c, l, PROTO_ICMPV6_NEIGHBOR_SOLICIT);
	/* a validated header has its 40 bytes */
	bool is_to_snm = is_ns && memcmp(p + 24, snm, 13) == 0;
	bool is_bare = is_to_snm && p[6] == PROTO_IP_ICMPV6;
	/* the caller saw the source address: the fixed header is there */
	size_t plen = be16(p + 4);

	if (is_bare && plen == PROTO_ND_MSG_LEN) {
		nd_target(c, l, true);
		return;
	}
	/* exactly one nonce option (RFC 7527) */
	if (is_bare && plen == ND_LEN_ONE_OPT && th(c, l, PROTO_ND_MSG_LEN, 2) &&
	    p[l->thoff + PROTO_ND_MSG_LEN] == PROTO_ND_OPT_NONCE &&
	    p[l->thoff + PROTO_ND_MSG_LEN + 1] == 1) {
		nd_target(c, l, true);
		return;
	}
	if (is_icmp6(c, l, PROTO_ICMPV6_MLD_REPORT) || is_icmp6(c, l, PROTO_ICMPV6_MLD2_REPORT)) {
		allowed(c, "MLD report from ::");
		return;
	}
	if (is_ns) {
		if (!is_to_snm)
			say(c, EXPLAIN_REASON_ND_FORM,
			    "neighbor solicitation from :: to %s (not a solicited-node group)",
			    addr_str(AF_INET6, p + 24, a));
		else if (p[6] != PROTO_IP_ICMPV6)
			say(c, EXPLAIN_REASON_ND_FORM, "DAD behind an extension header");
		else if (plen == ND_LEN_ONE_OPT && is_there(c, l->thoff + PROTO_ND_MSG_LEN, 1) &&
			 p[l->thoff + PROTO_ND_MSG_LEN] == PROTO_ND_OPT_SOURCE_LL)
			/* RFC 4861 7.1.1: never from the unspecified address */
			say(c, EXPLAIN_REASON_ND_FORM, "DAD with a source link-layer option");
		else
			say(c, EXPLAIN_REASON_ND_FORM, "DAD with unexpected options");
		return;
	}
	if (!l->is_valid)
		say(c, EXPLAIN_REASON_MALFORMED, "%s", l->why);
	else
		say(c, EXPLAIN_REASON_IP6_UNSPEC, "IPv6 from :: (neither DAD nor MLD)");
}

static void explain_ipv6_rules(struct ctx *c)
{
	const uint8_t *p = c->p;
	char a[INET6_ADDRSTRLEN];
	uint16_t fragoff;
	size_t off;
	struct l4 l;

	ip6_parse(c, &l);

	/* exthdr frag exists meta l4proto ipv6-icmp (l4proto first: when it
	 * does not match, bytes the walk cannot see change nothing) */
	if (l.is_valid && l.proto == PROTO_IP_ICMPV6 &&
	    find_hdr(c, PROTO_IP_FRAGMENT, &off, &fragoff) >= 0) {
		say(c, EXPLAIN_REASON_ICMPV6_FRAGMENT, "fragmented ICMPv6");
		return;
	}
	/* meta l4proto ah: nf_tables stops at AH, so AH drops */
	if (l.is_valid && l.proto == PROTO_IP_AH) {
		say(c, EXPLAIN_REASON_IPV6_AH, "IPv6 with an AH header");
		return;
	}
	if (is_icmp6(c, &l, PROTO_ICMPV6_ROUTER_ADVERT)) {
		say(c, EXPLAIN_REASON_ROUTER_ADVERT, "router advertisement");
		return;
	}
	if (is_icmp6(c, &l, PROTO_ICMPV6_REDIRECT)) {
		say(c, EXPLAIN_REASON_REDIRECT, "ICMPv6 redirect");
		return;
	}
	/* udp sport 547 */
	if (l.is_valid && l.proto == PROTO_IP_UDP && th(c, &l, 0, 2) &&
	    be16(p + l.thoff) == PROTO_DHCPV6_SERVER_PORT) {
		say(c, EXPLAIN_REASON_DHCPV6_SERVER, "DHCPv6 server message (UDP port 547)");
		return;
	}
	/* ip6 saddr :: goto -dad */
	if (has(c, 8, 16) && is_zero(p + 8, 16)) {
		explain_dad(c, &l);
		return;
	}
	/* ip6 saddr != @set */
	if (!c->is_mac_only && has(c, 8, 16) && !is_allowed(c, AF_INET6, p + 8, false)) {
		say(c, EXPLAIN_REASON_IP6_SADDR, "IPv6 from %s", addr_str(AF_INET6, p + 8, a));
		claim(c, AF_INET6, p + 8);
		if (is_final(c))
			return;
	}
	if (is_icmp6(c, &l, PROTO_ICMPV6_NEIGHBOR_ADVERT)) {
		if (nd_form_ok(c, &l, PROTO_ND_OPT_TARGET_LL))
			nd_target(c, &l, false);
		else
			nd_form_drop(c, &l, "neighbor advertisement", PROTO_ND_OPT_TARGET_LL);
		return;
	}
	if (is_icmp6(c, &l, PROTO_ICMPV6_NEIGHBOR_SOLICIT)) {
		if (!nd_form_ok(c, &l, PROTO_ND_OPT_SOURCE_LL))
			nd_form_drop(c, &l, "neighbor solicitation", PROTO_ND_OPT_SOURCE_LL);
		else if (is_there(c, l.thoff + 8, 16))
			allowed(c, "neighbor solicitation for %s",
				addr_str(AF_INET6, p + l.thoff + 8, a));
		else
			allowed(c, "neighbor solicitation");
		return;
	}
	/* meta l4proto 0-255 accept, else the final drop */
	if (l.is_valid)
		allowed(c, "IPv6 from %s", addr_str(AF_INET6, p + 8, a));
	else
		say(c, EXPLAIN_REASON_MALFORMED, "%s", l.why);
}

static void explain_ipv6(struct ctx *c)
{
	char a[INET6_ADDRSTRLEN];

	explain_ipv6_rules(c);
	if (!c->is_unknown)
		return;
	if (is_there(c, 8, 16)) {
		say(c, EXPLAIN_REASON_UNKNOWN, "IPv6 from %s (cut at %zu bytes)",
		    addr_str(AF_INET6, c->p + 8, a), c->len);
		claim(c, AF_INET6, c->p + 8);
	} else {
		say(c, EXPLAIN_REASON_UNKNOWN, "IPv6 frame (cut at %zu bytes)", c->len);
	}
}

/* ---- the vif's main chain ---- */

int explain_frame(const struct explain_frame *f, const struct policy *pol, const struct vif *v,
		  struct explain *ret)
{
	const uint8_t *hw = NULL;
	struct ctx c = { 0 };
	char m[18];
	uint16_t type;

	if (!f || !ret || (!f->hw && f->hw_len > 0) || (!f->payload && f->payload_len > 0))
		return -EINVAL;

	c.p = f->payload;
	c.len = f->payload_len;
	c.is_cut = f->snaplen > 0 && f->payload_len >= f->snaplen;
	c.v = v;
	c.is_mac_only = v && !v->has_ip && pol && pol->no_ip == POLICY_NO_IP_MAC_ONLY;
	if (f->hw && f->hw_len >= PROTO_ETH_HDR_LEN)
		hw = f->hw;

	/* ether saddr != MAC */
	if (hw && v && memcmp(hw + 6, v->mac, 6) != 0) {
		say(&c, EXPLAIN_REASON_ETHER_SADDR, "frame with source mac %s (not its own)",
		    mac_str(hw + 6, m));
		claim_mac(&c, hw + 6);
		goto done;
	}
	/* ether type ip/arp/ip6 goto ..., else the final drop */
	type = hw ? be16(hw + 12) : f->proto;
	if (f->has_vlan || is_vlan_type(type)) {
		explain_vlan(&c, f, type);
		goto done;
	}
	switch (type) {
	case PROTO_ETHERTYPE_IPV4:
		explain_ipv4(&c);
		break;
	case PROTO_ETHERTYPE_ARP:
		explain_arp(&c);
		break;
	case PROTO_ETHERTYPE_IPV6:
		explain_ipv6(&c);
		break;
	default:
		explain_ethertype(&c, type, hw != NULL);
		break;
	}
done:
	*ret = c.out;
	return 0;
}
