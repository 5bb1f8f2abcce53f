/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test frame builder.  Every multi-byte field is written byte by byte in
 * network order, so the output does not depend on host endianness or struct
 * layout, and every frame is built in a zeroed FRAME_MAX_LEN scratch buffer
 * whose size bounds every kind by construction (see FRAME_MAX_LEN).
 */
#include <arpa/inet.h>
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"

#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define UDP_HLEN 8
#define EXT_LEN 8
#define ARP_BODY_LEN 28
#define BOOTP_MIN_LEN 300 /* RFC 1542 3.1: relays may drop shorter BOOTP messages */

enum value_type {
	VT_MAC,
	VT_MAC_OR_NONE,
	VT_IP4,
	VT_IP6,
	VT_IP, /* IPv4 or IPv6, by the kind's family */
	VT_UINT,
	VT_HEX,
	VT_NONCE,
	VT_EXT,
	VT_FRAG,
	VT_PREFIX6,
};

#define KBIT(k) (UINT32_C(1) << FRAME_KIND_##k)
#define KINDS_ALL ((UINT32_C(1) << _FRAME_KIND_MAX) - 1)
#define KINDS_ARP (KBIT(ARP_REQUEST) | KBIT(ARP_REPLY) | KBIT(ARP_PROBE) | KBIT(ARP_GRATUITOUS))
#define KINDS_DHCP (KBIT(DHCP_DISCOVER) | KBIT(DHCP_OFFER))
#define KINDS_DHCPV6 (KBIT(DHCPV6_SOLICIT) | KBIT(DHCPV6_ADVERTISE))
#define KINDS_V4 (KBIT(IPV4_UDP) | KBIT(IPV4_ICMP) | KINDS_DHCP)
#define KINDS_ND (KBIT(NS) | KBIT(NA) | KBIT(RA) | KBIT(REDIRECT))
#define KINDS_V6 (KBIT(IPV6_UDP) | KBIT(IPV6_ICMP) | KINDS_ND | KBIT(MLD_REPORT) | KINDS_DHCPV6)
#define KINDS_UDP (KBIT(IPV4_UDP) | KINDS_DHCP | KBIT(IPV6_UDP) | KINDS_DHCPV6)
#define KINDS_ECHO (KBIT(IPV4_ICMP) | KBIT(IPV6_ICMP))

static const struct key_info {
	const char *name;
	enum value_type type;
	uint32_t max; /* VT_UINT only */
	uint32_t kinds;
} keys[_FRAME_KEY_MAX] = {
    [FRAME_KEY_SRC] = {"src", VT_MAC, 0, KINDS_ALL},
    [FRAME_KEY_DST] = {"dst", VT_MAC, 0, KINDS_ALL},
    [FRAME_KEY_VLAN] = {"vlan", VT_UINT, 4095, KINDS_ALL},
    [FRAME_KEY_QINQ] = {"qinq", VT_UINT, 4095, KINDS_ALL},
    [FRAME_KEY_TYPE] = {"type", VT_UINT, 0xffff, KBIT(ETH)},
    [FRAME_KEY_PAYLOAD] = {"payload", VT_HEX, 0,
			   KBIT(ETH) | KBIT(IPV4_UDP) | KBIT(IPV6_UDP) | KINDS_ECHO},
    [FRAME_KEY_SHA] = {"sha", VT_MAC, 0, KINDS_ARP},
    [FRAME_KEY_SPA] = {"spa", VT_IP4, 0, KINDS_ARP},
    [FRAME_KEY_THA] = {"tha", VT_MAC, 0, KINDS_ARP},
    [FRAME_KEY_TPA] = {"tpa", VT_IP4, 0, KINDS_ARP},
    [FRAME_KEY_IP] = {"ip", VT_IP4, 0, KBIT(ARP_GRATUITOUS)},
    [FRAME_KEY_HTYPE] = {"htype", VT_UINT, 0xffff, KINDS_ARP},
    [FRAME_KEY_PTYPE] = {"ptype", VT_UINT, 0xffff, KINDS_ARP},
    [FRAME_KEY_HLEN] = {"hlen", VT_UINT, 0xff, KINDS_ARP},
    [FRAME_KEY_PLEN] = {"plen", VT_UINT, 0xff, KINDS_ARP},
    [FRAME_KEY_OP] = {"op", VT_UINT, 0xffff, KINDS_ARP},
    [FRAME_KEY_SADDR] = {"saddr", VT_IP, 0, KINDS_V4 | KINDS_V6},
    [FRAME_KEY_DADDR] = {"daddr", VT_IP, 0, KINDS_V4 | KINDS_V6},
    [FRAME_KEY_SPORT] = {"sport", VT_UINT, 0xffff, KINDS_UDP},
    [FRAME_KEY_DPORT] = {"dport", VT_UINT, 0xffff, KINDS_UDP},
    [FRAME_KEY_TTL] = {"ttl", VT_UINT, 0xff, KINDS_V4},
    [FRAME_KEY_HLIM] = {"hlim", VT_UINT, 0xff, KINDS_V6},
    [FRAME_KEY_ID] = {"id", VT_UINT, 0xffff, KINDS_ECHO},
    [FRAME_KEY_SEQ] = {"seq", VT_UINT, 0xffff, KINDS_ECHO},
    /* DHCPv6 transaction ids are 24 bits; frame_spec_set() narrows it */
    [FRAME_KEY_XID] = {"xid", VT_UINT, 0xffffffff, KINDS_DHCP | KINDS_DHCPV6},
    [FRAME_KEY_YIADDR] = {"yiaddr", VT_IP4, 0, KBIT(DHCP_OFFER)},
    [FRAME_KEY_CHADDR] = {"chaddr", VT_MAC, 0, KINDS_DHCP},
    [FRAME_KEY_TARGET] = {"target", VT_IP6, 0, KBIT(NS) | KBIT(NA) | KBIT(REDIRECT)},
    [FRAME_KEY_DEST] = {"dest", VT_IP6, 0, KBIT(REDIRECT)},
    [FRAME_KEY_SLL] = {"sll", VT_MAC_OR_NONE, 0, KBIT(NS) | KBIT(RA)},
    [FRAME_KEY_TLL] = {"tll", VT_MAC_OR_NONE, 0, KBIT(NA) | KBIT(REDIRECT)},
    [FRAME_KEY_NONCE] = {"nonce", VT_NONCE, 0, KBIT(NS)},
    /* MLD always carries its hop-by-hop Router Alert header, so no ext= */
    [FRAME_KEY_EXT] = {"ext", VT_EXT, 0, KINDS_V6 & ~KBIT(MLD_REPORT)},
    [FRAME_KEY_FRAG] = {"frag", VT_FRAG, 0, KINDS_V6 & ~KBIT(MLD_REPORT)},
    [FRAME_KEY_FLAGS] = {"flags", VT_UINT, 0xff, KBIT(NA) | KBIT(RA)},
    [FRAME_KEY_PREFIX] = {"prefix", VT_PREFIX6, 0, KBIT(RA)},
    [FRAME_KEY_GROUP] = {"group", VT_IP6, 0, KBIT(MLD_REPORT)},
};

