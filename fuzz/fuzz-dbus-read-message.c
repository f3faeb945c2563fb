/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes what the host role does with its guest stream: the incremental
 * frame reader (chunked by the first input byte, as reads may return any
 * amount) feeding wire_decode, stopping at the first malformed message like
 * the host does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbus-proxy-invariants.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	size_t off = 0, chunk;
	unsigned messages = 0;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] * 16 + 1;
	data++;
	size--;
	frame_reader_init(&r, WIRE_MAX_MESSAGE);
	while (off < size) {
		size_t used, n = chunk < size - off ? chunk : size - off;
		int s = frame_reader_push(&r, data + off, n, &used);
		if (s < 0)
			break;
		CHECK(used <= n);
		off += used;
		if (s != FRAME_COMPLETE)
			continue;
		CHECK(r.len <= WIRE_MAX_MESSAGE);
		struct wire_error err = { "" };
		struct wire_msg m;
		int e = wire_decode(r.buf, r.len, &m, &err);
		if (e == 0)
			inv_msg(&m);
		wire_msg_free(&m);
		frame_reader_next(&r);
		if (e < 0)
			break; /* the host disconnects here */
		messages++;
	}
	frame_reader_free(&r);
	inv_sink += messages;
	return 0;
}
