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
	{"server_name: \"a\\0b\"\n", "t.yaml:1:14: server_name: NUL byte in value\n"},
	{"listen: [unix:/r/0, unix:/r/1, unix:/r/2, unix:/r/3, unix:/r/4, unix:/r/5, unix:/r/6, unix:/r/7, unix:/r/8]\n",
	 "t.yaml:1:98: listen: at most 8 sockets\n"},
	{"listen: [\"inet::25\"]\n", "t.yaml:1:10: listen: 'inet::25': expected inet:HOST:PORT\n"},
	{"mainlog: {path: var/log}\n", "t.yaml:1:17: mainlog.path: expected an absolute path, not 'var/log'\n"},
	{"mainlog: {rotate: yes}\n", "t.yaml:1:11: mainlog: unknown key 'rotate' (expected path, state_file or exim_users)\n"},
	{"actions: {commands: {block_ip: [/bin/x, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a]}}\n",
	 "t.yaml:1:86: actions.commands.block_ip: at most 16 arguments\n"},
	{"actions: {commands: {block_ip: [csf, -d]}}\n",
	 "t.yaml:1:33: actions.commands.block_ip: the program must be an absolute path, not 'csf'\n"
	 "t.yaml:1:38: actions.commands.block_ip: the program must be an absolute path, not '-d'\n"
	 "t.yaml:1:32: actions.commands.block_ip: the command is empty\n"},
	{"actions: {commands: {block_ip: [/sbin/csf, '%user']}}\n",
	 "t.yaml:1:44: actions.commands.block_ip: unknown placeholder in '%user' (expected %account, %email, %domain, %ip, %report or %%)\n"},
	{"actions: {commands: {block_ip: [[/a], [/b], [/c], [/d], [/e]]}}\n",
	 "t.yaml:1:57: actions.commands.block_ip: at most 4 commands\n"},
	{"actions: {report: {from: nobody}}\n", "t.yaml:1:26: actions.report.from: 'nobody' is not an email address\n"},
	{"actions: {report: {cc: x@y}}\n", "t.yaml:1:20: actions.report: unknown key 'cc' (expected to, from or sendmail)\n"},
	{"actions: {commands: {reboot: [/sbin/reboot]}}\n",
	 "t.yaml:1:22: actions.commands: 'reboot' is not a command action (expected suspend_account, block_account_mail, suspend_email, block_login, block_outgoing or block_ip)\n"},
	{"actions: {custom: {command: [/bin/s, '%report']}}\n",
	 "t.yaml:1:29: actions.custom.command: no placeholders here; the script gets the report on standard input and its id in $OSM_REPORT\n"},
	{"actions: {custom: {format: csv}}\n", "t.yaml:1:28: actions.custom.format: expected json, yaml, xml or perl, not 'csv'\n"},
	{"actions: {custom: {shell: /bin/sh}}\n", "t.yaml:1:20: actions.custom: unknown key 'shell' (expected command, format or user)\n"},
	{"actions: {retries: 3}\n",
	 "t.yaml:1:11: actions: unknown key 'retries' (expected timeout, queue, report, exim, exim_spool, commands or custom)\n"},
	{"sniffer: {ports: [1, 2, 3, 4, 5, 6, 7, 8, 9]}\n", "t.yaml:1:43: sniffer.ports: at most 8 ports\n"},
	{"sniffer: {ports: [0]}\n",
	 "t.yaml:1:19: sniffer.ports: 0 is out of range (1 to 65535)\nt.yaml:1:18: sniffer.ports: list is empty\n"},
	{"sniffer: {backend: dpdk}\n", "t.yaml:1:20: sniffer.backend: expected auto, pcap or ebpf, not 'dpdk'\n"},
	{"sniffer: {interface: eth0/1}\n", "t.yaml:1:22: sniffer.interface: 'eth0/1' is not an interface name\n"},
	{"sniffer: {promisc: true}\n", "t.yaml:1:11: sniffer: unknown key 'promisc' (expected ports, backend or interface)\n"},
	{"apache_status: {url: https://x/}\n", "t.yaml:1:22: apache_status.url: 'https://x/' is not an http:// URL\n"},
	{"apache_status: {docroot: public_html}\n",
	 "t.yaml:1:26: apache_status.docroot: 'public_html' must start with %home or /\n"},
	{"apache_status: {port: 80}\n",
	 "t.yaml:1:17: apache_status: unknown key 'port' (expected enabled, url, timeout, docroot or web_users)\n"},
	{"limits: {max_memory: 1}\n", "t.yaml:1:10: limits: unknown key 'max_memory'\n"},
	{"triggers: {default: {logline: {actions: [store, reboot]}}}\n",
	 "t.yaml:1:49: triggers.default.logline: unknown action 'reboot'\n"},
	{"triggers: {default: {logline: {windows: [{events: 1, seconds: 5, minutes: 1}]}}}\n",
	 "t.yaml:1:66: triggers.default.logline: unknown key 'minutes' (expected events, seconds or failure_ratio)\n"},
	{"triggers: {default: {logline: {windows: [{events: 1, seconds: 1}, {events: 1, seconds: 2}, "
	 "{events: 1, seconds: 3}, {events: 1, seconds: 4}, {events: 1, seconds: 5}]}}}\n",
	 "t.yaml:1:142: triggers.default.logline: at most 4 windows\n"},
	{"triggers: {default: {logline: {limit: 5}}}\n", "t.yaml:1:32: triggers.default.logline: unknown key 'limit'\n"},
	{"triggers: {email_accounts: {A@x.example: {}, a@x.example: {}}}\n",
	 "t.yaml:1:28: triggers.email_accounts: 'a@x.example' is given twice\n"},
	{"ignore: {ips: [10.0.0.0/33]}\n", "t.yaml:1:16: ignore.ips: '10.0.0.0/33': bad prefix length\n"},
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

