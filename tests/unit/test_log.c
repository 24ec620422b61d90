/* Unit tests of log.c: level names, the minimum level, text lines and
 * JSON lines (with the job context, escapes and UTC millisecond times),
 * messages cut to the line buffer, and the syslog priority prefixes on a
 * pipe but not on a terminal. */
#define _XOPEN_SOURCE 700 /* posix_openpt */
#include "tap.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "log.h"

static char *text;
static size_t size, taken;
static FILE *out;

static void
setup(void)
{
	taken = 0;
	out = open_memstream(&text, &size);
	ck_assert_ptr_nonnull(out);
}

static void
teardown(void)
{
	log_setup("nunez", LOG_INFO, false, NULL);
	fclose(out);
	free(text);
}

/* What was written since the last call, as a new string. */
static char *
written(void)
{
	char *s;

	fflush(out);
	s = strndup(text + taken, size - taken);
	taken = size;
	return s;
}

/* t is "YYYY-MM-DDTHH:MM:SS.mmmZ" within a few seconds of now. */
static void
ck_time(const char *t)
{
	struct tm tm = {0};
	time_t when, now = time(NULL);
	int ms = -1, n = 0;

	ck_assert_uint_eq(strlen(t), 24);
	ck_assert_int_eq(sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n",
				&tm.tm_year, &tm.tm_mon, &tm.tm_mday,
				&tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &n),
			 7);
	ck_assert_int_eq(n, 24);
	ck_assert(t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
		  t[16] == ':' && t[19] == '.');
	ck_assert_int_ge(ms, 0);
	ck_assert_int_le(ms, 999);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	when = timegm(&tm);
	ck_assert_int_le(when, now);
	ck_assert_int_ge(when, now - 5);
}

START_TEST(level_names)
{
	ck_assert_int_eq(log_level_parse("debug"), LOG_DEBUG);
	ck_assert_int_eq(log_level_parse("info"), LOG_INFO);
	ck_assert_int_eq(log_level_parse("warn"), LOG_WARN);
	ck_assert_int_eq(log_level_parse("error"), LOG_ERROR);
	ck_assert_int_eq(log_level_parse("warning"), -1);
	ck_assert_int_eq(log_level_parse("INFO"), -1);
	ck_assert_int_eq(log_level_parse("info "), -1);
	ck_assert_int_eq(log_level_parse(""), -1);
	ck_assert_int_eq(log_level_parse("fatal"), -1);
}
END_TEST

START_TEST(text_lines)
{
	struct log_ctx ctx = {"east", "orders", 42};
	struct log_ctx none = {NULL, NULL, 0};
	char want[128], *s;

	log_setup("sync_multi", LOG_INFO, false, out);
	log_msg(LOG_WARN, &ctx, "moved %d rows", 7);
	s = written();
	snprintf(want, sizeof(want),
		 " warn  sync_multi[%d] env=east "
		 "table=orders batch=42: moved 7 rows\n",
		 (int)getpid());
	ck_assert_uint_eq(strlen(s), 24 + strlen(want));
	ck_assert_str_eq(s + 24, want);
	s[24] = '\0';
	ck_time(s);
	free(s);
	/* No context, or an empty one: nothing of it. */
	log_info("plain");
	s = written();
	snprintf(want, sizeof(want), " info  sync_multi[%d]: plain\n",
		 (int)getpid());
	ck_assert_str_eq(s + 24, want);
	free(s);
	log_msg(LOG_ERROR, &none, "empty");
	s = written();
	snprintf(want, sizeof(want), " error sync_multi[%d]: empty\n",
		 (int)getpid());
	ck_assert_str_eq(s + 24, want);
	free(s);
	/* Only the table. */
	ctx.env = NULL;
	ctx.batch = 0;
	log_msg(LOG_INFO, &ctx, "x");
	s = written();
	ck_assert_ptr_nonnull(strstr(s, "] table=orders: x\n"));
	free(s);
}
END_TEST

START_TEST(below_the_minimum_nothing)
{
	char *s;

	log_setup("p", LOG_WARN, false, out);
	log_debug("d");
	log_info("i");
	s = written();
	ck_assert_str_eq(s, "");
	free(s);
	log_warn("w");
	log_error("e");
	s = written();
	ck_assert_ptr_nonnull(strstr(s, " warn  p["));
	ck_assert_ptr_nonnull(strstr(s, "]: w\n"));
	ck_assert_ptr_nonnull(strstr(s, " error p["));
	ck_assert_ptr_nonnull(strstr(s, "]: e\n"));
	ck_assert_ptr_null(strstr(s, "]: i\n"));
	free(s);
	log_setup("p", LOG_DEBUG, false, out);
	log_debug("d");
	s = written();
	ck_assert_ptr_nonnull(strstr(s, " debug p["));
	ck_assert_ptr_nonnull(strstr(s, "]: d\n"));
	free(s);
}
END_TEST

