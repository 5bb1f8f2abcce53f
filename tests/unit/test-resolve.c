/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/resolve.c: the rules case by case, then a randomized
 * cross-check against a deliberately naive quadratic reference written
 * independently here (bit-by-bit overlap, its own suffix stripping), then the
 * same cross-check and a timing at 4,000 vifs.  Addresses are documentation
 * (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) or, for the
 * big case, benchmarking space (198.18.0.0/15).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "resolve.h"
#include "vif.h"

#include "check.h"
#include "fail-alloc.h"

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static const struct vif_limits wide = {.min_prefix_v4 = 8, .min_prefix_v6 = 16};

static struct vif_addr addr(const char *s)
{
	struct vif_addr a[VIF_ADDRS_MAX];
	struct vif_error err;
	size_t n;

	if (vif_ip_list_parse("ip", s, &wide, a, &n, &err) < 0 || n != 1) {
		fprintf(stderr, "addr(%s): %s\n", s, err.text);
		exit(EXIT_FAILURE);
	}
	return a[0];
}

static void make_vif(struct vif *v, uint32_t domid, uint32_t devid, const char *mac, const char *ip)
{
	struct vif_keys k = {.mac = mac, .ip = ip};
	struct vif_error err;

	if (vif_from_keys(domid, devid, &k, &wide, v, &err) < 0) {
		fprintf(stderr, "make_vif(%u, %u): %s\n", domid, devid, err.text);
		exit(EXIT_FAILURE);
	}
}

#define MAC_A "00:16:3e:00:00:0a"
#define MAC_B "00:16:3e:00:00:0b"
#define MAC_C "00:16:3e:00:00:0c"

/* "192.0.2.5 2001:db8::/64": the granted entries of one output. */
static const char *granted_str(const struct resolve_out *o)
{
	static char buf[VIF_ADDRS_MAX * (VIF_ADDR_STRLEN + 1)];
	char *p = buf;

	*p = '\0';
	for (size_t k = 0; k < o->effective.n_addrs; k++) {
		if (k > 0)
			*p++ = ' ';
		vif_addr_to_string(&o->effective.addrs[k], p, VIF_ADDR_STRLEN);
		p += strlen(p);
	}
	return buf;
}

/* The shared prefixes it may claim addresses in. */
static const char *claims_str(const struct resolve_out *o)
{
	static char buf[VIF_CLAIMS_MAX * (VIF_ADDR_STRLEN + 1)];
	char *p = buf;

	*p = '\0';
	for (size_t k = 0; k < o->effective.n_claims; k++) {
		if (k > 0)
			*p++ = ' ';
		vif_addr_to_string(&o->effective.claims[k], p, VIF_ADDR_STRLEN);
		p += strlen(p);
	}
	return buf;
}

/* "192.0.2.5=conflict:1 192.0.2.1=protected:0(192.0.2.0/24)": the withheld ones. */
static const char *withheld_str(const struct resolve_out *o)
{
	static char buf[VIF_ADDRS_MAX * (3 * VIF_ADDR_STRLEN)];
	char a[VIF_ADDR_STRLEN], b[VIF_ADDR_STRLEN];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < o->n_withheld; k++) {
		const struct resolve_withheld *w = &o->withheld[k];

		vif_addr_to_string(&w->addr, a, sizeof(a));
		if (w->why == RESOLVE_WHY_PROTECTED)
			len += (size_t)snprintf(
			    buf + len, sizeof(buf) - len, "%s%s=%s:%zu(%s)", k > 0 ? " " : "", a,
			    resolve_why_to_string(w->why), w->other,
			    vif_addr_to_string(&w->protected_addr, b, sizeof(b)));
		else
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s=%s:%zu",
						k > 0 ? " " : "", a, resolve_why_to_string(w->why),
						w->other);
	}
	return buf;
}

/* Up to 40 vifs per case. */
#define CASE_MAX 40
static struct vif vifs[CASE_MAX];
static struct resolve_in in[CASE_MAX];
static struct resolve_out out[CASE_MAX];

static void set_in(size_t i, uint32_t domid, uint32_t devid, const char *mac, const char *ip,
		   const char *name, uint64_t rank)
{
	make_vif(&vifs[i], domid, devid, mac, ip);
	in[i] = (struct resolve_in){.vif = &vifs[i], .domain_name = name, .rank = rank};
}

static int run(size_t n, const struct vif_addr *prot, size_t n_prot)
{
	int r;

	memset(out, 0xaa, sizeof(out));
	r = resolve_compute(in, n, prot, n_prot, NULL, 0, out);
	CHECK(r == 0);
	return r;
}

