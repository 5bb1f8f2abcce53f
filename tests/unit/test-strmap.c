// SPDX-License-Identifier: GPL-2.0-or-later
/* strmap: every key found with its value after growing, none invented,
 * clear empties, keys that share a hash bucket stay apart. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "strmap.h"

#define N 5000

int main(void)
{
	static char keys[N][16];
	struct strmap m = STRMAP_INIT;
	int added;

	CHECK(strmap_get(&m, "vif1.0") == NULL); /* an empty map has no slots */
	for (int i = 0; i < N; i++) {
		void **v;

		snprintf(keys[i], sizeof(keys[i]), "vif%d.%d", i / 4, i % 4);
		v = strmap_put(&m, keys[i], &added);
		CHECK(v && added && *v == NULL);
		if (v)
			*v = &keys[i];
	}
	CHECK(m.n == N);
	for (int i = 0; i < N; i++) {
		char copy[16];
		void **v;

		/* looked up by content, not by pointer */
		snprintf(copy, sizeof(copy), "vif%d.%d", i / 4, i % 4);
		v = strmap_get(&m, copy);
		CHECK(v && *v == &keys[i]);
		v = strmap_put(&m, copy, &added);
		CHECK(v && !added && *v == &keys[i]);
	}
	CHECK(m.n == N);
	CHECK(strmap_get(&m, "vif0.4") == NULL);
	CHECK(strmap_get(&m, "") == NULL);
	CHECK(strmap_get(&m, "vif1250.0") == NULL);
	/* the empty string is a key like any other */
	CHECK(strmap_put(&m, "", &added) && added);
	CHECK(strmap_get(&m, "") != NULL);

	strmap_clear(&m);
	CHECK(m.n == 0);
	for (int i = 0; i < N; i++)
		CHECK(strmap_get(&m, keys[i]) == NULL);
	/* reserving less than the capacity keeps the table */
	{
		size_t cap = m.cap;

		CHECK(strmap_reserve(&m, 10) == 0 && m.cap == cap);
	}
	CHECK(strmap_put(&m, keys[7], &added) && added && m.n == 1);
	strmap_done(&m);
	CHECK(m.slots == NULL && m.cap == 0 && m.n == 0);

	printf("test-strmap: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
