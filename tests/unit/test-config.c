/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/config.c.  Every rejection checks the exact line number
 * in the message and that the output policy was left alone; the shipped
 * conf/vifguard.conf must parse to exactly the defaults.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "policy.h"
#include "vif.h"

#ifndef VG_CONF_FILE
#error "VG_CONF_FILE (path of conf/vifguard.conf) must be defined"
#endif

#include "check.h"

static bool is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

static bool policy_equal(const struct policy *a, const struct policy *b)
{
	if (strcmp(a->table, b->table) != 0 || a->n_port_patterns != b->n_port_patterns ||
	    a->no_ip != b->no_ip || a->limits.min_prefix_v4 != b->limits.min_prefix_v4 ||
	    a->limits.min_prefix_v6 != b->limits.min_prefix_v6 || a->priority != b->priority ||
	    a->n_protected != b->n_protected ||
	    a->protect_bridge_addrs != b->protect_bridge_addrs ||
	    a->log_rate_interval_sec != b->log_rate_interval_sec ||
	    a->log_rate_burst != b->log_rate_burst || a->owned_max != b->owned_max)
		return false;
	for (size_t i = 0; i < a->n_port_patterns; i++)
		if (strcmp(a->port_patterns[i], b->port_patterns[i]) != 0)
			return false;
	for (size_t i = 0; i < a->n_protected; i++) {
		const struct vif_addr *x = &a->protected_addrs[i], *y = &b->protected_addrs[i];

		if (x->family != y->family || x->prefixlen != y->prefixlen ||
		    memcmp(x->addr, y->addr, sizeof(x->addr)) != 0)
			return false;
	}
	return true;
}

static void check_errors_sane(const struct config_errors *e)
{
	CHECK(e->n <= CONFIG_ERRORS_MAX);
	for (size_t i = 0; i < e->n && i < CONFIG_ERRORS_MAX; i++) {
		CHECK(memchr(e->text[i], '\0', sizeof(e->text[i])) != NULL);
		CHECK(is_printable(e->text[i]));
	}
}

static void dump_errors(const struct config_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "    errs[%zu] = '%s'\n", i, e->text[i]);
}

/* Parse text that must be valid; returns the policy through ret. */
static void parse_ok(const char *text, struct policy *ret)
{
	struct config_errors e;
	int r;

	memset(&e, 0x5a, sizeof(e));
	r = config_parse_string(text, "t.conf", ret, &e);
	CHECK(r == 0);
	CHECK(e.n == 0);
	CHECK(e.n_dropped == 0);
	if (r != 0 || e.n != 0) {
		fprintf(stderr, "  input: '%s'\n", text);
		dump_errors(&e);
	}
}

static bool has_error(const struct config_errors *e, unsigned line, const char *want)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", line);
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->text[i], prefix, strlen(prefix)) == 0 &&
		    strstr(e->text[i] + strlen(prefix), want))
			return true;
	return false;
}

/*
 * text must fail with exactly n_want errors, one of them on line with want in
 * its message, and must leave the output alone.
 */
static void parse_bad_n(const char *text, size_t n_want, unsigned line, const char *want)
{
	struct policy out, sentinel;
	struct config_errors e;
	int r;

	memset(&sentinel, 0xa5, sizeof(sentinel));
	out = sentinel;
	r = config_parse_string(text, "t.conf", &out, &e);
	CHECK(r == -EINVAL);
	CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);
	CHECK(e.n == n_want);
	CHECK(has_error(&e, line, want));
	check_errors_sane(&e);
	if (r != -EINVAL || e.n != n_want || !has_error(&e, line, want)) {
		fprintf(stderr, "  input: '%s'\n  want %zu error(s), line %u: '%s'\n", text, n_want,
			line, want);
		dump_errors(&e);
	}
}

static void parse_bad(const char *text, unsigned line, const char *want)
{
	parse_bad_n(text, 1, line, want);
}

static void addr_v4(struct vif_addr *a, const char *s, uint8_t prefixlen)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->prefixlen = prefixlen;
	inet_pton(AF_INET, s, a->addr);
}

static void addr_v6(struct vif_addr *a, const char *s, uint8_t prefixlen)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->prefixlen = prefixlen;
	inet_pton(AF_INET6, s, a->addr);
}

