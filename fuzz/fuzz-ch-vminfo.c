/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the vm.info JSON body parser: whatever the (possibly compromised)
 * VMM sends, an accepted body yields sizes inside the documented limits.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ch-api.h"

volatile uint64_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ch_vm_info info;
	char why[160];

	if (size > CH_API_BODY_MAX)
		return 0;
	if (ch_parse_vm_info((const char *)data, size, &info, why, sizeof(why)) < 0)
		return 0;
	if (info.memory == 0 || info.memory > CH_API_MEMORY_MAX || info.balloon > info.memory ||
	    (!info.has_balloon && info.balloon) || (info.has_actual && info.memory_actual > info.memory))
		abort();
	fuzz_sink += info.memory + info.balloon + info.memory_actual + info.running;
	return 0;
}
