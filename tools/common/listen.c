/* SPDX-License-Identifier: MIT */
#include "listen.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "io.h"

#define LISTEN_FDS_MAX 64

int listen_fds(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	uint32_t p, n;
	int ret = 0;

	if (pid && fds && parse_u32(pid, &p) == 0 && parse_u32(fds, &n) == 0 && p == (uint32_t)getpid() &&
	    n <= LISTEN_FDS_MAX) {
		ret = (int)n;
		for (int fd = LISTEN_FDS_START; fd < LISTEN_FDS_START + ret; fd++)
			fd_set_cloexec(fd, true);
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return ret;
}
