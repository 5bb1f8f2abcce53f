// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The table, its sets and chains, and the rules of every chain (chains.h).
 * Only stmt_*() calls write a rule, so what is printed is what is sent.
 */
/* first: plan.h pulls in net/if.h, which must precede the uapi headers */
#include "chains.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <stdio.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/table.h>

#include "proto.h"
#include "set-catalog.h"
#include "stmt.h"

#define CH_DROP "guest-drop"
#define CH_OWN "own-claim"
#define CH_PROBE "probe-claim"
#define CH_PROBE_LOG "probe-log"

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

/* One rule of chain: body adds its statements to r; returns from the
 * calling function on error. */
#define RULE(p, chain, body)                                                                       \
	do {                                                                                       \
		struct stmt_rule r_;                                                               \
		if (stmt_rule_begin((p), &r_, (chain)) < 0)                                        \
			return -ENOMEM;                                                            \
		{                                                                                  \
			struct stmt_rule *r = &r_;                                                 \
			body;                                                                      \
		}                                                                                  \
		if ((ret = stmt_rule_end((p), &r_)))                                               \
			return ret;                                                                \
	} while (0)

/* A lookup rule: [ether type T] f1 . f2 ... [& mask] [!=] @set VERDICT [chain] */
static int rule_lookup(struct plan *p, const char *chain, uint16_t etype, const enum stmt_field *f,
		       size_t n, const uint8_t *mask, bool inv, const char *set, int verdict,
		       const char *to)
{
	struct stmt_rule r;

	if (stmt_rule_begin(p, &r, chain) < 0)
		return -ENOMEM;
	if (etype)
		stmt_ether_type(&r, etype);
	stmt_lookup(&r, f, n, mask, inv, set);
	stmt_verdict(&r, verdict, to);
	return stmt_rule_end(p, &r);
}

/* A rule with only a verdict. */
static int rule_verdict(struct plan *p, const char *chain, int verdict, const char *to)
{
	struct stmt_rule r;

	if (stmt_rule_begin(p, &r, chain) < 0)
		return -ENOMEM;
	stmt_verdict(&r, verdict, to);
	return stmt_rule_end(p, &r);
}

