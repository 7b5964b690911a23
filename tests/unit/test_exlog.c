/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_exlog - the exim mainlog line parser, field by field, for every
 * line shape osm reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "osm_exlog.h"

static struct osm_exlog l;

static enum osm_exlog_kind
parse(const char *s)
{
	return osm_exlog_parse(s, strlen(s), &l);
}

static void
test_arrival_local(void **state)
{
	(void) state;
	assert_int_equal(parse("2026-11-23 06:24:50 [21566] 1xVNTu-0005bq-1O <= weba@mx.test.example U=weba "
			       "P=local S=372 T=\"Cheap pills 1\" for victim@remote.example b@r.example"), OSM_EXLOG_ARRIVAL);
	assert_int_equal(l.time, 1795415090LL);
	assert_int_equal(l.pid, 21566);
	assert_string_equal(l.id, "1xVNTu-0005bq-1O");
	assert_string_equal(l.addr, "weba@mx.test.example");
	assert_string_equal(l.user, "weba");
	assert_string_equal(l.proto, "local");
	assert_int_equal(l.size, 372);
	assert_string_equal(l.subject, "Cheap pills 1");
	assert_int_equal(l.nrcpt, 2);
	assert_string_equal(l.rcpts, "victim@remote.example b@r.example");
	assert_null(l.auth);
	assert_null(l.ip);
}

static void
test_arrival_auth_ipv6_tz(void **state)
{
	(void) state;
	assert_int_equal(parse("2026-11-23 10:00:01.123 +0100 [4242] 1xVNab-0001ab-AB <= info@shop.example "
			       "H=client.example.net (laptop) [2001:db8::7]:51234 I=[2001:db8::1]:587 P=esmtpsa "
			       "A=dovecot_login:info@shop.example S=2048 id=abc@laptop T=\"a \\\"b\\\" \\\\ \\303\\251\" for x@r.example"),
			 OSM_EXLOG_ARRIVAL);
	assert_int_equal(l.time, 1795428001LL - 3600);	/* 10:00:01 +0100 is 09:00:01 UTC */
	assert_string_equal(l.host, "client.example.net");
	assert_string_equal(l.helo, "laptop");
	assert_string_equal(l.ip, "2001:db8::7");
	assert_string_equal(l.proto, "esmtpsa");
	assert_string_equal(l.auth, "info@shop.example");
	assert_string_equal(l.msgid, "abc@laptop");
	assert_string_equal(l.subject, "a \"b\" \\ \xc3\xa9");
	/* H=(helo) [ip] without a name */
	assert_int_equal(parse("2026-11-23 06:24:52 1xVNTw-0005en-1E <= s@x.example H=(vm) [127.0.0.1] P=esmtpa "
			       "A=login:s@x.example S=1 T=\"x\" for c@r.example"), OSM_EXLOG_ARRIVAL);
	assert_null(l.host);
	assert_string_equal(l.helo, "vm");
	assert_string_equal(l.ip, "127.0.0.1");
	assert_int_equal(l.pid, -1);
}

static void
test_deliveries(void **state)
{
	(void) state;
	assert_int_equal(parse("2026-11-23 06:24:50 [21568] 1xVNTu-0005bq-1O => victim@remote.example "
			       "<v@remote.example> R=remote T=remote_smtp H=mx.r.example [192.0.2.1] C=\"250 queued as 1\""),
			 OSM_EXLOG_DELIVERY);
	assert_string_equal(l.addr, "victim@remote.example");
	assert_string_equal(l.router, "remote");
	assert_string_equal(l.transport, "remote_smtp");
	assert_string_equal(l.host, "mx.r.example");
	assert_string_equal(l.ip, "192.0.2.1");
	assert_null(l.subject);
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA ** bob@r.example R=dnslookup T=remote_smtp: 550 no"),
			 OSM_EXLOG_FAILURE);
	assert_string_equal(l.transport, "remote_smtp");
	assert_string_equal(l.reason, "550 no");
	/* words of the error are not fields */
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA ** b@r.example R=d T=remote_smtp H=mx [192.0.2.1]: "
			       "550 rejected T=spam H=evil"), OSM_EXLOG_FAILURE);
	assert_string_equal(l.transport, "remote_smtp");
	assert_string_equal(l.ip, "192.0.2.1");
	assert_string_equal(l.reason, "550 rejected T=spam H=evil");
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA ** x@bad.invalid: Unrouteable address"),
			 OSM_EXLOG_FAILURE);
	assert_string_equal(l.addr, "x@bad.invalid");
	assert_string_equal(l.reason, "Unrouteable address");
	assert_null(l.transport);
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA == c@r.example R=dnslookup defer (-44)"),
			 OSM_EXLOG_DEFERRAL);
	assert_null(l.reason);
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA -> c@r.example R=x T=y"), OSM_EXLOG_ADDITIONAL);
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA >> c@r.example R=x T=y"), OSM_EXLOG_CUTTHROUGH);
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA *> c@r.example R=x T=y"), OSM_EXLOG_SUPPRESSED);
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA Completed"), OSM_EXLOG_COMPLETED);
	assert_int_equal(parse("2026-11-23 10:00:04 1xVNaa-0001aa-AA frozen by ACL"), OSM_EXLOG_OTHER);
	/* bounce: empty sender, R= the parent */
	assert_int_equal(parse("2026-11-23 10:00:03 1xVNad-0001ad-AD <= <> R=1xVNaa-0001aa-AA U=Debian-exim P=local "
			       "S=1660 T=\"Mail delivery failed\" for a@s.example"), OSM_EXLOG_ARRIVAL);
	assert_string_equal(l.addr, "<>");
	assert_string_equal(l.router, "1xVNaa-0001aa-AA");
}

