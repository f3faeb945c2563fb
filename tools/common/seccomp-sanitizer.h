/* SPDX-License-Identifier: MIT */
/*
 * For the programs that install a seccomp allow-list: in a build with
 * AddressSanitizer, the sanitizer runtime needs more system calls to report
 * (and LeakSanitizer, to scan at exit: it stops the process from a helper
 * thread with ptrace). Test builds append VMSILO_SANITIZER_SYSCALLS to their
 * list so that the suite runs the program under the filter it ships with and
 * still gets the reports. Release builds define nothing here.
 * Include after <seccomp.h>.
 */
#ifndef VMSILO_SECCOMP_SANITIZER_H
#define VMSILO_SECCOMP_SANITIZER_H

#if defined(__SANITIZE_ADDRESS__)
#define VMSILO_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VMSILO_SANITIZER_BUILD 1
#endif
#endif

#ifdef VMSILO_SANITIZER_BUILD
#define VMSILO_SANITIZER_SYSCALLS                                                                  \
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(ptrace), SCMP_SYS(wait4), SCMP_SYS(waitid),   \
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(sigaltstack),                 \
	SCMP_SYS(rt_sigaction), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit), SCMP_SYS(readlink),      \
	SCMP_SYS(readlinkat), SCMP_SYS(getppid), SCMP_SYS(kill), SCMP_SYS(tgkill),                 \
	SCMP_SYS(set_robust_list), SCMP_SYS(set_tid_address), SCMP_SYS(rseq), SCMP_SYS(pipe2),     \
	SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3), SCMP_SYS(ioctl), SCMP_SYS(uname),            \
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(access),       \
	SCMP_SYS(arch_prctl), SCMP_SYS(prctl), SCMP_SYS(mprotect), SCMP_SYS(mlock),                \
	SCMP_SYS(munlock), SCMP_SYS(lseek), SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),        \
	SCMP_SYS(getdents), SCMP_SYS(getdents64),
#else
#define VMSILO_SANITIZER_SYSCALLS
#endif

#endif
