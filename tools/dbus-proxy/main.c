/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-dbus-proxy: desktop notifications and tray items from a VM to the
 * host, sanitized.
 *   guest role: the notification server on the guest's session bus
 *   host role:  one per VM; checks everything and re-exports on the host bus
 *
 * Exit codes: 0 stopped by a signal, 1 failure, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io.h"
#include "log.h"
#include "paths.h"
#include "kcmdline.h"
#include "pixmap.h"
#include "protocol.h"
#include "ratelimit.h"
#include "roles.h"
#include "vmsilo-config.h"

#define SYNOPSIS                                                                                   \
	"vmsilo-dbus-proxy guest [--connect-unix PATH | --cid N] [--port N] [--tray | --kernel-cmdline]\n" \
	"       vmsilo-dbus-proxy host --vm NAME --color '#RRGGBB' [--listen-unix PATH] [--tray] [--seccomp MODE]\n" \
	"                                [--notify-rate N[/SECONDS]]"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmsilo-dbus-proxy guest [OPTIONS]\n"
		"       vmsilo-dbus-proxy host --vm NAME --color '#RRGGBB' [OPTIONS]\n"
		"Forward desktop notifications and tray items from a VM to the host desktop.\n"
		"\n"
		"guest: own org.freedesktop.Notifications (and, with --tray,\n"
		"org.kde.StatusNotifierWatcher) on the guest's session bus and forward to\n"
		"the host over vsock.\n"
		"  --cid N               host CID to connect to (default 2)\n"
		"  --port N              vsock port (default %u)\n"
		"  --connect-unix PATH   connect to a unix socket instead of vsock\n"
		"  --timeout SECONDS     keep retrying the connection this long (default 60)\n"
		"  --kernel-cmdline      take what to forward from the kernel command line:\n"
		"                        vmsilo.tray=1 adds tray items, vmsilo.notifications=0\n"
		"                        drops notifications (with neither left, exit 0 at once)\n"
		"\n"
		"host: accept the guest's connection, sanitize everything it sends and show\n"
		"it on the host's session bus, marked with the VM's name and color.\n"
		"  --vm NAME             the VM (prefix \"[NAME] \", hint x-vmsilo-vm)\n"
		"  --color #RRGGBB       the VM's color (icon border, hint x-vmsilo-color)\n"
		"  --listen-unix PATH    listen on PATH; without it a socket passed by systemd\n"
		"                        is used, else <runtime>/<vm>/vsock.socket_<port>\n"
		"  --port N              port of the hybrid vsock listening path (default %u)\n"
		"  --seccomp MODE        enforce (default), log or off\n"
		"  --notify-rate N[/S]   accept at most N notifications per S seconds (default\n"
		"                        S 1), in bursts of up to N; the excess is dropped\n"
		"                        (default %u/%u)\n"
		"\n"
		"Common:\n"
		"  --tray                forward tray items (StatusNotifierItem) too\n"
		"  --no-notifications    do not forward notifications\n"
		"  --log-level LEVEL     error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help            show this help\n"
		"      --version         show the version\n"
		"\n"
		"<runtime> is $VMSILO_RUNTIME_DIR, default /run/vmsilo. Both roles use the\n"
		"session bus named by $DBUS_SESSION_BUS_ADDRESS.\n"
		"Exit status: 0 stopped by SIGTERM/SIGINT, 1 failure, 2 usage error.\n",
		DBUS_PROXY_PORT, DBUS_PROXY_PORT, HOST_NOTIFY_RATE_COUNT, HOST_NOTIFY_RATE_SECONDS);
}

