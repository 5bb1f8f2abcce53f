// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Checks, against the private xenstored of tests/lib/xenstored.sh, the
 * libxenstore behaviour vifguard is built on: reads and writes of the keys a
 * toolstack writes under /local/domain/0/backend/vif, watches (the initial
 * event, subtree events, poll() + xs_check_watch() until EAGAIN) and
 * transactions (commit, abort, EAGAIN on conflict).
 *
 * Output is TAP-like ("ok N - ...", "not ok N - ..."); the exit status is 1
 * when any check failed.  Every wait is bounded: event waits poll() with a
 * deadline, and alarm() bounds the synchronous libxenstore calls, which have
 * no timeout of their own.
 *
 * Usage: XENSTORED_PATH=<socket> xs-selftest [--cycles N]
 */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#define VIF_ROOT "/local/domain/0/backend/vif"
#define EVENT_TIMEOUT_MS 2000
/* Long enough for 10,000 cycles under ASan on a slow runner, short of ctest's 300 s. */
#define WATCHDOG_S 120
#define CYCLE_DEADLINE_MS 60000

static unsigned int n_tests;
static unsigned int n_failed;

static bool __attribute__((format(printf, 2, 3))) check(bool ok, const char *fmt, ...)
{
	va_list ap;

	n_tests++;
	if (!ok)
		n_failed++;
	printf("%sok %u - ", ok ? "" : "not ", n_tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return ok;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * libxenstore's fallback when the socket fails is XENSTORED_PATH again (as
 * a device path), so with it set we cannot reach a real dom0's xenstore.
 * Refuse to run without it, and check that something listens there first so
 * a missing xenstored is reported as such rather than as a failed xs_open().
 */
static bool socket_listens(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	bool ok;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

static bool write_str(struct xs_handle *xs, xs_transaction_t t, const char *path, const char *value)
{
	return xs_write(xs, t, path, value, strlen(value));
}

/* True when PATH holds exactly VALUE (length included, NUL-terminated). */
static bool read_is(struct xs_handle *xs, xs_transaction_t t, const char *path, const char *value)
{
	unsigned int len = 0;
	char *v;
	bool ok;

	v = xs_read(xs, t, path, &len);
	if (!v)
		return false;
	ok = len == strlen(value) && memcmp(v, value, len) == 0 && v[len] == '\0';
	free(v);
	return ok;
}

static bool is_absent(struct xs_handle *xs, xs_transaction_t t, const char *path)
{
	unsigned int len;
	char *v;

	v = xs_read(xs, t, path, &len);
	if (v) {
		free(v);
		return false;
	}
	return errno == ENOENT;
}

/*
 * Next watch event within DEADLINE (absolute, ms): 1 with *ret_vec set (free()
 * it), 0 on timeout, -errno when the connection broke.  The reader thread may
 * already have queued events, so xs_check_watch() comes before every poll().
 */
static int next_event(struct xs_handle *xs, long long deadline, char ***ret_vec)
{
	struct pollfd pfd = {.fd = xs_fileno(xs), .events = POLLIN};

	if (pfd.fd < 0)
		return -EBADF;
	for (;;) {
		long long left;
		char **vec;
		int r;

		vec = xs_check_watch(xs);
		if (vec) {
			*ret_vec = vec;
			return 1;
		}
		if (errno != EAGAIN)
			return -errno;
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Consume events until one for PATH with TOKEN arrives.  Other events are
 * skipped: xenstored may merge or add events, so tests look for presence,
 * never count.  Returns the number of events consumed including the match,
 * 0 on timeout, -errno on a broken connection.
 */
static int wait_event(struct xs_handle *xs, const char *path, const char *token, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int n = 0;

	for (;;) {
		char **vec = NULL;
		bool match;
		int r;

		r = next_event(xs, deadline, &vec);
		if (r <= 0)
			return r;
		n++;
		match = strcmp(vec[XS_WATCH_PATH], path) == 0 &&
			strcmp(vec[XS_WATCH_TOKEN], token) == 0;
		free(vec);
		if (match)
			return n;
	}
}

/*
 * Read events until xs_check_watch() reports EAGAIN, as an event loop does
 * when xs_fileno() turns readable.  Returns the number read, or -errno when
 * the failure was anything but EAGAIN (the connection is gone).
 */
static int drain_events(struct xs_handle *xs)
{
	int n = 0;

	for (;;) {
		char **vec;

		vec = xs_check_watch(xs);
		if (!vec)
			return errno == EAGAIN ? n : -errno;
		free(vec);
		n++;
	}
}

/* The keys libxl writes for a vif, in one transaction (see xen-vif-facts.md). */
static const char *const vif_keys[][2] = {
    {"frontend", "/local/domain/7/device/vif/0"},
    {"frontend-id", "7"},
    {"online", "1"},
    {"state", "1"},
    {"script", "/etc/xen/scripts/vif-bridge"},
    {"mac", "00:16:3e:5a:01:02"},
    {"bridge", "xenbr0"},
    {"handle", "0"},
    {"type", "vif"},
    {"hotplug-status", ""},
    {"ip", "192.0.2.7 2001:db8::7"},
};
#define N_VIF_KEYS (sizeof(vif_keys) / sizeof(vif_keys[0]))

static bool write_vif(struct xs_handle *xs, xs_transaction_t t, const char *dir)
{
	char path[256];
	size_t i;

	for (i = 0; i < N_VIF_KEYS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, vif_keys[i][0]);
		if (!write_str(xs, t, path, vif_keys[i][1]))
			return false;
	}
	return true;
}

static bool vif_visible(struct xs_handle *xs, xs_transaction_t t, const char *dir)
{
	char path[256];
	size_t i;

	for (i = 0; i < N_VIF_KEYS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, vif_keys[i][0]);
		if (!read_is(xs, t, path, vif_keys[i][1]))
			return false;
	}
	return true;
}

static bool dir_has(char **names, unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void test_read_write(struct xs_handle *xs)
{
	const char *dir = VIF_ROOT "/3/0";
	const char *mac = "00:16:3e:aa:bb:cc";
	unsigned int len = 0, n = 0;
	char **names;
	char *v;
	size_t i;
	bool all;

	check(write_str(xs, XBT_NULL, VIF_ROOT "/3/0/mac", mac), "write %s/mac", dir);
	v = xs_read(xs, XBT_NULL, VIF_ROOT "/3/0/mac", &len);
	check(v && len == strlen(mac) && strcmp(v, mac) == 0,
	      "read back value and length (%u bytes)", len);
	free(v);

	check(write_str(xs, XBT_NULL, VIF_ROOT "/3/0/hotplug-status", ""), "write an empty value");
	v = xs_read(xs, XBT_NULL, VIF_ROOT "/3/0/hotplug-status", &len);
	check(v && len == 0 && v[0] == '\0', "read an empty value back as length 0");
	free(v);

	check(write_vif(xs, XBT_NULL, dir), "write the libxl backend keys");
	names = xs_directory(xs, XBT_NULL, dir, &n);
	all = names && n == N_VIF_KEYS;
	for (i = 0; all && i < N_VIF_KEYS; i++)
		all = dir_has(names, n, vif_keys[i][0]);
	check(all, "directory lists exactly the %zu keys (got %u)", N_VIF_KEYS, n);
	free(names);

	check(is_absent(xs, XBT_NULL, VIF_ROOT "/3/0/nonexistent"),
	      "reading a missing key fails with ENOENT");

	check(xs_rm(xs, XBT_NULL, VIF_ROOT "/3"), "rm %s/3", VIF_ROOT);
	check(is_absent(xs, XBT_NULL, VIF_ROOT "/3/0/mac") && is_absent(xs, XBT_NULL, dir) &&
		  is_absent(xs, XBT_NULL, VIF_ROOT "/3"),
	      "rm removed the whole subtree");
	names = xs_directory(xs, XBT_NULL, VIF_ROOT, &n);
	check(names && !dir_has(names, n, "3"), "parent directory no longer lists it");
	free(names);
}

static void test_watch(struct xs_handle *xs)
{
	const char *child = VIF_ROOT "/9/0/mac";
	int r;

	/* The daemon watches the vif root before any vif exists. */
	xs_rm(xs, XBT_NULL, VIF_ROOT);
	check(is_absent(xs, XBT_NULL, VIF_ROOT), "%s does not exist before the watch", VIF_ROOT);
	check(xs_watch(xs, VIF_ROOT, "vifs"), "xs_watch %s", VIF_ROOT);
	r = wait_event(xs, VIF_ROOT, "vifs", EVENT_TIMEOUT_MS);
	check(r > 0, "initial event fires for the not yet existing path (r=%d)", r);
	r = drain_events(xs);
	check(r >= 0, "xs_check_watch drains to EAGAIN (%d more events)", r);

	check(write_str(xs, XBT_NULL, child, "00:16:3e:00:00:09"), "write %s", child);
	r = wait_event(xs, child, "vifs", EVENT_TIMEOUT_MS);
	check(r > 0, "subtree event carries the child's path (r=%d)", r);
	r = drain_events(xs);
	check(r >= 0, "drained to EAGAIN again (%d more events)", r);

	/*
	 * What an event loop relies on: once drained, the fd must turn
	 * readable again for the next event, or the loop would sleep forever.
	 */
	check(write_str(xs, XBT_NULL, VIF_ROOT "/9/0/state", "4"), "write a second key");
	{
		struct pollfd pfd = {.fd = xs_fileno(xs), .events = POLLIN};

		r = poll(&pfd, 1, EVENT_TIMEOUT_MS);
		check(r == 1 && (pfd.revents & POLLIN), "xs_fileno turns readable after a drain");
	}
	r = wait_event(xs, VIF_ROOT "/9/0/state", "vifs", EVENT_TIMEOUT_MS);
	check(r > 0, "and xs_check_watch returns that event (r=%d)", r);

	check(xs_rm(xs, XBT_NULL, VIF_ROOT "/9"), "rm %s/9", VIF_ROOT);
	r = wait_event(xs, VIF_ROOT "/9", "vifs", EVENT_TIMEOUT_MS);
	check(r > 0, "removing a vif dir fires the watch with the removed path (r=%d)", r);
	drain_events(xs);
}

static void test_transactions(struct xs_handle *xs)
{
	const char *dir = VIF_ROOT "/5/0";
	xs_transaction_t t;
	char path[256];
	int r;

	t = xs_transaction_start(xs);
	check(t != XBT_NULL, "transaction start");
	check(write_vif(xs, t, dir), "write the backend keys inside the transaction");
	check(vif_visible(xs, t, dir), "the transaction sees its own writes");
	check(is_absent(xs, XBT_NULL, VIF_ROOT "/5/0/mac"), "others do not see them before commit");
	check(xs_transaction_end(xs, t, false), "commit");
	check(vif_visible(xs, XBT_NULL, dir), "all keys visible after commit");
	r = wait_event(xs, VIF_ROOT "/5/0/mac", "vifs", EVENT_TIMEOUT_MS);
	check(r > 0, "the commit fires the watch for a written key (r=%d)", r);
	drain_events(xs);

	t = xs_transaction_start(xs);
	check(t != XBT_NULL, "second transaction start");
	check(write_vif(xs, t, VIF_ROOT "/6/0"), "write keys of another vif");
	check(write_str(xs, t, VIF_ROOT "/5/0/online", "0"), "change a committed key");
	check(xs_transaction_end(xs, t, true), "abort");
	check(is_absent(xs, XBT_NULL, VIF_ROOT "/6/0/mac") &&
		  is_absent(xs, XBT_NULL, VIF_ROOT "/6"),
	      "aborted writes are not visible");
	check(read_is(xs, XBT_NULL, VIF_ROOT "/5/0/online", "1"), "aborted change is not visible");

	snprintf(path, sizeof(path), "%s/state", dir);
	t = xs_transaction_start(xs);
	check(t != XBT_NULL, "third transaction start");
	check(read_is(xs, t, path, "1"), "read %s inside the transaction", path);
	check(write_str(xs, XBT_NULL, path, "2"), "another writer changes it outside");
	check(write_str(xs, t, path, "3"), "write it inside the transaction");
	{
		bool committed;
		int err;

		errno = 0;
		committed = xs_transaction_end(xs, t, false);
		err = errno;
		check(!committed && err == EAGAIN,
		      "commit fails with EAGAIN on the conflict (errno %d)", err);
	}
	check(read_is(xs, XBT_NULL, path, "2"), "the conflicting write was discarded");

	t = xs_transaction_start(xs);
	check(t != XBT_NULL && write_str(xs, t, path, "3") && xs_transaction_end(xs, t, false),
	      "a retry commits");
	check(read_is(xs, XBT_NULL, path, "3"), "the retried value is visible");
	drain_events(xs);
}

/*
 * Introducing a guest domain makes xenstored map its ring through the shim's
 * grant-table stand-in, and releasing it unmaps the page again; this is the
 * only part of the shim the other checks do not reach.
 */
static void test_introduce(struct xs_handle *xs)
{
	char *path;

	check(xs_introduce_domain(xs, 7, 0, 1), "introduce domain 7");
	check(xs_is_domain_introduced(xs, 7), "domain 7 is introduced");
	path = xs_get_domain_path(xs, 7);
	check(path && strcmp(path, "/local/domain/7") == 0, "domain path is %s",
	      path ? path : "(null)");
	free(path);
	check(xs_release_domain(xs, 7), "release domain 7");
}

static void test_cycles(struct xs_handle *xs, long n)
{
	const char *path = VIF_ROOT "/8/0/state";
	long long start, elapsed;
	long i;
	bool ok = true;

	start = now_ms();
	for (i = 0; i < n && ok; i++) {
		ok = write_str(xs, XBT_NULL, path, "4") && xs_rm(xs, XBT_NULL, VIF_ROOT "/8");
		if (now_ms() - start > CYCLE_DEADLINE_MS)
			break;
	}
	elapsed = now_ms() - start;
	check(ok && i == n, "%ld write+rm cycles (%ld done) in %lld ms", n, i, elapsed);
	printf("# cycles=%ld ms=%lld\n", i, elapsed);

	/* Every cycle fired the watch; the queue must still drain cleanly. */
	{
		long long deadline = now_ms() + EVENT_TIMEOUT_MS;
		int total = 0, r;

		for (;;) {
			char **vec = NULL;

			r = next_event(xs, deadline, &vec);
			if (r <= 0)
				break;
			free(vec);
			total++;
			deadline = now_ms() + 200;
		}
		check(r == 0, "watch queue drained after the cycles (%d events, r=%d)", total, r);
	}
}

int main(int argc, char **argv)
{
	const char *sock = getenv("XENSTORED_PATH");
	struct xs_handle *xs;
	long cycles = 10000;

	if (argc == 3 && strcmp(argv[1], "--cycles") == 0) {
		cycles = strtol(argv[2], NULL, 10);
	} else if (argc != 1) {
		fprintf(stderr, "usage: XENSTORED_PATH=<socket> %s [--cycles N]\n", argv[0]);
		return 2;
	}
	alarm(WATCHDOG_S);

	if (!check(sock && *sock, "XENSTORED_PATH is set")) {
		printf("Bail out! refusing to fall back to the host's xenstore\n");
		return 1;
	}
	if (!check(socket_listens(sock), "xenstored listens on %s", sock))
		return 1;
	xs = xs_open(0);
	if (!check(xs != NULL, "xs_open"))
		return 1;

	test_read_write(xs);
	test_watch(xs);
	test_transactions(xs);
	test_introduce(xs);
	if (cycles > 0)
		test_cycles(xs, cycles);

	check(xs_unwatch(xs, VIF_ROOT, "vifs"), "xs_unwatch");
	xs_close(xs);

	printf("%u checks, %u failed\n", n_tests, n_failed);
	return n_failed ? 1 : 0;
}
