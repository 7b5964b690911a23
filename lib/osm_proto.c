/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_proto - Postfix policy delegation protocol parser and reply
 * formatter; see osm_proto.h and Postfix SMTPD_POLICY_README.
 *
 * SECURITY: every byte comes from a client.  Lines are bounded, names
 * must be non-empty and free of control characters, NUL bytes are
 * refused anywhere, and the attribute count is capped before it indexes
 * the fixed array.  A trailing CR is tolerated (telnet users).
 */
#include <string.h>

#include "osm_buf.h"
#include "osm_proto.h"

/*
 * osm_proto_scan - validate lines and note each attribute in req (names
 * and values not yet terminated); find the request's blank line and end
 * or the first error.  Nothing is written to buf: on MORE it is scanned
 * again once more input has come.
 */
static int
osm_proto_scan(const char *buf, size_t len, const struct osm_proto_limits *lim,
	       struct osm_proto_req *req, size_t *blank, size_t *end, const char **why)
{
	size_t	pos = 0;
	size_t	nattr = 0;
	size_t	max_attrs = lim->max_attrs;

	if (max_attrs > OSM_PROTO_MAX_ATTRS)
		max_attrs = OSM_PROTO_MAX_ATTRS;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t	linelen = nl ? (size_t) (nl - (buf + pos)) : len - pos;

		if (memchr(buf + pos, '\0', linelen) != NULL) {
			*why = "NUL byte in request";
			return OSM_PROTO_ERR;
		}
		if (linelen > lim->max_line) {
			*why = "line too long";
			return OSM_PROTO_ERR;
		}
		if (nl == NULL)
			break;
		if (linelen == 0 || (linelen == 1 && buf[pos] == '\r')) {
			if (nattr == 0) {
				*why = "empty request";
				return OSM_PROTO_ERR;
			}
			*blank = pos;
			*end = pos + linelen + 1;
			req->nattr = nattr;
			return OSM_PROTO_OK;
		}
		const char *eq = memchr(buf + pos, '=', linelen);

		if (eq == NULL) {
			*why = "line without '='";
			return OSM_PROTO_ERR;
		}
		if (eq == buf + pos) {
			*why = "empty attribute name";
			return OSM_PROTO_ERR;
		}
		for (const char *p = buf + pos; p < eq; p++) {
			if ((unsigned char) *p <= ' ' || *p == 0x7f) {
				*why = "control character or space in attribute name";
				return OSM_PROTO_ERR;
			}
		}
		if (nattr == max_attrs) {
			*why = "too many attributes";
			return OSM_PROTO_ERR;
		}
		req->attr[nattr++] = (struct osm_proto_attr) {buf + pos, eq + 1, (size_t) (eq - (buf + pos))};
		pos += linelen + 1;
		if (pos > lim->max_request) {
			*why = "request too large";
			return OSM_PROTO_ERR;
		}
	}
	if (len >= lim->max_request) {
		*why = "request too large";
		return OSM_PROTO_ERR;
	}
	return OSM_PROTO_MORE;
}

/* osm_proto_parse - see osm_proto.h */
int
osm_proto_parse(char *buf, size_t len, const struct osm_proto_limits *lim,
		struct osm_proto_req *req, size_t *used, const char **why)
{
	size_t	blank = 0, end = 0;
	int	r;

	*why = NULL;
	if ((r = osm_proto_scan(buf, len, lim, req, &blank, &end, why)) != OSM_PROTO_OK) {
		req->nattr = 0;
		return r;
	}
	/* Complete: end each name at its '=' and each value at its newline
	 * (and a CR before it); a line's newline is just before the next.
	 * The pointers point into buf, which is ours to write. */
	for (size_t i = 0; i < req->nattr; i++) {
		struct osm_proto_attr *a = &req->attr[i];
		char   *nl = (char *) (i + 1 < req->nattr ? req->attr[i + 1].name : buf + blank) - 1;

		((char *) a->name)[a->namelen] = 0;
		*nl = 0;
		if (nl > a->value && nl[-1] == '\r')
			nl[-1] = 0;
	}
	*used = end;
	return OSM_PROTO_OK;
}

/* osm_proto_find - the index of an attribute, or nattr; lengths first, strings rarely */
static size_t
osm_proto_find(const struct osm_proto_req *req, const char *name, size_t n)
{
	size_t	i;

	for (i = 0; i < req->nattr; i++)
		if (req->attr[i].namelen == n && memcmp(req->attr[i].name, name, n) == 0)
			break;
	return i;
}

/* osm_proto_getn - first value of the attribute NAME of LEN bytes, or NULL */
const char *
osm_proto_getn(const struct osm_proto_req *req, const char *name, size_t len)
{
	size_t	i = osm_proto_find(req, name, len);

	return i < req->nattr ? req->attr[i].value : NULL;
}

/* osm_proto_set - replace an attribute's value, or add it if there is room */
void
osm_proto_set(struct osm_proto_req *req, const char *name, const char *value)
{
	size_t	i = osm_proto_find(req, name, strlen(name));

	if (i < req->nattr)
		req->attr[i].value = value;
	else if (req->nattr < OSM_PROTO_MAX_ATTRS)
		req->attr[req->nattr++] = (struct osm_proto_attr) {name, value, strlen(name)};
}

/* osm_proto_printable - replace control and non-ASCII bytes, cap length */
void
osm_proto_printable(char *s, size_t max)
{
	size_t	i;

	for (i = 0; s[i] && i < max; i++)
		if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f)
			s[i] = '?';
	s[i] = 0;
}

/* osm_proto_attr - append "name=value\n", the value safe for one line */
void
osm_proto_attr(struct osm_buf *out, const char *name, const char *value, size_t max)
{
	size_t	n = strnlen(value, max);

	osm_buf_puts(out, name);
	osm_buf_puts(out, "=");
	for (size_t i = 0; i < n; i++) {
		char	c = osm_proto_value_char((unsigned char) value[i]);

		osm_buf_append(out, &c, 1);
	}
	osm_buf_puts(out, "\n");
}

/* osm_proto_reply - append "action=ACTION[ text]\n\n" */
int
osm_proto_reply(struct osm_buf *out, const char *action, const char *text)
{
	char	safe[OSM_PROTO_REPLY_TEXT + 1];
	size_t	alen = strlen(action);

	if ((text == NULL || *text == 0) && alen < sizeof(safe) - 9) {
		/* DUNNO, the answer to almost every request: no printf */
		memcpy(safe, "action=", 7);
		memcpy(safe + 7, action, alen);
		memcpy(safe + 7 + alen, "\n\n", 2);
		return osm_buf_append(out, safe, alen + 9);
	}
	if (text == NULL || *text == 0)
		return osm_buf_printf(out, "action=%s\n\n", action);
	strncpy(safe, text, sizeof(safe) - 1);
	safe[sizeof(safe) - 1] = 0;
	osm_proto_printable(safe, OSM_PROTO_REPLY_TEXT);
	return osm_buf_printf(out, "action=%s %s\n\n", action, safe);
}
