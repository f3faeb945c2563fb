/* SPDX-License-Identifier: MIT */
/*
 * vm-run: run a command in a VM. Connects to the VM's command socket (which
 * starts the VM on first use), sends the command exactly as given, and either
 * returns once the guest started it or, with --pass-io, streams standard
 * input/output/error and exits with the program's status.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd-conn.h"
#include "cmd-protocol.h"
#include "io.h"
#include "log.h"
#include "paths.h"
#include "vmsilo-config.h"

#define SYNOPSIS "vm-run [-p|--pass-io] [--timeout S] [--cwd DIR] <vm> <command> [args...]"
#define RUN_DEFAULT_TIMEOUT_MS 120000
#define EXIT_EXEC_FAILED 127

extern char **environ;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " SYNOPSIS "\n"
		"Run <command> in VM <vm>, starting the VM first if it is not running.\n"
		"Arguments reach the guest byte for byte; no shell parses them.\n"
		"\n"
		"Options:\n"
		"  -p, --pass-io        connect standard input, output and error to the\n"
		"                       program and exit with its status\n"
		"      --timeout SECONDS  how long to wait for the program to start, VM boot\n"
		"                       included (default 120)\n"
		"  -w, --cwd DIR        working directory in the guest (absolute)\n"
		"      --log-level LEVEL  error, warn, info, debug or trace (env VMSILO_LOG)\n"
		"  -h, --help           show this help\n"
		"      --version        show the version\n"
		"\n"
		"Exit status: without --pass-io, 0 once the guest started the program; with\n"
		"--pass-io, the program's status (128+N when killed by signal N). 127: the\n"
		"program could not be started; 1: vmsilo failed (VM missing, failed to\n"
		"start, timed out, protocol error); 2: usage error.\n"
		"Examples:\n"
		"  vm-run banking firefox\n"
		"  vm-run -p untrusted sha256sum < download.iso\n");
}

static int connect_command_socket(const char *vm)
{
	char path[108], cfg[4096];
	struct stat st;
	int fd;

	if (vm_runtime_path(path, sizeof(path), vm, "command.socket") < 0) {
		log_error("the runtime path for VM '%s' is too long", vm);
		return -ENAMETOOLONG;
	}
	if (stat(path, &st) < 0) {
		vm_config_path(cfg, sizeof(cfg), vm);
		if (access(cfg, F_OK) == 0)
			log_error("VM '%s' is configured (%s) but %s does not exist; is its socket unit "
				  "active? (systemctl status vmsilo-%s.socket)", vm, cfg, path, vm);
		else
			log_error("there is no VM named '%s' (no %s, no %s)", vm, path, cfg);
		return -ENOENT;
	}
	fd = unix_connect(path);
	if (fd < 0) {
		if (fd == -ECONNREFUSED)
			log_error("nothing listens on %s; is vmsilo-%s.socket active? (systemctl status "
				  "vmsilo-%s.socket)", path, vm, vm);
		else
			log_error_errno(fd, "connecting to %s", path);
	}
	return fd;
}

static int build_request(struct cmd_request *req, int mode, const char *cwd, int argc, char **argv,
			 struct cmd_bytes *env_store)
{
	req->version = CMD_PROTOCOL_VERSION;
	req->mode = (uint8_t)mode;
	req->cwd = (char *)cwd;
	req->argc = (size_t)argc;
	req->argv = calloc((size_t)argc, sizeof(*req->argv));
	if (!req->argv)
		return -ENOMEM;
	for (int i = 0; i < argc; i++)
		req->argv[i] = (struct cmd_bytes){ .data = argv[i], .len = strlen(argv[i]) };
	req->env = env_store;
	req->envc = 0;
	for (char **e = environ; *e && req->envc < CMD_ENV_MAX; e++) {
		const char *eq = strchr(*e, '=');
		if (!eq || strlen(*e) > CMD_ENV_ENTRY_MAX || !cmd_env_name_allowed(*e, (size_t)(eq - *e)))
			continue;
		if (strcmp(*e, "TERM=") != 0 && strncmp(*e, "TERM=", 5) == 0 && !(mode == CMD_MODE_PASS_IO && isatty(STDOUT_FILENO)))
			continue; /* TERM only matters when output goes to a terminal */
		env_store[req->envc++] = (struct cmd_bytes){ .data = *e, .len = strlen(*e) };
	}
	return 0;
}

