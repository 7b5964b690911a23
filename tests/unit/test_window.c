/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_window - the sliding-window logic (pd_window.lua via pd_event and
 * pd_store) against a real redis-server, with the clock under test
 * control: events exceeding the level fire one report and are consumed;
 * events older than the interval drop out; windows are independent;
 * verdicts expire; monitor mode decides but never holds.  And pd_shadow:
 * a request is answered from memory only when Redis's answers prove it
 * DUNNO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "osm_acct.h"
#include "osm_cfg.h"
#include "osm_proto.h"
#include "osm_redis.h"
#include "pd_event.h"
#include "pd_shadow.h"
#include "pd_store.h"
#include "redis_fixture.h"

static const char *addr;
static struct osm_acct *tables;
static redisContext *rc;

static int
setup(void **state)
{
	char	err[128];

	(void) state;
	if ((addr = redis_fixture_start()) == NULL)
		return -1;
	tables = osm_acct_load(NULL, 0);
	rc = osm_redis_connect(addr, 1000, err, sizeof(err));
	return tables && rc ? 0 : -1;
}

static int
teardown(void **state)
{
	(void) state;
	redisFree(rc);
	osm_acct_free(tables);
	redis_fixture_stop();
	return 0;
}

struct win_env {
	struct osm_cfg *cfg;
	struct pd_store *store;
	struct pd_event_ctx ctx;
	struct pd_plan *plan;
};

static void
env_open(struct win_env *e, const char *yaml_triggers)
{
	char	yaml[2048];

	snprintf(yaml, sizeof(yaml), "server_name: w\nredis: {address: \"%s\"}\n%s", addr, yaml_triggers);
	e->cfg = osm_cfg_load_mem("t.yaml", yaml, strlen(yaml), NULL);
	assert_non_null(e->cfg);
	e->store = pd_store_new(e->cfg);
	e->plan = pd_plan_new();
	memset(&e->ctx, 0, sizeof(e->ctx));
	e->ctx.cfg = e->cfg;
	e->ctx.acct = tables;
	e->ctx.prefix = "osm:w:";
}

static void
env_close(struct win_env *e)
{
	pd_store_free(e->store);
	pd_plan_free(e->plan);
	osm_cfg_free(e->cfg);
}

/* store_run - the window script for CMDS[0..N), synchronously */
static int
store_run(struct win_env *e, struct pd_cmd **cmds, size_t n, struct pd_store_result *res)
{
	struct pd_store_batch b = {.cmds = cmds, .n = n, .results = res};

	return pd_store_run(e->store, &b);
}

/* send_req - one raw request at T; returns the first call's result */
static struct pd_store_result *
send_req(struct win_env *e, const char *request, long long t)
{
	static struct pd_store_result res[2];
	static char text[2048];			/* the parser works in place */
	struct osm_proto_req *req = malloc(sizeof(*req));
	struct osm_proto_limits lim = {2048, 100, 16384};
	struct pd_cmd *cmds[2];
	const char *why;
	size_t	used;

	snprintf(text, sizeof(text), "%s", request);
	assert_int_equal(osm_proto_parse(text, strlen(text), &lim, req, &used, &why), OSM_PROTO_OK);
	assert_int_equal(pd_event_plan(&e->ctx, req, t, e->plan, 1, &why), 0);
	free(req);
	for (int i = 0; i < e->plan->ncmd; i++)
		cmds[i] = &e->plan->cmd[i];
	assert_int_equal(store_run(e, cmds, (size_t) e->plan->ncmd, res), 0);
	return res;
}

/* send_at - one event for ACCOUNT at time T ms; returns the verdict, sets *nids */
static const char *
send_at(struct win_env *e, const char *account, long long t, int *nids)
{
	char	text[256];
	struct pd_store_result *res;

	snprintf(text, sizeof(text), "request=smtpd_access_policy\nsource=exim\naccount=%s\n\n", account);
	res = send_req(e, text, t);
	assert_true(res[0].ok);
	*nids = res[0].nids;
	return res[0].verdict;
}

/* llen - the length of window list KEY (-1: not a list) */
static long long
llen(const char *key)
{
	redisReply *r = redisCommand(rc, "LLEN %s", key);
	long long n = r->type == REDIS_REPLY_INTEGER ? r->integer : -1;

	freeReplyObject(r);
	return n;
}

static long long
pttl(const char *key)
{
	redisReply *r = redisCommand(rc, "PTTL %s", key);
	long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -3;

	freeReplyObject(r);
	return v;
}

/* event_time - the "t" of event JSON E */
static long long
event_time(const char *e)
{
	const char *t = strstr(e, "\"t\":");

	assert_non_null(t);
	return strtoll(t + 4, NULL, 10);
}

