// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
/* net/if.h before the uapi headers: libc-compat.h then skips its copies */
#include <net/if.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "bridge.h"

struct talk {
	int error;
	bool has_opt;
	struct br_boolopt_multi opt;
};

static int linkinfo_data_cb(const struct nlattr *attr, void *data)
{
	struct talk *t = data;

	if (mnl_attr_get_type(attr) == IFLA_BR_MULTI_BOOLOPT &&
	    mnl_attr_get_payload_len(attr) >= sizeof(t->opt)) {
		memcpy(&t->opt, mnl_attr_get_payload(attr), sizeof(t->opt));
		t->has_opt = true;
	}
	return MNL_CB_OK;
}

static int linkinfo_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == IFLA_INFO_DATA)
		mnl_attr_parse_nested(attr, linkinfo_data_cb, data);
	return MNL_CB_OK;
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == IFLA_LINKINFO)
		mnl_attr_parse_nested(attr, linkinfo_cb, data);
	return MNL_CB_OK;
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr_cb, data);
	return MNL_CB_OK;
}

/* One request, one answer (an ack, an error or the link). */
static int rtnl_talk(struct nlmsghdr *nlh, struct talk *t)
{
	char buf[16384];
	struct mnl_socket *nl;
	unsigned int portid;
	int r;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	do {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (n < 0) {
			r = -errno;
			goto out;
		}
		r = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, reply_cb, t);
	} while (r > 0);
	r = r < 0 ? -errno : 0;
out:
	mnl_socket_close(nl);
	return r;
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, const char *bridge,
				 unsigned int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	(void)bridge;
	return nlh;
}

int bridge_set_no_linklocal_learn(const char *bridge)
{
	/* zeroed: libmnl 1.0.4 leaves attribute padding uninitialised, and
	 * it would go to the kernel (valgrind: hard-valgrind.sh) */
	char buf[16384] = { 0 };
	struct br_boolopt_multi opt = {
		.optval = 1u << BR_BOOLOPT_NO_LL_LEARN,
		.optmask = 1u << BR_BOOLOPT_NO_LL_LEARN,
	};
	unsigned int ifindex = if_nametoindex(bridge);
	struct nlattr *info, *data;
	struct nlmsghdr *nlh;
	struct talk t = { 0 };

	if (ifindex == 0)
		return -ENODEV;
	nlh = link_msg(buf, RTM_NEWLINK, NLM_F_ACK, bridge, ifindex);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put(nlh, IFLA_BR_MULTI_BOOLOPT, sizeof(opt), &opt);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return rtnl_talk(nlh, &t);
}

int bridge_get_no_linklocal_learn(const char *bridge)
{
	char buf[16384];
	unsigned int ifindex = if_nametoindex(bridge);
	struct nlmsghdr *nlh;
	struct talk t = { 0 };
	int r;

	if (ifindex == 0)
		return -ENODEV;
	nlh = link_msg(buf, RTM_GETLINK, NLM_F_ACK, bridge, ifindex);
	r = rtnl_talk(nlh, &t);
	if (r < 0)
		return r;
	if (!t.has_opt)
		return -EOPNOTSUPP; /* not a bridge, or a kernel without boolopts */
	return !!(t.opt.optval & (1u << BR_BOOLOPT_NO_LL_LEARN));
}

int bridge_monitor_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK,
				  .nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	int r;

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

unsigned int bridge_monitor_drain(int fd)
{
	char buf[8192];
	unsigned int what = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			/* the queue overflowed: anything may have changed */
			what |= BRIDGE_MONITOR_LINKS | BRIDGE_MONITOR_ADDRS;
			continue;
		}
		if (n <= 0)
			return what;
		int len = (int)n;

		for (const struct nlmsghdr *h = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type == RTM_NEWADDR || h->nlmsg_type == RTM_DELADDR)
				what |= BRIDGE_MONITOR_ADDRS;
			else
				what |= BRIDGE_MONITOR_LINKS;
		}
	}
}
