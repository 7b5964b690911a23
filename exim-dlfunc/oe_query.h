/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OE_QUERY_H
#define OE_QUERY_H

/*
 * oe_query - the exim module's client side of the policy protocol, with
 * no exim dependency (so it is unit-tested and fuzzed on its own).
 *
 * oe_opts_parse() reads the dlfunc OPTIONS argument: whitespace or
 * comma separated "socket=PATH timeout=MS fail=accept|defer".
 * oe_req_add() appends one "name=value" attribute to a request,
 * dropping the attribute if it does not fit and replacing control
 * characters (a newline would end the attribute) with spaces.
 * oe_query() sends the request over the cached connection (or a new one)
 * and reads the reply, all within one deadline (a full backlog, EAGAIN
 * on connect, is tried again until then); it never blocks past the
 * timeout, never raises a signal, and keeps the connection for the next
 * call in the same process (a forked child opens its own).
 * oe_reply_parse() turns "action=..." into a verdict.
 */
#include <stddef.h>

#define OE_REQ_MAX	8192
#define OE_VALUE_MAX	1000		/* longer values are cut */
#define OE_REPLY_MAX	1024

enum oe_verdict { OE_ACCEPT, OE_HOLD, OE_DISCARD, OE_DEFER, OE_ERROR };

struct oe_opts {
	char	socket[108];		/* sun_path */
	int	timeout_ms;
	int	fail_defer;		/* answer defer, not accept, when osm fails */
};

struct oe_req {
	char	buf[OE_REQ_MAX];
	size_t	len;
};

int	oe_opts_parse(const char *text, struct oe_opts *, char *err, size_t errlen);
void	oe_req_init(struct oe_req *);
void	oe_req_add(struct oe_req *, const char *name, const char *value);
/*
 * Returns the verdict; OE_ERROR with a reason in err.  reply gets the
 * text after the action word.  deadline is on oe_now()'s clock
 * (CLOCK_MONOTONIC, ms): the caller starts it when exim calls it, so its
 * own work (expansions, /proc reads) counts in the timeout.
 */
enum oe_verdict oe_query(const struct oe_opts *, struct oe_req *, long long deadline,
			 char *reply, size_t replylen, char *err, size_t errlen);
long long oe_now(void);
enum oe_verdict oe_reply_parse(const char *buf, size_t len, char *text, size_t textlen);
const char *oe_verdict_name(enum oe_verdict);

#endif
