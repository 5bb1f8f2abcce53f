// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The batch builder and the ack parser, without a kernel: build a plan's
 * batch, walk it message by message and parse each back with libnftnl; feed
 * the ack parser answers shaped like the kernel's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>

#include "nfmsg.h"
#include "policy.h"
#include "ruleset.h"
#include "vif.h"

static int failures;

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                    \
		}                                                                      \
	} while (0)

static void make_vif(struct vif *v, uint32_t domid, const char *ip)
{
	struct vif_keys k = { .mac = "00:16:3e:00:00:01", .ip = ip };
	struct vif_limits lim;
	struct vif_error err;

	vif_limits_default(&lim);
	if (vif_from_keys(domid, 0, &k, &lim, v, &err) < 0) {
		fprintf(stderr, "make_vif: %s\n", err.text);
		exit(1);
	}
}

static void test_batch_walk(void)
{
	struct policy pol;
	struct plan p;
	struct vif v[2];
	struct nfmsg_batch b;
	const struct nlmsghdr *nlh;
	int len, n = 0, n_rules = 0, n_acks = 0;
	uint32_t expect_seq = 1000;

	policy_default(&pol);
	make_vif(&v[0], 3, "192.0.2.3 2001:db8::3");
	make_vif(&v[1], 4, "192.0.2.4");
	plan_init(&p, "t");
	CHECK(ruleset_full(&pol, v, 2, NULL, &p) == 0);
	CHECK(nfmsg_batch_build(&p, 1000, &b) == 0);
	CHECK(b.first_seq == 1001);
	CHECK(b.n_ops == p.n_ops);
	CHECK(b.last_seq == 1000 + p.n_ops);

	nlh = (const struct nlmsghdr *)b.buf;
	len = (int)b.len;
	while (mnl_nlmsg_ok(nlh, len)) {
		uint16_t type = nlh->nlmsg_type;

		CHECK(nlh->nlmsg_seq == expect_seq);
		expect_seq++;
		if (n == 0)
			CHECK(type == NFNL_MSG_BATCH_BEGIN);
		else if ((size_t)n == p.n_ops + 1)
			CHECK(type == NFNL_MSG_BATCH_END);
		else {
			const struct plan_op *op = &p.ops[n - 1];

			CHECK((type >> 8) == NFNL_SUBSYS_NFTABLES);
			if (op->obj == PLAN_RULE) {
				struct nftnl_rule *r = nftnl_rule_alloc();

				CHECK(!op->del);
				CHECK((type & 0xff) == NFT_MSG_NEWRULE);
				CHECK(nftnl_rule_nlmsg_parse(nlh, r) == 0);
				CHECK(strcmp(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), op->name) == 0);
				CHECK(strcmp(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), "t") == 0);
				CHECK(nftnl_rule_get_u32(r, NFTNL_RULE_FAMILY) == NFPROTO_BRIDGE);
				nftnl_rule_free(r);
				n_rules++;
			}
			if (nlh->nlmsg_flags & NLM_F_ACK)
				n_acks++;
			/* only the last op asks for an ACK */
			CHECK(!!(nlh->nlmsg_flags & NLM_F_ACK) == ((size_t)n == p.n_ops));
		}
		n++;
		nlh = mnl_nlmsg_next(nlh, &len);
	}
	CHECK(len == 0);
	CHECK((size_t)n == p.n_ops + 2);
	CHECK(n_rules > 20);
	CHECK(n_acks == 1);
	/* the first three ops replace the table in place */
	CHECK(p.ops[0].obj == PLAN_TABLE && !p.ops[0].del);
	CHECK(p.ops[1].obj == PLAN_TABLE && p.ops[1].del);
	CHECK(p.ops[2].obj == PLAN_TABLE && !p.ops[2].del);
	CHECK(nfmsg_batch_op_of_seq(&b, 1000) == -1);
	CHECK(nfmsg_batch_op_of_seq(&b, 1001) == 0);
	CHECK(nfmsg_batch_op_of_seq(&b, b.last_seq) == (long)p.n_ops - 1);
	CHECK(nfmsg_batch_op_of_seq(&b, b.last_seq + 1) == -1);
	nfmsg_batch_done(&b);
	plan_done(&p);
}

/* Deleting a vif deletes what adding it created: the same sets touched,
 * @ports first, the objects last; an update touches only what differs. */
