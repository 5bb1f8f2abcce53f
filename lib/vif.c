/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsers for the values in a vif's backend directory.  The directory is
 * writable by the backend domain, which in a driver-domain setup is not fully
 * trusted, so nothing here assumes libxl wrote the value: every string is
 * bounded, every rejection names the key, and values are escaped before they
 * are quoted in an error text that will end up in the journal.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vif.h"

void vif_quote(char *buf, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t room, o = 0;

	assert(buf);
	assert(s || n == 0);

	if (size < sizeof("...")) {
		if (size > 0)
			buf[0] = '\0';
		return;
	}
	/* Text before the "..." and the NUL; a buffer under VIF_QUOTE_SIZE just gets cut sooner. */
	room = (size < VIF_QUOTE_SIZE ? size : VIF_QUOTE_SIZE) - sizeof("...");

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool is_plain = c >= 0x20 && c < 0x7f && c != '\\' && c != '\'';
		size_t w = is_plain ? 1 : 4;

		if (o + w > room) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (is_plain) {
			buf[o++] = (char)c;
		} else {
			/*
			 * Escape control bytes (a newline would forge a log line), bytes
			 * >= 0x7f (not valid UTF-8 for the journal) and the quote characters
			 * themselves, so a quoted value always reads back unambiguously.
			 */
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	buf[o] = '\0';
}

__attribute__((format(printf, 3, 4))) static int error_set(struct vif_error *err, int r,
							   const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return r;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return r;
}

/* Error helper for the common "key 'k': value 'v' <reason>" shape. */
__attribute__((format(printf, 5, 6))) static int
value_error(struct vif_error *err, int r, const char *key, const char *value, const char *fmt, ...)
{
	char qkey[VIF_QUOTE_SIZE], qvalue[VIF_QUOTE_SIZE], reason[192];
	va_list ap;

	if (!err)
		return r;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vif_quote(qkey, sizeof(qkey), key, strlen(key));
	vif_quote(qvalue, sizeof(qvalue), value, strnlen(value, VIF_VALUE_MAX + 1));
	return error_set(err, r, "key '%s': value '%s' %s", qkey, qvalue, reason);
}

/*
 * Error helper for one entry of a list: "key 'k': entry 'e'<reason>".  The
 * reason starts with its own separator (" has ...", ": prefix ...").  The
 * caller returns -EINVAL itself, so the error path is plain to see (also to
 * clang's analyzer, which does not follow the return of a variadic function).
 */
__attribute__((format(printf, 5, 6))) static void entry_error(struct vif_error *err,
							      const char *key, const char *entry,
							      size_t n, const char *fmt, ...)
{
	char qkey[VIF_QUOTE_SIZE], qentry[VIF_QUOTE_SIZE], reason[192];
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vif_quote(qkey, sizeof(qkey), key, strlen(key));
	vif_quote(qentry, sizeof(qentry), entry, n);
	error_set(err, -EINVAL, "key '%s': entry '%s'%s", qkey, qentry, reason);
}

static int missing_error(struct vif_error *err, const char *key)
{
	char qkey[VIF_QUOTE_SIZE];

	vif_quote(qkey, sizeof(qkey), key, strlen(key));
	return error_set(err, -EINVAL, "key '%s' is missing", qkey);
}

void vif_limits_default(struct vif_limits *ret)
{
	assert(ret);
	*ret = (struct vif_limits){
	    .min_prefix_v4 = 24,
	    .min_prefix_v6 = 64,
	    .link_local_prefixes = false,
	};
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vif_mac_parse(const char *key, const char *value, uint8_t ret[6], struct vif_error *err)
{
	/* "xx:xx:xx:xx:xx:xx": 6 pairs and 5 separators. */
	static const size_t mac_len = 6 * 2 + 5;
	uint8_t mac[6];
	char sep;

	assert(key);
	assert(ret);

	if (!value)
		return missing_error(err, key);

	if (strnlen(value, mac_len + 1) != mac_len)
		goto malformed;
	sep = value[2];
	if (sep != ':' && sep != '-')
		goto malformed;
	for (size_t i = 0; i < 6; i++) {
		const char *p = value + i * 3;
		int hi = hex_digit(p[0]), lo = hex_digit(p[1]);

		if (hi < 0 || lo < 0)
			goto malformed;
		if (i < 5 && p[2] != sep)
			goto malformed;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}

	if (memcmp(mac, (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 6) == 0)
		return value_error(err, -EINVAL, key, value, "is the broadcast address");
	/* The I/G bit: a guest must never send from a group address. */
	if (mac[0] & 1)
		return value_error(err, -EINVAL, key, value, "is a multicast address");
	if (memcmp(mac, (const uint8_t[6]){0}, 6) == 0)
		return value_error(err, -EINVAL, key, value, "is the all-zero address");

	memcpy(ret, mac, 6);
	return 0;

malformed:
	return value_error(err, -EINVAL, key, value,
			   "is not a MAC address (expected six two-digit hex bytes separated "
			   "by ':' or '-', like 00:16:3e:12:34:56)");
}

static size_t family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Do the first min(la, lb) bits of a and b agree, i.e. do the two prefixes overlap? */
static bool prefixes_overlap(const uint8_t *a, unsigned la, const uint8_t *b, unsigned lb)
{
	unsigned l = la < lb ? la : lb;
	unsigned bytes = l / 8, bits = l % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	return ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff << (8 - bits))) == 0;
}

struct special_range {
	uint8_t addr[16];
	unsigned prefixlen;
	const char *what;
};

/*
 * Ranges a guest can never legitimately source traffic from.  A listed prefix
 * that overlaps any of them is rejected as a whole: allowing 0.0.0.0/1 would
 * also allow spoofing 0.0.0.0/8.  Link-local space is link_local below.
 */
static const struct special_range special_v4[] = {
    {{0, 0, 0, 0}, 8, "is in 0.0.0.0/8 (\"this network\")"},
    {{127, 0, 0, 0}, 8, "is a loopback address"},
    {{224, 0, 0, 0}, 4, "is a multicast address"},
    {{255, 255, 255, 255}, 32, "is the broadcast address"},
};

static const struct special_range special_v6[] = {
    {{0}, 128, "is the unspecified address"},
    {{[15] = 1}, 128, "is the loopback address"},
    /* Never on the wire; would let a guest match IPv4 rules through the v6 path. */
    {{[10] = 0xff, [11] = 0xff}, 96, "is an IPv4-mapped address"},
    {{0xff}, 8, "is a multicast address"},
};

/*
 * Link-local space is shared by everything on the link: the gateway's
 * fe80:: address, the host's, every guest's.  A guest's own link-local
 * address may be listed exactly; a prefix inside or around the range would
 * let it answer neighbour discovery or ARP for all of them.
 */
static const struct special_range link_local[] = {
    {{169, 254}, 16, "169.254.0.0/16"},
    {{0xfe, 0x80}, 10, "fe80::/10"},
};

static const char *link_local_check(const struct vif_addr *a)
{
	const struct special_range *r = &link_local[a->family == AF_INET ? 0 : 1];

	if (a->prefixlen >= family_bits(a->family))
		return NULL;
	return prefixes_overlap(a->addr, a->prefixlen, r->addr, r->prefixlen) ? r->what : NULL;
}

static const char *special_check(const struct vif_addr *a)
{
	const struct special_range *t = a->family == AF_INET ? special_v4 : special_v6;
	size_t n = a->family == AF_INET ? sizeof(special_v4) / sizeof(special_v4[0])
					: sizeof(special_v6) / sizeof(special_v6[0]);

	for (size_t i = 0; i < n; i++)
		if (prefixes_overlap(a->addr, a->prefixlen, t[i].addr, t[i].prefixlen))
			return t[i].what;
	return NULL;
}

/* Strict dotted quad: four decimal parts 0..255 without leading zeros. */
static bool is_dotted_quad(const char *s)
{
	for (int part = 0; part < 4; part++) {
		unsigned v = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			if (digits == 3 || (digits == 1 && v == 0))
				return false;
			v = v * 10 + (unsigned)(*s - '0');
			digits++;
			s++;
		}
		if (digits == 0 || v > 255)
			return false;
		if (part < 3 && *s++ != '.')
			return false;
	}
	return *s == '\0';
}

