/* SPDX-License-Identifier: MIT */
#include "ini.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"
#include "strutil.h"

#define fail(err, path, line, r, ...) \
	errfmt_at((err) ? (err)->text : NULL, sizeof((err)->text), path, line, r, __VA_ARGS__)

static char *trim(char *s)
{
	char *e;
	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static bool valid_name(const char *s, bool allow_dot)
{
	if (!*s || strlen(s) > INI_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || (allow_dot && *s == '.')))
			return false;
	return true;
}

void ini_free(struct ini_file *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->entries[i].key);
		free(f->entries[i].value);
	}
	for (size_t i = 0; i < f->nsections; i++) {
		free(f->sections[i].section);
		free(f->sections[i].arg);
	}
	free(f->entries);
	free(f->sections);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

static int add_section(struct ini_file *f, const char *name, const char *arg, unsigned line)
{
	struct ini_entry *s = realloc(f->sections, (f->nsections + 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	f->sections = s;
	s = &f->sections[f->nsections];
	memset(s, 0, sizeof(*s));
	s->section = strdup(name);
	s->arg = arg ? strdup(arg) : NULL;
	s->line = s->section_line = line;
	if (!s->section || (arg && !s->arg)) {
		free(s->section);
		free(s->arg);
		return -ENOMEM;
	}
	f->nsections++;
	return 0;
}

static int add_entry(struct ini_file *f, const char *key, const char *value, unsigned line)
{
	const struct ini_entry *sec = &f->sections[f->nsections - 1];
	struct ini_entry *e;

	if (f->n >= INI_ENTRIES_MAX)
		return -E2BIG;
	e = realloc(f->entries, (f->n + 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	f->entries = e;
	e = &f->entries[f->n];
	/* section strings are shared with f->sections, which owns them */
	e->section = sec->section;
	e->arg = sec->arg;
	e->section_line = sec->line;
	e->key = strdup(key);
	e->value = strdup(value);
	e->line = line;
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return -ENOMEM;
	}
	f->n++;
	return 0;
}

static int parse_line(struct ini_file *f, char *l, unsigned line, struct ini_error *err)
{
	const char *path = f->path;
	char *eq;
	int r;

	l = trim(l);
	if (!*l || *l == '#' || *l == ';')
		return 0;
	if (*l == '[') {
		char *end = strchr(l, ']'), *arg = NULL, *name;
		if (!end || end[1] != '\0')
			return fail(err, path, line, -EINVAL, "malformed section header '%s'", l);
		*end = '\0';
		name = trim(l + 1);
		char *sp = strpbrk(name, " \t");
		if (sp) {
			*sp = '\0';
			arg = trim(sp + 1);
			if (!*arg)
				arg = NULL;
		}
		if (!valid_name(name, false))
			return fail(err, path, line, -EINVAL, "invalid section name '%s'", name);
		if (arg && strlen(arg) > 255)
			return fail(err, path, line, -EINVAL, "section argument is too long");
		r = add_section(f, name, arg, line);
		return r < 0 ? fail(err, path, line, r, "out of memory") : 0;
	}
	eq = strchr(l, '=');
	if (!eq)
		return fail(err, path, line, -EINVAL, "expected Key=value or [Section], got '%.60s'", l);
	*eq = '\0';
	char *key = trim(l), *value = trim(eq + 1);
	if (!valid_name(key, true))
		return fail(err, path, line, -EINVAL, "invalid key name '%.60s'", key);
	if (f->nsections == 0)
		return fail(err, path, line, -EINVAL, "'%s=' appears before any [Section]", key);
	r = add_entry(f, key, value, line);
	if (r == -E2BIG)
		return fail(err, path, line, r, "more than %u entries", INI_ENTRIES_MAX);
	return r < 0 ? fail(err, path, line, r, "out of memory") : 0;
}

int ini_parse_buffer(const char *path, const char *buf, size_t len, struct ini_file *out,
		     struct ini_error *err)
{
	_cleanup_free_ char *logical = NULL;
	size_t llen = 0, pos = 0;
	unsigned lineno = 0, start_line = 0;
	bool continuing = false;
	int r = 0;

	memset(out, 0, sizeof(*out));
	out->path = strdup(path);
	if (!out->path)
		return -ENOMEM;
	if (len > INI_FILE_MAX)
		return fail(err, path, 0, -EFBIG, "file is larger than %u bytes", INI_FILE_MAX);
	if (memchr(buf, '\0', len))
		return fail(err, path, 0, -EINVAL, "file contains a NUL byte");
	logical = malloc(INI_LINE_MAX + 1);
	if (!logical)
		return -ENOMEM;

	while (pos < len && r == 0) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		const char *p = buf + pos;
		bool cont;

		lineno++;
		pos += n + (nl ? 1 : 0);
		while (n > 0 && (p[n - 1] == '\r'))
			n--;
		/* Comment lines inside a continuation are skipped, as systemd does. */
		if (continuing) {
			size_t k = 0;
			while (k < n && (p[k] == ' ' || p[k] == '\t'))
				k++;
			if (k < n && (p[k] == '#' || p[k] == ';'))
				continue;
		}
		cont = n > 0 && p[n - 1] == '\\';
		if (cont)
			n--;
		if (!continuing) {
			llen = 0;
			start_line = lineno;
		}
		if (llen + n + 1 > INI_LINE_MAX)
			return fail(err, path, start_line, -E2BIG, "line longer than %u bytes", INI_LINE_MAX);
		memcpy(logical + llen, p, n);
		llen += n;
		if (cont) {
			logical[llen++] = ' ';
			continuing = true;
			if (pos < len)
				continue;
		}
		continuing = false;
		logical[llen] = '\0';
		r = parse_line(out, logical, start_line, err);
	}
	if (r == 0 && continuing) {
		logical[llen] = '\0';
		r = parse_line(out, logical, start_line, err);
	}
	return r;
}

int ini_read_file(const char *path, char **out, size_t *len, struct ini_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, path, 0, -errno, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0)
		return fail(err, path, 0, -errno, "cannot stat: %s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(err, path, 0, -EINVAL, "not a regular file");
	if (st.st_size > (off_t)INI_FILE_MAX)
		return fail(err, path, 0, -EFBIG, "file is larger than %u bytes", INI_FILE_MAX);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	n = read_full(fd, buf, (size_t)st.st_size, 5000);
	if (n < 0)
		return fail(err, path, 0, (int)n, "cannot read: %s", strerror((int)-n));
	buf[n] = '\0';
	*out = steal_ptr(buf);
	*len = (size_t)n;
	return 0;
}

int ini_parse_file(const char *path, struct ini_file *out, struct ini_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = ini_read_file(path, &buf, &len, err);
	if (r < 0)
		return r;
	return ini_parse_buffer(path, buf, len, out, err);
}
