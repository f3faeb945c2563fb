/* SPDX-License-Identifier: MIT */
/* vmsilo-balloond's command line; see options.h and docs/balloond.md. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "io.h"
#include "log.h"
#include "options.h"
#include "vmsilo-config.h"

#define SYNOPSIS "vmsilo-balloond [--once] [--dry-run] [--poll-interval D] [OPTIONS]"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vmsilo-balloond [OPTIONS]\n"
		"Balance memory between the host and its VMs with virtio-balloon.\n"
		"\n"
		"VMs are found in <runtime>/<vm>/ ($VMSILO_RUNTIME_DIR, default /run/vmsilo):\n"
		"api.socket is a cloud-hypervisor API socket; guests report their memory on\n"
		"vsock port 5003, which arrives on <runtime>/<vm>/vsock.socket_5003.\n"
		"\n"
		"Options:\n"
		"  --poll-interval D             evaluation interval without memory pressure\n"
		"                                (default 2s; \"2s\", \"250ms\" or seconds)\n"
		"  --min-poll-interval D         interval at or above the PSI ceiling (default 250ms)\n"
		"  --psi-ceiling N               host PSI some avg10 (%%) that maps to the minimum\n"
		"                                interval (default 25)\n"
		"  --critical-host-percent N     host is critical below N%% of RAM available (default 5)\n"
		"  --critical-guest-available S  hard floor of guest available memory (default 256m)\n"
		"  --guest-available-bias S      cushion above the floor, scaled by balloon\n"
		"                                fullness (default 400m); sizes take k, m, g suffixes\n"
		"  --meminfo PATH                host meminfo file (default /proc/meminfo)\n"
		"  --psi PATH                    host memory PSI file (default /proc/pressure/memory)\n"
		"  --dry-run                     log decisions, change no balloon\n"
		"  --once                        evaluate once, print the decisions as a table, exit\n"
		"  --seccomp MODE                system call filter: enforce (default), log or off\n"
		"  --log-level LEVEL             error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help                    show this help\n"
		"      --version                 show the version\n"
		"\n"
		"On exit every balloon is left at its current size.\n"
		"Exit status: 0 clean shutdown (or --once done), 1 failure, 2 usage error.\n");
}

int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return -EINVAL;
		}
		if (end[1] && strcmp(end + 1, "b") && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
			return -EINVAL;
	}
	if (v > (1ull << 50) >> shift)
		return -EINVAL;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_duration_ms(const char *s, unsigned *out)
{
	char buf[32];
	size_t n = strlen(s);
	int ms;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	if (n > 2 && !strcmp(buf + n - 2, "ms")) {
		uint32_t v;
		buf[n - 2] = '\0';
		if (parse_u32(buf, &v) < 0 || v > 86400000u)
			return -EINVAL;
		*out = v;
		return 0;
	}
	if (buf[n - 1] == 's')
		buf[n - 1] = '\0';
	if (parse_seconds_ms(buf, &ms) < 0 || ms < 0)
		return -EINVAL;
	*out = (unsigned)ms;
	return 0;
}

static unsigned parse_percent(const char *opt, const char *s, unsigned max)
{
	uint32_t v;

	if (parse_u32(s, &v) < 0 || v > max)
		cli_usage_error(SYNOPSIS, "invalid %s '%s': expected 0..%u", opt, s, max);
	return v;
}

void options_parse(int argc, char **argv, struct options *o)
{
	enum { OPT_POLL = 256, OPT_MIN_POLL, OPT_PSI_CEIL, OPT_CRIT_HOST, OPT_CRIT_GUEST, OPT_BIAS,
	       OPT_MEMINFO, OPT_PSI, OPT_DRY, OPT_ONCE, OPT_SECCOMP };
	static const struct option opts[] = {
		{ "poll-interval", required_argument, NULL, OPT_POLL },
		{ "min-poll-interval", required_argument, NULL, OPT_MIN_POLL },
		{ "psi-ceiling", required_argument, NULL, OPT_PSI_CEIL },
		{ "critical-host-percent", required_argument, NULL, OPT_CRIT_HOST },
		{ "critical-guest-available", required_argument, NULL, OPT_CRIT_GUEST },
		{ "guest-available-bias", required_argument, NULL, OPT_BIAS },
		{ "meminfo", required_argument, NULL, OPT_MEMINFO },
		{ "psi", required_argument, NULL, OPT_PSI },
		{ "dry-run", no_argument, NULL, OPT_DRY },
		{ "once", no_argument, NULL, OPT_ONCE },
		{ "seccomp", required_argument, NULL, OPT_SECCOMP },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	const char *bad;
	int c;

	*o = (struct options){ .meminfo_path = HOSTSTAT_DEFAULT_MEMINFO, .psi_path = HOSTSTAT_DEFAULT_PSI };
	policy_config_defaults(&o->policy);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_POLL:
			if (parse_duration_ms(optarg, &o->policy.poll_ms) < 0)
				cli_usage_error(SYNOPSIS, "invalid --poll-interval '%s': expected e.g. 2s or 500ms", optarg);
			break;
		case OPT_MIN_POLL:
			if (parse_duration_ms(optarg, &o->policy.min_poll_ms) < 0)
				cli_usage_error(SYNOPSIS, "invalid --min-poll-interval '%s': expected e.g. 250ms", optarg);
			break;
		case OPT_PSI_CEIL:
			o->policy.psi_ceiling = parse_percent("--psi-ceiling", optarg, 100);
			break;
		case OPT_CRIT_HOST:
			o->policy.critical_host_percent = parse_percent("--critical-host-percent", optarg, 50);
			break;
		case OPT_CRIT_GUEST:
			if (parse_size(optarg, &o->policy.critical_guest_available) < 0)
				cli_usage_error(SYNOPSIS, "invalid --critical-guest-available '%s': expected e.g. 256m", optarg);
			break;
		case OPT_BIAS:
			if (parse_size(optarg, &o->policy.guest_available_bias) < 0)
				cli_usage_error(SYNOPSIS, "invalid --guest-available-bias '%s': expected e.g. 400m", optarg);
			break;
		case OPT_MEMINFO:
			o->meminfo_path = optarg;
			break;
		case OPT_PSI:
			o->psi_path = optarg;
			break;
		case OPT_DRY:
			o->dry_run = true;
			break;
		case OPT_ONCE:
			o->once = true;
			break;
		case OPT_SECCOMP:
			if (vmsilo_seccomp_parse(optarg, &o->seccomp) < 0)
				cli_usage_error(SYNOPSIS, "invalid --seccomp '%s': expected enforce, log or off", optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (optind != argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	bad = policy_config_invalid(&o->policy);
	if (bad)
		cli_usage_error(SYNOPSIS, "%s", bad);
}