/* ---- valid input ---- */

static void test_defaults(void)
{
	struct policy def, p;

	policy_default(&def);

	parse_ok("", &p);
	CHECK(policy_equal(&p, &def));
	parse_ok("\n\n   \n\t\n", &p);
	CHECK(policy_equal(&p, &def));
	parse_ok("# comment\n; comment\n   # indented comment\n", &p);
	CHECK(policy_equal(&p, &def));
	/* Sections without keys. */
	parse_ok("[vifguard]\n[protect]\n[log]\n[vifguard]\n", &p);
	CHECK(policy_equal(&p, &def));
	/* The defaults, written out. */
	parse_ok("[vifguard]\ntable=vifguard\nguest-ports=vif*\nno-ip=block\n"
		 "widest-prefix-ipv4=24\nwidest-prefix-ipv6=64\npriority=-300\n"
		 "[protect]\naddresses=\nbridge-addresses=yes\n"
		 "[log]\nrate-limit-interval=30s\nrate-limit-burst=10\n",
		 &p);
	CHECK(policy_equal(&p, &def));
	/* [protect] withholds, so it may cover link-local space; ip= may not. */
	parse_ok("[protect]\naddresses=fe80::/64 169.254.0.0/16 fe80::1\n", &p);
	CHECK(p.n_protected == 3);
	CHECK(!p.limits.link_local_prefixes);
	/* NULL errs and NULL filename are fine. */
	CHECK(config_parse_string("[log]\nrate-limit-burst=5\n", NULL, &p, NULL) == 0);
	CHECK(p.log_rate_burst == 5);
	CHECK(p.owned_max == POLICY_OWNED_DEFAULT);
	parse_ok("[vifguard]\nowned-addresses-per-vif=0\n", &p);
	CHECK(p.owned_max == 0);
	parse_ok("[vifguard]\nowned-addresses-per-vif=32\n", &p);
	CHECK(p.owned_max == 32);
	CHECK(config_parse_string("[vifguard]\nowned-addresses-per-vif=33\n", NULL, &p, NULL) < 0);
	CHECK(config_parse_string("[vifguard]\nowned-addresses-per-vif=-1\n", NULL, &p, NULL) < 0);
}

