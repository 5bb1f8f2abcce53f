// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Set elements read back from the kernel (setdump.h): one dump request, its
 * messages parsed with libnftnl.
 */
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>

#include "nldump.h"
#include "setdump.h"

struct dump {
	int (*cb)(const uint8_t *key, uint32_t key_len, void *data);
	void *data;
	int r; /* why a callback stopped the dump */
};

static int elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct dump *d = data;
	uint32_t len = 0;
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	/* a catch-all element has no key */
	if (!key)
		return 0;
	d->r = d->cb(key, len, d->data);
	return d->r < 0 ? -1 : 0;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s) {
		d->r = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0)
		d->r = -EBADMSG;
	else
		nftnl_set_elem_foreach(s, elem_cb, d);
	nftnl_set_free(s);
	return d->r < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int setdump_elems(const char *table, const char *set,
		  int (*cb)(const uint8_t *key, uint32_t key_len, void *data), void *data)
{
	/*
	 * The kernel fills each dump message up to the largest buffer we read
	 * with, capped at 32 KiB (netlink_recvmsg()'s max_recvmsg_len): one
	 * of that size never truncates a message.
	 */
	char buf[32768];
	/* two names and headers; zeroed: libmnl leaves attribute padding as it was */
	char req[2 * NFT_NAME_MAXLEN + 64] = {0};
	struct dump d = {.cb = cb, .data = data};
	uint32_t seq = (uint32_t)time(NULL);
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	int r;

	if (strnlen(table, NFT_NAME_MAXLEN) == NFT_NAME_MAXLEN ||
	    strnlen(set, NFT_NAME_MAXLEN) == NFT_NAME_MAXLEN)
		return -EINVAL;
	s = nftnl_set_alloc();
	if (!s)
		return -ENOMEM;
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETSETELEM, NFPROTO_BRIDGE, NLM_F_DUMP, seq);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);

	r = nldump_run(NETLINK_NETFILTER, nlh, buf, sizeof(buf), msg_cb, &d);
	/* a callback's own error first: mnl_cb_run() knows only that it failed */
	return d.r < 0 ? d.r : r;
}
