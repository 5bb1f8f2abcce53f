/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/vif.c.  Each check compares outputs, not only return
 * codes, and every rejection also checks that the output was left alone.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vif.h"

#include "check.h"

/* The error text must contain want and nothing that could break a log line. */
#define CHECK_ERR(e, want)                                                                         \
	do {                                                                                       \
		CHECK(strstr((e).text, (want)) != NULL);                                           \
		CHECK(strlen((e).text) < sizeof((e).text));                                        \
		CHECK(!has_control((e).text));                                                     \
		if (!strstr((e).text, (want)))                                                     \
			fprintf(stderr, "  text: '%s'\n  want: '%s'\n", (e).text, (want));         \
	} while (0)

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return true;
	return false;
}

#define SENTINEL "sentinel"

static void err_init(struct vif_error *e)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->text, SENTINEL);
}

/* ---- vif_quote ---- */

static void test_quote(void)
{
	char buf[VIF_QUOTE_SIZE], small[8], big[200];

	vif_quote(buf, sizeof(buf), "abc", 3);
	CHECK_STR(buf, "abc");
	vif_quote(buf, sizeof(buf), "a\nb\x7f\xff'\\", 7);
	CHECK_STR(buf, "a\\x0ab\\x7f\\xff\\x27\\x5c");
	vif_quote(buf, sizeof(buf), "a\0b", 3);
	CHECK_STR(buf, "a\\x00b");
	vif_quote(buf, sizeof(buf), "", 0);
	CHECK_STR(buf, "");

	/* exactly 64 plain bytes fit; 65 get cut */
	memset(big, 'x', sizeof(big));
	vif_quote(buf, sizeof(buf), big, 64);
	CHECK(strlen(buf) == 64 && strchr(buf, '.') == NULL);
	vif_quote(buf, sizeof(buf), big, 65);
	CHECK(strlen(buf) == 67 && strcmp(buf + 64, "...") == 0);
	vif_quote(buf, sizeof(buf), big, sizeof(big));
	CHECK(strlen(buf) == 67);

	/* an escape never gets split by the cut */
	memset(big, '\n', sizeof(big));
	vif_quote(buf, sizeof(buf), big, sizeof(big));
	CHECK(strlen(buf) == 64 + 3 && strncmp(buf, "\\x0a\\x0a", 8) == 0);

	/* smaller buffers are honoured */
	vif_quote(small, sizeof(small), "abcdefghij", 10);
	CHECK_STR(small, "abcd...");
	vif_quote(small, 4, "abcdefghij", 10);
	CHECK_STR(small, "...");
	vif_quote(small, 3, "abcdefghij", 10);
	CHECK_STR(small, "");
}

/* ---- vif_mac_parse ---- */

static void mac_ok(int line, const char *s, const uint8_t want[6])
{
	struct vif_error e;
	uint8_t mac[6] = {0};
	int r;

	err_init(&e);
	r = vif_mac_parse("mac", s, mac, &e);
	CHECK(r == 0);
	CHECK(memcmp(mac, want, 6) == 0);
	CHECK_STR(e.text, SENTINEL);
	if (r != 0)
		fprintf(stderr, "  line %d: '%s' rejected: %s\n", line, s, e.text);
}

static void mac_bad(int line, const char *s, const char *want)
{
	static const uint8_t untouched[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0};
	struct vif_error e;
	uint8_t mac[6];
	int r;

	memcpy(mac, untouched, 6);
	err_init(&e);
	r = vif_mac_parse("mac", s, mac, &e);
	CHECK(r == -EINVAL);
	CHECK(memcmp(mac, untouched, 6) == 0);
	CHECK_ERR(e, want);
	if (r != -EINVAL)
		fprintf(stderr, "  line %d: '%s' accepted\n", line, s ? s : "(null)");
}

static void test_mac(void)
{
	static const char malformed[] = "is not a MAC address";

	mac_ok(__LINE__, "00:16:3e:12:34:56",
	       (const uint8_t[]){0x00, 0x16, 0x3e, 0x12, 0x34, 0x56});
	mac_ok(__LINE__, "00-16-3E-AB-cd-Ef",
	       (const uint8_t[]){0x00, 0x16, 0x3e, 0xab, 0xcd, 0xef});
	mac_ok(__LINE__, "02:00:00:00:00:01", (const uint8_t[]){0x02, 0, 0, 0, 0, 0x01});
	mac_ok(__LINE__, "fe:ff:ff:ff:ff:ff",
	       (const uint8_t[]){0xfe, 0xff, 0xff, 0xff, 0xff, 0xff});
	mac_ok(__LINE__, "00:00:00:00:00:01", (const uint8_t[]){0, 0, 0, 0, 0, 0x01});

	mac_bad(__LINE__, NULL, "key 'mac' is missing");
	mac_bad(__LINE__, "", malformed);
	mac_bad(__LINE__, "00:16:3e:12:34:5", malformed);
	mac_bad(__LINE__, "00:16:3e:12:34:567", malformed);
	mac_bad(__LINE__, "00:16:3e:12:34:56:", malformed);
	mac_bad(__LINE__, "00:16:3e:12:34:56:78", malformed);
	mac_bad(__LINE__, "0:16:3e:12:34:56", malformed);
	mac_bad(__LINE__, "0:16:3e:12:34:567", malformed);
	mac_bad(__LINE__, "00:16-3e:12:34:56", malformed);
	mac_bad(__LINE__, "00-16-3e-12-34:56", malformed);
	mac_bad(__LINE__, "00.16.3e.12.34.56", malformed);
	mac_bad(__LINE__, "00 16 3e 12 34 56", malformed);
	mac_bad(__LINE__, "0016.3e12.3456", malformed);
	mac_bad(__LINE__, "00163e123456", malformed);
	mac_bad(__LINE__, " 00:16:3e:12:34:56", malformed);
	mac_bad(__LINE__, "00:16:3e:12:34:56 ", malformed);
	mac_bad(__LINE__, "00:16:3e:12:34:5g", malformed);
	mac_bad(__LINE__, "0x:16:3e:12:34:56", malformed);
	mac_bad(__LINE__, "+0:16:3e:12:34:56", malformed);
	mac_bad(__LINE__, "00::16:3e:12:34:5", malformed);

	mac_bad(__LINE__, "01:00:5e:00:00:01",
		"key 'mac': value '01:00:5e:00:00:01' is a multicast address");
	mac_bad(__LINE__, "33:33:00:00:00:01", "is a multicast address");
	mac_bad(__LINE__, "03:00:00:00:00:00", "is a multicast address");
	mac_bad(__LINE__, "ff:ff:ff:ff:ff:ff",
		"value 'ff:ff:ff:ff:ff:ff' is the broadcast address");
	mac_bad(__LINE__, "FF-FF-FF-FF-FF-FF", "is the broadcast address");
	mac_bad(__LINE__, "00:00:00:00:00:00", "value '00:00:00:00:00:00' is the all-zero address");

	/* hostile values are escaped and cut in the error text */
	mac_bad(__LINE__, "00:16:3e:12:34:5\n", "value '00:16:3e:12:34:5\\x0a' is not");
	mac_bad(__LINE__, "00:16:3e:12:34:56\nfake log line", "value '00:16:3e:12:34:56\\x0afake");
	{
		char long_value[300];
		struct vif_error e;
		uint8_t mac[6];

		memset(long_value, 'a', sizeof(long_value) - 1);
		long_value[sizeof(long_value) - 1] = '\0';
		err_init(&e);
		CHECK(vif_mac_parse("mac", long_value, mac, &e) == -EINVAL);
		CHECK_ERR(e, "aaa...' is not a MAC address");
		CHECK(strlen(e.text) < 64 + 100 + 64);
	}

	/* the key name is the caller's, and used as given */
	{
		struct vif_error e;
		uint8_t mac[6];

		err_init(&e);
		CHECK(vif_mac_parse("other", "01:00:00:00:00:00", mac, &e) == -EINVAL);
		CHECK_ERR(e, "key 'other': value '01:00:00:00:00:00'");
		/* err may be NULL */
		CHECK(vif_mac_parse("mac", "zz", mac, NULL) == -EINVAL);
	}
}

