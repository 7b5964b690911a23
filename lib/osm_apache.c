/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_apache - mod_status fetch and parse; see osm_apache.h.
 *
 * A minimal HTTP/1.0 client is enough: the server is local, the page
 * small, and HTTP/1.0 means the server closes when it is done.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libxml/HTMLparser.h>

#include "osm_apache.h"
#include "osm_clock.h"

#define OSM_APACHE_MAX	(4 << 20)

/* osm_apache_wait - poll fd for ev until the deadline; 0 ready, -1 not */
static int
osm_apache_wait(int fd, short ev, long long deadline)
{
	struct pollfd p = {fd, ev, 0};
	long long left = deadline - osm_mono_ms();

	return left > 0 && poll(&p, 1, (int) left) == 1 ? 0 : -1;
}

char *
osm_apache_fetch(const char *url, unsigned timeout_ms, char *err, size_t errlen)
{
	char	host[256], port[8] = "80", req[1400];
	const char *p, *path;
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	long long deadline = osm_mono_ms() + timeout_ms;
	char   *buf = NULL;
	size_t	len = 0;
	int	fd = -1, e;

	if (strncmp(url, "http://", 7) != 0) {
		snprintf(err, errlen, "%s: only http:// URLs", url);
		return NULL;
	}
	p = url + 7;
	path = strchr(p, '/');
	size_t	hl = path ? (size_t) (path - p) : strlen(p);
	const char *colon = memchr(p, ':', hl);

	if (hl == 0 || hl >= sizeof(host) || (colon && (size_t) (p + hl - colon - 1) >= sizeof(port))) {
		snprintf(err, errlen, "%s: bad URL", url);
		return NULL;
	}
	snprintf(host, sizeof(host), "%.*s", (int) (colon ? colon - p : (long) hl), p);
	if (colon)
		snprintf(port, sizeof(port), "%.*s", (int) (p + hl - colon - 1), colon + 1);
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(e));
		return NULL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS)
	    || osm_apache_wait(fd, POLLOUT, deadline) < 0) {
		snprintf(err, errlen, "connect %s:%s: %s", host, port, errno ? strerror(errno) : "timed out");
		goto fail;
	}
	socklen_t sl = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0 || e != 0) {
		snprintf(err, errlen, "connect %s:%s: %s", host, port, strerror(e));
		goto fail;
	}
	int	n = snprintf(req, sizeof(req), "GET %.1200s HTTP/1.0\r\nHost: %s\r\nUser-Agent: osm\r\n\r\n",
			     path ? path : "/", host);

	if (n >= (int) sizeof(req) || send(fd, req, (size_t) n, MSG_NOSIGNAL) != n) {
		snprintf(err, errlen, "send to %s:%s failed", host, port);
		goto fail;
	}
	if ((buf = malloc(OSM_APACHE_MAX + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (;;) {
		ssize_t	r;

		if (osm_apache_wait(fd, POLLIN, deadline) < 0) {
			snprintf(err, errlen, "%s:%s: no complete answer within %u ms", host, port, timeout_ms);
			goto fail;
		}
		if ((r = read(fd, buf + len, OSM_APACHE_MAX - len)) < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(err, errlen, "read: %s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		if (r > 0 && (len += (size_t) r) == OSM_APACHE_MAX) {
			snprintf(err, errlen, "%s:%s: the answer is larger than %d bytes", host, port, OSM_APACHE_MAX);
			goto fail;
		}
	}
	buf[len] = 0;
	char   *body = strstr(buf, "\r\n\r\n");

	if (strncmp(buf, "HTTP/1.", 7) != 0 || len < 12 || strncmp(buf + 9, "200", 3) != 0 || body == NULL) {
		char   *eol = strpbrk(buf, "\r\n");

		snprintf(err, errlen, "%s: %.*s", url, eol ? (int) (eol - buf) : 40, buf);
		goto fail;
	}
	body += 4;
	memmove(buf, body, len - (size_t) (body - buf) + 1);
	close(fd);
	freeaddrinfo(ai);
	return buf;
fail:
	free(buf);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return NULL;
}

/* osm_apache_text - a cell's text, blanks squeezed, into buf */
static void
osm_apache_text(xmlNodePtr n, char *buf, size_t len)
{
	xmlChar *t = xmlNodeGetContent(n);
	size_t	o = 0;
	int	blank = 1;

	for (const xmlChar *p = t; p && *p && o + 1 < len; p++) {
		if (isspace(*p)) {
			if (!blank)
				buf[o++] = ' ';
			blank = 1;
		} else {
			buf[o++] = (char) *p;
			blank = 0;
		}
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = 0;
	xmlFree(t);
}

struct osm_apache_walk {
	int	col_m, col_client, col_vhost, col_request, ncols;
	struct osm_apache_req *out;
	int	n, max;
};

static void
osm_apache_row(struct osm_apache_walk *w, xmlNodePtr tr)
{
	char	cells[24][1024];
	int	nc = 0;

	for (xmlNodePtr c = tr->children; c && nc < 24; c = c->next)
		if (c->type == XML_ELEMENT_NODE && (!xmlStrcasecmp(c->name, BAD_CAST "td")
						    || !xmlStrcasecmp(c->name, BAD_CAST "th")))
			osm_apache_text(c, cells[nc++], sizeof(cells[0]));
	int	m = -1, cl = -1, vh = -1, rq = -1;

	for (int i = 0; i < nc; i++) {
		if (!strcmp(cells[i], "M"))
			m = i;
		else if (!strcmp(cells[i], "Client"))
			cl = i;
		else if (!strcmp(cells[i], "VHost"))
			vh = i;
		else if (!strcmp(cells[i], "Request"))
			rq = i;
	}
	if (m >= 0 && vh >= 0 && rq >= 0) {	/* the header row */
		w->col_m = m, w->col_client = cl, w->col_vhost = vh, w->col_request = rq, w->ncols = nc;
		return;
	}
	if (w->ncols == 0 || nc != w->ncols || w->n >= w->max)
		return;
	const char *mode = cells[w->col_m], *req = cells[w->col_request];

	if (mode[0] == 0 || mode[1] || strchr("_.L", mode[0]) || req[0] == 0 || strstr(req, "/server-status"))
		return;
	struct osm_apache_req *r = &w->out[w->n++];

	r->mode = mode[0];
	snprintf(r->client, sizeof(r->client), "%s", w->col_client >= 0 ? cells[w->col_client] : "");
	snprintf(r->vhost, sizeof(r->vhost), "%s", cells[w->col_vhost]);
	char   *colon = strrchr(r->vhost, ':');

	if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))
		*colon = 0;			/* "example.com:80" */
	snprintf(r->request, sizeof(r->request), "%s", req);
}

static void
osm_apache_walk(struct osm_apache_walk *w, xmlNodePtr n, int depth)
{
	for (; n && depth < 64; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!xmlStrcasecmp(n->name, BAD_CAST "tr"))
			osm_apache_row(w, n);
		else
			osm_apache_walk(w, n->children, depth + 1);
	}
}

int
osm_apache_parse(const char *html, size_t len, struct osm_apache_req *out, int max)
{
	struct osm_apache_walk w = {-1, -1, -1, -1, 0, out, 0, max};
	htmlDocPtr doc;

	if (len > OSM_APACHE_MAX || len > (size_t) 0x7fffffff)
		return 0;
	doc = htmlReadMemory(html, (int) len, "server-status", NULL,
			     HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_COMPACT);
	if (doc == NULL)
		return 0;
	osm_apache_walk(&w, xmlDocGetRootElement(doc), 0);
	xmlFreeDoc(doc);
	return w.n;
}

const char *
osm_apache_path(const char *request, char *buf, size_t len)
{
	const char *p = strchr(request, ' '), *end;

	if (p == NULL || p[1] != '/')
		return NULL;
	p++;
	end = p + strcspn(p, " ?#");
	if ((size_t) (end - p) >= len)
		return NULL;
	memcpy(buf, p, (size_t) (end - p));
	buf[end - p] = 0;
	return buf;
}