static int report_error(const char *vm, const uint8_t *p, size_t len)
{
	char text[CMD_MESSAGE_MAX + 1];
	cmd_parse_text(p, len, 2, text, sizeof(text));
	log_error("VM '%s': %s", vm, text);
	return p[1] == CMD_ERR_EXEC ? EXIT_EXEC_FAILED : 1;
}

/* Waits for STARTED or ERROR. */
static int run_launch(int fd, const char *vm, const char *prog, int timeout_ms)
{
	uint8_t *untrusted = NULL;
	size_t len;
	char why[256];
	int r = frame_read(fd, CMD_STREAM_FRAME_MAX, &untrusted, &len, timeout_ms);

	if (r == -ETIMEDOUT) {
		log_error("timed out after %d s waiting for VM '%s' to start '%s'; check: journalctl -u "
			  "vmsilo-%s-vm.service -u 'vmsilo-%s@*'", timeout_ms / 1000, vm, prog, vm, vm);
		return 1;
	}
	if (r == 0 || r == -ECONNRESET) {
		log_error("VM '%s' failed to start or its command proxy failed (the connection closed "
			  "without an answer); check: journalctl -u vmsilo-%s-vm.service -u 'vmsilo-%s@*'",
			  vm, vm, vm);
		return 1;
	}
	if (r < 0) {
		log_error_errno(r, "reading the answer from VM '%s'", vm);
		return 1;
	}
	if (cmd_frame_check(untrusted, len, CMD_FROM_GUEST, why, sizeof(why)) < 0 ||
	    (untrusted[0] != CMD_STARTED && untrusted[0] != CMD_ERROR)) {
		log_error("VM '%s' sent an invalid answer: %s", vm, why);
		free(untrusted);
		return 1;
	}
	if (untrusted[0] == CMD_ERROR) {
		r = report_error(vm, untrusted, len);
		free(untrusted);
		return r;
	}
	char text[CMD_MESSAGE_MAX + 1];
	cmd_parse_text(untrusted, len, 1, text, sizeof(text));
	log_debug("VM '%s' started '%s' (%s)", vm, prog, text);
	free(untrusted);
	return 0;
}

/* Writes guest output; a closed stdout/stderr discards the rest silently. */
static void emit(int fd, const uint8_t *data, size_t n, bool *closed)
{
	if (*closed)
		return;
	if (write_all(fd, data, n, -1) < 0)
		*closed = true;
}

/* Streams stdin to the guest and its output back until EXIT arrives. */
static int run_pass_io(int fd, const char *vm, const char *prog, int timeout_ms)
{
	struct cmd_conn conn;
	uint8_t buf[CMD_DATA_MAX];
	bool stdin_open = true, started = false, out_closed = false, err_closed = false;
	int64_t deadline = deadline_after_ms(timeout_ms);
	char why[256];
	int ret = -1;

	if (cmd_conn_init(&conn, fd, CMD_STREAM_FRAME_MAX) < 0)
		return log_error("out of memory"), 1;
	while (ret < 0) {
		struct pollfd p[2] = {
			cmd_conn_pollfd(&conn, true),
			{ .fd = stdin_open && cmd_conn_can_queue(&conn, sizeof(buf) + 1) ? STDIN_FILENO : -1,
			  .events = POLLIN },
		};
		int n = poll(p, 2, started ? -1 : deadline_left_ms(deadline));
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			log_error("timed out after %d s waiting for VM '%s' to start '%s'; check: "
				  "journalctl -u vmsilo-%s-vm.service -u 'vmsilo-%s@*'",
				  timeout_ms / 1000, vm, prog, vm, vm);
			ret = 1;
			break;
		}
		if (p[1].revents) {
			ssize_t k = read(STDIN_FILENO, buf, sizeof(buf));
			/* room was checked before polling stdin */
			if (k > 0 && cmd_conn_queue2(&conn, CMD_STDIN, buf, (size_t)k) < 0)
				stdin_open = false;
			else if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN)) {
				stdin_open = false;
				if (cmd_conn_queue2(&conn, CMD_STDIN_EOF, NULL, 0) < 0)
					log_debug("no room to send the end of input");
			}
		}
		if (p[0].fd >= 0 && (p[0].revents & POLLOUT) && cmd_conn_flush(&conn) < 0)
			stdin_open = false; /* the proxy stopped reading; output may still come */
		if (!cmd_conn_pollin(&p[0]))
			continue;
		int r = cmd_conn_read(&conn);
		if (r == FRAME_MORE)
			continue;
		if (r == FRAME_EOF || r < 0) {
			if (!started)
				log_error("VM '%s' failed to start or its command proxy failed (the connection "
					  "closed without an answer); check: journalctl -u vmsilo-%s-vm.service "
					  "-u 'vmsilo-%s@*'", vm, vm, vm);
			else
				log_error("the connection to VM '%s' ended before '%s' exited", vm, prog);
			ret = 1;
			break;
		}
		const uint8_t *untrusted = conn.in.buf;
		size_t len = conn.in.len;
		if (cmd_frame_check(untrusted, len, CMD_FROM_GUEST, why, sizeof(why)) < 0) {
			log_error("VM '%s' sent an invalid frame: %s", vm, why);
			ret = 1;
			break;
		}
		switch (untrusted[0]) {
		case CMD_STARTED:
			started = true;
			break;
		case CMD_STDOUT:
			emit(STDOUT_FILENO, untrusted + 1, len - 1, &out_closed);
			break;
		case CMD_STDERR:
			emit(STDERR_FILENO, untrusted + 1, len - 1, &err_closed);
			break;
		case CMD_ERROR:
			ret = report_error(vm, untrusted, len);
			break;
		case CMD_EXIT: {
			enum cmd_exit_kind kind;
			uint32_t value;
			cmd_parse_exit(untrusted, &kind, &value);
			if (kind == CMD_EXIT_SIGNAL)
				log_debug("'%s' was killed by signal %u", prog, value);
			ret = cmd_exit_status(kind, value);
			break;
		}
		}
		frame_reader_next(&conn.in);
	}
	cmd_conn_free(&conn);
	return ret;
}

