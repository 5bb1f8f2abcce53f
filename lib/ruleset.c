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
#include <inttypes.h>
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
#define NFT_TYPE_INTEGER 4
#define NFT_TYPE_ETHERADDR 9
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
	case PLAN_OBJECT:
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

struct plan_merge {
	char name[32];
	struct nftnl_set *s; /* NULL: nothing gathered since the last op */
	size_t n;
	char *text;
	size_t text_len;
};

static void merges_free(struct plan *p)
{
	for (size_t i = 0; i < p->n_merge; i++) {
		if (p->merge[i].s) /* nftnl_set_free() takes no NULL */
			nftnl_set_free(p->merge[i].s);
		free(p->merge[i].text);
	}
	free(p->merge);
	p->merge = NULL;
	p->n_merge = 0;
}

void plan_done(struct plan *p)
{
	for (size_t i = 0; i < p->n_ops; i++)
		op_free(&p->ops[i]);
	free(p->ops);
	p->ops = NULL;
	p->n_ops = p->n_alloc = 0;
	merges_free(p);
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
	if (text && !p->no_text) {
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

/* The register nft uses for a concatenation field at byte offset off:
 * the 16-byte name when aligned, else the 4-byte one (offset 0: NFT_REG_1,
 * where every single-value match loads). */
static uint32_t reg_at(uint32_t off)
{
	return off % 16 == 0 ? NFT_REG_1 + off / 16 : NFT_REG32_00 + off / 4;
}

static void e_payload_to(struct rule *r, uint32_t base, uint32_t offset, uint32_t len,
			 uint32_t dst_off)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, reg_at(dst_off));
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	}
	rule_add(r, e);
}

static void e_payload(struct rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	e_payload_to(r, base, offset, len, 0);
}

static void e_meta_to(struct rule *r, uint32_t key, uint32_t dst_off)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, reg_at(dst_off));
	}
	rule_add(r, e);
}

static void e_meta(struct rule *r, uint32_t key)
{
	e_meta_to(r, key, 0);
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
	case NFT_JUMP:
		rule_printf(r, "jump %s", chain);
		break;
	case NFT_RETURN:
		rule_printf(r, "return");
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

/* iifname [!=] "pattern" (a trailing '*' matches any suffix: compare the prefix) */
static void m_iifname(struct rule *r, bool neq, const char *pattern)
{
	uint32_t op = neq ? NFT_CMP_NEQ : NFT_CMP_EQ;
	size_t n = strlen(pattern);
	char key[IFNAMSIZ] = { 0 };

	memcpy(key, pattern, n < IFNAMSIZ ? n : IFNAMSIZ - 1);
	e_meta(r, NFT_META_IIFNAME);
	if (n > 0 && pattern[n - 1] == '*')
		e_cmp(r, op, key, (uint32_t)(n - 1));
	else
		e_cmp(r, op, key, (uint32_t)n + 1);
	rule_printf(r, "iifname %s\"%s\" ", neq ? "!= " : "", pattern);
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

/* ---- registers and lookups ---- */

/* reg(dst_off) &= mask (len bytes) */
static void e_mask_at(struct rule *r, uint32_t dst_off, const uint8_t *mask, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint8_t zero[16] = { 0 };

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, reg_at(dst_off));
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, reg_at(dst_off));
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	rule_add(r, e);
}

/* name of the set at NFT_REG_1 (a concatenation starting there) */
static void e_objref_map(struct rule *r, const char *set)
{
	struct nftnl_expr *e = nftnl_expr_alloc("objref");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_SET_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_SET_NAME, set);
	}
	rule_add(r, e);
}

/* The concatenation fields a lookup can start with.  Each loads into the
 * register after the previous one, as nft lays out a concatenation. */
enum field {
	F_IIFNAME, /* 16 */
	F_ETHER_SADDR, /* 6 (8) */
	F_IP_SADDR, /* 4 */
	F_IP6_SADDR, /* 16 */
	F_ARP_SHA, /* 6 (8) */
	F_ARP_SPA, /* 4 */
	F_ND_TARGET, /* 16: @th,64,128 */
	F_ND_OPT_LLA, /* 6 (8): @th,208,48 */
};

static const struct {
	uint32_t base, offset, len;
	const char *text;
} fields[] = {
	[F_IIFNAME] = { 0, 0, IFNAMSIZ, "iifname" },
	[F_ETHER_SADDR] = { NFT_PAYLOAD_LL_HEADER, 6, 6, "ether saddr" },
	[F_IP_SADDR] = { NFT_PAYLOAD_NETWORK_HEADER, 12, 4, "ip saddr" },
	[F_IP6_SADDR] = { NFT_PAYLOAD_NETWORK_HEADER, 8, 16, "ip6 saddr" },
	[F_ARP_SHA] = { NFT_PAYLOAD_NETWORK_HEADER, 8, 6, "arp saddr ether" },
	[F_ARP_SPA] = { NFT_PAYLOAD_NETWORK_HEADER, 14, 4, "arp saddr ip" },
	[F_ND_TARGET] = { NFT_PAYLOAD_TRANSPORT_HEADER, 8, 16, "@th,64,128" },
	[F_ND_OPT_LLA] = { NFT_PAYLOAD_TRANSPORT_HEADER, 26, 6, "@th,208,48" },
};

/*
 * "f1 . f2 ... [& MASK] [!=] @set": load the fields into consecutive
 * registers, optionally mask the last one (a prefix), look up.  The
 * protocol dependency (ether type) is the caller's.
 */
static void m_lookup(struct rule *r, const enum field *f, size_t n, const uint8_t *mask,
		     const char *mask_text, bool inv, const char *set)
{
	struct nftnl_expr *e;
	uint32_t off = 0, last = 0;

	for (size_t i = 0; i < n; i++) {
		last = off;
		if (f[i] == F_IIFNAME)
			e_meta_to(r, NFT_META_IIFNAME, off);
		else
			e_payload_to(r, fields[f[i]].base, fields[f[i]].offset, fields[f[i]].len,
				     off);
		rule_printf(r, "%s%s", i ? " . " : "", fields[f[i]].text);
		off += (fields[f[i]].len + 3) / 4 * 4;
	}
	if (mask) {
		e_mask_at(r, last, mask, fields[f[n - 1]].len);
		rule_printf(r, " & %s", mask_text);
	}
	e = nftnl_expr_alloc("lookup");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		if (inv)
			nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
	}
	rule_add(r, e);
	rule_printf(r, " %s@%s ", inv ? "!= " : "", set);
}

/* ---- the sets ---- */

/*
 * Every vif's state is elements of these sets (and two named objects):
 * adding, updating or removing a vif is element operations only, which
 * the kernel applies without revalidating any rule and without walking
 * per-vif objects by name.  Addresses with a prefix go into one hash set
 * per prefix length in use, looked up with the address masked.
 */
enum set_kind {
	S_PORTS, /* ifname: the vif's ports */
	S_MACS, /* ifname . ether_addr */
	S_OPT_LLA, /* iifname . @th,208,48: ND link-layer option = the mac */
	S_ANY_IP, /* ifname: mac-only ports (no address check) */
	S_V4, /* ifname . ether_addr . ipv4_addr: exact addresses */
	S_V6, /* ifname . ether_addr . ipv6_addr */
	S_ND6, /* iifname . @th,64,128: exact ND targets */
	S_COUNTERS, /* ifname : counter */
	S_LIMITS, /* ifname : limit (log rate) */
	S_V4_NET, /* ifname . ipv4_addr, one set per prefix length: v4-<len> */
	S_V6_NET, /* ifname . ipv6_addr: v6-<len> */
	S_ND6_NET, /* iifname . @th,64,128: nd6-<len> */
	_S_MAX,
};

