// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rule compilation.  Each match helper below appends the netlink expressions
 * of one nft statement to a rule AND its nft text, so the printed ruleset and
 * the bytes sent to the kernel come from the same place.  The expressions are
 * the ones nft itself generates for that text (checked with
 * `nft --debug=netlink`), including its protocol dependencies, so that
 * `nft list table bridge vifguard` shows readable rules.
 */
/* first: it pulls in net/if.h, which must precede the uapi headers */
#include "ruleset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

/* nft's datatype ids, stored as set key types so `nft list` prints the
 * elements as addresses and names (src/datatype.h in nftables). */
#define NFT_TYPE_VERDICT 1
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8
#define NFT_TYPE_IFNAME 41

#define ICMPV6_NS 135
#define ICMPV6_NA 136
#define ICMPV6_RA 134
#define ICMPV6_REDIRECT 137
#define ICMPV6_MLD_REPORT 131
#define ICMPV6_MLD2_REPORT 143

struct rule {
	struct nftnl_rule *nl;
	char text[1024];
	size_t len;
	bool oom;
};

void plan_init(struct plan *p, const char *table)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->table, sizeof(p->table), "%s", table);
}

static void op_free(struct plan_op *op)
{
	switch (op->obj) {
	case PLAN_TABLE:
		nftnl_table_free(op->nl);
		break;
	case PLAN_CHAIN:
		nftnl_chain_free(op->nl);
		break;
	case PLAN_SET:
	case PLAN_ELEMS:
		nftnl_set_free(op->nl);
		break;
	case PLAN_COUNTER:
		nftnl_obj_free(op->nl);
		break;
	case PLAN_RULE:
		nftnl_rule_free(op->nl);
		break;
	case _PLAN_OBJ_MAX:
		break;
	}
	free(op->text);
}

void plan_done(struct plan *p)
{
	for (size_t i = 0; i < p->n_ops; i++)
		op_free(&p->ops[i]);
	free(p->ops);
	p->ops = NULL;
	p->n_ops = p->n_alloc = 0;
}

/* Takes ownership of nl (and frees it on failure). */
static int plan_push(struct plan *p, bool del, enum plan_obj obj, void *nl, int owner,
		     const char *name, const char *text)
{
	struct plan_op *op;

	if (!nl)
		goto oom;
	if (p->n_ops == p->n_alloc) {
		size_t n = p->n_alloc ? p->n_alloc * 2 : 64;
		struct plan_op *ops = realloc(p->ops, n * sizeof(*ops));

		if (!ops)
			goto oom_free;
		p->ops = ops;
		p->n_alloc = n;
	}
	op = &p->ops[p->n_ops];
	memset(op, 0, sizeof(*op));
	op->del = del;
	op->obj = obj;
	op->nl = nl;
	op->owner = owner;
	snprintf(op->name, sizeof(op->name), "%s", name);
	if (text) {
		op->text = strdup(text);
		if (!op->text)
			goto oom_free;
	}
	p->n_ops++;
	return 0;

oom_free: {
	struct plan_op tmp = { .obj = obj, .nl = nl };
	op_free(&tmp);
}
oom:
	p->oom = true;
	return -ENOMEM;
}

/* ---- rule text and expressions ---- */

static void rule_printf(struct rule *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rule_printf(struct rule *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->text))
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n;
	if (r->len >= sizeof(r->text))
		r->oom = true; /* truncated text is a bug, reported as failure */
}

static void rule_add(struct rule *r, struct nftnl_expr *e)
{
	if (!e) {
		r->oom = true;
		return;
	}
	nftnl_rule_add_expr(r->nl, e);
}

static void e_payload(struct rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	rule_add(r, e);
}

static void e_meta(struct rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	rule_add(r, e);
}

static void e_cmp(struct rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	rule_add(r, e);
}

static void e_cmp_u8(struct rule *r, uint32_t op, uint8_t v)
{
	e_cmp(r, op, &v, 1);
}

static void e_cmp_be16(struct rule *r, uint32_t op, uint16_t v)
{
	uint16_t be = htons(v);

	e_cmp(r, op, &be, 2);
}

static void e_range(struct rule *r, uint32_t op, const void *from, const void *to, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("range");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_RANGE_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_FROM_DATA, from, len);
		nftnl_expr_set(e, NFTNL_EXPR_RANGE_TO_DATA, to, len);
	}
	rule_add(r, e);
}

static void e_bitwise(struct rule *r, const uint8_t *mask, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint8_t zero[16] = { 0 };

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	rule_add(r, e);
}

static void e_lookup(struct rule *r, const char *set, bool inv, bool vmap)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		if (vmap)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_DREG, NFT_REG_VERDICT);
		if (inv)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	}
	rule_add(r, e);
}

static void e_exthdr_present(struct rule *r, uint8_t type)
{
	struct nftnl_expr *e = nftnl_expr_alloc("exthdr");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_DREG, NFT_REG_1);
		nftnl_expr_set_u8(e, NFTNL_EXPR_EXTHDR_TYPE, type);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OFFSET, 0);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_LEN, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_FLAGS, NFT_EXTHDR_F_PRESENT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_EXTHDR_OP, NFT_EXTHDR_OP_IPV6);
	}
	rule_add(r, e);
}

static void e_counter_ref(struct rule *r, const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE, NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME, name);
	}
	rule_add(r, e);
	rule_printf(r, "counter name \"%s\" ", name);
}

static void e_verdict(struct rule *r, int verdict, const char *chain)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)verdict);
		if (chain)
			nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	}
	rule_add(r, e);
	switch (verdict) {
	case NF_ACCEPT:
		rule_printf(r, "accept");
		break;
	case NF_DROP:
		rule_printf(r, "drop");
		break;
	case NFT_GOTO:
		rule_printf(r, "goto %s", chain);
		break;
	default:
		r->oom = true;
	}
}

/* ---- nft statements ---- */

static const char *mac_str(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

/* ether saddr != MAC */
static void m_ether_saddr_neq(struct rule *r, const uint8_t mac[6])
{
	char b[18];

	e_payload(r, NFT_PAYLOAD_LL_HEADER, 6, 6);
	e_cmp(r, NFT_CMP_NEQ, mac, 6);
	rule_printf(r, "ether saddr != %s ", mac_str(mac, b));
}

/* ether type NAME */
static void m_ether_type(struct rule *r, uint16_t type, const char *name)
{
	e_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2);
	e_cmp_be16(r, NFT_CMP_EQ, type);
	rule_printf(r, "ether type %s ", name);
}

