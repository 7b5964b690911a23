/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CGI_REQ_H
#define CGI_REQ_H

/*
 * cgi_req - one CGI request: its method, query string, form body and
 * cookies, parsed and bounded before any page looks at them.
 *
 * cgi_req_parse() takes the CGI/1.1 variables and the body as given and
 * returns NULL with a message in err for anything it will not guess
 * about: a method other than GET, HEAD or POST; a POST body that is not
 * application/x-www-form-urlencoded or longer than CGI_REQ_MAX_BODY; a
 * query string longer than CGI_REQ_MAX_QUERY; more than CGI_REQ_MAX_PARAMS
 * parameters; a name that is not [A-Za-z0-9_.-]{1,32}; the same name
 * twice in one part (no guessing which one counts); a bad %-escape, a
 * NUL, another control character but tab, CR and LF, or invalid UTF-8
 * in a value; a value longer than CGI_REQ_MAX_VALUE.  Cookies are the
 * browser's and other applications' too (WHM's own): a malformed or
 * foreign-looking one is skipped, never an error; of two with one name
 * the first counts, as browsers send the most specific first.
 *
 * Query-string arguments and form fields are kept apart: a page reads
 * what changes state only from the POST body (cgi_req_form), so a link
 * can never carry an action.
 */
#include <stddef.h>

struct cgi_req;

#define CGI_REQ_MAX_QUERY	8192
#define CGI_REQ_MAX_BODY	(256u * 1024)
#define CGI_REQ_MAX_PARAMS	128
#define CGI_REQ_MAX_NAME	32
#define CGI_REQ_MAX_VALUE	65536
#define CGI_REQ_MAX_COOKIES	32

struct cgi_req *cgi_req_parse(const char *method, const char *query, const char *content_type,
			      const char *body, size_t blen, const char *cookies, char *err, size_t errlen);
void	cgi_req_free(struct cgi_req *);
int	cgi_req_is_post(const struct cgi_req *);
/* the value of NAME, or NULL if absent */
const char *cgi_req_arg(const struct cgi_req *, const char *name);	/* query string */
const char *cgi_req_form(const struct cgi_req *, const char *name);	/* POST body */
const char *cgi_req_cookie(const struct cgi_req *, const char *name);
/* cgi_req_form_each - fn(name, value, arg) for each form field, in order */
void	cgi_req_form_each(const struct cgi_req *, void (*fn)(const char *, const char *, void *), void *arg);

#endif
