/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vg-explain: the differential test of drop attribution (explain-diff.sh).
 * The same frames go through the kernel's bridge and through explain_frame();
 * explain must say "accepted" exactly when the kernel delivered the frame.
 *
 *   vg-explain gen [-s SEED] [-n MUTANTS] [-b BASE] [-c CORPUS] [-P PROT] MAC [IPS]
 *       frames for the vif with mac MAC and `ip` key IPS (no IPS: no ip key):
 *       typical frames of every kind explain names, the explain fuzzer's
 *       corpus, then MUTANTS mutations of them all.  One frame a line:
 *       "<tag> <hex>"; tags count from BASE.  PROT: protected addresses
 *       ("ADDR ...", as vg-apply -P); the typical frames then also use them.
 *   vg-explain send -i IFACE [-g GAP_US] FILE | -M
 *       send FILE's frames (or the end marker) raw on IFACE.
 *   vg-explain recv -i IFACE -t TIMEOUT_MS [-r READY_FILE]
 *       print "<tag> <hex>" for every tagged frame arriving on IFACE, until
 *       the end marker (then a grace period) or the timeout.
 *   vg-explain judge [-m block|mac-only] [-P PROT] -s SENT -o OFF -k ON MAC [IPS]
 *       for each frame of SENT that OFF (a recv run without rules) shows the
 *       bridge forwards: explain's verdict against ON (a recv run with the
 *       rules).  Prints every disagreement; exit 1 if there is one.
 *
 * The tag is the destination mac, 02:5e:<32-bit tag>: no rule of the table
 * and nothing in explain looks at it, the bridge floods such an unknown
 * unicast to every port, and it survives any mutation of the rest.
 *
 * Exit codes: 0 ok, 1 failure (I/O or a disagreement), 2 usage error.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "explain.h"
#include "frame.h"
#include "policy.h"
#include "resolve.h"
#include "vif.h"

#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* AF_PACKET refuses frames longer than the MTU plus the Ethernet header */
#define WIRE_MAX 1514
#define TAG_MARKER 0xffffffffu
#define FRAMES_MAX 100000
#define MUTANTS_MAX 50000
/* the log statement's snaplen in lib/ruleset.c, as daemon/manager.c passes it */
#define LOG_SNAPLEN 256
/* after the end marker: frames still in a softirq backlog arrive within this */
#define GRACE_MS 1000
#define TIMEOUT_MS_MAX 600000UL
#define SEND_RETRIES 2000
#define RCVBUF_BYTES (32 << 20)
#define VLAN_HLEN 4

struct frame {
	uint32_t tag;
	size_t len;
	uint8_t b[WIRE_MAX];
};

struct frames {
	struct frame *f;
	size_t n;
};

