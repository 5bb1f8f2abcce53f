/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drop attribution: one line for the journal saying which of a vif's rules a
 * dropped frame broke, e.g. "ARP reply claiming 192.0.2.10", plus the address
 * (or mac) it tried to use, so the caller can add "owned by vif4.0".
 *
 * The frames come from nfnetlink_log (the vif's drop chain logs them), so
 * they are bytes chosen by a guest: every field is bounds-checked and nothing
 * of the frame is copied into the text except numbers and addresses.
 *
 * explain.c replays the vif's chains as lib/chains.c builds them, rule by
 * rule (explain-ip4.c, explain-ip6.c) and with nf_tables' own header parsing
 * (explain-decode.c: a load past the end of the frame means "no match", and
 * an IPv4/IPv6 header it cannot parse leaves the frame without a transport
 * header).  A change to those chains must change those files too;
 * tests/unit/test-explain.c pins the texts.
 *
 * Pure: no I/O, no logging, no allocation.
 */
#ifndef VIFGUARD_EXPLAIN_H
#define VIFGUARD_EXPLAIN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "vif.h"

/* One logged frame, as nfnetlink_log hands it over. */
struct explain_frame {
	/* NFULA_HWHEADER: the 14-byte Ethernet header, or NULL when the
	 * message had none.  Fewer than 14 bytes count as none.  Its type field
	 * is what the rules' `ether type` matched, so it wins over proto. */
	const uint8_t *hw;
	size_t hw_len;
	/* NFULA_PACKET_HDR hw_protocol (skb->protocol), host order; used when
	 * hw is absent. */
	uint16_t proto;
	/* NFULA_VLAN: the kernel moves a frame's outer VLAN tag out of the
	 * frame before the bridge sees it (hw then shows the inner type), and
	 * nft puts it back for `ether type`, so such a frame is dropped as
	 * tagged.  has_vlan false: no NFULA_VLAN attribute. */
	bool has_vlan;
	uint16_t vlan_proto; /* NFULA_VLAN_PROTO (0x8100, 0x88a8), host order */
	uint16_t vlan_tci; /* NFULA_VLAN_TCI, host order */
	/* NFULA_PAYLOAD: the frame from its network header on (NULL when
	 * payload_len is 0). */
	const uint8_t *payload;
	size_t payload_len;
	/* The log statement's snaplen (the copy range, if smaller): a payload
	 * this long may have been cut, so bytes past it are unknown rather
	 * than absent, and header lengths beyond it are taken as true.
	 * 0: the payload is always the whole frame. */
	size_t snaplen;
};

enum explain_reason {
	EXPLAIN_REASON_ETHER_SADDR, /* ether saddr != its mac */
	EXPLAIN_REASON_VLAN, /* 802.1Q/802.1ad tagged */
	EXPLAIN_REASON_ETHERTYPE, /* not IPv4, ARP or IPv6 (also 802.3 frames) */
	EXPLAIN_REASON_ARP_FORMAT, /* not Ethernet/IPv4 ARP (htype, ptype, hlen, plen) */
	EXPLAIN_REASON_ARP_OPERATION, /* neither request nor reply */
	EXPLAIN_REASON_ARP_SENDER_MAC, /* arp saddr ether != its mac */
	EXPLAIN_REASON_ARP_SENDER_IP, /* arp saddr ip not its own */
	EXPLAIN_REASON_DHCP_SERVER, /* udp sport 67 */
	EXPLAIN_REASON_IP_SADDR, /* ip saddr not its own (incl. 0.0.0.0 that is not DHCP) */
	EXPLAIN_REASON_ICMPV6_FRAGMENT, /* ND in a fragment, a first fragment without its
					 * upper-layer header */
	EXPLAIN_REASON_IPV6_AH, /* IPv6 AH: nf_tables cannot look behind it */
	EXPLAIN_REASON_ROUTER_ADVERT, /* ICMPv6 type 134 */
	EXPLAIN_REASON_REDIRECT, /* ICMPv6 type 137 */
	EXPLAIN_REASON_DHCPV6_SERVER, /* udp sport 547 */
	EXPLAIN_REASON_IP6_UNSPEC, /* from :: but neither DAD nor MLD */
	EXPLAIN_REASON_IP6_SADDR, /* ip6 saddr not its own */
	EXPLAIN_REASON_ND_FORM, /* NS/NA/DAD behind extension headers or with bad options */
	EXPLAIN_REASON_ND_TARGET, /* NA or DAD target not its own */
	EXPLAIN_REASON_PROTECTED, /* a protected address as IPv4/IPv6 source, ARP sender or
				   * ND target, whatever its prefixes (or mac-only) allow */
	EXPLAIN_REASON_MALFORMED, /* truncated or unparsable headers: the chain's final drop */
	EXPLAIN_REASON_UNKNOWN, /* a field the rules needed lies past a cut capture */
	EXPLAIN_REASON_NONE, /* no rule drops it (see explain_frame()) */
	_EXPLAIN_REASON_MAX,
	_EXPLAIN_REASON_INVALID = -EINVAL,
};

struct explain {
	/* One line of printable ASCII, e.g. "ARP reply claiming 192.0.2.10" */
	char what[160];
	enum explain_reason reason;
	/* The address the frame tried to use: ARP sender IP, IPv4/IPv6 source,
	 * NA or DAD target (prefixlen 32/128).  Not set for 0.0.0.0 and ::. */
	bool has_claim;
	struct vif_addr claim;
	/* The mac it tried to use: Ethernet source, ARP sender, the NS/NA
	 * link-layer option. */
	bool has_claim_mac;
	uint8_t claim_mac[6];
};

/*
 * Explain why the rules of vif v dropped frame f.
 *
 * v is the vif as its rules were compiled (resolve's effective vif, so a
 * withheld address counts as not its own) and pol the policy they were
 * compiled with (only no_ip matters; NULL: the defaults).  prot[0..n_prot)
 * are the protected addresses the kernel's protect sets were written with
 * (ruleset_protect(); NULL and 0: none): a frame using one of them drops
 * first, with reason EXPLAIN_REASON_PROTECTED, even from inside the vif's
 * own prefix or under mac-only.  The text names the first rule, in chain
 * order, that drops the frame.
 *
 * v may be NULL: the mac checks are then skipped, and address checks are
 * taken to fail unless a later rule drops the frame for another reason, so
 * the text names the most specific address the frame used ("neighbor
 * advertisement claiming 2001:db8::5" rather than "IPv6 from fe80::1").
 *
 * If no rule drops it (the rules changed since, or v has no mac header to
 * check), reason is EXPLAIN_REASON_NONE and the text describes the frame,
 * ending in " (allowed by its current rules)" when v was given.
 *
 * Returns 0 and fills *ret for any bytes at all; -EINVAL only if f or ret
 * is NULL, or a pointer is NULL with a non-zero length (n_prot included).
 */
int explain_frame(const struct explain_frame *f, const struct policy *pol,
		  const struct vif_addr *prot, size_t n_prot, const struct vif *v,
		  struct explain *ret);

/* "arp-sender-ip", ...: stable names for a journal field; NULL if out of range. */
const char *explain_reason_to_string(enum explain_reason r);

#endif
