/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pclient - a policy protocol client for the tests.
 *
 *   pclient [-n COUNT] [-T MS] ADDRESS name=value...
 *       send COUNT requests over one connection, one at a time, and
 *       print each reply's action line; "{i}" in a value becomes the
 *       request number.  Exit 0, or 3 if a reply took longer than MS
 *       (default 5000), 4 if the server closed the connection.
 *   pclient -r [-T MS] ADDRESS
 *       send standard input as it is, then print what comes back until
 *       the server closes or MS pass (exit 3 on timeout).
 * ADDRESS is unix:/path or inet:HOST:PORT.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osm_pclient.h"

/* pclient_wait - poll for input; 0 on timeout */
static int
pclient_wait(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, ms) > 0;
}

static void
pclient_subst(char *out, size_t len, const char *in, int i)
{
	size_t	o = 0;

	for (; *in && o + 12 < len; in++) {
		if (strncmp(in, "{i}", 3) == 0) {
			o += (size_t) snprintf(out + o, len - o, "%d", i);
			in += 2;
		} else
			out[o++] = *in;
	}
	out[o] = 0;
}

int
main(int argc, char **argv)
{
	int	ch, count = 1, raw = 0, ms = 5000, fd;
	char	buf[65536];

	while ((ch = getopt(argc, argv, "n:rT:")) != -1) {
		if (ch == 'n')
			count = atoi(optarg);
		else if (ch == 'r')
			raw = 1;
		else if (ch == 'T')
			ms = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc)
		return 2;
	signal(SIGPIPE, SIG_IGN);	/* a server that hangs up early is a result */
	if ((fd = osm_pclient_open(argv[optind])) < 0) {
		fprintf(stderr, "pclient: connect %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	if (raw) {
		ssize_t	n;

		while ((n = read(0, buf, sizeof(buf))) > 0)
			if (write(fd, buf, (size_t) n) != n)
				break;
		for (;;) {
			if (!pclient_wait(fd, ms))
				return 3;
			if ((n = read(fd, buf, sizeof(buf))) <= 0)
				return 0;
			fwrite(buf, 1, (size_t) n, stdout);
		}
	}
	for (int i = 0; i < count; i++) {
		size_t	len = 0, got = 0, end;

		for (int a = optind + 1; a < argc; a++) {
			pclient_subst(buf + len, sizeof(buf) - len - 2, argv[a], i);
			len += strlen(buf + len);
			buf[len++] = '\n';
		}
		buf[len++] = '\n';
		if (write(fd, buf, len) != (ssize_t) len)
			return 4;
		while ((end = osm_pclient_reply(buf, got)) == 0) {
			ssize_t	n;

			if (!pclient_wait(fd, ms)) {
				fprintf(stderr, "pclient: no reply within %d ms\n", ms);
				return 3;
			}
			if ((n = read(fd, buf + got, sizeof(buf) - got - 1)) <= 0) {
				fprintf(stderr, "pclient: connection closed\n");
				return 4;
			}
			got += (size_t) n;
		}
		buf[end - 2] = 0;
		puts(buf);
		fflush(stdout);
	}
	close(fd);
	return 0;
}
