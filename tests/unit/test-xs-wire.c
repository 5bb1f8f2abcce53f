/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xs-wire: request encoding byte for byte, the reply decoder fed whole,
 * byte by byte and in odd chunks, its bounds, and the payload helpers.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "xs-wire.h"

static size_t put_msg(unsigned char *buf, uint32_t type, uint32_t req_id, uint32_t tx_id,
		      const void *payload, uint32_t len)
{
	uint32_t h[4] = {type, req_id, tx_id, len};

	memcpy(buf, h, sizeof(h));
	memcpy(buf + sizeof(h), payload, len);
	return sizeof(h) + len;
}

static void test_encode(void)
{
	const char *args[2] = {"/local/domain/0/backend/vif", "12"};
	unsigned char buf[64], big[XS_WIRE_PAYLOAD_MAX + 64];
	char longarg[XS_WIRE_PAYLOAD_MAX + 1];
	const char *lp[1] = {longarg};
	uint32_t h[4];
	int r;

	r = xs_wire_encode(XS_WIRE_DIRECTORY_PART, 7, 3, args, 2, buf, sizeof(buf));
	CHECK(r == 16 + 28 + 3);
	memcpy(h, buf, sizeof(h));
	CHECK(h[0] == XS_WIRE_DIRECTORY_PART && h[1] == 7 && h[2] == 3 && h[3] == 31);
	CHECK(memcmp(buf + 16,
		     "/local/domain/0/backend/vif\0"
		     "12\0",
		     31) == 0);

	/* a WRITE's value is the rest of the payload, without a NUL */
	args[0] = "/local/domain/3/name";
	args[1] = "web03";
	r = xs_wire_encode(XS_WIRE_WRITE, 2, 9, args, 2, buf, sizeof(buf));
	CHECK(r == 16 + 21 + 5);
	memcpy(h, buf, sizeof(h));
	CHECK(h[0] == XS_WIRE_WRITE && h[1] == 2 && h[2] == 9 && h[3] == 26);
	CHECK(memcmp(buf + 16, "/local/domain/3/name\0web03", 26) == 0);
	CHECK(strcmp(xs_wire_type_to_string(XS_WIRE_WRITE), "WRITE") == 0);

	/* TRANSACTION_START takes one empty string */
	args[0] = "";
	r = xs_wire_encode(XS_WIRE_TRANSACTION_START, 1, 0, args, 1, buf, sizeof(buf));
	CHECK(r == 17 && buf[16] == 0);
	r = xs_wire_encode(XS_WIRE_TRANSACTION_START, 1, 0, args, 1, buf, 16);
	CHECK(r == -ENOBUFS);

	/* 4095 characters and the NUL fit, one more does not */
	memset(longarg, 'a', XS_WIRE_PAYLOAD_MAX - 1);
	longarg[XS_WIRE_PAYLOAD_MAX - 1] = 0;
	r = xs_wire_encode(XS_WIRE_READ, 1, 0, lp, 1, big, sizeof(big));
	CHECK(r == 16 + XS_WIRE_PAYLOAD_MAX);
	longarg[XS_WIRE_PAYLOAD_MAX - 1] = 'a';
	longarg[XS_WIRE_PAYLOAD_MAX] = 0;
	r = xs_wire_encode(XS_WIRE_READ, 1, 0, lp, 1, big, sizeof(big));
	CHECK(r == -E2BIG);
}

/* Feed stream in chunks of chunk bytes; collect the messages' summaries. */
static int decode_all(const unsigned char *stream, size_t len, size_t chunk, char *out,
		      size_t out_size)
{
	struct xs_wire_decoder *d = malloc(sizeof(*d));
	size_t off = 0, o = 0;
	int n = 0;

	xs_wire_decoder_init(d);
	out[0] = 0;
	while (off < len) {
		size_t c = len - off < chunk ? len - off : chunk;

		while (c > 0) {
			struct xs_wire_msg m;
			size_t used;
			int r = xs_wire_decoder_feed(d, stream + off, c, &used, &m);

			if (r < 0) {
				free(d);
				return r;
			}
			CHECK(used <= c);
			off += used;
			c -= used;
			if (r == 1) {
				CHECK(m.payload[m.len] == 0);
				o += (size_t)snprintf(out + o, out_size - o, "%u/%u/%u/%u:%.*s;",
						      m.type, m.req_id, m.tx_id, m.len, (int)m.len,
						      m.payload);
				n++;
			} else {
				CHECK(c == 0); /* 0: everything taken */
			}
		}
	}
	CHECK(xs_wire_decoder_is_idle(d));
	free(d);
	return n;
}

static void test_decode(void)
{
	unsigned char stream[3 * 16 + 64];
	const size_t chunks[] = {1, 2, 3, 7, 15, 16, 17, 1000};
	char out[512];
	size_t len = 0;

	len += put_msg(stream + len, XS_WIRE_READ, 5, 9, "abc", 3);
	len += put_msg(stream + len, XS_WIRE_DIRECTORY, 6, 0, "", 0);
	len += put_msg(stream + len, XS_WIRE_ERROR, 7, 9, "ENOENT", 7);
	for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		int n = decode_all(stream, len, chunks[i], out, sizeof(out));

		CHECK(n == 3);
		CHECK_STR(out, "2/5/9/3:abc;1/6/0/0:;16/7/9/7:ENOENT;");
	}
}

