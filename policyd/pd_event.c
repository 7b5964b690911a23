/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_event - policy request -> events -> window script calls; see pd_event.h
 * and docs/protocol.md for the attributes.
 *
 * Event keys follow the reference osm readme: logline counts a local
 * send under the account owning the sending uid and an authenticated
 * send under the email account (with the client IP recorded);
 * logline:subject counts one subject from one sender; cwdcheck counts
 * the account owning the working directory and cwdcheck:cwd the path
 * itself; packet and packet:cwd are the sniffer's; delivery counts a
 * remote delivery result of the sender's mail (the mainlog source's
 * events=delivery), a bounce or deferral also in the window's failures.
 * An unauthenticated relay with neither uid nor account is keyed by its
 * client IP.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_acct.h"
#include "osm_addr.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_json.h"
#include "osm_msg.h"
#include "osm_proto.h"
#include "osm_redis.h"
#include "pd_event.h"

#if PD_EVENT_MAX_WIN < 4 * OSM_MAX_WINDOWS
#error "PD_EVENT_MAX_WIN must hold 4 event types' windows"
#endif

struct pd_event_win {
	int	ev;
	const char *key;
	struct osm_window w;
	unsigned actions;
	const char *target;
};

struct pd_plan *
pd_plan_new(void)
{
	struct pd_plan *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if ((p->mem = osm_buf_new(1 << 20)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void
pd_plan_free(struct pd_plan *p)
{
	if (p == NULL)
		return;
	osm_buf_free(p->mem);
	free(p);
}

void
pd_plan_reset(struct pd_plan *p)
{
	p->ncmd = 0;
	p->count = 0;
	p->plain = 0;
	p->script = 1;				/* no calls are whole calls */
	p->who[0] = 0;
	osm_buf_reset(p->mem);
}

/* pd_event_arg_at - the argument at mem[off..off+n); pointers are fixed up at the end */
static void
pd_event_arg_at(struct pd_cmd *c, size_t off, size_t n)
{
	if (c->argc >= PD_CMD_MAX_ARGS)
		return;
	c->off[c->argc] = (uint32_t) off;
	c->argvlen[c->argc] = (uint32_t) n;
	c->argc++;
}

/* pd_event_arg - append one argument */
static void
pd_event_arg(struct pd_plan *p, struct pd_cmd *c, const char *s, size_t n)
{
	pd_event_arg_at(c, osm_buf_len(p->mem), n);
	osm_buf_append(p->mem, s, n);
	osm_buf_append(p->mem, "", 1);
}

static void
pd_event_args(struct pd_plan *p, struct pd_cmd *c, const char *s)
{
	pd_event_arg(p, c, s, strlen(s));
}

/* pd_event_argn - a number; every event has several, so no printf */
static void
pd_event_argn(struct pd_plan *p, struct pd_cmd *c, unsigned long long v)
{
	size_t	start = osm_buf_len(p->mem);

	osm_buf_putu(p->mem, v, 0);
	pd_event_arg_at(c, start, osm_buf_len(p->mem) - start);
	osm_buf_append(p->mem, "", 1);
}

/* pd_event_key - "P{TAG}:WHAT[WHAT2][:KEY][:SECONDS]" with tag and key escaped */
static void
pd_event_key(struct pd_event_ctx *ctx, struct pd_plan *p, struct pd_cmd *c,
	     const char *what, const char *what2, const char *key, unsigned seconds)
{
	size_t	start = osm_buf_len(p->mem);

	osm_buf_puts(p->mem, ctx->prefix);
	osm_buf_puts(p->mem, "{");
	osm_redis_escape(p->mem, c->tag);
	osm_buf_puts(p->mem, "}:");
	osm_buf_puts(p->mem, what);
	if (what2)
		osm_buf_puts(p->mem, what2);
	if (key) {
		osm_buf_puts(p->mem, ":");
		osm_redis_escape(p->mem, key);
	}
	if (seconds) {
		osm_buf_puts(p->mem, ":");
		osm_buf_putu(p->mem, seconds, 0);
	}
	pd_event_arg_at(c, start, osm_buf_len(p->mem) - start);
	osm_buf_append(p->mem, "", 1);
}

/* pd_event_cat - DST = A B, cut to SIZE - 1 bytes: snprintf without a format, on every request */
static void
pd_event_cat(char *dst, size_t size, const char *a, const char *b)
{
	size_t	la = strnlen(a, size - 1), lb = strnlen(b, size - 1 - la);

	memcpy(dst, a, la);
	memcpy(dst + la, b, lb);
	dst[la + lb] = 0;
}

/* pd_event_id - a report id: NOW in hex, then SEQ as 4 hex digits */
static void
pd_event_id(char *dst, size_t size, unsigned long long now, unsigned long seq)
{
	static const char hex[] = "0123456789abcdef";
	char	tmp[24], *p = tmp + sizeof(tmp) - 1;

	*p = 0;
	for (int i = 0; i < 4; i++, seq >>= 4)
		*--p = hex[seq & 15];
	do
		*--p = hex[now & 15];
	while ((now >>= 4) != 0);
	pd_event_cat(dst, size, p, "");
}

static void
pd_event_actions(struct osm_buf *b, unsigned actions)
{
	const char *sep = "";

	for (int i = 0; i < OSM_ACT_COUNT; i++) {
		if (actions & (1u << i)) {
			osm_buf_puts(b, sep);
			osm_buf_puts(b, osm_act_names[i]);
			sep = ",";
		}
	}
}

/*
 * pd_event_call - one call of the window script (see pd_window.lua):
 * keys = verdict hash, message markers, then a window list and a report
 * key per window (and a ratio window's list of failures); arguments =
 * now, count, nmark, event, verdict fields, tag, nwin, then 6 per
 * window.  Keys come first, so a key is never added after an argument.
 * Without plan->script only what pd_shadow and the RPUSH of a plain
 * event read is built: the verdict hash, the window lists, the event and
 * the verdict fields, at the indexes the call records.
 */
static void
pd_event_call(struct pd_event_ctx *ctx, struct pd_plan *p, const char *tag, long long now,
	      size_t member_off, size_t member_len, const char *const *fields, int nfields,
	      const char *const *marks, int nmark, const struct pd_event_win *wins, int nwin,
	      int failed)
{
	const struct osm_cfg *cfg = ctx->cfg;
	struct pd_cmd *c = &p->cmd[p->ncmd++];
	char	ids[PD_EVENT_MAX_WIN][32];

	c->argc = 0;
	pd_event_cat(c->tag, sizeof(c->tag), tag, "");
	pd_event_key(ctx, p, c, "verdict", NULL, NULL, 0);
	for (int i = 0; i < nmark; i++)
		pd_event_key(ctx, p, c, "msg", NULL, marks[i], 0);
	c->nwin = nwin;
	for (int i = 0; i < nwin; i++) {
		const char *ev = osm_ev_names[wins[i].ev];

		c->win[i] = c->argc;
		c->level[i] = wins[i].w.events;
		c->ttl_ms[i] = wins[i].w.seconds * 1000ULL + PD_EVENT_TTL_SLACK_MS;
		pd_event_key(ctx, p, c, "w:", ev, wins[i].key, wins[i].w.seconds);
		if (!p->script)
			continue;
		if (wins[i].w.ratio)
			pd_event_key(ctx, p, c, "wf:", ev, wins[i].key, wins[i].w.seconds);
		pd_event_id(ids[i], sizeof(ids[i]), (unsigned long long) now, ctx->seq++ & 0xffff);
		pd_event_key(ctx, p, c, "report:", ids[i], NULL, 0);
	}
	c->nkeys = c->argc;
	if (p->script) {
		pd_event_argn(p, c, now);
		pd_event_args(p, c, p->count ? "1" : "0");
		pd_event_argn(p, c, nmark);
	}
	c->event_arg = c->argc;
	pd_event_arg_at(c, member_off, member_len);
	if (p->script)
		pd_event_argn(p, c, nfields);
	c->nfield = nfields;
	for (int i = 0; i < nfields; i++) {
		c->field[i] = c->argc;
		pd_event_args(p, c, fields[i]);
	}
	if (!p->script)
		return;
	pd_event_args(p, c, tag);
	pd_event_argn(p, c, nwin);
	for (int i = 0; i < nwin; i++) {
		const struct pd_event_win *w = &wins[i];
		const char *kind = "-";
		size_t	start;

		if (!cfg->monitor && (w->actions & OSM_ACT_DISCARD))
			kind = "DISCARD";
		else if (!cfg->monitor && (w->actions & OSM_ACT_HOLD))
			kind = "HOLD";
		pd_event_argn(p, c, w->w.events);
		pd_event_argn(p, c, w->w.seconds * 1000LL);
		pd_event_argn(p, c, w->w.ratio);
		pd_event_args(p, c, failed ? "1" : "0");
		pd_event_args(p, c, ids[i]);
		/* what only a report needs, in one argument */
		start = osm_buf_len(p->mem);
		osm_buf_puts(p->mem, osm_ev_names[w->ev]);
		osm_buf_puts(p->mem, "\n");
		osm_buf_putu(p->mem, w->w.seconds, 0);
		osm_buf_puts(p->mem, "\n");
		pd_event_actions(p->mem, w->actions);
		osm_buf_puts(p->mem, "\n");
		osm_buf_puts(p->mem, kind);
		osm_buf_puts(p->mem, "\n");
		osm_buf_puts(p->mem, w->target);
		osm_buf_puts(p->mem, "\n");
		osm_buf_puts(p->mem, w->key);
		pd_event_arg_at(c, start, osm_buf_len(p->mem) - start);
		osm_buf_append(p->mem, "", 1);
	}
}

/* pd_event_add - append the windows of one event type for one key */
static int
pd_event_add(const struct osm_cfg *cfg, struct pd_event_win *wins, int n, int ev,
	     const char *key, const char *account, const char *email, const char *target)
{
	struct osm_trig t;

	osm_cfg_trigger(cfg, account, email, (enum osm_ev) ev, &t);
	if (!t.enabled)
		return n;
	for (int i = 0; i < t.nwin && n < PD_EVENT_MAX_WIN; i++) {
		wins[n].ev = ev;
		wins[n].key = key;
		wins[n].w = t.win[i];
		wins[n].actions = t.actions;
		wins[n].target = target;
		n++;
	}
	return n;
}

static int
pd_event_digits(const char *s, size_t max)
{
	size_t	n = 0;

	for (; *s; s++, n++)
		if (!isdigit((unsigned char) *s) || n >= max)
			return 0;
	return n > 0;
}

static int
pd_event_digits_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char) *s))
			return 0;
	return 1;
}

