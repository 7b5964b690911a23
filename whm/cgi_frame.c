/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgi_frame - headers, frame and answer of every page (cgi_frame.h).
 *
 * WHM's chrome files are HTML that WHM rendered for this user; they are
 * read only if root owns them and every directory above (osm_secure),
 * and what goes into their placeholders is checked or escaped here: the
 * cpsess token must be "/cpsess" and digits, the user passed cgi_auth,
 * the title is escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cgi_frame.h"
#include "cgi_out.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_rep.h"
#include "osm_secure.h"

#include "cgi_assets.h"

#define CHROME_MAX	(1u << 20)

static const char *const cgi_nav[][2] = {
	{"dashboard", "Dashboard"},
	{"reports", "Reports"},
};

struct osm_rep *
cgi_frame_rep(struct cgi_ctx *ctx)
{
	if (ctx->rep == NULL && ctx->cfg)
		ctx->rep = osm_rep_open(ctx->cfg->redis, ctx->prefix, 1000, ctx->rep_error,
					sizeof(ctx->rep_error));
	else if (ctx->cfg == NULL)
		snprintf(ctx->rep_error, sizeof(ctx->rep_error), "no configuration");
	return ctx->rep;
}

void
cgi_frame_time(long long ms, char *out, size_t len)
{
	time_t	t = (time_t) (ms / 1000);
	struct tm tm;

	if (ms <= 0 || localtime_r(&t, &tm) == NULL || strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, len, "-");
}

void
cgi_frame_begin(struct cgi_ctx *ctx, const char *title, const char *nav)
{
	ctx->title = title;
	osm_buf_reset(ctx->page);
	cgi_out_printf(ctx->page, "<nav class=\"osm-nav\" aria-label=\"osm\">");
	for (size_t i = 0; i < sizeof(cgi_nav) / sizeof(cgi_nav[0]); i++)
		cgi_out_printf(ctx->page, "<a href=\"?page=%s\"%s>%s</a>", cgi_nav[i][0],
			       nav && strcmp(nav, cgi_nav[i][0]) == 0 ? " aria-current=\"page\"" : "",
			       cgi_nav[i][1]);
	cgi_out_printf(ctx->page, "</nav>\n<main class=\"osm-main\">\n<h1>%h</h1>\n", title);
	if (ctx->notice)
		cgi_out_printf(ctx->page, "<p class=\"osm-notice%s\" role=\"status\">%h</p>\n",
			       ctx->notice_bad ? " osm-bad" : "", ctx->notice);
}

void
cgi_frame_csrf(struct cgi_ctx *ctx)
{
	cgi_out_printf(ctx->page, "<input type=\"hidden\" name=\"csrf\" value=\"%h\">", ctx->auth.token);
}

/* cgi_frame_read - a root-owned file of at most CHROME_MAX bytes, or NULL */
static struct osm_buf *
cgi_frame_read(const char *path)
{
	char	err[256];
	int	fd = osm_secure_open(path, 0, err, sizeof(err));
	struct osm_buf *b;
	ssize_t	n;

	if (fd < 0)
		return NULL;
	if ((b = osm_buf_new(CHROME_MAX)) != NULL) {
		char   *p;

		while ((p = osm_buf_reserve(b, 65536)) != NULL && (n = read(fd, p, 65536)) > 0)
			osm_buf_commit(b, (size_t) n);
		if (p == NULL) {	/* longer than CHROME_MAX: not WHM's */
			osm_buf_free(b);
			b = NULL;
		}
	}
	close(fd);
	return b;
}

/* cgi_frame_key - the user's chrome key from cache_keys.json into key */
static int
cgi_frame_key(const char *dir, const char *user, char *key, size_t len)
{
	char	path[4200];
	struct osm_buf *b;
	json_t *o, *v;
	int	rc = -1;

	snprintf(path, sizeof(path), "%s/_generated_header_files/cache_keys.json", dir);
	if ((b = cgi_frame_read(path)) == NULL)
		return -1;
	o = json_loadb(osm_buf_data(b), osm_buf_len(b), 0, NULL);
	v = json_object_get(o, user);
	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < len
	    && strspn(json_string_value(v), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    == json_string_length(v)) {
		snprintf(key, len, "%s", json_string_value(v));
		rc = 0;
	}
	json_decref(o);
	osm_buf_free(b);
	return rc;
}