static void test_every_key(void)
{
	struct policy p;
	struct vif_addr a;

	parse_ok("[vifguard]\n"
		 "table = vg-test_1\n"
		 "guest-ports = vif* guest-* tap0\n"
		 "no-ip = mac-only\n"
		 "widest-prefix-ipv4 = 16\n"
		 "widest-prefix-ipv6 = 48\n"
		 "priority = -150\n"
		 "[protect]\n"
		 "addresses = 192.0.2.1 2001:db8::1 198.51.100.0/24\n"
		 "bridge-addresses = no\n"
		 "[log]\n"
		 "rate-limit-interval = 120\n"
		 "rate-limit-burst = 500\n",
		 &p);
	CHECK_STR(p.table, "vg-test_1");
	CHECK(p.n_port_patterns == 3);
	CHECK_STR(p.port_patterns[0], "vif*");
	CHECK_STR(p.port_patterns[1], "guest-*");
	CHECK_STR(p.port_patterns[2], "tap0");
	CHECK(p.no_ip == POLICY_NO_IP_MAC_ONLY);
	CHECK(p.limits.min_prefix_v4 == 16);
	CHECK(p.limits.min_prefix_v6 == 48);
	CHECK(p.priority == -150);
	CHECK(p.n_protected == 3);
	addr_v4(&a, "192.0.2.1", 32);
	CHECK(memcmp(&p.protected_addrs[0], &a, sizeof(a)) == 0);
	addr_v6(&a, "2001:db8::1", 128);
	CHECK(memcmp(&p.protected_addrs[1], &a, sizeof(a)) == 0);
	addr_v4(&a, "198.51.100.0", 24);
	CHECK(memcmp(&p.protected_addrs[2], &a, sizeof(a)) == 0);
	CHECK(!p.protect_bridge_addrs);
	CHECK(!p.limits.link_local_prefixes);
	CHECK(p.log_rate_interval_sec == 120);
	CHECK(p.log_rate_burst == 500);

	/* Range ends. */
	parse_ok("[vifguard]\nwidest-prefix-ipv4=1\nwidest-prefix-ipv6=128\npriority=-1000\n"
		 "[log]\nrate-limit-interval=1s\nrate-limit-burst=1\n",
		 &p);
	CHECK(p.limits.min_prefix_v4 == 1);
	CHECK(p.limits.min_prefix_v6 == 128);
	CHECK(p.priority == -1000);
	CHECK(p.log_rate_interval_sec == 1);
	CHECK(p.log_rate_burst == 1);
	parse_ok("[vifguard]\nwidest-prefix-ipv4=32\nwidest-prefix-ipv6=1\npriority=1000\n"
		 "[log]\nrate-limit-interval=3600s\nrate-limit-burst=10000\n",
		 &p);
	CHECK(p.limits.min_prefix_v4 == 32);
	CHECK(p.limits.min_prefix_v6 == 1);
	CHECK(p.priority == 1000);
	CHECK(p.log_rate_interval_sec == 3600);
	CHECK(p.log_rate_burst == 10000);
	parse_ok("[vifguard]\npriority=0\nno-ip=block\n", &p);
	CHECK(p.priority == 0);
	CHECK(p.no_ip == POLICY_NO_IP_BLOCK);

	/* Booleans. */
	static const char *const yes[] = {"yes", "true", "on", "1", "YES", "True"};
	static const char *const no[] = {"no", "false", "off", "0", "No", "FALSE"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "[protect]\nbridge-addresses=%s\n", no[i]);
		parse_ok(text, &p);
		CHECK(!p.protect_bridge_addrs);
		snprintf(text, sizeof(text), "[protect]\nbridge-addresses=%s\n", yes[i]);
		parse_ok(text, &p);
		CHECK(p.protect_bridge_addrs);
	}

	/* Duplicate patterns are kept once. */
	parse_ok("[vifguard]\nguest-ports = vif*  vif*\tx\n", &p);
	CHECK(p.n_port_patterns == 2);
	CHECK_STR(p.port_patterns[1], "x");
}

static void test_addresses_append(void)
{
	struct policy p;
	struct vif_addr a;

	parse_ok("[protect]\n"
		 "addresses = 192.0.2.1\n"
		 "addresses = 2001:db8::/32 192.0.2.1\n"
		 "addresses =\n"
		 "[log]\n"
		 "[protect]\n"
		 "addresses = 10.0.0.0/8\n",
		 &p);
	CHECK(p.n_protected == 3);
	addr_v4(&a, "192.0.2.1", 32);
	CHECK(memcmp(&p.protected_addrs[0], &a, sizeof(a)) == 0);
	addr_v6(&a, "2001:db8::", 32);
	CHECK(memcmp(&p.protected_addrs[1], &a, sizeof(a)) == 0);
	addr_v4(&a, "10.0.0.0", 8);
	CHECK(memcmp(&p.protected_addrs[2], &a, sizeof(a)) == 0);

	/* Exactly POLICY_PROTECTED_MAX, over several lines. */
	char text[8192];
	size_t o = (size_t)snprintf(text, sizeof(text), "[protect]\n");
	for (int i = 0; i < POLICY_PROTECTED_MAX; i++) {
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s10.0.%d.%d%s",
				      i % 16 == 0 ? "addresses =" : "", i / 200, i % 200 + 1,
				      i % 16 == 15 ? "\n" : " ");
	}
	parse_ok(text, &p);
	CHECK(p.n_protected == POLICY_PROTECTED_MAX);
	/* One more is an overflow, reported on the line that overflowed (line 2 + 16). */
	snprintf(text + o, sizeof(text) - o, "addresses = 10.9.9.9\n");
	parse_bad(text, 2 + POLICY_PROTECTED_MAX / 16, "more than 256 protected addresses");
	/* ... but a duplicate of one already there is not. */
	snprintf(text + o, sizeof(text) - o, "addresses = 10.0.0.1\n");
	parse_ok(text, &p);
	CHECK(p.n_protected == POLICY_PROTECTED_MAX);
}