static const struct {
	const char *name;
	uint32_t key_type;
	uint32_t key_len;
	const char *hdr; /* printed header */
	enum field typeof_raw; /* for typeof sets: the raw field after iifname */
	bool is_typeof;
	uint32_t obj_type; /* maps to objects */
} sets[_S_MAX] = {
#define T2(a, b) (((a) << 6) | (b))
#define T3(a, b, c) (((((a) << 6) | (b)) << 6) | (c))
	[S_PORTS] = { "ports", NFT_TYPE_IFNAME, 16, "type ifname", 0, false, 0 },
	[S_MACS] = { "macs", T2(NFT_TYPE_IFNAME, NFT_TYPE_ETHERADDR), 24,
		     "type ifname . ether_addr", 0, false, 0 },
	[S_OPT_LLA] = { "opt-lla", T2(NFT_TYPE_IFNAME, NFT_TYPE_INTEGER), 24,
			"typeof iifname . @th,208,48", F_ND_OPT_LLA, true, 0 },
	[S_ANY_IP] = { "any-ip", NFT_TYPE_IFNAME, 16, "type ifname", 0, false, 0 },
	[S_V4] = { "v4", T3(NFT_TYPE_IFNAME, NFT_TYPE_ETHERADDR, NFT_TYPE_IPADDR), 28,
		   "type ifname . ether_addr . ipv4_addr", 0, false, 0 },
	[S_V6] = { "v6", T3(NFT_TYPE_IFNAME, NFT_TYPE_ETHERADDR, NFT_TYPE_IP6ADDR), 40,
		   "type ifname . ether_addr . ipv6_addr", 0, false, 0 },
	[S_ND6] = { "nd6", T2(NFT_TYPE_IFNAME, NFT_TYPE_INTEGER), 32,
		    "typeof iifname . @th,64,128", F_ND_TARGET, true, 0 },
	[S_COUNTERS] = { "port-counters", NFT_TYPE_IFNAME, 16, "type ifname : counter", 0, false,
			 NFT_OBJECT_COUNTER },
	[S_LIMITS] = { "port-limits", NFT_TYPE_IFNAME, 16, "type ifname : limit", 0, false,
		       NFT_OBJECT_LIMIT },
	[S_V4_NET] = { "v4", T2(NFT_TYPE_IFNAME, NFT_TYPE_IPADDR), 20, "type ifname . ipv4_addr",
		       0, false, 0 },
	[S_V6_NET] = { "v6", T2(NFT_TYPE_IFNAME, NFT_TYPE_IP6ADDR), 32,
		       "type ifname . ipv6_addr", 0, false, 0 },
	[S_ND6_NET] = { "nd6", T2(NFT_TYPE_IFNAME, NFT_TYPE_INTEGER), 32,
			"typeof iifname . @th,64,128", F_ND_TARGET, true, 0 },
#undef T2
#undef T3
};

static void set_name(enum set_kind k, unsigned int plen, char *buf, size_t len)
{
	if (k >= S_V4_NET)
		snprintf(buf, len, "%s-%u", sets[k].name, plen);
	else
		snprintf(buf, len, "%s", sets[k].name);
}

/* The user data nft stores with a set, so `nft list` prints its keys and
 * elements as it would its own (nftables' src/mnl.c and src/expression.c:
 * key byte order, and for concatenations the "typeof" description). */
static void set_udata(struct nftnl_set *s, enum set_kind k)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(256);
	struct nftnl_udata *outer, *data, *sub, *inner;

	if (!ud)
		return; /* cosmetic only */
	if (sets[k].key_len == IFNAMSIZ) {
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* host */);
		if (sets[k].obj_type)
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
		goto out;
	}
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 0);
	outer = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_KEY_TYPEOF);
	nftnl_udata_put_u32(ud, 0 /* expression type */, 13 /* concatenation */);
	data = nftnl_udata_nest_start(ud, 1 /* its description */);
	if (sets[k].is_typeof) {
		/* iifname: a meta expression (9) and its key */
		sub = nftnl_udata_nest_start(ud, 0);
		nftnl_udata_put_u32(ud, 0, 9);
		inner = nftnl_udata_nest_start(ud, 1);
		nftnl_udata_put_u32(ud, 0, NFT_META_IIFNAME);
		nftnl_udata_nest_end(ud, inner);
		nftnl_udata_nest_end(ud, sub);
		/* the raw field: a payload expression (7) of no protocol */
		sub = nftnl_udata_nest_start(ud, 1);
		nftnl_udata_put_u32(ud, 0, 7);
		inner = nftnl_udata_nest_start(ud, 1);
		nftnl_udata_put_u32(ud, 0, 0);
		nftnl_udata_put_u32(ud, 1, 0);
		nftnl_udata_put_u32(ud, 2, 3 /* transport header */);
		nftnl_udata_put_u32(ud, 3, fields[sets[k].typeof_raw].offset * 8);
		nftnl_udata_put_u32(ud, 4, fields[sets[k].typeof_raw].len * 8);
		nftnl_udata_nest_end(ud, inner);
		nftnl_udata_nest_end(ud, sub);
	}
	nftnl_udata_nest_end(ud, data);
	nftnl_udata_nest_end(ud, outer);
out:
	nftnl_set_set_data(s, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
			   nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
}

static struct nftnl_set *set_create(struct plan *p, enum set_kind k, const char *name)
{
	struct nftnl_set *s = set_new(p, name);

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, sets[k].key_type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, sets[k].key_len);
	if (sets[k].obj_type) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_OBJECT);
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, sets[k].obj_type);
	} else {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, 0);
	}
	set_udata(s, k);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, p->set_size_min ?: PLAN_SET_SIZE_MIN);
	return s;
}

/* A set's printed header: its type and its size. */
static void set_text(enum set_kind k, uint32_t size, char *buf, size_t len)
{
	snprintf(buf, len, "%s\nsize %" PRIu32, sets[k].hdr, size);
}

static int set_add(struct plan *p, enum set_kind k, unsigned int plen)
{
	char name[32], text[128];

	set_name(k, plen, name, sizeof(name));
	set_text(k, p->set_size_min ?: PLAN_SET_SIZE_MIN, text, sizeof(text));
	return plan_push(p, false, PLAN_SET, set_create(p, k, name), -1, name, text);
}

static int set_del(struct plan *p, enum set_kind k, unsigned int plen)
{
	struct nftnl_set *s = nftnl_set_alloc();
	char name[32];

	set_name(k, plen, name, sizeof(name));
	if (s) {
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_BRIDGE);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, p->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	}
	return plan_push(p, true, PLAN_SET, s, -1, name, NULL);
}

/* ---- prefix lengths in use ---- */

static bool bit_get(const uint8_t *b, unsigned int i)
{
	return b[i / 8] & (1u << (i % 8));
}