/* events of a window list still inside a window that ends at cutoff */
static long long
count_after(const char *key, long long cutoff)
{
	redisReply *r = redisCommand(rc, "LRANGE %s 0 -1", key);
	long long n = 0;

	for (size_t i = 0; i < r->elements; i++)
		n += event_time(r->element[i]->str) > cutoff;
	freeReplyObject(r);
	return n;
}

static long long
report_count(const char *account, const char *id_field_want)
{
	redisReply *r = redisCommand(rc, "KEYS osm:w:{%s}:report:*", account);
	long long n = (long long) r->elements;

	if (id_field_want && n == 1) {
		redisReply *h = redisCommand(rc, "HGET %s count", r->element[0]->str);

		assert_string_equal(h->str, id_field_want);
		freeReplyObject(h);
	}
	freeReplyObject(r);
	return n;
}

static void
test_exceed_and_consume(void **state)
{
	struct win_env e;
	int	nids;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 3, seconds: 10, actions: [store, hold]}}}\n");
	for (int i = 0; i < 3; i++) {
		assert_string_equal(send_at(&e, "a1", 1000000 + i, &nids), "");
		assert_int_equal(nids, 0);
	}
	assert_int_equal(llen("osm:w:{a1}:w:logline:a1:10"), 3);
	/* the 4th exceeds 3: one report with all 4, window consumed, held */
	assert_true(strncmp(send_at(&e, "a1", 1000003, &nids), "HOLD account:a1 ", 16) == 0);
	assert_int_equal(nids, 1);
	assert_int_equal(report_count("a1", "4"), 1);
	assert_int_equal(llen("osm:w:{a1}:w:logline:a1:10"), 0);
	/* held: answered HOLD, not counted, no new report */
	assert_true(strncmp(send_at(&e, "a1", 1000004, &nids), "HOLD", 4) == 0);
	assert_int_equal(llen("osm:w:{a1}:w:logline:a1:10"), 0);
	assert_int_equal(report_count("a1", NULL), 1);
	env_close(&e);
}

static void
test_expiry(void **state)
{
	struct win_env e;
	int	nids;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 3, seconds: 10}}}\n");
	send_at(&e, "a2", 0 + 5000000, &nids);
	send_at(&e, "a2", 1000 + 5000000, &nids);
	send_at(&e, "a2", 2000 + 5000000, &nids);
	/* exactly one interval after the first event, it has dropped out */
	send_at(&e, "a2", 10000 + 5000000, &nids);
	assert_int_equal(nids, 0);
	assert_int_equal(llen("osm:w:{a2}:w:logline:a2:10"), 3);
	/* one more within the interval of the other three: 4 > 3 */
	send_at(&e, "a2", 10001 + 5000000, &nids);
	assert_int_equal(nids, 1);
	assert_int_equal(report_count("a2", "4"), 1);
	/* store only: no verdict */
	assert_string_equal(send_at(&e, "a2", 10002 + 5000000, &nids), "");
	env_close(&e);
}

static void
test_two_windows(void **state)
{
	struct win_env e;
	int	nids, fired = 0;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {windows: [{events: 2, seconds: 1}, {events: 4, seconds: 100}]}}}\n");
	send_at(&e, "a3", 9000000, &nids);
	send_at(&e, "a3", 9000010, &nids);
	send_at(&e, "a3", 9000020, &nids);		/* 3 > 2 in 1 s */
	fired += nids;
	assert_int_equal(fired, 1);
	assert_int_equal(llen("osm:w:{a3}:w:logline:a3:1"), 0);
	assert_int_equal(llen("osm:w:{a3}:w:logline:a3:100"), 3);
	send_at(&e, "a3", 9002000, &nids);		/* 1 in 1 s, 4 in 100 s */
	assert_int_equal(nids, 0);
	send_at(&e, "a3", 9003000, &nids);		/* 5 > 4 in 100 s */
	assert_int_equal(nids, 1);
	assert_int_equal(llen("osm:w:{a3}:w:logline:a3:100"), 0);
	/* one event in the last second; the older one is trimmed only when
	 * it could matter, so the list holds at most level + 1 = 3 */
	assert_int_equal(count_after("osm:w:{a3}:w:logline:a3:1", 9003000 - 1000), 1);
	assert_true(llen("osm:w:{a3}:w:logline:a3:1") <= 3);
	assert_int_equal(report_count("a3", NULL), 2);
	env_close(&e);
}

/*
 * Trimming reads the list's head 32 events at a time: 40 old events all
 * drop out at once, and the report of a later fire holds only the
 * recent ones, oldest first.
 */
