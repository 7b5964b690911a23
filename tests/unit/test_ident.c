/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_ident - who sent a request and which events it enters (osm_ident):
 * one table of requests and what osm-policyd and osmctl scan must make
 * of them.  The account tables are this machine's passwd database with
 * min_uid 0 (root /root, daemon /usr/sbin, mail /var/mail, backup
 * /var/backups, www-data /var/www and nobody, the web server's users),
 * and "shop.example: daemon" as userdomains.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "osm_acct.h"
#include "osm_cfg.h"
#include "osm_ident.h"
#include "osm_redis.h"

static struct osm_cfg *cfg;
static struct osm_acct *tables;
static char domains[] = "/tmp/osm-ud.XXXXXX";

static int
setup(void **state)
{
	const char *yaml =
	    "server_name: s\n"
	    "user: sys\n"
	    "min_uid: 0\n"
	    "ignore:\n"
	    "  accounts: [backup, games]\n"
	    "  email_accounts: [noreply@shop.example]\n"
	    "  ips: [10.0.0.0/8]\n"
	    "  paths: [\"/cgi-bin/\"]\n"
	    "  subjects: [\"^skip\"]\n";
	int	fd = mkstemp(domains);
	FILE   *fp = fdopen(fd, "w");

	(void) state;
	fprintf(fp, "shop.example: daemon\n");
	fclose(fp);
	cfg = osm_cfg_load_mem("t.yaml", yaml, strlen(yaml), NULL);
	tables = cfg ? osm_acct_load(domains, 0) : NULL;
	return cfg && tables ? 0 : -1;
}

static int
teardown(void **state)
{
	(void) state;
	osm_cfg_free(cfg);
	osm_acct_free(tables);
	unlink(domains);
	return 0;
}

/* ident_events - "TYPE KEY [ACCOUNT EMAIL]" per event, "*" after a cwd event's; a subject key is "SENDER:#" */
static void
ident_events(const struct osm_ident *id, const char *subject, char *out, size_t len)
{
	size_t	n = 0;

	out[0] = 0;
	for (int i = 0; i < id->nev; i++) {
		const struct osm_ident_ev *e = &id->ev[i];
		char	key[400];

		snprintf(key, sizeof(key), "%s", e->key);
		if (e->ev == OSM_EV_LOGLINE_SUBJECT) {
			char	want[400];

			snprintf(want, sizeof(want), "%s:%016llx", id->key, osm_redis_hash(subject));
			if (strcmp(want, e->key) == 0)
				snprintf(key, sizeof(key), "%s:#", id->key);
		}
		n += (size_t) snprintf(out + n, len - n, "%s%s %s [%s %s]%s", i ? ", " : "", osm_ev_names[e->ev], key,
				       e->account ? e->account : "-", e->email ? e->email : "-", e->cwd ? "*" : "");
	}
}

struct ident_row {
	const char *label;
	struct osm_ident_req in;
	enum osm_ident_skip want_skip;
	const char *want_target, *want_tag, *want_account, *want_email;
	const char *want_cwd_owner, *want_owner, *want_cwd_tag, *want_cwd_target;
	int	want_same, want_cwd_ignored, want_subject_ignored;
	const char *want_events;
};

#define REQ(...) {__VA_ARGS__}
static const struct ident_row rows[] = {
	{"local uid, cwd in its own home",
	 REQ(.source = "exim", .uid = "0", .cwd = "/root/site", .subject = "hi"),
	 OSM_IDENT_COUNT, "account:root", "root", "root", NULL, "root", "root", "root", "account:root", 1, 0, 0,
	 "logline root [root -], logline:subject root:# [root -], cwdcheck root [root -]*, "
	 "cwdcheck:cwd /root/site [root -]*"},
	{"uid unknown",
	 REQ(.source = "exim", .uid = "4242"),
	 OSM_IDENT_COUNT, "account:uid:4242", "uid:4242", "uid:4242", NULL, NULL, NULL, "uid:4242",
	 "account:uid:4242", 1, 0, 0, "logline uid:4242 [uid:4242 -]"},
	{"account attribute wins over a login and a uid",
	 REQ(.source = "exim", .account = "mail", .sasl = "daemon", .uid = "0"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, NULL, NULL, "mail", "account:mail", 1, 0, 0,
	 "logline mail [mail -]"},
	{"sasl with @, domain known: lower case, tagged by the owner",
	 REQ(.sasl = "Info@Shop.Example", .ip = "192.0.2.1"),
	 OSM_IDENT_COUNT, "email:info@shop.example", "daemon", "daemon", "info@shop.example", NULL, NULL,
	 "daemon", "email:info@shop.example", 1, 0, 0, "logline info@shop.example [daemon info@shop.example]"},
	{"sasl with @, domain unknown",
	 REQ(.sasl = "a@other.example", .ip = "192.0.2.1"),
	 OSM_IDENT_COUNT, "email:a@other.example", "a@other.example", NULL, "a@other.example", NULL, NULL,
	 "a@other.example", "email:a@other.example", 1, 0, 0, "logline a@other.example [- a@other.example]"},
	{"sasl without @: the account's own login",
	 REQ(.source = "mainlog", .sasl = "mail", .ip = "192.0.2.1"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, NULL, NULL, "mail", "account:mail", 1, 0, 0,
	 "logline mail [mail -]"},
	{"sasl without @ that is no account name: keyed by the ip",
	 REQ(.source = "mainlog", .sasl = "x{y}", .ip = "192.0.2.7"),
	 OSM_IDENT_COUNT, "ip:192.0.2.7", "ip:192.0.2.7", NULL, NULL, NULL, NULL, "ip:192.0.2.7", "ip:192.0.2.7",
	 1, 0, 0, "logline ip:192.0.2.7 [- -]"},
	{"ip only",
	 REQ(.ip = "192.0.2.9"),
	 OSM_IDENT_COUNT, "ip:192.0.2.9", "ip:192.0.2.9", NULL, NULL, NULL, NULL, "ip:192.0.2.9", "ip:192.0.2.9",
	 1, 0, 0, "logline ip:192.0.2.9 [- -]"},
	{"nothing to key it by",
	 REQ(.source = "exim", .subject = "x"),
	 OSM_IDENT_NO_SENDER, "", "", NULL, NULL, NULL, NULL, "", "", 1, 0, 0, ""},
	{"ignored account",
	 REQ(.source = "exim", .account = "backup", .cwd = "/root/x"),
	 OSM_IDENT_IGNORED_ACCOUNT, "account:backup", "backup", "backup", NULL, "root", "backup", "backup",
	 "account:backup", 1, 0, 0, ""},
	{"ignored email",
	 REQ(.sasl = "noreply@shop.example"),
	 OSM_IDENT_IGNORED_EMAIL, "email:noreply@shop.example", "daemon", "daemon", "noreply@shop.example", NULL,
	 NULL, "daemon", "email:noreply@shop.example", 1, 0, 0, ""},
	{"ignored ip",
	 REQ(.ip = "10.1.2.3"),
	 OSM_IDENT_IGNORED_IP, "ip:10.1.2.3", "ip:10.1.2.3", NULL, NULL, NULL, NULL, "ip:10.1.2.3", "ip:10.1.2.3",
	 1, 0, 0, ""},
	{"ignored path: the cwd is dropped, the message counts",
	 REQ(.source = "exim", .account = "mail", .cwd = "/var/mail/cgi-bin/x"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, "mail", "mail", "mail", "account:mail", 1, 1, 0,
	 "logline mail [mail -]"},
	{"ignored subject",
	 REQ(.source = "exim", .account = "mail", .subject = "skip this"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, NULL, NULL, "mail", "account:mail", 1, 0, 1,
	 "logline mail [mail -]"},
	{"osm's own mail by account",
	 REQ(.source = "mainlog", .account = "sys"),
	 OSM_IDENT_OWN_MAIL, "account:sys", "sys", "sys", NULL, NULL, NULL, "sys", "account:sys", 1, 0, 0, ""},
	{"osm's own mail by uid",
	 REQ(.source = "exim", .uid = "3"),
	 OSM_IDENT_OWN_MAIL, "account:sys", "sys", "sys", NULL, NULL, NULL, "sys", "account:sys", 1, 0, 0, ""},
	{"an account's process in another account's home counts for itself",
	 REQ(.source = "exim", .uid = "1", .cwd = "/root/site"),
	 OSM_IDENT_COUNT, "account:daemon", "daemon", "daemon", NULL, "root", "daemon", "daemon", "account:daemon",
	 1, 0, 0, "logline daemon [daemon -], cwdcheck daemon [daemon -]*, cwdcheck:cwd /root/site [daemon -]*"},
	{"the web server's user (www-data) counts for the path's owner",
	 REQ(.source = "exim", .uid = "33", .cwd = "/root/site"),
	 OSM_IDENT_COUNT, "account:www-data", "www-data", "www-data", NULL, "root", "root", "root", "account:root",
	 0, 0, 0, "logline www-data [www-data -], cwdcheck root [root -]*, cwdcheck:cwd /root/site [root -]*"},
	{"the web server's user (nobody) counts for the path's owner",
	 REQ(.source = "exim", .uid = "65534", .cwd = "/var/mail/x"),
	 OSM_IDENT_COUNT, "account:nobody", "nobody", "nobody", NULL, "mail", "mail", "mail", "account:mail",
	 0, 0, 0, "logline nobody [nobody -], cwdcheck mail [mail -]*, cwdcheck:cwd /var/mail/x [mail -]*"},
	{"a cwd in an ignored account's home is dropped; its tag stays",
	 REQ(.source = "exim", .uid = "33", .cwd = "/var/backups/x"),
	 OSM_IDENT_COUNT, "account:www-data", "www-data", "www-data", NULL, "backup", "backup", "backup",
	 "account:backup", 0, 1, 0, "logline www-data [www-data -]"},
	{"a local send known only by its path",
	 REQ(.source = "exim", .cwd = "/var/mail/z"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, "mail", "mail", "mail", "account:mail", 1, 0, 0,
	 "logline mail [mail -], cwdcheck mail [mail -]*, cwdcheck:cwd /var/mail/z [mail -]*"},
	{"sniffer: packet events, the account's own",
	 REQ(.source = "sniffer", .account = "mail", .cwd = "/root/x", .subject = "s"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, "root", "mail", "mail", "account:mail", 1, 0, 0,
	 "packet mail [mail -], packet:cwd /root/x [mail -]*"},
	{"sniffer without an account: no packet event",
	 REQ(.source = "sniffer", .ip = "192.0.2.3"),
	 OSM_IDENT_COUNT, "ip:192.0.2.3", "ip:192.0.2.3", NULL, NULL, NULL, NULL, "ip:192.0.2.3", "ip:192.0.2.3",
	 1, 0, 0, ""},
	{"delivery result: no cwd, no subject",
	 REQ(.source = "mainlog", .events = "delivery", .delivery = "bounced", .account = "mail", .cwd = "/root/x",
	     .subject = "s"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, NULL, NULL, "mail", "account:mail", 1, 0, 0,
	 "delivery mail [mail -]"},
	{"delivery result of an email account",
	 REQ(.source = "mainlog", .events = "delivery", .delivery = "delivered", .sasl = "info@shop.example"),
	 OSM_IDENT_COUNT, "email:info@shop.example", "daemon", "daemon", "info@shop.example", NULL, NULL, "daemon",
	 "email:info@shop.example", 1, 0, 0, "delivery info@shop.example [daemon info@shop.example]"},
	{"events=cwd: only the cwd's events",
	 REQ(.source = "mainlog", .events = "cwd", .account = "mail", .cwd = "/var/mail/y", .subject = "s"),
	 OSM_IDENT_COUNT, "account:mail", "mail", "mail", NULL, "mail", "mail", "mail", "account:mail", 1, 0, 0,
	 "cwdcheck mail [mail -]*, cwdcheck:cwd /var/mail/y [mail -]*"},
	{"events=cwd of the web server's user in an account's home",
	 REQ(.source = "mainlog", .events = "cwd", .account = "www-data", .cwd = "/root/y"),
	 OSM_IDENT_COUNT, "account:www-data", "www-data", "www-data", NULL, "root", "root", "root", "account:root",
	 0, 0, 0, "cwdcheck root [root -]*, cwdcheck:cwd /root/y [root -]*"},
};

static void
expect_str(const char *label, const char *what, const char *got, const char *want)
{
	if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
		fail_msg("%s: %s: got \"%s\", want \"%s\"", label, what, got ? got : "(null)", want ? want : "(null)");
}

static void
expect_int(const char *label, const char *what, int got, int want)
{
	if (got != want)
		fail_msg("%s: %s: got %d, want %d", label, what, got, want);
}

static void
test_table(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct ident_row *t = &rows[i];
		struct osm_ident id;
		const char *why = NULL;
		char	events[1024];

		if (osm_ident_check(&t->in, &why) != 0)
			fail_msg("%s: refused: %s", t->label, why);
		memset(&id, 0x5a, sizeof(id));	/* nothing may rely on a cleared result */
		osm_ident_resolve(&t->in, cfg, tables, &id);
		if (id.skip != t->want_skip)
			fail_msg("%s: skip: got %s, want %s", t->label, osm_ident_skip_name(id.skip),
				 osm_ident_skip_name(t->want_skip));
		expect_str(t->label, "target", id.target, t->want_target);
		expect_str(t->label, "tag", id.tag, t->want_tag);
		expect_str(t->label, "account", id.account, t->want_account);
		expect_str(t->label, "email", id.email, t->want_email);
		expect_str(t->label, "cwd_owner", id.cwd_owner, t->want_cwd_owner);
		expect_str(t->label, "owner", id.owner, t->want_owner);
		expect_str(t->label, "cwd_tag", id.cwd_tag, t->want_cwd_tag);
		expect_str(t->label, "cwd_target", id.cwd_target, t->want_cwd_target);
		expect_int(t->label, "same", id.same, t->want_same);
		if (t->want_skip != OSM_IDENT_COUNT)
			expect_int(t->label, "nev", id.nev, 0);
		else {
			expect_int(t->label, "cwd_ignored", id.cwd_ignored, t->want_cwd_ignored);
			expect_int(t->label, "subject_ignored", id.subject_ignored, t->want_subject_ignored);
		}
		ident_events(&id, t->in.subject, events, sizeof(events));
		expect_str(t->label, "events", events, t->want_events);
	}
}

/* Requests osm-policyd refuses, and why. */
static const struct {
	const char *label;
	struct osm_ident_req in;
	const char *want_why;
} bad[] = {
	{"unknown source", REQ(.source = "smtp"), "unknown 'source' (want postfix, exim, mainlog or sniffer)"},
	{"uid not a number", REQ(.uid = "0x1"), "'uid' is not a number"},
	{"uid too long", REQ(.uid = "12345678901"), "'uid' is not a number"},
	{"recipient count", REQ(.account = "a", .rcpts = "-1"), "recipient count is not a number"},
	{"ip", REQ(.ip = "300.1.1.1"), "'client_address' is not an IP address"},
	{"relative cwd", REQ(.cwd = "www"), "'cwd' is not an absolute path"},
	{"unknown events", REQ(.events = "all"),
	 "unknown 'events' (want cwd: count only the working directory, or delivery)"},
	{"delivery without its result", REQ(.events = "delivery", .account = "a"),
	 "events=delivery needs 'delivery' (delivered, bounced or deferred)"},
	{"delivery id", REQ(.events = "delivery", .delivery = "bounced", .did = "xyz"),
	 "'delivery_id' is not a short hex string"},
	{"message id with a blank", REQ(.msgid = "a b"), "'message_id' too long or has blanks"},
	{"account with @", REQ(.account = "a@b"), "'account' is not an account name"},
	{"account with a brace", REQ(.account = "a{b"), "'account' is not an account name"},
	{"long sasl_username",
	 REQ(.sasl = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@x"), "'sasl_username' too long"},
};

static void
test_check(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		if (osm_ident_check(&bad[i].in, &why) != -1)
			fail_msg("%s: accepted, want refused", bad[i].label);
		expect_str(bad[i].label, "why", why, bad[i].want_why);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
