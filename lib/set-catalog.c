// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The set catalog (set-catalog.h): one table of the sets, everything else
 * derived from their key fields.
 */
/* first: plan.h pulls in net/if.h, which must precede the uapi headers */
#include "set-catalog.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/set.h>
#include <libnftnl/udata.h>

#include "stmt.h"

static const struct {
	const char *name;
	enum stmt_field key[3];
	size_t n_key;
	/* declared by the expressions a rule looks it up with ("typeof"), for
	 * keys with a raw field nft has no type for */
	bool is_typeof;
	uint32_t obj_type; /* maps to objects */
	bool is_interval;  /* flags interval: one key field, ranges as elements */
} sets[_SET_KIND_MAX] = {
#define K1 STMT_FIELD_IIFNAME
    [SET_KIND_PORTS] = {"ports", {K1}, 1, false, 0, false},
    [SET_KIND_MACS] = {"macs", {K1, STMT_FIELD_ETHER_SADDR}, 2, false, 0, false},
    [SET_KIND_OPT_LLA] = {"opt-lla", {K1, STMT_FIELD_ND_OPT_LLA}, 2, true, 0, false},
    [SET_KIND_ANY_IP] = {"any-ip", {K1}, 1, false, 0, false},
    [SET_KIND_V4] = {"v4", {K1, STMT_FIELD_ETHER_SADDR, STMT_FIELD_IP_SADDR}, 3, false, 0, false},
    [SET_KIND_V6] = {"v6", {K1, STMT_FIELD_ETHER_SADDR, STMT_FIELD_IP6_SADDR}, 3, false, 0, false},
    [SET_KIND_ND6] = {"nd6", {K1, STMT_FIELD_ND_TARGET}, 2, true, 0, false},
    [SET_KIND_COUNTERS] = {"port-counters", {K1}, 1, false, NFT_OBJECT_COUNTER, false},
    [SET_KIND_LIMITS] = {"port-limits", {K1}, 1, false, NFT_OBJECT_LIMIT, false},
    [SET_KIND_OWN_LL] = {"own-ll", {K1}, 1, false, 0, false},
    [SET_KIND_PROTECT4] = {"protect4", {STMT_FIELD_IP_SADDR}, 1, false, 0, true},
    [SET_KIND_PROTECT6] = {"protect6", {STMT_FIELD_IP6_SADDR}, 1, false, 0, true},
    [SET_KIND_PROTECT_ND] = {"protect-nd", {STMT_FIELD_ND_TARGET}, 1, true, 0, true},
    [SET_KIND_V4_NET] = {"v4", {K1, STMT_FIELD_IP_SADDR}, 2, false, 0, false},
    [SET_KIND_V6_NET] = {"v6", {K1, STMT_FIELD_IP6_SADDR}, 2, false, 0, false},
    [SET_KIND_ND6_NET] = {"nd6", {K1, STMT_FIELD_ND_TARGET}, 2, true, 0, false},
    [SET_KIND_OWN4_NET] = {"own4", {K1, STMT_FIELD_IP_SADDR}, 2, false, 0, false},
    [SET_KIND_OWN6_NET] = {"own6", {K1, STMT_FIELD_IP6_SADDR}, 2, false, 0, false},
    [SET_KIND_OWN_ND6_NET] = {"own-nd6", {K1, STMT_FIELD_ND_TARGET}, 2, true, 0, false},
#undef K1
};

bool set_catalog_is_per_length(enum set_kind k)
{
	return k >= SET_KIND_V4_NET;
}

void set_catalog_name(enum set_kind k, unsigned int plen, char *buf, size_t len)
{
	if (set_catalog_is_per_length(k))
		snprintf(buf, len, "%s-%u", sets[k].name, plen);
	else
		snprintf(buf, len, "%s", sets[k].name);
}

bool set_catalog_is_interval(enum set_kind k)
{
	return sets[k].is_interval;
}

uint32_t set_catalog_obj_type(enum set_kind k)
{
	return sets[k].obj_type;
}

/* nft's concatenated type: the field types, 6 bits each (src/datatype.c) */
static uint32_t key_type(enum set_kind k)
{
	uint32_t t = 0;

	for (size_t i = 0; i < sets[k].n_key; i++)
		t = (t << 6) | stmt_field(sets[k].key[i])->datatype;
	return t;
}

static uint32_t key_len(enum set_kind k)
{
	return stmt_key_len(sets[k].key, sets[k].n_key);
}

/* In nest attr: a raw field described as nft describes it, a payload
 * expression (7) of no protocol on the transport header. */
static void udata_raw_payload(struct nftnl_udata_buf *ud, uint8_t attr,
			      const struct stmt_field_def *raw)
{
	struct nftnl_udata *outer = nftnl_udata_nest_start(ud, attr), *inner;

	nftnl_udata_put_u32(ud, 0, 7);
	inner = nftnl_udata_nest_start(ud, 1);
	nftnl_udata_put_u32(ud, 0, 0);
	nftnl_udata_put_u32(ud, 1, 0);
	nftnl_udata_put_u32(ud, 2, 3 /* transport header */);
	nftnl_udata_put_u32(ud, 3, raw->offset * 8);
	nftnl_udata_put_u32(ud, 4, raw->len * 8);
	nftnl_udata_nest_end(ud, inner);
	nftnl_udata_nest_end(ud, outer);
}

