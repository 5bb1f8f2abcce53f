/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xs-wire reply decoder on arbitrary bytes, fed in chunks whose sizes
 * come from the input's first byte.  Every message it yields must respect
 * the bounds; each payload also goes through the payload helpers.  The same
 * stream fed whole must yield the same messages.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xs-wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void use_payload(const struct xs_wire_msg *m)
{
	const char *gen, *names;
	unsigned int n;
	size_t nl;
	char **v;
	bool last;
	int r;

	if (m->len > XS_WIRE_PAYLOAD_MAX || m->payload[m->len] != 0 || m->type >= _XS_WIRE_TYPE_MAX)
		abort();
	r = xs_wire_error_parse(m->payload, m->len);
	if (r >= 0)
		abort();
	if (xs_wire_strings_split(m->payload, m->len, &v, &n) == 0) {
		for (unsigned int i = 0; i < n; i++)
			if (strlen(v[i]) > m->len)
				abort();
		if (v[n] != NULL)
			abort();
		free(v);
	}
	if (xs_wire_dirpart_parse(m->payload, m->len, &gen, &names, &nl, &last) == 0) {
		if (names < m->payload || names + nl > m->payload + m->len || strlen(gen) > 20)
			abort();
		if (nl > 0 && names[nl - 1] != 0)
			abort();
	}
}

/* Decode stream in chunks of chunk bytes; returns a hash of the messages. */
static uint64_t run(const uint8_t *data, size_t size, size_t chunk, int *ret_n)
{
	static struct xs_wire_decoder d;
	uint64_t h = 1469598103934665603ull;
	size_t off = 0;
	int n = 0;

	xs_wire_decoder_init(&d);
	while (off < size) {
		size_t c = size - off < chunk ? size - off : chunk;

		while (c > 0) {
			struct xs_wire_msg m;
			size_t used;
			int r = xs_wire_decoder_feed(&d, data + off, c, &used, &m);

			if (used > c)
				abort();
			off += used;
			c -= used;
			if (r < 0) {
				*ret_n = -n - 1;
				return h;
			}
			if (r == 0) {
				if (c != 0)
					abort();
				continue;
			}
			use_payload(&m);
			n++;
			h = (h ^ m.type ^ ((uint64_t)m.req_id << 8) ^ ((uint64_t)m.tx_id << 16) ^
			     ((uint64_t)m.len << 32)) *
			    1099511628211ull;
			for (uint32_t i = 0; i < m.len; i++)
				h = (h ^ (uint8_t)m.payload[i]) * 1099511628211ull;
		}
	}
	*ret_n = n;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk;
	uint64_t a, b;
	int na, nb;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] % 37 + 1;
	a = run(data + 1, size - 1, chunk, &na);
	b = run(data + 1, size - 1, size, &nb);
	if (a != b || na != nb)
		abort();
	return 0;
}
