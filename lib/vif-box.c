// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "vif-box.h"

/* The fields of a struct vif up to addrs[n_addrs]: the allocation is cut
 * short, so nothing but this file may see the type. */
struct vif_box {
	struct vif v;
};

static size_t box_size(size_t n_addrs)
{
	return offsetof(struct vif, addrs) + n_addrs * sizeof(((struct vif *)0)->addrs[0]);
}

int vif_box_set(struct vif_box **slot, const struct vif *v)
{
	size_t size = box_size(v->n_addrs);
	struct vif_box *n = realloc(*slot, size);

	if (!n)
		return -ENOMEM;
	memcpy(&n->v, v, size);
	*slot = n;
	return 0;
}

struct vif_box *vif_box_free(struct vif_box *b)
{
	free(b);
	return NULL;
}

const struct vif *vif_box_vif(const struct vif_box *b)
{
	return b ? &b->v : NULL;
}

void vif_box_copy(const struct vif_box *b, struct vif *ret)
{
	memcpy(ret, &b->v, box_size(b->v.n_addrs));
}

bool vif_equal(const struct vif *a, const struct vif *b)
{
	if (a == b)
		return true;
	if (a->domid != b->domid || a->devid != b->devid || a->type != b->type ||
	    a->has_ip != b->has_ip || a->n_addrs != b->n_addrs || memcmp(a->mac, b->mac, 6) != 0 ||
	    strcmp(a->name, b->name) != 0 || strcmp(a->emu_name, b->emu_name) != 0 ||
	    strcmp(a->bridge, b->bridge) != 0 || a->n_vmacs != b->n_vmacs ||
	    memcmp(a->vmacs, b->vmacs, a->n_vmacs * sizeof(a->vmacs[0])) != 0 ||
	    a->n_claims != b->n_claims ||
	    memcmp(a->claims, b->claims, a->n_claims * sizeof(a->claims[0])) != 0)
		return false;
	return memcmp(a->addrs, b->addrs, a->n_addrs * sizeof(a->addrs[0])) == 0;
}