/* The attributes pd_event reads; the JSON names of an event's fields. */
enum pd_attr {
	PD_A_REQUEST, PD_A_SOURCE, PD_A_STATE, PD_A_UID, PD_A_ACCOUNT, PD_A_SASL, PD_A_IP,
	PD_A_CWD, PD_A_SUBJECT, PD_A_RCPTS, PD_A_REMOTE, PD_A_MSGID, PD_A_EVENTS,
	PD_A_DELIVERY, PD_A_DID, PD_A_SENDER, PD_A_QUEUE_ID, PD_A_SCRIPT, PD_A_EXE,
	PD_A_PARENT_CWD, PD_A_SRC, PD_A_DST, PD_A_PID, PD_A_CMDLINE, PD_A_BACKEND,
	PD_A_BLOCKED, PD_A_RECIPIENT, PD_A_REMOTE_HOST, PD_A_REMOTE_ADDRESS, PD_A_REASON,
	PD_A_COUNT
};

static const char *const pd_attr_names[PD_A_COUNT] = {
	[PD_A_REQUEST] = "request", [PD_A_SOURCE] = "source", [PD_A_STATE] = "protocol_state",
	[PD_A_UID] = "uid", [PD_A_ACCOUNT] = "account", [PD_A_SASL] = "sasl_username",
	[PD_A_IP] = "client_address", [PD_A_CWD] = "cwd", [PD_A_SUBJECT] = "subject",
	[PD_A_RCPTS] = "recipient_count", [PD_A_REMOTE] = "remote_recipient_count",
	[PD_A_MSGID] = "message_id", [PD_A_EVENTS] = "events", [PD_A_DELIVERY] = "delivery",
	[PD_A_DID] = "delivery_id", [PD_A_SENDER] = "sender", [PD_A_QUEUE_ID] = "queue_id",
	[PD_A_SCRIPT] = "script", [PD_A_EXE] = "exe", [PD_A_PARENT_CWD] = "parent_cwd",
	[PD_A_SRC] = "src", [PD_A_DST] = "dst", [PD_A_PID] = "pid", [PD_A_CMDLINE] = "cmdline",
	[PD_A_BACKEND] = "backend", [PD_A_BLOCKED] = "blocked", [PD_A_RECIPIENT] = "recipient",
	[PD_A_REMOTE_HOST] = "remote_host", [PD_A_REMOTE_ADDRESS] = "remote_address",
	[PD_A_REASON] = "reason",
};