/* Parse one entry (already split out, NUL-terminated) into *ret. */
static int entry_parse(const char *key, const char *entry, const struct vif_limits *lim,
		       struct vif_addr *ret, struct vif_error *err)
{
	/* INET6_ADDRSTRLEN covers the longest form, "ffff:...:255.255.255.255". */
	char addr[INET6_ADDRSTRLEN];
	struct vif_addr a = {0};
	const char *slash, *what;
	size_t n = strlen(entry), alen, bits;
	unsigned min;

	slash = strchr(entry, '/');
	alen = slash ? (size_t)(slash - entry) : n;
	if (alen == 0 || alen >= sizeof(addr))
		goto malformed;
	memcpy(addr, entry, alen);
	addr[alen] = '\0';

	if (strchr(addr, '%')) {
		entry_error(err, key, entry, n,
			    " has a zone id; list the address without '%%<interface>'");
		return -EINVAL;
	}

	if (strchr(addr, ':')) {
		a.family = AF_INET6;
		if (inet_pton(AF_INET6, addr, a.addr) != 1)
			goto malformed;
	} else {
		a.family = AF_INET;
		if (!is_dotted_quad(addr) || inet_pton(AF_INET, addr, a.addr) != 1)
			goto malformed;
	}
	bits = family_bits(a.family);

