/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dunno-server - the reference for bench/run.sh: a policy server that
 * does nothing but answer "action=DUNNO" to every request it reads.
 *
 *   dunno-server PORT SOCKET-PATH
 *
 * Listens on 127.0.0.1:PORT and on the unix socket SOCKET-PATH; one
 * thread, epoll, one read and at most one write per wakeup of a client,
 * asleep in epoll_wait between requests.  What the load generator
 * measures against it is what this machine's sockets, scheduler and the
 * load generator itself cost a server that does no work; one that polls
 * instead of sleeping (osm-policyd, busy_poll_us) passes it at one
 * connection.  Not installed, never run as a test.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char ds_reply[] = "action=DUNNO\n\n";

static int
ds_listen(int domain, const struct sockaddr *sa, socklen_t len)
{
	int	fd = socket(domain, SOCK_STREAM | SOCK_NONBLOCK, 0), on = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, sa, len) < 0 || listen(fd, 1024) < 0)
		return -1;
	return fd;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct epoll_event ev = {.events = EPOLLIN}, evs[256];
	static char buf[65536], out[sizeof(buf) / 2 * (sizeof(ds_reply) - 1)];
	int	lfd[2], ep, on = 1;

	if (argc != 3 || strlen(argv[2]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: dunno-server PORT SOCKET-PATH\n");
		return 2;
	}
	sin.sin_port = htons((unsigned short) atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	strcpy(sun.sun_path, argv[2]);
	unlink(argv[2]);
	lfd[0] = ds_listen(AF_INET, (struct sockaddr *) &sin, sizeof(sin));
	lfd[1] = ds_listen(AF_UNIX, (struct sockaddr *) &sun, sizeof(sun));
	if (lfd[0] < 0 || lfd[1] < 0 || (ep = epoll_create1(0)) < 0) {
		perror("dunno-server");
		return 1;
	}
	for (int i = 0; i < 2; i++) {
		ev.data.fd = lfd[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, lfd[i], &ev);
	}
	for (;;) {
		int	n = epoll_wait(ep, evs, 256, -1);

		for (int i = 0; i < n; i++) {
			int	fd = evs[i].data.fd;
			ssize_t	r;
			size_t	o = 0;

			if (fd == lfd[0] || fd == lfd[1]) {
				int	c = accept4(fd, NULL, NULL, SOCK_NONBLOCK);

				if (c < 0)
					continue;
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			if ((r = read(fd, buf, sizeof(buf))) <= 0) {
				close(fd);
				continue;
			}
			/* A request ends with an empty line; requests never span
			 * reads here, since the load generator waits for each reply. */
			for (ssize_t j = 1; j < r; j++)
				if (buf[j] == '\n' && buf[j - 1] == '\n') {
					memcpy(out + o, ds_reply, sizeof(ds_reply) - 1);
					o += sizeof(ds_reply) - 1;
				}
			if (o > 0 && write(fd, out, o) < 0)
				close(fd);
		}
	}
}
