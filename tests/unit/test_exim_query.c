/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_exim_query - the exim module's policy client (oe_query) against
 * small servers forked here: answering, closing after each reply,
 * hanging, talking garbage, absent, or with a full backlog for a while.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "oe_query.h"

enum mode { ANSWER, CLOSE, HANG, GARBAGE, BACKLOG };

static char dir[64], sock[108], conns_file[128];
static pid_t server;

/* serve - the forked server: count connections in conns_file, act by MODE;
 * a byte on READY says it listens (the socket file exists from bind(), and
 * a connect before listen() is refused) */
static void
serve(enum mode mode, int ready)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int	ls = socket(AF_UNIX, SOCK_STREAM, 0), n = 0;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	if (bind(ls, (struct sockaddr *) &sun, sizeof(sun)) < 0 || listen(ls, mode == BACKLOG ? 0 : 8) < 0)
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);
	if (mode == BACKLOG)
		usleep(300000);			/* the test fills the backlog meanwhile */
	for (;;) {
		int	c = accept(ls, NULL, NULL);
		char	buf[8192];
		size_t	got = 0;
		FILE   *fp;

		if (c < 0)
			continue;
		if ((fp = fopen(conns_file, "w")) != NULL) {
			fprintf(fp, "%d\n", ++n);
			fclose(fp);
		}
		if (mode == HANG)
			continue;		/* keep it open, never answer */
		if (mode == BACKLOG) {
			if (fork() != 0) {
				close(c);	/* a child each: the fillers never send */
				continue;
			}
			prctl(PR_SET_PDEATHSIG, SIGKILL);	/* gone with the server */
		}
		for (int answered = 0;;) {
			ssize_t	r = read(c, buf + got, sizeof(buf) - 1 - got);
			char   *end;

			if (r <= 0)
				break;
			got += (size_t) r;
			buf[got] = 0;
			while ((end = strstr(buf, "\n\n")) != NULL) {
				const char *reply = mode == GARBAGE ? "hello there\n\n"
				    : strstr(buf, "subject=hold\n") ? "action=HOLD osm: account:t held by report 42\n\n"
				    : "action=DUNNO\n\n";

				if (write(c, reply, strlen(reply)) < 0)
					break;
				answered++;
				memmove(buf, end + 2, got - (size_t) (end + 2 - buf) + 1);
				got -= (size_t) (end + 2 - buf);
			}
			/* one whole request answered, then close (a read may hold part of one) */
			if (mode == CLOSE && answered)
				break;
		}
		close(c);
		if (mode == BACKLOG)
			_exit(0);
	}
}

