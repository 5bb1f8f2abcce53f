/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * explain_frame on a frame and a small vif built from the input bytes.  The
 * payload is the tail of the input, so any read past it is past the fuzzer's
 * buffer and ASan sees it; the mac header gets its own exact-size copy.
 *
 * Input: byte 0 = flags (mac header, VLAN metadata, vif, mac-only policy,
 * `ip` key, cut capture, short mac header, NULL policy), byte 1 = ethertype
 * choice, bytes 2-3 = raw ethertype / VLAN TCI, byte 4 = macs (vif mac,
 * whether the frame's source is it), byte 5 = which addresses the vif has,
 * byte 6 = snaplen, then the payload.  Missing bytes read as 0.
 *
 * The answer must be 0, one line of printable ASCII, a known reason, and
 * any claim a /32 or /128 that occurs in the frame; without a vif it never
 * says "allowed", and the same input gives the same answer.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD 7

static uint8_t byte(const uint8_t *data, size_t size, size_t i)
{
	return i < size ? data[i] : 0;
}

static struct vif_addr addr(int family, uint8_t prefixlen, const char *s)
{
	struct vif_addr a = { .family = family, .prefixlen = prefixlen };

	if (inet_pton(family, s, a.addr) != 1)
		abort();
	return a;
}

static bool occurs(const uint8_t *hay, size_t n_hay, const uint8_t *needle, size_t n)
{
	for (size_t k = 0; hay && k + n <= n_hay; k++)
		if (memcmp(hay + k, needle, n) == 0)
			return true;
	return false;
}

static void check(const struct explain *e, const struct explain_frame *f, const struct vif *v)
{
	size_t n = strnlen(e->what, sizeof(e->what));

	if (n == 0 || n == sizeof(e->what))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)e->what[i] < 0x20 || (unsigned char)e->what[i] > 0x7e)
			abort();
	if (!explain_reason_to_string(e->reason))
		abort();
	if (e->has_claim) {
		size_t len = e->claim.family == AF_INET ? 4 : 16;

		if (!((e->claim.family == AF_INET && e->claim.prefixlen == 32) ||
		      (e->claim.family == AF_INET6 && e->claim.prefixlen == 128)))
			abort();
		if (!occurs(f->payload, f->payload_len, e->claim.addr, len))
			abort();
	}
	if (e->has_claim_mac && !occurs(f->hw, f->hw_len, e->claim_mac, 6) &&
	    !occurs(f->payload, f->payload_len, e->claim_mac, 6))
		abort();
	if (e->reason == EXPLAIN_REASON_NONE && (e->has_claim || e->has_claim_mac))
		abort();
	if (!v && strstr(e->what, "allowed by"))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = { 0x0800, 0x0806, 0x86dd, 0x8100, 0x88a8, 0x9100 };
	uint8_t flags = byte(data, size, 0), sel = byte(data, size, 1);
	uint16_t raw = (uint16_t)(byte(data, size, 2) << 8 | byte(data, size, 3));
	uint8_t macs = byte(data, size, 4), which = byte(data, size, 5);
	static struct vif v;
	struct policy pol;
	struct vif_addr prot[3];
	size_t n_prot = 0;
	struct explain e1, e2;
	struct explain_frame f = { 0 };
	uint8_t *hw = NULL;
	uint16_t type;

	if (size > 64 * 1024)
		return 0;
	type = sel % 8 < 6 ? types[sel % 8] : raw;

	memset(&v, 0, sizeof(v));
	memcpy(v.mac, (const uint8_t[]){ 0x00, 0x16, 0x3e, 0x00, 0x03, (uint8_t)(macs & 3) }, 6);
	snprintf(v.name, sizeof(v.name), "vif3.0");
	v.has_ip = flags & 0x10;
	if (v.has_ip) {
		const struct vif_addr pool[] = {
			addr(AF_INET, 32, "192.0.2.3"),	     addr(AF_INET, 28, "198.51.100.0"),
			addr(AF_INET6, 128, "2001:db8::3"),  addr(AF_INET6, 64, "2001:db8:1::"),
			addr(AF_INET6, 128, "2001:db8::fe"), addr(AF_INET, 32, "192.0.2.10"),
			addr(AF_INET, 24, "0.0.0.0"),	     addr(AF_INET6, 127, "2001:db8::"),
		};

		for (size_t i = 0; i < 8; i++)
			if (which & (1u << i))
				v.addrs[v.n_addrs++] = pool[i];
	}

	/* protected addresses inside the pool's prefixes (and one outside) */
	if (macs & 8) {
		prot[n_prot++] = addr(AF_INET, 32, "198.51.100.1");
		prot[n_prot++] = addr(AF_INET6, 128, "2001:db8:1::1");
		prot[n_prot++] = addr(AF_INET, 24, "203.0.113.0");
	}
	policy_default(&pol);
	pol.no_ip = flags & 0x08 ? POLICY_NO_IP_MAC_ONLY : POLICY_NO_IP_BLOCK;

	if (flags & 0x01) {
		f.hw_len = flags & 0x40 ? (size_t)(macs >> 4) % 14 : 14;
		hw = malloc(f.hw_len ? f.hw_len : 1);
		if (!hw)
			return 0;
		memset(hw, 0xff, f.hw_len);
		if (f.hw_len == 14) {
			memcpy(hw + 6, v.mac, 6);
			if (macs & 4)
				hw[11] ^= 0x80;
			hw[12] = (uint8_t)(type >> 8);
			hw[13] = (uint8_t)type;
		}
		f.hw = hw;
	}
	f.proto = type;
	f.has_vlan = flags & 0x02;
	f.vlan_proto = raw;
	f.vlan_tci = raw;
	if (size > HEAD) {
		f.payload = data + HEAD;
		f.payload_len = size - HEAD;
	}
	if (flags & 0x20)
		f.snaplen = byte(data, size, 6) ? byte(data, size, 6) : f.payload_len;

	if (explain_frame(&f, flags & 0x80 ? NULL : &pol, prot, n_prot, flags & 0x04 ? &v : NULL,
			  &e1) != 0)
		abort();
	check(&e1, &f, flags & 0x04 ? &v : NULL);
	if (explain_frame(&f, flags & 0x80 ? NULL : &pol, prot, n_prot, flags & 0x04 ? &v : NULL,
			  &e2) != 0 ||
	    strcmp(e1.what, e2.what) != 0 || e1.reason != e2.reason ||
	    e1.has_claim != e2.has_claim || e1.has_claim_mac != e2.has_claim_mac)
		abort();
	free(hw);
	return 0;
}
