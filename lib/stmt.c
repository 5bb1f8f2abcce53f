// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nft statement emitters (stmt.h).  The raw expression builders (expr_*)
 * and the text writer (text_add) are static: a statement is the smallest
 * thing another file can add to a rule, and it adds both halves.
 */
/* first: plan.h pulls in net/if.h, which must precede the uapi headers */
#include "stmt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include "proto.h"

/* nft's datatype ids, stored as set key types so `nft list` prints the
 * elements as addresses and names (src/datatype.h in nftables). */
#define NFT_TYPE_INTEGER 4
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8
#define NFT_TYPE_ETHERADDR 9
#define NFT_TYPE_IFNAME 41

static const struct stmt_field_def fields[_STMT_FIELD_MAX] = {
    [STMT_FIELD_IIFNAME] = {0, 0, IFNAMSIZ, "iifname", NFT_TYPE_IFNAME, "ifname"},
    [STMT_FIELD_ETHER_SADDR] = {NFT_PAYLOAD_LL_HEADER, 6, 6, "ether saddr", NFT_TYPE_ETHERADDR,
				"ether_addr"},
    [STMT_FIELD_IP_SADDR] = {NFT_PAYLOAD_NETWORK_HEADER, 12, 4, "ip saddr", NFT_TYPE_IPADDR,
			     "ipv4_addr"},
    [STMT_FIELD_IP6_SADDR] = {NFT_PAYLOAD_NETWORK_HEADER, 8, 16, "ip6 saddr", NFT_TYPE_IP6ADDR,
			      "ipv6_addr"},
    [STMT_FIELD_ARP_SHA] = {NFT_PAYLOAD_NETWORK_HEADER, 8, 6, "arp saddr ether", NFT_TYPE_ETHERADDR,
			    "ether_addr"},
    [STMT_FIELD_ARP_SPA] = {NFT_PAYLOAD_NETWORK_HEADER, 14, 4, "arp saddr ip", NFT_TYPE_IPADDR,
			    "ipv4_addr"},
    [STMT_FIELD_ARP_TPA] = {NFT_PAYLOAD_NETWORK_HEADER, 24, 4, "arp daddr ip", NFT_TYPE_IPADDR,
			    "ipv4_addr"},
    [STMT_FIELD_ND_TARGET] = {NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, "@th,64,128", NFT_TYPE_INTEGER,
			      NULL},
    [STMT_FIELD_ND_OPT_LLA] = {NFT_PAYLOAD_TRANSPORT_HEADER, 26, 6, "@th,208,48", NFT_TYPE_INTEGER,
			       NULL},
};

const struct stmt_field_def *stmt_field(enum stmt_field f)
{
	return &fields[f];
}

uint32_t stmt_key_len(const enum stmt_field *f, size_t n)
{
	uint32_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += (fields[f[i]].len + 3) / 4 * 4;
	return len;
}

/* ---- names, as nft prints the numbers (NULL: print the number) ---- */

struct name {
	uint16_t value;
	const char *name;
};

static const struct name ether_names[] = {
    {PROTO_ETHERTYPE_IPV4, "ip"},
    {PROTO_ETHERTYPE_ARP, "arp"},
    {PROTO_ETHERTYPE_IPV6, "ip6"},
    {0, NULL},
};

static const struct name l4_names[] = {
    {PROTO_IP_TCP, "tcp"},
    {PROTO_IP_UDP, "udp"},
    {PROTO_IP_AH, "ah"},
    {PROTO_IP_ICMPV6, "ipv6-icmp"},
    {0, NULL},
};

static const struct name icmpv6_names[] = {
    {PROTO_ICMPV6_MLD_REPORT, "mld-listener-report"},
    {PROTO_ICMPV6_ROUTER_ADVERT, "nd-router-advert"},
    {PROTO_ICMPV6_NEIGHBOR_SOLICIT, "nd-neighbor-solicit"},
    {PROTO_ICMPV6_NEIGHBOR_ADVERT, "nd-neighbor-advert"},
    {PROTO_ICMPV6_REDIRECT, "nd-redirect"},
    {PROTO_ICMPV6_MLD2_REPORT, "mld2-listener-report"},
    {0, NULL},
};

