/* SPDX-License-Identifier: MIT */
#include "accounts.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

/* The id of the entry called name in a passwd (group false) or group file. */
static int file_id(const char *file, const char *name, bool group, unsigned *id)
{
	_cleanup_fclose_ FILE *f = fopen(file, "re");

	if (!f)
		return -errno;
	for (;;) {
		struct passwd *pw = group ? NULL : fgetpwent(f);
		struct group *gr = group ? fgetgrent(f) : NULL;
		if (!pw && !gr)
			return -ENOENT;
		if (strcmp(pw ? pw->pw_name : gr->gr_name, name) == 0) {
			*id = pw ? pw->pw_uid : gr->gr_gid;
			return 0;
		}
	}
}

int passwd_file_uid(const char *file, const char *name, uid_t *uid)
{
	unsigned id;
	int r = file_id(file, name, false, &id);
	if (r == 0)
		*uid = id;
	return r;
}

int group_file_gid(const char *file, const char *name, gid_t *gid)
{
	unsigned id;
	int r = file_id(file, name, true, &id);
	if (r == 0)
		*gid = id;
	return r;
}