/* ---- vif_ip_list_parse ---- */

static struct vif_addr addrs[VIF_ADDRS_MAX];
static size_t n_addrs;

static int ip_parse(const char *s, const struct vif_limits *lim, struct vif_error *e)
{
	err_init(e);
	memset(addrs, 0xa5, sizeof(addrs));
	n_addrs = 12345;
	return vif_ip_list_parse("ip", s, lim, addrs, &n_addrs, e);
}

/* Render the result as one string: "a b c". */
static const char *ip_result(void)
{
	static char out[VIF_ADDRS_MAX * VIF_ADDR_STRLEN];
	char buf[VIF_ADDR_STRLEN];

	out[0] = '\0';
	for (size_t i = 0; i < n_addrs && i < VIF_ADDRS_MAX; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, vif_addr_to_string(&addrs[i], buf, sizeof(buf)) ?: "(null)");
	}
	return out;
}

static void ip_ok_lim(int line, const char *s, const struct vif_limits *lim, const char *want)
{
	struct vif_error e;
	int r;

	r = ip_parse(s, lim, &e);
	CHECK(r == 0);
	CHECK_STR(e.text, SENTINEL);
	if (r != 0) {
		fprintf(stderr, "  line %d: '%s' rejected: %s\n", line, s, e.text);
		return;
	}
	CHECK_STR(ip_result(), want);
}

static void ip_ok(int line, const char *s, const char *want)
{
	ip_ok_lim(line, s, NULL, want);
}

static void ip_bad_lim(int line, const char *s, const struct vif_limits *lim, int want_r,
		       const char *want)
{
	struct vif_addr untouched;
	struct vif_error e;
	int r;

	r = ip_parse(s, lim, &e);
	memset(&untouched, 0xa5, sizeof(untouched));
	CHECK(r == want_r);
	CHECK(n_addrs == 12345);
	CHECK(memcmp(&addrs[0], &untouched, sizeof(untouched)) == 0);
	CHECK_ERR(e, want);
	if (r != want_r)
		fprintf(stderr, "  line %d: '%s' returned %d (%s)\n", line, s ? s : "(null)", r,
			r == 0 ? ip_result() : e.text);
}

static void ip_bad(int line, const char *s, const char *want)
{
	ip_bad_lim(line, s, NULL, -EINVAL, want);
}

