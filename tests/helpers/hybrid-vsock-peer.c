/* SPDX-License-Identifier: MIT */
/*
 * A test peer standing in for cloud-hypervisor's host side of hybrid vsock,
 * written from cloud-hypervisor's docs/vsock.md (the Firecracker-compatible
 * "hybrid vsock" design):
 *
 *  - the VMM listens on a unix socket given as --vsock socket=PATH;
 *  - a host client connects and writes "CONNECT <port>\n";
 *  - if a guest application accepts on that port, the VMM answers
 *    "OK <host-side-port>\n" and from then on the stream is the guest's;
 *  - if nothing in the guest listens, the VMM closes the connection.
 *
 * Here the "guest applications" are handlers chosen on the command line:
 *   --echo PORT              echo every byte back
 *   --exec PORT CMDLINE      run CMDLINE with the stream as stdin/stdout (directly
 *                            when it is a plain "/path/prog arg...", else by /bin/sh -c)
 *   --delay PORT SECONDS     PORT refuses (closes) until SECONDS after start
 *   --reply PORT TEXT        answer the handshake with TEXT (C escapes \n \xNN)
 *                            instead of "OK <n>\n", then close: a broken VMM
 * Unknown ports are refused by closing, as the real VMM does.
 *
 * Every connection is served by a child process. SIGTERM ends the peer and
 * removes the socket.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

#define MAX_HANDLERS 32
#define CONNECT_LINE_MAX 32

enum handler_kind { H_ECHO, H_EXEC, H_REPLY };

struct handler {
	uint32_t port;
	enum handler_kind kind;
	const char *arg;
	int delay_ms;
};

static struct handler handlers[MAX_HANDLERS];
static size_t nhandlers;
static const char *socket_path;
static volatile sig_atomic_t stop;
static int64_t start_ms;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static struct handler *find(uint32_t port)
{
	for (size_t i = 0; i < nhandlers; i++)
		if (handlers[i].port == port)
			return &handlers[i];
	return NULL;
}

static struct handler *add(uint32_t port)
{
	struct handler *h = find(port);
	if (h)
		return h;
	if (nhandlers == MAX_HANDLERS) {
		fprintf(stderr, "hybrid-vsock-peer: too many handlers\n");
		exit(2);
	}
	h = &handlers[nhandlers++];
	h->port = port;
	return h;
}

static size_t unescape(const char *s, char *out, size_t max)
{
	size_t o = 0;
	while (*s && o < max) {
		if (s[0] == '\\' && s[1] == 'n') {
			out[o++] = '\n';
			s += 2;
		} else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3]) {
			char hex[3] = { s[2], s[3], 0 };
			out[o++] = (char)strtoul(hex, NULL, 16);
			s += 4;
		} else
			out[o++] = *s++;
	}
	return o;
}

/* Reads "CONNECT <port>\n" byte-wise; returns 0 and the port, or -1. */
static int read_connect(int fd, uint32_t *port)
{
	char line[CONNECT_LINE_MAX + 1];
	size_t n = 0;

	while (n < CONNECT_LINE_MAX) {
		if (read_full(fd, line + n, 1, 10000) != 1)
			return -1;
		if (line[n] == '\n') {
			line[n] = '\0';
			if (strncmp(line, "CONNECT ", 8) != 0)
				return -1;
			return parse_u32(line + 8, port) < 0 ? -1 : 0;
		}
		n++;
	}
	return -1;
}

static void echo(int fd)
{
	char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (write_all(fd, buf, (size_t)n, -1) < 0)
			break;
	}
	shutdown(fd, SHUT_WR);
}

/* Plain "prog arg..." runs without a shell, as a socket unit would start it. */
static _noreturn_ void exec_handler(const char *cmd)
{
	char *argv[32], *copy, *save = NULL;
	int n = 0;

	if (strspn(cmd, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-= ") == strlen(cmd)) {
		copy = strdup(cmd);
		for (char *w = strtok_r(copy, " ", &save); w && n < 31; w = strtok_r(NULL, " ", &save))
			argv[n++] = w;
		argv[n] = NULL;
		if (n > 0)
			execv(argv[0], argv);
	}
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

static _noreturn_ void serve(int fd, uint32_t host_port)
{
	struct handler *h;
	uint32_t port;
	char ok[32];

	if (read_connect(fd, &port) < 0)
		_exit(1);
	h = find(port);
	if (!h || now_ms() - start_ms < h->delay_ms || (h->kind == H_EXEC && !h->arg))
		_exit(0); /* refused: nothing listens on that guest port (yet) */
	if (h->kind == H_REPLY) {
		char raw[256];
		size_t n = unescape(h->arg, raw, sizeof(raw));
		write_all(fd, raw, n, 5000);
		_exit(0);
	}
	snprintf(ok, sizeof(ok), "OK %u\n", host_port);
	if (write_all(fd, ok, strlen(ok), 5000) < 0)
		_exit(1);
	if (h->kind == H_ECHO) {
		echo(fd);
		_exit(0);
	}
	dup2(fd, 0);
	dup2(fd, 1);
	if (fd > 1)
		close(fd);
	exec_handler(h->arg);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: hybrid-vsock-peer --socket PATH [--echo PORT] [--exec PORT CMD]\n"
		   "       [--delay PORT SECONDS] [--reply PORT TEXT]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "echo", required_argument, NULL, 'e' },
		{ "exec", required_argument, NULL, 'x' },   { "delay", required_argument, NULL, 'd' },
		{ "reply", required_argument, NULL, 'r' },  { "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act = { .sa_handler = on_term };
	uint32_t port, next_host_port = 1073741824u;
	int c, lfd;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		struct handler *h;
		int ms;
		switch (c) {
		case 's':
			socket_path = optarg;
			break;
		case 'e':
		case 'x':
		case 'd':
		case 'r':
			if (parse_u32(optarg, &port) < 0) {
				fprintf(stderr, "hybrid-vsock-peer: bad port %s\n", optarg);
				return 2;
			}
			h = add(port);
			if (c == 'e')
				h->kind = H_ECHO;
			else {
				if (optind >= argc) {
					usage(stderr);
					return 2;
				}
				const char *arg = argv[optind++];
				if (c == 'd') {
					if (parse_seconds_ms(arg, &ms) < 0)
						return 2;
					h->delay_ms = ms;
				} else {
					h->kind = c == 'x' ? H_EXEC : H_REPLY;
					h->arg = arg;
				}
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!socket_path || strlen(socket_path) >= sizeof(sa.sun_path)) {
		usage(stderr);
		return 2;
	}
	memcpy(sa.sun_path, socket_path, strlen(socket_path));
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(socket_path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 128) < 0) {
		perror("hybrid-vsock-peer: listen");
		return 1;
	}
	start_ms = now_ms();
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	signal(SIGCHLD, SIG_IGN); /* children are reaped automatically */
	signal(SIGPIPE, SIG_IGN);

	while (!stop) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;
		if (fd < 0)
			continue;
		next_host_port++;
		pid = fork();
		if (pid == 0) {
			close(lfd);
			signal(SIGCHLD, SIG_DFL);
			signal(SIGPIPE, SIG_DFL);
			serve(fd, next_host_port);
		}
		close(fd);
	}
	unlink(socket_path);
	return 0;
}
