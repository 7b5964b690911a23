/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_PROTO_H
#define OSM_PROTO_H

/*
 * osm_proto - the Postfix SMTPD policy delegation protocol
 * (Postfix SMTPD_POLICY_README): a request is name=value lines ended by
 * an empty line; the reply is "action=..." and an empty line.
 *
 * osm_proto_parse() is pure and does no I/O: give it the bytes a client
 * has sent so far.  It returns OSM_PROTO_MORE when the request is not
 * complete yet, OSM_PROTO_ERR with a static reason when the input breaks
 * a rule or limit (the caller logs it and disconnects, as the protocol
 * requires), or OSM_PROTO_OK with *used set to the request's length.  On
 * OK the first *used bytes of buf are rewritten in place ('=' and '\n'
 * become NUL) and req's pointers point into them: buf must stay
 * unchanged while req is in use.  Limits are checked on partial input
 * too, so a client cannot make the caller buffer more than max_request.
 *
 * osm_proto_get() returns an attribute's value (the first one if a
 * name repeats) or NULL; osm_proto_set() replaces one or adds it (the
 * strings must outlive req).  osm_proto_reply() formats a reply line with
 * the text made printable and capped, since it may hold peer data.
 *
 * The writing side: osm_proto_attr() appends one "name=value\n" line,
 * the value cut at max bytes and each control character in it made a
 * space by osm_proto_value_char() (a newline would end the attribute,
 * NUL the value; bytes from 0x80 stay, subjects are UTF-8).  Every
 * client in osm writes its requests with these two.
 */
#include <stddef.h>
#include <string.h>

#define OSM_PROTO_MAX_ATTRS	256	/* hard ceiling for max_attrs */
#define OSM_PROTO_REPLY_TEXT	400	/* chars of free text in a reply */

#define OSM_PROTO_OK	1
#define OSM_PROTO_MORE	0
#define OSM_PROTO_ERR	(-1)

struct osm_proto_limits {
	size_t	max_line;		/* bytes per line, without newline */
	size_t	max_attrs;		/* attributes per request */
	size_t	max_request;		/* bytes per request */
};

struct osm_proto_attr {
	const char *name;
	const char *value;
	size_t	namelen;		/* so a lookup rarely compares strings */
};

struct osm_proto_req {
	size_t	nattr;
	struct osm_proto_attr attr[OSM_PROTO_MAX_ATTRS];
};

struct osm_buf;

int	osm_proto_parse(char *buf, size_t len, const struct osm_proto_limits *,
			struct osm_proto_req *, size_t *used, const char **why);
const char *osm_proto_getn(const struct osm_proto_req *, const char *name, size_t len);
void	osm_proto_set(struct osm_proto_req *, const char *name, const char *value);
int	osm_proto_reply(struct osm_buf *out, const char *action, const char *text);
void	osm_proto_printable(char *s, size_t max);
void	osm_proto_attr(struct osm_buf *, const char *name, const char *value, size_t max);

/* Inline, and header only, for the exim module that links nothing else. */
static inline char
osm_proto_value_char(unsigned char c)
{
	return c < 0x20 || c == 0x7f ? ' ' : (char) c;
}

/* Inline, so the length of a literal name is known when compiling. */
static inline const char *
osm_proto_get(const struct osm_proto_req *req, const char *name)
{
	return osm_proto_getn(req, name, strlen(name));
}

#endif
