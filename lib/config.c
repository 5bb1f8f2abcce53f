/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration file parser.  inih splits lines into sections and
 * key/value pairs; everything else happens here, because inih as Debian
 * builds it has three habits that are wrong for a security policy file:
 *
 *  - It is built with INI_HANDLER_LINENO off, so the handler gets no line
 *    number, and its return value names only the first syntax error.
 *  - A line longer than its buffer (200 bytes with the '\n' and NUL) is cut,
 *    and the rest is parsed as a line of its own: "k=<190 x> evil=1" sets
 *    "evil".
 *  - Multi-line mode is on, so an indented line continues the previous key:
 *    "  table = x" after "priority = 1" sets priority to "table = x".
 *
 * So inih reads through our own line reader.  It counts lines, drops leading
 * whitespace (no line is ever a continuation), turns comment lines into blank
 * ones, rejects over-long lines instead of cutting them, checks section
 * headers, and notices a key line inih did not pass to the handler (no '=').
 * Every error is therefore reported, each with its own line.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <ini.h>

#include "config.h"
#include "resolve.h"

enum section_id {
	SECTION_VIFGUARD,
	SECTION_PROTECT,
	SECTION_LOG,
	SECTION_SHARED,
	_SECTION_MAX,
};

static const char *const section_names[_SECTION_MAX] = {
    [SECTION_VIFGUARD] = "vifguard",
    [SECTION_PROTECT] = "protect",
    [SECTION_LOG] = "log",
    [SECTION_SHARED] = "shared",
};

enum key_id {
	KEY_TABLE,
	KEY_GUEST_PORTS,
	KEY_NO_IP,
	KEY_WIDEST_PREFIX_IPV4,
	KEY_WIDEST_PREFIX_IPV6,
	KEY_PRIORITY,
	KEY_OWNED_MAX,
	KEY_ADDRESSES,
	KEY_BRIDGE_ADDRESSES,
	KEY_RATE_LIMIT_INTERVAL,
	KEY_RATE_LIMIT_BURST,
	_KEY_MAX,
};

struct parser {
	const char *filename;
	const char *pos;	 /* next unread byte of the text */
	unsigned line;		 /* the line inih is working on, from 1 */
	bool line_is_pair;	 /* that line must reach the handler as key=value */
	bool line_handled;	 /* ... and it did */
	bool section_is_bad;	 /* current section header already reported: skip its keys */
	unsigned seen[_KEY_MAX]; /* line a key was first set on, 0 = not set */
	struct config_errors *errs;
	unsigned err_lines[CONFIG_ERRORS_MAX];
	struct policy pol;
};

/*
 * Keep errors sorted by line: the only one that can arrive late is the
 * safety-net report of inih's own error line.  When full, a new error before
 * the last one pushes the last one out.
 */
__attribute__((format(printf, 3, 4))) static void add_error(struct parser *p, unsigned line,
							    const char *fmt, ...)
{
	struct config_errors *e = p->errs;
	size_t i, len;
	char *t;
	va_list ap;

	i = e->n;
	while (i > 0 && p->err_lines[i - 1] > line)
		i--;
	if (i == CONFIG_ERRORS_MAX) {
		e->n_dropped++;
		return;
	}
	if (e->n == CONFIG_ERRORS_MAX) {
		e->n--;
		e->n_dropped++;
	}
	memmove(&e->text[i + 1], &e->text[i], (e->n - i) * sizeof(e->text[0]));
	memmove(&p->err_lines[i + 1], &p->err_lines[i], (e->n - i) * sizeof(p->err_lines[0]));
	e->n++;
	p->err_lines[i] = line;

	t = e->text[i];
	if (line > 0)
		snprintf(t, CONFIG_ERROR_SIZE, "%s:%u: ", p->filename, line);
	else
		snprintf(t, CONFIG_ERROR_SIZE, "%s: ", p->filename);
	len = strlen(t);
	va_start(ap, fmt);
	vsnprintf(t + len, CONFIG_ERROR_SIZE - len, fmt, ap);
	va_end(ap);
}

static bool has_error_on(const struct parser *p, unsigned line)
{
	for (size_t i = 0; i < p->errs->n; i++)
		if (p->err_lines[i] == line)
			return true;
	return false;
}

static char *quote(char buf[VIF_QUOTE_SIZE], const char *s)
{
	vif_quote(buf, VIF_QUOTE_SIZE, s, strlen(s));
	return buf;
}

