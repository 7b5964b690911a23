/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cfg - osm.yaml loader: defaults, inheritance, ignore lists, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_msg.h"
#include "osm_secure.h"

static struct osm_cfg *
load(const char *text, struct osm_buf *errs)
{
	return osm_cfg_load_mem("t.yaml", text, strlen(text), errs);
}

static void
test_defaults(void **state)
{
	struct osm_buf *errs = osm_buf_new(1 << 16);
	struct osm_cfg *c = load("", errs);
	struct osm_trig t;

	(void) state;
	assert_non_null(c);
	assert_int_equal(c->monitor, 0);
	assert_int_equal(c->fail_closed, 0);
	assert_int_equal(c->redis_timeout_ms, 200);
	osm_cfg_trigger(c, "bob", NULL, OSM_EV_LOGLINE, &t);
	assert_int_equal(t.nwin, 2);
	assert_int_equal(t.win[0].events, 50);
	assert_int_equal(t.win[1].seconds, 3600);
	assert_int_equal(t.actions, OSM_ACT_STORE);
	assert_string_equal(c->custom_user, c->user);	/* the daemon's user, never root */
	assert_string_not_equal(c->custom_user, "root");
	osm_cfg_free(c);
	/* user: set, custom.user not: the custom program runs as user */
	c = load("user: mailmon\n", errs);
	assert_non_null(c);
	assert_string_equal(c->custom_user, "mailmon");
	osm_cfg_free(c);
	c = load("user: mailmon\nactions: { custom: { user: root } }\n", errs);
	assert_non_null(c);
	assert_string_equal(c->custom_user, "root");
	osm_cfg_free(c);
	osm_buf_free(errs);
}

static const char inherit_yaml[] =
    "triggers:\n"
    "  default:\n"
    "    logline:\n"
    "      windows: [ {events: 20, seconds: 60}, {events: 200, seconds: 1h} ]\n"
    "      actions: [store, hold]\n"
    "    cwdcheck: { events: 5, seconds: 30 }\n"
    "  accounts:\n"
    "    bob:\n"
    "      logline: { windows: [ {events: 40}, {seconds: 2h} ] }\n"
    "      cwdcheck: { enabled: false }\n"
    "      delivery: { events: 10 }\n"
    "    carol:\n"
    "      logline: { actions: [store, discard] }\n"
    "      delivery: { failure_ratio: 25% }\n"
    "  email_accounts:\n"
    "    \"News@Bob.Example\":\n"
    "      logline: { events: 1000 }\n";

static void
test_inheritance(void **state)
{
	struct osm_buf *errs = osm_buf_new(1 << 16);
	struct osm_cfg *c = load(inherit_yaml, errs);
	struct osm_trig t;

	(void) state;
	if (c == NULL)
		fail_msg("load: %s", osm_buf_data(errs));
	/* account override: window 0 events, window 1 seconds; rest inherited */
	osm_cfg_trigger(c, "bob", NULL, OSM_EV_LOGLINE, &t);
	assert_int_equal(t.nwin, 2);
	assert_int_equal(t.win[0].events, 40);
	assert_int_equal(t.win[0].seconds, 60);
	assert_int_equal(t.win[1].events, 200);
	assert_int_equal(t.win[1].seconds, 7200);
	assert_int_equal(t.actions, OSM_ACT_STORE | OSM_ACT_HOLD);
	osm_cfg_trigger(c, "bob", NULL, OSM_EV_CWDCHECK, &t);
	assert_int_equal(t.enabled, 0);
	assert_int_equal(t.win[0].events, 5);
	/* email override on top of its account's: a single window now */
	osm_cfg_trigger(c, "bob", "news@bob.example", OSM_EV_LOGLINE, &t);
	assert_int_equal(t.nwin, 1);
	assert_int_equal(t.win[0].events, 1000);
	assert_int_equal(t.win[0].seconds, 60);
	assert_int_equal(t.actions, OSM_ACT_STORE | OSM_ACT_HOLD);
	osm_cfg_trigger(c, "carol", NULL, OSM_EV_LOGLINE, &t);
	assert_int_equal(t.actions, OSM_ACT_STORE | OSM_ACT_DISCARD);
	assert_int_equal(t.win[0].events, 20);
	osm_cfg_trigger(c, "dave", NULL, OSM_EV_LOGLINE, &t);
	assert_int_equal(t.win[0].events, 20);
	assert_int_equal(t.win[0].ratio, 0);
	/* delivery: the built-in ratio window; bob's override keeps the ratio */
	osm_cfg_trigger(c, "dave", NULL, OSM_EV_DELIVERY, &t);
	assert_int_equal(t.win[0].events, 100);
	assert_int_equal(t.win[0].ratio, 500);
	osm_cfg_trigger(c, "bob", NULL, OSM_EV_DELIVERY, &t);
	assert_int_equal(t.win[0].events, 10);
	assert_int_equal(t.win[0].seconds, 3600);
	assert_int_equal(t.win[0].ratio, 500);
	osm_cfg_trigger(c, "carol", NULL, OSM_EV_DELIVERY, &t);
	assert_int_equal(t.win[0].ratio, 250);
	osm_cfg_free(c);
	osm_buf_free(errs);
}

