/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the tray half of the boundary: the input is an ITEM_UPDATE body
 * (version and type supplied), decoded and sanitized; the snapshot that
 * comes out must meet the string, pixmap, menu depth/count and property rules.
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
	struct wire_item clean;
	uint8_t *buf = malloc(size + 2);

	buf[0] = WIRE_VERSION;
	buf[1] = WIRE_ITEM_UPDATE;
	memcpy(buf + 2, data, size);
	if (wire_decode(buf, size + 2, &m, &err) == 0) {
		int r = sanitize_item(&m.item, &clean, &err);
		if (r == 0)
			inv_item(&clean, true);
		else
			CHECK(r == -EBADMSG && err.text[0]);
		wire_item_free(&clean);
	}
	wire_msg_free(&m);
	free(buf);
	return 0;
}