/* xorshift64*: the same seed gives the same frames on every machine */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return n ? (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n : 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void tag_set(struct frame *f, uint32_t tag)
{
	f->tag = tag;
	f->b[0] = 0x02;
	f->b[1] = 0x5e;
	f->b[2] = (uint8_t)(tag >> 24);
	f->b[3] = (uint8_t)(tag >> 16);
	f->b[4] = (uint8_t)(tag >> 8);
	f->b[5] = (uint8_t)tag;
}

/* The tag of a received frame; false if it carries none. */
static bool tag_of(const uint8_t *b, size_t len, uint32_t *ret)
{
	if (len < 6 || b[0] != 0x02 || b[1] != 0x5e)
		return false;
	*ret = (uint32_t)b[2] << 24 | (uint32_t)b[3] << 16 | (uint32_t)b[4] << 8 | b[5];
	return true;
}

static int hex_parse(const char *s, uint8_t *out, size_t max, size_t *ret_len)
{
	size_t n = 0;

	while (s[0] && s[0] != '\n') {
		unsigned int v;

		if (n == max || sscanf(s, "%2x", &v) != 1 || !s[1])
			return -EINVAL;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	*ret_len = n;
	return 0;
}

static void hex_print(FILE *out, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(out, "%02x", b[i]);
}

/* ---- the vif ---- */

struct world_vif {
	struct vif v;
	struct policy pol;
	char mac[18];
};

static int vif_load(const char *mac, const char *ips, const char *no_ip, struct world_vif *ret)
{
	struct vif_keys k = {.mac = mac, .ip = ips, .vifname = NULL};
	struct vif_error err;
	int r;

	policy_default(&ret->pol);
	if (no_ip) {
		r = policy_no_ip_from_string(no_ip);
		if (r < 0) {
			fprintf(stderr, "vg-explain: bad no-ip policy '%s'\n", no_ip);
			return r;
		}
		ret->pol.no_ip = (enum policy_no_ip)r;
	}
	r = vif_from_keys(3, 0, &k, &ret->pol.limits, &ret->v, &err);
	if (r < 0) {
		fprintf(stderr, "vg-explain: vif: %s\n", err.text);
		return r;
	}
	snprintf(ret->mac, sizeof(ret->mac), "%s", mac);
	return 0;
}

/* Protected addresses (vg-apply -P) into w's policy, after vif_load(). */
static int prot_load(const char *prot, struct world_vif *w)
{
	struct vif_error err;
	size_t n;

	if (!prot)
		return 0;
	if (vif_ip_list_parse("protect", prot, &w->pol.limits, w->pol.protected_addrs, &n,
			      &err) < 0 ||
	    n > POLICY_PROTECTED_MAX) {
		fprintf(stderr, "vg-explain: bad protected addresses '%s'\n", prot);
		return -EINVAL;
	}
	w->pol.n_protected = n;
	return 0;
}

/* ---- gen: typical frames ---- */

/*
 * Every reason explain can give, from the vif's side; $M is its mac, $A4 and
 * $A6 its own addresses, $P4 and $P6 addresses inside its prefixes and $LL its
 * EUI-64 link-local (each falls back to a foreign address when the vif has
 * none); $O is another machine's mac.
 */
static const char *const templates[] = {
    /* Ethernet */
    "ipv4-udp src=$O saddr=$A4 daddr=192.0.2.254",
    "eth src=$M type=0x88b5",
    "eth src=$M type=0x88cc payload=0102030405",
    "eth src=$M type=0x0806",
    "eth src=$M type=0x0800",
    "eth src=$M type=0x86dd",
    "eth src=$M vlan=10 type=0x0800",
    "ipv4-udp src=$M vlan=10 saddr=$A4 daddr=192.0.2.254",
    "arp-request src=$M vlan=7 spa=$A4 tpa=192.0.2.254",
    "ipv4-udp src=$M qinq=20 vlan=10 saddr=$A4 daddr=192.0.2.254",
    "ipv6-udp src=$M vlan=0 saddr=$A6 daddr=2001:db8::fe",
    /* ARP */
    "arp-request src=$M spa=$A4 tpa=192.0.2.254",
    "arp-reply src=$M spa=$A4 tha=$O tpa=192.0.2.254",
    "arp-probe src=$M tpa=$A4",
    "arp-gratuitous src=$M ip=$A4",
    "arp-gratuitous src=$M ip=$P4",
    "arp-reply src=$M spa=192.0.2.254 tha=$O tpa=192.0.2.254",
    "arp-request src=$M spa=192.0.2.254 tpa=192.0.2.9",
    "arp-gratuitous src=$M ip=192.0.2.254",
    "arp-request src=$M sha=$O spa=$A4 tpa=192.0.2.254",
    "arp-request src=$M spa=$A4 tpa=192.0.2.254 op=3",
    "arp-request src=$M spa=$A4 tpa=192.0.2.254 op=0",
    "arp-request src=$M spa=$A4 tpa=192.0.2.254 hlen=8",
    "arp-request src=$M spa=$A4 tpa=192.0.2.254 plen=16",
    "arp-request src=$M spa=$A4 tpa=192.0.2.254 htype=6",
    "arp-request src=$M spa=$A4 tpa=192.0.2.254 ptype=0x86dd",
    "arp-reply src=$M spa=0.0.0.0 tha=$O tpa=192.0.2.254",
    /* IPv4 */
    "ipv4-udp src=$M saddr=$A4 daddr=192.0.2.254",
    "ipv4-icmp src=$M saddr=$A4 daddr=192.0.2.254",
    "ipv4-udp src=$M saddr=$P4 daddr=192.0.2.254",
    "ipv4-udp src=$M saddr=198.51.100.16 daddr=192.0.2.254",
    "ipv4-udp src=$M saddr=192.0.2.254 daddr=192.0.2.1",
    "ipv4-icmp src=$M saddr=203.0.113.9 daddr=192.0.2.254",
    "dhcp-discover src=$M",
    "dhcp-offer src=$M saddr=$A4",
    "ipv4-udp src=$M saddr=$A4 daddr=192.0.2.254 sport=67 dport=68",
    "ipv4-udp src=$M saddr=0.0.0.0 daddr=192.0.2.254 sport=68 dport=67",
    "ipv4-udp src=$M saddr=0.0.0.0 daddr=255.255.255.255 sport=68 dport=68",
    "ipv4-icmp src=$M saddr=0.0.0.0 daddr=255.255.255.255",
    /* IPv6 */
    "ipv6-udp src=$M saddr=$A6 daddr=2001:db8::fe",
    "ipv6-udp src=$M saddr=$P6 daddr=2001:db8::fe",
    "ipv6-icmp src=$M saddr=$LL daddr=fe80::1",
    "ipv6-udp src=$M saddr=$A6 daddr=2001:db8::fe ext=hbh",
    "ipv6-udp src=$M saddr=$A6 daddr=2001:db8::fe ext=dst",
    "ipv6-udp src=$M saddr=2001:db8::fe daddr=2001:db8::1",
    "ipv6-udp src=$M saddr=fe80::1 daddr=2001:db8::fe",
    "ipv6-udp src=$M saddr=2001:db8:2::77 daddr=2001:db8::fe",
    "ns src=$M saddr=$A6 target=2001:db8::fe",
    "ns src=$M saddr=$A6 target=2001:db8::fe sll=none",
    "ns src=$M saddr=$A6 target=2001:db8::fe sll=$O",
    "ns src=$M saddr=$LL target=fe80::1",
    "ns src=$M saddr=2001:db8::fe target=2001:db8::1",
    "ns src=$M saddr=$A6 target=2001:db8::fe ext=dst",
    "na src=$M saddr=$A6 target=$A6",
    "na src=$M saddr=$A6 target=$A6 tll=none",
    "na src=$M saddr=$LL target=$LL",
    "na src=$M saddr=$P6 target=$P6",
    "na src=$M saddr=$A6 target=2001:db8::fe",
    "na src=$M saddr=$A6 target=2001:db8::fe tll=none",
    "na src=$M saddr=$A6 target=$A6 tll=$O",
    "na src=$M saddr=$A6 target=2001:db8::fe ext=hbh",
    "na src=$M saddr=$A6 target=$A6 ext=dst",
    "ns src=$M saddr=:: target=$A6",
    "ns src=$M saddr=:: target=$LL",
    "ns src=$M saddr=:: target=$A6 nonce=0102030405ff",
    "ns src=$M saddr=:: target=2001:db8::fe",
    "ns src=$M saddr=:: target=$A6 sll=$M",
    "ns src=$M saddr=:: daddr=2001:db8::fe target=$A6",
    "ns src=$M saddr=:: target=$A6 ext=hbh",
    "mld-report src=$M",
    "ipv6-udp src=$M saddr=:: daddr=2001:db8::fe",
    "ipv6-icmp src=$M saddr=:: daddr=ff02::1",
    "ra src=$M saddr=$LL prefix=2001:db8:1::/64",
    "ra src=$M saddr=$LL ext=hbh",
    "redirect src=$M saddr=$LL daddr=2001:db8::fe target=fe80::1 dest=2001:db8::77",
    "dhcpv6-solicit src=$M saddr=$LL",
    "dhcpv6-advertise src=$M saddr=$LL daddr=fe80::1",
};

/* With protected addresses: $X4 and $X6 are one of each family, inside the
 * vif's own prefix when one holds it (the kernel's protect sets subtract it). */
static const char *const prot_templates[] = {
    "ipv4-udp src=$M saddr=$X4 daddr=192.0.2.254",
    "ipv4-icmp src=$M saddr=$X4 daddr=192.0.2.254",
    "arp-reply src=$M spa=$X4 tha=$O tpa=192.0.2.254",
    "arp-request src=$M spa=$X4 tpa=192.0.2.254",
    "arp-gratuitous src=$M ip=$X4",
    "ipv6-udp src=$M saddr=$X6 daddr=2001:db8::fe",
    "ipv6-icmp src=$M saddr=$X6 daddr=2001:db8::fe",
    "ns src=$M saddr=$X6 target=2001:db8::fe",
    "na src=$M saddr=$A6 target=$X6",
    "na src=$M saddr=$X6 target=$X6",
    "na src=$M saddr=$LL target=$X6 tll=none",
    "ns src=$M saddr=:: target=$X6",
};

struct subst {
	const char *key;
	char val[64];
};

/* The first own address of family whose prefix is (not) a single host. */
static bool vif_pick(const struct vif *v, int family, bool is_prefix, char buf[64])
{
	unsigned int width = family == AF_INET ? 32 : 128;

	for (size_t i = 0; v->has_ip && i < v->n_addrs && i < VIF_ADDRS_MAX; i++) {
		const struct vif_addr *a = &v->addrs[i];
		uint8_t addr[16];

		if (a->family != family || (a->prefixlen < width) != is_prefix)
			continue;
		memcpy(addr, a->addr, sizeof(addr));
		/* an address inside the prefix, not its first */
		if (is_prefix)
			addr[width / 8 - 1] |= 0x07;
		return inet_ntop(family, addr, buf, 64) != NULL;
	}
	return false;
}

/* A protected address of family, inside one of the vif's prefixes if
 * possible; false when none is protected. */
static bool prot_pick(const struct world_vif *w, int family, char buf[64])
{
	const struct vif_addr *hit = NULL;

	for (size_t i = 0; i < w->pol.n_protected; i++) {
		const struct vif_addr *a = &w->pol.protected_addrs[i];

		if (a->family != family)
			continue;
		if (!hit)
			hit = a;
		for (size_t k = 0; w->v.has_ip && k < w->v.n_addrs; k++)
			if (w->v.addrs[k].prefixlen < a->prefixlen &&
			    resolve_addrs_overlap(&w->v.addrs[k], a)) {
				hit = a;
				goto out;
			}
	}
out:
	return hit && inet_ntop(family, hit->addr, buf, 64) != NULL;
}

static void subst_init(const struct world_vif *w, struct subst s[10])
{
	uint8_t ll[16];

	s[0] = (struct subst){.key = "$M"};
	snprintf(s[0].val, sizeof(s[0].val), "%s", w->mac);
	s[1] = (struct subst){.key = "$O", .val = "02:00:00:00:0f:01"};
	s[2] = (struct subst){.key = "$A4"};
	if (!vif_pick(&w->v, AF_INET, false, s[2].val))
		snprintf(s[2].val, sizeof(s[2].val), "192.0.2.99");
	s[3] = (struct subst){.key = "$P4"};
	if (!vif_pick(&w->v, AF_INET, true, s[3].val))
		snprintf(s[3].val, sizeof(s[3].val), "198.51.100.77");
	s[4] = (struct subst){.key = "$A6"};
	if (!vif_pick(&w->v, AF_INET6, false, s[4].val))
		snprintf(s[4].val, sizeof(s[4].val), "2001:db8::99");
	s[5] = (struct subst){.key = "$P6"};
	if (!vif_pick(&w->v, AF_INET6, true, s[5].val))
		snprintf(s[5].val, sizeof(s[5].val), "2001:db8:5::77");
	s[6] = (struct subst){.key = "$LL"};
	vif_mac_to_eui64_ll(w->v.mac, ll);
	inet_ntop(AF_INET6, ll, s[6].val, sizeof(s[6].val));
	s[7] = (struct subst){.key = "$X4"};
	s[8] = (struct subst){.key = "$X6"};
	s[9] = (struct subst){.key = NULL};
	if (!prot_pick(w, AF_INET, s[7].val) || !prot_pick(w, AF_INET6, s[8].val))
		s[7].key = NULL; /* no protected frames */
}

static int build_template(const char *tmpl, const struct subst *s, struct frame *ret)
{
	char line[512], *save = NULL, *tok;
	struct frame_error err;
	struct frame_spec spec;
	size_t o = 0, len;
	int r;

	for (const char *p = tmpl; *p && o < sizeof(line) - 64;) {
		const struct subst *hit = NULL;

		for (const struct subst *k = s; k->key; k++)
			if (strncmp(p, k->key, strlen(k->key)) == 0 &&
			    (!hit || strlen(k->key) > strlen(hit->key)))
				hit = k;
		if (hit) {
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s", hit->val);
			p += strlen(hit->key);
		} else {
			line[o++] = *p++;
		}
	}
	line[o] = 0;
	tok = strtok_r(line, " ", &save);
	r = frame_spec_init(&spec, tok, &err);
	while (r == 0 && (tok = strtok_r(NULL, " ", &save)))
		r = frame_spec_set_arg(&spec, tok, &err);
	if (r == 0)
		r = frame_build(&spec, ret->b, sizeof(ret->b), &len, NULL, &err);
	if (r < 0) {
		fprintf(stderr, "vg-explain: template '%s': %s\n", tmpl, err.text);
		return r;
	}
	ret->len = len;
	return 0;
}

/* ---- gen: frames frame.c has no kind for ---- */

static void raw_eth(struct frame *f, const uint8_t mac[6], uint16_t type)
{
	memset(f->b, 0, sizeof(f->b));
	memcpy(f->b + 6, mac, 6);
	put16(f->b + 12, type);
	f->len = 14;
}

static void add_bytes(struct frame *f, const void *p, size_t n)
{
	if (f->len + n > sizeof(f->b))
		n = sizeof(f->b) - f->len;
	/* memcpy() from NULL is undefined even for 0 bytes */
	if (n)
		memcpy(f->b + f->len, p, n);
	f->len += n;
}

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += be16(p + i);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void ip4_fix_csum(uint8_t *ip, size_t avail)
{
	size_t hlen = (size_t)(ip[0] & 0xf) * 4;

	if (hlen < 20 || hlen > avail)
		return;
	put16(ip + 10, 0);
	put16(ip + 10, csum(ip, hlen));
}

/* IPv4 with protocol proto, flags/fragment field frag, and l4 bytes. */
static void raw_ip4(struct frame *f, const uint8_t mac[6], const char *saddr, const char *daddr,
		    uint8_t proto, uint16_t frag, const void *l4, size_t n)
{
	uint8_t ip[20] = {0x45, 0, 0, 0, 0x12, 0x34, 0, 0, 64, proto};

	raw_eth(f, mac, 0x0800);
	put16(ip + 2, (uint16_t)(20 + n));
	put16(ip + 6, frag);
	inet_pton(AF_INET, saddr, ip + 12);
	inet_pton(AF_INET, daddr, ip + 16);
	ip4_fix_csum(ip, sizeof(ip));
	add_bytes(f, ip, sizeof(ip));
	add_bytes(f, l4, n);
}

/* IPv6 from saddr whose first next header is nh, then the bytes of rest. */
static void raw_ip6(struct frame *f, const uint8_t mac[6], const char *saddr, const char *daddr,
		    uint8_t nh, const void *rest, size_t n)
{
	uint8_t ip[40] = {0x60, 0, 0, 0, 0, 0, nh, 64};

	raw_eth(f, mac, 0x86dd);
	put16(ip + 4, (uint16_t)n);
	inet_pton(AF_INET6, saddr, ip + 8);
	inet_pton(AF_INET6, daddr, ip + 24);
	add_bytes(f, ip, sizeof(ip));
	add_bytes(f, rest, n);
}

static size_t add_raw(struct frame *out, size_t n, const struct world_vif *w, const struct subst *s)
{
	const uint8_t *mac = w->v.mac;
	const char *a4 = s[2].val, *a6 = s[4].val, *ll = s[6].val;
	static const char *const G4 = "192.0.2.254";
	static const uint8_t udp67[8] = {0, 67, 0, 68, 0, 8, 0, 0};
	static const uint8_t udp_dhcp[8] = {0, 68, 0, 67, 0, 8, 0, 0};
	static const uint8_t udp_any[8] = {0x9c, 0x40, 0, 9, 0, 8, 0, 0};
	static const uint8_t tcp[20] = {0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 2};
	static const uint8_t icmp6_echo[8] = {128, 0, 0, 0, 0, 1, 0, 1};
	static const uint8_t icmp6_ra[16] = {134, 0, 0, 0, 64};
	static const uint8_t icmp6_na[24] = {136, 0, 0, 0, 0x20};
	static const uint8_t llc_stp[38] = {0x42, 0x42, 0x03};
	struct frame *f = out;
	size_t k = 0;
	uint8_t b[64];

	/* an 802.3 frame (STP BPDU) and a bare length field */
	raw_eth(&f[k], mac, 38);
	add_bytes(&f[k++], llc_stp, sizeof(llc_stp));
	raw_eth(&f[k], mac, 0x05dc);
	add_bytes(&f[k++], udp_any, sizeof(udp_any));
	/* QinQ with the old 0x9100 tag, and a bare 14-byte header of each type */
	raw_eth(&f[k], mac, 0x9100);
	add_bytes(&f[k++], (const uint8_t[]){0, 5, 0x08, 0x00}, 4);
	raw_eth(&f[k++], mac, 0x0800);
	raw_eth(&f[k++], mac, 0x0806);
	raw_eth(&f[k++], mac, 0x86dd);
	/* IPv4: options, fragments, TCP, bad header fields */
	raw_ip4(&f[k++], mac, a4, G4, 17, 0x2000, udp67, sizeof(udp67));
	raw_ip4(&f[k++], mac, a4, G4, 17, 0x0010, udp67, sizeof(udp67));
	raw_ip4(&f[k++], mac, a4, G4, 6, 0, tcp, sizeof(tcp));
	raw_ip4(&f[k++], mac, a4, G4, 6, 0x0020, tcp, sizeof(tcp));
	raw_ip4(&f[k++], mac, "0.0.0.0", G4, 17, 0x0008, udp_any, sizeof(udp_any));
	/* later fragments whose data reads like the DHCP client's ports */
	raw_ip4(&f[k++], mac, "0.0.0.0", "255.255.255.255", 17, 0x0008, udp_dhcp, 8);
	raw_ip4(&f[k++], mac, "0.0.0.0", "255.255.255.255", 17, 0x2000, udp_dhcp, 8);
	raw_ip4(&f[k], mac, a4, G4, 17, 0, udp_any, sizeof(udp_any));
	f[k].b[14] = 0x46; /* ihl 6: the UDP header's first word is an option */
	ip4_fix_csum(f[k].b + 14, 24);
	k++;
	raw_ip4(&f[k], mac, a4, G4, 17, 0, udp_any, sizeof(udp_any));
	f[k].b[14] = 0x44; /* ihl 4 */
	k++;
	raw_ip4(&f[k], mac, a4, G4, 17, 0, udp_any, sizeof(udp_any));
	put16(f[k].b + 16, 200); /* total length past the frame */
	ip4_fix_csum(f[k].b + 14, 20);
	k++;
	raw_ip4(&f[k], mac, a4, G4, 17, 0, udp_any, sizeof(udp_any));
	put16(f[k].b + 16, 12); /* total length shorter than the header */
	ip4_fix_csum(f[k].b + 14, 20);
	k++;
	raw_ip4(&f[k], mac, a4, G4, 17, 0, udp_any, sizeof(udp_any));
	f[k].b[14] = 0x65; /* IP version 6 under the IPv4 ethertype */
	k++;
	/* a long IPv4 frame: the daemon only sees the first 256 bytes of it */
	memset(b, 0, sizeof(b));
	raw_ip4(&f[k], mac, a4, G4, 17, 0, udp_any, 8);
	for (int i = 0; i < 8; i++)
		add_bytes(&f[k], b, sizeof(b));
	put16(f[k].b + 16, (uint16_t)(f[k].len - 14));
	put16(f[k].b + 38, (uint16_t)(f[k].len - 34));
	ip4_fix_csum(f[k].b + 14, 20);
	k++;
	/* IPv6 extension headers: fragment, AH, routing, none */
	{
		uint8_t frag_first[16] = {58, 0, 0, 1, 0, 0, 0, 7};
		uint8_t frag_later[16] = {58, 0, 0, 0x10, 0, 0, 0, 7};
		uint8_t frag_udp[16] = {17, 0, 0, 1, 0, 0, 0, 7, 0x02, 0x23, 0x02, 0x22, 0, 8};
		uint8_t frag_atomic[16] = {17, 0, 0, 0, 0, 0, 0, 7, 0x9c, 0x40, 0, 9, 0, 8};
		uint8_t ah[24] = {58, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
		uint8_t ah_udp[20] = {17, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0x9c, 0x40, 0, 9, 0, 8};
		uint8_t rh_ra[24] = {58, 0, 4, 0, 0, 0, 0, 0, 134, 0, 0, 0, 64};
		uint8_t hbh_frag_icmp[24] = {44, 0, 1, 4, 0,   0, 0, 0, 58, 0, 0, 0,
					     0,	 0, 0, 9, 128, 0, 0, 0, 0,  1, 0, 1};
		uint8_t hbh_long[8] = {17, 4, 1, 4}; /* says 40 bytes, has 8 */
		/* neighbour discovery in a first fragment (RFC 6980), first
		 * fragments without their upper-layer header (RFC 7112), later
		 * fragments whose data reads like an NA, one starting with
		 * destination options */
		uint8_t frag_na[32] = {58, 0, 0, 1, 0, 0, 0, 7, 136, 0, 0, 0, 0x20};
		uint8_t frag_no_l4[16] = {60, 0, 0, 1, 0, 0, 0, 7, 58, 0, 1, 4};
		uint8_t frag_no_udp[16] = {60, 0, 0, 1, 0, 0, 0, 7, 17, 0, 1, 4};
		uint8_t frag_later_na[32] = {58, 0, 0, 0x10, 0, 0, 0, 7, 136, 0, 0, 0, 0x20};
		uint8_t frag_later_dst[16] = {60, 0, 0, 0x10, 0, 0, 0, 7, 58, 0, 1, 4};

		memcpy(frag_first + 8, icmp6_echo, 8);
		memcpy(frag_later + 8, icmp6_echo, 8);
		memcpy(ah + 12, icmp6_echo, 8);
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 44, frag_first, sizeof(frag_first));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 44, frag_later, sizeof(frag_later));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 44, frag_udp, sizeof(frag_udp));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 44, frag_atomic, sizeof(frag_atomic));
		raw_ip6(&f[k++], mac, ll, "fe80::1", 44, frag_first, sizeof(frag_first));
		inet_pton(AF_INET6, a6, frag_na + 16);
		raw_ip6(&f[k++], mac, a6, "ff02::1", 44, frag_na, sizeof(frag_na));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 44, frag_no_l4, sizeof(frag_no_l4));
		raw_ip6(&f[k++], mac, ll, "fe80::1", 44, frag_no_udp, sizeof(frag_no_udp));
		inet_pton(AF_INET6, "2001:db8::fe", frag_later_na + 16);
		raw_ip6(&f[k++], mac, a6, "ff02::1", 44, frag_later_na, sizeof(frag_later_na));
		raw_ip6(&f[k++], mac, "2001:db8::fe", "ff02::1", 44, frag_later_na,
			sizeof(frag_later_na));
		raw_ip6(&f[k++], mac, "::", "ff02::1", 44, frag_later_na, sizeof(frag_later_na));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 44, frag_later_dst,
			sizeof(frag_later_dst));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 51, ah, sizeof(ah));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 51, ah_udp, sizeof(ah_udp));
		raw_ip6(&f[k++], mac, ll, "ff02::1", 43, rh_ra, sizeof(rh_ra));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 0, hbh_frag_icmp, sizeof(hbh_frag_icmp));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 59, NULL, 0);
		raw_ip6(&f[k++], mac, "::", "2001:db8::fe", 59, NULL, 0);
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 0, hbh_long, sizeof(hbh_long));
		raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 6, tcp, sizeof(tcp));
		raw_ip6(&f[k++], mac, ll, "ff02::1", 58, icmp6_ra, sizeof(icmp6_ra));
		/* NA with a nonce option instead of a link-layer one */
		inet_pton(AF_INET6, a6, b);
		{
			uint8_t na[32];

			memcpy(na, icmp6_na, 24);
			memcpy(na + 8, b, 16);
			memcpy(na + 24, (const uint8_t[]){14, 1, 1, 2, 3, 4, 5, 6}, 8);
			raw_ip6(&f[k++], mac, a6, "2001:db8::fe", 58, na, sizeof(na));
			/* ip6 length 32 but 24 bytes there */
			raw_ip6(&f[k], mac, a6, "2001:db8::fe", 58, na, 24);
			put16(f[k].b + 18, 32);
			k++;
		}
		/* IPv6 with payload length past the frame, and a short header */
		raw_ip6(&f[k], mac, a6, "2001:db8::fe", 17, udp_any, sizeof(udp_any));
		put16(f[k].b + 18, 100);
		k++;
		raw_ip6(&f[k], mac, a6, "2001:db8::fe", 17, udp_any, sizeof(udp_any));
		f[k].len = 14 + 30;
		k++;
	}
	if (k > n)
		abort();
	return k;
}