static void
test_trim_long(void **state)
{
	struct win_env e;
	redisReply *r;
	int	nids;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 40, seconds: 1}}}\n");
	for (int i = 0; i < 40; i++)
		send_at(&e, "a7", 7000000 + i, &nids);
	assert_int_equal(llen("osm:w:{a7}:w:logline:a7:1"), 40);
	/* 41 > 40, but the 40 are more than 1 s old */
	send_at(&e, "a7", 7002000, &nids);
	assert_int_equal(nids, 0);
	assert_int_equal(llen("osm:w:{a7}:w:logline:a7:1"), 1);
	for (int i = 1; i <= 40; i++)
		send_at(&e, "a7", 7002000 + i, &nids);
	assert_int_equal(nids, 1);
	r = redisCommand(rc, "KEYS osm:w:{a7}:report:*");
	assert_int_equal(r->elements, 1);
	redisReply *ev = redisCommand(rc, "HGET %s events", r->element[0]->str);
	/* the first "t" is the first event's, the last '{' opens the last event */
	assert_int_equal(event_time(ev->str), 7002000);
	assert_int_equal(event_time(strrchr(ev->str, '{')), 7002040);
	freeReplyObject(ev);
	freeReplyObject(r);
	env_close(&e);
}

/*
 * Only this daemon writes its keys, so a window key of another type is
 * damage, not an old format: the script fails with Redis's WRONGTYPE
 * (the request is not ok, the fail policy answers), the key stays as it
 * was, and other senders are counted on.
 */
static void
test_wrongtype_window(void **state)
{
	struct win_env e;
	struct pd_store_result *res;
	redisReply *r;
	int	nids;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 3, seconds: 60, actions: [store]}}}\n");
	r = redisCommand(rc, "ZADD osm:w:{a8}:w:logline:a8:60 8000001 x");
	freeReplyObject(r);
	res = send_req(&e, "request=smtpd_access_policy\nsource=exim\naccount=a8\n\n", 8000003);
	assert_false(res[0].ok);
	r = redisCommand(rc, "ZCARD osm:w:{a8}:w:logline:a8:60");
	assert_int_equal(r->integer, 1);
	freeReplyObject(r);
	send_at(&e, "a9", 8000004, &nids);
	assert_int_equal(llen("osm:w:{a9}:w:logline:a9:60"), 1);
	env_close(&e);
}

static void
test_verdict_expiry_and_discard(void **state)
{
	struct win_env e;
	int	nids;

	(void) state;
	env_open(&e, "verdict_expiry: 2\ntriggers: {default: {logline: {events: 1, seconds: 60, actions: [discard]}}}\n");
	send_at(&e, "a4", 7000000, &nids);
	assert_true(strncmp(send_at(&e, "a4", 7000001, &nids), "DISCARD account:a4", 18) == 0);
	assert_true(strncmp(send_at(&e, "a4", 7001999, &nids), "DISCARD", 7) == 0);
	/* two seconds after the report the verdict has expired */
	assert_string_equal(send_at(&e, "a4", 7002002, &nids), "");
	env_close(&e);
}

static void
test_monitor(void **state)
{
	struct win_env e;
	int	nids;

	(void) state;
	env_open(&e, "mode: monitor\ntriggers: {default: {logline: {events: 1, seconds: 60, actions: [hold]}}}\n");
	send_at(&e, "a5", 8000000, &nids);
	assert_string_equal(send_at(&e, "a5", 8000001, &nids), "");
	assert_int_equal(nids, 1);
	redisReply *r = redisCommand(rc, "EXISTS osm:w:{a5}:verdict");

	assert_int_equal(r->integer, 0);
	freeReplyObject(r);
	env_close(&e);
}

static void
test_noscript_reload(void **state)
{
	struct win_env e;
	int	nids;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 5, seconds: 60}}}\n");
	send_at(&e, "a6", 6000000, &nids);
	freeReplyObject(redisCommand(rc, "SCRIPT FLUSH"));
	send_at(&e, "a6", 6000001, &nids);
	assert_int_equal(llen("osm:w:{a6}:w:logline:a6:60"), 2);
	env_close(&e);
}

/*
 * run_batch - one pd_store_run for N events at time T, accounts[i] for
 * event i: the window script sees them all in one batch (and, past 128,
 * in several pipelined script runs).
 */
#define BATCH_MAX 300
static struct pd_store_result bres[BATCH_MAX];

