/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr. When stderr is connected to the journal (systemd sets
 * JOURNAL_STREAM), each line carries a "<N>" priority prefix that journald
 * understands; otherwise lines read "prog: message" for a terminal.
 *
 * The level comes from --log-level, else $VMSILO_LOG, else "info".
 */
#pragma once

#include <stdbool.h>

#include "macro.h"

enum log_level {
	LOG_LEVEL_ERROR = 3,
	LOG_LEVEL_WARN = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
	LOG_LEVEL_TRACE = 8,
};

/* Call once from main(). Reads $VMSILO_LOG; ignores bad values with a warning. */
void log_init(const char *program_name);
/*
 * Redirects log lines: the sink gets every enabled line and returns true when
 * it delivered it (else the line goes to stderr as usual). systemd generators
 * use this, as they have no useful stderr.
 */
typedef bool (*log_sink_fn)(enum log_level level, const char *msg);
void log_set_sink(log_sink_fn sink);
/* Returns 0, or -EINVAL for a name that is not error|warn|info|debug|trace. */
int log_set_level_name(const char *name);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
const char *log_program_name(void);
bool log_enabled(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) _printf_(2, 3);

/* Logs and returns -abs(err), so callers can write `return log_errno(r, "...")`. */
int log_errno_msg(enum log_level level, int err, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_enabled(LOG_LEVEL_DEBUG))                                                  \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);                                     \
	} while (0)
#define log_error_errno(err, ...) log_errno_msg(LOG_LEVEL_ERROR, (err), __VA_ARGS__)
#define log_warn_errno(err, ...) log_errno_msg(LOG_LEVEL_WARN, (err), __VA_ARGS__)
#define log_debug_errno(err, ...) log_errno_msg(LOG_LEVEL_DEBUG, (err), __VA_ARGS__)
