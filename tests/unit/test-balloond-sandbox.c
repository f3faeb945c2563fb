/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of vmsilo-balloond's system call filter: in a child process,
 * what the daemon needs keeps working and anything else is stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sandbox.h"

/* Runs fn in a child under mode; returns its wait status. */
static int in_child(enum vmsilo_seccomp mode, int (*fn)(void))
{
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (balloond_seccomp_install(mode) < 0)
			_exit(90);
		_exit(fn());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static int allowed_work(void)
{
	char buf[64];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), s;

	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		return 1;
	close(fd);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 2;
	close(s);
	return 0;
}

static int inet_socket(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0); /* the daemon never needs the network */
	return s >= 0 ? 0 : 3;
}

static int exec_shell(void)
{
	char *const argv[] = { "/bin/true", NULL };
	execv("/bin/true", argv);
	return 4;
}

static void test_enforce(void **state)
{
	int st = in_child(VMSILO_SECCOMP_ENFORCE, allowed_work);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	st = in_child(VMSILO_SECCOMP_ENFORCE, inet_socket);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);

	st = in_child(VMSILO_SECCOMP_ENFORCE, exec_shell);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_log_and_off(void **state)
{
	int st = in_child(VMSILO_SECCOMP_LOG, inet_socket);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	st = in_child(VMSILO_SECCOMP_OFF, inet_socket);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_parse(void **state)
{
	enum vmsilo_seccomp m;

	assert_int_equal(vmsilo_seccomp_parse("enforce", &m), 0);
	assert_int_equal(m, VMSILO_SECCOMP_ENFORCE);
	assert_int_equal(vmsilo_seccomp_parse("log", &m), 0);
	assert_int_equal(m, VMSILO_SECCOMP_LOG);
	assert_int_equal(vmsilo_seccomp_parse("off", &m), 0);
	assert_int_equal(m, VMSILO_SECCOMP_OFF);
	assert_int_equal(vmsilo_seccomp_parse("strict", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_enforce),
		cmocka_unit_test(test_log_and_off),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
