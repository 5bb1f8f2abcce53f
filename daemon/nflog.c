// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "nflog.h"

struct nflog {
	struct mnl_socket *nl;
	uint8_t buf[65536] __attribute__((aligned(8)));
};

struct nflog *nflog_free(struct nflog *l)
{
	if (l) {
		if (l->nl)
			mnl_socket_close(l->nl);
		free(l);
	}
	return NULL;
}

static int bind_ack_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

int nflog_new(uint16_t group, struct nflog **ret)
{
	struct nflog *l = calloc(1, sizeof(*l));
	uint8_t msg[256] __attribute__((aligned(8)));
	uint32_t seq = (uint32_t)time(NULL);
	size_t len;
	int r;

	if (!l)
		return -ENOMEM;
	l->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!l->nl || mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	len = nfmsg_nflog_bind(msg, group, 256, seq);
	if (mnl_socket_sendto(l->nl, msg, len) < 0) {
		r = -errno;
		goto fail;
	}
	/* two acks: bind, then copy mode; an error (group taken by another
	 * process: EBUSY) comes instead */
	for (int i = 0; i < 2; i++) {
		ssize_t n = mnl_socket_recvfrom(l->nl, l->buf, sizeof(l->buf));

		if (n < 0) {
			r = -errno;
			goto fail;
		}
		r = mnl_cb_run(l->buf, (size_t)n, 0, mnl_socket_get_portid(l->nl), bind_ack_cb,
			       NULL);
		if (r < 0) {
			r = -errno;
			goto fail;
		}
	}
	/* from now on never block: the event loop polls us */
	int flags = 1;
	setsockopt(mnl_socket_get_fd(l->nl), SOL_NETLINK, NETLINK_NO_ENOBUFS, &flags,
		   sizeof(flags));
	*ret = l;
	return 0;
fail:
	nflog_free(l);
	return r;
}

int nflog_fd(const struct nflog *l)
{
	return mnl_socket_get_fd(l->nl);
}

int nflog_read(struct nflog *l, void (*cb)(const struct nfmsg_nflog *pkt, void *userdata),
	       void *userdata)
{
	/* bounded: the kernel's rate limit keeps this small anyway */
	for (int i = 0; i < 64; i++) {
		ssize_t n = recv(mnl_socket_get_fd(l->nl), l->buf, sizeof(l->buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR || errno == ENOBUFS)
				continue; /* lost copies only cost attribution */
			return -errno;
		}
		nfmsg_nflog_parse(l->buf, (size_t)n, cb, userdata);
	}
	return 0;
}