static void test_del_mirrors_add(void)
{
	struct policy pol;
	struct plan a, d, u;
	struct vif v, w;
	size_t n_elems_add = 0, n_elems_del = 0;

	policy_default(&pol);
	make_vif(&v, 9, "192.0.2.9");
	make_vif(&w, 9, "192.0.2.10");
	plan_init(&a, "t");
	plan_init(&d, "t");
	plan_init(&u, "t");
	CHECK(ruleset_vif_add(&pol, &v, NULL, 0, &a) == 0);
	CHECK(ruleset_vif_del(&pol, &v, NULL, 0, &d) == 0);
	for (size_t i = 0; i < a.n_ops; i++) {
		CHECK(!a.ops[i].del);
		CHECK(a.ops[i].obj == PLAN_ELEMS || a.ops[i].obj == PLAN_OBJECT);
		n_elems_add += a.ops[i].obj == PLAN_ELEMS;
	}
	for (size_t i = 0; i < d.n_ops; i++) {
		CHECK(d.ops[i].del);
		n_elems_del += d.ops[i].obj == PLAN_ELEMS;
	}
	CHECK(n_elems_add == n_elems_del && n_elems_add >= 6);
	/* the port leaves first and comes last; objects outlive their map elements */
	CHECK(a.ops[0].obj == PLAN_OBJECT);
	CHECK(a.ops[a.n_ops - 1].obj == PLAN_ELEMS && strcmp(a.ops[a.n_ops - 1].name, "ports") == 0);
	CHECK(d.ops[0].obj == PLAN_ELEMS && strcmp(d.ops[0].name, "ports") == 0);
	CHECK(d.ops[d.n_ops - 1].obj == PLAN_OBJECT);
	/* 192.0.2.9 -> 192.0.2.10: one element out of v4, one in, nothing else */
	CHECK(ruleset_vif_del(&pol, &v, &w, 0, &u) == 0);
	CHECK(ruleset_vif_add(&pol, &w, &v, 0, &u) == 0);
	CHECK(u.n_ops == 2);
	CHECK(u.ops[0].del && strcmp(u.ops[0].name, "v4") == 0 && strstr(u.ops[0].text, "192.0.2.9"));
	CHECK(!u.ops[1].del && strcmp(u.ops[1].name, "v4") == 0 && strstr(u.ops[1].text, "192.0.2.10"));
	plan_done(&a);
	plan_done(&d);
	plan_done(&u);
}

struct acks {
	struct nfmsg_ack a[8];
	int n;
};

static void on_ack(const struct nfmsg_ack *ack, void *userdata)
{
	struct acks *acks = userdata;

	if (acks->n < 8)
		acks->a[acks->n++] = *ack;
}

/* An NLMSG_ERROR as the kernel sends it with NETLINK_CAP_ACK + EXT_ACK. */
static size_t put_error(char *buf, uint32_t seq, int error, const char *msg)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	e->msg.nlmsg_seq = seq;
	if (msg) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS | NLM_F_CAPPED;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	}
	return nlh->nlmsg_len;
}

static void test_acks(void)
{
	char buf[4096] = { 0 };
	struct acks acks = { 0 };
	size_t len = 0;

	len += put_error(buf + len, 42, -EEXIST, "Could not process rule: File exists");
	len += put_error(buf + len, 43, 0, NULL);
	CHECK(nfmsg_acks_parse(buf, len, on_ack, &acks) == 0);
	CHECK(acks.n == 2);
	CHECK(acks.a[0].seq == 42 && acks.a[0].error == -EEXIST);
	CHECK(strstr(acks.a[0].msg, "File exists") != NULL);
	CHECK(acks.a[1].seq == 43 && acks.a[1].error == 0 && acks.a[1].msg[0] == 0);

	/* truncated, bogus error values, garbage */
	acks.n = 0;
	CHECK(nfmsg_acks_parse(buf, 10, on_ack, &acks) == -EBADMSG || acks.n == 0);
	((struct nlmsgerr *)mnl_nlmsg_get_payload((struct nlmsghdr *)buf))->error = 5;
	CHECK(nfmsg_acks_parse(buf, len, on_ack, &acks) == -EBADMSG);
}

