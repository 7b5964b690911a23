/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm.cgi - the osm web UI: a WHM plugin, or a CGI under any web server.
 * See whm/README.md.
 *
 * One request, in this order: parse it (cgi_req: bounded, strict),
 * authenticate and authorise the user (cgi_auth), load osm.yaml with
 * the daemon's own loader, then either a POST that passed the CSRF
 * checks changes one thing and shows the result, or a GET shows a page.
 * A GET never changes anything, whatever its query string says.  No
 * shell is run; the only programs run are exim (thaw) through osm_run.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cgi_auth.h"
#include "cgi_frame.h"
#include "cgi_out.h"
#include "cgi_pages.h"
#include "cgi_req.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_msg.h"
#include "osm_rep.h"

#ifndef OSM_SYSCONFDIR
#define OSM_SYSCONFDIR "/etc"
#endif
#define RESELLERS	"/var/cpanel/resellers"

/* cgi_body - the POST body of CONTENT_LENGTH bytes; 0, or an HTTP status */
static int
cgi_body(char **body, size_t *blen)
{
	const char *cl = getenv("CONTENT_LENGTH");
	char   *end;
	unsigned long n;
	size_t	got = 0;
	ssize_t	r;

	*body = NULL, *blen = 0;
	if (cl == NULL || *cl == 0)
		return 0;
	n = strtoul(cl, &end, 10);
	if (*end || *cl == '-')
		return 400;
	if (n > CGI_REQ_MAX_BODY)
		return 413;
	if ((*body = malloc(n + 1)) == NULL)
		return 500;
	while (got < n && ((r = read(0, *body + got, n - got)) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			got += (size_t) r;
	(*body)[got] = 0;
	*blen = got;
	return got == n ? 0 : 400;
}

/* cgi_config - load osm.yaml; the loader's messages become the error page */
static struct osm_cfg *
cgi_config(struct cgi_ctx *ctx, const char *file)
{
	struct osm_buf *errs = osm_buf_new(65536);
	struct osm_cfg *cfg;

	if (errs == NULL)
		osm_msg_fatal("out of memory");
	if ((cfg = osm_cfg_load(file, errs)) == NULL) {
		cgi_frame_fail(ctx, 500, osm_buf_data(errs));
		osm_buf_free(errs);
		return NULL;
	}
	osm_buf_free(errs);
	snprintf(ctx->prefix, sizeof(ctx->prefix), "%s%s:", cfg->prefix, cfg->server_name);
	return cfg;
}

static void
cgi_post(struct cgi_ctx *ctx)
{
	const char *op = cgi_req_form(ctx->req, "op");
	char	err[256];

	if (cgi_auth_post_ok(&ctx->auth, cgi_req_form(ctx->req, "csrf"), getenv("HTTP_ORIGIN"),
			     getenv("HTTP_REFERER"), getenv("HTTP_HOST"), err, sizeof(err)) != 0) {
		osm_msg_warn("web user %s: refused a POST: %s", ctx->auth.user, err);
		cgi_frame_fail(ctx, 403, err);
	} else if (op && strcmp(op, "release") == 0)
		cgi_post_release(ctx);
	else
		cgi_frame_fail(ctx, 400, "op: not an operation of this page");
}

static void
cgi_get(struct cgi_ctx *ctx)
{
	const char *page = cgi_req_arg(ctx->req, "page");

	if (page == NULL || strcmp(page, "dashboard") == 0)
		cgi_page_dashboard(ctx);
	else if (strcmp(page, "reports") == 0)
		cgi_page_reports(ctx);
	else if (strcmp(page, "report") == 0)
		cgi_page_report(ctx, cgi_req_arg(ctx->req, "id"));
	else
		cgi_frame_fail(ctx, 404, "page: no such page");
}

int
main(void)
{
	static struct cgi_ctx ctx;
	const char *file = getenv("OSM_CONFIG"), *asset;
	char	err[1024], confdir[4096], *body, *slash;
	size_t	blen;
	int	st;
	struct osm_cfg *cfg;

	osm_msg_init("osm.cgi");
	osm_msg_syslog_init("osm-web", LOG_MAIL);
	if ((ctx.page = osm_buf_new(CGI_OUT_MAX)) == NULL)
		osm_msg_fatal("out of memory");
	ctx.status = 200;
	if (cgi_auth_random_hex(16, ctx.nonce) != 0)
		osm_msg_fatal("getrandom: %m");
	if ((st = cgi_body(&body, &blen)) != 0) {
		cgi_frame_fail(&ctx, st, st == 413 ? "the form is too large" : "the request body is incomplete");
		return 0;
	}
	ctx.req = cgi_req_parse(getenv("REQUEST_METHOD"), getenv("QUERY_STRING"), getenv("CONTENT_TYPE"),
				body, blen, getenv("HTTP_COOKIE"), err, sizeof(err));
	free(body);
	if (ctx.req == NULL) {
		cgi_frame_fail(&ctx, strcmp(err, "method not allowed") ? 400 : 405, err);
		return 0;
	}
	if (!cgi_req_is_post(ctx.req) && (asset = cgi_req_arg(ctx.req, "asset")) != NULL) {
		if (cgi_frame_asset(asset) != 0)
			cgi_frame_fail(&ctx, 404, "asset: no such file");
		cgi_req_free(ctx.req);
		return 0;
	}
	if (file == NULL || *file != '/')
		file = OSM_SYSCONFDIR "/osm/osm.yaml";
	snprintf(confdir, sizeof(confdir), "%s", file);
	slash = strrchr(confdir, '/');
	*(slash == confdir ? slash + 1 : slash) = 0;
	if (cgi_auth_check(&ctx.auth, cgi_req_cookie(ctx.req, "osm_session"), confdir, RESELLERS,
			   err, sizeof(err)) != 0) {
		osm_msg_warn("refused web user %s: %s", *ctx.auth.user ? ctx.auth.user : "(none)", err);
		cgi_frame_fail(&ctx, 403, err);
	} else if ((cfg = cgi_config(&ctx, file)) != NULL) {
		ctx.cfg = cfg;
		if (cgi_req_is_post(ctx.req))
			cgi_post(&ctx);
		else
			cgi_get(&ctx);
		osm_cfg_free(cfg);
	}
	if (ctx.rep)
		osm_rep_close(ctx.rep);
	cgi_req_free(ctx.req);
	osm_buf_free(ctx.page);
	return 0;
}
