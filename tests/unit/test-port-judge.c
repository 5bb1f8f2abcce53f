/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The port-name judge: who holds a name, which devices a change touches,
 * and each refusal.  Its incremental use is fuzzed against a full one in
 * tests/fuzz/fuzz-port-judge.c.
 */
#include <stdlib.h>

#include "check.h"
#include "port-judge.h"

static int n_touched;

static void on_touched(struct port_claimant *c, void *data)
{
	(void)c;
	(void)data;
	n_touched++;
}

static struct port_verdict verdict(const struct port_judge *j, const struct port_claimant *c,
				   const char *name, const char *emu, bool host, bool custom)
{
	const char *n[2] = {name, emu};
	const bool h[2] = {host, false};

	return port_judge(j, c, n, h, custom);
}

int main(void)
{
	struct port_judge j = PORT_JUDGE_INIT;
	struct port_claimant a = {.rank = 1, .domid = 3}, b = {.rank = 2, .domid = 5};
	struct port_verdict v;

	/* the earliest claimant holds a name; a later one is refused */
	CHECK(port_judge_update(&j, &b, "web01", NULL, on_touched, NULL) == 0);
	CHECK(port_judge_holder(&j, "web01") == &b);
	n_touched = 0;
	CHECK(port_judge_update(&j, &a, "web01", NULL, on_touched, NULL) == 0);
	CHECK(n_touched == 2); /* a itself and b, whose name changed hands */
	CHECK(port_judge_holder(&j, "web01") == &a);
	v = verdict(&j, &b, "web01", "", false, true);
	CHECK(v.why == PORT_TAKEN && v.holder == &a && v.which == 0);
	CHECK(verdict(&j, &a, "web01", "", false, true).why == PORT_OK);

	/* the holder leaves: the waiting one is touched and now holds it */
	n_touched = 0;
	CHECK(port_judge_update(&j, &a, NULL, NULL, on_touched, NULL) == 0);
	CHECK(n_touched == 2);
	CHECK(verdict(&j, &b, "web01", "", false, true).why == PORT_OK);

	/* host interfaces and other devices' netback names */
	CHECK(verdict(&j, &b, "xenbr0", "", true, true).why == PORT_HOST);
	CHECK(verdict(&j, &b, "vif3.0", "", false, true).why == PORT_NETBACK);
	CHECK(verdict(&j, &b, "vif5.0", "", false, false).why == PORT_OK);
	v = verdict(&j, &b, "web01", "vif3.0-emu", false, true);
	CHECK(v.why == PORT_NETBACK && v.which == 1);
	CHECK(port_name_is_netback_of_other("vif3.0-emu", 5, 0));
	CHECK(!port_name_is_netback_of_other("vif5.0-emu", 5, 0));
	CHECK(!port_name_is_netback_of_other("vif3.0x", 5, 0));
	CHECK(!port_name_is_netback_of_other("web01", 5, 0));

	/* an -emu twin is a claim too */
	CHECK(port_judge_update(&j, &a, "vif3.0", "vif3.0-emu", on_touched, NULL) == 0);
	CHECK(port_judge_holder(&j, "vif3.0-emu") == &a);
	CHECK(port_judge_update(&j, &a, "vif3.0", NULL, on_touched, NULL) == 0);
	CHECK(port_judge_holder(&j, "vif3.0-emu") == NULL);
	CHECK_STR(port_why_to_string(PORT_TAKEN), "taken");

	port_judge_done(&j);
	printf("%u checks, %u failed\n", n_checks, n_failed);
	return n_failed ? 1 : 0;
}
