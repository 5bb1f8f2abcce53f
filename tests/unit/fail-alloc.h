/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Allocation failure injection for unit tests: link the test with
 * -Wl,--wrap=malloc,--wrap=realloc, and every malloc() and realloc() in the
 * test and in libvifguard's objects (not in libc or shared libraries: not
 * strdup() or libnftnl's) goes through here.  Armed with
 * fail_alloc_arm(n), the nth call from then on returns NULL.  Looping n from
 * 1 until no call failed walks every allocation failure of a function; under
 * the ASan build a double free or leak on a failure path is then reported.
 */
#ifndef VIFGUARD_TEST_FAIL_ALLOC_H
#define VIFGUARD_TEST_FAIL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
void *__real_realloc(void *p, size_t size);
void *__wrap_realloc(void *p, size_t size);

static unsigned long fail_alloc_countdown; /* 0: disarmed */
static bool fail_alloc_is_hit;

void *__wrap_malloc(size_t size)
{
	if (fail_alloc_countdown > 0 && --fail_alloc_countdown == 0) {
		fail_alloc_is_hit = true;
		return NULL;
	}
	return __real_malloc(size);
}

void *__wrap_realloc(void *p, size_t size)
{
	if (fail_alloc_countdown > 0 && --fail_alloc_countdown == 0) {
		fail_alloc_is_hit = true;
		return NULL;
	}
	return __real_realloc(p, size);
}

/* Fail the nth malloc() or realloc() from now (0: none). */
static inline void fail_alloc_arm(unsigned long n)
{
	fail_alloc_countdown = n;
	fail_alloc_is_hit = false;
}

/* Disarm; did an allocation fail since fail_alloc_arm()? */
static inline bool fail_alloc_disarm(void)
{
	fail_alloc_countdown = 0;
	return fail_alloc_is_hit;
}

#endif
