/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config_parse_string on a fuzzed configuration file (the input up to its
 * first NUL).  Checks, besides the sanitizers:
 *
 *  - on error: -EINVAL, 1..CONFIG_ERRORS_MAX printable messages, each starting
 *    "fuzz.conf:LINE: " with LINE inside the input, in line order; the output
 *    policy untouched;
 *  - on success: no messages and every field in its documented range;
 *  - round trip: the policy written back as a config file parses to the same
 *    policy.
 *
 * Seeds in corpus/fuzz-config/ are plain config files.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; n++) {
		s += strcspn(s, "\n");
		if (*s == '\n')
			s++;
	}
	return n;
}

static void check_errors(const struct config_errors *e, size_t n_lines)
{
	unsigned long prev = 0;

	if (e->n == 0 || e->n > CONFIG_ERRORS_MAX)
		abort();
	for (size_t i = 0; i < e->n; i++) {
		const char *t = e->text[i], *end = memchr(t, '\0', sizeof(e->text[i]));
		unsigned long line = 0;
		const char *p;

		if (!end || strncmp(t, "fuzz.conf:", 10) != 0)
			abort();
		for (p = t; p < end; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				abort();
		for (p = t + 10; *p >= '0' && *p <= '9'; p++)
			line = line * 10 + (unsigned long)(*p - '0');
		if (p == t + 10 || strncmp(p, ": ", 2) != 0 || line == 0 || line > n_lines ||
		    line < prev)
			abort();
		prev = line;
	}
}

static void check_policy(const struct policy *p)
{
	if (!memchr(p->table, '\0', sizeof(p->table)) || !policy_table_name_is_valid(p->table))
		abort();
	if (p->n_port_patterns < 1 || p->n_port_patterns > POLICY_PATTERNS_MAX)
		abort();
	for (size_t i = 0; i < p->n_port_patterns; i++)
		if (!memchr(p->port_patterns[i], '\0', IFNAMSIZ) ||
		    !policy_port_pattern_is_valid(p->port_patterns[i]))
			abort();
	if (!policy_no_ip_to_string(p->no_ip))
		abort();
	if (p->limits.min_prefix_v4 < 1 || p->limits.min_prefix_v4 > 32 ||
	    p->limits.min_prefix_v6 < 1 || p->limits.min_prefix_v6 > 128)
		abort();
	if (p->priority < CONFIG_PRIORITY_MIN || p->priority > CONFIG_PRIORITY_MAX)
		abort();
	if (p->n_protected > POLICY_PROTECTED_MAX)
		abort();
	for (size_t i = 0; i < p->n_protected; i++) {
		const struct vif_addr *a = &p->protected_addrs[i];

		if (a->family == AF_INET
			? a->prefixlen < 1 || a->prefixlen > 32
			: a->family != AF_INET6 || a->prefixlen < 1 || a->prefixlen > 128)
			abort();
	}
	if (p->log_rate_interval_sec < 1 || p->log_rate_interval_sec > CONFIG_RATE_INTERVAL_MAX ||
	    p->log_rate_burst < 1 || p->log_rate_burst > CONFIG_RATE_BURST_MAX)
		abort();
}

static bool policy_equal(const struct policy *a, const struct policy *b)
{
	if (strcmp(a->table, b->table) != 0 || a->n_port_patterns != b->n_port_patterns ||
	    a->no_ip != b->no_ip || a->limits.min_prefix_v4 != b->limits.min_prefix_v4 ||
	    a->limits.min_prefix_v6 != b->limits.min_prefix_v6 || a->priority != b->priority ||
	    a->n_protected != b->n_protected ||
	    a->protect_bridge_addrs != b->protect_bridge_addrs ||
	    a->log_rate_interval_sec != b->log_rate_interval_sec ||
	    a->log_rate_burst != b->log_rate_burst)
		return false;
	for (size_t i = 0; i < a->n_port_patterns; i++)
		if (strcmp(a->port_patterns[i], b->port_patterns[i]) != 0)
			return false;
	for (size_t i = 0; i < a->n_protected; i++)
		if (a->protected_addrs[i].family != b->protected_addrs[i].family ||
		    a->protected_addrs[i].prefixlen != b->protected_addrs[i].prefixlen ||
		    memcmp(a->protected_addrs[i].addr, b->protected_addrs[i].addr, 16) != 0)
			return false;
	return true;
}

/* The policy as a config file: one address per line keeps every line short. */
static char *policy_write(const struct policy *p)
{
	char *buf = NULL, addr[VIF_ADDR_STRLEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	/* As tight as the input could have been, or a valid input's line would come back too long.
	 */
	fprintf(f, "[vifguard]\ntable = %s\nguest-ports=", p->table);
	for (size_t i = 0; i < p->n_port_patterns; i++)
		fprintf(f, "%s%s", i > 0 ? " " : "", p->port_patterns[i]);
	fprintf(f,
		"\nno-ip = %s\nwidest-prefix-ipv4 = %u\nwidest-prefix-ipv6 = %u\npriority = %d\n",
		policy_no_ip_to_string(p->no_ip), p->limits.min_prefix_v4, p->limits.min_prefix_v6,
		p->priority);
	fprintf(f, "[protect]\nbridge-addresses = %s\n", p->protect_bridge_addrs ? "yes" : "no");
	for (size_t i = 0; i < p->n_protected; i++) {
		if (!vif_addr_to_string(&p->protected_addrs[i], addr, sizeof(addr)))
			abort();
		fprintf(f, "addresses = %s\n", addr);
	}
	fprintf(f, "[log]\nrate-limit-interval = %us\nrate-limit-burst = %u\n",
		p->log_rate_interval_sec, p->log_rate_burst);
	if (fclose(f) != 0)
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy out, sentinel, again;
	static struct config_errors errs;
	char *text, *written;
	int r;

	if (size > 64 * 1024)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	memset(&sentinel, 0xa5, sizeof(sentinel));
	out = sentinel;
	memset(&errs, 0x5a, sizeof(errs));
	r = config_parse_string(text, "fuzz.conf", &out, &errs);
	if (r < 0) {
		if (r != -EINVAL)
			abort();
		check_errors(&errs, count_lines(text));
		if (memcmp(&out, &sentinel, sizeof(out)) != 0)
			abort();
	} else {
		if (r != 0 || errs.n != 0 || errs.n_dropped != 0)
			abort();
		check_policy(&out);

		written = policy_write(&out);
		if (config_parse_string(written, "fuzz.conf", &again, &errs) != 0 ||
		    !policy_equal(&out, &again))
			abort();
		free(written);
	}

	free(text);
	return 0;
}