static void prefix_mask(unsigned int bytes, unsigned int plen, uint8_t *mask)
{
	memset(mask, 0, bytes);
	for (unsigned int bit = 0; bit < plen; bit++)
		mask[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
}

/* One lookup rule per prefix length of family in the shape (claim: the
 * lengths of shared prefixes, else of granted ones), longest first:
 * [ether type T] f[0] . f[1] & MASK @<kind>-LEN VERDICT [to]. */
static int per_length_rules(struct plan *p, const char *chain, uint16_t etype, int family,
			    const struct ruleset_shape *sh, bool claim, const enum stmt_field *f,
			    enum set_kind k, int verdict, const char *to)
{
	unsigned int bits = family == AF_INET ? 32 : 128;
	char set[32];
	int ret;

	for (unsigned int plen = bits; plen-- > 0;) {
		uint8_t mask[16];

		if (!(claim ? ruleset_shape_has_claim(sh, family, plen)
			    : ruleset_shape_has(sh, family, plen)))
			continue;
		prefix_mask(bits / 8, plen, mask);
		set_catalog_name(k, plen, set, sizeof(set));
		ret = rule_lookup(p, chain, etype, f, 2, mask, false, set, verdict, to);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* ---- the source check chains ---- */

/* fe80::/64, the link-local addresses a vif may claim */
static const uint8_t ll_prefix[16] = {0xfe, 0x80};

/* Return if the address is the vif's, else drop.  First a protected address
 * drops, then one rule per prefix length in use (longest first), then the
 * mac-only ports, then the exact addresses. */
enum src_chain { SRC_IP, SRC_ARP, SRC_IP6, SRC_ND, _SRC_MAX };

static const struct {
	const char *name;
	int family;
	enum set_kind net, exact, protect, own;
	enum stmt_field field;
	uint16_t etype;
} src_chains[_SRC_MAX] = {
    [SRC_IP] = {"src-ip", AF_INET, SET_KIND_V4_NET, SET_KIND_V4, SET_KIND_PROTECT4,
		SET_KIND_OWN4_NET, STMT_FIELD_IP_SADDR, PROTO_ETHERTYPE_IPV4},
    [SRC_ARP] = {"src-arp", AF_INET, SET_KIND_V4_NET, SET_KIND_V4, SET_KIND_PROTECT4,
		 SET_KIND_OWN4_NET, STMT_FIELD_ARP_SPA, PROTO_ETHERTYPE_ARP},
    [SRC_IP6] = {"src-ip6", AF_INET6, SET_KIND_V6_NET, SET_KIND_V6, SET_KIND_PROTECT6,
		 SET_KIND_OWN6_NET, STMT_FIELD_IP6_SADDR, PROTO_ETHERTYPE_IPV6},
    [SRC_ND] = {"nd-target", AF_INET6, SET_KIND_ND6_NET, SET_KIND_ND6, SET_KIND_PROTECT_ND,
		SET_KIND_OWN_ND6_NET, STMT_FIELD_ND_TARGET, 0},
};

/*
 * After the vif's own addresses: an address in the space it may claim in
 * (own-judge.h) goes to own-claim (the daemon is told, the frame dropped):
 * a link-local (iifname @own-ll, a port is there only when the daemon
 * reads the log, so only then can a claim be granted), then one rule per
 * length of the prefixes vifs share (iifname . ADDR & MASK @own*-LEN).
 * Granted, the address joins the vif's exact sets and its next frame
 * takes the fast path.
 */
static int src_own_rules(struct plan *p, enum src_chain c, const struct ruleset_shape *sh)
{
	const enum stmt_field f[2] = {STMT_FIELD_IIFNAME, src_chains[c].field};
	char set[32];
	int ret;

	if (src_chains[c].family == AF_INET6) {
		set_catalog_name(SET_KIND_OWN_LL, 0, set, sizeof(set));
		RULE(p, src_chains[c].name, {
			stmt_lookup(r, f, 1, NULL, false, set);
			if (c == SRC_IP6)
				stmt_ip6_addr(r, false, ll_prefix, 64);
			else
				stmt_th_bytes(r, 8, ll_prefix, 8);
			stmt_verdict(r, NFT_GOTO, CH_OWN);
		});
	}
	return per_length_rules(p, src_chains[c].name, src_chains[c].etype, src_chains[c].family,
				sh, true, f, src_chains[c].own, NFT_GOTO, CH_OWN);
}

static int src_chain_rules(struct plan *p, enum src_chain c, const struct ruleset_shape *sh)
{
	enum stmt_field f[3] = {STMT_FIELD_IIFNAME, src_chains[c].field};
	char set[32];
	int ret;

	/* A protected address is no vif's, whatever its prefix or any-ip say
	 * (ruleset_protect()); the exact sets never hold one. */
	set_catalog_name(src_chains[c].protect, 0, set, sizeof(set));
	ret = rule_lookup(p, src_chains[c].name, src_chains[c].etype, &src_chains[c].field, 1, NULL,
			  false, set, NFT_GOTO, CH_DROP);
	if (ret < 0)
		return ret;
	ret = per_length_rules(p, src_chains[c].name, src_chains[c].etype, src_chains[c].family, sh,
			       false, f, src_chains[c].net, NFT_RETURN, NULL);
	if (ret < 0)
		return ret;
	/* iifname @any-ip return */
	set_catalog_name(SET_KIND_ANY_IP, 0, set, sizeof(set));
	ret = rule_lookup(p, src_chains[c].name, 0, f, 1, NULL, false, set, NFT_RETURN, NULL);
	if (ret < 0)
		return ret;
	set_catalog_name(src_chains[c].exact, 0, set, sizeof(set));
	if (c == SRC_ND) {
		ret =
		    rule_lookup(p, src_chains[c].name, 0, f, 2, NULL, false, set, NFT_RETURN, NULL);
	} else {
		/* with the mac: the ARP sender's, else the frame's */
		f[1] = c == SRC_ARP ? STMT_FIELD_ARP_SHA : STMT_FIELD_ETHER_SADDR;
		f[2] = src_chains[c].field;
		ret = rule_lookup(p, src_chains[c].name, src_chains[c].etype, f, 3, NULL, false,
				  set, NFT_RETURN, NULL);
	}
	ret = ret ?: src_own_rules(p, c, sh);
	return ret ?: rule_verdict(p, src_chains[c].name, NFT_GOTO, CH_DROP);
}

/*
 * An ARP probe (RFC 5227: a request from 0.0.0.0, guest-arp) for an
 * address in a prefix the vif shares claims it (own-judge.h): probe-claim
 * sends it to probe-log, which tells the daemon.  Every probe is accepted,
 * as a DAD solicitation would not be: a probe makes no host give an address
 * up (an owner answers it), and it claims nothing in any cache.
 */
static int probe_claim_rules(struct plan *p, const struct ruleset_shape *sh)
{
	static const enum stmt_field f[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ARP_TPA};

	return per_length_rules(p, CH_PROBE, 0, AF_INET, sh, true, f, SET_KIND_OWN4_NET, NFT_GOTO,
				CH_PROBE_LOG)
		   ?: rule_verdict(p, CH_PROBE, NF_ACCEPT, NULL);
}

static int probe_log_rules(const struct policy *pol, struct plan *p)
{
	char set[32];
	int ret;

	if (pol->log_group >= 0) {
		set_catalog_name(SET_KIND_LIMITS, 0, set, sizeof(set));
		RULE(p, CH_PROBE_LOG, {
			stmt_objref_map(r, NFT_OBJECT_LIMIT, set);
			stmt_log(r, CHAINS_OWN_PREFIX, (uint16_t)pol->log_group, 256);
		});
	}
	return rule_verdict(p, CH_PROBE_LOG, NF_ACCEPT, NULL);
}

/* Flush a chain (a rule delete without a handle). */
static int chain_flush(struct plan *p, const char *name)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (r) {
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_BRIDGE);
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, p->table);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
	}
	return plan_push(p, true, PLAN_RULE, r, -1, name, NULL);
}