static void test_syntax(void)
{
	struct policy p;

	parse_ok("[vifguard] ; the main section\n"
		 "table = a1 ; comment\n"
		 "priority = -5 # comment\n"
		 "[log]   # trailing\n"
		 "rate-limit-burst=7 ;;\n",
		 &p);
	CHECK_STR(p.table, "a1");
	CHECK(p.priority == -5);
	CHECK(p.log_rate_burst == 7);

	/* Indentation is ignored: an indented line is not a continuation of the previous value. */
	parse_ok("  [vifguard]\n"
		 "\tpriority = 1\n"
		 "    table = indented\n",
		 &p);
	CHECK(p.priority == 1);
	CHECK_STR(p.table, "indented");

	/* CRLF line ends, a UTF-8 BOM, a last line without '\n', ':' as separator (inih). */
	parse_ok("\xef\xbb\xbf[vifguard]\r\ntable = crlf\r\n\r\npriority: 7", &p);
	CHECK_STR(p.table, "crlf");
	CHECK(p.priority == 7);

	/* A comment line may be longer than the line limit. */
	char text[1024];
	memset(text, 'c', sizeof(text));
	text[0] = '#';
	strcpy(text + 600, "\n[vifguard]\ntable=long\n");
	parse_ok(text, &p);
	CHECK_STR(p.table, "long");

	/* 198 characters after trimming are fine. */
	memset(text, 0, sizeof(text));
	strcpy(text, "[vifguard]\n   table=");
	memset(text + strlen(text), 'a', 198 - strlen("table="));
	strcat(text, "   \n");
	struct config_errors e;
	CHECK(config_parse_string(text, "t.conf", &p, &e) == -EINVAL);
	/* ... as far as the line limit goes: the name is then too long for a table. */
	CHECK(e.n == 1 && has_error(&e, 2, "is not a table name"));
}

/* ---- errors ---- */

static void test_errors_structure(void)
{
	parse_bad("[vifguard]\ntabel = x\n", 2, "unknown key 'tabel' in [vifguard]");
	parse_bad("[vifguard]\nTable = x\n", 2, "unknown key 'Table'");
	parse_bad("[log]\ntable = x\n", 2, "unknown key 'table' in [log]");
	/* An unknown section is reported once, on its header; its keys are skipped. */
	parse_bad("# c\n[protcet]\naddresses = 192.0.2.1\nfoo = bar\n", 2,
		  "unknown section '[protcet]'");
	parse_bad("[ vifguard ]\n", 1, "unknown section '[ vifguard ]'");
	parse_bad("[vifguard\ntable = x\n", 1, "section header without ']'");
	parse_bad("[vifguard] junk\n", 1, "text after the section header");
	parse_bad("table = x\n", 1, "key 'table' is outside any section");
	/* Lines inih cannot split into key and value. */
	parse_bad("[vifguard]\n\ntable\n", 3, "expected 'key = value'");
	parse_bad("[vifguard]\ntable ; = x\n", 2, "expected 'key = value'");
	parse_bad("[vifguard]\npriority = 1\n  2\n", 3, "expected 'key = value'");
	/* Duplicate keys, even with the same value; addresses may repeat. */
	parse_bad("[vifguard]\ntable = a\n\n[log]\n[vifguard]\ntable = a\n", 6,
		  "key 'table' is set twice (first on line 2)");
	parse_bad("[log]\nrate-limit-burst=1\nrate-limit-burst=2\n", 3,
		  "key 'rate-limit-burst' is set twice (first on line 2)");
	/* A bad first value still counts as set. */
	parse_bad_n("[vifguard]\npriority = x\npriority = 1\n", 2, 3, "set twice");
	/* Empty values. */
	parse_bad("[vifguard]\ntable =\n", 2, "key 'table' has no value");
	parse_bad("[vifguard]\nguest-ports = ; nothing\n", 2, "key 'guest-ports' has no value");
	parse_bad("[log]\nrate-limit-burst = #\n", 2, "has no value");
}

