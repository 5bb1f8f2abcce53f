/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xenstore messages to and from bytes.  The reply stream comes from
 * xenstored, which we trust to follow the protocol but not to be bug free:
 * every length is checked before it is used, and a bad header breaks the
 * decoder for good (the next header's position is then unknown).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs-wire.h"

/* Longest generation number xenstored prints: a uint64_t has 20 digits. */
#define GENERATION_MAX 20

const char *xs_wire_type_to_string(uint32_t type)
{
	static const char *const names[_XS_WIRE_TYPE_MAX] = {
	    [XS_WIRE_DIRECTORY] = "DIRECTORY",
	    [XS_WIRE_READ] = "READ",
	    [XS_WIRE_WATCH] = "WATCH",
	    [XS_WIRE_WRITE] = "WRITE",
	    [XS_WIRE_TRANSACTION_START] = "TRANSACTION_START",
	    [XS_WIRE_TRANSACTION_END] = "TRANSACTION_END",
	    [XS_WIRE_WATCH_EVENT] = "WATCH_EVENT",
	    [XS_WIRE_ERROR] = "ERROR",
	    [XS_WIRE_DIRECTORY_PART] = "DIRECTORY_PART",
	};

	if (type >= _XS_WIRE_TYPE_MAX || !names[type])
		return NULL;
	return names[type];
}

/* Bytes of argument i on the wire: with its NUL, but a WRITE's value without. */
static size_t arg_size(uint32_t type, const char *const *args, size_t n_args, size_t i)
{
	return strlen(args[i]) + !(type == XS_WIRE_WRITE && i == n_args - 1);
}

int xs_wire_encode(uint32_t type, uint32_t req_id, uint32_t tx_id, const char *const *args,
		   size_t n_args, void *buf, size_t size)
{
	unsigned char *p = buf;
	uint32_t hdr[4];
	size_t len = 0;

	for (size_t i = 0; i < n_args; i++) {
		len += arg_size(type, args, n_args, i);
		if (len > XS_WIRE_PAYLOAD_MAX)
			return -E2BIG;
	}
	if (size < XS_WIRE_HEADER_SIZE + len)
		return -ENOBUFS;
	hdr[0] = type;
	hdr[1] = req_id;
	hdr[2] = tx_id;
	hdr[3] = (uint32_t)len;
	memcpy(p, hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (size_t i = 0; i < n_args; i++) {
		size_t n = arg_size(type, args, n_args, i);

		memcpy(p, args[i], n);
		p += n;
	}
	return (int)(XS_WIRE_HEADER_SIZE + len);
}

void xs_wire_decoder_init(struct xs_wire_decoder *d)
{
	d->hdr_used = 0;
	d->used = 0;
	d->is_broken = false;
}

bool xs_wire_decoder_is_idle(const struct xs_wire_decoder *d)
{
	return d->hdr_used == 0 && !d->is_broken;
}

int xs_wire_decoder_feed(struct xs_wire_decoder *d, const void *data, size_t size, size_t *ret_used,
			 struct xs_wire_msg *ret)
{
	const unsigned char *p = data;
	size_t taken = 0, n;

	*ret_used = 0;
	if (d->is_broken)
		return -EBADMSG;
	if (d->hdr_used < XS_WIRE_HEADER_SIZE) {
		n = XS_WIRE_HEADER_SIZE - d->hdr_used;
		if (n > size)
			n = size;
		memcpy(d->hdr + d->hdr_used, p, n);
		d->hdr_used += n;
		taken += n;
		*ret_used = taken;
		if (d->hdr_used < XS_WIRE_HEADER_SIZE)
			return 0;

		uint32_t h[4];

		memcpy(h, d->hdr, sizeof(h));
		if (h[3] > XS_WIRE_PAYLOAD_MAX || h[0] >= _XS_WIRE_TYPE_MAX) {
			d->is_broken = true;
			return -EBADMSG;
		}
		d->type = h[0];
		d->req_id = h[1];
		d->tx_id = h[2];
		d->len = h[3];
		d->used = 0;
	}
	n = d->len - d->used;
	if (n > size - taken)
		n = size - taken;
	memcpy(d->payload + d->used, p + taken, n);
	d->used += n;
	taken += n;
	*ret_used = taken;
	if (d->used < d->len)
		return 0;
	d->payload[d->len] = 0;
	*ret = (struct xs_wire_msg){
	    .type = d->type,
	    .req_id = d->req_id,
	    .tx_id = d->tx_id,
	    .len = d->len,
	    .payload = d->payload,
	};
	d->hdr_used = 0;
	d->used = 0;
	return 1;
}

int xs_wire_strings_split(const char *payload, size_t len, char ***ret, unsigned int *ret_n)
{
	size_t n = 0;
	char **v, *s;

	if (len > 0 && payload[len - 1] != 0)
		return -EBADMSG;
	if (len > XS_WIRE_PAYLOAD_MAX * 1024)
		return -EBADMSG;
	for (size_t i = 0; i < len; i++)
		if (payload[i] == 0)
			n++;
	v = malloc((n + 1) * sizeof(*v) + len + 1);
	if (!v)
		return -ENOMEM;
	s = (char *)(v + n + 1);
	memcpy(s, payload, len);
	s[len] = 0;
	for (size_t i = 0; i < n; i++) {
		v[i] = s;
		s += strlen(s) + 1;
	}
	v[n] = NULL;
	*ret = v;
	*ret_n = (unsigned int)n;
	return 0;
}

int xs_wire_dirpart_parse(const char *payload, size_t len, const char **ret_gen,
			  const char **ret_names, size_t *ret_names_len, bool *ret_is_last)
{
	const char *end = memchr(payload, 0, len);
	const char *names;
	size_t n;
	bool is_last;

	if (!end || end == payload || (size_t)(end - payload) > GENERATION_MAX)
		return -EBADMSG;
	names = end + 1;
	n = len - (size_t)(names - payload);
	/* names end with a NUL each; the last part adds one more, so that a
	 * listing whose part is empty reads "<gen>\0\0" */
	if (n == 0 || names[n - 1] != 0)
		return -EBADMSG;
	is_last = n == 1 || names[n - 2] == 0;
	if (is_last)
		n--;
	*ret_gen = payload;
	*ret_names = names;
	*ret_names_len = n;
	*ret_is_last = is_last;
	return 0;
}

int xs_wire_error_parse(const char *payload, size_t len)
{
	/* the protocol's table (xsd_errors in xs_wire.h), in its order */
	static const struct {
		const char *name;
		int errnum;
	} errors[] = {
	    {"EINVAL", EINVAL},	      {"EACCES", EACCES},   {"EEXIST", EEXIST}, {"EISDIR", EISDIR},
	    {"ENOENT", ENOENT},	      {"ENOMEM", ENOMEM},   {"ENOSPC", ENOSPC}, {"EIO", EIO},
	    {"ENOTEMPTY", ENOTEMPTY}, {"ENOSYS", ENOSYS},   {"EROFS", EROFS},	{"EBUSY", EBUSY},
	    {"EAGAIN", EAGAIN},	      {"EISCONN", EISCONN}, {"E2BIG", E2BIG},	{"EPERM", EPERM},
	};

	if (len == 0 || payload[len - 1] != 0 || memchr(payload, 0, len) != payload + len - 1)
		return -EBADMSG;
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		if (strcmp(payload, errors[i].name) == 0)
			return -errors[i].errnum;
	return -EIO;
}