/* "key 'k': value 'v' <reason>", the shape lib/vif.c uses. */
__attribute__((format(printf, 5, 6))) static int
value_error(char *msg, size_t size, const char *key, const char *value, const char *fmt, ...)
{
	char qvalue[VIF_QUOTE_SIZE], reason[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(msg, size, "key '%s': value '%s' %s", key, quote(qvalue, value), reason);
	return -EINVAL;
}

/*
 * Strict decimal: an optional '-', then digits without leading zeros ("0"
 * alone is fine, "-0" is not).  No '+', no spaces, no hex or octal; strtol
 * would take all of those.  -ERANGE outside [min, max].
 */
static int parse_int(const char *s, long min, long max, long *ret)
{
	bool is_negative = false, is_over = false;
	unsigned long v = 0, limit;

	/* min > LONG_MIN: the negation of the magnitude below must not overflow. */
	assert(min <= max && min > LONG_MIN);

	if (*s == '-') {
		is_negative = true;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	if (s[0] == '0' && (s[1] != '\0' || is_negative))
		return -EINVAL;
	/* The largest magnitude the sign can reach in range; accumulating stops above it. */
	if (is_negative)
		limit = min < 0 ? 0UL - (unsigned long)min : 0;
	else
		limit = max > 0 ? (unsigned long)max : 0;
	for (; *s; s++) {
		unsigned long d = (unsigned long)(*s - '0');

		if (*s < '0' || *s > '9')
			return -EINVAL;
		/* Check every digit even after overflow: "99999999999x" is junk, not range. */
		if (v > limit / 10 || (v == limit / 10 && d > limit % 10))
			is_over = true;
		else
			v = v * 10 + d;
	}
	if (is_over)
		return -ERANGE;
	if (is_negative ? -(long)v < min : (long)v < min)
		return -ERANGE;
	*ret = is_negative ? -(long)v : (long)v;
	return 0;
}

static int int_value(char *msg, size_t size, const char *key, const char *value, long min, long max,
		     long *ret)
{
	/* -EINVAL spelled out: clang's analyzer does not follow the return of
	 * the variadic value_error(), and would take *ret as set */
	if (parse_int(value, min, max, ret) < 0) {
		value_error(msg, size, key, value, "is not an integer in %ld..%ld", min, max);
		return -EINVAL;
	}
	return 0;
}

static int parse_table(struct parser *p, const char *key, const char *value, char *msg, size_t size)
{
	if (!policy_table_name_is_valid(value))
		return value_error(msg, size, key, value,
				   "is not a table name: a letter, then letters, digits, '_' or "
				   "'-', at most %d characters",
				   POLICY_TABLE_MAX - 1);
	strcpy(p->pol.table, value);
	return 0;
}

static int parse_guest_ports(struct parser *p, const char *key, const char *value, char *msg,
			     size_t size)
{
	char patterns[POLICY_PATTERNS_MAX][IFNAMSIZ];
	const char *s = value;
	size_t n = 0;

	for (;;) {
		char pattern[IFNAMSIZ], qpattern[VIF_QUOTE_SIZE];
		bool is_dup = false;
		size_t len;

		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (len >= IFNAMSIZ) {
			vif_quote(qpattern, sizeof(qpattern), s, len);
			snprintf(msg, size, "key '%s': pattern '%s' is longer than %d characters",
				 key, qpattern, IFNAMSIZ - 1);
			return -EINVAL;
		}
		memcpy(pattern, s, len);
		pattern[len] = '\0';
		s += len;
		if (strcmp(pattern, "*") == 0) {
			snprintf(msg, size,
				 "key '%s': pattern '*' would match host ports too (the uplink, "
				 "the bridge)",
				 key);
			return -EINVAL;
		}
		if (!policy_port_pattern_is_valid(pattern)) {
			snprintf(msg, size,
				 "key '%s': pattern '%s' is not an interface name with an optional "
				 "trailing '*'",
				 key, quote(qpattern, pattern));
			return -EINVAL;
		}
		for (size_t i = 0; i < n && !is_dup; i++)
			is_dup = strcmp(patterns[i], pattern) == 0;
		if (is_dup)
			continue;
		if (n == POLICY_PATTERNS_MAX) {
			snprintf(msg, size, "key '%s': more than %d patterns", key,
				 POLICY_PATTERNS_MAX);
			return -EINVAL;
		}
		strcpy(patterns[n++], pattern);
	}
	if (n == 0) {
		snprintf(msg, size, "key '%s': needs at least one pattern", key);
		return -EINVAL;
	}
	memcpy(p->pol.port_patterns, patterns, n * sizeof(patterns[0]));
	p->pol.n_port_patterns = n;
	return 0;
}

static int parse_no_ip(struct parser *p, const char *key, const char *value, char *msg, size_t size)
{
	int r = policy_no_ip_from_string(value);

	if (r < 0)
		return value_error(msg, size, key, value, "is not one of: %s, %s",
				   policy_no_ip_to_string(POLICY_NO_IP_BLOCK),
				   policy_no_ip_to_string(POLICY_NO_IP_MAC_ONLY));
	p->pol.no_ip = (enum policy_no_ip)r;
	return 0;
}

static int parse_prefix_v4(struct parser *p, const char *key, const char *value, char *msg,
			   size_t size)
{
	long v;
	int r = int_value(msg, size, key, value, 1, 32, &v);

	if (r < 0)
		return r;
	p->pol.limits.min_prefix_v4 = (uint8_t)v;
	return 0;
}

static int parse_prefix_v6(struct parser *p, const char *key, const char *value, char *msg,
			   size_t size)
{
	long v;
	int r = int_value(msg, size, key, value, 1, 128, &v);

	if (r < 0)
		return r;
	p->pol.limits.min_prefix_v6 = (uint8_t)v;
	return 0;
}

static int parse_owned_max(struct parser *p, const char *key, const char *value, char *msg,
			   size_t size)
{
	long v;
	int r = int_value(msg, size, key, value, 0, POLICY_OWNED_MAX, &v);

	if (r < 0)
		return r;
	p->pol.owned_max = (unsigned)v;
	return 0;
}

static int parse_priority(struct parser *p, const char *key, const char *value, char *msg,
			  size_t size)
{
	long v;
	int r = int_value(msg, size, key, value, CONFIG_PRIORITY_MIN, CONFIG_PRIORITY_MAX, &v);

	if (r < 0)
		return r;
	p->pol.priority = (int)v;
	return 0;
}

static bool addr_equal(const struct vif_addr *a, const struct vif_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

/* Appends: the key may be repeated, so a long list can be split over lines. */
static int parse_addresses(struct parser *p, const char *key, const char *value, char *msg,
			   size_t size)
{
	/* Any prefix but /0: protecting a whole /8 (or all of fe80::/10) is
	 * the operator's call. */
	const struct vif_limits lim = {
	    .min_prefix_v4 = 1, .min_prefix_v6 = 1, .link_local_prefixes = true};
	struct vif_addr addrs[VIF_ADDRS_MAX];
	struct policy *pol = &p->pol;
	struct vif_error err = {.text = ""};
	size_t n, n_new = 0;
	int r;

	r = vif_ip_list_parse(key, value, &lim, addrs, &n, &err);
	if (r < 0) {
		snprintf(msg, size, "%s", err.text);
		return -EINVAL;
	}
	/* Count first, so a failed line adds nothing. */
	for (size_t i = 0; i < n; i++) {
		bool is_dup = false;

		for (size_t j = 0; j < pol->n_protected && !is_dup; j++)
			is_dup = addr_equal(&pol->protected_addrs[j], &addrs[i]);
		if (!is_dup)
			addrs[n_new++] = addrs[i];
	}
	if (n_new > POLICY_PROTECTED_MAX - pol->n_protected) {
		snprintf(msg, size, "key '%s': more than %d protected addresses in total", key,
			 POLICY_PROTECTED_MAX);
		return -EINVAL;
	}
	memcpy(&pol->protected_addrs[pol->n_protected], addrs, n_new * sizeof(addrs[0]));
	pol->n_protected += n_new;
	return 0;
}

static int parse_bridge_addresses(struct parser *p, const char *key, const char *value, char *msg,
				  size_t size)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			p->pol.protect_bridge_addrs = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			p->pol.protect_bridge_addrs = false;
			return 0;
		}
	}
	return value_error(msg, size, key, value,
			   "is not a boolean (yes/no, true/false, on/off, 1/0)");
}

