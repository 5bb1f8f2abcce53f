// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ARP and IPv4 drop attribution (explain-ip4.h): the guest-arp and guest-ip
 * chains in rule order; the first rule that drops the frame names it.
 */
#include "explain-ip4.h"

#include <arpa/inet.h>
#include <string.h>

#include "proto.h"

/* ---- ARP: the guest-arp chain (and src-arp) ---- */

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

static void arp_rules(struct explain_replay *c)
{
	const uint8_t *p = c->d.p;
	char a[INET6_ADDRSTRLEN], m[18];
	bool is_gratuitous;
	uint16_t op;

	/* the format checks, each as its own rule */
	if (!explain_decode_has(&c->d, 0, 2))
		goto short_frame;
	if (explain_decode_be16(p) != PROTO_ARP_HTYPE_ETHER) {
		explain_replay_say(c, EXPLAIN_REASON_ARP_FORMAT,
				   "ARP with hardware type %u (not Ethernet)",
				   explain_decode_be16(p));
		return;
	}
	if (!explain_decode_has(&c->d, 2, 2))
		goto short_frame;
	if (explain_decode_be16(p + 2) != PROTO_ETHERTYPE_IPV4) {
		explain_replay_say(c, EXPLAIN_REASON_ARP_FORMAT,
				   "ARP for protocol type 0x%04x (not IPv4)",
				   explain_decode_be16(p + 2));
		return;
	}
	if (!explain_decode_has(&c->d, 4, 1))
		goto short_frame;
	if (p[4] != PROTO_ARP_HLEN_ETHER) {
		explain_replay_say(c, EXPLAIN_REASON_ARP_FORMAT,
				   "ARP with hardware address length %u (not 6)", p[4]);
		return;
	}
	if (!explain_decode_has(&c->d, 5, 1))
		goto short_frame;
	if (p[5] != PROTO_ARP_PLEN_IPV4) {
		explain_replay_say(c, EXPLAIN_REASON_ARP_FORMAT,
				   "ARP with protocol address length %u (not 4)", p[5]);
		return;
	}
	/* arp operation != 1-2 */
	if (!explain_decode_has(&c->d, 6, 2))
		goto short_frame;
	op = explain_decode_be16(p + 6);
	if (op < PROTO_ARP_OP_REQUEST || op > PROTO_ARP_OP_REPLY) {
		explain_replay_say(c, EXPLAIN_REASON_ARP_OPERATION, "ARP operation %u (%s)", op,
				   arp_op_name(op));
		return;
	}
	/* arp saddr ether != MAC */
	if (!explain_decode_has(&c->d, 8, 6))
		goto short_frame;
	if (c->v && !explain_replay_is_vif_mac(c->v, p + 8)) {
		explain_replay_say(c, EXPLAIN_REASON_ARP_SENDER_MAC,
				   "ARP with sender mac %s (not its own)",
				   explain_replay_mac_str(p + 8, m));
		explain_replay_claim_mac(c, p + 8);
		return;
	}
	/* the probe accept, then arp saddr ip @set accept */
	if (!explain_decode_has(&c->d, 14, 4))
		goto short_frame;
	if (op == PROTO_ARP_OP_REQUEST && explain_replay_is_zero(p + 14, 4)) {
		if (explain_decode_is_there(&c->d, 24, 4))
			explain_replay_allowed(c, "ARP probe for %s",
					       explain_replay_addr_str(AF_INET, p + 24, a));
		else
			explain_replay_allowed(c, "ARP probe");
		return;
	}
	explain_replay_addr_str(AF_INET, p + 14, a);
	is_gratuitous = explain_decode_is_there(&c->d, 24, 4) && memcmp(p + 24, p + 14, 4) == 0;
	/* jump src-arp: arp saddr ip @protect4 goto guest-drop */
	if (explain_replay_is_protected(c, AF_INET, p + 14)) {
		explain_replay_say(c, EXPLAIN_REASON_PROTECTED, "%sARP %s claiming %s (protected)",
				   is_gratuitous ? "gratuitous " : "",
				   op == PROTO_ARP_OP_REQUEST ? "request" : "reply", a);
		explain_replay_claim(c, AF_INET, p + 14);
		return;
	}
	if (explain_replay_is_allowed(c, AF_INET, p + 14, false)) {
		explain_replay_allowed(c, "ARP %s from %s",
				       op == PROTO_ARP_OP_REQUEST ? "request" : "reply", a);
		return;
	}
	explain_replay_say(c, EXPLAIN_REASON_ARP_SENDER_IP, "%sARP %s claiming %s",
			   is_gratuitous ? "gratuitous " : "",
			   op == PROTO_ARP_OP_REQUEST ? "request" : "reply", a);
	explain_replay_claim(c, AF_INET, p + 14);
	/* final or a guess: the chain ends here either way */
	(void)explain_replay_is_final(c);
	return;

short_frame:
	/* Every later rule loads a field the frame does not have, so none
	 * matches but the bare accept that ends the chain under mac-only. */
	if (c->is_mac_only)
		explain_replay_allowed(c, "ARP frame (truncated, %zu bytes)", c->d.len);
	else
		explain_replay_say(c, EXPLAIN_REASON_MALFORMED, "ARP frame (truncated, %zu bytes)",
				   c->d.len);
}

