// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vif-table.h"

static const char *const state_names[_VIF_STATE_MAX] = {
    [VIF_STATE_PENDING] = "pending",
    [VIF_STATE_ENFORCED] = "enforced",
    [VIF_STATE_REJECTED] = "rejected",
    [VIF_STATE_FAILED] = "failed",
};

const char *vif_state_to_string(enum vif_state s)
{
	return s >= 0 && s < _VIF_STATE_MAX ? state_names[s] : NULL;
}

enum vif_state vif_entry_state(const struct vif_entry *e)
{
	if (!e->xs.valid)
		return e->xs.error ? VIF_STATE_REJECTED : VIF_STATE_PENDING;
	if (e->verdict.name_refused)
		return VIF_STATE_REJECTED;
	if (e->kernel.refused)
		return VIF_STATE_FAILED;
	return e->kernel.has_rules ? VIF_STATE_ENFORCED : VIF_STATE_PENDING;
}

const char *vif_entry_error(const struct vif_entry *e)
{
	const char *s = NULL;

	switch (vif_entry_state(e)) {
	case VIF_STATE_PENDING:
	case VIF_STATE_ENFORCED:
		break;
	case VIF_STATE_REJECTED:
		s = e->xs.valid ? e->verdict.name_error : e->xs.error;
		break;
	case VIF_STATE_FAILED:
		s = e->kernel.error;
		break;
	case _VIF_STATE_MAX:
		break;
	}
	return s ? s : "";
}

const struct vif *vif_entry_wanted(const struct vif_entry *e)
{
	return e->xs.valid && !e->verdict.name_refused ? vif_box_vif(e->xs.vif) : NULL;
}

const struct vif *vif_entry_rules(const struct vif_entry *e)
{
	return e->kernel.has_rules ? vif_box_vif(e->kernel.rules) : NULL;
}

const char *vif_entry_port(const struct vif_entry *e)
{
	if (vif_entry_wanted(e))
		return vif_entry_wanted(e)->name;
	if (e->kernel.has_rules)
		return vif_box_vif(e->kernel.rules)->name;
	return NULL;
}

static void entry_free(struct vif_entry *e)
{
	free(e->xs.error);
	vif_box_free(e->xs.vif);
	free(e->verdict.name_error);
	free(e->verdict.withheld_desc);
	free(e->verdict.withheld_words);
	free(e->verdict.addrs.addrs);
	vif_box_free(e->kernel.rules);
	free(e->kernel.error);
	free(e->reported.error);
	free(e->reported.withheld);
	free(e->status.line);
	free(e);
}

void vif_table_done(struct vif_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		entry_free(t->entries[i]);
	free(t->entries);
	for (int l = 0; l < _VIF_LIST_MAX; l++)
		free(t->lists[l]);
	strmap_done(&t->ids);
	strmap_done(&t->ports);
	*t = (struct vif_table){0};
}

struct vif_entry *vif_table_find(const struct vif_table *t, uint32_t domid, uint32_t devid)
{
	char key[24];
	void **v;

	snprintf(key, sizeof(key), "%u/%u", domid, devid);
	v = strmap_get(&t->ids, key);
	return v ? *v : NULL;
}

struct vif_entry *vif_table_get(struct vif_table *t, uint32_t domid, uint32_t devid)
{
	struct vif_entry *e = vif_table_find(t, domid, devid);
	void **slot;
	int added;

	if (e)
		return e;
	if (t->n == t->n_alloc) {
		size_t n = t->n_alloc ? t->n_alloc * 2 : 64;
		struct vif_entry **v = realloc(t->entries, n * sizeof(*v));

		if (!v)
			return NULL;
		t->entries = v;
		t->n_alloc = n;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->domid = domid;
	e->devid = devid;
	snprintf(e->id_key, sizeof(e->id_key), "%u/%u", domid, devid);
	slot = strmap_put(&t->ids, e->id_key, &added);
	if (!slot) {
		free(e);
		return NULL;
	}
	*slot = e;
	e->rank = t->next_rank++;
	e->verdict.claimant =
	    (struct port_claimant){.rank = e->rank, .domid = domid, .devid = devid};
	e->xs.present = true;
	t->entries[t->n++] = e;
	vif_table_list_add(t, VIF_LIST_DIRTY, e);
	return e;
}

static void list_del(struct vif_table *t, enum vif_list l, const struct vif_entry *e)
{
	for (size_t i = 0; i < t->n_list[l]; i++)
		if (t->lists[l][i] == e) {
			t->lists[l][i] = t->lists[l][--t->n_list[l]];
			return;
		}
}

void vif_table_drop(struct vif_table *t, struct vif_entry *e)
{
	for (int l = 0; l < _VIF_LIST_MAX; l++)
		if (e->listed[l])
			list_del(t, (enum vif_list)l, e);
	strmap_del(&t->ids, e->id_key);
	for (size_t i = 0; i < t->n; i++)
		if (t->entries[i] == e) {
			t->entries[i] = t->entries[--t->n];
			break;
		}
	entry_free(e);
}

void vif_table_list_add(struct vif_table *t, enum vif_list l, struct vif_entry *e)
{
	if (e->listed[l])
		return;
	if (t->n_list[l] == t->n_list_alloc[l]) {
		size_t n = t->n_list_alloc[l] ? 2 * t->n_list_alloc[l] : 64;
		struct vif_entry **v = realloc(t->lists[l], n * sizeof(*v));

		/* out of memory: the caller's change is not seen this round;
		 * a full sync (which walks all) catches up */
		if (!v)
			return;
		t->lists[l] = v;
		t->n_list_alloc[l] = n;
	}
	t->lists[l][t->n_list[l]++] = e;
	e->listed[l] = true;
}

void vif_table_list_clear(struct vif_table *t, enum vif_list l)
{
	for (size_t i = 0; i < t->n_list[l]; i++)
		t->lists[l][i]->listed[l] = false;
	t->n_list[l] = 0;
}

struct vif_entry *vif_table_by_port(const struct vif_table *t, const char *port)
{
	void **v = strmap_get(&t->ports, port);

	return v ? *v : NULL;
}

void vif_table_port_set(struct vif_table *t, const char *port, struct vif_entry *e)
{
	int added;
	void **v;

	/* keys are borrowed: the map must hold this entry's string, not the
	 * one of an entry that had the port before */
	strmap_del(&t->ports, port);
	v = strmap_put(&t->ports, port, &added);
	/* out of memory: its drops go unattributed, nothing else is lost */
	if (v)
		*v = e;
}

void vif_table_port_del(struct vif_table *t, const char *port, const struct vif_entry *e)
{
	if (vif_table_by_port(t, port) == e)
		strmap_del(&t->ports, port);
}
