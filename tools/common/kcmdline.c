/* SPDX-License-Identifier: MIT */
#include "kcmdline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io.h"
#include "macro.h"

int kcmdline_set(struct kcmdline *k, const char *text, size_t n)
{
	if (n > KCMDLINE_MAX)
		return -E2BIG;
	memcpy(k->buf, text, n);
	for (size_t i = 0; i < n; i++)
		if (k->buf[i] == ' ' || k->buf[i] == '\t' || k->buf[i] == '\n')
			k->buf[i] = '\0';
	k->buf[n] = '\0';
	k->len = n;
	return 0;
}

int kcmdline_load(struct kcmdline *k, const char *path)
{
	char tmp[KCMDLINE_MAX + 2];
	ssize_t n;

	if (!path)
		path = getenv("VMSILO_KERNEL_CMDLINE");
	if (!path || !*path)
		path = "/proc/cmdline";
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read_full(fd, tmp, sizeof(tmp) - 1, 1000);
	if (n < 0)
		return (int)n;
	return kcmdline_set(k, tmp, (size_t)n);
}

const char *kcmdline_next(const struct kcmdline *k, const char *key, const char **cursor)
{
	size_t kl = strlen(key);
	const char *p = *cursor ? *cursor : k->buf, *end = k->buf + k->len;

	while (p < end) {
		const char *w = p;
		size_t wl = strlen(w);
		p = w + wl + 1;
		if (wl < kl || memcmp(w, key, kl) != 0)
			continue;
		if (w[kl] == '=' || w[kl] == '\0') {
			*cursor = p;
			return w[kl] == '=' ? w + kl + 1 : w + kl;
		}
	}
	*cursor = end;
	return NULL;
}

const char *kcmdline_get(const struct kcmdline *k, const char *key)
{
	const char *cur = NULL, *v, *last = NULL;

	while ((v = kcmdline_next(k, key, &cur)))
		last = v;
	return last;
}

bool kcmdline_has(const struct kcmdline *k, const char *key)
{
	return kcmdline_get(k, key) != NULL;
}

int kcmdline_bool(const struct kcmdline *k, const char *key, int def)
{
	static const char *const yes[] = { "", "1", "yes", "true", "on" }, *const no[] = { "0", "no", "false", "off" };
	const char *v = kcmdline_get(k, key);

	if (!v)
		return def;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (strcmp(v, yes[i]) == 0)
			return 1;
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (strcmp(v, no[i]) == 0)
			return 0;
	return -EINVAL;
}
