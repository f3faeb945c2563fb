/* SPDX-License-Identifier: MIT */
/* vmsilo-balloond's system call allow-list; see sandbox.h. */
#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <sys/socket.h>

#include "macro.h"
#include "seccomp-sanitizer.h"
#include "sandbox.h"


/* What the event loop, the VMM clients, the report listeners and logging use. */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(pread64), SCMP_SYS(close),
	SCMP_SYS(openat), SCMP_SYS(newfstatat), SCMP_SYS(fstat), SCMP_SYS(lseek), SCMP_SYS(getdents64),
	SCMP_SYS(unlink), SCMP_SYS(fcntl),
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept4),
	SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(getsockopt), SCMP_SYS(shutdown),
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime), SCMP_SYS(signalfd4),
	SCMP_SYS(inotify_add_watch), SCMP_SYS(inotify_rm_watch),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(mprotect),
	SCMP_SYS(futex), SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(prctl),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(exit), SCMP_SYS(exit_group),
	/* the kernel restarts a call interrupted by SIGSTOP/SIGCONT with restart_syscall */
	SCMP_SYS(restart_syscall),
	VMSILO_SANITIZER_SYSCALLS
};

bool balloond_sanitizer_build(void)
{
#ifdef VMSILO_SANITIZER_BUILD
	return true;
#else
	return false;
#endif
}

int balloond_seccomp_parse(const char *s, enum balloond_seccomp *mode)
{
	if (!strcmp(s, "enforce"))
		*mode = BALLOOND_SECCOMP_ENFORCE;
	else if (!strcmp(s, "log"))
		*mode = BALLOOND_SECCOMP_LOG;
	else if (!strcmp(s, "off"))
		*mode = BALLOOND_SECCOMP_OFF;
	else
		return -EINVAL;
	return 0;
}

static void release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

int balloond_seccomp_install(enum balloond_seccomp mode)
{
	_cleanup_(release) scmp_filter_ctx ctx = NULL;
	const struct scmp_arg_cmp unix_only = { .arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_UNIX, .datum_b = 0 };
	int r;

	if (mode == BALLOOND_SECCOMP_OFF)
		return 0;
	ctx = seccomp_init(mode == BALLOOND_SECCOMP_ENFORCE ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_LOG);
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
		if (r < 0 && r != -EDOM) /* -EDOM: not a syscall on this architecture */
			return r;
	}
	/* New sockets only for the VMM APIs and sd_notify: unix domain. */
	r = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, &unix_only);
	if (r < 0)
		return r;
	return seccomp_load(ctx);
}