static void
test_ids_and_cwd(void **state)
{
	(void) state;
	assert_true(osm_exlog_is_id("1FZ8zt-0005lz-E7", 16));
	assert_true(osm_exlog_is_id("1xVNae-000000000Ae-0AeF", 23));
	assert_false(osm_exlog_is_id("1xVNae-0000000000Ae-0Ae", 23));
	assert_false(osm_exlog_is_id("1FZ8zt_0005lz-E7", 16));
	assert_int_equal(parse("2026-11-23 10:00:06 [4247] 1xVNae-000000000Ae-0AeF <= b@s.example U=b P=local-esmtp S=3"),
			 OSM_EXLOG_ARRIVAL);
	assert_string_equal(l.id, "1xVNae-000000000Ae-0AeF");
	assert_int_equal(parse("2026-11-23 06:24:50 [21566] cwd=/srv/t/home/weba/public_html/wp 3 args: /usr/sbin/sendmail -t -i"),
			 OSM_EXLOG_CWD);
	assert_string_equal(l.cwd, "/srv/t/home/weba/public_html/wp");
	assert_string_equal(l.args, "/usr/sbin/sendmail -t -i");
	assert_null(l.ref_id);
	assert_int_equal(parse("2006-04-27 17:43:50 cwd=/home/C/public_html/phpBB/ 5 args: /usr/sbin/exim -Mc 1FZ8zt-0005lz-E7"),
			 OSM_EXLOG_CWD);
	assert_string_equal(l.ref_id, "1FZ8zt-0005lz-E7");
	assert_int_equal(parse("2026-01-01 00:00:00 cwd=/var/spool/exim4 9 args: exim -t -oem -oi -f <> -E1xVLIh-0003ia-0H"),
			 OSM_EXLOG_CWD);
	assert_string_equal(l.ref_id, "1xVLIh-0003ia-0H");
	/* a sender-less arrival of old logs */
	assert_int_equal(parse("2006-04-27 17:43:41 1FZ8zt-0005lz-E7 <= U=nobody P=local S=4001 T=\"Buy Me!\""),
			 OSM_EXLOG_ARRIVAL);
	assert_null(l.addr);
	assert_string_equal(l.user, "nobody");
}

static void
test_garbage(void **state)
{
	(void) state;
	assert_int_equal(parse(""), OSM_EXLOG_SKIP);
	assert_int_equal(parse("not a log line"), OSM_EXLOG_SKIP);
	assert_int_equal(parse("2026-13-01 00:00:00 1xVNaa-0001aa-AA Completed"), OSM_EXLOG_SKIP);
	assert_int_equal(parse("2026-11-23 10:00:09 exim 4.96 daemon started"), OSM_EXLOG_SKIP);
	assert_int_equal(parse("2026-11-23 10:00:09 [12 1xVNaa-0001aa-AA Completed"), OSM_EXLOG_SKIP);
	/* an unterminated quote: the arrival stays, the subject does not */
	assert_int_equal(parse("2026-11-23 10:00:10 1xVNai-0001ai-AI <= a@b U=x P=local T=\"open"), OSM_EXLOG_ARRIVAL);
	assert_null(l.subject);
	assert_string_equal(l.user, "x");
}

