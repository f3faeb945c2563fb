/* SPDX-License-Identifier: MIT */
#include "pixmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

unsigned pixmap_border_width(int32_t width, int32_t height)
{
	int32_t side = MIN(width, height);
	return side >= 32 ? (unsigned)(side / 16) : 1u;
}

int pixmap_tint_border(struct wire_pixmap *px, uint32_t rgb)
{
	const uint8_t color[4] = { 0xff, (uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb };
	unsigned bw;

	if (!px->data || px->width < 1 || px->height < 1 || px->width > WIRE_PIXMAP_MAX_SIDE ||
	    px->height > WIRE_PIXMAP_MAX_SIDE || px->len != (uint32_t)px->width * (uint32_t)px->height * 4u)
		return -EINVAL;
	bw = pixmap_border_width(px->width, px->height);
	for (int32_t y = 0; y < px->height; y++)
		for (int32_t x = 0; x < px->width; x++) {
			bool edge = (unsigned)x < bw || (unsigned)y < bw ||
				    (unsigned)(px->width - 1 - x) < bw || (unsigned)(px->height - 1 - y) < bw;
			if (edge)
				memcpy(px->data + ((size_t)y * (size_t)px->width + (size_t)x) * 4, color, 4);
		}
	return 0;
}

int pixmap_from_image_data(int32_t width, int32_t height, int32_t rowstride, int has_alpha,
			   int32_t bits_per_sample, int32_t channels, const uint8_t *data, size_t len,
			   struct wire_pixmap *out)
{
	int32_t ow, oh;

	memset(out, 0, sizeof(*out));
	if (width < 1 || height < 1 || width > 65535 || height > 65535 || bits_per_sample != 8 ||
	    channels != (has_alpha ? 4 : 3) || rowstride < width * channels)
		return -EINVAL;
	/* the last row need not be padded to rowstride */
	if ((uint64_t)rowstride * (uint64_t)(height - 1) + (uint64_t)width * (uint64_t)channels > len)
		return -EINVAL;
	if (width >= height) {
		ow = MIN(width, WIRE_PIXMAP_MAX_SIDE);
		oh = MAX(1, (int32_t)((int64_t)height * ow / width));
	} else {
		oh = MIN(height, WIRE_PIXMAP_MAX_SIDE);
		ow = MAX(1, (int32_t)((int64_t)width * oh / height));
	}
	out->data = malloc((size_t)ow * (size_t)oh * 4);
	if (!out->data)
		return -ENOMEM;
	out->width = ow;
	out->height = oh;
	out->len = (uint32_t)ow * (uint32_t)oh * 4u;
	for (int32_t y = 0; y < oh; y++) {
		const uint8_t *row = data + (size_t)rowstride * (size_t)((int64_t)y * height / oh);
		for (int32_t x = 0; x < ow; x++) {
			const uint8_t *s = row + (size_t)((int64_t)x * width / ow) * (size_t)channels;
			uint8_t *d = out->data + ((size_t)y * (size_t)ow + (size_t)x) * 4;
			d[0] = has_alpha ? s[3] : 0xff;
			d[1] = s[0];
			d[2] = s[1];
			d[3] = s[2];
		}
	}
	return 0;
}

int pixmap_to_rgba(const struct wire_pixmap *px, uint8_t **out)
{
	uint8_t *d;

	if (!px->data || px->len != (uint32_t)px->width * (uint32_t)px->height * 4u)
		return -EINVAL;
	d = malloc(px->len);
	if (!d)
		return -ENOMEM;
	for (uint32_t i = 0; i < px->len; i += 4) {
		d[i] = px->data[i + 1];
		d[i + 1] = px->data[i + 2];
		d[i + 2] = px->data[i + 3];
		d[i + 3] = px->data[i];
	}
	*out = d;
	return 0;
}

int color_parse(const char *s, uint32_t *rgb)
{
	uint32_t v = 0;

	if (s[0] == '#')
		s++;
	if (strlen(s) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		char c = s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (unsigned)((c | 0x20) - 'a' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*rgb = v;
	return 0;
}
