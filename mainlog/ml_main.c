/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm-mainlog - the exim mainlog source: follows exim's log and reports
 * each outgoing message to osm-policyd (source=mainlog).
 *
 * SYNOPSIS: osm-mainlog [-f] [-v] [-c FILE]
 *           osm-mainlog -n [-c FILE] [LOGFILE...]
 *
 * Its own process, so that reading the log (group adm on Debian) needs
 * no privilege in osm-policyd: it drops to the configured user (with
 * its groups) at once, follows mainlog.path (ml_tail), turns lines into
 * requests (osm_mlev), sends each batch to osm-policyd's first listen
 * address and waits for every reply; only then is the batch's end saved
 * as the new offset.  A crash between the two replays some lines; the
 * message markers in osm-policyd keep them from counting twice.
 * -n prints the requests LOGFILE... (or "-" for stdin) would make and
 * touches nothing: the golden tests use it.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "ml_tail.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_exlog.h"
#include "osm_mlev.h"
#include "osm_msg.h"
#include "osm_sig.h"
#include "osm_pclient.h"
#include "osm_priv.h"

#ifndef OSM_SYSCONFDIR
#define OSM_SYSCONFDIR "/etc"
#endif

#define ML_READ		(256 * 1024)
#define ML_TIMEOUT_MS	5000

static const char *ml_file = OSM_SYSCONFDIR "/osm/osm.yaml";

/* ml_dry - -n: print the requests of each file */
static int
ml_dry(const struct osm_cfg *cfg, char **files, int n)
{
	struct osm_mlev *ev = osm_mlev_new(cfg);
	struct osm_buf *out = osm_buf_new(1 << 20);
	char   *line = NULL;
	size_t	cap = 0;
	struct osm_mlev_stats st;

	if (ev == NULL || out == NULL)
		osm_msg_fatal("out of memory");
	for (int i = 0; i < n; i++) {
		FILE   *fp = strcmp(files[i], "-") ? fopen(files[i], "r") : stdin;
		ssize_t	len;

		if (fp == NULL)
			osm_msg_fatal("%s: %m", files[i]);
		while ((len = getline(&line, &cap, fp)) > 0) {
			if (line[len - 1] == '\n')
				len--;
			osm_mlev_feed(ev, line, (size_t) len, out);
			fwrite(osm_buf_data(out), 1, osm_buf_len(out), stdout);
			osm_buf_reset(out);
		}
		osm_mlev_flush(ev, out);
		fwrite(osm_buf_data(out), 1, osm_buf_len(out), stdout);
		osm_buf_reset(out);
		if (fp != stdin)
			fclose(fp);
	}
	osm_mlev_stats(ev, &st);
	fflush(stdout);			/* the counts after the requests, even on one file */
	fprintf(stderr, "lines=%lu skipped=%lu arrivals=%lu forged=%lu results=%lu unattributed=%lu requests=%lu\n",
		st.lines, st.skipped, st.arrivals, st.forged, st.results, st.unattributed, st.requests);
	free(line);
	osm_buf_free(out);
	osm_mlev_free(ev);
	return 0;
}

/*
 * ml_entries - the whole entries in buf, most often one a line; returns
 * the bytes they take.  An entry that goes on past its line (a newline
 * inside a quoted address) takes the next lines too, and stays
 * unread, uncommitted, until they are in: its second half, written by a
 * local user, must never be read as a line of exim's.
 */
static size_t
ml_entries(struct osm_mlev *ev, char *buf, size_t n, int final, struct osm_buf *out, int *nreq)
{
	char   *p = buf, *end = buf + n;

	while (p < end) {
		char   *nl = memchr(p, '\n', (size_t) (end - p));
		int	r;

		for (;;) {
			size_t	len = (size_t) ((nl ? nl : end) - p);
			/* a rotated file's last line, or an entry as long as the buffer */
			int	last = nl == NULL || len > OSM_EXLOG_MAX_LINE;

			if (nl == NULL && !final && !(p == buf && n == ML_READ))
				return (size_t) (p - buf);
			if ((r = osm_mlev_line(ev, p, len, last, out)) != OSM_MLEV_MORE)
				break;
			nl = memchr(nl + 1, '\n', (size_t) (end - nl - 1));
		}
		*nreq += r;
		p = nl ? nl + 1 : end;
	}
	return n;
}