static void insert_at(struct frame *f, size_t at, const uint8_t *p, size_t n)
{
	if (at > f->len || f->len + n > WIRE_MAX)
		return;
	memmove(f->b + at + n, f->b + at, f->len - at);
	memcpy(f->b + at, p, n);
	f->len += n;
}

/*
 * The explain fuzzer's corpus (tests/fuzz/fuzz-explain.c describes the
 * bytes): its ethertype choice, VLAN flag, source mac flip and payload, sent
 * by this vif.  The corpus's own vif and snaplen have no frame to go with.
 */
static size_t add_corpus(struct frame *out, size_t max, const char *dir, const uint8_t mac[6])
{
	static const uint16_t ctypes[] = {0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0x9100};
	struct dirent **names;
	size_t k = 0;
	int n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "vg-explain: corpus %s: %m\n", dir);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		static uint8_t data[WIRE_MAX];
		char path[4096];
		struct frame *f = &out[k];
		size_t len;
		FILE *in;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		in = names[i]->d_name[0] == '.' || k == max ? NULL : fopen(path, "re");
		free(names[i]);
		if (!in)
			continue;
		len = fread(data, 1, sizeof(data), in);
		fclose(in);
		if (len < 7)
			memset(data + len, 0, 7 - len);
		raw_eth(f, mac, data[1] % 8 < 6 ? ctypes[data[1] % 8] : be16(data + 2));
		if (data[4] & 4)
			f->b[11] ^= 0x80;
		if (data[0] & 0x02) {
			uint8_t tag[4] = {0x81, 0x00, data[2] & 0x0f, data[3]};

			insert_at(f, 12, tag, sizeof(tag));
		}
		if (len > 7)
			add_bytes(f, data + 7, len - 7);
		k++;
	}
	free(names);
	return k;
}