static void
run_batch(struct win_env *e, const char *const *accounts, int n, long long t)
{
	static struct pd_plan *plans[BATCH_MAX];
	struct pd_cmd *cmds[BATCH_MAX];
	struct osm_proto_limits lim = {2048, 100, 16384};
	struct osm_proto_req *req = malloc(sizeof(*req));
	const char *why;
	size_t	used;

	assert_true(n <= BATCH_MAX);
	for (int i = 0; i < n; i++) {
		char	text[256];

		if (plans[i] == NULL)
			plans[i] = pd_plan_new();
		snprintf(text, sizeof(text), "request=smtpd_access_policy\nsource=exim\naccount=%s\n\n", accounts[i]);
		assert_int_equal(osm_proto_parse(text, strlen(text), &lim, req, &used, &why), OSM_PROTO_OK);
		assert_int_equal(pd_event_plan(&e->ctx, req, t, plans[i], 1, &why), 0);
		assert_int_equal(plans[i]->ncmd, 1);
		cmds[i] = &plans[i]->cmd[0];
	}
	free(req);
	assert_int_equal(store_run(e, cmds, (size_t) n, bres), 0);
}

static void
test_batch(void **state)
{
	const char *acc[] = {"b1", "b2", "b1", "b1", "b2", "b1", "b1", "b1"};
	struct win_env e;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 3, seconds: 10, actions: [hold]}}}\n");
	run_batch(&e, acc, 8, 4000000);
	/* b1: 3 counted, the 4th exceeds and is held, the rest are held uncounted */
	for (int i = 0; i < 8; i++)
		assert_true(bres[i].ok);
	assert_string_equal(bres[0].verdict, "");
	assert_string_equal(bres[2].verdict, "");
	assert_string_equal(bres[3].verdict, "");
	assert_true(strncmp(bres[5].verdict, "HOLD account:b1 ", 16) == 0);
	assert_int_equal(bres[5].nids, 1);
	assert_true(strncmp(bres[6].verdict, "HOLD account:b1 ", 16) == 0);
	assert_int_equal(bres[6].nids, 0);
	assert_int_equal(bres[7].nids, 0);
	assert_int_equal(report_count("b1", "4"), 1);
	assert_int_equal(llen("osm:w:{b1}:w:logline:b1:10"), 0);
	/* b2 in the same batch: its own window, no verdict */
	assert_string_equal(bres[1].verdict, "");
	assert_string_equal(bres[4].verdict, "");
	assert_int_equal(llen("osm:w:{b2}:w:logline:b2:10"), 2);
	/* the window outlives its interval by the slack: PEXPIRE = 10 s + 10 s */
	redisReply *r = redisCommand(rc, "PTTL osm:w:{b2}:w:logline:b2:10");

	assert_true(r->integer > 9000 + PD_EVENT_TTL_SLACK_MS && r->integer <= 10000 + PD_EVENT_TTL_SLACK_MS);
	freeReplyObject(r);
	/* the same window in a later batch at a later time still counts right */
	run_batch(&e, acc + 1, 1, 4000500);
	assert_int_equal(llen("osm:w:{b2}:w:logline:b2:10"), 3);
	env_close(&e);
}

static void
test_big_batch_noscript(void **state)
{
	static char names[BATCH_MAX][16];
	const char *acc[BATCH_MAX];
	struct win_env e;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 1, seconds: 60}}}\n");
	for (int i = 0; i < BATCH_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i % 150);
		acc[i] = names[i];
	}
	/* 300 calls: three script runs; Redis has forgotten the script */
	freeReplyObject(redisCommand(rc, "SCRIPT FLUSH"));
	run_batch(&e, acc, BATCH_MAX, 3000000);
	for (int i = 0; i < BATCH_MAX; i++) {
		assert_true(bres[i].ok);
		/* each account's second event (i >= 150) exceeds 1 */
		assert_int_equal(bres[i].nids, i >= 150);
	}
	assert_int_equal(report_count("c7", "2"), 1);
	assert_int_equal(report_count("c149", "2"), 1);
	env_close(&e);
}

