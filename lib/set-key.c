// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Set keys back to fields (set-key.h).  The offsets come from the same
 * field table the set catalog sizes the keys with (stmt_key_len()).
 */
#include "set-key.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "stmt.h"

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int key_decode(const uint8_t *key, uint32_t len, enum stmt_field ip, int family,
		      char ret_port[IFNAMSIZ], uint8_t ret_mac[6], struct vif_addr *ret_addr)
{
	const enum stmt_field f[] = {STMT_FIELD_IIFNAME, STMT_FIELD_ETHER_SADDR, ip};
	uint32_t mac_off = stmt_key_len(f, 1), ip_off = stmt_key_len(f, 2);
	uint32_t ip_len = stmt_field(ip)->len;
	size_t n;

	if (!key || len != stmt_key_len(f, 3))
		return -EINVAL;
	n = strnlen((const char *)key, IFNAMSIZ);
	if (n == 0 || n == IFNAMSIZ)
		return -EINVAL;
	/*
	 * The kernel compares whole registers: iifname is zero-filled to 16
	 * bytes and each field to 4, so a key with other padding was not ours,
	 * and decoding it would lose the bytes a delete must name.
	 */
	if (!is_zero(key + n, IFNAMSIZ - n) || !is_zero(key + mac_off + 6, ip_off - mac_off - 6))
		return -EINVAL;
	memcpy(ret_port, key, IFNAMSIZ);
	memcpy(ret_mac, key + mac_off, 6);
	memset(ret_addr, 0, sizeof(*ret_addr));
	ret_addr->family = family;
	ret_addr->prefixlen = (uint8_t)(ip_len * 8);
	memcpy(ret_addr->addr, key + ip_off, ip_len);
	return 0;
}

int set_key_v4(const uint8_t *key, uint32_t len, char ret_port[IFNAMSIZ], uint8_t ret_mac[6],
	       struct vif_addr *ret_addr)
{
	return key_decode(key, len, STMT_FIELD_IP_SADDR, AF_INET, ret_port, ret_mac, ret_addr);
}

int set_key_v6(const uint8_t *key, uint32_t len, char ret_port[IFNAMSIZ], uint8_t ret_mac[6],
	       struct vif_addr *ret_addr)
{
	return key_decode(key, len, STMT_FIELD_IP6_SADDR, AF_INET6, ret_port, ret_mac, ret_addr);
}
