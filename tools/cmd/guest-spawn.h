/* SPDX-License-Identifier: MIT */
/* Starting the requested program in the guest. */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cmd-protocol.h"

struct spawn_io {
	int in, out, err; /* descriptors for the child's 0, 1, 2 */
};

/*
 * Forks and executes req's argv with req's cwd and environment entries.
 * detach: the program is started in its own session by a short-lived
 * intermediate process, so it is no child of ours (*pid is then 0).
 * Returns 0 once exec succeeded; -errno with a message in msg otherwise.
 */
int spawn_program(const struct cmd_request *req, char *const *argv, const struct spawn_io *io,
		  bool detach, pid_t *pid, char *msg, size_t msglen);

/* argv for `systemd-run --user ...` starting req as a transient unit. Caller frees the array only. */
char **systemd_run_argv(const struct cmd_request *req, char *unit, size_t unitlen);
