// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>

#include "nfmsg.h"
#include "nfwriter.h"

/*
 * Test-only fault injection (tests/integration/hard-faults.sh).  Inactive
 * unless the environment variable VIFGUARD_TEST_FAULTS is set when the
 * writer is created: a comma-separated list of
 *   send-fail=N  the Nth commit (1 is the startup sync) fails as if
 *                sendmsg() had returned ENOBUFS: nothing reaches the kernel
 *   reject=NAME  every commit whose plan creates object NAME (a vif's
 *                counter is named after it) fails as if the kernel had
 *                refused that op with EINVAL; err names the op and its
 *                owner, like the real blame path
 *   reject-elem=NAME  the same for the first op adding an element that
 *                refers to object NAME: in a full sync's merged plan that
 *                op holds many vifs' elements (owner PLAN_OWNER_MERGED)
 */
#define FAULTS_MAX 8

struct fault {
	unsigned long send_fail; /* 0: a reject= fault */
	char reject[64];
	bool reject_elem; /* reject names the object an element refers to */
	bool fired; /* send-fail fires once */
};

struct nfwriter {
	struct mnl_socket *nl;
	uint32_t seq;
	int sndbuf;
	unsigned long n_commits;
	size_t n_faults;
	struct fault faults[FAULTS_MAX];
	/* one recv() returns at most one skb of acks: 64 KiB is plenty */
	uint8_t rxbuf[65536] __attribute__((aligned(8)));
};

struct nfwriter *nfwriter_free(struct nfwriter *w)
{
	if (w) {
		if (w->nl)
			mnl_socket_close(w->nl);
		free(w);
	}
	return NULL;
}

uint32_t nfwriter_portid(const struct nfwriter *w)
{
	return mnl_socket_get_portid(w->nl);
}

static void faults_parse(struct nfwriter *w)
{
	const char *env = getenv("VIFGUARD_TEST_FAULTS");
	char buf[512], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", env ? env : "");
	for (tok = strtok_r(buf, ",", &save); tok && w->n_faults < FAULTS_MAX;
	     tok = strtok_r(NULL, ",", &save)) {
		struct fault *f = &w->faults[w->n_faults];

		if (strncmp(tok, "send-fail=", 10) == 0 && strtoul(tok + 10, NULL, 10) > 0)
			f->send_fail = strtoul(tok + 10, NULL, 10);
		else if (strncmp(tok, "reject=", 7) == 0 && tok[7])
			snprintf(f->reject, sizeof(f->reject), "%s", tok + 7);
		else if (strncmp(tok, "reject-elem=", 12) == 0 && tok[12]) {
			snprintf(f->reject, sizeof(f->reject), "%s", tok + 12);
			f->reject_elem = true;
		}
		else
			continue;
		w->n_faults++;
	}
}

/* Whether set s holds an element that refers to object name. */
static bool refers_to(struct nftnl_set *s, const char *name)
{
	struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
	struct nftnl_set_elem *e;
	bool found = false;

	for (e = it ? nftnl_set_elems_iter_next(it) : NULL; e && !found;
	     e = nftnl_set_elems_iter_next(it))
		found = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF) &&
			strcmp(nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF), name) == 0;
	if (it)
		nftnl_set_elems_iter_destroy(it);
	return found;
}

/* 0, or the injected error (with err filled in as a kernel refusal would). */
static int fault_inject(struct nfwriter *w, const struct plan *p, struct nfwriter_error *err)
{
	w->n_commits++;
	for (size_t i = 0; i < w->n_faults; i++) {
		struct fault *f = &w->faults[i];

		if (f->fired)
			continue;
		if (f->send_fail == w->n_commits) {
			f->fired = true;
			return -ENOBUFS;
		}
		for (size_t k = 0; f->reject[0] && k < p->n_ops; k++) {
			/* a vif's counter is named after it */
			if (p->ops[k].del ||
			    p->ops[k].obj != (f->reject_elem ? PLAN_ELEMS : PLAN_OBJECT) ||
			    (f->reject_elem ? !refers_to(p->ops[k].nl, f->reject)
					    : strcmp(p->ops[k].name, f->reject) != 0))
				continue;
			if (err)
				*err = (struct nfwriter_error){ .op = (long)k,
								.owner = p->ops[k].owner,
								.error = -EINVAL,
								.msg = "injected by VIFGUARD_TEST_FAULTS" };
			return -EINVAL;
		}
	}
	return 0;
}

