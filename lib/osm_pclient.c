/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_pclient - send requests to osm-policyd; see osm_pclient.h.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_pclient.h"

int
osm_pclient_connect(const struct osm_cfg *cfg)
{
	const struct osm_listen *l = &cfg->listen[0];
	int	fd = -1;

	if (l->kind == OSM_LISTEN_UNIX) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", l->path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
	} else {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
		char	port[16];

		snprintf(port, sizeof(port), "%u", l->port);
		if (getaddrinfo(l->host, port, &hints, &ai) != 0)
			return -1;
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
	}
	return fd;
}

int
osm_pclient_send(int fd, const struct osm_buf *out, int nreq, int timeout_ms, int *deferred)
{
	static const char defer[] = "action=DEFER";
	const char *p = osm_buf_data(out);
	size_t	left = osm_buf_len(out), at = 0;	/* bytes into this reply */
	char	buf[8192];
	int	got = 0, nl = 0, match = 1, ndefer = 0;

	/* write and read together: a big batch's replies would otherwise fill
	 * the socket while we still write, and both sides would wait */
	while (got < nreq) {
		struct pollfd pfd = {fd, POLLIN | (left ? POLLOUT : 0), 0};
		ssize_t	n;

		if (poll(&pfd, 1, timeout_ms) <= 0)
			return -1;
		if (left && (pfd.revents & POLLOUT)) {
			n = send(fd, p, left, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return -1;
			if (n > 0)
				p += n, left -= (size_t) n;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			return -1;
		/* a reply is "action=...\n\n": count empty lines, and the
		 * replies that begin with "action=DEFER" followed by a blank or
		 * the end of the line */
		for (ssize_t i = 0; i < n; i++, at++) {
			if (at < sizeof(defer) - 1)
				match = match && buf[i] == defer[at];
			else if (at == sizeof(defer) - 1 && match && (buf[i] == ' ' || buf[i] == '\n'))
				ndefer++;
			if (buf[i] == '\n' && nl) {
				got++;
				at = (size_t) -1;	/* 0 at the next byte */
				match = 1;
			}
			nl = buf[i] == '\n';
		}
	}
	if (deferred)
		*deferred = ndefer;
	return left ? -1 : 0;
}
