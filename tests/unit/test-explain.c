/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/explain*.c.  Frames are built by hand, byte by byte, for
 * every rule of a vif's chains (lib/chains.c), and the exact text, reason
 * and claim are checked; then a valid ARP reply and a valid NA are cut at
 * every length, and random bytes go through every option.  Addresses are
 * documentation ones (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
 * 2001:db8::/32) and link-local ones.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"
#include "policy.h"
#include "vif.h"

#include "check.h"

/* ---- the vifs ---- */

static const uint8_t MAC_OWN[6] = { 0x00, 0x16, 0x3e, 0x00, 0x03, 0x00 };
static const uint8_t MAC_FOREIGN[6] = { 0x02, 0x00, 0x00, 0x00, 0x0f, 0x01 };
#define LL_OWN "fe80::216:3eff:fe00:300"

static struct vif vif_ip; /* 192.0.2.3 198.51.100.0/28 2001:db8::3 2001:db8:1::/64 */
static struct vif vif_noip; /* no `ip` key */
static struct policy pol_block, pol_mac_only;

static void make_vif(struct vif *v, const char *ip)
{
	struct vif_keys k = { .mac = "00:16:3e:00:03:00", .ip = ip };
	struct vif_limits lim;
	struct vif_error err;

	vif_limits_default(&lim);
	if (vif_from_keys(3, 0, &k, &lim, v, &err) < 0) {
		fprintf(stderr, "make_vif: %s\n", err.text);
		exit(EXIT_FAILURE);
	}
}

/* ---- frames ---- */

struct frame {
	uint8_t hw[14];
	bool has_hw;
	uint16_t proto;
	bool has_vlan;
	uint16_t vlan_proto, vlan_tci;
	uint8_t p[1600];
	size_t len;
	size_t snaplen;
};

static void frame_init(struct frame *fr, const uint8_t src[6], uint16_t type)
{
	memset(fr, 0, sizeof(*fr));
	memset(fr->hw, 0xff, 6);
	memcpy(fr->hw + 6, src, 6);
	fr->hw[12] = (uint8_t)(type >> 8);
	fr->hw[13] = (uint8_t)type;
	fr->has_hw = true;
	fr->proto = type;
}

static void put(struct frame *fr, const void *b, size_t n)
{
	if (fr->len + n > sizeof(fr->p))
		abort();
	memcpy(fr->p + fr->len, b, n);
	fr->len += n;
}

static void put8(struct frame *fr, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(fr, &b, 1);
}

static void put16(struct frame *fr, unsigned v)
{
	put8(fr, v >> 8);
	put8(fr, v);
}

static void zeros(struct frame *fr, size_t n)
{
	while (n--)
		put8(fr, 0);
}

static void put_addr(struct frame *fr, int family, const char *s)
{
	uint8_t a[16];

	if (inet_pton(family, s, a) != 1)
		abort();
	put(fr, a, family == AF_INET ? 4 : 16);
}

/* Ethernet/IPv4 ARP */
static void arp_frame(struct frame *fr, unsigned op, const uint8_t sha[6], const char *spa,
		      const char *tpa)
{
	frame_init(fr, MAC_OWN, 0x0806);
	put16(fr, 1);
	put16(fr, 0x0800);
	put8(fr, 6);
	put8(fr, 4);
	put16(fr, op);
	put(fr, sha, 6);
	put_addr(fr, AF_INET, spa);
	zeros(fr, 6);
	put_addr(fr, AF_INET, tpa);
}

/* IPv4 header without options; ip4_done() sets the total length */
static void ip4_frame(struct frame *fr, const char *src, const char *dst, unsigned proto)
{
	frame_init(fr, MAC_OWN, 0x0800);
	put8(fr, 0x45);
	put8(fr, 0);
	put16(fr, 0);
	put16(fr, 0x1234);
	put16(fr, 0);
	put8(fr, 64);
	put8(fr, proto);
	put16(fr, 0);
	put_addr(fr, AF_INET, src);
	put_addr(fr, AF_INET, dst);
}

static void ip4_done(struct frame *fr)
{
	fr->p[2] = (uint8_t)(fr->len >> 8);
	fr->p[3] = (uint8_t)fr->len;
}

static void udp(struct frame *fr, unsigned sport, unsigned dport, size_t n_data)
{
	put16(fr, sport);
	put16(fr, dport);
	put16(fr, 8 + n_data);
	put16(fr, 0);
	zeros(fr, n_data);
}

/* IPv6 fixed header; ip6_done() sets the payload length */
static void ip6_frame(struct frame *fr, const char *src, const char *dst, unsigned nexthdr)
{
	frame_init(fr, MAC_OWN, 0x86dd);
	put8(fr, 0x60);
	zeros(fr, 3);
	put16(fr, 0);
	put8(fr, nexthdr);
	put8(fr, 255);
	put_addr(fr, AF_INET6, src);
	put_addr(fr, AF_INET6, dst);
}

static void ip6_done(struct frame *fr)
{
	fr->p[4] = (uint8_t)((fr->len - 40) >> 8);
	fr->p[5] = (uint8_t)(fr->len - 40);
}

/* hop-by-hop, routing or destination options: (len8 + 1) * 8 bytes */
static void ext_hdr(struct frame *fr, unsigned nexthdr, unsigned len8)
{
	put8(fr, nexthdr);
	put8(fr, len8);
	if (len8 == 0)
		put(fr, (const uint8_t[]){ 1, 4, 0, 0, 0, 0 }, 6); /* PadN */
	else
		zeros(fr, 6 + (size_t)len8 * 8);
}

static void frag_hdr(struct frame *fr, unsigned nexthdr, unsigned offset8, bool more)
{
	put8(fr, nexthdr);
	put8(fr, 0);
	put16(fr, offset8 << 3 | (more ? 1 : 0));
	put16(fr, 0xbeef);
	put16(fr, 0xcafe);
}

/* AH with a 12-byte ICV: (4 + 2) * 4 = 24 bytes */
static void auth_hdr(struct frame *fr, unsigned nexthdr)
{
	put8(fr, nexthdr);
	put8(fr, 4);
	zeros(fr, 22);
}

/* NS (135) or NA (136) for target, with one link-layer option if opt */
static void nd(struct frame *fr, unsigned type, const char *target, unsigned opt,
	       const uint8_t *mac)
{
	put8(fr, type);
	zeros(fr, 3);
	put16(fr, type == 136 ? 0x6000 : 0);
	put16(fr, 0);
	put_addr(fr, AF_INET6, target);
	if (opt) {
		put8(fr, opt);
		put8(fr, 1);
		put(fr, mac, 6);
	}
}

static void icmp6(struct frame *fr, unsigned type, size_t n_body)
{
	put8(fr, type);
	zeros(fr, 3 + n_body);
}

/* ---- running it ---- */