static void
test_ignore(void **state)
{
	const char *yaml =
	    "ignore:\n"
	    "  accounts: [root, cpanel]\n"
	    "  email_accounts: [NoReply@Example.com]\n"
	    "  ips: [127.0.0.1, 10.0.0.0/8, \"2001:db8::/32\", 192.168.1.128/25]\n"
	    "  paths: [\"^/home/[^/]+/cgi-bin/\"]\n"
	    "  subjects: [\"(?i)^order #\\\\d+\"]\n";
	struct osm_buf *errs = osm_buf_new(1 << 16);
	struct osm_cfg *c = load(yaml, errs);

	(void) state;
	if (c == NULL)
		fail_msg("load: %s", osm_buf_data(errs));
	assert_true(osm_cfg_ignore_account(c, "cpanel"));
	assert_false(osm_cfg_ignore_account(c, "bob"));
	assert_false(osm_cfg_ignore_account(c, NULL));
	assert_true(osm_cfg_ignore_email(c, "noreply@example.com"));
	assert_true(osm_cfg_ignore_ip(c, "127.0.0.1"));
	assert_true(osm_cfg_ignore_ip(c, "10.255.0.1"));
	assert_true(osm_cfg_ignore_ip(c, "::ffff:10.1.1.1"));
	assert_false(osm_cfg_ignore_ip(c, "11.0.0.1"));
	assert_true(osm_cfg_ignore_ip(c, "2001:db8:1::5"));
	assert_false(osm_cfg_ignore_ip(c, "2001:db9::5"));
	assert_true(osm_cfg_ignore_ip(c, "192.168.1.200"));
	assert_false(osm_cfg_ignore_ip(c, "192.168.1.100"));
	assert_false(osm_cfg_ignore_ip(c, "not an ip"));
	assert_true(osm_cfg_ignore_path(c, "/home/bob/cgi-bin/x.pl"));
	assert_false(osm_cfg_ignore_path(c, "/home/bob/public_html"));
	assert_true(osm_cfg_ignore_subject(c, "ORDER #1234 shipped"));
	assert_false(osm_cfg_ignore_subject(c, "Your order"));
	assert_false(osm_cfg_ignore_subject(c, "\xff\xfe invalid utf-8"));
	osm_cfg_free(c);
	osm_buf_free(errs);
}

struct err_case {
	const char *yaml;
	const char *want;
};