static const struct name exthdr_names[] = {
    {PROTO_IP_FRAGMENT, "frag"},
    {0, NULL},
};

static const struct name arp_op_names[] = {
    {PROTO_ARP_OP_REQUEST, "request"},
    {PROTO_ARP_OP_REPLY, "reply"},
    {0, NULL},
};

static const char *name_of(const struct name *t, uint16_t value)
{
	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

/* ---- the rule's text ---- */

/* Append one statement's text, a space apart from the previous one. */
__attribute__((format(printf, 2, 3))) static void text_add(struct stmt_rule *r, const char *fmt,
							   ...)
{
	va_list ap;
	int n;

	if (r->len > 0 && r->len < sizeof(r->text) - 1)
		r->text[r->len++] = ' ';
	if (r->len >= sizeof(r->text) - 1) {
		r->oom = true; /* truncated text is a bug, reported as failure */
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n;
	if (n < 0 || r->len >= sizeof(r->text))
		r->oom = true;
}

static const char *neq_str(bool neq)
{
	return neq ? "!= " : "";
}

/* "NAME" from a table, else the number in decimal */
static const char *num_str(const struct name *t, uint16_t value, char buf[8])
{
	const char *n = name_of(t, value);

	if (n)
		return n;
	snprintf(buf, 8, "%u", value);
	return buf;
}

static void hex_str(const uint8_t *v, size_t len, char *buf, size_t size)
{
	size_t o = (size_t)snprintf(buf, size, "0x");

	for (size_t i = 0; i < len && o + 2 < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%02x", v[i]);
}

/* ---- raw expressions ---- */

static void expr_add(struct stmt_rule *r, struct nftnl_expr *e)
{
	if (!e) {
		r->oom = true;
		return;
	}
	nftnl_rule_add_expr(r->nl, e);
}

/* The register nft uses for a concatenation field at byte offset off:
 * the 16-byte name when aligned, else the 4-byte one (offset 0: NFT_REG_1,
 * where every single-value match loads). */
static uint32_t reg_at(uint32_t off)
{
	return off % 16 == 0 ? NFT_REG_1 + off / 16 : NFT_REG32_00 + off / 4;
}

static void expr_payload_to(struct stmt_rule *r, uint32_t base, uint32_t offset, uint32_t len,
			    uint32_t dst_off)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg_at(dst_off));
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	expr_add(r, e);
}

static void expr_payload(struct stmt_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	expr_payload_to(r, base, offset, len, 0);
}

static void expr_meta_to(struct stmt_rule *r, uint32_t key, uint32_t dst_off)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg_at(dst_off));
	}
	expr_add(r, e);
}

static void expr_meta(struct stmt_rule *r, uint32_t key)
{
	expr_meta_to(r, key, 0);
}

static void expr_cmp(struct stmt_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	expr_add(r, e);
}

static void expr_cmp_u8(struct stmt_rule *r, uint32_t op, uint8_t v)
{
	expr_cmp(r, op, &v, 1);
}

static void expr_cmp_be16(struct stmt_rule *r, uint32_t op, uint16_t v)
{
	uint16_t be = htons(v);

	expr_cmp(r, op, &be, 2);
}

static void expr_range(struct stmt_rule *r, uint32_t op, const void *from, const void *to,
		       uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("range");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, from, len);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, to, len);
	}
	expr_add(r, e);
}

/* reg(dst_off) &= mask (len bytes) */
static void expr_mask_at(struct stmt_rule *r, uint32_t dst_off, const uint8_t *mask, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint8_t zero[16] = {0};

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg_at(dst_off));
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg_at(dst_off));
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	expr_add(r, e);
}

/* ---- protocol dependencies: expressions nft adds without text ---- */

/* ether type T, as the dependency of an arp, icmpv6 or exthdr match */
static void dep_ether_type(struct stmt_rule *r, uint16_t type)
{
	expr_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2);
	expr_cmp_be16(r, NFT_CMP_EQ, type);
	r->l3 = type;
}