static void test_errors_values(void)
{
	parse_bad("[vifguard]\ntable = 1abc\n", 2, "key 'table': value '1abc' is not a table name");
	parse_bad("[vifguard]\ntable = a.b\n", 2, "is not a table name");
	parse_bad("[vifguard]\ntable = a b\n", 2, "is not a table name");
	parse_bad("[vifguard]\nguest-ports = vif* eth0@\n", 2,
		  "pattern 'eth0@' is not an interface name");
	parse_bad("[vifguard]\nguest-ports = *\n", 2, "pattern '*' would match host ports too");
	parse_bad("[vifguard]\nguest-ports = a*b\n", 2, "pattern 'a*b'");
	parse_bad("[vifguard]\nguest-ports = abcdefghijklmnop\n", 2,
		  "pattern 'abcdefghijklmnop' is longer than 15 characters");
	parse_bad("[vifguard]\nguest-ports = a0 a1 a2 a3 a4 a5 a6 a7 a8 a9 b0 b1 b2 b3 b4 b5 b6\n",
		  2, "more than 16 patterns");
	parse_bad("[vifguard]\nno-ip = allow\n", 2,
		  "key 'no-ip': value 'allow' is not one of: block, mac-only");
	parse_bad("[vifguard]\nno-ip = Block\n", 2, "is not one of");

	parse_bad("[vifguard]\nwidest-prefix-ipv4 = 0\n", 2, "is not an integer in 1..32");
	parse_bad("[vifguard]\nwidest-prefix-ipv4 = 33\n", 2, "is not an integer in 1..32");
	parse_bad("[vifguard]\nwidest-prefix-ipv6 = 129\n", 2, "is not an integer in 1..128");
	parse_bad("[vifguard]\nwidest-prefix-ipv6 = -1\n", 2, "is not an integer in 1..128");
	parse_bad("[vifguard]\npriority = -1001\n", 2, "is not an integer in -1000..1000");
	parse_bad("[vifguard]\npriority = 1001\n", 2, "is not an integer in -1000..1000");
	/* Integer syntax: strictly decimal. */
	static const char *const bad_ints[] = {
	    "+5",
	    "05",
	    "-0",
	    "-",
	    "5x",
	    "0x10",
	    "1e2",
	    "1 2",
	    "- 5",
	    "--5",
	    "5-",
	    "99999999999999999999999999",
	    "-99999999999999999999999999",
	    "18446744073709551616",
	    "9223372036854775808",
	    "4294967297",
	};
	for (size_t i = 0; i < sizeof(bad_ints) / sizeof(bad_ints[0]); i++) {
		char text[128];

		snprintf(text, sizeof(text), "[vifguard]\npriority = %s\n", bad_ints[i]);
		parse_bad(text, 2, "is not an integer in -1000..1000");
	}

	parse_bad("[protect]\naddresses = 192.0.2.1, 192.0.2.2\n", 2, "contains a comma");
	parse_bad("[protect]\naddresses = 192.0.2.0/0\n", 2, "key 'addresses'");
	parse_bad("[protect]\naddresses = 192.0.2.1/24\n", 2, "key 'addresses'");
	parse_bad("[protect]\naddresses = gateway\n", 2, "key 'addresses'");
	parse_bad("[protect]\nbridge-addresses = maybe\n", 2,
		  "key 'bridge-addresses': value 'maybe' is not a boolean");
	parse_bad("[protect]\nbridge-addresses = 2\n", 2, "is not a boolean");

	parse_bad("[log]\nrate-limit-interval = 0\n", 2, "is not a number of seconds in 1..3600");
	parse_bad("[log]\nrate-limit-interval = 3601s\n", 2, "is not a number of seconds");
	parse_bad("[log]\nrate-limit-interval = 30m\n", 2, "is not a number of seconds");
	parse_bad("[log]\nrate-limit-interval = s\n", 2, "is not a number of seconds");
	parse_bad("[log]\nrate-limit-interval = 30ss\n", 2, "is not a number of seconds");
	parse_bad("[log]\nrate-limit-interval = 30 s\n", 2, "is not a number of seconds");
	parse_bad("[log]\nrate-limit-interval = 99999999999999999999s\n", 2,
		  "is not a number of seconds");
	parse_bad("[log]\nrate-limit-burst = 0\n", 2, "is not an integer in 1..10000");
	parse_bad("[log]\nrate-limit-burst = 10001\n", 2, "is not an integer in 1..10000");

	/* Values are quoted: control bytes cannot forge a log line. */
	parse_bad("[vifguard]\ntable = a\x01\x7f"
		  "b\n",
		  2, "value 'a\\x01\\x7fb'");
	parse_bad("[vifguard]\nta\x1b[31mble = x\n", 2, "unknown key 'ta\\x1b[31mble'");
}

