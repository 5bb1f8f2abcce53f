// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The plan container: ops, merged element ops, set sizes, and the printer,
 * which lays the ops' texts out as `nft list table` would.
 */
#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/netfilter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libnftnl/chain.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

void plan_init(struct plan *p, const char *table)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->table, sizeof(p->table), "%s", table);
}

static void op_free(struct plan_op *op)
{
	switch (op->obj) {
	case PLAN_TABLE:
		nftnl_table_free(op->nl);
		break;
	case PLAN_CHAIN:
		nftnl_chain_free(op->nl);
		break;
	case PLAN_SET:
	case PLAN_ELEMS:
		nftnl_set_free(op->nl);
		break;
	case PLAN_OBJECT:
		nftnl_obj_free(op->nl);
		break;
	case PLAN_RULE:
		nftnl_rule_free(op->nl);
		break;
	case _PLAN_OBJ_MAX:
		break;
	}
	free(op->text);
}

void plan_merge_free(struct plan *p)
{
	for (size_t i = 0; i < p->n_merge; i++) {
		if (p->merge[i].s) /* nftnl_set_free() takes no NULL */
			nftnl_set_free(p->merge[i].s);
		free(p->merge[i].text);
	}
	free(p->merge);
	p->merge = NULL;
	p->n_merge = 0;
}

void plan_done(struct plan *p)
{
	for (size_t i = 0; i < p->n_ops; i++)
		op_free(&p->ops[i]);
	free(p->ops);
	p->ops = NULL;
	p->n_ops = p->n_alloc = 0;
	plan_merge_free(p);
}

int plan_push(struct plan *p, bool del, enum plan_obj obj, void *nl, int owner, const char *name,
	      const char *text)
{
	struct plan_op *op;

	if (!nl)
		goto oom;
	if (p->n_ops == p->n_alloc) {
		size_t n = p->n_alloc ? p->n_alloc * 2 : 64;
		struct plan_op *ops = realloc(p->ops, n * sizeof(*ops));

		if (!ops)
			goto oom_free;
		p->ops = ops;
		p->n_alloc = n;
	}
	op = &p->ops[p->n_ops];
	memset(op, 0, sizeof(*op));
	op->del = del;
	op->obj = obj;
	op->nl = nl;
	op->owner = owner;
	snprintf(op->name, sizeof(op->name), "%s", name);
	if (text && !p->no_text) {
		op->text = strdup(text);
		if (!op->text)
			goto oom_free;
	}
	p->n_ops++;
	return 0;

oom_free : {
	struct plan_op tmp = {.obj = obj, .nl = nl};
	op_free(&tmp);
}
oom:
	p->oom = true;
	return -ENOMEM;
}

uint32_t plan_set_size_min(const struct plan *p)
{
	return p->set_size_min ?: PLAN_SET_SIZE_MIN;
}

struct nftnl_set *plan_set_new(struct plan *p, const char *name)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s) {
		nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_BRIDGE);
		nftnl_set_set_str(s, NFTNL_SET_TABLE, p->table);
		nftnl_set_set_str(s, NFTNL_SET_NAME, name);
		nftnl_set_set_u32(s, NFTNL_SET_ID, ++p->next_set_id);
	}
	return s;
}

/* ---- merged element ops ---- */

struct plan_merge *plan_merge_get(struct plan *p, const char *name)
{
	struct plan_merge *mg = NULL, *grown;

	for (size_t i = 0; i < p->n_merge && !mg; i++)
		if (strcmp(p->merge[i].name, name) == 0)
			mg = &p->merge[i];
	if (!mg) {
		grown = realloc(p->merge, (p->n_merge + 1) * sizeof(*grown));
		if (!grown)
			goto oom;
		p->merge = grown;
		mg = &p->merge[p->n_merge++];
		memset(mg, 0, sizeof(*mg));
		snprintf(mg->name, sizeof(mg->name), "%s", name);
	}
	if (!mg->s && !(mg->s = plan_set_new(p, name)))
		goto oom;
	return mg;
oom:
	p->oom = true;
	return NULL;
}

static void merge_text(struct plan *p, struct plan_merge *mg, const char *text)
{
	size_t n = strlen(text);
	char *t = realloc(mg->text, mg->text_len + n + 3);

	if (!t) {
		p->oom = true;
		return;
	}
	if (mg->text_len) {
		memcpy(t + mg->text_len, ", ", 2);
		mg->text_len += 2;
	}
	memcpy(t + mg->text_len, text, n + 1);
	mg->text_len += n;
	mg->text = t;
}

/* The gathered elements become one op. */
static int merge_flush(struct plan *p, struct plan_merge *mg)
{
	struct nftnl_set *s = mg->s;
	char *text = mg->text;
	int ret = 0;

	mg->s = NULL;
	mg->text = NULL;
	mg->text_len = 0;
	if (s && mg->n > 0) {
		ret = plan_push(p, false, PLAN_ELEMS, s, PLAN_OWNER_MERGED, mg->name, text);
		if (ret == 0)
			p->ops[p->n_ops - 1].n_elems = (uint32_t)mg->n;
	} else if (s)
		nftnl_set_free(s);
	mg->n = 0;
	free(text);
	return ret;
}