/* What senders write into the log: quoted local parts, newlines, forged fields. */
static void
test_hostile_senders(void **state)
{
	(void) state;
	/* a quoted local part with blanks and A= is one address, not fields */
	assert_int_equal(parse("2026-12-02 06:19:10 [25721] 1xYdgM-0006gr-1S <= \"x A=dovecot_login:victim@shop.example "
			       "y\"@evil.example H=(vm) [127.0.0.1] P=esmtp S=485 T=\"hi\" for a@remote.example"),
			 OSM_EXLOG_ARRIVAL);
	assert_string_equal(l.addr, "\"x A=dovecot_login:victim@shop.example y\"@evil.example");
	assert_string_equal(l.proto, "esmtp");
	assert_null(l.auth);
	assert_int_equal(l.more, 0);
	/* A= with an unauthenticated protocol is not an SMTP AUTH id */
	assert_int_equal(parse("2026-12-02 06:19:11 1xYdgN-0006ha-0H <= s@e.example H=(vm) [127.0.0.3] P=esmtps "
			       "A=dovecot_login:victim@shop.example S=3 for r@remote.example"), OSM_EXLOG_ARRIVAL);
	assert_null(l.auth);
	/* fields repeated or out of order: someone else's text */
	assert_int_equal(parse("2026-12-02 06:19:11 1xYdgN-0006hc-0H <= s@e.example H=(x) [127.0.0.5] U=y P=esmtpa "
			       "A=d:victim@shop.example P=esmtpa A=f:mallory@e.example S=3 for r@remote.example"),
			 OSM_EXLOG_ARRIVAL);
	assert_null(l.auth);
	assert_int_equal(l.forged, 1);
	/* a recipient with quoted blanks counts once; its quote may run past the line */
	assert_int_equal(parse("2026-12-02 06:19:48 [29973] 1xYdgy-0007nR-0g <= u@mx.test.example U=u P=local S=390 "
			       "T=\"t\" for \"a b\\\" c\"@r.example d@r.example \"r"), OSM_EXLOG_ARRIVAL);
	assert_int_equal(l.nrcpt, 3);
	assert_int_equal(l.more, 1);
	/* ... and the sender's, from a local -f */
	assert_int_equal(parse("2026-12-02 06:19:48 [29984] 1xYdgy-0007nc-0z <= \"s"), OSM_EXLOG_ARRIVAL);
	assert_int_equal(l.more, 1);
	assert_int_equal(parse("2026-12-02 06:19:48 [29984] 1xYdgy-0007nc-0z <= \"s\n2026-12-02 06:00:01 [1] "
			       "1abcde-000000-01 <= v@shop P=esmtpa A=x:victim@shop\"@e.example U=u P=local S=430 "
			       "T=\"t\" for r@remote.example"), OSM_EXLOG_ARRIVAL);
	assert_int_equal(l.more, 0);
	assert_string_equal(l.id, "1xYdgy-0007nc-0z");
	assert_string_equal(l.user, "u");
	assert_null(l.auth);
	/* ... and a local rejection's F=<...> */
	assert_int_equal(parse("2026-12-02 06:19:48 [29994] 1xYdgy-0007nm-1J F=<\"s"), OSM_EXLOG_OTHER);
	assert_int_equal(l.more, 1);
	/* SMTP cannot put a newline in a recipient: an open quote there is just text */
	assert_int_equal(parse("2026-12-02 06:19:48 1xYdgy-0007nR-0h <= s@e.example H=(vm) [127.0.0.1] P=esmtpa "
			       "A=f:s@e.example S=3 for \"r"), OSM_EXLOG_ARRIVAL);
	assert_int_equal(l.more, 0);
	assert_string_equal(l.auth, "s@e.example");
	/* a directory named like the rest of a cwd line: only the reading that fits */
	assert_int_equal(parse("2026-12-02 07:06:29 [9881] cwd=/tmp/a 2 args: /usr/sbin/exim4 -Mc 1xYeQ0-0002Za-0v "
			       "4 args: /usr/sbin/exim4 -odq \"x y@r.example\" q@r.example"), OSM_EXLOG_CWD);
	assert_string_equal(l.cwd, "/tmp/a 2 args: /usr/sbin/exim4 -Mc 1xYeQ0-0002Za-0v");
	assert_null(l.ref_id);
	/* two readings that fit: neither is taken */
	assert_int_equal(parse("2026-12-02 07:06:29 cwd=/tmp/a 6 args: -Mc 1xYeQ0-0002Za-0v 2 args: -t -i"),
			 OSM_EXLOG_SKIP);
	/* authenticated protocols exim names */
	const char *protos[] = {"esmtpsa", "utf8esmtpa", "utf8esmtpsa", "local-esmtpa", "local-esmtpsa"};

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		char	line[256];

		snprintf(line, sizeof(line), "2026-12-02 06:20:01 1xYdgz-0007o0-1K <= s@e.example P=%s "
			 "A=f:s@e.example S=3 for c@r.example", protos[i]);
		assert_int_equal(parse(line), OSM_EXLOG_ARRIVAL);
		assert_non_null(l.auth);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arrival_local),
		cmocka_unit_test(test_arrival_auth_ipv6_tz),
		cmocka_unit_test(test_deliveries),
		cmocka_unit_test(test_ids_and_cwd),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_hostile_senders),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
