/* SPDX-License-Identifier: MIT */
/* vmsilo-wayland-seccontext's command line. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "seccomp-filter.h"

/* "#rrggbb" and its terminating NUL. */
#define SECCONTEXT_INSTANCE_ID_SIZE 8

struct seccontext_options {
	const char *vm;          /* -> app_id */
	char instance_id[SECCONTEXT_INSTANCE_ID_SIZE]; /* the VM color as "#rrggbb" */
	const char *socket_path; /* the VM's socket, created here */
	const char *display;     /* host compositor; NULL: $WAYLAND_DISPLAY as libwayland reads it */
	enum vmsilo_seccomp seccomp;
};

/* Parses argv; exits 0 for --help/--version and 2 for usage errors. */
void seccontext_options_parse(int argc, char **argv, struct seccontext_options *o);

/*
 * The instance_id a VM color becomes: any color vmsilo accepts (a CSS name,
 * #rgb, #rrggbb, rgb(r,g,b)) written as lower-case "#rrggbb". 0 or -EINVAL.
 */
int seccontext_instance_id(const char *color, char out[SECCONTEXT_INSTANCE_ID_SIZE]);

/* Why path cannot be the VM's socket (not absolute, too long for a unix address), or NULL. */
const char *seccontext_socket_path_invalid_reason(const char *path);
