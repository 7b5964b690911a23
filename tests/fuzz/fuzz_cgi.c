/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_cgi - libFuzzer target for the web UI's request parser and its
 * escapers, with real parsers as the oracles.
 *
 * The input is a query string, a form body and a cookie header, split
 * at its first two NUL bytes (the fuzzer's framing, not osm's: each
 * part is given to cgi_req_parse as the web server would).  What the
 * parser accepts must obey its contract: names of [A-Za-z0-9_.-], values
 * bounded, valid UTF-8, no control character but tab, CR and LF.  Each
 * accepted value (and the raw input too) then goes through the
 * escapers, and real parsers must read back exactly the text shown:
 * libxml2's HTML parser for %h in an element and in an attribute (the
 * input with what cannot be shown replaced by U+FFFD), jansson for %j,
 * and cgi_req_parse itself for %U.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include "cgi_out.h"
#include "cgi_req.h"
#include "osm_buf.h"
#include "osm_json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* what %h must show for S: itself, but C0 (not tab, LF), DEL and bad UTF-8 as U+FFFD */
static void
shown(struct osm_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;

	for (size_t i = 0; i < n;) {
		size_t	ulen = osm_json_utf8_len(p + i, n - i);

		if (ulen > 1 || (ulen == 1 && (p[i] >= 0x20 || p[i] == '\t' || p[i] == '\n') && p[i] != 0x7f)) {
			osm_buf_append(b, p + i, ulen);
			i += ulen;
		} else {
			osm_buf_puts(b, "\xef\xbf\xbd");
			i++;
		}
	}
}

/* libxml2 drops what XML cannot hold even in HTML: compare only where it keeps all */
static int
xml_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
		if (*p == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
			return 0;	/* U+FFFE, U+FFFF */
	return 1;
}

static void
check_html(const char *s, size_t n)
{
	struct osm_buf *doc = osm_buf_new(CGI_OUT_MAX), *want = osm_buf_new(CGI_OUT_MAX);
	htmlDocPtr d;
	xmlNodePtr node;
	xmlChar *text, *title;

	osm_buf_puts(doc, "<!doctype html><html><head><meta charset=\"utf-8\"></head><body><p title=\"");
	cgi_out_html(doc, s, n);
	osm_buf_puts(doc, "\">");
	cgi_out_html(doc, s, n);
	osm_buf_puts(doc, "</p></body></html>");
	shown(want, s, n);
	if (!xml_safe(osm_buf_data(want)))
		goto out;
	d = htmlReadMemory(osm_buf_data(doc), (int) osm_buf_len(doc), NULL, "UTF-8",
			   HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	if (d == NULL)
		abort();
	node = xmlDocGetRootElement(d);
	for (node = node ? node->children : NULL; node && xmlStrcmp(node->name, BAD_CAST "body"); node = node->next)
		;
	for (node = node ? node->children : NULL; node && xmlStrcmp(node->name, BAD_CAST "p"); node = node->next)
		;
	if (node == NULL || node->next != NULL)
		abort();	/* the text made an element of its own */
	text = xmlNodeGetContent(node);
	title = xmlGetProp(node, BAD_CAST "title");
	if (text == NULL || title == NULL || strcmp((char *) text, osm_buf_data(want))
	    || strcmp((char *) title, osm_buf_data(want)))
		abort();
	xmlFree(text);
	xmlFree(title);
	xmlFreeDoc(d);
out:
	osm_buf_free(doc);
	osm_buf_free(want);
}

static void
check_json(const char *s)
{
	struct osm_buf *b = osm_buf_new(CGI_OUT_MAX);
	json_t *v;

	cgi_out_json(b, s);
	if (strpbrk(osm_buf_data(b), "<>&") || (v = json_loads(osm_buf_data(b), JSON_DECODE_ANY, NULL)) == NULL)
		abort();
	/* valid UTF-8 reads back as itself (osm_json writes a bad byte as its Latin-1 reading) */
	if (json_string_length(v) == strlen(s) && strcmp(json_string_value(v), s) != 0)
		abort();
	json_decref(v);
	osm_buf_free(b);
}

static void
check_url(const char *s)
{
	struct osm_buf *b = osm_buf_new(CGI_OUT_MAX);
	struct cgi_req *r;
	char	err[256];

	osm_buf_puts(b, "v=");
	cgi_out_url(b, s);
	if (strspn(osm_buf_data(b) + 2, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._~-%")
	    != osm_buf_len(b) - 2)
		abort();
	/* an accepted value was valid: its URL form must parse back to it */
	r = cgi_req_parse("GET", osm_buf_data(b), NULL, NULL, 0, NULL, err, sizeof(err));
	if (r == NULL || strcmp(cgi_req_arg(r, "v"), s) != 0)
		abort();
	cgi_req_free(r);
	osm_buf_free(b);
}

static void
check_value(const char *name, const char *value, void *arg)
{
	(void) arg;
	if (strlen(name) == 0 || strlen(name) > CGI_REQ_MAX_NAME
	    || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(name))
		abort();
	if (strlen(value) > CGI_REQ_MAX_VALUE)
		abort();
	for (const unsigned char *p = (const unsigned char *) value; *p;) {
		size_t	ulen = osm_json_utf8_len(p, strlen((const char *) p));

		if (ulen == 0 || *p == 0x7f || (*p < 0x20 && *p != '\t' && *p != '\r' && *p != '\n'))
			abort();
		p += ulen;
	}
	check_html(value, strlen(value));
	check_json(value);
	check_url(value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *buf = malloc(size + 1), *query, *body = NULL, *cookies = NULL, err[256];
	size_t	blen = 0;
	struct cgi_req *r;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	query = buf;
	if (strlen(query) < size) {
		body = query + strlen(query) + 1;
		blen = size - (size_t) (body - buf);
		char   *nul = memchr(body, 0, blen);

		if (nul) {
			cookies = nul + 1;
			blen = (size_t) (nul - body);
		}
	}
	r = cgi_req_parse("POST", query, "application/x-www-form-urlencoded", body, blen, cookies, err, sizeof(err));
	if (r != NULL) {
		cgi_req_form_each(r, check_value, NULL);
		cgi_req_free(r);
	} else if (*err == 0)
		abort();
	/* the query string is parsed as a form is: its values obey the same contract */
	if ((r = cgi_req_parse("POST", NULL, "application/x-www-form-urlencoded", query, strlen(query), NULL,
			       err, sizeof(err))) != NULL) {
		cgi_req_form_each(r, check_value, NULL);
		cgi_req_free(r);
	}
	check_html((const char *) data, size);
	if (memchr(data, 0, size) == NULL)
		check_json(buf);
	free(buf);
	return 0;
}
