/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for lib/vif-path.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vif-path.h"

#include "check.h"

#define ROOT "/local/domain/0/backend/vif"
#define SENTINEL "sentinel"

static struct vif_path out;
static struct vif_error err;

static int parse(uint32_t be, const char *path)
{
	memset(&out, 0xa5, sizeof(out));
	memset(&err, 0, sizeof(err));
	strcpy(err.text, SENTINEL);
	return vif_path_parse(be, path, &out, &err);
}

static void path_ok(int line, uint32_t be, const char *path, enum vif_path_kind kind,
		    uint32_t domid, uint32_t devid, const char *key)
{
	int r = parse(be, path);

	CHECK(r == 0);
	CHECK(strcmp(err.text, SENTINEL) == 0);
	if (r != 0) {
		fprintf(stderr, "  line %d: '%s' returned %d: %s\n", line, path, r, err.text);
		return;
	}
	CHECK(out.kind == kind);
	if (kind >= VIF_PATH_DOMAIN)
		CHECK(out.domid == domid);
	if (kind >= VIF_PATH_DEVICE)
		CHECK(out.devid == devid);
	if (kind == VIF_PATH_KEY)
		CHECK(strcmp(out.key, key) == 0);
	if (out.kind != kind)
		fprintf(stderr, "  line %d: '%s' gave kind %d\n", line, path, (int)out.kind);
}

/* Not under the root: -ENOENT, the output is not written, the error says so. */
static void path_foreign(int line, uint32_t be, const char *path)
{
	struct vif_path untouched;
	char want[128];
	int r = parse(be, path);

	memset(&untouched, 0xa5, sizeof(untouched));
	snprintf(want, sizeof(want), "' is not under /local/domain/%u/backend/vif", be);
	CHECK(r == -ENOENT);
	CHECK(memcmp(&out, &untouched, sizeof(out)) == 0);
	CHECK(strncmp(err.text, "path '", 6) == 0);
	CHECK(strstr(err.text, want) != NULL);
	if (r != -ENOENT)
		fprintf(stderr, "  line %d: '%s' returned %d\n", line, path, r);
}

/* Under the root but malformed: -EINVAL with an error that names the path. */
static void path_bad(int line, uint32_t be, const char *path, const char *want)
{
	struct vif_path untouched;
	int r = parse(be, path);

	memset(&untouched, 0xa5, sizeof(untouched));
	CHECK(r == -EINVAL);
	CHECK(memcmp(&out, &untouched, sizeof(out)) == 0);
	CHECK(strncmp(err.text, "path '", 6) == 0);
	CHECK(strstr(err.text, want) != NULL);
	for (const char *p = err.text; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	if (r != -EINVAL || !strstr(err.text, want))
		fprintf(stderr, "  line %d: '%s' returned %d\n  text: '%s'\n  want: '%s'\n", line,
			path, r, err.text, want);
}

static void test_accept(void)
{
	path_ok(__LINE__, 0, ROOT, VIF_PATH_ROOT, 0, 0, NULL);
	path_ok(__LINE__, 0, ROOT "/3", VIF_PATH_DOMAIN, 3, 0, NULL);
	path_ok(__LINE__, 0, ROOT "/0", VIF_PATH_DOMAIN, 0, 0, NULL);
	path_ok(__LINE__, 0, ROOT "/3/0", VIF_PATH_DEVICE, 3, 0, NULL);
	path_ok(__LINE__, 0, ROOT "/12/7", VIF_PATH_DEVICE, 12, 7, NULL);
	path_ok(__LINE__, 0, ROOT "/3/0/ip", VIF_PATH_KEY, 3, 0, "ip");
	path_ok(__LINE__, 0, ROOT "/3/0/hotplug-status", VIF_PATH_KEY, 3, 0, "hotplug-status");
	path_ok(__LINE__, 0, ROOT "/3/0/feature-gso-tcpv4", VIF_PATH_KEY, 3, 0,
		"feature-gso-tcpv4");
	path_ok(__LINE__, 0, ROOT "/3/0/multi-queue/0/tx-ring-ref", VIF_PATH_KEY, 3, 0,
		"multi-queue");
	path_ok(__LINE__, 0, ROOT "/3/0/a/b/c/d", VIF_PATH_KEY, 3, 0, "a");
	path_ok(__LINE__, 0, ROOT "/3/0/@x_y", VIF_PATH_KEY, 3, 0, "@x_y");
	path_ok(__LINE__, 0, ROOT "/32751/65535/mac", VIF_PATH_KEY, 32751, 65535, "mac");

	/* the backend domid selects the root */
	path_ok(__LINE__, 5, "/local/domain/5/backend/vif", VIF_PATH_ROOT, 0, 0, NULL);
	path_ok(__LINE__, 5, "/local/domain/5/backend/vif/3/1/ip", VIF_PATH_KEY, 3, 1, "ip");
	path_ok(__LINE__, UINT32_MAX, "/local/domain/4294967295/backend/vif/3", VIF_PATH_DOMAIN, 3,
		0, NULL);

	/* a 63-byte key is the longest that fits */
	{
		char path[256], key[64];

		memset(key, 'k', 63);
		key[63] = '\0';
		snprintf(path, sizeof(path), ROOT "/3/0/%s", key);
		path_ok(__LINE__, 0, path, VIF_PATH_KEY, 3, 0, key);
		snprintf(path, sizeof(path), ROOT "/3/0/%s/x", key);
		path_ok(__LINE__, 0, path, VIF_PATH_KEY, 3, 0, key);
	}

	/* err may be NULL */
	CHECK(vif_path_parse(0, ROOT "/x", &out, NULL) == -EINVAL);
	CHECK(vif_path_parse(0, ROOT "/3", &out, NULL) == 0 && out.domid == 3);
}

static void test_foreign(void)
{
	path_foreign(__LINE__, 0, "");
	path_foreign(__LINE__, 0, "/");
	path_foreign(__LINE__, 0, "/local");
	path_foreign(__LINE__, 0, "/local/domain/0/backend");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/vi");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/vifx");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/vifx/3/0");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/vif2/3/0");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/vbd/3/0");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/vbd/3/51712/mode");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/VIF/3/0");
	path_foreign(__LINE__, 0, "/local/domain/3/device/vif/0/mac");
	path_foreign(__LINE__, 0, "/libxl/3/device/vif/0/mac");
	path_foreign(__LINE__, 0, "local/domain/0/backend/vif/3/0");
	path_foreign(__LINE__, 0, "//local/domain/0/backend/vif/3/0");
	path_foreign(__LINE__, 0, "/local//domain/0/backend/vif/3/0");
	path_foreign(__LINE__, 0, "/local/domain/00/backend/vif/3/0");
	path_foreign(__LINE__, 0, "/local/domain/1/backend/vif/3/0");
	path_foreign(__LINE__, 0, "/local/domain/01/backend/vif");
	path_foreign(__LINE__, 1, "/local/domain/10/backend/vif");
	path_foreign(__LINE__, 10, "/local/domain/1/backend/vif");
	path_foreign(__LINE__, 5, ROOT "/3/0");
	path_foreign(__LINE__, 0, "/local/domain/0/backend/vif\n");
	path_foreign(__LINE__, 0, "@introduceDomain");
	path_foreign(__LINE__, 0, "@releaseDomain");
}

