// SPDX-License-Identifier: GPL-2.0-or-later
/* libc network headers before the uapi ones (libc-compat.h) */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "nfmsg.h"

/* Room reserved for one message before building it: mnl_attr_put() does not
 * check bounds, so every message must fit what we reserve.  The largest is a
 * set of VIF_ADDRS_MAX intervals (about 130 elements of ~40 bytes). */
#define MSG_RESERVE (64 * 1024)

static int reserve(struct nfmsg_batch *b)
{
	if (b->alloc - b->len >= MSG_RESERVE)
		return 0;
	size_t n = b->alloc ? b->alloc * 2 : 4 * MSG_RESERVE;
	uint8_t *buf = realloc(b->buf, n);

	if (!buf)
		return -ENOMEM;
	/* libnftnl/libmnl expect zeroed padding */
	memset(buf + b->alloc, 0, n - b->alloc);
	b->buf = buf;
	b->alloc = n;
	return 0;
}

static void commit(struct nfmsg_batch *b, struct nlmsghdr *nlh)
{
	b->len += MNL_ALIGN(nlh->nlmsg_len);
}

static uint16_t msg_type(const struct plan_op *op)
{
	switch (op->obj) {
	case PLAN_TABLE:
		return op->del ? NFT_MSG_DELTABLE : NFT_MSG_NEWTABLE;
	case PLAN_CHAIN:
		return op->del ? NFT_MSG_DELCHAIN : NFT_MSG_NEWCHAIN;
	case PLAN_SET:
		return op->del ? NFT_MSG_DELSET : NFT_MSG_NEWSET;
	case PLAN_ELEMS:
		return op->del ? NFT_MSG_DELSETELEM : NFT_MSG_NEWSETELEM;
	case PLAN_OBJECT:
		return op->del ? NFT_MSG_DELOBJ : NFT_MSG_NEWOBJ;
	case PLAN_RULE:
		return op->del ? NFT_MSG_DELRULE : NFT_MSG_NEWRULE;
	case _PLAN_OBJ_MAX:
		break;
	}
	return 0;
}

static uint16_t msg_flags(const struct plan_op *op)
{
	if (op->del)
		return 0;
	switch (op->obj) {
	case PLAN_TABLE:
		/* "create if missing": the full sync starts with it so that
		 * the DELTABLE after it always finds the table */
		return NLM_F_CREATE;
	case PLAN_RULE:
		return NLM_F_CREATE | NLM_F_APPEND;
	case PLAN_CHAIN:
	case PLAN_SET:
	case PLAN_ELEMS:
	case PLAN_OBJECT:
		/* a name we create must be new: a clash means our view of
		 * the kernel is wrong, or two vifs claim one port name */
		return NLM_F_CREATE | NLM_F_EXCL;
	case _PLAN_OBJ_MAX:
		break;
	}
	return 0;
}

int nfmsg_batch_build(const struct plan *p, uint32_t seq, struct nfmsg_batch *ret)
{
	struct nfmsg_batch b = {0};
	struct nlmsghdr *nlh;
	int r;

	if (p->oom)
		return -ENOMEM;
	if (p->n_ops == 0)
		return -ENODATA; /* never send a batch of only begin and end */
	if ((r = reserve(&b)) < 0)
		return r;
	nlh = nftnl_batch_begin((char *)b.buf + b.len, seq++);
	commit(&b, nlh);
	b.first_seq = seq;
	for (size_t i = 0; i < p->n_ops; i++) {
		const struct plan_op *op = &p->ops[i];
		uint16_t flags = msg_flags(op);

		if ((r = reserve(&b)) < 0)
			goto fail;
		/* ACK only the last message: errors come unasked, and the
		 * last ACK proves the whole batch was processed. */
		if (i == p->n_ops - 1)
			flags |= NLM_F_ACK;
		nlh = nftnl_nlmsg_build_hdr((char *)b.buf + b.len, msg_type(op), NFPROTO_BRIDGE,
					    flags, seq + (uint32_t)i);
		switch (op->obj) {
		case PLAN_TABLE:
			nftnl_table_nlmsg_build_payload(nlh, op->nl);
			break;
		case PLAN_CHAIN:
			nftnl_chain_nlmsg_build_payload(nlh, op->nl);
			break;
		case PLAN_SET:
			nftnl_set_nlmsg_build_payload(nlh, op->nl);
			break;
		case PLAN_ELEMS:
			nftnl_set_elems_nlmsg_build_payload(nlh, op->nl);
			break;
		case PLAN_OBJECT:
			nftnl_obj_nlmsg_build_payload(nlh, op->nl);
			break;
		case PLAN_RULE:
			nftnl_rule_nlmsg_build_payload(nlh, op->nl);
			break;
		case _PLAN_OBJ_MAX:
			r = -EINVAL;
			goto fail;
		}
		if (nlh->nlmsg_len > MSG_RESERVE) {
			/* already overran the reserve: a bug, not an input error */
			abort();
		}
		commit(&b, nlh);
	}
	b.n_ops = p->n_ops;
	b.last_seq = seq + (uint32_t)p->n_ops - 1;
	if ((r = reserve(&b)) < 0)
		goto fail;
	nlh = nftnl_batch_end((char *)b.buf + b.len, seq + (uint32_t)p->n_ops);
	commit(&b, nlh);
	*ret = b;
	return 0;
fail:
	free(b.buf);
	return r;
}

