/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vif_mac_parse on arbitrary bytes.  Besides the sanitizers, check what the
 * parser promises: an accepted mac is unicast, not zero, and prints back to a
 * string it accepts again; a rejection leaves the output alone and yields a
 * printable, terminated error text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vif.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error_text(const struct vif_error *err)
{
	const char *end = memchr(err->text, '\0', sizeof(err->text));

	if (!end || end == err->text)
		abort();
	for (const char *p = err->text; p < end; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t untouched[6] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0};
	struct vif_error err;
	uint8_t mac[6], again[6];
	char text[18];
	char *value;
	int r;

	/* Own copy, so ASan sees any read past the terminating NUL. */
	value = malloc(size + 1);
	if (!value)
		return 0;
	memcpy(value, data, size);
	value[size] = '\0';

	memcpy(mac, untouched, sizeof(mac));
	memset(&err, 0, sizeof(err));
	r = vif_mac_parse("mac", value, mac, &err);
	if (r < 0) {
		if (memcmp(mac, untouched, sizeof(mac)) != 0)
			abort();
		check_error_text(&err);
	} else {
		if (r != 0 || err.text[0] != '\0')
			abort();
		if ((mac[0] & 1) || memcmp(mac, (const uint8_t[6]){0}, 6) == 0)
			abort();
		snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
			 mac[2], mac[3], mac[4], mac[5]);
		if (strcasecmp(text, value) != 0) {
			/* accepted with '-' separators: same bytes with ':' */
			for (char *p = value; *p; p++)
				if (*p == '-')
					*p = ':';
			if (strcasecmp(text, value) != 0)
				abort();
		}
		if (vif_mac_parse("mac", text, again, NULL) != 0 || memcmp(mac, again, 6) != 0)
			abort();
	}

	free(value);
	return 0;
}
