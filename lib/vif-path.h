/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xenstore paths under a backend domain's vif directory.  Pure.
 */
#ifndef VIFGUARD_VIF_PATH_H
#define VIFGUARD_VIF_PATH_H

#include <stdint.h>

#include "vif.h"

enum vif_path_kind {
	VIF_PATH_ROOT, /* /local/domain/<be>/backend/vif */
	VIF_PATH_DOMAIN, /* .../vif/<domid> */
	VIF_PATH_DEVICE, /* .../vif/<domid>/<devid> */
	VIF_PATH_KEY, /* .../vif/<domid>/<devid>/<key>[/...] */
	_VIF_PATH_KIND_MAX,
};

struct vif_path {
	enum vif_path_kind kind;
	uint32_t domid; /* valid from VIF_PATH_DOMAIN */
	uint32_t devid; /* valid from VIF_PATH_DEVICE */
	char key[64]; /* first component below the device, for VIF_PATH_KEY */
};

/* Parse a watch event path against the root "/local/domain/<backend_domid>/backend/vif".
 * -ENOENT: not under the root.  -EINVAL: under the root but a component is not a
 * valid id, or the path is malformed ("//", trailing '/', key too long); err says
 * which.  err (may be NULL) is written on every negative return, ret only on success. */
int vif_path_parse(uint32_t backend_domid, const char *path, struct vif_path *ret,
		   struct vif_error *err);

#endif
