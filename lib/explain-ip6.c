// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IPv6 drop attribution (explain-ip6.h): the guest-ip6 chain and the ND
 * chains behind it in rule order; the first rule that drops the frame
 * names it.
 */
#include "explain-ip6.h"

#include <arpa/inet.h>
#include <string.h>

#include "proto.h"

/* an NS or NA with exactly one option of one unit (a link-layer address, a nonce) */
#define ND_LEN_ONE_OPT (PROTO_ND_MSG_LEN + PROTO_ND_OPT_UNIT)

/*
 * The -nd chain: the target of an NA or a DAD solicitation must be the
 * vif's (mac-only: a bare accept).  Reached only with a validated header
 * whose payload length covers the target.
 */
static void nd_target(struct explain_replay *c, const struct explain_decode_l4 *l, bool is_dad)
{
	const char *what = is_dad ? "DAD" : "neighbor advertisement";
	char a[INET6_ADDRSTRLEN];
	const uint8_t *t;

	/* @th,64,128 @protect-nd goto guest-drop: only a target that is there
	 * can match (with none protected, nothing is loaded) */
	if (c->n_prot > 0 && explain_decode_th(&c->d, l, 8, 16) &&
	    explain_replay_is_protected(c, AF_INET6, c->d.p + l->thoff + 8)) {
		t = c->d.p + l->thoff + 8;
		explain_replay_say(c, EXPLAIN_REASON_PROTECTED, "%s %s (protected)",
				   is_dad ? "DAD for" : "neighbor advertisement claiming",
				   explain_replay_addr_str(AF_INET6, t, a));
		explain_replay_claim(c, AF_INET6, t);
		return;
	}
	if (c->is_mac_only) {
		if (explain_decode_is_there(&c->d, l->thoff + 8, 16))
			explain_replay_allowed(
			    c, "%s for %s", what,
			    explain_replay_addr_str(AF_INET6, c->d.p + l->thoff + 8, a));
		else
			explain_replay_allowed(c, "%s", what);
		return;
	}
	if (!explain_decode_th(&c->d, l, 8, 16)) {
		explain_replay_say(c, EXPLAIN_REASON_MALFORMED, "%s (truncated)", what);
		return;
	}
	t = c->d.p + l->thoff + 8;
	explain_replay_addr_str(AF_INET6, t, a);
	if (explain_replay_is_allowed(c, AF_INET6, t, true)) {
		explain_replay_allowed(c, "%s for %s", what, a);
		return;
	}
	if (is_dad)
		explain_replay_say(c, EXPLAIN_REASON_ND_TARGET, "DAD for %s", a);
	else
		explain_replay_say(c, EXPLAIN_REASON_ND_TARGET,
				   "neighbor advertisement claiming %s", a);
	explain_replay_claim(c, AF_INET6, t);
	/* final or a guess: the chain ends here either way */
	(void)explain_replay_is_final(c);
}

/*
 * The -na and -ns chains: the message right after the fixed header with no
 * option, or with exactly one link-layer option (type opt) carrying the
 * vif's mac.  Returns true if one of those rules matches.
 */
static bool nd_form_ok(struct explain_replay *c, const struct explain_decode_l4 *l, uint8_t opt)
{
	const uint8_t *p = c->d.p;
	size_t plen = explain_decode_be16(p + 4);

	if (p[6] != PROTO_IP_ICMPV6)
		return false;
	if (plen == PROTO_ND_MSG_LEN)
		return true;
	return plen == ND_LEN_ONE_OPT &&
	       explain_decode_th(&c->d, l, PROTO_ND_MSG_LEN, PROTO_ND_OPT_UNIT) &&
	       p[l->thoff + PROTO_ND_MSG_LEN] == opt && p[l->thoff + PROTO_ND_MSG_LEN + 1] == 1 &&
	       (!c->v || explain_replay_is_vif_mac(c->v, p + l->thoff + PROTO_ND_MSG_LEN + 2));
}

