/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-idle-watchdog: powers the guest off once no user program started by
 * vm-run (a vmsilo-app-*.service unit of the user's manager) has run for the
 * idle timeout. The clock starts at boot, so a VM started without a program
 * still goes away. Runs in the guest as a system service.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-bus.h>

#include "cli.h"
#include "idle-scan.h"
#include "io.h"
#include "kcmdline.h"
#include "log.h"
#include "macro.h"
#include "vmsilo-config.h"

#define SYNOPSIS "vmsilo-idle-watchdog [--timeout S | --kernel-cmdline] [--interval S] [--cgroup-root DIR] [--check] [--dry-run]"
#define IDLE_TIMEOUT_DEFAULT_S 60u
#define IDLE_TIMEOUT_MAX_S (7u * 24u * 3600u)
#define IDLE_INTERVAL_DEFAULT_S 5u
#define CMDLINE_KEY CMDLINE_PARAM "="
#define CMDLINE_PARAM "vmsilo.idle_shutdown"
#define EXIT_BUSY 3

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Power the VM off after a time with no user program started by vm-run\n"
		"(units " APP_UNIT_PREFIX "*" APP_UNIT_SUFFIX " of the user's service manager).\n"
		"\n"
		"Options:\n"
		"  --timeout S          idle seconds before power-off (default %u)\n"
		"  --kernel-cmdline     take the timeout from " CMDLINE_KEY "S on the kernel\n"
		"                       command line (/proc/cmdline, or the file named by\n"
		"                       $VMSILO_KERNEL_CMDLINE); exit 0 at once when absent\n"
		"  --interval S         seconds between looks (default %u, at most the timeout)\n"
		"  --cgroup-root DIR    cgroup directory to search (default: user.slice of the\n"
		"                       system's cgroup tree)\n"
		"  --check              look once: list running program units, exit 0 when\n"
		"                       idle and %d when busy\n"
		"  --dry-run            when the timeout expires, say so and exit 0 instead of\n"
		"                       powering off\n"
		"  --log-level LEVEL    error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help           show this help\n"
		"      --version        show the version\n"
		"\n"
		"Exit status: 0 power-off requested (or idle with --check), 1 failure,\n"
		"2 usage error, %d busy (--check).\n",
		IDLE_TIMEOUT_DEFAULT_S, IDLE_INTERVAL_DEFAULT_S, EXIT_BUSY, EXIT_BUSY);
}

static int parse_seconds(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	if (parse_u32(s, out) < 0 || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

/* 1 and *timeout set when the key is present, 0 when absent, -errno on failure. */
static int timeout_from_cmdline(uint32_t *timeout)
{
	struct kcmdline *k = malloc(sizeof(*k));
	const char *v;
	int r;

	if (!k)
		return -ENOMEM;
	r = kcmdline_load(k, NULL);
	if (r == 0) {
		v = kcmdline_get(k, CMDLINE_PARAM);
		r = !v ? 0 : parse_seconds(v, 1, IDLE_TIMEOUT_MAX_S, timeout) < 0 ? -EINVAL : 1;
	}
	free(k);
	return r;
}

static void print_unit(const char *unit, void *userdata)
{
	printf("%s\n", unit);
}

static void log_unit(const char *unit, void *userdata)
{
	log_debug("running: %s", unit);
}

static int request_poweroff(void)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	int r = sd_bus_open_system(&bus);

	if (r < 0)
		return log_error_errno(r, "cannot connect to the system bus: %s", strerror(-r));
	r = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
			       "org.freedesktop.systemd1.Manager", "StartUnit", &error, NULL, "ss",
			       "poweroff.target", "replace-irreversibly");
	if (r < 0)
		return log_error_errno(r, "cannot start poweroff.target: %s",
				       error.message ? error.message : strerror(-r));
	return 0;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Returns when the VM has been idle for timeout_s; 0, or -errno on failure. */
static int watch(const char *root, uint32_t timeout_s, uint32_t interval_s)
{
	int64_t last_busy = now_ms();
	bool warned = false;

	log_info("powering off after %u s without programs (looking every %u s in %s)", timeout_s,
		 interval_s, root);
	for (;;) {
		int n = idle_scan(root, log_unit, NULL);
		int64_t now = now_ms();

		if (n != 0) {
			if (n < 0 && !warned) /* unsure means busy: never power off on an error */
				log_warn("cannot scan %s: %s; treating the VM as busy", root, strerror(-n));
			warned = n < 0;
			last_busy = now;
		} else if (now - last_busy >= (int64_t)timeout_s * 1000) {
			log_info("no programs for %u s", timeout_s);
			return 0;
		}
		sleep_ms((int64_t)interval_s * 1000);
	}
}

int main(int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256, OPT_CMDLINE, OPT_INTERVAL, OPT_ROOT, OPT_CHECK, OPT_DRY_RUN };
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "kernel-cmdline", no_argument, NULL, OPT_CMDLINE },
		{ "interval", required_argument, NULL, OPT_INTERVAL },
		{ "cgroup-root", required_argument, NULL, OPT_ROOT },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	uint32_t timeout_s = IDLE_TIMEOUT_DEFAULT_S, interval_s = IDLE_INTERVAL_DEFAULT_S;
	bool from_cmdline = false, check = false, dry_run = false, timeout_set = false;
	const char *root = NULL;
	int c, r;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, 1, IDLE_TIMEOUT_MAX_S, &timeout_s) < 0)
				cli_usage_error(SYNOPSIS, "invalid --timeout '%s': expected 1-%u seconds", optarg,
						IDLE_TIMEOUT_MAX_S);
			timeout_set = true;
			break;
		case OPT_CMDLINE:
			from_cmdline = true;
			break;
		case OPT_INTERVAL:
			if (parse_seconds(optarg, 1, IDLE_TIMEOUT_MAX_S, &interval_s) < 0)
				cli_usage_error(SYNOPSIS, "invalid --interval '%s': expected 1-%u seconds", optarg,
						IDLE_TIMEOUT_MAX_S);
			break;
		case OPT_ROOT:
			root = optarg;
			break;
		case OPT_CHECK:
			check = true;
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (optind != argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	if (from_cmdline && timeout_set)
		cli_usage_error(SYNOPSIS, "--timeout and --kernel-cmdline are mutually exclusive");
	if (!root)
		root = idle_default_root();

	if (check) {
		r = idle_scan(root, print_unit, NULL);
		if (r < 0) {
			fprintf(stderr, "vmsilo-idle-watchdog: cannot scan %s: %s\n", root, strerror(-r));
			return 1;
		}
		return r > 0 ? EXIT_BUSY : 0;
	}
	if (from_cmdline) {
		r = timeout_from_cmdline(&timeout_s);
		if (r < 0) {
			fprintf(stderr, "vmsilo-idle-watchdog: cannot read the timeout from the kernel command line: %s\n",
				strerror(-r));
			return 1;
		}
		if (r == 0) {
			log_info("no " CMDLINE_KEY " on the kernel command line: auto shutdown is off");
			return 0;
		}
	}
	if (interval_s > timeout_s)
		interval_s = timeout_s;

	r = watch(root, timeout_s, interval_s);
	if (r < 0)
		return 1;
	if (dry_run) {
		printf("idle for %u s: would power off\n", timeout_s);
		return 0;
	}
	return request_poweroff() < 0 ? 1 : 0;
}
