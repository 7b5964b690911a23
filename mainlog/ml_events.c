/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ml_events - mainlog lines to policy requests; see ml_events.h.
 *
 * Two fixed tables join lines: the cwd last logged by each pid (a
 * sendmail process logs "cwd=..." before its "<=" line), and the
 * outgoing messages by id (a later "cwd=... -Mc ID" line, and the
 * delivery results, name only the message).  Both overwrite on
 * collision: memory stays bounded on any log, at the price of an
 * occasional missed join.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_events.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_exlog.h"

#define ML_PIDS		1024
#define ML_MSGS		16384
#define ML_VALUE_MAX	1000

struct ml_pidcwd {
	long	pid;			/* 0: free */
	char	cwd[1024];
};

struct ml_msg {
	char	id[24];
	char	sender[256];		/* the account, or the SMTP AUTH id */
	char	ip[46];			/* the client's, with SMTP AUTH */
	char	auth;			/* sender is an SMTP AUTH id */
	char	had_cwd;
};

struct ml_events {
	const struct osm_cfg *cfg;
	struct ml_pidcwd pids[ML_PIDS];
	char	last_cwd[1024];		/* without +pid: the previous cwd line */
	struct ml_msg msgs[ML_MSGS];
	struct ml_stats st;
	struct osm_exlog line;
	size_t	npend;			/* ml_events_feed: an entry's lines so far */
	char	pend[OSM_EXLOG_MAX_LINE + 1];
};

struct ml_events *
ml_events_new(const struct osm_cfg *cfg)
{
	struct ml_events *e = calloc(1, sizeof(*e));

	if (e)
		e->cfg = cfg;
	return e;
}

void
ml_events_free(struct ml_events *e)
{
	free(e);
}

void
ml_events_config(struct ml_events *e, const struct osm_cfg *cfg)
{
	e->cfg = cfg;
}

void
ml_events_stats(const struct ml_events *e, struct ml_stats *st)
{
	*st = e->st;
}

/* ml_attr - name=value, control characters made spaces, cut at ML_VALUE_MAX */
static void
ml_attr(struct osm_buf *out, const char *name, const char *value)
{
	size_t	n;

	if (value == NULL || *value == 0)
		return;
	osm_buf_puts(out, name);
	osm_buf_puts(out, "=");
	n = strnlen(value, ML_VALUE_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char) value[i];

		osm_buf_append(out, (c < 0x20 || c == 0x7f) ? " " : &value[i], 1);
	}
	osm_buf_puts(out, "\n");
}

static unsigned long long
ml_hash(const char *s, size_t n)
{
	unsigned long long h = 14695981039346656037ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char) s[i]) * 1099511628211ull;
	return h;
}

static struct ml_msg *
ml_msg(struct ml_events *e, const char *id)
{
	return &e->msgs[ml_hash(id, strlen(id)) % ML_MSGS];
}

static int
ml_local(const struct osm_exlog *l)
{
	return l->proto && strncmp(l->proto, "local", 5) == 0;
}

static void
ml_begin(struct osm_buf *out, const struct osm_exlog *l)
{
	osm_buf_puts(out, "request=smtpd_access_policy\nsource=mainlog\n");
	osm_buf_printf(out, "log_time=%lld\n", l->time);
	ml_attr(out, "message_id", l->id);
}

static int
ml_arrival(struct ml_events *e, const struct osm_exlog *l, struct osm_buf *out)
{
	char	count[16];
	const char *cwd = NULL;

	e->st.arrivals++;
	e->st.forged += (unsigned long) l->forged;
	if (l->auth == NULL && !ml_local(l))
		return 0;			/* inbound, or an unauthenticated relay */
	if (l->auth == NULL && (l->user == NULL || osm_cfg_exim_user(e->cfg, l->user)))
		return 0;			/* exim's own mail: bounces, warnings */
	if (l->auth == NULL) {
		if (l->pid >= 0) {
			struct ml_pidcwd *p = &e->pids[(unsigned long) l->pid % ML_PIDS];

			if (p->pid == l->pid && p->cwd[0]) {
				cwd = p->cwd;
				p->pid = 0;
			}
		} else if (e->last_cwd[0])
			cwd = e->last_cwd;
	}
	struct ml_msg *m = ml_msg(e, l->id);

	snprintf(m->id, sizeof(m->id), "%s", l->id);
	snprintf(m->sender, sizeof(m->sender), "%s", l->auth ? l->auth : l->user);
	snprintf(m->ip, sizeof(m->ip), "%s", l->auth && l->ip ? l->ip : "");
	m->auth = l->auth != NULL;
	m->had_cwd = cwd != NULL;
	ml_begin(out, l);
	if (l->auth) {
		ml_attr(out, "sasl_username", l->auth);
		ml_attr(out, "client_address", l->ip);
	} else {
		ml_attr(out, "account", l->user);
		ml_attr(out, "cwd", cwd);
	}
	ml_attr(out, "sender", strcmp(l->addr ? l->addr : "", "<>") ? l->addr : NULL);
	ml_attr(out, "subject", l->subject);
	snprintf(count, sizeof(count), "%d", l->nrcpt);
	if (l->nrcpt > 0)
		ml_attr(out, "recipient_count", count);
	osm_buf_puts(out, "\n");
	e->last_cwd[0] = 0;
	return 1;
}

