/* Logging: one line per event with level, time and, for sync jobs, the
 * environment, table and batch it concerns. */
#ifndef NR_LOG_H
#define NR_LOG_H

#include <stdbool.h>
#include <stdio.h>

#include "nr.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Where a job-scoped line comes from; any field may be NULL or 0. */
struct log_ctx {
	const char *env;
	const char *table;
	unsigned long long batch;
};

/* Sets the program name, minimum level, format (json or text) and the
 * stream (borrowed, default stderr). Lines written to a descriptor that
 * is not a terminal start with "<N>", N the syslog priority of the
 * level (debug 7, info 6, warn 4, error 3). */
void log_setup(const char *prog, enum log_level min, bool json, FILE *out);

/* Parses "debug", "info", "warn" or "error"; -1 for anything else. */
int log_level_parse(const char *s);

void log_msg(enum log_level lvl, const struct log_ctx *ctx, const char *fmt,
	     ...) NR_PRINTF(3, 4);

#define log_debug(...) log_msg(LOG_DEBUG, NULL, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, NULL, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, NULL, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, NULL, __VA_ARGS__)

#endif