static bool is_printable(const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	if (n == 0 || n == size)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static void check_sane(const struct explain *e)
{
	CHECK(is_printable(e->what, sizeof(e->what)));
	CHECK(explain_reason_to_string(e->reason) != NULL);
	if (e->has_claim)
		CHECK((e->claim.family == AF_INET && e->claim.prefixlen == 32) ||
		      (e->claim.family == AF_INET6 && e->claim.prefixlen == 128));
	if (e->reason == EXPLAIN_REASON_NONE)
		CHECK(!e->has_claim && !e->has_claim_mac);
}

static struct explain run_prot(const struct frame *fr, const struct policy *pol,
			       const struct vif_addr *prot, size_t n_prot, const struct vif *v)
{
	struct explain_frame f = {
		.hw = fr->has_hw ? fr->hw : NULL,
		.hw_len = fr->has_hw ? sizeof(fr->hw) : 0,
		.proto = fr->proto,
		.has_vlan = fr->has_vlan,
		.vlan_proto = fr->vlan_proto,
		.vlan_tci = fr->vlan_tci,
		.payload = fr->len ? fr->p : NULL,
		.payload_len = fr->len,
		.snaplen = fr->snaplen,
	};
	struct explain e;
	int r;

	memset(&e, 0xa5, sizeof(e));
	r = explain_frame(&f, pol, prot, n_prot, v, &e);
	CHECK(r == 0);
	if (r != 0)
		memset(&e, 0, sizeof(e));
	check_sane(&e);
	return e;
}

static struct explain run(const struct frame *fr, const struct policy *pol, const struct vif *v)
{
	return run_prot(fr, pol, NULL, 0, v);
}

/* the vif with addresses, under the default policy */
static struct explain run_v(const struct frame *fr)
{
	return run(fr, &pol_block, &vif_ip);
}

static struct explain run_nov(const struct frame *fr)
{
	return run(fr, &pol_block, NULL);
}

/* Exact text and reason; claim is the claimed address or NULL for none. */
#define EXPECT(e, r, text, claim) expect(__LINE__, (e), (r), (text), (claim))

static void expect(int line, struct explain e, enum explain_reason r, const char *text,
		   const char *claim)
{
	bool ok = e.reason == r && strcmp(e.what, text) == 0;

	if (claim) {
		uint8_t a[16] = { 0 };
		int family = strchr(claim, ':') ? AF_INET6 : AF_INET;

		if (inet_pton(family, claim, a) != 1)
			abort();
		ok = ok && e.has_claim && e.claim.family == family &&
		     memcmp(e.claim.addr, a, family == AF_INET ? 4 : 16) == 0;
	} else {
		ok = ok && !e.has_claim;
	}
	n_checks++;
	if (!ok) {
		char got[INET6_ADDRSTRLEN] = "-";

		if (e.has_claim)
			inet_ntop(e.claim.family, e.claim.addr, got, sizeof(got));
		n_failed++;
		fprintf(stderr,
			"%s:%d: EXPECT failed\n  got:  %s '%s' claim %s\n  want: %s '%s' claim %s\n",
			__FILE__, line, explain_reason_to_string(e.reason), e.what, got,
			explain_reason_to_string(r), text, claim ? claim : "-");
	}
}

#define EXPECT_MAC(e, mac) CHECK((e).has_claim_mac && memcmp((e).claim_mac, (mac), 6) == 0)

/* ---- the main chain ---- */

static void test_ether(void)
{
	struct frame fr;
	struct explain e;

	/* ether saddr != MAC comes first, whatever the frame */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	memcpy(fr.hw + 6, MAC_FOREIGN, 6);
	e = run_v(&fr);
	EXPECT(e, EXPLAIN_REASON_ETHER_SADDR,
	       "frame with source mac 02:00:00:00:0f:01 (not its own)",
	       NULL);
	EXPECT_MAC(e, MAC_FOREIGN);
	fr.hw[12] = 0x88;
	fr.hw[13] = 0xb5;
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHER_SADDR,
	       "frame with source mac 02:00:00:00:0f:01 (not its own)", NULL);

	/* no vif: no mac to compare; no mac header: nothing to compare */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	memcpy(fr.hw + 6, MAC_FOREIGN, 6);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP reply claiming 192.0.2.3",
	       "192.0.2.3");
	fr.has_hw = false;
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "ARP reply from 192.0.2.3 (allowed by its current rules)",
	       NULL);

	/* without a mac header the metadata's protocol decides */
	fr.proto = 0x88b5;
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHERTYPE, "ethertype 0x88b5", NULL);

	/* the mac header's type field wins over the metadata */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	fr.proto = 0x0800;
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "ARP reply from 192.0.2.3 (allowed by its current rules)", NULL);

	/* a mac header shorter than 14 bytes counts as none */
	{
		struct explain_frame f = { .hw = MAC_FOREIGN, .hw_len = 6, .proto = 0x88cc };

		CHECK(explain_frame(&f, NULL, NULL, 0, &vif_ip, &e) == 0);
		EXPECT(e, EXPLAIN_REASON_ETHERTYPE, "ethertype 0x88cc (LLDP)", NULL);
	}

	/* other ethertypes */
	frame_init(&fr, MAC_OWN, 0x88b5);
	zeros(&fr, 46);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHERTYPE, "ethertype 0x88b5", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ETHERTYPE, "ethertype 0x88b5", NULL);
	frame_init(&fr, MAC_OWN, 0x88cc);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHERTYPE, "ethertype 0x88cc (LLDP)", NULL);
	frame_init(&fr, MAC_OWN, 0x8035);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHERTYPE, "ethertype 0x8035 (RARP)", NULL);
	/* 802.3 length instead of a type, LLC behind it */
	frame_init(&fr, MAC_OWN, 38);
	put(&fr, (const uint8_t[]){ 0x42, 0x42, 0x03 }, 3);
	zeros(&fr, 35);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHERTYPE,
	       "802.3 frame without an ethertype (STP)", NULL);
	fr.p[0] = 0xaa;
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHERTYPE, "802.3 frame without an ethertype (length 38)",
	       NULL);
	fr.has_hw = false;
	fr.proto = 0x0004; /* ETH_P_802_2 */
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHERTYPE, "802.3 frame without an ethertype", NULL);
}

static void test_vlan(void)
{
	struct frame fr;

	/* the kernel took the tag out of the frame: hw shows the inner type */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	fr.has_vlan = true;
	fr.vlan_proto = 0x8100;
	fr.vlan_tci = 0x200a; /* priority 1, VLAN 10 */
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "802.1Q tagged frame (VLAN 10)", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_VLAN, "802.1Q tagged frame (VLAN 10)", NULL);
	/* but the source mac still comes first */
	memcpy(fr.hw + 6, MAC_FOREIGN, 6);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ETHER_SADDR,
	       "frame with source mac 02:00:00:00:0f:01 (not its own)", NULL);

	/* QinQ: outer 802.1ad in the metadata, inner 802.1Q in the frame */
	frame_init(&fr, MAC_OWN, 0x8100);
	put16(&fr, 20);
	put16(&fr, 0x0800);
	zeros(&fr, 40);
	fr.has_vlan = true;
	fr.vlan_proto = 0x88a8;
	fr.vlan_tci = 10;
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "802.1ad tagged frame (VLAN 10, inner VLAN 20)",
	       NULL);
	fr.vlan_proto = 0x1234;
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "VLAN tagged frame (VLAN 10, inner VLAN 20)", NULL);

	/* tags left in the frame: the payload starts at the tag's TCI */
	frame_init(&fr, MAC_OWN, 0x8100);
	put16(&fr, 10);
	put16(&fr, 0x0800);
	zeros(&fr, 40);
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "802.1Q tagged frame (VLAN 10)", NULL);
	frame_init(&fr, MAC_OWN, 0x88a8);
	put16(&fr, 0x0fff);
	put16(&fr, 0x8100);
	put16(&fr, 0xe014);
	zeros(&fr, 40);
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "802.1ad tagged frame (VLAN 4095, inner VLAN 20)",
	       NULL);
	fr.len = 4;
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "802.1ad tagged frame (VLAN 4095)", NULL);
	fr.len = 2;
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "802.1ad tagged frame (VLAN 4095)", NULL);
	fr.len = 1;
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "802.1ad tagged frame (truncated)", NULL);
	frame_init(&fr, MAC_OWN, 0x9100);
	put16(&fr, 7);
	EXPECT(run_v(&fr), EXPLAIN_REASON_VLAN, "QinQ (0x9100) tagged frame (VLAN 7)", NULL);
}