static const struct err_case err_cases[] = {
	{"mode: maybe\n", "t.yaml:1:7: mode: expected enforce or monitor, not 'maybe'\n"},
	{"fail: sideways\n", "t.yaml:1:7: fail: expected open or closed, not 'sideways'\n"},
	{"colour: red\n", "t.yaml:1:1: unknown key 'colour'\n"},
	{"- a\n- b\n", "t.yaml:1:1: configuration: expected a mapping (key: value lines)\n"},
	{"mode: [a\n", "t.yaml:2:1: did not find expected ',' or ']' while parsing a flow sequence\n"},
	{"listen: [tcp:1.2.3.4:5]\n", "t.yaml:1:10: listen: 'tcp:1.2.3.4:5': expected unix:/path or inet:HOST:PORT\n"},
	{"listen: [unix:relative]\n", "t.yaml:1:10: listen: 'unix:relative': unix socket needs an absolute path under 108 bytes\n"},
	{"listen: [\"inet:127.0.0.1:99999\"]\n", "t.yaml:1:10: listen: 'inet:127.0.0.1:99999': bad port\n"},
	{"listen: [inet:localhost:25]\n", "t.yaml:1:10: listen: 'inet:localhost:25': host must be a numeric IP address\n"},
	{"listen: []\n", "t.yaml:1:1: listen: at least one socket is needed\n"},
	{"socket_mode: 999\n", "t.yaml:1:14: socket_mode: expected an octal mode like 0660, not '999'\n"},
	{"redis: {address: mysql://x}\n", "t.yaml:1:18: redis.address: 'mysql://x': expected unix:/path or redis://host:port/db\n"},
	{"redis: {timeout_ms: 5}\n", "t.yaml:1:21: redis.timeout_ms: 5 is out of range (10 to 60000)\n"},
	{"redis: {prefix: \"a{b\"}\n", "t.yaml:1:17: redis.prefix: must be at most 64 characters without braces or spaces\n"},
	{"redis: {port: 1}\n", "t.yaml:1:9: redis: unknown key 'port'\n"},
	{"limits: {max_line: x}\n", "t.yaml:1:20: limits.max_line: 'x' is not a whole number\n"},
	{"limits: {idle_timeout: 5y}\n", "t.yaml:1:24: limits.idle_timeout: '5y' is not a duration (like 60, 90s, 15m, 12h, 30d)\n"},
	{"limits: {max_line: 9000, max_request: 4000}\n", "t.yaml:1:1: limits: max_line is larger than max_request\n"},
	{"report_retention: 1\n", "t.yaml:1:19: report_retention: 1 seconds is out of range (60 to 315360000)\n"},
	{"triggers: {default: {smtp: {events: 1}}}\n", "t.yaml:1:22: triggers.default: unknown event type 'smtp'\n"},
	{"triggers: {default: {logline: {events: 1}}}\n", "t.yaml:1:21: triggers.default.logline: window 1 needs both events and seconds\n"},
	{"triggers: {default: {logline: {events: 10000001, seconds: 60}}}\n",
	 "t.yaml:1:40: triggers.default.logline: 10000001 is out of range (0 to 10000000)\n"},
	{"triggers: {default: {logline: {windows: [{events: 1, seconds: 5}, {events: 2, seconds: 5}]}}}\n",
	 "t.yaml:1:1: triggers: default logline: two windows of 5 seconds\n"},
	{"triggers: {default: {logline: {events: 1, seconds: 5, windows: []}}}\n",
	 "t.yaml:1:64: triggers.default.logline: windows: list is empty\nt.yaml:1:31: triggers.default.logline: give either events/seconds or windows, not both\n"},
	{"triggers: {default: {logline: {actions: [hold, discard]}}}\n",
	 "t.yaml:1:41: triggers.default.logline: hold and discard exclude each other\n"},
	{"triggers: {default: {logline: {enabled: perhaps}}}\n",
	 "t.yaml:1:41: triggers.default.logline: expected true or false, not 'perhaps'\n"},
	{"triggers: {default: {logline: {events: 1, seconds: 5, events: 2}}}\n",
	 "t.yaml:1:55: triggers.default.logline: key 'events' given twice\n"},
	{"triggers: {accounts: {bob: {logline: {windows: [{events: 1}, {events: 2}, {events: 3}]}}}}\n",
	 "t.yaml:1:1: triggers: bob logline window 3: events and seconds are both needed (the default has no window 3 to inherit from)\n"},
	{"triggers: {email_accounts: {bob: {}}}\n", "t.yaml:1:29: triggers.email_accounts: 'bob' is not a valid email address\n"},
	{"triggers: {accounts: {bob: {}, bob: {}}}\n", "t.yaml:1:22: triggers.accounts: 'bob' is given twice\n"},
	{"triggers: {weekly: {}}\n", "t.yaml:1:12: triggers: unknown key 'weekly' (expected default, accounts, email_accounts)\n"},
	{"triggers: {default: {delivery: {events: 1, seconds: 5, failure_ratio: 1.5}}}\n",
	 "t.yaml:1:71: triggers.default.delivery: failure_ratio '1.5' is not a share above 0 and at most 1 (0.5 or 50%)\n"},
	{"triggers: {default: {delivery: {windows: [{events: 1, seconds: 5, failure_ratio: half}]}}}\n",
	 "t.yaml:1:82: triggers.default.delivery: failure_ratio 'half' is not a share above 0 and at most 1 (0.5 or 50%)\n"},
	{"ignore: {ips: [10.1.2.3/8]}\n", "t.yaml:1:16: ignore.ips: '10.1.2.3/8': host bits set in CIDR range\n"},
	{"ignore: {ips: [example.com]}\n", "t.yaml:1:16: ignore.ips: 'example.com': not an IP address or CIDR range\n"},
	{"ignore: {paths: [\"a(\"]}\n", "t.yaml:1:18: ignore.paths: bad pattern 'a(' at offset 2: missing closing parenthesis\n"},
	{"ignore: {email_accounts: [bob]}\n", "t.yaml:1:27: ignore.email_accounts: 'bob' is not a valid email address\n"},
	{"ignore: {accounts: bob}\n", "t.yaml:1:20: ignore.accounts: expected a list\n"},
	{"ignore: {hosts: []}\n", "t.yaml:1:10: ignore: unknown key 'hosts'\n"},
	{"server_name: \"a b\"\n", "t.yaml:1:14: server_name: 1 to 64 characters without braces, colons or spaces\n"},
	{"min_uid: -5\n", "t.yaml:1:10: min_uid: '-5' is not a whole number\n"},
	{"busy_poll_us: 5000\n", "t.yaml:1:15: busy_poll_us: 5000 is out of range (0 to 1000)\n"},
	{"user: [a]\n", "t.yaml:1:7: user: expected a single value\n"},
};