/* ---- gen: mutations ---- */

/* Offset of the network header after any tags, and the type there. */
static size_t l3_of(const struct frame *f, uint16_t *ret_type)
{
	size_t o = 12;
	uint16_t t = be16(f->b + 12);

	while ((t == 0x8100 || t == 0x88a8 || t == 0x9100) && o + 6 <= f->len && o < 20) {
		o += 4;
		t = be16(f->b + o);
	}
	*ret_type = t;
	return o + 2;
}

static const uint8_t interesting[] = {0,   1,	2,    4,    6,	  8,	14,   17,   43,	 44,  51,
				      58,  59,	60,   67,   68,	  128,	131,  133,  134, 135, 136,
				      137, 143, 0x80, 0xff, 0x40, 0x45, 0x60, 0x22, 0x23};
static const uint16_t types[] = {0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0x9100,
				 0x0026, 0x05dc, 0x0600, 0x88b5, 0x8035, 0x88cc};

static void mutate(struct frame *f, const uint8_t mac[6])
{
	uint16_t type;
	size_t l3 = l3_of(f, &type);
	uint8_t *ip = f->b + l3;
	size_t avail = f->len > l3 ? f->len - l3 : 0;
	uint8_t b[24];

	switch (rnd(16)) {
	case 0: /* any byte after the macs */
		f->b[12 + rnd((uint32_t)(f->len - 12))] = (uint8_t)rnd(256);
		break;
	case 1:
		f->b[12 + rnd((uint32_t)(f->len - 12))] = interesting[rnd(sizeof(interesting))];
		break;
	case 2: /* cut */
		f->len = 14 + rnd((uint32_t)(f->len - 14));
		break;
	case 3: /* grow */
		for (uint32_t i = 0, n = 1 + rnd(64); i < n && f->len < WIRE_MAX; i++)
			f->b[f->len++] = rnd(2) ? 0 : (uint8_t)rnd(256);
		break;
	case 4: /* IPv4 fragment field */
		if (type == 0x0800 && avail >= 20) {
			put16(ip + 6, (uint16_t)(rnd(2) ? 0x2000 : 0) |
					  (uint16_t)(rnd(3) ? 0 : 1 + rnd(64)));
			ip4_fix_csum(ip, avail);
		}
		break;
	case 5: /* IPv4 header length */
		if (type == 0x0800 && avail >= 1) {
			ip[0] = (uint8_t)((ip[0] & 0xf0) | rnd(16));
			ip4_fix_csum(ip, avail);
		}
		break;
	case 6: /* IPv4 total length or IPv6 payload length */
		if (type == 0x0800 && avail >= 20) {
			put16(ip + 2, (uint16_t)(rnd(2) ? rnd(120) : avail - rnd(3) + rnd(3)));
			ip4_fix_csum(ip, avail);
		} else if (type == 0x86dd && avail >= 40) {
			put16(ip + 4, (uint16_t)(rnd(2) ? rnd(120) : avail - 40 - rnd(3) + rnd(3)));
		}
		break;
	case 7: /* an IPv6 extension header in front of the rest */
		if (type == 0x86dd && avail >= 40) {
			static const uint8_t ext[] = {0, 43, 44, 51, 60};
			uint8_t nh = ext[rnd(sizeof(ext))];
			size_t n = 8;

			memset(b, 0, sizeof(b));
			b[0] = ip[6];
			if (nh == 44) {
				put16(b + 2, (uint16_t)(rnd(2) ? 1 : 0) |
						 (uint16_t)(rnd(2) ? 8 * (1 + rnd(8)) : 0));
				b[7] = 9;
			} else if (nh == 51) {
				b[1] = (uint8_t)(rnd(2) ? 1 : 4);
				n = ((size_t)b[1] + 2) * 4;
			} else if (nh == 43) {
				b[2] = (uint8_t)rnd(5);
			} else {
				b[2] = 1; /* PadN */
				b[3] = 4;
			}
			ip[6] = nh;
			insert_at(f, l3 + 40, b, n);
			if (rnd(4))
				put16(f->b + l3 + 4, (uint16_t)(be16(f->b + l3 + 4) + n));
		}
		break;
	case 8: /* IPv6 next header */
		if (type == 0x86dd && avail >= 40)
			ip[6] = interesting[rnd(sizeof(interesting))];
		break;
	case 9: /* another type at the network layer */
		put16(f->b + l3 - 2, types[rnd(sizeof(types) / sizeof(types[0]))]);
		break;
	case 10: /* a VLAN tag in front */
		put16(b, rnd(2) ? 0x8100 : 0x88a8);
		put16(b + 2, (uint16_t)rnd(4096));
		insert_at(f, 12, b, 4);
		break;
	case 11: /* another source mac: one bit off, or (rarely) a multicast one */
		memcpy(f->b + 6, mac, 6);
		if (rnd(8))
			f->b[7 + rnd(5)] ^= (uint8_t)(1u << rnd(8));
		else
			f->b[6] |= 0x01;
		break;
	case 12: /* an ICMPv6 type or ND option type: the byte at 40 + 8k */
		if (type == 0x86dd && avail > 40)
			ip[40 + rnd((uint32_t)(avail - 40 < 24 ? avail - 40 : 24)) / 8 * 8] =
			    interesting[rnd(sizeof(interesting))];
		break;
	case 13: /* UDP ports 67/68/546/547 */
		if ((type == 0x0800 && avail >= 28) || (type == 0x86dd && avail >= 48)) {
			static const uint16_t ports[] = {67, 68, 546, 547, 9};
			size_t th = type == 0x0800 ? (size_t)(ip[0] & 0xf) * 4 : 40;

			if (th + 4 <= avail)
				put16(ip + th + 2 * rnd(2), ports[rnd(5)]);
		}
		break;
	case 14: /* the source address: zero, or one bit off */
		if (type == 0x0800 && avail >= 20) {
			if (rnd(2))
				memset(ip + 12, 0, 4);
			else
				ip[12 + rnd(4)] ^= (uint8_t)(1u << rnd(8));
			ip4_fix_csum(ip, avail);
		} else if (type == 0x86dd && avail >= 40) {
			if (rnd(2))
				memset(ip + 8, 0, 16);
			else
				ip[8 + rnd(16)] ^= (uint8_t)(1u << rnd(8));
		} else if (type == 0x0806 && avail >= 18) {
			if (rnd(2))
				memset(ip + 14, 0, 4);
			else
				ip[14 + rnd(4)] ^= (uint8_t)(1u << rnd(8));
		}
		break;
	case 15: /* the ICMPv6 payload length 24 or 32 with options */
		if (type == 0x86dd && avail >= 40) {
			put16(ip + 4, rnd(2) ? 24 : 32);
			if (rnd(2) && f->len < l3 + 72)
				while (f->len < l3 + 72)
					f->b[f->len++] = (uint8_t)(rnd(3) ? 0 : rnd(256));
		}
		break;
	}
	if (f->len < 14)
		f->len = 14;
}