/* meta protocol, as nft adds it in front of ip/ip6 header matches */
static void dep_meta_protocol(struct rule *r, uint16_t proto)
{
	e_meta(r, NFT_META_PROTOCOL);
	e_cmp_be16(r, NFT_CMP_EQ, proto);
}

/* iifname "pattern" (a trailing '*' matches any suffix: compare the prefix) */
static void m_iifname(struct rule *r, const char *pattern)
{
	size_t n = strlen(pattern);
	char key[IFNAMSIZ] = { 0 };

	memcpy(key, pattern, n < IFNAMSIZ ? n : IFNAMSIZ - 1);
	e_meta(r, NFT_META_IIFNAME);
	if (n > 0 && pattern[n - 1] == '*')
		e_cmp(r, NFT_CMP_EQ, key, (uint32_t)(n - 1));
	else
		e_cmp(r, NFT_CMP_EQ, key, (uint32_t)n + 1);
	rule_printf(r, "iifname \"%s\" ", pattern);
}

/* arp <field> ..., each with nft's "ether type arp" dependency */
static void m_arp_field(struct rule *r, uint32_t offset, uint32_t len)
{
	e_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2);
	e_cmp_be16(r, NFT_CMP_EQ, ETHERTYPE_ARP);
	e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, offset, len);
}

/* meta l4proto P (nft's dependency for udp/icmpv6 header matches) */
static void dep_l4proto(struct rule *r, uint8_t proto)
{
	e_meta(r, NFT_META_L4PROTO);
	e_cmp_u8(r, NFT_CMP_EQ, proto);
}

/* icmpv6 type T, with nft's dependencies */
static void m_icmpv6_type(struct rule *r, uint8_t type, const char *name)
{
	e_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2);
	e_cmp_be16(r, NFT_CMP_EQ, ETHERTYPE_IPV6);
	dep_l4proto(r, IPPROTO_ICMPV6);
	e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1);
	e_cmp_u8(r, NFT_CMP_EQ, type);
	rule_printf(r, "icmpv6 type %s ", name);
}

/* ip6 nexthdr ipv6-icmp ip6 length N: nft merges both into one 3-byte load */
static void m_ip6_icmp_len(struct rule *r, uint16_t len)
{
	uint8_t v[3] = { (uint8_t)(len >> 8), (uint8_t)len, IPPROTO_ICMPV6 };

	dep_meta_protocol(r, ETHERTYPE_IPV6);
	e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 4, 3);
	e_cmp(r, NFT_CMP_EQ, v, 3);
	rule_printf(r, "ip6 nexthdr ipv6-icmp ip6 length %u ", len);
}

/* @th,OFF*8,LEN*8 VALUE (raw transport header bytes) */
static void m_th_bytes(struct rule *r, uint32_t offset, const uint8_t *v, uint32_t len)
{
	e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, offset, len);
	e_cmp(r, NFT_CMP_EQ, v, len);
	rule_printf(r, "@th,%u,%u 0x", offset * 8, len * 8);
	for (uint32_t i = 0; i < len; i++)
		rule_printf(r, "%02x", v[i]);
	rule_printf(r, " ");
}

/* The ND target field (16 bytes at offset 8 of the ICMPv6 header) within a
 * prefix.  nft 1.0.6 has no "icmpv6 taddr", so it is a raw match. */
static void m_nd_target(struct rule *r, const struct vif_addr *a)
{
	unsigned int bytes = (a->prefixlen + 7) / 8;
	uint8_t mask[16] = { 0 };

	if (a->prefixlen % 8 == 0) {
		m_th_bytes(r, 8, a->addr, bytes);
		return;
	}
	/* nft: load the whole bytes, mask the partial one, compare */
	for (unsigned int i = 0; i < bytes; i++)
		mask[i] = 0xff;
	mask[bytes - 1] = (uint8_t)(0xff << (8 - a->prefixlen % 8));
	e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 8, bytes);
	e_bitwise(r, mask, bytes);
	e_cmp(r, NFT_CMP_EQ, a->addr, bytes);
	rule_printf(r, "@th,64,%u & 0x", bytes * 8);
	for (unsigned int i = 0; i < bytes; i++)
		rule_printf(r, "%02x", mask[i]);
	rule_printf(r, " == 0x");
	for (unsigned int i = 0; i < bytes; i++)
		rule_printf(r, "%02x", a->addr[i]);
	rule_printf(r, " ");
}

/* ---- objects ---- */

static struct nftnl_table *table_new(const char *name)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t) {
		nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_BRIDGE);
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	}
	return t;
}

static struct nftnl_chain *chain_new(const char *table, const char *name)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	if (c) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_BRIDGE);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	}
	return c;
}

static struct nftnl_set *set_new(struct plan *p, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s) {
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_BRIDGE);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, p->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_set_u32(s, NFTNL_SET_ID, ++p->next_set_id);
	}
	return s;
}

/* Tell nft the key is a host-order string (what it records for ifname keys),
 * or it prints the interface names as empty strings. */
static void set_key_host_order(struct nftnl_set *s)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(64);

	if (!ud)
		return; /* cosmetic only */
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* BYTEORDER_HOST_ENDIAN */);
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

static struct nftnl_obj *counter_new(const char *table, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (o) {
		nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_BRIDGE);
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	}
	return o;
}

