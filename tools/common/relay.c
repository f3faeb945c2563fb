/* SPDX-License-Identifier: MIT */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"

struct direction {
	int in, out;
	char *buf;
	size_t start, end; /* pending bytes are buf[start..end) */
	bool eof;          /* source finished; flush then close the sink */
	bool done;
	unsigned long long bytes;
};

struct saved_flags {
	int fd;
	int flags;
};

static void end_write_side(struct direction *d, const struct direction *other)
{
	if (shutdown(d->out, SHUT_WR) == 0)
		return;
	/* Not a socket: closing is the only way to signal EOF, unless the other
	 * direction still reads from this very descriptor. */
	if (d->out != other->in && d->out != other->out)
		close(d->out);
	d->out = -1;
}

static void finish(struct direction *d, const struct direction *other)
{
	if (d->done)
		return;
	d->done = true;
	if (d->out >= 0)
		end_write_side(d, other);
}

/* Returns 0, or -errno for a hard error. */
static int pump_in(struct direction *d)
{
	ssize_t n = read(d->in, d->buf + d->end, RELAY_BUFFER_SIZE - d->end);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		d->eof = true;
	d->end += (size_t)n;
	return 0;
}

static int pump_out(struct direction *d)
{
	ssize_t n = write(d->out, d->buf + d->start, d->end - d->start);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	d->start += (size_t)n;
	d->bytes += (unsigned long long)n;
	if (d->start == d->end)
		d->start = d->end = 0;
	return 0;
}

static void make_nonblocking(int fd, struct saved_flags *saved, size_t *nsaved)
{
	int flags;

	for (size_t i = 0; i < *nsaved; i++)
		if (saved[i].fd == fd)
			return;
	if (isatty(fd))
		return; /* shared with the user's shell; keep it blocking */
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_NONBLOCK))
		return;
	if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0) {
		saved[*nsaved].fd = fd;
		saved[*nsaved].flags = flags;
		(*nsaved)++;
	}
}

int relay_run(int in0, int out0, int in1, int out1, int idle_timeout_ms, struct relay_stats *stats)
{
	_cleanup_free_ char *buf0 = malloc(RELAY_BUFFER_SIZE);
	_cleanup_free_ char *buf1 = malloc(RELAY_BUFFER_SIZE);
	struct direction dir[2] = {
		{ .in = in0, .out = out0, .buf = buf0 },
		{ .in = in1, .out = out1, .buf = buf1 },
	};
	struct saved_flags saved[4];
	size_t nsaved = 0;
	int ret = 0;

	if (!buf0 || !buf1)
		return -ENOMEM;
	make_nonblocking(in0, saved, &nsaved);
	make_nonblocking(out0, saved, &nsaved);
	make_nonblocking(in1, saved, &nsaved);
	make_nonblocking(out1, saved, &nsaved);

	while (!dir[0].done || !dir[1].done) {
		struct pollfd p[4];
		int idx[4], np = 0;

		for (int i = 0; i < 2; i++) {
			struct direction *d = &dir[i];
			if (d->done)
				continue;
			if (!d->eof && d->end < RELAY_BUFFER_SIZE) {
				p[np] = (struct pollfd){ .fd = d->in, .events = POLLIN };
				idx[np++] = i * 2;
			}
			if (d->end > d->start) {
				p[np] = (struct pollfd){ .fd = d->out, .events = POLLOUT };
				idx[np++] = i * 2 + 1;
			}
		}
		int r = poll(p, (nfds_t)np, idle_timeout_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (r == 0) {
			ret = -ETIMEDOUT;
			break;
		}
		for (int k = 0; k < np && ret == 0; k++) {
			struct direction *d = &dir[idx[k] / 2];
			struct direction *other = &dir[1 - idx[k] / 2];
			bool is_out = idx[k] % 2;
			if (!p[k].revents || d->done)
				continue;
			if (is_out) {
				if (p[k].revents & (POLLERR | POLLNVAL) && !(p[k].revents & POLLOUT))
					r = -EPIPE;
				else
					r = pump_out(d);
				if (r == -EPIPE || r == -ECONNRESET) {
					/* Receiver is gone: this direction cannot deliver any more. */
					log_debug("relay: direction %d receiver closed", idx[k] / 2);
					d->start = d->end = 0;
					d->eof = true;
					shutdown(d->in, SHUT_RD);
					finish(d, other);
					continue;
				}
			} else {
				r = pump_in(d);
				if (r == -ECONNRESET) {
					d->eof = true;
					r = 0;
				}
			}
			if (r < 0)
				ret = r;
		}
		for (int i = 0; i < 2; i++)
			if (!dir[i].done && dir[i].eof && dir[i].end == dir[i].start)
				finish(&dir[i], &dir[1 - i]);
	}

	for (size_t i = 0; i < nsaved; i++)
		fcntl(saved[i].fd, F_SETFL, saved[i].flags);
	if (stats) {
		stats->bytes[0] = dir[0].bytes;
		stats->bytes[1] = dir[1].bytes;
	}
	return ret;
}
