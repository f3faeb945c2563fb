/* SPDX-License-Identifier: MIT */
/*
 * Robust I/O helpers. All return -errno on failure; timeouts are in
 * milliseconds, and a negative timeout waits forever. They work on blocking
 * and non-blocking descriptors alike (they poll before each transfer).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* CLOCK_MONOTONIC in milliseconds. */
int64_t now_ms(void);
/* Milliseconds left until deadline (never negative); a negative deadline means "no deadline" -> -1. */
int deadline_left_ms(int64_t deadline_ms);
/* now + timeout, or -1 for a negative timeout. */
int64_t deadline_after_ms(int timeout_ms);

int fd_set_nonblock(int fd, bool nonblock);
int fd_set_cloexec(int fd, bool cloexec);

/* Waits until fd is ready for events or the deadline passes (-ETIMEDOUT). */
int fd_wait(int fd, short events, int64_t deadline_ms);

/*
 * Reads exactly n bytes unless EOF comes first. Returns the number of bytes
 * read (short only at EOF), -ETIMEDOUT, or another -errno.
 */
ssize_t read_full(int fd, void *buf, size_t n, int timeout_ms);
/* Writes all n bytes. Returns 0, -ETIMEDOUT or another -errno (-EPIPE if the peer is gone). */
int write_all(int fd, const void *buf, size_t n, int timeout_ms);

/* Connects a stream socket to a unix socket path: the fd, or -errno (-ENAMETOOLONG). */
int unix_connect(const char *path);
/* The same for another socket type, e.g. SOCK_SEQPACKET | SOCK_NONBLOCK. */
int unix_connect_type(const char *path, int type);
/*
 * Listens on a unix socket path, replacing a stale socket file: the fd, or
 * -errno; -EEXIST when something other than a socket is at the path.
 */
int unix_listen(const char *path, int backlog);

/* Parses a decimal unsigned 32-bit number with no sign, spaces or trailing junk. */
int parse_u32(const char *s, uint32_t *out);

/* mkdir -p: dir and every missing parent, with mode. 0 or -errno. */
int mkdir_parents(const char *dir, mode_t mode);
/*
 * Replaces path with data in one step: writes a temporary file beside it
 * with mode, syncs it and renames it over path. 0 or -errno (nothing left
 * behind on failure).
 */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);
/* Parses seconds ("5", "0.25") into milliseconds; rejects negatives and > 1 day. */
int parse_seconds_ms(const char *s, int *out_ms);
