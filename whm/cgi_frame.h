/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CGI_FRAME_H
#define CGI_FRAME_H

/*
 * cgi_frame - what every page shares: the request context, the HTTP
 * headers, the frame around the page and the answer itself.
 *
 * A page writes its body into ctx->page between cgi_frame_begin() and
 * cgi_frame_end(); nothing reaches stdout before cgi_frame_end(), so a
 * page that fails half-way sends cgi_frame_fail() instead.  The frame
 * is WHM's own header and footer when the CGI runs under WHM and WHM
 * has rendered them (whm_chrome_cache_directory, default
 * /var/cpanel/caches: _generated_header_files/KEY_0_0.html for the
 * user's key in cache_keys.json, _generated_footer_files/footer.html,
 * root-owned, with WHM's placeholders replaced), else a plain page of
 * its own.  Every answer carries a Content-Security-Policy that allows
 * no inline script but the nonce'd (the chrome's), no framing by other
 * sites, and forms only to this CGI; pages are never cached.
 *
 * Links are relative ("?page=reports"), so they keep WHM's /cpsessN/
 * prefix without writing it.
 */
#include <stddef.h>

#include "cgi_auth.h"

struct osm_buf;
struct osm_cfg;
struct osm_rep;
struct cgi_req;

struct cgi_ctx {
	struct cgi_req *req;
	struct cgi_auth auth;
	const struct osm_cfg *cfg;	/* NULL if osm.yaml did not load */
	const char *cfg_error;		/* then why */
	char	prefix[160];		/* Redis key prefix: redis.prefix server_name ":" */
	struct osm_rep *rep;		/* opened on first use: cgi_frame_rep() */
	char	rep_error[256];
	struct osm_buf *page;
	char	nonce[33];
	const char *title;
	int	status;			/* HTTP status, 200 unless a page says otherwise */
	const char *notice;		/* a result line shown atop the page (after a POST) */
	int	notice_bad;
};

/* cgi_frame_rep - the report store, or NULL with ctx->rep_error set */
struct osm_rep *cgi_frame_rep(struct cgi_ctx *);

void	cgi_frame_begin(struct cgi_ctx *, const char *title, const char *nav);
void	cgi_frame_end(struct cgi_ctx *);
/* cgi_frame_fail - an error page with STATUS and MESSAGE, replacing any page begun */
void	cgi_frame_fail(struct cgi_ctx *, int status, const char *message);
/* cgi_frame_csrf - the hidden token field of a form */
void	cgi_frame_csrf(struct cgi_ctx *);
/* cgi_frame_asset - answer ?asset=NAME from the compiled-in files; 0, or -1 if no such */
int	cgi_frame_asset(const char *name);
/* cgi_frame_time - "YYYY-MM-DD HH:MM:SS" of a time in ms */
void	cgi_frame_time(long long ms, char *out, size_t len);

#endif
