/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Map a watch event path to the vif it concerns.  The path comes from
 * xenstored, which normalises it, so anything irregular ("//", a trailing
 * '/') below our root is treated as malformed rather than tidied up.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vif-path.h"

/* Longest component that can still be an id: UINT32_MAX has 10 digits. */
#define ID_COMPONENT_MAX 10

/* Key names as xenstored allows them (see its valid-chars check); anything else is junk. */
static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '@';
}

__attribute__((format(printf, 4, 5))) static int path_error(struct vif_error *err, int r,
							    const char *path, const char *fmt, ...)
{
	char qpath[VIF_QUOTE_SIZE], reason[192];
	va_list ap;

	if (!err)
		return r;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	vif_quote(qpath, sizeof(qpath), path, strnlen(path, VIF_VALUE_MAX + 1));
	snprintf(err->text, sizeof(err->text), "path '%s' %s", qpath, reason);
	return r;
}

/* Parse the id component at s (n bytes) with vif_id_parse's rules. */
static int component_id(const char *path, const char *what, const char *s, size_t n, uint32_t max,
			uint32_t *ret, struct vif_error *err)
{
	char comp[ID_COMPONENT_MAX + 1], qcomp[VIF_QUOTE_SIZE];

	if (n <= ID_COMPONENT_MAX) {
		memcpy(comp, s, n);
		comp[n] = '\0';
		if (vif_id_parse(what, comp, max, ret, NULL) >= 0)
			return 0;
	}
	vif_quote(qcomp, sizeof(qcomp), s, n);
	return path_error(err, -EINVAL, path,
			  "has an invalid %s component '%s' (expected a decimal number 0..%" PRIu32
			  " without leading zeros)",
			  what, qcomp, max);
}

int vif_path_parse(uint32_t backend_domid, const char *path, struct vif_path *ret,
		   struct vif_error *err)
{
	/* "/local/domain/4294967295/backend/vif" */
	char root[64];
	struct vif_path v = {0};
	const char *p, *end;
	size_t n;
	int r;

	assert(path);
	assert(ret);

	r = snprintf(root, sizeof(root), "/local/domain/%" PRIu32 "/backend/vif", backend_domid);
	assert(r > 0 && (size_t)r < sizeof(root));
	n = (size_t)r;

	if (strncmp(path, root, n) != 0)
		goto foreign;
	p = path + n;
	if (*p == '\0') {
		v.kind = VIF_PATH_ROOT;
		goto done;
	}
	/* "/local/domain/0/backend/vifx" is a sibling, not something below us. */
	if (*p != '/')
		goto foreign;
	p++;

	/* <domid> */
	end = p + strcspn(p, "/");
	r = component_id(path, "domid", p, (size_t)(end - p), VIF_DOMID_MAX, &v.domid, err);
	if (r < 0)
		return r;
	if (*end == '\0') {
		v.kind = VIF_PATH_DOMAIN;
		goto done;
	}
	p = end + 1;

	/* <devid> */
	end = p + strcspn(p, "/");
	r = component_id(path, "devid", p, (size_t)(end - p), VIF_DEVID_MAX, &v.devid, err);
	if (r < 0)
		return r;
	if (*end == '\0') {
		v.kind = VIF_PATH_DEVICE;
		goto done;
	}
	p = end + 1;

	/* <key>, then anything below it, which only needs to be well-formed */
	end = p + strcspn(p, "/");
	n = (size_t)(end - p);
	if (n == 0)
		return path_error(err, -EINVAL, path, "has an empty key component");
	if (n >= sizeof(v.key))
		return path_error(err, -EINVAL, path, "has a key longer than %zu bytes",
				  sizeof(v.key) - 1);
	for (size_t i = 0; i < n; i++)
		if (!is_key_char(p[i]))
			return path_error(
			    err, -EINVAL, path,
			    "has a key with a character other than A-Z a-z 0-9 - _ @");
	memcpy(v.key, p, n);
	v.key[n] = '\0';
	v.kind = VIF_PATH_KEY;

	while (*end == '/') {
		p = end + 1;
		end = p + strcspn(p, "/");
		if (end == p)
			return path_error(err, -EINVAL, path, "has an empty component");
	}

done:
	*ret = v;
	return 0;

foreign:
	/* Not an error for the caller, who watches more than this subtree; the text is for debug
	 * logs. */
	return path_error(err, -ENOENT, path, "is not under %s", root);
}