static void
test_message_once(void **state)
{
	struct win_env e;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 5, seconds: 60}, cwdcheck:cwd: {events: 5, seconds: 60}}}\n");
	/* the exim module, then the mainlog, report one message: counted once */
	send_req(&e, "request=smtpd_access_policy\nsource=exim\naccount=d1\nmessage_id=1xVNaa-0001aa-AA\n"
		 "cwd=/srv/d1/www\n\n", 2000000);
	send_req(&e, "request=smtpd_access_policy\nsource=mainlog\naccount=d1\nmessage_id=1xVNaa-0001aa-AA\n"
		 "cwd=/srv/d1/www\n\n", 2000001);
	assert_int_equal(llen("osm:w:{d1}:w:logline:d1:60"), 1);
	assert_int_equal(llen("osm:w:{d1}:w:cwdcheck:cwd:/srv/d1/www:60"), 1);
	/* its late cwd line is not counted again either */
	send_req(&e, "request=smtpd_access_policy\nsource=mainlog\nevents=cwd\naccount=d1\n"
		 "message_id=1xVNaa-0001aa-AA\ncwd=/srv/d1/www\n\n", 2000002);
	assert_int_equal(llen("osm:w:{d1}:w:cwdcheck:cwd:/srv/d1/www:60"), 1);
	/* a message logged without a cwd gets it from its late cwd line, once */
	send_req(&e, "request=smtpd_access_policy\nsource=mainlog\naccount=d1\nmessage_id=1xVNab-0001ab-AB\n\n", 2000003);
	assert_int_equal(llen("osm:w:{d1}:w:logline:d1:60"), 2);
	for (int i = 0; i < 2; i++)
		send_req(&e, "request=smtpd_access_policy\nsource=mainlog\nevents=cwd\naccount=d1\n"
			 "message_id=1xVNab-0001ab-AB\ncwd=/srv/d1/www\n\n", 2000004 + i);
	assert_int_equal(llen("osm:w:{d1}:w:cwdcheck:cwd:/srv/d1/www:60"), 2);
	assert_int_equal(llen("osm:w:{d1}:w:logline:d1:60"), 2);
	/* without a message id nothing is deduplicated */
	for (int i = 0; i < 2; i++)
		send_req(&e, "request=smtpd_access_policy\nsource=exim\naccount=d1\n\n", 2000010 + i);
	assert_int_equal(llen("osm:w:{d1}:w:logline:d1:60"), 4);
	env_close(&e);
}

/* sh_plan - plan an event of ACCOUNT at T into P (no Redis yet) */
static void
sh_plan(struct win_env *e, struct pd_plan *p, const char *account, long long t)
{
	static char text[256];
	struct osm_proto_req *req = malloc(sizeof(*req));
	struct osm_proto_limits lim = {2048, 100, 16384};
	const char *why;
	size_t	used;

	snprintf(text, sizeof(text), "request=smtpd_access_policy\nsource=exim\naccount=%s\n\n", account);
	assert_int_equal(osm_proto_parse(text, strlen(text), &lim, req, &used, &why), OSM_PROTO_OK);
	assert_int_equal(pd_event_plan(&e->ctx, req, t, p, 1, &why), 0);
	free(req);
}

/* sh_run - Redis counts P; the shadow learns the result */
static struct pd_store_result *
sh_run(struct win_env *e, struct pd_shadow *sh, struct pd_plan *p, long long mono)
{
	static struct pd_store_result res[2];
	struct pd_cmd *cmds[2];

	for (int i = 0; i < p->ncmd; i++)
		cmds[i] = &p->cmd[i];
	assert_int_equal(store_run(e, cmds, (size_t) p->ncmd, res), 0);
	pd_shadow_done(sh, p, res, 1, mono);
	return res;
}