static void test_ip_basic(void)
{
	struct vif_limits lim;
	struct vif_error e;

	vif_limits_default(&lim);
	CHECK(lim.min_prefix_v4 == 24);
	CHECK(lim.min_prefix_v6 == 64);

	ip_ok(__LINE__, "", "");
	ip_ok(__LINE__, "   ", "");
	ip_ok(__LINE__, " \t \t", "");
	CHECK(ip_parse("", NULL, &e) == 0 && n_addrs == 0);

	/* exact bytes and fields of one entry */
	CHECK(ip_parse("192.0.2.5", &lim, &e) == 0);
	CHECK(n_addrs == 1);
	CHECK(addrs[0].family == AF_INET);
	CHECK(addrs[0].prefixlen == 32);
	CHECK(memcmp(addrs[0].addr, (const uint8_t[]){192, 0, 2, 5}, 4) == 0);
	CHECK(ip_parse("2001:db8::/64", &lim, &e) == 0);
	CHECK(n_addrs == 1);
	CHECK(addrs[0].family == AF_INET6);
	CHECK(addrs[0].prefixlen == 64);
	CHECK(
	    memcmp(addrs[0].addr,
		   (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		   16) == 0);

	ip_ok(__LINE__, "192.0.2.5", "192.0.2.5");
	ip_ok(__LINE__, "192.0.2.5/32", "192.0.2.5");
	ip_ok(__LINE__, "192.0.2.0/24", "192.0.2.0/24");
	ip_ok(__LINE__, "192.0.2.128/25", "192.0.2.128/25");
	ip_ok(__LINE__, "192.0.2.4/30", "192.0.2.4/30");
	ip_ok(__LINE__, "198.51.100.7 192.0.2.5", "198.51.100.7 192.0.2.5");
	ip_ok(__LINE__, "  198.51.100.7 \t\t192.0.2.5\t ", "198.51.100.7 192.0.2.5");
	ip_ok(__LINE__, "1.2.3.4", "1.2.3.4");
	ip_ok(__LINE__, "10.0.0.1", "10.0.0.1");
	ip_ok(__LINE__, "1.0.0.0", "1.0.0.0");
	ip_ok(__LINE__, "126.255.255.255", "126.255.255.255");
	ip_ok(__LINE__, "128.0.0.1", "128.0.0.1");
	ip_ok(__LINE__, "223.255.255.255", "223.255.255.255");
	ip_ok(__LINE__, "169.254.1.2", "169.254.1.2");
	ip_ok(__LINE__, "255.255.255.254", "255.255.255.254");

	ip_ok(__LINE__, "2001:db8::1", "2001:db8::1");
	ip_ok(__LINE__, "2001:DB8::A", "2001:db8::a");
	ip_ok(__LINE__, "2001:db8::1/128", "2001:db8::1");
	ip_ok(__LINE__, "2001:db8:0:1::/64", "2001:db8:0:1::/64");
	ip_ok(__LINE__, "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	ip_ok(__LINE__, "2001:db8:ffff:ffff:ffff:ffff:255.255.255.255/128",
	      "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	ip_ok(__LINE__, "fe80::216:3eff:fe12:3456", "fe80::216:3eff:fe12:3456");
	ip_ok(__LINE__, "fe80::1/128", "fe80::1");
	ip_ok(__LINE__, "febf:ffff::1", "febf:ffff::1");
	ip_ok(__LINE__, "fec0::1", "fec0::1");
	ip_ok(__LINE__, "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	      "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ip_ok(__LINE__, "::2", "::2");
	ip_ok(__LINE__, "::1:0:0:1", "::1:0:0:1");
	ip_ok(__LINE__, "192.0.2.5 2001:db8::5 192.0.2.0/24 2001:db8::/64",
	      "192.0.2.5 2001:db8::5 192.0.2.0/24 2001:db8::/64");

	/* duplicates kept once, first position wins; overlaps are kept */
	ip_ok(__LINE__, "192.0.2.5 192.0.2.5 192.0.2.6", "192.0.2.5 192.0.2.6");
	ip_ok(__LINE__, "192.0.2.6 192.0.2.5 192.0.2.6/32", "192.0.2.6 192.0.2.5");
	ip_ok(__LINE__, "2001:db8::1 2001:DB8:0::1", "2001:db8::1");
	ip_ok(__LINE__, "192.0.2.0/24 192.0.2.5 192.0.2.0/25",
	      "192.0.2.0/24 192.0.2.5 192.0.2.0/25");
	ip_ok(__LINE__, "192.0.2.0/24 192.0.2.0/25", "192.0.2.0/24 192.0.2.0/25");

	/* err may be NULL */
	CHECK(vif_ip_list_parse("ip", "x", NULL, addrs, &n_addrs, NULL) == -EINVAL);
}

static void test_ip_reject(void)
{
	static const char junk[] = "is not an IPv4 or IPv6 address or prefix";
	static const char badlen[] = "has an invalid prefix length";

	ip_bad(__LINE__, NULL, "key 'ip' is missing");

	/* separators */
	ip_bad(__LINE__, "192.0.2.5,192.0.2.6", "contains a comma; separate entries with spaces");
	ip_bad(__LINE__, "192.0.2.5, 192.0.2.6", "value '192.0.2.5, 192.0.2.6' contains a comma");
	ip_bad(__LINE__, ",", "contains a comma");
	ip_bad(__LINE__, "192.0.2.5\n192.0.2.6", "entry '192.0.2.5\\x0a192.0.2.6' is not an");
	ip_bad(__LINE__, "192.0.2.5\r", junk);
	ip_bad(__LINE__, "192.0.2.5;192.0.2.6", junk);

	/* IPv4 syntax */
	ip_bad(__LINE__, "010.0.0.1", "entry '010.0.0.1' is not an IPv4 or IPv6 address or prefix");
	ip_bad(__LINE__, "10.0.0.01", junk);
	ip_bad(__LINE__, "10.00.0.1", junk);
	ip_bad(__LINE__, "1.2.3", junk);
	ip_bad(__LINE__, "1.2.3.4.5", junk);
	ip_bad(__LINE__, "256.1.1.1", junk);
	ip_bad(__LINE__, "1.2.3.256", junk);
	ip_bad(__LINE__, "1.2.3.1000", junk);
	ip_bad(__LINE__, "0x1.2.3.4", junk);
	ip_bad(__LINE__, "1.2.3.4a", junk);
	ip_bad(__LINE__, "1..2.3", junk);
	ip_bad(__LINE__, "1.2.3.4.", junk);
	ip_bad(__LINE__, ".1.2.3.4", junk);
	ip_bad(__LINE__, "+1.2.3.4", junk);
	ip_bad(__LINE__, "16909060", junk);
	ip_bad(__LINE__, "localhost", junk);
	ip_bad(__LINE__, "x", junk);

	/* IPv6 syntax */
	ip_bad(__LINE__, "2001:db8:::1", junk);
	ip_bad(__LINE__, "2001:db8::1::2", junk);
	ip_bad(__LINE__, "2001:db8::g", junk);
	ip_bad(__LINE__, "1:2:3:4:5:6:7:8:9", junk);
	ip_bad(__LINE__, "[2001:db8::1]", junk);
	ip_bad(__LINE__, "2001:db8::12345", junk);
	ip_bad(__LINE__, "fe80::1%eth0", "entry 'fe80::1%eth0' has a zone id");
	ip_bad(__LINE__, "fe80::1%1/128", "has a zone id");
	ip_bad(__LINE__, "2001:db8:ffff:ffff:ffff:ffff:255.255.255.255/0128", badlen);

	/* prefix syntax */
	ip_bad(__LINE__, "/24", junk);
	ip_bad(__LINE__, "192.0.2.5/", badlen);
	ip_bad(__LINE__, "192.0.2.0/024", badlen);
	ip_bad(__LINE__, "192.0.2.0/+24", badlen);
	ip_bad(__LINE__, "192.0.2.0/-24", badlen);
	ip_bad(__LINE__, "192.0.2.0/ 24", badlen);
	ip_bad(__LINE__, "192.0.2.0/24x", badlen);
	ip_bad(__LINE__, "192.0.2.0/0x18", badlen);
	ip_bad(__LINE__, "192.0.2.5/33",
	       "entry '192.0.2.5/33' has an invalid prefix length "
	       "(expected /1../32 in decimal)");
	ip_bad(__LINE__, "192.0.2.5/32/32", badlen);
	ip_bad(__LINE__, "192.0.2.5/0032", badlen);
	ip_bad(__LINE__, "192.0.2.5/4294967328", badlen);
	ip_bad(__LINE__, "2001:db8::/129", "(expected /1../128 in decimal)");
	ip_bad(__LINE__, "2001:db8::/1280", badlen);
}

static void test_ip_semantics(void)
{
	static const struct vif_limits zero = {0, 0, false}, wide = {1, 1, false},
				       eight = {8, 16, false};

	/* the limits */
	ip_bad(__LINE__, "10.0.0.0/8",
	       "key 'ip': entry '10.0.0.0/8': prefix /8 is wider than the allowed /24");
	ip_bad(__LINE__, "192.0.0.0/23", "prefix /23 is wider than the allowed /24");
	ip_bad(__LINE__, "2001:db8::/63", "prefix /63 is wider than the allowed /64");
	ip_bad(__LINE__, "2001:db8::/32", "prefix /32 is wider than the allowed /64");
	ip_ok_lim(__LINE__, "10.0.0.0/8", &eight, "10.0.0.0/8");
	ip_bad_lim(__LINE__, "10.0.0.0/7", &eight, -EINVAL,
		   "prefix /7 is wider than the allowed /8");
	ip_ok_lim(__LINE__, "2001:db8::/32", &eight, "2001:db8::/32");
	ip_ok_lim(__LINE__, "2001::/16", &eight, "2001::/16");
	ip_ok_lim(__LINE__, "128.0.0.0/3", &wide, "128.0.0.0/3");
	ip_bad_lim(__LINE__, "128.0.0.0/1", &wide, -EINVAL, "is a multicast address");
	ip_ok_lim(__LINE__, "2000::/3", &wide, "2000::/3");

	/* /0 is always refused */
	ip_bad(__LINE__, "0.0.0.0/0", "entry '0.0.0.0/0' has prefix /0");
	ip_bad_lim(__LINE__, "0.0.0.0/0", &zero, -EINVAL, "has prefix /0");
	ip_bad_lim(__LINE__, "::/0", &zero, -EINVAL, "has prefix /0");
	ip_bad_lim(__LINE__, "192.0.2.5/0", &zero, -EINVAL, "has prefix /0");

	/* host bits */
	ip_bad(__LINE__, "192.0.2.5/24",
	       "key 'ip': entry '192.0.2.5/24' has host bits set: write 192.0.2.5 for one "
	       "address or 192.0.2.0/24 for the network");
	ip_bad(__LINE__, "192.0.2.1/31", "write 192.0.2.1 for one address or 192.0.2.0/31 for");
	ip_bad(__LINE__, "192.0.2.128/24", "or 192.0.2.0/24 for the network");
	ip_bad(__LINE__, "2001:db8::1/64",
	       "has host bits set: write 2001:db8::1 for one address or 2001:db8::/64 for the "
	       "network");
	ip_bad(__LINE__, "2001:db8::4000:0:0:0/65", "or 2001:db8::/65 for the network");
	ip_bad_lim(__LINE__, "2001:db8::/16", &eight, -EINVAL, "or 2001::/16 for the network");
	ip_bad_lim(__LINE__, "192.0.2.0/1", &wide, -EINVAL, "or 128.0.0.0/1 for the network");

	/* IPv4 special ranges */
	ip_bad(__LINE__, "0.0.0.0", "entry '0.0.0.0' is in 0.0.0.0/8");
	ip_bad(__LINE__, "0.1.2.3", "is in 0.0.0.0/8");
	ip_bad(__LINE__, "0.0.0.0/24", "is in 0.0.0.0/8");
	ip_bad(__LINE__, "127.0.0.1", "entry '127.0.0.1' is a loopback address");
	ip_bad(__LINE__, "127.255.255.254", "is a loopback address");
	ip_bad(__LINE__, "127.0.0.0/24", "is a loopback address");
	ip_bad(__LINE__, "224.0.0.1", "entry '224.0.0.1' is a multicast address");
	ip_bad(__LINE__, "239.255.255.255", "is a multicast address");
	ip_bad(__LINE__, "232.1.2.0/24", "is a multicast address");
	ip_bad(__LINE__, "255.255.255.255", "entry '255.255.255.255' is the broadcast address");
	ip_bad(__LINE__, "255.255.255.0/24", "is the broadcast address");
	/* a wide prefix that contains a special range is refused as a whole */
	ip_bad_lim(__LINE__, "0.0.0.0/1", &wide, -EINVAL, "is in 0.0.0.0/8");
	ip_bad_lim(__LINE__, "124.0.0.0/6", &wide, -EINVAL, "is a loopback address");
	ip_bad_lim(__LINE__, "192.0.0.0/2", &wide, -EINVAL, "is a multicast address");
	ip_bad_lim(__LINE__, "128.0.0.0/2", &wide, -EINVAL, "covering link-local addresses");

	/* IPv6 special ranges */
	ip_bad(__LINE__, "::", "entry '::' is the unspecified address");
	ip_bad(__LINE__, "::/64", "is the unspecified address");
	ip_bad(__LINE__, "::/128", "is the unspecified address");
	ip_bad(__LINE__, "::1", "entry '::1' is the loopback address");
	ip_bad(__LINE__, "::1/128", "is the loopback address");
	ip_bad(__LINE__, "::ffff:192.0.2.5", "entry '::ffff:192.0.2.5' is an IPv4-mapped address");
	ip_bad(__LINE__, "::ffff:c000:205", "is an IPv4-mapped address");
	ip_bad(__LINE__, "::ffff:0:0/96", "is an IPv4-mapped address");
	ip_bad(__LINE__, "::ffff:0.0.0.0", "is an IPv4-mapped address");
	ip_bad(__LINE__, "ff02::1", "entry 'ff02::1' is a multicast address");
	ip_bad(__LINE__, "ff02::/64", "is a multicast address");
	ip_bad(__LINE__, "FF05::1:3", "is a multicast address");
	ip_bad_lim(__LINE__, "8000::/1", &eight, -EINVAL, "prefix /1 is wider");
	ip_bad_lim(__LINE__, "8000::/1", &wide, -EINVAL, "is a multicast address");
	ip_bad_lim(__LINE__, "::/1", &wide, -EINVAL, "is the unspecified address");
}

/* Link-local space: an exact address is one guest's own, a prefix inside or
 * around the range would cover the gateway's and every other guest's. */
static void test_ip_link_local(void)
{
	static const struct vif_limits wide = {.min_prefix_v4 = 1, .min_prefix_v6 = 1},
				       protect = {.min_prefix_v4 = 1,
						  .min_prefix_v6 = 1,
						  .link_local_prefixes = true};
	static const char *const exact[][2] = {
	    {"fe80::1", "fe80::1"},
	    {"fe80::1/128", "fe80::1"},
	    {"fe80::216:3eff:fe12:3456", "fe80::216:3eff:fe12:3456"},
	    {"febf:ffff::1", "febf:ffff::1"},
	    {"169.254.1.1", "169.254.1.1"},
	    {"169.254.1.1/32", "169.254.1.1"},
	    {"169.254.255.254", "169.254.255.254"},
	};
	static const char *const prefixes[] = {
	    "fe80::/64",      "fe80::/10",   "fe80::/16",   "fe80::1:0/112",  "fe80::/127",
	    "febf:ffff::/32", "fe80::/9",    "fe00::/8",    "169.254.0.0/16", "169.254.1.0/24",
	    "169.254.1.0/31", "169.0.0.0/8", "160.0.0.0/4", "128.0.0.0/2",
	};
	char want[64];

	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
		ip_ok(__LINE__, exact[i][0], exact[i][1]);
		ip_ok_lim(__LINE__, exact[i][0], &wide, exact[i][1]);
	}
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		const char *what = strchr(prefixes[i], ':') ? "fe80::/10" : "169.254.0.0/16";

		snprintf(want, sizeof(want), "entry '%s' is a prefix covering link-local",
			 prefixes[i]);
		ip_bad_lim(__LINE__, prefixes[i], &wide, -EINVAL, want);
		snprintf(want, sizeof(want), "addresses (%s)", what);
		ip_bad_lim(__LINE__, prefixes[i], &wide, -EINVAL, want);
	}
	/* the default limits: refused for being link-local, not for their width */
	ip_bad(__LINE__, "fe80::/64",
	       "key 'ip': entry 'fe80::/64' is a prefix covering link-local addresses "
	       "(fe80::/10), which every host on the link uses; list the guest's own link-local "
	       "address exactly");
	ip_bad(__LINE__, "169.254.7.0/24", "is a prefix covering link-local addresses (169.254");
	ip_bad(__LINE__, "192.0.2.5 fe80::/64", "entry 'fe80::/64' is a prefix covering");
	/* still refused as always */
	ip_bad(__LINE__, "fe80::/0", "has prefix /0");
	ip_bad(__LINE__, "::/0", "has prefix /0");
	ip_bad(__LINE__, "0.0.0.0/0", "has prefix /0");
	ip_bad_lim(__LINE__, "0.0.0.0/1", &wide, -EINVAL, "is in 0.0.0.0/8");
	/* next to the range: fine */
	ip_ok_lim(__LINE__, "fec0::/10", &wide, "fec0::/10");
	ip_ok_lim(__LINE__, "fe40::/10", &wide, "fe40::/10");
	ip_ok_lim(__LINE__, "169.255.0.0/16", &wide, "169.255.0.0/16");
	ip_ok_lim(__LINE__, "169.253.0.0/16", &wide, "169.253.0.0/16");
	/* a list that withholds ([protect]) may name the whole range */
	ip_ok_lim(__LINE__, "fe80::/10 169.254.0.0/16 fe80::/64", &protect,
		  "fe80::/10 169.254.0.0/16 fe80::/64");
}

static void test_ip_bounds(void)
{
	char value[VIF_VALUE_MAX + 2], *p;
	char entry[32];
	struct vif_error e;

	/* 64 distinct entries are fine, a 65th is not */
	p = value;
	for (int i = 1; i <= VIF_ADDRS_MAX; i++)
		p += sprintf(p, "%s192.0.2.%d", i > 1 ? " " : "", i);
	CHECK(ip_parse(value, NULL, &e) == 0);
	CHECK(n_addrs == VIF_ADDRS_MAX);
	CHECK(addrs[63].addr[3] == 64 && addrs[0].addr[3] == 1);
	strcpy(p, " 192.0.2.65");
	ip_bad_lim(__LINE__, value, NULL, -E2BIG, "has more than 64 entries");
	/* ... but a duplicate 65th entry does not count */
	strcpy(p, " 192.0.2.1");
	CHECK(ip_parse(value, NULL, &e) == 0 && n_addrs == VIF_ADDRS_MAX);

	/* VIF_VALUE_MAX bytes are fine, one more is not */
	memset(value, ' ', sizeof(value));
	memcpy(value, "192.0.2.5", 9);
	memcpy(value + VIF_VALUE_MAX - 9, "192.0.2.6", 9);
	value[VIF_VALUE_MAX] = '\0';
	CHECK(strlen(value) == 4096);
	CHECK(ip_parse(value, NULL, &e) == 0);
	CHECK_STR(ip_result(), "192.0.2.5 192.0.2.6");
	value[VIF_VALUE_MAX] = ' ';
	value[VIF_VALUE_MAX + 1] = '\0';
	CHECK(strlen(value) == 4097);
	ip_bad_lim(__LINE__, value, NULL, -E2BIG, "is longer than 4096 bytes");

	/* an absurdly long entry is refused, and cut in the error text */
	memset(value, '1', 1000);
	value[1000] = '\0';
	ip_bad(__LINE__, value, "entry '1111111111");
	CHECK(ip_parse(value, NULL, &e) == -EINVAL && strstr(e.text, "...' is not an") != NULL);

	/* one entry at every prefix length: accepted exactly from the limit down */
	for (unsigned len = 1; len <= 32; len++) {
		snprintf(entry, sizeof(entry), "10.0.0.0/%u", len);
		CHECK((ip_parse(entry, NULL, &e) == 0) == (len >= 24));
	}
	for (unsigned len = 1; len <= 128; len++) {
		snprintf(entry, sizeof(entry), "2001:db8::/%u", len);
		CHECK((ip_parse(entry, NULL, &e) == 0) == (len >= 64));
	}
}

/* ---- vif_ifname_check ---- */

static void ifname_ok(int line, const char *s)
{
	struct vif_error e;

	err_init(&e);
	CHECK(vif_ifname_check("vifname", s, &e) == 0);
	CHECK_STR(e.text, SENTINEL);
	if (strcmp(e.text, SENTINEL) != 0)
		fprintf(stderr, "  line %d: '%s' rejected\n", line, s);
}

static void ifname_bad(int line, const char *s, const char *want)
{
	struct vif_error e;

	err_init(&e);
	CHECK(vif_ifname_check("vifname", s, &e) == -EINVAL);
	CHECK_ERR(e, want);
	if (strcmp(e.text, SENTINEL) == 0)
		fprintf(stderr, "  line %d: '%s' accepted\n", line, s ? s : "(null)");
}

static void test_ifname(void)
{
	ifname_ok(__LINE__, "a");
	ifname_ok(__LINE__, "eth0");
	ifname_ok(__LINE__, "vif3.0");
	ifname_ok(__LINE__, "guest-web_1.a");
	ifname_ok(__LINE__, "ABCDEFGHIJKLMNO");
	ifname_ok(__LINE__, "...");
	ifname_ok(__LINE__, ".a");
	ifname_ok(__LINE__, "-");

	ifname_bad(__LINE__, NULL, "key 'vifname' is missing");
	ifname_bad(__LINE__, "", "key 'vifname': value '' is an empty interface name");
	ifname_bad(__LINE__, "ABCDEFGHIJKLMNOP", "is longer than 15 bytes");
	ifname_bad(__LINE__, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "is longer than 15 bytes");
	ifname_bad(__LINE__, ".", "value '.' is not a valid interface name");
	ifname_bad(__LINE__, "..", "value '..' is not a valid interface name");
	ifname_bad(__LINE__, "a b", "contains a character other than");
	ifname_bad(__LINE__, "a/b", "contains a character other than");
	ifname_bad(__LINE__, "a:b", "contains a character other than");
	ifname_bad(__LINE__, "a@b", "contains a character other than");
	ifname_bad(__LINE__, "eth0\n", "value 'eth0\\x0a' contains a character other than");
	ifname_bad(__LINE__, "\xc3\xa9th0", "value '\\xc3\\xa9th0'");
	ifname_bad(__LINE__, "a'b", "value 'a\\x27b'");
}

/* ---- vif_id_parse ---- */

static void id_ok(int line, const char *s, uint32_t max, uint32_t want)
{
	struct vif_error e;
	uint32_t v = 0xdeadbeef;

	err_init(&e);
	CHECK(vif_id_parse("id", s, max, &v, &e) == 0);
	CHECK(v == want);
	CHECK_STR(e.text, SENTINEL);
	if (v != want)
		fprintf(stderr, "  line %d: '%s' gave %u\n", line, s, v);
}

static void id_bad(int line, const char *s, uint32_t max, const char *want)
{
	struct vif_error e;
	uint32_t v = 0xdeadbeef;

	err_init(&e);
	CHECK(vif_id_parse("id", s, max, &v, &e) == -EINVAL);
	CHECK(v == 0xdeadbeef);
	CHECK_ERR(e, want);
	if (v != 0xdeadbeef)
		fprintf(stderr, "  line %d: '%s' accepted\n", line, s ? s : "(null)");
}

static void test_id(void)
{
	id_ok(__LINE__, "0", 10, 0);
	id_ok(__LINE__, "7", 10, 7);
	id_ok(__LINE__, "10", 10, 10);
	id_ok(__LINE__, "0", 0, 0);
	id_ok(__LINE__, "65535", VIF_DEVID_MAX, 65535);
	id_ok(__LINE__, "32751", VIF_DOMID_MAX, 32751);
	id_ok(__LINE__, "4294967295", UINT32_MAX, UINT32_MAX);
	id_ok(__LINE__, "4294967294", UINT32_MAX, 4294967294u);

	id_bad(__LINE__, NULL, 10, "key 'id' is missing");
	id_bad(__LINE__, "", 10, "key 'id': value '' is empty");
	id_bad(__LINE__, "11", 10, "value '11' is out of range (expected 0..10)");
	id_bad(__LINE__, "1", 0, "is out of range (expected 0..0)");
	id_bad(__LINE__, "65536", VIF_DEVID_MAX, "is out of range (expected 0..65535)");
	id_bad(__LINE__, "32752", VIF_DOMID_MAX, "is out of range");
	id_bad(__LINE__, "4294967296", UINT32_MAX, "is out of range");
	id_bad(__LINE__, "4294967300", UINT32_MAX, "is out of range");
	id_bad(__LINE__, "42949672950", UINT32_MAX, "is out of range");
	id_bad(__LINE__, "99999999999999999999999999", UINT32_MAX, "is out of range");
	id_bad(__LINE__, "18446744073709551616", UINT32_MAX, "is out of range");
	id_bad(__LINE__, "00", 10, "value '00' has a leading zero");
	id_bad(__LINE__, "01", 10, "has a leading zero");
	id_bad(__LINE__, "+1", 10, "is not a decimal number");
	id_bad(__LINE__, "-1", 10, "is not a decimal number");
	id_bad(__LINE__, " 1", 10, "is not a decimal number");
	id_bad(__LINE__, "1 ", 10, "is not a decimal number");
	id_bad(__LINE__, "1\n", 10, "value '1\\x0a' is not a decimal number");
	id_bad(__LINE__, "1a", 10, "is not a decimal number");
	id_bad(__LINE__, "0x1", 10, "is not a decimal number");
	id_bad(__LINE__, "1.0", 10, "is not a decimal number");
}

/* ---- vif_from_keys ---- */

static struct vif vif_out;

static int from_keys(uint32_t domid, uint32_t devid, const struct vif_keys *k, struct vif_error *e)
{
	err_init(e);
	memset(&vif_out, 0xa5, sizeof(vif_out));
	return vif_from_keys(domid, devid, k, NULL, &vif_out, e);
}

static void keys_bad(int line, uint32_t domid, uint32_t devid, const struct vif_keys *k,
		     const char *want)
{
	struct vif untouched;
	struct vif_error e;
	int r;

	r = from_keys(domid, devid, k, &e);
	memset(&untouched, 0xa5, sizeof(untouched));
	CHECK(r == -EINVAL);
	CHECK(memcmp(&vif_out, &untouched, sizeof(untouched)) == 0);
	CHECK_ERR(e, want);
	if (r != -EINVAL)
		fprintf(stderr, "  line %d: accepted\n", line);
}

static void test_from_keys(void)
{
	static const char mac[] = "00:16:3e:12:34:56";
	char buf[VIF_ADDR_STRLEN];
	struct vif_error e;

	/* only the mac: everything else defaults */
	CHECK(from_keys(3, 0, &(struct vif_keys){.mac = mac}, &e) == 0);
	CHECK_STR(e.text, SENTINEL);
	CHECK(vif_out.domid == 3 && vif_out.devid == 0);
	CHECK(vif_out.type == VIF_TYPE_VIF);
	CHECK_STR(vif_out.name, "vif3.0");
	CHECK_STR(vif_out.emu_name, "");
	CHECK_STR(vif_out.bridge, "");
	CHECK(memcmp(vif_out.mac, (const uint8_t[]){0x00, 0x16, 0x3e, 0x12, 0x34, 0x56}, 6) == 0);
	CHECK(!vif_out.has_ip);
	CHECK(vif_out.n_addrs == 0);

	/* everything libxl can write */
	CHECK(from_keys(7, 2,
			&(struct vif_keys){.mac = mac,
					   .ip = "192.0.2.5 2001:db8::/64",
					   .vifname = "web0",
					   .type = "vif_ioemu",
					   .bridge = "xenbr0"},
			&e) == 0);
	CHECK(vif_out.domid == 7 && vif_out.devid == 2);
	CHECK(vif_out.type == VIF_TYPE_IOEMU);
	CHECK_STR(vif_out.name, "web0");
	CHECK_STR(vif_out.emu_name, "web0-emu");
	CHECK_STR(vif_out.bridge, "xenbr0");
	CHECK(vif_out.has_ip);
	CHECK(vif_out.n_addrs == 2);
	CHECK_STR(vif_addr_to_string(&vif_out.addrs[0], buf, sizeof(buf)), "192.0.2.5");
	CHECK_STR(vif_addr_to_string(&vif_out.addrs[1], buf, sizeof(buf)), "2001:db8::/64");

	/* type */
	CHECK(from_keys(3, 0, &(struct vif_keys){.mac = mac, .type = "vif"}, &e) == 0);
	CHECK(vif_out.type == VIF_TYPE_VIF);
	CHECK(from_keys(3, 1, &(struct vif_keys){.mac = mac, .type = "vif_ioemu"}, &e) == 0);
	CHECK(vif_out.type == VIF_TYPE_IOEMU);
	CHECK_STR(vif_out.name, "vif3.1");
	CHECK_STR(vif_out.emu_name, "vif3.1-emu");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .type = "VIF"},
		 "key 'type': value 'VIF' is not a vif type");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .type = ""}, "key 'type'");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .type = "vif_ioemu "},
		 "key 'type'");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .type = "ioemu"}, "key 'type'");

	/* ip: absent, empty, bad */
	CHECK(from_keys(3, 0, &(struct vif_keys){.mac = mac, .ip = ""}, &e) == 0);
	CHECK(vif_out.has_ip && vif_out.n_addrs == 0);
	CHECK(from_keys(3, 0, &(struct vif_keys){.mac = mac, .ip = "  "}, &e) == 0);
	CHECK(vif_out.has_ip && vif_out.n_addrs == 0);
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .ip = "10.0.0.0/8"},
		 "key 'ip': entry '10.0.0.0/8': prefix /8 is wider than the allowed /24");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .ip = "192.0.2.5,192.0.2.6"},
		 "key 'ip'");

	/* mac */
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.ip = "192.0.2.5"}, "key 'mac' is missing");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = "ff:ff:ff:ff:ff:ff"},
		 "key 'mac': value 'ff:ff:ff:ff:ff:ff' is the broadcast address");

	/* ids */
	CHECK(from_keys(0, 0, &(struct vif_keys){.mac = mac}, &e) == 0);
	CHECK_STR(vif_out.name, "vif0.0");
	CHECK(from_keys(VIF_DOMID_MAX, VIF_DEVID_MAX, &(struct vif_keys){.mac = mac}, &e) == 0);
	CHECK_STR(vif_out.name, "vif32751.65535");
	CHECK(strlen(vif_out.name) == 14);
	keys_bad(__LINE__, VIF_DOMID_MAX + 1, 0, &(struct vif_keys){.mac = mac},
		 "domid 32752 is not a guest domain");
	keys_bad(__LINE__, UINT32_MAX, 0, &(struct vif_keys){.mac = mac}, "domid 4294967295");
	keys_bad(__LINE__, 3, VIF_DEVID_MAX + 1, &(struct vif_keys){.mac = mac},
		 "devid 65536 is out of range");

	/* vifname */
	CHECK(from_keys(3, 0, &(struct vif_keys){.mac = mac, .vifname = "abcdefghijklmno"}, &e) ==
	      0);
	CHECK_STR(vif_out.name, "abcdefghijklmno");
	CHECK_STR(vif_out.emu_name, "");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .vifname = "abcdefghijklmnop"},
		 "key 'vifname': value 'abcdefghijklmnop' is longer than 15 bytes");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .vifname = ""},
		 "key 'vifname': value '' is an empty");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .vifname = "a b"}, "key 'vifname'");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .vifname = ".."}, "key 'vifname'");

	/* the -emu tap must fit too */
	CHECK(
	    from_keys(3, 0,
		      &(struct vif_keys){.mac = mac, .vifname = "abcdefghijk", .type = "vif_ioemu"},
		      &e) == 0);
	CHECK_STR(vif_out.emu_name, "abcdefghijk-emu");
	keys_bad(__LINE__, 3, 0,
		 &(struct vif_keys){.mac = mac, .vifname = "abcdefghijkl", .type = "vif_ioemu"},
		 "key 'vifname': value 'abcdefghijkl' is too long for type vif_ioemu");
	keys_bad(__LINE__, 3, 0,
		 &(struct vif_keys){.mac = mac, .vifname = "abcdefghijklmno", .type = "vif_ioemu"},
		 "key 'vifname'");
	keys_bad(__LINE__, 3276, 6553, &(struct vif_keys){.mac = mac, .type = "vif_ioemu"},
		 "needs the tap name 'vif3276.6553-emu', which exceeds 15 bytes");
	keys_bad(__LINE__, 32751, 65535, &(struct vif_keys){.mac = mac, .type = "vif_ioemu"},
		 "key 'type': value 'vif_ioemu' needs the tap name 'vif32751.65535-emu'");
	CHECK(from_keys(1234, 123, &(struct vif_keys){.mac = mac, .type = "vif_ioemu"}, &e) == 0);
	CHECK_STR(vif_out.emu_name, "vif1234.123-emu");
	keys_bad(__LINE__, 1234, 1234, &(struct vif_keys){.mac = mac, .type = "vif_ioemu"},
		 "key 'type'");

	/* bridge */
	CHECK(from_keys(3, 0, &(struct vif_keys){.mac = mac, .bridge = "br-guests.10"}, &e) == 0);
	CHECK_STR(vif_out.bridge, "br-guests.10");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .bridge = "br 0"},
		 "key 'bridge': value 'br 0' contains");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .bridge = ""}, "key 'bridge'");
	keys_bad(__LINE__, 3, 0, &(struct vif_keys){.mac = mac, .bridge = "xenbr0xenbr0xenbr0"},
		 "key 'bridge'");

	/* limits are passed through */
	{
		struct vif_limits lim = {.min_prefix_v4 = 8, .min_prefix_v6 = 48};

		err_init(&e);
		CHECK(vif_from_keys(3, 0, &(struct vif_keys){.mac = mac, .ip = "10.0.0.0/8"}, &lim,
				    &vif_out, &e) == 0);
		CHECK(vif_out.n_addrs == 1 && vif_out.addrs[0].prefixlen == 8);
	}
}

