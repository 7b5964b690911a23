/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oe_query - policy protocol client for the exim module; see oe_query.h.
 *
 * Everything runs inside an exim process, so the rules are strict: one
 * CLOCK_MONOTONIC deadline per call enforced with poll() (never alarm():
 * exim owns SIGALRM), MSG_NOSIGNAL on every send, SOCK_CLOEXEC on the
 * socket, fixed-size buffers, and no exit on any error.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "oe_query.h"
#include "osm_proto.h"

#define OE_DEFAULT_SOCKET	"/run/osm/policyd.sock"
#define OE_DEFAULT_TIMEOUT	250

static int oe_fd = -1;			/* the connection kept between calls */
static pid_t oe_fd_pid;			/* ... by this process */
static char oe_fd_path[108];		/* ... to this socket */

int
oe_opts_parse(const char *text, struct oe_opts *o, char *err, size_t errlen)
{
	const char *p = text ? text : "";

	snprintf(o->socket, sizeof(o->socket), "%s", OE_DEFAULT_SOCKET);
	o->timeout_ms = OE_DEFAULT_TIMEOUT;
	o->fail_defer = 0;
	while (*p) {
		char	word[256];
		size_t	n = strcspn(p, " \t,");

		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(word)) {
			snprintf(err, errlen, "option too long: %.40s...", p);
			return -1;
		}
		memcpy(word, p, n);
		word[n] = 0;
		p += n;
		if (strncmp(word, "socket=", 7) == 0) {
			if (word[7] != '/' || strlen(word + 7) >= sizeof(o->socket)) {
				snprintf(err, errlen, "socket= needs an absolute path shorter than %zu bytes",
					 sizeof(o->socket));
				return -1;
			}
			snprintf(o->socket, sizeof(o->socket), "%s", word + 7);
		} else if (strncmp(word, "timeout=", 8) == 0) {
			char   *end;
			long	v = strtol(word + 8, &end, 10);

			if (end == word + 8 || *end || v < 10 || v > 10000) {
				snprintf(err, errlen, "timeout= wants milliseconds from 10 to 10000, not '%.20s'", word + 8);
				return -1;
			}
			o->timeout_ms = (int) v;
		} else if (strcmp(word, "fail=accept") == 0)
			o->fail_defer = 0;
		else if (strcmp(word, "fail=defer") == 0)
			o->fail_defer = 1;
		else {
			snprintf(err, errlen, "unknown option '%.40s' (want socket=, timeout=, fail=accept|defer)", word);
			return -1;
		}
	}
	return 0;
}

void
oe_req_init(struct oe_req *r)
{
	r->len = 0;
	r->buf[0] = 0;
}

void
oe_req_add(struct oe_req *r, const char *name, const char *value)
{
	size_t	nl, vl, need;

	if (value == NULL)
		return;
	nl = strlen(name);
	vl = strnlen(value, OE_VALUE_MAX);
	need = nl + 1 + vl + 1;
	if (r->len + need + 2 > sizeof(r->buf))	/* keep room for the final empty line */
		return;
	memcpy(r->buf + r->len, name, nl);
	r->buf[r->len + nl] = '=';
	for (size_t i = 0; i < vl; i++)
		r->buf[r->len + nl + 1 + i] = osm_proto_value_char((unsigned char) value[i]);
	r->buf[r->len + nl + 1 + vl] = '\n';
	r->len += need;
	r->buf[r->len] = 0;
}

const char *
oe_verdict_name(enum oe_verdict v)
{
	switch (v) {
	case OE_ACCEPT:
		return "accept";
	case OE_HOLD:
		return "hold";
	case OE_DISCARD:
		return "discard";
	case OE_DEFER:
		return "defer";
	default:
		return "error";
	}
}

enum oe_verdict
oe_reply_parse(const char *buf, size_t len, char *text, size_t textlen)
{
	static const struct {
		const char *word;
		enum oe_verdict v;
	} words[] = {
		{"DUNNO", OE_ACCEPT}, {"OK", OE_ACCEPT}, {"HOLD", OE_HOLD},
		{"DISCARD", OE_DISCARD}, {"DEFER", OE_DEFER}, {"DEFER_IF_PERMIT", OE_DEFER},
	};
	const char *end = memchr(buf, '\n', len);
	size_t	wl;

	if (textlen)
		text[0] = 0;
	if (end == NULL || (size_t) (end - buf) < 8 || memcmp(buf, "action=", 7) != 0)
		return OE_ERROR;
	buf += 7;
	wl = strcspn(buf, " \t\n");
	if (buf + wl > end)
		return OE_ERROR;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strlen(words[i].word) == wl && strncasecmp(buf, words[i].word, wl) == 0) {
			const char *t = buf + wl;
			size_t	n;

			while (t < end && (*t == ' ' || *t == '\t'))
				t++;
			n = (size_t) (end - t);
			if (textlen) {
				if (n >= textlen)
					n = textlen - 1;
				for (size_t k = 0; k < n; k++)
					text[k] = isprint((unsigned char) t[k]) ? t[k] : '?';
				text[n] = 0;
			}
			return words[i].v;
		}
	}
	return OE_ERROR;
}

