/* SPDX-License-Identifier: MIT */
/* Command-line conventions shared by every vmsilo program. */
#pragma once

#include "macro.h"

#include <stdio.h>

/* getopt_long codes of the options every program has (above any program's own). */
enum {
	CLI_OPT_LOG_LEVEL = 0x1000,
	CLI_OPT_VERSION,
};

/* Their struct option entries: --log-level LEVEL, --help/-h, --version. */
#define CLI_COMMON_OPTIONS                                                                         \
	{ "log-level", required_argument, NULL, CLI_OPT_LOG_LEVEL },                               \
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, CLI_OPT_VERSION }

/*
 * Handles a getopt_long result that is not the program's own: --log-level
 * sets the level; --help prints usage to stdout and exits 0; --version prints
 * "<prog> <version>" and exits 0; anything else is a usage error (exit 2).
 */
void cli_common_option(int c, const char *synopsis, void (*usage)(FILE *));

/* Prints "<prog>: <message>" and "Usage: <synopsis>" to stderr and exits 2. */
_noreturn_ void cli_usage_error(const char *synopsis, const char *fmt, ...) _printf_(2, 3);

/* Returns name when it is a valid VM name; otherwise a usage error (exit 2) saying why. */
const char *cli_vm_name(const char *synopsis, const char *name);
