/* SPDX-License-Identifier: MIT */
/* Fuzzes the cloud-hypervisor hybrid-vsock handshake reply parser. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vsock.h"

volatile uint32_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t port = 0, cid = 0;
	int r;

	/* Feed it as the connector does: one byte more each time. */
	for (size_t n = 0; n <= size; n++) {
		r = vsock_hybrid_parse_reply((const char *)data, n, &port);
		if (r > 0) {
			/* Invariants: a complete reply is "OK <digits>\n", at most 14 bytes. */
			if ((size_t)r != n || r > 14 || data[r - 1] != '\n' || memcmp(data, "OK ", 3) != 0)
				abort();
			fuzz_sink = port;
			break;
		}
		if (r < 0) {
			if (n > VSOCK_HYBRID_REPLY_MAX)
				abort();
			break;
		}
		if (n > VSOCK_HYBRID_REPLY_MAX)
			abort(); /* "need more" must stop at the maximum */
	}
	if (vsock_parse_cid((const char *)data, size, &cid) == 0) {
		if (cid < VSOCK_CID_MIN || cid > VSOCK_CID_MAX)
			abort();
		fuzz_sink = cid;
	}
	return 0;
}
