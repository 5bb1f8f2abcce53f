/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vgframe: the test suite's frame tool.  `send` puts crafted frames on an
 * interface through an AF_PACKET socket; `observe` counts the frames arriving
 * on an interface that are byte-for-byte the frame `send` would build from the
 * same arguments; `hex` prints that frame.
 *
 * Exit codes: 0 ok, 1 I/O error, 2 usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
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

#define COUNT_MAX 10000000UL
#define GAP_US_MAX 60000000UL
#define TIMEOUT_MS_MAX 3600000UL
/* sendmmsg() batch; the kernel caps vlen at UIO_MAXIOV (1024) anyway */
#define SEND_BATCH 256
/* Consecutive ENOBUFS/EAGAIN retries (1 ms apart) before giving up. */
#define SEND_RETRIES 2000
/* Frames read per poll() wakeup before the deadline is checked again. */
#define RECV_BURST 1024
/* Frames queued before the ready file can only be noise; drop at most this many. */
#define DRAIN_MAX 100000
/*
 * Room for a 1000-frame burst from `send -g 0`: each small frame costs a
 * whole skb (~1 KiB truesize) of receive buffer, and the default rmem_max
 * (208 KiB) would drop most of it.  SO_RCVBUFFORCE needs CAP_NET_ADMIN.
 */
#define RCVBUF_BYTES (16 << 20)
#define VLAN_HLEN 4

static volatile sig_atomic_t stop_requested;

/* The frame `observe` counts. */
struct expect {
	const uint8_t *bytes;
	size_t len;	 /* as sent: padded to FRAME_MIN_LEN */
	size_t data_len; /* without the padding */
};

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fputs("usage: vgframe send -i IFACE [-n COUNT] [-g GAP_US] KIND [key=value ...]\n"
	      "       vgframe observe -i IFACE -t TIMEOUT_MS [-n STOP_AT] [-r READY_FILE] KIND "
	      "[key=value ...]\n"
	      "       vgframe hex KIND [key=value ...]\n"
	      "\n"
	      "Every kind takes src=MAC dst=MAC vlan=ID qinq=ID; * marks a required key.\n",
	      out);
	for (int k = 0; k < _FRAME_KIND_MAX; k++) {
		fprintf(out, "  %-17s", frame_kind_to_string((enum frame_kind)k));
		/* src, dst, vlan and qinq come first and apply to every kind */
		for (int key = FRAME_KEY_QINQ + 1; key < _FRAME_KEY_MAX; key++) {
			enum frame_kind kind = (enum frame_kind)k;
			bool needed = frame_kind_needs_key(kind, (enum frame_key)key);

			if (frame_kind_has_key(kind, (enum frame_key)key))
				fprintf(out, " %s%s", frame_key_to_string((enum frame_key)key),
					needed ? "*" : "");
		}
		fputc('\n', out);
	}
}

/* Plain decimal, for the options; frame keys have their own parser. */
static int parse_ulong(const char *opt, const char *s, unsigned long max, unsigned long *ret)
{
	unsigned long v = 0;

	if (!*s)
		goto bad;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			goto bad;
	}
	*ret = v;
	return 0;
bad:
	fprintf(stderr, "vgframe: option -%s: bad value '%s' (decimal, max %lu)\n", opt, s, max);
	return -EINVAL;
}

static int build_from_args(int argc, char **argv, uint8_t *frame, size_t *ret_len,
			   size_t *ret_data_len)
{
	struct frame_spec spec;
	/* frame_build() leaves err alone for -ENOBUFS */
	struct frame_error err = {.text = "frame too long"};
	int r;

	if (argc < 1) {
		fprintf(stderr, "vgframe: missing KIND (see vgframe -h)\n");
		return -EINVAL;
	}
	r = frame_spec_init(&spec, argv[0], &err);
	for (int i = 1; r >= 0 && i < argc; i++)
		r = frame_spec_set_arg(&spec, argv[i], &err);
	if (r >= 0)
		r = frame_build(&spec, frame, FRAME_MAX_LEN, ret_len, ret_data_len, &err);
	if (r < 0) {
		fprintf(stderr, "vgframe: %s\n", err.text);
		return r;
	}
	return 0;
}