/* meta protocol, as nft adds it in front of ip/ip6 header matches */
static void dep_meta_protocol(struct stmt_rule *r, uint16_t proto)
{
	expr_meta(r, NFT_META_PROTOCOL);
	expr_cmp_be16(r, NFT_CMP_EQ, proto);
	r->l3 = proto;
}

/* meta l4proto P (nft's dependency for udp/icmpv6 header matches) */
static void dep_l4proto(struct stmt_rule *r, uint8_t proto)
{
	expr_meta(r, NFT_META_L4PROTO);
	expr_cmp_u8(r, NFT_CMP_EQ, proto);
}

/* ---- rules ---- */

int stmt_rule_begin(struct plan *p, struct stmt_rule *r, const char *chain)
{
	memset(r, 0, sizeof(*r));
	r->chain = chain;
	r->nl = nftnl_rule_alloc();
	if (!r->nl)
		return -ENOMEM;
	nftnl_rule_set_u32(r->nl, NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
	nftnl_rule_set_str(r->nl, NFTNL_RULE_TABLE, p->table);
	nftnl_rule_set_str(r->nl, NFTNL_RULE_CHAIN, chain);
	return 0;
}

int stmt_rule_end(struct plan *p, struct stmt_rule *r)
{
	if (r->oom) {
		nftnl_rule_free(r->nl);
		p->oom = true;
		return -ENOMEM;
	}
	return plan_push(p, false, PLAN_RULE, r->nl, -1, r->chain, r->text);
}

/* ---- statements ---- */

void stmt_ether_type(struct stmt_rule *r, uint16_t type)
{
	const char *name = name_of(ether_names, type);

	expr_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2);
	expr_cmp_be16(r, NFT_CMP_EQ, type);
	r->l3 = type;
	if (name)
		text_add(r, "ether type %s", name);
	else
		text_add(r, "ether type 0x%04x", type);
}

void stmt_iifname(struct stmt_rule *r, bool neq, const char *pattern)
{
	uint32_t op = neq ? NFT_CMP_NEQ : NFT_CMP_EQ;
	size_t n = strlen(pattern);
	char key[IFNAMSIZ] = {0};

	memcpy(key, pattern, n < IFNAMSIZ ? n : IFNAMSIZ - 1);
	expr_meta(r, NFT_META_IIFNAME);
	if (n > 0 && pattern[n - 1] == '*')
		expr_cmp(r, op, key, (uint32_t)(n - 1));
	else
		expr_cmp(r, op, key, (uint32_t)n + 1);
	text_add(r, "iifname %s\"%s\"", neq_str(neq), pattern);
}

void stmt_l4proto(struct stmt_rule *r, bool neq, uint8_t proto)
{
	char buf[8];

	expr_meta(r, NFT_META_L4PROTO);
	expr_cmp_u8(r, neq ? NFT_CMP_NEQ : NFT_CMP_EQ, proto);
	text_add(r, "meta l4proto %s%s", neq_str(neq), num_str(l4_names, proto, buf));
}

void stmt_l4proto_range(struct stmt_rule *r, uint8_t lo, uint8_t hi)
{
	expr_meta(r, NFT_META_L4PROTO);
	expr_cmp_u8(r, NFT_CMP_GTE, lo);
	expr_cmp_u8(r, NFT_CMP_LTE, hi);
	text_add(r, "meta l4proto %u-%u", lo, hi);
}

void stmt_udp_sport(struct stmt_rule *r, bool neq, uint16_t port)
{
	dep_l4proto(r, PROTO_IP_UDP);
	expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
	expr_cmp_be16(r, neq ? NFT_CMP_NEQ : NFT_CMP_EQ, port);
	text_add(r, "udp sport %s%u", neq_str(neq), port);
}

void stmt_udp_ports(struct stmt_rule *r, uint16_t sport, uint16_t dport)
{
	uint16_t v[2] = {htons(sport), htons(dport)};

	dep_l4proto(r, PROTO_IP_UDP);
	expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4);
	expr_cmp(r, NFT_CMP_EQ, v, 4);
	text_add(r, "udp sport %u udp dport %u", sport, dport);
}

