/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_EVENT_H
#define PD_EVENT_H

/*
 * pd_event - turn one policy request into osm events and the Redis
 * script calls that count them.
 *
 * A request names a sender (email account, account, or client IP) and
 * what osm knows of the message.  pd_event_plan() resolves the accounts,
 * applies the ignore lists and trigger levels, and fills a plan of at
 * most two calls of the window script (pd_store.c), one per hash tag:
 * the sender's account (logline, logline:subject, packet) and the owner
 * of the working directory (cwdcheck, cwdcheck:cwd, packet:cwd) when
 * that is another account.  Each call is atomic in Redis; it first looks
 * up the sender's verdict and counts nothing for a held sender.
 *
 * A call is the script's keys (argv[0..nkeys)) followed by its
 * arguments (argv[nkeys..argc)); pd_store joins the calls of a batch
 * into EVALSHA commands.  A plain event (plan->plain) that pd_shadow
 * knows fires nothing may instead be appended to its windows' lists
 * with plain RPUSHes; the call says where the list keys, the event and
 * the verdict fields are.  For a plain event, pd_event_plan() with
 * script 0 builds only those, which is all most requests need
 * (plan->script 0); if it must go to the script after all, plan it
 * again with script 1.  The plan's strings live in its own buffer;
 * reuse a plan with pd_plan_reset().  No I/O here.
 */
#include <stddef.h>
#include <stdint.h>

/* The most a call can take: 4 event types of OSM_MAX_WINDOWS windows,
 * 2 or 3 keys and 6 arguments each, plus 16 others. */
#define PD_EVENT_MAX_WIN 16
#define PD_CMD_MAX_ARGS	256
#define PD_PLAN_MAX_CMDS 2
#define PD_EVENT_MAX_FIELDS 3

/* A window's list lives this long past its interval after each PEXPIRE,
 * so plain events (pd_shadow.h) need to send one only every half of it. */
#define PD_EVENT_TTL_SLACK_MS 10000

struct osm_cfg;
struct osm_acct;
struct pd_shadow_ent;
struct osm_buf;
struct osm_proto_req;

struct pd_cmd {
	int	argc;
	int	nkeys;			/* argv[0..nkeys) are keys */
	const char *argv[PD_CMD_MAX_ARGS];
	uint32_t argvlen[PD_CMD_MAX_ARGS];
	uint32_t off[PD_CMD_MAX_ARGS];
	char	tag[256];		/* the hash tag, for the report index */
	/* What pd_shadow needs: argv[0] is the verdict hash. */
	int	nfield;
	int	field[PD_EVENT_MAX_FIELDS];	/* argv index of each verdict field */
	int	nwin;
	int	win[PD_EVENT_MAX_WIN];	/* argv index of each window's list key */
	unsigned level[PD_EVENT_MAX_WIN];
	/* For counting without the script (pd_store): the argv index of
	 * the event, and each window's PEXPIRE (its interval +
	 * PD_EVENT_TTL_SLACK_MS). */
	int	event_arg;
	unsigned long long ttl_ms[PD_EVENT_MAX_WIN];
	unsigned expire;		/* plain: bit w set = PEXPIRE window w's list */
	long long sent_ms;		/* monotonic, when it went to Redis */
	int	holds;			/* pd_shadow: waits for Redis and may fire,
					 * so its sender's next requests wait too */
	/* pd_shadow's entries for the fields, then the windows, while in flight */
	struct pd_shadow_ent *shadow[PD_EVENT_MAX_FIELDS + PD_EVENT_MAX_WIN];
};

struct pd_plan {
	int	ncmd;
	int	count;			/* 1 if this request is an event */
	int	plain;			/* an event that an RPUSH per window can
					 * count: no message markers, no ratio */
	int	script;			/* 1: the calls are the script's whole
					 * calls; 0: only what a plain event needs */
	struct pd_cmd cmd[PD_PLAN_MAX_CMDS];
	char	who[300];		/* "email:x@example.com" etc., for logs */
	struct osm_buf *mem;
};

struct pd_event_ctx {
	const struct osm_cfg *cfg;
	const struct osm_acct *acct;
	const char *prefix;		/* redis.prefix + server_name + ":" */
	unsigned long seq;		/* makes event and report ids unique */
	long	pid;
};

struct pd_plan *pd_plan_new(void);
void	pd_plan_free(struct pd_plan *);
void	pd_plan_reset(struct pd_plan *);

int	pd_event_plan(struct pd_event_ctx *, const struct osm_proto_req *, long long now_ms,
		      struct pd_plan *, int script, const char **why);

#endif
