/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vif_from_keys on a whole fuzzed backend directory.  The input is split at
 * '\n' into fields, in this order:
 *
 *   domid, devid, mac, ip, vifname, type, bridge
 *
 * domid and devid are decimal (wrapping at 2^32, so out-of-range ids are
 * reachable).  A key whose field is missing, or is exactly "~", is absent
 * (NULL).  Seeds in corpus/fuzz-vif-keys/ are plain text in this format.
 */
#include <stdlib.h>
#include <string.h>

#include "vif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { F_DOMID, F_DEVID, F_MAC, F_IP, F_VIFNAME, F_TYPE, F_BRIDGE, _F_MAX };

static void check_error_text(const struct vif_error *err)
{
	const char *end = memchr(err->text, '\0', sizeof(err->text));

	if (!end || end == err->text)
		abort();
	for (const char *p = err->text; p < end; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

static uint32_t field_u32(const char *s)
{
	uint32_t v = 0;

	for (; s && *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint32_t)(*s - '0');
	return v;
}

static bool is_nul_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_vif(const struct vif *v, const struct vif_keys *k, uint32_t domid, uint32_t devid)
{
	size_t len;

	if (v->domid != domid || v->devid != devid || domid > VIF_DOMID_MAX ||
	    devid > VIF_DEVID_MAX)
		abort();
	if (v->type != VIF_TYPE_VIF && v->type != VIF_TYPE_IOEMU)
		abort();
	if (!is_nul_terminated(v->name, sizeof(v->name)) ||
	    !is_nul_terminated(v->emu_name, sizeof(v->emu_name)) ||
	    !is_nul_terminated(v->bridge, sizeof(v->bridge)))
		abort();
	if (vif_ifname_check("name", v->name, NULL) != 0)
		abort();
	if (k->vifname && strcmp(v->name, k->vifname) != 0)
		abort();
	len = strlen(v->name);
	if (v->type == VIF_TYPE_IOEMU) {
		if (vif_ifname_check("emu", v->emu_name, NULL) != 0 ||
		    strncmp(v->emu_name, v->name, len) != 0 ||
		    strcmp(v->emu_name + len, "-emu") != 0)
			abort();
	} else if (v->emu_name[0] != '\0') {
		abort();
	}
	if (k->bridge ? strcmp(v->bridge, k->bridge) != 0 : v->bridge[0] != '\0')
		abort();
	if ((v->mac[0] & 1) || memcmp(v->mac, (const uint8_t[6]){0}, 6) == 0)
		abort();
	if (v->has_ip != (k->ip != NULL) || v->n_addrs > VIF_ADDRS_MAX ||
	    (!v->has_ip && v->n_addrs != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[_F_MAX] = {0};
	static struct vif v;
	struct vif_limits lim;
	struct vif_error err;
	struct vif_keys k;
	char *buf, *p;
	uint32_t domid, devid;

	if (size > 2 * VIF_VALUE_MAX)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	p = buf;
	for (int i = 0; i < _F_MAX && p; i++) {
		char *nl = strchr(p, '\n');

		if (nl)
			*nl = '\0';
		field[i] = strcmp(p, "~") == 0 ? NULL : p;
		p = nl ? nl + 1 : NULL;
	}

	domid = field_u32(field[F_DOMID]);
	devid = field_u32(field[F_DEVID]);
	k = (struct vif_keys){
	    .mac = field[F_MAC],
	    .ip = field[F_IP],
	    .vifname = field[F_VIFNAME],
	    .type = field[F_TYPE],
	    .bridge = field[F_BRIDGE],
	};

	vif_limits_default(&lim);
	memset(&err, 0, sizeof(err));
	if (vif_from_keys(domid, devid, &k, &lim, &v, &err) < 0)
		check_error_text(&err);
	else if (err.text[0] != '\0')
		abort();
	else
		check_vif(&v, &k, domid, devid);

	free(buf);
	return 0;
}