static void
test_shadow(void **state)
{
	struct win_env e;
	struct pd_shadow *sh = pd_shadow_new(1000);
	struct pd_plan *a = pd_plan_new(), *b = pd_plan_new();
	struct pd_store_result *res;
	long long t = 3000000, mono = 500000;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 4, seconds: 60, actions: [store, hold]}, logline:subject: {enabled: false}}}\n");
	/* unknown to the shadow: wait for Redis */
	sh_plan(&e, a, "s1", t);
	assert_int_equal(pd_shadow_clear(sh, a, mono), 0);
	pd_shadow_sent(sh, a, 0, 0, mono);
	/* while it waits, the sender's next request waits too */
	sh_plan(&e, b, "s1", t + 1);
	assert_int_equal(pd_shadow_clear(sh, b, mono), 0);
	res = sh_run(&e, sh, a, mono);
	assert_int_equal(res[0].ncount, 1);
	assert_int_equal(res[0].count[0], 1);
	/* count 1: two more events fit under 4 even in flight together */
	sh_plan(&e, a, "s1", t + 2);
	assert_int_equal(pd_shadow_clear(sh, a, mono), 1);
	pd_shadow_sent(sh, a, 1, 0, mono);
	sh_plan(&e, b, "s1", t + 3);
	assert_int_equal(pd_shadow_clear(sh, b, mono), 1);	/* 1 + 1 in flight + 1 = 3 */
	pd_shadow_sent(sh, b, 1, 0, mono);
	{
		struct pd_plan *c = pd_plan_new();

		sh_plan(&e, c, "s1", t + 4);
		assert_int_equal(pd_shadow_clear(sh, c, mono), 1);	/* = 4: still no trigger */
		pd_shadow_sent(sh, c, 1, 0, mono);
		{
			struct pd_plan *d = pd_plan_new();

			sh_plan(&e, d, "s1", t + 4);
			assert_int_equal(pd_shadow_clear(sh, d, mono), 0);	/* 1 + 3 + 1 > 4 */
			pd_plan_free(d);
		}
		sh_run(&e, sh, a, mono);
		sh_run(&e, sh, b, mono);
		sh_run(&e, sh, c, mono);
		pd_plan_free(c);
	}
	/* count 4: the fifth may fire, so it waits; it holds the sender */
	sh_plan(&e, a, "s1", t + 5);
	assert_int_equal(pd_shadow_clear(sh, a, mono), 0);
	pd_shadow_sent(sh, a, 0, 0, mono);
	res = sh_run(&e, sh, a, mono);
	assert_int_equal(res[0].nids, 1);
	assert_int_equal(strncmp(res[0].verdict, "HOLD account:s1 ", 16), 0);
	sh_plan(&e, a, "s1", t + 6);
	assert_int_equal(pd_shadow_clear(sh, a, mono), 0);	/* held: Redis answers */
	/* osmctl release lifts it in Redis; the next answer teaches the shadow */
	freeReplyObject(redisCommand(rc, "DEL osm:w:{s1}:verdict"));
	pd_shadow_sent(sh, a, 0, 0, mono);
	res = sh_run(&e, sh, a, mono);
	assert_string_equal(res[0].verdict, "");
	sh_plan(&e, a, "s1", t + 7);
	assert_int_equal(pd_shadow_clear(sh, a, mono), 1);
	/* A sender on many connections: a request that waits only because
	 * an earlier one does (its windows have room) holds nobody back. */
	{
		struct pd_plan *c = pd_plan_new(), *d = pd_plan_new();

		sh_plan(&e, a, "s3", t + 8);
		assert_int_equal(pd_shadow_clear(sh, a, mono), 0);	/* unknown: may fire */
		pd_shadow_sent(sh, a, 0, 0, mono);
		sh_plan(&e, b, "s3", t + 8);
		assert_int_equal(pd_shadow_clear(sh, b, mono), 0);	/* a holds it */
		pd_shadow_sent(sh, b, 0, 0, mono);			/* still unknown: may fire */
		sh_run(&e, sh, a, mono);				/* count 1 */
		sh_plan(&e, c, "s3", t + 9);
		assert_int_equal(pd_shadow_clear(sh, c, mono), 0);	/* b holds it */
		pd_shadow_sent(sh, c, 0, 0, mono);			/* 1 + 1 + 1 <= 4: fires nothing */
		sh_run(&e, sh, b, mono);				/* count 2 */
		sh_plan(&e, d, "s3", t + 9);
		assert_int_equal(pd_shadow_clear(sh, d, mono), 1);	/* c waits, holds nobody: 2 + 1 + 1 */
		sh_run(&e, sh, c, mono);
		pd_plan_free(c);
		pd_plan_free(d);
	}
	/* another sender is unknown; stale knowledge is not used */
	sh_plan(&e, b, "s2", t + 7);
	assert_int_equal(pd_shadow_clear(sh, b, mono), 0);
	assert_int_equal(pd_shadow_clear(sh, a, mono + PD_SHADOW_FRESH_MS + 1), 0);
	assert_true(pd_shadow_size(sh) > 0);
	pd_shadow_expire(sh, mono + PD_SHADOW_FRESH_MS + 1);
	assert_int_equal(pd_shadow_size(sh), 0);
	pd_plan_free(a);
	pd_plan_free(b);
	pd_shadow_free(sh);
	env_close(&e);
}

/* list_has - does the list KEY hold MEMBER? */
static int
list_has(const char *key, const char *member)
{
	redisReply *r = redisCommand(rc, "LPOS %s %s", key, member);
	int	ok = r && r->type == REDIS_REPLY_INTEGER;

	freeReplyObject(r);
	return ok;
}

/*
 * Plain events: what pd_shadow knows fires nothing goes to Redis as a
 * RPUSH per list and a PEXPIRE, not through the script, in the same
 * pipeline as script calls; the shadow counts each one as one more.
 */
