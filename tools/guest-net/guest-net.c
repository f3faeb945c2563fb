/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-guest-net: in the guest, early at boot, turns the network settings
 * the host put on the kernel command line (vmsilo.ifname=, addr=, route=,
 * dhcp=, client=, dns=) into systemd-networkd .link/.network files and a
 * systemd-resolved drop-in under /run. udev names the NICs from the .link
 * files, networkd configures them, resolved uses the DNS servers; in a netvm
 * resolved also answers the clients on the router's address towards them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kcmdline.h"
#include "log.h"
#include "macro.h"
#include "netcfg.h"
#include "strutil.h"

#define SYNOPSIS "vmsilo-guest-net [--cmdline FILE] [--output-dir DIR] [--resolved-dir DIR] [--dry-run]"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s\n"
		"\n"
		"Writes the guest's network configuration from the vmsilo.* parameters on the\n"
		"kernel command line: a .link file (the name for a MAC) and a .network file\n"
		"(static addresses and routes, or DHCP when asked) per interface, and a\n"
		"systemd-resolved drop-in with the DNS servers. Malformed parameters are\n"
		"reported and skipped. See docs/networking.md.\n"
		"\n"
		"Options:\n"
		"  --cmdline FILE      read the command line from FILE (default $VMSILO_KERNEL_CMDLINE,\n"
		"                      else /proc/cmdline)\n"
		"  --output-dir DIR    where the .link and .network files go (default %s)\n"
		"  --resolved-dir DIR  where %s goes (default %s)\n"
		"  --dry-run           print the files to stdout instead of writing them\n"
		"  --log-level LEVEL   error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Exit status: 0 written (skipped parameters are only warned about), 1 failure,\n"
		"2 usage error.\n",
		SYNOPSIS, GN_NETWORK_DIR, GN_RESOLVED_FILE, GN_RESOLVED_DIR);
}

static void report(void *userdata, const char *key, const char *value, const char *why)
{
	char shown[200];

	(void)userdata;
	str_escape(value, strlen(value), shown, sizeof(shown));
	log_warn("ignoring %s=%s: %s", key, shown, why);
}

int main(int argc, char **argv)
{
	enum { OPT_CMDLINE = 256, OPT_OUTPUT_DIR, OPT_RESOLVED_DIR, OPT_DRY_RUN };
	static const struct option opts[] = {
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "output-dir", required_argument, NULL, OPT_OUTPUT_DIR },
		{ "resolved-dir", required_argument, NULL, OPT_RESOLVED_DIR },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	const char *cmdline = NULL, *network_dir = GN_NETWORK_DIR, *resolved_dir = GN_RESOLVED_DIR;
	bool dry_run = false;
	int opt, r;

	log_init(argv[0]);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CMDLINE:
			cmdline = optarg;
			break;
		case OPT_OUTPUT_DIR:
			network_dir = optarg;
			break;
		case OPT_RESOLVED_DIR:
			resolved_dir = optarg;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		default:
			cli_common_option(opt, SYNOPSIS, usage);
		}
	}
	if (optind != argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	if (!*network_dir || !*resolved_dir)
		cli_usage_error(SYNOPSIS, "an empty directory name");

	_cleanup_free_ struct kcmdline *k = malloc(sizeof(*k));
	_cleanup_free_ struct gn_config *c = malloc(sizeof(*c));
	if (!k || !c) {
		log_error("out of memory");
		return 1;
	}
	if ((r = kcmdline_load(k, cmdline)) < 0) {
		log_error_errno(r, "reading the kernel command line");
		return 1;
	}
	gn_parse(k, c, report, NULL);
	if (gn_write(c, network_dir, resolved_dir, dry_run ? stdout : NULL) < 0)
		return 1;
	if (fflush(stdout) != 0) {
		log_error("writing to stdout failed");
		return 1;
	}
	log_info("%zu interface%s, %zu DNS server%s%s%s", c->nifs, c->nifs == 1 ? "" : "s", c->ndns,
		 c->ndns == 1 ? "" : "s", gn_is_router(c) ? ", answering DNS for clients" : "",
		 c->rejected ? "; some parameters were skipped (see above)" : "");
	return 0;
}
