/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_store - pipelined window-script calls over one hiredis context;
 * see pd_store.h.  The script is pd_window.lua, compiled in.
 *
 * Batching is the whole performance story: the server collects every
 * complete request from every ready client, and one write plus one read
 * carries them all, so Redis round trips per request fall as load
 * rises.  The context is synchronous with a timeout on every socket
 * operation (redisSetTimeout), which keeps the code a plain loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osm_cfg.h"
#include "osm_msg.h"
#include "osm_redis.h"
#include "pd_event.h"
#include "pd_store.h"

static const char pd_store_script[] =
#include "pd_window_lua.h"
;

#define PD_STORE_BACKOFF_MIN	100
#define PD_STORE_BACKOFF_MAX	5000

struct pd_store {
	const struct osm_cfg *cfg;
	redisContext *rc;
	char	sha[48];
	int	up;
	long long next_try;		/* ms, monotonic */
	unsigned backoff;
	struct pd_store_stats st;
};

static long long
pd_store_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* pd_store_down - drop the context; log only the first failure of an outage */
static void
pd_store_down(struct pd_store *s, const char *reason)
{
	char	why[128];

	/* reason may point into s->rc, which is about to go */
	snprintf(why, sizeof(why), "%s", reason);
	if (s->rc) {
		redisFree(s->rc);
		s->rc = NULL;
	}
	if (s->up) {
		osm_msg_warn("redis %s unreachable: %s; answering %s until it is back",
			     s->cfg->redis, why, s->cfg->fail_closed ? "DEFER (fail: closed)" : "DUNNO (fail: open)");
		s->st.outages++;
		s->up = 0;
		s->backoff = PD_STORE_BACKOFF_MIN;
	} else if (s->backoff < PD_STORE_BACKOFF_MAX) {
		s->backoff = s->backoff ? s->backoff * 2 : PD_STORE_BACKOFF_MIN;
		if (s->backoff > PD_STORE_BACKOFF_MAX)
			s->backoff = PD_STORE_BACKOFF_MAX;
	}
	s->next_try = pd_store_now() + s->backoff;
}

static int
pd_store_load_script(struct pd_store *s)
{
	redisReply *r = redisCommand(s->rc, "SCRIPT LOAD %s", pd_store_script);

	if (r == NULL || r->type != REDIS_REPLY_STRING) {
		pd_store_down(s, r ? r->str : s->rc->errstr);
		if (r)
			freeReplyObject(r);
		return -1;
	}
	snprintf(s->sha, sizeof(s->sha), "%s", r->str);
	freeReplyObject(r);
	return 0;
}

/* pd_store_available - connected, or reconnect when the backoff allows */
int
pd_store_available(struct pd_store *s)
{
	char	err[256];

	if (s->rc)
		return 1;
	if (pd_store_now() < s->next_try)
		return 0;
	if ((s->rc = osm_redis_connect(s->cfg->redis, s->cfg->redis_timeout_ms, err, sizeof(err))) == NULL) {
		pd_store_down(s, err);
		return 0;
	}
	if (pd_store_load_script(s) != 0)
		return 0;
	if (!s->up)
		osm_msg_info("redis %s connected", s->cfg->redis);
	s->up = 1;
	s->backoff = 0;
	return 1;
}

struct pd_store *
pd_store_new(const struct osm_cfg *cfg)
{
	struct pd_store *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = cfg;
	s->up = 1;				/* so the first failure is logged */
	return s;
}

void
pd_store_free(struct pd_store *s)
{
	if (s == NULL)
		return;
	if (s->rc)
		redisFree(s->rc);
	free(s);
}

/* pd_store_config - a reloaded config; reconnect if Redis moved */
void
pd_store_config(struct pd_store *s, const struct osm_cfg *cfg)
{
	int	moved = strcmp(s->cfg->redis, cfg->redis) != 0
	    || s->cfg->redis_timeout_ms != cfg->redis_timeout_ms;

	s->cfg = cfg;
	if (moved && s->rc) {
		redisFree(s->rc);
		s->rc = NULL;
		s->next_try = 0;
	}
}

/* pd_store_parse - the script's {verdict, ids...} reply */
static void
pd_store_parse(const redisReply *r, struct pd_store_result *res)
{
	memset(res, 0, sizeof(*res));
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1
	    || r->element[0]->type != REDIS_REPLY_STRING)
		return;
	res->ok = 1;
	snprintf(res->verdict, sizeof(res->verdict), "%s", r->element[0]->str);
	for (size_t i = 1; i < r->elements && res->nids < PD_STORE_MAX_IDS; i++)
		if (r->element[i]->type == REDIS_REPLY_STRING)
			snprintf(res->ids[res->nids++], sizeof(res->ids[0]), "%s", r->element[i]->str);
}

int
pd_store_run(struct pd_store *s, struct pd_cmd **cmds, size_t n, struct pd_store_result *results)
{
	int	noscript;

	if (n == 0)
		return 0;
	if (!pd_store_available(s))
		return -1;
	s->st.batches++;
	for (int attempt = 0; attempt < 2; attempt++) {
		noscript = 0;
		for (size_t i = 0; i < n; i++) {
			struct pd_cmd *c = cmds[i];

			c->argv[0] = "EVALSHA";
			c->argvlen[0] = 7;
			c->argv[1] = s->sha;
			c->argvlen[1] = strlen(s->sha);
			if (redisAppendCommandArgv(s->rc, c->argc, c->argv, c->argvlen) != REDIS_OK) {
				pd_store_down(s, s->rc->errstr);
				return -1;
			}
		}
		for (size_t i = 0; i < n; i++) {
			redisReply *r;

			if (redisGetReply(s->rc, (void **) &r) != REDIS_OK) {
				pd_store_down(s, s->rc->errstr[0] ? s->rc->errstr : "connection lost");
				return -1;
			}
			if (r->type == REDIS_REPLY_ERROR) {
				if (strncmp(r->str, "NOSCRIPT", 8) == 0)
					noscript = 1;
				else {
					s->st.errors++;
					osm_msg_warn("redis error: %.200s", r->str);
				}
			}
			pd_store_parse(r, &results[i]);
			freeReplyObject(r);
		}
		if (!noscript)
			return 0;
		/* Redis restarted or SCRIPT FLUSH: load again and redo the batch. */
		if (pd_store_load_script(s) != 0)
			return -1;
	}
	return 0;
}

void
pd_store_index(struct pd_store *s, const char *prefix, long long now,
	       const char *const *ids, const char *const *tags, size_t n)
{
	char	key[256], member[320], score[32], cut[32];
	redisReply *r;

	if (n == 0 || !pd_store_available(s))
		return;
	snprintf(key, sizeof(key), "%sreports", prefix);
	snprintf(score, sizeof(score), "%lld", now);
	for (size_t i = 0; i < n; i++) {
		const char *argv[4] = {"ZADD", key, score, member};

		snprintf(member, sizeof(member), "%s %s", ids[i], tags[i]);
		redisAppendCommandArgv(s->rc, 4, argv, NULL);
	}
	snprintf(cut, sizeof(cut), "%lld", now - s->cfg->report_retention * 1000LL);
	redisAppendCommand(s->rc, "ZREMRANGEBYSCORE %s -inf %s", key, cut);
	for (size_t i = 0; i <= n; i++) {
		if (redisGetReply(s->rc, (void **) &r) != REDIS_OK) {
			pd_store_down(s, s->rc->errstr);
			return;
		}
		freeReplyObject(r);
	}
}

void
pd_store_stats(const struct pd_store *s, struct pd_store_stats *st)
{
	*st = s->st;
	st->up = s->rc != NULL;
}
