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

int main(void)
{
	test_batch_walk();
	test_del_mirrors_add();
	test_acks();
	test_empty_plan();
	if (failures) {
		fprintf(stderr, "test-nfmsg: %d failures\n", failures);
		return 1;
	}
	printf("test-nfmsg: all passed\n");
	return 0;
}
