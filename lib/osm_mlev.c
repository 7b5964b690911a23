/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_mlev - mainlog lines to policy requests; see osm_mlev.h.
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

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_exlog.h"
#include "osm_hash.h"
#include "osm_mlev.h"
#include "osm_proto.h"

#define OSM_MLEV_PIDS		1024
#define OSM_MLEV_MSGS		16384
#define OSM_MLEV_VALUE_MAX	1000

struct osm_mlev_pidcwd {
	long	pid;			/* 0: free */
	char	cwd[1024];
};

struct osm_mlev_msg {
	char	id[24];
	char	sender[256];		/* the account, or the SMTP AUTH id */
	char	ip[46];			/* the client's, with SMTP AUTH */
	char	auth;			/* sender is an SMTP AUTH id */
	char	had_cwd;
};

struct osm_mlev {
	const struct osm_cfg *cfg;
	struct osm_mlev_pidcwd pids[OSM_MLEV_PIDS];
	char	last_cwd[1024];		/* without +pid: the previous cwd line */
	struct osm_mlev_msg msgs[OSM_MLEV_MSGS];
	struct osm_mlev_stats st;
	struct osm_exlog line;
	size_t	npend;			/* osm_mlev_feed: an entry's lines so far */
	char	pend[OSM_EXLOG_MAX_LINE + 1];
};

struct osm_mlev *
osm_mlev_new(const struct osm_cfg *cfg)
{
	struct osm_mlev *e = calloc(1, sizeof(*e));

	if (e)
		e->cfg = cfg;
	return e;
}

void
osm_mlev_free(struct osm_mlev *e)
{
	free(e);
}

void
osm_mlev_config(struct osm_mlev *e, const struct osm_cfg *cfg)
{
	e->cfg = cfg;
}

void
osm_mlev_stats(const struct osm_mlev *e, struct osm_mlev_stats *st)
{
	*st = e->st;
}

/* osm_mlev_attr - name=value, control characters made spaces, cut at OSM_MLEV_VALUE_MAX */
static void
osm_mlev_attr(struct osm_buf *out, const char *name, const char *value)
{
	if (value != NULL && *value != 0)
		osm_proto_attr(out, name, value, OSM_MLEV_VALUE_MAX);
}

static struct osm_mlev_msg *
osm_mlev_msg(struct osm_mlev *e, const char *id)
{
	return &e->msgs[osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, id, strlen(id)) % OSM_MLEV_MSGS];
}

static int
osm_mlev_local(const struct osm_exlog *l)
{
	return l->proto && strncmp(l->proto, "local", 5) == 0;
}

static void
osm_mlev_begin(struct osm_buf *out, const struct osm_exlog *l)
{
	osm_buf_puts(out, "request=smtpd_access_policy\nsource=mainlog\n");
	osm_buf_printf(out, "log_time=%lld\n", l->time);
	osm_mlev_attr(out, "message_id", l->id);
}

static int
osm_mlev_arrival(struct osm_mlev *e, const struct osm_exlog *l, struct osm_buf *out)
{
	char	count[16];
	const char *cwd = NULL;

	e->st.arrivals++;
	e->st.forged += (unsigned long) l->forged;
	if (l->auth == NULL && !osm_mlev_local(l))
		return 0;			/* inbound, or an unauthenticated relay */
	if (l->auth == NULL && (l->user == NULL || osm_cfg_exim_user(e->cfg, l->user)))
		return 0;			/* exim's own mail: bounces, warnings */
	if (l->auth == NULL) {
		if (l->pid >= 0) {
			struct osm_mlev_pidcwd *p = &e->pids[(unsigned long) l->pid % OSM_MLEV_PIDS];

			if (p->pid == l->pid && p->cwd[0]) {
				cwd = p->cwd;
				p->pid = 0;
			}
		} else if (e->last_cwd[0])
			cwd = e->last_cwd;
	}
	struct osm_mlev_msg *m = osm_mlev_msg(e, l->id);

	snprintf(m->id, sizeof(m->id), "%s", l->id);
	snprintf(m->sender, sizeof(m->sender), "%s", l->auth ? l->auth : l->user);
	snprintf(m->ip, sizeof(m->ip), "%s", l->auth && l->ip ? l->ip : "");
	m->auth = l->auth != NULL;
	m->had_cwd = cwd != NULL;
	osm_mlev_begin(out, l);
	if (l->auth) {
		osm_mlev_attr(out, "sasl_username", l->auth);
		osm_mlev_attr(out, "client_address", l->ip);
	} else {
		osm_mlev_attr(out, "account", l->user);
		osm_mlev_attr(out, "cwd", cwd);
	}
	osm_mlev_attr(out, "sender", strcmp(l->addr ? l->addr : "", "<>") ? l->addr : NULL);
	osm_mlev_attr(out, "subject", l->subject);
	snprintf(count, sizeof(count), "%d", l->nrcpt);
	if (l->nrcpt > 0)
		osm_mlev_attr(out, "recipient_count", count);
	osm_buf_puts(out, "\n");
	e->last_cwd[0] = 0;
	return 1;
}