static void
test_errors(void **state)
{
	int	bad = 0;

	(void) state;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		struct osm_buf *errs = osm_buf_new(1 << 16);
		struct osm_cfg *c = load(err_cases[i].yaml, errs);

		if (c != NULL)
			fail_msg("case %zu: loaded a bad config: %s", i, err_cases[i].yaml);
		if (strcmp(osm_buf_data(errs), err_cases[i].want) != 0) {
			print_error("case %zu: got '%s', want '%s'\n", i, osm_buf_data(errs), err_cases[i].want);
			bad++;
		}
		osm_buf_free(errs);
	}
	assert_int_equal(bad, 0);
}

static void
test_all_errors_reported(void **state)
{
	struct osm_buf *errs = osm_buf_new(1 << 16);
	struct osm_cfg *c = load("mode: a\nfail: b\nx: 1\n", errs);
	int	lines = 0;

	(void) state;
	assert_null(c);
	for (const char *p = osm_buf_data(errs); *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 3);
	osm_buf_free(errs);
}

static void
test_file_missing(void **state)
{
	struct osm_buf *errs = osm_buf_new(1 << 16);

	(void) state;
	assert_null(osm_cfg_load("/nonexistent/osm.yaml", errs));
	assert_string_equal(osm_buf_data(errs), "/nonexistent/osm.yaml:1:1: cannot open: No such file or directory\n");
	osm_buf_free(errs);
}