static int rule_begin(struct plan *p, struct rule *r, const char *chain)
{
	memset(r, 0, sizeof(*r));
	r->nl = nftnl_rule_alloc();
	if (!r->nl)
		return -ENOMEM;
	nftnl_rule_set_u32(r->nl, NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
	nftnl_rule_set_str(r->nl, NFTNL_RULE_TABLE, p->table);
	nftnl_rule_set_str(r->nl, NFTNL_RULE_CHAIN, chain);
	return 0;
}

static int rule_end(struct plan *p, struct rule *r, int owner, const char *chain)
{
	if (r->oom) {
		nftnl_rule_free(r->nl);
		p->oom = true;
		return -ENOMEM;
	}
	return plan_push(p, false, PLAN_RULE, r->nl, owner, chain, r->text);
}

/* ---- address intervals ---- */

struct interval {
	uint8_t start[16];
	uint8_t end[16]; /* exclusive */
	bool open_end; /* runs to the end of the address space */
};

/* a += 2^(bits - prefixlen) in a big-endian number of `bytes`; true on overflow */
static bool add_block(uint8_t *a, unsigned int bytes, unsigned int prefixlen)
{
	unsigned int bit = bytes * 8 - prefixlen; /* add 1 << bit */
	int i = (int)bytes - 1 - (int)(bit / 8);
	unsigned int carry = 1u << (bit % 8);

	if (prefixlen == 0)
		return true;
	for (; i >= 0 && carry; i--) {
		unsigned int v = a[i] + carry;

		a[i] = (uint8_t)v;
		carry = v >> 8;
	}
	return carry != 0;
}

static int interval_cmp(const void *x, const void *y)
{
	return memcmp(((const struct interval *)x)->start, ((const struct interval *)y)->start,
		      16);
}

/* Sorted, merged intervals of the vif's addresses of one family. */
static size_t intervals_of(const struct vif_addr *addrs, size_t n, int family,
			   struct interval *out)
{
	unsigned int bytes = family == AF_INET ? 4 : 16;
	size_t k = 0, m = 0;

	for (size_t i = 0; i < n; i++) {
		if (addrs[i].family != family)
			continue;
		memset(&out[k], 0, sizeof(out[k]));
		memcpy(out[k].start, addrs[i].addr, bytes);
		memcpy(out[k].end, addrs[i].addr, bytes);
		out[k].open_end = add_block(out[k].end, bytes, addrs[i].prefixlen);
		k++;
	}
	if (k == 0)
		return 0;
	qsort(out, k, sizeof(*out), interval_cmp);
	for (size_t i = 1; i < k; i++) {
		struct interval *last = &out[m];

		if (last->open_end || memcmp(out[i].start, last->end, bytes) <= 0) {
			/* overlapping or adjacent: extend */
			if (out[i].open_end)
				last->open_end = true;
			else if (!last->open_end && memcmp(out[i].end, last->end, bytes) > 0)
				memcpy(last->end, out[i].end, bytes);
		} else {
			out[++m] = out[i];
		}
	}
	return m + 1;
}

/* Print an interval as nft does: address, prefix or range. */
static void interval_print(const struct interval *iv, int family, char *buf, size_t len)
{
	unsigned int bytes = family == AF_INET ? 4 : 16;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint8_t last[16];
	unsigned int plen;

	/* Is it a prefix?  Try every length from the longest. */
	for (plen = bytes * 8; plen > 0; plen--) {
		uint8_t e[16];
		bool aligned = true;

		memcpy(e, iv->start, bytes);
		/* start must have no bits below the prefix */
		for (unsigned int bit = plen; bit < bytes * 8; bit++)
			if (iv->start[bit / 8] & (0x80 >> (bit % 8)))
				aligned = false;
		if (!aligned)
			continue;
		bool ovf = add_block(e, bytes, plen);

		if (ovf == iv->open_end && (ovf || memcmp(e, iv->end, bytes) == 0))
			break;
	}
	inet_ntop(family, iv->start, a, sizeof(a));
	if (plen == bytes * 8) {
		snprintf(buf, len, "%s", a);
		return;
	}
	if (plen > 0) {
		snprintf(buf, len, "%s/%u", a, plen);
		return;
	}
	/* a range: last = end - 1, or all-ones for an open end */
	if (iv->open_end) {
		memset(last, 0xff, bytes);
	} else {
		memcpy(last, iv->end, bytes);
		for (int i = (int)bytes - 1; i >= 0; i--)
			if (last[i]-- != 0)
				break;
	}
	inet_ntop(family, last, b, sizeof(b));
	snprintf(buf, len, "%s-%s", a, b);
}

static int elem_add(struct nftnl_set *s, const void *key, uint32_t len, bool end)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (!e)
		return -ENOMEM;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
	return 0;
}

/* A per-vif address set (interval) and, if non-empty, its elements. */
static int addr_set_add(struct plan *p, const char *name, int family, const struct vif_addr *addrs,
			size_t n, int owner)
{
	unsigned int bytes = family == AF_INET ? 4 : 16;
	struct interval iv[VIF_ADDRS_MAX + 1];
	struct nftnl_set *s, *es;
	size_t k = intervals_of(addrs, n, family, iv);
	char text[VIF_ADDRS_MAX * (2 * INET6_ADDRSTRLEN + 4) + 64];
	size_t tl = 0;
	uint8_t zero[16] = { 0 };
	int r;

	s = set_new(p, name);
	if (s) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE,
				  family == AF_INET ? NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, bytes);
	}
	r = plan_push(p, false, PLAN_SET, s, owner, name,
		      family == AF_INET ? "type ipv4_addr\nflags interval" :
					  "type ipv6_addr\nflags interval");
	if (r < 0 || k == 0)
		return r;

	es = set_new(p, name);
	if (!es)
		return plan_push(p, false, PLAN_ELEMS, NULL, owner, name, NULL);
	/* Like nft, open with an interval end at 0 unless the first interval
	 * starts there: the rbtree needs to know where "not in set" begins. */
	if (memcmp(iv[0].start, zero, bytes) != 0)
		r = elem_add(es, zero, bytes, true);
	for (size_t i = 0; i < k && r == 0; i++) {
		char buf[2 * INET6_ADDRSTRLEN + 4];

		r = elem_add(es, iv[i].start, bytes, false);
		if (r == 0 && !iv[i].open_end)
			r = elem_add(es, iv[i].end, bytes, true);
		interval_print(&iv[i], family, buf, sizeof(buf));
		tl += (size_t)snprintf(text + tl, sizeof(text) - tl, "%s%s", i ? ", " : "", buf);
	}
	if (r < 0) {
		nftnl_set_free(es);
		p->oom = true;
		return r;
	}
	return plan_push(p, false, PLAN_ELEMS, es, owner, name, text);
}

/* ---- the table ---- */

static const char *const base_chains[] = { "prerouting", "input" };

