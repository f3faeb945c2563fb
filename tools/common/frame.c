/* SPDX-License-Identifier: MIT */
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

void frame_encode_header(uint8_t hdr[FRAME_HEADER_SIZE], uint32_t len)
{
	hdr[0] = (uint8_t)(len >> 24);
	hdr[1] = (uint8_t)(len >> 16);
	hdr[2] = (uint8_t)(len >> 8);
	hdr[3] = (uint8_t)len;
}

int frame_decode_header(const uint8_t hdr[FRAME_HEADER_SIZE], size_t max, uint32_t *len)
{
	uint32_t v = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];

	if (v > max || v > FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	*len = v;
	return 0;
}

ssize_t frame_parse(const uint8_t *buf, size_t n, size_t max, const uint8_t **payload,
		    size_t *payload_len)
{
	uint32_t len;
	int r;

	if (n < FRAME_HEADER_SIZE)
		return 0;
	r = frame_decode_header(buf, max, &len);
	if (r < 0)
		return r;
	if (n - FRAME_HEADER_SIZE < len)
		return 0;
	*payload = buf + FRAME_HEADER_SIZE;
	*payload_len = len;
	return (ssize_t)(FRAME_HEADER_SIZE + len);
}

int frame_write(int fd, const void *payload, size_t len, size_t max, int timeout_ms)
{
	uint8_t hdr[FRAME_HEADER_SIZE];
	int64_t deadline = deadline_after_ms(timeout_ms);
	int r;

	if (len > max || len > FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	frame_encode_header(hdr, (uint32_t)len);
	r = write_all(fd, hdr, sizeof(hdr), deadline_left_ms(deadline));
	if (r < 0)
		return r;
	return write_all(fd, payload, len, deadline_left_ms(deadline));
}

int frame_read(int fd, size_t max, uint8_t **out, size_t *len, int timeout_ms)
{
	uint8_t hdr[FRAME_HEADER_SIZE];
	int64_t deadline = deadline_after_ms(timeout_ms);
	_cleanup_free_ uint8_t *buf = NULL;
	uint32_t n;
	ssize_t got;
	int r;

	got = read_full(fd, hdr, sizeof(hdr), deadline_left_ms(deadline));
	if (got < 0)
		return (int)got;
	if (got == 0)
		return 0;
	if ((size_t)got < sizeof(hdr))
		return -EPROTO;
	r = frame_decode_header(hdr, max, &n);
	if (r < 0)
		return r;
	buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	got = read_full(fd, buf, n, deadline_left_ms(deadline));
	if (got < 0)
		return (int)got;
	if ((size_t)got < n)
		return -EPROTO;
	*out = steal_ptr(buf);
	*len = n;
	return 1;
}

void frame_reader_init(struct frame_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max;
}

void frame_reader_free(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

void frame_reader_next(struct frame_reader *r)
{
	size_t max = r->max;
	frame_reader_free(r);
	frame_reader_init(r, max);
}

int frame_reader_push(struct frame_reader *r, const uint8_t *data, size_t n, size_t *consumed)
{
	size_t used = 0;

	*consumed = 0;
	if (r->complete)
		return FRAME_COMPLETE;
	if (r->hdr_got < FRAME_HEADER_SIZE) {
		size_t take = MIN(n, FRAME_HEADER_SIZE - r->hdr_got);
		memcpy(r->hdr + r->hdr_got, data, take);
		r->hdr_got += take;
		used += take;
		if (r->hdr_got < FRAME_HEADER_SIZE) {
			*consumed = used;
			return FRAME_MORE;
		}
		uint32_t len;
		int e = frame_decode_header(r->hdr, r->max, &len);
		if (e < 0)
			return e;
		r->len = len;
		r->got = 0;
		r->buf = malloc(len ? len : 1);
		if (!r->buf)
			return -ENOMEM;
	}
	size_t take = MIN(n - used, r->len - r->got);
	memcpy(r->buf + r->got, data + used, take);
	r->got += take;
	used += take;
	*consumed = used;
	if (r->got == r->len) {
		r->complete = 1;
		return FRAME_COMPLETE;
	}
	return FRAME_MORE;
}

int frame_reader_read(struct frame_reader *r, int fd)
{
	uint8_t tmp[FRAME_HEADER_SIZE];
	size_t consumed;
	ssize_t n;

	if (r->complete)
		return FRAME_COMPLETE;
	if (r->hdr_got < FRAME_HEADER_SIZE) {
		n = read(fd, tmp, FRAME_HEADER_SIZE - r->hdr_got);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? FRAME_MORE : -errno;
		if (n == 0)
			return r->hdr_got == 0 ? FRAME_EOF : -EPROTO;
		return frame_reader_push(r, tmp, (size_t)n, &consumed);
	}
	/* Read straight into the payload buffer: no copy for large frames. */
	n = read(fd, r->buf + r->got, r->len - r->got);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? FRAME_MORE : -errno;
	if (n == 0)
		return -EPROTO;
	r->got += (size_t)n;
	if (r->got == r->len) {
		r->complete = 1;
		return FRAME_COMPLETE;
	}
	return FRAME_MORE;
}
