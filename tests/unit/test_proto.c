/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_proto - the policy protocol parser and reply formatter, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "osm_buf.h"
#include "osm_proto.h"

static const struct osm_proto_limits lim = {64, 5, 200};

struct proto_case {
	const char *label;
	const char *input;
	size_t	len;			/* 0: strlen */
	int	want;
	size_t	want_used;
	size_t	want_nattr;
	const char *want_why;
};

static const struct proto_case cases[] = {
	{"complete", "request=smtpd_access_policy\nsender=a@b\n\n", 0, OSM_PROTO_OK, 40, 2, NULL},
	{"value with =", "a=b=c\n\n", 0, OSM_PROTO_OK, 7, 1, NULL},
	{"empty value", "a=\n\n", 0, OSM_PROTO_OK, 4, 1, NULL},
	{"crlf", "a=b\r\n\r\n", 0, OSM_PROTO_OK, 7, 1, NULL},
	{"second request left", "a=b\n\nc=d\n\n", 0, OSM_PROTO_OK, 5, 1, NULL},
	{"partial line", "request=smtpd", 0, OSM_PROTO_MORE, 0, 0, NULL},
	{"no terminator", "a=b\n", 0, OSM_PROTO_MORE, 0, 0, NULL},
	{"nothing", "", 0, OSM_PROTO_MORE, 0, 0, NULL},
	{"no equals", "a=b\nbogus\n\n", 0, OSM_PROTO_ERR, 0, 0, "line without '='"},
	{"no equals partial", "bogus\n", 0, OSM_PROTO_ERR, 0, 0, "line without '='"},
	{"empty name", "=x\n\n", 0, OSM_PROTO_ERR, 0, 0, "empty attribute name"},
	{"space in name", "a b=x\n\n", 0, OSM_PROTO_ERR, 0, 0, "control character or space in attribute name"},
	{"empty request", "\n", 0, OSM_PROTO_ERR, 0, 0, "empty request"},
	{"nul", "a=b\0c\n\n", 7, OSM_PROTO_ERR, 0, 0, "NUL byte in request"},
	{"nul in partial", "a=\0", 3, OSM_PROTO_ERR, 0, 0, "NUL byte in request"},
	{"long line", "a=0123456789012345678901234567890123456789012345678901234567890123\n\n", 0,
	 OSM_PROTO_ERR, 0, 0, "line too long"},
	{"long partial line", "a=0123456789012345678901234567890123456789012345678901234567890123", 0,
	 OSM_PROTO_ERR, 0, 0, "line too long"},
	{"too many attributes", "a=1\nb=2\nc=3\nd=4\ne=5\nf=6\n\n", 0, OSM_PROTO_ERR, 0, 0, "too many attributes"},
	{"five attributes", "a=1\nb=2\nc=3\nd=4\ne=5\n\n", 0, OSM_PROTO_OK, 21, 5, NULL},
	{"too large", "a=0123456789012345678901234567890123456789012345678901\n"
	 "b=0123456789012345678901234567890123456789012345678901\n"
	 "c=0123456789012345678901234567890123456789012345678901\n"
	 "d=0123456789012345678901234567890123456789012345678901\n\n", 0, OSM_PROTO_ERR, 0, 0, "request too large"},
};

static void
test_parse_table(void **state)
{
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct proto_case *tc = &cases[i];
		size_t	len = tc->len ? tc->len : strlen(tc->input);
		char   *buf = malloc(len + 1);
		struct osm_proto_req *req = malloc(sizeof(*req));
		size_t	used = 0;
		const char *why = NULL;
		int	got;

		memcpy(buf, tc->input, len + 1);
		got = osm_proto_parse(buf, len, &lim, req, &used, &why);
		if (got != tc->want)
			fail_msg("%s: got %d, want %d (why %s)", tc->label, got, tc->want, why ? why : "-");
		if (got == OSM_PROTO_OK && (used != tc->want_used || req->nattr != tc->want_nattr))
			fail_msg("%s: got used %zu nattr %zu, want %zu %zu", tc->label, used, req->nattr,
				 tc->want_used, tc->want_nattr);
		if (tc->want_why && (why == NULL || strcmp(why, tc->want_why) != 0))
			fail_msg("%s: got why '%s', want '%s'", tc->label, why ? why : "(null)", tc->want_why);
		free(buf);
		free(req);
	}
}

static void
test_values(void **state)
{
	char	buf[] = "request=smtpd_access_policy\r\nsubject=a=b c\nsubject=second\nempty=\n\n";
	struct osm_proto_req *req = malloc(sizeof(*req));
	size_t	used;
	const char *why;

	(void) state;
	assert_int_equal(osm_proto_parse(buf, strlen(buf), &lim, req, &used, &why), OSM_PROTO_OK);
	assert_string_equal(osm_proto_get(req, "request"), "smtpd_access_policy");
	assert_string_equal(osm_proto_get(req, "subject"), "a=b c");	/* first wins */
	assert_string_equal(osm_proto_get(req, "empty"), "");
	assert_null(osm_proto_get(req, "missing"));
	free(req);
}

static void
test_reply(void **state)
{
	struct osm_buf *b = osm_buf_new(4096);

	(void) state;
	assert_int_equal(osm_proto_reply(b, "DUNNO", NULL), 0);
	assert_string_equal(osm_buf_data(b), "action=DUNNO\n\n");
	osm_buf_reset(b);
	/* Peer text cannot inject a line or an early end of reply. */
	assert_int_equal(osm_proto_reply(b, "HOLD", "osm: x\n\naction=OK\xff"), 0);
	assert_string_equal(osm_buf_data(b), "action=HOLD osm: x??action=OK?\n\n");
	osm_buf_free(b);
}

/* Every client writes its attributes with osm_proto_attr: a value can
 * neither end its line nor the request, UTF-8 stays, and it is cut. */
static void
test_attr(void **state)
{
	struct osm_buf *b = osm_buf_new(4096);
	struct osm_proto_req *req = malloc(sizeof(*req));
	size_t	used;
	const char *why;
	char	buf[256];

	(void) state;
	osm_proto_attr(b, "subject", "a\n\nrequest=x\r\t\x7f\x01 caf\xc3\xa9", 100);
	osm_proto_attr(b, "sender", "abcdef", 3);
	osm_buf_puts(b, "\n");
	assert_string_equal(osm_buf_data(b), "subject=a  request=x     caf\xc3\xa9\nsender=abc\n\n");
	snprintf(buf, sizeof(buf), "%s", osm_buf_data(b));
	assert_int_equal(osm_proto_parse(buf, strlen(buf), &lim, req, &used, &why), OSM_PROTO_OK);
	assert_int_equal(req->nattr, 2);
	assert_int_equal(osm_proto_value_char('\n'), ' ');
	assert_int_equal(osm_proto_value_char(0x7f), ' ');
	assert_int_equal(osm_proto_value_char(0xc3), (char) 0xc3);
	free(req);
	osm_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_attr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
