/* SPDX-License-Identifier: MIT */
/*
 * vsock-connect: connect stdin/stdout to a port inside a VM.
 *
 * Exit codes: 0 the relay ended normally (or --probe connected), 1 the
 * connection failed or broke, 2 usage error.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "cli.h"
#include "log.h"
#include "relay.h"
#include "vmsilo-config.h"
#include "vsock.h"

#define SYNOPSIS "vsock-connect [--timeout S] [--probe] [--cid N | --socket PATH] <vm> <port>"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vsock-connect [OPTIONS] <vm> <port>\n"
		"Connect standard input and output to a vsock port inside a VM.\n"
		"\n"
		"The transport is found from the VM name: <runtime>/<vm>/vsock.socket\n"
		"(cloud-hypervisor hybrid vsock), else <runtime>/<vm>/cid (kernel vsock).\n"
		"<runtime> is $VMSILO_RUNTIME_DIR, default /run/vmsilo.\n"
		"\n"
		"Options:\n"
		"  --timeout SECONDS   keep retrying for this long while the VM or port is not\n"
		"                      up yet (default 0: one attempt)\n"
		"  --probe             exit 0 as soon as a connection succeeds, 1 if none did\n"
		"  --cid N             use kernel vsock to CID N instead of autodetection\n"
		"  --socket PATH       use the hybrid vsock socket PATH instead of autodetection\n"
		"  --log-level LEVEL   error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Exit status: 0 success, 1 connection or I/O failure, 2 usage error.\n"
		"Example (ssh): ProxyCommand vsock-connect %%h 22\n");
}

int main(int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256, OPT_PROBE, OPT_CID, OPT_SOCKET };
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "probe", no_argument, NULL, OPT_PROBE },
		{ "cid", required_argument, NULL, OPT_CID },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	struct vsock_addr addr = { .kind = VSOCK_AUTO };
	struct vsock_error err = { "" };
	int timeout_ms = 0, probe = 0, c, fd, r;
	uint32_t port;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TIMEOUT:
			if (parse_seconds_ms(optarg, &timeout_ms) < 0)
				cli_usage_error(SYNOPSIS, "invalid --timeout '%s': expected seconds (0-86400)", optarg);
			break;
		case OPT_PROBE:
			probe = 1;
			break;
		case OPT_CID:
			if (addr.kind != VSOCK_AUTO)
				cli_usage_error(SYNOPSIS, "--cid and --socket are mutually exclusive");
			if (vsock_parse_cid(optarg, strlen(optarg), &addr.cid) < 0)
				cli_usage_error(SYNOPSIS, "invalid --cid '%s': expected 3..4294967294", optarg);
			addr.kind = VSOCK_KERNEL;
			break;
		case OPT_SOCKET:
			if (addr.kind != VSOCK_AUTO)
				cli_usage_error(SYNOPSIS, "--cid and --socket are mutually exclusive");
			if (strlen(optarg) >= sizeof(addr.path))
				cli_usage_error(SYNOPSIS, "--socket path is too long: %s", optarg);
			snprintf(addr.path, sizeof(addr.path), "%s", optarg);
			addr.kind = VSOCK_HYBRID;
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (argc - optind != 2)
		cli_usage_error(SYNOPSIS, "expected exactly two arguments: <vm> <port>");
	snprintf(addr.vm, sizeof(addr.vm), "%s", argv[optind]);
	if (parse_u32(argv[optind + 1], &port) < 0)
		cli_usage_error(SYNOPSIS, "invalid port '%s': expected 0..4294967295", argv[optind + 1]);

	signal(SIGPIPE, SIG_IGN);
	fd = vsock_connect_retry(&addr, port, timeout_ms, &err);
	if (fd < 0) {
		log_error("cannot connect to port %u of VM '%s': %s", port, addr.vm, err.text);
		return 1;
	}
	if (probe) {
		log_debug("port %u of VM '%s' accepts connections", port, addr.vm);
		close(fd);
		return 0;
	}
	r = relay_run(STDIN_FILENO, fd, fd, STDOUT_FILENO, -1, NULL);
	close(fd);
	if (r < 0) {
		log_error_errno(r, "relay with port %u of VM '%s' failed", port, addr.vm);
		return 1;
	}
	return 0;
}
