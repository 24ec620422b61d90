/* Logging to a stream, as text or JSON lines. A line that goes to a file
 * or a pipe rather than a terminal starts with its syslog priority,
 * "<N>" (sd-daemon(3)): journald reads it as the line's priority. */
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *names[] = {"debug", "info", "warn", "error"};

/* syslog(3) priorities of the levels: LOG_DEBUG, LOG_INFO, LOG_WARNING,
 * LOG_ERR (numbers, for syslog.h's names clash with ours). */
static const int priorities[] = {7, 6, 4, 3};

static struct {
	const char *prog;
	enum log_level min;
	bool json;
	FILE *out;
} L = {"nunez", LOG_INFO, false, NULL};

void
log_setup(const char *prog, enum log_level min, bool json, FILE *out)
{
	L.prog = prog;
	L.min = min;
	L.json = json;
	L.out = out;
}

int
log_level_parse(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

/* Writes s as the body of a JSON string. */
static void
json_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

void
log_msg(enum log_level lvl, const struct log_ctx *ctx, const char *fmt, ...)
{
	FILE *f = L.out != NULL ? L.out : stderr;
	char msg[2048], ts[40];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	if (lvl < L.min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* A stream with no descriptor (in memory) is no stderr. */
	if (fileno(f) >= 0 && !isatty(fileno(f)))
		fprintf(f, "<%d>", priorities[lvl]);
	if (L.json) {
		fprintf(f,
			"{\"time\":\"%s.%03ldZ\",\"level\":\"%s\","
			"\"prog\":\"%s\",\"pid\":%d",
			ts, (long)tv.tv_usec / 1000, names[lvl], L.prog,
			(int)getpid());
		if (ctx != NULL && ctx->env != NULL) {
			fputs(",\"env\":\"", f);
			json_str(f, ctx->env);
			fputc('"', f);
		}
		if (ctx != NULL && ctx->table != NULL) {
			fputs(",\"table\":\"", f);
			json_str(f, ctx->table);
			fputc('"', f);
		}
		if (ctx != NULL && ctx->batch != 0)
			fprintf(f, ",\"batch\":%llu", ctx->batch);
		fputs(",\"msg\":\"", f);
		json_str(f, msg);
		fputs("\"}\n", f);
	} else {
		fprintf(f, "%s.%03ldZ %-5s %s[%d]", ts, (long)tv.tv_usec / 1000,
			names[lvl], L.prog, (int)getpid());
		if (ctx != NULL && ctx->env != NULL)
			fprintf(f, " env=%s", ctx->env);
		if (ctx != NULL && ctx->table != NULL)
			fprintf(f, " table=%s", ctx->table);
		if (ctx != NULL && ctx->batch != 0)
			fprintf(f, " batch=%llu", ctx->batch);
		fprintf(f, ": %s\n", msg);
	}
	fflush(f);
}