static void
test_plain(void **state)
{
	struct win_env e;
	struct pd_shadow *sh = pd_shadow_new(1000);
	struct pd_plan *p[6];
	struct pd_cmd *adds[4], *cmds[1];
	struct pd_store_result res[1];
	const char *who[6] = {"q1", "q2", "q1", "q1", "q3", "q1"};
	long long t = 4000000, mono = 600000;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 10, seconds: 60}, logline:subject: {enabled: false}},"
		 " accounts: {q3: {logline: {windows: [{events: 10, seconds: 60}, {events: 20, seconds: 3600}]}}}}\n");
	for (int i = 0; i < 6; i++) {
		p[i] = pd_plan_new();
		sh_plan(&e, p[i], who[i], t + i);
		assert_int_equal(p[i]->plain, 1);
		assert_int_equal(p[i]->ncmd, 1);
	}
	/* the script counts q1's first event; the shadow learns count 1 */
	pd_shadow_sent(sh, p[0], 0, 0, mono);
	sh_run(&e, sh, p[0], mono);
	/* then q2, q1, q1, q3 (two windows) as plain events, and another of
	 * q1's through the script, in one batch */
	for (int i = 1; i < 5; i++) {
		pd_shadow_sent(sh, p[i], 1, 1, mono);
		adds[i - 1] = &p[i]->cmd[0];
	}
	pd_shadow_sent(sh, p[5], 0, 0, mono);
	cmds[0] = &p[5]->cmd[0];
	struct pd_store_batch b = {.cmds = cmds, .n = 1, .results = res, .adds = adds, .nadds = 4};

	pd_store_fd(e.store, &b.gen);
	assert_int_equal(pd_store_run(e.store, &b), 0);
	assert_int_equal(b.adds_failed, 0);
	assert_int_equal(llen("osm:w:{q1}:w:logline:q1:60"), 4);
	assert_int_equal(llen("osm:w:{q2}:w:logline:q2:60"), 1);
	assert_int_equal(llen("osm:w:{q3}:w:logline:q3:60"), 1);
	assert_int_equal(llen("osm:w:{q3}:w:logline:q3:3600"), 1);
	/* the plain RPUSHes went first: the script saw q1's two plain events */
	assert_int_equal(res[0].ncount, 1);
	assert_int_equal(res[0].count[0], 4);
	/* the same event the script would have stored, and an expiry */
	for (int i = 1; i < 5; i++) {
		const struct pd_cmd *c = &p[i]->cmd[0];

		for (int w = 0; w < c->nwin; w++)
			assert_true(list_has(c->argv[c->win[w]], c->argv[c->event_arg]));
	}
	/* new to the shadow: their lists got a PEXPIRE, interval + slack */
	assert_true(pttl("osm:w:{q2}:w:logline:q2:60") > 69000);
	assert_true(pttl("osm:w:{q2}:w:logline:q2:60") <= 70000);
	assert_true(pttl("osm:w:{q3}:w:logline:q3:3600") > 3609000);
	/* the shadow: each plain event is one more, and stays an upper bound */
	pd_shadow_done(sh, p[5], res, 1, mono);
	for (int i = 1; i < 5; i++)
		pd_shadow_done(sh, p[i], NULL, 1, mono + 5);
	struct pd_plan *n = pd_plan_new();

	sh_plan(&e, n, "q1", t + 10);		/* 6 (4 counted, 2 twice) + 1 <= 10 */
	assert_int_equal(pd_shadow_clear(sh, n, mono + 5), 1);
	for (int i = 0; i < 4; i++) {		/* four more: 10, and the next may fire */
		pd_shadow_sent(sh, n, 1, 1, mono);
		pd_shadow_done(sh, n, NULL, 1, mono + 5);
	}
	assert_int_equal(pd_shadow_clear(sh, n, mono + 5), 0);
	/* q2 was known only through its plain event: never from the script */
	sh_plan(&e, n, "q2", t + 11);
	assert_int_equal(pd_shadow_clear(sh, n, mono + 5), 0);
	/* a failed batch: the shadow no longer knows q1 */
	sh_plan(&e, n, "q1", t + 12);
	pd_shadow_sent(sh, n, 0, 0, mono);
	pd_shadow_done(sh, n, NULL, 0, mono + 6);
	assert_int_equal(pd_shadow_clear(sh, n, mono + 6), 0);
	/* not plain: a message marker, or a ratio window */
	send_req(&e, "request=smtpd_access_policy\nsource=exim\naccount=q4\nmessage_id=1xVNaa-0009aa-AA\n\n", t);
	assert_int_equal(e.plan->plain, 0);
	pd_plan_free(n);
	for (int i = 0; i < 6; i++)
		pd_plan_free(p[i]);
	pd_shadow_free(sh);
	env_close(&e);
}

/* plain_add - count P with a plain RPUSH at MONO, as the server does; returns P's expire bits */
static unsigned
plain_add(struct win_env *e, struct pd_shadow *sh, struct pd_plan *p, long long mono, int same_conn)
{
	struct pd_cmd *adds[1] = {&p->cmd[0]};
	struct pd_store_batch b = {.adds = adds, .nadds = 1};

	pd_shadow_sent(sh, p, 1, 1, mono);
	pd_store_fd(e->store, &b.gen);
	b.gen -= !same_conn;
	assert_int_equal(pd_store_run(e->store, &b), 0);
	assert_int_equal(b.adds_failed, 0);
	pd_shadow_done(sh, p, NULL, 1, mono);
	return p->cmd[0].expire;
}

