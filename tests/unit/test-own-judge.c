/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ownership judge: every verdict, their order (a protected address is
 * reported as protected even when a vif lists it), EUI-64 macs, and the
 * claimant's own configured address, mac and ownership not counting as
 * another's.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <stdlib.h>

#include "check.h"
#include "own-judge.h"
#include "test-addr.h"

/* A tiny world: two vifs, "me" and "them". */
static const char me[] = "me", them[] = "them";
static struct vif_addr protected_a, configured_a[2], owned_a[2];
static const void *configured_who[2], *owned_who[2];
static const uint8_t mac_me[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x01};
static const uint8_t mac_them[6] = {0x00, 0x16, 0x3e, 0x00, 0x00, 0x02};

static bool same(const struct vif_addr *a, const struct vif_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, 16) == 0;
}

static bool is_protected(const struct vif_addr *a, void *data)
{
	(void)data;
	return same(a, &protected_a);
}

static const void *configured_by(const struct vif_addr *a, void *data)
{
	(void)data;
	for (int i = 0; i < 2; i++)
		if (same(a, &configured_a[i]))
			return configured_who[i];
	return NULL;
}

static const void *mac_of(const uint8_t mac[6], void *data)
{
	(void)data;
	if (memcmp(mac, mac_me, 6) == 0)
		return me;
	if (memcmp(mac, mac_them, 6) == 0)
		return them;
	return NULL;
}

static const void *owner_of(const struct vif_addr *a, void *data)
{
	(void)data;
	for (int i = 0; i < 2; i++)
		if (same(a, &owned_a[i]))
			return owned_who[i];
	return NULL;
}

static const struct own_world world = {
    .is_protected = is_protected,
    .configured_by = configured_by,
    .mac_of = mac_of,
    .owner_of = owner_of,
};

static enum own_verdict judge(const char *addr, size_t n_owned, const void **other)
{
	static const char *const space_s[] = {"fe80::/64", "2001:db8:1::/64", "192.0.2.0/24"};
	struct vif_addr space[3], a = A(addr);
	struct own_claimant c = {
	    .self = me, .space = space, .n_space = 3, .n_owned = n_owned, .cap = 4};

	for (int i = 0; i < 3; i++)
		space[i] = A(space_s[i]);
	return own_judge(&c, &a, &world, other);
}

