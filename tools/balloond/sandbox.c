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

int balloond_seccomp_install(enum vmsilo_seccomp mode)
{
	/* new sockets only for the VMM APIs and sd_notify: unix domain */
	return vmsilo_seccomp_install(mode, allowed, ARRAY_SIZE(allowed), true);
}
