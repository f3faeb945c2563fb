/* SPDX-License-Identifier: MIT */
/*
 * The host role's system-call allow-list, installed once the bus connection
 * and the listening socket exist: from then on the process moves bytes between
 * descriptors it has, accepts guest connections, opens unix-socket
 * connections to the session bus (one per tray item) and manages memory. Anything else kills it (enforce) or is logged by the kernel (log).
 */
#include <errno.h>
#include <seccomp.h>
#include <sys/socket.h>

#include "log.h"
#include "macro.h"
#include "seccomp-sanitizer.h"
#include "roles.h"
#include "seccomp-filter.h"


static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(accept4), SCMP_SYS(close), SCMP_SYS(shutdown), SCMP_SYS(fcntl), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(brk),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(futex),
	SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(restart_syscall),
	SCMP_SYS(getsockopt), SCMP_SYS(getsockname), SCMP_SYS(getpeername), SCMP_SYS(connect),
	SCMP_SYS(setsockopt),
	VMSILO_SANITIZER_SYSCALLS
#ifdef VMSILO_SANITIZER_BUILD
	/* the sanitizer runtime starts llvm-symbolizer for the reports of the tests */
	SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(execve),
#endif
};

int seccomp_install(enum vmsilo_seccomp mode)
{
	/* each tray item opens its own connection to the host session bus: unix sockets only */
	return vmsilo_seccomp_install(mode, allowed, ARRAY_SIZE(allowed), true);
}