static void test_errors_long_lines(void)
{
	char text[1024];

	/*
	 * inih would cut this line at its 200-byte buffer and parse the rest,
	 * "evil = yes", as a line of its own.
	 */
	strcpy(text, "[vifguard]\ntable = a\n[protect]\naddresses = 192.0.2.1");
	for (int i = 0; i < 40; i++)
		strcat(text, "     ");
	strcat(text, "bridge-addresses = no\n");
	parse_bad(text, 4, "line is longer than 198 characters");
	/* 199 characters after trimming. */
	strcpy(text, "[vifguard]\ntable=");
	memset(text + strlen(text), 'a', 199 - strlen("table="));
	strcat(text, "\n");
	parse_bad(text, 2, "line is longer than 198 characters");
}

static void test_errors_many(void)
{
	struct policy out, sentinel;
	struct config_errors e;
	char text[4096];
	size_t o;

	/* All errors are reported, in line order, each with its own line. */
	parse_bad_n("[vifguard]\n"	     /* 1 */
		    "tabel = x\n"	     /* 2 */
		    "no '=' here\n"	     /* 3 */
		    "priority = 1\n"	     /* 4 */
		    "[nope]\n"		     /* 5 */
		    "x = y\n"		     /* 6 */
		    "[log]\n"		     /* 7 */
		    "rate-limit-burst = 0\n" /* 8 */
		    "[vifguard]\n"	     /* 9 */
		    "priority = 2\n",	     /* 10 */
		    5, 2, "unknown key");
	memset(&sentinel, 0xa5, sizeof(sentinel));
	out = sentinel;
	CHECK(
	    config_parse_string("[vifguard]\ntabel = x\nno '=' here\npriority = 1\n[nope]\nx = y\n"
				"[log]\nrate-limit-burst = 0\n[vifguard]\npriority = 2\n",
				"t.conf", &out, &e) == -EINVAL);
	CHECK(e.n == 5);
	CHECK(strncmp(e.text[0], "t.conf:2: ", 10) == 0);
	CHECK(strncmp(e.text[1], "t.conf:3: ", 10) == 0);
	CHECK(strncmp(e.text[2], "t.conf:5: ", 10) == 0);
	CHECK(strncmp(e.text[3], "t.conf:8: ", 10) == 0);
	CHECK(strncmp(e.text[4], "t.conf:10: ", 11) == 0);
	CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);

	/* More than CONFIG_ERRORS_MAX: the first ones are kept, the rest counted. */
	o = (size_t)snprintf(text, sizeof(text), "[log]\n");
	for (int i = 0; i < 20; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "bad%d = 1\n", i);
	CHECK(config_parse_string(text, "t.conf", &out, &e) == -EINVAL);
	CHECK(e.n == CONFIG_ERRORS_MAX);
	CHECK(e.n_dropped == 20 - CONFIG_ERRORS_MAX);
	CHECK(strncmp(e.text[0], "t.conf:2: unknown key 'bad0'", 28) == 0);
	CHECK(strncmp(e.text[15], "t.conf:17: unknown key 'bad15'", 30) == 0);
	check_errors_sane(&e);
	CHECK(memcmp(&out, &sentinel, sizeof(out)) == 0);

	/* A file name longer than the message is cut, never overflowed. */
	char name[400];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	CHECK(config_parse_string("[x]\n", name, &out, &e) == -EINVAL);
	CHECK(e.n == 1 && strlen(e.text[0]) == CONFIG_ERROR_SIZE - 1);
}

/* ---- files ---- */

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "we");

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(data, 1, n, f) == n);
	CHECK(fclose(f) == 0);
}

