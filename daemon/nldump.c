// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/socket.h>

#include "nldump.h"

int nldump_run(int bus, const struct nlmsghdr *req, void *buf, size_t len, mnl_cb_t cb,
	       void *data)
{
	struct mnl_socket *nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	/* req may live in buf: the answers overwrite it */
	const uint32_t seq = req->nlmsg_seq;
	uint32_t portid;
	int r;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, len);

		if (n < 0) {
			r = -errno;
			goto out;
		}
		errno = 0;
		/* an error message (ENOENT), or NLM_F_DUMP_INTR as EINTR */
		r = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
	} while (r > 0);
	if (r < 0)
		r = errno ? -errno : -EPROTO;
out:
	mnl_socket_close(nl);
	return r;
}
