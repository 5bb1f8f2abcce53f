/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xenstore side: one connection, one watch on our backend vif
 * directory, and reads of the BACKEND keys only (never the guest-writable
 * frontend).  libxenstore does not reconnect: any error other than "no more
 * events" means the connection is gone, and the caller makes a new one.
 */
#ifndef VIFGUARD_XENWATCH_H
#define VIFGUARD_XENWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vif.h"

struct xenwatch;

int xenwatch_new(struct xenwatch **ret);
struct xenwatch *xenwatch_free(struct xenwatch *x);

int xenwatch_fd(const struct xenwatch *x);
/* Readable (EOF) when xenstored goes away; -1 when it cannot be watched. */
int xenwatch_liveness_fd(const struct xenwatch *x);
uint32_t xenwatch_backend_domid(const struct xenwatch *x);
const char *xenwatch_root(const struct xenwatch *x);

/* Call cb for every pending watch event path; -errno when the connection is
 * lost (anything but EAGAIN). */
int xenwatch_drain(struct xenwatch *x, void (*cb)(const char *path, void *userdata),
		   void *userdata);

/* Names of the subdirectories of path (malloc'ed vector + strings, free
 * with free()); *ret_n = 0 and *ret = NULL when the path does not exist. */
int xenwatch_list(struct xenwatch *x, const char *path, char ***ret, unsigned int *ret_n);

/* The backend keys of one device.  ret_exists = false when the device
 * directory is gone.  Values are copied into ret's buffers; a value too long
 * is kept as a marker so validation rejects it. */
struct xenwatch_keys {
	bool has[5];
	char value[5][VIF_VALUE_MAX + 2];
};
enum { XW_MAC, XW_IP, XW_VIFNAME, XW_TYPE, XW_BRIDGE };
int xenwatch_read_device(struct xenwatch *x, uint32_t domid, uint32_t devid,
			 struct xenwatch_keys *ret, bool *ret_exists);
/* Fill a struct vif_keys view of them. */
void xenwatch_keys_view(const struct xenwatch_keys *k, struct vif_keys *ret);

/* The backend keys read, in XW_* order. */
extern const char *const xenwatch_key_names[5];
/* Record value v (len bytes, as xenstored holds it) for key i: a value too
 * long or with an embedded NUL is kept as a marker validation rejects. */
void xenwatch_keys_set(struct xenwatch_keys *k, int i, const char *v, size_t len);
/* A domain name (n bytes) made printable and at most 64 characters. */
void xenwatch_name_sanitize(const char *v, size_t n, char *buf, size_t len);
/* A connection to xenstored's unix socket, by libxenstore's path rules
 * (XENSTORED_PATH, XENSTORED_RUNDIR/socket, /var/run/xenstored/socket);
 * flags go to socket(2).  -EOPNOTSUPP when that path is no socket (a
 * xenbus device: libxenstore alone can talk to it). */
int xenwatch_socket_open(int flags);

/* Watch /local/domain/<domid>/name (on) or stop (off).  Its events reach
 * xenwatch_drain()'s callback like the backend's; the first comes at once. */
int xenwatch_watch_name(struct xenwatch *x, uint32_t domid, bool on);
/* The domid of a "/local/domain/<domid>/name" path, or -EINVAL. */
int xenwatch_name_path_domid(const char *path, uint32_t *ret);

/* /local/domain/<domid>/name, or "" */
void xenwatch_domain_name(struct xenwatch *x, uint32_t domid, char *buf, size_t len);

#endif