static int
ml_cwd(struct ml_events *e, const struct osm_exlog *l, struct osm_buf *out)
{
	if (l->ref_id) {
		/* a delivery process of a message: late cwd, if it had none */
		struct ml_msg *r = ml_msg(e, l->ref_id);

		if (strcmp(r->id, l->ref_id) != 0 || r->auth || r->had_cwd || l->cwd[0] != '/')
			return 0;
		r->had_cwd = 1;
		osm_buf_puts(out, "request=smtpd_access_policy\nsource=mainlog\nevents=cwd\n");
		osm_buf_printf(out, "log_time=%lld\n", l->time);
		ml_attr(out, "message_id", l->ref_id);
		ml_attr(out, "account", r->sender);
		ml_attr(out, "cwd", l->cwd);
		osm_buf_puts(out, "\n");
		return 1;
	}
	if (l->cwd[0] != '/')
		return 0;
	if (l->pid >= 0) {
		struct ml_pidcwd *p = &e->pids[(unsigned long) l->pid % ML_PIDS];

		p->pid = l->pid;
		snprintf(p->cwd, sizeof(p->cwd), "%s", l->cwd);
	} else
		snprintf(e->last_cwd, sizeof(e->last_cwd), "%s", l->cwd);
	return 0;
}

/*
 * ml_result - a delivery result of an outgoing message.  It left (or
 * tried to) if the line names a remote host or an smtp transport; a
 * failure or deferral that never reached a transport (unrouteable,
 * retry time not reached) counts too; local transports, and osm's own
 * router keeping a held sender's mail queued, do not.
 */
static int
ml_result(struct ml_events *e, const struct osm_exlog *l, const char *line, size_t len,
	  struct osm_buf *out)
{
	int	failed = l->kind == OSM_EXLOG_FAILURE || l->kind == OSM_EXLOG_DEFERRAL;
	struct ml_msg *m;

	if (!(l->ip || (l->transport && strstr(l->transport, "smtp")) || (failed && !l->transport)))
		return 0;
	if (l->reason && strncmp(l->reason, "osm: ", 5) == 0)
		return 0;			/* osm's own router holding the sender's queue */
	m = ml_msg(e, l->id);
	if (strcmp(m->id, l->id) != 0) {
		e->st.unattributed++;
		return 0;
	}
	e->st.results++;
	ml_begin(out, l);
	osm_buf_puts(out, "events=delivery\n");
	osm_buf_printf(out, "delivery=%s\n", l->kind == OSM_EXLOG_FAILURE ? "bounced"
		       : l->kind == OSM_EXLOG_DEFERRAL ? "deferred" : "delivered");
	osm_buf_printf(out, "delivery_id=%016llx\n", ml_hash(line, len));
	ml_attr(out, m->auth ? "sasl_username" : "account", m->sender);
	ml_attr(out, "client_address", m->ip);
	ml_attr(out, "recipient", l->addr);
	ml_attr(out, "remote_host", l->host);
	ml_attr(out, "remote_address", l->ip);
	ml_attr(out, "reason", l->reason);
	osm_buf_puts(out, "\n");
	return 1;
}

int
ml_events_line(struct ml_events *e, const char *line, size_t len, int last, struct osm_buf *out)
{
	struct osm_exlog *l = &e->line;
	int	n = 0;
	enum osm_exlog_kind kind = osm_exlog_parse(line, len, l);

	if (l->more && !last)
		return ML_EVENTS_MORE;
	e->st.lines++;
	switch (kind) {
	case OSM_EXLOG_SKIP:
		e->st.skipped++;
		break;
	case OSM_EXLOG_ARRIVAL:
		n = ml_arrival(e, l, out);
		break;
	case OSM_EXLOG_CWD:
		n = ml_cwd(e, l, out);
		break;
	case OSM_EXLOG_DELIVERY:
	case OSM_EXLOG_ADDITIONAL:
	case OSM_EXLOG_CUTTHROUGH:
	case OSM_EXLOG_FAILURE:
	case OSM_EXLOG_DEFERRAL:
		n = ml_result(e, l, line, len, out);
		break;
	default:
		break;
	}
	e->st.requests += (unsigned long) n;
	return n;
}

int
ml_events_feed(struct ml_events *e, const char *line, size_t len, struct osm_buf *out)
{
	int	n;

	if (e->npend == 0) {
		if ((n = ml_events_line(e, line, len, 0, out)) != ML_EVENTS_MORE)
			return n;
	} else if (e->npend + 1 + len > OSM_EXLOG_MAX_LINE) {
		/* longer than any entry exim writes: skipped whole, never read as two */
		e->npend = 0;
		e->st.lines++;
		e->st.skipped++;
		return 0;
	} else
		e->pend[e->npend++] = '\n';
	memcpy(e->pend + e->npend, line, len);
	e->npend += len;
	if ((n = ml_events_line(e, e->pend, e->npend, 0, out)) == ML_EVENTS_MORE)
		return 0;
	e->npend = 0;
	return n;
}

int
ml_events_flush(struct ml_events *e, struct osm_buf *out)
{
	size_t	n = e->npend;

	e->npend = 0;
	return n == 0 ? 0 : ml_events_line(e, e->pend, n, 1, out);
}
