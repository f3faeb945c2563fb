/* SPDX-License-Identifier: MIT */
/* vmsilo-wayland-seccontext's command line; see options.h and docs/gpu.md. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "cli.h"
#include "vmconfig.h"

#define SYNOPSIS                                                                                   \
	"vmsilo-wayland-seccontext --vm NAME --color COLOR --socket PATH [--display NAME] [--seccomp MODE]"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Give a VM's GPU device its own Wayland socket, connected to the host\n"
		"compositor through a security context (wp_security_context_manager_v1).\n"
		"\n"
		"Creates the listening socket PATH (mode 0660) and hands it to the compositor,\n"
		"labelled with sandbox engine \"vmsilo\", app_id NAME and instance_id the VM\n"
		"color as #rrggbb, then reports READY=1 to systemd and waits. On SIGTERM or\n"
		"SIGINT it closes the context, so the compositor stops accepting on PATH, and\n"
		"removes PATH.\n"
		"\n"
		"Options:\n"
		"  --vm NAME           the VM (the context's app_id)\n"
		"  --color COLOR       the VM's color: a CSS name, #rgb, #rrggbb or rgb(r,g,b)\n"
		"  --socket PATH       absolute path of the socket to create for the GPU device\n"
		"  --display NAME      host compositor socket: a name under $XDG_RUNTIME_DIR or an\n"
		"                      absolute path (default $WAYLAND_DISPLAY, else wayland-0)\n"
		"  --seccomp MODE      system call filter once ready: enforce (default), log or off\n"
		"  --log-level LEVEL   error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Exit status: 0 stopped by a signal, 1 failure (no compositor, no security\n"
		"context support, the compositor went away), 2 usage error.\n");
}

int seccontext_instance_id(const char *color, char out[SECCONTEXT_INSTANCE_ID_SIZE])
{
	uint32_t rgb;

	if (!color || parse_color(color, &rgb) < 0)
		return -EINVAL;
	snprintf(out, SECCONTEXT_INSTANCE_ID_SIZE, "#%06x", rgb & 0xffffffu);
	return 0;
}

const char *seccontext_socket_path_invalid_reason(const char *path)
{
	struct sockaddr_un sa;

	if (path[0] != '/')
		return "it must be an absolute path";
	if (strlen(path) >= sizeof(sa.sun_path))
		return "it is too long for a unix socket address";
	if (path[strlen(path) - 1] == '/')
		return "it names a directory";
	return NULL;
}

void seccontext_options_parse(int argc, char **argv, struct seccontext_options *o)
{
	enum { OPT_VM = 256, OPT_COLOR, OPT_SOCKET, OPT_DISPLAY, OPT_SECCOMP };
	static const struct option opts[] = {
		{ "vm", required_argument, NULL, OPT_VM },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "display", required_argument, NULL, OPT_DISPLAY },
		{ "seccomp", required_argument, NULL, OPT_SECCOMP },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	const char *color = NULL, *why;
	int c;

	*o = (struct seccontext_options){ 0 };
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_VM:
			o->vm = cli_vm_name(SYNOPSIS, optarg);
			break;
		case OPT_COLOR:
			color = optarg;
			break;
		case OPT_SOCKET:
			o->socket_path = optarg;
			break;
		case OPT_DISPLAY:
			if (!*optarg)
				cli_usage_error(SYNOPSIS, "--display needs a socket name or path");
			o->display = optarg;
			break;
		case OPT_SECCOMP:
			o->seccomp = vmsilo_seccomp_option(SYNOPSIS, optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (optind != argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	if (!o->vm || !color || !o->socket_path)
		cli_usage_error(SYNOPSIS, "--vm, --color and --socket are required");
	if (seccontext_instance_id(color, o->instance_id) < 0)
		cli_usage_error(SYNOPSIS, "invalid --color '%s': expected a CSS color name, #rgb, #rrggbb "
			       "or rgb(r,g,b)", color);
	why = seccontext_socket_path_invalid_reason(o->socket_path);
	if (why)
		cli_usage_error(SYNOPSIS, "invalid --socket '%s': %s", o->socket_path, why);
}
