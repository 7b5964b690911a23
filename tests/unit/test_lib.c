/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_lib - osm_buf, osm_json, osm_addr, osm_redis key escaping, osm_acct, osm_safefs checks. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "osm_acct.h"
#include "osm_addr.h"
#include "osm_buf.h"
#include "osm_json.h"
#include "osm_pclient.h"
#include "osm_redis.h"
#include "osm_safefs.h"

static void
test_buf(void **state)
{
	struct osm_buf *b = osm_buf_new(10);

	(void) state;
	assert_int_equal(osm_buf_puts(b, "hello"), 0);
	assert_int_equal(osm_buf_puts(b, "world"), 0);
	assert_int_equal(osm_buf_puts(b, "!"), OSM_BUF_FULL);	/* max 10 */
	assert_string_equal(osm_buf_data(b), "helloworld");
	osm_buf_consume(b, 5);
	assert_string_equal(osm_buf_data(b), "world");
	assert_int_equal(osm_buf_printf(b, "%d", 12345), 0);
	assert_string_equal(osm_buf_data(b), "world12345");
	assert_int_equal(osm_buf_printf(b, "%s", "x"), OSM_BUF_FULL);
	osm_buf_truncate(b, 2);
	assert_int_equal(osm_buf_len(b), 2);
	osm_buf_free(b);
	osm_buf_free(NULL);
}

struct json_case {
	const char *in;
	const char *want;
};

static void
test_json(void **state)
{
	static const struct json_case cases[] = {
		{"plain", "\"plain\""},
		{"q\"b\\", "\"q\\\"b\\\\\""},
		{"a\nb\tc\x01", "\"a\\nb\\tc\\u0001\""},
		{"caf\xc3\xa9", "\"caf\xc3\xa9\""},
		{"bad\xff\xfe", "\"bad\\u00ff\\u00fe\""},
		{"trunc\xe2\x82", "\"trunc\\u00e2\\u0082\""},
		{"overlong\xc0\xaf", "\"overlong\\u00c0\\u00af\""},
		{"$(rm -rf /) `x`", "\"$(rm -rf /) `x`\""},
	};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct osm_buf *b = osm_buf_new(1024);

		assert_int_equal(osm_json_str(b, cases[i].in), 0);
		if (strcmp(osm_buf_data(b), cases[i].want))
			fail_msg("case %zu: got %s, want %s", i, osm_buf_data(b), cases[i].want);
		osm_buf_free(b);
	}
}

static void
test_addr(void **state)
{
	struct osm_cidr c;
	const char *why;

	(void) state;
	assert_int_equal(osm_addr_parse_cidr("192.0.2.0/24", &c, &why), 0);
	assert_true(osm_addr_match(&c, "192.0.2.255"));
	assert_false(osm_addr_match(&c, "192.0.3.0"));
	assert_false(osm_addr_match(&c, "::1"));
	assert_int_equal(osm_addr_parse_cidr("0.0.0.0/0", &c, &why), 0);
	assert_true(osm_addr_match(&c, "8.8.8.8"));
	assert_int_equal(osm_addr_parse_cidr("fe80::/10", &c, &why), 0);
	assert_true(osm_addr_match(&c, "fe80::1"));
	assert_true(osm_addr_match(&c, "febf::1"));
	assert_false(osm_addr_match(&c, "fec0::1"));
	assert_int_equal(osm_addr_parse_cidr("1.2.3.4/", &c, &why), -1);
	assert_int_equal(osm_addr_parse_cidr("/8", &c, &why), -1);
	assert_int_equal(osm_addr_parse_cidr("::/129", &c, &why), -1);
	assert_true(osm_addr_is_valid("2001:db8::1"));
	assert_false(osm_addr_is_valid("2001:db8::1%eth0"));
	assert_false(osm_addr_is_valid(""));
}

static void
test_escape(void **state)
{
	struct osm_buf *b = osm_buf_new(1024);

	(void) state;
	assert_int_equal(osm_redis_escape(b, "bob@example.com"), 0);
	assert_int_equal(osm_redis_escape(b, "/home/a b/{x}%:\xff"), 0);
	assert_string_equal(osm_buf_data(b), "bob@example.com/home/a%20b/%7Bx%7D%25%3A%FF");
	assert_true(osm_redis_hash("a") != osm_redis_hash("b"));
	/* every byte: kept if a letter, digit or one of .-_@+/=, else %XX */
	for (int ch = 1; ch < 256; ch++) {
		char	in[2] = {(char) ch, 0}, want[4];

		if (isalnum(ch) && ch < 128)
			snprintf(want, sizeof(want), "%c", ch);
		else if (strchr(".-_@+/=", ch))
			snprintf(want, sizeof(want), "%c", ch);
		else
			snprintf(want, sizeof(want), "%%%02X", ch);
		osm_buf_reset(b);
		assert_int_equal(osm_redis_escape(b, in), 0);
		assert_string_equal(osm_buf_data(b), want);
	}
	osm_buf_free(b);
}

