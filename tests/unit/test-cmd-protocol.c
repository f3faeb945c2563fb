/* SPDX-License-Identifier: MIT */
/* Unit tests for the command protocol: round trips, every limit at and past its edge. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmd-protocol.h"

static struct cmd_bytes B(char *s)
{
	return (struct cmd_bytes){ .data = s, .len = strlen(s) };
}

static int roundtrip(struct cmd_request *in, struct cmd_request *out, char *why)
{
	uint8_t *buf;
	size_t len;
	int r = cmd_request_encode(in, &buf, &len);
	if (r < 0)
		return r;
	r = cmd_request_decode(buf, len, out, why, 256);
	free(buf);
	return r;
}

static void test_roundtrip(void **state)
{
	struct cmd_bytes argv[] = { B("printf"), B("%s\\n"), B(""), B("a b"), B("\xff\xfe") };
	struct cmd_bytes env[] = { B("LANG=C.UTF-8"), B("LC_ALL=C") };
	struct cmd_request in = { .version = CMD_PROTOCOL_VERSION, .mode = CMD_MODE_PASS_IO,
				  .cwd = "/home/user", .argv = argv, .argc = 5, .env = env, .envc = 2 };
	struct cmd_request out;
	char why[256];
	(void)state;
	assert_int_equal(roundtrip(&in, &out, why), 0);
	assert_int_equal(out.mode, CMD_MODE_PASS_IO);
	assert_string_equal(out.cwd, "/home/user");
	assert_int_equal(out.argc, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(out.argv[i].len, argv[i].len);
		assert_memory_equal(out.argv[i].data, argv[i].data, argv[i].len);
	}
	assert_int_equal(out.envc, 2);
	assert_string_equal(out.env[1].data, "LC_ALL=C");
	cmd_request_free(&out);

	in.cwd = NULL;
	in.mode = CMD_MODE_LAUNCH;
	in.envc = 0;
	assert_int_equal(roundtrip(&in, &out, why), 0);
	assert_null(out.cwd);
	assert_int_equal(out.mode, CMD_MODE_LAUNCH);
	cmd_request_free(&out);
}

static void test_limits(void **state)
{
	struct cmd_request in = { .version = CMD_PROTOCOL_VERSION }, out;
	struct cmd_bytes *argv = calloc(CMD_ARGC_MAX + 1, sizeof(*argv));
	char *big = malloc(CMD_ARG_MAX + 2), why[256];
	(void)state;
	for (size_t i = 0; i <= CMD_ARGC_MAX; i++)
		argv[i] = B("x");
	in.argv = argv;
	/* argc */
	in.argc = CMD_ARGC_MAX;
	assert_int_equal(roundtrip(&in, &out, why), 0);
	cmd_request_free(&out);
	in.argc = CMD_ARGC_MAX + 1;
	assert_int_equal(roundtrip(&in, &out, why), -E2BIG);
	in.argc = 0;
	assert_int_equal(roundtrip(&in, &out, why), -E2BIG);
	/* one argument */
	memset(big, 'a', CMD_ARG_MAX + 1);
	big[CMD_ARG_MAX] = '\0';
	argv[1] = B(big);
	in.argc = 2;
	assert_int_equal(roundtrip(&in, &out, why), 0);
	cmd_request_free(&out);
	big[CMD_ARG_MAX] = 'a';
	big[CMD_ARG_MAX + 1] = '\0';
	argv[1] = B(big);
	assert_int_equal(roundtrip(&in, &out, why), -E2BIG);
	/* total: 8 x 128 KiB = 1 MiB exactly is fine, one byte more is not */
	big[CMD_ARG_MAX] = '\0';
	for (size_t i = 1; i <= 8; i++)
		argv[i] = B(big);
	argv[0] = B("");
	in.argc = 9;
	argv[0].data = "";
	assert_int_equal(roundtrip(&in, &out, why), -EBADMSG); /* empty program name */
	argv[0] = B("p");
	/* 1 (p) + 8 x 128 KiB is one byte over */
	assert_int_equal(roundtrip(&in, &out, why), -E2BIG);
	big[CMD_ARG_MAX - 1] = '\0';
	argv[1] = B(big); /* now exactly 1 MiB */
	for (size_t i = 2; i <= 8; i++)
		argv[i] = B("");
	/* cwd */
	char *cwd = malloc(CMD_CWD_MAX + 2);
	memset(cwd, 'd', CMD_CWD_MAX + 1);
	cwd[0] = '/';
	cwd[CMD_CWD_MAX] = '\0';
	in.cwd = cwd;
	in.argc = 1;
	assert_int_equal(roundtrip(&in, &out, why), 0);
	cmd_request_free(&out);
	cwd[CMD_CWD_MAX] = 'd';
	cwd[CMD_CWD_MAX + 1] = '\0';
	assert_int_equal(roundtrip(&in, &out, why), -E2BIG);
	in.cwd = "relative";
	assert_int_equal(roundtrip(&in, &out, why), -EBADMSG);
	assert_string_equal(why, "working directory must be an absolute path");
	in.cwd = NULL;
	/* env count and names */
	struct cmd_bytes env[CMD_ENV_MAX + 1];
	for (size_t i = 0; i <= CMD_ENV_MAX; i++)
		env[i] = B("TZ=UTC");
	in.env = env;
	in.envc = CMD_ENV_MAX;
	assert_int_equal(roundtrip(&in, &out, why), 0);
	cmd_request_free(&out);
	in.envc = CMD_ENV_MAX + 1;
	assert_int_equal(roundtrip(&in, &out, why), -E2BIG);
	env[0] = B("LD_PRELOAD=/tmp/x.so");
	in.envc = 1;
	assert_int_equal(roundtrip(&in, &out, why), -EBADMSG);
	assert_string_equal(why, "environment entry 0 is not an allowed NAME=value");
	env[0] = B("LC_lower=x");
	assert_int_equal(roundtrip(&in, &out, why), -EBADMSG);
	env[0] = B("NOEQUALS");
	assert_int_equal(roundtrip(&in, &out, why), -EBADMSG);
	free(cwd);
	free(big);
	free(argv);
}

