/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/stmt.c: every statement emitter, its printed text and
 * its expressions side by side, as nftables' tests/py keeps a rule and its
 * .payload together.  The expressions are libnftnl's rendering, the one
 * `nft --debug=netlink` prints; reviewing a case means checking that the
 * text says what the expressions do.  Then the failures that are bugs (an
 * unknown exthdr, a prefix that is not whole bytes) fail the rule.
 */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "plan.h"
#include "proto.h"
#include "stmt.h"

#include "check.h"

struct dump {
	char buf[4096];
	size_t len;
};

static int expr_dump(struct nftnl_expr *e, void *userdata)
{
	struct dump *d = userdata;
	char b[512];

	nftnl_expr_snprintf(b, sizeof(b), e, NFTNL_OUTPUT_DEFAULT, 0);
	/* libnftnl ends each expression with a space */
	while (strlen(b) > 0 && b[strlen(b) - 1] == ' ')
		b[strlen(b) - 1] = '\0';
	d->len += (size_t)snprintf(d->buf + d->len, sizeof(d->buf) - d->len, "[ %s %s ]\n",
				   nftnl_expr_get_str(e, NFTNL_EXPR_NAME), b);
	return 0;
}

static const uint8_t zero4[4], zero16[16], bcast4[4] = {255, 255, 255, 255};
static const uint8_t snm[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
static const uint8_t mask24[4] = {255, 255, 255, 0};
static const uint8_t mask64[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t opt[2] = {PROTO_ND_OPT_TARGET_LL, 1};
static const enum stmt_field f_v4[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ETHER_SADDR,
				       STMT_FIELD_IP_SADDR};
static const enum stmt_field f_net4[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ARP_SPA};
static const enum stmt_field f_nd[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ND_TARGET};
static const enum stmt_field f_v6net[] = {STMT_FIELD_IIFNAME, STMT_FIELD_IP6_SADDR};

static void build(int i, struct stmt_rule *r)
{
	switch (i) {
	case 0:
		stmt_ether_type(r, PROTO_ETHERTYPE_ARP);
		stmt_verdict(r, NFT_GOTO, "guest-arp");
		break;
	case 1:
		stmt_ether_type(r, 0x88cc);
		stmt_verdict(r, NF_DROP, NULL);
		break;
	case 2:
		stmt_iifname(r, true, "vif*");
		stmt_iifname(r, false, "web01");
		stmt_verdict(r, NF_ACCEPT, NULL);
		break;
	case 3:
		stmt_ether_type(r, PROTO_ETHERTYPE_IPV4);
		stmt_l4proto(r, true, PROTO_IP_UDP);
		stmt_lookup(r, f_v4, 3, NULL, false, "v4");
		stmt_verdict(r, NF_ACCEPT, NULL);
		break;
	case 4:
		stmt_l4proto(r, false, 132);
		stmt_l4proto_range(r, 0, 255);
		stmt_verdict(r, NFT_RETURN, NULL);
		break;
	case 5:
		stmt_udp_sport(r, false, PROTO_DHCPV6_SERVER_PORT);
		stmt_verdict(r, NFT_JUMP, "src-ip6");
		break;
	case 6:
		stmt_ip_frag_first(r);
		stmt_ip_addr(r, false, zero4);
		stmt_ip_addr(r, true, bcast4);
		stmt_udp_ports(r, PROTO_DHCP_CLIENT_PORT, PROTO_DHCP_SERVER_PORT);
		stmt_verdict(r, NF_ACCEPT, NULL);
		break;
	case 7:
		stmt_ip6_addr(r, false, zero16, 128);
		stmt_verdict(r, NF_ACCEPT, NULL);
		break;
	case 8:
		stmt_icmpv6_type(r, PROTO_ICMPV6_NEIGHBOR_SOLICIT);
		stmt_ip6_addr(r, true, snm, 104);
		stmt_ip6_icmp_len(r, PROTO_ND_MSG_LEN + PROTO_ND_OPT_UNIT);
		stmt_th_bytes(r, PROTO_ND_MSG_LEN, opt, 2);
		stmt_verdict(r, NFT_GOTO, "guest-nd");
		break;
	case 9:
		stmt_exthdr_exists(r, PROTO_IP_FRAGMENT);
		stmt_l4proto(r, false, PROTO_IP_ICMPV6);
		stmt_icmpv6_type(r, 200);
		break;
	case 10:
		stmt_arp(r, STMT_ARP_HTYPE, true, PROTO_ARP_HTYPE_ETHER);
		stmt_arp(r, STMT_ARP_PTYPE, true, PROTO_ETHERTYPE_IPV4);
		stmt_arp(r, STMT_ARP_HLEN, true, PROTO_ARP_HLEN_ETHER);
		stmt_arp(r, STMT_ARP_OPERATION, false, PROTO_ARP_OP_REPLY);
		stmt_arp_range(r, STMT_ARP_OPERATION, true, 1, 2);
		stmt_arp_spa(r, bcast4);
		break;
	case 11:
		stmt_ether_type(r, PROTO_ETHERTYPE_ARP);
		stmt_lookup(r, f_net4, 2, mask24, false, "v4-24");
		stmt_verdict(r, NFT_RETURN, NULL);
		break;
	case 12:
		stmt_lookup(r, f_nd, 2, mask64, true, "nd6-64");
		stmt_lookup(r, f_v6net, 2, mask64, false, "v6-64");
		break;
	case 13:
		stmt_iifname(r, false, "vif*");
		stmt_counter(r, "fail-closed");
		stmt_objref_map(r, NFT_OBJECT_LIMIT, "port-limits");
		stmt_log(r, "vifguard", 7331, 256);
		stmt_objref_map(r, NFT_OBJECT_COUNTER, "port-counters");
		stmt_verdict(r, NF_DROP, NULL);
		break;
	case 14:
		stmt_ip_frag_first(r);
		stmt_udp_sport(r, false, PROTO_DHCP_SERVER_PORT);
		stmt_verdict(r, NFT_GOTO, "guest-drop");
		break;
	}
}

static const struct {
	const char *text, *exprs;
} cases[] = {
    {"ether type arp goto guest-arp", "[ payload load 2b @ link header + 12 => reg 1 ]\n"
				      "[ cmp eq reg 1 0x00000608 ]\n"
				      "[ immediate reg 0 goto -> guest-arp ]\n"},
    {"ether type 0x88cc drop", "[ payload load 2b @ link header + 12 => reg 1 ]\n"
			       "[ cmp eq reg 1 0x0000cc88 ]\n"
			       "[ immediate reg 0 drop ]\n"},
    {"iifname != \"vif*\" iifname \"web01\" accept", "[ meta load iifname => reg 1 ]\n"
						     "[ cmp neq reg 1 0x00666976 ]\n"
						     "[ meta load iifname => reg 1 ]\n"
						     "[ cmp eq reg 1 0x30626577 0x00000031 ]\n"
						     "[ immediate reg 0 accept ]\n"},
    {"ether type ip meta l4proto != udp iifname . ether saddr . ip saddr @v4 accept",
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000008 ]\n"
     "[ meta load l4proto => reg 1 ]\n"
     "[ cmp neq reg 1 0x00000011 ]\n"
     "[ meta load iifname => reg 1 ]\n"
     "[ payload load 6b @ link header + 6 => reg 2 ]\n"
     "[ payload load 4b @ network header + 12 => reg 14 ]\n"
     "[ lookup reg 1 set v4 ]\n"
     "[ immediate reg 0 accept ]\n"},
    {"meta l4proto 132 meta l4proto 0-255 return", "[ meta load l4proto => reg 1 ]\n"
						   "[ cmp eq reg 1 0x00000084 ]\n"
						   "[ meta load l4proto => reg 1 ]\n"
						   "[ cmp gte reg 1 0x00000000 ]\n"
						   "[ cmp lte reg 1 0x000000ff ]\n"
						   "[ immediate reg 0 return ]\n"},
    {"udp sport 547 jump src-ip6", "[ meta load l4proto => reg 1 ]\n"
				   "[ cmp eq reg 1 0x00000011 ]\n"
				   "[ payload load 2b @ transport header + 0 => reg 1 ]\n"
				   "[ cmp eq reg 1 0x00002302 ]\n"
				   "[ immediate reg 0 jump -> src-ip6 ]\n"},
    {"ip frag-off & 8191 == 0 ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 "
     "accept",
     "[ meta load protocol => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000008 ]\n"
     "[ payload load 2b @ network header + 6 => reg 1 ]\n"
     "[ bitwise reg 1 = ( reg 1 & 0x0000ff1f ) ^ 0x00000000 ]\n"
     "[ cmp eq reg 1 0x00000000 ]\n"
     "[ payload load 4b @ network header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000000 ]\n"
     "[ payload load 4b @ network header + 16 => reg 1 ]\n"
     "[ cmp eq reg 1 0xffffffff ]\n"
     "[ meta load l4proto => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000011 ]\n"
     "[ payload load 4b @ transport header + 0 => reg 1 ]\n"
     "[ cmp eq reg 1 0x43004400 ]\n"
     "[ immediate reg 0 accept ]\n"},
    {"ip6 saddr :: accept", "[ meta load protocol => reg 1 ]\n"
			    "[ cmp eq reg 1 0x0000dd86 ]\n"
			    "[ payload load 16b @ network header + 8 => reg 1 ]\n"
			    "[ cmp eq reg 1 0x00000000 0x00000000 0x00000000 0x00000000 ]\n"
			    "[ immediate reg 0 accept ]\n"},
    {"icmpv6 type nd-neighbor-solicit ip6 daddr ff02::1:ff00:0/104 ip6 nexthdr ipv6-icmp ip6 "
     "length 32 @th,192,16 0x0201 goto guest-nd",
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x0000dd86 ]\n"
     "[ meta load l4proto => reg 1 ]\n"
     "[ cmp eq reg 1 0x0000003a ]\n"
     "[ payload load 1b @ transport header + 0 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000087 ]\n"
     "[ payload load 13b @ network header + 24 => reg 1 ]\n"
     "[ cmp eq reg 1 0x000002ff 0x00000000 0x01000000 0x000000ff ]\n"
     "[ meta load protocol => reg 1 ]\n"
     "[ cmp eq reg 1 0x0000dd86 ]\n"
     "[ payload load 3b @ network header + 4 => reg 1 ]\n"
     "[ cmp eq reg 1 0x003a2000 ]\n"
     "[ payload load 2b @ transport header + 24 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000102 ]\n"
     "[ immediate reg 0 goto -> guest-nd ]\n"},
    {"exthdr frag exists meta l4proto ipv6-icmp icmpv6 type 200",
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x0000dd86 ]\n"
     "[ exthdr load ipv6 1b @ 44 + 0 present => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000001 ]\n"
     "[ meta load l4proto => reg 1 ]\n"
     "[ cmp eq reg 1 0x0000003a ]\n"
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x0000dd86 ]\n"
     "[ meta load l4proto => reg 1 ]\n"
     "[ cmp eq reg 1 0x0000003a ]\n"
     "[ payload load 1b @ transport header + 0 => reg 1 ]\n"
     "[ cmp eq reg 1 0x000000c8 ]\n"},
    {"arp htype != 1 arp ptype != ip arp hlen != 6 arp operation reply arp operation != 1-2 arp "
     "saddr ip 255.255.255.255",
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000608 ]\n"
     "[ payload load 2b @ network header + 0 => reg 1 ]\n"
     "[ cmp neq reg 1 0x00000100 ]\n"
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000608 ]\n"
     "[ payload load 2b @ network header + 2 => reg 1 ]\n"
     "[ cmp neq reg 1 0x00000008 ]\n"
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000608 ]\n"
     "[ payload load 1b @ network header + 4 => reg 1 ]\n"
     "[ cmp neq reg 1 0x00000006 ]\n"
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000608 ]\n"
     "[ payload load 2b @ network header + 6 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000200 ]\n"
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000608 ]\n"
     "[ payload load 2b @ network header + 6 => reg 1 ]\n"
     "[ range neq reg 1 0x00000100 0x00000200 ]\n"
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000608 ]\n"
     "[ payload load 4b @ network header + 14 => reg 1 ]\n"
     "[ cmp eq reg 1 0xffffffff ]\n"},
    {"ether type arp iifname . arp saddr ip & 255.255.255.0 @v4-24 return",
     "[ payload load 2b @ link header + 12 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000608 ]\n"
     "[ meta load iifname => reg 1 ]\n"
     "[ payload load 4b @ network header + 14 => reg 2 ]\n"
     "[ bitwise reg 2 = ( reg 2 & 0x00ffffff ) ^ 0x00000000 ]\n"
     "[ lookup reg 1 set v4-24 ]\n"
     "[ immediate reg 0 return ]\n"},
    {"iifname . @th,64,128 & 0xffffffffffffffff0000000000000000 != @nd6-64 iifname . ip6 saddr & "
     "ffff:ffff:ffff:ffff:: @v6-64",
     "[ meta load iifname => reg 1 ]\n"
     "[ payload load 16b @ transport header + 8 => reg 2 ]\n"
     "[ bitwise reg 2 = ( reg 2 & 0xffffffff 0xffffffff 0x00000000 0x00000000 ) ^ 0x00000000 "
     "0x00000000 0x00000000 0x00000000 ]\n"
     "[ lookup reg 1 set nd6-64 0x1 ]\n"
     "[ meta load iifname => reg 1 ]\n"
     "[ payload load 16b @ network header + 8 => reg 2 ]\n"
     "[ bitwise reg 2 = ( reg 2 & 0xffffffff 0xffffffff 0x00000000 0x00000000 ) ^ 0x00000000 "
     "0x00000000 0x00000000 0x00000000 ]\n"
     "[ lookup reg 1 set v6-64 ]\n"},
    {"iifname \"vif*\" counter name \"fail-closed\" limit name iifname map @port-limits log prefix "
     "\"vifguard\" group 7331 snaplen 256 queue-threshold 1 counter name iifname map @port-counters drop",
     "[ meta load iifname => reg 1 ]\n"
     "[ cmp eq reg 1 0x00666976 ]\n"
     "[ objref type 1 name fail-closed ]\n"
     "[ meta load iifname => reg 1 ]\n"
     "[ objref sreg 1 set port-limits ]\n"
     "[ log prefix vifguard group 7331 snaplen 256 qthreshold 1 ]\n"
     "[ meta load iifname => reg 1 ]\n"
     "[ objref sreg 1 set port-counters ]\n"
     "[ immediate reg 0 drop ]\n"},
    {"ip frag-off & 8191 == 0 udp sport 67 goto guest-drop",
     "[ meta load protocol => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000008 ]\n"
     "[ payload load 2b @ network header + 6 => reg 1 ]\n"
     "[ bitwise reg 1 = ( reg 1 & 0x0000ff1f ) ^ 0x00000000 ]\n"
     "[ cmp eq reg 1 0x00000000 ]\n"
     "[ meta load l4proto => reg 1 ]\n"
     "[ cmp eq reg 1 0x00000011 ]\n"
     "[ payload load 2b @ transport header + 0 => reg 1 ]\n"
     "[ cmp eq reg 1 0x00004300 ]\n"
     "[ immediate reg 0 goto -> guest-drop ]\n"},
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dump d = {.len = 0};
		struct stmt_rule r;
		struct plan p;

		plan_init(&p, "t");
		CHECK(stmt_rule_begin(&p, &r, "c") == 0);
		build((int)i, &r);
		nftnl_expr_foreach(r.nl, expr_dump, &d);
		CHECK_STR(r.text, cases[i].text);
		CHECK_STR(d.buf, cases[i].exprs);
		CHECK(stmt_rule_end(&p, &r) == 0);
		CHECK(p.n_ops == 1 && strcmp(p.ops[0].text, cases[i].text) == 0);
		plan_done(&p);
	}
}

/* A statement nft could not print, or a text that does not fit, is a bug:
 * the rule fails instead of being sent with a text that says otherwise. */
static void test_bugs(void)
{
	for (int i = 0; i < 5; i++) {
		struct stmt_rule r;
		struct plan p;

		plan_init(&p, "t");
		CHECK(stmt_rule_begin(&p, &r, "c") == 0);
		switch (i) {
		case 0:
			stmt_exthdr_exists(&r, PROTO_IP_ROUTING);
			break;
		case 1:
			stmt_ip6_addr(&r, true, snm, 100);
			break;
		case 2:
			stmt_arp_range(&r, STMT_ARP_HLEN, false, 1, 2);
			break;
		case 3:
			stmt_verdict(&r, NF_QUEUE, NULL);
			break;
		case 4:
			for (int k = 0; k < 100; k++)
				stmt_iifname(&r, true, "vif-with-a-long*");
			break;
		}
		CHECK(stmt_rule_end(&p, &r) == -ENOMEM);
		CHECK(p.oom && p.n_ops == 0);
		plan_done(&p);
	}
}

int main(void)
{
	test_cases();
	test_bugs();
	printf("test-stmt: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