static int cmd_gen(int argc, char **argv)
{
	unsigned long seed = 1, n_mut = 400, base = 0;
	const char *corpus = NULL, *prot = NULL;
	struct world_vif w;
	struct subst s[10];
	struct frames fs = {0};
	size_t n_base;
	int c;

	while ((c = getopt(argc, argv, "s:n:b:c:P:")) != -1) {
		switch (c) {
		case 'P':
			prot = optarg;
			break;
		case 'c':
			corpus = optarg;
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			n_mut = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			base = strtoul(optarg, NULL, 0);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 1 || n_mut > MUTANTS_MAX || base > 0xff000000UL)
		return EXIT_USAGE;
	if (vif_load(argv[optind], argc - optind > 1 ? argv[optind + 1] : NULL, NULL, &w) < 0 ||
	    prot_load(prot, &w) < 0)
		return EXIT_FAIL;
	rng_state ^= (uint64_t)seed * 0x9e3779b97f4a7c15ULL;
	fs.f = calloc(FRAMES_MAX, sizeof(*fs.f));
	if (!fs.f)
		return EXIT_FAIL;
	subst_init(&w, s);
	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++)
		if (build_template(templates[i], s, &fs.f[fs.n++]) < 0)
			return EXIT_FAIL;
	for (size_t i = 0; s[7].key && i < sizeof(prot_templates) / sizeof(prot_templates[0]); i++)
		if (build_template(prot_templates[i], s, &fs.f[fs.n++]) < 0)
			return EXIT_FAIL;
	if (s[7].key) {
		/* a later fragment from the protected address (src-ip6 again) */
		uint8_t frag_later[16] = {58, 0, 0, 0x10, 0, 0, 0, 7, 128, 0, 0, 0, 0, 1, 0, 1};

		raw_ip6(&fs.f[fs.n++], w.v.mac, s[8].val, "2001:db8::fe", 44, frag_later,
			sizeof(frag_later));
	}
	fs.n += add_raw(fs.f + fs.n, FRAMES_MAX - fs.n, &w, s);
	if (corpus)
		fs.n += add_corpus(fs.f + fs.n, FRAMES_MAX - MUTANTS_MAX - fs.n, corpus, w.v.mac);
	n_base = fs.n;
	for (size_t i = 0; i < n_mut; i++) {
		struct frame *f = &fs.f[fs.n++];
		uint32_t n_ops = 1 + rnd(3);

		*f = fs.f[rnd((uint32_t)n_base)];
		for (uint32_t k = 0; k < n_ops; k++)
			mutate(f, w.v.mac);
	}
	for (size_t i = 0; i < fs.n; i++) {
		tag_set(&fs.f[i], (uint32_t)(base + i));
		printf("%u ", fs.f[i].tag);
		hex_print(stdout, fs.f[i].b, fs.f[i].len);
		putchar('\n');
	}
	free(fs.f);
	return fflush(stdout) == 0 ? 0 : EXIT_FAIL;
}

