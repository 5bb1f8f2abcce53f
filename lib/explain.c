// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Drop attribution (explain.h).  The chains of one vif (lib/chains.c) are
 * replayed on the logged bytes in rule order; the first rule that drops the
 * frame names it.  This file replays the main chain (the mac check and the
 * dispatch on the Ethernet type) and names what it drops there; the guest-ip
 * and guest-arp chains are in explain-ip4.c, guest-ip6 and the ND chains in
 * explain-ip6.c, the replay's state and answer in explain-replay.c, and
 * nf_tables' own parsing of the frame in explain-decode.c.  Two kernel
 * details decide what a rule sees, and both are copied there:
 *
 *  - A payload load past the end of the frame does not match (NFT_BREAK), so
 *    a short frame skips every later rule that reads that far and lands on
 *    the chain's final drop.
 *  - `meta l4proto` and every transport header load exist only if nf_tables
 *    could validate the IPv4/IPv6 header (nft_set_pktinfo_ipv4/6_validate),
 *    and transport loads also need a first fragment.
 */
#include "explain.h"

#include <errno.h>
#include <string.h>

#include "explain-decode.h"
#include "explain-ip4.h"
#include "explain-ip6.h"
#include "explain-replay.h"
#include "proto.h"

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
    [EXPLAIN_REASON_PROTECTED] = "protected",
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

/* ---- Ethernet ---- */

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
static void vlan_drop(struct explain_replay *c, const struct explain_frame *f, uint16_t type)
{
	const uint8_t *p = c->d.p;
	uint16_t tpid, vid;
	size_t off = 0;

	if (f->has_vlan) {
		tpid = f->vlan_proto;
		vid = f->vlan_tci & 0xfff;
	} else {
		tpid = type;
		if (!explain_decode_is_there(&c->d, 0, 2)) {
			explain_replay_say(c, EXPLAIN_REASON_VLAN, "%s tagged frame (truncated)",
					   vlan_name(tpid));
			return;
		}
		vid = explain_decode_be16(p) & 0xfff;
		if (!explain_decode_is_there(&c->d, 2, 2)) {
			explain_replay_say(c, EXPLAIN_REASON_VLAN, "%s tagged frame (VLAN %u)",
					   vlan_name(tpid), vid);
			return;
		}
		type = explain_decode_be16(p + 2);
		off = 4;
	}
	if (explain_decode_is_vlan_type(type) && explain_decode_is_there(&c->d, off, 2))
		explain_replay_say(c, EXPLAIN_REASON_VLAN,
				   "%s tagged frame (VLAN %u, inner VLAN %u)", vlan_name(tpid), vid,
				   explain_decode_be16(p + off) & 0xfff);
	else
		explain_replay_say(c, EXPLAIN_REASON_VLAN, "%s tagged frame (VLAN %u)",
				   vlan_name(tpid), vid);
}

static void ethertype_drop(struct explain_replay *c, uint16_t type, bool has_hw)
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
	    {0x0842, "Wake-on-LAN"},
	    {0x8035, "RARP"},
	    {0x809b, "AppleTalk"},
	    {0x80f3, "AARP"},
	    {0x8137, "IPX"},
	    {0x8808, "pause"},
	    {0x8809, "LACP/slow protocols"},
	    {0x8847, "MPLS"},
	    {0x8848, "MPLS multicast"},
	    {0x8863, "PPPoE discovery"},
	    {0x8864, "PPPoE session"},
	    {0x888e, "EAPOL"},
	    {0x88cc, "LLDP"},
	    {0x88e5, "MACsec"},
	    {0x88f7, "PTP"},
	    {0x8906, "FCoE"},
	    {0x8914, "FIP"},
	    {0x9000, "loopback"},
	};
	const uint8_t *p = c->d.p;

	if (type < PROTO_ETHERTYPE_MIN) {
		/* 802.3 length field, then an LLC header: STP is 0x42/0x42 */
		if (explain_decode_is_there(&c->d, 0, 2) && p[0] == 0x42 && p[1] == 0x42)
			explain_replay_say(c, EXPLAIN_REASON_ETHERTYPE,
					   "802.3 frame without an ethertype (STP)");
		else if (has_hw)
			explain_replay_say(c, EXPLAIN_REASON_ETHERTYPE,
					   "802.3 frame without an ethertype (length %u)", type);
		else
			explain_replay_say(c, EXPLAIN_REASON_ETHERTYPE,
					   "802.3 frame without an ethertype");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type) {
			explain_replay_say(c, EXPLAIN_REASON_ETHERTYPE, "ethertype 0x%04x (%s)",
					   type, names[i].name);
			return;
		}
	explain_replay_say(c, EXPLAIN_REASON_ETHERTYPE, "ethertype 0x%04x", type);
}

/* ---- the vif's main chain ---- */

int explain_frame(const struct explain_frame *f, const struct policy *pol,
		  const struct vif_addr *prot, size_t n_prot, const struct vif *v,
		  struct explain *ret)
{
	const uint8_t *hw = NULL;
	struct explain_replay c = {0};
	char m[18];
	uint16_t type;

	if (!f || !ret || (!f->hw && f->hw_len > 0) || (!f->payload && f->payload_len > 0) ||
	    (!prot && n_prot > 0))
		return -EINVAL;

	c.d.p = f->payload;
	c.d.len = f->payload_len;
	c.d.is_cut = f->snaplen > 0 && f->payload_len >= f->snaplen;
	c.v = v;
	c.prot = prot;
	c.n_prot = n_prot;
	c.is_mac_only = v && !v->has_ip && pol && pol->no_ip == POLICY_NO_IP_MAC_ONLY;
	if (f->hw && f->hw_len >= PROTO_ETH_HDR_LEN)
		hw = f->hw;

	/* ether saddr != MAC */
	if (hw && v && !explain_replay_is_vif_mac(v, hw + 6)) {
		explain_replay_say(&c, EXPLAIN_REASON_ETHER_SADDR,
				   "frame with source mac %s (not its own)",
				   explain_replay_mac_str(hw + 6, m));
		explain_replay_claim_mac(&c, hw + 6);
		goto done;
	}
	/* ether type ip/arp/ip6 goto ..., else the final drop */
	type = hw ? explain_decode_be16(hw + 12) : f->proto;
	if (f->has_vlan || explain_decode_is_vlan_type(type)) {
		vlan_drop(&c, f, type);
		goto done;
	}
	switch (type) {
	case PROTO_ETHERTYPE_IPV4:
		explain_ip4_replay(&c);
		break;
	case PROTO_ETHERTYPE_ARP:
		explain_ip4_arp_replay(&c);
		break;
	case PROTO_ETHERTYPE_IPV6:
		explain_ip6_replay(&c);
		break;
	default:
		ethertype_drop(&c, type, hw != NULL);
		break;
	}
done:
	*ret = c.out;
	return 0;
}