static void test_no_conflict(void)
{
	set_in(0, 1, 0, MAC_A, "192.0.2.1 2001:db8::1", "a", 0);
	set_in(1, 2, 0, MAC_B, "192.0.2.2 2001:db8::2 198.51.100.0/24", "b", 1);
	set_in(2, 3, 0, MAC_A, "", "c", 2);
	if (run(3, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.1 2001:db8::1");
	CHECK_STR(granted_str(&out[1]), "192.0.2.2 2001:db8::2 198.51.100.0/24");
	CHECK_STR(granted_str(&out[2]), "");
	for (size_t i = 0; i < 3; i++) {
		CHECK(out[i].n_withheld == 0);
		CHECK(out[i].effective.domid == vifs[i].domid);
		CHECK(out[i].effective.devid == vifs[i].devid);
		CHECK(out[i].effective.type == vifs[i].type);
		CHECK(out[i].effective.has_ip == vifs[i].has_ip);
		CHECK_STR(out[i].effective.name, vifs[i].name);
		CHECK(memcmp(out[i].effective.mac, vifs[i].mac, 6) == 0);
	}
	CHECK(out[2].effective.has_ip);

	/* Nothing in, nothing out, no output needed. */
	CHECK(resolve_compute(NULL, 0, NULL, 0, NULL, 0, NULL) == 0);
}

static void test_exact_conflict(void)
{
	set_in(0, 1, 0, MAC_A, "192.0.2.5 2001:db8::5", "a", 1);
	set_in(1, 2, 0, MAC_B, "192.0.2.5 192.0.2.6 2001:db8::5", "b", 2);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.5 2001:db8::5");
	CHECK(out[0].n_withheld == 0);
	CHECK_STR(granted_str(&out[1]), "192.0.2.6");
	CHECK_STR(withheld_str(&out[1]), "192.0.2.5=conflict:0 2001:db8::5=conflict:0");
	CHECK(out[1].effective.has_ip);
	CHECK(out[1].withheld[0].why == RESOLVE_WHY_CONFLICT);

	/* Withheld everything: still has_ip, so the vif gets no IP at all. */
	set_in(1, 2, 0, MAC_B, "192.0.2.5", "b", 2);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK(out[1].effective.n_addrs == 0);
	CHECK(out[1].effective.has_ip);
	CHECK(out[1].n_withheld == 1);
}

static void test_order(void)
{
	/* Rank beats array order. */
	set_in(0, 1, 0, MAC_A, "192.0.2.5", "a", 7);
	set_in(1, 2, 0, MAC_B, "192.0.2.5", "b", 3);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[1]), "192.0.2.5");
	CHECK_STR(withheld_str(&out[0]), "192.0.2.5=conflict:1");

	/* Equal rank: the lower domid wins. */
	set_in(0, 7, 0, MAC_A, "192.0.2.5", "a", 3);
	set_in(1, 3, 0, MAC_B, "192.0.2.5", "b", 3);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[1]), "192.0.2.5");
	CHECK_STR(withheld_str(&out[0]), "192.0.2.5=conflict:1");

	/*
	 * Equal rank and domid: the lower devid comes first, so it is the one
	 * named as the owner when both vifs of domain 3 hold the address.
	 */
	set_in(0, 3, 1, MAC_A, "192.0.2.5", "a", 3);
	set_in(1, 3, 0, MAC_A, "192.0.2.5", "a", 3);
	set_in(2, 2, 0, MAC_B, "192.0.2.5", "b", 4);
	if (run(3, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.5");
	CHECK_STR(granted_str(&out[1]), "192.0.2.5");
	CHECK_STR(withheld_str(&out[2]), "192.0.2.5=conflict:1");

	/* Rank is 64 bits wide and compared as such. */
	set_in(0, 1, 0, MAC_A, "192.0.2.5", "a", UINT64_MAX);
	set_in(1, 2, 0, MAC_B, "192.0.2.5", "b", UINT64_MAX - 1);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(withheld_str(&out[0]), "192.0.2.5=conflict:1");
}

/* A prefix several guests list is shared: claim space for each, not a
 * grant, and no conflict among them. */
static void test_shared_prefix(void)
{
	struct vif_addr gw = addr("2001:db8:1::1");

	/* two guests on one /64 with the gateway protected inside it; an
	 * exact address inside stays its configurer's; a private /64 stays a grant */
	set_in(0, 1, 0, MAC_A, "2001:db8:1::/64 192.0.2.0/24 2001:db8:2::/64", "a", 1);
	set_in(1, 2, 0, MAC_B, "2001:db8:1::/64 2001:db8:1::b 192.0.2.0/24", "b", 2);
	set_in(2, 3, 0, MAC_C, "2001:db8:1::/64", "c", 3);
	if (run(3, &gw, 1) < 0)
		return;
	CHECK_STR(claims_str(&out[0]), "2001:db8:1::/64 192.0.2.0/24");
	CHECK_STR(granted_str(&out[0]), "2001:db8:2::/64");
	CHECK_STR(withheld_str(&out[0]), "");
	CHECK_STR(claims_str(&out[1]), "2001:db8:1::/64 192.0.2.0/24");
	CHECK_STR(granted_str(&out[1]), "2001:db8:1::b");
	CHECK_STR(claims_str(&out[2]), "2001:db8:1::/64");

	/* the halves of a local migration (same mac, same name) share
	 * nothing: the prefix is a grant for both, as before */
	set_in(0, 1, 0, MAC_A, "2001:db8:1::/64", "web", 1);
	set_in(1, 2, 0, MAC_A, "2001:db8:1::/64", "web--incoming", 2);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(claims_str(&out[0]), "");
	CHECK_STR(granted_str(&out[1]), "2001:db8:1::/64");

	/* a private prefix around a shared one conflicts with it both ways
	 * round, so no guest can send from another's owned address */
	set_in(0, 1, 0, MAC_A, "2001:db8:1::/48", "a", 1);
	set_in(1, 2, 0, MAC_B, "2001:db8:1::/64", "b", 2);
	set_in(2, 3, 0, MAC_C, "2001:db8:1::/64", "c", 3);
	if (run(3, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "2001:db8:1::/48");
	CHECK_STR(withheld_str(&out[1]), "2001:db8:1::/64=conflict:0");
	CHECK_STR(withheld_str(&out[2]), "2001:db8:1::/64=conflict:0");
	in[0].rank = 4;
	if (run(3, NULL, 0) < 0)
		return;
	CHECK_STR(withheld_str(&out[0]), "2001:db8:1::/48=conflict:1");
	CHECK_STR(claims_str(&out[1]), "2001:db8:1::/64");

	/* a prefix equal to a protected one is withheld, shared or not */
	gw = addr("192.0.2.0/24");
	set_in(0, 1, 0, MAC_A, "192.0.2.0/24", "a", 1);
	set_in(1, 2, 0, MAC_B, "192.0.2.0/24", "b", 2);
	if (run(2, &gw, 1) < 0)
		return;
	CHECK_STR(claims_str(&out[0]), "");
	CHECK_STR(withheld_str(&out[1]), "192.0.2.0/24=protected:0(192.0.2.0/24)");
}

static void test_prefix(void)
{
	/* A prefix first: exact addresses inside it are withheld, outside granted. */
	set_in(0, 1, 0, MAC_A, "192.0.2.0/28 2001:db8:1::/64", "a", 1);
	set_in(1, 2, 0, MAC_B, "192.0.2.5 192.0.2.16 2001:db8:1::7 2001:db8:2::7", "b", 2);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.0/28 2001:db8:1::/64");
	CHECK_STR(granted_str(&out[1]), "192.0.2.16 2001:db8:2::7");
	CHECK_STR(withheld_str(&out[1]), "192.0.2.5=conflict:0 2001:db8:1::7=conflict:0");

	/* An exact address first: a prefix containing it is withheld whole. */
	set_in(0, 1, 0, MAC_A, "192.0.2.0/28 192.0.2.32/28 2001:db8:1::/64", "a", 2);
	set_in(1, 2, 0, MAC_B, "192.0.2.15 2001:db8:1::ffff", "b", 1);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[1]), "192.0.2.15 2001:db8:1::ffff");
	CHECK_STR(granted_str(&out[0]), "192.0.2.32/28");
	CHECK_STR(withheld_str(&out[0]), "192.0.2.0/28=conflict:1 2001:db8:1::/64=conflict:1");

	/* Nested prefixes both ways, and an equal prefix: shared by a and c,
	 * so a conflict for the prefixes around and inside it. */
	set_in(0, 1, 0, MAC_A, "198.51.100.0/25", "a", 1);
	set_in(1, 2, 0, MAC_B, "198.51.100.0/24 198.51.100.128/25", "b", 2);
	set_in(2, 3, 0, MAC_B, "198.51.100.64/26 198.51.100.0/25", "c", 3);
	if (run(3, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "");
	CHECK_STR(claims_str(&out[0]), "198.51.100.0/25");
	CHECK_STR(granted_str(&out[1]), "198.51.100.128/25");
	CHECK_STR(withheld_str(&out[1]), "198.51.100.0/24=conflict:0");
	CHECK_STR(withheld_str(&out[2]), "198.51.100.64/26=conflict:0");
	CHECK_STR(claims_str(&out[2]), "198.51.100.0/25");

	/* The neighbouring /25 and the address just past a /28 do not overlap. */
	set_in(0, 1, 0, MAC_A, "198.51.100.0/25 192.0.2.0/28", "a", 1);
	set_in(1, 2, 0, MAC_B, "198.51.100.128/25 192.0.2.16", "b", 2);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[1]), "198.51.100.128/25 192.0.2.16");
}