#define NEED(k) (UINT64_C(1) << FRAME_KEY_##k)

static const struct kind_info {
	const char *name;
	uint64_t needs;
	uint16_t ethertype;    /* 0 for eth: taken from type= */
	uint16_t sport, dport; /* UDP kinds */
	uint8_t hop;	       /* default TTL / hop limit */
} kinds[_FRAME_KIND_MAX] = {
    [FRAME_KIND_ETH] = {"eth", NEED(TYPE), 0, 0, 0, 0},
    [FRAME_KIND_ARP_REQUEST] = {"arp-request", NEED(SPA) | NEED(TPA), 0x0806, 0, 0, 0},
    [FRAME_KIND_ARP_REPLY] = {"arp-reply", NEED(SPA) | NEED(TPA), 0x0806, 0, 0, 0},
    [FRAME_KIND_ARP_PROBE] = {"arp-probe", NEED(TPA), 0x0806, 0, 0, 0},
    [FRAME_KIND_ARP_GRATUITOUS] = {"arp-gratuitous", NEED(IP), 0x0806, 0, 0, 0},
    [FRAME_KIND_IPV4_UDP] = {"ipv4-udp", NEED(SADDR) | NEED(DADDR), 0x0800, 40000, 9, 64},
    [FRAME_KIND_IPV4_ICMP] = {"ipv4-icmp", NEED(SADDR) | NEED(DADDR), 0x0800, 0, 0, 64},
    [FRAME_KIND_DHCP_DISCOVER] = {"dhcp-discover", 0, 0x0800, 68, 67, 64},
    [FRAME_KIND_DHCP_OFFER] = {"dhcp-offer", NEED(SADDR), 0x0800, 67, 68, 64},
    [FRAME_KIND_IPV6_UDP] = {"ipv6-udp", NEED(SADDR) | NEED(DADDR), 0x86dd, 40000, 9, 64},
    [FRAME_KIND_IPV6_ICMP] = {"ipv6-icmp", NEED(SADDR) | NEED(DADDR), 0x86dd, 0, 0, 64},
    /* RFC 4861 requires hop limit 255 on ND so receivers know it was not routed */
    [FRAME_KIND_NS] = {"ns", NEED(TARGET), 0x86dd, 0, 0, 255},
    [FRAME_KIND_NA] = {"na", NEED(SADDR) | NEED(TARGET), 0x86dd, 0, 0, 255},
    [FRAME_KIND_RA] = {"ra", NEED(SADDR), 0x86dd, 0, 0, 255},
    [FRAME_KIND_REDIRECT] = {"redirect", NEED(SADDR) | NEED(DADDR) | NEED(TARGET) | NEED(DEST),
			     0x86dd, 0, 0, 255},
    [FRAME_KIND_MLD_REPORT] = {"mld-report", 0, 0x86dd, 0, 0, 1},
    [FRAME_KIND_DHCPV6_SOLICIT] = {"dhcpv6-solicit", NEED(SADDR), 0x86dd, 546, 547, 64},
    [FRAME_KIND_DHCPV6_ADVERTISE] = {"dhcpv6-advertise", NEED(SADDR) | NEED(DADDR), 0x86dd, 547,
				     546, 64},
};