int plan_merge_add(struct plan *p, struct plan_merge *mg, size_t n, const char *text)
{
	mg->n += n;
	if (!p->oom && n > 0 && text)
		merge_text(p, mg, text);
	if (p->oom)
		return -ENOMEM;
	if (mg->n >= PLAN_MERGE_MAX)
		return merge_flush(p, mg);
	return 0;
}

int plan_merge_flush(struct plan *p)
{
	int ret = 0;

	for (size_t i = 0; i < p->n_merge && ret == 0; i++)
		ret = merge_flush(p, &p->merge[i]);
	return ret;
}

int plan_sets_size(struct plan *p)
{
	const uint32_t min = plan_set_size_min(p);

	for (size_t i = 0; i < p->n_ops; i++) {
		struct plan_op *op = &p->ops[i];
		uint64_t n = 0, size = min;
		char *at;

		if (op->del || op->obj != PLAN_SET)
			continue;
		for (size_t k = i + 1; k < p->n_ops; k++)
			if (p->ops[k].obj == PLAN_ELEMS && !p->ops[k].del &&
			    strcmp(p->ops[k].name, op->name) == 0)
				n += p->ops[k].n_elems;
		while (size < 4 * n && size < UINT32_MAX / 2)
			size *= 2;
		nftnl_set_set_u32(op->nl, NFTNL_SET_DESC_SIZE, (uint32_t)size);
		at = op->text ? strstr(op->text, "\nsize ") : NULL;
		if (at) {
			size_t head = (size_t)(at - op->text);
			char *t = malloc(head + 32);

			if (!t) {
				p->oom = true;
				return -ENOMEM;
			}
			snprintf(t, head + 32, "%.*s\nsize %" PRIu64, (int)head, op->text, size);
			free(op->text);
			op->text = t;
		}
	}
	return 0;
}

/* ---- printer ---- */

static void print_set(FILE *f, const struct plan *p, size_t i)
{
	const struct plan_op *op = &p->ops[i];
	bool first = true;
	const char *kind = strstr(op->text ?: "", ":") ? "map" : "set";
	const char *t = op->text ?: "";

	fprintf(f, "\t%s %s {\n", kind, op->name);
	while (*t) {
		const char *nl = strchr(t, '\n');
		size_t n = nl ? (size_t)(nl - t) : strlen(t);

		fprintf(f, "\t\t%.*s\n", (int)n, t);
		t += n + (nl ? 1 : 0);
	}
	for (size_t k = i + 1; k < p->n_ops; k++) {
		const struct plan_op *e = &p->ops[k];

		if (e->del || e->obj != PLAN_ELEMS || strcmp(e->name, op->name) != 0 || !e->text)
			continue;
		fprintf(f, first ? "\t\telements = { %s" : ",\n\t\t\t     %s", e->text);
		first = false;
	}
	if (!first)
		fprintf(f, " }\n");
	fprintf(f, "\t}\n");
}

char *plan_print(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	size_t start = 0;
	FILE *f;

	/* print what the plan creates after its last table deletion */
	for (size_t i = 0; i < p->n_ops; i++)
		if (p->ops[i].del && p->ops[i].obj == PLAN_TABLE)
			start = i + 1;

	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "table bridge %s {\n", p->table);
	for (size_t i = start; i < p->n_ops; i++)
		if (!p->ops[i].del && p->ops[i].obj == PLAN_OBJECT) {
			/* a limit has its parameters as text, a counter none */
			const struct plan_op *op = &p->ops[i];

			fprintf(f, "\t%s %s {\n", op->text ? "limit" : "counter", op->name);
			if (op->text)
				fprintf(f, "\t\t%s\n", op->text);
			fprintf(f, "\t}\n");
		}
	for (size_t i = start; i < p->n_ops; i++)
		if (!p->ops[i].del && p->ops[i].obj == PLAN_SET) {
			fprintf(f, "\n");
			print_set(f, p, i);
		}
	for (size_t i = start; i < p->n_ops; i++) {
		const struct plan_op *op = &p->ops[i];

		if (op->del || op->obj != PLAN_CHAIN)
			continue;
		fprintf(f, "\n\tchain %s {\n", op->name);
		if (op->text)
			fprintf(f, "\t\t%s\n", op->text);
		for (size_t k = i + 1; k < p->n_ops; k++) {
			const struct plan_op *r = &p->ops[k];

			if (!r->del && r->obj == PLAN_RULE && strcmp(r->name, op->name) == 0)
				fprintf(f, "\t\t%s\n", r->text);
		}
		fprintf(f, "\t}\n");
	}
	fprintf(f, "}\n");
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