static void
start(enum mode mode)
{
	int	p[2];
	char	c;

	unlink(sock);
	unlink(conns_file);
	if (pipe(p) < 0)
		fail_msg("pipe: %s", strerror(errno));
	if ((server = fork()) == 0) {
		close(p[0]);
		serve(mode, p[1]);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		fail_msg("the test server did not start");
	close(p[0]);
}

static void
stop(void)
{
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	server = 0;
	unlink(sock);
}

/* teardown - a failed assertion skips the test's stop() */
static int
teardown(void **state)
{
	(void) state;
	stop();
	return 0;
}

static int
conns(void)
{
	FILE   *fp = fopen(conns_file, "r");
	int	n = 0;

	if (fp) {
		if (fscanf(fp, "%d", &n) != 1)
			n = 0;
		fclose(fp);
	}
	return n;
}

static long long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* query - one request; the timeout is long but for the hang test (a busy
 * machine running the whole suite must not make the others flaky) */
static enum oe_verdict
query_t(const char *subject, char *text, char *err, int timeout_ms)
{
	struct oe_opts o;
	struct oe_req r;
	char	opts[200];

	snprintf(opts, sizeof(opts), "socket=%s,timeout=%d", sock, timeout_ms);
	assert_int_equal(oe_opts_parse(opts, &o, err, 256), 0);
	oe_req_init(&r);
	oe_req_add(&r, "request", "smtpd_access_policy");
	oe_req_add(&r, "subject", subject);
	return oe_query(&o, &r, oe_now() + timeout_ms, text, 300, err, 256);
}

static enum oe_verdict
query(const char *subject, char *text, char *err)
{
	return query_t(subject, text, err, 3000);
}

static void
test_opts(void **state)
{
	struct oe_opts o;
	char	err[256];

	(void) state;
	assert_int_equal(oe_opts_parse("", &o, err, sizeof(err)), 0);
	assert_string_equal(o.socket, "/run/osm/policyd.sock");
	assert_int_equal(o.timeout_ms, 250);
	assert_int_equal(o.fail_defer, 0);
	assert_int_equal(oe_opts_parse(" socket=/x/y.sock,timeout=40  fail=defer ", &o, err, sizeof(err)), 0);
	assert_string_equal(o.socket, "/x/y.sock");
	assert_int_equal(o.timeout_ms, 40);
	assert_int_equal(o.fail_defer, 1);
	assert_int_equal(oe_opts_parse("socket=relative.sock", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "absolute path"));
	assert_int_equal(oe_opts_parse("timeout=5", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "10 to 10000"));
	assert_int_equal(oe_opts_parse("timeout=12x", &o, err, sizeof(err)), -1);
	assert_int_equal(oe_opts_parse("fail=maybe", &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown option 'fail=maybe'"));
}

static void
test_request(void **state)
{
	struct oe_req r;
	char	big[3000];

	(void) state;
	oe_req_init(&r);
	oe_req_add(&r, "subject", "line one\nrequest=evil\r\ttab");
	assert_string_equal(r.buf, "subject=line one request=evil  tab\n");
	oe_req_add(&r, "cwd", NULL);
	assert_int_equal(r.len, strlen("subject=line one request=evil  tab\n"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	oe_req_init(&r);
	oe_req_add(&r, "subject", big);
	assert_int_equal(r.len, strlen("subject=") + OE_VALUE_MAX + 1);
	/* attributes that do not fit are dropped whole */
	for (int i = 0; i < 20; i++)
		oe_req_add(&r, "subject", big);
	assert_true(r.len + 2 <= sizeof(r.buf));
	assert_int_equal(r.buf[r.len - 1], '\n');
}

static void
test_reply(void **state)
{
	char	t[64];

	(void) state;
	assert_int_equal(oe_reply_parse("action=DUNNO\n\n", 14, t, sizeof(t)), OE_ACCEPT);
	assert_string_equal(t, "");
	assert_int_equal(oe_reply_parse("action=hold osm: x\n\n", 20, t, sizeof(t)), OE_HOLD);
	assert_string_equal(t, "osm: x");
	assert_int_equal(oe_reply_parse("action=DISCARD\n\n", 16, t, sizeof(t)), OE_DISCARD);
	assert_int_equal(oe_reply_parse("action=DEFER later\n\n", 20, t, sizeof(t)), OE_DEFER);
	assert_int_equal(oe_reply_parse("action=REJECT no\n\n", 18, t, sizeof(t)), OE_ERROR);
	assert_int_equal(oe_reply_parse("action=HOLD", 11, t, sizeof(t)), OE_ERROR);
	assert_int_equal(oe_reply_parse("HOLD\n\n", 6, t, sizeof(t)), OE_ERROR);
	assert_int_equal(oe_reply_parse("action=HOLDX\n\n", 14, t, sizeof(t)), OE_ERROR);
	/* text is cut to fit and made printable */
	assert_int_equal(oe_reply_parse("action=HOLD ab\x01" "cdefgh\n\n", 24, t, 5), OE_HOLD);
	assert_string_equal(t, "ab?c");
}

static void
test_answer_and_reuse(void **state)
{
	char	text[300], err[256];

	(void) state;
	start(ANSWER);
	assert_int_equal(query("hold me", text, err), OE_ACCEPT);
	assert_int_equal(query("hold", text, err), OE_HOLD);
	assert_string_equal(text, "osm: account:t held by report 42");
	assert_int_equal(query("x", text, err), OE_ACCEPT);
	assert_int_equal(conns(), 1);		/* one connection for all three */
	stop();
}

static void
test_reconnect_after_close(void **state)
{
	char	text[300], err[256];

	(void) state;
	start(CLOSE);
	assert_int_equal(query("a", text, err), OE_ACCEPT);
	usleep(50000);				/* the server has closed it by now */
	assert_int_equal(query("hold", text, err), OE_HOLD);
	assert_int_equal(conns(), 2);
	stop();
}

static void
test_hang_times_out(void **state)
{
	char	text[300], err[256];
	long long t0;

	(void) state;
	start(HANG);
	t0 = ms_now();
	assert_int_equal(query_t("a", text, err, 200), OE_ERROR);
	assert_true(ms_now() - t0 >= 190 && ms_now() - t0 < 600);
	assert_non_null(strstr(err, "no answer within the timeout"));
	stop();
}

static void
test_garbage_and_absent(void **state)
{
	char	text[300], err[256];

	(void) state;
	start(GARBAGE);
	assert_int_equal(query("a", text, err), OE_ERROR);
	assert_non_null(strstr(err, "unexpected reply 'hello there"));
	stop();
	assert_int_equal(query("a", text, err), OE_ERROR);
	assert_non_null(strstr(err, "connect "));
}

/* A full backlog (EAGAIN on connect) is waited out, within the deadline. */
static void
test_full_backlog(void **state)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char	text[300], err[256];
	int	fill[64], n = 0;
	long long t0;

	(void) state;
	start(BACKLOG);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sock);
	while (n < 64) {
		fill[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fill[n], (struct sockaddr *) &sun, sizeof(sun)) < 0) {
			assert_int_equal(errno, EAGAIN);
			close(fill[n]);
			break;
		}
		n++;
	}
	assert_true(n < 64);			/* it is full now */
	t0 = ms_now();
	if (query("a", text, err) != OE_ACCEPT)
		fail_msg("%s", err);
	assert_true(ms_now() - t0 >= 100);	/* it waited for the server */
	/* ... but never past the deadline */
	for (int i = 0; i < n; i++)
		close(fill[i]);
	stop();
	start(BACKLOG);
	for (n = 0; n < 64; n++) {
		fill[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(fill[n], (struct sockaddr *) &sun, sizeof(sun)) < 0) {
			close(fill[n]);
			break;
		}
	}
	t0 = ms_now();
	assert_int_equal(query_t("a", text, err, 50), OE_ERROR);
	assert_true(ms_now() - t0 < 250);
	assert_non_null(strstr(err, "connect "));
	for (int i = 0; i < n; i++)
		close(fill[i]);
	stop();
}

/* The deadline is the caller's: time spent before the query counts. */
static void
test_deadline_is_the_callers(void **state)
{
	struct oe_opts o;
	struct oe_req r;
	char	text[300], err[256];
	long long t0;

	(void) state;
	start(HANG);
	assert_int_equal(oe_opts_parse("timeout=3000", &o, err, sizeof(err)), 0);
	snprintf(o.socket, sizeof(o.socket), "%s", sock);
	oe_req_init(&r);
	oe_req_add(&r, "request", "smtpd_access_policy");
	t0 = ms_now();
	assert_int_equal(oe_query(&o, &r, oe_now() + 100, text, sizeof(text), err, sizeof(err)), OE_ERROR);
	assert_true(ms_now() - t0 < 1000);
	assert_non_null(strstr(err, "no answer within the timeout"));
	stop();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_reply),
		cmocka_unit_test_teardown(test_answer_and_reuse, teardown),
		cmocka_unit_test_teardown(test_reconnect_after_close, teardown),
		cmocka_unit_test_teardown(test_hang_times_out, teardown),
		cmocka_unit_test_teardown(test_garbage_and_absent, teardown),
		cmocka_unit_test_teardown(test_full_backlog, teardown),
		cmocka_unit_test_teardown(test_deadline_is_the_callers, teardown),
	};
	int	r;

	signal(SIGPIPE, SIG_IGN);
	snprintf(dir, sizeof(dir), "/tmp/osm-eq.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(sock, sizeof(sock), "%s/p.sock", dir);
	snprintf(conns_file, sizeof(conns_file), "%s/conns", dir);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(conns_file);
	rmdir(dir);
	return r;
}