static int table_add(const struct policy *pol, struct plan *p)
{
	struct nftnl_set *s;
	struct rule r;
	int ret;

	ret = plan_push(p, false, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	if (ret < 0)
		return ret;
	ret = plan_push(p, false, PLAN_COUNTER, counter_new(p->table, "fail-closed"), -1,
			"fail-closed", NULL);
	if (ret < 0)
		return ret;

	s = set_new(p, "ports");
	if (s) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_MAP);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, NFT_TYPE_IFNAME);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, IFNAMSIZ);
		nftnl_set_set_u32(s, NFTNL_SET_DATA_TYPE, NFT_DATA_VERDICT);
		set_key_host_order(s);
	}
	ret = plan_push(p, false, PLAN_SET, s, -1, "ports", "type ifname : verdict");
	if (ret < 0)
		return ret;

	for (size_t i = 0; i < 2; i++) {
		struct nftnl_chain *c = chain_new(p->table, base_chains[i]);
		char hdr[128];

		if (c) {
			nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM,
					    i == 0 ? NF_BR_PRE_ROUTING : NF_BR_LOCAL_IN);
			nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, pol->priority);
			nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
			nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		}
		snprintf(hdr, sizeof(hdr), "type filter hook %s priority %d; policy accept;",
			 base_chains[i], pol->priority);
		ret = plan_push(p, false, PLAN_CHAIN, c, -1, base_chains[i], hdr);
		if (ret < 0)
			return ret;
	}

	for (size_t i = 0; i < 2; i++) {
		/* iifname vmap @ports: a known guest port goes to its vif's chain */
		if (rule_begin(p, &r, base_chains[i]) < 0)
			return -ENOMEM;
		e_meta(&r, NFT_META_IIFNAME);
		e_lookup(&r, "ports", false, true);
		rule_printf(&r, "iifname vmap @ports");
		ret = rule_end(p, &r, -1, base_chains[i]);
		if (ret < 0)
			return ret;

		/* Fail-closed: a guest port we have no rules for drops everything
		 * (a new vif between netback creating it and us learning of it). */
		for (size_t k = 0; k < pol->n_port_patterns; k++) {
			if (rule_begin(p, &r, base_chains[i]) < 0)
				return -ENOMEM;
			m_iifname(&r, pol->port_patterns[k]);
			e_counter_ref(&r, "fail-closed");
			e_verdict(&r, NF_DROP, NULL);
			ret = rule_end(p, &r, -1, base_chains[i]);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/* ---- one vif ---- */

enum vif_chain {
	VC_MAIN,
	VC_ARP,
	VC_IP,
	VC_IP6,
	VC_DAD,
	VC_NA,
	VC_NS,
	VC_ND,
	VC_DROP, /* last: every other chain jumps to it */
	_VC_MAX,
};

/* Deletion must follow this order: a chain can only go once nothing jumps
 * to it, and deleting a chain releases the jumps of its rules. */
static const char *const vc_suffix[_VC_MAX] = {
	[VC_MAIN] = "", [VC_ARP] = "-arp", [VC_IP] = "-ip",  [VC_IP6] = "-ip6",
	[VC_DAD] = "-dad", [VC_NA] = "-na",  [VC_NS] = "-ns", [VC_ND] = "-nd",
	[VC_DROP] = "-drop",
};

void ruleset_vif_id(const struct vif *v, char *buf, size_t len)
{
	snprintf(buf, len, "vif%u.%u", v->domid, v->devid);
}

struct vif_ctx {
	struct plan *p;
	const struct policy *pol;
	const struct vif *v;
	int owner;
	char id[32];
	char chain[_VC_MAX][48];
	char set4[48];
	char set6[48];
};

/* A vif without an `ip` key under no-ip = mac-only: only the mac and the
 * router/server checks apply, any address is allowed. */
static bool is_mac_only(const struct vif_ctx *c)
{
	return !c->v->has_ip && c->pol->no_ip == POLICY_NO_IP_MAC_ONLY;
}

/* Start a rule in one of the vif's chains. */
static int vr_begin(struct vif_ctx *c, struct rule *r, enum vif_chain ch)
{
	return rule_begin(c->p, r, c->chain[ch]);
}

static int vr_end(struct vif_ctx *c, struct rule *r, enum vif_chain ch)
{
	return rule_end(c->p, r, c->owner, c->chain[ch]);
}

/* "... counter name <vif> drop" */
static int vr_drop(struct vif_ctx *c, struct rule *r, enum vif_chain ch)
{
	e_verdict(r, NFT_GOTO, c->chain[VC_DROP]);
	return vr_end(c, r, ch);
}

/*
 * Every drop of the vif ends here: a rate-limited copy of the frame to the
 * daemon (nfnetlink_log), for the journal's "who tried what", then the
 * vif's counter and the drop.  The limit keeps a flooding guest from
 * flooding the daemon; the drop itself never depends on it.
 */
static int vif_drop_chain(struct vif_ctx *c)
{
	struct nftnl_expr *e;
	struct rule r;

	if (c->pol->log_group >= 0) {
		if (vr_begin(c, &r, VC_DROP) < 0)
			return -ENOMEM;
		e = nftnl_expr_alloc("limit");
		if (e) {
			nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, c->pol->log_kernel_rate);
			nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
			nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, c->pol->log_kernel_rate);
			nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
			nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
		}
		rule_add(&r, e);
		rule_printf(&r, "limit rate %u/second burst %u packets ", c->pol->log_kernel_rate,
			    c->pol->log_kernel_rate);
		e = nftnl_expr_alloc("log");
		if (e) {
			nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, c->id);
			nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, (uint16_t)c->pol->log_group);
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_SNAPLEN, 256);
		}
		rule_add(&r, e);
		rule_printf(&r, "log prefix \"%s\" group %d snaplen 256", c->id, c->pol->log_group);
		if (vr_end(c, &r, VC_DROP) < 0)
			return -ENOMEM;
	}
	if (vr_begin(c, &r, VC_DROP) < 0)
		return -ENOMEM;
	e_counter_ref(&r, c->id);
	e_verdict(&r, NF_DROP, NULL);
	return vr_end(c, &r, VC_DROP);
}

/* A rule that only drops: "counter name <vif> drop". */
static int vr_final_drop(struct vif_ctx *c, enum vif_chain ch)
{
	struct rule r;

	if (vr_begin(c, &r, ch) < 0)
		return -ENOMEM;
	return vr_drop(c, &r, ch);
}