static const char *const ext_names[_FRAME_EXT_MAX] = {
    [FRAME_EXT_NONE] = "none",
    [FRAME_EXT_HBH] = "hbh",
    [FRAME_EXT_DST] = "dst",
};

static const char *const frag_names[_FRAME_FRAG_MAX] = {
    [FRAME_FRAG_NONE] = "none",
    [FRAME_FRAG_FIRST] = "first",
    [FRAME_FRAG_LATER] = "later",
    [FRAME_FRAG_ATOMIC] = "atomic",
    [FRAME_FRAG_FIRST_NO_L4] = "first-no-l4",
};

static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[6];
static const uint8_t mac_src_default[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac_chaddr_default[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t ip4_zero[4];
static const uint8_t ip4_bcast[4] = {255, 255, 255, 255};
static const uint8_t ip4_yiaddr_default[4] = {192, 0, 2, 100};
static const uint8_t ip6_zero[16];
static const uint8_t ip6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};
static const uint8_t ip6_mld2_routers[16] = {0xff, 0x02, [15] = 0x16};
static const uint8_t ip6_dhcp_agents[16] = {0xff, 0x02, [13] = 0x01, [15] = 0x02};
static const uint8_t ip6_group_default[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff, [15] = 0x01};

__attribute__((format(printf, 2, 3))) static int fail(struct frame_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->text, sizeof(err->text), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *frame_kind_to_string(enum frame_kind k)
{
	if (k < 0 || k >= _FRAME_KIND_MAX)
		return NULL;
	return kinds[k].name;
}

enum frame_kind frame_kind_from_string(const char *s)
{
	for (int k = 0; k < _FRAME_KIND_MAX; k++)
		if (strcmp(kinds[k].name, s) == 0)
			return (enum frame_kind)k;
	return _FRAME_KIND_INVALID;
}

const char *frame_key_to_string(enum frame_key k)
{
	if (k < 0 || k >= _FRAME_KEY_MAX)
		return NULL;
	return keys[k].name;
}

bool frame_kind_has_key(enum frame_kind k, enum frame_key key)
{
	if (k < 0 || k >= _FRAME_KIND_MAX || key < 0 || key >= _FRAME_KEY_MAX)
		return false;
	return keys[key].kinds & (UINT32_C(1) << k);
}

bool frame_kind_needs_key(enum frame_kind k, enum frame_key key)
{
	if (k < 0 || k >= _FRAME_KIND_MAX || key < 0 || key >= _FRAME_KEY_MAX)
		return false;
	return kinds[k].needs & (UINT64_C(1) << key);
}

int frame_spec_init(struct frame_spec *ret, const char *kind, struct frame_error *err)
{
	enum frame_kind k = frame_kind_from_string(kind);

	if (k < 0)
		return fail(err, "unknown kind '%s'", kind);
	memset(ret, 0, sizeof(*ret));
	ret->kind = k;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Exactly "xx:xx:xx:xx:xx:xx"; sscanf would also take "1:2:3:4:5:6" and signs. */
static bool parse_mac(const char *s, uint8_t ret[6])
{
	uint8_t mac[6];

	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret, mac, 6);
	return true;
}

/* Decimal, or hex after "0x".  Not strtoul: it takes signs, spaces and octal. */
static bool parse_uint(const char *s, uint32_t max, uint32_t *ret)
{
	unsigned int base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = hexval(*s);

		if (d < 0 || (unsigned int)d >= base)
			return false;
		v = v * base + (unsigned int)d;
		if (v > max)
			return false;
	}
	*ret = (uint32_t)v;
	return true;
}

/* Even number of hex digits, optional "0x"; "" is an empty payload. */
static bool parse_hex(const char *s, uint8_t *ret, size_t max, size_t *ret_len)
{
	size_t n;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	n = strlen(s);
	if (n % 2 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n; i += 2)
		if (hexval(s[i]) < 0 || hexval(s[i + 1]) < 0)
			return false;
	for (size_t i = 0; i < n; i += 2)
		ret[i / 2] = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
	*ret_len = n / 2;
	return true;
}

static bool parse_prefix6(const char *s, struct frame_value *ret)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	uint32_t len;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (!parse_uint(slash + 1, 128, &len) || inet_pton(AF_INET6, addr, ret->addr) != 1)
		return false;
	ret->u = len;
	return true;
}

static bool kind_is_v6(enum frame_kind k)
{
	return KINDS_V6 & (UINT32_C(1) << k);
}

int frame_spec_set(struct frame_spec *s, const char *key, const char *value,
		   struct frame_error *err)
{
	const char *kname = kinds[s->kind].name;
	struct frame_value v = {};
	const struct key_info *ki;
	enum value_type type;
	size_t plen = 0;
	uint32_t max;
	int k;

	for (k = 0; k < _FRAME_KEY_MAX; k++)
		if (strcmp(keys[k].name, key) == 0)
			break;
	if (k == _FRAME_KEY_MAX)
		return fail(err, "unknown key '%s'", key);
	ki = &keys[k];
	if (!(ki->kinds & (UINT32_C(1) << s->kind)))
		return fail(err, "key '%s' does not apply to kind '%s'", key, kname);

