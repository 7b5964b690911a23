/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgi_req - CGI request parsing (cgi_req.h).
 *
 * Everything here is attacker text: the parameters are copied out of
 * the input once, decoded, checked and bounded, and the pages see only
 * the result.  One allocation per parameter; no state outside the
 * struct.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cgi_req.h"
#include "osm_json.h"

enum cgi_part { CGI_QUERY, CGI_FORM, CGI_COOKIE };

struct cgi_param {
	enum cgi_part part;
	char   *name;
	char   *value;
};

struct cgi_req {
	int	post;
	size_t	n;
	struct cgi_param p[CGI_REQ_MAX_PARAMS + CGI_REQ_MAX_COOKIES];
};

/* cgi_req_word_ok - s[n] is 1 to MAX of [A-Za-z0-9_.-]: a name, or one of our cookies */
static int
cgi_req_word_ok(const char *s, size_t n, size_t max)
{
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
		      || (s[i] >= '0' && s[i] <= '9') || strchr("_.-", s[i])))
			return 0;
	return 1;
}

static int
cgi_req_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* cgi_req_decode - %-decode s[n] ('+' a space) into a new string; NULL, why */
static char *
cgi_req_decode(const char *s, size_t n, const char **why)
{
	char   *out = malloc(n + 1), *o = out;

	if (out == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] != '%') {
			*o++ = s[i];
		} else if (i + 2 < n && cgi_req_hex(s[i + 1]) >= 0 && cgi_req_hex(s[i + 2]) >= 0) {
			*o++ = (char) (cgi_req_hex(s[i + 1]) * 16 + cgi_req_hex(s[i + 2]));
			i += 2;
		} else {
			free(out);
			*why = "a bad %-escape";
			return NULL;
		}
	}
	*o = 0;
	/* a NUL, a control character or invalid UTF-8: no page wants it */
	for (const unsigned char *p = (unsigned char *) out; p < (unsigned char *) o;) {
		size_t	ulen = osm_json_utf8_len(p, (size_t) ((unsigned char *) o - p));

		if (ulen == 0 || *p == 0 || *p == 0x7f || (*p < 0x20 && !strchr("\t\r\n", *p))) {
			free(out);
			*why = ulen == 0 ? "invalid UTF-8" : "a control character";
			return NULL;
		}
		p += ulen;
	}
	return out;
}

static int
cgi_req_add(struct cgi_req *r, enum cgi_part part, char *name, char *value)
{
	struct cgi_param *p = &r->p[r->n++];

	p->part = part;
	p->name = name;
	p->value = value;
	return 0;
}

static const struct cgi_param *
cgi_req_find(const struct cgi_req *r, enum cgi_part part, const char *name)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->p[i].part == part && strcmp(r->p[i].name, name) == 0)
			return &r->p[i];
	return NULL;
}

/* cgi_req_pairs - "a=1&b=2" of one part into r; 0, or -1 with err */
static int
cgi_req_pairs(struct cgi_req *r, enum cgi_part part, const char *s, size_t len, char *err, size_t errlen)
{
	const char *what = part == CGI_QUERY ? "query string" : "form";
	const char *p = s, *end = s + len, *amp, *eq, *why = "out of memory";
	size_t	nparts = 0;
	char   *name, *value;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t) (end - p))) == NULL)
			amp = end;
		if (amp == p) {		/* "a=1&&b=2": an empty pair, harmless */
			p++;
			continue;
		}
		if (++nparts > CGI_REQ_MAX_PARAMS) {
			snprintf(err, errlen, "%s: more than %d parameters", what, CGI_REQ_MAX_PARAMS);
			return -1;
		}
		if ((eq = memchr(p, '=', (size_t) (amp - p))) == NULL)
			eq = amp;
		if (!cgi_req_word_ok(p, (size_t) (eq - p), CGI_REQ_MAX_NAME)) {
			snprintf(err, errlen, "%s: a parameter name that is not [A-Za-z0-9_.-]{1,%d}",
				 what, CGI_REQ_MAX_NAME);
			return -1;
		}
		if ((name = strndup(p, (size_t) (eq - p))) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (cgi_req_find(r, part, name)) {
			snprintf(err, errlen, "%s: parameter \"%s\" given twice", what, name);
			free(name);
			return -1;
		}
		if (eq < amp && (size_t) (amp - eq - 1) > CGI_REQ_MAX_VALUE * 3) {
			snprintf(err, errlen, "%s: parameter \"%s\" is longer than %d bytes", what, name,
				 CGI_REQ_MAX_VALUE);
			free(name);
			return -1;
		}
		value = eq < amp ? cgi_req_decode(eq + 1, (size_t) (amp - eq - 1), &why) : strdup("");
		if (value != NULL && strlen(value) > CGI_REQ_MAX_VALUE)
			why = "longer than the limit", free(value), value = NULL;
		if (value == NULL) {
			snprintf(err, errlen, "%s: parameter \"%s\": %s", what, name, why);
			free(name);
			free(value);
			return -1;
		}
		cgi_req_add(r, part, name, value);
		p = amp;
	}
	return 0;
}

