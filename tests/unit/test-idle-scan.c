/* SPDX-License-Identifier: MIT */
/* Unit tests for the idle watchdog's search of the cgroup tree. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "idle-scan.h"

static char root[64];

/* Creates <root>/<rel> as a directory; with procs, a cgroup.procs holding them. */
static void cgroup(const char *rel, const char *procs)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "%s/cgroup.procs", path);
	FILE *f = fopen(cmd, "w");
	assert_non_null(f);
	fputs(procs ? procs : "", f);
	fclose(f);
}

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/vmsilo-idle.XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static char seen[1024];
static void collect(const char *unit, void *userdata)
{
	strncat(seen, unit, sizeof(seen) - strlen(seen) - 2);
	strcat(seen, " ");
}

#define APP "user-1000.slice/user@1000.service/app.slice/"

static void test_names(void **state)
{
	assert_true(idle_is_app_unit("vmsilo-app-firefox-0a1b2c3d.service"));
	assert_true(idle_is_app_unit("vmsilo-app-00000000.service"));
	assert_false(idle_is_app_unit("vmsilo-app-.service"));
	assert_false(idle_is_app_unit("vmsilo-app-x.scope"));
	assert_false(idle_is_app_unit("other-app-x.service"));
	assert_false(idle_is_app_unit("vmsilo-app-x.service.d"));
}

static void test_counts_running_apps_only(void **state)
{
	cgroup(APP "vmsilo-app-firefox-0000aaaa.service", "101\n102\n");
	cgroup(APP "vmsilo-app-konsole-0000bbbb.service", NULL); /* no process: ending */
	cgroup(APP "dbus.service", "55\n");                      /* not a program of vm-run */
	cgroup("user-1000.slice/session-1.scope", "7\n");
	seen[0] = '\0';
	assert_int_equal(idle_scan(root, collect, NULL), 1);
	assert_string_equal(seen, "vmsilo-app-firefox-0000aaaa.service ");
}

static void test_processes_in_a_child_cgroup_count(void **state)
{
	cgroup(APP "vmsilo-app-sh-0000cccc.service", NULL);
	cgroup(APP "vmsilo-app-sh-0000cccc.service/payload", "300\n");
	assert_int_equal(idle_scan(root, NULL, NULL), 1);
}

static void test_idle_and_missing_root(void **state)
{
	cgroup(APP "gpg-agent.service", "9\n");
	assert_int_equal(idle_scan(root, NULL, NULL), 0);
	assert_int_equal(idle_scan("/nonexistent/user.slice", NULL, NULL), 0);
}

static void test_depth_is_bounded(void **state)
{
	char rel[IDLE_SCAN_DEPTH_MAX * 4 + 64] = "";
	for (int i = 0; i < IDLE_SCAN_DEPTH_MAX + 2; i++)
		strcat(rel, "d/");
	strcat(rel, "vmsilo-app-deep-0000dddd.service");
	cgroup(rel, "1\n");
	assert_int_equal(idle_scan(root, NULL, NULL), 0); /* beyond the limit: not searched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_counts_running_apps_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_processes_in_a_child_cgroup_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_and_missing_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_depth_is_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