/* ---- ARP ---- */

static void test_arp(void)
{
	struct frame fr;
	struct explain e;

	/* the format rules, in order */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	fr.p[1] = 6;
	fr.p[3] = 0xdd; /* also a bad ptype: htype is checked first */
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_FORMAT, "ARP with hardware type 6 (not Ethernet)",
	       NULL);
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	fr.p[2] = 0x86;
	fr.p[3] = 0xdd;
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_FORMAT, "ARP for protocol type 0x86dd (not IPv4)",
	       NULL);
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	fr.p[4] = 8;
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_FORMAT, "ARP with hardware address length 8 (not 6)",
	       NULL);
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	fr.p[5] = 16;
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_FORMAT,
	       "ARP with protocol address length 16 (not 4)", NULL);

	/* the operation rule: its own address does not help */
	arp_frame(&fr, 3, MAC_OWN, "192.0.2.3", "192.0.2.1");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_OPERATION, "ARP operation 3 (RARP request)", NULL);
	arp_frame(&fr, 0, MAC_OWN, "192.0.2.3", "192.0.2.1");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_OPERATION,
	       "ARP operation 0 (neither request nor reply)", NULL);
	arp_frame(&fr, 0x100, MAC_OWN, "192.0.2.3", "192.0.2.1");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ARP_OPERATION,
	       "ARP operation 256 (neither request nor reply)", NULL);

	/* sender mac; without a vif it cannot be checked */
	arp_frame(&fr, 2, MAC_FOREIGN, "192.0.2.3", "192.0.2.1");
	e = run_v(&fr);
	EXPECT(e, EXPLAIN_REASON_ARP_SENDER_MAC,
	       "ARP with sender mac 02:00:00:00:0f:01 (not its own)",
	       NULL);
	EXPECT_MAC(e, MAC_FOREIGN);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP reply claiming 192.0.2.3",
	       "192.0.2.3");

	/* sender IP */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.10", "192.0.2.1");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP reply claiming 192.0.2.10",
	       "192.0.2.10");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP reply claiming 192.0.2.10",
	       "192.0.2.10");
	arp_frame(&fr, 1, MAC_OWN, "192.0.2.10", "192.0.2.1");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP request claiming 192.0.2.10",
	       "192.0.2.10");
	arp_frame(&fr, 1, MAC_OWN, "192.0.2.10", "192.0.2.10");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP,
	       "gratuitous ARP request claiming 192.0.2.10",
	       "192.0.2.10");
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.10", "192.0.2.10");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "gratuitous ARP reply claiming 192.0.2.10",
	       "192.0.2.10");
	/* just outside its /28 */
	arp_frame(&fr, 2, MAC_OWN, "198.51.100.16", "192.0.2.1");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP reply claiming 198.51.100.16",
	       "198.51.100.16");
	/* no `ip` key under the default policy: no address is its own */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	EXPECT(run(&fr, &pol_block, &vif_noip), EXPLAIN_REASON_ARP_SENDER_IP,
	       "ARP reply claiming 192.0.2.3", "192.0.2.3");

	/* what the rules accept */
	arp_frame(&fr, 2, MAC_OWN, "198.51.100.15", "192.0.2.1");
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "ARP reply from 198.51.100.15 (allowed by its current rules)", NULL);
	arp_frame(&fr, 1, MAC_OWN, "192.0.2.3", "192.0.2.3");
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "ARP request from 192.0.2.3 (allowed by its current rules)", NULL);
	/* a probe (RFC 5227) is fine from any vif, even one without addresses */
	arp_frame(&fr, 1, MAC_OWN, "0.0.0.0", "192.0.2.10");
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "ARP probe for 192.0.2.10 (allowed by its current rules)", NULL);
	EXPECT(run(&fr, &pol_block, &vif_noip), EXPLAIN_REASON_NONE,
	       "ARP probe for 192.0.2.10 (allowed by its current rules)", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_NONE, "ARP probe for 192.0.2.10", NULL);
	/* a reply from 0.0.0.0 is no probe, and claims nothing */
	arp_frame(&fr, 2, MAC_OWN, "0.0.0.0", "192.0.2.10");
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP reply claiming 0.0.0.0", NULL);
	/* mac-only: any sender IP; the mac checks stay */
	arp_frame(&fr, 2, MAC_OWN, "203.0.113.9", "192.0.2.1");
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_NONE,
	       "ARP reply from 203.0.113.9 (allowed by its current rules)", NULL);
	EXPECT(run(&fr, &pol_mac_only, &vif_ip), EXPLAIN_REASON_ARP_SENDER_IP,
	       "ARP reply claiming 203.0.113.9", "203.0.113.9");
	arp_frame(&fr, 2, MAC_FOREIGN, "203.0.113.9", "192.0.2.1");
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_ARP_SENDER_MAC,
	       "ARP with sender mac 02:00:00:00:0f:01 (not its own)", NULL);
	/* Ethernet padding changes nothing */
	arp_frame(&fr, 2, MAC_OWN, "192.0.2.10", "192.0.2.1");
	zeros(&fr, 18);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP, "ARP reply claiming 192.0.2.10",
	       "192.0.2.10");
}

/* A valid ARP frame cut at every length. */
static void test_arp_truncated(void)
{
	struct frame full, fr;
	char want[160];

	arp_frame(&full, 1, MAC_OWN, "192.0.2.10", "192.0.2.10");
	for (size_t n = 0; n <= full.len; n++) {
		fr = full;
		fr.len = n;
		snprintf(want, sizeof(want), "ARP frame (truncated, %zu bytes)", n);
		/* the sender IP ends at byte 18: before it every rule breaks */
		if (n < 18) {
			EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, want, NULL);
			EXPECT(run_nov(&fr), EXPLAIN_REASON_MALFORMED, want, NULL);
		} else if (n < 28) {
			EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP,
			       "ARP request claiming 192.0.2.10", "192.0.2.10");
			EXPECT(run_nov(&fr), EXPLAIN_REASON_ARP_SENDER_IP,
			       "ARP request claiming 192.0.2.10", "192.0.2.10");
		} else {
			EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_IP,
			       "gratuitous ARP request claiming 192.0.2.10", "192.0.2.10");
		}
		/* mac-only ends in a bare accept that even a short frame reaches */
		strcat(want, " (allowed by its current rules)");
		if (n < 18)
			EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_NONE, want, NULL);
		/* a capture cut by the snaplen: the rest is unknown, not absent */
		if (n > 0 && n < 18) {
			fr.snaplen = n;
			snprintf(want, sizeof(want), "ARP frame (cut at %zu bytes)", n);
			EXPECT(run_v(&fr), EXPLAIN_REASON_UNKNOWN, want, NULL);
		}
	}
	/* with a foreign sender mac the truncation point moves to byte 14 */
	arp_frame(&full, 2, MAC_FOREIGN, "192.0.2.3", "192.0.2.1");
	for (size_t n = 0; n <= full.len; n++) {
		fr = full;
		fr.len = n;
		snprintf(want, sizeof(want), "ARP frame (truncated, %zu bytes)", n);
		if (n < 14)
			EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, want, NULL);
		else
			EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_SENDER_MAC,
			       "ARP with sender mac 02:00:00:00:0f:01 (not its own)", NULL);
	}
	/* a bad field is reported as soon as it is there */
	arp_frame(&full, 2, MAC_OWN, "192.0.2.3", "192.0.2.1");
	full.p[4] = 8;
	for (size_t n = 0; n <= full.len; n++) {
		fr = full;
		fr.len = n;
		snprintf(want, sizeof(want), "ARP frame (truncated, %zu bytes)", n);
		if (n < 5)
			EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, want, NULL);
		else
			EXPECT(run_v(&fr), EXPLAIN_REASON_ARP_FORMAT,
			       "ARP with hardware address length 8 (not 6)", NULL);
	}
}

