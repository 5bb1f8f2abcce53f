// SPDX-License-Identifier: GPL-2.0-or-later
/* set-key: the keys of sets v4 and v6 as the kernel dumps them (the bytes of
 * tests/integration/setdump.sh's elements), every way a key is rejected. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check.h"
#include "set-key.h"

/* Fields as the kernel pads them: iifname 16 bytes, ether addr 6 + 2, address. */
#define PORT "766966332e30 00000000000000000000" /* "vif3.0" */
#define MAC "00163e000300 0000"
#define KEY6 PORT MAC "20010db8000000000000000000000003" /* 2001:db8::3 */
#define KEY4 PORT MAC "c0000203"			 /* 192.0.2.3 */

static uint32_t hex(const char *s, uint8_t *ret, uint32_t max)
{
	uint32_t n = 0;
	unsigned int b;

	for (; *s && n < max; s += 2) {
		while (*s == ' ')
			s++;
		if (sscanf(s, "%2x", &b) != 1)
			break;
		ret[n++] = (uint8_t)b;
	}
	return n;
}

int main(void)
{
	static const uint8_t mac[6] = {0x00, 0x16, 0x3e, 0x00, 0x03, 0x00};
	char port[IFNAMSIZ], text[VIF_ADDR_STRLEN];
	uint8_t m[6], k[40], key6[40], key4[28];
	struct vif_addr a;

	CHECK(hex(KEY6, key6, 40) == 40 && hex(KEY4, key4, 28) == 28);

	CHECK(set_key_v6(key6, sizeof(key6), port, m, &a) == 0);
	CHECK_STR(port, "vif3.0");
	CHECK(memcmp(m, mac, 6) == 0);
	CHECK(a.family == AF_INET6 && a.prefixlen == 128);
	CHECK_STR(vif_addr_to_string(&a, text, sizeof(text)), "2001:db8::3");
	CHECK(set_key_v4(key4, sizeof(key4), port, m, &a) == 0);
	CHECK_STR(port, "vif3.0");
	CHECK(memcmp(m, mac, 6) == 0);
	CHECK(a.family == AF_INET && a.prefixlen == 32);
	CHECK_STR(vif_addr_to_string(&a, text, sizeof(text)), "192.0.2.3");

	/* wrong lengths, including each other's; outputs untouched */
	strcpy(port, "unchanged");
	CHECK(set_key_v6(key6, 39, port, m, &a) == -EINVAL);
	CHECK(set_key_v6(key6, 28, port, m, &a) == -EINVAL);
	CHECK(set_key_v6(key6, 0, port, m, &a) == -EINVAL);
	CHECK(set_key_v4(key6, 40, port, m, &a) == -EINVAL);
	CHECK(set_key_v4(key4, 29, port, m, &a) == -EINVAL);
	CHECK(set_key_v4(NULL, 28, port, m, &a) == -EINVAL);
	CHECK_STR(port, "unchanged");

	/* a name of 15 bytes is the longest (IFNAMSIZ - 1), 16 is unterminated */
	memcpy(k, key6, sizeof(k));
	memcpy(k, "abcdefghijklmno", 15);
	CHECK(set_key_v6(k, 40, port, m, &a) == 0);
	CHECK_STR(port, "abcdefghijklmno");
	k[15] = 'p';
	CHECK(set_key_v6(k, 40, port, m, &a) == -EINVAL);
	/* empty name */
	memcpy(k, key6, sizeof(k));
	memset(k, 0, 16);
	CHECK(set_key_v6(k, 40, port, m, &a) == -EINVAL);
	/* bytes after the name's end, or in the mac's padding */
	memcpy(k, key6, sizeof(k));
	k[10] = 'x';
	CHECK(set_key_v6(k, 40, port, m, &a) == -EINVAL);
	memcpy(k, key4, sizeof(key4));
	k[23] = 1;
	CHECK(set_key_v4(k, 28, port, m, &a) == -EINVAL);

	printf("test-set-key: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