#define PD_ATTR_MAXLEN	24		/* at least the longest name above */

/*
 * pd_event_attrs - the first value of each attribute above, NULL if
 * absent, in one pass over the request instead of a scan per name:
 * names are chained by length, so an attribute costs about one memcmp.
 */
static void
pd_event_attrs(const struct osm_proto_req *req, const char *v[PD_A_COUNT])
{
	static int head[PD_ATTR_MAXLEN + 1], next[PD_A_COUNT], built;

	if (!built) {
		for (int l = 0; l <= PD_ATTR_MAXLEN; l++)
			head[l] = -1;
		for (int i = PD_A_COUNT - 1; i >= 0; i--) {
			size_t	l = strlen(pd_attr_names[i]);

			if (l > PD_ATTR_MAXLEN)
				osm_msg_panic("pd_event_attrs: '%s' is longer than PD_ATTR_MAXLEN", pd_attr_names[i]);
			next[i] = head[l];
			head[l] = i;
		}
		built = 1;
	}
	memset(v, 0, PD_A_COUNT * sizeof(*v));
	for (size_t a = 0; a < req->nattr; a++) {
		const struct osm_proto_attr *at = &req->attr[a];

		if (at->namelen > PD_ATTR_MAXLEN)
			continue;
		for (int i = head[at->namelen]; i >= 0; i = next[i]) {
			if (memcmp(at->name, pd_attr_names[i], at->namelen) == 0) {
				if (v[i] == NULL)
					v[i] = at->value;
				break;
			}
		}
	}
}

