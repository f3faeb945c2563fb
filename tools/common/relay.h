/* SPDX-License-Identifier: MIT */
/*
 * Bidirectional byte relay with correct half-close: when one direction's
 * source reaches EOF, its destination is shut down for writing (sockets) or
 * closed (pipes, files), and the other direction keeps flowing until it ends
 * too. 128 KiB buffers per direction; never byte-at-a-time.
 */
#pragma once

#define RELAY_BUFFER_SIZE (128u * 1024u)

struct relay_stats {
	unsigned long long bytes[2]; /* direction 0: in0 -> out0; 1: in1 -> out1 */
};

/*
 * Direction 0 copies in0 -> out0, direction 1 copies in1 -> out1. A descriptor
 * may appear twice (a socket is both in1 and out0). idle_timeout_ms < 0 means
 * no idle limit. Returns 0 when both directions ended normally, -ETIMEDOUT
 * after an idle period, or -errno for an I/O error. Descriptors that are not
 * terminals are switched to non-blocking for the duration and restored after.
 */
int relay_run(int in0, int out0, int in1, int out1, int idle_timeout_ms, struct relay_stats *stats);
