// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * vifguardd: enforce every Xen guest's configured mac and addresses on the
 * bridge.  See vifguardd(8).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "manager.h"
#include "policy.h"

#ifdef VIFGUARD_CONFIG
#define DEFAULT_CONFIG VIFGUARD_CONFIG
#else
#define DEFAULT_CONFIG "/etc/vifguard/vifguard.conf"
#endif

static void help(void)
{
	printf("Usage: vifguardd [OPTIONS]\n"
	       "Enforce Xen guests' configured mac and addresses on the bridge.\n\n"
	       "  -c, --config=PATH    configuration file (default " DEFAULT_CONFIG ")\n"
	       "  -f, --foreground     log readable lines to stderr instead of the journal\n"
	       "      --log-fields     with -f: also print each message's journal fields\n"
	       "  -v, --verbose        log debug messages\n"
	       "      --check-config   parse the configuration, report errors, exit\n"
	       "      --print-ruleset  read xenstore, print the ruleset it gives, exit\n"
	       "  -h, --help           this help\n"
	       "      --version        print the version\n");
}

int main(int argc, char **argv)
{
	enum { OPT_CHECK = 0x100, OPT_PRINT, OPT_FIELDS, OPT_VERSION };
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, OPT_CHECK },
		{ "print-ruleset", no_argument, NULL, OPT_PRINT },
		{ "log-fields", no_argument, NULL, OPT_FIELDS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{},
	};
	struct manager_options opts = { .config_path = NULL };
	const char *config = DEFAULT_CONFIG;
	bool config_given = false, foreground = false, fields = false, check = false;
	int verbosity = LOG_INFO, c, r;
	struct config_errors errs = { 0 };
	struct manager *m = NULL;
	struct policy pol;

	while ((c = getopt_long(argc, argv, "c:fvh", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			config_given = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 'v':
			verbosity = LOG_DEBUG;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_PRINT:
			opts.print_ruleset = true;
			break;
		case OPT_FIELDS:
			fields = true;
			break;
		case 'h':
			help();
			return 0;
		case OPT_VERSION:
			printf("vifguardd " VIFGUARD_VERSION "\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vifguardd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	/* Under systemd stderr is the journal stream; log natively there. */
	log_setup(foreground || check || opts.print_ruleset || getenv("JOURNAL_STREAM") == NULL
			  ? (fields ? LOG_TARGET_STDERR_FIELDS : LOG_TARGET_STDERR)
			  : LOG_TARGET_JOURNAL,
		  verbosity);

	r = config_parse_file(config, &pol, &errs);
	if (r == -ENOENT && !config_given) {
		policy_default(&pol);
		log_info("No %s, running on the defaults", config);
	} else if (r < 0) {
		for (size_t i = 0; i < errs.n; i++)
			log_error("%s", errs.text[i]);
		if (errs.n == 0)
			log_error_errno(r, "%s: %m", config);
		return 1;
	} else {
		opts.config_path = config;
	}
	if (check) {
		printf("%s: ok\n", config_given || r == 0 ? config : "defaults");
		return 0;
	}

	/* Block the signals sd-event handles before any thread exists (the
	 * first xs_watch() starts libxenstore's reader thread), so that they
	 * can only ever reach our signalfds. */
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	/* a peer that went away (xenstored) is an error on that socket, not
	 * a reason to die (systemd ignores SIGPIPE for services too) */
	signal(SIGPIPE, SIG_IGN);

	r = manager_new(&opts, &pol, &m);
	if (r < 0)
		return 1;
	if (opts.print_ruleset)
		r = manager_print_ruleset(m) < 0 ? 1 : 0;
	else
		r = manager_run(m);
	manager_free(m);
	return r;
}