/* ---- IPv4 ---- */

static void test_ipv4(void)
{
	struct frame fr;

	/* udp sport 67 comes before the source check */
	ip4_frame(&fr, "192.0.2.3", "192.0.2.50", 17);
	udp(&fr, 67, 68, 300);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_DHCP_SERVER, "UDP from port 67 (DHCP server)", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_DHCP_SERVER, "UDP from port 67 (DHCP server)", NULL);
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_DHCP_SERVER,
	       "UDP from port 67 (DHCP server)", NULL);
	ip4_frame(&fr, "203.0.113.9", "192.0.2.50", 17);
	udp(&fr, 67, 68, 300);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_DHCP_SERVER, "UDP from port 67 (DHCP server)", NULL);
	/* a later fragment has no transport header for the rules */
	fr.p[6] = 0x00;
	fr.p[7] = 0x10;
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9", "203.0.113.9");
	/* nor does TCP port 67 count */
	ip4_frame(&fr, "192.0.2.3", "192.0.2.50", 6);
	udp(&fr, 67, 68, 12);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv4 from 192.0.2.3 (allowed by its current rules)",
	       NULL);

	/* the DHCP client, exactly */
	ip4_frame(&fr, "0.0.0.0", "255.255.255.255", 17);
	udp(&fr, 68, 67, 300);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "DHCP request from 0.0.0.0 (allowed by its current rules)", NULL);
	EXPECT(run(&fr, &pol_block, &vif_noip), EXPLAIN_REASON_NONE,
	       "DHCP request from 0.0.0.0 (allowed by its current rules)", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_NONE, "DHCP request from 0.0.0.0", NULL);
	/* ip frag-off & 8191 == 0: the UDP rules see only a first fragment's
	 * header.  A later fragment whose data reads 0.0.0.0:68 -> :67 is
	 * not the DHCP client; its source 0.0.0.0 then drops. */
	fr.p[6] = 0x00;
	fr.p[7] = 0x08;
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 0.0.0.0", NULL);
	EXPECT(run(&fr, &pol_block, &vif_noip), EXPLAIN_REASON_IP_SADDR, "IPv4 from 0.0.0.0", NULL);
	fr.p[6] = 0x3f; /* DF, MF and the highest offset */
	fr.p[7] = 0xff;
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 0.0.0.0", NULL);
	/* a first fragment (MF, offset 0) still is */
	fr.p[6] = 0x20;
	fr.p[7] = 0x00;
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "DHCP request from 0.0.0.0 (allowed by its current rules)", NULL);
	/* a later fragment of its own whose data starts 0x0043 passes; a
	 * first fragment from port 67 drops */
	ip4_frame(&fr, "192.0.2.3", "192.0.2.50", 17);
	udp(&fr, 67, 68, 300);
	ip4_done(&fr);
	fr.p[6] = 0x20;
	fr.p[7] = 0x00;
	EXPECT(run_v(&fr), EXPLAIN_REASON_DHCP_SERVER, "UDP from port 67 (DHCP server)", NULL);
	fr.p[6] = 0x00;
	fr.p[7] = 0x01;
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv4 from 192.0.2.3 (allowed by its current rules)", NULL);
	/* almost */
	ip4_frame(&fr, "0.0.0.0", "192.0.2.1", 17);
	udp(&fr, 68, 67, 300);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "DHCP-like packet from 0.0.0.0", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_IP_SADDR, "DHCP-like packet from 0.0.0.0", NULL);
	ip4_frame(&fr, "0.0.0.0", "255.255.255.255", 17);
	udp(&fr, 1068, 67, 300);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "DHCP-like packet from 0.0.0.0", NULL);
	ip4_frame(&fr, "0.0.0.0", "255.255.255.255", 1);
	icmp6(&fr, 8, 60);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 0.0.0.0", NULL);

	/* the source */
	ip4_frame(&fr, "203.0.113.9", "192.0.2.1", 1);
	icmp6(&fr, 8, 60);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9", "203.0.113.9");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9", "203.0.113.9");
	EXPECT(run(&fr, &pol_block, &vif_noip), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9",
	       "203.0.113.9");
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_NONE,
	       "IPv4 from 203.0.113.9 (allowed by its current rules)", NULL);
	/* mac-only is for vifs without an `ip` key only */
	EXPECT(run(&fr, &pol_mac_only, &vif_ip), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9",
	       "203.0.113.9");
	ip4_frame(&fr, "198.51.100.1", "192.0.2.1", 17);
	udp(&fr, 5353, 53, 20);
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv4 from 198.51.100.1 (allowed by its current rules)", NULL);

	/* the source rule needs 16 bytes, the header 20 */
	ip4_frame(&fr, "203.0.113.9", "192.0.2.1", 1);
	fr.len = 16;
	ip4_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9", "203.0.113.9");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_MALFORMED, "IPv4 frame (truncated, 16 bytes)", NULL);
	fr.len = 15;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv4 frame (truncated, 15 bytes)", NULL);
	ip4_frame(&fr, "192.0.2.3", "192.0.2.1", 1);
	fr.len = 19;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv4 frame (truncated, 19 bytes)", NULL);

	/* headers nf_tables will not parse: the final drop */
	ip4_frame(&fr, "192.0.2.3", "192.0.2.1", 1);
	icmp6(&fr, 8, 4);
	ip4_done(&fr);
	fr.p[0] = 0x65;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv4 frame with IP version 6", NULL);
	fr.p[0] = 0x44;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv4 frame with header length 16", NULL);
	fr.p[0] = 0x46;
	fr.p[3] = 22;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED,
	       "IPv4 frame with total length 22 (shorter than its header)", NULL);
	fr.p[0] = 0x45;
	fr.p[3] = 200;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv4 frame (truncated, 28 of 200 bytes)",
	       NULL);
	/* ... unless the capture was cut: then the header is believed */
	fr.snaplen = 28;
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv4 from 192.0.2.3 (allowed by its current rules)",
	       NULL);
	/* a foreign source with a broken header: the source rule comes first,
	 * but without a vif the sure drop wins over the guess */
	fr.snaplen = 0;
	fr.p[0] = 0x65;
	memcpy(fr.p + 12, (const uint8_t[]){ 203, 0, 113, 9 }, 4);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9", "203.0.113.9");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_MALFORMED, "IPv4 frame with IP version 6", NULL);
	/* padding beyond the total length is fine */
	ip4_frame(&fr, "192.0.2.3", "192.0.2.1", 1);
	icmp6(&fr, 8, 4);
	ip4_done(&fr);
	zeros(&fr, 18);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv4 from 192.0.2.3 (allowed by its current rules)",
	       NULL);

	/* a capture cut before the ports: the first rule cannot be decided */
	ip4_frame(&fr, "192.0.2.3", "192.0.2.50", 17);
	udp(&fr, 67, 68, 300);
	ip4_done(&fr);
	fr.len = fr.snaplen = 21;
	EXPECT(run_v(&fr), EXPLAIN_REASON_UNKNOWN, "IPv4 from 192.0.2.3 (cut at 21 bytes)",
	       "192.0.2.3");
	fr.len = fr.snaplen = 10;
	EXPECT(run_v(&fr), EXPLAIN_REASON_UNKNOWN, "IPv4 frame (cut at 10 bytes)", NULL);
	/* a capture cut at the snaplen still shows all the rules need */
	ip4_frame(&fr, "203.0.113.9", "192.0.2.50", 17);
	udp(&fr, 67, 68, 1000);
	ip4_done(&fr);
	fr.len = fr.snaplen = 256;
	EXPECT(run_v(&fr), EXPLAIN_REASON_DHCP_SERVER, "UDP from port 67 (DHCP server)", NULL);
	fr.p[21] = 68;
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP_SADDR, "IPv4 from 203.0.113.9", "203.0.113.9");
}

