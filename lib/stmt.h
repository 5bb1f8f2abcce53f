/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nft statement emitters.  A rule is built only through the stmt_*()
 * functions below, and each one appends, from the same arguments, both the
 * netlink expressions nft generates for one statement (checked with
 * `nft --debug=netlink`, protocol dependencies included) and that
 * statement's text.  Nothing else writes a rule's text or its expressions,
 * so the printed ruleset and the bytes sent to the kernel cannot disagree:
 * names are looked up from the numbers that go into the bytecode (ether type
 * 0x0806 prints "arp"), and addresses, masks and lengths are printed from the
 * bytes that are compared.
 */
#ifndef VIFGUARD_STMT_H
#define VIFGUARD_STMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"

struct nftnl_rule;

/* A rule being built.  Written only by stmt.c. */
struct stmt_rule {
	struct nftnl_rule *nl;
	const char *chain;
	char text[1024];
	size_t len;
	bool oom; /* an allocation failed or the text was truncated */
	/* the ethertype an earlier statement made sure of (0: none), so a
	 * later ip/ip6 header match needs no dependency of its own */
	uint16_t l3;
};

/* The fields a lookup key (a concatenation) is made of, and the set
 * catalog's key types. */
enum stmt_field {
	STMT_FIELD_IIFNAME,	/* 16 */
	STMT_FIELD_ETHER_SADDR, /* 6 (8) */
	STMT_FIELD_IP_SADDR,	/* 4 */
	STMT_FIELD_IP6_SADDR,	/* 16 */
	STMT_FIELD_ARP_SHA,	/* 6 (8) */
	STMT_FIELD_ARP_SPA,	/* 4 */
	STMT_FIELD_ARP_TPA,	/* 4 */
	STMT_FIELD_ND_TARGET,	/* 16: @th,64,128 */
	STMT_FIELD_ND_OPT_LLA,	/* 6 (8): @th,208,48 */
	_STMT_FIELD_MAX,
};

struct stmt_field_def {
	uint32_t base;	       /* NFT_PAYLOAD_*_HEADER; unused for iifname (meta) */
	uint32_t offset, len;  /* bytes */
	const char *text;      /* as a match: "ip saddr" */
	uint32_t datatype;     /* nft's datatype id of a set key */
	const char *type_name; /* "ipv4_addr"; NULL: a raw field (sets use typeof) */
};

const struct stmt_field_def *stmt_field(enum stmt_field f);

/* A lookup key's length: each field padded to 4 bytes, as in a register. */
uint32_t stmt_key_len(const enum stmt_field *f, size_t n);

int stmt_rule_begin(struct plan *p, struct stmt_rule *r, const char *chain);
/* Push the rule as an op of p (owner -1), or free it after a failure. */
int stmt_rule_end(struct plan *p, struct stmt_rule *r);

/* ether type NAME */
void stmt_ether_type(struct stmt_rule *r, uint16_t type);
/* iifname [!=] "pattern" (a trailing '*' matches any suffix: compare the prefix) */
void stmt_iifname(struct stmt_rule *r, bool neq, const char *pattern);
/* meta l4proto [!=] NAME */
void stmt_l4proto(struct stmt_rule *r, bool neq, uint8_t proto);
/* meta l4proto LO-HI */
void stmt_l4proto_range(struct stmt_rule *r, uint8_t lo, uint8_t hi);
/* udp sport [!=] PORT */
void stmt_udp_sport(struct stmt_rule *r, bool neq, uint16_t port);
/* udp sport S udp dport D: nft merges both into one 4-byte load */
void stmt_udp_ports(struct stmt_rule *r, uint16_t sport, uint16_t dport);
/* ip saddr|daddr ADDR */
void stmt_ip_addr(struct stmt_rule *r, bool daddr, const uint8_t addr[4]);
/* ip frag-off & 8191 == 0: an unfragmented packet or a first fragment, the
 * only ones with a transport header (nft prints the mask in decimal) */
void stmt_ip_frag_first(struct stmt_rule *r);
/* ip6 saddr|daddr ADDR[/PLEN] (plen a multiple of 8: a compare of plen/8 bytes) */
void stmt_ip6_addr(struct stmt_rule *r, bool daddr, const uint8_t addr[16], unsigned int plen);
/* ip6 nexthdr ipv6-icmp ip6 length N: nft merges both into one 3-byte load */
void stmt_ip6_icmp_len(struct stmt_rule *r, uint16_t len);
/* exthdr NAME exists */
void stmt_exthdr_exists(struct stmt_rule *r, uint8_t type);
/* icmpv6 type NAME */
void stmt_icmpv6_type(struct stmt_rule *r, uint8_t type);
/* icmpv6 type LO-HI */
void stmt_icmpv6_type_range(struct stmt_rule *r, uint8_t lo, uint8_t hi);
/* frag frag-off != 0: a later IPv6 fragment */
void stmt_ip6_frag_later(struct stmt_rule *r);
/* @th,0,64 0x0-0xffffffffffffffff: the transport header's first 8 bytes
 * can be loaded (an 8-byte load never takes nf_tables' fast path, which
 * reads an IPv6 later fragment's own header in its place) */
void stmt_th_present(struct stmt_rule *r);

enum stmt_arp_field {
	STMT_ARP_HTYPE,
	STMT_ARP_PTYPE,
	STMT_ARP_HLEN,
	STMT_ARP_PLEN,
	STMT_ARP_OPERATION,
	_STMT_ARP_MAX,
};
/* arp FIELD [!=] VALUE */
void stmt_arp(struct stmt_rule *r, enum stmt_arp_field f, bool neq, uint16_t value);
/* arp FIELD [!=] LO-HI */
void stmt_arp_range(struct stmt_rule *r, enum stmt_arp_field f, bool neq, uint16_t lo, uint16_t hi);
/* arp saddr ip ADDR */
void stmt_arp_spa(struct stmt_rule *r, const uint8_t addr[4]);
/* @th,OFF*8,LEN*8 0xVALUE (raw transport header bytes) */
void stmt_th_bytes(struct stmt_rule *r, uint32_t offset, const uint8_t *v, uint32_t len);
/*
 * f1 . f2 ... [& MASK] [!=] @set: the fields loaded into consecutive
 * registers, the last one masked (mask: its length in bytes, NULL: none), a
 * lookup.  The protocol dependency (ether type) is the caller's.
 */
void stmt_lookup(struct stmt_rule *r, const enum stmt_field *f, size_t n, const uint8_t *mask,
		 bool inv, const char *set);
/* counter name "NAME" */
void stmt_counter(struct stmt_rule *r, const char *name);
/* counter|limit name iifname map @SET (obj_type: NFT_OBJECT_COUNTER or _LIMIT) */
void stmt_objref_map(struct stmt_rule *r, uint32_t obj_type, const char *set);
/* log prefix "PREFIX" group G snaplen S */
void stmt_log(struct stmt_rule *r, const char *prefix, uint16_t group, uint32_t snaplen);
/* accept, drop, return, jump CHAIN, goto CHAIN (verdict: NF_* or NFT_*) */
void stmt_verdict(struct stmt_rule *r, int verdict, const char *chain);

#endif