/* The one JSON line written since the last call, parsed. */
static json_object *
json_line(void)
{
	char *s = written();
	json_object *o;
	size_t n = strlen(s);

	ck_assert_uint_gt(n, 0);
	ck_assert_int_eq(s[n - 1], '\n');
	ck_assert_ptr_eq(strchr(s, '\n'), s + n - 1);
	o = json_tokener_parse(s);
	ck_assert_msg(o != NULL, "not JSON: %s", s);
	free(s);
	return o;
}

static const char *
field(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return json_object_get_string(v);
}

START_TEST(json_lines)
{
	struct log_ctx ctx = {"e\"a\\st", "t\x01", 18446744073709551615ULL};
	json_object *o, *v;

	log_setup("nunez-api", LOG_DEBUG, true, out);
	log_msg(LOG_DEBUG, &ctx, "say \"hi\"\\\n\tnow \x1f caf\xc3\xa9");
	o = json_line();
	ck_assert_int_eq(json_object_object_length(o), 8);
	ck_time(field(o, "time"));
	ck_assert_str_eq(field(o, "level"), "debug");
	ck_assert_str_eq(field(o, "prog"), "nunez-api");
	ck_assert(json_object_object_get_ex(o, "pid", &v));
	ck_assert(json_object_is_type(v, json_type_int));
	ck_assert_int_eq(json_object_get_int(v), (int)getpid());
	ck_assert_str_eq(field(o, "env"), "e\"a\\st");
	ck_assert_str_eq(field(o, "table"), "t\x01");
	ck_assert(json_object_object_get_ex(o, "batch", &v));
	ck_assert(json_object_get_uint64(v) == 18446744073709551615ULL);
	ck_assert_str_eq(field(o, "msg"),
			 "say \"hi\"\\\n\tnow \x1f caf\xc3\xa9");
	json_object_put(o);
	/* Without a context: only time, level, prog, pid and msg. */
	log_error("x");
	o = json_line();
	ck_assert_int_eq(json_object_object_length(o), 5);
	ck_assert_str_eq(field(o, "level"), "error");
	ck_assert_str_eq(field(o, "msg"), "x");
	ck_assert_ptr_null(field(o, "env"));
	ck_assert_ptr_null(field(o, "batch"));
	json_object_put(o);
}
END_TEST

START_TEST(long_messages_are_cut)
{
	char *big = malloc(5000), *s;

	memset(big, 'm', 4999);
	big[4999] = '\0';
	log_setup("p", LOG_INFO, false, out);
	log_info("%s", big);
	s = written();
	ck_assert_uint_eq(strlen(strstr(s, "]: ") + 3), 2047 + 1);
	free(s);
	free(big);
}
END_TEST

/* Reads what the pipe's read end rd holds now (at most 4 KiB). */
static char *
drain(int rd)
{
	char *s = calloc(1, 4097);
	ssize_t n;

	ck_assert_ptr_nonnull(s);
	n = read(rd, s, 4096);
	ck_assert_int_gt(n, 0);
	return s;
}

START_TEST(priority_prefixes_on_a_pipe)
{
	static const char *const want[] = {"<7>", "<6>", "<4>", "<3>"};
	int fds[2], lvl;
	FILE *w;
	char *s;

	ck_assert_int_eq(pipe(fds), 0);
	w = fdopen(fds[1], "w");
	ck_assert_ptr_nonnull(w);
	for (lvl = LOG_DEBUG; lvl <= LOG_ERROR; lvl++) {
		/* Text, then JSON: each line starts with its priority. */
		log_setup("p", LOG_DEBUG, false, w);
		log_msg((enum log_level)lvl, NULL, "t");
		s = drain(fds[0]);
		ck_assert_msg(strncmp(s, want[lvl], 3) == 0, "%s", s);
		ck_assert_int_eq(s[3], '2'); /* the year follows */
		ck_assert_ptr_nonnull(strstr(s, "]: t\n"));
		free(s);
		log_setup("p", LOG_DEBUG, true, w);
		log_msg((enum log_level)lvl, NULL, "j");
		s = drain(fds[0]);
		ck_assert_msg(strncmp(s, want[lvl], 3) == 0, "%s", s);
		ck_assert_int_eq(s[3], '{');
		free(s);
	}
	log_setup("nunez", LOG_INFO, false, NULL);
	fclose(w);
	close(fds[0]);
}
END_TEST

START_TEST(no_prefix_on_a_terminal)
{
	int master, slave, n;
	char buf[512] = {0};
	FILE *w;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	ck_assert(isatty(slave));
	w = fdopen(slave, "w");
	ck_assert_ptr_nonnull(w);
	log_setup("p", LOG_INFO, false, w);
	log_warn("on a terminal");
	n = (int)read(master, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(buf[0] == '2', "%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "]: on a terminal"));
	log_setup("nunez", LOG_INFO, false, NULL);
	fclose(w);
	close(master);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, level_names);
	tcase_add_test(tc, text_lines);
	tcase_add_test(tc, below_the_minimum_nothing);
	tcase_add_test(tc, json_lines);
	tcase_add_test(tc, long_messages_are_cut);
	tcase_add_test(tc, priority_prefixes_on_a_pipe);
	tcase_add_test(tc, no_prefix_on_a_terminal);
	suite_add_tcase(s, tc);
	return tap_run(s);
}