static void test_files(void)
{
	struct policy def, p, sentinel;
	struct config_errors e;
	char path[] = "/tmp/test-config-XXXXXX";
	char *big;
	int fd;

	policy_default(&def);
	memset(&sentinel, 0xa5, sizeof(sentinel));

	/* The shipped file parses cleanly and is exactly the defaults. */
	p = sentinel;
	CHECK(config_parse_file(VG_CONF_FILE, &p, &e) == 0);
	CHECK(e.n == 0);
	dump_errors(&e);
	CHECK(policy_equal(&p, &def));

	/* Missing file: -ENOENT and a message, output untouched. */
	p = sentinel;
	CHECK(config_parse_file("/nonexistent/vifguard.conf", &p, &e) == -ENOENT);
	CHECK(e.n == 1);
	CHECK(strncmp(e.text[0], "/nonexistent/vifguard.conf: cannot open", 39) == 0);
	CHECK(memcmp(&p, &sentinel, sizeof(p)) == 0);

	fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);

	/* A real file with errors: the path is the message prefix. */
	write_file(path, "[log]\n\nrate-limit-burst = 0\n", 28);
	CHECK(config_parse_file(path, &p, &e) == -EINVAL);
	CHECK(e.n == 1);
	CHECK(strncmp(e.text[0], path, strlen(path)) == 0 &&
	      strncmp(e.text[0] + strlen(path), ":3: ", 4) == 0);
	CHECK(memcmp(&p, &sentinel, sizeof(p)) == 0);

	/* A NUL byte would hide what follows it. */
	write_file(path, "[log]\n\0rate-limit-burst = 0\n", 28);
	CHECK(config_parse_file(path, &p, &e) == -EINVAL);
	CHECK(e.n == 1 && strstr(e.text[0], "contains a NUL byte"));
	CHECK(memcmp(&p, &sentinel, sizeof(p)) == 0);

	/* Exactly 1 MiB (comments) is read; one byte more is refused. */
	big = malloc(CONFIG_FILE_MAX + 1);
	CHECK(big != NULL);
	if (big) {
		memset(big, '#', CONFIG_FILE_MAX + 1);
		for (size_t i = 99; i < CONFIG_FILE_MAX + 1; i += 100)
			big[i] = '\n';
		memcpy(big, "[log]\nrate-limit-burst=3\n", 25);
		write_file(path, big, CONFIG_FILE_MAX);
		CHECK(config_parse_file(path, &p, &e) == 0);
		CHECK(p.log_rate_burst == 3);
		p = sentinel;
		write_file(path, big, CONFIG_FILE_MAX + 1);
		CHECK(config_parse_file(path, &p, &e) == -EFBIG);
		CHECK(e.n == 1 && strstr(e.text[0], "larger than 1 MiB"));
		CHECK(memcmp(&p, &sentinel, sizeof(p)) == 0);
		free(big);
	}

	/* A directory cannot be read. */
	CHECK(config_parse_file("/", &p, &e) < 0);
	CHECK(e.n == 1);
	CHECK(memcmp(&p, &sentinel, sizeof(p)) == 0);

	unlink(path);
}

/* ---- [shared] ---- */