/* Flush a source-check chain and write it again. */
static int src_chain_rebuild(struct plan *p, enum src_chain c, const struct ruleset_shape *sh)
{
	return chain_flush(p, src_chains[c].name) ?: src_chain_rules(p, c, sh);
}

int chains_shape_sets(const struct ruleset_shape *a, const struct ruleset_shape *b, bool del,
		      struct plan *p)
{
	int (*op)(struct plan *, enum set_kind, unsigned int) =
	    del ? set_catalog_del : set_catalog_add;
	int ret = 0;

	for (unsigned int plen = 0; plen < 128 && ret == 0; plen++) {
		if (plen < 32 && ruleset_shape_has(a, AF_INET, plen) &&
		    !ruleset_shape_has(b, AF_INET, plen))
			ret = op(p, SET_KIND_V4_NET, plen);
		if (ret == 0 && ruleset_shape_has(a, AF_INET6, plen) &&
		    !ruleset_shape_has(b, AF_INET6, plen))
			ret = op(p, SET_KIND_V6_NET, plen) ?: op(p, SET_KIND_ND6_NET, plen);
		if (ret == 0 && plen < 32 && ruleset_shape_has_claim(a, AF_INET, plen) &&
		    !ruleset_shape_has_claim(b, AF_INET, plen))
			ret = op(p, SET_KIND_OWN4_NET, plen);
		if (ret == 0 && ruleset_shape_has_claim(a, AF_INET6, plen) &&
		    !ruleset_shape_has_claim(b, AF_INET6, plen))
			ret = op(p, SET_KIND_OWN6_NET, plen) ?: op(p, SET_KIND_OWN_ND6_NET, plen);
	}
	return ret;
}

int chains_src_rebuild(struct plan *p, int family, const struct ruleset_shape *sh)
{
	if (family == AF_INET)
		return src_chain_rebuild(p, SRC_IP, sh) ?: src_chain_rebuild(p, SRC_ARP, sh)
							       ?: chain_flush(p, CH_PROBE)
							       ?: probe_claim_rules(p, sh);
	return src_chain_rebuild(p, SRC_IP6, sh) ?: src_chain_rebuild(p, SRC_ND, sh);
}

/* ---- the base chains ---- */

static const char *const base_chains[] = {"prerouting", "input"};