static void test_decode_bounds(void)
{
	unsigned char *stream = malloc(2 * 16 + 2 * XS_WIRE_PAYLOAD_MAX + 2);
	char out[256];
	size_t len;
	uint32_t h[4] = {XS_WIRE_READ, 1, 0, XS_WIRE_PAYLOAD_MAX + 1};
	struct xs_wire_decoder *d = malloc(sizeof(*d));
	struct xs_wire_msg m;
	size_t used;

	/* exactly XS_WIRE_PAYLOAD_MAX is fine */
	memset(stream + 16, 'v', XS_WIRE_PAYLOAD_MAX);
	len = put_msg(stream, XS_WIRE_READ, 1, 0, stream + 16, XS_WIRE_PAYLOAD_MAX);
	xs_wire_decoder_init(d);
	CHECK(xs_wire_decoder_feed(d, stream, len, &used, &m) == 1);
	CHECK(used == len && m.len == XS_WIRE_PAYLOAD_MAX && m.payload[XS_WIRE_PAYLOAD_MAX] == 0);

	/* one byte more is refused at the header, and the decoder stays broken */
	memcpy(stream, h, sizeof(h));
	xs_wire_decoder_init(d);
	CHECK(xs_wire_decoder_feed(d, stream, 10, &used, &m) == 0 && used == 10);
	CHECK(!xs_wire_decoder_is_idle(d));
	CHECK(xs_wire_decoder_feed(d, stream + 10, 6, &used, &m) == -EBADMSG);
	CHECK(xs_wire_decoder_feed(d, stream, 16, &used, &m) == -EBADMSG && used == 0);
	CHECK(!xs_wire_decoder_is_idle(d));

	/* unknown types, and huge lengths that would wrap a signed int */
	h[0] = _XS_WIRE_TYPE_MAX;
	h[3] = 0;
	memcpy(stream, h, sizeof(h));
	CHECK(decode_all(stream, 16, 16, out, sizeof(out)) == -EBADMSG);
	h[0] = XS_WIRE_READ;
	h[3] = UINT32_MAX;
	memcpy(stream, h, sizeof(h));
	CHECK(decode_all(stream, 16, 3, out, sizeof(out)) == -EBADMSG);
	h[0] = XS_WIRE_ERROR;
	h[3] = 0x80000000u;
	memcpy(stream, h, sizeof(h));
	CHECK(decode_all(stream, 16, 1, out, sizeof(out)) == -EBADMSG);
	free(d);
	free(stream);
}

static void test_split(void)
{
	unsigned int n = 99;
	char **v = NULL;

	CHECK(xs_wire_strings_split("0\0"
				    "12\0"
				    "bad\0",
				    9, &v, &n) == 0);
	CHECK(n == 3);
	if (v && n == 3) {
		CHECK_STR(v[0], "0");
		CHECK_STR(v[1], "12");
		CHECK_STR(v[2], "bad");
		CHECK(v[3] == NULL);
	}
	free(v);
	v = NULL;
	CHECK(xs_wire_strings_split("", 0, &v, &n) == 0);
	CHECK(n == 0 && v && v[0] == NULL);
	free(v);
	v = NULL;
	n = 99;
	CHECK(xs_wire_strings_split("0\0"
				    "12",
				    4, &v, &n) == -EBADMSG);
	CHECK(v == NULL && n == 99);
}

static void test_dirpart(void)
{
	const char *gen, *names;
	size_t n;
	bool last;

	CHECK(xs_wire_dirpart_parse("17\0"
				    "a\0"
				    "b\0",
				    7, &gen, &names, &n, &last) == 0);
	CHECK_STR(gen, "17");
	CHECK(n == 4 && memcmp(names, "a\0b\0", 4) == 0 && !last);
	CHECK(xs_wire_dirpart_parse("17\0"
				    "a\0"
				    "b\0\0",
				    8, &gen, &names, &n, &last) == 0);
	CHECK(n == 4 && last);
	CHECK(xs_wire_dirpart_parse("17\0\0", 4, &gen, &names, &n, &last) == 0);
	CHECK(n == 0 && last);
	/* no generation, no names part, a name without NUL, generation too long */
	CHECK(xs_wire_dirpart_parse("\0\0", 2, &gen, &names, &n, &last) == -EBADMSG);
	CHECK(xs_wire_dirpart_parse("17\0", 3, &gen, &names, &n, &last) == -EBADMSG);
	CHECK(xs_wire_dirpart_parse("17", 2, &gen, &names, &n, &last) == -EBADMSG);
	CHECK(xs_wire_dirpart_parse("17\0a", 4, &gen, &names, &n, &last) == -EBADMSG);
	CHECK(xs_wire_dirpart_parse("123456789012345678901\0\0", 23, &gen, &names, &n, &last) ==
	      -EBADMSG);
}

static void test_errors(void)
{
	CHECK(xs_wire_error_parse("ENOENT", 7) == -ENOENT);
	CHECK(xs_wire_error_parse("EAGAIN", 7) == -EAGAIN);
	CHECK(xs_wire_error_parse("E2BIG", 6) == -E2BIG);
	CHECK(xs_wire_error_parse("EPERM", 6) == -EPERM);
	CHECK(xs_wire_error_parse("EWHATEVER", 10) == -EIO);
	CHECK(xs_wire_error_parse("ENOENT", 6) == -EBADMSG);
	CHECK(xs_wire_error_parse("ENO\0ENT", 8) == -EBADMSG);
	CHECK(xs_wire_error_parse("", 0) == -EBADMSG);
	CHECK_STR(xs_wire_type_to_string(XS_WIRE_TRANSACTION_END), "TRANSACTION_END");
	CHECK(xs_wire_type_to_string(3) == NULL);
	CHECK_STR(xs_wire_type_to_string(XS_WIRE_WATCH), "WATCH");
	CHECK(xs_wire_type_to_string(UINT32_MAX) == NULL);
}

int main(void)
{
	test_encode();
	test_decode();
	test_decode_bounds();
	test_split();
	test_dirpart();
	test_errors();

	printf("test-xs-wire: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
