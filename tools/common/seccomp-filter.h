/* SPDX-License-Identifier: MIT */
/*
 * A system call allow-list for a long-running program, installed once its
 * set-up is done: the program names the calls its loop needs (plus
 * VMSILO_SANITIZER_SYSCALLS from seccomp-sanitizer.h), this file parses the
 * --seccomp option and loads the filter. Link libvmsilo_seccomp_dep.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum vmsilo_seccomp {
	VMSILO_SECCOMP_ENFORCE, /* any other call kills the process */
	VMSILO_SECCOMP_LOG,     /* any other call is allowed and logged by the kernel */
	VMSILO_SECCOMP_OFF,
};

/* "enforce", "log", "off" -> mode. 0 or -EINVAL. */
int vmsilo_seccomp_parse(const char *s, enum vmsilo_seccomp *mode);
/* The same for a --seccomp option: the mode, or a usage error (exit 2) naming the choices. */
enum vmsilo_seccomp vmsilo_seccomp_option(const char *synopsis, const char *arg);
/*
 * Allows exactly the listed calls (SCMP_SYS numbers; one this architecture
 * lacks is skipped), and with unix_sockets also socket(2) for AF_UNIX only.
 * No-op for OFF. 0 or -errno.
 */
int vmsilo_seccomp_install(enum vmsilo_seccomp mode, const int *allowed, size_t n, bool unix_sockets);