/* cgi_frame_subst - write chrome text with WHM's placeholders replaced */
static void
cgi_frame_subst(struct cgi_ctx *ctx, struct osm_buf *out, const struct osm_buf *chrome)
{
	static const char *const ph[] = {"/cpsess0000000000", "cpuser00000000000", "Results of Your Request",
		"nonce=\"00000000000\""};
	const char *p = osm_buf_data(chrome), *end = p + osm_buf_len(chrome);
	const char *tok = getenv("cp_security_token");

	if (tok == NULL || strncmp(tok, "/cpsess", 7) || strspn(tok + 7, "0123456789") != strlen(tok + 7))
		tok = "";
	while (p < end) {
		size_t	i, best = 0;
		const char *hit = NULL;

		for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++) {
			const char *h = memmem(p, (size_t) (end - p), ph[i], strlen(ph[i]));

			if (h && (hit == NULL || h < hit))
				hit = h, best = i;
		}
		if (hit == NULL) {
			osm_buf_append(out, p, (size_t) (end - p));
			break;
		}
		osm_buf_append(out, p, (size_t) (hit - p));
		if (best == 0)
			osm_buf_puts(out, tok);
		else if (best == 1)
			cgi_out_printf(out, "%h", ctx->auth.user);
		else if (best == 2)
			cgi_out_printf(out, "osm: %h", ctx->title);
		else
			cgi_out_printf(out, "nonce=\"%s\"", ctx->nonce);
		p = hit + strlen(ph[best]);
	}
}

/* cgi_frame_chrome - WHM's header and footer for this user, or 0 if there are none */
static int
cgi_frame_chrome(struct cgi_ctx *ctx, struct osm_buf **head, struct osm_buf **foot)
{
	const char *dir = getenv("whm_chrome_cache_directory");
	char	key[128], path[4200];

	*head = *foot = NULL;
	if (!ctx->auth.whm)
		return 0;
	if (dir == NULL || *dir != '/')
		dir = "/var/cpanel/caches";
	if (cgi_frame_key(dir, ctx->auth.user, key, sizeof(key)) != 0)
		return 0;
	snprintf(path, sizeof(path), "%s/_generated_header_files/%s_0_0.html", dir, key);
	*head = cgi_frame_read(path);
	snprintf(path, sizeof(path), "%s/_generated_footer_files/footer.html", dir);
	*foot = cgi_frame_read(path);
	if (*head && *foot)
		return 1;
	osm_buf_free(*head);
	osm_buf_free(*foot);
	*head = *foot = NULL;
	return 0;
}

static const char *
cgi_frame_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 413: return "Payload Too Large";
	case 502: return "Bad Gateway";
	default: return "Internal Server Error";
	}
}

static void
cgi_frame_headers(struct cgi_ctx *ctx, int chrome)
{
	printf("Status: %d %s\r\n", ctx->status, cgi_frame_reason(ctx->status));
	printf("Content-Type: text/html; charset=utf-8\r\n"
	       "Cache-Control: no-store\r\n"
	       "X-Content-Type-Options: nosniff\r\n"
	       "Referrer-Policy: same-origin\r\n"
	       "X-Frame-Options: SAMEORIGIN\r\n");
	/* WHM's chrome styles elements inline; ours never does */
	printf("Content-Security-Policy: default-src 'none'; script-src 'self' 'nonce-%s'; "
	       "style-src 'self'%s; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
	       "form-action 'self'; frame-ancestors 'self'; base-uri 'none'\r\n",
	       ctx->nonce, chrome ? " 'unsafe-inline'" : "");
	if (ctx->auth.new_session)
		printf("Set-Cookie: osm_session=%s; Path=/; HttpOnly; SameSite=Strict%s\r\n", ctx->auth.session,
		       getenv("HTTPS") ? "; Secure" : "");
	printf("\r\n");
}

