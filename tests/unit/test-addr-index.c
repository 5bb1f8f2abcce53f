/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The address index: exact addresses by lookup, prefixes by a pass over
 * the prefixed holders, a prefix looked up is "unknown", ignored holders
 * are skipped, and updates replace what a holder had.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "addr-index.h"
#include "check.h"
#include "test-addr.h"

static const struct addr_holder *skip;

static bool ignore(const struct addr_holder *h, void *data)
{
	(void)data;
	return h == skip;
}

int main(void)
{
	struct addr_index ix = ADDR_INDEX_INIT;
	struct addr_holder h1 = { 0 }, h2 = { 0 };
	struct vif_addr a1[] = { A("192.0.2.10"), A("2001:db8::10") };
	struct vif_addr a2[] = { A("198.51.100.0/24"), A("192.0.2.20") };
	struct vif_addr q;

	CHECK(addr_index_set(&ix, &h1, a1, 2) == 0);
	CHECK(addr_index_set(&ix, &h2, a2, 2) == 0);
	q = A("192.0.2.10");
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_OVERLAPS);
	skip = &h1;
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_FREE);
	skip = NULL;
	q = A("198.51.100.7"); /* inside h2's prefix */
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_OVERLAPS);
	q = A("203.0.113.1");
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_FREE);
	q = A("2001:db8::/64");
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_UNKNOWN);
	/* an update replaces: h1 no longer holds 192.0.2.10 */
	CHECK(addr_index_set(&ix, &h1, a1 + 1, 1) == 0);
	q = A("192.0.2.10");
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_FREE);
	q = A("2001:db8::10");
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_OVERLAPS);
	/* h2 leaves: its prefix goes */
	CHECK(addr_index_set(&ix, &h2, NULL, 0) == 0);
	q = A("198.51.100.7");
	CHECK(addr_index_lookup(&ix, &q, ignore, NULL) == ADDR_INDEX_FREE);
	CHECK(ix.n_prefixed == 0 && h2.prefixed_at == 0);
	CHECK(addr_index_set(&ix, &h1, NULL, 0) == 0);
	CHECK(ix.exact.n == 0);
	addr_index_done(&ix);
	printf("%u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
