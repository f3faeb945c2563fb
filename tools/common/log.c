/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *program = "vmsilo";
static enum log_level max_level = LOG_LEVEL_INFO;
static bool to_journal;
static log_sink_fn sink;

static const struct {
	const char *name;
	enum log_level level;
} level_names[] = {
	{ "error", LOG_LEVEL_ERROR }, { "warn", LOG_LEVEL_WARN },   { "warning", LOG_LEVEL_WARN },
	{ "info", LOG_LEVEL_INFO },   { "debug", LOG_LEVEL_DEBUG }, { "trace", LOG_LEVEL_TRACE },
};

static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(const char *program_name)
{
	const char *slash = strrchr(program_name, '/');
	const char *env = getenv("VMSILO_LOG");

	program = slash ? slash + 1 : program_name;
	to_journal = stderr_is_journal();
	if (env && *env && log_set_level_name(env) < 0)
		log_warn("ignoring VMSILO_LOG=%s: expected error, warn, info, debug or trace", env);
}

int log_set_level_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcmp(name, level_names[i].name) == 0) {
			max_level = level_names[i].level;
			return 0;
		}
	return -EINVAL;
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_level(void)
{
	return max_level;
}

const char *log_program_name(void)
{
	return program;
}

bool log_enabled(enum log_level level)
{
	return level <= max_level;
}

void log_set_sink(log_sink_fn fn)
{
	sink = fn;
}

static void log_emit(enum log_level level, const char *msg)
{
	if (sink && sink(level, msg))
		return;
	/* One fprintf per line, so concurrent writers do not interleave mid-line. */
	if (to_journal)
		fprintf(stderr, "<%d>%s\n", level > LOG_LEVEL_DEBUG ? LOG_LEVEL_DEBUG : (int)level, msg);
	else
		fprintf(stderr, "%s: %s\n", program, msg);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int saved = errno;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_emit(level, buf);
	errno = saved;
}

int log_errno_msg(enum log_level level, int err, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (err < 0)
		err = -err;
	if (log_enabled(level)) {
		size_t n;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, ": %s", strerror(err));
		log_emit(level, buf);
	}
	return -err;
}
