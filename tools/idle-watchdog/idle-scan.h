/* SPDX-License-Identifier: MIT */
/*
 * Finds the user programs that vmsilo-guest-cmd started: transient units
 * named vmsilo-app-*.service in the user's manager. Their cgroups sit under
 * user.slice, so a walk of the cgroup tree sees them without any bus.
 */
#pragma once

#include <stddef.h>

#define APP_UNIT_PREFIX "vmsilo-app-"
#define APP_UNIT_SUFFIX ".service"
#define IDLE_SCAN_DEPTH_MAX 16       /* user.slice/user-1000.slice/user@1000.service/app.slice/... */
#define IDLE_SCAN_ENTRIES_MAX 65536  /* directory entries looked at per scan */
#define IDLE_UNIT_NAME_MAX 256

typedef void (*idle_found_fn)(const char *unit, void *userdata);

/*
 * Counts app units with at least one process (in their cgroup or below)
 * under the directory <root>; calls found() for each. A missing root counts
 * as none (no user has logged in yet). Returns the count or -errno.
 */
int idle_scan(const char *root, idle_found_fn found, void *userdata);

/* The user.slice directory of this system's cgroup tree (v2, hybrid or v1). */
const char *idle_default_root(void);

/* True for "vmsilo-app-<anything>.service". */
int idle_is_app_unit(const char *name);
