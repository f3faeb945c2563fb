/* SPDX-License-Identifier: MIT */
/*
 * vsock-proxy: forward unix-socket connections to a port inside a VM.
 *
 *   vsock-proxy [--timeout S] <listen-path> <vm> <port>   listen on a path
 *   vsock-proxy [--timeout S] <vm> <port>                 socket-activated
 *
 * Socket-activated with a listening socket (Accept=no) it serves every
 * connection; with Accept=yes systemd hands it one connected socket and it
 * serves that one. Each connection is relayed by its own child process.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "paths.h"
#include "cli.h"
#include "listen.h"
#include "log.h"
#include "relay.h"
#include "vmsilo-config.h"
#include "vsock.h"

#define PROXY_MAX_CHILDREN 256

static volatile sig_atomic_t stop_requested;

static void on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

#define SYNOPSIS "vsock-proxy [--timeout S] [<listen-path>] <vm> <port>"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vsock-proxy [OPTIONS] <listen-path> <vm> <port>\n"
		"       vsock-proxy [OPTIONS] <vm> <port>    (socket-activated)\n"
		"Forward each connection on a unix socket to a vsock port inside a VM.\n"
		"\n"
		"Options:\n"
		"  --timeout SECONDS   keep retrying the guest port this long per connection\n"
		"                      (default 0: one attempt)\n"
		"  --log-level LEVEL   error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help          show this help\n"
		"      --version       show the version\n"
		"\n"
		"Exit status: 0 on SIGTERM/SIGINT or after serving an Accept=yes connection,\n"
		"1 on failure, 2 usage error.\n");
}

static int serve_connection(int client, const struct vsock_addr *addr, uint32_t port, int timeout_ms)
{
	struct vsock_error err = { "" };
	int guest, r;

	guest = vsock_connect_retry(addr, port, timeout_ms, &err);
	if (guest < 0) {
		log_error("cannot reach port %u of VM '%s': %s", port, addr->vm, err.text);
		return 1;
	}
	r = relay_run(client, guest, guest, client, -1, NULL);
	close(guest);
	if (r < 0) {
		log_error_errno(r, "relay to port %u of VM '%s' failed", port, addr->vm);
		return 1;
	}
	return 0;
}

static int listen_on(const char *path)
{
	int fd = unix_listen(path, 128);
	if (fd < 0)
		return log_error_errno(fd, "listening on %s", path);
	return fd;
}

static int reap(int *children)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		(*children)--;
	return 0;
}

static int accept_loop(int lfd, const struct vsock_addr *addr, uint32_t port, int timeout_ms)
{
	int children = 0;

	while (!stop_requested) {
		int cfd;
		pid_t pid;

		reap(&children);
		if (children >= PROXY_MAX_CHILDREN) {
			/* Bounded: wait for a slot instead of forking without limit. */
			if (waitpid(-1, NULL, 0) > 0)
				children--;
			continue;
		}
		cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return log_error_errno(errno, "accept");
		}
		pid = fork();
		if (pid < 0) {
			log_error_errno(errno, "fork");
			close(cfd);
			continue;
		}
		if (pid == 0) {
			close(lfd);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			_exit(serve_connection(cfd, addr, port, timeout_ms));
		}
		children++;
		close(cfd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256 };
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	struct vsock_addr addr = { .kind = VSOCK_AUTO };
	const char *listen_path = NULL;
	int timeout_ms = 0, c, n, lfd, r, accepting = 0;
	socklen_t len = sizeof(accepting);
	uint32_t port;
	struct sigaction sa = { .sa_handler = on_term };

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TIMEOUT:
			if (parse_seconds_ms(optarg, &timeout_ms) < 0)
				cli_usage_error(SYNOPSIS, "invalid --timeout '%s': expected seconds (0-86400)", optarg);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	n = argc - optind;
	if (n == 3)
		listen_path = argv[optind++];
	else if (n != 2)
		cli_usage_error(SYNOPSIS, "expected [<listen-path>] <vm> <port>");
	snprintf(addr.vm, sizeof(addr.vm), "%s", cli_vm_name(SYNOPSIS, argv[optind]));
	if (parse_u32(argv[optind + 1], &port) < 0)
		cli_usage_error(SYNOPSIS, "invalid port '%s'", argv[optind + 1]);

	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (listen_path) {
		lfd = listen_on(listen_path);
		if (lfd < 0)
			return 1;
		log_info("forwarding %s to port %u of VM '%s'", listen_path, port, addr.vm);
		r = accept_loop(lfd, &addr, port, timeout_ms);
		unlink(listen_path);
		return r < 0 ? 1 : 0;
	}

	n = listen_fds();
	if (n != 1) {
		fprintf(stderr, "vsock-proxy: no <listen-path> given and not socket-activated "
				"(expected exactly one socket from systemd, got %d)\n",
			n < 0 ? 0 : n);
		return 2;
	}
	lfd = LISTEN_FDS_START;
	if (getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) < 0) {
		log_error_errno(errno, "the socket from systemd is unusable");
		return 1;
	}
	if (!accepting)
		return serve_connection(lfd, &addr, port, timeout_ms);
	return accept_loop(lfd, &addr, port, timeout_ms) < 0 ? 1 : 0;
}
