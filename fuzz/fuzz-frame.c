/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the length-prefixed frame readers: frame_parse over a buffer and the
 * incremental frame_reader under a data-driven chunking. Both must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

#define FUZZ_FRAME_MAX 4096u

volatile size_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	size_t off = 0, frames_a = 0, frames_b = 0, chunk;
	const uint8_t *p;
	size_t plen;

	if (size < 1)
		return 0;
	chunk = (size_t)(data[0] % 7) + 1; /* 1..7 byte chunks */
	data++;
	size--;

	/* A: whole-buffer parser */
	while (off < size) {
		ssize_t n = frame_parse(data + off, size - off, FUZZ_FRAME_MAX, &p, &plen);
		if (n <= 0)
			break;
		if (plen > FUZZ_FRAME_MAX || (size_t)n != plen + FRAME_HEADER_SIZE)
			abort();
		fuzz_sink += plen;
		off += (size_t)n;
		frames_a++;
	}

	/* B: incremental reader, fed in small chunks */
	frame_reader_init(&r, FUZZ_FRAME_MAX);
	off = 0;
	while (off < size) {
		size_t used, n = chunk < size - off ? chunk : size - off;
		int s = frame_reader_push(&r, data + off, n, &used);
		if (s < 0)
			break;
		if (used > n)
			abort();
		off += used;
		if (s == FRAME_COMPLETE) {
			if (r.len > FUZZ_FRAME_MAX || r.got != r.len)
				abort();
			fuzz_sink += r.len;
			frames_b++;
			frame_reader_next(&r);
		}
	}
	frame_reader_free(&r);
	if (frames_a != frames_b)
		abort();
	return 0;
}
