/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_event - policy request -> events -> window script calls; see pd_event.h
 * and docs/protocol.md for the attributes.
 *
 * Who sent the request and which (event type, key) pairs it enters is
 * osm_ident's (lib/osm_ident.c), shared with osmctl scan; here those
 * become windows, the event's JSON, verdict fields, message markers and
 * the script's calls.  pd_event_plan() is those steps in order:
 * validate, resolve (osm_ident), the event, the windows, the fields and
 * markers, the calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_ident.h"
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

/* pd_event_win_args - a window's 6 script arguments; the last is what only a report needs */
static void
pd_event_win_args(const struct osm_cfg *cfg, struct pd_plan *p, struct pd_cmd *c,
		  const struct pd_event_win *w, const char *id, int failed)
{
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
	pd_event_args(p, c, id);
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
	for (int i = 0; i < nwin; i++)
		pd_event_win_args(cfg, p, c, &wins[i], ids[i], failed);
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

/* pd_event_validate - the request's attributes, checked; -1 with *why if refused */
static int
pd_event_validate(const char *const *av, struct osm_ident_req *r, const char **why)
{
	const char *request = av[PD_A_REQUEST];

	if (request == NULL || strcmp(request, "smtpd_access_policy") != 0) {
		*why = "missing or unsupported 'request' attribute (want smtpd_access_policy)";
		return -1;
	}
	r->source = pd_event_nonempty(av[PD_A_SOURCE]);
	r->events = pd_event_nonempty(av[PD_A_EVENTS]);
	r->delivery = pd_event_nonempty(av[PD_A_DELIVERY]);
	r->uid = pd_event_nonempty(av[PD_A_UID]);
	r->account = pd_event_nonempty(av[PD_A_ACCOUNT]);
	r->sasl = pd_event_nonempty(av[PD_A_SASL]);
	r->ip = pd_event_nonempty(av[PD_A_IP]);
	r->cwd = pd_event_nonempty(av[PD_A_CWD]);
	r->subject = pd_event_nonempty(av[PD_A_SUBJECT]);
	r->rcpts = pd_event_nonempty(av[PD_A_RCPTS]);
	r->remote = pd_event_nonempty(av[PD_A_REMOTE]);
	r->msgid = pd_event_nonempty(av[PD_A_MSGID]);
	r->did = pd_event_nonempty(av[PD_A_DID]);
	return osm_ident_check(r, why);
}

/* pd_event_json - the event itself, stored in every window it enters; returns its length */
static size_t
pd_event_json(struct pd_event_ctx *ctx, struct pd_plan *p, const char *const *av,
	      const struct osm_ident_req *r, const struct osm_ident *id, long long now)
{
	static const enum pd_attr local[] = {PD_A_QUEUE_ID, PD_A_SCRIPT, PD_A_EXE, PD_A_PARENT_CWD};
	static const enum pd_attr sf[] = {PD_A_SRC, PD_A_DST, PD_A_PID, PD_A_CMDLINE, PD_A_BACKEND, PD_A_BLOCKED};
	static const enum pd_attr dl[] = {PD_A_RECIPIENT, PD_A_REMOTE_HOST, PD_A_REMOTE_ADDRESS, PD_A_REASON};
	size_t	moff = osm_buf_len(p->mem), mlen;
	int	first = 0;			/* "id" and "t" come first */

	osm_buf_puts(p->mem, "{\"id\":\"");
	osm_buf_putu(p->mem, (unsigned long) ctx->pid, 1);
	osm_buf_puts(p->mem, ".");
	osm_buf_putu(p->mem, ctx->seq++, 1);
	osm_buf_puts(p->mem, "\",\"t\":");
	osm_buf_putu(p->mem, (unsigned long long) now, 0);
	osm_json_field(p->mem, &first, "source", r->source ? r->source : "postfix");
	osm_json_field(p->mem, &first, "account", id->account);
	osm_json_field(p->mem, &first, "email", id->email);
	osm_json_field(p->mem, &first, "ip", r->ip);
	osm_json_field(p->mem, &first, "uid", r->uid);
	osm_json_field(p->mem, &first, "cwd", r->cwd);		/* as sent */
	osm_json_field(p->mem, &first, "cwd_owner", id->cwd_owner);
	osm_json_field(p->mem, &first, "subject", r->subject);
	osm_json_field(p->mem, &first, "sender", pd_event_nonempty(av[PD_A_SENDER]));
	osm_json_field(p->mem, &first, "message_id", r->msgid);
	pd_event_json_attrs(p->mem, &first, av, local, sizeof(local) / sizeof(local[0]));
	if (id->sniffer)
		pd_event_json_attrs(p->mem, &first, av, sf, sizeof(sf) / sizeof(sf[0]));
	if (id->delivery) {
		osm_json_field(p->mem, &first, "delivery", r->delivery);
		pd_event_json_attrs(p->mem, &first, av, dl, sizeof(dl) / sizeof(dl[0]));
	}
	if (r->rcpts) {				/* digits only: osm_ident_check */
		osm_buf_puts(p->mem, ",\"recipients\":");
		osm_buf_puts(p->mem, r->rcpts);
	}
	if (r->remote) {
		osm_buf_puts(p->mem, ",\"remote_recipients\":");
		osm_buf_puts(p->mem, r->remote);
	}
	osm_buf_puts(p->mem, "}");
	mlen = osm_buf_len(p->mem) - moff;
	osm_buf_append(p->mem, "", 1);
	return mlen;
}

/* The windows of one request: the sender's tag's, and the cwd owner's. */
struct pd_event_wins {
	struct pd_event_win w[PD_EVENT_MAX_WIN];
	int	n;
	struct pd_event_win cw[PD_EVENT_MAX_WIN];	/* under the cwd's own tag */
	int	cn;
};

/* pd_event_windows - the windows of the events osm_ident named; cwd events under the sender's tag if same */
static void
pd_event_windows(const struct osm_cfg *cfg, const struct osm_ident *id, struct pd_event_wins *ws)
{
	ws->n = ws->cn = 0;
	for (int i = 0; i < id->nev; i++) {
		const struct osm_ident_ev *e = &id->ev[i];

		if (!e->cwd)
			ws->n = pd_event_add(cfg, ws->w, ws->n, e->ev, e->key, e->account, e->email, id->target);
		else if (id->same)
			ws->n = pd_event_add(cfg, ws->w, ws->n, e->ev, e->key, e->account, e->email, id->cwd_target);
		else
			ws->cn = pd_event_add(cfg, ws->cw, ws->cn, e->ev, e->key, e->account, e->email, id->cwd_target);
	}
}

/* The strings the calls name: verdict fields and message markers. */
struct pd_event_marks {
	const char *fields[PD_EVENT_MAX_FIELDS];
	int	nfields;
	char	acctfield[300], ownerfield[300];
	const char *marks[2];
	int	nmark;
	int	ncwdmark;
	char	cwdmark[160];
	int	dedupe;
};

/* pd_event_fields - the verdict fields: the sender, its account when it is an email, the cwd's owner */
static void
pd_event_fields(const struct osm_ident *id, struct pd_event_marks *m)
{
	m->fields[0] = id->target;
	m->nfields = 1;
	if (id->email && id->account) {
		pd_event_cat(m->acctfield, sizeof(m->acctfield), "account:", id->account);
		m->fields[m->nfields++] = m->acctfield;
	}
	if (id->same && id->owner && (id->account == NULL || strcmp(id->owner, id->account))) {
		pd_event_cat(m->ownerfield, sizeof(m->ownerfield), "account:", id->owner);
		m->fields[m->nfields++] = m->ownerfield;
	}
}

/* pd_event_markers - the exim module and the mainlog count a message once */
static void
pd_event_markers(const struct pd_plan *p, const struct osm_ident_req *r, const struct osm_ident *id,
		 struct pd_event_marks *m)
{
	const char *msgid = r->msgid;

	m->nmark = m->ncwdmark = 0;
	m->dedupe = msgid && p->count && r->source && (!strcmp(r->source, "exim") || !strcmp(r->source, "mainlog"));
	if (m->dedupe && id->delivery) {
		/* a result line replayed after a crash: counted once */
		if (r->did) {
			snprintf(m->cwdmark, sizeof(m->cwdmark), "%s:d:%s", msgid, r->did);
			m->marks[m->nmark++] = m->cwdmark;
		}
	} else if (m->dedupe) {
		pd_event_cat(m->cwdmark, sizeof(m->cwdmark), msgid, ":cwd");
		if (!id->only_cwd)
			m->marks[m->nmark++] = msgid;
		if (id->cwd && id->same)
			m->marks[m->nmark++] = m->cwdmark;
		m->ncwdmark = id->cwd != NULL;
	}
}

/* pd_event_plain - markers and ratios need the script; anything else may go as RPUSHes */
static int
pd_event_plain(const struct osm_ident *id, const struct pd_event_wins *ws, const struct pd_event_marks *m)
{
	if (m->nmark > 0 || (!id->same && m->dedupe && id->cwd))
		return 0;
	for (int i = 0; i < ws->n; i++)
		if (ws->w[i].w.ratio)
			return 0;
	for (int i = 0; i < ws->cn; i++)
		if (ws->cw[i].w.ratio)
			return 0;
	return 1;
}

/* pd_event_calls - the sender's call, the cwd owner's if another tag; then fix up the pointers */
static void
pd_event_calls(struct pd_event_ctx *ctx, struct pd_plan *p, const struct osm_ident_req *r,
	       const struct osm_ident *id, long long now, size_t moff, size_t mlen,
	       const struct pd_event_wins *ws, const struct pd_event_marks *m)
{
	pd_event_call(ctx, p, id->tag, now, moff, mlen, m->fields, m->nfields, m->marks, m->nmark,
		      ws->w, ws->n, id->delivery && strcmp(r->delivery, "delivered") != 0);
	if (!id->same) {
		const char *cwdfields[1] = {id->cwd_target}, *cwdmarks[1] = {m->cwdmark};

		pd_event_call(ctx, p, id->cwd_tag, now, moff, mlen, cwdfields, 1, cwdmarks, m->ncwdmark,
			      ws->cw, ws->cn, 0);
	}
	/* Buffer is final: fix up pointers. */
	for (int i = 0; i < p->ncmd; i++) {
		struct pd_cmd *c = &p->cmd[i];

		for (int a = 0; a < c->argc; a++)
			c->argv[a] = osm_buf_data(p->mem) + c->off[a];
	}
}

/* pd_event_plan - see pd_event.h */
int
pd_event_plan(struct pd_event_ctx *ctx, const struct osm_proto_req *req, long long now,
	      struct pd_plan *p, int script, const char **why)
{
	const char *av[PD_A_COUNT], *state;
	struct osm_ident_req r;
	struct osm_ident id;
	struct pd_event_wins ws;
	struct pd_event_marks m;
	size_t	moff, mlen;

	pd_plan_reset(p);
	pd_event_attrs(req, av);
	if (pd_event_validate(av, &r, why) < 0)
		return -1;
	/* Postfix asks at every stage; only the end of a message is one.  An
	 * osm source counts unless it names another stage (exim's router
	 * asks with protocol_state=DELIVERY: look, don't count). */
	state = av[PD_A_STATE];
	p->count = state ? !strcmp(state, "END-OF-MESSAGE") : (r.source && strcmp(r.source, "postfix") != 0);
	p->plain = p->count;

	osm_ident_resolve(&r, ctx->cfg, ctx->acct, &id);
	if (id.skip == OSM_IDENT_NO_SENDER) {
		pd_event_cat(p->who, sizeof(p->who), "unknown sender", "");
		return 0;			/* nothing to key it by: DUNNO */
	}
	pd_event_cat(p->who, sizeof(p->who), id.target, "");
	osm_proto_printable(p->who, sizeof(p->who) - 1);
	if (id.skip != OSM_IDENT_COUNT)
		return 0;			/* ignored, or osm's own: no events, DUNNO */

	moff = osm_buf_len(p->mem);
	mlen = pd_event_json(ctx, p, av, &r, &id, now);
	pd_event_windows(ctx->cfg, &id, &ws);
	pd_event_fields(&id, &m);
	pd_event_markers(p, &r, &id, &m);
	if (!pd_event_plain(&id, &ws, &m))
		p->plain = 0;
	/* An event only the script can count is planned whole at once. */
	p->script = script || (p->count && !p->plain);
	pd_event_calls(ctx, p, &r, &id, now, moff, mlen, &ws, &m);
	return 0;
}
