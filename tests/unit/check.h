/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The unit tests' tiny check framework: CHECK(cond), CHECK_STR(a, b), and
 * the counters n_checks / n_failed a test's main() reports and exits on.
 * One test binary is one translation unit, so the statics are per test.
 */
#ifndef VIFGUARD_TEST_CHECK_H
#define VIFGUARD_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static unsigned n_checks, n_failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		n_checks++;                                                                        \
		if (!(cond)) {                                                                     \
			n_failed++;                                                                \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

/* Like CHECK, but also prints the two strings. */
#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *a_ = (a), *b_ = (b);                                                   \
		n_checks++;                                                                        \
		if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                           \
			n_failed++;                                                                \
			fprintf(stderr,                                                            \
				"%s:%d: CHECK_STR failed: %s == %s\n  got:  '%s'\n  want: '%s'\n", \
				__FILE__, __LINE__, #a, #b, a_ ? a_ : "(null)",                    \
				b_ ? b_ : "(null)");                                               \
		}                                                                                  \
	} while (0)

#endif
