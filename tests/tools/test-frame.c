/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit test of the vgframe builder: no root, no sockets.  The checksums are
 * verified with this file's own one's-complement sum and header walk, not the
 * builder's, so a wrong pseudo-header or length in frame.c shows up here.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

/* Build kind with the NULL-terminated key=value list; returns the length or -errno. */
static int build_list(uint8_t *buf, const char *kind, const char *const *args,
		      struct frame_error *err)
{
	struct frame_spec spec;
	size_t len;
	int r;

	r = frame_spec_init(&spec, kind, err);
	for (size_t i = 0; r >= 0 && args[i]; i++)
		r = frame_spec_set_arg(&spec, args[i], err);
	if (r >= 0)
		r = frame_build(&spec, buf, FRAME_MAX_LEN, &len, NULL, err);
	return r < 0 ? r : (int)len;
}

#define BUILD(buf, kind, ...) build_list(buf, kind, (const char *const[]){__VA_ARGS__, NULL}, NULL)

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sum += (i % 2) ? p[i] : (uint32_t)p[i] << 8;
	return sum;
}

/* True when data including its checksum field sums to 0xffff (RFC 1071). */
static bool csum_ok(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* Offset of the L3 header, skipping 802.1ad/802.1Q tags; *type gets the ethertype. */
static size_t l3_offset(const uint8_t *f, unsigned int *type)
{
	size_t off = 12;

	while (be16(f + off) == 0x88a8 || be16(f + off) == 0x8100)
		off += 4;
	*type = be16(f + off);
	return off + 2;
}

/* Check the IPv4 header and the UDP or ICMP checksum of f. */
static void check_ipv4(const uint8_t *f, int len)
{
	unsigned int type;
	size_t off = l3_offset(f, &type);
	const uint8_t *ip = f + off, *l4 = ip + 20;
	size_t l4_len = be16(ip + 2) - 20;
	uint32_t sum = 0;

	CHECK(len >= FRAME_MIN_LEN);
	CHECK(type == 0x0800);
	CHECK(ip[0] == 0x45);
	CHECK(csum_ok(sum_bytes(0, ip, 20)));
	CHECK(off + be16(ip + 2) <= (size_t)len);
	if (ip[9] == 17) {
		CHECK(be16(l4 + 4) == l4_len);
		CHECK(be16(l4 + 6) != 0);
		sum = sum_bytes(sum_bytes(0, ip + 12, 8), l4, l4_len) + 17 + (uint32_t)l4_len;
		CHECK(csum_ok(sum));
	} else {
		CHECK(ip[9] == 1);
		CHECK(csum_ok(sum_bytes(0, l4, l4_len)));
	}
}

/*
 * Walk the IPv6 header chain of f, check the upper-layer checksum over the
 * pseudo-header, and return the upper-layer header (*proto gets its number).
 */
static const uint8_t *check_ipv6(const uint8_t *f, int len, unsigned int *proto)
{
	unsigned int type;
	size_t off = l3_offset(f, &type);
	const uint8_t *ip = f + off, *l4 = ip + 40;
	size_t l4_len = be16(ip + 4);
	unsigned int nh = ip[6];
	uint32_t sum;

	CHECK(len >= FRAME_MIN_LEN);
	CHECK(type == 0x86dd);
	CHECK(ip[0] >> 4 == 6);
	CHECK(off + 40 + l4_len <= (size_t)len);
	for (int i = 0; i < 4 && (nh == 0 || nh == 60); i++) {
		size_t ext = ((size_t)l4[1] + 1) * 8;

		nh = l4[0];
		l4 += ext;
		l4_len -= ext;
	}
	CHECK(nh == 17 || nh == 58);
	sum = sum_bytes(sum_bytes(0, ip + 8, 32), l4, l4_len) + nh + (uint32_t)l4_len;
	CHECK(csum_ok(sum));
	if (nh == 17)
		CHECK(be16(l4 + 4) == l4_len);
	*proto = nh;
	return l4;
}

/* frag=: the fragment header after any ext=, the message after it (its
 * checksum still over the whole message), or for first-no-l4 nothing after
 * the destination options header. */
static void test_ipv6_frag(void)
{
	uint8_t f[FRAME_MAX_LEN], plain[FRAME_MAX_LEN];
	const uint8_t *ip = f + 14, *fh = ip + 40;
	int len, plen;

	plen = BUILD(plain, "na", "saddr=2001:db8::1", "target=2001:db8::1");
	len = BUILD(f, "na", "saddr=2001:db8::1", "target=2001:db8::1", "frag=first");
	CHECK(len == plen + 8 && ip[6] == 44 && be16(ip + 4) == be16(plain + 18) + 8);
	CHECK(fh[0] == 58 && be16(fh + 2) == 1 &&
	      memcmp(fh + 8, plain + 54, (size_t)plen - 54) == 0);
	len = BUILD(f, "na", "saddr=2001:db8::1", "target=2001:db8::1", "frag=later");
	CHECK(fh[0] == 58 && be16(fh + 2) == 1448 && fh[8] == 136);
	len = BUILD(f, "na", "saddr=2001:db8::1", "target=2001:db8::1", "frag=atomic");
	CHECK(fh[0] == 58 && be16(fh + 2) == 0);
	len = BUILD(f, "ipv6-icmp", "saddr=2001:db8::1", "daddr=2001:db8::2", "frag=first-no-l4",
		    "ext=hbh");
	CHECK(ip[6] == 0 && fh[0] == 44 && fh[8] == 60 && be16(fh + 10) == 1 && fh[16] == 58);
	CHECK(be16(ip + 4) == 24 && len == FRAME_MIN_LEN + 18 && f[len - 1] == 0);
	CHECK(BUILD(f, "mld-report", "frag=first") == -EINVAL);
	CHECK(BUILD(f, "na", "saddr=::1", "target=::1", "frag=second") == -EINVAL);
}

static void test_ipv4(void)
{
	uint8_t f[FRAME_MAX_LEN];
	int len;

	len = BUILD(f, "ipv4-udp", "saddr=192.0.2.1", "daddr=198.51.100.7");
	CHECK(len == FRAME_MIN_LEN && f[50] == 0 && f[59] == 0); /* 50 bytes, padded */
	check_ipv4(f, len);
	CHECK(memcmp(f, "\xff\xff\xff\xff\xff\xff\x02\x00\x00\x00\x00\x01", 12) == 0);
	CHECK(be16(f + 34) == 40000 && be16(f + 36) == 9 && f[22] == 64);
	CHECK(memcmp(f + 42, "vgframe!", 8) == 0);

	/* odd payload length exercises the trailing byte of the checksum */
	len = BUILD(f, "ipv4-udp", "saddr=203.0.113.9", "daddr=192.0.2.255", "sport=0x1234",
		    "dport=53", "ttl=1", "payload=0xabcdef", "vlan=100");
	check_ipv4(f, len);
	CHECK(f[14 + 4 + 8] == 1);
	CHECK(be16(f + 18 + 20 + 4) == 8 + 3);

	len = BUILD(f, "ipv4-udp", "saddr=192.0.2.1", "daddr=224.0.0.251");
	CHECK(memcmp(f, "\x01\x00\x5e\x00\x00\xfb", 6) == 0);

	len = BUILD(f, "ipv4-icmp", "saddr=192.0.2.1", "daddr=192.0.2.2", "id=7", "seq=0x102",
		    "payload=00112233445566778899");
	check_ipv4(f, len);
	CHECK(f[34] == 8 && f[35] == 0 && be16(f + 38) == 7 && be16(f + 40) == 0x102);

	len = BUILD(f, "dhcp-discover", "src=02:11:22:33:44:55", "xid=0xdeadbeef");
	check_ipv4(f, len);
	CHECK(len == 14 + 20 + 8 + 300);
	CHECK(memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0);
	CHECK(memcmp(f + 26, "\0\0\0\0\xff\xff\xff\xff", 8) == 0);
	CHECK(be16(f + 34) == 68 && be16(f + 36) == 67);
	CHECK(f[42] == 1 && memcmp(f + 46, "\xde\xad\xbe\xef", 4) == 0);
	CHECK(memcmp(f + 42 + 28, "\x02\x11\x22\x33\x44\x55", 6) == 0);
	CHECK(memcmp(f + 42 + 236, "\x63\x82\x53\x63\x35\x01\x01\xff", 8) == 0);

	len = BUILD(f, "dhcp-offer", "saddr=192.0.2.1");
	check_ipv4(f, len);
	CHECK(be16(f + 34) == 67 && be16(f + 36) == 68 && f[42] == 2);
	CHECK(memcmp(f + 42 + 16, "\xc0\x00\x02\x64", 4) == 0);
	CHECK(memcmp(f + 42 + 240, "\x35\x01\x02\x36\x04\xc0\x00\x02\x01\xff", 10) == 0);
}

static void test_arp(void)
{
	uint8_t f[FRAME_MAX_LEN];
	int len;

	len = BUILD(f, "arp-request", "src=02:aa:bb:cc:dd:ee", "spa=192.0.2.10", "tpa=192.0.2.1");
	CHECK(len == FRAME_MIN_LEN);
	CHECK(be16(f + 12) == 0x0806);
	CHECK(memcmp(f + 14, "\x00\x01\x08\x00\x06\x04\x00\x01", 8) == 0);
	CHECK(memcmp(f + 22, "\x02\xaa\xbb\xcc\xdd\xee", 6) == 0);
	CHECK(memcmp(f + 28, "\xc0\x00\x02\x0a", 4) == 0);
	CHECK(memcmp(f + 32, "\0\0\0\0\0\0", 6) == 0);
	CHECK(memcmp(f + 38, "\xc0\x00\x02\x01", 4) == 0);
	for (int i = 42; i < FRAME_MIN_LEN; i++)
		CHECK(f[i] == 0);

	len = BUILD(f, "arp-reply", "spa=192.0.2.1", "tpa=192.0.2.10", "sha=02:00:00:00:00:99",
		    "tha=02:aa:bb:cc:dd:ee");
	CHECK(memcmp(f, "\x02\xaa\xbb\xcc\xdd\xee\x02\x00\x00\x00\x00\x01", 12) == 0);
	CHECK(be16(f + 20) == 2);
	CHECK(memcmp(f + 22, "\x02\x00\x00\x00\x00\x99", 6) == 0);

	len = BUILD(f, "arp-probe", "tpa=192.0.2.10");
	CHECK(be16(f + 20) == 1 && memcmp(f + 28, "\0\0\0\0", 4) == 0);

	len = BUILD(f, "arp-gratuitous", "ip=192.0.2.10");
	CHECK(memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0);
	CHECK(memcmp(f + 28, "\xc0\x00\x02\x0a", 4) == 0 && memcmp(f + 38, f + 28, 4) == 0);

	/* malformed header overrides keep the 28-byte body */
	len = BUILD(f, "arp-request", "spa=192.0.2.10", "tpa=192.0.2.1", "htype=6", "ptype=0x86dd",
		    "hlen=8", "plen=16", "op=3");
	CHECK(memcmp(f + 14, "\x00\x06\x86\xdd\x08\x10\x00\x03", 8) == 0);
	CHECK(memcmp(f + 38, "\xc0\x00\x02\x01", 4) == 0);
	CHECK(len == FRAME_MIN_LEN);
}

static void test_tags_and_eth(void)
{
	uint8_t f[FRAME_MAX_LEN];
	int len;

	len = BUILD(f, "eth", "type=0x88b5", "qinq=0x123", "vlan=4095");
	CHECK(be16(f + 12) == 0x88a8 && be16(f + 14) == 0x123);
	CHECK(be16(f + 16) == 0x8100 && be16(f + 18) == 4095);
	CHECK(be16(f + 20) == 0x88b5);
	CHECK(len == 22 + 46 && f[22] == 0 && f[22 + 45] == 45);

	len = BUILD(f, "arp-probe", "tpa=192.0.2.10", "qinq=5");
	CHECK(be16(f + 12) == 0x88a8 && be16(f + 14) == 5 && be16(f + 16) == 0x0806);

	len = BUILD(f, "eth", "type=0x0800", "payload=");
	CHECK(len == FRAME_MIN_LEN);
	len = BUILD(f, "eth", "type=0x0800", "payload=0xaabb", "dst=01:02:03:04:05:06");
	CHECK(len == FRAME_MIN_LEN && f[14] == 0xaa && f[15] == 0xbb && f[16] == 0);
	CHECK(memcmp(f, "\x01\x02\x03\x04\x05\x06", 6) == 0);
}

static void test_ipv6(void)
{
	static const char *const exts[] = {"ext=none", "ext=hbh", "ext=dst"};
	uint8_t f[FRAME_MAX_LEN];
	const uint8_t *l4;
	unsigned int proto;
	int len;

	len = BUILD(f, "ipv6-udp", "saddr=2001:db8::1", "daddr=2001:db8::2", "payload=01");
	l4 = check_ipv6(f, len, &proto);
	CHECK(proto == 17 && f[14 + 7] == 64);

	len = BUILD(f, "ipv6-icmp", "saddr=2001:db8::1", "daddr=ff02::1", "ext=dst");
	l4 = check_ipv6(f, len, &proto);
	CHECK(proto == 58 && l4[0] == 128 && f[14 + 6] == 60);
	CHECK(memcmp(f, "\x33\x33\x00\x00\x00\x01", 6) == 0);

	for (size_t i = 0; i < 3; i++) {
		len = BUILD(f, "ns", "target=2001:db8::12:3456", exts[i]);
		l4 = check_ipv6(f, len, &proto);
		CHECK(proto == 58 && l4[0] == 135 && f[14 + 7] == 255);
		CHECK(f[14 + 6] == (i == 0 ? 58 : i == 1 ? 0 : 60));
		/* DAD: source ::, no options, solicited-node destination */
		CHECK(l4 + 24 == f + len || len == FRAME_MIN_LEN);
		CHECK(memcmp(f + 14 + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\x01\xff\x12\x34\x56", 16) ==
		      0);
		CHECK(memcmp(f, "\x33\x33\xff\x12\x34\x56", 6) == 0);

		len = BUILD(f, "ns", "saddr=fe80::1", "target=2001:db8::1", "nonce=0102030405ff",
			    "src=02:00:00:00:00:07", exts[i]);
		l4 = check_ipv6(f, len, &proto);
		CHECK(memcmp(l4 + 24, "\x01\x01\x02\x00\x00\x00\x00\x07", 8) == 0);
		CHECK(memcmp(l4 + 32, "\x0e\x01\x01\x02\x03\x04\x05\xff", 8) == 0);

		len = BUILD(f, "na", "saddr=fe80::2", "target=2001:db8::2", "flags=0xe0", exts[i]);
		l4 = check_ipv6(f, len, &proto);
		CHECK(l4[0] == 136 && l4[4] == 0xe0 && l4[24] == 2);
		CHECK(memcmp(f + 14 + 24, "\xff\x02\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16) == 0);

		len = BUILD(f, "ra", "saddr=fe80::1", "prefix=2001:db8:1::/64", exts[i]);
		l4 = check_ipv6(f, len, &proto);
		CHECK(l4[0] == 134 && l4[16] == 1 && l4[24] == 3 && l4[26] == 64);

		len = BUILD(f, "redirect", "saddr=fe80::1", "daddr=fe80::99", "target=fe80::2",
			    "dest=2001:db8::5", "tll=02:00:00:00:00:03", exts[i]);
		l4 = check_ipv6(f, len, &proto);
		CHECK(l4[0] == 137 && l4[40] == 2);
		CHECK(memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0);
	}

	len = BUILD(f, "na", "saddr=fe80::2", "target=2001:db8::2", "tll=none");
	l4 = check_ipv6(f, len, &proto);
	CHECK(be16(f + 14 + 4) == 24);

	len = BUILD(f, "mld-report", "group=ff02::1:ff00:42");
	l4 = check_ipv6(f, len, &proto);
	CHECK(proto == 58 && l4[0] == 143 && f[14 + 7] == 1 && f[14 + 6] == 0);
	CHECK(memcmp(f + 14 + 40, "\x3a\x00\x05\x02\x00\x00\x01\x00", 8) == 0);
	CHECK(memcmp(f, "\x33\x33\x00\x00\x00\x16", 6) == 0);
	CHECK(be16(l4 + 6) == 1 && l4[8] == 4);

	len = BUILD(f, "dhcpv6-solicit", "saddr=fe80::1", "xid=0xabcdef", "vlan=7");
	l4 = check_ipv6(f, len, &proto);
	CHECK(be16(l4) == 546 && be16(l4 + 2) == 547);
	CHECK(memcmp(l4 + 8, "\x01\xab\xcd\xef\x00\x01\x00\x0a\x00\x03\x00\x01", 12) == 0);
	CHECK(memcmp(f, "\x33\x33\x00\x01\x00\x02", 6) == 0);

	len = BUILD(f, "dhcpv6-advertise", "saddr=fe80::1", "daddr=fe80::2");
	l4 = check_ipv6(f, len, &proto);
	CHECK(be16(l4) == 547 && l4[8] == 2 && be16(l4 + 12) == 2);
}

static void test_rejects(void)
{
	uint8_t f[FRAME_MAX_LEN];
	struct frame_error err;
	struct frame_spec spec;
	size_t len = 0, data_len = 0;

	CHECK(BUILD(f, "ns", "saddr=fe80::1") == -EINVAL);
	CHECK(build_list(f, "ns", (const char *const[]){"saddr=::", NULL}, &err) == -EINVAL);
	CHECK(strstr(err.text, "target") != NULL);
	CHECK(BUILD(f, "ns", "target=2001:db8::1", "src=02:00:00:00:00") == -EINVAL);
	CHECK(BUILD(f, "ns", "target=2001:db8::1", "src=02:00:00:00:00:0g") == -EINVAL);
	CHECK(BUILD(f, "ns", "target=2001:db8::1", "src=02-00-00-00-00-01") == -EINVAL);
	CHECK(BUILD(f, "ns", "target=2001:db8::1", "bogus=1") == -EINVAL);
	CHECK(BUILD(f, "ns", "target=2001:db8::1", "spa=192.0.2.1") == -EINVAL);
	CHECK(BUILD(f, "ns", "target=192.0.2.1") == -EINVAL);
	CHECK(BUILD(f, "ns", "target=2001:db8::1", "nonce=01020304") == -EINVAL);
	CHECK(BUILD(f, "ns", "target=2001:db8::1", "ext=rh") == -EINVAL);
	CHECK(BUILD(f, "mld-report", "ext=hbh") == -EINVAL);
	CHECK(BUILD(f, "ipv4-udp", "saddr=192.0.2.1", "daddr=2001:db8::1") == -EINVAL);
	CHECK(BUILD(f, "ipv4-udp", "saddr=192.0.2.1") == -EINVAL);
	CHECK(BUILD(f, "ipv4-udp", "saddr=192.0.2.1", "daddr=192.0.2.2", "dport=65536") == -EINVAL);
	CHECK(BUILD(f, "ipv4-udp", "saddr=192.0.2.1", "daddr=192.0.2.2", "dport=-1") == -EINVAL);
	CHECK(BUILD(f, "ipv4-udp", "saddr=192.0.2.1", "daddr=192.0.2.2", "payload=abc") == -EINVAL);
	CHECK(BUILD(f, "eth", "type=0x0800", "vlan=4096") == -EINVAL);
	CHECK(BUILD(f, "eth", "type=0x") == -EINVAL);
	CHECK(BUILD(f, "eth", "vlan=1") == -EINVAL);
	CHECK(BUILD(f, "dhcpv6-solicit", "saddr=fe80::1", "xid=0x1000000") == -EINVAL);
	CHECK(BUILD(f, "dhcp-discover", "xid=0xffffffff") > 0);
	CHECK(BUILD(f, "eth", "type") == -EINVAL);
	CHECK(BUILD(f, "no-such-kind", "type=1") == -EINVAL);

	/* a rejected value leaves the spec as it was */
	CHECK(frame_spec_init(&spec, "eth", NULL) == 0);
	CHECK(frame_spec_set(&spec, "payload", "0102", NULL) == 0);
	CHECK(frame_spec_set(&spec, "payload", "01zz", NULL) == -EINVAL);
	CHECK(spec.payload_len == 2 && spec.payload[1] == 2);

	/* a short buffer is refused, not overrun */
	CHECK(frame_spec_set(&spec, "type", "0x0800", NULL) == 0);
	CHECK(frame_build(&spec, f, FRAME_MIN_LEN - 1, &len, NULL, NULL) == -ENOBUFS && len == 0);

	/* the unpadded length is what br_netfilter trims padded IP frames back to */
	CHECK(frame_spec_init(&spec, "ipv4-udp", NULL) == 0);
	CHECK(frame_spec_set_arg(&spec, "saddr=192.0.2.1", NULL) == 0);
	CHECK(frame_spec_set_arg(&spec, "daddr=192.0.2.2", NULL) == 0);
	CHECK(frame_build(&spec, f, sizeof(f), &len, &data_len, NULL) == 0);
	CHECK(len == FRAME_MIN_LEN && data_len == 14 + 20 + 8 + 8);
	CHECK(frame_spec_set_arg(&spec, "vlan=1", NULL) == 0);
	CHECK(frame_spec_set_arg(&spec, "payload=000102030405060708090a0b0c0d0e0f", NULL) == 0);
	CHECK(frame_build(&spec, f, sizeof(f), &len, &data_len, NULL) == 0);
	CHECK(len == 18 + 20 + 8 + 16 && data_len == len);
}

int main(void)
{
	test_ipv4();
	test_arp();
	test_tags_and_eth();
	test_ipv6();
	test_ipv6_frag();
	test_rejects();
	if (failures) {
		fprintf(stderr, "test-frame: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test-frame: ok\n");
	return 0;
}