static void
test_acct(void **state)
{
	char	path[] = "/tmp/osm-userdomains.XXXXXX";
	int	fd = mkstemp(path);
	FILE   *fp = fdopen(fd, "w");
	struct osm_acct *a;
	char	name[64];

	(void) state;
	fprintf(fp, "shop.example: bob\nBlog.Example: carol\n*: nobody\nbroken line\nempty.example:\n");
	fclose(fp);
	a = osm_acct_load(path, 0);
	assert_non_null(a);
	assert_string_equal(osm_acct_by_email(a, "sales@Shop.Example"), "bob");
	assert_string_equal(osm_acct_by_domain(a, "blog.example"), "carol");
	assert_null(osm_acct_by_email(a, "x@other.example"));
	assert_null(osm_acct_by_email(a, "no-at-sign"));
	assert_null(osm_acct_by_domain(a, "empty.example"));
	assert_string_equal(osm_acct_tag(a, "info@shop.example"), "bob");
	assert_string_equal(osm_acct_tag(a, "x@other.example"), "x@other.example");
	assert_string_equal(osm_acct_tag(a, "dave"), "dave");
	assert_int_equal(osm_acct_by_uid(a, 0, name, sizeof(name)), 1);
	assert_string_equal(name, "root");
	assert_int_equal(osm_acct_by_uid(a, 3999999999UL, name, sizeof(name)), 0);
	assert_string_equal(name, "uid:3999999999");
	/* root's home is /root with min_uid 0 */
	assert_string_equal(osm_acct_by_path(a, "/root/x/y"), "root");
	assert_string_equal(osm_acct_by_path(a, "/root"), "root");
	assert_null(osm_acct_by_path(a, "/rootkit/x"));
	assert_null(osm_acct_by_path(a, "relative/path"));
	assert_false(osm_acct_stale(a));
	osm_acct_free(a);
	unlink(path);
}

/* the checks rename and restore share: account, renamed name */
static void
test_safefs_checks(void **state)
{
	static const struct {
		const char *label, *path, *report, *want;
	} tt[] = {
		{"plain", "/home/bob/wp", "1a2b3c", "wp.osm-disabled-1a2b3c"},
		{"script", "/home/bob/x.php", "ID9", "x.php.osm-disabled-ID9"},
		{"bad report id", "/home/bob/wp", "../x", NULL},
		{"empty report id", "/home/bob/wp", "", NULL},
		{"long report id", "/home/bob/wp", "12345678901234567890123456789012345678901", NULL},
	};
	char	out[300], err[256];

	(void) state;
	for (size_t i = 0; i < sizeof(tt) / sizeof(tt[0]); i++) {
		int	r = osm_safefs_disabled_name(tt[i].path, tt[i].report, out, sizeof(out));

		if (tt[i].want == NULL && r == 0)
			fail_msg("%s: got '%s', want an error", tt[i].label, out);
		if (tt[i].want && (r != 0 || strcmp(out, tt[i].want)))
			fail_msg("%s: got '%s', want '%s'", tt[i].label, r ? "error" : out, tt[i].want);
	}
	assert_true(osm_safefs_account_ok("bob_1.x"));
	assert_false(osm_safefs_account_ok("-rf"));
	assert_false(osm_safefs_account_ok("a/b"));
	assert_false(osm_safefs_account_ok(""));
	assert_null(osm_safefs_account("root", 0, err, sizeof(err)));	/* never root, even at min_uid 0 */
	assert_string_equal(err, "root is not an account (uid >= 0, not root)");
	assert_null(osm_safefs_account("nobody", 70000, err, sizeof(err)));
	assert_null(osm_safefs_account("../etc", 0, err, sizeof(err)));
	assert_string_equal(err, "'../etc' is not an account name");
	assert_non_null(osm_safefs_account("nobody", 1000, err, sizeof(err)));
}

/* A batch's replies arrive split anywhere; DEFER is counted, only DEFER. */
static void
test_pclient(void **state)
{
	static const char *piece[] = {"action=DUNNO\n", "\nact", "ion=DEFER osm: not counted\n\n",
		"action=DEFER_IF_PERMIT x\n\naction=defer\n", "\n"};
	struct osm_buf *b = osm_buf_new(256);
	int	sv[2], deferred = -1;
	pid_t	pid;

	(void) state;
	assert_int_equal(osm_pclient_reply("action=OK\n", 10), 0);
	assert_int_equal(osm_pclient_reply("action=OK\n\naction", 17), 11);
	assert_true(osm_pclient_action("action=DUNNO\n\n", 14, "dunno"));
	assert_false(osm_pclient_action("action=DUNNOX\n\n", 15, "DUNNO"));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	osm_buf_puts(b, "a=1\n\na=2\n\na=3\n\na=4\n\n");
	if ((pid = fork()) == 0) {
		close(sv[0]);
		for (size_t i = 0; i < sizeof(piece) / sizeof(piece[0]); i++) {
			if (write(sv[1], piece[i], strlen(piece[i])) < 0)
				_exit(1);
			usleep(20000);
		}
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(osm_pclient_send(sv[0], b, 4, 2000, &deferred), 0);
	assert_int_equal(deferred, 2);
	assert_int_equal(osm_pclient_send(sv[0], b, 1, 2000, NULL), -1);	/* closed */
	close(sv[0]);
	waitpid(pid, NULL, 0);
	osm_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_acct),
		cmocka_unit_test(test_safefs_checks),
		cmocka_unit_test(test_pclient),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