void nfmsg_batch_done(struct nfmsg_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

long nfmsg_batch_op_of_seq(const struct nfmsg_batch *b, uint32_t seq)
{
	if (seq < b->first_seq || seq >= b->first_seq + b->n_ops)
		return -1;
	return (long)(seq - b->first_seq);
}

/* libmnl's mnl_nlmsg_ok() casts nlmsg_len to int, so a length near 4 GiB
 * passes its check (and mnl_nlmsg_next() then jumps far out of the buffer):
 * bound it ourselves. */
static const struct nlmsghdr *msg_first(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return NULL;
	return nlh;
}

static const struct nlmsghdr *msg_next(const struct nlmsghdr *nlh, size_t *remaining)
{
	size_t step = NLMSG_ALIGN((size_t)nlh->nlmsg_len);

	if (step >= *remaining) {
		*remaining = 0;
		return NULL;
	}
	*remaining -= step;
	return msg_first((const char *)nlh + step, *remaining);
}

static int extack_msg_cb(const struct nlattr *attr, void *data)
{
	const char **msg = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		*msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

int nfmsg_acks_parse(const void *buf, size_t len,
		     void (*cb)(const struct nfmsg_ack *ack, void *userdata), void *userdata)
{
	size_t n = len;
	const struct nlmsghdr *nlh = msg_first(buf, n);

	if (!nlh && len > 0)
		return -EBADMSG;
	for (; nlh; nlh = msg_next(nlh, &n)) {
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e;
			struct nfmsg_ack ack = {.seq = nlh->nlmsg_seq};
			const char *msg = NULL;
			size_t off;

			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
				return -EBADMSG;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error > 0 || e->error < -4095)
				return -EBADMSG;
			ack.error = e->error;
			/* TLVs follow the error (and the echoed request, unless capped) */
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
				off = sizeof(*e);
				if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
					if (e->msg.nlmsg_len < sizeof(struct nlmsghdr))
						return -EBADMSG;
					off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
				}
				off = MNL_ALIGN(off);
				if (mnl_nlmsg_size(off) <= nlh->nlmsg_len)
					mnl_attr_parse(nlh, (unsigned int)off, extack_msg_cb, &msg);
			}
			if (msg)
				snprintf(ack.msg, sizeof(ack.msg), "%s", msg);
			cb(&ack, userdata);
		}
	}
	return 0;
}

static int table_attr_cb(const struct nlattr *attr, void *data)
{
	struct nfmsg_event *ev = data;

	/* attribute 1 is the table name in every nf_tables object message
	 * (NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE,
	 * NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE, NFTA_FLOWTABLE_TABLE) */
	if (mnl_attr_get_type(attr) == 1 && mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		snprintf(ev->table, sizeof(ev->table), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

int nfmsg_events_parse(const void *buf, size_t len,
		       void (*cb)(const struct nfmsg_event *ev, void *userdata), void *userdata)
{
	size_t n = len;
	const struct nlmsghdr *nlh = msg_first(buf, n);

	if (!nlh && len > 0)
		return -EBADMSG;
	for (; nlh; nlh = msg_next(nlh, &n)) {
		if ((nlh->nlmsg_type >> 8) == NFNL_SUBSYS_NFTABLES) {
			struct nfmsg_event ev = {.type = nlh->nlmsg_type & 0xff,
						 .portid = nlh->nlmsg_pid};
			const struct nfgenmsg *g;

			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)))
				return -EBADMSG;
			g = mnl_nlmsg_get_payload(nlh);
			ev.family = g->nfgen_family;
			if (mnl_attr_parse(nlh, sizeof(*g), table_attr_cb, &ev) < 0)
				return -EBADMSG;
			cb(&ev, userdata);
		}
	}
	return 0;
}

