/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_exlog - exim mainlog line parser; see osm_exlog.h.
 *
 * A line is: DATE TIME[.MS][ ±ZZZZ] [[PID]] then either "cwd=PATH N
 * args: ARGS" or MESSAGE-ID FLAG FIELDS.  Fields are KEY=VALUE tokens;
 * a value is one word, or a quoted string with exim's escapes (T= and
 * others), or for H= up to three parts: "name (helo) [ip]:port".  The
 * recipients follow a bare "for".  Everything is taken from the line by
 * position and length only; the line may hold any bytes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "osm_exlog.h"

struct osm_exlog_in {
	const char *p, *end;
	struct osm_exlog *o;
	size_t	used;			/* bytes of o->buf taken */
};

static const char *
osm_exlog_save(struct osm_exlog_in *in, const char *s, size_t n)
{
	char   *d;

	if (in->used + n + 1 > sizeof(in->o->buf))
		return NULL;
	d = in->o->buf + in->used;
	memcpy(d, s, n);
	d[n] = 0;
	in->used += n + 1;
	return d;
}

int
osm_exlog_is_id(const char *s, size_t len)
{
	/* 4.96: 6-6-2; 4.97+: 6-11-4; base-62 digits */
	size_t	a = 6, b = len == 16 ? 6 : 11;

	if (len != 16 && len != 23)
		return 0;
	for (size_t i = 0; i < len; i++) {
		int	dash = i == a || i == a + 1 + b;

		if (dash ? s[i] != '-' : !isalnum((unsigned char) s[i]))
			return 0;
	}
	return 1;
}

static int
osm_exlog_digits(const char *p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char) p[i]))
			return 0;
		*v = *v * 10 + (p[i] - '0');
	}
	return 1;
}

