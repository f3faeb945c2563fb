/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

/*
 * Renders untrusted bytes for a log line: printable ASCII as is, everything
 * else as \xNN, cut with "..." to fit out (always NUL-terminated).
 */
void str_escape(const void *data, size_t n, char *out, size_t outlen);

/*
 * The error texts of the parsers: formats into buf (when buf is non-NULL and
 * len > 0, always NUL-terminated) and returns r, so that a failing check
 * reads "return errfmt(why, whylen, -EPROTO, "...", ...)".
 */
int errfmt(char *buf, size_t len, int r, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same with a "path:line: " prefix ("path: " when line is 0). */
int errfmt_at(char *buf, size_t len, const char *path, unsigned line, int r, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* The value of one hex digit (either case), or -1. */
int hex_digit(char c);
