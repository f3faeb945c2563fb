/* SPDX-License-Identifier: MIT */
/* Unit tests for libvmsilo: names, paths, framing, CIDs, hybrid handshake. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "frame.h"
#include "io.h"
#include "kcmdline.h"
#include "paths.h"
#include "strutil.h"
#include "vsock.h"

static void test_vm_names(void **state)
{
	(void)state;
	assert_true(vm_name_valid("banking"));
	assert_true(vm_name_valid("a"));
	assert_true(vm_name_valid("0day"));
	assert_true(vm_name_valid("sys-net_2"));
	assert_true(vm_name_valid("hostile")); /* only the exact word is reserved */
	assert_false(vm_name_valid(""));
	assert_false(vm_name_valid(NULL));
	assert_false(vm_name_valid("host"));
	assert_false(vm_name_valid("a/b"));
	assert_false(vm_name_valid(".."));
	assert_false(vm_name_valid("-x"));
	assert_false(vm_name_valid("_x"));
	assert_false(vm_name_valid("Banking"));
	assert_false(vm_name_valid("bank ing"));
	assert_false(vm_name_valid("bank.ing"));
	assert_false(vm_name_valid("b\xc3\xa1nk"));
	char name[70];
	memset(name, 'a', sizeof(name));
	name[64] = '\0';
	assert_true(vm_name_valid(name));
	name[64] = 'a';
	name[65] = '\0';
	assert_false(vm_name_valid(name));
	assert_string_equal(vm_name_invalid_reason("host"), "'host' is reserved for the host itself");
}

static void test_paths(void **state)
{
	char buf[256];
	(void)state;
	unsetenv("VMSILO_RUNTIME_DIR");
	unsetenv("VMSILO_CONFIG_DIR");
	assert_string_equal(vmsilo_runtime_dir(), "/run/vmsilo");
	assert_string_equal(vmsilo_config_dir(), "/etc/vmsilo");
	setenv("VMSILO_RUNTIME_DIR", "/tmp/rt", 1);
	setenv("VMSILO_CONFIG_DIR", "/tmp/cfg", 1);
	assert_int_equal(vm_runtime_path(buf, sizeof(buf), "demo", "cid"), 0);
	assert_string_equal(buf, "/tmp/rt/demo/cid");
	assert_int_equal(vm_runtime_path(buf, sizeof(buf), "demo", NULL), 0);
	assert_string_equal(buf, "/tmp/rt/demo");
	assert_int_equal(vm_config_path(buf, sizeof(buf), "demo"), 0);
	assert_string_equal(buf, "/tmp/cfg/demo.vm");
	assert_int_equal(vm_runtime_path(buf, 10, "demo", "cid"), -ENAMETOOLONG);
	unsetenv("VMSILO_RUNTIME_DIR");
	unsetenv("VMSILO_CONFIG_DIR");
}

static void test_frame_header_limits(void **state)
{
	uint8_t hdr[4];
	uint32_t len;
	(void)state;
	frame_encode_header(hdr, 100);
	assert_int_equal(frame_decode_header(hdr, 100, &len), 0);
	assert_int_equal(len, 100);
	assert_int_equal(frame_decode_header(hdr, 99, &len), -EMSGSIZE);
	frame_encode_header(hdr, 0);
	assert_int_equal(frame_decode_header(hdr, 0, &len), 0);
	assert_int_equal(len, 0);
	frame_encode_header(hdr, FRAME_MAX_PAYLOAD + 1);
	assert_int_equal(frame_decode_header(hdr, SIZE_MAX, &len), -EMSGSIZE);
	memcpy(hdr, "\xff\xff\xff\xff", 4);
	assert_int_equal(frame_decode_header(hdr, SIZE_MAX, &len), -EMSGSIZE);
}

static void test_frame_parse(void **state)
{
	uint8_t buf[16] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0 };
	const uint8_t *p;
	size_t plen;
	(void)state;
	assert_int_equal(frame_parse(buf, 0, 10, &p, &plen), 0);
	assert_int_equal(frame_parse(buf, 3, 10, &p, &plen), 0);
	assert_int_equal(frame_parse(buf, 6, 10, &p, &plen), 0);
	assert_int_equal(frame_parse(buf, 7, 10, &p, &plen), 7);
	assert_int_equal(plen, 3);
	assert_memory_equal(p, "abc", 3);
	assert_int_equal(frame_parse(buf, 7, 3, &p, &plen), 7);
	assert_int_equal(frame_parse(buf, 7, 2, &p, &plen), -EMSGSIZE);
}