static void bit_set(uint8_t *b, unsigned int i)
{
	b[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* A vif without an `ip` key under no-ip = mac-only: only the mac and the
 * router/server checks apply, any address is allowed. */
static bool is_mac_only(const struct policy *pol, const struct vif *v)
{
	return !v->has_ip && pol->no_ip == POLICY_NO_IP_MAC_ONLY;
}

void ruleset_shape_add(const struct policy *pol, struct ruleset_shape *s, const struct vif *v)
{
	if (is_mac_only(pol, v))
		return;
	for (size_t i = 0; i < v->n_addrs; i++) {
		const struct vif_addr *a = &v->addrs[i];

		if (a->family == AF_INET && a->prefixlen < 32)
			bit_set(s->v4, a->prefixlen);
		else if (a->family == AF_INET6 && a->prefixlen < 128)
			bit_set(s->v6, a->prefixlen);
	}
}

/* ---- the fixed chains ---- */

#define CH_DROP "guest-drop"

static void prefix_mask(unsigned int bytes, unsigned int plen, uint8_t *mask)
{
	memset(mask, 0, bytes);
	for (unsigned int bit = 0; bit < plen; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
}

/* nft prints the mask of an address as an address (of a raw field: mask_hex) */
static void mask_text(int family, const uint8_t *mask, char *buf, size_t len)
{
	inet_ntop(family, mask, buf, (socklen_t)len);
}

static void mask_hex(const uint8_t *mask, unsigned int bytes, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "0x");

	for (unsigned int i = 0; i < bytes && o + 2 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", mask[i]);
}

/* A lookup rule: [ether type T] f1 . f2 ... [& mask] @set VERDICT [chain] */
static int rule_lookup(struct plan *p, const char *chain, uint16_t etype, const char *etname,
		       const enum field *f, size_t n, const uint8_t *mask, const char *mtext,
		       bool inv, const char *set, int verdict, const char *to)
{
	struct rule r;

	if (rule_begin(p, &r, chain) < 0)
		return -ENOMEM;
	if (etype)
		m_ether_type(&r, etype, etname);
	m_lookup(&r, f, n, mask, mtext, inv, set);
	e_verdict(&r, verdict, to);
	return rule_end(p, &r, -1, chain);
}

/* A rule with only a verdict. */
static int rule_verdict(struct plan *p, const char *chain, int verdict, const char *to)
{
	struct rule r;

	if (rule_begin(p, &r, chain) < 0)
		return -ENOMEM;
	e_verdict(&r, verdict, to);
	return rule_end(p, &r, -1, chain);
}

/* The source check chains: return if the address is the vif's, else drop.
 * One rule per prefix length in use (longest first), then the mac-only
 * ports, then the exact addresses. */
enum src_chain { SRC_IP, SRC_ARP, SRC_IP6, SRC_ND, _SRC_MAX };

static const struct {
	const char *name;
	int family;
	enum set_kind net, exact;
	enum field field;
	uint16_t etype;
	const char *etname;
} src_chains[_SRC_MAX] = {
	[SRC_IP] = { "src-ip", AF_INET, S_V4_NET, S_V4, F_IP_SADDR, ETHERTYPE_IP, "ip" },
	[SRC_ARP] = { "src-arp", AF_INET, S_V4_NET, S_V4, F_ARP_SPA, ETHERTYPE_ARP, "arp" },
	[SRC_IP6] = { "src-ip6", AF_INET6, S_V6_NET, S_V6, F_IP6_SADDR, ETHERTYPE_IPV6, "ip6" },
	[SRC_ND] = { "nd-target", AF_INET6, S_ND6_NET, S_ND6, F_ND_TARGET, 0, NULL },
};

static int src_chain_rules(struct plan *p, enum src_chain c, const struct ruleset_shape *sh)
{
	unsigned int bits = src_chains[c].family == AF_INET ? 32 : 128;
	const uint8_t *used = src_chains[c].family == AF_INET ? sh->v4 : sh->v6;
	enum field f[3] = { F_IIFNAME, src_chains[c].field };
	int ret;

	for (unsigned int plen = bits; plen-- > 0;) {
		uint8_t mask[16];
		char set[32], mt[64];

		if (!bit_get(used, plen))
			continue;
		prefix_mask(bits / 8, plen, mask);
		if (c == SRC_ND)
			mask_hex(mask, 16, mt, sizeof(mt));
		else
			mask_text(src_chains[c].family, mask, mt, sizeof(mt));
		set_name(src_chains[c].net, plen, set, sizeof(set));
		ret = rule_lookup(p, src_chains[c].name, src_chains[c].etype, src_chains[c].etname,
				  f, 2, mask, mt, false, set, NFT_RETURN, NULL);
		if (ret < 0)
			return ret;
	}
	/* iifname @any-ip return */
	ret = rule_lookup(p, src_chains[c].name, 0, NULL, f, 1, NULL, NULL, false,
			  sets[S_ANY_IP].name, NFT_RETURN, NULL);
	if (ret < 0)
		return ret;
	if (c == SRC_ND) {
		f[1] = F_ND_TARGET;
		ret = rule_lookup(p, src_chains[c].name, 0, NULL, f, 2, NULL, NULL, false,
				  sets[S_ND6].name, NFT_RETURN, NULL);
	} else {
		/* with the mac: the ARP sender's, else the frame's */
		f[1] = c == SRC_ARP ? F_ARP_SHA : F_ETHER_SADDR;
		f[2] = src_chains[c].field;
		ret = rule_lookup(p, src_chains[c].name, src_chains[c].etype, src_chains[c].etname,
				  f, 3, NULL, NULL, false, sets[src_chains[c].exact].name,
				  NFT_RETURN, NULL);
	}
	return ret ?: rule_verdict(p, src_chains[c].name, NFT_GOTO, CH_DROP);
}

static int chain_add(struct plan *p, const char *name)
{
	return plan_push(p, false, PLAN_CHAIN, chain_new(p->table, name), -1, name, NULL);
}

/* One rule of chain: body adds its matches and verdict to r; returns from
 * the calling function on error. */
#define RULE(p, chain, body)                                   \
	do {                                                   \
		struct rule r_;                                \
		if (rule_begin((p), &r_, (chain)) < 0)         \
			return -ENOMEM;                        \
		{                                              \
			struct rule *r = &r_;                  \
			body;                                  \
		}                                              \
		if ((ret = rule_end((p), &r_, -1, (chain)))) \
			return ret;                            \
	} while (0)

static const char *const base_chains[] = { "prerouting", "input" };

/* The fast path, first in each base chain: a frame from a guest port whose
 * mac, ethertype and source address are the vif's own is accepted after one
 * hash lookup.  Routers' and servers' messages (udp 67/547, ICMPv6) and
 * everything else take the full path through @ports. */
static int fast_path_rules(struct plan *p, const char *chain)
{
	static const enum field f4[] = { F_IIFNAME, F_ETHER_SADDR, F_IP_SADDR };
	static const enum field f6[] = { F_IIFNAME, F_ETHER_SADDR, F_IP6_SADDR };
	int ret;

	RULE(p, chain, {
		uint8_t udp = IPPROTO_UDP;

		m_ether_type(r, ETHERTYPE_IP, "ip");
		e_meta(r, NFT_META_L4PROTO);
		e_cmp(r, NFT_CMP_NEQ, &udp, 1);
		rule_printf(r, "meta l4proto != udp ");
		m_lookup(r, f4, 3, NULL, NULL, false, "v4");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	RULE(p, chain, {
		m_ether_type(r, ETHERTYPE_IP, "ip");
		dep_l4proto(r, IPPROTO_UDP);
		e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
		e_cmp_be16(r, NFT_CMP_NEQ, 67);
		rule_printf(r, "udp sport != 67 ");
		m_lookup(r, f4, 3, NULL, NULL, false, "v4");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	RULE(p, chain, {
		m_ether_type(r, ETHERTYPE_IPV6, "ip6");
		dep_l4proto(r, IPPROTO_TCP);
		rule_printf(r, "meta l4proto tcp ");
		m_lookup(r, f6, 3, NULL, NULL, false, "v6");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	RULE(p, chain, {
		m_ether_type(r, ETHERTYPE_IPV6, "ip6");
		dep_l4proto(r, IPPROTO_UDP);
		e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
		e_cmp_be16(r, NFT_CMP_NEQ, 547);
		rule_printf(r, "udp sport != 547 ");
		m_lookup(r, f6, 3, NULL, NULL, false, "v6");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	return 0;
}

static int base_chain_rules(const struct policy *pol, struct plan *p, const char *chain)
{
	static const enum field fn[] = { F_IIFNAME };
	int ret;

	/* Host ports (the uplink, the bridge itself) first and cheaply: a
	 * port that matches no guest-port pattern and is not a guest port of
	 * ours (a custom vifname need not match a pattern here) is not ours
	 * to check.  A guest port named like a pattern fails the first compare
	 * and costs nothing more. */
	RULE(p, chain, {
		for (size_t k = 0; k < pol->n_port_patterns; k++)
			m_iifname(r, true, pol->port_patterns[k]);
		m_lookup(r, fn, 1, NULL, NULL, true, "ports");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	if ((ret = fast_path_rules(p, chain)))
		return ret;
	/* iifname @ports jump guest: every other frame of a known guest port.
	 * jump, not goto: should a frame ever fall off the end of the guest
	 * chains, it comes back here, to the fail-closed rules. */
	ret = rule_lookup(p, chain, 0, NULL, fn, 1, NULL, NULL, false, "ports", NFT_JUMP, "guest");
	if (ret)
		return ret;
	/* Fail-closed: a guest port we have no rules for drops everything
	 * (a new vif between netback creating it and us learning of it). */
	for (size_t k = 0; k < pol->n_port_patterns; k++)
		RULE(p, chain, {
			m_iifname(r, false, pol->port_patterns[k]);
			e_counter_ref(r, "fail-closed");
			e_verdict(r, NF_DROP, NULL);
		});
	return 0;
}

static int guest_chain_rules(struct plan *p)
{
	static const struct {
		uint16_t type;
		const char *name, *to;
	} types[] = {
		{ ETHERTYPE_IP, "ip", "guest-ip" },
		{ ETHERTYPE_ARP, "arp", "guest-arp" },
		{ ETHERTYPE_IPV6, "ip6", "guest-ip6" },
	};
	static const enum field fm[] = { F_IIFNAME, F_ETHER_SADDR };
	int ret;

	/* iifname . ether saddr != @macs: nothing from a port but its mac */
	ret = rule_lookup(p, "guest", 0, NULL, fm, 2, NULL, NULL, true, "macs", NFT_GOTO, CH_DROP);
	if (ret)
		return ret;
	/* Dispatch on the Ethernet type as on the wire: nft rebuilds VLAN tags
	 * the NIC or veth stripped, so 802.1Q/802.1ad frames show 0x8100/0x88a8
	 * here and fall through to the drop. */
	for (size_t i = 0; i < 3; i++)
		RULE(p, "guest", {
			m_ether_type(r, types[i].type, types[i].name);
			e_verdict(r, NFT_GOTO, types[i].to);
		});
	return rule_verdict(p, "guest", NFT_GOTO, CH_DROP);
}

/* meta l4proto 0-255 accept: matches whenever nf_tables could parse the
 * header chain; what it could not parse falls through to the drop. */
static int rule_accept_parsed(struct plan *p, const char *chain)
{
	uint8_t lo = 0, hi = 255;
	int ret;

	RULE(p, chain, {
		e_meta(r, NFT_META_L4PROTO);
		e_cmp(r, NFT_CMP_GTE, &lo, 1);
		e_cmp(r, NFT_CMP_LTE, &hi, 1);
		rule_printf(r, "meta l4proto 0-255 ");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	return 0;
}

static int guest_ip_rules(struct plan *p)
{
	static const uint8_t dhcp_addrs[8] = { 0, 0, 0, 0, 255, 255, 255, 255 };
	static const uint8_t dhcp_ports[4] = { 0, 68, 0, 67 };
	const char *ch = "guest-ip";
	int ret;

	/* udp sport 67: a guest is never a DHCP server */
	RULE(p, ch, {
		dep_l4proto(r, IPPROTO_UDP);
		e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
		e_cmp_be16(r, NFT_CMP_EQ, 67);
		rule_printf(r, "udp sport 67 ");
		e_verdict(r, NFT_GOTO, CH_DROP);
	});
	/* The DHCP client, exactly: 0.0.0.0:68 -> 255.255.255.255:67 */
	RULE(p, ch, {
		dep_meta_protocol(r, ETHERTYPE_IP);
		e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 12, 4);
		e_cmp(r, NFT_CMP_EQ, dhcp_addrs, 4);
		e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 16, 4);
		e_cmp(r, NFT_CMP_EQ, dhcp_addrs + 4, 4);
		dep_l4proto(r, IPPROTO_UDP);
		e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 4);
		e_cmp(r, NFT_CMP_EQ, dhcp_ports, 4);
		rule_printf(r, "ip saddr 0.0.0.0 ip daddr 255.255.255.255 udp sport 68 udp dport 67 ");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	ret = rule_verdict(p, ch, NFT_JUMP, "src-ip");
	return ret ?: rule_accept_parsed(p, ch) ?: rule_verdict(p, ch, NFT_GOTO, CH_DROP);
}

static int guest_arp_rules(struct plan *p)
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
	static const enum field fm[] = { F_IIFNAME, F_ARP_SHA };
	uint16_t op_lo = htons(1), op_hi = htons(2);
	uint8_t zero4[4] = { 0 };
	const char *ch = "guest-arp";
	int ret;

	for (size_t i = 0; i < 4; i++)
		RULE(p, ch, {
			m_arp_field(r, fixed[i].off, fixed[i].len);
			if (fixed[i].len == 2)
				e_cmp_be16(r, NFT_CMP_NEQ, fixed[i].val);
			else
				e_cmp_u8(r, NFT_CMP_NEQ, (uint8_t)fixed[i].val);
			rule_printf(r, "%s", fixed[i].text);
			e_verdict(r, NFT_GOTO, CH_DROP);
		});
	/* requests and replies only */
	RULE(p, ch, {
		m_arp_field(r, 6, 2);
		e_range(r, NFT_RANGE_NEQ, &op_lo, &op_hi, 2);
		rule_printf(r, "arp operation != 1-2 ");
		e_verdict(r, NFT_GOTO, CH_DROP);
	});
	/* the sender's mac is the port's */
	ret = rule_lookup(p, ch, ETHERTYPE_ARP, "arp", fm, 2, NULL, NULL, true, "macs", NFT_GOTO,
			  CH_DROP);
	if (ret)
		return ret;
	/* ARP probe (RFC 5227): a request with sender IP 0.0.0.0 claims nothing */
	RULE(p, ch, {
		m_arp_field(r, 6, 2);
		e_cmp_be16(r, NFT_CMP_EQ, 1);
		m_arp_field(r, 14, 4);
		e_cmp(r, NFT_CMP_EQ, zero4, 4);
		rule_printf(r, "arp operation request arp saddr ip 0.0.0.0 ");
		e_verdict(r, NF_ACCEPT, NULL);
	});
	/* Requests are checked like replies: a gratuitous request poisons
	 * caches too. */
	ret = rule_verdict(p, ch, NFT_JUMP, "src-arp");
	return ret ?: rule_verdict(p, ch, NF_ACCEPT, NULL);
}

static int guest_ip6_rules(struct plan *p)
{
	static const struct {
		uint8_t type;
		const char *name;
	} banned[] = {
		/* only routers advertise and redirect */
		{ ICMPV6_RA, "nd-router-advert" },
		{ ICMPV6_REDIRECT, "nd-redirect" },
	};
	uint8_t zero16[16] = { 0 };
	const char *ch = "guest-ip6";
	int ret;

	/* Fragmented ICMPv6 drops (RFC 6980): the ND checks below must see
	 * the whole message, and a later fragment could carry what they miss. */
	RULE(p, ch, {
		e_payload(r, NFT_PAYLOAD_LL_HEADER, 12, 2);
		e_cmp_be16(r, NFT_CMP_EQ, ETHERTYPE_IPV6);
		e_exthdr_present(r, IPPROTO_FRAGMENT);
		e_cmp_u8(r, NFT_CMP_EQ, 1);
		dep_l4proto(r, IPPROTO_ICMPV6);
		rule_printf(r, "exthdr frag exists meta l4proto ipv6-icmp ");
		e_verdict(r, NFT_GOTO, CH_DROP);
	});
	/* nf_tables stops its header walk at an AH header (l4proto 51), so an
	 * ND message behind one would never meet the checks below: AH drops
	 * (IPsec AH on IPv6 guests is given up for this). */
	RULE(p, ch, {
		dep_l4proto(r, IPPROTO_AH);
		rule_printf(r, "meta l4proto ah ");
		e_verdict(r, NFT_GOTO, CH_DROP);
	});
	for (size_t i = 0; i < 2; i++)
		RULE(p, ch, {
			m_icmpv6_type(r, banned[i].type, banned[i].name);
			e_verdict(r, NFT_GOTO, CH_DROP);
		});
	/* udp sport 547: a guest is never a DHCPv6 server or relay */
	RULE(p, ch, {
		dep_l4proto(r, IPPROTO_UDP);
		e_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 2);
		e_cmp_be16(r, NFT_CMP_EQ, 547);
		rule_printf(r, "udp sport 547 ");
		e_verdict(r, NFT_GOTO, CH_DROP);
	});
	/* ip6 saddr :: goto guest-dad: duplicate address detection and MLD */
	RULE(p, ch, {
		dep_meta_protocol(r, ETHERTYPE_IPV6);
		e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 8, 16);
		e_cmp(r, NFT_CMP_EQ, zero16, 16);
		rule_printf(r, "ip6 saddr :: ");
		e_verdict(r, NFT_GOTO, "guest-dad");
	});
	if ((ret = rule_verdict(p, ch, NFT_JUMP, "src-ip6")))
		return ret;
	RULE(p, ch, {
		m_icmpv6_type(r, ICMPV6_NA, "nd-neighbor-advert");
		e_verdict(r, NFT_GOTO, "guest-na");
	});
	RULE(p, ch, {
		m_icmpv6_type(r, ICMPV6_NS, "nd-neighbor-solicit");
		e_verdict(r, NFT_GOTO, "guest-ns");
	});
	return rule_accept_parsed(p, ch) ?: rule_verdict(p, ch, NFT_GOTO, CH_DROP);
}

/* Unspecified source: DAD neighbor solicitations for one of the vif's
 * addresses, and MLD reports; nothing else.  NS and NA: ND messages must
 * come right after the fixed header (ip6 nexthdr ipv6-icmp), so the lengths
 * and option offsets are exact; ND behind extension headers drops. */
static int guest_nd_rules(struct plan *p)
{
	static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	static const uint8_t nonce[2] = { 14, 1 };
	static const enum field fo[] = { F_IIFNAME, F_ND_OPT_LLA };
	int ret;

	for (int with_nonce = 0; with_nonce <= 1; with_nonce++)
		RULE(p, "guest-dad", {
			m_icmpv6_type(r, ICMPV6_NS, "nd-neighbor-solicit");
			/* ip6 daddr ff02::1:ff00:0/104 (solicited-node group) */
			e_payload(r, NFT_PAYLOAD_NETWORK_HEADER, 24, 13);
			e_cmp(r, NFT_CMP_EQ, snm, 13);
			rule_printf(r, "ip6 daddr ff02::1:ff00:0/104 ");
			/* no options, or exactly one RFC 7527 nonce option; a
			 * source link-layer option is forbidden from :: */
			m_ip6_icmp_len(r, with_nonce ? 32 : 24);
			if (with_nonce)
				m_th_bytes(r, 24, nonce, 2);
			e_verdict(r, NFT_GOTO, "guest-nd");
		});
	for (int i = 0; i < 2; i++)
		RULE(p, "guest-dad", {
			if (i == 0)
				m_icmpv6_type(r, ICMPV6_MLD_REPORT, "mld-listener-report");
			else
				m_icmpv6_type(r, ICMPV6_MLD2_REPORT, "mld2-listener-report");
			e_verdict(r, NF_ACCEPT, NULL);
		});
	if ((ret = rule_verdict(p, "guest-dad", NFT_GOTO, CH_DROP)))
		return ret;

	/* NA: no option, or exactly one target link-layer option with the
	 * port's mac; then the target must be the vif's (guest-nd).  NS: any
	 * target, no option or one source link-layer option with its mac. */
	for (int ns = 0; ns <= 1; ns++) {
		const char *ch = ns ? "guest-ns" : "guest-na";
		const uint8_t opt[2] = { ns ? 1 : 2, 1 };

		RULE(p, ch, {
			m_ip6_icmp_len(r, 24);
			e_verdict(r, ns ? NF_ACCEPT : NFT_GOTO, ns ? NULL : "guest-nd");
		});
		RULE(p, ch, {
			m_ip6_icmp_len(r, 32);
			m_th_bytes(r, 24, opt, 2);
			m_lookup(r, fo, 2, NULL, NULL, false, "opt-lla");
			e_verdict(r, ns ? NF_ACCEPT : NFT_GOTO, ns ? NULL : "guest-nd");
		});
		if ((ret = rule_verdict(p, ch, NFT_GOTO, CH_DROP)))
			return ret;
	}
	ret = rule_verdict(p, "guest-nd", NFT_JUMP, "nd-target");
	return ret ?: rule_verdict(p, "guest-nd", NF_ACCEPT, NULL);
}

/*
 * Every drop of a guest frame ends here: a rate-limited copy of the frame
 * to the daemon (nfnetlink_log; the vif is its input port), for the
 * journal's "who tried what", then the vif's counter and the drop.  The
 * per-vif limit keeps a flooding guest from flooding the daemon or hiding
 * the others; the drop itself never depends on it.
 */
static int guest_drop_rules(const struct policy *pol, struct plan *p)
{
	struct nftnl_expr *e;
	int ret;

	if (pol->log_group >= 0)
		RULE(p, CH_DROP, {
			e_meta(r, NFT_META_IIFNAME);
			e_objref_map(r, "port-limits");
			rule_printf(r, "limit name iifname map @port-limits ");
			e = nftnl_expr_alloc("log");
			if (e) {
				nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, "vifguard");
				nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, (uint16_t)pol->log_group);
				nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_SNAPLEN, 256);
			}
			rule_add(r, e);
			rule_printf(r, "log prefix \"vifguard\" group %d snaplen 256", pol->log_group);
		});
	RULE(p, CH_DROP, {
		e_meta(r, NFT_META_IIFNAME);
		e_objref_map(r, "port-counters");
		rule_printf(r, "counter name iifname map @port-counters");
	});
	return rule_verdict(p, CH_DROP, NF_DROP, NULL);
}

static const char *const fixed_chains[] = {
	"guest",     "guest-ip",  "src-ip",   "guest-arp", "src-arp",   "guest-ip6", "src-ip6",
	"guest-dad", "guest-na",  "guest-ns", "guest-nd",  "nd-target", CH_DROP,
};

static int table_add(const struct policy *pol, const struct ruleset_shape *sh, struct plan *p)
{
	int ret;

	ret = plan_push(p, false, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	ret = ret ?: plan_push(p, false, PLAN_OBJECT, counter_new(p->table, "fail-closed"), -1,
			       "fail-closed", NULL);
	for (int k = 0; k < S_V4_NET && ret == 0; k++)
		if (k != S_LIMITS || pol->log_group >= 0)
			ret = set_add(p, (enum set_kind)k, 0);
	for (unsigned int plen = 0; plen < 128 && ret == 0; plen++) {
		if (plen < 32 && bit_get(sh->v4, plen))
			ret = set_add(p, S_V4_NET, plen);
		if (ret == 0 && bit_get(sh->v6, plen))
			ret = set_add(p, S_V6_NET, plen) ?: set_add(p, S_ND6_NET, plen);
	}
	for (size_t i = 0; i < 2 && ret == 0; i++) {
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
	}
	for (size_t i = 0; i < sizeof(fixed_chains) / sizeof(fixed_chains[0]) && ret == 0; i++)
		ret = chain_add(p, fixed_chains[i]);
	if (ret)
		return ret;
	for (int c = 0; c < _SRC_MAX && ret == 0; c++)
		ret = src_chain_rules(p, (enum src_chain)c, sh);
	ret = ret ?: guest_drop_rules(pol, p);
	ret = ret ?: guest_nd_rules(p);
	ret = ret ?: guest_ip6_rules(p);
	ret = ret ?: guest_arp_rules(p);
	ret = ret ?: guest_ip_rules(p);
	ret = ret ?: guest_chain_rules(p);
	for (size_t i = 0; i < 2 && ret == 0; i++)
		ret = base_chain_rules(pol, p, base_chains[i]);
	return ret;
}

/* Flush a chain (a rule delete without a handle) and write it again. */
static int src_chain_rebuild(struct plan *p, enum src_chain c, const struct ruleset_shape *sh)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	int ret;

	if (r) {
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, p->table);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, src_chains[c].name);
	}
	ret = plan_push(p, true, PLAN_RULE, r, -1, src_chains[c].name, NULL);
	return ret ?: src_chain_rules(p, c, sh);
}

int ruleset_shape_begin(const struct ruleset_shape *old, const struct ruleset_shape *new,
			struct plan *p)
{
	bool v4 = memcmp(old->v4, new->v4, sizeof(old->v4)) != 0;
	bool v6 = memcmp(old->v6, new->v6, sizeof(old->v6)) != 0;
	int ret = 0;

	for (unsigned int plen = 0; plen < 128 && ret == 0; plen++) {
		if (plen < 32 && bit_get(new->v4, plen) && !bit_get(old->v4, plen))
			ret = set_add(p, S_V4_NET, plen);
		if (ret == 0 && bit_get(new->v6, plen) && !bit_get(old->v6, plen))
			ret = set_add(p, S_V6_NET, plen) ?: set_add(p, S_ND6_NET, plen);
	}
	if (v4 && ret == 0)
		ret = src_chain_rebuild(p, SRC_IP, new) ?: src_chain_rebuild(p, SRC_ARP, new);
	if (v6 && ret == 0)
		ret = src_chain_rebuild(p, SRC_IP6, new) ?: src_chain_rebuild(p, SRC_ND, new);
	return ret;
}

int ruleset_shape_end(const struct ruleset_shape *old, const struct ruleset_shape *new,
		      struct plan *p)
{
	int ret = 0;

	for (unsigned int plen = 0; plen < 128 && ret == 0; plen++) {
		if (plen < 32 && bit_get(old->v4, plen) && !bit_get(new->v4, plen))
			ret = set_del(p, S_V4_NET, plen);
		if (ret == 0 && bit_get(old->v6, plen) && !bit_get(new->v6, plen))
			ret = set_del(p, S_V6_NET, plen) ?: set_del(p, S_ND6_NET, plen);
	}
	return ret;
}

/* ---- one vif: elements and objects ---- */

void ruleset_vif_id(const struct vif *v, char *buf, size_t len)
{
	snprintf(buf, len, "vif%u.%u", v->domid, v->devid);
}

struct elem {
	uint8_t kind; /* enum set_kind */
	uint8_t plen; /* the prefix length of a *_NET set */
	uint8_t len;
	uint8_t key[40];
};

/* Room for every element of one vif: 2 ports x (6 fixed + 2 per address +
 * 2 for the link-local address). */
#define VIF_ELEMS_MAX (2 * (6 + 2 * VIF_ADDRS_MAX + 2))

struct elems {
	struct elem e[VIF_ELEMS_MAX];
	size_t n;
};

static bool elems_has(const struct elems *es, const struct elem *x)
{
	for (size_t i = 0; i < es->n; i++)
		if (es->e[i].kind == x->kind && es->e[i].plen == x->plen &&
		    es->e[i].len == x->len && memcmp(es->e[i].key, x->key, x->len) == 0)
			return true;
	return false;
}

/* Append "port . [mac .] data" (each field padded to 4 bytes), once. */
static void elems_put(struct elems *es, enum set_kind k, unsigned int plen, const char *port,
		      const uint8_t *mac, const uint8_t *data, size_t dlen)
{
	struct elem x = { .kind = (uint8_t)k, .plen = (uint8_t)plen };
	size_t n = strnlen(port, IFNAMSIZ - 1);

	memcpy(x.key, port, n);
	x.len = IFNAMSIZ;
	if (mac) {
		memcpy(x.key + x.len, mac, 6);
		x.len += 8;
	}
	if (data) {
		memcpy(x.key + x.len, data, dlen);
		x.len += (uint8_t)((dlen + 3) / 4 * 4);
	}
	if (!elems_has(es, &x) && es->n < VIF_ELEMS_MAX)
		es->e[es->n++] = x;
}

static void vif_elems(const struct policy *pol, const struct vif *v, struct elems *es)
{
	const char *ports[2] = { v->name, v->emu_name };
	bool mac_only = is_mac_only(pol, v);
	uint8_t ll[16];

	es->n = 0;
	vif_mac_to_eui64_ll(v->mac, ll);
	for (int i = 0; i < 2; i++) {
		const char *port = ports[i];

		if (!port[0])
			continue;
		elems_put(es, S_PORTS, 0, port, NULL, NULL, 0);
		elems_put(es, S_MACS, 0, port, v->mac, NULL, 0);
		elems_put(es, S_OPT_LLA, 0, port, v->mac, NULL, 0);
		elems_put(es, S_COUNTERS, 0, port, NULL, NULL, 0);
		if (pol->log_group >= 0)
			elems_put(es, S_LIMITS, 0, port, NULL, NULL, 0);
		if (mac_only) {
			elems_put(es, S_ANY_IP, 0, port, NULL, NULL, 0);
			continue;
		}
		for (size_t k = 0; k < v->n_addrs; k++) {
			const struct vif_addr *a = &v->addrs[k];
			unsigned int bytes = a->family == AF_INET ? 4 : 16;
			uint8_t m[16], net[16];

			if (a->prefixlen == bytes * 8) {
				if (a->family == AF_INET) {
					elems_put(es, S_V4, 0, port, v->mac, a->addr, 4);
				} else {
					elems_put(es, S_V6, 0, port, v->mac, a->addr, 16);
					elems_put(es, S_ND6, 0, port, NULL, a->addr, 16);
				}
				continue;
			}
			prefix_mask(bytes, a->prefixlen, m);
			for (unsigned int b = 0; b < bytes; b++)
				net[b] = a->addr[b] & m[b];
			if (a->family == AF_INET) {
				elems_put(es, S_V4_NET, a->prefixlen, port, NULL, net, 4);
			} else {
				elems_put(es, S_V6_NET, a->prefixlen, port, NULL, net, 16);
				elems_put(es, S_ND6_NET, a->prefixlen, port, NULL, net, 16);
			}
		}
		/* the EUI-64 link-local address: a source with any IPv6 config,
		 * and always a target for DAD */
		if (v->has_ip)
			elems_put(es, S_V6, 0, port, v->mac, ll, 16);
		elems_put(es, S_ND6, 0, port, NULL, ll, 16);
	}
}

/* An element as nft prints it. */
static void elem_print(const struct elem *x, const char *id, char *buf, size_t len)
{
	char name[IFNAMSIZ + 1] = { 0 }, a[INET6_ADDRSTRLEN], b[18];
	const uint8_t *rest = x->key + IFNAMSIZ;
	size_t o;

	memcpy(name, x->key, IFNAMSIZ);
	o = (size_t)snprintf(buf, len, "\"%s\"", name);
	switch ((enum set_kind)x->kind) {
	case S_PORTS:
	case S_ANY_IP:
		break;
	case S_COUNTERS:
	case S_LIMITS:
		snprintf(buf + o, len - o, " : \"%s\"", id);
		break;
	case S_MACS:
		snprintf(buf + o, len - o, " . %s", mac_str(rest, b));
		break;
	case S_OPT_LLA: {
		char h[20];

		mask_hex(rest, 6, h, sizeof(h));
		snprintf(buf + o, len - o, " . %s", h);
		break;
	}
	case S_V4:
	case S_V6:
		inet_ntop(x->kind == S_V4 ? AF_INET : AF_INET6, rest + 8, a, sizeof(a));
		snprintf(buf + o, len - o, " . %s . %s", mac_str(rest, b), a);
		break;
	case S_V4_NET:
	case S_V6_NET:
		inet_ntop(x->kind == S_V4_NET ? AF_INET : AF_INET6, rest, a, sizeof(a));
		snprintf(buf + o, len - o, " . %s", a);
		break;
	case S_ND6:
	case S_ND6_NET: {
		char h[40];

		mask_hex(rest, 16, h, sizeof(h));
		snprintf(buf + o, len - o, " . %s", h);
		break;
	}
	case _S_MAX:
		break;
	}
}

/* The elements gathered for set name (merged plans), made on first use. */
static struct plan_merge *merge_get(struct plan *p, const char *name)
{
	struct plan_merge *mg = NULL, *grown;

	for (size_t i = 0; i < p->n_merge && !mg; i++)
		if (strcmp(p->merge[i].name, name) == 0)
			mg = &p->merge[i];
	if (!mg) {
		grown = realloc(p->merge, (p->n_merge + 1) * sizeof(*grown));
		if (!grown)
			goto oom;
		p->merge = grown;
		mg = &p->merge[p->n_merge++];
		memset(mg, 0, sizeof(*mg));
		snprintf(mg->name, sizeof(mg->name), "%s", name);
	}
	if (!mg->s && !(mg->s = set_new(p, name)))
		goto oom;
	return mg;
oom:
	p->oom = true;
	return NULL;
}

static void merge_text(struct plan *p, struct plan_merge *mg, const char *text)
{
	size_t n = strlen(text);
	char *t = realloc(mg->text, mg->text_len + n + 3);

	if (!t) {
		p->oom = true;
		return;
	}
	if (mg->text_len) {
		memcpy(t + mg->text_len, ", ", 2);
		mg->text_len += 2;
	}
	memcpy(t + mg->text_len, text, n + 1);
	mg->text_len += n;
	mg->text = t;
}

/* The gathered elements become one op. */
static int merge_flush(struct plan *p, struct plan_merge *mg)
{
	struct nftnl_set *s = mg->s;
	char *text = mg->text;
	int ret = 0;

	mg->s = NULL;
	mg->text = NULL;
	mg->text_len = 0;
	if (s && mg->n > 0) {
		ret = plan_push(p, false, PLAN_ELEMS, s, PLAN_OWNER_MERGED, mg->name, text);
		if (ret == 0)
			p->ops[p->n_ops - 1].n_elems = (uint32_t)mg->n;
	} else if (s)
		nftnl_set_free(s);
	mg->n = 0;
	free(text);
	return ret;
}

/* One element message per set: the elements of es (in the order of the set
 * kinds given) that are not in other; with merge, added to the elements
 * gathered for each set instead, which become an op of their own every
 * PLAN_MERGE_MAX elements and at the end of ruleset_full(). */
static int elems_emit(struct plan *p, bool del, const struct elems *es, const struct elems *other,
		      enum set_kind k, int owner, const char *id, bool merge)
{
	bool done[VIF_ELEMS_MAX] = { false };

	for (size_t i = 0; i < es->n; i++) {
		struct plan_merge *mg;
		struct nftnl_set *s;
		char name[32], *text = NULL;
		size_t tlen = 0, n = 0;
		FILE *f = NULL;
		int ret;

		if (done[i] || es->e[i].kind != k)
			continue;
		set_name(k, es->e[i].plen, name, sizeof(name));
		mg = merge ? merge_get(p, name) : NULL;
		if (merge && !mg)
			return -ENOMEM;
		s = mg ? mg->s : set_new(p, name);
		if (s && !p->no_text)
			f = open_memstream(&text, &tlen);
		if (!s || (!p->no_text && !f)) {
			if (!mg)
				nftnl_set_free(s);
			return plan_push(p, del, PLAN_ELEMS, NULL, owner, name, NULL);
		}
		for (size_t j = i; j < es->n; j++) {
			const struct elem *x = &es->e[j];
			struct nftnl_set_elem *e;
			char buf[160];

			if (done[j] || x->kind != k || x->plen != es->e[i].plen)
				continue;
			done[j] = true;
			if (other && elems_has(other, x))
				continue;
			e = nftnl_set_elem_alloc();
			if (!e) {
				p->oom = true;
				break;
			}
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, x->key, x->len);
			if (!del && sets[k].obj_type)
				nftnl_set_elem_set_str(e, NFTNL_SET_ELEM_OBJREF, id);
			nftnl_set_elem_add(s, e);
			n++;
			if (f) {
				elem_print(x, id, buf, sizeof(buf));
				fprintf(f, "%s%s", ftell(f) ? ", " : "", buf);
			}
		}
		if (f && fclose(f) != 0)
			p->oom = true;
		if (mg) {
			mg->n += n;
			if (!p->oom && n > 0 && text)
				merge_text(p, mg, text);
			free(text);
			if (p->oom)
				return -ENOMEM;
			if (mg->n >= PLAN_MERGE_MAX && (ret = merge_flush(p, mg)) < 0)
				return ret;
			continue;
		}
		if (n == 0 || p->oom) {
			/* nothing to change in this set */
			nftnl_set_free(s);
			free(text);
			if (p->oom)
				return -ENOMEM;
			continue;
		}
		ret = plan_push(p, del, PLAN_ELEMS, s, owner, name, text);
		free(text);
		if (ret < 0)
			return ret;
		p->ops[p->n_ops - 1].n_elems = (uint32_t)n;
	}
	return 0;
}

static struct nftnl_obj *limit_new(const struct policy *pol, const char *table, const char *name)
{
	struct nftnl_obj *o = nftnl_obj_alloc();

	if (o) {
		nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_BRIDGE);
		nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
		nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
		nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_LIMIT);
		nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_RATE, pol->log_kernel_rate);
		nftnl_obj_set_u64(o, NFTNL_OBJ_LIMIT_UNIT, 1);
		nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_BURST, pol->log_kernel_rate);
		nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_obj_set_u32(o, NFTNL_OBJ_LIMIT_FLAGS, 0);
	}
	return o;
}

static int objects(const struct policy *pol, struct plan *p, bool del, int owner, const char *id)
{
	char text[96];
	int ret;

	snprintf(text, sizeof(text), "rate %u/second burst %u packets", pol->log_kernel_rate,
		 pol->log_kernel_rate);
	ret = plan_push(p, del, PLAN_OBJECT, counter_new(p->table, id), owner, id, NULL);
	if (ret == 0 && pol->log_group >= 0)
		ret = plan_push(p, del, PLAN_OBJECT, limit_new(pol, p->table, id), owner, id, text);
	return ret;
}

/* The order elements are added in (@ports last: the port leaves the
 * fail-closed rule once everything else is there) and deleted in
 * (reversed). */
static const enum set_kind add_order[] = {
	S_COUNTERS, S_LIMITS, S_MACS, S_OPT_LLA, S_ANY_IP, S_V4, S_V6, S_ND6,
	S_V4_NET,   S_V6_NET, S_ND6_NET, S_PORTS,
};

/* Add (del false) or delete v; with other (what the kernel has, or what v
 * becomes): only the elements other lacks, and no objects. */
static int vif_change(const struct policy *pol, bool del, const struct vif *v,
		      const struct vif *other, int owner, struct plan *p, bool merge)
{
	const size_t n = sizeof(add_order) / sizeof(add_order[0]);
	struct elems *es = malloc(sizeof(*es)), *oes = other ? malloc(sizeof(*oes)) : NULL;
	char id[32];
	int ret = 0;

	if (!es || (other && !oes)) {
		free(es);
		free(oes);
		p->oom = true;
		return -ENOMEM;
	}
	ruleset_vif_id(v, id, sizeof(id));
	vif_elems(pol, v, es);
	if (oes)
		vif_elems(pol, other, oes);
	if (!del && !other)
		ret = objects(pol, p, false, owner, id);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = elems_emit(p, del, es, oes, add_order[del ? n - 1 - i : i], owner, id,
				 merge && !del && !other);
	if (del && !other && ret == 0)
		ret = objects(pol, p, true, owner, id);
	free(es);
	free(oes);
	return ret;
}

int ruleset_vif_add(const struct policy *pol, const struct vif *v, const struct vif *have,
		    int owner, struct plan *p)
{
	return vif_change(pol, false, v, have, owner, p, false);
}

int ruleset_vif_del(const struct policy *pol, const struct vif *v, const struct vif *keep,
		    int owner, struct plan *p)
{
	return vif_change(pol, true, v, keep, owner, p, false);
}

/* Size the sets the plan creates for four times the elements it puts in
 * them (PLAN_SET_SIZE_MIN at least; a power of two, as the kernel's buckets
 * are). */
static int sets_size(struct plan *p)
{
	const uint32_t min = p->set_size_min ?: PLAN_SET_SIZE_MIN;

	for (size_t i = 0; i < p->n_ops; i++) {
		struct plan_op *op = &p->ops[i];
		uint64_t n = 0, size = min;
		char *at;

		if (op->del || op->obj != PLAN_SET)
			continue;
		for (size_t k = i + 1; k < p->n_ops; k++)
			if (p->ops[k].obj == PLAN_ELEMS && !p->ops[k].del &&
			    strcmp(p->ops[k].name, op->name) == 0)
				n += p->ops[k].n_elems;
		while (size < 4 * n && size < UINT32_MAX / 2)
			size *= 2;
		nftnl_set_set_u32(op->nl, NFTNL_SET_DESC_SIZE, (uint32_t)size);
		at = op->text ? strstr(op->text, "\nsize ") : NULL;
		if (at) {
			size_t head = (size_t)(at - op->text);
			char *t = malloc(head + 32);

			if (!t) {
				p->oom = true;
				return -ENOMEM;
			}
			snprintf(t, head + 32, "%.*s\nsize %" PRIu64, (int)head, op->text, size);
			free(op->text);
			op->text = t;
		}
	}
	return 0;
}

int ruleset_full(const struct policy *pol, const struct vif *vifs, size_t n, const bool *skip,
		 struct plan *p)
{
	struct ruleset_shape sh = { 0 };
	int ret;

	for (size_t i = 0; i < n; i++)
		if (!skip || !skip[i])
			ruleset_shape_add(pol, &sh, &vifs[i]);
	/* create (no-op if present), delete, create: one transaction, no gap */
	ret = plan_push(p, false, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	ret = ret ?: plan_push(p, true, PLAN_TABLE, table_new(p->table), -1, p->table, NULL);
	ret = ret ?: table_add(pol, &sh, p);
	for (size_t i = 0; i < n && ret == 0; i++)
		if (!skip || !skip[i])
			ret = vif_change(pol, false, &vifs[i], NULL, (int)i, p, p->merge_elems);
	/* what is still gathered, in the order the sets were first used (the
	 * objects the elements refer to are all in the plan by now) */
	for (size_t i = 0; i < p->n_merge && ret == 0; i++)
		ret = merge_flush(p, &p->merge[i]);
	merges_free(p);
	if (ret == 0)
		ret = sets_size(p);
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
		if (!p->ops[i].del && p->ops[i].obj == PLAN_OBJECT) {
			/* a limit has its parameters as text, a counter none */
			const struct plan_op *op = &p->ops[i];

			fprintf(f, "\t%s %s {\n", op->text ? "limit" : "counter", op->name);
			if (op->text)
				fprintf(f, "\t\t%s\n", op->text);
			fprintf(f, "\t}\n");
		}
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
