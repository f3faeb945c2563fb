/* SPDX-License-Identifier: MIT */
/*
 * A parser for INI files in systemd's unit-file syntax, used for
 * /etc/vmsilo/<vm>.vm:
 *
 *   # comment            ; comment
 *   [Section]            [Section argument]
 *   Key=value            repeated keys form lists
 *   Key=long \
 *       continued        a trailing backslash joins the next line (with a space)
 *
 * Whitespace around keys, values and section names is trimmed. Every entry
 * remembers its line, so later validation can report file:line.
 */
#pragma once

#include <stddef.h>

#define INI_FILE_MAX (1024u * 1024u)
#define INI_LINE_MAX (64u * 1024u)
#define INI_ENTRIES_MAX 20000u
#define INI_NAME_MAX 64u

struct ini_entry {
	char *section; /* "VM", "Interface", ... */
	char *arg;     /* "wan" for [Interface wan]; NULL when absent */
	char *key;
	char *value;
	unsigned line;
	unsigned section_line;
};

struct ini_file {
	char *path;
	struct ini_entry *entries;
	size_t n;
	/* sections without any key still matter ([Share data] with defaults): */
	struct ini_entry *sections; /* key/value NULL */
	size_t nsections;
};

struct ini_error {
	char text[512]; /* "path:line: message" */
};

int ini_parse_buffer(const char *path, const char *buf, size_t len, struct ini_file *out,
		     struct ini_error *err);
/* Reads a whole regular file of at most INI_FILE_MAX bytes (NUL-terminated *buf). */
int ini_read_file(const char *path, char **buf, size_t *len, struct ini_error *err);
int ini_parse_file(const char *path, struct ini_file *out, struct ini_error *err);
void ini_free(struct ini_file *f);