/* pd_event_nonempty - NULL for an absent or empty value */
static const char *
pd_event_nonempty(const char *v)
{
	return v && *v ? v : NULL;
}

/* pd_event_json_attrs - the fields that are the request's attributes as sent */
static void
pd_event_json_attrs(struct osm_buf *b, int *first, const char *const *v, const enum pd_attr *which, size_t n)
{
	for (size_t i = 0; i < n; i++)
		osm_json_field(b, first, pd_attr_names[which[i]], pd_event_nonempty(v[which[i]]));
}

/* pd_event_plan - see pd_event.h */
int
pd_event_plan(struct pd_event_ctx *ctx, const struct osm_proto_req *req, long long now,
	      struct pd_plan *p, int script, const char **why)
{
	const struct osm_cfg *cfg = ctx->cfg;
	const char *av[PD_A_COUNT];

	pd_event_attrs(req, av);

	const char *request = av[PD_A_REQUEST];
	const char *source = pd_event_nonempty(av[PD_A_SOURCE]);
	const char *state = av[PD_A_STATE];
	const char *uid = pd_event_nonempty(av[PD_A_UID]);
	const char *account = pd_event_nonempty(av[PD_A_ACCOUNT]);
	const char *sasl = pd_event_nonempty(av[PD_A_SASL]);
	const char *ip = pd_event_nonempty(av[PD_A_IP]);
	const char *cwd = pd_event_nonempty(av[PD_A_CWD]);
	const char *subject = pd_event_nonempty(av[PD_A_SUBJECT]);
	const char *rcpts = pd_event_nonempty(av[PD_A_RCPTS]);
	const char *remote = pd_event_nonempty(av[PD_A_REMOTE]);
	const char *msgid = pd_event_nonempty(av[PD_A_MSGID]);
	const char *events = pd_event_nonempty(av[PD_A_EVENTS]);
	const char *dstatus = pd_event_nonempty(av[PD_A_DELIVERY]);
	const char *did = pd_event_nonempty(av[PD_A_DID]);
	const char *req_cwd = cwd, *req_subject = subject;	/* as sent, for the event */
	int	delivery = 0;
	char	uidname[64], email[256], subjkey[340], target[300], cwdtarget[300];
	char	cwdmark[160];
	int	only_cwd = 0;
	const char *owner = NULL, *path_owner = NULL, *tag, *key;
	int	sniffer = 0;

