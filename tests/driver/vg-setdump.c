// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vg-setdump TABLE SET: the elements of set v4 or v6 of table bridge TABLE,
 * read back with setdump_elems() and decoded with set-key.h, one line
 * "port mac address" each (tests/integration/setdump.sh).  With -x, the
 * keys in hex instead.  Exit 0, 1 on an error (named on stderr), 2 usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "set-key.h"
#include "setdump.h"

struct out {
	bool is_v6, is_hex;
};

static int print_elem(const uint8_t *key, uint32_t len, void *data)
{
	const struct out *o = data;
	char port[IFNAMSIZ], text[VIF_ADDR_STRLEN];
	struct vif_addr a;
	uint8_t m[6];
	int r;

	if (o->is_hex) {
		for (uint32_t i = 0; i < len; i++)
			printf("%02x", key[i]);
		putchar('\n');
		return 0;
	}
	r = (o->is_v6 ? set_key_v6 : set_key_v4)(key, len, port, m, &a);
	if (r < 0)
		return r;
	printf("%s %02x:%02x:%02x:%02x:%02x:%02x %s\n", port, m[0], m[1], m[2], m[3], m[4], m[5],
	       vif_addr_to_string(&a, text, sizeof(text)));
	return 0;
}

int main(int argc, char **argv)
{
	struct out o = {.is_hex = argc > 1 && strcmp(argv[1], "-x") == 0};
	const char *table, *set;
	int r;

	if (argc != 3 + o.is_hex ||
	    (strcmp(argv[argc - 1], "v4") != 0 && strcmp(argv[argc - 1], "v6") != 0)) {
		fprintf(stderr, "usage: vg-setdump [-x] TABLE v4|v6\n");
		return 2;
	}
	table = argv[argc - 2];
	set = argv[argc - 1];
	o.is_v6 = strcmp(set, "v6") == 0;
	r = setdump_elems(table, set, print_elem, &o);
	if (r < 0) {
		fprintf(stderr, "vg-setdump: set %s of table bridge %s: %s\n", set, table,
			strerror(-r));
		return 1;
	}
	return 0;
}