static int vif_main_chain(struct vif_ctx *c)
{
	static const struct {
		uint16_t type;
		const char *name;
		enum vif_chain to;
	} types[] = {
		{ ETHERTYPE_IP, "ip", VC_IP },
		{ ETHERTYPE_ARP, "arp", VC_ARP },
		{ ETHERTYPE_IPV6, "ip6", VC_IP6 },
	};
	struct rule r;
	int ret;

	/* ether saddr != MAC drop: nothing from this port may use another mac */
	if (vr_begin(c, &r, VC_MAIN) < 0)
		return -ENOMEM;
	m_ether_saddr_neq(&r, c->v->mac);
	ret = vr_drop(c, &r, VC_MAIN);
	/* Dispatch on the Ethernet type as on the wire: nft rebuilds VLAN tags
	 * the NIC or veth stripped, so 802.1Q/802.1ad frames show 0x8100/0x88a8
	 * here and fall through to the final drop. */
	for (size_t i = 0; i < 3 && ret == 0; i++) {
		if (vr_begin(c, &r, VC_MAIN) < 0)
			return -ENOMEM;
		m_ether_type(&r, types[i].type, types[i].name);
		e_verdict(&r, NFT_GOTO, c->chain[types[i].to]);
		ret = vr_end(c, &r, VC_MAIN);
	}
	return ret ?: vr_final_drop(c, VC_MAIN);
}

static int vif_arp_chain(struct vif_ctx *c)
{
	static const struct {
		uint32_t off, len;
		uint16_t val;
		const char *text;
	} fixed[] = {
		/* Ethernet/IPv4 ARP only: anything else is not ARP the guest needs */
		{ 0, 2, 1, "arp htype != 1 " },
		{ 2, 2, ETHERTYPE_IP, "arp ptype != ip " },
		{ 4, 1, 6, "arp hlen != 6 " },
		{ 5, 1, 4, "arp plen != 4 " },
	};
	uint16_t op_lo = htons(1), op_hi = htons(2), zero16 = 0;
	uint8_t zero4[4] = { 0 };
	char b[18];
	struct rule r;
	int ret = 0;

	for (size_t i = 0; i < 4 && ret == 0; i++) {
		if (vr_begin(c, &r, VC_ARP) < 0)
			return -ENOMEM;
		m_arp_field(&r, fixed[i].off, fixed[i].len);
		if (fixed[i].len == 2)
			e_cmp_be16(&r, NFT_CMP_NEQ, fixed[i].val);
		else
			e_cmp_u8(&r, NFT_CMP_NEQ, (uint8_t)fixed[i].val);
		rule_printf(&r, "%s", fixed[i].text);
		ret = vr_drop(c, &r, VC_ARP);
	}
	if (ret)
		return ret;

	/* arp operation != 1-2 drop: requests and replies only */
	if (vr_begin(c, &r, VC_ARP) < 0)
		return -ENOMEM;
	m_arp_field(&r, 6, 2);
	e_range(&r, NFT_RANGE_NEQ, &op_lo, &op_hi, 2);
	rule_printf(&r, "arp operation != 1-2 ");
	if ((ret = vr_drop(c, &r, VC_ARP)))
		return ret;

	/* arp saddr ether != MAC drop */
	if (vr_begin(c, &r, VC_ARP) < 0)
		return -ENOMEM;
	m_arp_field(&r, 8, 6);
	e_cmp(&r, NFT_CMP_NEQ, c->v->mac, 6);
	rule_printf(&r, "arp saddr ether != %s ", mac_str(c->v->mac, b));
	if ((ret = vr_drop(c, &r, VC_ARP)))
		return ret;

	/* ARP probe (RFC 5227): a request with sender IP 0.0.0.0 claims nothing */
	(void)zero16;
	if (vr_begin(c, &r, VC_ARP) < 0)
		return -ENOMEM;
	m_arp_field(&r, 6, 2);
	e_cmp_be16(&r, NFT_CMP_EQ, 1);
	m_arp_field(&r, 14, 4);
	e_cmp(&r, NFT_CMP_EQ, zero4, 4);
	rule_printf(&r, "arp operation request arp saddr ip 0.0.0.0 ");
	e_verdict(&r, NF_ACCEPT, NULL);
	if ((ret = vr_end(c, &r, VC_ARP)))
		return ret;

	/* Requests are checked like replies: a gratuitous request poisons caches too. */
	if (vr_begin(c, &r, VC_ARP) < 0)
		return -ENOMEM;
	if (!is_mac_only(c)) {
		m_arp_field(&r, 14, 4);
		e_lookup(&r, c->set4, false, false);
		rule_printf(&r, "arp saddr ip @%s ", c->set4);
	}
	e_verdict(&r, NF_ACCEPT, NULL);
	if ((ret = vr_end(c, &r, VC_ARP)))
		return ret;
	return vr_final_drop(c, VC_ARP);
}

/* meta l4proto 0-255 accept: matches whenever nf_tables could parse the
 * header chain; what it could not parse falls through to the drop. */
static int vr_accept_parsed(struct vif_ctx *c, enum vif_chain ch)
{
	uint8_t lo = 0, hi = 255;
	struct rule r;

	if (vr_begin(c, &r, ch) < 0)
		return -ENOMEM;
	e_meta(&r, NFT_META_L4PROTO);
	e_cmp(&r, NFT_CMP_GTE, &lo, 1);
	e_cmp(&r, NFT_CMP_LTE, &hi, 1);
	rule_printf(&r, "meta l4proto 0-255 ");
	e_verdict(&r, NF_ACCEPT, NULL);
	return vr_end(c, &r, ch);
}