static int parse_rate_interval(struct parser *p, const char *key, const char *value, char *msg,
			       size_t size)
{
	char digits[16];
	size_t len = strlen(value);
	long v;

	/* "30s" or "30": seconds are the only unit. */
	if (len > 0 && value[len - 1] == 's')
		len--;
	if (len == 0 || len >= sizeof(digits))
		goto invalid;
	memcpy(digits, value, len);
	digits[len] = '\0';
	if (parse_int(digits, 1, CONFIG_RATE_INTERVAL_MAX, &v) < 0)
		goto invalid;
	p->pol.log_rate_interval_sec = (unsigned)v;
	return 0;
invalid:
	return value_error(msg, size, key, value, "is not a number of seconds in 1..%d (e.g. 30s)",
			   CONFIG_RATE_INTERVAL_MAX);
}

static int parse_rate_burst(struct parser *p, const char *key, const char *value, char *msg,
			    size_t size)
{
	long v;
	int r = int_value(msg, size, key, value, 1, CONFIG_RATE_BURST_MAX, &v);

	if (r < 0)
		return r;
	p->pol.log_rate_burst = (unsigned)v;
	return 0;
}

/* ---- [shared] ---- */

/* "vip-web": a letter, then letters, digits, '_' or '-'. */
static bool shared_name_is_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= POLICY_SHARED_NAME_MAX)
		return false;
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_' || name[i] == '-'))
			return false;
	return true;
}