/*
 * A plain event sends PEXPIRE only when its list has had none for half
 * of PD_EVENT_TTL_SLACK_MS, so the list still outlives its newest event
 * by the interval: after the script left it standing, after a plain
 * PEXPIRE; and always when that is not known: after the window fired,
 * a failure, a new connection, or for a batch planned on an old one.
 */
static void
test_plain_expire(void **state)
{
	const char *zk = "osm:w:{x1}:w:logline:x1:60";
	struct win_env e;
	struct pd_shadow *sh = pd_shadow_new(1000);
	struct pd_plan *p = pd_plan_new();
	struct pd_store_result *res, fired = {.ok = 1, .ncount = 1};
	long long t = 5000000, mono = 700000, half = PD_EVENT_TTL_SLACK_MS / 2;

	(void) state;
	env_open(&e, "triggers: {default: {logline: {events: 1000, seconds: 60}, logline:subject: {enabled: false}}}\n");
	/* the script counts the first event and gives the list interval + slack */
	sh_plan(&e, p, "x1", t);
	pd_shadow_sent(sh, p, 0, 0, mono);
	res = sh_run(&e, sh, p, mono);
	assert_int_equal(res[0].count[0], 1);
	assert_true(pttl(zk) > 69000 && pttl(zk) <= 70000);
	/* within half the slack, plain events leave the expiry alone */
	freeReplyObject(redisCommand(rc, "PEXPIRE %s 30000", zk));
	sh_plan(&e, p, "x1", t + 1);
	assert_int_equal(plain_add(&e, sh, p, mono + half - 1, 1), 0);
	assert_int_equal(llen(zk), 2);
	assert_true(pttl(zk) <= 30000);
	/* at half the slack, one refreshes it */
	sh_plan(&e, p, "x1", t + 2);
	assert_int_equal(plain_add(&e, sh, p, mono + half, 1), 1);
	assert_true(pttl(zk) > 69000);
	/* and that one counts as the last PEXPIRE */
	freeReplyObject(redisCommand(rc, "PEXPIRE %s 30000", zk));
	sh_plan(&e, p, "x1", t + 3);
	assert_int_equal(plain_add(&e, sh, p, mono + 2 * half - 1, 1), 0);
	assert_true(pttl(zk) <= 30000);
	/* a batch planned on an earlier connection: every list gets one */
	sh_plan(&e, p, "x1", t + 4);
	assert_int_equal(plain_add(&e, sh, p, mono + 2 * half - 1, 0), 0);
	assert_true(pttl(zk) > 69000);
	/* a new connection forgets them all */
	freeReplyObject(redisCommand(rc, "PEXPIRE %s 30000", zk));
	pd_shadow_reconnected(sh);
	sh_plan(&e, p, "x1", t + 5);
	assert_int_equal(plain_add(&e, sh, p, mono + 2 * half + 1, 1), 1);
	assert_true(pttl(zk) > 69000);
	/* a window that fired is gone: the next plain event recreates it */
	sh_plan(&e, p, "x1", t + 6);
	pd_shadow_sent(sh, p, 0, 0, mono + 2 * half + 2);
	pd_shadow_done(sh, p, &fired, 1, mono + 2 * half + 2);
	sh_plan(&e, p, "x1", t + 7);
	assert_int_equal(plain_add(&e, sh, p, mono + 2 * half + 3, 1), 1);
	/* so does a failed call */
	sh_plan(&e, p, "x1", t + 8);
	pd_shadow_sent(sh, p, 1, 1, mono + 2 * half + 4);
	pd_shadow_done(sh, p, NULL, 0, mono + 2 * half + 4);
	sh_plan(&e, p, "x1", t + 9);
	assert_int_equal(plain_add(&e, sh, p, mono + 2 * half + 5, 1), 1);
	pd_plan_free(p);
	pd_shadow_free(sh);
	env_close(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exceed_and_consume),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_two_windows),
		cmocka_unit_test(test_trim_long),
		cmocka_unit_test(test_wrongtype_window),
		cmocka_unit_test(test_verdict_expiry_and_discard),
		cmocka_unit_test(test_monitor),
		cmocka_unit_test(test_noscript_reload),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_big_batch_noscript),
		cmocka_unit_test(test_message_once),
		cmocka_unit_test(test_shadow),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_plain_expire),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
