/* A loopback HTTP server that answers /api/metadata and /api/pull as a
 * misbehaving remote would, for tests of what sync_multi trusts.
 *   hostile PORT MODE
 * MODE is one of:
 *   stall       every pull: no changes, the same next_cursor, has_more
 *   empty       every pull: no changes, a next_cursor one further, has_more
 *   huge        a 100 MB answer with its Content-Length
 *   huge-close  a 100 MB answer without one (read until the close)
 *   bomb        30 MB of empty objects in the changes
 *   badcursor   a next_cursor that is not a cursor
 *   nocursor    an empty next_cursor (from the start again)
 * Each connection gets one answer and is closed. It prints "ready" once
 * listening, then one line per request ("GET /api/pull?..."), and runs
 * until killed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BIG (100L << 20)
#define BOMB (30L << 20)

static const char *mode;
static unsigned long pulls;

/* base64url without padding of n bytes of in into out. */
static void
b64url(const char *in, size_t n, char *out)
{
	static const char t[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
	    "wxyz0123456789-_";
	size_t i;
	char *o = out;

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		*o++ = t[v >> 18 & 63];
		*o++ = t[v >> 12 & 63];
		if (i + 1 < n)
			*o++ = t[v >> 6 & 63];
		if (i + 2 < n)
			*o++ = t[v & 63];
	}
	*o = '\0';
}

/* The token of a cursor at seq high with no gaps. */
static void
token(unsigned long high, char *out)
{
	char json[64];

	snprintf(json, sizeof(json), "{\"v\":1,\"h\":%lu,\"g\":[]}", high);
	b64url(json, strlen(json), out);
}

static int
put(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
head(int fd, long len)
{
	char h[256];

	if (len >= 0)
		snprintf(h, sizeof(h),
			 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			 "Content-Length: %ld\r\nConnection: close\r\n\r\n",
			 len);
	else
		snprintf(h, sizeof(h),
			 "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
			 "Connection: close\r\n\r\n");
	put(fd, h, strlen(h));
}

static void
answer(int fd, const char *text)
{
	head(fd, (long)strlen(text));
	put(fd, text, strlen(text));
}

/* A JSON answer of n bytes: {"success":true,...,"pad":"aaa..."} or,
 * bomb, {"success":true,"changes":[{},{},...]}. */
static void
big(int fd, long n, int with_length, int bomb)
{
	const char *open = bomb ? "{\"success\":true,\"changes\":["
				: "{\"success\":true,\"pad\":\"";
	const char *close = bomb ? "{}]}" : "\"}";
	char chunk[65535];
	long left = n - (long)strlen(open) - (long)strlen(close);
	size_t i;

	for (i = 0; i < sizeof(chunk); i++)
		chunk[i] = bomb ? "{},"[i % 3] : 'a';
	head(fd, with_length ? n : -1);
	if (put(fd, open, strlen(open)) != 0)
		return;
	while (left > 0) {
		size_t k = left > (long)sizeof(chunk) ? sizeof(chunk)
						      : (size_t)left;

		if (put(fd, chunk, k) != 0)
			return;
		left -= (long)k;
	}
	put(fd, close, strlen(close));
}

static void
pull(int fd)
{
	char text[512], next[128];

	pulls++;
	if (strcmp(mode, "huge") == 0 || strcmp(mode, "huge-close") == 0) {
		big(fd, BIG, strcmp(mode, "huge") == 0, 0);
		return;
	}
	if (strcmp(mode, "bomb") == 0) {
		big(fd, BOMB, 1, 1);
		return;
	}
	if (strcmp(mode, "badcursor") == 0)
		snprintf(next, sizeof(next), "!!!");
	else if (strcmp(mode, "nocursor") == 0)
		next[0] = '\0';
	else
		token(strcmp(mode, "empty") == 0 ? pulls : 7, next);
	snprintf(text, sizeof(text),
		 "{\"success\":true,\"table\":\"users\",\"changes\":[],"
		 "\"next_cursor\":\"%s\",\"has_more\":%s,\"seen\":null,"
		 "\"data\":[]}",
		 next,
		 strcmp(mode, "badcursor") == 0 || strcmp(mode, "nocursor") == 0
		     ? "false"
		     : "true");
	answer(fd, text);
}

static void
serve(int fd)
{
	char req[8192], *eol;
	size_t n = 0;
	struct pollfd p = {fd, POLLIN, 0};

	while (n < sizeof(req) - 1 && poll(&p, 1, 10000) > 0) {
		ssize_t r = read(fd, req + n, sizeof(req) - 1 - n);

		if (r <= 0)
			break;
		n += (size_t)r;
		req[n] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[n] = '\0';
	eol = strstr(req, " HTTP/");
	if (eol == NULL)
		return;
	*eol = '\0';
	printf("%s\n", req);
	fflush(stdout);
	if (strncmp(req, "GET /api/pull", 13) == 0)
		pull(fd);
	else if (strncmp(req, "GET /api/metadata", 17) == 0)
		answer(fd, "{\"success\":true,\"table\":\"users\","
			   "\"metadata\":{\"peer_cursor\":null}}");
	else
		answer(fd,
		       "{\"success\":false,\"error\":{\"code\":\"not_found\","
		       "\"message\":\"no such endpoint\"}}");
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	int one = 1, s;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile PORT MODE\n");
		return 2;
	}
	mode = argv[2];
	signal(SIGPIPE, SIG_IGN);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    listen(s, 16) != 0) {
		perror("hostile");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		serve(c);
		shutdown(c, SHUT_WR);
		close(c);
	}
}