static void
test_durations(void **state)
{
	unsigned v;

	(void) state;
	assert_int_equal(osm_cfg_parse_duration("90", &v), 0);
	assert_int_equal(v, 90);
	assert_int_equal(osm_cfg_parse_duration("15m", &v), 0);
	assert_int_equal(v, 900);
	assert_int_equal(osm_cfg_parse_duration("2d", &v), 0);
	assert_int_equal(v, 172800);
	assert_int_equal(osm_cfg_parse_duration("1w", &v), 0);
	assert_int_equal(v, 604800);
	assert_int_equal(osm_cfg_parse_duration("5x", &v), -1);
	assert_int_equal(osm_cfg_parse_duration("5ms", &v), -1);
	assert_int_equal(osm_cfg_parse_duration("", &v), -1);
	assert_int_equal(osm_cfg_parse_duration("99999999999d", &v), -1);
}

static int test_warnings;
static char test_last_warning[512];

static void
test_capture(int level, const char *text)
{
	if (level == OSM_MSG_WARN) {
		test_warnings++;
		snprintf(test_last_warning, sizeof(test_last_warning), "%s", text);
	}
}

static double
test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * A catastrophic ignore pattern against a hostile 16 KB subject: PCRE2's
 * default limits let each match run ~200 ms (ten matches: ~2 s); under
 * osm's limits each gives up within a few ms, counts as not ignored and
 * is logged once, not per match.  Plain patterns still match at the end
 * of a 16 KB value.
 */
static void
test_ignore_limits(void **state)
{
	const char *yaml =
	    "ignore:\n"
	    "  subjects: [\"(a+)+$\", \"(?i)cheap pills$\"]\n"
	    "  paths: [\"^/home/[^/]+/.*\\\\.php$\"]\n";
	struct osm_buf *errs = osm_buf_new(1 << 16);
	struct osm_cfg *c = load(yaml, errs);
	static char hostile[16385], legit[16385], path[4001];
	double	t0, ms;

	(void) state;
	if (c == NULL)
		fail_msg("load: %s", osm_buf_data(errs));
	memset(hostile, 'a', sizeof(hostile) - 1);
	hostile[sizeof(hostile) - 2] = 'b';
	for (size_t i = 0; i < sizeof(legit) - 1; i++)
		legit[i] = "xy z"[i % 4];
	memcpy(legit + sizeof(legit) - 12, "Cheap PILLS", 11);
	memset(path, 'd', sizeof(path) - 1);
	memcpy(path, "/home/bob/", 10);
	memcpy(path + sizeof(path) - 5, ".php", 4);
	osm_msg_set_output(test_capture);
	test_warnings = 0;
	t0 = test_now_ms();
	for (int i = 0; i < 10; i++)
		assert_false(osm_cfg_ignore_subject(c, hostile));
	ms = test_now_ms() - t0;
	if (ms > 300)
		fail_msg("10 hostile matches took %.0f ms, want under 300", ms);
	if (test_warnings != 1)
		fail_msg("warnings: got %d, want 1 (rate-limited)", test_warnings);
	assert_non_null(strstr(test_last_warning, "ignore.subjects: pattern 1 gave up on a 16384-byte value"));
	assert_true(osm_cfg_ignore_subject(c, legit));
	assert_true(osm_cfg_ignore_path(c, path));
	assert_int_equal(test_warnings, 1);
	osm_msg_set_output(NULL);
	osm_cfg_free(c);
	osm_buf_free(errs);
}