	pd_plan_reset(p);
	if (request == NULL || strcmp(request, "smtpd_access_policy") != 0) {
		*why = "missing or unsupported 'request' attribute (want smtpd_access_policy)";
		return -1;
	}
	if (source == NULL)
		source = "postfix";
	if (!strcmp(source, "sniffer"))
		sniffer = 1;
	else if (strcmp(source, "postfix") && strcmp(source, "exim") && strcmp(source, "mainlog")) {
		*why = "unknown 'source' (want postfix, exim, mainlog or sniffer)";
		return -1;
	}
	if (uid && !pd_event_digits(uid, 10)) {
		*why = "'uid' is not a number";
		return -1;
	}
	if ((rcpts && !pd_event_digits(rcpts, 9)) || (remote && !pd_event_digits(remote, 9))) {
		*why = "recipient count is not a number";
		return -1;
	}
	if (ip && !osm_addr_is_valid(ip)) {
		*why = "'client_address' is not an IP address";
		return -1;
	}
	if (cwd && cwd[0] != '/') {
		*why = "'cwd' is not an absolute path";
		return -1;
	}
	if (events && strcmp(events, "cwd") != 0 && strcmp(events, "delivery") != 0) {
		*why = "unknown 'events' (want cwd: count only the working directory, or delivery)";
		return -1;
	}
	only_cwd = events && !strcmp(events, "cwd");
	if (events && !strcmp(events, "delivery")) {
		if (dstatus == NULL || (strcmp(dstatus, "delivered") && strcmp(dstatus, "bounced")
					&& strcmp(dstatus, "deferred"))) {
			*why = "events=delivery needs 'delivery' (delivered, bounced or deferred)";
			return -1;
		}
		if (did && (strlen(did) > 32 || !pd_event_digits_hex(did))) {
			*why = "'delivery_id' is not a short hex string";
			return -1;
		}
		delivery = 1;
		cwd = subject = NULL;		/* results count only as delivery events */
	}
	if (msgid && (strlen(msgid) > 120 || strpbrk(msgid, " \t"))) {
		*why = "'message_id' too long or has blanks";
		return -1;
	}
	if (account && (strlen(account) > 128 || strpbrk(account, "{}@ \t"))) {
		*why = "'account' is not an account name";
		return -1;
	}
	/* Postfix asks at every stage; only the end of a message is one.  An
	 * osm source counts unless it names another stage (exim's router
	 * asks with protocol_state=DELIVERY: look, don't count). */
	p->count = state ? !strcmp(state, "END-OF-MESSAGE") : strcmp(source, "postfix") != 0;
	p->plain = p->count;

	email[0] = 0;
	if (sasl) {
		if (strlen(sasl) >= sizeof(email)) {
			*why = "'sasl_username' too long";
			return -1;
		}
		if (strchr(sasl, '@')) {
			for (size_t i = 0; (email[i] = (char) tolower((unsigned char) sasl[i])) != 0; i++)
				;
			if (account == NULL)
				account = osm_acct_by_email(ctx->acct, email);
		} else if (account == NULL && strlen(sasl) <= 128 && !strpbrk(sasl, "{} \t"))
			account = sasl;		/* the account's own login */
	}
	if (account == NULL && uid) {
		osm_acct_by_uid(ctx->acct, strtoul(uid, NULL, 10), uidname, sizeof(uidname));
		account = uidname;
	}
	if (cwd)
		owner = path_owner = osm_acct_by_path(ctx->acct, cwd);
	if (account == NULL && *email == 0 && owner)
		account = owner;		/* local send known only by its path */
	/*
	 * The path's owner is who the cwd events count for: that is how mail
	 * of the web server's user (apache_status.web_users) is an account's.  But a process of an
	 * account that sits in another account's directory (homes are 0711)
	 * counts for itself: no hold, rename or suspension lands on one
	 * account on the word of another's process.
	 */
	if (owner && account && strcmp(owner, account) && osm_acct_is_account(ctx->acct, account)
	    && !osm_cfg_web_user(cfg, account))
		owner = account;

