/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * The guest's kernel command line, where vmsilo-launch puts each VM's own
 * settings (vmsilo.* parameters) so that one image serves many VMs.
 *
 * kcmdline_load() reads /proc/cmdline, or the file named by
 * $VMSILO_KERNEL_CMDLINE when path is NULL and that variable is set (a
 * container's /proc/1/cmdline, whose words are separated by NULs). Words are
 * split on blanks and NULs; quoting is not interpreted, since vmsilo never
 * writes a parameter value that contains a blank.
 */
#define KCMDLINE_MAX 16384

struct kcmdline {
	char buf[KCMDLINE_MAX + 1]; /* the words, each NUL-terminated */
	size_t len;		    /* bytes used in buf */
};

/* 0, or -errno (-E2BIG for a command line longer than KCMDLINE_MAX). */
int kcmdline_load(struct kcmdline *k, const char *path);
/* Takes text directly (tests). Same limits as kcmdline_load(). */
int kcmdline_set(struct kcmdline *k, const char *text, size_t n);

/*
 * Iterates over the values of "key=value" words, in order. *cursor starts
 * NULL; returns the next value, or NULL at the end. A word that is exactly
 * "key" yields "".
 */
const char *kcmdline_next(const struct kcmdline *k, const char *key, const char **cursor);
/* The last value of key (the kernel's own rule when a parameter repeats), or NULL. */
const char *kcmdline_get(const struct kcmdline *k, const char *key);
/* Whether key appears at all, with or without a value. */
bool kcmdline_has(const struct kcmdline *k, const char *key);
/*
 * A boolean parameter: 1 for "key", "key=1|yes|true|on", 0 for
 * "key=0|no|false|off", def when absent, -EINVAL for anything else.
 */
int kcmdline_bool(const struct kcmdline *k, const char *key, int def);