	if (!slash) {
		a.prefixlen = (uint8_t)bits;
	} else {
		const char *p = slash + 1;
		unsigned len = 0;

		/* At most 3 digits, so len cannot overflow; "0" alone is allowed here. */
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
			goto bad_prefix;
		for (int digits = 0; *p; p++, digits++) {
			if (*p < '0' || *p > '9' || digits == 3)
				goto bad_prefix;
			len = len * 10 + (unsigned)(*p - '0');
		}
		if (len > bits)
			goto bad_prefix;
		if (len == 0) {
			entry_error(err, key, entry, n,
				    " has prefix /0, which would allow every address");
			return -EINVAL;
		}
		a.prefixlen = (uint8_t)len;
	}

	min = a.family == AF_INET ? lim->min_prefix_v4 : lim->min_prefix_v6;
	if (a.prefixlen < min) {
		entry_error(err, key, entry, n, ": prefix /%u is wider than the allowed /%u",
			    a.prefixlen, min);
		return -EINVAL;
	}

	if (a.prefixlen < bits) {
		struct vif_addr net = a;
		char host[INET6_ADDRSTRLEN], network[INET6_ADDRSTRLEN];
		unsigned l = a.prefixlen;

		net.addr[l / 8] &= (uint8_t)(0xff << (8 - l % 8));
		for (unsigned i = l / 8 + 1; i < 16; i++)
			net.addr[i] = 0;
		if (memcmp(net.addr, a.addr, sizeof(a.addr)) != 0) {
			/* Both renderings come from inet_ntop, so they need no quoting. */
			inet_ntop(a.family, a.addr, host, sizeof(host));
			inet_ntop(a.family, net.addr, network, sizeof(network));
			entry_error(err, key, entry, n,
				    " has host bits set: write %s for one address or %s/%u "
				    "for the network",
				    host, network, l);
			return -EINVAL;
		}
	}

	what = special_check(&a);
	if (what) {
		entry_error(err, key, entry, n, " %s", what);
		return -EINVAL;
	}
	what = lim->link_local_prefixes ? NULL : link_local_check(&a);
	if (what) {
		entry_error(err, key, entry, n,
			    " is a prefix covering link-local addresses (%s), which every host "
			    "on the link uses; list the guest's own link-local address exactly",
			    what);
		return -EINVAL;
	}

	*ret = a;
	return 0;

malformed:
	entry_error(err, key, entry, n, " is not an IPv4 or IPv6 address or prefix");
	return -EINVAL;
bad_prefix:
	entry_error(err, key, entry, n,
		    " has an invalid prefix length (expected /1../%zu in decimal)", bits);
	return -EINVAL;
}