static void test_families(void)
{
	/*
	 * 192.0.2.5 is c0 00 02 05, the same first bytes as c000:205::; one
	 * family must never be compared with the other.
	 */
	set_in(0, 1, 0, MAC_A, "192.0.2.5 192.0.2.0/24", "a", 1);
	set_in(1, 2, 0, MAC_B, "c000:205::1 c000:205::/32", "b", 2);
	/* The parser rejects v4-mapped addresses; resolve must not care either way. */
	vifs[1].addrs[vifs[1].n_addrs++] = (struct vif_addr){
	    .family = AF_INET6, .prefixlen = 128, .addr = {[10] = 0xff, 0xff, 192, 0, 2, 5}};
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[1]), "c000:205::1 c000:205::/32 ::ffff:192.0.2.5");
	CHECK(out[1].n_withheld == 0);
}

static void test_protected(void)
{
	struct vif_addr prot[] = {
	    addr("192.0.2.1"),
	    addr("2001:db8:ff::/48"),
	    addr("203.0.113.0/24"),
	    addr("203.0.113.9"),
	};

	set_in(0, 1, 0, MAC_A, "192.0.2.1 192.0.2.2 2001:db8:ff::7 2001:db8::7", "a", 1);
	/* A prefix strictly containing protected entries is granted (the
	 * kernel subtracts them); an entry equal to or inside one is withheld,
	 * naming the first containing entry in list order. */
	set_in(1, 2, 0, MAC_B,
	       "192.0.2.0/24 203.0.113.9 2001:db8:ff:1::/64 203.0.113.0/24 203.0.112.0/23 "
	       "2001:db8:fe::/47",
	       "b", 2);
	if (run(2, prot, ELEMENTSOF(prot)) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.2 2001:db8::7");
	CHECK_STR(withheld_str(&out[0]),
		  "192.0.2.1=protected:0(192.0.2.1) 2001:db8:ff::7=protected:1(2001:db8:ff::/48)");
	CHECK_STR(granted_str(&out[1]), "203.0.112.0/23 2001:db8:fe::/47");
	CHECK_STR(withheld_str(&out[1]), "192.0.2.0/24=conflict:0 "
					 "203.0.113.9=protected:2(203.0.113.0/24) "
					 "2001:db8:ff:1::/64=protected:1(2001:db8:ff::/48) "
					 "203.0.113.0/24=protected:2(203.0.113.0/24)");
	/* The case: a /24 and a /64 holding the gateway's addresses. */
	{
		struct vif_addr gw[] = {addr("192.0.2.1"), addr("2001:db8::1")};

		set_in(0, 1, 0, MAC_A, "192.0.2.0/24 2001:db8::/64 192.0.2.1 2001:db8::1", "a", 1);
		if (run(1, gw, ELEMENTSOF(gw)) < 0)
			return;
		CHECK_STR(granted_str(&out[0]), "192.0.2.0/24 2001:db8::/64");
		CHECK_STR(withheld_str(&out[0]),
			  "192.0.2.1=protected:0(192.0.2.1) 2001:db8::1=protected:1(2001:db8::1)");
	}

	/* Protected beats conflict, and a withheld entry reserves nothing. */
	set_in(0, 1, 0, MAC_A, "192.0.2.1 192.0.2.2", "a", 1);
	set_in(1, 2, 0, MAC_B, "192.0.2.1 192.0.2.2", "b", 2);
	if (run(2, prot, 1) < 0)
		return;
	CHECK_STR(withheld_str(&out[1]), "192.0.2.1=protected:0(192.0.2.1) 192.0.2.2=conflict:0");
	CHECK(out[1].withheld[1].protected_addr.family == 0);
}

static void shared_entry(struct policy_shared *sh, const char *name, const char *addrs,
			 const char *domains, const char *vmac4)
{
	char buf[256], *save = NULL;

	memset(sh, 0, sizeof(*sh));
	snprintf(sh->name, sizeof(sh->name), "%s", name);
	snprintf(buf, sizeof(buf), "%s", addrs);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		sh->addrs[sh->n_addrs++] = addr(t);
	snprintf(buf, sizeof(buf), "%s", domains);
	for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save))
		snprintf(sh->domains[sh->n_domains++], POLICY_DOMAIN_NAME_MAX, "%s", t);
	if (vmac4) {
		struct vif_error err;

		sh->has_vmac[0] = vif_mac_parse("vmac", vmac4, sh->vmac[0], &err) == 0;
	}
}

