/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-guest-cmd: guest side of vm-run. A vsock socket unit on port 5000
 * (Accept=yes) starts it per connection with the connection as its standard
 * input and output. It validates the request, then:
 *   launch mode   starts the program as a transient unit of the user's
 *                 session (systemd-run --user), so it outlives the call and
 *                 logs to the journal; or detached in its own session with
 *                 --direct;
 *   pass-io mode  runs it with pipes and streams its input, output and exit
 *                 status over the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmd-conn.h"
#include "cmd-protocol.h"
#include "guest-spawn.h"
#include "io.h"
#include "listen.h"
#include "log.h"
#include "macro.h"
#include "vmsilo-config.h"

#define SYNOPSIS "vmsilo-guest-cmd [--direct]"
#define GUEST_REQUEST_TIMEOUT_MS 30000
#define GUEST_FINAL_DRAIN_MS 30000
#define STDIN_BUFFER_MAX (256u * 1024u)

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Serve one command request from the host on standard input/output (or on\n"
		"descriptor 3 when socket-activated), as started by a vsock socket unit on\n"
		"port %u with Accept=yes.\n"
		"\n"
		"Options:\n"
		"  --direct           start launch-mode programs directly in their own session\n"
		"                     instead of as systemd-run --user transient units\n"
		"  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help         show this help\n"
		"      --version      show the version\n"
		"\n"
		"Exit status: 0 the request was served, 1 it failed, 2 usage error.\n",
		CMD_GUEST_PORT);
}

static void send_started_now(int fd, const char *text)
{
	uint8_t buf[1 + CMD_MESSAGE_MAX];
	frame_write(fd, buf, cmd_build_started(buf, text), CMD_FRAME_MAX, 5000);
}

