/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vif_ip_list_parse on arbitrary bytes, with the default limits and with the
 * widest ones (/1).  An accepted list must hold what the parser promises (no
 * host bits, prefixes within the limits, no prefix covering link-local
 * space, no duplicates) and print back to a list that parses to the same
 * entries.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "vif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error_text(const struct vif_error *err)
{
	const char *end = memchr(err->text, '\0', sizeof(err->text));

	if (!end || end == err->text)
		abort();
	for (const char *p = err->text; p < end; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

/* Field by field: the struct has padding. */
static bool addr_same(const struct vif_addr *a, const struct vif_addr *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static void check_entry(const struct vif_addr *a, const struct vif_limits *lim)
{
	unsigned bits = a->family == AF_INET ? 32 : 128;
	unsigned min = a->family == AF_INET ? lim->min_prefix_v4 : lim->min_prefix_v6;

	if (a->family != AF_INET && a->family != AF_INET6)
		abort();
	if (a->prefixlen == 0 || a->prefixlen > bits || a->prefixlen < min)
		abort();
	for (unsigned i = a->prefixlen; i < 128; i++)
		if (a->addr[i / 8] & (0x80 >> (i % 8)))
			abort();
	/* a prefix overlapping 169.254.0.0/16 or fe80::/10 */
	if (a->prefixlen < bits && !lim->link_local_prefixes) {
		bool v4 = a->family == AF_INET;
		unsigned n = a->prefixlen < (v4 ? 16u : 10u) ? a->prefixlen : (v4 ? 16u : 10u);
		uint32_t have = (uint32_t)a->addr[0] << 8 | a->addr[1];
		uint32_t ll = v4 ? 0xa9fe : 0xfe80, mask = 0xffff & ~(0xffffu >> n);

		if ((have & mask) == (ll & mask))
			abort();
	}
}

static void run(const char *value, const struct vif_limits *lim)
{
	static struct vif_addr addrs[VIF_ADDRS_MAX], again[VIF_ADDRS_MAX];
	static char text[VIF_ADDRS_MAX * VIF_ADDR_STRLEN];
	struct vif_error err;
	size_t n = 12345, n_again;
	char *p;

	memset(&err, 0, sizeof(err));
	if (vif_ip_list_parse("ip", value, lim, addrs, &n, &err) < 0) {
		if (n != 12345)
			abort();
		check_error_text(&err);
		return;
	}
	if (err.text[0] != '\0' || n > VIF_ADDRS_MAX)
		abort();

	p = text;
	for (size_t i = 0; i < n; i++) {
		check_entry(&addrs[i], lim);
		for (size_t j = 0; j < i; j++)
			if (addr_same(&addrs[i], &addrs[j]))
				abort();
		if (i > 0)
			*p++ = ' ';
		if (!vif_addr_to_string(&addrs[i], p, VIF_ADDR_STRLEN))
			abort();
		p += strlen(p);
	}
	*p = '\0';

	if (vif_ip_list_parse("ip", text, lim, again, &n_again, NULL) != 0 || n_again != n)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!addr_same(&addrs[i], &again[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct vif_limits widest = {.min_prefix_v4 = 1, .min_prefix_v6 = 1};
	struct vif_limits lim;
	char *value;

	/* Room to cross VIF_VALUE_MAX, no more. */
	if (size > 2 * VIF_VALUE_MAX)
		return 0;
	value = malloc(size + 1);
	if (!value)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';

	vif_limits_default(&lim);
	run(value, &lim);
	run(value, &widest);

	free(value);
	return 0;
}
