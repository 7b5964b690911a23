/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_cgi - the web UI's request parser, escapers and access checks:
 * what a hostile query string, form or cookie header gets (an error,
 * never a guess), what each escaper makes of markup and bad bytes, who
 * is let in under WHM and standalone, and the CSRF token and Origin
 * checks of a POST.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgi_auth.h"
#include "cgi_out.h"
#include "cgi_req.h"
#include "osm_buf.h"

static struct cgi_req *
parse(const char *method, const char *query, const char *body, const char *cookies, char *err)
{
	return cgi_req_parse(method, query, "application/x-www-form-urlencoded", body,
			     body ? strlen(body) : 0, cookies, err, 256);
}

static void
refused(const char *query, const char *body, const char *want)
{
	char	err[256] = "";
	struct cgi_req *r = parse(body ? "POST" : "GET", query, body, NULL, err);

	if (r != NULL)
		fail_msg("accepted %s / %s", query, body ? body : "");
	if (strstr(err, want) == NULL)
		fail_msg("%s: got \"%s\", want \"%s\"", query, err, want);
}

static void
test_req(void **state)
{
	char	err[256];
	struct cgi_req *r;

	(void) state;
	r = parse("POST", "page=report&id=1a2b", "op=release&note=a+b%20c%C3%A9&empty=&&flag", NULL, err);
	assert_non_null(r);
	assert_true(cgi_req_is_post(r));
	assert_string_equal(cgi_req_arg(r, "page"), "report");
	assert_string_equal(cgi_req_form(r, "note"), "a b c\xc3\xa9");
	assert_string_equal(cgi_req_form(r, "empty"), "");
	assert_string_equal(cgi_req_form(r, "flag"), "");
	/* the query string and the form are apart: a link carries no form field */
	assert_null(cgi_req_form(r, "page"));
	assert_null(cgi_req_arg(r, "op"));
	cgi_req_free(r);
	/* a GET's body is never read as a form */
	r = parse("GET", "page=x", "op=release", NULL, err);
	assert_non_null(r);
	assert_null(cgi_req_form(r, "op"));
	cgi_req_free(r);

	refused("a=1&a=2", NULL, "given twice");
	refused(NULL, "op=release&op=delete", "given twice");
	refused("a=%4", NULL, "bad %-escape");
	refused("a=%zz", NULL, "bad %-escape");
	refused("a=x%00y", NULL, "control character");
	refused("a=x%01y", NULL, "control character");
	refused("a=x%7fy", NULL, "control character");
	refused("a=%ff", NULL, "invalid UTF-8");
	refused("a=%C0%AF", NULL, "invalid UTF-8");	/* an overlong '/' */
	refused("a%20b=1", NULL, "parameter name");
	refused("=1", NULL, "parameter name");
	refused("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1", NULL, "parameter name");
	{
		char	q[CGI_REQ_MAX_QUERY + 2];

		memset(q, 'a', sizeof(q) - 1);
		q[sizeof(q) - 1] = 0;
		refused(q, NULL, "longer than");
	}
	{
		struct osm_buf *b = osm_buf_new(1 << 20);

		for (int i = 0; i <= CGI_REQ_MAX_PARAMS; i++)
			osm_buf_printf(b, "p%d=1&", i);
		refused(osm_buf_data(b), NULL, "more than");
		osm_buf_free(b);
	}
	/* tab, CR and LF are text a textarea sends */
	r = parse("POST", NULL, "list=a%0D%0Ab%09c", NULL, err);
	assert_non_null(r);
	assert_string_equal(cgi_req_form(r, "list"), "a\r\nb\tc");
	cgi_req_free(r);
}

static void
test_req_method(void **state)
{
	char	err[256];

	(void) state;
	assert_null(cgi_req_parse("PUT", "", NULL, NULL, 0, NULL, err, sizeof(err)));
	assert_string_equal(err, "method not allowed");
	assert_null(cgi_req_parse(NULL, "", NULL, NULL, 0, NULL, err, sizeof(err)));
	assert_null(cgi_req_parse("POST", "", "multipart/form-data; boundary=x", "a", 1, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "x-www-form-urlencoded"));
	assert_null(cgi_req_parse("POST", "", "application/x-www-form-urlencodedX", "a", 1, NULL, err, sizeof(err)));
	assert_null(cgi_req_parse("POST", "", "application/x-www-form-urlencoded", "a", CGI_REQ_MAX_BODY + 1,
				  NULL, err, sizeof(err)));
	struct cgi_req *r = cgi_req_parse("POST", "", "Application/X-WWW-Form-Urlencoded; charset=UTF-8", "a=1", 3,
					  NULL, err, sizeof(err));

	assert_non_null(r);
	assert_string_equal(cgi_req_form(r, "a"), "1");
	cgi_req_free(r);
}