void stmt_ip_addr(struct stmt_rule *r, bool daddr, const uint8_t addr[4])
{
	char a[INET_ADDRSTRLEN];

	if (r->l3 != PROTO_ETHERTYPE_IPV4)
		dep_meta_protocol(r, PROTO_ETHERTYPE_IPV4);
	expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, daddr ? 16 : 12, 4);
	expr_cmp(r, NFT_CMP_EQ, addr, 4);
	inet_ntop(AF_INET, addr, a, sizeof(a));
	text_add(r, "ip %s %s", daddr ? "daddr" : "saddr", a);
}

void stmt_ip_frag_first(struct stmt_rule *r)
{
	static const uint8_t mask[2] = {PROTO_IPV4_FRAG_OFF_MASK >> 8,
					PROTO_IPV4_FRAG_OFF_MASK & 0xff};
	static const uint8_t zero[2] = {0};

	if (r->l3 != PROTO_ETHERTYPE_IPV4)
		dep_meta_protocol(r, PROTO_ETHERTYPE_IPV4);
	expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, PROTO_IPV4_FRAG_OFF, 2);
	expr_mask_at(r, 0, mask, 2);
	expr_cmp(r, NFT_CMP_EQ, zero, 2);
	text_add(r, "ip frag-off & %u == 0", (unsigned int)PROTO_IPV4_FRAG_OFF_MASK);
}

void stmt_ip6_addr(struct stmt_rule *r, bool daddr, const uint8_t addr[16], unsigned int plen)
{
	char a[INET6_ADDRSTRLEN];

	if (plen % 8 != 0 || plen == 0 || plen > 128) {
		r->oom = true; /* a bug: no mask expression here */
		return;
	}
	if (r->l3 != PROTO_ETHERTYPE_IPV6)
		dep_meta_protocol(r, PROTO_ETHERTYPE_IPV6);
	expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, daddr ? 24 : 8, plen / 8);
	expr_cmp(r, NFT_CMP_EQ, addr, plen / 8);
	inet_ntop(AF_INET6, addr, a, sizeof(a));
	if (plen == 128)
		text_add(r, "ip6 %s %s", daddr ? "daddr" : "saddr", a);
	else
		text_add(r, "ip6 %s %s/%u", daddr ? "daddr" : "saddr", a, plen);
}

void stmt_ip6_icmp_len(struct stmt_rule *r, uint16_t len)
{
	uint8_t v[3] = {(uint8_t)(len >> 8), (uint8_t)len, PROTO_IP_ICMPV6};

	/* always with its dependency, even after an icmpv6 match */
	dep_meta_protocol(r, PROTO_ETHERTYPE_IPV6);
	expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 4, 3);
	expr_cmp(r, NFT_CMP_EQ, v, 3);
	text_add(r, "ip6 nexthdr %s ip6 length %u", name_of(l4_names, PROTO_IP_ICMPV6), len);
}

void stmt_exthdr_exists(struct stmt_rule *r, uint8_t type)
{
	const char *name = name_of(exthdr_names, type);
	struct nftnl_expr *e;

	if (!name) {
		r->oom = true; /* nft has no syntax for it: a bug */
		return;
	}
	dep_ether_type(r, PROTO_ETHERTYPE_IPV6);
	e = nftnl_expr_alloc("exthdr");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, NFT_REG_1);
		nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, type);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, 0);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_FLAGS, NFT_EXTHDR_F_PRESENT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_IPV6);
	}
	expr_add(r, e);
	expr_cmp_u8(r, NFT_CMP_EQ, 1);
	text_add(r, "exthdr %s exists", name);
}

void stmt_icmpv6_type(struct stmt_rule *r, uint8_t type)
{
	char buf[8];

	dep_ether_type(r, PROTO_ETHERTYPE_IPV6);
	dep_l4proto(r, PROTO_IP_ICMPV6);
	expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	expr_cmp_u8(r, NFT_CMP_EQ, type);
	text_add(r, "icmpv6 type %s", num_str(icmpv6_names, type, buf));
}

void stmt_icmpv6_type_range(struct stmt_rule *r, uint8_t lo, uint8_t hi)
{
	dep_ether_type(r, PROTO_ETHERTYPE_IPV6);
	dep_l4proto(r, PROTO_IP_ICMPV6);
	expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	expr_cmp_u8(r, NFT_CMP_GTE, lo);
	expr_cmp_u8(r, NFT_CMP_LTE, hi);
	text_add(r, "icmpv6 type %u-%u", lo, hi);
}

