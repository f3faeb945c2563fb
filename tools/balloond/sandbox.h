/* SPDX-License-Identifier: MIT */
/*
 * vmsilo-balloond's system call allow-list. Installed once set-up is done,
 * right before the event loop: from then on the daemon only needs to read
 * files, talk over unix sockets it creates, accept connections and wait.
 */
#pragma once

#include <stdbool.h>

#include "seccomp-filter.h"

/*
 * True in AddressSanitizer builds (tests only): LeakSanitizer's exit-time scan
 * stalls under a killing filter, so the daemon then runs the filter in LOG mode.
 */
bool balloond_sanitizer_build(void);
/* Installs the filter (no-op for OFF). 0 or -errno. */
int balloond_seccomp_install(enum vmsilo_seccomp mode);