static void test_shared(void)
{
	static const uint8_t vmac[6] = {0x00, 0x00, 0x5e, 0x00, 0x01, 0x32};
	struct policy_shared sh[2];
	struct vif_addr prot[] = {addr("192.0.2.1")};

	shared_entry(&sh[0], "vip", "192.0.2.50 2001:db8::50", "lb1 lb2", "00:00:5e:00:01:32");
	shared_entry(&sh[1], "gw", "192.0.2.1", "lb1", NULL);
	/* the non-member comes first: it is still refused */
	set_in(0, 3, 0, MAC_A, "192.0.2.99 192.0.2.50", "web", 1);
	set_in(1, 4, 0, MAC_A, "192.0.2.31 192.0.2.50 2001:db8::50 192.0.2.1", "lb1", 2);
	set_in(2, 5, 0, MAC_B, "192.0.2.32 192.0.2.50 2001:db8::50", "lb2--incoming", 3);
	/* a member that does not list it gets nothing more */
	set_in(3, 6, 0, MAC_B, "192.0.2.33", "lb2", 4);
	/* a non-member's prefix holding it is withheld whole */
	set_in(4, 7, 0, MAC_B, "2001:db8::/64", "other", 5);
	/* unknown name: not a member */
	set_in(5, 8, 0, MAC_B, "192.0.2.50", NULL, 6);
	memset(out, 0xaa, sizeof(out));
	CHECK(resolve_compute(in, 6, prot, 1, sh, 2, out) == 0);
	CHECK_STR(granted_str(&out[0]), "192.0.2.99");
	CHECK_STR(withheld_str(&out[0]), "192.0.2.50=shared:0");
	CHECK(out[0].withheld[0].why == RESOLVE_WHY_SHARED);
	CHECK(out[0].effective.n_vmacs == 0);
	/* protected wins over shared */
	CHECK_STR(granted_str(&out[1]), "192.0.2.31 192.0.2.50 2001:db8::50");
	CHECK_STR(withheld_str(&out[1]), "192.0.2.1=protected:0(192.0.2.1)");
	CHECK(out[1].shared_mask == 6 && out[1].shared_of[1] == 0 && out[1].shared_of[2] == 0);
	CHECK(out[1].effective.n_vmacs == 1 && memcmp(out[1].effective.vmacs[0], vmac, 6) == 0);
	CHECK_STR(granted_str(&out[2]), "192.0.2.32 192.0.2.50 2001:db8::50");
	CHECK_STR(withheld_str(&out[2]), "");
	CHECK(out[2].effective.n_vmacs == 1);
	CHECK_STR(granted_str(&out[3]), "192.0.2.33");
	CHECK(out[3].effective.n_vmacs == 0 && out[3].shared_mask == 0);
	CHECK_STR(withheld_str(&out[4]), "2001:db8::/64=shared:0");
	CHECK_STR(withheld_str(&out[5]), "192.0.2.50=shared:0");

	/* a member's prefix holding the shared address does not block the other member */
	set_in(0, 4, 0, MAC_A, "2001:db8::50 192.0.2.48/28", "lb1", 1);
	set_in(1, 5, 0, MAC_B, "2001:db8::50 192.0.2.50", "lb2", 2);
	set_in(2, 6, 0, MAC_B, "192.0.2.60", "web", 3);
	memset(out, 0xaa, sizeof(out));
	CHECK(resolve_compute(in, 3, NULL, 0, sh, 1, out) == 0);
	CHECK_STR(granted_str(&out[0]), "2001:db8::50 192.0.2.48/28");
	CHECK_STR(granted_str(&out[1]), "2001:db8::50 192.0.2.50");
	CHECK(out[0].effective.n_vmacs == 0); /* only IPv6 shared: the IPv4 vmac stays out */
	CHECK_STR(withheld_str(&out[2]), "192.0.2.60=conflict:0");

	/* too many entries */
	CHECK(resolve_compute(in, 1, NULL, 0, sh, POLICY_SHARED_MAX + 1, out) == -EINVAL);
}