static int ifindex_of(const char *ifname)
{
	unsigned int ifindex = if_nametoindex(ifname);

	if (!ifindex) {
		fprintf(stderr, "vgframe: interface '%s': %m\n", ifname);
		return -ENODEV;
	}
	return (int)ifindex;
}

static int bind_to(int fd, int ifindex, uint16_t proto)
{
	struct sockaddr_ll sll = {
	    .sll_family = AF_PACKET,
	    .sll_protocol = htons(proto),
	    .sll_ifindex = ifindex,
	};

	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "vgframe: bind: %m\n");
		return -errno;
	}
	return 0;
}

static void sleep_until(const struct timespec *t)
{
	/* bounded: each call sleeps toward a fixed absolute time */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, t, NULL) == EINTR && !stop_requested)
		;
}

static void timespec_add_us(struct timespec *t, unsigned long us)
{
	t->tv_sec += (time_t)(us / 1000000);
	t->tv_nsec += (long)(us % 1000000) * 1000;
	if (t->tv_nsec >= 1000000000) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000;
	}
}

static int do_send(const char *ifname, unsigned long count, unsigned long gap_us, uint8_t *frame,
		   size_t len)
{
	struct iovec iov = {.iov_base = frame, .iov_len = len};
	static struct mmsghdr msgs[SEND_BATCH];
	const struct timespec retry_wait = {0, 1000000};
	struct timespec next;
	unsigned long sent = 0;
	int retries = 0, ifindex, fd, r;

	ifindex = ifindex_of(ifname);
	if (ifindex < 0)
		return ifindex;
	/*
	 * Protocol 0: this socket only transmits, so it should not get a receive
	 * hook.  SOCK_RAW with protocol 0 makes the kernel take skb->protocol
	 * from the frame's own ethertype.
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vgframe: socket(AF_PACKET): %m\n");
		return -errno;
	}
	r = bind_to(fd, ifindex, 0);
	if (r < 0)
		goto out;

	for (size_t i = 0; i < SEND_BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (sent < count && !stop_requested) {
		unsigned long batch = gap_us ? 1 : count - sent;
		int n;

		n = sendmmsg(fd, msgs, batch > SEND_BATCH ? SEND_BATCH : (unsigned int)batch, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* qdisc or device queue full: back off rather than lose frames */
			if ((errno == ENOBUFS || errno == EAGAIN) && ++retries <= SEND_RETRIES) {
				nanosleep(&retry_wait, NULL);
				continue;
			}
			r = -errno;
			fprintf(stderr, "vgframe: send on %s (%lu of %lu sent): %m\n", ifname, sent,
				count);
			goto out;
		}
		retries = 0;
		sent += (unsigned long)n;
		if (gap_us && sent < count) {
			timespec_add_us(&next, gap_us);
			sleep_until(&next);
		}
	}
	r = 0;
	if (sent < count) {
		fprintf(stderr, "vgframe: interrupted after %lu of %lu frames\n", sent, count);
		r = -EINTR;
	}
out:
	close(fd);
	return r;
}

static long ms_until(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	/* round up so poll() never wakes just before the deadline and spins */
	if ((deadline->tv_nsec - now.tv_nsec) % 1000000 > 0)
		ms++;
	return ms;
}

/*
 * veth (like most NICs) strips the outer VLAN tag into skb metadata before
 * packet taps see the frame; put it back so the bytes match what was sent.
 * rx has VLAN_HLEN bytes of headroom before the received frame at rx + 4.
 */
