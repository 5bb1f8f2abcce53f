/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenstore wire protocol, as bytes.  Pure: no sockets.  A message is a
 * header of four host-endian uint32 {type, req_id, tx_id, len} followed by
 * len payload bytes (at most XS_WIRE_PAYLOAD_MAX).  Replies carry the
 * request's req_id and tx_id back; an error reply has type XS_WIRE_ERROR
 * and an errno name ("ENOENT") as payload.
 */
#ifndef VIFGUARD_XS_WIRE_H
#define VIFGUARD_XS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XS_WIRE_HEADER_SIZE 16
#define XS_WIRE_PAYLOAD_MAX 4096

/* The numbers are the protocol's (xen/include/public/io/xs_wire.h). */
enum xs_wire_type {
	XS_WIRE_DIRECTORY = 1,
	XS_WIRE_READ = 2,
	XS_WIRE_WATCH = 4,
	XS_WIRE_WRITE = 11,
	XS_WIRE_TRANSACTION_START = 6,
	XS_WIRE_TRANSACTION_END = 7,
	XS_WIRE_WATCH_EVENT = 15,
	XS_WIRE_ERROR = 16,
	XS_WIRE_DIRECTORY_PART = 22,
	_XS_WIRE_TYPE_MAX = 23, /* the protocol's XS_TYPE_COUNT */
};

const char *xs_wire_type_to_string(uint32_t type);

struct xs_wire_msg {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
	const char *payload; /* len bytes, then a NUL the wire did not carry */
};

/* Encode one request whose payload is n_args strings, each with its NUL
 * (what DIRECTORY, READ, TRANSACTION_START/END and DIRECTORY_PART take);
 * a WRITE's last argument, the value, goes without one (the value is the
 * rest of the payload, as libxenstore's xs_write() sends it).
 * Returns the message size, -E2BIG when the payload exceeds
 * XS_WIRE_PAYLOAD_MAX, -ENOBUFS when it does not fit in size bytes. */
int xs_wire_encode(uint32_t type, uint32_t req_id, uint32_t tx_id, const char *const *args,
		   size_t n_args, void *buf, size_t size);

/* Incremental reply decoder: feed it the byte stream in chunks of any size. */
struct xs_wire_decoder {
	unsigned char hdr[XS_WIRE_HEADER_SIZE];
	size_t hdr_used;
	size_t used;
	uint32_t type, req_id, tx_id, len;
	bool is_broken;
	char payload[XS_WIRE_PAYLOAD_MAX + 1];
};

void xs_wire_decoder_init(struct xs_wire_decoder *d);
/* Consume bytes from data.  Returns 1 when a message is complete (*ret
 * points into d, valid until the next call; *ret_used says how much of data
 * it took, the rest belongs to later messages), 0 when all of data was
 * taken and no message completed, -EBADMSG on a length above
 * XS_WIRE_PAYLOAD_MAX or an unknown type: the stream is then out of step and
 * the decoder stays broken. */
int xs_wire_decoder_feed(struct xs_wire_decoder *d, const void *data, size_t size, size_t *ret_used,
			 struct xs_wire_msg *ret);
/* No partial message buffered. */
bool xs_wire_decoder_is_idle(const struct xs_wire_decoder *d);

/* Split a payload of NUL-terminated strings (a DIRECTORY reply) into one
 * malloc'ed block: a vector of *ret_n pointers followed by the strings, so
 * one free() releases it (the shape libxenstore's xs_directory() returns).
 * An empty payload gives *ret_n = 0 and a valid block.  -EBADMSG when the
 * last string has no NUL. */
int xs_wire_strings_split(const char *payload, size_t len, char ***ret, unsigned int *ret_n);

/* A DIRECTORY_PART reply: "<generation>\0" then whole child names, each
 * with its NUL; the last part carries one more NUL.  On success *ret_gen is
 * the generation (a string inside payload), names/names_len the child
 * names of this part (without the closing NUL) and *ret_is_last whether the
 * listing ends here.  -EBADMSG when malformed. */
int xs_wire_dirpart_parse(const char *payload, size_t len, const char **ret_gen,
			  const char **ret_names, size_t *ret_names_len, bool *ret_is_last);

/* The -errno an XS_ERROR payload names ("ENOENT\0" gives -ENOENT); -EIO for
 * a name the protocol does not define, -EBADMSG when not one NUL-terminated
 * string. */
int xs_wire_error_parse(const char *payload, size_t len);

#endif