	type = ki->type;
	if (type == VT_IP)
		type = kind_is_v6(s->kind) ? VT_IP6 : VT_IP4;
	switch (type) {
	case VT_MAC_OR_NONE:
		if (strcmp(value, "none") == 0) {
			v.none = true;
			break;
		}
		/* fall through */
	case VT_MAC:
		if (!parse_mac(value, v.addr))
			return fail(err, "key '%s': bad MAC '%s' (want aa:bb:cc:dd:ee:ff%s)", key,
				    value, type == VT_MAC_OR_NONE ? " or none" : "");
		break;
	case VT_IP4:
		if (inet_pton(AF_INET, value, v.addr) != 1)
			return fail(err, "key '%s': bad IPv4 address '%s'", key, value);
		break;
	case VT_IP6:
		if (inet_pton(AF_INET6, value, v.addr) != 1)
			return fail(err, "key '%s': bad IPv6 address '%s'", key, value);
		break;
	case VT_IP:
		assert(false);
		break;
	case VT_UINT:
		max = ki->max;
		if (k == FRAME_KEY_XID && kind_is_v6(s->kind))
			max = 0xffffff;
		if (!parse_uint(value, max, &v.u))
			return fail(err, "key '%s': bad number '%s' (decimal or 0x hex, max %u)",
				    key, value, max);
		break;
	case VT_HEX:
		/* parse straight into the spec: it fails without writing anything */
		if (!parse_hex(value, s->payload, sizeof(s->payload), &plen))
			return fail(err,
				    "key '%s': bad hex '%s' (even number of digits, max %zu bytes)",
				    key, value, sizeof(s->payload));
		s->payload_len = plen;
		break;
	case VT_NONCE:
		if (!parse_hex(value, v.addr, 6, &plen) || plen != 6)
			return fail(err, "key '%s': bad nonce '%s' (want 12 hex digits)", key,
				    value);
		break;
	case VT_EXT:
		for (v.u = 0; v.u < _FRAME_EXT_MAX; v.u++)
			if (strcmp(ext_names[v.u], value) == 0)
				break;
		if (v.u == _FRAME_EXT_MAX)
			return fail(err, "key '%s': bad value '%s' (want none, hbh or dst)", key,
				    value);
		break;
	case VT_FRAG:
		for (v.u = 0; v.u < _FRAME_FRAG_MAX; v.u++)
			if (strcmp(frag_names[v.u], value) == 0)
				break;
		if (v.u == _FRAME_FRAG_MAX)
			return fail(err,
				    "key '%s': bad value '%s' (want none, first, later, atomic or "
				    "first-no-l4)",
				    key, value);
		break;
	case VT_PREFIX6:
		if (!parse_prefix6(value, &v))
			return fail(err, "key '%s': bad IPv6 prefix '%s' (want ADDR/LEN)", key,
				    value);
		break;
	}
	s->v[k] = v;
	s->has |= UINT64_C(1) << k;
	return 0;
}

int frame_spec_set_arg(struct frame_spec *s, const char *arg, struct frame_error *err)
{
	char key[32];
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg)
		return fail(err, "bad argument '%s' (want key=value)", arg);
	if ((size_t)(eq - arg) >= sizeof(key))
		return fail(err, "unknown key in '%s'", arg);
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	return frame_spec_set(s, key, eq + 1, err);
}

static bool has(const struct frame_spec *s, enum frame_key k)
{
	return s->has & (UINT64_C(1) << k);
}

static const uint8_t *addr_or(const struct frame_spec *s, enum frame_key k, const uint8_t *def)
{
	return has(s, k) ? s->v[k].addr : def;
}

static uint32_t uint_or(const struct frame_spec *s, enum frame_key k, uint32_t def)
{
	return has(s, k) ? s->v[k].u : def;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* One's-complement sum (RFC 1071); callers pass even lengths except the last piece. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n % 2)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Upper-layer checksum with the IPv4 (RFC 768) or IPv6 (RFC 8200 8.1)
 * pseudo-header.  Both reduce to the same sum: addresses, protocol and
 * length, because lengths here always fit in 16 bits.
 */
static uint16_t l4_csum(const uint8_t *saddr, const uint8_t *daddr, size_t alen, uint8_t proto,
			const uint8_t *l4, size_t len)
{
	uint32_t sum = 0;

	sum = csum_add(sum, saddr, alen);
	sum = csum_add(sum, daddr, alen);
	sum += proto + (uint32_t)len;
	return csum_fold(csum_add(sum, l4, len));
}

static size_t put_eth(const struct frame_spec *s, uint8_t *f, const uint8_t *dst_default,
		      uint16_t ethertype)
{
	size_t off = 12;

	memcpy(f, addr_or(s, FRAME_KEY_DST, dst_default), 6);
	memcpy(f + 6, addr_or(s, FRAME_KEY_SRC, mac_src_default), 6);
	/* 802.1ad S-tag outermost, then the 802.1Q C-tag, then the real type */
	if (has(s, FRAME_KEY_QINQ)) {
		put16(f + off, 0x88a8);
		put16(f + off + 2, s->v[FRAME_KEY_QINQ].u);
		off += 4;
	}
	if (has(s, FRAME_KEY_VLAN)) {
		put16(f + off, 0x8100);
		put16(f + off + 2, s->v[FRAME_KEY_VLAN].u);
		off += 4;
	}
	put16(f + off, ethertype);
	return off + 2;
}

static size_t put_payload(const struct frame_spec *s, uint8_t *p, const void *def, size_t def_len)
{
	if (!has(s, FRAME_KEY_PAYLOAD)) {
		memcpy(p, def, def_len);
		return def_len;
	}
	memcpy(p, s->payload, s->payload_len);
	return s->payload_len;
}

static size_t build_eth(const struct frame_spec *s, uint8_t *f)
{
	uint8_t pattern[46];
	size_t off;

	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)i;
	off = put_eth(s, f, mac_bcast, (uint16_t)s->v[FRAME_KEY_TYPE].u);
	return off + put_payload(s, f + off, pattern, sizeof(pattern));
}