static uint8_t *restore_vlan(uint8_t *rx, size_t *len, const struct tpacket_auxdata *aux)
{
	uint16_t tpid = 0x8100;

	if (!aux || *len < 12 ||
	    !((aux->tp_status & TP_STATUS_VLAN_VALID) || aux->tp_vlan_tci != 0))
		return rx + VLAN_HLEN;
	if (aux->tp_status & TP_STATUS_VLAN_TPID_VALID)
		tpid = aux->tp_vlan_tpid;
	memmove(rx, rx + VLAN_HLEN, 12);
	rx[12] = (uint8_t)(tpid >> 8);
	rx[13] = (uint8_t)tpid;
	rx[14] = (uint8_t)(aux->tp_vlan_tci >> 8);
	rx[15] = (uint8_t)aux->tp_vlan_tci;
	*len += VLAN_HLEN;
	return rx;
}

/*
 * A frame matches when it is the expected frame, or the expected frame with
 * some of its zero padding cut off: br_netfilter (bridge-nf-call-iptables=1)
 * trims IPv4/IPv6 frames to the IP total length while bridging them, so a
 * padded 60-byte frame leaves the bridge as e.g. 50 bytes.
 */
static bool is_match(const uint8_t *frame, size_t len, const struct expect *e)
{
	return len <= e->len && len >= e->data_len && memcmp(frame, e->bytes, len) == 0;
}

/* Read what is queued (at most RECV_BURST frames); 0 when drained, < 0 on error. */
static int recv_burst(int fd, const struct expect *e, unsigned long stop_at, unsigned long *count)
{
	static uint8_t rx[VLAN_HLEN + FRAME_MAX_LEN + 64];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	} ctl;

	for (int i = 0; i < RECV_BURST; i++) {
		struct sockaddr_ll from;
		struct iovec iov = {.iov_base = rx + VLAN_HLEN, .iov_len = sizeof(rx) - VLAN_HLEN};
		struct msghdr msg = {
		    .msg_name = &from,
		    .msg_namelen = sizeof(from),
		    .msg_iov = &iov,
		    .msg_iovlen = 1,
		    .msg_control = ctl.buf,
		    .msg_controllen = sizeof(ctl.buf),
		};
		const struct tpacket_auxdata *aux = NULL;
		const uint8_t *frame;
		ssize_t n;
		size_t len;

		/* MSG_TRUNC: return the real length, so an oversized frame never matches */
		n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			fprintf(stderr, "vgframe: recvmsg: %m\n");
			return -errno;
		}
		if (from.sll_pkttype == PACKET_OUTGOING || (size_t)n > iov.iov_len)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA &&
			    c->cmsg_len >= CMSG_LEN(sizeof(*aux)))
				aux = (const struct tpacket_auxdata *)CMSG_DATA(c);
		len = (size_t)n;
		frame = restore_vlan(rx, &len, aux);
		if (is_match(frame, len, e)) {
			++*count;
			if (stop_at && *count >= stop_at)
				return 0;
		}
	}
	return 0;
}

static int do_observe(const char *ifname, unsigned long timeout_ms, unsigned long stop_at,
		      const char *ready_file, const struct expect *e, unsigned long *ret_count)
{
	unsigned long count = 0;
	struct timespec deadline;
	int one = 1, rcvbuf = RCVBUF_BYTES;
	int ifindex, fd, r;

	ifindex = ifindex_of(ifname);
	if (ifindex < 0)
		return ifindex;
	/*
	 * Protocol 0 at socket() time, ETH_P_ALL only at bind(): otherwise the
	 * socket would queue frames from every interface until bind() and the
	 * drain below could not tell them apart.
	 */
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "vgframe: socket(AF_PACKET): %m\n");
		return -errno;
	}
	if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
		r = -errno;
		fprintf(stderr, "vgframe: PACKET_AUXDATA: %m\n");
		goto out;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	r = bind_to(fd, ifindex, ETH_P_ALL);
	if (r < 0)
		goto out;
	for (int i = 0; i < DRAIN_MAX; i++)
		if (recv(fd, NULL, 0, MSG_DONTWAIT | MSG_TRUNC) < 0)
			break;
	if (ready_file) {
		int rfd = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (rfd < 0) {
			r = -errno;
			fprintf(stderr, "vgframe: ready file '%s': %m\n", ready_file);
			goto out;
		}
		close(rfd);
	}

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	timespec_add_us(&deadline, timeout_ms * 1000);
	while (!stop_requested && !(stop_at && count >= stop_at)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		long ms = ms_until(&deadline);

		if (ms <= 0)
			break;
		r = poll(&pfd, 1, (int)ms);
		if (r < 0 && errno != EINTR) {
			r = -errno;
			fprintf(stderr, "vgframe: poll: %m\n");
			goto out;
		}
		if (r > 0) {
			r = recv_burst(fd, e, stop_at, &count);
			if (r < 0)
				goto out;
		}
	}
	/*
	 * A stop request (SIGINT) makes poll() return EINTR even when frames
	 * are already queued: a receiver that was not scheduled until the
	 * signal came (a starved guest vCPU) would report 0 for frames that did
	 * arrive.  Count what the socket holds before reporting.
	 */
	for (int i = 0; stop_requested && i < DRAIN_MAX / RECV_BURST; i++) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		if ((stop_at && count >= stop_at) || poll(&pfd, 1, 0) <= 0)
			break;
		r = recv_burst(fd, e, stop_at, &count);
		if (r < 0)
			goto out;
	}
	*ret_count = count;
	r = 0;
