/* The baseline of the request-rate benchmark: a FastCGI responder that
 * answers every request with a fixed small JSON body, in as many
 * processes as nunez-api has workers.
 *   trivial_fcgi SOCKET WORKERS */
#include <fcgiapp.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	FCGX_Request r;
	int fd, i;

	if (argc != 3)
		return 2;
	FCGX_Init();
	fd = FCGX_OpenSocket(argv[1], 128);
	if (fd < 0)
		return 1;
	for (i = 1; i < atoi(argv[2]); i++)
		if (fork() == 0)
			break;
	FCGX_InitRequest(&r, fd, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\n"
			  "\r\n{\"success\":true,\"changes\":[]}\n", r.out);
		FCGX_Finish_r(&r);
	}
	return 0;
}
