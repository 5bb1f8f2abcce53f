/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The configuration file (conf/vifguard.conf) into a struct policy.
 *
 * The format is INI, read with inih:
 *
 *   [vifguard]  table, guest-ports, no-ip, widest-prefix-ipv4, widest-prefix-ipv6, priority
 *   [protect]   addresses (may be repeated; each adds), bridge-addresses
 *   [shared]    NAME = ADDRESS... [vmac MAC...] [domains DOMAIN...]
 *               (any NAME; the same NAME again adds to it)
 *   [log]       rate-limit-interval, rate-limit-burst
 *
 * Parsing starts from policy_default(), so a missing key keeps its default.
 * An unknown section or key, a key set twice (other than addresses and
 * [shared] names), a bad or out-of-range value, an incomplete [shared]
 * entry or one holding a protected address, a line without '=' and a line
 * longer than inih's line buffer are all errors.  Comments start with '#' or ';' at the start of a
 * line or after whitespace.  Leading whitespace is ignored: there are no
 * continuation lines.
 *
 * The result is all or nothing: *ret is written only when there were no
 * errors, so a reload can parse into the live policy and keep it on failure.
 */
#ifndef VIFGUARD_CONFIG_H
#define VIFGUARD_CONFIG_H

#include <stddef.h>

#include "policy.h"

#define CONFIG_ERRORS_MAX 16
#define CONFIG_ERROR_SIZE 256
/* Largest config file config_parse_file() reads. */
#define CONFIG_FILE_MAX (1024 * 1024)

#define CONFIG_PRIORITY_MIN (-1000)
#define CONFIG_PRIORITY_MAX 1000
#define CONFIG_RATE_INTERVAL_MAX 3600
#define CONFIG_RATE_BURST_MAX 10000

/*
 * Errors as "FILE:LINE: message" (or "FILE: message" for the file as a whole),
 * in line order, printable ASCII only.  After CONFIG_ERRORS_MAX errors the
 * rest are counted in n_dropped but not kept.
 */
struct config_errors {
	size_t n;
	char text[CONFIG_ERRORS_MAX][CONFIG_ERROR_SIZE];
	size_t n_dropped;
};

/*
 * Parse text; filename is only used in error messages (NULL: "<string>").
 * Returns 0 and writes *ret, or -EINVAL with errs filled and *ret untouched
 * (-ENOMEM if inih could not allocate).  errs may be NULL.
 */
int config_parse_string(const char *text, const char *filename, struct policy *ret,
			struct config_errors *errs);

/*
 * Read path (at most CONFIG_FILE_MAX bytes, no NUL bytes) and parse it as
 * config_parse_string() does.  I/O failures return the negative errno (-ENOENT
 * when the file does not exist, so a caller can choose to run on defaults),
 * -EFBIG for a file over the limit, and also leave one message in errs.
 */
int config_parse_file(const char *path, struct policy *ret, struct config_errors *errs);

#endif