/* Something a guest could be the one sender of: not unspecified, loopback, multicast or
 * broadcast. */
static bool addr_is_unicast(const struct vif_addr *a)
{
	static const uint8_t zero[16], loop6[16] = {[15] = 1};

	if (a->family == AF_INET)
		return memcmp(a->addr, zero, 4) != 0 && a->addr[0] != 127 && a->addr[0] < 224;
	return memcmp(a->addr, zero, 16) != 0 && memcmp(a->addr, loop6, 16) != 0 &&
	       a->addr[0] != 0xff;
}

static struct policy_shared *shared_find(struct policy *pol, const char *name)
{
	for (size_t i = 0; i < pol->n_shared; i++)
		if (strcmp(pol->shared[i].name, name) == 0)
			return &pol->shared[i];
	return NULL;
}

static int shared_addr_add(struct parser *p, struct policy_shared *sh, const char *key,
			   const char *tok, char *msg, size_t size)
{
	const struct vif_limits lim = {.min_prefix_v4 = 1, .min_prefix_v6 = 1};
	char qtok[VIF_QUOTE_SIZE], a[VIF_ADDR_STRLEN];
	struct vif_addr addrs[VIF_ADDRS_MAX];
	struct vif_error err = {.text = ""};
	size_t n;

	if (vif_ip_list_parse(key, tok, &lim, addrs, &n, &err) < 0 && strpbrk(tok, ".:")) {
		/* an address, but a bad one: lib/vif.c says why */
		snprintf(msg, size, "%s", err.text);
		return -EINVAL;
	}
	if (err.text[0] || n != 1) {
		snprintf(msg, size,
			 "key '%s': '%s' is not an address (expected: addresses, then optionally "
			 "'vmac' and VRRP macs, then 'domains' and domain names)",
			 key, quote(qtok, tok));
		return -EINVAL;
	}
	if (addrs[0].prefixlen != (addrs[0].family == AF_INET ? 32 : 128)) {
		snprintf(msg, size,
			 "key '%s': '%s' is a prefix: a shared address is exact (/32, /128)", key,
			 quote(qtok, tok));
		return -EINVAL;
	}
	if (!addr_is_unicast(&addrs[0])) {
		snprintf(msg, size, "key '%s': '%s' is not a unicast address", key,
			 quote(qtok, tok));
		return -EINVAL;
	}
	for (size_t i = 0; i < p->pol.n_shared; i++)
		for (size_t k = 0; k < p->pol.shared[i].n_addrs; k++) {
			if (!addr_equal(&p->pol.shared[i].addrs[k], &addrs[0]))
				continue;
			if (&p->pol.shared[i] == sh)
				return 0;
			vif_addr_to_string(&addrs[0], a, sizeof(a));
			snprintf(msg, size, "key '%s': %s is already shared as '%s' (line %u)", key,
				 a, p->pol.shared[i].name, p->pol.shared[i].line);
			return -EINVAL;
		}
	if (sh->n_addrs == POLICY_SHARED_ADDRS_MAX) {
		snprintf(msg, size, "key '%s': more than %d addresses", key,
			 POLICY_SHARED_ADDRS_MAX);
		return -EINVAL;
	}
	sh->addrs[sh->n_addrs++] = addrs[0];
	return 0;
}

