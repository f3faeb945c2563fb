/* SPDX-License-Identifier: MIT */
/*
 * A small client for cloud-hypervisor's REST API on its unix socket
 * (<runtime>/<vm>/api.socket): GET /api/v1/vm.info and PUT /api/v1/vm.resize
 * with "desired_balloon", over HTTP/1.1, one request per connection.
 *
 * A hostile guest may have taken over its VMM, so every reply is parsed as
 * untrusted: a strict status line and headers, a mandatory bounded
 * Content-Length, no chunked encoding, a bounded JSON body, and each field we
 * use checked for type and range.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CH_API_HEADER_MAX (8u * 1024u)          /* status line + headers */
#define CH_API_HEADER_LINES_MAX 64u
#define CH_API_BODY_MAX (256u * 1024u)          /* vm.info with a large device tree fits */
#define CH_API_RESPONSE_MAX (CH_API_HEADER_MAX + CH_API_BODY_MAX)
#define CH_API_JSON_DEPTH 32                     /* json-c nesting limit */
#define CH_API_TIMEOUT_MS 1000                   /* per request, connect to last byte */
#define CH_API_MEMORY_MAX (1ull << 44)           /* 16 TiB: larger sizes are lies */
#define CH_API_ERROR_TEXT 256u

struct ch_http_response {
	unsigned status;     /* 100..599 */
	size_t header_len;   /* bytes up to and including the blank line */
	size_t body_off;     /* body = buf + body_off ... */
	size_t body_len;     /* ... for body_len bytes (== Content-Length) */
};

/*
 * Parses one HTTP/1.x response at the start of buf. Returns the total length
 * (> 0) once the headers and the whole body are in buf; 0 when buf is a valid
 * prefix that needs more bytes; -EPROTO for anything malformed or unsupported;
 * -E2BIG when the headers or the body exceed the limits above. On error, why
 * (if not NULL) says what was wrong.
 */
int ch_http_parse_response(const char *buf, size_t n, struct ch_http_response *resp,
			   char *why, size_t whylen);

struct ch_vm_info {
	uint64_t memory;          /* config.memory.size */
	bool has_balloon;         /* config.balloon is an object */
	uint64_t balloon;         /* config.balloon.size (the requested size) */
	bool has_actual;          /* memory_actual_size was present */
	uint64_t memory_actual;   /* memory_actual_size: memory - actual balloon */
	bool running;             /* state is "Running" (or absent) */
};

/* Parses and validates a vm.info body. Returns 0 or -EPROTO with why filled. */
int ch_parse_vm_info(const char *body, size_t n, struct ch_vm_info *info, char *why, size_t whylen);

/* GET /api/v1/vm.info. Returns 0 or -errno with err filled (what failed and why). */
int ch_api_get_info(const char *socket_path, struct ch_vm_info *info, char *err, size_t errlen);
/* PUT /api/v1/vm.resize {"desired_balloon": bytes}; 2xx is success. */
int ch_api_set_balloon(const char *socket_path, uint64_t bytes, char *err, size_t errlen);