int main(int argc, char **argv)
{
	enum { OPT_TIMEOUT = 256 };
	static const struct option opts[] = {
		{ "pass-io", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "cwd", required_argument, NULL, 'w' },
		CLI_COMMON_OPTIONS,
		{ 0 },
	};
	int mode = CMD_MODE_LAUNCH, timeout_ms = RUN_DEFAULT_TIMEOUT_MS, c, fd, r;
	const char *cwd = NULL, *vm;
	struct cmd_bytes env_store[CMD_ENV_MAX];
	struct cmd_request req = { 0 };
	uint8_t *payload;
	size_t len;

	log_init(argv[0]);
	/* '+': options after the VM name belong to the guest command */
	while ((c = getopt_long(argc, argv, "+pw:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			mode = CMD_MODE_PASS_IO;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds_ms(optarg, &timeout_ms) < 0 || timeout_ms == 0)
				cli_usage_error(SYNOPSIS, "invalid --timeout '%s': expected seconds (0.001-86400)", optarg);
			break;
		case 'w':
			if (optarg[0] != '/' || strlen(optarg) > CMD_CWD_MAX)
				cli_usage_error(SYNOPSIS, "--cwd needs an absolute path of at most %u bytes", CMD_CWD_MAX);
			cwd = optarg;
			break;
		default:
			cli_common_option(c, SYNOPSIS, usage);
		}
	}
	if (argc - optind < 2)
		cli_usage_error(SYNOPSIS, "expected a VM name and a command");
	vm = argv[optind];
	if (vm_name_invalid_reason(vm))
		cli_usage_error(SYNOPSIS, "invalid VM name '%s': %s", vm, vm_name_invalid_reason(vm));
	if (argv[optind + 1][0] == '\0')
		cli_usage_error(SYNOPSIS, "the command is empty");
	signal(SIGPIPE, SIG_IGN);

	if (build_request(&req, mode, cwd, argc - optind - 1, argv + optind + 1, env_store) < 0)
		return log_error("out of memory"), 1;
	r = cmd_request_encode(&req, &payload, &len);
	free(req.argv);
	if (r == -E2BIG) {
		log_error("the command is too large: at most %u arguments, %u bytes each, %u bytes in total",
			  CMD_ARGC_MAX, CMD_ARG_MAX, CMD_ARGS_TOTAL_MAX);
		return 2;
	}
	if (r < 0)
		return log_error_errno(r, "encoding the request"), 1;

	fd = connect_command_socket(vm);
	if (fd < 0) {
		free(payload);
		return 1;
	}
	r = frame_write(fd, payload, len, CMD_FRAME_MAX, timeout_ms);
	free(payload);
	if (r < 0) {
		log_error_errno(r, "sending the command to VM '%s'", vm);
		return 1;
	}
	if (mode == CMD_MODE_LAUNCH)
		r = run_launch(fd, vm, argv[optind + 1], timeout_ms);
	else
		r = run_pass_io(fd, vm, argv[optind + 1], timeout_ms);
	close(fd);
	return r;
}