static int shared_vmac_add(struct policy_shared *sh, const char *key, const char *tok, char *msg,
			   size_t size)
{
	char qtok[VIF_QUOTE_SIZE];
	struct vif_error err = {.text = ""};
	uint8_t mac[6];
	int fi;

	if (vif_mac_parse(key, tok, mac, &err) < 0 || (fi = policy_vmac_family(mac)) < 0) {
		snprintf(msg, size,
			 "key '%s': '%s' is not a VRRP virtual mac (00:00:5e:00:01:<vrid> for "
			 "IPv4, 00:00:5e:00:02:<vrid> for IPv6, vrid 1..255)",
			 key, quote(qtok, tok));
		return -EINVAL;
	}
	if (sh->has_vmac[fi] && memcmp(sh->vmac[fi], mac, 6) != 0) {
		snprintf(msg, size, "key '%s': a second virtual mac for %s ('%s')", key,
			 fi == 0 ? "IPv4" : "IPv6", quote(qtok, tok));
		return -EINVAL;
	}
	sh->has_vmac[fi] = true;
	memcpy(sh->vmac[fi], mac, 6);
	return 0;
}

static int shared_domain_add(struct policy_shared *sh, const char *key, const char *tok, char *msg,
			     size_t size)
{
	char qtok[VIF_QUOTE_SIZE];

	if (!policy_domain_name_is_valid(tok)) {
		snprintf(msg, size,
			 "key '%s': '%s' is not a domain name (at most %d of letters, digits and "
			 "'_.-:+@', without --incoming or --migratedaway)",
			 key, quote(qtok, tok), POLICY_DOMAIN_NAME_MAX - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < sh->n_domains; i++)
		if (strcmp(sh->domains[i], tok) == 0)
			return 0;
	if (sh->n_domains == POLICY_SHARED_DOMAINS_MAX) {
		snprintf(msg, size, "key '%s': more than %d domains", key,
			 POLICY_SHARED_DOMAINS_MAX);
		return -EINVAL;
	}
	strcpy(sh->domains[sh->n_domains++], tok);
	return 0;
}

/*
 * "NAME = ADDRESS... [vmac MAC...] [domains DOMAIN...]".  A name given again
 * adds to its entry (lines are short); parsed into a copy, so a bad line
 * adds nothing.  Whether the entry is complete is checked at the end
 * (shared_finish()).
 */
static int parse_shared(struct parser *p, const char *key, const char *value, char *msg,
			size_t size)
{
	enum { WANT_ADDRS, WANT_VMACS, WANT_DOMAINS } state = WANT_ADDRS;
	char qkey[VIF_QUOTE_SIZE], tok[CONFIG_ERROR_SIZE];
	struct policy_shared *have = shared_find(&p->pol, key), sh;
	size_t n_tok = 0;
	const char *s = value;
	int r;

	if (!shared_name_is_valid(key)) {
		snprintf(msg, size,
			 "[shared]: '%s' is not a name for a shared address: a letter, then "
			 "letters, digits, '_' or '-', at most %d characters",
			 quote(qkey, key), POLICY_SHARED_NAME_MAX - 1);
		return -EINVAL;
	}
	if (!have && p->pol.n_shared == POLICY_SHARED_MAX) {
		snprintf(msg, size, "[shared]: more than %d entries", POLICY_SHARED_MAX);
		return -EINVAL;
	}
	if (have) {
		sh = *have;
	} else {
		memset(&sh, 0, sizeof(sh));
		strcpy(sh.name, key);
		sh.line = p->line;
	}
	for (;;) {
		size_t len;

		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		memcpy(tok, s, len);
		tok[len] = '\0';
		s += len;
		n_tok++;
		if (strcmp(tok, "vmac") == 0 && state == WANT_ADDRS) {
			state = WANT_VMACS;
			continue;
		}
		if (strcmp(tok, "domains") == 0 && state != WANT_DOMAINS) {
			state = WANT_DOMAINS;
			continue;
		}
		switch (state) {
		case WANT_ADDRS:
			r = shared_addr_add(p, &sh, key, tok, msg, size);
			break;
		case WANT_VMACS:
			r = shared_vmac_add(&sh, key, tok, msg, size);
			break;
		case WANT_DOMAINS:
			r = shared_domain_add(&sh, key, tok, msg, size);
			break;
		}
		if (r < 0)
			return r;
	}
	if (n_tok == 0) {
		snprintf(msg, size, "key '%s' has no value", key);
		return -EINVAL;
	}
	if (have)
		*have = sh;
	else
		p->pol.shared[p->pol.n_shared++] = sh;
	return 0;
}

/* What one line cannot tell: each entry complete, and none protected. */
static void shared_finish(struct parser *p)
{
	const struct policy *pol = &p->pol;

	for (size_t i = 0; i < pol->n_shared; i++) {
		const struct policy_shared *sh = &pol->shared[i];
		bool has_family[2] = {false, false};

		if (sh->n_addrs == 0)
			add_error(p, sh->line, "[shared] '%s': no address", sh->name);
		if (sh->n_domains == 0)
			add_error(p, sh->line, "[shared] '%s': no domains (add 'domains NAME...')",
				  sh->name);
		for (size_t k = 0; k < sh->n_addrs; k++) {
			char a[VIF_ADDR_STRLEN], pa[VIF_ADDR_STRLEN];

			has_family[sh->addrs[k].family == AF_INET ? 0 : 1] = true;
			for (size_t j = 0; j < pol->n_protected; j++) {
				if (!resolve_addrs_overlap(&sh->addrs[k], &pol->protected_addrs[j]))
					continue;
				vif_addr_to_string(&sh->addrs[k], a, sizeof(a));
				vif_addr_to_string(&pol->protected_addrs[j], pa, sizeof(pa));
				add_error(p, sh->line,
					  "[shared] '%s': %s is protected ([protect] addresses %s)",
					  sh->name, a, pa);
				break;
			}
		}
		for (int fi = 0; fi < 2; fi++)
			if (sh->has_vmac[fi] && !has_family[fi])
				add_error(p, sh->line,
					  "[shared] '%s': a virtual mac for %s but no %s address",
					  sh->name, fi == 0 ? "IPv4" : "IPv6",
					  fi == 0 ? "IPv4" : "IPv6");
	}
}

struct key_def {
	enum section_id section;
	const char *name;
	bool is_list; /* may be repeated; each line adds */
	bool allow_empty;
	int (*parse)(struct parser *p, const char *key, const char *value, char *msg, size_t size);
};

static const struct key_def keys[_KEY_MAX] = {
    [KEY_TABLE] = {SECTION_VIFGUARD, "table", false, false, parse_table},
    [KEY_GUEST_PORTS] = {SECTION_VIFGUARD, "guest-ports", false, false, parse_guest_ports},
    [KEY_NO_IP] = {SECTION_VIFGUARD, "no-ip", false, false, parse_no_ip},
    [KEY_WIDEST_PREFIX_IPV4] = {SECTION_VIFGUARD, "widest-prefix-ipv4", false, false,
				parse_prefix_v4},
    [KEY_WIDEST_PREFIX_IPV6] = {SECTION_VIFGUARD, "widest-prefix-ipv6", false, false,
				parse_prefix_v6},
    [KEY_PRIORITY] = {SECTION_VIFGUARD, "priority", false, false, parse_priority},
    [KEY_OWNED_MAX] = {SECTION_VIFGUARD, "owned-addresses-per-vif", false, false, parse_owned_max},
    /* "addresses =" is the default (none) uncommented, so it must parse. */
    [KEY_ADDRESSES] = {SECTION_PROTECT, "addresses", true, true, parse_addresses},
    [KEY_BRIDGE_ADDRESSES] = {SECTION_PROTECT, "bridge-addresses", false, false,
			      parse_bridge_addresses},
    [KEY_RATE_LIMIT_INTERVAL] = {SECTION_LOG, "rate-limit-interval", false, false,
				 parse_rate_interval},
    [KEY_RATE_LIMIT_BURST] = {SECTION_LOG, "rate-limit-burst", false, false, parse_rate_burst},
};

static int section_from_string(const char *s, size_t len)
{
	for (int i = 0; i < _SECTION_MAX; i++)
		if (strlen(section_names[i]) == len && memcmp(s, section_names[i], len) == 0)
			return i;
	return -EINVAL;
}

/* The whitespace inih strips (isspace in the C locale), minus '\n', which ends a line. */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_comment_start(char c)
{
	return c == '#' || c == ';';
}

/* A key line inih read without calling the handler had no '=' (or ':'). */
static void finish_line(struct parser *p)
{
	if (p->line_is_pair && !p->line_handled)
		add_error(p, p->line, "expected 'key = value', '[section]' or a comment");
	p->line_is_pair = false;
	p->line_handled = false;
}

/* "[name]", optionally followed by a comment.  The line has no surrounding blanks. */
static void check_section_header(struct parser *p, const char *s, size_t len)
{
	char qname[VIF_QUOTE_SIZE];
	const char *close = memchr(s, ']', len);
	size_t n_name, i;

	if (!close) {
		add_error(p, p->line, "section header without ']'");
		p->section_is_bad = true;
		return;
	}
	n_name = (size_t)(close - s) - 1;
	if (section_from_string(s + 1, n_name) < 0) {
		vif_quote(qname, sizeof(qname), s + 1, n_name);
		add_error(p, p->line,
			  "unknown section '[%s]' (known: [vifguard], [protect], [shared], [log])",
			  qname);
		p->section_is_bad = true;
		return;
	}
	p->section_is_bad = false;
	i = (size_t)(close - s) + 1;
	while (i < len && is_blank(s[i]))
		i++;
	if (i < len && !is_comment_start(s[i]))
		add_error(p, p->line, "text after the section header");
}

/*
 * inih's fgets-like reader: hands inih one line at a time (see the top of the
 * file for why).  size is inih's line buffer; every line we return ends in
 * '\n' so no inih build tries to join it with the next read.
 */
static char *reader_next(char *buf, int size, void *userdata)
{
	struct parser *p = userdata;
	const char *s = p->pos;
	size_t len, room;

	finish_line(p);
	if (*s == '\0')
		return NULL;

	len = strcspn(s, "\n");
	p->pos = s + len + (s[len] == '\n');
	p->line++;

	/* inih skips a UTF-8 BOM on line 1; do it here so the checks below see the text. */
	if (p->line == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	while (len > 0 && is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_blank(s[len - 1]))
		len--;

	if (size < 3) {
		/* No inih build has a buffer this small; if one did, fail loudly. */
		add_error(p, p->line, "inih line buffer too small");
		return NULL;
	}
	room = (size_t)size - 2;

	if (len == 0 || is_comment_start(*s)) {
		/* Blank, or a comment of any length. */
		strcpy(buf, "\n");
		return buf;
	}
	if (len > room) {
		/* A cut-off section header: skip its keys, as for any bad header. */
		if (*s == '[')
			p->section_is_bad = true;
		add_error(p, p->line,
			  "line is longer than %zu characters (split it: 'addresses' and "
			  "[shared] names may be repeated)",
			  room);
		strcpy(buf, "\n");
		return buf;
	}
	if (*s == '[')
		check_section_header(p, s, len);
	else
		p->line_is_pair = true;
	memcpy(buf, s, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}

/* inih only treats ';' after a blank as a comment; do the same for '#'. */
static void strip_hash_comment(char *value)
{
	for (char *c = value; *c; c++) {
		if (*c == '#' && (c == value || is_blank(c[-1]))) {
			*c = '\0';
			break;
		}
	}
	for (size_t len = strlen(value); len > 0 && is_blank(value[len - 1]); len--)
		value[len - 1] = '\0';
}

static int handler(void *userdata, const char *section, const char *name, const char *value)
{
	struct parser *p = userdata;
	char qname[VIF_QUOTE_SIZE], qsection[VIF_QUOTE_SIZE], msg[CONFIG_ERROR_SIZE];
	char v[CONFIG_ERROR_SIZE];
	int sid, k;

	/* Builds with INI_CALL_HANDLER_ON_NEW_SECTION report a section header so. */
	if (!name)
		return 1;
	/* Whatever happens, return 1: inih's error line would only name the first problem. */
	p->line_handled = true;
	if (!value) {
		/* A build with INI_ALLOW_NO_VALUE passes "key" alone; it is still an error. */
		add_error(p, p->line, "expected 'key = value', '[section]' or a comment");
		return 1;
	}
	if (p->section_is_bad)
		return 1;

	sid = section_from_string(section, strlen(section));
	if (sid < 0) {
		if (section[0] == '\0')
			add_error(p, p->line,
				  "key '%s' is outside any section (put it under [vifguard], "
				  "[protect], [shared] or [log])",
				  quote(qname, name));
		else
			add_error(p, p->line, "unknown section '[%s]'", quote(qsection, section));
		return 1;
	}
	if (sid == SECTION_SHARED) {
		/* every key is the name of a shared address */
		if (strlen(value) >= sizeof(v)) {
			add_error(p, p->line, "key '%s': value is too long", quote(qname, name));
			return 1;
		}
		strcpy(v, value);
		strip_hash_comment(v);
		if (parse_shared(p, name, v, msg, sizeof(msg)) < 0)
			add_error(p, p->line, "%s", msg);
		return 1;
	}
	for (k = 0; k < _KEY_MAX; k++)
		if (keys[k].section == (enum section_id)sid && strcmp(keys[k].name, name) == 0)
			break;
	if (k == _KEY_MAX) {
		add_error(p, p->line, "unknown key '%s' in [%s]", quote(qname, name),
			  section_names[sid]);
		return 1;
	}

	/* The reader bounds lines to inih's buffer, smaller than v; never cut a value silently. */
	if (strlen(value) >= sizeof(v)) {
		add_error(p, p->line, "key '%s': value is too long", keys[k].name);
		return 1;
	}
	strcpy(v, value);
	strip_hash_comment(v);

	if (p->seen[k] > 0 && !keys[k].is_list) {
		add_error(p, p->line, "key '%s' is set twice (first on line %u)", keys[k].name,
			  p->seen[k]);
		return 1;
	}
	if (p->seen[k] == 0)
		p->seen[k] = p->line;
	if (v[0] == '\0' && !keys[k].allow_empty) {
		add_error(p, p->line, "key '%s' has no value", keys[k].name);
		return 1;
	}
	if (keys[k].parse(p, keys[k].name, v, msg, sizeof(msg)) < 0)
		add_error(p, p->line, "%s", msg);
	return 1;
}

int config_parse_string(const char *text, const char *filename, struct policy *ret,
			struct config_errors *errs)
{
	struct config_errors scratch;
	struct parser *p;
	int r;

	assert(text);
	assert(ret);

	if (!errs)
		errs = &scratch;
	memset(errs, 0, sizeof(*errs));

	/* A struct policy is several KiB; keep it off the caller's stack. */
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->filename = filename ? filename : "<string>";
	p->pos = text;
	p->errs = errs;
	policy_default(&p->pol);

	r = ini_parse_stream(reader_next, p, handler, p);
	finish_line(p);
	if (r < 0) {
		/* -2: inih could not allocate its line buffer (heap builds only). */
		add_error(p, 0, "inih failed (%d)", r);
		r = r == -2 ? -ENOMEM : -EIO;
		goto out;
	}
	shared_finish(p);
	/* Safety net: every line inih rejects should already have its own error. */
	if (r > 0 && !has_error_on(p, (unsigned)r))
		add_error(p, (unsigned)r, "syntax error");
	if (errs->n > 0) {
		r = -EINVAL;
		goto out;
	}
	*ret = p->pol;
	r = 0;
out:
	free(p);
	return r;
}

static int file_error(struct config_errors *errs, const char *path, int r, const char *what)
{
	snprintf(errs->text[0], sizeof(errs->text[0]), "%s: %s: %s", path, what, strerror(-r));
	errs->n = 1;
	return r;
}

int config_parse_file(const char *path, struct policy *ret, struct config_errors *errs)
{
	struct config_errors scratch;
	char *buf = NULL;
	FILE *f;
	size_t n;
	int r;

	assert(path);
	assert(ret);

	if (!errs)
		errs = &scratch;
	memset(errs, 0, sizeof(*errs));

	f = fopen(path, "re");
	if (!f)
		return file_error(errs, path, -errno, "cannot open");

	/* One byte more than allowed tells "exactly at the limit" from "over it". */
	buf = malloc(CONFIG_FILE_MAX + 2);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	errno = 0;
	n = fread(buf, 1, CONFIG_FILE_MAX + 1, f);
	if (ferror(f)) {
		r = file_error(errs, path, errno > 0 ? -errno : -EIO, "cannot read");
		goto out;
	}
	if (n > CONFIG_FILE_MAX) {
		r = file_error(errs, path, -EFBIG, "larger than 1 MiB");
		goto out;
	}
	/* A NUL would silently end the text early: whatever follows it would be ignored. */
	if (memchr(buf, '\0', n)) {
		snprintf(errs->text[0], sizeof(errs->text[0]), "%s: contains a NUL byte", path);
		errs->n = 1;
		r = -EINVAL;
		goto out;
	}
	buf[n] = '\0';
	r = config_parse_string(buf, path, ret, errs);
out:
	free(buf);
	fclose(f);
	return r;
}