static void test_empty_plan(void)
{
	struct plan p;
	struct nfmsg_batch b;

	plan_init(&p, "t");
	/* never a batch of only begin and end */
	CHECK(nfmsg_batch_build(&p, 1, &b) == -ENODATA);
	plan_done(&p);
}

/* One "set|key-hex|objref" line per element of the plan's element ops. */
static size_t elem_lines(const struct plan *p, char ***ret)
{
	char **lines = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < p->n_ops; i++) {
		struct nftnl_set_elems_iter *it;
		struct nftnl_set_elem *e;

		if (p->ops[i].obj != PLAN_ELEMS)
			continue;
		it = nftnl_set_elems_iter_create(p->ops[i].nl);
		for (e = nftnl_set_elems_iter_next(it); e; e = nftnl_set_elems_iter_next(it)) {
			uint32_t klen = 0;
			const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
			const char *ref = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF) ?
						  nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF) :
						  "";
			char *line = malloc(64 + 2 * klen + strlen(ref) + 1), *o;

			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 256;
				lines = realloc(lines, alloc * sizeof(*lines));
			}
			o = line + sprintf(line, "%s|", p->ops[i].name);
			for (uint32_t j = 0; j < klen; j++)
				o += sprintf(o, "%02x", k[j]);
			sprintf(o, "|%s", ref);
			lines[n++] = line;
		}
		nftnl_set_elems_iter_destroy(it);
	}
	*ret = lines;
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The elements of a NEWSETELEM message, each checked to carry a key (by
 * hand: libnftnl's own parser refuses lists of more than one element, which
 * the kernel takes). */
static size_t count_elems(struct nlmsghdr *nlh)
{
	struct nlattr *a, *list = NULL;
	size_t n = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFTA_SET_ELEM_LIST_ELEMENTS)
			list = a;
	CHECK(list != NULL);
	if (!list)
		return 0;
	mnl_attr_for_each_nested(a, list) {
		struct nlattr *f;
		bool has_key = false;

		mnl_attr_for_each_nested(f, a)
			has_key |= mnl_attr_get_type(f) == NFTA_SET_ELEM_KEY;
		CHECK(has_key);
		n++;
	}
	return n;
}

/* A merged full plan holds exactly the elements of the plain one, in a few
 * ops per set, after every object they refer to; its messages parse back. */