/* cgi_req_cookies - "a=1; b=2": only plain names and values are kept */
static void
cgi_req_cookies(struct cgi_req *r, const char *s)
{
	size_t	kept = 0;

	while (*s && kept < CGI_REQ_MAX_COOKIES) {
		size_t	len = strcspn(s, ";");
		const char *eq = memchr(s, '=', len);
		const char *name = s;

		while (*name == ' ' && name < s + len)
			name++;
		if (eq && cgi_req_word_ok(name, (size_t) (eq - name), CGI_REQ_MAX_NAME)
		    && cgi_req_word_ok(eq + 1, (size_t) (s + len - eq - 1), 256)) {
			char   *n = strndup(name, (size_t) (eq - name));
			char   *v = strndup(eq + 1, (size_t) (s + len - eq - 1));

			if (n && v && cgi_req_find(r, CGI_COOKIE, n) == NULL) {
				cgi_req_add(r, CGI_COOKIE, n, v);
				kept++;
			} else {
				free(n);
				free(v);
			}
		}
		s += len;
		if (*s == ';')
			s++;
	}
}

static int
cgi_req_form_type(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";

	return ct && strncasecmp(ct, form, sizeof(form) - 1) == 0
	    && (ct[sizeof(form) - 1] == 0 || ct[sizeof(form) - 1] == ';');
}

struct cgi_req *
cgi_req_parse(const char *method, const char *query, const char *content_type,
	      const char *body, size_t blen, const char *cookies, char *err, size_t errlen)
{
	struct cgi_req *r;
	int	post;

	if (method == NULL || (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST"))) {
		snprintf(err, errlen, "method not allowed");
		return NULL;
	}
	post = strcmp(method, "POST") == 0;
	if (query && strlen(query) > CGI_REQ_MAX_QUERY) {
		snprintf(err, errlen, "query string: longer than %d bytes", CGI_REQ_MAX_QUERY);
		return NULL;
	}
	if (post && !cgi_req_form_type(content_type)) {
		snprintf(err, errlen, "form: not application/x-www-form-urlencoded");
		return NULL;
	}
	if (post && blen > CGI_REQ_MAX_BODY) {
		snprintf(err, errlen, "form: longer than %u bytes", CGI_REQ_MAX_BODY);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->post = post;
	if ((query && cgi_req_pairs(r, CGI_QUERY, query, strlen(query), err, errlen) != 0)
	    || (post && body && cgi_req_pairs(r, CGI_FORM, body, blen, err, errlen) != 0)) {
		cgi_req_free(r);
		return NULL;
	}
	if (cookies)
		cgi_req_cookies(r, cookies);
	return r;
}

void
cgi_req_free(struct cgi_req *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++) {
		free(r->p[i].name);
		free(r->p[i].value);
	}
	free(r);
}

int
cgi_req_is_post(const struct cgi_req *r)
{
	return r->post;
}

static const char *
cgi_req_value(const struct cgi_req *r, enum cgi_part part, const char *name)
{
	const struct cgi_param *p = cgi_req_find(r, part, name);

	return p ? p->value : NULL;
}

const char *
cgi_req_arg(const struct cgi_req *r, const char *name)
{
	return cgi_req_value(r, CGI_QUERY, name);
}

const char *
cgi_req_form(const struct cgi_req *r, const char *name)
{
	return cgi_req_value(r, CGI_FORM, name);
}

const char *
cgi_req_cookie(const struct cgi_req *r, const char *name)
{
	return cgi_req_value(r, CGI_COOKIE, name);
}

void
cgi_req_form_each(const struct cgi_req *r, void (*fn)(const char *, const char *, void *), void *arg)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->p[i].part == CGI_FORM)
			fn(r->p[i].name, r->p[i].value, arg);
}