static int
osm_mlev_cwd(struct osm_mlev *e, const struct osm_exlog *l, struct osm_buf *out)
{
	if (l->ref_id) {
		/* a delivery process of a message: late cwd, if it had none */
		struct osm_mlev_msg *r = osm_mlev_msg(e, l->ref_id);

		if (strcmp(r->id, l->ref_id) != 0 || r->auth || r->had_cwd || l->cwd[0] != '/')
			return 0;
		r->had_cwd = 1;
		osm_buf_puts(out, "request=smtpd_access_policy\nsource=mainlog\nevents=cwd\n");
		osm_buf_printf(out, "log_time=%lld\n", l->time);
		osm_mlev_attr(out, "message_id", l->ref_id);
		osm_mlev_attr(out, "account", r->sender);
		osm_mlev_attr(out, "cwd", l->cwd);
		osm_buf_puts(out, "\n");
		return 1;
	}
	if (l->cwd[0] != '/')
		return 0;
	if (l->pid >= 0) {
		struct osm_mlev_pidcwd *p = &e->pids[(unsigned long) l->pid % OSM_MLEV_PIDS];

		p->pid = l->pid;
		snprintf(p->cwd, sizeof(p->cwd), "%s", l->cwd);
	} else
		snprintf(e->last_cwd, sizeof(e->last_cwd), "%s", l->cwd);
	return 0;
}

/*
 * osm_mlev_result - a delivery result of an outgoing message.  It left (or
 * tried to) if the line names a remote host or an smtp transport; a
 * failure or deferral that never reached a transport (unrouteable,
 * retry time not reached) counts too; local transports, and osm's own
 * router keeping a held sender's mail queued, do not.
 */
static int
osm_mlev_result(struct osm_mlev *e, const struct osm_exlog *l, const char *line, size_t len,
	  struct osm_buf *out)
{
	int	failed = l->kind == OSM_EXLOG_FAILURE || l->kind == OSM_EXLOG_DEFERRAL;
	struct osm_mlev_msg *m;

	if (!(l->ip || (l->transport && strstr(l->transport, "smtp")) || (failed && !l->transport)))
		return 0;
	if (l->reason && strncmp(l->reason, "osm: ", 5) == 0)
		return 0;			/* osm's own router holding the sender's queue */
	m = osm_mlev_msg(e, l->id);
	if (strcmp(m->id, l->id) != 0) {
		e->st.unattributed++;
		return 0;
	}
	e->st.results++;
	osm_mlev_begin(out, l);
	osm_buf_puts(out, "events=delivery\n");
	osm_buf_printf(out, "delivery=%s\n", l->kind == OSM_EXLOG_FAILURE ? "bounced"
		       : l->kind == OSM_EXLOG_DEFERRAL ? "deferred" : "delivered");
	osm_buf_printf(out, "delivery_id=%016llx\n",
		       (unsigned long long) osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, line, len));
	osm_mlev_attr(out, m->auth ? "sasl_username" : "account", m->sender);
	osm_mlev_attr(out, "client_address", m->ip);
	osm_mlev_attr(out, "recipient", l->addr);
	osm_mlev_attr(out, "remote_host", l->host);
	osm_mlev_attr(out, "remote_address", l->ip);
	osm_mlev_attr(out, "reason", l->reason);
	osm_buf_puts(out, "\n");
	return 1;
}

int
osm_mlev_line(struct osm_mlev *e, const char *line, size_t len, int last, struct osm_buf *out)
{
	struct osm_exlog *l = &e->line;
	int	n = 0;
	enum osm_exlog_kind kind = osm_exlog_parse(line, len, l);

	if (l->more && !last)
		return OSM_MLEV_MORE;
	e->st.lines++;
	switch (kind) {
	case OSM_EXLOG_SKIP:
		e->st.skipped++;
		break;
	case OSM_EXLOG_ARRIVAL:
		n = osm_mlev_arrival(e, l, out);
		break;
	case OSM_EXLOG_CWD:
		n = osm_mlev_cwd(e, l, out);
		break;
	case OSM_EXLOG_DELIVERY:
	case OSM_EXLOG_ADDITIONAL:
	case OSM_EXLOG_CUTTHROUGH:
	case OSM_EXLOG_FAILURE:
	case OSM_EXLOG_DEFERRAL:
		n = osm_mlev_result(e, l, line, len, out);
		break;
	default:
		break;
	}
	e->st.requests += (unsigned long) n;
	return n;
}

int
osm_mlev_feed(struct osm_mlev *e, const char *line, size_t len, struct osm_buf *out)
{
	int	n;

	if (e->npend == 0) {
		if ((n = osm_mlev_line(e, line, len, 0, out)) != OSM_MLEV_MORE)
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
	if ((n = osm_mlev_line(e, e->pend, e->npend, 0, out)) == OSM_MLEV_MORE)
		return 0;
	e->npend = 0;
	return n;
}

int
osm_mlev_flush(struct osm_mlev *e, struct osm_buf *out)
{
	size_t	n = e->npend;

	e->npend = 0;
	return n == 0 ? 0 : osm_mlev_line(e, e->pend, n, 1, out);
}