static void test_shared(void)
{
	struct policy p;
	struct vif_addr a;

	parse_ok("[shared]\n"
		 "vip-web = 192.0.2.50 2001:db8::50 vmac 00:00:5e:00:01:32 00:00:5e:00:02:33 "
		 "domains lb1 lb2\n"
		 "anycast = 198.51.100.53 domains dns1 dns2 dns3  # comment\n"
		 "; the same name again adds to it\n"
		 "vip-web = 192.0.2.51 domains lb3 lb1\n"
		 "[protect]\naddresses = 192.0.2.1\n",
		 &p);
	CHECK(p.n_shared == 2);
	CHECK_STR(p.shared[0].name, "vip-web");
	CHECK(p.shared[0].n_addrs == 3);
	addr_v4(&a, "192.0.2.50", 32);
	CHECK(memcmp(&p.shared[0].addrs[0], &a, sizeof(a)) == 0);
	addr_v6(&a, "2001:db8::50", 128);
	CHECK(memcmp(&p.shared[0].addrs[1], &a, sizeof(a)) == 0);
	addr_v4(&a, "192.0.2.51", 32);
	CHECK(memcmp(&p.shared[0].addrs[2], &a, sizeof(a)) == 0);
	CHECK(p.shared[0].has_vmac[0] && p.shared[0].has_vmac[1]);
	CHECK(memcmp(p.shared[0].vmac[0], "\x00\x00\x5e\x00\x01\x32", 6) == 0);
	CHECK(memcmp(p.shared[0].vmac[1], "\x00\x00\x5e\x00\x02\x33", 6) == 0);
	CHECK(p.shared[0].n_domains == 3);
	CHECK_STR(p.shared[0].domains[0], "lb1");
	CHECK_STR(p.shared[0].domains[2], "lb3");
	CHECK(p.shared[0].line == 2);
	CHECK_STR(p.shared[1].name, "anycast");
	CHECK(!p.shared[1].has_vmac[0] && !p.shared[1].has_vmac[1]);
	CHECK(p.shared[1].n_domains == 3);
	/* an exact link-local address is fine (VRRPv3 over IPv6 wants one) */
	parse_ok("[shared]\nll = fe80::1 vmac 00:00:5e:00:02:01 domains a\n", &p);
	CHECK(p.n_shared == 1 && p.shared[0].has_vmac[1]);

	parse_bad("[shared]\nv = 192.0.2.0/24 domains a\n", 2,
		  "'192.0.2.0/24' is a prefix: a shared address is exact");
	parse_bad("[shared]\nv = 2001:db8::/64 domains a\n", 2, "is a prefix");
	parse_bad("[shared]\nv = lb1 domains a\n", 2, "'lb1' is not an address");
	parse_bad("[shared]\nv = 224.0.0.18 domains a\n", 2, "'224.0.0.18' is a multicast address");
	parse_bad("[shared]\nv = 0.0.0.0 domains a\n", 2, "'0.0.0.0' is in 0.0.0.0/8");
	parse_bad("[shared]\nv = ff02::12 domains a\n", 2, "'ff02::12' is a multicast address");
	parse_bad("[shared]\nv = ::1 domains a\n", 2, "'::1' is the loopback address");
	parse_bad("[shared]\nv = 192.0.2.300 domains a\n", 2, "192.0.2.300");
	parse_bad("[shared]\nv = 192.0.2.5 vmac 00:16:3e:00:00:01 domains a\n", 2,
		  "'00:16:3e:00:00:01' is not a VRRP virtual mac");
	parse_bad("[shared]\nv = 192.0.2.5 vmac 00:00:5e:00:01:00 domains a\n", 2,
		  "is not a VRRP virtual mac");
	parse_bad("[shared]\nv = 192.0.2.5 vmac 00:00:5e:00:03:01 domains a\n", 2,
		  "is not a VRRP virtual mac");
	parse_bad("[shared]\nv = 192.0.2.5 vmac 00:00:5e:00:01:01 00:00:5e:00:01:02 domains a\n", 2,
		  "a second virtual mac for IPv4");
	parse_bad("[shared]\nv = 192.0.2.5 vmac 00:00:5e:00:02:01 domains a\n", 2,
		  "a virtual mac for IPv6 but no IPv6 address");
	parse_bad("[shared]\nv = 192.0.2.5 domains a b/c\n", 2, "'b/c' is not a domain name");
	parse_bad("[shared]\nv = 192.0.2.5 domains web--incoming\n", 2, "is not a domain name");
	parse_bad("[shared]\nv = 192.0.2.5\n", 2, "[shared] 'v': no domains");
	parse_bad("[shared]\nv = domains a\n", 2, "[shared] 'v': no address");
	parse_bad("[shared]\nv =\n", 2, "key 'v' has no value");
	parse_bad("[shared]\n9v = 192.0.2.5 domains a\n", 2, "is not a name for a shared address");
	parse_bad("[shared]\nv = 192.0.2.5 domains a\nw = 192.0.2.5 domains b\n", 3,
		  "192.0.2.5 is already shared as 'v' (line 2)");
	parse_bad("[shared]\nv = 192.0.2.1 domains a\n[protect]\naddresses = 192.0.2.0/30\n", 2,
		  "[shared] 'v': 192.0.2.1 is protected ([protect] addresses 192.0.2.0/30)");
	/* a bad line adds nothing, and the error names it */
	parse_bad_n("[shared]\nv = 192.0.2.5 domains a\nv = 192.0.2.6 x\n", 1, 3,
		    "'x' is not an address");
}

int main(void)
{
	test_defaults();
	test_every_key();
	test_addresses_append();
	test_syntax();
	test_errors_structure();
	test_errors_values();
	test_errors_long_lines();
	test_errors_many();
	test_files();
	test_shared();

	printf("test-config: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