/* ---- frame files ---- */

static int frames_load(const char *path, struct frames *ret)
{
	FILE *in = fopen(path, "re");
	static char line[2 * WIRE_MAX + 64];
	unsigned int lineno = 0;

	if (!in) {
		fprintf(stderr, "vg-explain: %s: %m\n", path);
		return -errno;
	}
	ret->n = 0;
	ret->f = calloc(FRAMES_MAX, sizeof(*ret->f));
	if (!ret->f) {
		fclose(in);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), in)) {
		struct frame *f;
		char *sp;

		lineno++;
		sp = strchr(line, ' ');
		if (ret->n == FRAMES_MAX || !sp) {
			fprintf(stderr, "vg-explain: %s:%u: bad line\n", path, lineno);
			fclose(in);
			return -EINVAL;
		}
		f = &ret->f[ret->n];
		f->tag = (uint32_t)strtoul(line, NULL, 10);
		if (hex_parse(sp + 1, f->b, sizeof(f->b), &f->len) < 0) {
			fprintf(stderr, "vg-explain: %s:%u: bad hex\n", path, lineno);
			fclose(in);
			return -EINVAL;
		}
		ret->n++;
	}
	fclose(in);
	return 0;
}

static int ifindex_of(const char *ifname)
{
	unsigned int i = if_nametoindex(ifname);

	if (!i) {
		fprintf(stderr, "vg-explain: interface '%s': %m\n", ifname);
		return -ENODEV;
	}
	return (int)i;
}

/* ---- send ---- */

static int send_one(int fd, int ifindex, const struct frame *f)
{
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
	const struct timespec wait = {0, 1000000};

	memcpy(sll.sll_addr, f->b, 6);
	for (int i = 0; i < SEND_RETRIES; i++) {
		if (sendto(fd, f->b, f->len, 0, (struct sockaddr *)&sll, sizeof(sll)) >= 0)
			return 0;
		/* qdisc or device queue full: back off rather than lose the frame */
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			break;
		nanosleep(&wait, NULL);
	}
	fprintf(stderr, "vg-explain: send frame %u (%zu bytes): %m\n", f->tag, f->len);
	return -errno;
}

static int cmd_send(int argc, char **argv)
{
	const char *ifname = NULL;
	unsigned long gap_us = 0;
	bool is_marker = false;
	struct frames fs = {0};
	int c, fd, ifindex, r = 0;

	while ((c = getopt(argc, argv, "i:g:M")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 'g':
			gap_us = strtoul(optarg, NULL, 0);
			break;
		case 'M':
			is_marker = true;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!ifname || gap_us > 100000 || (!is_marker && argc - optind < 1))
		return EXIT_USAGE;
	ifindex = ifindex_of(ifname);
	if (ifindex < 0)
		return EXIT_FAIL;
	if (is_marker) {
		static struct frame m;

		fs.f = &m;
		fs.n = 1;
		memcpy(m.b + 6, (const uint8_t[]){0x02, 0, 0, 0, 0x0e, 0x0d}, 6);
		put16(m.b + 12, 0x88b5);
		m.len = 60;
		tag_set(&m, TAG_MARKER);
	} else if (frames_load(argv[optind], &fs) < 0) {
		return EXIT_FAIL;
	}
	/* protocol 0: a transmit-only socket, no receive hook */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vg-explain: socket(AF_PACKET): %m\n");
		r = -errno;
	}
	for (size_t i = 0; r == 0 && i < fs.n; i++) {
		r = send_one(fd, ifindex, &fs.f[i]);
		if (gap_us) {
			const struct timespec t = {0, (long)gap_us * 1000};

			nanosleep(&t, NULL);
		}
	}
	if (fd >= 0)
		close(fd);
	if (!is_marker)
		free(fs.f);
	return r < 0 ? EXIT_FAIL : 0;
}

