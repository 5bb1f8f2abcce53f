/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A vif kept in memory only as large as its addresses.  A struct vif has
 * room for VIF_ADDRS_MAX addresses (about 5 kB); the daemon keeps two per
 * device (what xenstore says, what the kernel has), most with one or two
 * addresses, so a copy sized to n_addrs is a few hundred bytes.
 *
 * Such a short copy must never be copied by value (that would read past its
 * end), so it has a type of its own that cannot be: struct vif_box is
 * incomplete outside vif-box.c.  Read it through vif_box_vif(); take a full
 * copy with vif_box_copy().
 */
#ifndef VIFGUARD_VIF_BOX_H
#define VIFGUARD_VIF_BOX_H

#include "vif.h"

struct vif_box;

/* *slot = a box holding v (the old box is reused or freed); 0 or -ENOMEM,
 * on which *slot is unchanged. */
int vif_box_set(struct vif_box **slot, const struct vif *v);
struct vif_box *vif_box_free(struct vif_box *b);
/* The vif inside: read its fields through the pointer, never `*p` by value. */
const struct vif *vif_box_vif(const struct vif_box *b);
/* A full-size copy. */
void vif_box_copy(const struct vif_box *b, struct vif *ret);
/* Same domid, devid, type, names, bridge, mac and addresses. */
bool vif_equal(const struct vif *a, const struct vif *b);

#endif
