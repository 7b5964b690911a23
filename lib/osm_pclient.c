/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_pclient - send requests to osm-policyd; see osm_pclient.h.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_pclient.h"

/* osm_pclient_dial - a connection to PATH, or to HOST:PORT (no Nagle:
 * a request waits for its answer) */
static int
osm_pclient_dial(const char *path, const char *host, unsigned port)
{
	int	fd = -1, on = 1;

	if (path) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};

		if (strlen(path) >= sizeof(sun.sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(sun.sun_path, path, strlen(path));
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
	} else {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
		char	portstr[16];

		snprintf(portstr, sizeof(portstr), "%u", port);
		if (getaddrinfo(host, portstr, &hints, &ai) != 0) {
			errno = EHOSTUNREACH;
			return -1;
		}
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
		if (fd >= 0)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	}
	return fd;
}

int
osm_pclient_connect(const struct osm_cfg *cfg)
{
	const struct osm_listen *l = &cfg->listen[0];

	return l->kind == OSM_LISTEN_UNIX ? osm_pclient_dial(l->path, NULL, 0)
	    : osm_pclient_dial(NULL, l->host, l->port);
}

int
osm_pclient_open(const char *addr)
{
	char	host[256];
	const char *colon;
	size_t	hl;

	if (strncmp(addr, "unix:", 5) == 0)
		return osm_pclient_dial(addr + 5, NULL, 0);
	if (strncmp(addr, "inet:", 5) != 0 || (colon = strrchr(addr + 5, ':')) == NULL
	    || (hl = (size_t) (colon - addr - 5)) == 0 || hl >= sizeof(host)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(host, addr + 5, hl);
	host[hl] = 0;
	if (host[0] == '[' && host[hl - 1] == ']') {	/* inet:[::1]:10031 */
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	return osm_pclient_dial(NULL, host, (unsigned) strtoul(colon + 1, NULL, 10));
}

/* osm_pclient_reply - the length of the whole reply at buf, or 0 */
size_t
osm_pclient_reply(const char *buf, size_t len)
{
	const char *end = memmem(buf, len, "\n\n", 2);

	return end ? (size_t) (end - buf) + 2 : 0;
}

/* osm_pclient_action - is the reply "action=ACTION" followed by a blank or the line's end */
int
osm_pclient_action(const char *reply, size_t len, const char *action)
{
	size_t	n = strlen(action);

	return len > 7 + n && strncmp(reply, "action=", 7) == 0 && strncasecmp(reply + 7, action, n) == 0
		&& (reply[7 + n] == ' ' || reply[7 + n] == '\n');
}

int
osm_pclient_send(int fd, const struct osm_buf *out, int nreq, int timeout_ms, int *deferred)
{
	const char *p = osm_buf_data(out);
	size_t	left = osm_buf_len(out), have = 0;
	char	buf[8192];
	int	got = 0, ndefer = 0;

	/* write and read together: a big batch's replies would otherwise fill
	 * the socket while we still write, and both sides would wait */
	while (got < nreq) {
		struct pollfd pfd = {fd, POLLIN | (left ? POLLOUT : 0), 0};
		size_t	off = 0, r;
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
		if ((n = read(fd, buf + have, sizeof(buf) - have)) <= 0)
			return -1;
		have += (size_t) n;
		while ((r = osm_pclient_reply(buf + off, have - off)) > 0) {
			ndefer += osm_pclient_action(buf + off, r, "DEFER");
			got++;
			off += r;
		}
		if (off == 0 && have == sizeof(buf))
			return -1;	/* no reply osm-policyd writes is this long */
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	if (deferred)
		*deferred = ndefer;
	return left ? -1 : 0;
}