/* ---- recv ---- */

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/*
 * veth strips the outer VLAN tag into skb metadata before packet taps see
 * the frame; put it back so the bytes compare with what was sent.  rx has
 * VLAN_HLEN bytes of headroom before the frame at rx + VLAN_HLEN.
 */
static uint8_t *restore_vlan(uint8_t *rx, size_t *len, const struct tpacket_auxdata *aux)
{
	uint16_t tpid = 0x8100;

	if (!aux || *len < 12 || !((aux->tp_status & TP_STATUS_VLAN_VALID) || aux->tp_vlan_tci))
		return rx + VLAN_HLEN;
	if (aux->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = aux->tp_vlan_tpid;
	memmove(rx, rx + VLAN_HLEN, 12);
	put16(rx + 12, tpid);
	put16(rx + 14, aux->tp_vlan_tci);
	*len += VLAN_HLEN;
	return rx;
}

static int cmd_recv(int argc, char **argv)
{
	static uint8_t rx[VLAN_HLEN + 65536];
	const char *ifname = NULL, *ready = NULL;
	unsigned long timeout_ms = 0, n_frames = 0;
	struct timespec t0, t_marker = {0};
	bool has_marker = false;
	int one = 1, rcvbuf = RCVBUF_BYTES, c, fd, ifindex;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	struct tpacket_stats st = {0};
	socklen_t st_len = sizeof(st);

	while ((c = getopt(argc, argv, "i:t:r:")) != -1) {
		switch (c) {
		case 'i':
			ifname = optarg;
			break;
		case 't':
			timeout_ms = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			ready = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!ifname || !timeout_ms || timeout_ms > TIMEOUT_MS_MAX)
		return EXIT_USAGE;
	ifindex = ifindex_of(ifname);
	if (ifindex < 0)
		return EXIT_FAIL;
	/* protocol 0 until bind(): nothing queues from other interfaces */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vg-explain: socket(AF_PACKET): %m\n");
		return EXIT_FAIL;
	}
	/* a few thousand frames queued at a few KiB of truesize each */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	sll.sll_ifindex = ifindex;
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "vg-explain: AF_PACKET setup: %m\n");
		close(fd);
		return EXIT_FAIL;
	}
	(void)getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &st_len);
	if (ready) {
		int rfd = open(ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (rfd < 0) {
			fprintf(stderr, "vg-explain: %s: %m\n", ready);
			close(fd);
			return EXIT_FAIL;
		}
		close(rfd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
		} ctl;
		struct sockaddr_ll from;
		struct iovec iov = {.iov_base = rx + VLAN_HLEN, .iov_len = sizeof(rx) - VLAN_HLEN};
		struct msghdr msg = {.msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf)};
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		const struct tpacket_auxdata *aux = NULL;
		long left =
		    has_marker ? GRACE_MS - ms_since(&t_marker) : (long)timeout_ms - ms_since(&t0);
		const uint8_t *frame;
		uint32_t tag;
		size_t len;
		ssize_t n;

		if (left <= 0)
			break;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR) {
			fprintf(stderr, "vg-explain: poll: %m\n");
			break;
		}
		n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0)
			continue;
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > iov.iov_len)
			continue;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
			if (cm->cmsg_level == SOL_PACKET && cm->cmsg_type == PACKET_AUXDATA &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(*aux)))
				aux = (const struct tpacket_auxdata *)CMSG_DATA(cm);
		len = (size_t)n;
		frame = restore_vlan(rx, &len, aux);
		if (!tag_of(frame, len, &tag))
			continue;
		if (tag == TAG_MARKER) {
			if (!has_marker)
				clock_gettime(CLOCK_MONOTONIC, &t_marker);
			has_marker = true;
			continue;
		}
		printf("%u ", tag);
		hex_print(stdout, frame, len);
		putchar('\n');
		n_frames++;
	}
	st_len = sizeof(st);
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &st_len) < 0)
		st.tp_drops = 0;
	close(fd);
	fflush(stdout);
	fprintf(stderr, "vg-explain: recv on %s: %lu tagged frames, marker %s, %u socket drops\n",
		ifname, n_frames, has_marker ? "seen" : "NOT seen", st.tp_drops);
	/* a frame lost in our own socket would read as a drop by the rules */
	if (!has_marker || st.tp_drops)
		return EXIT_FAIL;
	return 0;
}

/* ---- judge ---- */

/* The frame as nfnetlink_log would hand it to the daemon (daemon/manager.c on_drop()). */
static void nflog_view(const struct frame *fr, struct explain_frame *ret)
{
	uint16_t type = be16(fr->b + 12);
	static uint8_t hw[14];

	memset(ret, 0, sizeof(*ret));
	/*
	 * The receive path (skb_vlan_untag()) moves an outer 802.1Q/802.1ad
	 * tag into the skb before the bridge sees the frame: NFULA_VLAN holds
	 * it, the mac header shows the inner type and the payload starts
	 * after the tag.  A frame too short for the tag never reaches the
	 * bridge.
	 */
	if ((type == 0x8100 || type == 0x88a8) && fr->len >= 18) {
		memcpy(hw, fr->b, 12);
		memcpy(hw + 12, fr->b + 16, 2);
		ret->hw = hw;
		ret->has_vlan = true;
		ret->vlan_proto = type;
		ret->vlan_tci = be16(fr->b + 14);
		ret->proto = be16(fr->b + 16);
		ret->payload = fr->b + 18;
		ret->payload_len = fr->len - 18;
	} else {
		ret->hw = fr->b;
		ret->proto = type;
		ret->payload = fr->b + 14;
		ret->payload_len = fr->len - 14;
	}
	ret->hw_len = 14;
	if (!ret->payload_len)
		ret->payload = NULL;
}

/*
 * Known differences, each a kernel behaviour explain does not model.  A frame
 * on which explain and the kernel disagree and that matches one is printed as
 * KNOWN instead of DISAGREE, and not judged.  full: the frame as it was sent
 * (the cut check passes the whole frame here too).
 */
static const char *known_difference(const struct explain_frame *full, bool is_cut_check)
{
	const uint8_t *p = full->payload;
	uint16_t type = be16(full->hw + 12);

	if (full->has_vlan)
		return NULL;
	/*
	 * explain.h: past a cut capture "header lengths beyond it are taken
	 * as true".  nfnetlink_log does not say how long the frame was, so a
	 * frame that was shorter than its IPv4/IPv6 header says (the kernel
	 * finds no transport header and drops it at the chain's end) reads as
	 * accepted once its capture is cut.
	 */
	if (is_cut_check && type == 0x0800 && full->payload_len >= 4 &&
	    be16(p + 2) > full->payload_len)
		return "cut capture of an IPv4 frame shorter than its total length: explain "
		       "believes the header";
	if (is_cut_check && type == 0x86dd && full->payload_len >= 6 &&
	    (size_t)be16(p + 4) + 40 > full->payload_len)
		return "cut capture of an IPv6 frame shorter than its payload length: explain "
		       "believes the header";
	/*
	 * Not a difference any more: on kernels without the netfilter fix
	 * "skip L4 header parsing for non-first fragments", nf_tables' fast
	 * path for 1, 2 or 4 aligned transport header bytes reads a non-first
	 * IPv4 fragment's data as a UDP header, but the guest-ip chain's UDP
	 * rules first require `ip frag-off & 8191 == 0` (lib/chains.c), so
	 * every kernel now agrees with explain on those fragments.  IPv6 is
	 * not affected: ipv6_find_hdr() leaves thoff 0 for a later fragment,
	 * so those loads would read the IPv6 header, and guest-frag6 decides
	 * every later fragment by its source before any rule loads one.
	 */
	return NULL;
}

