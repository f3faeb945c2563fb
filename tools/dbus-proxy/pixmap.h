/* SPDX-License-Identifier: MIT */
/* Pictures: the VM-colored border, and conversion to and from the notification image-data layout. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

/* Border width for a picture: 1/16 of the shorter side, at least 1 pixel. */
unsigned pixmap_border_width(int32_t width, int32_t height);

/*
 * Paints an opaque border of color 0xRRGGBB around an ARGB32 pixmap, in place.
 * -EINVAL (and nothing written) if the size and the data length disagree.
 */
int pixmap_tint_border(struct wire_pixmap *px, uint32_t rgb);

/*
 * From a notification image-data hint (iiibiiay: width, height, rowstride,
 * has_alpha, bits_per_sample, channels, data) to ARGB32, scaled down (nearest
 * pixel) to fit WIRE_PIXMAP_MAX_SIDE. -EINVAL for a layout that the data does
 * not fill or that is not 8-bit RGB/RGBA.
 */
int pixmap_from_image_data(int32_t width, int32_t height, int32_t rowstride, int has_alpha,
			   int32_t bits_per_sample, int32_t channels, const uint8_t *data, size_t len,
			   struct wire_pixmap *out);
/* ARGB32 to RGBA bytes (rowstride width*4) for an image-data hint; *out has px->len bytes. */
int pixmap_to_rgba(const struct wire_pixmap *px, uint8_t **out);

/* "#rrggbb" (or "rrggbb") to 0xRRGGBB. -EINVAL otherwise. */
int color_parse(const char *s, uint32_t *rgb);