static void test_frame_io(void **state)
{
	int sv[2];
	uint8_t *out = NULL;
	size_t len;
	char big[1000];
	(void)state;
	memset(big, 'x', sizeof(big));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(frame_write(sv[0], "hello", 5, 5, 1000), 0);
	assert_int_equal(frame_write(sv[0], big, sizeof(big), 999, 1000), -EMSGSIZE);
	assert_int_equal(frame_write(sv[0], "", 0, 5, 1000), 0);
	assert_int_equal(frame_read(sv[1], 5, &out, &len, 1000), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
	free(out);
	assert_int_equal(frame_read(sv[1], 5, &out, &len, 1000), 1);
	assert_int_equal(len, 0);
	free(out);
	/* over the reader's limit: refused before the payload is read */
	assert_int_equal(frame_write(sv[0], "123456", 6, 6, 1000), 0);
	assert_int_equal(frame_read(sv[1], 5, &out, &len, 1000), -EMSGSIZE);
	close(sv[0]);
	close(sv[1]);

	/* truncated frame: header promises 10, stream ends after 3 */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "\0\0\0\x0a" "abc", 7), 7);
	close(sv[0]);
	assert_int_equal(frame_read(sv[1], 100, &out, &len, 1000), -EPROTO);
	close(sv[1]);

	/* truncated header */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], "\0\0", 2), 2);
	close(sv[0]);
	assert_int_equal(frame_read(sv[1], 100, &out, &len, 1000), -EPROTO);
	close(sv[1]);

	/* clean EOF, and a timeout */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(frame_read(sv[1], 100, &out, &len, 50), -ETIMEDOUT);
	close(sv[0]);
	assert_int_equal(frame_read(sv[1], 100, &out, &len, 1000), 0);
	close(sv[1]);
}

static void test_frame_reader_chunked(void **state)
{
	const uint8_t stream[] = { 0, 0, 0, 2, 'h', 'i', 0, 0, 0, 0, 0, 0, 0, 1, 'z' };
	struct frame_reader r;
	size_t used, off = 0, frames = 0;
	(void)state;
	frame_reader_init(&r, 8);
	/* one byte at a time: the worst chunking */
	while (off < sizeof(stream)) {
		int s = frame_reader_push(&r, stream + off, 1, &used);
		assert_true(s >= 0);
		off += used;
		if (s == FRAME_COMPLETE) {
			if (frames == 0)
				assert_memory_equal(r.buf, "hi", 2);
			if (frames == 1)
				assert_int_equal(r.len, 0);
			if (frames == 2)
				assert_memory_equal(r.buf, "z", 1);
			frames++;
			frame_reader_next(&r);
		}
	}
	assert_int_equal(frames, 3);
	frame_reader_free(&r);

	frame_reader_init(&r, 1);
	assert_int_equal(frame_reader_push(&r, stream, 4, &used), -EMSGSIZE);
	frame_reader_free(&r);
}

static void test_frame_reader_fd(void **state)
{
	struct frame_reader r;
	int sv[2];
	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	frame_reader_init(&r, 100);
	assert_int_equal(frame_reader_read(&r, sv[1]), FRAME_MORE);
	assert_int_equal(write(sv[0], "\0\0\0\x03" "ab", 6), 6);
	int s;
	while ((s = frame_reader_read(&r, sv[1])) == FRAME_MORE && r.got < 2)
		;
	assert_int_equal(write(sv[0], "c", 1), 1);
	while ((s = frame_reader_read(&r, sv[1])) == FRAME_MORE)
		;
	assert_int_equal(s, FRAME_COMPLETE);
	assert_memory_equal(r.buf, "abc", 3);
	frame_reader_next(&r);
	close(sv[0]);
	assert_int_equal(frame_reader_read(&r, sv[1]), FRAME_EOF);
	frame_reader_free(&r);
	close(sv[1]);
}

