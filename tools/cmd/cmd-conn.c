/* SPDX-License-Identifier: MIT */
#include "cmd-conn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io.h"

int cmd_conn_init(struct cmd_conn *c, int fd, size_t max_frame)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	frame_reader_init(&c->in, max_frame);
	c->out_cap = CMD_CONN_QUEUE_MAX + FRAME_HEADER_SIZE + max_frame;
	c->out = malloc(c->out_cap);
	if (!c->out)
		return -ENOMEM;
	return fd_set_nonblock(fd, true);
}

void cmd_conn_free(struct cmd_conn *c)
{
	frame_reader_free(&c->in);
	free(c->out);
	c->out = NULL;
}

bool cmd_conn_can_queue(const struct cmd_conn *c, size_t n)
{
	return c->out_end - c->out_start + FRAME_HEADER_SIZE + n <= CMD_CONN_QUEUE_MAX ||
	       c->out_end == c->out_start;
}

static int make_room(struct cmd_conn *c, size_t need)
{
	if (c->out_cap - c->out_end >= need)
		return 0;
	memmove(c->out, c->out + c->out_start, c->out_end - c->out_start);
	c->out_end -= c->out_start;
	c->out_start = 0;
	return c->out_cap - c->out_end >= need ? 0 : -ENOBUFS;
}

int cmd_conn_queue2(struct cmd_conn *c, uint8_t type, const void *data, size_t n)
{
	size_t need = FRAME_HEADER_SIZE + 1 + n;

	if (!cmd_conn_can_queue(c, n + 1) || make_room(c, need) < 0)
		return -ENOBUFS;
	frame_encode_header(c->out + c->out_end, (uint32_t)(n + 1));
	c->out[c->out_end + FRAME_HEADER_SIZE] = type;
	if (n)
		memcpy(c->out + c->out_end + FRAME_HEADER_SIZE + 1, data, n);
	c->out_end += need;
	return 0;
}

int cmd_conn_queue(struct cmd_conn *c, const void *payload, size_t n)
{
	if (n == 0)
		return -EINVAL;
	return cmd_conn_queue2(c, *(const uint8_t *)payload, (const uint8_t *)payload + 1, n - 1);
}

bool cmd_conn_pending(const struct cmd_conn *c)
{
	return c->out_end > c->out_start;
}

int cmd_conn_flush(struct cmd_conn *c)
{
	while (c->out_end > c->out_start) {
		ssize_t n = send(c->fd, c->out + c->out_start, c->out_end - c->out_start,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			return -errno;
		}
		c->out_start += (size_t)n;
	}
	c->out_start = c->out_end = 0;
	if (c->write_shut)
		shutdown(c->fd, SHUT_WR);
	return 0;
}

int cmd_conn_drain(struct cmd_conn *c, int timeout_ms)
{
	int64_t deadline = deadline_after_ms(timeout_ms);
	while (cmd_conn_pending(c)) {
		int r = fd_wait(c->fd, POLLOUT, deadline);
		if (r < 0)
			return r;
		r = cmd_conn_flush(c);
		if (r < 0)
			return r;
	}
	return 0;
}

int cmd_conn_read(struct cmd_conn *c)
{
	int r = frame_reader_read(&c->in, c->fd);
	if (r == -ECONNRESET) /* a reset between frames is an ordinary end */
		r = c->in.hdr_got ? -EPROTO : FRAME_EOF;
	if (r == FRAME_EOF)
		c->read_eof = true;
	return r;
}

struct pollfd cmd_conn_pollfd(const struct cmd_conn *c, bool want_read)
{
	struct pollfd p = { .fd = c->fd };
	if (want_read && !c->read_eof)
		p.events |= POLLIN;
	if (cmd_conn_pending(c))
		p.events |= POLLOUT;
	if (!p.events)
		p.fd = -1;
	return p;
}

bool cmd_conn_pollin(const struct pollfd *p)
{
	return p->fd >= 0 && (p->events & POLLIN) && (p->revents & (POLLIN | POLLHUP | POLLERR));
}
