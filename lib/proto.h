/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The protocol numbers the policy is written in, once: the ruleset compiler
 * (stmt.c, chains.c) emits them and explain*.c replay them on logged frames,
 * so the two cannot drift apart.  Plain numbers in host order; no system
 * header is needed (net/ethernet.h and netinet/icmp6.h differ across libcs).
 */
#ifndef VIFGUARD_PROTO_H
#define VIFGUARD_PROTO_H

/* Ethernet */
#define PROTO_ETH_HDR_LEN 14
/* below this the Ethernet type field is an 802.3 length */
#define PROTO_ETHERTYPE_MIN 0x0600
#define PROTO_ETHERTYPE_IPV4 0x0800
#define PROTO_ETHERTYPE_ARP 0x0806
#define PROTO_ETHERTYPE_IPV6 0x86dd
#define PROTO_ETHERTYPE_8021Q 0x8100
#define PROTO_ETHERTYPE_8021AD 0x88a8
#define PROTO_ETHERTYPE_QINQ_OLD 0x9100

/* ARP (RFC 826): the only format a guest needs is Ethernet/IPv4 */
#define PROTO_ARP_HTYPE_ETHER 1
#define PROTO_ARP_HLEN_ETHER 6
#define PROTO_ARP_PLEN_IPV4 4
#define PROTO_ARP_OP_REQUEST 1
#define PROTO_ARP_OP_REPLY 2

/* IPv4 (RFC 791): the flags and fragment offset field is at byte 6; its low
 * 13 bits, the offset, are 0 in an unfragmented packet and a first fragment */
#define PROTO_IPV4_FRAG_OFF 6
#define PROTO_IPV4_FRAG_OFF_MASK 0x1fff

/* IPv6 fragment header (RFC 8200 4.5): the offset is the top 13 bits of the
 * 16-bit field at byte 2, in 8-byte units; 0 in a first (or atomic) fragment */
#define PROTO_IPV6_FRAG_OFF 2
#define PROTO_IPV6_FRAG_OFF_MASK 0xfff8

/* IP protocol numbers, which are also the IPv6 next-header values */
#define PROTO_IP_HOPOPTS 0
#define PROTO_IP_TCP 6
#define PROTO_IP_UDP 17
#define PROTO_IP_ROUTING 43
#define PROTO_IP_FRAGMENT 44
#define PROTO_IP_AH 51
#define PROTO_IP_ICMPV6 58
#define PROTO_IP_NONE 59
#define PROTO_IP_DSTOPTS 60

/* ICMPv6 types; neighbour discovery is 133 (RS) to 137 (redirect) */
#define PROTO_ICMPV6_MLD_REPORT 131
#define PROTO_ICMPV6_ROUTER_SOLICIT 133
#define PROTO_ICMPV6_ROUTER_ADVERT 134
#define PROTO_ICMPV6_NEIGHBOR_SOLICIT 135
#define PROTO_ICMPV6_NEIGHBOR_ADVERT 136
#define PROTO_ICMPV6_REDIRECT 137
#define PROTO_ICMPV6_MLD2_REPORT 143

/* NS and NA: the ICMPv6 message (type, code, checksum, reserved/flags,
 * target) is 24 bytes; each option is a multiple of 8 bytes with its length
 * in 8-byte units.  A link-layer address option of a 6-byte mac is 8 bytes. */
#define PROTO_ND_MSG_LEN 24
#define PROTO_ND_OPT_UNIT 8
#define PROTO_ND_OPT_SOURCE_LL 1
#define PROTO_ND_OPT_TARGET_LL 2
#define PROTO_ND_OPT_NONCE 14 /* RFC 7527 */

/* DHCP (RFC 2131) and DHCPv6 (RFC 8415) ports */
#define PROTO_DHCP_SERVER_PORT 67
#define PROTO_DHCP_CLIENT_PORT 68
#define PROTO_DHCPV6_CLIENT_PORT 546
#define PROTO_DHCPV6_SERVER_PORT 547

#endif
