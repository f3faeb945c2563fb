/* SPDX-License-Identifier: MIT */
/* From a VM's configuration to the VMM's argument vector. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "netplan.h"
#include "vmconfig.h"

#define LAUNCH_ARGS_MAX 512
#define LAUNCH_TAP_FD_FIRST 3

struct argv {
	char *v[LAUNCH_ARGS_MAX + 1];
	size_t n;
	int overflow;
};

void argv_add(struct argv *a, const char *s);
void argv_addf(struct argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_free(struct argv *a);

/*
 * The kernel command line that carries the guest's settings
 * (docs/vm-config.md "Kernel command line").
 */
int launch_cmdline(const struct vm_config *vm, const struct net_plan *plan, char **out);

/*
 * The complete command: a vmsilo-tap-open prefix per TAP of the plan
 * (descriptors 3, 4, ...), then the VMM and its arguments.
 */
int launch_argv(const struct vm_config *vm, const struct net_plan *plan, uint32_t cid,
		const char *runtime_dir, const char *tap_open, struct argv *out);
