/* SPDX-License-Identifier: MIT */
/*
 * Length-prefixed frames: a 4-byte big-endian payload length, then the
 * payload. Every reader is given a hard maximum; a header announcing more is
 * an error (-EMSGSIZE) before any payload byte is read or allocated.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FRAME_HEADER_SIZE 4u
/* Absolute ceiling for any protocol built on frames; protocols pick lower limits. */
#define FRAME_MAX_PAYLOAD (16u * 1024u * 1024u)

void frame_encode_header(uint8_t hdr[FRAME_HEADER_SIZE], uint32_t len);
/* 0, or -EMSGSIZE when the announced length exceeds max. */
int frame_decode_header(const uint8_t hdr[FRAME_HEADER_SIZE], size_t max, uint32_t *len);

/*
 * Parses one frame at the start of buf. Returns the bytes consumed (> 0) and
 * points *payload into buf; 0 if more bytes are needed; -EMSGSIZE if the frame
 * is over max.
 */
ssize_t frame_parse(const uint8_t *buf, size_t n, size_t max, const uint8_t **payload,
		    size_t *payload_len);

/* Blocking helpers with a timeout for the whole frame (negative: forever). */
int frame_write(int fd, const void *payload, size_t len, size_t max, int timeout_ms);
/*
 * Returns 1 with a malloc'd *out (caller frees) of *len bytes, 0 on a clean EOF
 * before any header byte, -EPROTO on EOF inside a frame, -EMSGSIZE, -ETIMEDOUT,
 * or another -errno.
 */
int frame_read(int fd, size_t max, uint8_t **out, size_t *len, int timeout_ms);

/* Incremental reader for event loops (non-blocking fds, any chunking). */
struct frame_reader {
	size_t max;
	uint8_t hdr[FRAME_HEADER_SIZE];
	size_t hdr_got;
	uint8_t *buf; /* payload being assembled; owned */
	size_t len;   /* announced payload length */
	size_t got;
	int complete;
};

enum {
	FRAME_MORE = 0,     /* need more bytes */
	FRAME_COMPLETE = 1, /* r->buf / r->len hold one payload; call frame_reader_next() */
	FRAME_EOF = 2,      /* clean end of stream at a frame boundary */
};

void frame_reader_init(struct frame_reader *r, size_t max);
void frame_reader_free(struct frame_reader *r);
/* Feeds bytes; *consumed says how many were taken. Stops after one complete frame. */
int frame_reader_push(struct frame_reader *r, const uint8_t *data, size_t n, size_t *consumed);
/*
 * Reads from fd without blocking beyond one read(2). Returns FRAME_MORE,
 * FRAME_COMPLETE, FRAME_EOF, -EPROTO (EOF mid-frame), -EMSGSIZE or -errno.
 * It never reads past the end of the current frame.
 */
int frame_reader_read(struct frame_reader *r, int fd);
/* Releases the completed payload and prepares for the next frame. */
void frame_reader_next(struct frame_reader *r);