long long
oe_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* oe_wait - poll one fd for EV until the deadline; 0 ready, -1 timeout or error */
static int
oe_wait(int fd, short ev, long long deadline)
{
	for (;;) {
		long long left = deadline - oe_now();
		struct pollfd p = {fd, ev, 0};
		int	r;

		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int) left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

static void
oe_close(void)
{
	if (oe_fd >= 0)
		close(oe_fd);
	oe_fd = -1;
}

static int
oe_connect(const struct oe_opts *o, long long deadline)
{
	struct sockaddr_un sun;
	int	fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", o->socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	/*
	 * A unix socket whose backlog is full answers EAGAIN at once: not a
	 * connection in progress (poll would call it writable), just "not
	 * now".  Try again, a little later each time, until the deadline.
	 */
	for (int pause = 1; connect(fd, (struct sockaddr *) &sun, sizeof(sun)) < 0;) {
		int	e = errno;
		socklen_t len = sizeof(e);
		long long left = deadline - oe_now();

		if (e == EINTR)
			continue;
		if (e == EAGAIN && left > 0) {
			poll(NULL, 0, (int) (pause < left ? pause : left));
			pause = pause < 8 ? pause * 2 : 16;
			continue;
		}
		if (e == EAGAIN)
			e = ETIMEDOUT;
		else if (e == EINPROGRESS && oe_wait(fd, POLLOUT, deadline) == 0
			 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == 0 && e == 0)
			break;
		e = e ? e : errno;
		close(fd);
		errno = e;
		return -1;
	}
	oe_fd = fd;
	oe_fd_pid = getpid();
	snprintf(oe_fd_path, sizeof(oe_fd_path), "%s", o->socket);
	return 0;
}

/* oe_exchange - one request and its reply on oe_fd; -1 with errno, or -2 on EOF before any byte */
static int
oe_exchange(const struct oe_req *r, char *rbuf, size_t *rlen, long long deadline)
{
	size_t	off = 0, got = 0;

	while (off < r->len + 1) {
		/* the request, then the empty line that ends it */
		const char *src = off < r->len ? r->buf + off : "\n";
		size_t	n = off < r->len ? r->len - off : 1;
		ssize_t	w = send(oe_fd, src, n, MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t) w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN && oe_wait(oe_fd, POLLOUT, deadline) == 0)
			continue;
		return off == 0 && (errno == EPIPE || errno == ECONNRESET) ? -2 : -1;
	}
	for (;;) {
		ssize_t	n;

		if (got + 1 >= OE_REPLY_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		n = recv(oe_fd, rbuf + got, OE_REPLY_MAX - 1 - got, 0);
		if (n > 0) {
			got += (size_t) n;
			rbuf[got] = 0;
			if (got >= 2 && memmem(rbuf, got, "\n\n", 2) != NULL) {
				*rlen = got;
				return 0;
			}
			continue;
		}
		if (n == 0) {
			if (got == 0)
				return -2;
			errno = EPROTO;
			return -1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && oe_wait(oe_fd, POLLIN, deadline) == 0)
			continue;
		if (got == 0 && errno == ECONNRESET)
			return -2;
		return -1;
	}
}

enum oe_verdict
oe_query(const struct oe_opts *o, struct oe_req *r, long long deadline, char *reply, size_t replylen,
	 char *err, size_t errlen)
{
	char	rbuf[OE_REPLY_MAX];
	size_t	rlen = 0;
	enum oe_verdict v;

	/* A fork's copy of the parent's connection, or one to another socket. */
	if (oe_fd >= 0 && (oe_fd_pid != getpid() || strcmp(oe_fd_path, o->socket) != 0))
		oe_close();
	for (int attempt = 0;; attempt++) {
		int	reused = oe_fd >= 0, rc;

		if (!reused && oe_connect(o, deadline) < 0) {
			snprintf(err, errlen, "connect %s: %s", o->socket, strerror(errno));
			return OE_ERROR;
		}
		rc = oe_exchange(r, rbuf, &rlen, deadline);
		if (rc == 0)
			break;
		oe_close();
		/* A kept connection the daemon has closed since: once more, afresh. */
		if (rc == -2 && reused && attempt == 0)
			continue;
		snprintf(err, errlen, "%s: %s", o->socket,
			 rc == -2 ? "connection closed without a reply" :
			 errno == ETIMEDOUT ? "no answer within the timeout" : strerror(errno));
		return OE_ERROR;
	}
	v = oe_reply_parse(rbuf, rlen, reply, replylen);
	size_t	line = strcspn(rbuf, "\n");

	if (v == OE_ERROR || rlen != line + 2 || rbuf[line + 1] != '\n') {
		/* garbage, or more than one reply line: the stream is out of step */
		oe_close();
		snprintf(err, errlen, "%s: unexpected reply '%.60s'", o->socket, rbuf);
		for (char *c = err; *c; c++)
			if (!isprint((unsigned char) *c))
				*c = '?';
		return OE_ERROR;
	}
	return v;
}