static size_t build_arp(const struct frame_spec *s, uint8_t *f)
{
	bool is_reply = s->kind == FRAME_KIND_ARP_REPLY;
	const uint8_t *ip = addr_or(s, FRAME_KEY_IP, ip4_zero);
	const uint8_t *spa, *tpa;
	uint8_t *p;
	size_t off;

	/* a reply goes to whoever asked; everything else is a broadcast */
	off = put_eth(s, f, is_reply ? addr_or(s, FRAME_KEY_THA, mac_bcast) : mac_bcast,
		      kinds[s->kind].ethertype);
	if (s->kind == FRAME_KIND_ARP_GRATUITOUS) {
		spa = addr_or(s, FRAME_KEY_SPA, ip);
		tpa = addr_or(s, FRAME_KEY_TPA, ip);
	} else {
		/* a probe (RFC 5227) has sender IP 0.0.0.0; the others require spa */
		spa = addr_or(s, FRAME_KEY_SPA, ip4_zero);
		tpa = s->v[FRAME_KEY_TPA].addr;
	}

	p = f + off;
	put16(p, uint_or(s, FRAME_KEY_HTYPE, 1));
	put16(p + 2, uint_or(s, FRAME_KEY_PTYPE, 0x0800));
	/* hlen/plen override only the header bytes: the body layout stays 6/4 */
	p[4] = (uint8_t)uint_or(s, FRAME_KEY_HLEN, 6);
	p[5] = (uint8_t)uint_or(s, FRAME_KEY_PLEN, 4);
	put16(p + 6, uint_or(s, FRAME_KEY_OP, is_reply ? 2 : 1));
	memcpy(p + 8, addr_or(s, FRAME_KEY_SHA, addr_or(s, FRAME_KEY_SRC, mac_src_default)), 6);
	memcpy(p + 14, spa, 4);
	memcpy(p + 18, addr_or(s, FRAME_KEY_THA, mac_zero), 6);
	memcpy(p + 24, tpa, 4);
	return off + ARP_BODY_LEN;
}

/* BOOTP/DHCP message (RFC 2131 section 2) at p; returns its length. */
static size_t put_bootp(const struct frame_spec *s, uint8_t *p, const uint8_t *saddr)
{
	bool is_offer = s->kind == FRAME_KIND_DHCP_OFFER;
	const uint8_t *chaddr_default =
	    is_offer ? mac_chaddr_default : addr_or(s, FRAME_KEY_SRC, mac_src_default);
	uint8_t *o = p + 240;

	p[0] = is_offer ? 2 : 1;
	p[1] = 1; /* htype Ethernet */
	p[2] = 6;
	put32(p + 4, uint_or(s, FRAME_KEY_XID, 0x12345678));
	/* a client without an address cannot receive unicast: ask for broadcast */
	put16(p + 10, is_offer ? 0 : 0x8000);
	if (is_offer)
		memcpy(p + 16, addr_or(s, FRAME_KEY_YIADDR, ip4_yiaddr_default), 4);
	memcpy(p + 28, addr_or(s, FRAME_KEY_CHADDR, chaddr_default), 6);
	put32(p + 236, 0x63825363); /* magic cookie */
	*o++ = 53;
	*o++ = 1;
	*o++ = is_offer ? 2 : 1;
	if (is_offer) {
		*o++ = 54; /* server identifier */
		*o++ = 4;
		memcpy(o, saddr, 4);
		o += 4;
	}
	*o++ = 255;
	return (size_t)(o - p) < BOOTP_MIN_LEN ? BOOTP_MIN_LEN : (size_t)(o - p);
}

