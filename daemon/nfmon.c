// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>

#include "nfmon.h"
#include "nfmsg.h"

struct nfmon {
	struct mnl_socket *nl;
	char table[64];
	uint32_t own_portid;
	bool listening;
	uint8_t buf[65536] __attribute__((aligned(8))); /* netlink headers need it */
};

struct nfmon *nfmon_free(struct nfmon *m)
{
	if (m) {
		if (m->nl)
			mnl_socket_close(m->nl);
		free(m);
	}
	return NULL;
}

int nfmon_new(const char *table, uint32_t own_portid, struct nfmon **ret)
{
	struct nfmon *m = calloc(1, sizeof(*m));
	int rcvbuf = 16 * 1024 * 1024;
	int r;

	if (!m)
		return -ENOMEM;
	snprintf(m->table, sizeof(m->table), "%s", table);
	m->own_portid = own_portid;
	m->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!m->nl) {
		r = -errno;
		goto fail;
	}
	if (mnl_socket_bind(m->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto fail;
	}
	if (setsockopt(mnl_socket_get_fd(m->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(m->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	r = nfmon_set_listening(m, true);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	nfmon_free(m);
	return r;
}

int nfmon_fd(const struct nfmon *m)
{
	return mnl_socket_get_fd(m->nl);
}

int nfmon_set_listening(struct nfmon *m, bool on)
{
	int group = NFNLGRP_NFTABLES;

	if (m->listening == on)
		return 0;
	if (mnl_socket_setsockopt(m->nl, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
				  &group, sizeof(group)) < 0)
		return -errno;
	m->listening = on;
	if (!on) {
		/* forget what queued up: it was ours */
		while (recv(mnl_socket_get_fd(m->nl), m->buf, sizeof(m->buf), MSG_DONTWAIT) > 0)
			;
	}
	return 0;
}

struct seen {
	struct nfmon *m;
	bool tampered;
	char *who;
	size_t who_len;
};

static void on_event(const struct nfmsg_event *ev, void *userdata)
{
	struct seen *s = userdata;

	if (ev->type == NFT_MSG_NEWGEN || ev->portid == s->m->own_portid)
		return;
	if (ev->family != NFPROTO_BRIDGE || strcmp(ev->table, s->m->table) != 0)
		return;
	if (!s->tampered && s->who)
		snprintf(s->who, s->who_len, "netlink port %u", ev->portid);
	s->tampered = true;
}

int nfmon_read(struct nfmon *m, bool *ret_tampered, char *who, size_t who_len)
{
	struct seen s = { .m = m, .who = who, .who_len = who_len };

	*ret_tampered = false;
	for (int i = 0; i < 4096; i++) {
		ssize_t n = recv(mnl_socket_get_fd(m->nl), m->buf, sizeof(m->buf), MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* notifications were lost: cannot rule tampering out */
				if (who)
					snprintf(who, who_len, "unknown (notifications lost)");
				s.tampered = true;
				continue;
			}
			return -errno;
		}
		if (nfmsg_events_parse(m->buf, (size_t)n, on_event, &s) < 0) {
			s.tampered = true; /* garbled: resync rather than guess */
			if (who)
				snprintf(who, who_len, "unknown (malformed notification)");
		}
	}
	*ret_tampered = s.tampered;
	return 0;
}