static void
test_req_cookies(void **state)
{
	char	err[256];
	struct cgi_req *r;

	(void) state;
	/* WHM's own cookies, malformed ones and a second osm_session are not errors */
	r = parse("GET", "", NULL, "cpsession=root%3aabc; bad cookie=1; osm_session=0123abcd;"
		  " osm_session=ffff; x=<script>; y", err);
	assert_non_null(r);
	assert_string_equal(cgi_req_cookie(r, "osm_session"), "0123abcd");
	assert_null(cgi_req_cookie(r, "cpsession"));
	assert_null(cgi_req_cookie(r, "x"));
	assert_null(cgi_req_arg(r, "osm_session"));
	cgi_req_free(r);
}

static const char *
out(const char *fmt, const char *s)
{
	static char res[4096];
	struct osm_buf *b = osm_buf_new(CGI_OUT_MAX);

	cgi_out_printf(b, fmt, s);
	snprintf(res, sizeof(res), "%s", osm_buf_data(b));
	osm_buf_free(b);
	return res;
}

static void
test_out(void **state)
{
	struct osm_buf *b = osm_buf_new(CGI_OUT_MAX);

	(void) state;
	assert_string_equal(out("<p>%h</p>", "<script>alert(1)</script>"), "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
	assert_string_equal(out("<a title=\"%h\">", "\"><img src=x onerror=alert(1)>"),
			    "<a title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">");
	assert_string_equal(out("%h", "it's & \xc3\xa9"), "it&#39;s &amp; \xc3\xa9");
	/* bad bytes and controls are shown replaced, never dropped */
	assert_string_equal(out("%h", "a\xff" "b\x01" "c\td\n"), "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\td\n");
	assert_string_equal(out("%h", "\xe0\x80\xaf"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(out("?tag=%U", "ip:1.2.3.4 & <x>/é"), "?tag=ip%3A1.2.3.4%20%26%20%3Cx%3E%2F%C3%A9");
	assert_string_equal(out("var x = %j;", "</script><!--\xe2\x80\xa8\"\\"),
			    "var x = \"\\u003c/script\\u003e\\u003c!--\\u2028\\\"\\\\\";");
	assert_string_equal(out("%s", "<b>"), "<b>");
	cgi_out_printf(b, "%d %u %ld %lld %llu %zu %%", -1, 2u, 3L, 4LL, 5ULL, (size_t) 6);
	assert_string_equal(osm_buf_data(b), "-1 2 3 4 5 6 %");
	osm_buf_free(b);
}

static void
test_token(void **state)
{
	unsigned char key[32] = {1, 2, 3};
	char	a[CGI_AUTH_TOKEN_LEN + 1], b[CGI_AUTH_TOKEN_LEN + 1];

	(void) state;
	assert_int_equal(cgi_auth_token(key, sizeof(key), "root", "/cpsess123", a), 0);
	assert_int_equal(strlen(a), CGI_AUTH_TOKEN_LEN);
	assert_int_equal(cgi_auth_token(key, sizeof(key), "root", "/cpsess123", b), 0);
	assert_string_equal(a, b);
	assert_int_equal(cgi_auth_token(key, sizeof(key), "root", "/cpsess124", b), 0);
	assert_string_not_equal(a, b);
	/* the user and session are not just run together */
	assert_int_equal(cgi_auth_token(key, sizeof(key), "ab", "c", a), 0);
	assert_int_equal(cgi_auth_token(key, sizeof(key), "a", "bc", b), 0);
	assert_string_not_equal(a, b);
	key[0] = 9;
	assert_int_equal(cgi_auth_token(key, sizeof(key), "a", "bc", a), 0);
	assert_string_not_equal(a, b);
}

static void
test_post_ok(void **state)
{
	struct cgi_auth a = {0};
	unsigned char key[32] = {7};
	char	err[256], wrong[CGI_AUTH_TOKEN_LEN + 1], host[64];

	(void) state;
	assert_int_equal(cgi_auth_token(key, sizeof(key), "root", "s", a.token), 0);
	assert_int_equal(cgi_auth_post_ok(&a, a.token, "https://whm.example:2087", NULL, "whm.example:2087",
					  err, sizeof(err)), 0);
	assert_int_equal(cgi_auth_post_ok(&a, a.token, NULL, "http://h:80/cgi/osm.cgi?page=x", "h:80",
					  err, sizeof(err)), 0);
	assert_int_equal(cgi_auth_post_ok(&a, NULL, "http://h", NULL, "h", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "security token"));
	snprintf(wrong, sizeof(wrong), "%s", a.token);
	wrong[10] ^= 1;
	assert_int_equal(cgi_auth_post_ok(&a, wrong, "http://h", NULL, "h", err, sizeof(err)), -1);
	assert_int_equal(cgi_auth_post_ok(&a, "short", "http://h", NULL, "h", err, sizeof(err)), -1);
	assert_int_equal(cgi_auth_post_ok(&a, a.token, "http://evil", NULL, "h", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "Origin"));
	assert_int_equal(cgi_auth_post_ok(&a, a.token, NULL, NULL, "h", err, sizeof(err)), -1);
	assert_int_equal(cgi_auth_post_ok(&a, a.token, "http://h.evil", NULL, "h", err, sizeof(err)), -1);
	assert_int_equal(cgi_auth_post_ok(&a, a.token, "null", "http://evil/", "h", err, sizeof(err)), -1);
	assert_int_equal(cgi_auth_host_of("https://h@evil/", host, sizeof(host)), -1);
	assert_int_equal(cgi_auth_host_of("javascript:x", host, sizeof(host)), -1);
	assert_int_equal(cgi_auth_host_of("http://h:1?x", host, sizeof(host)), 0);
	assert_string_equal(host, "h:1");
}

/* a root-owned directory below /run (osm_secure refuses /tmp), or skip */
static char dir[64];

static int
dir_setup(void **state)
{
	(void) state;
	snprintf(dir, sizeof(dir), "/run/osm-unit.XXXXXX");
	if (geteuid() != 0 || mkdtemp(dir) == NULL)
		dir[0] = 0;
	else
		chmod(dir, 0755);
	return 0;
}

static int
dir_teardown(void **state)
{
	char	cmd[128];

	(void) state;
	if (*dir) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

static void
put(const char *name, const char *text, mode_t mode)
{
	char	path[128];
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

static int
check(const char *user, const char *cpsess, char *err)
{
	struct cgi_auth a;
	char	res[128];

	snprintf(res, sizeof(res), "%s/resellers", dir);
	unsetenv("REMOTE_USER");
	unsetenv("cp_security_token");
	if (user)
		setenv("REMOTE_USER", user, 1);
	if (cpsess)
		setenv("cp_security_token", cpsess, 1);
	return cgi_auth_check(&a, NULL, dir, res, err, 256);
}

static void
test_access(void **state)
{
	char	err[256], path[128];
	struct stat st;

	(void) state;
	if (*dir == 0)
		skip();
	put("web-admins", "# who may use osm\n  admin  \nops\n", 0644);
	put("resellers", "bob : list-accts, all ,x\ncarol:allx,list-accts\n# dave:all\n", 0644);
	assert_int_equal(check("admin", NULL, err), 0);
	assert_int_equal(check("ops", NULL, err), 0);
	assert_int_equal(check("mallory", NULL, err), -1);
	assert_non_null(strstr(err, "not listed"));
	assert_int_equal(check(NULL, NULL, err), -1);
	assert_int_equal(check("a b", NULL, err), -1);
	/* under WHM: root and "all" resellers; not via an API token */
	assert_int_equal(check("root", "/cpsess0123456789", err), 0);
	assert_int_equal(check("bob", "/cpsess0123456789", err), 0);
	assert_int_equal(check("carol", "/cpsess0123456789", err), -1);
	assert_int_equal(check("dave", "/cpsess0123456789", err), -1);
	assert_int_equal(check("admin", "/cpsess0123456789", err), -1);
	setenv("WHM_API_TOKEN_NAME", "t", 1);
	assert_int_equal(check("root", "/cpsess0123456789", err), -1);
	assert_non_null(strstr(err, "API token"));
	unsetenv("WHM_API_TOKEN_NAME");
	/* the secret was made once, 0600, and one anyone could read is refused */
	snprintf(path, sizeof(path), "%s/web.secret", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	chmod(path, 0644);
	assert_int_equal(check("root", "/cpsess1", err), -1);
	assert_non_null(strstr(err, "web.secret"));
	unlink(path);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(check("root", "/cpsess1", err), -1);
	unlink(path);
	/* a web-admins file others could write is not read */
	put("web-admins", "admin\n", 0666);
	assert_int_equal(check("admin", NULL, err), -1);
	assert_non_null(strstr(err, "not trusted"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_req),
		cmocka_unit_test(test_req_method),
		cmocka_unit_test(test_req_cookies),
		cmocka_unit_test(test_out),
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_post_ok),
		cmocka_unit_test(test_access),
	};

	return cmocka_run_group_tests(tests, dir_setup, dir_teardown);
}