static int vif_ip_chain(struct vif_ctx *c)
{
	uint8_t dhcp_addrs[8] = { 0, 0, 0, 0, 255, 255, 255, 255 };
	uint8_t dhcp_ports[4] = { 0, 68, 0, 67 };
	bool mac_only = is_mac_only(c);
	struct rule r;
	int ret;

	/* udp sport 67 drop: a guest is never a DHCP server */
	if (vr_begin(c, &r, VC_IP) < 0)
		return -ENOMEM;
	dep_l4proto(&r, IPPROTO_UDP);
	e_payload(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
	e_cmp_be16(&r, NFT_CMP_EQ, 67);
	rule_printf(&r, "udp sport 67 ");
	if ((ret = vr_drop(c, &r, VC_IP)))
		return ret;

	/* The DHCP client, exactly: 0.0.0.0:68 -> 255.255.255.255:67 */
	if (vr_begin(c, &r, VC_IP) < 0)
		return -ENOMEM;
	dep_meta_protocol(&r, ETHERTYPE_IP);
	e_payload(&r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
	e_cmp(&r, NFT_CMP_EQ, dhcp_addrs, 4);
	e_payload(&r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
	e_cmp(&r, NFT_CMP_EQ, dhcp_addrs + 4, 4);
	dep_l4proto(&r, IPPROTO_UDP);
	e_payload(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4);
	e_cmp(&r, NFT_CMP_EQ, dhcp_ports, 4);
	rule_printf(&r, "ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 ");
	e_verdict(&r, NF_ACCEPT, NULL);
	if ((ret = vr_end(c, &r, VC_IP)))
		return ret;

	if (!mac_only) {
		/* ip saddr != @allowed drop */
		if (vr_begin(c, &r, VC_IP) < 0)
			return -ENOMEM;
		dep_meta_protocol(&r, ETHERTYPE_IP);
		e_payload(&r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
		e_lookup(&r, c->set4, true, false);
		rule_printf(&r, "ip saddr != @%s ", c->set4);
		if ((ret = vr_drop(c, &r, VC_IP)))
			return ret;
	}
	return vr_accept_parsed(c, VC_IP) ?: vr_final_drop(c, VC_IP);
}

static int vif_ip6_chain(struct vif_ctx *c)
{
	static const struct {
		uint8_t type;
		const char *name;
	} banned[] = {
		/* only routers advertise and redirect */
		{ ICMPV6_RA, "nd-router-advert" },
		{ ICMPV6_REDIRECT, "nd-redirect" },
	};
	bool mac_only = is_mac_only(c);
	uint8_t zero16[16] = { 0 };
	struct rule r;
	int ret = 0;

	/* Fragmented ICMPv6 drops (RFC 6980): the ND checks below must see
	 * the whole message, and a later fragment could carry what they miss. */
	if (vr_begin(c, &r, VC_IP6) < 0)
		return -ENOMEM;
	e_payload(&r, NFT_PAYLOAD_LL_HEADER, 12, 2);
	e_cmp_be16(&r, NFT_CMP_EQ, ETHERTYPE_IPV6);
	e_exthdr_present(&r, IPPROTO_FRAGMENT);
	e_cmp_u8(&r, NFT_CMP_EQ, 1);
	dep_l4proto(&r, IPPROTO_ICMPV6);
	rule_printf(&r, "exthdr frag exists meta l4proto ipv6-icmp ");
	if ((ret = vr_drop(c, &r, VC_IP6)))
		return ret;

	/* nf_tables stops its header walk at an AH header (l4proto 51), so
	 * an ND message behind one would never meet the checks below: AH
	 * drops (IPsec AH on IPv6 guests is given up for this). */
	if (vr_begin(c, &r, VC_IP6) < 0)
		return -ENOMEM;
	dep_l4proto(&r, IPPROTO_AH);
	rule_printf(&r, "meta l4proto ah ");
	if ((ret = vr_drop(c, &r, VC_IP6)))
		return ret;

	for (size_t i = 0; i < 2 && ret == 0; i++) {
		if (vr_begin(c, &r, VC_IP6) < 0)
			return -ENOMEM;
		m_icmpv6_type(&r, banned[i].type, banned[i].name);
		ret = vr_drop(c, &r, VC_IP6);
	}
	if (ret)
		return ret;

	/* udp sport 547 drop: a guest is never a DHCPv6 server or relay */
	if (vr_begin(c, &r, VC_IP6) < 0)
		return -ENOMEM;
	dep_l4proto(&r, IPPROTO_UDP);
	e_payload(&r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
	e_cmp_be16(&r, NFT_CMP_EQ, 547);
	rule_printf(&r, "udp sport 547 ");
	if ((ret = vr_drop(c, &r, VC_IP6)))
		return ret;

	/* ip6 saddr :: goto dad: only duplicate address detection and MLD */
	if (vr_begin(c, &r, VC_IP6) < 0)
		return -ENOMEM;
	dep_meta_protocol(&r, ETHERTYPE_IPV6);
	e_payload(&r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16);
	e_cmp(&r, NFT_CMP_EQ, zero16, 16);
	rule_printf(&r, "ip6 saddr :: ");
	e_verdict(&r, NFT_GOTO, c->chain[VC_DAD]);
	if ((ret = vr_end(c, &r, VC_IP6)))
		return ret;

	if (!mac_only) {
		if (vr_begin(c, &r, VC_IP6) < 0)
			return -ENOMEM;
		dep_meta_protocol(&r, ETHERTYPE_IPV6);
		e_payload(&r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16);
		e_lookup(&r, c->set6, true, false);
		rule_printf(&r, "ip6 saddr != @%s ", c->set6);
		if ((ret = vr_drop(c, &r, VC_IP6)))
			return ret;
	}

	if (vr_begin(c, &r, VC_IP6) < 0)
		return -ENOMEM;
	m_icmpv6_type(&r, ICMPV6_NA, "nd-neighbor-advert");
	e_verdict(&r, NFT_GOTO, c->chain[VC_NA]);
	if ((ret = vr_end(c, &r, VC_IP6)))
		return ret;

	if (vr_begin(c, &r, VC_IP6) < 0)
		return -ENOMEM;
	m_icmpv6_type(&r, ICMPV6_NS, "nd-neighbor-solicit");
	e_verdict(&r, NFT_GOTO, c->chain[VC_NS]);
	if ((ret = vr_end(c, &r, VC_IP6)))
		return ret;

	return vr_accept_parsed(c, VC_IP6) ?: vr_final_drop(c, VC_IP6);
}

/* Unspecified source: DAD neighbor solicitations for one of our own
 * addresses, and MLD reports; nothing else. */
static int vif_dad_chain(struct vif_ctx *c)
{
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	static const uint8_t nonce[2] = { 14, 1 };
	struct rule r;
	int ret;

	for (int with_nonce = 0; with_nonce <= 1; with_nonce++) {
		if (vr_begin(c, &r, VC_DAD) < 0)
			return -ENOMEM;
		m_icmpv6_type(&r, ICMPV6_NS, "nd-neighbor-solicit");
		/* ip6 daddr ff02::1:ff00:0/104 (solicited-node group) */
		e_payload(&r, NFT_PAYLOAD_NETWORK_HEADER, 24, 13);
		e_cmp(&r, NFT_CMP_EQ, snm, 13);
		rule_printf(&r, "ip6 daddr ff02::1:ff00:0/104 ");
		/* no options, or exactly one RFC 7527 nonce option; a source
		 * link-layer option is forbidden from :: (RFC 4861 7.1.1) */
		m_ip6_icmp_len(&r, with_nonce ? 32 : 24);
		if (with_nonce)
			m_th_bytes(&r, 24, nonce, 2);
		e_verdict(&r, NFT_GOTO, c->chain[VC_ND]);
		if ((ret = vr_end(c, &r, VC_DAD)))
			return ret;
	}
	for (int i = 0; i < 2; i++) {
		if (vr_begin(c, &r, VC_DAD) < 0)
			return -ENOMEM;
		if (i == 0)
			m_icmpv6_type(&r, ICMPV6_MLD_REPORT, "mld-listener-report");
		else
			m_icmpv6_type(&r, ICMPV6_MLD2_REPORT, "mld2-listener-report");
		e_verdict(&r, NF_ACCEPT, NULL);
		if ((ret = vr_end(c, &r, VC_DAD)))
			return ret;
	}
	return vr_final_drop(c, VC_DAD);
}

/* NS and NA from an allowed source.  Extension headers: ND messages must
 * come right after the fixed header (ip6 nexthdr ipv6-icmp), so the lengths
 * and option offsets below are exact; ND behind extension headers drops. */
static int vif_na_ns_chains(struct vif_ctx *c)
{
	uint8_t opt[8];
	struct rule r;
	int ret;

	/* NA: no option, or exactly one target link-layer option with our mac;
	 * then the target must be ours (-nd). */
	for (int with_opt = 0; with_opt <= 1; with_opt++) {
		if (vr_begin(c, &r, VC_NA) < 0)
			return -ENOMEM;
		m_ip6_icmp_len(&r, with_opt ? 32 : 24);
		if (with_opt) {
			opt[0] = 2; /* target link-layer address */
			opt[1] = 1;
			memcpy(opt + 2, c->v->mac, 6);
			m_th_bytes(&r, 24, opt, 8);
		}
		e_verdict(&r, NFT_GOTO, c->chain[VC_ND]);
		if ((ret = vr_end(c, &r, VC_NA)))
			return ret;
	}
	if ((ret = vr_final_drop(c, VC_NA)))
		return ret;

	/* NS: any target (resolving is fine), no option or exactly one source
	 * link-layer option with our mac. */
	for (int with_opt = 0; with_opt <= 1; with_opt++) {
		if (vr_begin(c, &r, VC_NS) < 0)
			return -ENOMEM;
		m_ip6_icmp_len(&r, with_opt ? 32 : 24);
		if (with_opt) {
			opt[0] = 1; /* source link-layer address */
			opt[1] = 1;
			memcpy(opt + 2, c->v->mac, 6);
			m_th_bytes(&r, 24, opt, 8);
		}
		e_verdict(&r, NF_ACCEPT, NULL);
		if ((ret = vr_end(c, &r, VC_NS)))
			return ret;
	}
	return vr_final_drop(c, VC_NS);
}

/* The ND target must be one of the vif's IPv6 allowances or its EUI-64
 * link-local address. */
static int vif_nd_chain(struct vif_ctx *c)
{
	struct vif_addr ll = { .family = AF_INET6, .prefixlen = 128 };
	struct rule r;
	int ret;

	vif_mac_to_eui64_ll(c->v->mac, ll.addr);
	if (is_mac_only(c)) {
		if (vr_begin(c, &r, VC_ND) < 0)
			return -ENOMEM;
		e_verdict(&r, NF_ACCEPT, NULL);
		return vr_end(c, &r, VC_ND);
	}
	for (size_t i = 0; i <= c->v->n_addrs; i++) {
		const struct vif_addr *a = i < c->v->n_addrs ? &c->v->addrs[i] : &ll;

		if (a->family != AF_INET6)
			continue;
		if (i < c->v->n_addrs && a->prefixlen == 128 && memcmp(a->addr, ll.addr, 16) == 0)
			continue; /* listed explicitly: the LL rule comes last anyway */
		if (vr_begin(c, &r, VC_ND) < 0)
			return -ENOMEM;
		m_nd_target(&r, a);
		e_verdict(&r, NF_ACCEPT, NULL);
		if ((ret = vr_end(c, &r, VC_ND)))
			return ret;
	}
	return vr_final_drop(c, VC_ND);
}

static void vif_ctx_init(struct vif_ctx *c, const struct policy *pol, const struct vif *v,
			 int owner, struct plan *p)
{
	memset(c, 0, sizeof(*c));
	c->p = p;
	c->pol = pol;
	c->v = v;
	c->owner = owner;
	ruleset_vif_id(v, c->id, sizeof(c->id));
	for (int i = 0; i < _VC_MAX; i++)
		snprintf(c->chain[i], sizeof(c->chain[i]), "%s%s", c->id, vc_suffix[i]);
	snprintf(c->set4, sizeof(c->set4), "%s-v4", c->id);
	snprintf(c->set6, sizeof(c->set6), "%s-v6", c->id);
}

/* The ports map elements of a vif: "<name>" (and "<name>-emu") : goto <id> */
static struct nftnl_set *ports_elems(struct vif_ctx *c, char *text, size_t len)
{
	const char *names[2] = { c->v->name, c->v->emu_name };
	struct nftnl_set *s = set_new(c->p, "ports");
	size_t tl = 0;

	if (!s)
		return NULL;
	text[0] = 0;
	for (int i = 0; i < 2; i++) {
		struct nftnl_set_elem *e;
		char key[IFNAMSIZ] = { 0 };

		if (!names[i][0])
			continue;
		e = nftnl_set_elem_alloc();
		if (!e) {
			nftnl_set_free(s);
			return NULL;
		}
		memcpy(key, names[i], strnlen(names[i], IFNAMSIZ - 1));
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, IFNAMSIZ);
		/* jump, not goto: a frame that meets a transaction can see this
		 * element of the next generation while it runs the rules of the
		 * previous one, in which a chain created by that transaction is
		 * still empty.  Falling off its end must come back here, to the
		 * fail-closed rules, not to the base chain's accept policy. */
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_VERDICT, NFT_JUMP);
		nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_CHAIN, c->chain[VC_MAIN]);
		nftnl_set_elem_add(s, e);
		tl += (size_t)snprintf(text + tl, len - tl, "%s\"%s\" : jump %s", tl ? ", " : "",
				       names[i], c->chain[VC_MAIN]);
	}
	return s;
}

int ruleset_vif_add(const struct policy *pol, const struct vif *v, int owner, struct plan *p)
{
	struct vif_ctx c;
	char text[128];
	int ret;

	vif_ctx_init(&c, pol, v, owner, p);
	ret = plan_push(p, false, PLAN_COUNTER, counter_new(p->table, c.id), owner, c.id, NULL);
	if (ret < 0)
		return ret;
	ret = addr_set_add(p, c.set4, AF_INET, v->addrs, v->n_addrs, owner);
	if (ret < 0)
		return ret;
	{
		/* the EUI-64 link-local address is allowed with any IPv6 config */
		struct vif_addr a6[VIF_ADDRS_MAX + 1];
		size_t n6 = 0;

		for (size_t i = 0; i < v->n_addrs; i++)
			if (v->addrs[i].family == AF_INET6)
				a6[n6++] = v->addrs[i];
		if (v->has_ip) {
			a6[n6] = (struct vif_addr){ .family = AF_INET6, .prefixlen = 128 };
			vif_mac_to_eui64_ll(v->mac, a6[n6].addr);
			n6++;
		}
		ret = addr_set_add(p, c.set6, AF_INET6, a6, n6, owner);
		if (ret < 0)
			return ret;
	}
	/* every chain first: rules and map elements jump to them */
	for (int i = 0; i < _VC_MAX; i++) {
		ret = plan_push(p, false, PLAN_CHAIN, chain_new(p->table, c.chain[i]), owner,
				c.chain[i], NULL);
		if (ret < 0)
			return ret;
	}
	ret = vif_main_chain(&c);
	ret = ret ?: vif_arp_chain(&c);
	ret = ret ?: vif_ip_chain(&c);
	ret = ret ?: vif_ip6_chain(&c);
	ret = ret ?: vif_dad_chain(&c);
	ret = ret ?: vif_na_ns_chains(&c);
	ret = ret ?: vif_nd_chain(&c);
	ret = ret ?: vif_drop_chain(&c);
	if (ret < 0)
		return ret;
	/* last: only now do the vif's ports leave the fail-closed rule */
	return plan_push(p, false, PLAN_ELEMS, ports_elems(&c, text, sizeof(text)), owner, "ports",
			 text);
}

int ruleset_vif_del(const struct policy *pol, const struct vif *v, int owner, struct plan *p)
{
	struct nftnl_set *s;
	struct vif_ctx c;
	char text[128];
	int ret;

	vif_ctx_init(&c, pol, v, owner, p);
	ret = plan_push(p, true, PLAN_ELEMS, ports_elems(&c, text, sizeof(text)), owner, "ports",
			text);
	for (int i = 0; i < _VC_MAX && ret == 0; i++)
		ret = plan_push(p, true, PLAN_CHAIN, chain_new(p->table, c.chain[i]), owner,
				c.chain[i], NULL);
	for (int i = 0; i < 2 && ret == 0; i++) {
		const char *name = i ? c.set6 : c.set4;

		s = nftnl_set_alloc();
		if (s) {
			nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_BRIDGE);
			nftnl_set_set_str(s, NFTNL_SET_TABLE, p->table);
			nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		}
		ret = plan_push(p, true, PLAN_SET, s, owner, name, NULL);
	}
	if (ret == 0)
		ret = plan_push(p, true, PLAN_COUNTER, counter_new(p->table, c.id), owner, c.id,
				NULL);
	return ret;
}

int ruleset_full(const struct policy *pol, const struct vif *vifs, size_t n, const bool *skip,
		 struct plan *p)
{
	int ret;

	/* create (no-op if present), delete, create: one transaction, no gap */
	ret = plan_push(p, false, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	ret = ret ?: plan_push(p, true, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	ret = ret ?: table_add(pol, p);
	for (size_t i = 0; i < n && ret == 0; i++)
		if (!skip || !skip[i])
			ret = ruleset_vif_add(pol, &vifs[i], (int)i, p);
	return ret;
}

/* ---- printer ---- */

static void print_set(FILE *f, const struct plan *p, size_t i)
{
	const struct plan_op *op = &p->ops[i];
	bool first = true;
	const char *kind = strstr(op->text ?: "", ":") ? "map" : "set";
	const char *t = op->text ?: "";

	fprintf(f, "\t%s %s {\n", kind, op->name);
	while (*t) {
		const char *nl = strchr(t, '\n');
		size_t n = nl ? (size_t)(nl - t) : strlen(t);

		fprintf(f, "\t\t%.*s\n", (int)n, t);
		t += n + (nl ? 1 : 0);
	}
	for (size_t k = i + 1; k < p->n_ops; k++) {
		const struct plan_op *e = &p->ops[k];

		if (e->del || e->obj != PLAN_ELEMS || strcmp(e->name, op->name) != 0 || !e->text)
			continue;
		fprintf(f, first ? "\t\telements = { %s" : ",\n\t\t\t     %s", e->text);
		first = false;
	}
	if (!first)
		fprintf(f, " }\n");
	fprintf(f, "\t}\n");
}

char *ruleset_print(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	size_t start = 0;
	FILE *f;

	/* print what the plan creates after its last table deletion */
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].del && p->ops[i].obj == PLAN_TABLE)
			start = i + 1;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "table bridge %s {\n", p->table);
	for (size_t i = start; i < p->n_ops; i++)
		if (!p->ops[i].del && p->ops[i].obj == PLAN_COUNTER)
			fprintf(f, "\tcounter %s {\n\t}\n", p->ops[i].name);
	for (size_t i = start; i < p->n_ops; i++)
		if (!p->ops[i].del && p->ops[i].obj == PLAN_SET) {
			fprintf(f, "\n");
			print_set(f, p, i);
		}
	for (size_t i = start; i < p->n_ops; i++) {
		const struct plan_op *op = &p->ops[i];

		if (op->del || op->obj != PLAN_CHAIN)
			continue;
		fprintf(f, "\n\tchain %s {\n", op->name);
		if (op->text)
			fprintf(f, "\t\t%s\n", op->text);
		for (size_t k = i + 1; k < p->n_ops; k++) {
			const struct plan_op *r = &p->ops[k];

			if (!r->del && r->obj == PLAN_RULE && strcmp(r->name, op->name) == 0)
				fprintf(f, "\t\t%s\n", r->text);
		}
		fprintf(f, "\t}\n");
	}
	fprintf(f, "}\n");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