	/* Who sends: the email account, else the account, else the IP. */
	if (*email) {
		pd_event_cat(target, sizeof(target), "email:", email);
		key = email;
		tag = account ? account : email;
	} else if (account) {
		pd_event_cat(target, sizeof(target), "account:", account);
		key = account;
		tag = account;
	} else if (ip) {
		pd_event_cat(target, sizeof(target), "ip:", ip);
		key = target;
		tag = target;
	} else {
		snprintf(p->who, sizeof(p->who), "unknown sender");
		return 0;			/* nothing to key it by: DUNNO */
	}
	pd_event_cat(p->who, sizeof(p->who), target, "");
	osm_proto_printable(p->who, sizeof(p->who) - 1);

	/* osm's own mail (the report action runs sendmail as the daemon's user) */
	if (account && cfg->user && !strcmp(account, cfg->user))
		return 0;
	if ((account && osm_cfg_ignore_account(cfg, account))
	    || (*email && osm_cfg_ignore_email(cfg, email))
	    || osm_cfg_ignore_ip(cfg, ip))
		return 0;			/* ignored: no events, DUNNO */
	if (owner && osm_cfg_ignore_account(cfg, owner))
		cwd = NULL;
	if (cwd && osm_cfg_ignore_path(cfg, cwd))
		cwd = NULL;
	if (subject && osm_cfg_ignore_subject(cfg, subject))
		subject = NULL;

	/* The event itself, stored in every window it enters. */
	size_t	moff = osm_buf_len(p->mem);
	int	first = 0;			/* "id" and "t" come first */

	osm_buf_puts(p->mem, "{\"id\":\"");
	osm_buf_putu(p->mem, (unsigned long) ctx->pid, 1);
	osm_buf_puts(p->mem, ".");
	osm_buf_putu(p->mem, ctx->seq++, 1);
	osm_buf_puts(p->mem, "\",\"t\":");
	osm_buf_putu(p->mem, (unsigned long long) now, 0);
	osm_json_field(p->mem, &first, "source", source);
	osm_json_field(p->mem, &first, "account", account);
	osm_json_field(p->mem, &first, "email", *email ? email : NULL);
	osm_json_field(p->mem, &first, "ip", ip);
	osm_json_field(p->mem, &first, "uid", uid);
	osm_json_field(p->mem, &first, "cwd", req_cwd);
	osm_json_field(p->mem, &first, "cwd_owner", path_owner);
	osm_json_field(p->mem, &first, "subject", req_subject);
	osm_json_field(p->mem, &first, "sender", pd_event_nonempty(av[PD_A_SENDER]));
	osm_json_field(p->mem, &first, "message_id", msgid);
	{
		static const enum pd_attr local[] = {PD_A_QUEUE_ID, PD_A_SCRIPT, PD_A_EXE, PD_A_PARENT_CWD};
		static const enum pd_attr sf[] = {PD_A_SRC, PD_A_DST, PD_A_PID, PD_A_CMDLINE, PD_A_BACKEND,
						  PD_A_BLOCKED};
		static const enum pd_attr dl[] = {PD_A_RECIPIENT, PD_A_REMOTE_HOST, PD_A_REMOTE_ADDRESS,
						  PD_A_REASON};

		pd_event_json_attrs(p->mem, &first, av, local, sizeof(local) / sizeof(local[0]));
		if (sniffer)
			pd_event_json_attrs(p->mem, &first, av, sf, sizeof(sf) / sizeof(sf[0]));
		if (delivery) {
			osm_json_field(p->mem, &first, "delivery", dstatus);
			pd_event_json_attrs(p->mem, &first, av, dl, sizeof(dl) / sizeof(dl[0]));
		}
	}
	if (rcpts) {				/* digits only: see above */
		osm_buf_puts(p->mem, ",\"recipients\":");
		osm_buf_puts(p->mem, rcpts);
	}
	if (remote) {
		osm_buf_puts(p->mem, ",\"remote_recipients\":");
		osm_buf_puts(p->mem, remote);
	}
	osm_buf_puts(p->mem, "}");
	size_t	mlen = osm_buf_len(p->mem) - moff;

	osm_buf_append(p->mem, "", 1);

	/* Call 1: the sender's tag. */
	struct pd_event_win wins[PD_EVENT_MAX_WIN];
	int	n = 0;
	const char *ev_email = *email ? email : NULL;