/* ---- the small helpers ---- */

static void test_helpers(void)
{
	struct vif_addr a = {0};
	uint8_t ll[16];
	char buf[VIF_ADDR_STRLEN];

	vif_mac_to_eui64_ll((const uint8_t[]){0x00, 0x16, 0x3e, 0x12, 0x34, 0x56}, ll);
	CHECK_STR(inet_ntop(AF_INET6, ll, buf, sizeof(buf)), "fe80::216:3eff:fe12:3456");
	vif_mac_to_eui64_ll((const uint8_t[]){0x02, 0xab, 0xcd, 0xef, 0x01, 0x23}, ll);
	CHECK_STR(inet_ntop(AF_INET6, ll, buf, sizeof(buf)), "fe80::ab:cdff:feef:123");
	vif_mac_to_eui64_ll((const uint8_t[]){0xfe, 0xff, 0xff, 0xff, 0xff, 0xff}, ll);
	CHECK_STR(inet_ntop(AF_INET6, ll, buf, sizeof(buf)), "fe80::fcff:ffff:feff:ffff");

	a.family = AF_INET;
	a.prefixlen = 32;
	memcpy(a.addr, (const uint8_t[]){192, 0, 2, 5}, 4);
	CHECK_STR(vif_addr_to_string(&a, buf, sizeof(buf)), "192.0.2.5");
	CHECK(vif_addr_to_string(&a, buf, sizeof(buf)) == buf);
	a.prefixlen = 24;
	a.addr[3] = 0;
	CHECK_STR(vif_addr_to_string(&a, buf, sizeof(buf)), "192.0.2.0/24");
	CHECK_STR(vif_addr_to_string(&a, buf, 13), "192.0.2.0/24");
	CHECK(vif_addr_to_string(&a, buf, 12) == NULL);
	CHECK(vif_addr_to_string(&a, buf, 5) == NULL);
	a.family = AF_INET6;
	a.prefixlen = 128;
	memcpy(a.addr, (const uint8_t[16]){0x20, 0x01, 0x0d, 0xb8, [15] = 1}, 16);
	CHECK_STR(vif_addr_to_string(&a, buf, sizeof(buf)), "2001:db8::1");
	a.prefixlen = 64;
	a.addr[15] = 0;
	CHECK_STR(vif_addr_to_string(&a, buf, sizeof(buf)), "2001:db8::/64");
	a.family = 12345;
	CHECK(vif_addr_to_string(&a, buf, sizeof(buf)) == NULL);

	CHECK_STR(vif_type_to_string(VIF_TYPE_VIF), "vif");
	CHECK_STR(vif_type_to_string(VIF_TYPE_IOEMU), "vif_ioemu");
	CHECK(vif_type_to_string(_VIF_TYPE_MAX) == NULL);
	CHECK(vif_type_to_string((enum vif_type) - 1) == NULL);
}

int main(void)
{
	test_quote();
	test_mac();
	test_ip_basic();
	test_ip_reject();
	test_ip_semantics();
	test_ip_link_local();
	test_ip_bounds();
	test_ifname();
	test_id();
	test_from_keys();
	test_helpers();

	printf("test-vif: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