/*
 * fmt_match - does MSG read as printf format FMT?  Each conversion
 * (%s, %.60s, %lu, %u, %d) stands for one or more characters, %% for
 * itself.  Returns the number of literal characters matched (the most
 * specific format wins), or -1.
 */
static int
fmt_match(const char *fmt, const char *msg)
{
	int	r;

	if (*fmt == 0)
		return *msg == 0 ? 0 : -1;
	if (fmt[0] == '%' && fmt[1] == '%')
		return *msg == '%' && (r = fmt_match(fmt + 2, msg + 1)) >= 0 ? r + 1 : -1;
	if (*fmt == '%') {
		const char *rest = fmt + 1 + strspn(fmt + 1, ".0123456789l");

		if (*rest == 0 || *msg == 0)
			return -1;
		for (const char *m = msg + 1; m <= msg + strlen(msg); m++)
			if ((r = fmt_match(rest + 1, m)) >= 0)
				return r;
		return -1;
	}
	return *fmt == *msg && (r = fmt_match(fmt + 1, msg + 1)) >= 0 ? r + 1 : -1;
}

#define MAX_FORMATS	200

/* cover_lines - mark the format each "t.yaml:LINE:COL: message" line of TEXT reads as */
static void
cover_lines(const char *text, char *const *fmts, int nfmts, int *covered)
{
	for (const char *p = text, *eol; *p && (eol = strchr(p, '\n')) != NULL; p = eol + 1) {
		char	line[1024];
		const char *msg;
		int	best = -1, bestlen = -1;

		snprintf(line, sizeof(line), "%.*s", (int) (eol - p), p);
		if ((msg = strstr(line, ": ")) == NULL)
			continue;
		for (int i = 0; i < nfmts; i++) {
			int	l = fmt_match(fmts[i], msg + 2);

			if (l > bestlen)
				best = i, bestlen = l;
		}
		if (best >= 0)
			covered[best] = 1;
	}
}

/*
 * test_every_message - every message an osm_cfg_err() call in osm_cfg.c
 * can give is in err_cases (or the one generated case below), read
 * from the source so that a new message without a case fails here.
 * The lines written straight to the error buffer (the error cap, YAML
 * syntax, the file ones) are counted; test_file_errors has them.
 */