	if (only_cwd) {
		/* the mainlog's late cwd line of a message already counted */
	} else if (delivery) {
		n = pd_event_add(cfg, wins, n, OSM_EV_DELIVERY, key, account, ev_email, target);
	} else if (sniffer) {
		if (account)
			n = pd_event_add(cfg, wins, n, OSM_EV_PACKET, key, account, NULL, target);
	} else {
		n = pd_event_add(cfg, wins, n, OSM_EV_LOGLINE, key, account, ev_email, target);
		if (subject) {
			snprintf(subjkey, sizeof(subjkey), "%s:%016llx", key, osm_redis_hash(subject));
			n = pd_event_add(cfg, wins, n, OSM_EV_LOGLINE_SUBJECT, subjkey, account, ev_email, target);
		}
	}
	/* cwd events go with the sender unless another account owns the path */
	const char *cwdtag = owner ? owner : tag;
	int	same = strcmp(cwdtag, tag) == 0;
	struct pd_event_win cwins[PD_EVENT_MAX_WIN];
	int	cn = 0;

	if (owner)
		pd_event_cat(cwdtarget, sizeof(cwdtarget), "account:", owner);
	else
		pd_event_cat(cwdtarget, sizeof(cwdtarget), target, "");
	if (cwd && !sniffer) {
		if (owner)
			cn = pd_event_add(cfg, cwins, cn, OSM_EV_CWDCHECK, owner, owner, NULL, cwdtarget);
		cn = pd_event_add(cfg, cwins, cn, OSM_EV_CWDCHECK_CWD, cwd, owner ? owner : account, NULL, cwdtarget);
	} else if (cwd)
		cn = pd_event_add(cfg, cwins, cn, OSM_EV_PACKET_CWD, cwd, owner ? owner : account, NULL, cwdtarget);
	if (same) {
		for (int i = 0; i < cn && n < PD_EVENT_MAX_WIN; i++)
			wins[n++] = cwins[i];
		cn = 0;
	}
	/* The verdict fields: the sender, and its account when it is an email. */
	char	acctfield[300], ownerfield[300];
	const char *fields[3] = {target};
	int	nfields = 1;

	if (*email && account) {
		pd_event_cat(acctfield, sizeof(acctfield), "account:", account);
		fields[nfields++] = acctfield;
	}
	if (same && owner && (account == NULL || strcmp(owner, account))) {
		pd_event_cat(ownerfield, sizeof(ownerfield), "account:", owner);
		fields[nfields++] = ownerfield;
	}
	/* Message markers: the exim module and the mainlog count a message once. */
	int	dedupe = msgid && p->count && (!strcmp(source, "exim") || !strcmp(source, "mainlog"));
	const char *marks[2], *cwdmarks[1] = {cwdmark};
	int	nmark = 0;

	if (dedupe && delivery) {
		/* a result line replayed after a crash: counted once */
		snprintf(cwdmark, sizeof(cwdmark), "%s:d:%s", msgid, did ? did : "");
		if (did)
			marks[nmark++] = cwdmark;
	} else if (dedupe) {
		snprintf(cwdmark, sizeof(cwdmark), "%s:cwd", msgid);
		if (!only_cwd)
			marks[nmark++] = msgid;
		if (cwd && same)
			marks[nmark++] = cwdmark;
	}
	/* Markers and ratios need the script; anything else may go as RPUSHes. */
	if (nmark > 0 || (!same && dedupe && cwd))
		p->plain = 0;
	for (int i = 0; i < n; i++)
		if (wins[i].w.ratio)
			p->plain = 0;
	for (int i = 0; i < cn; i++)
		if (cwins[i].w.ratio)
			p->plain = 0;
	/* An event only the script can count is planned whole at once. */
	p->script = script || (p->count && !p->plain);
	pd_event_call(ctx, p, tag, now, moff, mlen, fields, nfields, marks, nmark, wins, n,
		      delivery && strcmp(dstatus, "delivered") != 0);
	if (!same) {
		const char *cwdfields[1] = {cwdtarget};

		pd_event_call(ctx, p, cwdtag, now, moff, mlen, cwdfields, 1, cwdmarks, dedupe && cwd, cwins, cn, 0);
	}

	/* Buffer is final: fix up pointers. */
	for (int i = 0; i < p->ncmd; i++) {
		struct pd_cmd *c = &p->cmd[i];

		for (int a = 0; a < c->argc; a++)
			c->argv[a] = osm_buf_data(p->mem) + c->off[a];
	}
	return 0;
}
