/* SPDX-License-Identifier: MIT */
/*
 * Users and groups read straight from passwd(5) and group(5) files, without
 * NSS: a systemd generator must not use NSS (it runs before the services NSS
 * modules may need), and the files vmsilo cares about are the local ones.
 */
#pragma once

#include <sys/types.h>

/* The group that may reach the sockets the desktop user's sidecars create. */
#define VMSILO_GROUP "vmsilo"

/*
 * The uid of user name in passwd-format file (the first entry wins, as NSS's
 * files module does; paths.h names the system's files). 0 when found,
 * -ENOENT when absent (or the file is missing), -errno when the file cannot
 * be read.
 */
int passwd_file_uid(const char *file, const char *name, uid_t *uid);
/* The gid of group name in group-format file; returns as passwd_file_uid(). */
int group_file_gid(const char *file, const char *name, gid_t *gid);
