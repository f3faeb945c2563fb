/* SPDX-License-Identifier: MIT */
/* Unit templates (units/NAME.in) compiled into the generator, and their expansion. */
#pragma once

#include <stddef.h>
#include <stdio.h>

struct unit_template {
	const char *name; /* e.g. "vm.service" */
	const char *text;
};

extern const struct unit_template unit_templates[];

const char *template_find(const char *name);

struct tvar {
	const char *name;
	char *value; /* owned; may span lines */
};

#define TVARS_MAX 64

struct tvars {
	struct tvar v[TVARS_MAX];
	size_t n;
};

/* Sets (or replaces) a variable; the value is copied. Returns 0 or -ENOMEM/-E2BIG. */
int tvars_set(struct tvars *t, const char *name, const char *value);
int tvars_setf(struct tvars *t, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tvars_free(struct tvars *t);

/*
 * Writes tpl with every @NAME@ replaced. A placeholder alone on its line whose
 * value is empty removes the line. An unknown placeholder is an error
 * (-EINVAL, the name in err): templates and generator must agree.
 */
int template_render(const char *tpl, const struct tvars *vars, FILE *out, char *err, size_t errlen);
