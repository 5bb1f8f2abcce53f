// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* FNV-1a: port names are short (IFNAMSIZ), and the map is filled by the
 * daemon from names it validated; no attacker picks a million keys. */
static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

void strmap_done(struct strmap *m)
{
	free(m->slots);
	*m = STRMAP_INIT;
}

void strmap_clear(struct strmap *m)
{
	if (m->slots)
		memset(m->slots, 0, m->cap * sizeof(m->slots[0]));
	m->n = 0;
}

/* The slot holding key, or the free slot where it would go. */
static struct strmap_slot *probe(const struct strmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct strmap_slot *s = &m->slots[i];

		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

/* Load factor at most 1/2: probes stay short and a free slot always exists. */
int strmap_reserve(struct strmap *m, size_t n)
{
	struct strmap_slot *old = m->slots;
	size_t old_cap = m->cap, cap = 16;

	while (cap < 2 * n) {
		if (cap > SIZE_MAX / 4 / sizeof(*old))
			return -ENOMEM;
		cap *= 2;
	}
	if (cap <= m->cap)
		return 0;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].key)
			*probe(m, old[i].key, old[i].hash) = old[i];
	free(old);
	return 0;
}

void **strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_slot *s;

	if (!m->cap)
		return NULL;
	s = probe(m, key, hash_str(key));
	return s->key ? &s->value : NULL;
}

void **strmap_put(struct strmap *m, const char *key, int *ret_added)
{
	uint32_t h = hash_str(key);
	struct strmap_slot *s;

	if (strmap_reserve(m, m->n + 1) < 0)
		return NULL;
	s = probe(m, key, h);
	*ret_added = !s->key;
	if (!s->key) {
		*s = (struct strmap_slot){.key = key, .hash = h};
		m->n++;
	}
	return &s->value;
}

/* Linear probing without tombstones: after the hole, every slot of the same
 * run that could live at the hole (its home is not in (hole, slot]) moves
 * back into it, so every key stays reachable from its home slot. */
bool strmap_del(struct strmap *m, const char *key)
{
	size_t mask = m->cap - 1, hole, i;
	struct strmap_slot *s;

	if (!m->cap)
		return false;
	s = probe(m, key, hash_str(key));
	if (!s->key)
		return false;
	hole = (size_t)(s - m->slots);
	for (i = (hole + 1) & mask; m->slots[i].key; i = (i + 1) & mask) {
		size_t home = m->slots[i].hash & mask;

		/* does home lie cyclically in (hole, i]?  then it stays */
		if (hole <= i ? (hole < home && home <= i) : (hole < home || home <= i))
			continue;
		m->slots[hole] = m->slots[i];
		hole = i;
	}
	m->slots[hole] = (struct strmap_slot){0};
	m->n--;
	return true;
}