static void
cgi_frame_plain_head(struct cgi_ctx *ctx, struct osm_buf *out)
{
	cgi_out_printf(out, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		       "<title>osm: %h</title><link rel=\"icon\" href=\"?asset=osm.svg\">"
		       "<link rel=\"stylesheet\" href=\"?asset=osm.css\"></head>\n<body class=\"osm-plain\">\n"
		       "<header class=\"osm-top\"><span class=\"osm-brand\"><img src=\"?asset=osm.svg\" alt=\"\" "
		       "width=\"24\" height=\"24\">osm</span><span class=\"osm-sub\">Outgoing Spam Monitor",
		       ctx->title ? ctx->title : "error");
	if (ctx->cfg)
		cgi_out_printf(out, " on %h", ctx->cfg->server_name);
	cgi_out_printf(out, "</span>");
	if (*ctx->auth.user)
		cgi_out_printf(out, "<span class=\"osm-user\">%h</span>", ctx->auth.user);
	cgi_out_printf(out, "</header>\n");
}

void
cgi_frame_end(struct cgi_ctx *ctx)
{
	struct osm_buf *head, *foot, *out = osm_buf_new(CGI_OUT_MAX + 2 * CHROME_MAX + 65536);
	int	chrome = cgi_frame_chrome(ctx, &head, &foot);

	if (out == NULL) {
		printf("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nout of memory\n");
		return;
	}
	if (chrome) {
		cgi_frame_subst(ctx, out, head);
		/* a stylesheet link in the body is valid HTML and keeps WHM's head as it is */
		cgi_out_printf(out, "<link rel=\"stylesheet\" href=\"?asset=osm.css\"><div class=\"osm-whm\">");
	} else
		cgi_frame_plain_head(ctx, out);
	osm_buf_append(out, osm_buf_data(ctx->page), osm_buf_len(ctx->page));
	cgi_out_printf(out, "</main>\n<script src=\"?asset=osm.js\"></script>\n");
	if (chrome) {
		cgi_out_printf(out, "</div>");
		cgi_frame_subst(ctx, out, foot);
	} else
		cgi_out_printf(out, "</body></html>\n");
	cgi_frame_headers(ctx, chrome);
	fwrite(osm_buf_data(out), 1, osm_buf_len(out), stdout);
	fflush(stdout);
	osm_buf_free(head);
	osm_buf_free(foot);
	osm_buf_free(out);
}

void
cgi_frame_fail(struct cgi_ctx *ctx, int status, const char *message)
{
	ctx->status = status;
	ctx->notice = NULL;
	osm_buf_reset(ctx->page);
	ctx->title = cgi_frame_reason(status);
	cgi_out_printf(ctx->page, "<main class=\"osm-main\">\n<h1>%h</h1>\n<p class=\"osm-notice osm-bad\">%h</p>\n",
		       ctx->title, message);
	if (*ctx->auth.user)
		cgi_out_printf(ctx->page, "<p><a href=\"?page=dashboard\">Back to the dashboard</a></p>\n");
	cgi_frame_end(ctx);
}

int
cgi_frame_asset(const char *name)
{
	for (size_t i = 0; i < sizeof(cgi_assets) / sizeof(cgi_assets[0]); i++) {
		if (strcmp(name, cgi_assets[i].name))
			continue;
		printf("Status: 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		       "Cache-Control: max-age=86400\r\nX-Content-Type-Options: nosniff\r\n\r\n",
		       cgi_assets[i].type, cgi_assets[i].len);
		fwrite(cgi_assets[i].data, 1, cgi_assets[i].len, stdout);
		fflush(stdout);
		return 0;
	}
	return -1;
}
