/* SPDX-License-Identifier: MIT */
/* Command-line conventions shared by every vmsilo program. */
#pragma once

#include "macro.h"

/* Prints "<prog>: <message>" and "Usage: <synopsis>" to stderr and exits 2. */
_noreturn_ void cli_usage_error(const char *synopsis, const char *fmt, ...) _printf_(2, 3);