static void test_same_domain(void)
{
	set_in(0, 5, 0, MAC_A, "192.0.2.5 192.0.2.0/28", "a", 1);
	set_in(1, 5, 1, MAC_B, "192.0.2.5 192.0.2.6", "a", 2);
	set_in(2, 6, 0, MAC_B, "192.0.2.6", "z", 3);
	if (run(3, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.5 192.0.2.0/28");
	CHECK_STR(granted_str(&out[1]), "192.0.2.5 192.0.2.6");
	CHECK_STR(withheld_str(&out[2]), "192.0.2.6=conflict:0");
}

static void test_migration(void)
{
	static const struct {
		const char *name0, *mac1, *name1;
		bool is_shared;
	} cases[] = {
	    {"web01", MAC_A, "web01--incoming", true},
	    {"web01--migratedaway", MAC_A, "web01--incoming", true},
	    {"web01--incoming", MAC_A, "web01", true},
	    {"web01", MAC_B, "web01--incoming", false},
	    {"web01--incoming", MAC_A, "web02", false},
	    {"web01", MAC_A, "web02--incoming", false},
	    {"web01", MAC_A, NULL, false},
	    {NULL, MAC_A, "web01--incoming", false},
	    {NULL, MAC_A, NULL, false},
	    {"", MAC_A, "", false},
	    {"web01", MAC_A, "web01-incoming", false},
	    {"web01--incoming--incoming", MAC_A, "web01", false},
	};

	for (size_t c = 0; c < ELEMENTSOF(cases); c++) {
		set_in(0, 1, 0, MAC_A, "192.0.2.5 2001:db8::5", cases[c].name0, 1);
		set_in(1, 2, 0, cases[c].mac1, "192.0.2.5 2001:db8::5", cases[c].name1, 2);
		if (run(2, NULL, 0) < 0)
			return;
		CHECK_STR(granted_str(&out[0]), "192.0.2.5 2001:db8::5");
		if (cases[c].is_shared) {
			CHECK_STR(granted_str(&out[1]), "192.0.2.5 2001:db8::5");
		} else {
			CHECK_STR(granted_str(&out[1]), "");
			CHECK_STR(withheld_str(&out[1]),
				  "192.0.2.5=conflict:0 2001:db8::5=conflict:0");
		}
		CHECK(resolve_vifs_conflict(&in[0], &in[1]) == !cases[c].is_shared);
		CHECK(resolve_vifs_conflict(&in[1], &in[0]) == !cases[c].is_shared);
	}

	/*
	 * Sharing is not transitive: web01 (dom 1) and its incoming copy (dom 2)
	 * share, a second vif of dom 1 with another mac shares with web01 (same
	 * domain) but not with dom 2, so it loses to dom 2, which came earlier.
	 */
	set_in(0, 1, 0, MAC_A, "192.0.2.5", "web01", 1);
	set_in(1, 2, 0, MAC_A, "192.0.2.5", "web01--incoming", 2);
	set_in(2, 1, 1, MAC_B, "192.0.2.5", "web01", 3);
	if (run(3, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.5");
	CHECK_STR(granted_str(&out[1]), "192.0.2.5");
	CHECK_STR(withheld_str(&out[2]), "192.0.2.5=conflict:1");
}

static void test_owner_gone(void)
{
	set_in(0, 1, 0, MAC_A, "192.0.2.5 2001:db8::/64", "a", 1);
	set_in(1, 2, 0, MAC_B, "192.0.2.5 2001:db8::9", "b", 2);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[1]), "");
	CHECK_STR(withheld_str(&out[1]), "192.0.2.5=conflict:0 2001:db8::9=conflict:0");

	/* Domain 1 is destroyed: the caller passes only the waiting vif. */
	vifs[0] = vifs[1];
	in[0] = in[1];
	in[0].vif = &vifs[0];
	if (run(1, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.5 2001:db8::9");
	CHECK(out[0].n_withheld == 0);

	/* Domain 1 comes back with a later rank: it now waits. */
	set_in(1, 1, 0, MAC_A, "192.0.2.5 2001:db8::/64", "a", 3);
	if (run(2, NULL, 0) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.5 2001:db8::9");
	CHECK_STR(withheld_str(&out[1]), "192.0.2.5=conflict:0 2001:db8::/64=conflict:0");
}

static void test_invalid(void)
{
	struct vif_addr prot[1] = {addr("192.0.2.1")};
	bool is_untouched;

	set_in(0, 1, 0, MAC_A, "192.0.2.5", "a", 1);
	set_in(1, 2, 0, MAC_B, "192.0.2.6", "b", 2);

	memset(out, 0x5a, sizeof(out));
	vifs[1].addrs[0].family = AF_UNIX;
	CHECK(resolve_compute(in, 2, NULL, 0, NULL, 0, out) == -EINVAL);
	vifs[1].addrs[0].family = AF_INET;
	vifs[1].addrs[0].prefixlen = 33;
	CHECK(resolve_compute(in, 2, NULL, 0, NULL, 0, out) == -EINVAL);
	vifs[1].addrs[0].prefixlen = 32;
	vifs[1].n_addrs = VIF_ADDRS_MAX + 1;
	CHECK(resolve_compute(in, 2, NULL, 0, NULL, 0, out) == -EINVAL);
	vifs[1].n_addrs = 1;
	prot[0].prefixlen = 129;
	CHECK(resolve_compute(in, 2, prot, 1, NULL, 0, out) == -EINVAL);
	/* Nothing was written. */
	is_untouched = true;
	for (size_t i = 0; i < sizeof(out); i++)
		is_untouched = is_untouched && ((const unsigned char *)out)[i] == 0x5a;
	CHECK(is_untouched);

	/* /0 is odd but well defined: it overlaps its whole family. */
	prot[0] = addr("2001:db8::1");
	prot[0].prefixlen = 0;
	if (run(2, prot, 1) < 0)
		return;
	CHECK_STR(granted_str(&out[0]), "192.0.2.5");
	CHECK_STR(granted_str(&out[1]), "192.0.2.6");
	prot[0] = addr("192.0.2.1");
	prot[0].prefixlen = 0;
	if (run(2, prot, 1) < 0)
		return;
	CHECK(out[0].effective.n_addrs == 0);
	CHECK(out[1].effective.n_addrs == 0);
}

/* resolve_addrs_overlap against a bit-by-bit reference: random pairs of
 * nearby addresses with every prefix length. */
static bool overlap_ref(const struct vif_addr *a, const struct vif_addr *b)
{
	unsigned bits = a->family == AF_INET ? 32 : 128;
	unsigned len = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;

	if (a->family != b->family)
		return false;
	if (len > bits)
		len = bits;
	for (unsigned i = 0; i < len; i++)
		if (((a->addr[i / 8] ^ b->addr[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static void test_overlap_random(void)
{
	unsigned seed = 12345, bad = 0;

	for (int i = 0; i < 200000; i++) {
		struct vif_addr a = {0}, b;
		unsigned bits;

		seed = seed * 1103515245 + 12345;
		a.family = seed >> 30 & 1 ? AF_INET : AF_INET6;
		bits = a.family == AF_INET ? 32 : 128;
		for (unsigned k = 0; k < bits / 8; k++) {
			seed = seed * 1103515245 + 12345;
			a.addr[k] = (uint8_t)(seed >> 16);
		}
		b = a;
		/* flip one bit somewhere, or none */
		seed = seed * 1103515245 + 12345;
		if (seed >> 31) {
			unsigned bit = (seed >> 8) % bits;

			b.addr[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		}
		seed = seed * 1103515245 + 12345;
		a.prefixlen = (uint8_t)((seed >> 8) % (bits + 1));
		b.prefixlen = (uint8_t)((seed >> 20) % (bits + 1));
		if (resolve_addrs_overlap(&a, &b) != overlap_ref(&a, &b))
			bad++;
	}
	CHECK(bad == 0);
}

static void test_helpers(void)
{
	struct vif_addr a = addr("192.0.2.0/24"), b = addr("192.0.2.200"), c;

	CHECK(resolve_addrs_overlap(&a, &b));
	CHECK(resolve_addrs_overlap(&b, &a));
	CHECK(resolve_addrs_overlap(&a, &a));
	c = addr("192.0.3.0");
	CHECK(!resolve_addrs_overlap(&a, &c));
	/* Host bits under a prefix are ignored. */
	a.addr[3] = 77;
	CHECK(resolve_addrs_overlap(&a, &b));
	c = addr("192.0.3.0/24");
	c.prefixlen = 23;
	CHECK(resolve_addrs_overlap(&c, &b));
	c = addr("2001:db8::/32");
	CHECK(!resolve_addrs_overlap(&a, &c));
	c = addr("c000:200::/24");
	CHECK(!resolve_addrs_overlap(&a, &c));
	a = addr("2001:db8:0:1:8000::/65");
	b = addr("2001:db8:0:1:7fff::1");
	CHECK(!resolve_addrs_overlap(&a, &b));
	a.prefixlen = 64;
	CHECK(resolve_addrs_overlap(&a, &b));
	b = addr("2001:db8:0:1:8000::1");
	a.prefixlen = 127;
	CHECK(resolve_addrs_overlap(&a, &b));
	a.prefixlen = 128;
	CHECK(!resolve_addrs_overlap(&a, &b));
	/* Out of range: clamped, or no family at all. */
	a = b;
	a.prefixlen = 200;
	CHECK(resolve_addrs_overlap(&a, &b));
	a.family = b.family = AF_UNIX;
	CHECK(!resolve_addrs_overlap(&a, &b));

	CHECK(resolve_base_name_len("web01--incoming") == 5);
	CHECK(resolve_base_name_len("web01--migratedaway") == 5);
	CHECK(resolve_base_name_len("web01") == 5);
	CHECK(resolve_base_name_len("web01--incoming--incoming") == 15);
	CHECK(resolve_base_name_len("web01--migratedaway--incoming") == 19);
	CHECK(resolve_base_name_len("web01-incoming") == 14);
	CHECK(resolve_base_name_len("--incoming") == 10);
	CHECK(resolve_base_name_len("x--incoming") == 1);
	CHECK(resolve_base_name_len("") == 0);

	CHECK_STR(resolve_why_to_string(RESOLVE_WHY_PROTECTED), "protected");
	CHECK_STR(resolve_why_to_string(RESOLVE_WHY_CONFLICT), "conflict");
	CHECK(resolve_why_to_string(_RESOLVE_WHY_MAX) == NULL);
	CHECK(resolve_why_to_string((enum resolve_why) - 1) == NULL);
}

/*
 * The reference: straight from the rules, quadratic, sharing no code with
 * lib/resolve.c beyond the structs.
 */
static bool ref_overlap(const struct vif_addr *a, const struct vif_addr *b)
{
	unsigned width, len;

	if (a->family != b->family)
		return false;
	width = a->family == AF_INET ? 32 : 128;
	len = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;
	if (len > width)
		len = width;
	/* Whole bytes first, only to keep the 4,000-vif reference bearable. */
	if (memcmp(a->addr, b->addr, len / 8) != 0)
		return false;
	for (unsigned i = len / 8 * 8; i < len; i++)
		if (((a->addr[i / 8] ^ b->addr[i / 8]) >> (7 - i % 8)) & 1)
			return false;
	return true;
}

static size_t ref_base(const char *s)
{
	size_t n = strlen(s);

	if (n > 10 && strcmp(s + n - 10, "--incoming") == 0)
		return n - 10;
	if (n > 14 && strcmp(s + n - 14, "--migratedaway") == 0)
		return n - 14;
	return n;
}

static bool ref_conflict(const struct resolve_in *a, const struct resolve_in *b)
{
	if (a->vif->domid == b->vif->domid)
		return false;
	if (memcmp(a->vif->mac, b->vif->mac, 6) != 0 || !a->domain_name || !b->domain_name)
		return true;
	return ref_base(a->domain_name) == 0 ||
	       ref_base(a->domain_name) != ref_base(b->domain_name) ||
	       strncmp(a->domain_name, b->domain_name, ref_base(a->domain_name)) != 0;
}

static bool ref_before(const struct resolve_in *r, size_t i, size_t j)
{
	if (r[i].rank != r[j].rank)
		return r[i].rank < r[j].rank;
	if (r[i].vif->domid != r[j].vif->domid)
		return r[i].vif->domid < r[j].vif->domid;
	if (r[i].vif->devid != r[j].vif->devid)
		return r[i].vif->devid < r[j].vif->devid;
	return i < j;
}

static bool ref_is_exact(const struct vif_addr *a)
{
	return a->prefixlen == (a->family == AF_INET ? 32 : 128);
}

static bool ref_same_prefix(const struct vif_addr *a, const struct vif_addr *b)
{
	return a->prefixlen == b->prefixlen && ref_overlap(a, b);
}

/* A prefix two conflicting vifs list: shared (at most VIF_CLAIMS_MAX per
 * vif, which the random cases never reach). */
static bool ref_is_shared(const struct resolve_in *r, size_t n, const struct vif_addr *a)
{
	if (ref_is_exact(a))
		return false;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			bool li = false, lj = false;

			if (!ref_conflict(&r[i], &r[j]))
				continue;
			for (size_t k = 0; k < r[i].vif->n_addrs; k++)
				li = li || ref_same_prefix(&r[i].vif->addrs[k], a);
			for (size_t k = 0; k < r[j].vif->n_addrs; k++)
				lj = lj || ref_same_prefix(&r[j].vif->addrs[k], a);
			if (li && lj)
				return true;
		}
	return false;
}

static void ref_resolve(const struct resolve_in *r, size_t n, const struct vif_addr *prot,
			size_t n_prot, struct resolve_out *o)
{
	size_t *order = malloc((n + 1) * sizeof(*order));

	if (!order)
		exit(EXIT_FAILURE);
	/* Insertion sort: fine for a reference. */
	for (size_t i = 0; i < n; i++) {
		size_t k = i;

		while (k > 0 && ref_before(r, i, order[k - 1])) {
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	for (size_t p = 0; p < n; p++) {
		size_t i = order[p];

		o[i].effective = *r[i].vif;
		o[i].effective.n_addrs = 0;
		o[i].effective.n_claims = 0;
		o[i].n_withheld = 0;
		for (size_t k = 0; k < r[i].vif->n_addrs; k++) {
			const struct vif_addr *a = &r[i].vif->addrs[k];
			struct resolve_withheld w = {.addr = *a};
			bool is_withheld = false, shared = ref_is_shared(r, n, a);

			for (size_t q = 0; q < n_prot && !is_withheld; q++)
				if (prot[q].prefixlen <= a->prefixlen && ref_overlap(a, &prot[q])) {
					w.why = RESOLVE_WHY_PROTECTED;
					w.other = q;
					w.protected_addr = prot[q];
					is_withheld = true;
				}
			/* granted entries of earlier conflicting vifs (for a shared
			 * prefix only those around it), then their shared prefixes
			 * (for a prefix that is not shared) */
			for (int pass = 0; pass < 2 && !is_withheld; pass++)
				for (size_t pj = 0; pj < p && !is_withheld; pj++) {
					size_t j = order[pj];
					const struct vif *e = &o[j].effective;
					size_t nm = pass ? e->n_claims : e->n_addrs;

					if (!ref_conflict(&r[i], &r[j]) ||
					    (pass == 1 && (shared || ref_is_exact(a))))
						continue;
					for (size_t m = 0; m < nm && !is_withheld; m++) {
						const struct vif_addr *b =
						    pass ? &e->claims[m] : &e->addrs[m];

						if (ref_overlap(a, b) &&
						    (!shared || b->prefixlen <= a->prefixlen)) {
							w.why = RESOLVE_WHY_CONFLICT;
							w.other = j;
							is_withheld = true;
						}
					}
				}
			if (!is_withheld && shared) {
				o[i].effective.claims[o[i].effective.n_claims++] = *a;
				continue;
			}
			if (is_withheld)
				o[i].withheld[o[i].n_withheld++] = w;
			else
				o[i].effective.addrs[o[i].effective.n_addrs++] = *a;
		}
	}
	free(order);
}

static bool addr_same(const struct vif_addr *a, const struct vif_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static bool out_same(const struct resolve_out *a, const struct resolve_out *b)
{
	if (a->effective.domid != b->effective.domid || a->effective.devid != b->effective.devid ||
	    a->effective.has_ip != b->effective.has_ip ||
	    strcmp(a->effective.name, b->effective.name) != 0 ||
	    memcmp(a->effective.mac, b->effective.mac, 6) != 0 ||
	    a->effective.n_addrs != b->effective.n_addrs || a->n_withheld != b->n_withheld ||
	    a->effective.n_claims != b->effective.n_claims)
		return false;
	for (size_t k = 0; k < a->effective.n_claims; k++)
		if (!addr_same(&a->effective.claims[k], &b->effective.claims[k]))
			return false;
	for (size_t k = 0; k < a->effective.n_addrs; k++)
		if (!addr_same(&a->effective.addrs[k], &b->effective.addrs[k]))
			return false;
	for (size_t k = 0; k < a->n_withheld; k++) {
		const struct resolve_withheld *x = &a->withheld[k], *y = &b->withheld[k];

		if (!addr_same(&x->addr, &y->addr) || x->why != y->why || x->other != y->other)
			return false;
		if (x->why == RESOLVE_WHY_PROTECTED &&
		    !addr_same(&x->protected_addr, &y->protected_addr))
			return false;
	}
	return true;
}

/* xorshift64*: fixed seed, same cases on every run and every libc. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32) % n;
}

/* An address from a small pool, so overlaps are frequent; host bits sometimes left set. */
static struct vif_addr random_addr(void)
{
	static const uint8_t lens4[] = {32, 32, 32, 31, 30, 28, 26, 24};
	static const uint8_t lens6[] = {128, 128, 128, 127, 124, 120, 112, 64};
	struct vif_addr a = {0};

	if (rnd(2) == 0) {
		static const uint8_t nets[][3] = {{192, 0, 2}, {198, 51, 100}};
		unsigned net = rnd(2);

		a.family = AF_INET;
		memcpy(a.addr, nets[net], 3);
		a.addr[3] = (uint8_t)rnd(256);
		a.prefixlen = lens4[rnd(ELEMENTSOF(lens4))];
	} else {
		a.family = AF_INET6;
		memcpy(a.addr, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		a.addr[7] = (uint8_t)rnd(2);
		a.addr[15] = (uint8_t)rnd(256);
		a.prefixlen = lens6[rnd(ELEMENTSOF(lens6))];
	}
	if (rnd(4) != 0) {
		unsigned width = a.family == AF_INET ? 32 : 128;

		for (unsigned i = a.prefixlen; i < width; i++)
			a.addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	}
	return a;
}

static void test_random(void)
{
	static const char *const names[] = {
	    NULL,
	    "web01",
	    "web01--incoming",
	    "web01--migratedaway",
	    "web02",
	    "web02--incoming",
	    "",
	    "--incoming",
	};
	static const uint8_t macs[2][6] = {{0x00, 0x16, 0x3e, 0, 0, 1},
					   {0x00, 0x16, 0x3e, 0, 0, 2}};
	static struct resolve_out want[CASE_MAX];
	unsigned n_cases = 2000, n_bad = 0, n_withheld = 0, n_conflict = 0, n_claims = 0;

	for (unsigned c = 0; c < n_cases; c++) {
		/* Mostly small cases; every tenth deep enough for a real tree. */
		size_t n = 1 + rnd(c % 10 == 0 ? CASE_MAX : 8), n_prot = rnd(4);
		struct vif_addr prot[4];

		for (size_t i = 0; i < n; i++) {
			struct vif *v = &vifs[i];

			memset(v, 0, sizeof(*v));
			v->domid = 1 + rnd(4);
			v->devid = rnd(3);
			snprintf(v->name, sizeof(v->name), "vif%u.%u", v->domid, v->devid);
			memcpy(v->mac, macs[rnd(2)], 6);
			v->has_ip = true;
			v->n_addrs = rnd(6);
			for (size_t k = 0; k < v->n_addrs; k++)
				v->addrs[k] = random_addr();
			in[i] = (struct resolve_in){
			    .vif = v, .domain_name = names[rnd(ELEMENTSOF(names))], .rank = rnd(4)};
		}
		for (size_t q = 0; q < n_prot; q++) {
			prot[q] = random_addr();
			/* Keep protected space narrow, or it swallows everything. */
			if (prot[q].prefixlen < (prot[q].family == AF_INET ? 30 : 124))
				prot[q].prefixlen = prot[q].family == AF_INET ? 32 : 128;
		}

		ref_resolve(in, n, prot, n_prot, want);
		if (resolve_compute(in, n, prot, n_prot, NULL, 0, out) != 0) {
			n_bad++;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			if (!out_same(&out[i], &want[i])) {
				n_bad++;
				fprintf(stderr, "random case %u, vif %zu: got '%s' / '%s'\n", c, i,
					granted_str(&out[i]), withheld_str(&out[i]));
				fprintf(stderr, "  want '%s' / '%s'\n", granted_str(&want[i]),
					withheld_str(&want[i]));
			}
			n_withheld += (unsigned)out[i].n_withheld;
			n_claims += (unsigned)out[i].effective.n_claims;
			for (size_t k = 0; k < out[i].n_withheld; k++)
				n_conflict += out[i].withheld[k].why == RESOLVE_WHY_CONFLICT;
		}
	}
	CHECK(n_bad == 0);
	/* The generator must actually produce both kinds, or this proves little. */
	CHECK(n_conflict > 1000);
	/* and shared prefixes */
	CHECK(n_claims > 100);
	/* (fewer protected since prefixes containing one are granted) */
	CHECK(n_withheld - n_conflict > 40);
	printf("random: %u cases, %u entries withheld (%u conflicts), %u shared\n", n_cases,
	       n_withheld, n_conflict, n_claims);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define BIG_N 4000

/*
 * Build BIG_N vifs, one per domain, in the shape the brief gives: two single
 * addresses each, a few dozen prefixes, some duplicates, a few migration
 * pairs and some protected addresses.
 */
static void big_case(struct vif *v, struct resolve_in *r, char (*names)[32], struct vif_addr *prot,
		     size_t *ret_n_prot)
{
	size_t n_prot = 0;

	for (size_t i = 0; i < BIG_N; i++) {
		/* 198.18.0.0/15 and 2001:db8::/32, address i + 16. */
		uint32_t host = (uint32_t)i + 16;

		memset(&v[i], 0, sizeof(v[i]));
		v[i].domid = 1 + (uint32_t)i;
		snprintf(v[i].name, sizeof(v[i].name), "vif%u.0", v[i].domid);
		memcpy(v[i].mac,
		       (const uint8_t[]){0x00, 0x16, 0x3e, 0, (uint8_t)(i >> 8), (uint8_t)i}, 6);
		v[i].has_ip = true;
		/* Every 50th vif claims the address of the vif 7 before it. */
		if (i % 50 == 49)
			host -= 7;
		v[i].addrs[0] = (struct vif_addr){.family = AF_INET,
						  .prefixlen = 32,
						  .addr = {198, (uint8_t)(18 + (host >> 16)),
							   (uint8_t)(host >> 8), (uint8_t)host}};
		v[i].addrs[1] = (struct vif_addr){
		    .family = AF_INET6,
		    .prefixlen = 128,
		    .addr = {0x20, 0x01, 0x0d,
			     0xb8, [14] = (uint8_t)(host >> 8), [15] = (uint8_t)host}};
		v[i].n_addrs = 2;
		/* A few dozen prefixes, some covering other vifs' addresses. */
		if (i % 200 == 3) {
			/* the /28 and /124 around the vif 40 further on */
			uint32_t h = host + 40;

			v[i].addrs[2] = (struct vif_addr){
			    .family = AF_INET,
			    .prefixlen = 28,
			    .addr = {198, 18, (uint8_t)(h >> 8), (uint8_t)(h & 0xf0)}};
			v[i].addrs[3] = (struct vif_addr){
			    .family = AF_INET6,
			    .prefixlen = 124,
			    .addr = {0x20, 0x01, 0x0d,
				     0xb8, [14] = (uint8_t)(h >> 8), [15] = (uint8_t)(h & 0xf0)}};
			v[i].n_addrs = 4;
		}
		if (i % 300 == 7) {
			/* the /26 around the vif 100 earlier */
			uint32_t h = host - 100;

			v[i].addrs[2] = (struct vif_addr){
			    .family = AF_INET,
			    .prefixlen = 26,
			    .addr = {198, 18, (uint8_t)(h >> 8), (uint8_t)(h & 0xc0)}};
			v[i].n_addrs = 3;
		}
		snprintf(names[i], 32, "guest%zu", i);
		r[i] =
		    (struct resolve_in){.vif = &v[i], .domain_name = names[i], .rank = BIG_N - i};
	}
	/* Ten local migrations in flight: same mac, same addresses, "--incoming". */
	for (size_t i = 100; i < 1100; i += 100) {
		size_t j = i + 1;

		memcpy(v[j].mac, v[i].mac, 6);
		memcpy(v[j].addrs, v[i].addrs, sizeof(v[i].addrs[0]) * v[i].n_addrs);
		v[j].n_addrs = v[i].n_addrs;
		snprintf(names[j], 32, "guest%zu--incoming", i);
	}
	for (size_t q = 0; q < 20; q++)
		prot[n_prot++] = (struct vif_addr){.family = AF_INET,
						   .prefixlen = 32,
						   .addr = {198, 18, 0, (uint8_t)(16 + 97 * q)}};
	prot[n_prot++] =
	    (struct vif_addr){.family = AF_INET, .prefixlen = 24, .addr = {198, 18, 10, 0}};
	prot[n_prot++] = (struct vif_addr){
	    .family = AF_INET6, .prefixlen = 120, .addr = {0x20, 0x01, 0x0d, 0xb8, [14] = 3}};
	*ret_n_prot = n_prot;
}

static void test_big(void)
{
	struct vif *v = calloc(BIG_N, sizeof(*v));
	struct resolve_in *r = calloc(BIG_N, sizeof(*r));
	struct resolve_out *got = calloc(BIG_N, sizeof(*got)), *want = calloc(BIG_N, sizeof(*want));
	char(*names)[32] = calloc(BIG_N, sizeof(*names));
	struct vif_addr prot[32];
	size_t n_prot, n_bad = 0, n_withheld = 0;
	double best = 1e9, t, t_ref;

	if (!v || !r || !got || !want || !names) {
		CHECK(!"out of memory");
		goto finish;
	}
	big_case(v, r, names, prot, &n_prot);

	for (int round = 0; round < 5; round++) {
		t = now_ms();
		CHECK(resolve_compute(r, BIG_N, prot, n_prot, NULL, 0, got) == 0);
		t = now_ms() - t;
		if (t < best)
			best = t;
	}
	t_ref = now_ms();
	ref_resolve(r, BIG_N, prot, n_prot, want);
	t_ref = now_ms() - t_ref;

	for (size_t i = 0; i < BIG_N; i++) {
		n_bad += !out_same(&got[i], &want[i]);
		n_withheld += got[i].n_withheld;
	}
	CHECK(n_bad == 0);
	CHECK(n_withheld > 100);
	/* Generous: this catches a quadratic algorithm, not a slow machine. */
	CHECK(best < 200);
	printf("%d vifs: resolve %.2f ms (best of 5), naive reference %.1f ms, %zu withheld\n",
	       BIG_N, best, t_ref, n_withheld);

finish:
	free(v);
	free(r);
	free(got);
	free(want);
	free(names);
}

/*
 * Out of memory at every allocation in turn: -ENOMEM, nothing touched, and
 * no double free or leak on the way out (the ASan build catches those).  A
 * failed index allocation used to be freed twice.
 */
static void test_oom(void)
{
	struct vif_addr prot[] = {addr("192.0.2.1"), addr("2001:db8:ff::/48")};
	unsigned long n;

	set_in(0, 1, 0, MAC_A, "192.0.2.1 192.0.2.2 2001:db8::7", "a", 1);
	set_in(1, 2, 0, MAC_B, "192.0.2.0/24 2001:db8::7", "b", 2);
	set_in(2, 3, 0, MAC_A, "198.51.100.1", "c", 3);
	for (n = 1; n < 1000; n++) {
		bool is_hit;
		int r;

		memset(out, 0xaa, sizeof(out));
		fail_alloc_arm(n);
		r = resolve_compute(in, 3, prot, ELEMENTSOF(prot), NULL, 0, out);
		is_hit = fail_alloc_disarm();
		if (!is_hit) {
			CHECK(r == 0);
			break;
		}
		CHECK(r == -ENOMEM);
		CHECK(((const uint8_t *)out)[0] == 0xaa);
	}
	/* keys, order, base, slot_of and two indexes of three arrays each */
	CHECK(n > 10);
}

int main(void)
{
	test_no_conflict();
	test_exact_conflict();
	test_order();
	test_prefix();
	test_shared_prefix();
	test_families();
	test_protected();
	test_same_domain();
	test_shared();
	test_migration();
	test_owner_gone();
	test_invalid();
	test_helpers();
	test_overlap_random();
	test_random();
	test_big();
	test_oom();

	printf("test-resolve: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
