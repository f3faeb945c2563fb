/* SPDX-License-Identifier: MIT */
#include "strutil.h"

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
