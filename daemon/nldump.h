/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One netlink dump on a socket of its own: send the request, run cb on
 * every message of the answer until NLMSG_DONE or an error.  setdump.c
 * (set elements) and vifguardctl (counters) use it.
 */
#ifndef VIFGUARD_NLDUMP_H
#define VIFGUARD_NLDUMP_H

#include <stddef.h>

#include <libmnl/libmnl.h>

/*
 * 0 when the dump ended, else a negative errno: the socket's, the kernel's
 * error message (ENOENT, ...; EINTR when the dump was interrupted by a
 * change), or -EPROTO when cb returned MNL_CB_ERROR without setting errno.
 * buf (len bytes) receives the messages (32 KiB never truncates one); req
 * may be built in buf.
 */
int nldump_run(int bus, const struct nlmsghdr *req, void *buf, size_t len, mnl_cb_t cb,
	       void *data);

#endif
