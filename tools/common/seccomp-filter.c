/* SPDX-License-Identifier: MIT */
/* Loading a program's system call allow-list; see seccomp-filter.h. */
#include "seccomp-filter.h"

#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "log.h"

int vmsilo_seccomp_parse(const char *s, enum vmsilo_seccomp *mode)
{
	static const char *const names[] = {
		[VMSILO_SECCOMP_ENFORCE] = "enforce",
		[VMSILO_SECCOMP_LOG] = "log",
		[VMSILO_SECCOMP_OFF] = "off",
	};

	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum vmsilo_seccomp)i;
			return 0;
		}
	return -EINVAL;
}

enum vmsilo_seccomp vmsilo_seccomp_option(const char *synopsis, const char *arg)
{
	enum vmsilo_seccomp mode;

	if (vmsilo_seccomp_parse(arg, &mode) < 0)
		cli_usage_error(synopsis, "invalid --seccomp '%s': expected enforce, log or off", arg);
	return mode;
}

int vmsilo_seccomp_install(enum vmsilo_seccomp mode, const int *allowed, size_t n, bool unix_sockets)
{
	scmp_filter_ctx ctx;
	int r = 0;

	if (mode == VMSILO_SECCOMP_OFF)
		return 0;
	ctx = seccomp_init(mode == VMSILO_SECCOMP_LOG ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < n && r == 0; i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
		if (r == -EDOM) /* not a system call on this architecture */
			r = 0;
	}
	if (r == 0 && unix_sockets) {
		const struct scmp_arg_cmp unix_only = { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_UNIX };
		r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &unix_only);
	}
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r == 0)
		log_debug("seccomp allow-list installed (%s)", mode == VMSILO_SECCOMP_LOG ? "log" : "enforce");
	return r;
}