/* ---- IPv6 ---- */

static void na_frame(struct frame *fr, const char *src, const char *target, unsigned opt,
		     const uint8_t *mac)
{
	ip6_frame(fr, src, "ff02::1", 58);
	nd(fr, 136, target, opt, mac);
	ip6_done(fr);
}

static void test_ipv6_router(void)
{
	struct frame fr;

	/* a fragmented echo request from itself: its first fragment ... */
	ip6_frame(&fr, LL_OWN, "fe80::1", 44);
	frag_hdr(&fr, 58, 0, true);
	icmp6(&fr, 128, 60);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 from fe80::216:3eff:fe00:300 (allowed by its current rules)", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from fe80::216:3eff:fe00:300",
	       "fe80::216:3eff:fe00:300");
	/* ... and a later one, checked by its source alone */
	ip6_frame(&fr, LL_OWN, "fe80::1", 44);
	frag_hdr(&fr, 58, 8, false);
	zeros(&fr, 16);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 fragment from fe80::216:3eff:fe00:300 (allowed by its current rules)", NULL);
	/* a later fragment whose data reads like an NA */
	ip6_frame(&fr, "2001:db8::77", "ff02::1", 44);
	frag_hdr(&fr, 58, 8, false);
	icmp6(&fr, 136, 24);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 fragment from 2001:db8::77",
	       "2001:db8::77");
	ip6_frame(&fr, "::", "ff02::1", 44);
	frag_hdr(&fr, 58, 8, false);
	icmp6(&fr, 136, 24);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 fragment from ::", NULL);
	/* neighbour discovery in a fragment (RFC 6980), behind other
	 * extension headers too, and in an atomic fragment */
	ip6_frame(&fr, LL_OWN, "fe80::1", 0);
	ext_hdr(&fr, 60, 0);
	ext_hdr(&fr, 44, 1);
	frag_hdr(&fr, 58, 0, true);
	icmp6(&fr, 135, 20);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ICMPV6_FRAGMENT,
	       "neighbor discovery (ICMPv6 type 135) in a fragment", NULL);
	ip6_frame(&fr, LL_OWN, "fe80::1", 44);
	frag_hdr(&fr, 58, 0, false);
	icmp6(&fr, 133, 8);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ICMPV6_FRAGMENT,
	       "neighbor discovery (ICMPv6 type 133) in a fragment", NULL);
	/* a first fragment that ends before its upper-layer header (RFC 7112) */
	ip6_frame(&fr, LL_OWN, "fe80::1", 44);
	frag_hdr(&fr, 60, 0, true);
	ext_hdr(&fr, 58, 0);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ICMPV6_FRAGMENT,
	       "IPv6 first fragment without its upper-layer header", NULL);
	/* a fragmented UDP datagram is fine */
	ip6_frame(&fr, LL_OWN, "fe80::1", 44);
	frag_hdr(&fr, 17, 0, true);
	udp(&fr, 5000, 53, 40);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 from " LL_OWN " (allowed by its current rules)", NULL);

	/* router advertisement, redirect: from anyone */
	ip6_frame(&fr, LL_OWN, "ff02::1", 58);
	icmp6(&fr, 134, 12);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ROUTER_ADVERT, "router advertisement", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ROUTER_ADVERT, "router advertisement", NULL);
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_ROUTER_ADVERT,
	       "router advertisement", NULL);
	ip6_frame(&fr, "fe80::99", "ff02::1", 0);
	ext_hdr(&fr, 58, 0);
	icmp6(&fr, 134, 12);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ROUTER_ADVERT, "router advertisement", NULL);
	ip6_frame(&fr, LL_OWN, "fe80::5", 58);
	icmp6(&fr, 137, 36);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_REDIRECT, "ICMPv6 redirect", NULL);

	/* DHCPv6 server or relay */
	ip6_frame(&fr, "2001:db8::3", "fe80::5", 17);
	udp(&fr, 547, 546, 40);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_DHCPV6_SERVER, "DHCPv6 server message (UDP port 547)",
	       NULL);
	ip6_frame(&fr, "2001:db8::3", "ff02::1:2", 17);
	udp(&fr, 546, 547, 40);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 from 2001:db8::3 (allowed by its current rules)", NULL);
}

static void test_ipv6_source(void)
{
	struct frame fr;

	ip6_frame(&fr, "2001:db8::99", "2001:db8::1", 6);
	zeros(&fr, 20);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from 2001:db8::99", "2001:db8::99");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from 2001:db8::99", "2001:db8::99");
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_NONE,
	       "IPv6 from 2001:db8::99 (allowed by its current rules)", NULL);
	/* its prefix, its address, its link-local address */
	ip6_frame(&fr, "2001:db8:1::ffff", "2001:db8::1", 6);
	zeros(&fr, 20);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 from 2001:db8:1::ffff (allowed by its current rules)", NULL);
	ip6_frame(&fr, "2001:db8:2::", "2001:db8::1", 6);
	zeros(&fr, 20);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from 2001:db8:2::", "2001:db8:2::");
	ip6_frame(&fr, LL_OWN, "fe80::1", 59);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 from " LL_OWN " (allowed by its current rules)",
	       NULL);
	/* without an `ip` key its v6 set is empty, link-local address included */
	EXPECT(run(&fr, &pol_block, &vif_noip), EXPLAIN_REASON_IP6_SADDR, "IPv6 from " LL_OWN,
	       LL_OWN);
	ip6_frame(&fr, "fe80::216:3eff:fe00:301", "fe80::1", 59);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from fe80::216:3eff:fe00:301",
	       "fe80::216:3eff:fe00:301");

	/* malformed: the source rule needs 24 bytes, nf_tables the rest */
	ip6_frame(&fr, "2001:db8::99", "2001:db8::1", 59);
	ip6_done(&fr);
	fr.len = 24;
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from 2001:db8::99", "2001:db8::99");
	fr.len = 23;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv6 frame (truncated, 23 bytes)", NULL);
	ip6_frame(&fr, "2001:db8::3", "2001:db8::1", 6);
	zeros(&fr, 20);
	ip6_done(&fr);
	fr.p[0] = 0x40;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv6 frame with IP version 4", NULL);
	fr.p[0] = 0x60;
	fr.p[5] = 21;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv6 frame (truncated, 60 of 61 bytes)",
	       NULL);
	/* An extension header longer than the frame: like ipv6_find_hdr(), the
	 * walk only reads each header's first two bytes, so a next header past
	 * the end is what breaks it... */
	ip6_frame(&fr, "2001:db8::3", "2001:db8::1", 0);
	put8(&fr, 60);
	put8(&fr, 3);
	zeros(&fr, 14);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED,
	       "IPv6 frame (truncated in its extension headers)",
	       NULL);
	/* ... while an upper-layer header past the end gives nf_tables an
	 * l4proto without a transport header, which the rules accept */
	fr.p[40] = 58;
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 from 2001:db8::3 (allowed by its current rules)", NULL);
	/* a later fragment followed by another extension header */
	ip6_frame(&fr, "2001:db8::3", "2001:db8::1", 44);
	frag_hdr(&fr, 60, 8, false);
	zeros(&fr, 16);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 fragment from 2001:db8::3 (allowed by its current rules)", NULL);
	/* a routing header needs 4 bytes */
	ip6_frame(&fr, "2001:db8::3", "2001:db8::1", 43);
	put8(&fr, 59);
	put8(&fr, 0);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED,
	       "IPv6 frame (truncated in its extension headers)",
	       NULL);
	put16(&fr, 0);
	zeros(&fr, 4);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "IPv6 from 2001:db8::3 (allowed by its current rules)", NULL);
}