static void
test_every_message(void **state)
{
	const char *top = getenv("top_srcdir");
	char	path[4096], line[4096], *fmts[MAX_FORMATS];
	int	covered[MAX_FORMATS] = {0}, nfmts = 0, missing = 0, direct = 0;
	struct osm_buf *errs = osm_buf_new(1 << 16);
	char   *big = malloc(5000);
	FILE   *fp;

	(void) state;
	if (top == NULL)
		fail_msg("top_srcdir is not set (run through make check)");
	snprintf(path, sizeof(path), "%s/lib/osm_cfg.c", top);
	if ((fp = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	while (fgets(line, sizeof(line), fp)) {
		char   *call = strstr(line, "osm_cfg_err(ld, "), *q, *end = NULL;

		direct += strstr(line, "osm_buf_printf(errs,") != NULL
		    || strstr(line, "osm_buf_printf(ld->errs,") != NULL;
		if (call == NULL)
			continue;
		/* the format must be a plain literal on the call's line */
		if ((q = strchr(call, '"')) == NULL || (end = strchr(q + 1, '"')) == NULL || nfmts == MAX_FORMATS) {
			print_error("cannot read the format of: %s", line);
			missing++;
			continue;
		}
		*end = 0;
		int	seen = 0;

		for (int i = 0; i < nfmts && !seen; i++)
			seen = !strcmp(fmts[i], q + 1);	/* two calls, one message */
		if (!seen)
			fmts[nfmts++] = strdup(q + 1);
	}
	fclose(fp);
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++)
		cover_lines(err_cases[i].want, fmts, nfmts, covered);
	/* a value over 4096 bytes: too long for a table row */
	memcpy(big, "user: ", 6);
	memset(big + 6, 'a', 4097);
	strcpy(big + 6 + 4097, "\n");
	assert_null(osm_cfg_load_mem("t.yaml", big, strlen(big), errs));
	assert_string_equal(osm_buf_data(errs), "t.yaml:1:7: user: value too long\n");
	cover_lines(osm_buf_data(errs), fmts, nfmts, covered);
	for (int i = 0; i < nfmts; i++) {
		/* only an allocation failure gives it: no file can */
		if (!covered[i] && strcmp(fmts[i], "%s: out of memory")) {
			print_error("no err_cases row gives \"%s\"\n", fmts[i]);
			missing++;
		}
		free(fmts[i]);
	}
	free(big);
	osm_buf_free(errs);
	assert_true(nfmts > 60);		/* the reader still finds the calls */
	assert_int_equal(missing, 0);
	/* the error cap, its line format, YAML syntax, cannot open, read error or too large */
	assert_int_equal(direct, 5);
}

/*
 * test_file_errors - what osm_cfg.c writes to the error buffer itself:
 * the cap on errors, a file over 4 MiB, a read error (/proc/PID/mem at
 * offset 0 is a regular file whose read fails with EIO).  The YAML
 * syntax error and "cannot open" have their cases above.
 */
static void
test_file_errors(void **state)
{
	struct osm_buf *errs = osm_buf_new(1 << 20), *text = osm_buf_new(1 << 16);
	char	d[] = "cfg-file.XXXXXX", f[64], mem[64], err[512], want[128];
	const char *p, *last;
	int	fd, lines = 0;

	(void) state;
	for (int i = 0; i < 150; i++)
		osm_buf_printf(text, "k%d: 1\n", i);
	assert_null(osm_cfg_load_mem("t.yaml", osm_buf_data(text), osm_buf_len(text), errs));
	for (p = last = osm_buf_data(errs); *p; p++)
		if (*p == '\n' && p[1])
			lines++, last = p + 1;
	assert_int_equal(lines + 1, 100);	/* 99 errors, then the cap */
	assert_string_equal(last, "t.yaml: too many errors, stopping\n");

	snprintf(mem, sizeof(mem), "/proc/%ld/mem", (long) getpid());
	osm_buf_reset(errs);
	assert_null(osm_cfg_load(mem, errs));
	snprintf(want, sizeof(want), "%s:1:1: read error\n", mem);
	assert_string_equal(osm_buf_data(errs), want);

	if ((fd = osm_secure_dir("./", geteuid(), err, sizeof(err))) < 0) {
		printf("skip: the build directory is not trusted (%s)\n", err);
		osm_buf_free(text);
		osm_buf_free(errs);
		skip();
	}
	close(fd);
	assert_non_null(mkdtemp(d));
	chmod(d, 0755);
	snprintf(f, sizeof(f), "%s/big.yaml", d);
	FILE   *fp = fopen(f, "w");

	assert_non_null(fp);
	for (int i = 0; i < (4 << 20) / 16 + 1; i++)
		fputs("# sixteen bytes\n", fp);
	fclose(fp);
	osm_buf_reset(errs);
	assert_null(osm_cfg_load(f, errs));
	snprintf(want, sizeof(want), "%s:1:1: file larger than 4 MiB\n", f);
	assert_string_equal(osm_buf_data(errs), want);
	unlink(f);
	rmdir(d);
	osm_buf_free(text);
	osm_buf_free(errs);
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

/* The table's rows load: an empty file gives every scalar row's default. */
static void
test_table_defaults(void **state)
{
	struct osm_buf *errs = osm_buf_new(1 << 16);
	struct osm_cfg *c = load("", errs);
	const char *base = (const char *) c;
	size_t	checked = 0;

	(void) state;
	assert_non_null(c);
	for (size_t i = 0; i < osm_cfg_nparams; i++) {
		const struct osm_cfg_param *p = &osm_cfg_params[i];
		unsigned want;

		assert_non_null(p->help);
		if (p->def == NULL || p->off == 0)
			continue;
		switch (p->type) {
		case OSM_CFG_STR:
		case OSM_CFG_PATH:
			assert_string_equal(*(char *const *) (base + p->off), p->def);
			break;
		case OSM_CFG_UINT:
			assert_int_equal(*(const unsigned *) (base + p->off), strtoul(p->def, NULL, 10));
			break;
		case OSM_CFG_DURATION:
			assert_int_equal(osm_cfg_parse_duration(p->def, &want), 0);
			assert_int_equal(*(const unsigned *) (base + p->off), want);
			break;
		case OSM_CFG_BOOL:
			assert_int_equal(*(const int *) (base + p->off), strcmp(p->def, "true") == 0);
			break;
		case OSM_CFG_ENUM:
			assert_string_equal(p->choices[*(const int *) (base + p->off)], p->def);
			break;
		default:
			continue;
		}
		checked++;
	}
	if (checked < 20)
		fail_msg("checked %zu table defaults, want at least 20", checked);
	osm_cfg_free(c);
	osm_buf_free(errs);
}

/* yaml_for - "a: {b: VALUE}" for the path a.b */
static void
yaml_for(char *out, size_t len, const char *path, long long value)
{
	const char *dot = strchr(path, '.');

	if (dot == NULL)
		snprintf(out, len, "%s: %lld\n", path, value);
	else
		snprintf(out, len, "%.*s: {%s: %lld}\n", (int) (dot - path), path, dot + 1, value);
}

/* A whole number outside a row's bounds names the key and the bounds. */
static void
test_table_bounds(void **state)
{
	struct osm_buf *errs = osm_buf_new(1 << 16);
	size_t	checked = 0;

	(void) state;
	for (size_t i = 0; i < osm_cfg_nparams; i++) {
		const struct osm_cfg_param *p = &osm_cfg_params[i];
		char	text[200], want[200];

		if (p->type != OSM_CFG_UINT || strchr(strchr(p->path, '.') ? strchr(p->path, '.') + 1 : "", '.'))
			continue;
		for (int low = 0; low < 2; low++) {
			long long v = low ? p->min - 1 : p->max + 1;

			if (v < 0)
				continue;
			yaml_for(text, sizeof(text), p->path, v);
			osm_buf_reset(errs);
			assert_null(load(text, errs));
			snprintf(want, sizeof(want), "%s: %lld is out of range (%lld to %lld)",
				 p->path, v, p->min, p->max);
			if (strstr(osm_buf_data(errs), want) == NULL)
				fail_msg("%s: got '%s', want '%s'", text, osm_buf_data(errs), want);
			checked++;
		}
	}
	if (checked < 8)
		fail_msg("checked %zu bounds, want at least 8", checked);
	osm_buf_free(errs);
}

static void
test_table_find(void **state)
{
	const struct osm_cfg_param *p;

	(void) state;
	assert_non_null(p = osm_cfg_param_find("redis.timeout_ms"));
	assert_int_equal(p->type, OSM_CFG_UINT);
	assert_int_equal(p->min, 10);
	assert_int_equal(p->max, 60000);
	assert_non_null(p = osm_cfg_param_find("actions.report.sendmail"));
	assert_int_equal(p->type, OSM_CFG_PATH);
	assert_non_null(osm_cfg_param_find("listen"));
	assert_null(osm_cfg_param_find("redis.port"));
	assert_null(osm_cfg_param_find("redis."));
	assert_null(osm_cfg_param_find("timeout_ms"));
	assert_null(osm_cfg_param_find(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_table_defaults),
		cmocka_unit_test(test_table_bounds),
		cmocka_unit_test(test_table_find),
		cmocka_unit_test(test_inheritance),
		cmocka_unit_test(test_ignore),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_every_message),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_ignore_limits),
		cmocka_unit_test(test_secure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
