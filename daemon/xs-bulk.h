/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bulk reads for a full scan: our own connection to xenstored's unix socket,
 * with many requests in flight (libxenstore waits for each reply before it
 * sends the next request, one round trip per key).  The results are exactly
 * what xenwatch_list(), xenwatch_read_device() and xenwatch_domain_name()
 * give, device by device, each device still read inside one transaction.
 *
 * Only a socket can do this: on a xenbus device (a driver domain)
 * xs_bulk_open() returns -EOPNOTSUPP and the caller keeps using xenwatch.
 * Every wait is bounded: no reply for XS_BULK_TIMEOUT_MS is -ETIMEDOUT.
 * After any error other than a per-path one (ENOENT, ...) the connection is
 * closed and every later call returns -ENOTCONN: free it and open another,
 * or fall back to xenwatch.  Open one per scan and free it when the scan is
 * done: its watch makes xenstored queue events for it until then.
 */
#ifndef VIFGUARD_XS_BULK_H
#define VIFGUARD_XS_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenwatch.h"

#define XS_BULK_TIMEOUT_MS 5000
/* Size of a domain name buffer xs_bulk_read_devices() fills. */
#define XS_BULK_NAME_SIZE 72

struct xs_bulk;

int xs_bulk_open(struct xs_bulk **ret);
struct xs_bulk *xs_bulk_free(struct xs_bulk *b);

/* XS_DIRECTORY of paths[0..n-1].  ret_names[i] / ret_n[i] as
 * xenwatch_list() gives them: a malloc'ed vector (one free()), or NULL and 0
 * when the path does not exist.  On error nothing is left allocated and
 * every ret_names[i] is NULL. */
int xs_bulk_list(struct xs_bulk *b, const char *const *paths, size_t n, char ***ret_names,
		 unsigned int *ret_n);

/* For each ids[i] = {domid, devid}: keys[i] and exists[i] as
 * xenwatch_read_device() fills them for the device under root (normally
 * xenwatch_root()), and domain_names[i] as xenwatch_domain_name() does.
 * Each device comes out as one consistent state, as if read in one
 * transaction.  First optimistically: a watch on root (set on the first
 * call, on this connection) shows any change xenstored made while we read;
 * a device it touched is then read in its own transaction (EAGAIN: again,
 * at most 5 times; the last read stands, as in xenwatch_read_device()).
 * Without the watch (or with xs_bulk_set_tx_only()) every device is read in
 * a transaction; that costs xenstored several times more CPU.
 * A struct xenwatch_keys is about 20 KiB: pass a few hundred devices per
 * call rather than thousands.  On error the outputs are undefined. */
int xs_bulk_read_devices(struct xs_bulk *b, const char *root, const uint32_t (*ids)[2], size_t n,
			 struct xenwatch_keys *keys, bool *exists,
			 char (*domain_names)[XS_BULK_NAME_SIZE]);

/* Transactions for every device (no optimistic round): for tests. */
void xs_bulk_set_tx_only(struct xs_bulk *b, bool on);
/* Devices read again because a change hit them during an optimistic round. */
unsigned long xs_bulk_n_reread(const struct xs_bulk *b);

#endif