static void test_ipv6_nd(void)
{
	struct frame fr;
	struct explain e;

	/* NA: the target */
	na_frame(&fr, LL_OWN, "2001:db8::fe", 0, NULL);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_TARGET, "neighbor advertisement claiming 2001:db8::fe",
	       "2001:db8::fe");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ND_TARGET,
	       "neighbor advertisement claiming 2001:db8::fe", "2001:db8::fe");
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_NONE,
	       "neighbor advertisement for 2001:db8::fe (allowed by its current rules)", NULL);
	na_frame(&fr, LL_OWN, "2001:db8::fe", 2, MAC_OWN);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_TARGET, "neighbor advertisement claiming 2001:db8::fe",
	       "2001:db8::fe");
	na_frame(&fr, "2001:db8::3", "2001:db8::3", 2, MAC_OWN);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "neighbor advertisement for 2001:db8::3 (allowed by its current rules)", NULL);
	na_frame(&fr, LL_OWN, "2001:db8:1::42", 0, NULL);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "neighbor advertisement for 2001:db8:1::42 (allowed by its current rules)", NULL);
	/* its link-local address is always a valid target */
	na_frame(&fr, "2001:db8::3", LL_OWN, 0, NULL);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "neighbor advertisement for " LL_OWN " (allowed by its current rules)", NULL);
	/* the source still comes first */
	na_frame(&fr, "2001:db8::99", "2001:db8::fe", 0, NULL);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from 2001:db8::99", "2001:db8::99");
	/* without a vif the target is the better guess */
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ND_TARGET,
	       "neighbor advertisement claiming 2001:db8::fe", "2001:db8::fe");

	/* NA: the form */
	na_frame(&fr, LL_OWN, "2001:db8::3", 2, MAC_FOREIGN);
	e = run_v(&fr);
	EXPECT(e, EXPLAIN_REASON_ND_FORM, "neighbor advertisement with a foreign link-layer option",
	       NULL);
	EXPECT_MAC(e, MAC_FOREIGN);
	/* without a vif the option's mac cannot be judged */
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ND_TARGET,
	       "neighbor advertisement claiming 2001:db8::3",
	       "2001:db8::3");
	na_frame(&fr, LL_OWN, "2001:db8::3", 1, MAC_OWN);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM, "neighbor advertisement with unexpected options",
	       NULL);
	ip6_frame(&fr, LL_OWN, "ff02::1", 58);
	nd(&fr, 136, "2001:db8::3", 2, MAC_OWN);
	put8(&fr, 2);
	put8(&fr, 1);
	put(&fr, MAC_OWN, 6);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM, "neighbor advertisement with unexpected options",
	       NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ND_FORM,
	       "neighbor advertisement with unexpected options",
	       NULL);
	ip6_frame(&fr, LL_OWN, "ff02::1", 0);
	ext_hdr(&fr, 58, 0);
	nd(&fr, 136, "2001:db8::3", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM,
	       "neighbor advertisement behind an extension header", NULL);
	ip6_frame(&fr, LL_OWN, "ff02::1", 43);
	ext_hdr(&fr, 60, 1);
	ext_hdr(&fr, 58, 0);
	nd(&fr, 136, "2001:db8::3", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM,
	       "neighbor advertisement behind an extension header", NULL);
	/* behind AH nf_tables sees l4proto 51, so the ND rules could not see
	 * it: the ruleset drops AH */
	ip6_frame(&fr, LL_OWN, "ff02::1", 51);
	auth_hdr(&fr, 58);
	nd(&fr, 136, "2001:db8::fe", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IPV6_AH, "IPv6 with an AH header", NULL);

	/* NS */
	ip6_frame(&fr, LL_OWN, "ff02::1:ff00:1", 58);
	nd(&fr, 135, "2001:db8::1", 1, MAC_FOREIGN);
	ip6_done(&fr);
	e = run_v(&fr);
	EXPECT(e, EXPLAIN_REASON_ND_FORM, "neighbor solicitation with a foreign link-layer option",
	       NULL);
	EXPECT_MAC(e, MAC_FOREIGN);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_IP6_SADDR, "IPv6 from " LL_OWN, LL_OWN);
	ip6_frame(&fr, LL_OWN, "ff02::1:ff00:1", 58);
	nd(&fr, 135, "2001:db8::1", 1, MAC_OWN);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "neighbor solicitation for 2001:db8::1 (allowed by its current rules)", NULL);
	ip6_frame(&fr, LL_OWN, "ff02::1:ff00:1", 58);
	nd(&fr, 135, "2001:db8::1", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "neighbor solicitation for 2001:db8::1 (allowed by its current rules)", NULL);
	ip6_frame(&fr, LL_OWN, "ff02::1:ff00:1", 58);
	nd(&fr, 135, "2001:db8::1", 2, MAC_OWN);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM, "neighbor solicitation with unexpected options",
	       NULL);
	ip6_frame(&fr, LL_OWN, "ff02::1:ff00:1", 60);
	ext_hdr(&fr, 58, 0);
	nd(&fr, 135, "2001:db8::1", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM,
	       "neighbor solicitation behind an extension header",
	       NULL);
}

