/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the notification half of the boundary: the input is a NOTIFY body
 * (the version and type bytes are supplied), decoded and then sanitized; the
 * result must meet every content rule. The first byte also picks a direct
 * run of the markup and text filters over the raw bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbus-proxy-invariants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_error err = { "" };
	struct wire_msg m;
	struct wire_notify clean;
	uint8_t *buf;

	if (size < 1)
		return 0;
	if (data[0] == 'M' || data[0] == 'T') {
		/* raw text through the filters: NUL-terminated copy */
		char *s = malloc(size), *out = NULL;
		memcpy(s, data + 1, size - 1);
		s[size - 1] = '\0';
		if (data[0] == 'M' && sanitize_markup(s, &out) == 0)
			inv_markup(out);
		if (data[0] == 'T' && sanitize_text(s, SANITIZE_SUMMARY_MAX_CHARS, false, &out) == 0)
			inv_text(out, SANITIZE_SUMMARY_MAX_CHARS, false);
		free(out);
		free(s);
		return 0;
	}
	buf = malloc(size + 1);
	buf[0] = WIRE_VERSION;
	buf[1] = WIRE_NOTIFY;
	memcpy(buf + 2, data + 1, size - 1);
	if (wire_decode(buf, size + 1, &m, &err) == 0) {
		int r = sanitize_notification(&m.notify, &clean, &err);
		if (r == 0)
			inv_notify(&clean, true);
		else
			CHECK(r == -EBADMSG && err.text[0]);
		wire_notify_free(&clean);
	}
	wire_msg_free(&m);
	free(buf);
	return 0;
}
