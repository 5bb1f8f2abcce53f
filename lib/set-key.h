/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keys of sets v4 and v6 (set-catalog.h) as the kernel dumps them,
 * decoded back into a port, a mac and an address: restart recovery learns
 * from them what the previous run left in the kernel.  Pure: the bytes come
 * from daemon/setdump.c.
 */
#ifndef VIFGUARD_SET_KEY_H
#define VIFGUARD_SET_KEY_H

#include <net/if.h>
#include <stdint.h>

#include "vif.h"

/*
 * iifname . ether saddr . ip saddr (28 bytes) and iifname . ether saddr .
 * ip6 saddr (40 bytes).  -EINVAL: another length, an empty or unterminated
 * port name, or nonzero padding (no key the daemon writes has it).  The
 * outputs are written only on success; the address has prefix 32 or 128.
 */
int set_key_v4(const uint8_t *key, uint32_t len, char ret_port[IFNAMSIZ], uint8_t ret_mac[6],
	       struct vif_addr *ret_addr);
int set_key_v6(const uint8_t *key, uint32_t len, char ret_port[IFNAMSIZ], uint8_t ret_mac[6],
	       struct vif_addr *ret_addr);

#endif