/* days_from_civil: days since 1970-01-01 of a proleptic Gregorian date */
static long long
osm_exlog_days(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

/* osm_exlog_time - "YYYY-MM-DD HH:MM:SS[.fff][ ±HHMM] " */
static int
osm_exlog_time(struct osm_exlog_in *in)
{
	const char *p = in->p;
	int	y, mo, d, h, mi, s, tz;

	if (in->end - p < 20 || p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':'
	    || !osm_exlog_digits(p, 4, &y) || !osm_exlog_digits(p + 5, 2, &mo) || !osm_exlog_digits(p + 8, 2, &d)
	    || !osm_exlog_digits(p + 11, 2, &h) || !osm_exlog_digits(p + 14, 2, &mi)
	    || !osm_exlog_digits(p + 17, 2, &s) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return -1;
	in->o->time = osm_exlog_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	p += 19;
	if (p < in->end && *p == '.')
		for (p++; p < in->end && isdigit((unsigned char) *p); p++)
			;
	if (in->end - p >= 6 && p[0] == ' ' && (p[1] == '+' || p[1] == '-') && osm_exlog_digits(p + 2, 4, &tz)) {
		int	off = (tz / 100) * 3600 + (tz % 100) * 60;

		in->o->time -= p[1] == '+' ? off : -off;
		p += 6;
	}
	if (p >= in->end || *p != ' ')
		return -1;
	in->p = p + 1;
	return 0;
}

/* osm_exlog_word - the next space-delimited word */
static size_t
osm_exlog_word(const struct osm_exlog_in *in)
{
	const char *q = in->p;

	while (q < in->end && *q != ' ')
		q++;
	return (size_t) (q - in->p);
}

static void
osm_exlog_skip_spaces(struct osm_exlog_in *in)
{
	while (in->p < in->end && *in->p == ' ')
		in->p++;
}

/*
 * osm_exlog_addr - the length of a raw address at in->p, as exim writes
 * sender_address and its raw recipients: unquoted, up to a space outside
 * a quoted string.  A quoted string (a local part such as "x y"@z) runs
 * to its closing quote, with backslash pairs, blanks, "A=" and even a
 * newline inside (a local user's -f or command-line recipient: exim
 * writes it raw, so one log entry then spans two lines).  *open is set
 * when the text ends inside a quoted string.
 */
static size_t
osm_exlog_addr(const struct osm_exlog_in *in, int *open)
{
	const char *q = in->p;
	int	quoted = 0;

	for (; q < in->end && (quoted || *q != ' '); q++) {
		if (quoted && *q == '\\' && q + 1 < in->end)
			q++;
		else if (*q == '"')
			quoted = !quoted;
	}
	*open = quoted;
	return (size_t) (q - in->p);
}

/*
 * osm_exlog_quoted - a "..." value with exim's string_printing() escapes
 * (\\ \" \n \r \t \ooo); in->p is at the opening quote.
 */
static const char *
osm_exlog_quoted(struct osm_exlog_in *in)
{
	char   *d = in->o->buf + in->used, *start = d;
	const char *p = in->p + 1;
	size_t	room = sizeof(in->o->buf) - in->used;

	while (p < in->end && *p != '"') {
		int	c = (unsigned char) *p++;

		if (c == '\\' && p < in->end) {
			int	e = (unsigned char) *p++;

			if (e >= '0' && e <= '7') {
				c = e - '0';
				for (int k = 0; k < 2 && p < in->end && *p >= '0' && *p <= '7'; k++)
					c = c * 8 + (*p++ - '0');
				c &= 0xff;
			} else
				c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
		}
		if ((size_t) (d - start) + 2 > room)
			return NULL;
		*d++ = c ? (char) c : '?';
	}
	if (p >= in->end)
		return NULL;			/* no closing quote */
	*d = 0;
	in->used += (size_t) (d - start) + 1;
	in->p = p + 1;
	return start;
}

/* osm_exlog_host - H=[name ][(helo) ][[ip]][:port] */
static void
osm_exlog_host(struct osm_exlog_in *in)
{
	struct osm_exlog *o = in->o;

	if (in->p < in->end && *in->p != '(' && *in->p != '[') {
		size_t	n = osm_exlog_word(in);

		o->host = osm_exlog_save(in, in->p, n);
		in->p += n;
		if (in->p + 1 < in->end && in->p[0] == ' ' && (in->p[1] == '(' || in->p[1] == '['))
			in->p++;
	}
	if (in->p < in->end && *in->p == '(') {
		const char *close = memchr(in->p, ')', (size_t) (in->end - in->p));

		if (close == NULL)
			return;
		o->helo = osm_exlog_save(in, in->p + 1, (size_t) (close - in->p - 1));
		in->p = close + 1;
		if (in->p + 1 < in->end && in->p[0] == ' ' && in->p[1] == '[')
			in->p++;
	}
	if (in->p < in->end && *in->p == '[') {
		const char *close = memchr(in->p, ']', (size_t) (in->end - in->p));

		if (close == NULL)
			return;
		o->ip = osm_exlog_save(in, in->p + 1, (size_t) (close - in->p - 1));
		in->p = close + 1;
		while (in->p < in->end && *in->p != ' ')
			in->p++;		/* :port */
	}
}

/*
 * osm_exlog_rank - where exim 4.96+ writes KEY on an arrival line
 * (receive.c: R= H= I= U= P= X= CV= DN= SNI= A= PRX= S= M8S= DKIM= RT=
 * Q= id= T=), 0 for a key it does not write there.  Fields come in this
 * order and once each, so a key out of order or repeated was written by
 * someone else: inside an ident, a junk HELO name or a certificate's DN.
 */
static int
osm_exlog_rank(const char *key)
{
	static const char *const order[] = {"R", "H", "I", "U", "P", "X", "CV", "DN", "SNI", "A",
		"PRX", "S", "M8S", "DKIM", "RT", "Q", "id", "id*", "T"};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(key, order[i]))
			return (int) i + 1;
	return 0;
}

/*
 * osm_exlog_auth_proto - P= names an SMTP session that authenticated
 * (smtp_in.c's protocol names: esmtpa, esmtpsa, local-esmtpa,
 * local-esmtpsa, each also with "utf8" in front)
 */
static int
osm_exlog_auth_proto(const char *p)
{
	if (p == NULL)
		return 0;
	if (!strncmp(p, "utf8", 4))
		p += 4;
	if (!strncmp(p, "local-", 6))
		p += 6;
	return !strcmp(p, "esmtpa") || !strcmp(p, "esmtpsa");
}

/* osm_exlog_rcpts - "for ADDR ADDR...": raw addresses, quoted ones whole */
static void
osm_exlog_rcpts(struct osm_exlog_in *in, int local)
{
	struct osm_exlog *o = in->o;
	const char *r;
	int	open = 0;

	osm_exlog_skip_spaces(in);
	for (r = in->p; in->p < in->end; osm_exlog_skip_spaces(in)) {
		in->p += osm_exlog_addr(in, &open);
		o->nrcpt++;
	}
	/* only a local submission can put a newline in an address */
	o->more |= open && local;
	o->rcpts = osm_exlog_save(in, r, (size_t) (in->end - r));
}

/* osm_exlog_value - one field's value; NULL if it does not fit */
static const char *
osm_exlog_value(struct osm_exlog_in *in)
{
	size_t	n;
	const char *v;

	if (in->p < in->end && *in->p == '"')
		return osm_exlog_quoted(in);
	n = osm_exlog_word(in);
	v = osm_exlog_save(in, in->p, n);
	in->p += n;
	return v;
}

/* osm_exlog_fields - KEY=VALUE fields and "for RCPT..." to the end */
static void
osm_exlog_fields(struct osm_exlog_in *in)
{
	struct osm_exlog *o = in->o;
	int	arrival = o->kind == OSM_EXLOG_ARRIVAL, last = 0, forged = 0, host = 0;
	const char *auth = NULL;

	for (;;) {
		osm_exlog_skip_spaces(in);
		if (in->p >= in->end)
			break;
		size_t	w = osm_exlog_word(in);
		const char *eq = memchr(in->p, '=', w);

		if (w == 3 && memcmp(in->p, "for", 3) == 0) {
			in->p += 3;
			osm_exlog_rcpts(in, arrival && !host);
			break;
		}
		if (eq == NULL || eq == in->p) {
			in->p += w;		/* a word osm has no use for */
			continue;
		}
		size_t	kl = (size_t) (eq - in->p);
		char	key[8] = "";

		if (kl < sizeof(key))
			memcpy(key, in->p, kl), key[kl] = 0;
		in->p = eq + 1;
		if (arrival && osm_exlog_rank(key)) {
			forged |= osm_exlog_rank(key) <= last;
			last = osm_exlog_rank(key);
		}
		if (!strcmp(key, "H")) {
			host = 1;
			osm_exlog_host(in);
			continue;
		}
		const char *v = osm_exlog_value(in);

		if (v == NULL) {
			in->p += osm_exlog_word(in);
			continue;
		}
		if (!strcmp(key, "U"))
			o->user = v;
		else if (!strcmp(key, "P"))
			o->proto = v;
		else if (!strcmp(key, "A"))
			auth = v;
		else if (!strcmp(key, "R"))
			o->router = v;
		else if (!strcmp(key, "T")) {
			if (arrival)
				o->subject = v;
			else
				o->transport = v;
		} else if (!strcmp(key, "id"))
			o->msgid = v;
		else if (!strcmp(key, "S"))
			o->size = strtol(v, NULL, 10);
	}
	/* A=AUTHENTICATOR:ID, only where exim writes it and only after AUTH */
	if (arrival && auth && !forged && osm_exlog_auth_proto(o->proto)) {
		const char *colon = strchr(auth, ':');

		o->auth = colon ? colon + 1 : auth;
	}
	o->forged = arrival && forged;
}

/* osm_exlog_is_addr - the first word is an address, not a field */
static int
osm_exlog_is_addr(const char *p, size_t w)
{
	const char *eq = memchr(p, '=', w);

	if (eq == NULL || eq == p || *p == '"' || memchr(p, '@', w) != NULL)
		return 1;
	for (const char *k = p; k < eq; k++)
		if (!isalpha((unsigned char) *k))
			return 1;
	return 0;
}

/* osm_exlog_count - how many arguments follow, as exim writes them (see below); -1 if not so */
static long
osm_exlog_count(const char *a, const char *end)
{
	long	got = 0;

	while (a < end) {
		if (*a++ != ' ')
			return -1;
		if (end - a == 3 && memcmp(a, "...", 3) == 0)
			return got;		/* continued in the next line */
		if (a < end && *a == '"') {
			const char *q = a + 1;

			while (q < end && !(*q == '"' && (q + 1 == end || q[1] == ' ')))
				q++;
			if (q >= end)
				return -1;
			a = q + 1;
		} else
			while (a < end && *a != ' ')
				a++;
		got++;
	}
	return got;
}

/*
 * osm_exlog_nargs - do the arguments after "N args:" read as N, as
 * exim writes them (exim.c: each " ARG", wrapped in quotes when it
 * holds a blank, inner quotes as they are; a long list goes on in a line
 * of its own after " ...")?  0 exactly N, 1 fewer (cut short), -1 not.
 */
static int
osm_exlog_nargs(const char *a, const char *end, long n)
{
	long	got = osm_exlog_count(a, end);

	return got < 0 ? -1 : got == n ? 0 : got < n ? 1 : -1;
}


/* osm_exlog_ref - the message id of exim -Mc ID / -M ID / -E<ID> in ARGS */
static void
osm_exlog_ref(struct osm_exlog_in *in, const char *a)
{
	for (const char *s = a; s + 3 < in->end; s++) {
		if (s[0] != '-' || (s != a && s[-1] != ' '))
			continue;
		const char *id = NULL;

		if (s[1] == 'E' && s[2] != ' ')
			id = s + 2;
		else if (s[1] == 'M' && (s[2] == ' ' || (s[2] == 'c' && s[3] == ' ')))
			id = s + (s[2] == ' ' ? 3 : 4);
		if (id) {
			size_t	n = 0;

			while (id + n < in->end && id[n] != ' ')
				n++;
			if (osm_exlog_is_id(id, n)) {
				in->o->ref_id = osm_exlog_save(in, id, n);
				return;
			}
		}
	}
}

/*
 * osm_exlog_cwd - "cwd=PATH N args: ARGS".  exim writes PATH raw, so a
 * directory named "x 2 args: exim -Mc ID" makes a second " N args:";
 * the real one is the one followed by exactly N arguments (or, in a
 * list cut short, fewer).  When two readings fit equally, the line is
 * not used: it is never read by position alone.
 */
static enum osm_exlog_kind
osm_exlog_cwd(struct osm_exlog_in *in)
{
	struct osm_exlog *o = in->o;
	const char *p = in->p + 4, *path_end = NULL, *args = NULL;
	int	best = 2, ties = 0;

	for (const char *q = p; q < in->end; q++) {
		const char *d = q + 1;
		long	n = 0;
		int	fit;

		if (*q != ' ' || d >= in->end || !isdigit((unsigned char) *d))
			continue;
		while (d < in->end && isdigit((unsigned char) *d) && n < 100000)
			n = n * 10 + (*d++ - '0');
		if (in->end - d < 6 || memcmp(d, " args:", 6) != 0 || (fit = osm_exlog_nargs(d + 6, in->end, n)) < 0
		    || fit > best)
			continue;
		ties = fit == best ? ties + 1 : 1;
		best = fit;
		path_end = q;
		args = d + 6;
	}
	if (path_end == NULL || ties > 1)
		return OSM_EXLOG_SKIP;		/* two readings: someone wrote one */
	o->cwd = osm_exlog_save(in, p, (size_t) (path_end - p));
	if (args < in->end && *args == ' ')
		args++;
	o->args = osm_exlog_save(in, args, (size_t) (in->end - args));
	if (o->args)
		osm_exlog_ref(in, args);
	return o->cwd ? OSM_EXLOG_CWD : OSM_EXLOG_SKIP;
}

enum osm_exlog_kind
osm_exlog_parse(const char *line, size_t len, struct osm_exlog *o)
{
	static const struct {
		const char *flag;
		enum osm_exlog_kind kind;
	} flags[] = {
		{"<=", OSM_EXLOG_ARRIVAL}, {"=>", OSM_EXLOG_DELIVERY}, {"->", OSM_EXLOG_ADDITIONAL},
		{">>", OSM_EXLOG_CUTTHROUGH}, {"*>", OSM_EXLOG_SUPPRESSED}, {"**", OSM_EXLOG_FAILURE},
		{"==", OSM_EXLOG_DEFERRAL},
	};
	struct osm_exlog_in in = {line, line + len, o, 0};
	size_t	w;
	int	open = 0;

	memset(o, 0, offsetof(struct osm_exlog, buf));
	o->pid = -1;
	o->size = -1;
	o->buf[0] = 0;
	if (len > OSM_EXLOG_MAX_LINE || osm_exlog_time(&in) != 0)
		return o->kind = OSM_EXLOG_SKIP;
	if (in.p < in.end && *in.p == '[') {
		const char *q = in.p + 1;
		long	pid = 0;

		while (q < in.end && isdigit((unsigned char) *q) && pid < 100000000)
			pid = pid * 10 + (*q++ - '0');
		if (q == in.p + 1 || q + 1 >= in.end || q[0] != ']' || q[1] != ' ')
			return o->kind = OSM_EXLOG_SKIP;
		o->pid = pid;
		in.p = q + 2;
	}
	if (in.end - in.p > 4 && memcmp(in.p, "cwd=", 4) == 0)
		return o->kind = osm_exlog_cwd(&in);
	w = osm_exlog_word(&in);
	if (!osm_exlog_is_id(in.p, w))
		return o->kind = OSM_EXLOG_SKIP;
	memcpy(o->id, in.p, w);
	o->id[w] = 0;
	in.p += w;
	osm_exlog_skip_spaces(&in);
	w = osm_exlog_word(&in);
	o->kind = OSM_EXLOG_OTHER;
	if (w == 9 && memcmp(in.p, "Completed", 9) == 0)
		return o->kind = OSM_EXLOG_COMPLETED;
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (w == 2 && memcmp(in.p, flags[i].flag, 2) == 0)
			o->kind = flags[i].kind;
	if (o->kind == OSM_EXLOG_OTHER) {
		/* a local rejection: "F=<SENDER> rejected by non-SMTP ACL" */
		if (w > 3 && memcmp(in.p, "F=<", 3) == 0) {
			in.p += 3;
			osm_exlog_addr(&in, &open);
			o->more = open;
		}
		return o->kind;
	}
	in.p += w;
	osm_exlog_skip_spaces(&in);
	w = o->kind == OSM_EXLOG_ARRIVAL ? osm_exlog_addr(&in, &open) : osm_exlog_word(&in);
	o->more = open;
	/* the sender may be missing ("<= U=nobody P=local ..." in old logs) */
	if (osm_exlog_is_addr(in.p, w)) {
		o->addr = osm_exlog_save(&in, in.p, w);
		in.p += w;
	}
	/* "** x@y: Unrouteable address": the colon is not the address's */
	if ((o->kind == OSM_EXLOG_FAILURE || o->kind == OSM_EXLOG_DEFERRAL)
	    && o->addr && w > 1 && o->addr[w - 1] == ':' && in.p < in.end) {
		o->buf[o->addr - o->buf + w - 1] = 0;
		o->reason = osm_exlog_save(&in, in.p + 1, (size_t) (in.end - in.p - 1));
		return o->kind;
	}
	/* a delivery's "<original address>" */
	osm_exlog_skip_spaces(&in);
	if (o->kind != OSM_EXLOG_ARRIVAL && in.p < in.end && *in.p == '<')
		in.p += osm_exlog_word(&in);
	/* the error text ends the fields: words in it are not fields */
	if (o->kind == OSM_EXLOG_FAILURE || o->kind == OSM_EXLOG_DEFERRAL) {
		for (const char *q = in.p; q + 1 < in.end; q++)
			if (q[0] == ':' && q[1] == ' ') {
				o->reason = osm_exlog_save(&in, q + 2, (size_t) (in.end - q - 2));
				in.end = q;
				break;
			}
	}
	osm_exlog_fields(&in);
	return o->kind;
}

const char *
osm_exlog_kind_name(enum osm_exlog_kind k)
{
	static const char *const names[] = {
		"skip", "arrival", "delivery", "additional", "cutthrough", "suppressed",
		"failure", "deferral", "completed", "cwd", "other",
	};

	return (unsigned) k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}
