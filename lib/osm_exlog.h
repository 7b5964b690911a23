/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_EXLOG_H
#define OSM_EXLOG_H

/*
 * osm_exlog - parse one line of exim's mainlog.
 *
 * osm_exlog_parse() takes a line without its newline and fills a
 * struct osm_exlog: the time (with log_selector +millisec and
 * log_timezone), the [pid] (+pid), the message id (4.96's 16-character
 * ids and 4.97+'s 23-character ids), what the line is (arrival "<=",
 * delivery "=>", "->", ">>", "*>", failure "**", deferral "==",
 * "Completed", a "cwd=PATH N args: ..." line, or any other line of a
 * message) and the fields osm uses: sender or address, U=, P=, A=
 * (the id after "authenticator:"), H= host name, helo and [ip]:port,
 * S=, id=, T= (a subject, unescaped, on arrivals; the transport on
 * deliveries), R=, the recipients after "for", and on failures and
 * deferrals the error text.
 *
 * The sender and the recipients are read as exim writes them, raw: a
 * quoted local part keeps its quotes and may hold blanks, "A=..." and,
 * from a local user's command line, a newline, which splits one log
 * entry over two lines.  When a line ends inside such a quoted address,
 * "more" is set: the caller appends "\n" and the next line and parses
 * the whole entry again (otherwise the second half, written by the
 * user, would be read as a line of its own).  A= is taken only from an
 * arrival whose P= is an authenticated protocol and whose fields are in
 * the order exim writes them, once each ("forged" is set otherwise:
 * text inside an ident, a junk HELO or a DN wrote fields of its own).
 *
 * Strings point into the struct's own buffer and are NUL-terminated;
 * absent fields are NULL.  A line osm cannot use returns
 * OSM_EXLOG_SKIP; nothing is ever fatal.  The parser is pure: no
 * allocation, no I/O, bounded by OSM_EXLOG_MAX_LINE.
 */
#include <stddef.h>

#define OSM_EXLOG_MAX_LINE	16384

enum osm_exlog_kind {
	OSM_EXLOG_SKIP = 0,		/* not a line osm understands */
	OSM_EXLOG_ARRIVAL,		/* <= */
	OSM_EXLOG_DELIVERY,		/* => */
	OSM_EXLOG_ADDITIONAL,		/* -> */
	OSM_EXLOG_CUTTHROUGH,		/* >> */
	OSM_EXLOG_SUPPRESSED,		/* *> */
	OSM_EXLOG_FAILURE,		/* ** */
	OSM_EXLOG_DEFERRAL,		/* == */
	OSM_EXLOG_COMPLETED,
	OSM_EXLOG_CWD,			/* cwd=PATH N args: ... */
	OSM_EXLOG_OTHER,		/* any other line with a message id */
};

struct osm_exlog {
	enum osm_exlog_kind kind;
	long long time;			/* seconds since the epoch, UTC */
	long	pid;			/* -1 without +pid */
	char	id[24];			/* "" if the line has none */
	const char *addr;		/* <=: sender ("<>" for bounces); =>...: the address */
	const char *user;		/* U= */
	const char *proto;		/* P= */
	const char *auth;		/* A=, the part after "authenticator:" */
	const char *host;		/* H= name, if any */
	const char *helo;		/* H=... (helo) */
	const char *ip;			/* H=... [ip] */
	const char *router;		/* R= */
	const char *transport;		/* T= on deliveries */
	const char *subject;		/* T= on arrivals, unescaped */
	const char *msgid;		/* id= */
	const char *cwd;		/* cwd= */
	const char *args;		/* the command line after "N args: " */
	const char *ref_id;		/* the message id in a cwd line's -Mc/-M/-E argument */
	long	size;			/* S=, -1 if absent */
	int	nrcpt;			/* recipients after "for" */
	const char *rcpts;		/* the same, space-separated */
	const char *reason;		/* ** and ==: the error after "ADDR: " or "[ip]: " */
	int	more;			/* ends inside a quoted address: the entry goes on */
	int	forged;			/* an arrival's fields out of exim's order */
	char	buf[OSM_EXLOG_MAX_LINE + 64];
};

enum osm_exlog_kind osm_exlog_parse(const char *line, size_t len, struct osm_exlog *);
/* A message id of either format; the length is 16 or 23. */
int	osm_exlog_is_id(const char *s, size_t len);
const char *osm_exlog_kind_name(enum osm_exlog_kind);

#endif
