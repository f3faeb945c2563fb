/* SPDX-License-Identifier: MIT */
/* Unit tests for the NSS-free passwd and group file lookups (accounts.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "accounts.h"
#include "paths.h"

static char dir[] = "/tmp/vmsilo-accounts-XXXXXX";
static char passwd[64], group[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(passwd, sizeof(passwd), "%s/passwd", dir);
	snprintf(group, sizeof(group), "%s/group", dir);
	write_file(passwd, "root:x:0:0:root:/root:/bin/sh\n"
			   "# a comment line and a broken one follow\n"
			   "broken\n"
			   "alice:x:1000:100:Alice:/home/alice:/bin/sh\n"
			   "alice:x:2000:100:a second alice:/home/alice2:/bin/sh\n"
			   "bob:x:1001:100::/home/bob:/bin/sh");
	write_file(group, "root:x:0:\nusers:x:100:\nvmsilo:x:983:alice,bob\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(passwd);
	unlink(group);
	rmdir(dir);
	return 0;
}

static void test_passwd(void **state)
{
	uid_t uid = 12345;
	(void)state;
	assert_int_equal(passwd_file_uid(passwd, "alice", &uid), 0);
	assert_int_equal(uid, 1000); /* the first entry wins */
	assert_int_equal(passwd_file_uid(passwd, "bob", &uid), 0); /* last line, no newline */
	assert_int_equal(uid, 1001);
	assert_int_equal(passwd_file_uid(passwd, "root", &uid), 0);
	assert_int_equal(uid, 0);
	uid = 12345;
	assert_int_equal(passwd_file_uid(passwd, "carol", &uid), -ENOENT);
	assert_int_equal(passwd_file_uid(passwd, "alic", &uid), -ENOENT); /* no prefix matches */
	assert_int_equal(passwd_file_uid(passwd, "broken", &uid), -ENOENT);
	assert_int_equal(uid, 12345);
	assert_int_equal(passwd_file_uid("/nonexistent/passwd", "alice", &uid), -ENOENT);
	assert_int_equal(passwd_file_uid(dir, "alice", &uid) < 0, 1); /* a directory */
}

static void test_group(void **state)
{
	gid_t gid = 12345;
	(void)state;
	assert_int_equal(group_file_gid(group, VMSILO_GROUP, &gid), 0);
	assert_int_equal(gid, 983);
	assert_int_equal(group_file_gid(group, "users", &gid), 0);
	assert_int_equal(gid, 100);
	assert_int_equal(group_file_gid(group, "alice", &gid), -ENOENT); /* a member is not a group */
	assert_int_equal(group_file_gid(passwd, VMSILO_GROUP, &gid), -ENOENT);
	assert_int_equal(group_file_gid("/nonexistent/group", VMSILO_GROUP, &gid), -ENOENT);
}

static void test_files(void **state)
{
	(void)state;
	unsetenv("VMSILO_PASSWD_FILE");
	unsetenv("VMSILO_GROUP_FILE");
	assert_string_equal(vmsilo_passwd_file(), "/etc/passwd");
	assert_string_equal(vmsilo_group_file(), "/etc/group");
	setenv("VMSILO_PASSWD_FILE", passwd, 1);
	setenv("VMSILO_GROUP_FILE", "", 1); /* empty: the default */
	assert_string_equal(vmsilo_passwd_file(), passwd);
	assert_string_equal(vmsilo_group_file(), "/etc/group");
	unsetenv("VMSILO_PASSWD_FILE");
	unsetenv("VMSILO_GROUP_FILE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passwd),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
