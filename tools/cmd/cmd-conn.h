/* SPDX-License-Identifier: MIT */
/*
 * A framed, non-blocking connection for the command protocol: an incoming
 * frame reader and a bounded outgoing queue. Programs poll the descriptor,
 * read complete frames, and queue frames only while there is room, so a slow
 * reader applies back-pressure instead of growing memory.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <poll.h>

#include "frame.h"

#define CMD_CONN_QUEUE_MAX (512u * 1024u)

struct cmd_conn {
	int fd;
	struct frame_reader in;
	uint8_t *out;
	size_t out_start, out_end, out_cap;
	bool read_eof;
	bool write_shut; /* shutdown(SHUT_WR) requested once the queue drains */
};

int cmd_conn_init(struct cmd_conn *c, int fd, size_t max_frame);
void cmd_conn_free(struct cmd_conn *c);
/* Room for a frame with a payload of n bytes? */
bool cmd_conn_can_queue(const struct cmd_conn *c, size_t n);
/* Queues one frame; -ENOBUFS when there is no room (check first). */
__attribute__((warn_unused_result)) int cmd_conn_queue(struct cmd_conn *c, const void *payload, size_t n);
/* Same, for a payload given as a type byte plus data. */
__attribute__((warn_unused_result)) int cmd_conn_queue2(struct cmd_conn *c, uint8_t type, const void *data,
							 size_t n);
bool cmd_conn_pending(const struct cmd_conn *c);
/* Writes what the socket takes now. -EPIPE etc. on a dead peer. */
int cmd_conn_flush(struct cmd_conn *c);
/* Blocks (poll) until the queue is empty or timeout_ms passes. */
int cmd_conn_drain(struct cmd_conn *c, int timeout_ms);
/* frame_reader_read on the descriptor: FRAME_MORE, FRAME_COMPLETE, FRAME_EOF or -errno. */
int cmd_conn_read(struct cmd_conn *c);
/*
 * The pollfd for this connection now: reading only when want_read (there is
 * room downstream), writing while output is pending; fd -1 when neither, so
 * a peer's hang-up cannot wake the loop for data it must not read yet.
 */
struct pollfd cmd_conn_pollfd(const struct cmd_conn *c, bool want_read);
/* True when p asked to read and the descriptor has something (data, EOF, error). */
bool cmd_conn_pollin(const struct pollfd *p);