static void test_decode_malformed(void **state)
{
	struct cmd_bytes argv[] = { B("ls"), B("-l") };
	struct cmd_request in = { .version = CMD_PROTOCOL_VERSION, .argv = argv, .argc = 2 }, out;
	uint8_t *buf;
	size_t len;
	char why[256];
	(void)state;
	assert_int_equal(cmd_request_encode(&in, &buf, &len), 0);
	/* every truncation is refused */
	for (size_t n = 0; n < len; n++)
		assert_int_equal(cmd_request_decode(buf, n, &out, why, sizeof(why)), -EBADMSG);
	/* trailing bytes */
	uint8_t *longer = malloc(len + 1);
	memcpy(longer, buf, len);
	longer[len] = 0;
	assert_int_equal(cmd_request_decode(longer, len + 1, &out, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "1 trailing bytes after the request");
	free(longer);
	/* version, mode, reserved byte */
	buf[1] = 2;
	assert_int_equal(cmd_request_decode(buf, len, &out, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "unsupported protocol version 2 (this side speaks 1)");
	buf[1] = 1;
	buf[2] = 9;
	assert_int_equal(cmd_request_decode(buf, len, &out, why, sizeof(why)), -EBADMSG);
	buf[2] = 0;
	buf[3] = 1;
	assert_int_equal(cmd_request_decode(buf, len, &out, why, sizeof(why)), -EBADMSG);
	buf[3] = 0;
	/* NUL inside an argument */
	buf[len - 1] = '\0';
	assert_int_equal(cmd_request_decode(buf, len, &out, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "argument 1 contains a NUL byte");
	/* an argument length past the end */
	buf[len - 1] = 'l';
	buf[len - 6] = 0x7f;
	assert_int_equal(cmd_request_decode(buf, len, &out, why, sizeof(why)), -EBADMSG);
	free(buf);
}

static void test_frame_check(void **state)
{
	uint8_t f[CMD_DATA_MAX + 2];
	char why[256];
	(void)state;
	memset(f, 'x', sizeof(f));
	/* data frames: 1..CMD_DATA_MAX bytes, right direction only */
	f[0] = CMD_STDOUT;
	assert_int_equal(cmd_frame_check(f, 2, CMD_FROM_GUEST, why, sizeof(why)), 0);
	assert_int_equal(cmd_frame_check(f, CMD_DATA_MAX + 1, CMD_FROM_GUEST, why, sizeof(why)), 0);
	assert_int_equal(cmd_frame_check(f, CMD_DATA_MAX + 2, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	assert_int_equal(cmd_frame_check(f, 1, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	assert_int_equal(cmd_frame_check(f, 2, CMD_TO_GUEST, why, sizeof(why)), -EBADMSG);
	f[0] = CMD_STDIN;
	assert_int_equal(cmd_frame_check(f, 2, CMD_TO_GUEST, why, sizeof(why)), 0);
	assert_int_equal(cmd_frame_check(f, 2, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	f[0] = CMD_STDIN_EOF;
	assert_int_equal(cmd_frame_check(f, 1, CMD_TO_GUEST, why, sizeof(why)), 0);
	assert_int_equal(cmd_frame_check(f, 2, CMD_TO_GUEST, why, sizeof(why)), -EBADMSG);
	/* unknown type */
	f[0] = 0x99;
	assert_int_equal(cmd_frame_check(f, 1, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	assert_string_equal(why, "unknown frame type 0x99");
	assert_int_equal(cmd_frame_check(f, 0, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	/* exit: codes 0..255, signals 1..64 */
	uint8_t e[6];
	cmd_build_exit(e, CMD_EXIT_CODE, 255);
	assert_int_equal(cmd_frame_check(e, 6, CMD_FROM_GUEST, why, sizeof(why)), 0);
	cmd_build_exit(e, CMD_EXIT_CODE, 256);
	assert_int_equal(cmd_frame_check(e, 6, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	cmd_build_exit(e, CMD_EXIT_SIGNAL, 64);
	assert_int_equal(cmd_frame_check(e, 6, CMD_FROM_GUEST, why, sizeof(why)), 0);
	cmd_build_exit(e, CMD_EXIT_SIGNAL, 65);
	assert_int_equal(cmd_frame_check(e, 6, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	cmd_build_exit(e, CMD_EXIT_SIGNAL, 0);
	assert_int_equal(cmd_frame_check(e, 6, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	e[1] = 2;
	assert_int_equal(cmd_frame_check(e, 6, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	assert_int_equal(cmd_frame_check(e, 5, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	/* error and started texts: printable ASCII only, bounded */
	uint8_t m[2 + CMD_MESSAGE_MAX + 1];
	size_t n = cmd_build_error(m, CMD_ERR_EXEC, "cannot execute 'x': \x1b[31mred\xc2\x9b");
	assert_int_equal(cmd_frame_check(m, n, CMD_FROM_GUEST, why, sizeof(why)), 0);
	assert_null(memchr(m, 0x1b, n));
	m[5] = 0x1b;
	assert_int_equal(cmd_frame_check(m, n, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	m[5] = 0x9b;
	assert_int_equal(cmd_frame_check(m, n, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	m[5] = 'x';
	m[1] = 0;
	assert_int_equal(cmd_frame_check(m, n, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	m[1] = CMD_ERR__MAX + 1;
	assert_int_equal(cmd_frame_check(m, n, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	memset(m, 'a', sizeof(m));
	m[0] = CMD_STARTED;
	assert_int_equal(cmd_frame_check(m, 1 + CMD_MESSAGE_MAX, CMD_FROM_GUEST, why, sizeof(why)), 0);
	assert_int_equal(cmd_frame_check(m, 2 + CMD_MESSAGE_MAX, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	/* a guest may not send a request, nor the client an exit */
	struct cmd_bytes argv[] = { B("ls") };
	struct cmd_request in = { .version = 1, .argv = argv, .argc = 1 };
	uint8_t *req;
	size_t len;
	assert_int_equal(cmd_request_encode(&in, &req, &len), 0);
	assert_int_equal(cmd_frame_check(req, len, CMD_TO_GUEST, why, sizeof(why)), 0);
	assert_int_equal(cmd_frame_check(req, len, CMD_FROM_GUEST, why, sizeof(why)), -EBADMSG);
	free(req);
	cmd_build_exit(e, CMD_EXIT_CODE, 0);
	assert_int_equal(cmd_frame_check(e, 6, CMD_TO_GUEST, why, sizeof(why)), -EBADMSG);
	assert_int_equal(cmd_exit_status(CMD_EXIT_SIGNAL, 9), 137);
	assert_int_equal(cmd_exit_status(CMD_EXIT_CODE, 7), 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_frame_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
