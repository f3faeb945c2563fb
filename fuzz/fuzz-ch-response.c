/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the cloud-hypervisor API response parser (HTTP status line, headers,
 * Content-Length) as the client meets it: bytes arriving in data-driven
 * chunks. Every prefix of a complete response must ask for more bytes; the
 * completed answer must describe a body inside the buffer; a 200 body then
 * goes through the vm.info parser, whose results must respect its limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ch-api.h"

volatile size_t fuzz_sink;

static void check_info(const char *body, size_t n)
{
	struct ch_vm_info info;
	char why[160];

	if (ch_parse_vm_info(body, n, &info, why, sizeof(why)) < 0)
		return;
	if (info.memory == 0 || info.memory > CH_API_MEMORY_MAX || info.balloon > info.memory ||
	    (!info.has_balloon && info.balloon) || (info.has_actual && info.memory_actual > info.memory))
		abort();
	fuzz_sink += info.memory + info.balloon;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ch_http_response resp, again;
	const char *buf;
	char why[160];
	size_t chunk, have = 0;
	int r = 0, whole;

	if (size < 1 || size > CH_API_RESPONSE_MAX)
		return 0;
	chunk = (size_t)(data[0] % 64) + 1;
	buf = (const char *)data + 1;
	size--;

	whole = ch_http_parse_response(buf, size, &resp, why, sizeof(why));
	while (have < size) { /* as the client reads it */
		have += chunk < size - have ? chunk : size - have;
		r = ch_http_parse_response(buf, have, &again, why, sizeof(why));
		if (r != 0)
			break;
	}
	if (whole > 0) {
		/* the incremental client stops exactly where the whole-buffer parse ends */
		if (r != whole || (size_t)whole > size)
			abort();
		if (resp.status < 200 || resp.status > 599 || resp.body_off != resp.header_len ||
		    resp.body_off + resp.body_len != (size_t)whole || resp.header_len > CH_API_HEADER_MAX ||
		    resp.body_len > CH_API_BODY_MAX || memcmp(&resp, &again, sizeof(resp)))
			abort();
		if (resp.status == 200)
			check_info(buf + resp.body_off, resp.body_len);
	} else if (whole < 0 && r == 0 && have == size) {
		abort(); /* an error for the whole buffer cannot be "need more" for the same bytes */
	}
	fuzz_sink += (size_t)r;
	return 0;
}