/* The user data nft stores with a set, so `nft list` prints its keys and
 * elements as it would its own (nftables' src/mnl.c and src/expression.c:
 * key byte order, and for concatenations the "typeof" description). */
static void set_udata(struct nftnl_set *s, enum set_kind k)
{
	struct nftnl_udata_buf *ud = nftnl_udata_buf_alloc(256);
	struct nftnl_udata *outer, *data, *sub, *inner;
	const struct stmt_field_def *raw = stmt_field(sets[k].key[sets[k].n_key - 1]);

	if (!ud)
		return; /* cosmetic only */
	if (sets[k].n_key == 1 && sets[k].key[0] == STMT_FIELD_IIFNAME) {
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 1 /* host */);
		if (sets[k].obj_type)
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_DATA_INTERVAL, 0);
		goto out;
	}
	if (sets[k].n_key == 1) {
		/* one address field, big endian; a raw one described as
		 * "typeof": a payload expression (7) of no protocol */
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, 2 /* big endian */);
		if (sets[k].is_typeof)
			udata_raw_payload(ud, NFTNL_UDATA_SET_KEY_TYPEOF, raw);
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
		/* the raw field */
		udata_raw_payload(ud, 1, raw);
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
	struct nftnl_set *s = plan_set_new(p, name);

	if (!s)
		return NULL;
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, key_type(k));
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, key_len(k));
	if (sets[k].obj_type) {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_OBJECT);
		nftnl_set_set_u32(s, NFTNL_SET_OBJ_TYPE, sets[k].obj_type);
	} else {
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, sets[k].is_interval ? NFT_SET_INTERVAL : 0);
	}
	set_udata(s, k);
	nftnl_set_set_u32(s, NFTNL_SET_DESC_SIZE, plan_set_size_min(p));
	return s;
}

/* A set's printed header: "type|typeof KEY [: OBJECT]", then its size
 * (which plan_sets_size() may rewrite with the nftnl object's). */
static void set_text(enum set_kind k, uint32_t size, char *buf, size_t len)
{
	size_t o = (size_t)snprintf(buf, len, "%s ", sets[k].is_typeof ? "typeof" : "type");

	for (size_t i = 0; i < sets[k].n_key && o < len; i++) {
		const struct stmt_field_def *f = stmt_field(sets[k].key[i]);

		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " . " : "",
				      sets[k].is_typeof ? f->text : f->type_name);
	}
	if (sets[k].obj_type && o < len)
		o += (size_t)snprintf(buf + o, len - o, " : %s",
				      sets[k].obj_type == NFT_OBJECT_COUNTER ? "counter" : "limit");
	if (sets[k].is_interval && o < len)
		o += (size_t)snprintf(buf + o, len - o, "\nflags interval");
	if (o < len)
		snprintf(buf + o, len - o, "\nsize %" PRIu32, size);
}

int set_catalog_add(struct plan *p, enum set_kind k, unsigned int plen)
{
	char name[32], text[128];

	set_catalog_name(k, plen, name, sizeof(name));
	set_text(k, plan_set_size_min(p), text, sizeof(text));
	return plan_push(p, false, PLAN_SET, set_create(p, k, name), -1, name, text);
}

int set_catalog_del(struct plan *p, enum set_kind k, unsigned int plen)
{
	struct nftnl_set *s = nftnl_set_alloc();
	char name[32];

	set_catalog_name(k, plen, name, sizeof(name));
	if (s) {
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_BRIDGE);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, p->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	}
	return plan_push(p, true, PLAN_SET, s, -1, name, NULL);
}

/* One key field as nft prints it: by its type, raw fields in hex. */
static size_t field_print(const struct stmt_field_def *f, const uint8_t *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], name[IFNAMSIZ + 1] = {0};
	size_t o;

	if (f->datatype == stmt_field(STMT_FIELD_IIFNAME)->datatype) {
		memcpy(name, v, IFNAMSIZ);
		return (size_t)snprintf(buf, len, "\"%s\"", name);
	}
	if (f->datatype == stmt_field(STMT_FIELD_ETHER_SADDR)->datatype)
		return (size_t)snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", v[0], v[1], v[2],
					v[3], v[4], v[5]);
	if (f->datatype == stmt_field(STMT_FIELD_IP_SADDR)->datatype ||
	    f->datatype == stmt_field(STMT_FIELD_IP6_SADDR)->datatype) {
		inet_ntop(f->len == 4 ? AF_INET : AF_INET6, v, a, sizeof(a));
		return (size_t)snprintf(buf, len, "%s", a);
	}
	o = (size_t)snprintf(buf, len, "0x");
	for (uint32_t i = 0; i < f->len && o + 2 < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", v[i]);
	return o;
}

void set_catalog_elem_print(enum set_kind k, const uint8_t *key, const char *id, char *buf,
			    size_t len)
{
	size_t o = 0, off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sets[k].n_key && o < len; i++) {
		const struct stmt_field_def *f = stmt_field(sets[k].key[i]);

		if (i)
			o += (size_t)snprintf(buf + o, len - o, " . ");
		if (o < len)
			o += field_print(f, key + off, buf + o, len - o);
		off += (f->len + 3) / 4 * 4;
	}
	if (sets[k].obj_type && o < len)
		snprintf(buf + o, len - o, " : \"%s\"", id);
}
