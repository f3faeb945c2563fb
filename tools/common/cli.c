/* SPDX-License-Identifier: MIT */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "paths.h"
#include "vmsilo-config.h"

void cli_usage_error(const char *synopsis, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", log_program_name());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: %s\nTry '%s --help' for more information.\n", synopsis,
		log_program_name());
	exit(2);
}

void cli_common_option(int c, const char *synopsis, void (*usage)(FILE *))
{
	extern char *optarg;

	switch (c) {
	case CLI_OPT_LOG_LEVEL:
		if (log_set_level_name(optarg) < 0)
			cli_usage_error(synopsis, "invalid --log-level '%s': expected error, warn, info, debug "
				       "or trace", optarg);
		return;
	case 'h':
		usage(stdout);
		exit(0);
	case CLI_OPT_VERSION:
		printf("%s %s\n", log_program_name(), VMSILO_VERSION);
		exit(0);
	default:
		cli_usage_error(synopsis, "unknown option");
	}
}

const char *cli_vm_name(const char *synopsis, const char *name)
{
	const char *why = vm_name_invalid_reason(name);

	if (why)
		cli_usage_error(synopsis, "invalid VM name '%s': %s", name, why);
	return name;
}
