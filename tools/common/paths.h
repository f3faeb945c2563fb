/* SPDX-License-Identifier: MIT */
/* Where vmsilo keeps things, and what a VM may be called. */
#pragma once

#include <stddef.h>

#define VM_NAME_MAX 64
#define VMSILO_DEFAULT_RUNTIME_DIR "/run/vmsilo"
#define VMSILO_DEFAULT_CONFIG_DIR "/etc/vmsilo"

/* $VMSILO_RUNTIME_DIR, else /run/vmsilo. */
const char *vmsilo_runtime_dir(void);
/* $VMSILO_CONFIG_DIR, else /etc/vmsilo. */
const char *vmsilo_config_dir(void);
/* $VMSILO_PASSWD_FILE, else /etc/passwd; $VMSILO_GROUP_FILE, else /etc/group (see accounts.h). */
const char *vmsilo_passwd_file(void);
const char *vmsilo_group_file(void);

/*
 * NULL if name is a valid VM name, else a short reason suitable after
 * "invalid VM name '<name>': ". Valid: 1..64 chars of [a-z0-9_-], starting with
 * [a-z0-9], and not the reserved word "host".
 */
const char *vm_name_invalid_reason(const char *name);
static inline int vm_name_valid(const char *name)
{
	return vm_name_invalid_reason(name) == NULL;
}

/* "<runtime>/<vm>/<leaf>" into buf. Returns 0 or -ENAMETOOLONG. leaf may be NULL. */
int vm_runtime_path(char *buf, size_t n, const char *vm, const char *leaf);
/* "<config>/<vm>.vm" into buf. */
int vm_config_path(char *buf, size_t n, const char *vm);