int main(void)
{
	const void *other = (const void *)1;
	uint8_t mac[6];
	struct vif_addr a;

	protected_a = A("fe80::1");
	configured_a[0] = A("2001:db8:1::10");
	configured_who[0] = them;
	configured_a[1] = A("2001:db8:1::11");
	configured_who[1] = me;
	owned_a[0] = A("fe80::aaaa");
	owned_who[0] = them;
	owned_a[1] = A("fe80::bbbb");
	owned_who[1] = me;

	/* a stable-privacy link-local nobody holds */
	CHECK(judge("fe80::1234:5678:9abc:def0", 0, &other) == OWN_GRANT);
	CHECK(other == NULL);
	CHECK(judge("192.0.2.77", 0, NULL) == OWN_GRANT);
	/* the cap counts what it owns */
	CHECK(judge("fe80::1234:5678:9abc:def0", 3, NULL) == OWN_GRANT);
	CHECK(judge("fe80::1234:5678:9abc:def0", 4, NULL) == OWN_CAP);
	/* only single addresses */
	CHECK(judge("fe80::/64", 0, NULL) == OWN_NOT_SINGLE);
	CHECK(judge("192.0.2.0/25", 0, NULL) == OWN_NOT_SINGLE);
	/* outside: another /64, a global outside the shared /64, the next
	 * /64 after fe80::/64 (fe80:0:0:1::/64 is link-local space, not ours) */
	CHECK(judge("2001:db8:2::1", 0, NULL) == OWN_OUTSIDE);
	CHECK(judge("fe80:0:0:1::1", 0, NULL) == OWN_OUTSIDE);
	CHECK(judge("198.51.100.1", 0, NULL) == OWN_OUTSIDE);
	/* protected, before anything else, and before the cap */
	CHECK(judge("fe80::1", 4, &other) == OWN_PROTECTED);
	CHECK(other == NULL);
	/* another vif's configured address; its own is not "another's" */
	CHECK(judge("2001:db8:1::10", 0, &other) == OWN_CONFIGURED);
	CHECK(other == them);
	CHECK(judge("2001:db8:1::11", 0, &other) == OWN_GRANT);
	/* the EUI-64 address of the other vif's mac, in either prefix */
	CHECK(judge("fe80::216:3eff:fe00:2", 0, &other) == OWN_EUI64);
	CHECK(other == them);
	CHECK(judge("2001:db8:1::216:3eff:fe00:2", 0, &other) == OWN_EUI64);
	CHECK(other == them);
	/* its own EUI-64 address is claimable; an unknown mac's too */
	CHECK(judge("2001:db8:1::216:3eff:fe00:1", 0, NULL) == OWN_GRANT);
	CHECK(judge("2001:db8:1::216:3eff:fe00:9", 0, NULL) == OWN_GRANT);
	/* owned: by another, by itself (even at the cap) */
	CHECK(judge("fe80::aaaa", 0, &other) == OWN_OWNED);
	CHECK(other == them);
	CHECK(judge("fe80::bbbb", 4, &other) == OWN_ALREADY);
	CHECK(other == NULL);

	/* EUI-64 macs: the universal/local bit flips back */
	a = A("fe80::216:3eff:fe00:2");
	CHECK(own_eui64_mac(&a, mac) && memcmp(mac, mac_them, 6) == 0);
	a = A("fe80::ff:fe00:0");
	CHECK(own_eui64_mac(&a, mac) && mac[0] == 0x02 && mac[5] == 0);
	a = A("fe80::1234:5678:9abc:def0");
	CHECK(!own_eui64_mac(&a, mac));
	a = A("192.0.2.1");
	CHECK(!own_eui64_mac(&a, mac));

	/* inside: prefix edges, non-byte lengths, families */
	a = A("192.0.2.255");
	CHECK(own_inside(
	    &(struct vif_addr){.family = AF_INET, .prefixlen = 24, .addr = {192, 0, 2, 0}}, &a));
	CHECK(!own_inside(
	    &(struct vif_addr){.family = AF_INET, .prefixlen = 25, .addr = {192, 0, 2, 0}}, &a));
	CHECK(own_inside(&(struct vif_addr){.family = AF_INET, .prefixlen = 0}, &a));
	a = A("2001:db8::1");
	CHECK(!own_inside(&(struct vif_addr){.family = AF_INET, .prefixlen = 0}, &a));
	CHECK(!own_inside(&(struct vif_addr){.family = AF_INET, .prefixlen = 33}, &a));

	/* the claimed address from the logged frame */
	{
		uint8_t pkt[80] = {0x60, 0, 0, 0, 0, 24, 58, 255};
		enum own_how how = OWN_HOW_DAD;

		/* a frame from fe80::abcd: its source */
		pkt[8] = 0xfe;
		pkt[9] = 0x80;
		pkt[22] = 0xab;
		pkt[23] = 0xcd;
		CHECK(own_claim_address(pkt, 40, 0x86dd, &a, &how) == 0);
		CHECK(how == OWN_HOW_FRAME && a.family == AF_INET6 && a.prefixlen == 128 &&
		      a.addr[0] == 0xfe && a.addr[15] == 0xcd);
		CHECK(own_claim_address(pkt, 39, 0x86dd, &a, &how) == -EINVAL);
		CHECK(own_claim_address(pkt, 40, 0x0800, &a, &how) == -EINVAL);
		pkt[0] = 0x40;
		CHECK(own_claim_address(pkt, 40, 0x86dd, &a, &how) == -EINVAL);
		pkt[0] = 0x60;
		/* a DAD solicitation (source ::) for fe80::1:2: its target */
		memset(pkt + 8, 0, 16);
		pkt[40] = 135;
		pkt[48] = 0xfe;
		pkt[49] = 0x80;
		pkt[61] = 1;
		pkt[63] = 2;
		CHECK(own_claim_address(pkt, 64, 0x86dd, &a, &how) == 0);
		CHECK(how == OWN_HOW_DAD && a.addr[0] == 0xfe && a.addr[13] == 1 &&
		      a.addr[15] == 2);
		/* cut short, not an NS, an extension header first, a code */
		CHECK(own_claim_address(pkt, 63, 0x86dd, &a, &how) == -EINVAL);
		pkt[40] = 136;
		CHECK(own_claim_address(pkt, 64, 0x86dd, &a, &how) == -EINVAL);
		pkt[40] = 135;
		pkt[6] = 0;
		CHECK(own_claim_address(pkt, 64, 0x86dd, &a, &how) == -EINVAL);
		pkt[6] = 58;
		pkt[41] = 1;
		CHECK(own_claim_address(pkt, 64, 0x86dd, &a, &how) == -EINVAL);
		/* a neighbour advertisement from fe80::abcd: its target */
		pkt[41] = 0;
		pkt[40] = 136;
		pkt[8] = 0xfe;
		pkt[9] = 0x80;
		pkt[23] = 0xcd;
		CHECK(own_claim_address(pkt, 64, 0x86dd, &a, &how) == 0);
		CHECK(how == OWN_HOW_NA && a.addr[13] == 1 && a.addr[15] == 2);
		/* any other ICMPv6 from it: its source */
		pkt[40] = 128;
		CHECK(own_claim_address(pkt, 64, 0x86dd, &a, &how) == 0);
		CHECK(how == OWN_HOW_FRAME && a.addr[15] == 0xcd);
	}
	CHECK(strcmp(own_how_to_string(OWN_HOW_PROBE), "an ARP probe") == 0);
	CHECK(strcmp(own_how_to_string(_OWN_HOW_MAX), "?") == 0);

	{
		/* IPv4: its source; ARP: the sender's address, a probe's target */
		uint8_t ip[20] = {0x45}, arp[28] = {0, 1, 0x08, 0x00, 6, 4, 0, 1};
		enum own_how how = OWN_HOW_DAD;

		memcpy(ip + 12, (const uint8_t[]){192, 0, 2, 7}, 4);
		CHECK(own_claim_address(ip, 20, 0x0800, &a, &how) == 0);
		CHECK(how == OWN_HOW_FRAME && a.family == AF_INET && a.prefixlen == 32 &&
		      a.addr[3] == 7);
		CHECK(own_claim_address(ip, 19, 0x0800, &a, &how) == -EINVAL);
		memset(ip + 12, 0, 4);
		CHECK(own_claim_address(ip, 20, 0x0800, &a, &how) == -EINVAL);
		ip[0] = 0x65;
		CHECK(own_claim_address(ip, 20, 0x0800, &a, &how) == -EINVAL);
		memcpy(arp + 24, (const uint8_t[]){192, 0, 2, 9}, 4);
		CHECK(own_claim_address(arp, 28, 0x0806, &a, &how) == 0);
		CHECK(how == OWN_HOW_PROBE && a.family == AF_INET && a.addr[3] == 9);
		memcpy(arp + 14, (const uint8_t[]){192, 0, 2, 8}, 4);
		CHECK(own_claim_address(arp, 28, 0x0806, &a, &how) == 0);
		CHECK(how == OWN_HOW_ANNOUNCE && a.addr[3] == 8);
		CHECK(own_claim_address(arp, 27, 0x0806, &a, &how) == -EINVAL);
		arp[5] = 16;
		CHECK(own_claim_address(arp, 28, 0x0806, &a, &how) == -EINVAL);
		arp[5] = 4;
		memset(arp + 14, 0, 4);
		memset(arp + 24, 0, 4);
		CHECK(own_claim_address(arp, 28, 0x0806, &a, &how) == -EINVAL);
	}

	CHECK(strcmp(own_verdict_to_string(OWN_OWNED), "owned by another vif") == 0);
	CHECK(strcmp(own_verdict_to_string(_OWN_VERDICT_MAX), "?") == 0);
	printf("%u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
