/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the picture code with sizes that disagree with the data: the VM
 * border (pixmap_tint_border), the image-data reader (pixmap_from_image_data)
 * and the conversion back (pixmap_to_rgba).
 * Input: width(2) height(2) rgb(3) rowstride(2) flags(1) then pixel bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbus-proxy-invariants.h"
#include "pixmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 10)
		return 0;
	int32_t w = (int16_t)(data[0] << 8 | data[1]), h = (int16_t)(data[2] << 8 | data[3]);
	uint32_t rgb = (uint32_t)data[4] << 16 | (uint32_t)data[5] << 8 | data[6];
	int32_t stride = data[7] << 8 | data[8];
	uint8_t flags = data[9];
	const uint8_t *px_data = data + 10;
	size_t len = size - 10;

	/* 1. border on a pixmap whose declared size may not match its bytes */
	struct wire_pixmap px = { .width = w, .height = h, .len = (uint32_t)len,
				  .data = len ? malloc(len) : NULL };
	if (px.data)
		memcpy(px.data, px_data, len);
	int r = pixmap_tint_border(&px, rgb);
	bool consistent = w >= 1 && h >= 1 && w <= WIRE_PIXMAP_MAX_SIDE && h <= WIRE_PIXMAP_MAX_SIDE &&
			  len == (size_t)w * (size_t)h * 4;
	CHECK((r == 0) == consistent);
	if (r == 0) {
		unsigned bw = pixmap_border_width(w, h);
		const uint8_t *corner = px.data, *last = px.data + len - 4;
		CHECK(corner[0] == 0xff && corner[1] == (uint8_t)(rgb >> 16) && corner[3] == (uint8_t)rgb);
		CHECK(last[0] == 0xff && last[2] == (uint8_t)(rgb >> 8));
		if ((unsigned)w > 2 * bw && (unsigned)h > 2 * bw) {
			size_t mid = ((size_t)bw * (size_t)w + bw) * 4; /* first inner pixel: untouched */
			CHECK(memcmp(px.data + mid, px_data + mid, 4) == 0);
		}
		uint8_t *rgba = NULL;
		CHECK(pixmap_to_rgba(&px, &rgba) == 0);
		CHECK(rgba[0] == px.data[1] && rgba[3] == px.data[0]);
		free(rgba);
	}
	wire_pixmap_free(&px);

	/* 2. image-data with an arbitrary layout */
	struct wire_pixmap out;
	int alpha = flags & 1, channels = (flags & 2) ? 4 : 3, bps = (flags & 4) ? 16 : 8;
	r = pixmap_from_image_data(w, h, stride, alpha, bps, channels, px_data, len, &out);
	if (r == 0) {
		inv_pixmap(&out);
		CHECK((size_t)stride * (size_t)(h - 1) + (size_t)w * (size_t)channels <= len);
	}
	wire_pixmap_free(&out);
	return 0;
}
