/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Read back the elements of one of our sets from the kernel: after a
 * restart (even from SIGKILL) the daemon learns what the previous run left
 * in them.  lib/set-key.h decodes the keys.
 */
#ifndef VIFGUARD_SETDUMP_H
#define VIFGUARD_SETDUMP_H

#include <stdint.h>

/*
 * Call cb with the key of every element of set `set` in table `bridge
 * table`, on a socket of its own.  0, or a negative errno: -ENOENT no such
 * table or set, -EINVAL a name too long, -EINTR the set changed during the
 * dump (the keys cb saw may be incomplete or stale: dump again), or cb's
 * negative return, which stops the dump.  cb may have been called before
 * any error.
 */
int setdump_elems(const char *table, const char *set,
		  int (*cb)(const uint8_t *key, uint32_t key_len, void *data), void *data);

#endif