/* DHCPv6 message (RFC 8415 section 8) with a DUID-LL made from the source MAC. */
static size_t put_dhcpv6(const struct frame_spec *s, uint8_t *p)
{
	bool is_solicit = s->kind == FRAME_KIND_DHCPV6_SOLICIT;
	size_t n = 4;

	/* message type, then the 24-bit transaction id */
	put32(p,
	      (is_solicit ? UINT32_C(1) : UINT32_C(2)) << 24 | uint_or(s, FRAME_KEY_XID, 0x123456));
	put16(p + n, is_solicit ? 1 : 2); /* OPTION_CLIENTID : OPTION_SERVERID */
	put16(p + n + 2, 10);
	put16(p + n + 4, 3); /* DUID-LL */
	put16(p + n + 6, 1); /* hardware type Ethernet */
	memcpy(p + n + 8, addr_or(s, FRAME_KEY_SRC, mac_src_default), 6);
	n += 14;
	if (is_solicit) {
		/* RFC 8415 requires Elapsed Time in every Solicit */
		put16(p + n, 8);
		put16(p + n + 2, 2);
		n += 6;
	}
	return n;
}

/* UDP header plus the kind's payload at p; checksum left for the caller. */
static size_t put_udp(const struct frame_spec *s, uint8_t *p, const uint8_t *saddr)
{
	const struct kind_info *ki = &kinds[s->kind];
	size_t n;

	if (s->kind == FRAME_KIND_DHCP_DISCOVER || s->kind == FRAME_KIND_DHCP_OFFER)
		n = put_bootp(s, p + UDP_HLEN, saddr);
	else if (s->kind == FRAME_KIND_DHCPV6_SOLICIT || s->kind == FRAME_KIND_DHCPV6_ADVERTISE)
		n = put_dhcpv6(s, p + UDP_HLEN);
	else
		n = put_payload(s, p + UDP_HLEN, "vgframe!", 8);
	put16(p, uint_or(s, FRAME_KEY_SPORT, ki->sport));
	put16(p + 2, uint_or(s, FRAME_KEY_DPORT, ki->dport));
	put16(p + 4, (uint32_t)(UDP_HLEN + n));
	return UDP_HLEN + n;
}

/* ICMP / ICMPv6 echo request body after the 4-byte type/code/checksum. */
static size_t put_echo(const struct frame_spec *s, uint8_t *p, uint8_t type)
{
	p[0] = type;
	put16(p + 4, uint_or(s, FRAME_KEY_ID, 1));
	put16(p + 6, uint_or(s, FRAME_KEY_SEQ, 1));
	return 8 + put_payload(s, p + 8, "vgframe!", 8);
}

static size_t build_ipv4(const struct frame_spec *s, uint8_t *f)
{
	const uint8_t *saddr = addr_or(s, FRAME_KEY_SADDR, ip4_zero);
	const uint8_t *daddr = addr_or(s, FRAME_KEY_DADDR, ip4_bcast);
	uint8_t dst[6], *ip, *l4;
	uint8_t proto;
	uint16_t csum;
	size_t off, n;

	memcpy(dst, mac_bcast, 6);
	if ((daddr[0] & 0xf0) == 0xe0) {
		/* RFC 1112 6.4: 01:00:5e plus the low 23 bits of the group */
		memcpy(dst, (const uint8_t[]){0x01, 0x00, 0x5e}, 3);
		dst[3] = daddr[1] & 0x7f;
		dst[4] = daddr[2];
		dst[5] = daddr[3];
	}
	off = put_eth(s, f, dst, kinds[s->kind].ethertype);
	ip = f + off;
	l4 = ip + IPV4_HLEN;

	if (s->kind == FRAME_KIND_IPV4_ICMP) {
		proto = 1;
		n = put_echo(s, l4, 8);
		put16(l4 + 2, csum_fold(csum_add(0, l4, n)));
	} else {
		proto = 17;
		n = put_udp(s, l4, saddr);
		csum = l4_csum(saddr, daddr, 4, proto, l4, n);
		/* RFC 768: a computed 0 is sent as 0xffff, 0 means "no checksum" */
		put16(l4 + 6, csum ? csum : 0xffff);
	}

	ip[0] = 0x45;
	put16(ip + 2, (uint32_t)(IPV4_HLEN + n));
	ip[8] = (uint8_t)uint_or(s, FRAME_KEY_TTL, kinds[s->kind].hop);
	ip[9] = proto;
	memcpy(ip + 12, saddr, 4);
	memcpy(ip + 16, daddr, 4);
	put16(ip + 10, csum_fold(csum_add(0, ip, IPV4_HLEN)));
	return off + IPV4_HLEN + n;
}

/* NDP link-layer address option (RFC 4861 4.6.1) unless the key says none. */
static size_t put_lladdr(const struct frame_spec *s, uint8_t *p, enum frame_key k, uint8_t type,
			 bool on_by_default)
{
	if (has(s, k) ? s->v[k].none : !on_by_default)
		return 0;
	p[0] = type;
	p[1] = 1;
	memcpy(p + 2, addr_or(s, k, addr_or(s, FRAME_KEY_SRC, mac_src_default)), 6);
	return 8;
}

