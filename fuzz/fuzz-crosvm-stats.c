/* SPDX-License-Identifier: MIT */
/*
 * Fuzzes the parsers of crosvm control-socket answers (BalloonStats and the
 * Adjust acknowledgement). The statistics come from the guest's balloon
 * driver through a VMM the guest may control: an accepted answer must obey
 * the documented limits.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "crosvm.h"

volatile uint64_t fuzz_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crosvm_stats st;
	char why[160];
	int r;

	if (size > CROSVM_MSG_MAX)
		return 0;
	if (crosvm_parse_stats((const char *)data, size, &st, why, sizeof(why)) == 0) {
		if (st.balloon_actual > CROSVM_MEMORY_MAX || st.total_memory > CROSVM_MEMORY_MAX ||
		    st.available_memory > st.total_memory || (st.have_memory && st.total_memory == 0) ||
		    (!st.have_memory && (st.total_memory || st.available_memory)))
			abort();
		fuzz_sink += st.balloon_actual + st.available_memory;
	}
	r = crosvm_parse_ok((const char *)data, size, why, sizeof(why));
	if (r != 0 && r != -EIO && r != -EPROTO && r != -ENOMEM)
		abort();
	fuzz_sink += (uint64_t)r;
	return 0;
}