void explain_ip4_arp_replay(struct explain_replay *c)
{
	arp_rules(c);
	if (c->d.is_unknown)
		explain_replay_say(c, EXPLAIN_REASON_UNKNOWN, "ARP frame (cut at %zu bytes)",
				   c->d.len);
}

/* ---- IPv4: the guest-ip chain (and src-ip) ---- */

/* ip frag-off & 8191 == 0: a network header load, so it needs no valid
 * header; the transport loads after it then never meet a later fragment */
static bool is_frag_first(struct explain_replay *c)
{
	return explain_decode_has(&c->d, PROTO_IPV4_FRAG_OFF, 2) &&
	       (explain_decode_be16(c->d.p + PROTO_IPV4_FRAG_OFF) & PROTO_IPV4_FRAG_OFF_MASK) == 0;
}

static void ip_rules(struct explain_replay *c)
{
	static const uint8_t bcast[4] = {255, 255, 255, 255};
	const uint8_t *p = c->d.p;
	char a[INET6_ADDRSTRLEN];
	struct explain_decode_l4 l;

	explain_decode_ip4(&c->d, &l);

	/* ip frag-off & 8191 == 0 udp sport 67 */
	if (is_frag_first(c) && l.is_valid && l.proto == PROTO_IP_UDP &&
	    explain_decode_th(&c->d, &l, 0, 2) &&
	    explain_decode_be16(p + l.thoff) == PROTO_DHCP_SERVER_PORT) {
		explain_replay_say(c, EXPLAIN_REASON_DHCP_SERVER, "UDP from port 67 (DHCP server)");
		return;
	}
	/* ip frag-off & 8191 == 0 ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68
	 * udp dport 67 accept */
	if (is_frag_first(c) && explain_decode_has(&c->d, 12, 4) &&
	    explain_replay_is_zero(p + 12, 4) && explain_decode_has(&c->d, 16, 4) &&
	    memcmp(p + 16, bcast, 4) == 0 && l.is_valid && l.proto == PROTO_IP_UDP &&
	    explain_decode_th(&c->d, &l, 0, 4) &&
	    explain_decode_be16(p + l.thoff) == PROTO_DHCP_CLIENT_PORT &&
	    explain_decode_be16(p + l.thoff + 2) == PROTO_DHCP_SERVER_PORT) {
		explain_replay_allowed(c, "DHCP request from 0.0.0.0");
		return;
	}
	/* jump src-ip: ip saddr @protect4 goto guest-drop */
	if (explain_decode_has(&c->d, 12, 4) && explain_replay_is_protected(c, AF_INET, p + 12)) {
		explain_replay_say(c, EXPLAIN_REASON_PROTECTED, "IPv4 from %s (protected)",
				   explain_replay_addr_str(AF_INET, p + 12, a));
		explain_replay_claim(c, AF_INET, p + 12);
		return;
	}
	/* ip saddr != @set */
	if (!c->is_mac_only && explain_decode_has(&c->d, 12, 4) &&
	    !explain_replay_is_allowed(c, AF_INET, p + 12, false)) {
		if (!explain_replay_is_zero(p + 12, 4)) {
			explain_replay_say(c, EXPLAIN_REASON_IP_SADDR, "IPv4 from %s",
					   explain_replay_addr_str(AF_INET, p + 12, a));
			explain_replay_claim(c, AF_INET, p + 12);
		} else if (l.is_valid && l.proto == PROTO_IP_UDP && l.fragoff == 0 &&
			   explain_decode_is_there(&c->d, l.thoff, 4) &&
			   (explain_decode_be16(p + l.thoff) == PROTO_DHCP_CLIENT_PORT ||
			    explain_decode_be16(p + l.thoff + 2) == PROTO_DHCP_SERVER_PORT)) {
			explain_replay_say(c, EXPLAIN_REASON_IP_SADDR,
					   "DHCP-like packet from 0.0.0.0");
		} else {
			explain_replay_say(c, EXPLAIN_REASON_IP_SADDR, "IPv4 from 0.0.0.0");
		}
		if (explain_replay_is_final(c))
			return;
	}
	/* meta l4proto 0-255 accept, else the final drop */
	if (l.is_valid)
		explain_replay_allowed(c, "IPv4 from %s",
				       explain_replay_addr_str(AF_INET, p + 12, a));
	else
		explain_replay_say(c, EXPLAIN_REASON_MALFORMED, "%s", l.why);
}

void explain_ip4_replay(struct explain_replay *c)
{
	char a[INET6_ADDRSTRLEN];

	ip_rules(c);
	if (!c->d.is_unknown)
		return;
	if (explain_decode_is_there(&c->d, 12, 4)) {
		explain_replay_say(c, EXPLAIN_REASON_UNKNOWN, "IPv4 from %s (cut at %zu bytes)",
				   explain_replay_addr_str(AF_INET, c->d.p + 12, a), c->d.len);
		explain_replay_claim(c, AF_INET, c->d.p + 12);
	} else {
		explain_replay_say(c, EXPLAIN_REASON_UNKNOWN, "IPv4 frame (cut at %zu bytes)",
				   c->d.len);
	}
}
