/* SPDX-License-Identifier: MIT */
#include "templates.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *template_find(const char *name)
{
	for (const struct unit_template *t = unit_templates; t->name; t++)
		if (strcmp(t->name, name) == 0)
			return t->text;
	return NULL;
}

int tvars_set(struct tvars *t, const char *name, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0) {
			free(t->v[i].value);
			t->v[i].value = copy;
			return 0;
		}
	if (t->n == TVARS_MAX) {
		free(copy);
		return -E2BIG;
	}
	t->v[t->n].name = name;
	t->v[t->n++].value = copy;
	return 0;
}

int tvars_setf(struct tvars *t, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	r = tvars_set(t, name, s);
	free(s);
	return r;
}

void tvars_free(struct tvars *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].value);
	t->n = 0;
}

static const char *lookup(const struct tvars *t, const char *name, size_t len)
{
	for (size_t i = 0; i < t->n; i++)
		if (strlen(t->v[i].name) == len && memcmp(t->v[i].name, name, len) == 0)
			return t->v[i].value;
	return NULL;
}

static int placeholder_len(const char *p)
{
	/* p points after '@': NAME is [A-Z0-9_]+ followed by '@' */
	int n = 0;
	while ((p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
		n++;
	return n > 0 && p[n] == '@' ? n : -1;
}

int template_render(const char *tpl, const struct tvars *vars, FILE *out, char *err, size_t errlen)
{
	const char *line = tpl;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		int n;

		/* A line that is one placeholder: drop it when empty. */
		if (len > 2 && line[0] == '@' && (n = placeholder_len(line + 1)) == (int)len - 2) {
			const char *v = lookup(vars, line + 1, (size_t)n);
			if (!v) {
				snprintf(err, errlen, "template uses unknown @%.*s@", n, line + 1);
				return -EINVAL;
			}
			if (*v)
				fprintf(out, "%s\n", v);
		} else {
			for (size_t i = 0; i < len; i++) {
				if (line[i] == '@' && (n = placeholder_len(line + i + 1)) > 0) {
					const char *v = lookup(vars, line + i + 1, (size_t)n);
					if (!v) {
						snprintf(err, errlen, "template uses unknown @%.*s@", n, line + i + 1);
						return -EINVAL;
					}
					fputs(v, out);
					i += (size_t)n + 1;
				} else
					fputc(line[i], out);
			}
			fputc('\n', out);
		}
		line += len + (end ? 1 : 0);
	}
	return ferror(out) ? -EIO : 0;
}