static void test_reject(void)
{
	char path[512];

	/* empty components */
	path_bad(__LINE__, 0, ROOT "/", "has an invalid domid component ''");
	path_bad(__LINE__, 0, ROOT "//3", "has an invalid domid component ''");
	path_bad(__LINE__, 0, ROOT "/3/", "has an invalid devid component ''");
	path_bad(__LINE__, 0, ROOT "/3//0", "has an invalid devid component ''");
	path_bad(__LINE__, 0, ROOT "/3/0/", "has an empty key component");
	path_bad(__LINE__, 0, ROOT "/3/0//ip", "has an empty key component");
	path_bad(__LINE__, 0, ROOT "/3/0/ip/", "has an empty component");
	path_bad(__LINE__, 0, ROOT "/3/0/ip//x", "has an empty component");

	/* bad domids */
	path_bad(__LINE__, 0, ROOT "/abc",
		 "path '" ROOT "/abc' has an invalid domid component 'abc' (expected a decimal "
		 "number 0..32751 without leading zeros)");
	path_bad(__LINE__, 0, ROOT "/03", "has an invalid domid component '03'");
	path_bad(__LINE__, 0, ROOT "/00/0", "has an invalid domid component '00'");
	path_bad(__LINE__, 0, ROOT "/-1", "has an invalid domid component '-1'");
	path_bad(__LINE__, 0, ROOT "/+3", "has an invalid domid component '+3'");
	path_bad(__LINE__, 0, ROOT "/3a/0", "has an invalid domid component '3a'");
	path_bad(__LINE__, 0, ROOT "/32752", "has an invalid domid component '32752'");
	path_bad(__LINE__, 0, ROOT "/32752/0/ip", "has an invalid domid component '32752'");
	path_bad(__LINE__, 0, ROOT "/4294967296", "has an invalid domid component '4294967296'");
	path_bad(__LINE__, 0, ROOT "/99999999999999999999999999",
		 "has an invalid domid component '99999999999999999999999999'");
	path_bad(__LINE__, 0, ROOT "/3\n", "has an invalid domid component '3\\x0a'");

	/* bad devids */
	path_bad(__LINE__, 0, ROOT "/3/65536",
		 "has an invalid devid component '65536' (expected a "
		 "decimal number 0..65535 without leading zeros)");
	path_bad(__LINE__, 0, ROOT "/3/01/ip", "has an invalid devid component '01'");
	path_bad(__LINE__, 0, ROOT "/3/x/ip", "has an invalid devid component 'x'");
	path_bad(__LINE__, 0, ROOT "/3/0 /ip", "has an invalid devid component '0 '");

	/* bad keys */
	memset(path, 0, sizeof(path));
	strcpy(path, ROOT "/3/0/");
	memset(path + strlen(path), 'k', 64);
	path_bad(__LINE__, 0, path, "has a key longer than 63 bytes");
	strcat(path, "/x");
	path_bad(__LINE__, 0, path, "has a key longer than 63 bytes");
	path_bad(__LINE__, 0, ROOT "/3/0/i p", "has a key with a character other than");
	path_bad(__LINE__, 0, ROOT "/3/0/ip\n", "has a key with a character other than");
	path_bad(__LINE__, 0, ROOT "/3/0/ip.x", "has a key with a character other than");

	/* a long hostile path is cut in the error text */
	memset(path, 0, sizeof(path));
	strcpy(path, ROOT "/");
	memset(path + strlen(path), '\n', 300);
	path_bad(__LINE__, 0, path, "...' has an invalid domid component '\\x0a\\x0a");
	CHECK(strlen(err.text) < 250);
}

int main(void)
{
	test_accept();
	test_foreign();
	test_reject();

	printf("test-vif-path: %u checks, %u failed\n", n_checks, n_failed);
	return n_failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