/* test_refused - osm_secure_open(PATH) fails with a reason containing WANT */
static void
test_refused(const char *path, const char *want)
{
	char	err[512] = "";
	int	fd = osm_secure_open(path, geteuid(), err, sizeof(err));

	if (fd >= 0)
		fail_msg("%s: opened, want refused with '%s'", path, want);
	if (strstr(err, want) == NULL)
		fail_msg("%s: got '%s', want '%s'", path, err, want);
}

/*
 * The configuration's StrictModes check, on files below the working
 * directory (the build tree); the caller's uid stands for root, so the
 * test runs without root.  As root it also loads through osm_cfg_load.
 */
static void
test_secure(void **state)
{
	char	d[] = "secure-test.XXXXXX", f[64], g[64], sub[64], err[512];
	int	fd;

	(void) state;
	if ((fd = osm_secure_dir("./", geteuid(), err, sizeof(err))) < 0) {
		printf("skip: the build directory is not trusted (%s)\n", err);
		skip();
	}
	close(fd);
	assert_non_null(mkdtemp(d));
	chmod(d, 0755);
	snprintf(f, sizeof(f), "%s/osm.yaml", d);
	snprintf(g, sizeof(g), "%s/link.yaml", d);
	snprintf(sub, sizeof(sub), "%s/sub", d);
	FILE   *fp = fopen(f, "w");

	assert_non_null(fp);
	fputs("server_name: strict\n", fp);
	fclose(fp);
	chmod(f, 0644);
	if ((fd = osm_secure_open(f, geteuid(), err, sizeof(err))) < 0)
		fail_msg("%s: got '%s', want it opened", f, err);
	close(fd);
	chmod(f, 0664);
	test_refused(f, "is writable by group or others (mode 0664)");
	chmod(f, 0646);
	test_refused(f, "is writable by group or others (mode 0646)");
	chmod(f, 0644);
	chmod(d, 0775);
	test_refused(f, "secure-test.");
	test_refused(f, "is writable by group or others (mode 0775)");
	chmod(d, 01777);
	test_refused(f, "(mode 1777)");		/* sticky is no excuse, as in sshd */
	chmod(d, 0755);
	assert_int_equal(symlink("osm.yaml", g), 0);
	test_refused(g, "link.yaml is a symlink");
	assert_int_equal(mkdir(sub, 0755), 0);
	unlink(g);
	assert_int_equal(symlink("sub", g), 0);
	snprintf(sub, sizeof(sub), "%s/link.yaml/x.yaml", d);
	test_refused(sub, "link.yaml is a symlink");
	test_refused(d, "is not a regular file");
	snprintf(sub, sizeof(sub), "%s/fifo", d);
	assert_int_equal(mkfifo(sub, 0644), 0);
	test_refused(sub, "is not a regular file");	/* and did not block */
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/../%s/osm.yaml", d, d);
	test_refused(sub, "a '..' component");
	if (geteuid() == 0) {
		struct osm_buf *errs = osm_buf_new(1 << 16);
		struct osm_cfg *c;

		assert_int_equal(chown(f, 65534, 0), 0);
		test_refused(f, "is owned by uid 65534, not root");
		assert_null(osm_cfg_load(f, errs));
		assert_non_null(strstr(osm_buf_data(errs), "osm.yaml:1:1: cannot open: not trusted: "));
		assert_int_equal(chown(f, 0, 0), 0);
		osm_buf_reset(errs);
		c = osm_cfg_load(f, errs);
		if (c == NULL)
			fail_msg("load: %s", osm_buf_data(errs));
		assert_string_equal(c->server_name, "strict");
		osm_cfg_free(c);
		chmod(f, 0666);
		osm_buf_reset(errs);
		assert_null(osm_cfg_load(f, errs));
		assert_non_null(strstr(osm_buf_data(errs), "is writable by group or others (mode 0666)"));
		osm_buf_free(errs);
	}
	unlink(g);
	unlink(f);
	snprintf(sub, sizeof(sub), "%s/sub", d);
	rmdir(sub);
	rmdir(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_ignore),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ignore_limits),
		cmocka_unit_test(test_secure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