static int nflog_vlan_cb(const struct nlattr *attr, void *data)
{
	struct nfmsg_nflog *p = data;

	if (mnl_attr_get_payload_len(attr) < 2)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == NFULA_VLAN_PROTO)
		p->vlan_proto = ntohs(mnl_attr_get_u16(attr));
	else if (mnl_attr_get_type(attr) == NFULA_VLAN_TCI)
		p->vlan_tci = ntohs(mnl_attr_get_u16(attr));
	return MNL_CB_OK;
}

static int nflog_attr_cb(const struct nlattr *attr, void *data)
{
	struct nfmsg_nflog *p = data;
	const uint8_t *v = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case NFULA_PACKET_HDR:
		if (len >= sizeof(struct nfulnl_msg_packet_hdr)) {
			const struct nfulnl_msg_packet_hdr *h = (const void *)v;

			p->hw_protocol = ntohs(h->hw_protocol);
		}
		break;
	case NFULA_PREFIX:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
			snprintf(p->prefix, sizeof(p->prefix), "%s", mnl_attr_get_str(attr));
		break;
	case NFULA_IFINDEX_INDEV:
		if (len >= 4)
			p->indev = ntohl(mnl_attr_get_u32(attr));
		break;
	case NFULA_IFINDEX_PHYSINDEV:
		if (len >= 4)
			p->physindev = ntohl(mnl_attr_get_u32(attr));
		break;
	case NFULA_HWHEADER:
		p->hw = v;
		p->hw_len = len;
		break;
	case NFULA_PAYLOAD:
		p->payload = v;
		p->payload_len = len;
		break;
	case NFULA_VLAN:
		p->has_vlan = true;
		mnl_attr_parse_nested(attr, nflog_vlan_cb, p);
		break;
	}
	return MNL_CB_OK;
}

int nfmsg_nflog_parse(const void *buf, size_t len,
		      void (*cb)(const struct nfmsg_nflog *pkt, void *userdata), void *userdata)
{
	size_t n = len;
	const struct nlmsghdr *nlh = msg_first(buf, n);

	if (!nlh && len > 0)
		return -EBADMSG;
	for (; nlh; nlh = msg_next(nlh, &n)) {
		struct nfmsg_nflog p = {0};
		const struct nfgenmsg *g;

		if (nlh->nlmsg_type != ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET))
			continue;
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*g)))
			return -EBADMSG;
		g = mnl_nlmsg_get_payload(nlh);
		p.group = ntohs(g->res_id);
		if (mnl_attr_parse(nlh, sizeof(*g), nflog_attr_cb, &p) < 0)
			return -EBADMSG;
		cb(&p, userdata);
	}
	return 0;
}

static struct nlmsghdr *nflog_config_msg(void *buf, uint16_t group, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(group);
	return nlh;
}

size_t nfmsg_nflog_bind(void *buf, uint16_t group, uint32_t copy_range, uint32_t seq)
{
	struct nfulnl_msg_config_cmd cmd = {.command = NFULNL_CFG_CMD_BIND};
	struct nfulnl_msg_config_mode mode = {.copy_range = htonl(copy_range),
					      .copy_mode = NFULNL_COPY_PACKET};
	struct nlmsghdr *nlh;
	size_t len;

	memset(buf, 0, 256);
	nlh = nflog_config_msg(buf, group, seq);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	len = MNL_ALIGN(nlh->nlmsg_len);
	nlh = nflog_config_msg((char *)buf + len, group, seq + 1);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	return len + MNL_ALIGN(nlh->nlmsg_len);
}
