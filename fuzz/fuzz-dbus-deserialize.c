/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes wire_decode on one frame payload. Whatever it accepts must satisfy
 * the wire invariants and survive an encode/decode round trip unchanged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbus-proxy-invariants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_error err = { "" };
	struct wire_msg m, again;
	struct wire_buf b = { 0 }, b2 = { 0 };

	if (wire_decode(data, size, &m, &err) < 0) {
		CHECK(err.text[0] != '\0'); /* every rejection says why */
		wire_msg_free(&m);
		return 0;
	}
	inv_msg(&m);
	CHECK(wire_encode(&b, &m) == 0);
	CHECK(b.len == size && memcmp(b.data, data, size) == 0); /* the format is canonical */
	CHECK(wire_decode(b.data, b.len, &again, &err) == 0);
	CHECK(wire_encode(&b2, &again) == 0 && b2.len == b.len && memcmp(b.data, b2.data, b.len) == 0);
	wire_msg_free(&again);
	wire_msg_free(&m);
	wire_buf_free(&b);
	wire_buf_free(&b2);
	return 0;
}