/* ICMPv6 message for the kind at p; checksum left for the caller. */
static size_t put_icmp6(const struct frame_spec *s, uint8_t *p, const uint8_t *saddr)
{
	const uint8_t *target = s->v[FRAME_KEY_TARGET].addr;
	size_t n;

	switch (s->kind) {
	case FRAME_KIND_IPV6_ICMP:
		return put_echo(s, p, 128);
	case FRAME_KIND_NS:
		p[0] = 135;
		memcpy(p + 8, target, 16);
		n = 24;
		/* DAD (source ::) must not carry a source link-layer option (RFC 4861 4.3) */
		n += put_lladdr(s, p + n, FRAME_KEY_SLL, 1, memcmp(saddr, ip6_zero, 16) != 0);
		if (has(s, FRAME_KEY_NONCE)) {
			p[n] = 14; /* RFC 3971 5.3.2 nonce, used by RFC 7527 enhanced DAD */
			p[n + 1] = 1;
			memcpy(p + n + 2, s->v[FRAME_KEY_NONCE].addr, 6);
			n += 8;
		}
		return n;
	case FRAME_KIND_NA:
		p[0] = 136;
		p[4] = (uint8_t)uint_or(s, FRAME_KEY_FLAGS, 0x20);
		memcpy(p + 8, target, 16);
		return 24 + put_lladdr(s, p + 24, FRAME_KEY_TLL, 2, true);
	case FRAME_KIND_RA:
		p[0] = 134;
		p[4] = 64; /* cur hop limit */
		p[5] = (uint8_t)uint_or(s, FRAME_KEY_FLAGS, 0);
		put16(p + 6, 1800); /* router lifetime */
		n = 16 + put_lladdr(s, p + 16, FRAME_KEY_SLL, 1, true);
		if (has(s, FRAME_KEY_PREFIX)) {
			p[n] = 3; /* prefix information, RFC 4861 4.6.2 */
			p[n + 1] = 4;
			p[n + 2] = (uint8_t)s->v[FRAME_KEY_PREFIX].u;
			p[n + 3] = 0xc0; /* on-link, autonomous */
			put32(p + n + 4, 86400);
			put32(p + n + 8, 14400);
			memcpy(p + n + 16, s->v[FRAME_KEY_PREFIX].addr, 16);
			n += 32;
		}
		return n;
	case FRAME_KIND_REDIRECT:
		p[0] = 137;
		memcpy(p + 8, target, 16);
		memcpy(p + 24, s->v[FRAME_KEY_DEST].addr, 16);
		return 40 + put_lladdr(s, p + 40, FRAME_KEY_TLL, 2, false);
	case FRAME_KIND_MLD_REPORT:
		p[0] = 143;
		put16(p + 6, 1); /* one record */
		p[8] = 4;	 /* CHANGE_TO_EXCLUDE_MODE: a join */
		memcpy(p + 12, addr_or(s, FRAME_KEY_GROUP, ip6_group_default), 16);
		return 28;
	case FRAME_KIND_ETH:
	case FRAME_KIND_ARP_REQUEST:
	case FRAME_KIND_ARP_REPLY:
	case FRAME_KIND_ARP_PROBE:
	case FRAME_KIND_ARP_GRATUITOUS:
	case FRAME_KIND_IPV4_UDP:
	case FRAME_KIND_IPV4_ICMP:
	case FRAME_KIND_DHCP_DISCOVER:
	case FRAME_KIND_DHCP_OFFER:
	case FRAME_KIND_IPV6_UDP:
	case FRAME_KIND_DHCPV6_SOLICIT:
	case FRAME_KIND_DHCPV6_ADVERTISE:
	case _FRAME_KIND_MAX:
	case _FRAME_KIND_INVALID:
		break;
	}
	assert(false);
	return 0;
}

