// SPDX-License-Identifier: GPL-2.0-or-later
/* strmap: every key found with its value after growing, none invented,
 * clear empties, keys that share a hash bucket stay apart. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "strmap.h"

#define N 5000

/* Deletes mixed with puts, checked against a plain array; a small map, so
 * runs wrap around the end of the table and collide often. */
static void test_delete(void)
{
	static char keys[300][16];
	bool in[300] = { false };
	struct strmap m = STRMAP_INIT;
	unsigned seed = 7, bad = 0;
	int added;

	for (int i = 0; i < 300; i++)
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
	for (int step = 0; step < 100000; step++) {
		int k;

		seed = seed * 1103515245 + 12345;
		k = (int)((seed >> 16) % 300);
		if ((seed >> 8) & 1) {
			void **v = strmap_put(&m, keys[k], &added);

			if (!v || added == in[k])
				bad++;
			else
				*v = keys[k];
			in[k] = true;
		} else {
			if (strmap_del(&m, keys[k]) != in[k])
				bad++;
			in[k] = false;
		}
		if (step % 1000 == 0) {
			size_t n = 0;

			for (int j = 0; j < 300; j++) {
				void **v = strmap_get(&m, keys[j]);

				n += in[j];
				if ((v != NULL) != in[j] || (v && *v != keys[j]))
					bad++;
			}
			if (n != m.n)
				bad++;
		}
	}
	CHECK(bad == 0);
	CHECK(!strmap_del(&m, "absent"));
	strmap_done(&m);
	CHECK(!strmap_del(&m, "k1")); /* an empty map */
}

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

	test_delete();
	printf("test-strmap: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
