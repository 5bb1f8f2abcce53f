/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vg-blast: a CPU-bound frame generator for the per-frame benchmark.
 *
 *   vg-blast -i IFACE [-d MS] [-b BATCH] [-c CPU] -x HEX
 *   vg-blast -i IFACE [-d MS] [-b BATCH] [-c CPU] KIND [key=value ...]
 *
 * Sends one fixed frame (given as hex, or built by the test frame builder
 * from the same KIND key=value words vgframe takes) again and again for MS
 * milliseconds through an AF_PACKET socket with PACKET_QDISC_BYPASS, in
 * sendmmsg() batches of BATCH (default 64) frames.  On a veth that runs the
 * whole receive path synchronously in the sender's softirq: the other end,
 * the bridge, its netfilter hooks, the peer's veth.  So one CPU (pin it with
 * -c) does all the work and frames/s measures the cost of the path.
 *
 * Prints one line: "sent=N errors=E elapsed_ns=T pps=P len=L".  It does not
 * count what arrives: the benchmark reads the peer's rx_packets (a veth
 * counts a frame there when it queues it to the peer, so filtered frames are
 * never counted and nothing is added to the measured path).
 *
 * Exit codes: 0 ok, 1 I/O error, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"

#define EXIT_IO 1
#define EXIT_USAGE 2
#define BATCH_MAX 1024 /* the kernel caps sendmmsg() vlen at UIO_MAXIOV */
#define DURATION_MS_MAX 600000UL
/* ENOBUFS/EAGAIN in a row before giving up (a device that never drains) */
#define BUSY_MAX 1000000UL

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fputs("usage: vg-blast -i IFACE [-d MS] [-b BATCH] [-c CPU] -x HEX\n"
	      "       vg-blast -i IFACE [-d MS] [-b BATCH] [-c CPU] KIND [key=value ...]\n"
	      "  -d MS     how long to send (default 1000, max 600000)\n"
	      "  -b BATCH  frames per sendmmsg() (default 64, max 1024)\n"
	      "  -c CPU    pin to this CPU (the whole path then runs there)\n"
	      "  -x HEX    the frame, as hex (shorter than 60 bytes: zero-padded)\n"
	      "KIND and keys: see vgframe -h.\n",
	      out);
}

static int parse_ulong(const char *opt, const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || *s == '-') {
		fprintf(stderr, "vg-blast: option -%s: bad value '%s' (max %lu)\n", opt, s, max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

static int parse_hex(const char *s, uint8_t *buf, size_t max, size_t *ret_len)
{
	size_t n = strlen(s);

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n % 2 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1 ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -EINVAL;
		buf[i] = (uint8_t)b;
	}
	*ret_len = n / 2;
	return 0;
}

static int build_frame(int argc, char **argv, uint8_t *frame, size_t *ret_len)
{
	struct frame_error err = {.text = "frame too long"};
	struct frame_spec spec;
	int r;

	if (argc < 1) {
		fprintf(stderr, "vg-blast: need -x HEX or KIND [key=value ...]\n");
		return -EINVAL;
	}
	r = frame_spec_init(&spec, argv[0], &err);
	for (int i = 1; r >= 0 && i < argc; i++)
		r = frame_spec_set_arg(&spec, argv[i], &err);
	if (r >= 0)
		r = frame_build(&spec, frame, FRAME_MAX_LEN, ret_len, NULL, &err);
	if (r < 0) {
		fprintf(stderr, "vg-blast: %s\n", err.text);
		return r;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long duration_ms = 1000, batch = 64, cpu = 0, sent = 0, errors = 0, busy = 0;
	const char *ifname = NULL, *hex = NULL;
	static uint8_t frame[FRAME_MAX_LEN];
	static struct mmsghdr msgs[BATCH_MAX];
	struct sigaction sa = {.sa_handler = on_signal};
	bool pin = false;
	struct iovec iov;
	uint64_t start, end, deadline;
	size_t len = 0;
	int opt, fd, one = 1;
	unsigned int ifindex;

	while ((opt = getopt(argc, argv, "+hi:d:b:c:x:")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case 'i':
			ifname = optarg;
			break;
		case 'd':
			if (parse_ulong("d", optarg, DURATION_MS_MAX, &duration_ms) < 0)
				return EXIT_USAGE;
			break;
		case 'b':
			if (parse_ulong("b", optarg, BATCH_MAX, &batch) < 0 || batch == 0)
				return EXIT_USAGE;
			break;
		case 'c':
			if (parse_ulong("c", optarg, CPU_SETSIZE - 1, &cpu) < 0)
				return EXIT_USAGE;
			pin = true;
			break;
		case 'x':
			hex = optarg;
			break;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!ifname) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (hex) {
		if (optind != argc || parse_hex(hex, frame, FRAME_MAX_LEN, &len) < 0) {
			fprintf(stderr,
				"vg-blast: -x: bad frame '%s' (hex, at most %d bytes, and "
				"no KIND with it)\n",
				hex, FRAME_MAX_LEN);
			return EXIT_USAGE;
		}
		if (len < FRAME_MIN_LEN)
			len = FRAME_MIN_LEN; /* frame[] is zeroed: padding */
	} else if (build_frame(argc - optind, argv + optind, frame, &len) < 0) {
		return EXIT_USAGE;
	}

	if (pin) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET((int)cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fprintf(stderr, "vg-blast: pin to CPU %lu: %m\n", cpu);
			return EXIT_IO;
		}
	}
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "vg-blast: interface '%s': %m\n", ifname);
		return EXIT_IO;
	}
	/* protocol 0: transmit only, no receive hook on this socket */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vg-blast: socket(AF_PACKET): %m\n");
		return EXIT_IO;
	}
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)ifindex};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "vg-blast: bind to %s: %m\n", ifname);
		close(fd);
		return EXIT_IO;
	}
	/* straight to the driver: no qdisc, so no queue between us and the path */
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		fprintf(stderr, "vg-blast: PACKET_QDISC_BYPASS: %m\n");
		close(fd);
		return EXIT_IO;
	}
	iov = (struct iovec){.iov_base = frame, .iov_len = len};
	for (size_t i = 0; i < batch; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	start = now_ns();
	deadline = start + (uint64_t)duration_ms * 1000000ULL;
	end = start;
	/* bounded by the deadline (and BUSY_MAX for a device that never drains) */
	while (!stop_requested && end < deadline) {
		int n = sendmmsg(fd, msgs, (unsigned int)batch, 0);

		if (n < 0) {
			if (errno == EINTR) {
				end = now_ns();
				continue;
			}
			if ((errno == ENOBUFS || errno == EAGAIN) && ++busy < BUSY_MAX) {
				errors++;
				end = now_ns();
				continue;
			}
			fprintf(stderr, "vg-blast: sendmmsg on %s after %lu frames: %m\n", ifname,
				sent);
			close(fd);
			return EXIT_IO;
		}
		busy = 0;
		sent += (unsigned long)n;
		end = now_ns();
	}
	close(fd);
	printf("sent=%lu errors=%lu elapsed_ns=%llu pps=%.0f len=%zu\n", sent, errors,
	       (unsigned long long)(end - start),
	       end > start ? (double)sent * 1e9 / (double)(end - start) : 0.0, len);
	return fflush(stdout) == 0 ? 0 : EXIT_IO;
}
