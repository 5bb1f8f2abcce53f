/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A string-keyed hash map for the daemon's per-event lookups (port name ->
 * vif), so that handling one event does not walk or sort every vif.
 *
 * Open addressing with linear probing.  Keys are borrowed, not copied: the
 * caller keeps each key alive and unchanged while it is in the map (the
 * daemon clears and refills a map whenever the strings it points to change).
 * strmap_clear() empties the map and keeps its memory.
 */
#ifndef VIFGUARD_STRMAP_H
#define VIFGUARD_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	const char *key; /* NULL: free */
	uint32_t hash;
	void *value;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

#define STRMAP_INIT ((struct strmap){ 0 })

void strmap_done(struct strmap *m);
void strmap_clear(struct strmap *m);
/* Make room for n keys in all without growing again; 0 or -ENOMEM. */
int strmap_reserve(struct strmap *m, size_t n);
/* The value slot of key, or NULL when key is not in the map. */
void **strmap_get(const struct strmap *m, const char *key);
/* The value slot of key, added (value NULL) when missing; *ret_added tells
 * which.  NULL only when the map cannot grow (out of memory). */
void **strmap_put(struct strmap *m, const char *key, int *ret_added);
/* Remove key; false when it was not in the map. */
bool strmap_del(struct strmap *m, const char *key);

#endif