static void test_cid_parse(void **state)
{
	uint32_t cid = 0;
	(void)state;
	assert_int_equal(vsock_parse_cid("3", 1, &cid), 0);
	assert_int_equal(cid, 3);
	assert_int_equal(vsock_parse_cid("42\n", 3, &cid), 0);
	assert_int_equal(cid, 42);
	assert_int_equal(vsock_parse_cid("4294967294", 10, &cid), 0);
	assert_int_equal(cid, 4294967294u);
	assert_int_equal(vsock_parse_cid("4294967295", 10, &cid), -ERANGE);
	assert_int_equal(vsock_parse_cid("4294967296", 10, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("2", 1, &cid), -ERANGE);
	assert_int_equal(vsock_parse_cid("0", 1, &cid), -ERANGE);
	assert_int_equal(vsock_parse_cid("", 0, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("\n", 1, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("-5", 2, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid(" 5", 2, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("5 ", 2, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("5\n\n", 3, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("0x10", 4, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("1\0" "2", 3, &cid), -EINVAL);
	assert_int_equal(vsock_parse_cid("12345678901", 11, &cid), -EINVAL);
}

static void test_hybrid_reply_parse(void **state)
{
	uint32_t port = 0;
	char longline[64];
	(void)state;
	assert_int_equal(vsock_hybrid_parse_reply("OK 1073741824\n", 14, &port), 14);
	assert_int_equal(port, 1073741824u);
	assert_int_equal(vsock_hybrid_parse_reply("OK 5\nextra", 10, &port), 5);
	assert_int_equal(port, 5);
	/* valid prefixes need more bytes */
	assert_int_equal(vsock_hybrid_parse_reply("", 0, &port), 0);
	assert_int_equal(vsock_hybrid_parse_reply("O", 1, &port), 0);
	assert_int_equal(vsock_hybrid_parse_reply("OK", 2, &port), 0);
	assert_int_equal(vsock_hybrid_parse_reply("OK 12", 5, &port), 0); /* OK without newline */
	/* garbage */
	assert_int_equal(vsock_hybrid_parse_reply("ERR\n", 4, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("ok 5\n", 5, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("OK \n", 4, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("OK5\n", 4, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("OK -5\n", 6, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("OK 5 \n", 6, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("OK 5\r\n", 6, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("OK 4294967296\n", 14, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("OK 00000000001\n", 15, &port), -EPROTO);
	assert_int_equal(vsock_hybrid_parse_reply("\0K 5\n", 5, &port), -EPROTO);
	/* overlong: a long run of spaces cannot occur, digits stop at 10 */
	memset(longline, '1', sizeof(longline));
	memcpy(longline, "OK ", 3);
	assert_int_equal(vsock_hybrid_parse_reply(longline, sizeof(longline), &port), -EPROTO);
}

/* A one-shot fake VMM: accepts once, reads the CONNECT line, writes `reply`. */
static pid_t fake_vmm(const char *path, const char *reply, size_t reply_len, int *ready_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	pid_t pid;

	strcpy(sa.sun_path, path);
	unlink(path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	if (pid == 0) {
		char line[64];
		size_t n = 0;
		int fd = accept(lfd, NULL, NULL);
		while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1 && line[n] != '\n')
			n++;
		if (reply_len)
			(void)!write(fd, reply, reply_len);
		/* keep the stream open briefly so "OK" without newline times out */
		usleep(300000);
		_exit(0);
	}
	close(lfd);
	(void)ready_fd;
	return pid;
}

static void test_hybrid_connect(void **state)
{
	char dir[] = "/tmp/vmsilo-test-XXXXXX", path[128];
	struct vsock_error err;
	int fd, status;
	pid_t pid;
	char buf[16];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/vsock.socket", dir);

	/* good reply, and the byte after the newline is stream data */
	pid = fake_vmm(path, "OK 77\nD", 7, NULL);
	fd = vsock_connect_hybrid(path, 5000, 2000, &err);
	assert_true(fd >= 0);
	assert_int_equal(read_full(fd, buf, 1, 2000), 1);
	assert_int_equal(buf[0], 'D');
	close(fd);
	waitpid(pid, &status, 0);

	/* OK without newline: times out */
	pid = fake_vmm(path, "OK 77", 5, NULL);
	fd = vsock_connect_hybrid(path, 5000, 100, &err);
	assert_int_equal(fd, -ETIMEDOUT);
	waitpid(pid, &status, 0);

	/* garbage: the reply is shown */
	pid = fake_vmm(path, "HELLO\n", 6, NULL);
	fd = vsock_connect_hybrid(path, 5000, 2000, &err);
	assert_int_equal(fd, -EPROTO);
	assert_non_null(strstr(err.text, "\"HELLO\\x0a\""));
	waitpid(pid, &status, 0);

	/* overlong line of digits */
	pid = fake_vmm(path, "OK 123456789012345678901234567890\n", 34, NULL);
	fd = vsock_connect_hybrid(path, 5000, 2000, &err);
	assert_int_equal(fd, -EPROTO);
	waitpid(pid, &status, 0);

	/* early EOF: the guest refused the port */
	pid = fake_vmm(path, "", 0, NULL);
	fd = vsock_connect_hybrid(path, 5001, 2000, &err);
	assert_int_equal(fd, -ECONNRESET);
	assert_non_null(strstr(err.text, "refused port 5001"));
	waitpid(pid, &status, 0);

	/* no socket at all */
	unlink(path);
	fd = vsock_connect_hybrid(path, 5000, 2000, &err);
	assert_int_equal(fd, -ENOENT);
	rmdir(dir);
}

static void test_resolve(void **state)
{
	char dir[] = "/tmp/vmsilo-test-XXXXXX", p[256];
	struct vsock_addr addr;
	struct vsock_error err;
	FILE *f;
	(void)state;
	assert_non_null(mkdtemp(dir));
	setenv("VMSILO_RUNTIME_DIR", dir, 1);
	assert_int_equal(vsock_resolve_vm("demo", &addr, &err), -ENOENT);
	assert_non_null(strstr(err.text, "VM 'demo' is not running"));
	assert_int_equal(vsock_resolve_vm("host", &addr, &err), -EINVAL);

	snprintf(p, sizeof(p), "%s/demo", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/demo/cid", dir);
	f = fopen(p, "w");
	fputs("17\n", f);
	fclose(f);
	assert_int_equal(vsock_resolve_vm("demo", &addr, &err), 0);
	assert_int_equal(addr.kind, VSOCK_KERNEL);
	assert_int_equal(addr.cid, 17);

	f = fopen(p, "w");
	fputs("1\n", f);
	fclose(f);
	assert_int_equal(vsock_resolve_vm("demo", &addr, &err), -EINVAL);
	assert_non_null(strstr(err.text, "valid CID"));

	/* a socket wins over the cid file */
	int lfd = vsock_hybrid_listen(p, 0, &err); /* creates "<dir>/demo/cid_0", not the name we need */
	assert_true(lfd >= 0);
	close(lfd);
	snprintf(p, sizeof(p), "%s/demo/vsock.socket", dir);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, p);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(vsock_resolve_vm("demo", &addr, &err), 0);
	assert_int_equal(addr.kind, VSOCK_HYBRID);
	assert_string_equal(addr.path, p);
	close(lfd);

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	unsetenv("VMSILO_RUNTIME_DIR");
}

static void test_hybrid_listen(void **state)
{
	char dir[] = "/tmp/vmsilo-test-XXXXXX", base[128], path[160];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vsock_error err;
	int lfd, c, a;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(base, sizeof(base), "%s/vsock.socket", dir);
	lfd = vsock_hybrid_listen(base, 5001, &err);
	assert_true(lfd >= 0);
	snprintf(path, sizeof(path), "%s_5001", base);
	strcpy(sa.sun_path, path);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	a = accept(lfd, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(write(c, "x", 1), 1);
	char b;
	assert_int_equal(read(a, &b, 1), 1);
	close(a);
	close(c);
	close(lfd);
	/* a stale socket file is replaced */
	lfd = vsock_hybrid_listen(base, 5001, &err);
	assert_true(lfd >= 0);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

static void test_parsers(void **state)
{
	uint32_t v;
	int ms;
	char esc[32];
	(void)state;
	assert_int_equal(parse_u32("0", &v), 0);
	assert_int_equal(parse_u32("4294967295", &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(parse_u32("4294967296", &v), -ERANGE);
	assert_int_equal(parse_u32("", &v), -EINVAL);
	assert_int_equal(parse_u32("1a", &v), -EINVAL);
	assert_int_equal(parse_u32("+1", &v), -EINVAL);
	assert_int_equal(parse_seconds_ms("2", &ms), 0);
	assert_int_equal(ms, 2000);
	assert_int_equal(parse_seconds_ms("0.25", &ms), 0);
	assert_int_equal(ms, 250);
	assert_int_equal(parse_seconds_ms("-1", &ms), -EINVAL);
	assert_int_equal(parse_seconds_ms("1s", &ms), -EINVAL);
	assert_int_equal(parse_seconds_ms("nan", &ms), -EINVAL);
	assert_int_equal(parse_seconds_ms("100000", &ms), -ERANGE);
	str_escape("a\nb\\", 4, esc, sizeof(esc));
	assert_string_equal(esc, "a\\x0ab\\\\");
	str_escape("abcdefghijklmnopqrstuvwxyz0123456789", 36, esc, 12);
	assert_string_equal(esc, "abcdefgh...");
}

static void test_kcmdline(void **state)
{
	static struct kcmdline k;
	const char *cur = NULL;
	char path[] = "/tmp/vmsilo-kcmdline-XXXXXX";
	/* a container's /proc/1/cmdline: NUL-separated */
	static const char nul[] = "/sbin/init\0vmsilo.idle_shutdown=3\0vmsilo.tray\0";
	int fd;

	static const char text[] = "quiet vmsilo.client=c1 vmsilo.client=c2\tvmsilo.tray=no x=1";
	assert_int_equal(kcmdline_set(&k, text, strlen(text)), 0);
	assert_string_equal(kcmdline_next(&k, "vmsilo.client", &cur), "c1");
	assert_string_equal(kcmdline_next(&k, "vmsilo.client", &cur), "c2");
	assert_null(kcmdline_next(&k, "vmsilo.client", &cur));
	assert_null(kcmdline_next(&k, "vmsilo.client", &cur));
	assert_int_equal(kcmdline_bool(&k, "vmsilo.tray", 1), 0);
	assert_int_equal(kcmdline_bool(&k, "vmsilo.notifications", 1), 1);
	assert_true(kcmdline_has(&k, "quiet"));
	/* a prefix of a key is not the key */
	assert_false(kcmdline_has(&k, "vmsilo.clien"));
	assert_false(kcmdline_has(&k, "x="));
	assert_string_equal(kcmdline_get(&k, "x"), "1");

	assert_int_equal(kcmdline_set(&k, "a=1 a=2 b=maybe", strlen("a=1 a=2 b=maybe")), 0);
	assert_string_equal(kcmdline_get(&k, "a"), "2");
	assert_int_equal(kcmdline_bool(&k, "b", 0), -EINVAL);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, nul, sizeof(nul) - 1), (ssize_t)sizeof(nul) - 1);
	close(fd);
	assert_int_equal(kcmdline_load(&k, path), 0);
	assert_string_equal(kcmdline_get(&k, "vmsilo.idle_shutdown"), "3");
	assert_int_equal(kcmdline_bool(&k, "vmsilo.tray", 0), 1);
	setenv("VMSILO_KERNEL_CMDLINE", path, 1);
	assert_int_equal(kcmdline_load(&k, NULL), 0);
	assert_true(kcmdline_has(&k, "/sbin/init"));
	unsetenv("VMSILO_KERNEL_CMDLINE");
	unlink(path);
	assert_int_equal(kcmdline_load(&k, path), -ENOENT);
	/* longer than the kernel allows */
	char *big = malloc(KCMDLINE_MAX + 1);
	assert_non_null(big);
	memset(big, 'a', KCMDLINE_MAX + 1);
	assert_int_equal(kcmdline_set(&k, big, KCMDLINE_MAX + 1), -E2BIG);
	free(big);
}

/* mkdir_parents and write_file_atomic; unix_listen leaves a file that is not a socket alone */
static void test_files(void **state)
{
	char dir[] = "/tmp/vmsilo-test-files-XXXXXX", path[256], buf[64];
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(mkdir_parents(path, 0750), 0);
	assert_int_equal(mkdir_parents(path, 0750), 0); /* existing: fine */
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/a/b/c/file", dir);
	assert_int_equal(write_file_atomic(path, "one\n", 4, 0640), 0);
	assert_int_equal(write_file_atomic(path, "two\n", 4, 0600), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "two\n");
	assert_int_equal(unix_listen(path, 1), -EEXIST);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/missing/file", dir);
	assert_int_equal(write_file_atomic(path, "x", 1, 0644), -ENOENT);
	snprintf(buf, sizeof(buf), "rm -rf %s", dir);
	assert_int_equal(system(buf), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_names),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_frame_header_limits),
		cmocka_unit_test(test_frame_parse),
		cmocka_unit_test(test_frame_io),
		cmocka_unit_test(test_frame_reader_chunked),
		cmocka_unit_test(test_frame_reader_fd),
		cmocka_unit_test(test_cid_parse),
		cmocka_unit_test(test_hybrid_reply_parse),
		cmocka_unit_test(test_hybrid_connect),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_hybrid_listen),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_kcmdline),
		cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
