/* SPDX-License-Identifier: MIT */
/* Internal: the key table behind vmconfig.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum vm_section {
	SEC_VM,
	SEC_ROOT_OVERLAY,
	SEC_NETWORK,
	SEC_INTERFACE, /* named */
	SEC_SHARE,     /* named */
	SEC_VIRTIOFS,
	SEC_DISK,      /* named */
	SEC_GPU,
	SEC_SOUND,
	SEC_DBUS,
	SEC_DEVICES,
	SEC_PROGRAMS,
	SEC__COUNT,
};

enum key_kind {
	K_STRING,   /* any non-empty single-line value */
	K_PATH,     /* absolute path */
	K_BOOL,
	K_U32,      /* decimal within [min, max] */
	K_ENUM,     /* one of choices, stored as int index */
	K_CHOICE,   /* one of choices, stored as a const char * to the static choice */
	K_STRV,     /* repeatable, each value appended */
	K_LOGLEVEL, /* error|warn|info|debug|trace|off */
	K_VMNAME,
	K_CIDR4,
	K_COLOR,
	K_MAC,
	K_SIZE,     /* 512M, 10G, 1T, bytes */
	K_IFNAME,   /* Linux interface name, max 15 chars */
	K_NETVM,    /* "host" or a VM name */
	K_PROGRAM,  /* a program name (looked up in PATH) or an absolute path */
};

struct key_spec {
	enum vm_section section;
	const char *key;
	enum key_kind kind;
	size_t offset; /* into struct vm_config, or the named section's element */
	uint32_t min, max;
	const char *const *choices;
};

extern const char *const vm_section_names[SEC__COUNT];
extern const struct key_spec vm_keys[];
extern const size_t vm_keys_count;
