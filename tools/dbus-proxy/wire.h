/* SPDX-License-Identifier: MIT */
/* Encoding and decoding of protocol.h messages; the decoder is the first half of the boundary. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"

struct wire_error {
	char text[160];
};

/*
 * Decodes one frame payload into *msg (caller calls wire_msg_free, also on
 * failure). Returns 0 or -EBADMSG with the reason in err. Checks everything
 * the format itself promises: version, known type, every length and count
 * against protocol.h, UTF-8 strings without NUL, pixmap sizes, menu depth
 * and size, enum ranges, and no trailing bytes.
 */
int wire_decode(const uint8_t *buf, size_t len, struct wire_msg *msg, struct wire_error *err);
void wire_msg_free(struct wire_msg *msg);
void wire_notify_free(struct wire_notify *n);
void wire_item_free(struct wire_item *it);
void wire_menu_free(struct wire_menu_item *m);
void wire_pixmap_free(struct wire_pixmap *p);

/* True if s (n bytes) is valid UTF-8 without NUL, overlongs or surrogates. */
bool wire_utf8_valid(const char *s, size_t n);

/* A growing output buffer, never beyond WIRE_MAX_MESSAGE. */
struct wire_buf {
	uint8_t *data;
	size_t len, cap;
	int error; /* sticky: -ENOMEM or -EMSGSIZE */
};

/* Each encoder resets b and returns 0 or the error; b->data/len is the payload. */
int wire_encode(struct wire_buf *b, const struct wire_msg *msg);
void wire_buf_free(struct wire_buf *b);
const char *wire_type_name(uint8_t type);

#define WIRE_SEND_TIMEOUT_MS 5000
/* Encodes msg and writes it as one frame within WIRE_SEND_TIMEOUT_MS. */
int wire_send(int fd, const struct wire_msg *msg);
