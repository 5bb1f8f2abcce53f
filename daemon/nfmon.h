/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Tamper detection: nf_tables change notifications about our table made by
 * anyone but our own writer socket.
 */
#ifndef VIFGUARD_NFMON_H
#define VIFGUARD_NFMON_H

#include <stdbool.h>
#include <stdint.h>

struct nfmon;

int nfmon_new(const char *table, uint32_t own_portid, struct nfmon **ret);
struct nfmon *nfmon_free(struct nfmon *m);
int nfmon_fd(const struct nfmon *m);
/* Stop/start listening (around our own full syncs, whose notifications
 * would overflow any socket buffer). */
int nfmon_set_listening(struct nfmon *m, bool on);
/* Read what is pending: *ret_tampered when someone else changed our table
 * (or notifications were lost, so it cannot be ruled out). */
int nfmon_read(struct nfmon *m, bool *ret_tampered, char *who, size_t who_len);

#endif