static void
ml_usage(void)
{
	fprintf(stderr, "usage: osm-mainlog [-f] [-v] [-c FILE]\n"
		"       osm-mainlog -n [-c FILE] [LOGFILE... | -]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct osm_cfg *cfg;
	struct osm_mlev *ev;
	struct ml_tail *t;
	struct osm_buf *out;
	char   *buf;
	int	ch, fg = 0, dry = 0, verbose = 0, fd = -1, sfd, quit = 0;
	sigset_t mask;
	unsigned long sent = 0;

	osm_msg_init(argv[0]);
	while ((ch = getopt(argc, argv, "c:fnvh")) != -1) {
		switch (ch) {
		case 'c':
			ml_file = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'v':
			verbose = 1;
			osm_msg_verbose++;
			break;
		default:
			ml_usage();
		}
	}
	if ((cfg = osm_cfg_load_log(ml_file)) == NULL)
		return 1;
	if (dry) {
		int	r = ml_dry(cfg, argv + optind, argc - optind);

		osm_cfg_free(cfg);
		return r;
	}
	if (optind != argc)
		ml_usage();
	if (!fg && !verbose)
		osm_msg_syslog_init("osm-mainlog", LOG_MAIL);
	osm_priv_drop(cfg->user);
	osm_sig_block(&mask, 0);
	sfd = osm_sig_fd(&mask);
	if ((ev = osm_mlev_new(cfg)) == NULL || (out = osm_buf_new(16 << 20)) == NULL
	    || (buf = malloc(ML_READ)) == NULL || (t = ml_tail_open(cfg->mainlog_path, cfg->mainlog_state)) == NULL)
		osm_msg_fatal("out of memory");
	osm_msg_info("following %s (state %s)", cfg->mainlog_path, cfg->mainlog_state);
	while (!quit) {
		int	final, nreq = 0, deferred;
		ssize_t	n = ml_tail_read(t, buf, ML_READ, &final);
		size_t	used = 0;

		if (n > 0) {
			struct osm_mlev_stats before, after;

			osm_mlev_stats(ev, &before);
			used = ml_entries(ev, buf, (size_t) n, final, out, &nreq);
			osm_mlev_stats(ev, &after);
			if (after.forged > before.forged)
				osm_msg_warn("%lu arrival line(s) with fields out of exim's order (from an ident, "
					     "a HELO name or a certificate?): their A= is not taken",
					     after.forged - before.forged);
		}
		if (nreq > 0) {
			if (fd < 0 && (fd = osm_pclient_connect(cfg)) < 0) {
				osm_msg_warn("cannot reach osm-policyd at %s: %m; retrying",
					     cfg->listen[0].path ? cfg->listen[0].path : cfg->listen[0].host);
				osm_buf_reset(out);
				sleep(1);
				continue;	/* the same lines again, nothing committed */
			}
			if (osm_pclient_send(fd, out, nreq, ML_TIMEOUT_MS, &deferred) != 0) {
				osm_msg_warn("osm-policyd did not answer; retrying");
				close(fd);
				fd = -1;
				osm_buf_reset(out);
				sleep(1);
				continue;
			}
			if (deferred > 0) {
				/* the markers keep the counted ones from counting twice */
				osm_msg_warn("osm-policyd could not count %d of %d request(s) (Redis unavailable);"
					     " sending them again", deferred, nreq);
				osm_buf_reset(out);
				sleep(1);
				continue;
			}
			sent += (unsigned long) nreq;
		}
		osm_buf_reset(out);
		if (used > 0)
			ml_tail_commit(t, used);
		if (n <= 0 || used == 0) {
			struct pollfd pfd = {sfd, POLLIN, 0};

			if (poll(&pfd, 1, 200) > 0)
				quit = 1;
		}
	}
	osm_msg_info("exiting: %lu requests sent", sent);
	ml_tail_close(t);
	osm_mlev_free(ev);
	osm_buf_free(out);
	free(buf);
	osm_cfg_free(cfg);
	return 0;
}