int nfwriter_new(struct nfwriter **ret)
{
	struct nfwriter *w = calloc(1, sizeof(*w));
	int one = 1, rcvbuf = 4 * 1024 * 1024;
	int r;

	if (!w)
		return -ENOMEM;
	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!w->nl) {
		r = -errno;
		goto fail;
	}
	if (mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	/* Errors name the attribute at fault, and do not echo the request. */
	mnl_socket_setsockopt(w->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(w->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* A failed full sync can answer with one error per message. */
	if (setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	w->seq = (uint32_t)time(NULL);
	faults_parse(w);
	*ret = w;
	return 0;
fail:
	nfwriter_free(w);
	return r;
}

/* The kernel refuses a message larger than the socket's send buffer. */
static int size_sndbuf(struct nfwriter *w, size_t len)
{
	int want;

	if (len + 4096 > INT32_MAX / 2)
		return -EMSGSIZE;
	want = (int)len + 4096;
	if (want <= w->sndbuf)
		return 0;
	if (setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_SNDBUFFORCE, &want,
		       sizeof(want)) < 0 &&
	    setsockopt(mnl_socket_get_fd(w->nl), SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) < 0)
		return -errno;
	w->sndbuf = want;
	return 0;
}

struct collect {
	const struct nfmsg_batch *batch;
	const struct plan *plan;
	struct nfwriter_error *err;
	bool acked;
	int first_error;
};

static void on_ack(const struct nfmsg_ack *ack, void *userdata)
{
	struct collect *c = userdata;
	long op;

	if (ack->error == 0) {
		if (ack->seq == c->batch->last_seq)
			c->acked = true;
		return;
	}
	if (c->first_error)
		return; /* the first error is the cause, later ones follow from it */
	c->first_error = ack->error;
	op = nfmsg_batch_op_of_seq(c->batch, ack->seq);
	if (c->err) {
		c->err->op = op;
		c->err->owner = op >= 0 ? c->plan->ops[op].owner : -1;
		c->err->error = ack->error;
		snprintf(c->err->msg, sizeof(c->err->msg), "%s", ack->msg);
	}
}

int nfwriter_commit(struct nfwriter *w, const struct plan *p, struct nfwriter_error *err)
{
	struct nfmsg_batch b;
	struct collect c = { .plan = p, .err = err };
	uint8_t *buf = w->rxbuf;
	int r;

	if (err)
		*err = (struct nfwriter_error){ .op = -1, .owner = -1 };
	r = nfmsg_batch_build(p, w->seq, &b);
	if (r < 0)
		return r;
	w->seq += (uint32_t)p->n_ops + 2;
	c.batch = &b;
	r = size_sndbuf(w, b.len);
	if (r < 0)
		goto out;
	if (w->n_faults && (r = fault_inject(w, p, err)) < 0)
		goto out;
	if (mnl_socket_sendto(w->nl, b.buf, b.len) < 0) {
		r = -errno;
		goto out;
	}
	/* nf_tables processes the whole batch inside sendmsg(): every answer
	 * is queued by now.  Read until the last op's ACK or an error; the
	 * poll timeout only guards against a kernel that never answers. */
	for (;;) {
		struct pollfd pfd = { .fd = mnl_socket_get_fd(w->nl), .events = POLLIN };
		ssize_t n;

		if (c.acked || c.first_error) {
			n = recv(pfd.fd, buf, sizeof(w->rxbuf), MSG_DONTWAIT);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
		} else {
			r = poll(&pfd, 1, 5000);
			if (r == 0) {
				r = -ETIMEDOUT;
				goto out;
			}
			if (r < 0) {
				r = -errno;
				goto out;
			}
			n = recv(pfd.fd, buf, sizeof(w->rxbuf), MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			r = -errno; /* ENOBUFS: answers lost, state unknown */
			goto out;
		}
		r = nfmsg_acks_parse(buf, (size_t)n, on_ack, &c);
		if (r < 0)
			goto out;
	}
	r = c.first_error ? c.first_error : 0;
out:
	nfmsg_batch_done(&b);
	return r;
}

struct genid {
	uint32_t gen;
	bool found;
};

/* NFTA_GEN_ID of a NEWGEN message */
static int genid_attr_cb(const struct nlattr *a, void *data)
{
	struct genid *g = data;

	if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_get_payload_len(a) >= sizeof(uint32_t)) {
		g->gen = ntohl(mnl_attr_get_u32(a));
		g->found = true;
		return MNL_CB_STOP;
	}
	return MNL_CB_OK;
}

int nfwriter_genid(struct nfwriter *w, uint32_t *ret)
{
	uint8_t req[64] __attribute__((aligned(8))) = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	uint32_t seq = w->seq++, portid = mnl_socket_get_portid(w->nl);
	int fd = mnl_socket_get_fd(w->nl);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	if (mnl_socket_sendto(w->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;
		int len;

		if (poll(&pfd, 1, 1000) == 0)
			return -ETIMEDOUT;
		n = recv(fd, w->rxbuf, sizeof(w->rxbuf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		len = (int)n;
		/* answers to earlier requests (a timed-out commit) are skipped */
		for (nlh = (struct nlmsghdr *)w->rxbuf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (nlh->nlmsg_len >= mnl_nlmsg_size(sizeof(*e)) && e->error)
					return e->error;
				continue;
			}
			if ((nlh->nlmsg_type & 0xff) != NFT_MSG_NEWGEN)
				continue;
			/* (not mnl_attr_for_each: it casts const away) */
			struct genid gid = { 0 };

			if (mnl_attr_parse(nlh, sizeof(struct nfgenmsg), genid_attr_cb, &gid) >= 0 &&
			    gid.found) {
				*ret = gid.gen;
				return 0;
			}
			return -EBADMSG;
		}
	}
}
