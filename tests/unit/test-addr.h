/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A("192.0.2.0/24"), A("2001:db8::1"): a vif_addr from text, for tests. */
#ifndef VIFGUARD_TEST_ADDR_H
#define VIFGUARD_TEST_ADDR_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vif.h"

static inline struct vif_addr A(const char *s)
{
	struct vif_addr a = {0};
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = 0;
	a.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	inet_pton(a.family, buf, a.addr);
	a.prefixlen = slash ? (uint8_t)atoi(slash) : (a.family == AF_INET ? 32 : 128);
	return a;
}

#endif