void stmt_ip6_frag_later(struct stmt_rule *r)
{
	static const uint8_t mask[2] = {PROTO_IPV6_FRAG_OFF_MASK >> 8,
					PROTO_IPV6_FRAG_OFF_MASK & 0xff};
	static const uint8_t zero[2] = {0};
	struct nftnl_expr *e;

	dep_ether_type(r, PROTO_ETHERTYPE_IPV6);
	e = nftnl_expr_alloc("exthdr");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, NFT_REG_1);
		nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, PROTO_IP_FRAGMENT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, PROTO_IPV6_FRAG_OFF);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 2);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_IPV6);
	}
	expr_add(r, e);
	expr_mask_at(r, 0, mask, 2);
	expr_cmp(r, NFT_CMP_NEQ, zero, 2);
	text_add(r, "frag frag-off != 0");
}

void stmt_th_present(struct stmt_rule *r)
{
	static const uint8_t lo[8] = {0}, hi[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 8);
	expr_cmp(r, NFT_CMP_GTE, lo, 8);
	expr_cmp(r, NFT_CMP_LTE, hi, 8);
	text_add(r, "@th,0,64 0x0-0xffffffffffffffff");
}

static const struct {
	uint32_t offset, len;
	const char *text;
	const struct name *names; /* how a single value prints */
} arp_fields[_STMT_ARP_MAX] = {
    [STMT_ARP_HTYPE] = {0, 2, "htype", NULL},
    [STMT_ARP_PTYPE] = {2, 2, "ptype", ether_names},
    [STMT_ARP_HLEN] = {4, 1, "hlen", NULL},
    [STMT_ARP_PLEN] = {5, 1, "plen", NULL},
    [STMT_ARP_OPERATION] = {6, 2, "operation", arp_op_names},
};

/* arp FIELD: nft's "ether type arp" dependency and the load */
static void arp_load(struct stmt_rule *r, uint32_t offset, uint32_t len)
{
	dep_ether_type(r, PROTO_ETHERTYPE_ARP);
	expr_payload(r, NFT_PAYLOAD_NETWORK_HEADER, offset, len);
}

void stmt_arp(struct stmt_rule *r, enum stmt_arp_field f, bool neq, uint16_t value)
{
	uint32_t op = neq ? NFT_CMP_NEQ : NFT_CMP_EQ;
	static const struct name none[] = {{0, NULL}};
	char buf[8];

	arp_load(r, arp_fields[f].offset, arp_fields[f].len);
	if (arp_fields[f].len == 2)
		expr_cmp_be16(r, op, value);
	else
		expr_cmp_u8(r, op, (uint8_t)value);
	text_add(r, "arp %s %s%s", arp_fields[f].text, neq_str(neq),
		 num_str(arp_fields[f].names ?: none, value, buf));
}

void stmt_arp_range(struct stmt_rule *r, enum stmt_arp_field f, bool neq, uint16_t lo, uint16_t hi)
{
	uint16_t from = htons(lo), to = htons(hi);

	if (arp_fields[f].len != 2) {
		r->oom = true; /* a bug: only 16-bit fields take a range here */
		return;
	}
	arp_load(r, arp_fields[f].offset, 2);
	expr_range(r, neq ? NFT_RANGE_NEQ : NFT_RANGE_EQ, &from, &to, 2);
	text_add(r, "arp %s %s%u-%u", arp_fields[f].text, neq_str(neq), lo, hi);
}

void stmt_arp_spa(struct stmt_rule *r, const uint8_t addr[4])
{
	char a[INET_ADDRSTRLEN];

	arp_load(r, fields[STMT_FIELD_ARP_SPA].offset, 4);
	expr_cmp(r, NFT_CMP_EQ, addr, 4);
	inet_ntop(AF_INET, addr, a, sizeof(a));
	text_add(r, "%s %s", fields[STMT_FIELD_ARP_SPA].text, a);
}

