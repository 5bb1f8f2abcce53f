/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The vif model and the parsers for the values libxl writes into a vif's
 * backend directory.  Everything here is pure: no I/O, no logging.  Every
 * input is untrusted (a driver domain can write its own backend dir), so
 * every parser bounds its input and every rejection says which key and which
 * value were wrong.
 */
#ifndef VIFGUARD_VIF_H
#define VIFGUARD_VIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest xenstore value we look at; libxl's own values are far shorter. */
#define VIF_VALUE_MAX 4096
/* Most entries in one `ip` value; more is an error, not a truncation. */
#define VIF_ADDRS_MAX 64
/* Domids at and above DOMID_FIRST_RESERVED (0x7FF0) are never guests. */
#define VIF_DOMID_MAX 0x7FEF
#define VIF_DEVID_MAX 65535
/* Most VRRP virtual macs one vif may send from ([shared] entries it is in). */
#define VIF_VMACS_MAX 8
/* Most prefixes one vif shares with other guests (lib/resolve.c). */
#define VIF_CLAIMS_MAX 8

/* Human-readable reason for a rejection, e.g.
 * "key 'mac': value '01:00:5e:00:00:01' is a multicast address". */
struct vif_error {
	char text[320];
};

struct vif_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t prefixlen; /* 32 / 128 for a single address */
	uint8_t addr[16]; /* network byte order; IPv4 uses the first 4 bytes */
};

struct vif_limits {
	/* widest prefix accepted in `ip`, e.g. 24 means /24../32 are fine */
	uint8_t min_prefix_v4;
	uint8_t min_prefix_v6;
	/* accept prefixes that cover link-local space (169.254.0.0/16,
	 * fe80::/10): only lists that withhold addresses, never ones that
	 * grant them */
	bool link_local_prefixes;
};

/* Defaults: /24 for IPv4, /64 for IPv6, no link-local prefixes. */
void vif_limits_default(struct vif_limits *ret);

enum vif_type {
	VIF_TYPE_VIF, /* PV netback port only */
	VIF_TYPE_IOEMU, /* HVM: netback port plus "<name>-emu" qemu tap */
	_VIF_TYPE_MAX,
};

struct vif {
	uint32_t domid;
	uint32_t devid;
	enum vif_type type;
	char name[IFNAMSIZ]; /* "vif<domid>.<devid>" or the custom vifname */
	char emu_name[IFNAMSIZ]; /* "<name>-emu" when type is IOEMU, else "" */
	char bridge[IFNAMSIZ]; /* may be "" when the key is absent */
	uint8_t mac[6];
	bool has_ip; /* the `ip` key exists (even if empty) */
	/*
	 * VRRP virtual macs this vif may also send from (never from xenstore:
	 * lib/resolve.c grants them with a [shared] address).  The family is the
	 * mac's fifth byte: 1 IPv4, 2 IPv6 (policy_vmac_family()).
	 */
	size_t n_vmacs;
	uint8_t vmacs[VIF_VMACS_MAX][6];
	/*
	 * Prefixes of its `ip` key that other guests' `ip` keys list too (never
	 * from xenstore: lib/resolve.c finds them): shared, each address in
	 * them belongs to the first vif that claims it (daemon/ownership.c),
	 * so they are not in addrs.
	 */
	size_t n_claims;
	struct vif_addr claims[VIF_CLAIMS_MAX];
	size_t n_addrs;
	struct vif_addr addrs[VIF_ADDRS_MAX];
};

/* "00:16:3e:12:34:56" (':' or '-' separators, any case).  Rejects
 * multicast/broadcast, all-zero, malformed and trailing junk. */
int vif_mac_parse(const char *key, const char *value, uint8_t ret[6], struct vif_error *err);

/* Space-separated IPv4/IPv6 addresses and prefixes.  Rejects junk, host bits
 * set under a prefix, prefixes wider than the limits (and always /0), prefixes
 * covering link-local space (unless the limits allow them; an exact link-local
 * address is fine), more than VIF_ADDRS_MAX entries, values longer than
 * VIF_VALUE_MAX.  Duplicates are kept once.  ret must hold VIF_ADDRS_MAX
 * entries. */
int vif_ip_list_parse(const char *key, const char *value, const struct vif_limits *lim,
		      struct vif_addr *ret, size_t *ret_n, struct vif_error *err);

/* A Linux interface name: 1..IFNAMSIZ-1 bytes of [A-Za-z0-9_.-], not "." or "..". */
int vif_ifname_check(const char *key, const char *value, struct vif_error *err);

/* Decimal id without sign, leading zeros or junk, at most max. */
int vif_id_parse(const char *key, const char *value, uint32_t max, uint32_t *ret,
		 struct vif_error *err);

/*
 * The backend keys of one vif, as read from xenstore (NULL = key absent).
 */
struct vif_keys {
	const char *mac;
	const char *ip;
	const char *vifname;
	const char *type;
	const char *bridge;
};

/* Validate a whole backend directory into a vif.  On error *ret is undefined
 * and err names the first bad key and value. */
int vif_from_keys(uint32_t domid, uint32_t devid, const struct vif_keys *keys,
		  const struct vif_limits *lim, struct vif *ret, struct vif_error *err);

/* fe80::/64 address made from the mac by modified EUI-64 (RFC 4291 2.5.1). */
void vif_mac_to_eui64_ll(const uint8_t mac[6], uint8_t ret[16]);

/* Render an address ("192.0.2.5", "2001:db8::/64"); buf >= VIF_ADDR_STRLEN. */
#define VIF_ADDR_STRLEN 64
const char *vif_addr_to_string(const struct vif_addr *a, char *buf, size_t len);

const char *vif_type_to_string(enum vif_type t);

/*
 * Copy n bytes of an untrusted string into buf for quoting in a message:
 * bytes outside printable ASCII, '\'' and '\\' become "\xNN", and the result is
 * cut to 64 bytes followed by "...".  size must be at least VIF_QUOTE_SIZE.
 */
#define VIF_QUOTE_SIZE 68
void vif_quote(char *buf, size_t size, const char *s, size_t n);

#endif
