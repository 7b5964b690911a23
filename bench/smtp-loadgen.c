/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * smtp-loadgen - SMTP message load generator for the exim benchmark.
 *
 *   smtp-loadgen [-c CONNS] [-d SECONDS] HOST PORT
 *
 * CONNS threads each keep one SMTP session open and send small messages
 * back to back for SECONDS (MAIL, RCPT and DATA pipelined, then the
 * body), as a busy submission client does.  Prints messages/s and the
 * p50/p99 time from MAIL FROM to the final 250.  Any reply other than
 * the expected one ends that session and counts as an error, and so does
 * a reply that takes over 10 s (a session the server never accepted
 * would otherwise wait for its banner for ever).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SL_MAX_LAT	(1 << 22)

static const char *sl_host;
static int sl_port;
static double sl_end;
static pthread_mutex_t sl_lock = PTHREAD_MUTEX_INITIALIZER;
static double *sl_lat;
static size_t sl_nlat;
static unsigned long sl_errors;

struct sl_conn {
	int	fd;
	char	buf[4096];
	size_t	len;
};

static double
sl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* sl_reply - read one (possibly multi-line) reply; returns its code or -1 */
static int
sl_reply(struct sl_conn *c)
{
	for (;;) {
		char   *nl = memchr(c->buf, '\n', c->len);

		if (nl) {
			size_t	l = (size_t) (nl - c->buf) + 1;
			int	code = atoi(c->buf), more = l > 3 && c->buf[3] == '-';

			memmove(c->buf, c->buf + l, c->len - l);
			c->len -= l;
			if (!more)
				return code;
			continue;
		}
		ssize_t	n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);

		if (n <= 0 || c->len + (size_t) n >= sizeof(c->buf))
			return -1;
		c->len += (size_t) n;
	}
}

static int
sl_send(struct sl_conn *c, const char *s)
{
	size_t	n = strlen(s);

	return write(c->fd, s, n) == (ssize_t) n ? 0 : -1;
}

static void *
sl_thread(void *arg)
{
	struct sl_conn c = {.len = 0};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int	on = 1, id = (int) (long) arg;
	struct timeval tmo = {.tv_sec = 10};
	char	msg[512];
	unsigned long seq = 0;

	sin.sin_port = htons((uint16_t) sl_port);
	inet_pton(AF_INET, sl_host, &sin.sin_addr);
	c.fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (connect(c.fd, (struct sockaddr *) &sin, sizeof(sin)) < 0 || sl_reply(&c) != 220
	    || sl_send(&c, "EHLO loadgen.example\r\n") < 0 || sl_reply(&c) != 250)
		goto fail;
	while (sl_now() < sl_end) {
		double	t0 = sl_now();

		snprintf(msg, sizeof(msg), "Subject: bench %d.%lu\r\nFrom: s%d@bench.example\r\n\r\n"
			 "a short message body\r\n.\r\n", id, seq++, id);
		if (sl_send(&c, "MAIL FROM:<sender@bench.example>\r\nRCPT TO:<r@remote.example>\r\nDATA\r\n") < 0
		    || sl_reply(&c) != 250 || sl_reply(&c) != 250 || sl_reply(&c) != 354
		    || sl_send(&c, msg) < 0 || sl_reply(&c) != 250)
			goto fail;
		pthread_mutex_lock(&sl_lock);
		if (sl_nlat < SL_MAX_LAT)
			sl_lat[sl_nlat++] = sl_now() - t0;
		pthread_mutex_unlock(&sl_lock);
	}
	sl_send(&c, "QUIT\r\n");
	close(c.fd);
	return NULL;
fail:
	pthread_mutex_lock(&sl_lock);
	sl_errors++;
	pthread_mutex_unlock(&sl_lock);
	close(c.fd);
	return NULL;
}

static int
sl_cmp(const void *a, const void *b)
{
	double	x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	int	conns = 4, ch;
	double	secs = 5, t0;
	pthread_t *th;

	while ((ch = getopt(argc, argv, "c:d:")) != -1) {
		if (ch == 'c')
			conns = atoi(optarg);
		else if (ch == 'd')
			secs = atof(optarg);
		else
			goto usage;
	}
	if (optind + 2 != argc || conns < 1 || conns > 1000 || secs <= 0)
		goto usage;
	sl_host = argv[optind];
	sl_port = atoi(argv[optind + 1]);
	if ((sl_lat = malloc(SL_MAX_LAT * sizeof(double))) == NULL || (th = calloc((size_t) conns, sizeof(*th))) == NULL)
		return 1;
	t0 = sl_now();
	sl_end = t0 + secs;
	for (int i = 0; i < conns; i++)
		pthread_create(&th[i], NULL, sl_thread, (void *) (long) i);
	for (int i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	secs = sl_now() - t0;
	qsort(sl_lat, sl_nlat, sizeof(double), sl_cmp);
	printf("conns=%d messages=%zu seconds=%.2f rate=%.0f/s p50=%.3fms p99=%.3fms errors=%lu\n", conns, sl_nlat,
	       secs, sl_nlat / secs, sl_nlat ? sl_lat[sl_nlat / 2] * 1e3 : 0,
	       sl_nlat ? sl_lat[(size_t) (sl_nlat * 0.99)] * 1e3 : 0, sl_errors);
	return sl_errors ? 1 : 0;
usage:
	fprintf(stderr, "usage: smtp-loadgen [-c CONNS] [-d SECONDS] HOST PORT\n");
	return 2;
}
