/* SPDX-License-Identifier: MIT */
#include "guest-spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

#define UNIT_PREFIX "vmsilo-app-"
#define UNIT_PROGRAM_MAX 32

static void reset_signals(void)
{
	sigset_t all;
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
}

static _noreturn_ void exec_child(const struct cmd_request *req, char *const *argv,
				  const struct spawn_io *io, int errpipe)
{
	int e;

	reset_signals();
	if (dup2(io->in, 0) < 0 || dup2(io->out, 1) < 0 || dup2(io->err, 2) < 0)
		goto fail;
	for (size_t i = 0; i < req->envc; i++)
		if (putenv(req->env[i].data) < 0)
			goto fail;
	if (req->cwd && chdir(req->cwd) < 0)
		goto fail;
	if (!req->cwd) {
		const char *home = getenv("HOME");
		if (home && chdir(home) < 0 && chdir("/") < 0)
			goto fail;
	}
	execvp(argv[0], argv);
fail:
	e = errno;
	(void)!write(errpipe, &e, sizeof(e));
	_exit(127);
}

int spawn_program(const struct cmd_request *req, char *const *argv, const struct spawn_io *io,
		  bool detach, pid_t *pid, char *msg, size_t msglen)
{
	int p[2], e = 0, status;
	ssize_t n;
	pid_t child;

	*pid = 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return snprintf(msg, msglen, "pipe: %s", strerror(errno)), -errno;
	child = fork();
	if (child < 0) {
		e = errno;
		close(p[0]);
		close(p[1]);
		snprintf(msg, msglen, "fork: %s", strerror(e));
		return -e;
	}
	if (child == 0) {
		close(p[0]);
		if (!detach)
			exec_child(req, argv, io, p[1]);
		/* Detached: a grandchild in its own session; this process exits at once. */
		if (setsid() < 0)
			_exit(127);
		pid_t g = fork();
		if (g < 0) {
			e = errno;
			(void)!write(p[1], &e, sizeof(e));
			_exit(127);
		}
		if (g == 0)
			exec_child(req, argv, io, p[1]);
		_exit(0);
	}
	close(p[1]);
	n = read_full(p[0], &e, sizeof(e), -1); /* EOF (0 bytes) means exec succeeded */
	close(p[0]);
	if (detach)
		waitpid(child, &status, 0);
	else
		*pid = child;
	if (n == (ssize_t)sizeof(e)) {
		if (!detach)
			waitpid(child, &status, 0);
		*pid = 0;
		snprintf(msg, msglen, "cannot execute '%s': %s", argv[0], strerror(e));
		return -e;
	}
	return 0;
}

char **systemd_run_argv(const struct cmd_request *req, char *unit, size_t unitlen)
{
	size_t n = 0, cap = req->argc + req->envc + 10;
	char **v = calloc(cap, sizeof(char *));
	const char *base = strrchr(req->argv[0].data, '/');
	char prog[UNIT_PROGRAM_MAX + 1];
	uint32_t rnd = 0;
	size_t k = 0;
	static char cwd_arg[CMD_CWD_MAX + 32];
	static char unit_arg[128];

	if (!v)
		return NULL;
	base = base ? base + 1 : req->argv[0].data;
	/* Unit names allow [A-Za-z0-9:_.\-]; keep a readable, safe subset of the program name. */
	for (const char *c = base; *c && k < UNIT_PROGRAM_MAX; c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		    *c == '_' || *c == '-')
			prog[k++] = *c;
	prog[k] = '\0';
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint32_t)getpid() ^ (uint32_t)now_ms();
	snprintf(unit, unitlen, UNIT_PREFIX "%s%s%08x", prog, k ? "-" : "", rnd);
	snprintf(unit_arg, sizeof(unit_arg), "--unit=%s", unit);

	v[n++] = "systemd-run";
	v[n++] = "--user";
	v[n++] = "--collect";
	v[n++] = "--quiet";
	v[n++] = unit_arg;
	if (req->cwd) {
		snprintf(cwd_arg, sizeof(cwd_arg), "--working-directory=%s", req->cwd);
		v[n++] = cwd_arg;
	}
	for (size_t i = 0; i < req->envc; i++) {
		/* "--setenv=" + entry; the entry was checked (allow-listed name, no NUL) */
		size_t l = strlen(req->env[i].data) + 10;
		char *s = malloc(l);
		if (!s)
			return free(v), NULL;
		snprintf(s, l, "--setenv=%s", req->env[i].data);
		v[n++] = s; /* freed with the process: guest-cmd exits right after */
	}
	v[n++] = "--";
	for (size_t i = 0; i < req->argc; i++)
		v[n++] = req->argv[i].data;
	v[n] = NULL;
	return v;
}