static bool addr_equal(const struct vif_addr *a, const struct vif_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

int vif_ip_list_parse(const char *key, const char *value, const struct vif_limits *lim,
		      struct vif_addr *ret, size_t *ret_n, struct vif_error *err)
{
	/* Parse into a scratch list so ret is left alone on failure. */
	struct vif_addr addrs[VIF_ADDRS_MAX];
	struct vif_limits deflim;
	size_t n = 0;
	const char *p;

	assert(key);
	assert(ret);
	assert(ret_n);

	if (!lim) {
		vif_limits_default(&deflim);
		lim = &deflim;
	}
	if (!value)
		return missing_error(err, key);
	if (strnlen(value, VIF_VALUE_MAX + 1) > VIF_VALUE_MAX)
		return value_error(err, -E2BIG, key, value, "is longer than %d bytes",
				   VIF_VALUE_MAX);

	p = value;
	for (;;) {
		/* Longest valid entry: a full IPv6 address plus "/128". */
		char entry[INET6_ADDRSTRLEN + 4];
		struct vif_addr a;
		bool is_dup;
		size_t len;
		int r;

		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		len = strcspn(p, " \t,");
		if (p[len] == ',') {
			return value_error(err, -EINVAL, key, value,
					   "contains a comma; separate entries with spaces");
		}
		if (len >= sizeof(entry)) {
			entry_error(err, key, p, len, " is not an IPv4 or IPv6 address or prefix");
			return -EINVAL;
		}
		memcpy(entry, p, len);
		entry[len] = '\0';
		p += len;

		r = entry_parse(key, entry, lim, &a, err);
		if (r < 0)
			return r;

		/* Quadratic, but bounded by VIF_ADDRS_MAX entries. */
		is_dup = false;
		for (size_t i = 0; i < n && !is_dup; i++)
			is_dup = addr_equal(&addrs[i], &a);
		if (is_dup)
			continue;
		if (n == VIF_ADDRS_MAX)
			return value_error(err, -E2BIG, key, value, "has more than %d entries",
					   VIF_ADDRS_MAX);
		addrs[n++] = a;
	}

	memcpy(ret, addrs, n * sizeof(addrs[0]));
	*ret_n = n;
	return 0;
}

int vif_ifname_check(const char *key, const char *value, struct vif_error *err)
{
	size_t len;

	assert(key);

	if (!value)
		return missing_error(err, key);
	len = strnlen(value, IFNAMSIZ);
	if (len == 0)
		return value_error(err, -EINVAL, key, value, "is an empty interface name");
	if (len >= IFNAMSIZ)
		return value_error(err, -EINVAL, key, value,
				   "is longer than %d bytes, too long for an interface name",
				   IFNAMSIZ - 1);
	/* The kernel refuses "." and ".." (dev_valid_name): they are directories in sysfs. */
	if (strcmp(value, ".") == 0 || strcmp(value, "..") == 0)
		return value_error(err, -EINVAL, key, value, "is not a valid interface name");
	for (size_t i = 0; i < len; i++) {
		char c = value[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return value_error(err, -EINVAL, key, value,
					   "contains a character other than A-Z a-z 0-9 _ . -");
	}
	return 0;
}

static const char *id_check(const char *s, size_t n, uint32_t max, uint32_t *ret)
{
	uint64_t v = 0;

	if (n == 0)
		return "is empty";
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return "is not a decimal number";
	if (s[0] == '0' && n > 1)
		return "has a leading zero";
	for (size_t i = 0; i < n; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		/* Stop early: v <= UINT32_MAX before the step, so the step cannot overflow. */
		if (v > max)
			return "is out of range";
	}
	*ret = (uint32_t)v;
	return NULL;
}

int vif_id_parse(const char *key, const char *value, uint32_t max, uint32_t *ret,
		 struct vif_error *err)
{
	const char *why;
	uint32_t v;

	assert(key);
	assert(ret);

	if (!value)
		return missing_error(err, key);
	why = id_check(value, strnlen(value, VIF_VALUE_MAX + 1), max, &v);
	if (why)
		return value_error(err, -EINVAL, key, value, "%s (expected 0..%" PRIu32 ")", why,
				   max);
	*ret = v;
	return 0;
}

int vif_from_keys(uint32_t domid, uint32_t devid, const struct vif_keys *keys,
		  const struct vif_limits *lim, struct vif *ret, struct vif_error *err)
{
	struct vif v = {
	    .domid = domid,
	    .devid = devid,
	};
	int r;

	assert(keys);
	assert(ret);

	if (domid > VIF_DOMID_MAX)
		return error_set(err, -EINVAL,
				 "domid %" PRIu32 " is not a guest domain (expected 0..%d)", domid,
				 VIF_DOMID_MAX);
	if (devid > VIF_DEVID_MAX)
		return error_set(err, -EINVAL, "devid %" PRIu32 " is out of range (expected 0..%d)",
				 devid, VIF_DEVID_MAX);

	if (!keys->type || strcmp(keys->type, "vif") == 0)
		v.type = VIF_TYPE_VIF;
	else if (strcmp(keys->type, "vif_ioemu") == 0)
		v.type = VIF_TYPE_IOEMU;
	else
		return value_error(err, -EINVAL, "type", keys->type,
				   "is not a vif type (expected 'vif' or 'vif_ioemu')");

	r = vif_mac_parse("mac", keys->mac, v.mac, err);
	if (r < 0)
		return r;

	if (keys->vifname) {
		r = vif_ifname_check("vifname", keys->vifname, err);
		if (r < 0)
			return r;
		strcpy(v.name, keys->vifname);
	} else {
		/* netback's own name; the id checks above bound it to 14 bytes. */
		r = snprintf(v.name, sizeof(v.name), "vif%" PRIu32 ".%" PRIu32, domid, devid);
		if (r < 0 || (size_t)r >= sizeof(v.name))
			return error_set(err, -EINVAL,
					 "default interface name for domid %" PRIu32
					 " devid %" PRIu32 " is too long",
					 domid, devid);
	}

	if (v.type == VIF_TYPE_IOEMU) {
		/*
		 * The qemu tap is "<name>-emu".  Should it not fit, the tap would get a
		 * name we cannot predict, so refuse rather than guard the wrong port.
		 */
		size_t len = strlen(v.name);

		if (len + strlen("-emu") >= sizeof(v.emu_name)) {
			if (keys->vifname)
				return value_error(err, -EINVAL, "vifname", keys->vifname,
						   "is too long for type vif_ioemu: '%s-emu' "
						   "exceeds %d bytes",
						   v.name, IFNAMSIZ - 1);
			return value_error(err, -EINVAL, "type", keys->type ? keys->type : "",
					   "needs the tap name '%s-emu', which exceeds %d bytes",
					   v.name, IFNAMSIZ - 1);
		}
		memcpy(v.emu_name, v.name, len);
		memcpy(v.emu_name + len, "-emu", sizeof("-emu"));
	}

	if (keys->bridge) {
		r = vif_ifname_check("bridge", keys->bridge, err);
		if (r < 0)
			return r;
		strcpy(v.bridge, keys->bridge);
	}

	if (keys->ip) {
		v.has_ip = true;
		r = vif_ip_list_parse("ip", keys->ip, lim, v.addrs, &v.n_addrs, err);
		if (r < 0)
			return r;
	}

	*ret = v;
	return 0;
}

void vif_mac_to_eui64_ll(const uint8_t mac[6], uint8_t ret[16])
{
	assert(mac);
	assert(ret);

	memset(ret, 0, 16);
	ret[0] = 0xfe;
	ret[1] = 0x80;
	/* Modified EUI-64 inverts the universal/local bit and puts ff:fe in the middle. */
	ret[8] = mac[0] ^ 0x02;
	ret[9] = mac[1];
	ret[10] = mac[2];
	ret[11] = 0xff;
	ret[12] = 0xfe;
	ret[13] = mac[3];
	ret[14] = mac[4];
	ret[15] = mac[5];
}

const char *vif_addr_to_string(const struct vif_addr *a, char *buf, size_t len)
{
	size_t n;

	assert(a);
	assert(buf);

	if (a->family != AF_INET && a->family != AF_INET6)
		return NULL;
	if (!inet_ntop(a->family, a->addr, buf, (socklen_t)(len > INT32_MAX ? INT32_MAX : len)))
		return NULL;
	if (a->prefixlen >= family_bits(a->family))
		return buf;
	n = strlen(buf);
	if (snprintf(buf + n, len - n, "/%u", a->prefixlen) >= (int)(len - n))
		return NULL;
	return buf;
}

static const char *const vif_type_table[_VIF_TYPE_MAX] = {
    [VIF_TYPE_VIF] = "vif",
    [VIF_TYPE_IOEMU] = "vif_ioemu",
};

const char *vif_type_to_string(enum vif_type t)
{
	if ((unsigned)t >= _VIF_TYPE_MAX)
		return NULL;
	return vif_type_table[t];
}
