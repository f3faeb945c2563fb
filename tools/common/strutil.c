/* SPDX-License-Identifier: MIT */
#include "strutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void str_escape(const void *data, size_t n, char *out, size_t outlen)
{
	const unsigned char *p = data;
	size_t o = 0;

	if (outlen == 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		size_t tl;
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			tmp[0] = (char)p[i];
			tl = 1;
		} else if (p[i] == '\\') {
			memcpy(tmp, "\\\\", 2);
			tl = 2;
		} else {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			tl = 4;
		}
		if (o + tl + 4 > outlen) {
			if (o + 3 < outlen) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, tmp, tl);
		o += tl;
	}
	out[o] = '\0';
}

int errfmt(char *buf, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	if (buf && len) {
		va_start(ap, fmt);
		vsnprintf(buf, len, fmt, ap);
		va_end(ap);
	}
	return r;
}

int errfmt_at(char *buf, size_t len, const char *path, unsigned line, int r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!buf || !len)
		return r;
	n = line ? snprintf(buf, len, "%s:%u: ", path, line) : snprintf(buf, len, "%s: ", path);
	if (n < 0 || (size_t)n >= len)
		return r;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return r;
}

int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
