/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address resolution between guests: see resolve.h for the rules.
 *
 * The obvious algorithm compares every entry with every entry granted before
 * it, which is quadratic: 4,000 vifs with two addresses each is 32 million
 * comparisons per recompute, and we recompute on every vif change.  Instead,
 * all entries are known up front, so they are sorted once by (family,
 * address, prefixlen) with host bits cleared.  In that order:
 *  - the entries a prefix P contains (P itself included) form one contiguous
 *    range: they share P's first bits, and anything sorting inside it with a
 *    shorter prefixlen would have to be P's own address with a shorter length,
 *    which sorts before P.  For a single address the range is just the run of
 *    equal entries;
 *  - the entries that strictly contain P are, for each shorter prefixlen q
 *    that occurs at all, the run of entries equal to (P masked to q, q).
 * Runs of equal entries are found through a hash table, so a single address
 * costs no binary search; only a prefix needs two, for its range.
 *
 * Over the sorted entries sits a min segment tree.  A leaf holds the
 * processing position of the vif the entry was granted to, or NONE.  "The
 * earliest conflicting vif holding an overlapping entry" is then a search for
 * the smallest leaf value in those ranges that passes the conflict test,
 * pruning every subtree whose minimum is no better than what was found.  Each
 * node also knows the smallest value outside the domain of its minimum, so the
 * search skips the searcher's own domain (which may share, and may have many
 * vifs) without visiting it.  The protected addresses get the same structure
 * with the protected index as the value and a test that always passes, which
 * yields the first protected entry that overlaps.
 *
 * Cost, for E entries (all vifs' plus the protected ones):
 *  - sorting and hashing both sets, O(E log E);
 *  - per entry: one hash lookup per distinct shorter prefixlen that occurs in
 *    its family (at most 32 or 128; in practice the handful of prefix lengths
 *    configured, none when every entry is a single address), plus for a
 *    prefix two binary searches, plus O(log E) per range searched;
 *  - plus O(log E) for every granted overlapping entry of a migration partner
 *    (another domain that may share) that sits below the answer: a few.
 * So O(E log E) overall instead of O(E^2).  Measured: 4,000 vifs with two
 * addresses each and a few dozen prefixes take about 2 ms; 256,000 entries
 * (4,000 vifs with 64 each) about 70 ms.  Memory is O(E), freed on return.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "resolve.h"

#define NONE UINT32_MAX
/* Leave NONE free and keep every count in 32 bits. */
#define COUNT_MAX (UINT32_MAX - 1)

static const char *const why_table[_RESOLVE_WHY_MAX] = {
    [RESOLVE_WHY_PROTECTED] = "protected",
    [RESOLVE_WHY_CONFLICT] = "conflict",
    [RESOLVE_WHY_SHARED] = "shared",
};

const char *resolve_why_to_string(enum resolve_why why)
{
	if ((unsigned)why >= _RESOLVE_WHY_MAX)
		return NULL;
	return why_table[why];
}

/* 0 for IPv4, 1 for IPv6, -1 for anything else. */
static int family_index(int family)
{
	if (family == AF_INET)
		return 0;
	if (family == AF_INET6)
		return 1;
	return -1;
}

static unsigned family_bits(int fi)
{
	return fi == 0 ? 32 : 128;
}

/* An address as a 128-bit big-endian number: IPv4 takes the top 32 bits. */
struct key {
	uint64_t hi, lo;
};

static uint64_t load_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static struct key key_mask(struct key k, unsigned len)
{
	/* Shifting a 64-bit value by 64 is undefined, hence the branches. */
	if (len == 0)
		return (struct key){0, 0};
	if (len < 64)
		return (struct key){k.hi & ~(UINT64_MAX >> len), 0};
	if (len == 64)
		return (struct key){k.hi, 0};
	if (len < 128)
		return (struct key){k.hi, k.lo & ~(UINT64_MAX >> (len - 64))};
	return k;
}

static struct key key_load(const struct vif_addr *a, int fi, unsigned len)
{
	struct key k;

	if (fi == 0)
		k = (struct key){load_be(a->addr, 4) << 32, 0};
	else
		k = (struct key){load_be(a->addr, 8), load_be(a->addr + 8, 8)};
	return key_mask(k, len);
}

static int key_cmp(struct key a, struct key b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/* Byte by byte: the daemon asks this for every address of every vif when it
 * checks whether a change is isolated, so it must not build keys. */
bool resolve_addrs_overlap(const struct vif_addr *a, const struct vif_addr *b)
{
	unsigned len, full, rem;
	int fi;

	assert(a);
	assert(b);

	if (a->family != b->family)
		return false;
	fi = family_index(a->family);
	if (fi < 0)
		return false;
	len = a->prefixlen < b->prefixlen ? a->prefixlen : b->prefixlen;
	if (len > family_bits(fi))
		len = family_bits(fi);
	full = len / 8;
	rem = len % 8;
	if (memcmp(a->addr, b->addr, full) != 0)
		return false;
	return rem == 0 || ((a->addr[full] ^ b->addr[full]) & (uint8_t)(0xff00 >> rem)) == 0;
}

bool resolve_addrs_overlap_any(const struct vif_addr *list, size_t n, const struct vif_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (resolve_addrs_overlap(&list[i], a))
			return true;
	return false;
}

static const char *const migration_suffixes[] = {"--incoming", "--migratedaway"};

size_t resolve_base_name_len(const char *name)
{
	size_t n;

	assert(name);

	n = strlen(name);
	for (size_t i = 0; i < sizeof(migration_suffixes) / sizeof(migration_suffixes[0]); i++) {
		size_t m = strlen(migration_suffixes[i]);

		if (n > m && memcmp(name + n - m, migration_suffixes[i], m) == 0)
			return n - m;
	}
	return n;
}

bool resolve_vifs_conflict(const struct resolve_in *a, const struct resolve_in *b)
{
	size_t na, nb;

	assert(a && a->vif);
	assert(b && b->vif);

	if (a->vif->domid == b->vif->domid)
		return false;
	if (memcmp(a->vif->mac, b->vif->mac, sizeof(a->vif->mac)) != 0)
		return true;
	/* Unknown names prove nothing, and neither does an empty one. */
	if (!a->domain_name || !b->domain_name)
		return true;
	na = resolve_base_name_len(a->domain_name);
	nb = resolve_base_name_len(b->domain_name);
	return na == 0 || na != nb || memcmp(a->domain_name, b->domain_name, na) != 0;
}

bool resolve_domain_is_member(const struct policy_shared *sh, const char *domain_name)
{
	size_t n;

	assert(sh);

	if (!domain_name)
		return false;
	n = resolve_base_name_len(domain_name);
	for (size_t i = 0; i < sh->n_domains; i++)
		if (strlen(sh->domains[i]) == n && memcmp(sh->domains[i], domain_name, n) == 0)
			return true;
	return false;
}

/* One entry in sorted order. */
struct slot {
	struct key key; /* host bits cleared */
	uint8_t fi;
	uint8_t len;
	uint32_t id; /* global entry number, or protected index */
};

static int slot_cmp(const void *x, const void *y)
{
	const struct slot *a = x, *b = y;
	int c;

	if (a->fi != b->fi)
		return a->fi < b->fi ? -1 : 1;
	c = key_cmp(a->key, b->key);
	if (c != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	/* Total order, so the layout does not depend on qsort. */
	return a->id < b->id ? -1 : a->id > b->id;
}

static bool slot_is(const struct slot *s, unsigned fi, struct key key, unsigned len)
{
	return s->fi == fi && s->len == len && key_cmp(s->key, key) == 0;
}

/*
 * A segment tree node: the smallest leaf value below it (m1) with that leaf's
 * domain (d1), and the smallest value among leaves of any other domain (m2).
 * With m2, "smallest value not in domain D" is one comparison per node, so a
 * search never steps through the entries of the searcher's own domain, which
 * may share freely and could otherwise be thousands.
 */
struct node {
	uint32_t m1, d1, m2;
};

static const struct node node_none = {NONE, 0, NONE};

static struct node node_merge(struct node a, struct node b)
{
	struct node w, l;

	if (a.m1 == NONE)
		return b;
	if (b.m1 == NONE)
		return a;
	w = a.m1 <= b.m1 ? a : b;
	l = a.m1 <= b.m1 ? b : a;
	if (l.d1 != w.d1 && l.m1 < w.m2)
		w.m2 = l.m1;
	else if (l.d1 == w.d1 && l.m2 < w.m2)
		w.m2 = l.m2;
	return w;
}

/* A run of equal (family, key, len) slots: [start, end). */
#define RUN_PROBES_MAX 16
struct run {
	uint32_t start, end;
};

struct index {
	struct slot *slots;
	uint32_t n;
	/* Node k has children 2k and 2k+1; leaf for slot i at size + i. */
	struct node *tree;
	uint32_t size;
	/* Open addressing over the runs, keyed like the slots; start NONE = free. */
	struct run *runs;
	uint32_t runs_mask;
	/* Prefix lengths that occur, per family, ascending. */
	uint8_t lens[2][129];
	unsigned n_lens[2];
};

/* Safe to call twice: index_alloc() cleans up after itself on failure, and
 * resolve_compute()'s one exit path cleans up every index again. */
static void index_done(struct index *x)
{
	free(x->slots);
	free(x->tree);
	free(x->runs);
	x->slots = NULL;
	x->tree = NULL;
	x->runs = NULL;
}

/* Allocate for n slots; the caller fills them, then calls index_sort(). */
static int index_alloc(struct index *x, uint32_t n)
{
	size_t n_runs = 2;

	*x = (struct index){.n = n, .size = 1};
	while (x->size < n)
		x->size *= 2;
	/* At most half full, so probes stay short. */
	while (n_runs < 2 * (size_t)n)
		n_runs *= 2;
	x->runs_mask = (uint32_t)(n_runs - 1);
	x->slots = malloc((n > 0 ? n : 1) * sizeof(*x->slots));
	x->tree = malloc(2 * (size_t)x->size * sizeof(*x->tree));
	x->runs = malloc(n_runs * sizeof(*x->runs));
	if (!x->slots || !x->tree || !x->runs) {
		index_done(x);
		return -ENOMEM;
	}
	for (size_t k = 0; k < 2 * (size_t)x->size; k++)
		x->tree[k] = node_none;
	for (size_t k = 0; k < n_runs; k++)
		x->runs[k] = (struct run){NONE, NONE};
	return 0;
}

static uint32_t run_hash(const struct index *x, unsigned fi, struct key key, unsigned len)
{
	uint64_t h = key.hi * 0x9e3779b97f4a7c15ULL;

	h ^= (key.lo + (len << 1 | fi)) * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 29;
	h *= 0x94d049bb133111ebULL;
	return (uint32_t)(h >> 32) & x->runs_mask;
}

static void index_sort(struct index *x)
{
	bool seen[2][129] = {{false}};
	uint32_t start = 0;

	qsort(x->slots, x->n, sizeof(*x->slots), slot_cmp);
	for (uint32_t k = 0; k < x->n; k++) {
		const struct slot *s = &x->slots[start];
		uint32_t h;

		seen[x->slots[k].fi][x->slots[k].len] = true;
		if (k + 1 < x->n && slot_is(&x->slots[k + 1], s->fi, s->key, s->len))
			continue;
		/* A run that finds no room nearby is left to run_find()'s fallback. */
		h = run_hash(x, s->fi, s->key, s->len);
		for (unsigned probe = 0; probe < RUN_PROBES_MAX;
		     probe++, h = (h + 1) & x->runs_mask)
			if (x->runs[h].start == NONE) {
				x->runs[h] = (struct run){start, k + 1};
				break;
			}
		start = k + 1;
	}
	for (unsigned fi = 0; fi < 2; fi++)
		for (unsigned len = 0; len <= 128; len++)
			if (seen[fi][len])
				x->lens[fi][x->n_lens[fi]++] = (uint8_t)len;
}

static void index_set(struct index *x, uint32_t pos, uint32_t value, uint32_t domain)
{
	size_t k = x->size + (size_t)pos;

	x->tree[k] = (struct node){value, domain, NONE};
	for (k /= 2; k >= 1; k /= 2) {
		struct node m = node_merge(x->tree[2 * k], x->tree[2 * k + 1]);

		/* Values only appear, and late ones rarely change a minimum. */
		if (m.m1 == x->tree[k].m1 && m.d1 == x->tree[k].d1 && m.m2 == x->tree[k].m2)
			break;
		x->tree[k] = m;
	}
}

/* First slot not below (fi, key, len). */
static uint32_t lower_bound(const struct index *x, unsigned fi, struct key key, unsigned len)
{
	uint32_t lo = 0, hi = x->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct slot *s = &x->slots[mid];
		int c = s->fi != fi ? (s->fi < fi ? -1 : 1) : key_cmp(s->key, key);

		if (c < 0 || (c == 0 && s->len < len))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The run equal to (fi, key, len).  The hash is fixed and the addresses come
 * from xenstore, so a driver domain could pick entries that collide and turn
 * every probe sequence into a walk over thousands.  Probing is therefore cut
 * off after RUN_PROBES_MAX slots on both sides (slots are never freed, so a
 * lookup that meets RUN_PROBES_MAX occupied slots may have been skipped at
 * insertion) and the sorted array answers instead, in O(log n).
 */
static bool run_find(const struct index *x, unsigned fi, struct key key, unsigned len,
		     struct run *ret)
{
	uint32_t h = run_hash(x, fi, key, len), lo;

	for (unsigned probe = 0; probe < RUN_PROBES_MAX; probe++, h = (h + 1) & x->runs_mask) {
		const struct run *r = &x->runs[h];

		if (r->start == NONE)
			return false;
		if (slot_is(&x->slots[r->start], fi, key, len)) {
			*ret = *r;
			return true;
		}
	}
	lo = lower_bound(x, fi, key, len);
	if (lo == x->n || !slot_is(&x->slots[lo], fi, key, len))
		return false;
	*ret = (struct run){lo, lower_bound(x, fi, key, len + 1)};
	return true;
}

/* First slot from lo on whose first len bits (or family) sort after those of (fi, key). */
static uint32_t prefix_end(const struct index *x, uint32_t lo, unsigned fi, struct key key,
			   unsigned len)
{
	uint32_t hi = x->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct slot *s = &x->slots[mid];
		int c = s->fi != fi ? (s->fi < fi ? -1 : 1) : key_cmp(key_mask(s->key, len), key);

		if (c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct search {
	const struct index *x;
	/* Does a leaf value count?  For vifs: may that vif not share with ours? */
	bool (*accept)(const void *ctx, uint32_t value);
	const void *ctx;
	bool has_exclude;
	uint32_t exclude; /* domain whose leaves never count */
	uint32_t best;
};

static uint32_t node_min(const struct search *s, const struct node *t)
{
	return s->has_exclude && t->d1 == s->exclude ? t->m2 : t->m1;
}

/* Smallest counting leaf value below node k, if smaller than s->best. */
static void tree_descend(struct search *s, size_t k)
{
	const struct node *t = s->x->tree;
	size_t first, second;

	if (node_min(s, &t[k]) >= s->best)
		return;
	if (k >= s->x->size) {
		if (s->accept(s->ctx, t[k].m1))
			s->best = t[k].m1;
		return;
	}
	/* The smaller child first, so the larger one is more likely pruned. */
	first = node_min(s, &t[2 * k]) <= node_min(s, &t[2 * k + 1]) ? 2 * k : 2 * k + 1;
	second = first ^ 1;
	tree_descend(s, first);
	tree_descend(s, second);
}

/* Smallest counting leaf value in slots [lo, hi): the O(log n) canonical nodes. */
static void tree_search(struct search *s, uint32_t lo, uint32_t hi)
{
	size_t l = s->x->size + (size_t)lo, r = s->x->size + (size_t)hi;

	for (; l < r; l /= 2, r /= 2) {
		if (l & 1)
			tree_descend(s, l++);
		if (r & 1)
			tree_descend(s, --r);
	}
}

/* Smallest counting value among the entries overlapping a (covering: only
 * those containing a, itself included), or NONE. */
static uint32_t index_query(const struct index *x, const struct vif_addr *a, bool covering,
			    struct search *s)
{
	unsigned fi = (unsigned)family_index(a->family);
	unsigned len = a->prefixlen;
	struct key key = key_load(a, (int)fi, len);
	struct run run;
	uint32_t lo;

	s->x = x;
	s->best = NONE;
	if (node_min(s, &x->tree[1]) == NONE)
		return NONE;

	/* Entries strictly containing a: one run per shorter length. */
	for (unsigned i = 0; i < x->n_lens[fi] && x->lens[fi][i] < len; i++) {
		unsigned q = x->lens[fi][i];

		if (run_find(x, fi, key_mask(key, q), q, &run))
			tree_search(s, run.start, run.end);
	}
	/* Entries a contains, itself included: one range. */
	if (covering || len == family_bits((int)fi)) {
		if (run_find(x, fi, key, len, &run))
			tree_search(s, run.start, run.end);
	} else {
		lo = lower_bound(x, fi, key, len);
		tree_search(s, lo, prefix_end(x, lo, fi, key, len));
	}
	return s->best;
}

static bool accept_any(const void *ctx, uint32_t value)
{
	(void)ctx;
	(void)value;
	return true;
}

struct conflict_ctx {
	const struct resolve_in *in;
	const uint32_t *order; /* processing position -> input index */
	size_t i;	       /* input index of the vif being resolved */
};

static bool accept_conflict(const void *ctx, uint32_t pos)
{
	const struct conflict_ctx *c = ctx;

	return resolve_vifs_conflict(&c->in[c->i], &c->in[c->order[pos]]);
}

/* The [shared] addresses, numbered in entry order: which entry each is in. */
struct shared_ctx {
	const struct policy_shared *shared;
	const uint8_t *entry_of; /* flat address number -> entry */
	const char *domain_name; /* of the vif being resolved */
};

/* Counts for a vif whose domain the address's entry does not name. */
static bool accept_non_member(const void *ctx, uint32_t value)
{
	const struct shared_ctx *c = ctx;

	return !resolve_domain_is_member(&c->shared[c->entry_of[value]], c->domain_name);
}

static void vmac_add(struct vif *v, const uint8_t mac[6])
{
	for (size_t i = 0; i < v->n_vmacs; i++)
		if (memcmp(v->vmacs[i], mac, 6) == 0)
			return;
	/* more than VIF_VMACS_MAX VRRP instances on one vif: the rest use its own mac */
	if (v->n_vmacs < VIF_VMACS_MAX)
		memcpy(v->vmacs[v->n_vmacs++], mac, 6);
}

/* Processing order: (rank, domid, devid), then input order. */
struct order_key {
	uint64_t rank;
	uint32_t domid, devid, index;
};

static int order_cmp(const void *x, const void *y)
{
	const struct order_key *a = x, *b = y;

	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	if (a->domid != b->domid)
		return a->domid < b->domid ? -1 : 1;
	if (a->devid != b->devid)
		return a->devid < b->devid ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* The first vif of slots [start, end) that conflicts with vif of, or NONE. */
static uint32_t run_conflict(const struct resolve_in *in, const struct index *x,
			     const uint32_t *vif_of, uint32_t start, uint32_t end, uint32_t of)
{
	for (uint32_t k = start; k < end; k++)
		if (resolve_vifs_conflict(&in[of], &in[vif_of[x->slots[k].id]]))
			return vif_of[x->slots[k].id];
	return NONE;
}

/*
 * The shared prefixes: a run of equal prefixes (not single addresses) in
 * the sorted entries, listed by two vifs that conflict.  Two vifs do not
 * conflict when they are of one domain or the two halves of a migration
 * (resolve_vifs_conflict()).  If no vif of the run conflicts with its first
 * one f, every vif of another domain is f's migration partner with f's mac,
 * so a conflicting pair has one vif in f's domain, which then conflicts with
 * any vif g of another domain too: two passes answer.  For each entry id, claim_other[id]
 * is the input index of a lister it shares with (NONE: not shared).
 * Returns how many entries are shared.
 */
static size_t find_claims(const struct resolve_in *in, const struct index *x,
			  const uint32_t *vif_of, uint32_t *claim_other)
{
	size_t n = 0;

	for (uint32_t start = 0, end; start < x->n; start = end) {
		const struct slot *s = &x->slots[start];
		uint32_t f = vif_of[s->id], g = NONE, a = NONE, b = NONE;

		for (end = start + 1; end < x->n && slot_is(&x->slots[end], s->fi, s->key, s->len);
		     end++)
			if (g == NONE &&
			    in[vif_of[x->slots[end].id]].vif->domid != in[f].vif->domid)
				g = vif_of[x->slots[end].id];
		if (g != NONE && s->len < family_bits(s->fi)) {
			a = f;
			b = run_conflict(in, x, vif_of, start, end, f);
			if (b == NONE) {
				a = g;
				b = run_conflict(in, x, vif_of, start, end, g);
			}
		}
		for (uint32_t k = start; k < end; k++) {
			uint32_t me = vif_of[x->slots[k].id];

			claim_other[x->slots[k].id] = b == NONE ? NONE : me == a ? b : a;
			n += b != NONE;
		}
	}
	return n;
}

static bool entry_is_valid(const struct vif_addr *a)
{
	int fi = family_index(a->family);

	return fi >= 0 && a->prefixlen <= family_bits(fi);
}

int resolve_compute(const struct resolve_in *in, size_t n, const struct vif_addr *protected_addrs,
		    size_t n_protected, const struct policy_shared *shared, size_t n_shared,
		    struct resolve_out *ret)
{
	struct index prot = {0}, granted = {0}, shr = {0}, claimx = {0};
	uint8_t shared_entry_of[POLICY_SHARED_MAX * POLICY_SHARED_ADDRS_MAX];
	struct vif_addr shared_addr[POLICY_SHARED_MAX * POLICY_SHARED_ADDRS_MAX];
	uint32_t n_shared_addrs = 0;
	struct order_key *keys = NULL;
	uint32_t *order = NULL, *base = NULL, *slot_of = NULL, *vif_of = NULL, *claim_other = NULL;
	size_t n_entries = 0, n_claim_entries = 0;
	int r;

	assert(in || n == 0);
	assert(protected_addrs || n_protected == 0);
	assert(ret || n == 0);

	/* Check everything first: once ret is touched, nothing may fail. */
	if (n > COUNT_MAX || n_protected > COUNT_MAX)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		assert(in[i].vif);
		if (in[i].vif->n_addrs > VIF_ADDRS_MAX)
			return -EINVAL;
		for (size_t k = 0; k < in[i].vif->n_addrs; k++)
			if (!entry_is_valid(&in[i].vif->addrs[k]))
				return -EINVAL;
		n_entries += in[i].vif->n_addrs;
	}
	if (n_entries > COUNT_MAX)
		return -E2BIG;
	for (size_t k = 0; k < n_protected; k++)
		if (!entry_is_valid(&protected_addrs[k]))
			return -EINVAL;
	assert(shared || n_shared == 0);
	if (n_shared > POLICY_SHARED_MAX)
		return -EINVAL;
	for (size_t e = 0; e < n_shared; e++) {
		if (shared[e].n_addrs > POLICY_SHARED_ADDRS_MAX)
			return -EINVAL;
		for (size_t k = 0; k < shared[e].n_addrs; k++) {
			if (!entry_is_valid(&shared[e].addrs[k]))
				return -EINVAL;
			shared_entry_of[n_shared_addrs] = (uint8_t)e;
			shared_addr[n_shared_addrs++] = shared[e].addrs[k];
		}
	}

	r = -ENOMEM;
	keys = malloc((n > 0 ? n : 1) * sizeof(*keys));
	order = malloc((n > 0 ? n : 1) * sizeof(*order));
	base = malloc((n + 1) * sizeof(*base));
	slot_of = malloc((n_entries > 0 ? n_entries : 1) * sizeof(*slot_of));
	vif_of = malloc((n_entries > 0 ? n_entries : 1) * sizeof(*vif_of));
	claim_other = malloc((n_entries > 0 ? n_entries : 1) * sizeof(*claim_other));
	if (!keys || !order || !base || !slot_of || !vif_of || !claim_other)
		goto finish;
	if (index_alloc(&prot, (uint32_t)n_protected) < 0)
		goto finish;
	if (index_alloc(&granted, (uint32_t)n_entries) < 0)
		goto finish;
	if (index_alloc(&shr, n_shared_addrs) < 0)
		goto finish;
	r = 0;

	for (uint32_t k = 0; k < n_shared_addrs; k++) {
		int fi = family_index(shared_addr[k].family);

		shr.slots[k] = (struct slot){
		    .key = key_load(&shared_addr[k], fi, shared_addr[k].prefixlen),
		    .fi = (uint8_t)fi,
		    .len = shared_addr[k].prefixlen,
		    .id = k,
		};
	}
	index_sort(&shr);
	for (uint32_t pos = 0; pos < shr.n; pos++)
		index_set(&shr, pos, shr.slots[pos].id, 0);

	for (size_t k = 0; k < n_protected; k++) {
		int fi = family_index(protected_addrs[k].family);

		prot.slots[k] = (struct slot){
		    .key = key_load(&protected_addrs[k], fi, protected_addrs[k].prefixlen),
		    .fi = (uint8_t)fi,
		    .len = protected_addrs[k].prefixlen,
		    .id = (uint32_t)k,
		};
	}
	index_sort(&prot);
	for (uint32_t pos = 0; pos < prot.n; pos++)
		index_set(&prot, pos, prot.slots[pos].id, 0);

	base[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct vif *v = in[i].vif;

		keys[i] = (struct order_key){
		    .rank = in[i].rank, .domid = v->domid, .devid = v->devid, .index = (uint32_t)i};
		base[i + 1] = base[i] + (uint32_t)v->n_addrs;
		for (size_t k = 0; k < v->n_addrs; k++) {
			int fi = family_index(v->addrs[k].family);

			vif_of[base[i] + k] = (uint32_t)i;

			granted.slots[base[i] + k] = (struct slot){
			    .key = key_load(&v->addrs[k], fi, v->addrs[k].prefixlen),
			    .fi = (uint8_t)fi,
			    .len = v->addrs[k].prefixlen,
			    .id = base[i] + (uint32_t)k,
			};
		}
	}
	index_sort(&granted);
	for (uint32_t pos = 0; pos < granted.n; pos++)
		slot_of[granted.slots[pos].id] = pos;
	n_claim_entries = find_claims(in, &granted, vif_of, claim_other);
	if (n_claim_entries > 0) {
		/* the claim prefixes are published here, in the same layout */
		r = -ENOMEM;
		if (index_alloc(&claimx, granted.n) < 0)
			goto finish;
		r = 0;
		memcpy(claimx.slots, granted.slots, granted.n * sizeof(*granted.slots));
		index_sort(&claimx);
	}
	qsort(keys, n, sizeof(*keys), order_cmp);
	for (size_t pos = 0; pos < n; pos++)
		order[pos] = keys[pos].index;

	for (uint32_t pos = 0; pos < n; pos++) {
		size_t i = order[pos];
		const struct vif *v = in[i].vif;
		struct resolve_out *o = &ret[i];
		struct conflict_ctx ctx = {.in = in, .order = order, .i = i};
		struct search sp = {.accept = accept_any};
		struct shared_ctx sctx = {.shared = shared,
					  .entry_of = shared_entry_of,
					  .domain_name = in[i].domain_name};
		struct search ss_any = {.accept = accept_any};
		struct search ss_non = {.accept = accept_non_member, .ctx = &sctx};
		bool is_shared[VIF_ADDRS_MAX];
		struct search sg = {.accept = accept_conflict,
				    .ctx = &ctx,
				    .has_exclude = true,
				    .exclude = v->domid};
		struct search sx = sg;
		bool is_granted[VIF_ADDRS_MAX], is_claim[VIF_ADDRS_MAX];

		/* Not *v: copying 64 addresses per vif was a third of the time. */
		memcpy(&o->effective, v, offsetof(struct vif, addrs));
		o->effective.n_addrs = 0;
		o->effective.n_vmacs = 0;
		o->effective.n_claims = 0;
		o->n_withheld = 0;
		o->shared_mask = 0;
		for (size_t k = 0; k < v->n_addrs; k++) {
			const struct vif_addr *a = &v->addrs[k];
			uint32_t p = index_query(&prot, a, true, &sp), c = NONE, sa = NONE,
				 sn = NONE;
			bool is_exact = a->prefixlen == (a->family == AF_INET ? 32 : 128);
			struct resolve_withheld *w;

			is_shared[k] = false;
			is_claim[k] = false;
			if (claim_other[base[i] + k] != NONE && p == NONE) {
				/*
				 * A prefix other guests list too: shared, every address
				 * in it the first claimant's (ownership.c).  Only a
				 * prefix of a conflicting vif around it withholds it; the
				 * exact addresses and prefixes of others inside it stay
				 * theirs, and the judge refuses them to claimants.
				 */
				c = index_query(&granted, a, true, &sg);
				if (c == NONE && o->effective.n_claims < VIF_CLAIMS_MAX) {
					is_claim[k] = true;
					is_granted[k] = false;
					o->effective.claims[o->effective.n_claims++] = *a;
					continue;
				}
				w = &o->withheld[o->n_withheld++];
				memset(w, 0, sizeof(*w));
				w->addr = *a;
				w->why = RESOLVE_WHY_CONFLICT;
				w->other = c != NONE ? order[c] : claim_other[base[i] + k];
				is_granted[k] = false;
				continue;
			}
			if (p == NONE)
				sa = index_query(&shr, a, false, &ss_any);
			if (sa != NONE)
				sn = index_query(&shr, a, false, &ss_non);
			/* a member's exact shared address: granted, and never published
			 * (other members may have it; every other vif is refused by sn) */
			is_shared[k] = sa != NONE && sn == NONE && is_exact;
			if (p == NONE && sn == NONE && !is_shared[k])
				c = index_query(&granted, a, false, &sg);
			/* a prefix overlapping another's shared prefix: a conflict
			 * (an exact address inside one stays its configurer's) */
			if (c == NONE && p == NONE && sn == NONE && !is_exact &&
			    n_claim_entries > 0)
				c = index_query(&claimx, a, false, &sx);
			is_granted[k] = p == NONE && sn == NONE && c == NONE;
			if (is_granted[k]) {
				if (is_shared[k]) {
					const struct policy_shared *sh =
					    &shared[shared_entry_of[sa]];
					int fi = family_index(a->family);

					o->shared_mask |= UINT64_C(1) << o->effective.n_addrs;
					o->shared_of[o->effective.n_addrs] = shared_entry_of[sa];
					if (sh->has_vmac[fi])
						vmac_add(&o->effective, sh->vmac[fi]);
				}
				o->effective.addrs[o->effective.n_addrs++] = *a;
				continue;
			}
			w = &o->withheld[o->n_withheld++];
			memset(w, 0, sizeof(*w));
			w->addr = *a;
			if (p != NONE) {
				w->why = RESOLVE_WHY_PROTECTED;
				w->other = p;
				w->protected_addr = protected_addrs[p];
			} else if (sn != NONE) {
				w->why = RESOLVE_WHY_SHARED;
				w->other = shared_entry_of[sn];
				w->protected_addr = shared_addr[sn];
			} else {
				w->why = RESOLVE_WHY_CONFLICT;
				w->other = order[c];
			}
		}
		/*
		 * Publish only after the whole vif: its own entries never conflict
		 * with each other (same domain), so this changes no answer and saves
		 * the search from stepping over them.
		 */
		for (size_t k = 0; k < v->n_addrs; k++) {
			if (is_granted[k] && !is_shared[k])
				index_set(&granted, slot_of[base[i] + k], pos, v->domid);
			if (is_claim[k])
				index_set(&claimx, slot_of[base[i] + k], pos, v->domid);
		}
	}

finish:
	index_done(&prot);
	index_done(&granted);
	index_done(&shr);
	index_done(&claimx);
	free(vif_of);
	free(claim_other);
	free(keys);
	free(order);
	free(base);
	free(slot_of);
	return r;
}
