/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy replay of drop attribution: the state of one explain_frame()
 * call while the vif's chains (lib/chains.c) are replayed rule by rule on
 * the decoded frame (explain-decode.h), and what the rules say about it: the
 * text, the reason, the address or mac it claimed, and whether the vif's
 * sets allow an address.  The chains themselves are replayed by explain.c
 * (the main chain), explain-ip4.c (guest-ip, guest-arp) and explain-ip6.c
 * (guest-ip6 and the ND chains).
 *
 * Nothing from the frame reaches the text but numbers and addresses, so the
 * text is printable ASCII whatever the guest sent.  Pure: no I/O, no logging,
 * no allocation.
 */
#ifndef VIFGUARD_EXPLAIN_REPLAY_H
#define VIFGUARD_EXPLAIN_REPLAY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "explain-decode.h"
#include "explain.h"
#include "vif.h"

/* Set up by explain_frame(); out, guess and has_guess written only here. */
struct explain_replay {
	struct explain_decode d;
	const struct vif *v; /* NULL: unknown vif */
	const struct vif_addr *prot; /* the protect sets' entries */
	size_t n_prot;
	bool is_mac_only;
	struct explain out;
	/* without a vif: the latest address check taken to fail (see
	 * explain_replay_is_final()) */
	bool has_guess;
	struct explain guess;
};

/* The result: rule r drops the frame. */
void explain_replay_say(struct explain_replay *c, enum explain_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The frame reaches an accept: report the guess if there is one, else
 * describe the frame. */
void explain_replay_allowed(struct explain_replay *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * c->out names an address check the frame failed.  With a vif that is the
 * answer.  Without one the check is only a guess: keep it and carry on as if
 * it passed, so that a rule that certainly drops the frame still wins, and an
 * accept reports the (latest, most specific) guess.
 */
bool explain_replay_is_final(struct explain_replay *c);
/* The address (family AF_INET or AF_INET6) or the mac the dropped frame
 * tried to use; 0.0.0.0 and :: claim nothing. */
void explain_replay_claim(struct explain_replay *c, int family, const uint8_t *addr);
void explain_replay_claim_mac(struct explain_replay *c, const uint8_t *mac);

/*
 * Do the vif's rules allow addr?  Its v4/v6 sets hold its addresses, and the
 * v6 set its EUI-64 link-local address too when it has an `ip` key; ND
 * targets may always be the link-local address.  Under mac-only there is no
 * address check.  Without a vif: unknown, answered false (see
 * explain_replay_is_final()).
 */
/* Is mac one the vif may send from: its own, or a VRRP virtual mac ([shared])? */
bool explain_replay_is_vif_mac(const struct vif *v, const uint8_t *mac);
bool explain_replay_is_allowed(const struct explain_replay *c, int family, const uint8_t *addr,
			       bool is_nd_target);
/* Is addr in the protect sets (protect4, protect6, protect-nd)?  The
 * source-check chains look them up first: such a frame drops, the vif known
 * or not, whatever its prefixes or mac-only allow. */
bool explain_replay_is_protected(const struct explain_replay *c, int family,
				 const uint8_t *addr);
/* icmpv6 type TYPE: a validated ICMPv6 header, a first fragment, the byte there. */
bool explain_replay_is_icmp6(struct explain_replay *c, const struct explain_decode_l4 *l,
			     uint8_t type);

bool explain_replay_is_zero(const uint8_t *p, size_t n);
/* An IPv4 or IPv6 address (4 or 16 bytes at src) as text, into buf. */
const char *explain_replay_addr_str(int family, const uint8_t *src, char buf[INET6_ADDRSTRLEN]);
const char *explain_replay_mac_str(const uint8_t *mac, char buf[18]);

#endif