static size_t build_ipv6(const struct frame_spec *s, uint8_t *f)
{
	const uint8_t *saddr = addr_or(s, FRAME_KEY_SADDR, ip6_zero);
	enum frame_ext ext = (enum frame_ext)uint_or(s, FRAME_KEY_EXT, FRAME_EXT_NONE);
	enum frame_frag frag = (enum frame_frag)uint_or(s, FRAME_KEY_FRAG, FRAME_FRAG_NONE);
	uint8_t snm[16] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
	const uint8_t *daddr_default = ip6_all_nodes;
	const uint8_t *daddr;
	bool is_udp = KINDS_UDP & (UINT32_C(1) << s->kind);
	uint8_t proto = is_udp ? 17 : 58;
	uint8_t dst[6], *ip, *l4;
	size_t off, ext_len, frag_len, n;
	uint16_t csum;

	if (s->kind == FRAME_KIND_NS) {
		/* solicited-node group ff02::1:ffXX:XXXX, RFC 4291 2.7.1 */
		memcpy(snm + 13, s->v[FRAME_KEY_TARGET].addr + 13, 3);
		daddr_default = snm;
	} else if (s->kind == FRAME_KIND_MLD_REPORT) {
		daddr_default = ip6_mld2_routers;
		ext = FRAME_EXT_HBH;
	} else if (s->kind == FRAME_KIND_DHCPV6_SOLICIT) {
		daddr_default = ip6_dhcp_agents;
	}
	daddr = addr_or(s, FRAME_KEY_DADDR, daddr_default);

	memcpy(dst, mac_bcast, 6);
	if (daddr[0] == 0xff) {
		/* RFC 2464 7: 33:33 plus the low 32 bits of the group */
		dst[0] = dst[1] = 0x33;
		memcpy(dst + 2, daddr + 12, 4);
	}
	off = put_eth(s, f, dst, kinds[s->kind].ethertype);
	ip = f + off;
	ext_len = ext == FRAME_EXT_NONE ? 0 : EXT_LEN;
	/* the fragment header, and for first-no-l4 the destination options
	 * header the chain ends in */
	frag_len = frag == FRAME_FRAG_NONE	    ? 0
		   : frag == FRAME_FRAG_FIRST_NO_L4 ? 2 * EXT_LEN
						    : EXT_LEN;
	l4 = ip + IPV6_HLEN + ext_len + frag_len;

	n = is_udp ? put_udp(s, l4, saddr) : put_icmp6(s, l4, saddr);
	/* the pseudo-header length is the upper-layer length: extension headers excluded */
	csum = l4_csum(saddr, daddr, 16, proto, l4, n);
	if (is_udp)
		put16(l4 + 6, csum ? csum : 0xffff); /* IPv6 forbids a zero UDP checksum */
	else
		put16(l4 + 2, csum);

	if (frag != FRAME_FRAG_NONE) {
		uint8_t *fh = ip + IPV6_HLEN + ext_len;

		fh[0] = proto;
		if (frag == FRAME_FRAG_LATER)
			put16(fh + 2, 1448); /* offset 181 (8-octet units) << 3, M clear */
		else if (frag != FRAME_FRAG_ATOMIC)
			put16(fh + 2, 1); /* offset 0, M set */
		put32(fh + 4, 0x76676601);
		if (frag == FRAME_FRAG_FIRST_NO_L4) {
			fh[0] = 60;
			fh[EXT_LEN] = proto;
			fh[EXT_LEN + 2] = 1; /* PadN */
			fh[EXT_LEN + 3] = 4;
			memset(l4, 0, n);
			n = 0;
		}
		proto = 44;
	}
	put32(ip, UINT32_C(6) << 28);
	put16(ip + 4, (uint32_t)(ext_len + frag_len + n));
	ip[6] = proto;
	ip[7] = (uint8_t)uint_or(s, FRAME_KEY_HLIM, kinds[s->kind].hop);
	memcpy(ip + 8, saddr, 16);
	memcpy(ip + 24, daddr, 16);
	if (ext_len) {
		uint8_t *e = ip + IPV6_HLEN;

		ip[6] = ext == FRAME_EXT_HBH ? 0 : 60;
		e[0] = proto;
		e[1] = 0; /* length in 8-octet units, not counting the first 8 */
		if (s->kind == FRAME_KIND_MLD_REPORT) {
			/* RFC 3810 5: Router Alert (RFC 2711) value 0 = MLD, then an empty PadN */
			memcpy(e + 2, (const uint8_t[]){0x05, 0x02, 0x00, 0x00, 0x01, 0x00}, 6);
		} else {
			/* PadN of 4 zero bytes fills the 6 option bytes */
			e[2] = 1;
			e[3] = 4;
		}
	}
	return off + IPV6_HLEN + ext_len + frag_len + n;
}

int frame_build(const struct frame_spec *s, uint8_t *buf, size_t len, size_t *ret_len,
		size_t *ret_data_len, struct frame_error *err)
{
	uint8_t f[FRAME_MAX_LEN] = {};
	size_t n = 0, data_len;

	for (int k = 0; k < _FRAME_KEY_MAX; k++)
		if ((kinds[s->kind].needs & (UINT64_C(1) << k)) && !has(s, (enum frame_key)k))
			return fail(err, "kind '%s' needs key '%s'", kinds[s->kind].name,
				    keys[k].name);

	switch (s->kind) {
	case FRAME_KIND_ETH:
		n = build_eth(s, f);
		break;
	case FRAME_KIND_ARP_REQUEST:
	case FRAME_KIND_ARP_REPLY:
	case FRAME_KIND_ARP_PROBE:
	case FRAME_KIND_ARP_GRATUITOUS:
		n = build_arp(s, f);
		break;
	case FRAME_KIND_IPV4_UDP:
	case FRAME_KIND_IPV4_ICMP:
	case FRAME_KIND_DHCP_DISCOVER:
	case FRAME_KIND_DHCP_OFFER:
		n = build_ipv4(s, f);
		break;
	case FRAME_KIND_IPV6_UDP:
	case FRAME_KIND_IPV6_ICMP:
	case FRAME_KIND_NS:
	case FRAME_KIND_NA:
	case FRAME_KIND_RA:
	case FRAME_KIND_REDIRECT:
	case FRAME_KIND_MLD_REPORT:
	case FRAME_KIND_DHCPV6_SOLICIT:
	case FRAME_KIND_DHCPV6_ADVERTISE:
		n = build_ipv6(s, f);
		break;
	case _FRAME_KIND_MAX:
	case _FRAME_KIND_INVALID:
		return fail(err, "invalid kind");
	}
	assert(n <= sizeof(f));
	data_len = n;
	/* f is zeroed, so this is the Ethernet pad a NIC would add on the wire */
	if (n < FRAME_MIN_LEN)
		n = FRAME_MIN_LEN;
	if (n > len)
		return -ENOBUFS;
	memcpy(buf, f, n);
	*ret_len = n;
	if (ret_data_len)
		*ret_data_len = data_len;
	return 0;
}