static void test_ipv6_dad(void)
{
	struct frame fr;

	ip6_frame(&fr, "::", "ff02::1:ff00:fe", 58);
	nd(&fr, 135, "2001:db8::fe", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_TARGET, "DAD for 2001:db8::fe", "2001:db8::fe");
	EXPECT(run_nov(&fr), EXPLAIN_REASON_ND_TARGET, "DAD for 2001:db8::fe", "2001:db8::fe");
	EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_NONE,
	       "DAD for 2001:db8::fe (allowed by its current rules)", NULL);
	ip6_frame(&fr, "::", "ff02::1:ff00:3", 58);
	nd(&fr, 135, "2001:db8::3", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE,
	       "DAD for 2001:db8::3 (allowed by its current rules)",
	       NULL);
	/* DAD for its link-local address works without an `ip` key */
	ip6_frame(&fr, "::", "ff02::1:ff00:300", 58);
	nd(&fr, 135, LL_OWN, 0, NULL);
	ip6_done(&fr);
	EXPECT(run(&fr, &pol_block, &vif_noip), EXPLAIN_REASON_NONE,
	       "DAD for " LL_OWN " (allowed by its current rules)", NULL);
	/* with a nonce option (RFC 7527) */
	ip6_frame(&fr, "::", "ff02::1:ff00:fe", 58);
	nd(&fr, 135, "2001:db8::fe", 14, (const uint8_t[]){ 1, 2, 3, 4, 5, 6 });
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_TARGET, "DAD for 2001:db8::fe", "2001:db8::fe");

	/* the form */
	ip6_frame(&fr, "::", "ff02::1:ff00:fe", 58);
	nd(&fr, 135, "2001:db8::fe", 1, MAC_OWN);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM, "DAD with a source link-layer option", NULL);
	ip6_frame(&fr, "::", "ff02::1:ff00:fe", 58);
	nd(&fr, 135, "2001:db8::fe", 14, MAC_OWN);
	zeros(&fr, 8);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM, "DAD with unexpected options", NULL);
	ip6_frame(&fr, "::", "ff02::1:ff00:fe", 0);
	ext_hdr(&fr, 58, 0);
	nd(&fr, 135, "2001:db8::fe", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM, "DAD behind an extension header", NULL);
	ip6_frame(&fr, "::", "2001:db8::1", 58);
	nd(&fr, 135, "2001:db8::1", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_FORM,
	       "neighbor solicitation from :: to 2001:db8::1 (not a solicited-node group)", NULL);

	/* MLD reports, with the router alert option, and nothing else */
	ip6_frame(&fr, "::", "ff02::16", 0);
	ext_hdr(&fr, 58, 0);
	icmp6(&fr, 143, 24);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE, "MLD report from :: (allowed by its current rules)",
	       NULL);
	ip6_frame(&fr, "::", "ff02::16", 58);
	icmp6(&fr, 131, 20);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_NONE, "MLD report from :: (allowed by its current rules)",
	       NULL);
	ip6_frame(&fr, "::", "ff02::1", 58);
	icmp6(&fr, 128, 20);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_UNSPEC, "IPv6 from :: (neither DAD nor MLD)", NULL);
	EXPECT(run_nov(&fr), EXPLAIN_REASON_IP6_UNSPEC, "IPv6 from :: (neither DAD nor MLD)", NULL);
	ip6_frame(&fr, "::", "ff02::1", 17);
	udp(&fr, 546, 547, 20);
	ip6_done(&fr);
	EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_UNSPEC, "IPv6 from :: (neither DAD nor MLD)", NULL);
	/* from :: and broken: say what is broken */
	fr.p[5] += 1;
	EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, "IPv6 frame (truncated, 68 of 69 bytes)",
	       NULL);
}

/* A valid NA cut at every length. */
static void test_na_truncated(void)
{
	struct frame full, fr;
	char want[160];

	na_frame(&full, LL_OWN, "2001:db8::fe", 2, MAC_OWN);
	CHECK(full.len == 72);
	for (size_t n = 0; n <= full.len; n++) {
		fr = full;
		fr.len = n;
		if (n < 40)
			snprintf(want, sizeof(want), "IPv6 frame (truncated, %zu bytes)", n);
		else
			snprintf(want, sizeof(want), "IPv6 frame (truncated, %zu of 72 bytes)", n);
		if (n < full.len) {
			EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, want, NULL);
			EXPECT(run_nov(&fr), EXPLAIN_REASON_MALFORMED, want, NULL);
			EXPECT(run(&fr, &pol_mac_only, &vif_noip), EXPLAIN_REASON_MALFORMED, want,
			       NULL);
		} else {
			EXPECT(run_v(&fr), EXPLAIN_REASON_ND_TARGET,
			       "neighbor advertisement claiming 2001:db8::fe", "2001:db8::fe");
		}
		/* from a foreign source the source rule fires once it is there */
		memcpy(fr.p + 8, full.p + 8, 16);
		fr.p[23] ^= 1;
		if (n >= 24)
			EXPECT(run_v(&fr), EXPLAIN_REASON_IP6_SADDR,
			       "IPv6 from fe80::216:3eff:fe00:301", "fe80::216:3eff:fe00:301");
		else
			EXPECT(run_v(&fr), EXPLAIN_REASON_MALFORMED, want, NULL);
		/* cut by the snaplen: the rest of the frame is unknown */
		fr = full;
		fr.len = fr.snaplen = n;
		if (n == 0 || n == full.len)
			continue;
		if (n < 24)
			snprintf(want, sizeof(want), "IPv6 frame (cut at %zu bytes)", n);
		else
			snprintf(want, sizeof(want), "IPv6 from " LL_OWN " (cut at %zu bytes)", n);
		EXPECT(run_v(&fr), EXPLAIN_REASON_UNKNOWN, want, n < 24 ? NULL : LL_OWN);
	}
	/* a capture cut after what the rules need is as good as the whole */
	fr = full;
	fr.snaplen = 72;
	EXPECT(run_v(&fr), EXPLAIN_REASON_ND_TARGET, "neighbor advertisement claiming 2001:db8::fe",
	       "2001:db8::fe");
	/* extension headers past a cut capture */
	ip6_frame(&fr, LL_OWN, "ff02::1", 0);
	ext_hdr(&fr, 58, 20);
	nd(&fr, 136, "2001:db8::fe", 0, NULL);
	ip6_done(&fr);
	fr.len = fr.snaplen = 128;
	EXPECT(run_v(&fr), EXPLAIN_REASON_UNKNOWN,
	       "IPv6 from " LL_OWN " (cut at 128 bytes)", LL_OWN);
}

/* ---- misuse, names, random bytes ---- */

/*
 * Protected addresses inside the vif's own prefixes: the source-check chains
 * look the protect sets up first, so they drop even what the prefix (or
 * mac-only) allows; the rest of the prefix stays allowed.
 */
static void test_protected(void)
{
	struct vif_addr prot[2] = { { .family = AF_INET, .prefixlen = 32 },
				    { .family = AF_INET6, .prefixlen = 128 } };
	struct frame fr;

	inet_pton(AF_INET, "198.51.100.1", prot[0].addr);
	inet_pton(AF_INET6, "2001:db8:1::1", prot[1].addr);

	ip4_frame(&fr, "198.51.100.1", "192.0.2.254", 17);
	udp(&fr, 40000, 9, 0);
	ip4_done(&fr);
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_PROTECTED,
	       "IPv4 from 198.51.100.1 (protected)", "198.51.100.1");
	EXPECT(run_prot(&fr, &pol_block, prot, 2, NULL), EXPLAIN_REASON_PROTECTED,
	       "IPv4 from 198.51.100.1 (protected)", "198.51.100.1");
	EXPECT(run_prot(&fr, &pol_mac_only, prot, 2, &vif_noip), EXPLAIN_REASON_PROTECTED,
	       "IPv4 from 198.51.100.1 (protected)", "198.51.100.1");
	EXPECT(run(&fr, &pol_block, &vif_ip), EXPLAIN_REASON_NONE,
	       "IPv4 from 198.51.100.1 (allowed by its current rules)", NULL);
	ip4_frame(&fr, "198.51.100.2", "192.0.2.254", 17);
	udp(&fr, 40000, 9, 0);
	ip4_done(&fr);
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_NONE,
	       "IPv4 from 198.51.100.2 (allowed by its current rules)", NULL);

	arp_frame(&fr, 2, MAC_OWN, "198.51.100.1", "192.0.2.254");
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_PROTECTED,
	       "ARP reply claiming 198.51.100.1 (protected)", "198.51.100.1");
	arp_frame(&fr, 1, MAC_OWN, "198.51.100.1", "198.51.100.1");
	EXPECT(run_prot(&fr, &pol_mac_only, prot, 2, &vif_noip), EXPLAIN_REASON_PROTECTED,
	       "gratuitous ARP request claiming 198.51.100.1 (protected)", "198.51.100.1");
	arp_frame(&fr, 1, MAC_OWN, "0.0.0.0", "198.51.100.1");
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_NONE,
	       "ARP probe for 198.51.100.1 (allowed by its current rules)", NULL);

	ip6_frame(&fr, "2001:db8:1::1", "2001:db8::fe", 17);
	udp(&fr, 40000, 9, 0);
	ip6_done(&fr);
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_PROTECTED,
	       "IPv6 from 2001:db8:1::1 (protected)", "2001:db8:1::1");
	ip6_frame(&fr, "2001:db8:1::1", "2001:db8::fe", 44);
	frag_hdr(&fr, 17, 8, false);
	zeros(&fr, 8);
	ip6_done(&fr);
	EXPECT(run_prot(&fr, &pol_mac_only, prot, 2, &vif_noip), EXPLAIN_REASON_PROTECTED,
	       "IPv6 fragment from 2001:db8:1::1 (protected)", "2001:db8:1::1");

	na_frame(&fr, "2001:db8:1::5", "2001:db8:1::1", 2, MAC_OWN);
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_PROTECTED,
	       "neighbor advertisement claiming 2001:db8:1::1 (protected)", "2001:db8:1::1");
	EXPECT(run_prot(&fr, &pol_mac_only, prot, 2, &vif_noip), EXPLAIN_REASON_PROTECTED,
	       "neighbor advertisement claiming 2001:db8:1::1 (protected)", "2001:db8:1::1");
	na_frame(&fr, "2001:db8:1::5", "2001:db8:1::5", 2, MAC_OWN);
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_NONE,
	       "neighbor advertisement for 2001:db8:1::5 (allowed by its current rules)", NULL);
	ip6_frame(&fr, "::", "ff02::1:ff00:1", 58);
	nd(&fr, 135, "2001:db8:1::1", 0, NULL);
	ip6_done(&fr);
	EXPECT(run_prot(&fr, &pol_block, prot, 2, &vif_ip), EXPLAIN_REASON_PROTECTED,
	       "DAD for 2001:db8:1::1 (protected)", "2001:db8:1::1");
}