/* Why nd_form_ok() said no. */
static void nd_form_drop(struct explain_replay *c, const struct explain_decode_l4 *l,
			 const char *what, uint8_t opt)
{
	const uint8_t *p = c->d.p;
	size_t o = l->thoff + PROTO_ND_MSG_LEN;

	if (p[6] != PROTO_IP_ICMPV6) {
		explain_replay_say(c, EXPLAIN_REASON_ND_FORM, "%s behind an extension header",
				   what);
	} else if (explain_decode_be16(p + 4) == ND_LEN_ONE_OPT &&
		   explain_decode_is_there(&c->d, o, PROTO_ND_OPT_UNIT) && p[o] == opt &&
		   p[o + 1] == 1) {
		explain_replay_say(c, EXPLAIN_REASON_ND_FORM, "%s with a foreign link-layer option",
				   what);
		explain_replay_claim_mac(c, p + o + 2);
	} else {
		explain_replay_say(c, EXPLAIN_REASON_ND_FORM, "%s with unexpected options", what);
	}
}

/* The -dad chain: from ::, only DAD solicitations and MLD reports. */
static void dad_rules(struct explain_replay *c, const struct explain_decode_l4 *l)
{
	static const uint8_t snm[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	const uint8_t *p = c->d.p;
	char a[INET6_ADDRSTRLEN];
	bool is_ns = explain_replay_is_icmp6(c, l, PROTO_ICMPV6_NEIGHBOR_SOLICIT);
	/* a validated header has its 40 bytes */
	bool is_to_snm = is_ns && memcmp(p + 24, snm, 13) == 0;
	bool is_bare = is_to_snm && p[6] == PROTO_IP_ICMPV6;
	/* the caller saw the source address: the fixed header is there */
	size_t plen = explain_decode_be16(p + 4);

	if (is_bare && plen == PROTO_ND_MSG_LEN) {
		nd_target(c, l, true);
		return;
	}
	/* exactly one nonce option (RFC 7527) */
	if (is_bare && plen == ND_LEN_ONE_OPT && explain_decode_th(&c->d, l, PROTO_ND_MSG_LEN, 2) &&
	    p[l->thoff + PROTO_ND_MSG_LEN] == PROTO_ND_OPT_NONCE &&
	    p[l->thoff + PROTO_ND_MSG_LEN + 1] == 1) {
		nd_target(c, l, true);
		return;
	}
	if (explain_replay_is_icmp6(c, l, PROTO_ICMPV6_MLD_REPORT) ||
	    explain_replay_is_icmp6(c, l, PROTO_ICMPV6_MLD2_REPORT)) {
		explain_replay_allowed(c, "MLD report from ::");
		return;
	}
	if (is_ns) {
		if (!is_to_snm)
			explain_replay_say(
			    c, EXPLAIN_REASON_ND_FORM,
			    "neighbor solicitation from :: to %s (not a solicited-node group)",
			    explain_replay_addr_str(AF_INET6, p + 24, a));
		else if (p[6] != PROTO_IP_ICMPV6)
			explain_replay_say(c, EXPLAIN_REASON_ND_FORM,
					   "DAD behind an extension header");
		else if (plen == ND_LEN_ONE_OPT &&
			 explain_decode_is_there(&c->d, l->thoff + PROTO_ND_MSG_LEN, 1) &&
			 p[l->thoff + PROTO_ND_MSG_LEN] == PROTO_ND_OPT_SOURCE_LL)
			/* RFC 4861 7.1.1: never from the unspecified address */
			explain_replay_say(c, EXPLAIN_REASON_ND_FORM,
					   "DAD with a source link-layer option");
		else
			explain_replay_say(c, EXPLAIN_REASON_ND_FORM,
					   "DAD with unexpected options");
		return;
	}
	if (!l->is_valid)
		explain_replay_say(c, EXPLAIN_REASON_MALFORMED, "%s", l->why);
	else
		explain_replay_say(c, EXPLAIN_REASON_IP6_UNSPEC,
				   "IPv6 from :: (neither DAD nor MLD)");
}

/*
 * The -frag6 chain, for a frame with a fragment header (fragoff: its
 * offset).  Returns true when it decides the frame, false when a first
 * fragment returns to the checks of guest-ip6.
 */
static bool frag6_rules(struct explain_replay *c, const struct explain_decode_l4 *l,
			uint16_t fragoff)
{
	const uint8_t *p = c->d.p;
	char a[INET6_ADDRSTRLEN];

	if (fragoff) {
		/* frag frag-off != 0 jump src-ip6; frag frag-off != 0 accept (the
		 * fragment header was found, so the fixed header is there) */
		explain_replay_addr_str(AF_INET6, p + 8, a);
		if (explain_replay_is_protected(c, AF_INET6, p + 8)) {
			explain_replay_say(c, EXPLAIN_REASON_PROTECTED,
					   "IPv6 fragment from %s (protected)", a);
			explain_replay_claim(c, AF_INET6, p + 8);
			return true;
		}
		if (!c->is_mac_only && !explain_replay_is_allowed(c, AF_INET6, p + 8, false)) {
			explain_replay_say(c, EXPLAIN_REASON_IP6_SADDR, "IPv6 fragment from %s", a);
			explain_replay_claim(c, AF_INET6, p + 8);
			if (explain_replay_is_final(c))
				return true;
		}
		explain_replay_allowed(c, "IPv6 fragment from %s", a);
		return true;
	}
	/* icmpv6 type 133-137: neighbour discovery is never fragmented (RFC 6980) */
	if (l->is_valid && l->proto == PROTO_IP_ICMPV6 && explain_decode_th(&c->d, l, 0, 1) &&
	    p[l->thoff] >= PROTO_ICMPV6_ROUTER_SOLICIT && p[l->thoff] <= PROTO_ICMPV6_REDIRECT) {
		explain_replay_say(c, EXPLAIN_REASON_ICMPV6_FRAGMENT,
				   "neighbor discovery (ICMPv6 type %u) in a fragment",
				   p[l->thoff]);
		return true;
	}
	/* @th,0,64 0x0-0xffffffffffffffff return: the upper-layer header is in
	 * the first fragment (RFC 7112) */
	if (explain_decode_th(&c->d, l, 0, 8))
		return false;
	if (!l->is_valid)
		explain_replay_say(c, EXPLAIN_REASON_MALFORMED, "%s", l->why);
	else
		explain_replay_say(c, EXPLAIN_REASON_ICMPV6_FRAGMENT,
				   "IPv6 first fragment without its upper-layer header");
	return true;
}

static void ip6_rules(struct explain_replay *c)
{
	const uint8_t *p = c->d.p;
	char a[INET6_ADDRSTRLEN];
	uint16_t fragoff;
	size_t off;
	struct explain_decode_l4 l;

	explain_decode_ip6(&c->d, &l);

	/* exthdr frag exists jump guest-frag6 */
	if (explain_decode_find_hdr(&c->d, PROTO_IP_FRAGMENT, &off, &fragoff) >= 0 &&
	    frag6_rules(c, &l, fragoff))
		return;
	/* meta l4proto ah: nf_tables stops at AH, so AH drops */
	if (l.is_valid && l.proto == PROTO_IP_AH) {
		explain_replay_say(c, EXPLAIN_REASON_IPV6_AH, "IPv6 with an AH header");
		return;
	}
	if (explain_replay_is_icmp6(c, &l, PROTO_ICMPV6_ROUTER_ADVERT)) {
		explain_replay_say(c, EXPLAIN_REASON_ROUTER_ADVERT, "router advertisement");
		return;
	}
	if (explain_replay_is_icmp6(c, &l, PROTO_ICMPV6_REDIRECT)) {
		explain_replay_say(c, EXPLAIN_REASON_REDIRECT, "ICMPv6 redirect");
		return;
	}
	/* udp sport 547 */
	if (l.is_valid && l.proto == PROTO_IP_UDP && explain_decode_th(&c->d, &l, 0, 2) &&
	    explain_decode_be16(p + l.thoff) == PROTO_DHCPV6_SERVER_PORT) {
		explain_replay_say(c, EXPLAIN_REASON_DHCPV6_SERVER,
				   "DHCPv6 server message (UDP port 547)");
		return;
	}
	/* ip6 saddr :: goto -dad */
	if (explain_decode_has(&c->d, 8, 16) && explain_replay_is_zero(p + 8, 16)) {
		dad_rules(c, &l);
		return;
	}
	/* jump src-ip6: ip6 saddr @protect6 goto guest-drop */
	if (explain_decode_has(&c->d, 8, 16) && explain_replay_is_protected(c, AF_INET6, p + 8)) {
		explain_replay_say(c, EXPLAIN_REASON_PROTECTED, "IPv6 from %s (protected)",
				   explain_replay_addr_str(AF_INET6, p + 8, a));
		explain_replay_claim(c, AF_INET6, p + 8);
		return;
	}
	/* ip6 saddr != @set */
	if (!c->is_mac_only && explain_decode_has(&c->d, 8, 16) &&
	    !explain_replay_is_allowed(c, AF_INET6, p + 8, false)) {
		explain_replay_say(c, EXPLAIN_REASON_IP6_SADDR, "IPv6 from %s",
				   explain_replay_addr_str(AF_INET6, p + 8, a));
		explain_replay_claim(c, AF_INET6, p + 8);
		if (explain_replay_is_final(c))
			return;
	}
	if (explain_replay_is_icmp6(c, &l, PROTO_ICMPV6_NEIGHBOR_ADVERT)) {
		if (nd_form_ok(c, &l, PROTO_ND_OPT_TARGET_LL))
			nd_target(c, &l, false);
		else
			nd_form_drop(c, &l, "neighbor advertisement", PROTO_ND_OPT_TARGET_LL);
		return;
	}
	if (explain_replay_is_icmp6(c, &l, PROTO_ICMPV6_NEIGHBOR_SOLICIT)) {
		if (!nd_form_ok(c, &l, PROTO_ND_OPT_SOURCE_LL))
			nd_form_drop(c, &l, "neighbor solicitation", PROTO_ND_OPT_SOURCE_LL);
		else if (explain_decode_is_there(&c->d, l.thoff + 8, 16))
			explain_replay_allowed(
			    c, "neighbor solicitation for %s",
			    explain_replay_addr_str(AF_INET6, p + l.thoff + 8, a));
		else
			explain_replay_allowed(c, "neighbor solicitation");
		return;
	}
	/* meta l4proto 0-255 accept, else the final drop */
	if (l.is_valid)
		explain_replay_allowed(c, "IPv6 from %s",
				       explain_replay_addr_str(AF_INET6, p + 8, a));
	else
		explain_replay_say(c, EXPLAIN_REASON_MALFORMED, "%s", l.why);
}

void explain_ip6_replay(struct explain_replay *c)
{
	char a[INET6_ADDRSTRLEN];

	ip6_rules(c);
	if (!c->d.is_unknown)
		return;
	if (explain_decode_is_there(&c->d, 8, 16)) {
		explain_replay_say(c, EXPLAIN_REASON_UNKNOWN, "IPv6 from %s (cut at %zu bytes)",
				   explain_replay_addr_str(AF_INET6, c->d.p + 8, a), c->d.len);
		explain_replay_claim(c, AF_INET6, c->d.p + 8);
	} else {
		explain_replay_say(c, EXPLAIN_REASON_UNKNOWN, "IPv6 frame (cut at %zu bytes)",
				   c->d.len);
	}
}
