/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CGI_OUT_H
#define CGI_OUT_H

/*
 * cgi_out - the page being written, with one escaper per context.
 *
 * Every byte a page shows that did not come from the program's own
 * constants goes through a conversion of cgi_out_printf() that escapes
 * it for where it lands:
 *   %h  HTML text and quoted attribute values: & < > " ' escaped, C0
 *       controls and DEL as U+FFFD, invalid UTF-8 bytes as U+FFFD;
 *   %U  one URL query component: all but [A-Za-z0-9._~-] percent-encoded;
 *   %j  a JSON string, quotes included, safe inside <script> data
 *       (< > & written \u003c \u003e \u0026, U+2028/9 escaped);
 *   %s  raw: only the program's own markup and constants;
 *   %d %u %ld %lld %llu %zu %%: numbers.
 * The page is kept in memory (bounded) and written at the end, so an
 * error page can still replace a half-built one.
 */
#include <stddef.h>

struct osm_buf;

#define CGI_OUT_MAX	(8u << 20)	/* a page: 8 MiB */

void	cgi_out_printf(struct osm_buf *, const char *fmt, ...);
void	cgi_out_html(struct osm_buf *, const char *s, size_t n);
void	cgi_out_url(struct osm_buf *, const char *s);
void	cgi_out_json(struct osm_buf *, const char *s);

#endif