void stmt_th_bytes(struct stmt_rule *r, uint32_t offset, const uint8_t *v, uint32_t len)
{
	char h[2 * 16 + 3];

	if (len > 16) {
		r->oom = true;
		return;
	}
	expr_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, offset, len);
	expr_cmp(r, NFT_CMP_EQ, v, len);
	hex_str(v, len, h, sizeof(h));
	text_add(r, "@th,%u,%u %s", offset * 8, len * 8, h);
}

/* A mask as nft prints it: as an address for an address field, else in hex. */
static void mask_str(enum stmt_field f, const uint8_t *mask, char *buf, size_t size)
{
	if (fields[f].datatype == NFT_TYPE_IPADDR)
		inet_ntop(AF_INET, mask, buf, (socklen_t)size);
	else if (fields[f].datatype == NFT_TYPE_IP6ADDR)
		inet_ntop(AF_INET6, mask, buf, (socklen_t)size);
	else
		hex_str(mask, fields[f].len, buf, size);
}

void stmt_lookup(struct stmt_rule *r, const enum stmt_field *f, size_t n, const uint8_t *mask,
		 bool inv, const char *set)
{
	struct nftnl_expr *e;
	uint32_t off = 0, last = 0;
	char text[256], m[64];
	size_t o = 0;

	text[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		last = off;
		if (f[i] == STMT_FIELD_IIFNAME)
			expr_meta_to(r, NFT_META_IIFNAME, off);
		else
			expr_payload_to(r, fields[f[i]].base, fields[f[i]].offset, fields[f[i]].len,
					off);
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s%s", i ? " . " : "",
				      fields[f[i]].text);
		off += (fields[f[i]].len + 3) / 4 * 4;
	}
	if (mask && n > 0) {
		expr_mask_at(r, last, mask, fields[f[n - 1]].len);
		mask_str(f[n - 1], mask, m, sizeof(m));
		o += (size_t)snprintf(text + o, sizeof(text) - o, " & %s", m);
	}
	e = nftnl_expr_alloc("lookup");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		if (inv)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	}
	expr_add(r, e);
	if (o >= sizeof(text))
		r->oom = true;
	text_add(r, "%s%s%s@%s", text, o ? " " : "", neq_str(inv), set);
}

void stmt_counter(struct stmt_rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
	}
	expr_add(r, e);
	text_add(r, "counter name \"%s\"", name);
}

void stmt_objref_map(struct stmt_rule *r, uint32_t obj_type, const char *set)
{
	struct nftnl_expr *e;
	const char *what = obj_type == NFT_OBJECT_COUNTER ? "counter"
			   : obj_type == NFT_OBJECT_LIMIT ? "limit"
							  : NULL;

	if (!what) {
		r->oom = true;
		return;
	}
	expr_meta(r, NFT_META_IIFNAME);
	e = nftnl_expr_alloc("objref");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
	}
	expr_add(r, e);
	text_add(r, "%s name %s map @%s", what, fields[STMT_FIELD_IIFNAME].text, set);
}

void stmt_log(struct stmt_rule *r, const char *prefix, uint16_t group, uint32_t snaplen)
{
	struct nftnl_expr *e = nftnl_expr_alloc("log");

	if (e) {
		nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, prefix);
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, group);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_SNAPLEN, snaplen);
		/* each record at once: nfnetlink_log would hold up to 100 for
		 * up to a second, and a claim must be granted within the
		 * guest's DAD (ownership.c); the vif's limiter bounds them */
		nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_QTHRESHOLD, 1);
	}
	expr_add(r, e);
	text_add(r, "log prefix \"%s\" group %u snaplen %u queue-threshold 1", prefix, group,
		 snaplen);
}

void stmt_verdict(struct stmt_rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
		if (chain)
			nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	}
	expr_add(r, e);
	switch (verdict) {
	case NF_ACCEPT:
		text_add(r, "accept");
		break;
	case NF_DROP:
		text_add(r, "drop");
		break;
	case NFT_GOTO:
		text_add(r, "goto %s", chain);
		break;
	case NFT_JUMP:
		text_add(r, "jump %s", chain);
		break;
	case NFT_RETURN:
		text_add(r, "return");
		break;
	default:
		r->oom = true;
	}
}
