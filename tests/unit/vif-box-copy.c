/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Must NOT compile: a vif box is cut short, so copying it by value would
 * read past its end; its type is incomplete outside lib/vif-box.c. */
#include "vif-box.h"

void copy(struct vif_box *dst, const struct vif_box *b);
void copy(struct vif_box *dst, const struct vif_box *b)
{
	*dst = *b;
}