static void test_api(void)
{
	struct explain_frame f = { 0 };
	struct explain e, sentinel;
	uint8_t b[4] = { 0 };

	memset(&sentinel, 0x5a, sizeof(sentinel));
	e = sentinel;
	CHECK(explain_frame(NULL, NULL, NULL, 0, NULL, &e) == -EINVAL);
	CHECK(explain_frame(&f, NULL, NULL, 0, NULL, NULL) == -EINVAL);
	f.hw_len = 14;
	CHECK(explain_frame(&f, NULL, NULL, 0, NULL, &e) == -EINVAL);
	f.hw_len = 0;
	f.payload_len = 1;
	CHECK(explain_frame(&f, NULL, NULL, 0, NULL, &e) == -EINVAL);
	CHECK(memcmp(&e, &sentinel, sizeof(e)) == 0);

	/* nothing at all is still a frame */
	f.payload_len = 0;
	f.proto = 0x86dd;
	CHECK(explain_frame(&f, NULL, NULL, 0, NULL, &e) == 0);
	EXPECT(e, EXPLAIN_REASON_MALFORMED, "IPv6 frame (truncated, 0 bytes)", NULL);
	f.proto = 0x0800;
	CHECK(explain_frame(&f, NULL, NULL, 0, &vif_ip, &e) == 0);
	EXPECT(e, EXPLAIN_REASON_MALFORMED, "IPv4 frame (truncated, 0 bytes)", NULL);
	f.proto = 0x0806;
	f.payload = b;
	f.payload_len = sizeof(b);
	CHECK(explain_frame(&f, NULL, NULL, 0, &vif_ip, &e) == 0);
	EXPECT(e, EXPLAIN_REASON_ARP_FORMAT, "ARP with hardware type 0 (not Ethernet)", NULL);

	for (int r = 0; r < _EXPLAIN_REASON_MAX; r++) {
		const char *s = explain_reason_to_string((enum explain_reason)r);

		CHECK(s && *s);
		for (int k = 0; s && k < r; k++)
			CHECK(strcmp(s, explain_reason_to_string((enum explain_reason)k)) != 0);
	}
	CHECK(explain_reason_to_string(_EXPLAIN_REASON_MAX) == NULL);
	CHECK(explain_reason_to_string(_EXPLAIN_REASON_INVALID) == NULL);
}

/* Random bytes after a plausible start, with every option; each result
 * must be sane (run() checks) and the claims must come from the frame. */
static void test_random(void)
{
	static const uint16_t types[] = { 0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0x88b5 };
	struct frame seeds[4], fr;
	unsigned seed = 12345;

	arp_frame(&seeds[0], 2, MAC_OWN, "192.0.2.10", "192.0.2.1");
	na_frame(&seeds[1], LL_OWN, "2001:db8::fe", 2, MAC_OWN);
	ip4_frame(&seeds[2], "192.0.2.3", "192.0.2.1", 17);
	udp(&seeds[2], 67, 68, 40);
	ip4_done(&seeds[2]);
	ip6_frame(&seeds[3], "::", "ff02::1:ff00:fe", 0);
	ext_hdr(&seeds[3], 44, 0);
	frag_hdr(&seeds[3], 58, 0, false);
	nd(&seeds[3], 135, "2001:db8::fe", 14, MAC_OWN);
	ip6_done(&seeds[3]);

	for (int i = 0; i < 200000; i++) {
		struct explain e;
		size_t n_flip;

		seed = seed * 1103515245 + 12345;
		fr = seeds[(seed >> 16) % 4];
		seed = seed * 1103515245 + 12345;
		n_flip = (seed >> 16) % 6;
		for (size_t k = 0; k < n_flip && fr.len; k++) {
			seed = seed * 1103515245 + 12345;
			fr.p[(seed >> 8) % fr.len] = (uint8_t)(seed >> 20);
		}
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 3 == 0)
			fr.len = (seed >> 4) % (fr.len + 1);
		seed = seed * 1103515245 + 12345;
		if ((seed >> 16) % 8 == 0) {
			fr.hw[12] = (uint8_t)(types[(seed >> 20) % 6] >> 8);
			fr.hw[13] = (uint8_t)types[(seed >> 20) % 6];
		}
		fr.has_hw = (seed >> 24) % 5 != 0;
		fr.has_vlan = (seed >> 27) % 9 == 0;
		fr.vlan_tci = (uint16_t)seed;
		fr.snaplen = (seed >> 8) % 4 == 0 ? fr.len : 0;
		e = run(&fr, (seed >> 12) % 2 ? &pol_mac_only : &pol_block,
			(seed >> 13) % 3 == 0 ? NULL : (seed >> 14) % 2 ? &vif_ip : &vif_noip);
		if (e.has_claim) {
			size_t n = e.claim.family == AF_INET ? 4 : 16;
			bool is_found = false;

			for (size_t k = 0; k + n <= fr.len && !is_found; k++)
				is_found = memcmp(fr.p + k, e.claim.addr, n) == 0;
			CHECK(is_found);
		}
	}
}

int main(void)
{
	make_vif(&vif_ip, "192.0.2.3 198.51.100.0/28 2001:db8::3 2001:db8:1::/64");
	make_vif(&vif_noip, NULL);
	policy_default(&pol_block);
	pol_block.no_ip = POLICY_NO_IP_BLOCK;
	pol_mac_only = pol_block;
	pol_mac_only.no_ip = POLICY_NO_IP_MAC_ONLY;

	test_ether();
	test_vlan();
	test_arp();
	test_arp_truncated();
	test_ipv4();
	test_ipv6_router();
	test_ipv6_source();
	test_ipv6_nd();
	test_ipv6_dad();
	test_na_truncated();
	test_protected();
	test_api();
	test_random();

	printf("test-explain: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
