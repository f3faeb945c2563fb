/* SPDX-License-Identifier: MIT */
/* vmsilo-wayland-seccontext's command line: the color -> instance_id mapping and argument checks. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "options.h"

static void test_instance_id_formats(void **state)
{
	static const struct {
		const char *color, *id;
	} cases[] = {
		{ "darkgreen", "#006400" }, { "Red", "#ff0000" },       { "#ABC", "#aabbcc" },
		{ "#2ecc71", "#2ecc71" },   { "#2ECC71", "#2ecc71" },   { "rgb(1,2,3)", "#010203" },
		{ "black", "#000000" },     { "rgb(255, 255, 255)", "#ffffff" },
	};
	char id[SECCONTEXT_INSTANCE_ID_SIZE];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(seccontext_instance_id(cases[i].color, id), 0);
		assert_string_equal(id, cases[i].id);
	}
}

static void test_instance_id_rejects(void **state)
{
	static const char *const bad[] = { "", "nocolor", "#12345", "#gggggg", "rgb(256,0,0)", "red ", NULL };
	char id[SECCONTEXT_INSTANCE_ID_SIZE] = "";

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(seccontext_instance_id(bad[i], id), -EINVAL);
	assert_string_equal(id, "");
}

static void test_socket_path(void **state)
{
	char long_path[200];

	assert_null(seccontext_socket_path_invalid_reason("/run/vmsilo/banking/wayland.socket"));
	assert_non_null(seccontext_socket_path_invalid_reason("wayland.socket"));
	assert_non_null(seccontext_socket_path_invalid_reason(""));
	assert_non_null(seccontext_socket_path_invalid_reason("/run/vmsilo/banking/"));
	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[0] = '/';
	long_path[sizeof(long_path) - 1] = '\0';
	assert_non_null(seccontext_socket_path_invalid_reason(long_path));
}

static void parse(int argc, char **argv, struct seccontext_options *o)
{
	optind = 0; /* GNU getopt: restart scanning for each argv */
	seccontext_options_parse(argc, argv, o);
}

static void test_parse_complete(void **state)
{
	char *argv[] = { "vmsilo-wayland-seccontext", "--vm", "banking", "--color", "darkgreen", "--socket",
			 "/run/vmsilo/banking/wayland.socket", "--display", "wayland-1", NULL };
	struct seccontext_options o;

	parse(9, argv, &o);
	assert_string_equal(o.vm, "banking");
	assert_string_equal(o.instance_id, "#006400");
	assert_string_equal(o.socket_path, "/run/vmsilo/banking/wayland.socket");
	assert_string_equal(o.display, "wayland-1");

	assert_int_equal(o.seccomp, VMSILO_SECCOMP_ENFORCE);

	parse(7, argv, &o);
	assert_null(o.display);

	char *log_argv[] = { "p", "--vm", "banking", "--color", "red", "--socket", "/s", "--seccomp", "log", NULL };
	parse(9, log_argv, &o);
	assert_int_equal(o.seccomp, VMSILO_SECCOMP_LOG);
}

/* Runs the parser in a child (usage errors exit); returns its exit status. */
static int parse_status(char **argv)
{
	struct seccontext_options o;
	int argc = 0, status;
	pid_t pid;

	while (argv[argc])
		argc++;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		parse(argc, argv, &o);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void test_parse_usage_errors(void **state)
{
	char *missing_socket[] = { "p", "--vm", "banking", "--color", "red", NULL };
	char *missing_vm[] = { "p", "--color", "red", "--socket", "/s", NULL };
	char *bad_vm[] = { "p", "--vm", "../etc", "--color", "red", "--socket", "/s", NULL };
	char *bad_color[] = { "p", "--vm", "banking", "--color", "nocolor", "--socket", "/s", NULL };
	char *relative[] = { "p", "--vm", "banking", "--color", "red", "--socket", "s", NULL };
	char *empty_display[] = { "p", "--vm", "banking", "--color", "red", "--socket", "/s",
				  "--display", "", NULL };
	char *extra[] = { "p", "--vm", "banking", "--color", "red", "--socket", "/s", "extra", NULL };
	char *unknown[] = { "p", "--vm", "banking", "--colour", "red", "--socket", "/s", NULL };
	char *bad_seccomp[] = { "p", "--vm", "banking", "--color", "red", "--socket", "/s",
				"--seccomp", "strict", NULL };
	char *help[] = { "p", "--help", NULL };
	char *version[] = { "p", "--version", NULL };

	assert_int_equal(parse_status(missing_socket), 2);
	assert_int_equal(parse_status(missing_vm), 2);
	assert_int_equal(parse_status(bad_vm), 2);
	assert_int_equal(parse_status(bad_color), 2);
	assert_int_equal(parse_status(relative), 2);
	assert_int_equal(parse_status(empty_display), 2);
	assert_int_equal(parse_status(extra), 2);
	assert_int_equal(parse_status(unknown), 2);
	assert_int_equal(parse_status(bad_seccomp), 2);
	assert_int_equal(parse_status(help), 0);
	assert_int_equal(parse_status(version), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_instance_id_formats),
		cmocka_unit_test(test_instance_id_rejects),
		cmocka_unit_test(test_socket_path),
		cmocka_unit_test(test_parse_complete),
		cmocka_unit_test(test_parse_usage_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
