/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm-loadgen - policy protocol load generator.
 *
 *   osm-loadgen [-c CONNS] [-k KEYS] [-d SECONDS] [-s exim|postfix] [-u PREFIX] ADDRESS
 *
 * Opens CONNS persistent connections to ADDRESS (unix:/path or
 * inet:HOST:PORT) and keeps one request outstanding on each, as Postfix's
 * policy client does, for SECONDS.  Requests rotate over KEYS distinct
 * senders (user0@example.com ..., or PREFIX0@example.com ... with -u).  "-s postfix" sends what Postfix sends
 * at END-OF-MESSAGE (sasl_username as the sender key), "-s exim" what the
 * osm exim module sends.  Prints decisions/s and p50/p99 latency, and the
 * count of each action returned.  One thread, epoll.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "osm_pclient.h"

struct lg_conn {
	int	fd;
	double	sent;
	char	in[512];
	size_t	inlen;
};

static double
lg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
lg_cmp(const void *a, const void *b)
{
	double	x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static unsigned long lg_seq;
static const char *lg_user = "user";

static int
lg_send(struct lg_conn *c, const char *style, int keys)
{
	char	req[1024];
	unsigned long k = (lg_seq * 2654435761UL) % (unsigned long) keys;
	int	n;

	lg_seq++;
	if (strcmp(style, "exim") == 0)
		n = snprintf(req, sizeof(req), "request=smtpd_access_policy\nsource=exim\n"
			     "sasl_username=%s%lu@example.com\nclient_address=192.0.2.%lu\n"
			     "sender=%s%lu@example.com\nsubject=Newsletter %lu\nmessage_id=1tX%06lu-000000-AB\n"
			     "recipient_count=1\n\n", lg_user, k, k % 250 + 1, lg_user, k, k, lg_seq % 1000000);
	else
		n = snprintf(req, sizeof(req), "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\n"
			     "protocol_name=ESMTP\nclient_address=192.0.2.%lu\nclient_name=client.example\n"
			     "helo_name=client.example\nsender=%s%lu@example.com\nrecipient=someone@remote.example\n"
			     "recipient_count=1\nqueue_id=8045F2AB23\ninstance=123.456.%lu\nsize=1234\n"
			     "sasl_method=plain\nsasl_username=%s%lu@example.com\nsasl_sender=\n\n",
			     k % 250 + 1, lg_user, k, lg_seq, lg_user, k);
	c->sent = lg_now();
	c->inlen = 0;
	return write(c->fd, req, (size_t) n) == n ? 0 : -1;
}

int
main(int argc, char **argv)
{
	int	conns = 8, keys = 1, ch, ep;
	double	secs = 5;
	const char *style = "postfix";
	struct epoll_event evs[256];
	double *lat;
	size_t	nlat = 0, maxlat = 20000000;
	unsigned long dunno = 0, other = 0, errors = 0;
	char	first_other[128] = "";

	while ((ch = getopt(argc, argv, "c:k:d:s:u:")) != -1) {
		switch (ch) {
		case 'c': conns = atoi(optarg); break;
		case 'k': keys = atoi(optarg); break;
		case 'd': secs = atof(optarg); break;
		case 's': style = optarg; break;
		case 'u': lg_user = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc || conns < 1 || keys < 1 || strlen(lg_user) > 64) {
		fprintf(stderr, "usage: osm-loadgen [-c CONNS] [-k KEYS] [-d SECONDS] [-s exim|postfix] [-u PREFIX] ADDRESS\n");
		return 2;
	}
	struct lg_conn *cs = calloc((size_t) conns, sizeof(*cs));

	lat = malloc(maxlat * sizeof(double));
	ep = epoll_create1(0);
	for (int i = 0; i < conns; i++) {
		struct epoll_event ev = {EPOLLIN, {.ptr = &cs[i]}};

		if ((cs[i].fd = osm_pclient_open(argv[optind])) < 0) {
			fprintf(stderr, "osm-loadgen: connect %s: %s\n", argv[optind], strerror(errno));
			return 1;
		}
		epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
	}
	double	start = lg_now(), end = start + secs;

	for (int i = 0; i < conns; i++)
		lg_send(&cs[i], style, keys);
	int	active = conns;

	while (active > 0) {
		int	n = epoll_wait(ep, evs, 256, 1000);

		if (n <= 0 && lg_now() > end + 5)
			break;
		for (int i = 0; i < n; i++) {
			struct lg_conn *c = evs[i].data.ptr;
			ssize_t	r = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen - 1);

			if (r <= 0) {
				errors++;
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				active--;
				continue;
			}
			c->inlen += (size_t) r;
			c->in[c->inlen] = 0;
			if (osm_pclient_reply(c->in, c->inlen) == 0)
				continue;
			double	t = lg_now();

			if (nlat < maxlat)
				lat[nlat++] = t - c->sent;
			if (osm_pclient_action(c->in, c->inlen, "DUNNO"))
				dunno++;
			else {
				other++;
				if (!first_other[0])
					snprintf(first_other, sizeof(first_other), "%.*s", (int) strcspn(c->in, "\n"), c->in);
			}
			if (t >= end) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				active--;
				continue;
			}
			lg_send(c, style, keys);
		}
	}
	double	elapsed = lg_now() - start;

	qsort(lat, nlat, sizeof(double), lg_cmp);
	printf("conns=%d keys=%d decisions=%zu seconds=%.2f rate=%.0f/s p50=%.3fms p99=%.3fms dunno=%lu other=%lu errors=%lu%s%s\n",
	       conns, keys, nlat, elapsed, nlat / elapsed, nlat ? lat[nlat / 2] * 1000 : 0,
	       nlat ? lat[(size_t) (nlat * 0.99)] * 1000 : 0, dunno, other, errors,
	       first_other[0] ? " first_other=" : "", first_other);
	return errors ? 1 : 0;
}
