/* SPDX-License-Identifier: MIT */
/* Host memory inputs; see hoststat.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoststat.h"
#include "io.h"
#include "macro.h"

/* Finds "<key>" at a line start and parses the unsigned number after it. */
static int find_kb(const char *text, const char *key, uint64_t *out)
{
	size_t klen = strlen(key);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, key, klen)) {
			char *end;
			unsigned long long v;
			p += klen;
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p < '0' || *p > '9')
				return -EINVAL;
			errno = 0;
			v = strtoull(p, &end, 10);
			if (errno || v > (1ull << 44) || strncmp(end, " kB", 3))
				return -EINVAL;
			*out = v * 1024;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -EINVAL;
}

int hoststat_parse_meminfo(const char *text, size_t n, struct hoststat *st)
{
	_cleanup_free_ char *s = strndup(text, n);

	if (!s)
		return -ENOMEM;
	if (find_kb(s, "MemTotal:", &st->total) < 0 || find_kb(s, "MemAvailable:", &st->available) < 0)
		return -EINVAL;
	if (st->total == 0 || st->available > st->total)
		return -EINVAL;
	return 0;
}

static int parse_psi_line(const char *line, double *avg10, uint64_t *total)
{
	double a10, a60, a300;
	unsigned long long t;

	if (sscanf(line, "avg10=%lf avg60=%lf avg300=%lf total=%llu", &a10, &a60, &a300, &t) != 4)
		return -EINVAL;
	if (!(a10 >= 0.0 && a10 <= 100.0))
		return -EINVAL;
	*avg10 = a10;
	if (total)
		*total = t;
	return 0;
}

int hoststat_parse_psi(const char *text, size_t n, struct hoststat *st)
{
	_cleanup_free_ char *s = strndup(text, n);
	bool some = false;

	if (!s)
		return -ENOMEM;
	st->psi_full_avg10 = 0;
	for (char *line = s, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, "some ", 5)) {
			if (parse_psi_line(line + 5, &st->psi_some_avg10, &st->psi_some_total_us) < 0)
				return -EINVAL;
			some = true;
		} else if (!strncmp(line, "full ", 5)) {
			if (parse_psi_line(line + 5, &st->psi_full_avg10, NULL) < 0)
				return -EINVAL;
		}
	}
	return some ? 0 : -EINVAL;
}

static int read_small_file(const char *path, char *buf, size_t max, size_t *n)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return -errno;
	r = read_full(fd, buf, max, 1000);
	if (r < 0)
		return (int)r;
	*n = (size_t)r;
	return 0;
}

int hoststat_read(const char *meminfo_path, const char *psi_path, struct hoststat *st, char *err, size_t errlen)
{
	char buf[HOSTSTAT_FILE_MAX];
	size_t n;
	int r;

	*st = (struct hoststat){ 0 };
	r = read_small_file(meminfo_path, buf, sizeof(buf), &n);
	if (r < 0) {
		snprintf(err, errlen, "reading %s: %s", meminfo_path, strerror(-r));
		return r;
	}
	if (hoststat_parse_meminfo(buf, n, st) < 0) {
		snprintf(err, errlen, "%s lacks valid MemTotal/MemAvailable lines", meminfo_path);
		return -EINVAL;
	}
	r = read_small_file(psi_path, buf, sizeof(buf), &n);
	if (r == -ENOENT || r == -EOPNOTSUPP)
		return 0; /* no PSI: pressure reads as zero */
	if (r < 0) {
		snprintf(err, errlen, "reading %s: %s", psi_path, strerror(-r));
		return r;
	}
	if (hoststat_parse_psi(buf, n, st) < 0) {
		snprintf(err, errlen, "%s is not in the PSI format", psi_path);
		return -EINVAL;
	}
	return 0;
}
