/* A loopback TCP proxy for tests that cuts connections: it relays to a
 * target port, and on every Nth connection closes both sides after
 * relaying K bytes of the answer.
 *   cutproxy LISTEN_PORT TARGET_PORT N K
 * It prints "ready" once listening and runs until killed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int
connect_to(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Relays between client c and server s; with cut > 0, stops after that
 * many bytes from the server. */
static void
relay(int c, int s, long cut)
{
	struct pollfd p[2] = {{c, POLLIN, 0}, {s, POLLIN, 0}};
	char buf[16384];
	long sent = 0;

	for (;;) {
		ssize_t n;

		if (poll(p, 2, 60000) <= 0)
			return;
		if (p[0].revents) {
			n = read(c, buf, sizeof(buf));
			if (n <= 0 || write(s, buf, (size_t)n) != n)
				return;
		}
		if (p[1].revents) {
			n = read(s, buf, sizeof(buf));
			if (n <= 0)
				return;
			if (cut > 0 && sent + n > cut)
				n = cut - sent;
			if (n > 0 && write(c, buf, (size_t)n) != n)
				return;
			sent += n;
			if (cut > 0 && sent >= cut)
				return;
		}
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	int l, one = 1, target, every;
	long cut, count = 0;

	if (argc != 5) {
		fputs("usage: cutproxy LISTEN_PORT TARGET_PORT N K\n", stderr);
		return 2;
	}
	target = atoi(argv[2]);
	every = atoi(argv[3]);
	cut = atol(argv[4]);
	signal(SIGCHLD, SIG_IGN);
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)atoi(argv[1]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 64)) {
		perror("cutproxy");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int c = accept(l, NULL, NULL), s;

		if (c < 0)
			continue;
		count++;
		if (fork() == 0) {
			close(l);
			s = connect_to(target);
			if (s >= 0)
				relay(c, s, every > 0 && count % every == 1 % every
						    ? cut
						    : 0);
			_exit(0);
		}
		close(c);
	}
}