/* One verdict against the kernel's: 0 agree, 1 known difference, 2 disagreement. */
static int compare(const struct frame *fr, const struct explain_frame *full,
		   const struct explain *e, bool is_cut_check, bool is_delivered)
{
	const char *known;

	if ((e->reason == EXPLAIN_REASON_NONE) == is_delivered)
		return 0;
	known = known_difference(full, is_cut_check);
	printf("%s frame %u%s: kernel %s, explain %s: %s\n", known ? "KNOWN" : "DISAGREE", fr->tag,
	       is_cut_check ? " cut to 256 bytes" : "",
	       is_delivered ? "delivered it" : "dropped it", explain_reason_to_string(e->reason),
	       e->what);
	if (known)
		printf("  (%s)\n", known);
	printf("  frame ");
	hex_print(stdout, fr->b, fr->len);
	putchar('\n');
	return known ? 1 : 2;
}

struct seen {
	uint8_t *is_seen; /* by tag - base */
	uint32_t base;
	size_t n;
};

static int seen_load(const char *path, const struct frames *sent, struct seen *ret)
{
	struct frames got = {0};
	uint32_t lo = UINT32_MAX, hi = 0;
	int r;

	for (size_t i = 0; i < sent->n; i++) {
		lo = sent->f[i].tag < lo ? sent->f[i].tag : lo;
		hi = sent->f[i].tag > hi ? sent->f[i].tag : hi;
	}
	r = frames_load(path, &got);
	if (r < 0)
		return r;
	ret->base = lo;
	ret->n = sent->n ? hi - lo + 1 : 0;
	ret->is_seen = calloc(ret->n + 1, 1);
	if (!ret->is_seen) {
		free(got.f);
		return -ENOMEM;
	}
	for (size_t i = 0; i < got.n; i++)
		if (got.f[i].tag >= lo && got.f[i].tag - lo < ret->n)
			ret->is_seen[got.f[i].tag - lo] = 1;
	free(got.f);
	return 0;
}

static bool seen_has(const struct seen *s, uint32_t tag)
{
	return tag >= s->base && tag - s->base < s->n && s->is_seen[tag - s->base];
}

static int cmd_judge(int argc, char **argv)
{
	const char *no_ip = NULL, *sent_path = NULL, *off_path = NULL, *on_path = NULL;
	const char *prot = NULL;
	unsigned long n_judged = 0, n_off = 0, n_disagree = 0, n_delivered = 0, n_cut = 0;
	unsigned long n_known = 0;
	unsigned long by_reason[_EXPLAIN_REASON_MAX][2] = {{0}};
	unsigned long off_by_reason[_EXPLAIN_REASON_MAX] = {0};
	struct seen off = {0}, on = {0};
	struct frames sent = {0};
	struct world_vif w;
	int c;

	while ((c = getopt(argc, argv, "m:s:o:k:P:")) != -1) {
		switch (c) {
		case 'P':
			prot = optarg;
			break;
		case 'm':
			no_ip = optarg;
			break;
		case 's':
			sent_path = optarg;
			break;
		case 'o':
			off_path = optarg;
			break;
		case 'k':
			on_path = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (!sent_path || !off_path || !on_path || argc - optind < 1)
		return EXIT_USAGE;
	if (vif_load(argv[optind], argc - optind > 1 ? argv[optind + 1] : NULL, no_ip, &w) < 0 ||
	    prot_load(prot, &w) < 0)
		return EXIT_FAIL;
	if (frames_load(sent_path, &sent) < 0 || seen_load(off_path, &sent, &off) < 0 ||
	    seen_load(on_path, &sent, &on) < 0)
		return EXIT_FAIL;

	for (size_t i = 0; i < sent.n; i++) {
		const struct frame *fr = &sent.f[i];
		bool is_delivered = seen_has(&on, fr->tag);
		struct explain_frame ef;
		struct explain e, cut;
		int r;

		nflog_view(fr, &ef);
		if (explain_frame(&ef, &w.pol, w.pol.protected_addrs, w.pol.n_protected, &w.v, &e) < 0) {
			fprintf(stderr, "vg-explain: explain_frame failed on frame %u\n", fr->tag);
			return EXIT_FAIL;
		}
		if (!seen_has(&off, fr->tag)) {
			/* the bridge never forwards it: nothing to judge */
			n_off++;
			off_by_reason[e.reason]++;
			printf("UNFORWARDED frame %u: explain %s: %s\n  frame ", fr->tag,
			       explain_reason_to_string(e.reason), e.what);
			hex_print(stdout, fr->b, fr->len);
			putchar('\n');
			if (is_delivered)
				printf("NOTE frame %u delivered with rules but not without\n",
				       fr->tag);
			continue;
		}
		n_judged++;
		n_delivered += is_delivered;
		by_reason[e.reason][is_delivered]++;
		r = compare(fr, &ef, &e, false, is_delivered);
		/* As the daemon sees it: at most the log's snaplen of payload. */
		if (ef.payload_len >= LOG_SNAPLEN) {
			struct explain_frame cut_ef = ef;

			cut_ef.payload_len = LOG_SNAPLEN;
			cut_ef.snaplen = LOG_SNAPLEN;
			n_cut++;
			if (explain_frame(&cut_ef, &w.pol, w.pol.protected_addrs, w.pol.n_protected,
					  &w.v, &cut) < 0)
				return EXIT_FAIL;
			/* unknown is an honest answer for a cut capture */
			if (cut.reason != EXPLAIN_REASON_UNKNOWN) {
				int rc = compare(fr, &ef, &cut, true, is_delivered);

				r = rc > r ? rc : r;
			}
		}
		n_known += r == 1;
		n_disagree += r == 2;
	}
	for (int r = 0; r < _EXPLAIN_REASON_MAX; r++)
		if (by_reason[r][0] || by_reason[r][1])
			printf("reason %s dropped %lu delivered %lu\n",
			       explain_reason_to_string((enum explain_reason)r), by_reason[r][0],
			       by_reason[r][1]);
	for (int r = 0; r < _EXPLAIN_REASON_MAX; r++)
		if (off_by_reason[r])
			printf("unforwarded %s %lu\n",
			       explain_reason_to_string((enum explain_reason)r), off_by_reason[r]);
	printf("summary: %zu frames, %lu not forwarded even without rules, %lu known differences, "
	       "%lu judged (%lu delivered, %lu dropped, %lu also cut to %d bytes), "
	       "%lu disagreements\n",
	       sent.n, n_off, n_known, n_judged, n_delivered, n_judged - n_delivered, n_cut,
	       LOG_SNAPLEN, n_disagree);
	free(sent.f);
	free(off.is_seen);
	free(on.is_seen);
	return n_disagree ? EXIT_FAIL : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: vg-explain gen|send|recv|judge ... (see the source)\n", stderr);
		return EXIT_USAGE;
	}
	argv++;
	argc--;
	if (strcmp(argv[0], "gen") == 0)
		return cmd_gen(argc, argv);
	if (strcmp(argv[0], "send") == 0)
		return cmd_send(argc, argv);
	if (strcmp(argv[0], "recv") == 0)
		return cmd_recv(argc, argv);
	if (strcmp(argv[0], "judge") == 0)
		return cmd_judge(argc, argv);
	fprintf(stderr, "vg-explain: unknown command '%s'\n", argv[0]);
	return EXIT_USAGE;
}