/* The fast path, first in each base chain: a frame from a guest port whose
 * mac, ethertype and source address are the vif's own is accepted after one
 * hash lookup.  Routers' and servers' messages (udp 67/547, ICMPv6) and
 * everything else take the full path through @ports. */
static int fast_path_rules(struct plan *p, const char *chain)
{
	static const enum stmt_field f4[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ETHER_SADDR,
					     STMT_FIELD_IP_SADDR};
	static const enum stmt_field f6[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ETHER_SADDR,
					     STMT_FIELD_IP6_SADDR};
	int ret;

	RULE(p, chain, {
		stmt_ether_type(r, PROTO_ETHERTYPE_IPV4);
		stmt_l4proto(r, true, PROTO_IP_UDP);
		stmt_lookup(r, f4, 3, NULL, false, "v4");
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	RULE(p, chain, {
		stmt_ether_type(r, PROTO_ETHERTYPE_IPV4);
		stmt_udp_sport(r, true, PROTO_DHCP_SERVER_PORT);
		stmt_lookup(r, f4, 3, NULL, false, "v4");
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	RULE(p, chain, {
		stmt_ether_type(r, PROTO_ETHERTYPE_IPV6);
		stmt_l4proto(r, false, PROTO_IP_TCP);
		stmt_lookup(r, f6, 3, NULL, false, "v6");
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	RULE(p, chain, {
		stmt_ether_type(r, PROTO_ETHERTYPE_IPV6);
		stmt_udp_sport(r, true, PROTO_DHCPV6_SERVER_PORT);
		stmt_lookup(r, f6, 3, NULL, false, "v6");
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	return 0;
}

static int base_chain_rules(const struct policy *pol, struct plan *p, const char *chain)
{
	static const enum stmt_field fn[] = {STMT_FIELD_IIFNAME};
	int ret;

	/* Host ports (the uplink, the bridge itself) first and cheaply: a
	 * port that matches no guest-port pattern and is not a guest port of
	 * ours (a custom vifname need not match a pattern here) is not ours
	 * to check.  A guest port named like a pattern fails the first compare
	 * and costs nothing more. */
	RULE(p, chain, {
		for (size_t k = 0; k < pol->n_port_patterns; k++)
			stmt_iifname(r, true, pol->port_patterns[k]);
		stmt_lookup(r, fn, 1, NULL, true, "ports");
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	if ((ret = fast_path_rules(p, chain)))
		return ret;
	/* iifname @ports jump guest: every other frame of a known guest port.
	 * jump, not goto: should a frame ever fall off the end of the guest
	 * chains, it comes back here, to the fail-closed rules. */
	ret = rule_lookup(p, chain, 0, fn, 1, NULL, false, "ports", NFT_JUMP, "guest");
	if (ret)
		return ret;
	/* Fail-closed: a guest port we have no rules for drops everything
	 * (a new vif between netback creating it and us learning of it). */
	for (size_t k = 0; k < pol->n_port_patterns; k++)
		RULE(p, chain, {
			stmt_iifname(r, false, pol->port_patterns[k]);
			stmt_counter(r, "fail-closed");
			stmt_verdict(r, NF_DROP, NULL);
		});
	return 0;
}

/* ---- the guest chains ---- */

static int guest_chain_rules(struct plan *p)
{
	static const struct {
		uint16_t type;
		const char *to;
	} types[] = {
	    {PROTO_ETHERTYPE_IPV4, "guest-ip"},
	    {PROTO_ETHERTYPE_ARP, "guest-arp"},
	    {PROTO_ETHERTYPE_IPV6, "guest-ip6"},
	};
	static const enum stmt_field fm[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ETHER_SADDR};
	int ret;

	/* iifname . ether saddr != @macs: nothing from a port but its mac */
	ret = rule_lookup(p, "guest", 0, fm, 2, NULL, true, "macs", NFT_GOTO, CH_DROP);
	if (ret)
		return ret;
	/* Dispatch on the Ethernet type as on the wire: nft rebuilds VLAN tags
	 * the NIC or veth stripped, so 802.1Q/802.1ad frames show 0x8100/0x88a8
	 * here and fall through to the drop. */
	for (size_t i = 0; i < 3; i++)
		RULE(p, "guest", {
			stmt_ether_type(r, types[i].type);
			stmt_verdict(r, NFT_GOTO, types[i].to);
		});
	return rule_verdict(p, "guest", NFT_GOTO, CH_DROP);
}

/* meta l4proto 0-255 accept: matches whenever nf_tables could parse the
 * header chain; what it could not parse falls through to the drop. */
static int rule_accept_parsed(struct plan *p, const char *chain)
{
	int ret;

	RULE(p, chain, {
		stmt_l4proto_range(r, 0, 255);
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	return 0;
}

static int guest_ip_rules(struct plan *p)
{
	static const uint8_t any[4] = {0, 0, 0, 0}, bcast[4] = {255, 255, 255, 255};
	const char *ch = "guest-ip";
	int ret;

	/* Both UDP rules first make sure there is a UDP header: the kernel's
	 * transport header loads may read a later fragment's data as one, so
	 * a later fragment from 0.0.0.0 could pass as the DHCP client and a
	 * guest's own later fragment drop as a DHCP server.  Later fragments
	 * go on to the source check like any other packet; without their
	 * first fragment they reassemble to nothing. */
	/* udp sport 67: a guest is never a DHCP server */
	RULE(p, ch, {
		stmt_ip_frag_first(r);
		stmt_udp_sport(r, false, PROTO_DHCP_SERVER_PORT);
		stmt_verdict(r, NFT_GOTO, CH_DROP);
	});
	/* The DHCP client, exactly: 0.0.0.0:68 -> 255.255.255.255:67 */
	RULE(p, ch, {
		stmt_ip_frag_first(r);
		stmt_ip_addr(r, false, any);
		stmt_ip_addr(r, true, bcast);
		stmt_udp_ports(r, PROTO_DHCP_CLIENT_PORT, PROTO_DHCP_SERVER_PORT);
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	ret = rule_verdict(p, ch, NFT_JUMP, "src-ip");
	return ret ?: rule_accept_parsed(p, ch) ?: rule_verdict(p, ch, NFT_GOTO, CH_DROP);
}

static int guest_arp_rules(struct plan *p)
{
	static const struct {
		enum stmt_arp_field f;
		uint16_t val;
	} fixed[] = {
	    /* Ethernet/IPv4 ARP only: anything else is not ARP the guest needs */
	    {STMT_ARP_HTYPE, PROTO_ARP_HTYPE_ETHER},
	    {STMT_ARP_PTYPE, PROTO_ETHERTYPE_IPV4},
	    {STMT_ARP_HLEN, PROTO_ARP_HLEN_ETHER},
	    {STMT_ARP_PLEN, PROTO_ARP_PLEN_IPV4},
	};
	static const enum stmt_field fm[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ARP_SHA};
	static const uint8_t zero4[4] = {0};
	const char *ch = "guest-arp";
	int ret;

	for (size_t i = 0; i < 4; i++)
		RULE(p, ch, {
			stmt_arp(r, fixed[i].f, true, fixed[i].val);
			stmt_verdict(r, NFT_GOTO, CH_DROP);
		});
	/* requests and replies only */
	RULE(p, ch, {
		stmt_arp_range(r, STMT_ARP_OPERATION, true, PROTO_ARP_OP_REQUEST,
			       PROTO_ARP_OP_REPLY);
		stmt_verdict(r, NFT_GOTO, CH_DROP);
	});
	/* the sender's mac is the port's */
	ret = rule_lookup(p, ch, PROTO_ETHERTYPE_ARP, fm, 2, NULL, true, "macs", NFT_GOTO, CH_DROP);
	if (ret)
		return ret;
	/* ARP probe (RFC 5227): a request with sender IP 0.0.0.0 claims
	 * nothing in any cache; accepted (probe-claim) */
	RULE(p, ch, {
		stmt_arp(r, STMT_ARP_OPERATION, false, PROTO_ARP_OP_REQUEST);
		stmt_arp_spa(r, zero4);
		stmt_verdict(r, NFT_GOTO, CH_PROBE);
	});
	/* Requests are checked like replies: a gratuitous request poisons
	 * caches too. */
	ret = rule_verdict(p, ch, NFT_JUMP, "src-arp");
	return ret ?: rule_verdict(p, ch, NF_ACCEPT, NULL);
}

static int guest_ip6_rules(struct plan *p)
{
	/* only routers advertise and redirect */
	static const uint8_t banned[] = {PROTO_ICMPV6_ROUTER_ADVERT, PROTO_ICMPV6_REDIRECT};
	static const uint8_t zero16[16] = {0};
	const char *ch = "guest-ip6";
	int ret;

	/* Fragments first (guest-frag6): a later one goes no further, a first
	 * one comes back for the checks below. */
	RULE(p, ch, {
		stmt_exthdr_exists(r, PROTO_IP_FRAGMENT);
		stmt_verdict(r, NFT_JUMP, "guest-frag6");
	});
	/* nf_tables stops its header walk at an AH header (l4proto 51), so an
	 * ND message behind one would never meet the checks below: AH drops
	 * (IPsec AH on IPv6 guests is given up for this). */
	RULE(p, ch, {
		stmt_l4proto(r, false, PROTO_IP_AH);
		stmt_verdict(r, NFT_GOTO, CH_DROP);
	});
	for (size_t i = 0; i < 2; i++)
		RULE(p, ch, {
			stmt_icmpv6_type(r, banned[i]);
			stmt_verdict(r, NFT_GOTO, CH_DROP);
		});
	/* udp sport 547: a guest is never a DHCPv6 server or relay */
	RULE(p, ch, {
		stmt_udp_sport(r, false, PROTO_DHCPV6_SERVER_PORT);
		stmt_verdict(r, NFT_GOTO, CH_DROP);
	});
	/* ip6 saddr :: goto guest-dad: duplicate address detection and MLD */
	RULE(p, ch, {
		stmt_ip6_addr(r, false, zero16, 128);
		stmt_verdict(r, NFT_GOTO, "guest-dad");
	});
	if ((ret = rule_verdict(p, ch, NFT_JUMP, "src-ip6")))
		return ret;
	RULE(p, ch, {
		stmt_icmpv6_type(r, PROTO_ICMPV6_NEIGHBOR_ADVERT);
		stmt_verdict(r, NFT_GOTO, "guest-na");
	});
	RULE(p, ch, {
		stmt_icmpv6_type(r, PROTO_ICMPV6_NEIGHBOR_SOLICIT);
		stmt_verdict(r, NFT_GOTO, "guest-ns");
	});
	return rule_accept_parsed(p, ch) ?: rule_verdict(p, ch, NFT_GOTO, CH_DROP);
}

/*
 * Every IPv6 frame with a fragment header.  A later fragment has no
 * transport header, and nf_tables reads the IPv6 header in its place
 * (ipv6_find_hdr() leaves the offset at 0 for it): it is checked by its
 * source alone, and accepted here before any rule looks at ports or types.
 * Without its first fragment it reassembles to nothing, and receivers
 * discard overlapping fragments, so it cannot change what the first one
 * said.  A first fragment: no neighbour discovery (RS, RA, NS, NA,
 * redirect) in a fragment (RFC 6980), and the upper-layer header must be in
 * it (RFC 7112: its first 8 bytes, the whole UDP or ICMPv6 header), so the
 * checks in guest-ip6 see it; then it returns there.  A frame whose walk
 * meets a later fragment header behind an atomic one is a later fragment
 * to nf_tables but not to `frag frag-off`: the 8-byte load fails for it,
 * so it drops here.
 */
static int guest_frag6_rules(struct plan *p)
{
	const char *ch = "guest-frag6";
	int ret;

	RULE(p, ch, {
		stmt_ip6_frag_later(r);
		stmt_verdict(r, NFT_JUMP, "src-ip6");
	});
	RULE(p, ch, {
		stmt_ip6_frag_later(r);
		stmt_verdict(r, NF_ACCEPT, NULL);
	});
	RULE(p, ch, {
		stmt_icmpv6_type_range(r, PROTO_ICMPV6_ROUTER_SOLICIT, PROTO_ICMPV6_REDIRECT);
		stmt_verdict(r, NFT_GOTO, CH_DROP);
	});
	RULE(p, ch, {
		stmt_th_present(r);
		stmt_verdict(r, NFT_RETURN, NULL);
	});
	return rule_verdict(p, ch, NFT_GOTO, CH_DROP);
}

/* A DAD solicitation: an NS to a solicited-node group (ff02::1:ff00:0/104)
 * with no options, or exactly one RFC 7527 nonce option; a source
 * link-layer option is forbidden from ::. */
static void dad_ns_match(struct stmt_rule *r, bool with_nonce)
{
	static const uint8_t snm[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
	static const uint8_t nonce[2] = {PROTO_ND_OPT_NONCE, 1};

	stmt_icmpv6_type(r, PROTO_ICMPV6_NEIGHBOR_SOLICIT);
	stmt_ip6_addr(r, true, snm, 104);
	stmt_ip6_icmp_len(r, with_nonce ? PROTO_ND_MSG_LEN + PROTO_ND_OPT_UNIT : PROTO_ND_MSG_LEN);
	if (with_nonce)
		stmt_th_bytes(r, PROTO_ND_MSG_LEN, nonce, 2);
}

/* Unspecified source: DAD neighbor solicitations for one of the vif's
 * addresses, and MLD reports; nothing else.  NS and NA: ND messages must
 * come right after the fixed header (ip6 nexthdr ipv6-icmp), so the lengths
 * and option offsets are exact; ND behind extension headers drops. */
static int guest_nd_rules(struct plan *p)
{
	static const uint8_t mld[] = {PROTO_ICMPV6_MLD_REPORT, PROTO_ICMPV6_MLD2_REPORT};
	static const enum stmt_field fo[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ND_OPT_LLA};
	/* one option of one unit right after the message */
	const uint16_t len1 = PROTO_ND_MSG_LEN + PROTO_ND_OPT_UNIT;
	int ret;

	/*
	 * A DAD solicitation is judged by its target (guest-nd, nd-target):
	 * one in the space the vif may claim in but not its own yet goes to
	 * own-claim, which tells the daemon (the claim) and drops it.  It is
	 * not delivered before the address is the vif's: a DAD solicitation
	 * for another node's tentative address makes that node give the
	 * address up (RFC 4862 5.4.3), so only a vif's own addresses may be
	 * solicited.  Granted within milliseconds, the address works before
	 * the guest's DAD (1 s) ends.
	 */
	for (int with_nonce = 0; with_nonce <= 1; with_nonce++)
		RULE(p, "guest-dad", {
			dad_ns_match(r, with_nonce);
			stmt_verdict(r, NFT_GOTO, "guest-nd");
		});
	for (size_t i = 0; i < 2; i++)
		RULE(p, "guest-dad", {
			stmt_icmpv6_type(r, mld[i]);
			stmt_verdict(r, NF_ACCEPT, NULL);
		});
	if ((ret = rule_verdict(p, "guest-dad", NFT_GOTO, CH_DROP)))
		return ret;

	/* NA: no option, or exactly one target link-layer option with the
	 * port's mac; then the target must be the vif's (guest-nd).  NS: any
	 * target, no option or one source link-layer option with its mac. */
	for (int ns = 0; ns <= 1; ns++) {
		const char *ch = ns ? "guest-ns" : "guest-na";
		const uint8_t opt[2] = {ns ? PROTO_ND_OPT_SOURCE_LL : PROTO_ND_OPT_TARGET_LL, 1};

		RULE(p, ch, {
			stmt_ip6_icmp_len(r, PROTO_ND_MSG_LEN);
			stmt_verdict(r, ns ? NF_ACCEPT : NFT_GOTO, ns ? NULL : "guest-nd");
		});
		RULE(p, ch, {
			stmt_ip6_icmp_len(r, len1);
			stmt_th_bytes(r, PROTO_ND_MSG_LEN, opt, 2);
			stmt_lookup(r, fo, 2, NULL, false, "opt-lla");
			stmt_verdict(r, ns ? NF_ACCEPT : NFT_GOTO, ns ? NULL : "guest-nd");
		});
		if ((ret = rule_verdict(p, ch, NFT_GOTO, CH_DROP)))
			return ret;
	}
	ret = rule_verdict(p, "guest-nd", NFT_JUMP, "nd-target");
	return ret ?: rule_verdict(p, "guest-nd", NF_ACCEPT, NULL);
}

/* A rate-limited copy of the frame to the daemon with that log prefix
 * (when there is a log group), the vif's counter, the drop. */
static int log_count_drop(const struct policy *pol, struct plan *p, const char *chain,
			  const char *prefix)
{
	char set[32];
	int ret;

	if (pol->log_group >= 0) {
		set_catalog_name(SET_KIND_LIMITS, 0, set, sizeof(set));
		RULE(p, chain, {
			stmt_objref_map(r, NFT_OBJECT_LIMIT, set);
			stmt_log(r, prefix, (uint16_t)pol->log_group, 256);
		});
	}
	set_catalog_name(SET_KIND_COUNTERS, 0, set, sizeof(set));
	RULE(p, chain, { stmt_objref_map(r, NFT_OBJECT_COUNTER, set); });
	return rule_verdict(p, chain, NF_DROP, NULL);
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
	return log_count_drop(pol, p, CH_DROP, "vifguard");
}

/*
 * A frame from a link-local address its vif may claim but does not own yet
 * (src-ip6): the daemon is told (log prefix CHAINS_OWN_PREFIX, rate limited
 * with the vif's drops) and judges the claim (own-judge.h); the frame
 * drops and counts.  Granted, the address joins the vif's exact sets and its
 * next frame takes the fast path.
 */
static int own_claim_rules(const struct policy *pol, struct plan *p)
{
	return log_count_drop(pol, p, CH_OWN, CHAINS_OWN_PREFIX);
}

static const char *const fixed_chains[] = {
    "guest",	   "guest-ip", "src-ip",    "guest-arp", "src-arp",    "guest-ip6",
    "guest-frag6", "src-ip6",  "guest-dad", "guest-na",	 "guest-ns",   "guest-nd",
    "nd-target",   CH_DROP,    CH_OWN,	    CH_PROBE,	 CH_PROBE_LOG,
};

static int chain_add(struct plan *p, const char *name)
{
	return plan_push(p, false, PLAN_CHAIN, chain_new(p->table, name), -1, name, NULL);
}

static int base_chain_add(const struct policy *pol, struct plan *p, size_t i)
{
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
	return plan_push(p, false, PLAN_CHAIN, c, -1, base_chains[i], hdr);
}

int chains_table_add(const struct policy *pol, const struct ruleset_shape *sh, struct plan *p)
{
	int ret;

	ret = plan_push(p, false, PLAN_TABLE, plan_table_new(p->table), -1, p->table, NULL);
	ret = ret
		  ?: plan_push(p, false, PLAN_OBJECT,
			       plan_obj_new(p->table, "fail-closed", NFT_OBJECT_COUNTER), -1,
			       "fail-closed", NULL);
	for (int k = 0; k < _SET_KIND_MAX && ret == 0; k++)
		if (!set_catalog_is_per_length((enum set_kind)k) &&
		    (k != SET_KIND_LIMITS || pol->log_group >= 0))
			ret = set_catalog_add(p, (enum set_kind)k, 0);
	ret = ret ?: chains_shape_sets(sh, &(struct ruleset_shape){0}, false, p);
	for (size_t i = 0; i < 2 && ret == 0; i++)
		ret = base_chain_add(pol, p, i);
	for (size_t i = 0; i < sizeof(fixed_chains) / sizeof(fixed_chains[0]) && ret == 0; i++)
		ret = chain_add(p, fixed_chains[i]);
	if (ret)
		return ret;
	for (int c = 0; c < _SRC_MAX && ret == 0; c++)
		ret = src_chain_rules(p, (enum src_chain)c, sh);
	ret = ret ?: guest_drop_rules(pol, p);
	ret = ret ?: own_claim_rules(pol, p);
	ret = ret ?: probe_claim_rules(p, sh);
	ret = ret ?: probe_log_rules(pol, p);
	ret = ret ?: guest_nd_rules(p);
	ret = ret ?: guest_frag6_rules(p);
	ret = ret ?: guest_ip6_rules(p);
	ret = ret ?: guest_arp_rules(p);
	ret = ret ?: guest_ip_rules(p);
	ret = ret ?: guest_chain_rules(p);
	for (size_t i = 0; i < 2 && ret == 0; i++)
		ret = base_chain_rules(pol, p, base_chains[i]);
	return ret;
}
