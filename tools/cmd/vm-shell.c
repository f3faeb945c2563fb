/* SPDX-License-Identifier: MIT */
/*
 * vm-shell: a shell in a VM, through its serial console (default) or through
 * ssh carried over vsock (no guest networking needed).
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "io.h"
#include "log.h"
#include "paths.h"
#include "relay.h"
#include "vmsilo-config.h"

#define SYNOPSIS "vm-shell [--ssh [--root | --user NAME]] <vm> [-- ssh-arguments...]"
#define ESCAPE_CHAR 0x1d /* Ctrl-] */
#define SHELL_GUEST_USER "user"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Open a shell in VM <vm>. By default attach to its serial console\n"
		"(<runtime>/<vm>/console.socket; press Ctrl-] to leave). With --ssh, run ssh\n"
		"to the guest over vsock port 22 (vsock-connect as ProxyCommand), which needs\n"
		"an ssh server and keys in the guest but no guest network.\n"
		"\n"
		"Options:\n"
		"  --ssh              use ssh instead of the serial console\n"
		"  --root             log in as root (with --ssh)\n"
		"  --user NAME        log in as NAME (with --ssh; default '" SHELL_GUEST_USER "')\n"
		"  --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help         show this help\n"
		"      --version      show the version\n"
		"\n"
		"Exit status: 0 the console closed, ssh's own status with --ssh, 1 failure,\n"
		"2 usage error.\n");
}

static int connect_console(const char *vm)
{
	char path[108];
	int fd;

	if (vm_runtime_path(path, sizeof(path), vm, "console.socket") < 0)
		return log_error("console path for VM '%s' is too long", vm), -ENAMETOOLONG;
	fd = unix_connect(path);
	if (fd == -ENOENT || fd == -ECONNREFUSED)
		log_error("VM '%s' has no console at %s: is it running? (vm-start %s)", vm, path, vm);
	else if (fd < 0)
		log_error_errno(fd, "connecting to %s", path);
	return fd;
}

/* Terminal in raw mode; Ctrl-] leaves. */
static int interactive(int fd, const char *vm)
{
	struct termios saved, raw;
	char buf[4096];
	int ret = 0;

	tcgetattr(STDIN_FILENO, &saved);
	raw = saved;
	cfmakeraw(&raw);
	fprintf(stderr, "Connected to the serial console of VM '%s'. Press Ctrl-] to leave.\r\n", vm);
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	for (;;) {
		struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (p[0].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0)
				break;
			char *esc = memchr(buf, ESCAPE_CHAR, (size_t)n);
			if (esc) {
				write_all(fd, buf, (size_t)(esc - buf), 5000);
				break;
			}
			if (write_all(fd, buf, (size_t)n, 5000) < 0)
				break;
		}
		if (p[1].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0)
				break;
			if (write_all(STDOUT_FILENO, buf, (size_t)n, -1) < 0)
				break;
		}
	}
	tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	fprintf(stderr, "\nLeft the console of VM '%s'.\n", vm);
	return ret;
}

static int run_ssh(const char *vm, const char *user, int nextra, char **extra)
{
	char proxy[4200], dest[200], alias[100];
	char **args = calloc((size_t)nextra + 12, sizeof(char *));
	int n = 0;

	if (!args)
		return 1;
	snprintf(proxy, sizeof(proxy), "ProxyCommand=%s/vsock-connect --timeout 60 %s 22", VMSILO_BINDIR, vm);
	snprintf(alias, sizeof(alias), "HostKeyAlias=vmsilo-%s", vm);
	snprintf(dest, sizeof(dest), "%s@%s", user, vm);
	args[n++] = "ssh";
	args[n++] = "-o";
	args[n++] = proxy;
	args[n++] = "-o";
	args[n++] = alias;
	args[n++] = "-o";
	args[n++] = "CheckHostIP=no";
	for (int i = 0; i < nextra; i++)
		args[n++] = extra[i];
	args[n++] = dest;
	args[n] = NULL;
	execvp("ssh", args);
	log_error_errno(errno, "executing ssh (is openssh-client installed?)");
	free(args);
	return 1;
}

int main(int argc, char **argv)
{
	enum { OPT_SSH = 256, OPT_ROOT, OPT_USER };
	static const struct option opts[] = {
		{ "ssh", no_argument, NULL, OPT_SSH },
		{ "root", no_argument, NULL, OPT_ROOT },
		{ "user", required_argument, NULL, OPT_USER },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	bool ssh = false;
	const char *user = NULL, *vm;
	int c, fd, r;

	log_init(argv[0]);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SSH:
			ssh = true;
			break;
		case OPT_ROOT:
		case OPT_USER:
			if (user)
				cli_usage_error(SYNOPSIS, "--root and --user exclude each other");
			user = c == OPT_ROOT ? "root" : optarg;
			if (!*user || strpbrk(user, "@ \t/"))
				cli_usage_error(SYNOPSIS, "invalid user name '%s'", user);
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (optind >= argc)
		cli_usage_error(SYNOPSIS, "expected a VM name");
	vm = argv[optind++];
	if (vm_name_invalid_reason(vm))
		cli_usage_error(SYNOPSIS, "invalid VM name '%s': %s", vm, vm_name_invalid_reason(vm));
	if (user && !ssh)
		cli_usage_error(SYNOPSIS, "--root and --user need --ssh");
	if (!ssh && optind != argc)
		cli_usage_error(SYNOPSIS, "extra arguments are for ssh (use --ssh)");
	if (ssh)
		return run_ssh(vm, user ? user : SHELL_GUEST_USER, argc - optind, argv + optind);

	signal(SIGPIPE, SIG_IGN);
	fd = connect_console(vm);
	if (fd < 0)
		return 1;
	if (isatty(STDIN_FILENO))
		r = interactive(fd, vm);
	else
		r = relay_run(STDIN_FILENO, fd, fd, STDOUT_FILENO, -1, NULL);
	close(fd);
	return r < 0 ? 1 : 0;
}