/* The guest's share of the VM's [DBus] settings, as vmsilo-launch wrote them. */
static int features_from_cmdline(struct proxy_options *o)
{
	struct kcmdline *k = malloc(sizeof(*k));
	int r, n, t;

	if (!k)
		return log_error_errno(-ENOMEM, "out of memory");
	r = kcmdline_load(k, NULL);
	if (r < 0) {
		free(k);
		return log_error_errno(r, "cannot read the kernel command line");
	}
	n = kcmdline_bool(k, "vmsilo.notifications", 1);
	t = kcmdline_bool(k, "vmsilo.tray", 0);
	free(k);
	if (n < 0 || t < 0)
		return log_error_errno(-EINVAL, "vmsilo.%s= on the kernel command line is not a boolean "
				       "(expected 0 or 1)", n < 0 ? "notifications" : "tray");
	o->notifications = n;
	o->tray = t;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_CID = 256, OPT_PORT, OPT_CONNECT, OPT_TIMEOUT, OPT_VM, OPT_COLOR, OPT_LISTEN,
	       OPT_SECCOMP, OPT_TRAY, OPT_NO_NOTIFY, OPT_KCMDLINE, OPT_LOG, OPT_VERSION, OPT_NOTIFY_RATE };
	static const struct option opts[] = {
		{ "cid", required_argument, NULL, OPT_CID },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "connect-unix", required_argument, NULL, OPT_CONNECT },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "vm", required_argument, NULL, OPT_VM },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ "listen-unix", required_argument, NULL, OPT_LISTEN },
		{ "seccomp", required_argument, NULL, OPT_SECCOMP },
		{ "notify-rate", required_argument, NULL, OPT_NOTIFY_RATE },
		{ "tray", no_argument, NULL, OPT_TRAY },
		{ "no-notifications", no_argument, NULL, OPT_NO_NOTIFY },
		{ "kernel-cmdline", no_argument, NULL, OPT_KCMDLINE },
		{ "log-level", required_argument, NULL, OPT_LOG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ 0 },
	};
	struct proxy_options o = { .cid = 2, .port = DBUS_PROXY_PORT, .connect_timeout_ms = 60000,
				   .notifications = true, .seccomp = VMSILO_SECCOMP_ENFORCE,
				   .notify_rate_count = HOST_NOTIFY_RATE_COUNT,
				   .notify_rate_seconds = HOST_NOTIFY_RATE_SECONDS };
	bool have_color = false, have_rate = false, from_cmdline = false, features_set = false;
	const char *role;
	int c;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CID:
			if (parse_u32(optarg, &o.cid) < 0)
				cli_usage_error(SYNOPSIS, "invalid --cid '%s'", optarg);
			break;
		case OPT_PORT:
			if (parse_u32(optarg, &o.port) < 0)
				cli_usage_error(SYNOPSIS, "invalid --port '%s'", optarg);
			break;
		case OPT_CONNECT:
			if (strlen(optarg) >= 108)
				cli_usage_error(SYNOPSIS, "--connect-unix path is too long: %s", optarg);
			o.connect_unix = optarg;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds_ms(optarg, &o.connect_timeout_ms) < 0)
				cli_usage_error(SYNOPSIS, "invalid --timeout '%s': expected seconds", optarg);
			break;
		case OPT_VM:
			if (!vm_name_valid(optarg))
				cli_usage_error(SYNOPSIS, "invalid VM name '%s': %s", optarg,
						vm_name_invalid_reason(optarg));
			o.vm = optarg;
			break;
		case OPT_COLOR:
			if (color_parse(optarg, &o.color) < 0)
				cli_usage_error(SYNOPSIS, "invalid --color '%s': expected #RRGGBB", optarg);
			have_color = true;
			break;
		case OPT_LISTEN:
			o.listen_unix = optarg;
			break;
		case OPT_SECCOMP:
			o.seccomp = vmsilo_seccomp_option(SYNOPSIS, optarg);
			break;
		case OPT_NOTIFY_RATE:
			if (rate_limit_parse(optarg, &o.notify_rate_count, &o.notify_rate_seconds) < 0)
				cli_usage_error(SYNOPSIS, "invalid --notify-rate '%s': expected N or N/SECONDS, "
						"N 1..%u, SECONDS 1..%u", optarg, RATE_MAX_COUNT, RATE_MAX_SECONDS);
			have_rate = true;
			break;
		case OPT_TRAY:
			o.tray = true;
			features_set = true;
			break;
		case OPT_NO_NOTIFY:
			o.notifications = false;
			features_set = true;
			break;
		case OPT_KCMDLINE:
			from_cmdline = true;
			break;
		case OPT_LOG:
			if (log_set_level_name(optarg) < 0)
				cli_usage_error(SYNOPSIS, "invalid --log-level '%s'", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("vmsilo-dbus-proxy %s\n", VMSILO_VERSION);
			return 0;
		default:
			cli_usage_error(SYNOPSIS, "unknown option");
		}
	}
	if (argc - optind != 1)
		cli_usage_error(SYNOPSIS, "expected one role: guest or host");
	role = argv[optind];
	if (have_rate && strcmp(role, "host") != 0)
		cli_usage_error(SYNOPSIS, "--notify-rate belongs to the host role");
	if (strcmp(role, "guest") == 0) {
		if (o.vm || have_color || o.listen_unix)
			cli_usage_error(SYNOPSIS, "--vm, --color and --listen-unix belong to the host role");
		if (from_cmdline && features_set)
			cli_usage_error(SYNOPSIS, "--kernel-cmdline replaces --tray and --no-notifications");
		if (from_cmdline) {
			int r = features_from_cmdline(&o);
			if (r < 0)
				return 1;
			if (!o.notifications && !o.tray) {
				log_info("vmsilo.notifications=0 and no vmsilo.tray=1 on the kernel command line: "
					 "nothing to forward for this VM");
				return 0;
			}
		}
		if (!o.notifications && !o.tray)
			cli_usage_error(SYNOPSIS, "--no-notifications without --tray leaves nothing to forward");
		return guest_run(&o);
	}
	if (strcmp(role, "host") == 0) {
		if (!o.vm || !have_color)
			cli_usage_error(SYNOPSIS, "the host role needs --vm and --color");
		if (from_cmdline)
			cli_usage_error(SYNOPSIS, "--kernel-cmdline belongs to the guest role");
		if (o.connect_unix)
			cli_usage_error(SYNOPSIS, "--connect-unix belongs to the guest role");
		return host_run(&o);
	}
	cli_usage_error(SYNOPSIS, "unknown role '%s': expected guest or host", role);
}
