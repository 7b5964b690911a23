/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_APACHE_H
#define OSM_APACHE_H

/*
 * osm_apache - what Apache is serving right now, from mod_status.
 *
 * osm_apache_fetch() GETs an http:// URL (plain HTTP, a local server:
 * Apache's server-status) with one bounded timeout for the whole
 * exchange and returns the body of a 200 answer, at most 4 MiB, in a
 * malloc'd NUL-terminated string; NULL with the reason in err otherwise.
 *
 * osm_apache_parse() reads the worker table of the server-status page
 * (ExtendedStatus On; libxml2's HTML parser, no network) and fills out
 * with the requests being served: the slot's mode is not idle ("_"),
 * open (".") or logging ("L"), and the request is not the status page
 * itself.  Columns are found by their headers (Client, VHost, Request,
 * M), so Apache versions that add columns still parse.  Returns how many
 * it filled, at most max.
 */
#include <stddef.h>

struct osm_apache_req {
	char	mode;			/* W sending, R reading, K keepalive, ... */
	char	client[64];
	char	vhost[256];		/* without :port */
	char	request[1024];		/* "GET /path?query HTTP/1.1" */
};

char   *osm_apache_fetch(const char *url, unsigned timeout_ms, char *err, size_t errlen);
int	osm_apache_parse(const char *html, size_t len, struct osm_apache_req *out, int max);
/* The path of a request line, without the query: "/app/x.php", or NULL. */
const char *osm_apache_path(const char *request, char *buf, size_t len);

#endif