out:
	close(fd);
	return r;
}

static int cmd_hex(int argc, char **argv)
{
	uint8_t frame[FRAME_MAX_LEN];
	size_t len;

	if (build_from_args(argc, argv, frame, &len, NULL) < 0)
		return EXIT_USAGE;
	for (size_t i = 0; i < len; i++)
		printf("%02x", frame[i]);
	putchar('\n');
	return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_IO;
}

static int cmd_send_observe(int argc, char **argv, bool is_send)
{
	unsigned long count = is_send ? 1 : 0, gap_us = 0, timeout_ms = 0;
	const char *ifname = NULL, *ready_file = NULL;
	uint8_t frame[FRAME_MAX_LEN];
	bool has_timeout = false;
	struct sigaction sa = {.sa_handler = on_signal};
	size_t len, data_len;
	int opt, r;

	while ((opt = getopt(argc, argv, is_send ? "+hi:n:g:" : "+hi:n:t:r:")) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'i':
			ifname = optarg;
			break;
		case 'n':
			if (parse_ulong("n", optarg, COUNT_MAX, &count) < 0)
				return EXIT_USAGE;
			break;
		case 'g':
			if (parse_ulong("g", optarg, GAP_US_MAX, &gap_us) < 0)
				return EXIT_USAGE;
			break;
		case 't':
			if (parse_ulong("t", optarg, TIMEOUT_MS_MAX, &timeout_ms) < 0)
				return EXIT_USAGE;
			has_timeout = true;
			break;
		case 'r':
			ready_file = optarg;
			break;
		default:
			fprintf(stderr, "vgframe: see vgframe -h\n");
			return EXIT_USAGE;
		}
	}
	if (!ifname || (!is_send && !has_timeout)) {
		fprintf(stderr, "vgframe: %s needs %s\n", argv[0],
			is_send ? "-i IFACE" : "-i IFACE and -t TIMEOUT_MS");
		return EXIT_USAGE;
	}
	if (build_from_args(argc - optind, argv + optind, frame, &len, &data_len) < 0)
		return EXIT_USAGE;

	/* no SA_RESTART: a signal must wake poll() so observe can report its count */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (is_send) {
		r = do_send(ifname, count, gap_us, frame, len);
	} else {
		struct expect e = {.bytes = frame, .len = len, .data_len = data_len};
		unsigned long seen = 0;

		r = do_observe(ifname, timeout_ms, count, ready_file, &e, &seen);
		if (r >= 0)
			printf("%lu\n", seen);
	}
	if (r < 0 || fflush(stdout) != 0)
		return EXIT_IO;
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "send") == 0 || strcmp(cmd, "observe") == 0)
		return cmd_send_observe(argc - 1, argv + 1, strcmp(cmd, "send") == 0);
	if (strcmp(cmd, "hex") == 0)
		return cmd_hex(argc - 2, argv + 2);
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (*cmd)
		fprintf(stderr, "vgframe: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