static int open_devnull(void)
{
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static int launch_direct(int fd, const struct cmd_request *req, char **argv)
{
	_cleanup_close_ int null = open_devnull();
	struct spawn_io io = { null, null, null };
	char msg[CMD_MESSAGE_MAX];
	pid_t pid;

	if (spawn_program(req, argv, &io, true, &pid, msg, sizeof(msg)) < 0) {
		log_error("%s", msg);
		cmd_send_error(fd, CMD_ERR_EXEC, msg);
		return 1;
	}
	log_info("started '%s'", argv[0]);
	send_started_now(fd, "started");
	return 0;
}

static int launch_unit(int fd, const struct cmd_request *req)
{
	char unit[128], msg[CMD_MESSAGE_MAX], out[CMD_MESSAGE_MAX] = "";
	_cleanup_close_ int null = open_devnull();
	_cleanup_free_ char **argv = systemd_run_argv(req, unit, sizeof(unit));
	int p[2], status = 0;
	pid_t pid;
	ssize_t n;

	if (!argv || pipe2(p, O_CLOEXEC) < 0) {
		cmd_send_error(fd, CMD_ERR_INTERNAL, "out of resources");
		return 1;
	}
	struct spawn_io io = { null, p[1], p[1] };
	if (spawn_program(req, argv, &io, false, &pid, msg, sizeof(msg)) < 0) {
		close(p[0]);
		close(p[1]);
		log_error("%s", msg);
		cmd_send_error(fd, CMD_ERR_INTERNAL, msg);
		return 1;
	}
	close(p[1]);
	n = read_full(p[0], out, sizeof(out) - 1, 60000);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *nl = strchr(out, '\n');
		if (nl)
			*nl = '\0';
		snprintf(msg, sizeof(msg), "cannot start '%s': %s", req->argv[0].data,
			 *out ? out : "systemd-run failed");
		log_error("%s", msg);
		cmd_send_error(fd, CMD_ERR_EXEC, msg);
		return 1;
	}
	log_info("started '%s' as %s.service", req->argv[0].data, unit);
	snprintf(msg, sizeof(msg), "%s.service", unit);
	send_started_now(fd, msg);
	return 0;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

struct passio {
	struct cmd_conn conn;
	int in_w, out_r, err_r, pidfd;
	uint8_t *inbuf;
	size_t in_len;
	bool stdin_eof, socket_gone;
	pid_t pid;
	int status;
	bool exited;
};

/* Handles one frame from the host. Returns -EBADMSG to end the call. */
static int host_frame(struct passio *s)
{
	const uint8_t *untrusted = s->conn.in.buf;
	size_t len = s->conn.in.len;
	char why[256];

	if (cmd_frame_check(untrusted, len, CMD_TO_GUEST, why, sizeof(why)) < 0 ||
	    untrusted[0] == CMD_REQUEST) {
		log_error("the host sent an invalid frame: %s", untrusted[0] == CMD_REQUEST ? "a second request" : why);
		return -EBADMSG;
	}
	if (untrusted[0] == CMD_STDIN_EOF)
		s->stdin_eof = true;
	else if (s->stdin_eof)
		return log_error("the host sent input after its end"), -EBADMSG;
	else if (s->in_w >= 0) {
		memcpy(s->inbuf + s->in_len, untrusted + 1, len - 1);
		s->in_len += len - 1;
	}
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Moves child output into frames. */
static void child_output(struct passio *s, int *fd, uint8_t type)
{
	uint8_t buf[CMD_DATA_MAX];
	ssize_t n = read(*fd, buf, sizeof(buf));
	if (n > 0) {
		if (cmd_conn_queue2(&s->conn, type, buf, (size_t)n) < 0) /* room was checked */
			log_error("no room for the program's output; dropping %zd bytes", n);
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close_fd(fd);
	}
}

static int passio_loop(struct passio *s)
{
	while (!(s->exited && s->out_r < 0 && s->err_r < 0)) {
		bool room = cmd_conn_can_queue(&s->conn, CMD_STREAM_FRAME_MAX);
		bool in_room = s->in_len + CMD_DATA_MAX <= STDIN_BUFFER_MAX;
		struct pollfd p[5] = {
			cmd_conn_pollfd(&s->conn, in_room),
			{ .fd = s->in_len ? s->in_w : -1, .events = POLLOUT },
			{ .fd = room ? s->out_r : -1, .events = POLLIN },
			{ .fd = room ? s->err_r : -1, .events = POLLIN },
			{ .fd = s->exited ? -1 : s->pidfd, .events = POLLIN },
		};
		if (s->socket_gone)
			p[0].fd = -1;
		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			return log_error_errno(errno, "poll");
		}
		if (cmd_conn_pollin(&p[0])) {
			int r = cmd_conn_read(&s->conn);
			if (r == FRAME_COMPLETE) {
				if (host_frame(s) < 0)
					return -EBADMSG;
				frame_reader_next(&s->conn.in);
			} else if (r == FRAME_EOF || r < 0) {
				/* The caller is gone: hang up on the program, as a terminal would. */
				log_info("the host closed the connection; sending SIGHUP to '%d'", (int)s->pid);
				s->socket_gone = true;
				if (!s->exited)
					kill(s->pid, SIGHUP);
			}
		}
		if (p[0].fd >= 0 && (p[0].revents & POLLOUT) && cmd_conn_flush(&s->conn) < 0)
			s->socket_gone = true;
		if (p[1].revents) {
			ssize_t n = write(s->in_w, s->inbuf, s->in_len);
			if (n > 0) {
				memmove(s->inbuf, s->inbuf + n, s->in_len - (size_t)n);
				s->in_len -= (size_t)n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				close_fd(&s->in_w); /* the program closed its input */
				s->in_len = 0;
			}
		}
		if (s->stdin_eof && s->in_len == 0)
			close_fd(&s->in_w);
		/* one frame of room was checked; re-check before the second */
		if (p[2].revents && cmd_conn_can_queue(&s->conn, CMD_STREAM_FRAME_MAX))
			child_output(s, &s->out_r, CMD_STDOUT);
		if (p[3].revents && cmd_conn_can_queue(&s->conn, CMD_STREAM_FRAME_MAX))
			child_output(s, &s->err_r, CMD_STDERR);
		if (p[4].revents && waitpid(s->pid, &s->status, WNOHANG) == s->pid)
			s->exited = true;
	}
	uint8_t ex[6];
	if (WIFSIGNALED(s->status))
		cmd_build_exit(ex, CMD_EXIT_SIGNAL, (uint32_t)WTERMSIG(s->status));
	else
		cmd_build_exit(ex, CMD_EXIT_CODE, (uint32_t)WEXITSTATUS(s->status));
	if (cmd_conn_queue(&s->conn, ex, sizeof(ex)) < 0)
		return log_error("no room for the exit status"), -ENOBUFS;
	return cmd_conn_drain(&s->conn, GUEST_FINAL_DRAIN_MS);
}

static int run_pass_io(int fd, const struct cmd_request *req, char **argv)
{
	struct passio s = { .in_w = -1, .out_r = -1, .err_r = -1, .pidfd = -1 };
	int in[2], out[2], err[2], r;
	char msg[CMD_MESSAGE_MAX];

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		cmd_send_error(fd, CMD_ERR_INTERNAL, "cannot create pipes");
		return 1;
	}
	struct spawn_io io = { in[0], out[1], err[1] };
	r = spawn_program(req, argv, &io, false, &s.pid, msg, sizeof(msg));
	close(in[0]);
	close(out[1]);
	close(err[1]);
	if (r < 0) {
		log_error("%s", msg);
		cmd_send_error(fd, CMD_ERR_EXEC, msg);
		return 1;
	}
	log_info("running '%s' (pid %d) with its input and output passed", argv[0], (int)s.pid);
	send_started_now(fd, "started");
	s.in_w = in[1];
	s.out_r = out[0];
	s.err_r = err[0];
	fd_set_nonblock(s.in_w, true);
	fd_set_nonblock(s.out_r, true);
	fd_set_nonblock(s.err_r, true);
	s.pidfd = pidfd_open_(s.pid);
	s.inbuf = malloc(STDIN_BUFFER_MAX);
	if (s.pidfd < 0 || !s.inbuf || cmd_conn_init(&s.conn, fd, CMD_STREAM_FRAME_MAX) < 0) {
		log_error("cannot watch the program: %s", strerror(errno));
		kill(s.pid, SIGKILL);
		return 1;
	}
	r = passio_loop(&s);
	if (r < 0 && !s.exited) {
		kill(s.pid, SIGKILL);
		waitpid(s.pid, NULL, 0);
	}
	close_fd(&s.in_w);
	close_fd(&s.out_r);
	close_fd(&s.err_r);
	close_fd(&s.pidfd);
	free(s.inbuf);
	cmd_conn_free(&s.conn);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	enum { OPT_DIRECT = 256 };
	static const struct option opts[] = {
		{ "direct", no_argument, NULL, OPT_DIRECT },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	bool direct = false;
	int c, fd, r;
	uint8_t *untrusted = NULL;
	size_t len;
	struct cmd_request req;
	char why[256], msg[CMD_MESSAGE_MAX];

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DIRECT:
			direct = true;
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (optind != argc)
		cli_usage_error(SYNOPSIS, "unexpected argument '%s'", argv[optind]);
	signal(SIGPIPE, SIG_IGN);
	fd = listen_fds() == 1 ? LISTEN_FDS_START : STDIN_FILENO;

	r = frame_read(fd, CMD_FRAME_MAX, &untrusted, &len, GUEST_REQUEST_TIMEOUT_MS);
	if (r <= 0) {
		log_error("no request from the host: %s", r == 0 ? "connection closed" : strerror(-r));
		return 1;
	}
	if (cmd_request_decode(untrusted, len, &req, why, sizeof(why)) < 0) {
		free(untrusted);
		log_error("refusing a malformed request: %s", why);
		snprintf(msg, sizeof(msg), "malformed request: %s", why);
		cmd_send_error(fd, CMD_ERR_BAD_REQUEST, msg);
		return 1;
	}
	free(untrusted);

	_cleanup_free_ char **args = calloc(req.argc + 1, sizeof(char *));
	if (!args)
		return 1;
	for (size_t i = 0; i < req.argc; i++)
		args[i] = req.argv[i].data;
	if (req.mode == CMD_MODE_PASS_IO)
		r = run_pass_io(fd, &req, args);
	else if (direct)
		r = launch_direct(fd, &req, args);
	else
		r = launch_unit(fd, &req);
	cmd_request_free(&req);
	return r;
}
