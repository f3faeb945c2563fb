/* SPDX-License-Identifier: MIT */
#include "idle-scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

int idle_is_app_unit(const char *name)
{
	size_t n = strlen(name), p = strlen(APP_UNIT_PREFIX), s = strlen(APP_UNIT_SUFFIX);

	return n > p + s && n < IDLE_UNIT_NAME_MAX && strncmp(name, APP_UNIT_PREFIX, p) == 0 &&
	       strcmp(name + n - s, APP_UNIT_SUFFIX) == 0;
}

/* cgroup.procs of <dirfd> lists at least one process. */
static int cgroup_has_procs(int dirfd)
{
	_cleanup_close_ int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	char c;

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	ssize_t r = read(fd, &c, 1);
	return r < 0 ? -errno : r > 0;
}

struct walk {
	idle_found_fn found;
	void *userdata;
	unsigned entries;
	int count;
};

/* Does the cgroup <dirfd> or one below it hold a process? */
static int subtree_has_procs(int dirfd, unsigned depth, struct walk *w)
{
	int r = cgroup_has_procs(dirfd);
	if (r != 0 || depth >= IDLE_SCAN_DEPTH_MAX)
		return r;

	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (++w->entries > IDLE_SCAN_ENTRIES_MAX)
			return -E2BIG;
		if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) || e->d_name[0] == '.')
			continue;
		_cleanup_close_ int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed while we looked: the unit just ended */
		r = subtree_has_procs(sub, depth + 1, w);
		if (r != 0)
			return r;
	}
	return 0;
}

static int walk_dir(int dirfd, unsigned depth, struct walk *w)
{
	if (depth >= IDLE_SCAN_DEPTH_MAX)
		return 0;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	if (!d) {
		int r = -errno;
		close(fd);
		return r;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (++w->entries > IDLE_SCAN_ENTRIES_MAX)
			return -E2BIG;
		if ((e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) || e->d_name[0] == '.')
			continue;
		_cleanup_close_ int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue;
		int r;
		if (idle_is_app_unit(e->d_name)) {
			r = subtree_has_procs(sub, depth + 1, w);
			if (r > 0) {
				w->count++;
				if (w->found)
					w->found(e->d_name, w->userdata);
			}
		} else {
			r = walk_dir(sub, depth + 1, w);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int idle_scan(const char *root, idle_found_fn found, void *userdata)
{
	struct walk w = { .found = found, .userdata = userdata };
	_cleanup_close_ int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	int r = walk_dir(fd, 0, &w);
	return r < 0 ? r : w.count;
}

const char *idle_default_root(void)
{
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		return "/sys/fs/cgroup/user.slice"; /* unified (v2) */
	if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0)
		return "/sys/fs/cgroup/unified/user.slice"; /* hybrid */
	return "/sys/fs/cgroup/systemd/user.slice"; /* legacy (v1) */
}
