/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A vif box holds exactly its addresses (under ASan a read past them
 * would be caught), copies back in full, and is reused by a larger vif.
 * That a box cannot be copied by value is checked by the build:
 * vif-box-copy.c must not compile (ctest unit-vif-box-no-copy).
 */
#include <stdlib.h>

#include "check.h"
#include "vif-box.h"

int main(void)
{
	struct vif v = { .domid = 3, .devid = 0, .name = "web01", .n_addrs = 1 }, back;
	struct vif_box *b = NULL;

	v.addrs[0] = (struct vif_addr){ .family = 2, .prefixlen = 32, .addr = { 192, 0, 2, 3 } };
	CHECK(vif_box_set(&b, &v) == 0);
	CHECK(vif_equal(vif_box_vif(b), &v));
	vif_box_copy(b, &back);
	CHECK(vif_equal(&back, &v));
	v.n_addrs = 64;
	for (int i = 1; i < 64; i++)
		v.addrs[i] = (struct vif_addr){ .family = 2, .prefixlen = 32,
						.addr = { 198, 51, 100, (uint8_t)i } };
	CHECK(vif_box_set(&b, &v) == 0);
	CHECK(vif_box_vif(b)->n_addrs == 64 && vif_box_vif(b)->addrs[63].addr[3] == 63);
	CHECK(vif_box_vif(NULL) == NULL);
	b = vif_box_free(b);
	CHECK(b == NULL);
	printf("%u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
