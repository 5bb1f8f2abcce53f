/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vif_path_parse on arbitrary bytes, against backend domains 0 and 7.  An
 * accepted path must rebuild exactly from the parsed ids and key; -ENOENT
 * must mean the path really is outside the root.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vif-path.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error_text(const struct vif_error *err)
{
	const char *end = memchr(err->text, '\0', sizeof(err->text));

	if (!end || strncmp(err->text, "path '", 6) != 0)
		abort();
	for (const char *p = err->text; p < end; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

static void run(uint32_t be, const char *path)
{
	char root[64], want[256];
	struct vif_error err;
	struct vif_path v;
	size_t n, len;
	int r;

	n = (size_t)snprintf(root, sizeof(root), "/local/domain/%" PRIu32 "/backend/vif", be);
	memset(&err, 0, sizeof(err));
	r = vif_path_parse(be, path, &v, &err);

	if (r == -ENOENT) {
		if (strncmp(path, root, n) == 0 && (path[n] == '\0' || path[n] == '/'))
			abort();
		check_error_text(&err);
		return;
	}
	if (r == -EINVAL) {
		check_error_text(&err);
		return;
	}
	if (r != 0 || err.text[0] != '\0')
		abort();

	switch (v.kind) {
	case VIF_PATH_ROOT:
		snprintf(want, sizeof(want), "%s", root);
		break;
	case VIF_PATH_DOMAIN:
		snprintf(want, sizeof(want), "%s/%" PRIu32, root, v.domid);
		break;
	case VIF_PATH_DEVICE:
		snprintf(want, sizeof(want), "%s/%" PRIu32 "/%" PRIu32, root, v.domid, v.devid);
		break;
	case VIF_PATH_KEY:
		if (!memchr(v.key, '\0', sizeof(v.key)) || v.key[0] == '\0' || strchr(v.key, '/'))
			abort();
		snprintf(want, sizeof(want), "%s/%" PRIu32 "/%" PRIu32 "/%s", root, v.domid,
			 v.devid, v.key);
		break;
	case _VIF_PATH_KIND_MAX:
		abort();
	}
	if (v.kind >= VIF_PATH_DOMAIN && v.domid > VIF_DOMID_MAX)
		abort();
	if (v.kind >= VIF_PATH_DEVICE && v.devid > VIF_DEVID_MAX)
		abort();

	/* Exact for the first three kinds; a key path may go deeper, below a '/'. */
	len = strlen(want);
	if (strncmp(path, want, len) != 0)
		abort();
	if (path[len] != '\0' && (v.kind != VIF_PATH_KEY || path[len] != '/'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path;

	if (size > 2 * VIF_VALUE_MAX)
		return 0;
	path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';

	run(0, path);
	run(7, path);

	free(path);
	return 0;
}
