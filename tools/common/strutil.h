/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/*
 * Renders untrusted bytes for a log line: printable ASCII as is, everything
 * else as \xNN, cut with "..." to fit out (always NUL-terminated).
 */
void str_escape(const void *data, size_t n, char *out, size_t outlen);
