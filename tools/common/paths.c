/* SPDX-License-Identifier: MIT */
#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *env_or(const char *var, const char *fallback)
{
	const char *v = getenv(var);
	return v && *v ? v : fallback;
}

const char *vmsilo_runtime_dir(void)
{
	return env_or("VMSILO_RUNTIME_DIR", VMSILO_DEFAULT_RUNTIME_DIR);
}

const char *vmsilo_config_dir(void)
{
	return env_or("VMSILO_CONFIG_DIR", VMSILO_DEFAULT_CONFIG_DIR);
}

const char *vmsilo_passwd_file(void)
{
	return env_or("VMSILO_PASSWD_FILE", "/etc/passwd");
}

const char *vmsilo_group_file(void)
{
	return env_or("VMSILO_GROUP_FILE", "/etc/group");
}

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

const char *vm_name_invalid_reason(const char *name)
{
	size_t len;

	if (!name || !*name)
		return "the name is empty";
	len = strlen(name);
	if (len > VM_NAME_MAX)
		return "longer than 64 characters";
	if (strcmp(name, "host") == 0)
		return "'host' is reserved for the host itself";
	if (!is_lower_alnum(name[0]))
		return "must start with a lowercase letter or digit";
	for (size_t i = 1; i < len; i++)
		if (!is_lower_alnum(name[i]) && name[i] != '-' && name[i] != '_')
			return "only lowercase letters, digits, '-' and '_' are allowed";
	return NULL;
}

static int checked_snprintf(char *buf, size_t n, int r)
{
	(void)buf;
	if (r < 0)
		return -EINVAL;
	return (size_t)r >= n ? -ENAMETOOLONG : 0;
}

int vm_runtime_path(char *buf, size_t n, const char *vm, const char *leaf)
{
	if (leaf)
		return checked_snprintf(buf, n, snprintf(buf, n, "%s/%s/%s", vmsilo_runtime_dir(), vm, leaf));
	return checked_snprintf(buf, n, snprintf(buf, n, "%s/%s", vmsilo_runtime_dir(), vm));
}

int vm_config_path(char *buf, size_t n, const char *vm)
{
	return checked_snprintf(buf, n, snprintf(buf, n, "%s/%s.vm", vmsilo_config_dir(), vm));
}
