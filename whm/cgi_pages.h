/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CGI_PAGES_H
#define CGI_PAGES_H

/*
 * cgi_pages - the pages of the web UI.  Each writes its body into
 * ctx->page between cgi_frame_begin() and cgi_frame_end(), or answers
 * with cgi_frame_fail().  The cgi_post_* functions change state; the
 * main program calls them only for a POST whose CSRF checks passed,
 * and they read their arguments only from the form body.
 */
#include <jansson.h>

struct cgi_ctx;

void	cgi_page_dashboard(struct cgi_ctx *);
void	cgi_page_reports(struct cgi_ctx *);
void	cgi_page_report(struct cgi_ctx *, const char *id);
void	cgi_post_release(struct cgi_ctx *);

/* cgi_reports_table - a table of reports (JSON objects), for the list and the dashboard */
void	cgi_reports_table(struct cgi_ctx *, json_t *reports);

#endif
