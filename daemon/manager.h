/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The manager owns all of vifguardd's state: the event loop, the xenstore
 * connection, the netlink sockets, the policy and the table of vifs.
 */
#ifndef VIFGUARD_MANAGER_H
#define VIFGUARD_MANAGER_H

#include <stdbool.h>

#include "policy.h"

struct manager;

struct manager_options {
	const char *config_path; /* NULL: defaults only */
	bool print_ruleset; /* scan xenstore, print the ruleset, exit */
};

int manager_new(const struct manager_options *opts, const struct policy *pol,
		struct manager **ret);
struct manager *manager_free(struct manager *m);
/* Run until SIGTERM/SIGINT; returns the exit status. */
int manager_run(struct manager *m);
/* --print-ruleset: one scan, print, no kernel changes. */
int manager_print_ruleset(struct manager *m);

#endif