static void test_merged_full(void)
{
	enum { N = 700 };
	static struct vif v[N];
	struct policy pol;
	struct plan a, b;
	struct nfmsg_batch batch;
	char **la, **lb;
	size_t na, nb, n_elem_ops_a = 0, n_elem_ops_b = 0, seen_elems = 0;
	struct nlmsghdr *nlh;
	int len;

	policy_default(&pol);
	for (int i = 0; i < N; i++) {
		struct vif_keys k = { 0 };
		struct vif_limits lim;
		struct vif_error err;
		char mac[32], ip[128];

		snprintf(mac, sizeof(mac), "00:16:3e:00:%02x:%02x", i >> 8, i & 0xff);
		/* exact addresses, both families, and prefixes of two lengths */
		snprintf(ip, sizeof(ip), "192.0.2.%d 2001:db8:%x::1 %s", i % 250 + 1, i,
			 i % 3 == 0 ? "198.51.100.0/28" : i % 3 == 1 ? "2001:db8:ffff::/64" : "");
		k.mac = mac;
		k.ip = ip;
		vif_limits_default(&lim);
		if (vif_from_keys((uint32_t)i + 1, 0, &k, &lim, &v[i], &err) < 0) {
			fprintf(stderr, "test_merged_full: %s\n", err.text);
			exit(1);
		}
	}
	plan_init(&a, "t");
	plan_init(&b, "t");
	b.merge_elems = true;
	CHECK(ruleset_full(&pol, v, N, NULL, &a) == 0);
	CHECK(ruleset_full(&pol, v, N, NULL, &b) == 0);

	na = elem_lines(&a, &la);
	nb = elem_lines(&b, &lb);
	CHECK(na == nb);
	CHECK(na > 10 * N);
	qsort(la, na, sizeof(*la), cmp_str);
	qsort(lb, nb, sizeof(*lb), cmp_str);
	for (size_t i = 0; i < na && i < nb; i++)
		if (strcmp(la[i], lb[i]) != 0) {
			CHECK(strcmp(la[i], lb[i]) == 0);
			break;
		}

	for (size_t i = 0; i < a.n_ops; i++)
		n_elem_ops_a += a.ops[i].obj == PLAN_ELEMS;
	for (size_t i = 0; i < b.n_ops; i++) {
		const struct plan_op *op = &b.ops[i];
		struct nftnl_set_elems_iter *it;
		struct nftnl_set_elem *e;
		size_t n = 0;

		if (op->obj != PLAN_ELEMS) {
			/* the table's own ops keep their owner, a vif's objects theirs */
			CHECK(op->owner != PLAN_OWNER_MERGED);
			continue;
		}
		n_elem_ops_b++;
		CHECK(op->owner == PLAN_OWNER_MERGED);
		CHECK(!op->del);
		CHECK(op->text != NULL);
		it = nftnl_set_elems_iter_create(op->nl);
		for (e = nftnl_set_elems_iter_next(it); e; e = nftnl_set_elems_iter_next(it)) {
			n++;
			if (!nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF))
				continue;
			/* the object it refers to is created by an earlier op */
			const char *ref = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF);
			bool found = false;

			for (size_t j = 0; j < i && !found; j++)
				found = b.ops[j].obj == PLAN_OBJECT && !b.ops[j].del &&
					strcmp(b.ops[j].name, ref) == 0;
			CHECK(found);
		}
		nftnl_set_elems_iter_destroy(it);
		CHECK(n > 0 && n <= PLAN_MERGE_MAX);
	}
	/* each set is sized for four times its elements: a power of two, at
	 * least PLAN_SET_SIZE_MIN, the same in both plans */
	for (size_t i = 0; i < b.n_ops; i++) {
		uint64_t n = 0;
		uint32_t size;

		if (b.ops[i].obj != PLAN_SET || b.ops[i].del)
			continue;
		for (size_t k = 0; k < b.n_ops; k++)
			if (b.ops[k].obj == PLAN_ELEMS && strcmp(b.ops[k].name, b.ops[i].name) == 0)
				n += b.ops[k].n_elems;
		size = nftnl_set_get_u32(b.ops[i].nl, NFTNL_SET_DESC_SIZE);
		CHECK(size >= PLAN_SET_SIZE_MIN && size >= 4 * n && (size & (size - 1)) == 0);
		CHECK(size == PLAN_SET_SIZE_MIN || size < 8 * n);
		CHECK(strstr(b.ops[i].text, "\nsize ") && strtoul(strstr(b.ops[i].text, "\nsize ") + 6, NULL, 10) == size);
		if (strcmp(b.ops[i].name, "v4") == 0)
			CHECK(n == N && size == 4096);
		for (size_t k = 0; k < a.n_ops; k++)
			if (a.ops[k].obj == PLAN_SET && strcmp(a.ops[k].name, b.ops[i].name) == 0)
				CHECK(nftnl_set_get_u32(a.ops[k].nl, NFTNL_SET_DESC_SIZE) == size);
	}

	/* a vif's ~12 element ops become a few per set */
	CHECK(n_elem_ops_a >= 8 * N);
	CHECK(n_elem_ops_b * 50 < n_elem_ops_a);

	/* every merged message parses back whole, within netlink's 16-bit
	 * attribute length */
	CHECK(nfmsg_batch_build(&b, 1, &batch) == 0);
	nlh = (struct nlmsghdr *)batch.buf;
	len = (int)batch.len;
	for (size_t n = 0; mnl_nlmsg_ok(nlh, len); n++, nlh = mnl_nlmsg_next(nlh, &len)) {
		if (n == 0 || n > b.n_ops || b.ops[n - 1].obj != PLAN_ELEMS)
			continue;
		CHECK(nlh->nlmsg_len < 65535);
		seen_elems += count_elems(nlh);
	}
	CHECK(seen_elems == nb);
	nfmsg_batch_done(&batch);

	for (size_t i = 0; i < na; i++)
		free(la[i]);
	for (size_t i = 0; i < nb; i++)
		free(lb[i]);
	free(la);
	free(lb);
	plan_done(&a);
	plan_done(&b);
}

int main(void)
{
	test_batch_walk();
	test_del_mirrors_add();
	test_acks();
	test_empty_plan();
	test_merged_full();
	if (failures) {
		fprintf(stderr, "test-nfmsg: %d failures\n", failures);
		return 1;
	}
	printf("test-nfmsg: all passed\n");
	return 0;
}
