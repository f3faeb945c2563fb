/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the memstat report path as the host runs it: a stream of 32-byte
 * records from the guest, decoded and validated against what the host knows
 * (configured memory and elapsed time, taken from the first input bytes).
 * Accepted records must satisfy every documented rule; the first rejected
 * record ends the stream, as the daemon disconnects.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memstat.h"

volatile uint64_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct memstat_limits lim = { 0 };
	uint8_t reencoded[MEMSTAT_RECORD_SIZE];
	char why[160];

	if (size < 3)
		return 0;
	lim.configured_memory = (uint64_t)data[0] << 24; /* 0 (unknown) .. ~4 GiB */
	lim.host_elapsed_ms = (uint64_t)data[1] * 100;
	data += 2;
	size -= 2;

	for (size_t off = 0; off + MEMSTAT_RECORD_SIZE <= size; off += MEMSTAT_RECORD_SIZE) {
		struct memstat_record untrusted;
		if (memstat_decode(data + off, &untrusted, why, sizeof(why)) < 0)
			break;
		memstat_encode(&untrusted, reencoded);
		if (memcmp(reencoded, data + off, MEMSTAT_RECORD_SIZE))
			abort(); /* a decodable record has exactly one encoding */
		if (memstat_validate(&untrusted, &lim, why, sizeof(why)) < 0)
			break;
		if (untrusted.total == 0 || untrusted.available > untrusted.total ||
		    (lim.configured_memory && untrusted.total > lim.configured_memory) ||
		    (lim.have_previous && untrusted.seq_ms <= lim.previous_seq_ms))
			abort();
		lim.have_previous = true;
		lim.previous_seq_ms = untrusted.seq_ms;
		fuzz_sink += untrusted.available;
	}
	return 0;
}
