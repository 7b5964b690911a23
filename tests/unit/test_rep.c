/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_rep - the report store (osm_rep) against a real redis-server,
 * fed the way osm-policyd feeds it: reports fired by the window script
 * (pd_event, pd_store) and indexed by pd_store_index.  Listing newest
 * first, by type, by account, by time range; pages that chain without
 * a gap or a repeat when reports have expired under the index; finding
 * a report by id, also one no index knows (an older osm-policyd) and a
 * tag that needed escaping; hostile index members; trimming to the
 * retention; releasing a verdict; errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <poll.h>

#include "osm_acct.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_proto.h"
#include "osm_redis.h"
#include "osm_rep.h"
#include "pd_event.h"
#include "pd_store.h"
#include "redis_fixture.h"

#define P "osm:w:"

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

static void
flushall(void)
{
	freeReplyObject(redisCommand(rc, "FLUSHALL"));
}

struct env {
	struct osm_cfg *cfg;
	struct pd_store *store;
	struct pd_event_ctx ctx;
	struct pd_plan *plan;
	struct osm_rep *rep;
};

static void
env_open(struct env *e)
{
	char	yaml[1024], err[128];

	snprintf(yaml, sizeof(yaml), "server_name: w\nredis: {address: \"%s\"}\nreport_retention: 3600\n"
		 "triggers: {default: {logline: {events: 1, seconds: 60, actions: [store]}}}\n", addr);
	e->cfg = osm_cfg_load_mem("t.yaml", yaml, strlen(yaml), NULL);
	assert_non_null(e->cfg);
	e->store = pd_store_new(e->cfg);
	e->plan = pd_plan_new();
	memset(&e->ctx, 0, sizeof(e->ctx));
	e->ctx.cfg = e->cfg;
	e->ctx.acct = tables;
	e->ctx.prefix = P;
	e->rep = osm_rep_open(addr, P, 1000, err, sizeof(err));
	assert_non_null(e->rep);
}

static void
env_close(struct env *e)
{
	osm_rep_close(e->rep);
	pd_store_free(e->store);
	pd_plan_free(e->plan);
	osm_cfg_free(e->cfg);
}

/* drain - wait until pd_store has every reply it expects (the index writes) */
static void
drain(struct env *e)
{
	unsigned long gen;

	for (int i = 0; i < 1000 && pd_store_busy(e->store); i++) {
		struct pollfd pfd = {pd_store_fd(e->store, &gen), POLLIN, 0};

		if (pd_store_want_write(e->store))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, 10) > 0)
			pd_store_io(e->store);
	}
	assert_false(pd_store_busy(e->store));
}

/*
 * fire - an exim request for ACCOUNT at T that fires its logline
 * trigger (level 1: the second event), indexed as pd_server does;
 * the report id into id[32]
 */
static void
fire(struct env *e, const char *account, long long t, char *id)
{
	static char text[512];
	struct osm_proto_req *req = malloc(sizeof(*req));
	struct osm_proto_limits lim = {2048, 100, 16384};
	struct pd_store_result res[2];
	struct pd_cmd *cmds[2];
	const char *why;
	size_t	used;

	assert_non_null(req);
	id[0] = 0;
	for (int n = 0; n < 2; n++) {
		snprintf(text, sizeof(text), "request=smtpd_access_policy\nsource=exim\naccount=%s\n\n", account);
		assert_int_equal(osm_proto_parse(text, strlen(text), &lim, req, &used, &why), OSM_PROTO_OK);
		assert_int_equal(pd_event_plan(&e->ctx, req, t, e->plan, 1, &why), 0);
		for (int i = 0; i < e->plan->ncmd; i++)
			cmds[i] = &e->plan->cmd[i];
		struct pd_store_batch b = {.cmds = cmds, .n = (size_t) e->plan->ncmd, .results = res};

		assert_int_equal(pd_store_run(e->store, &b), 0);
	}
	free(req);
	assert_int_equal(res[0].nids, 1);
	assert_string_equal(res[0].types[0], "logline");
	snprintf(id, 32, "%s", res[0].ids[0]);
	const char *ids[] = {id}, *tags[] = {e->plan->cmd[0].tag}, *types[] = {res[0].types[0]};

	pd_store_index(e->store, P, t, ids, tags, types, 1);
	drain(e);
}

/* fake - a report hash and its index entries, as pd_store_index writes them */
static void
fake(struct env *e, const char *id, const char *tag, const char *type, long long t)
{
	struct osm_buf *b = osm_buf_new(4096);
	char	suffix[64], ts[24];
	const char *ids[] = {id}, *tags[] = {tag}, *types[] = {type};

	snprintf(suffix, sizeof(suffix), "report:%s", id);
	snprintf(ts, sizeof(ts), "%lld", t);
	osm_rep_key(b, P, tag, suffix);
	const char *argv[] = {"HSET", osm_buf_data(b), "id", id, "time", ts, "type", type, "tag", tag};

	freeReplyObject(redisCommandArgv(rc, 10, argv, NULL));
	osm_buf_free(b);
	if (type[0])
		pd_store_index(e->store, P, t, ids, tags, types, 1);
	drain(e);
}

/* fake_id - the id osm-policyd would give a report at T, number SEQ */
static void
fake_id(char *id, long long t, unsigned seq)
{
	snprintf(id, 32, "%llx%04x", (unsigned long long) t, seq & 0xffff);
}

/* list_ids - the ids of a page, space-separated, into out; returns *next */
static size_t
list_ids(struct env *e, const struct osm_rep_query *q, char *out, size_t len)
{
	json_t *arr, *o;
	size_t	next, i, used = 0;

	assert_int_equal(osm_rep_list(e->rep, q, &arr, &next), 0);
	out[0] = 0;
	json_array_foreach(arr, i, o) {
		json_t *id = json_object_get(o, "id");

		assert_true(json_is_string(id));
		used += (size_t) snprintf(out + used, len - used, "%s%s", used ? " " : "", json_string_value(id));
		assert_true(used < len);
	}
	json_decref(arr);
	return next;
}

static void
test_list_find_get(void **state)
{
	struct env e;
	char	a1[32], a2[32], b1[32], tag[OSM_REP_TAG_MAX], got[512], want[512];
	json_t *o;
	long long t0 = 1700000000000LL, n;

	(void) state;
	flushall();
	env_open(&e);
	fire(&e, "alice", t0, a1);
	fire(&e, "bob", t0 + 1000, b1);
	fire(&e, "alice", t0 + 2000, a2);
	fake(&e, "ffff0001", "carol", "delivery", t0 + 3000);

	struct osm_rep_query all = {.limit = 10};

	assert_int_equal(list_ids(&e, &all, got, sizeof(got)), 0);
	snprintf(want, sizeof(want), "ffff0001 %s %s %s", a2, b1, a1);
	assert_string_equal(got, want);

	struct osm_rep_query alice = {.tag = "alice", .limit = 10};

	list_ids(&e, &alice, got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s", a2, a1);
	assert_string_equal(got, want);

	struct osm_rep_query deliv = {.type = "delivery", .limit = 10}, none = {.type = "delivery", .tag = "alice", .limit = 10};

	list_ids(&e, &deliv, got, sizeof(got));
	assert_string_equal(got, "ffff0001");
	list_ids(&e, &none, got, sizeof(got));
	assert_string_equal(got, "");

	struct osm_rep_query logl = {.type = "logline", .tag = "alice", .limit = 1};

	assert_int_not_equal(list_ids(&e, &logl, got, sizeof(got)), 0);
	assert_string_equal(got, a2);

	struct osm_rep_query range = {.since_ms = t0 + 500, .until_ms = t0 + 2500, .limit = 10};

	list_ids(&e, &range, got, sizeof(got));
	snprintf(want, sizeof(want), "%s %s", a2, b1);
	assert_string_equal(got, want);
	assert_int_equal(osm_rep_count(e.rep, &range, &n), 0);
	assert_int_equal(n, 2);

	assert_int_equal(osm_rep_find(e.rep, b1, tag), 0);
	assert_string_equal(tag, "bob");
	assert_int_equal(osm_rep_get(e.rep, b1, tag, &o), 0);
	assert_string_equal(json_string_value(json_object_get(o, "type")), "logline");
	assert_string_equal(json_string_value(json_object_get(o, "key")), "bob");
	json_decref(o);
	assert_int_equal(osm_rep_find(e.rep, "123456789", tag), OSM_REP_GONE);
	assert_int_equal(osm_rep_find(e.rep, "../x", tag), OSM_REP_GONE);
	assert_int_equal(osm_rep_get(e.rep, "ffff0002", "carol", &o), OSM_REP_GONE);
	assert_null(o);
	env_close(&e);
}

/* Pages chain: every live report once, newest first, the expired ones skipped. */
static void
test_paging(void **state)
{
	struct env e;
	char	id[32], got[4096], want[8192], page[4096];
	long long t0 = 1700000000000LL;
	size_t	wl = 0, gl = 0, next = 0;
	int	pages = 0;

	(void) state;
	flushall();
	env_open(&e);
	want[0] = 0;
	for (int i = 0; i < 95; i++) {
		char	tag[16];

		snprintf(tag, sizeof(tag), "u%d", i % 7);
		fake_id(id, t0 + i * 10, 0);
		fake(&e, id, tag, i % 3 ? "logline" : "packet", t0 + i * 10);
	}
	for (int i = 94; i >= 0; i--) {
		fake_id(id, t0 + i * 10, 0);
		if (i % 5 == 2) {		/* expired under its index entries */
			char	key[64];

			snprintf(key, sizeof(key), P "{u%d}:report:%s", i % 7, id);
			freeReplyObject(redisCommand(rc, "DEL %s", key));
			continue;
		}
		wl += (size_t) snprintf(want + wl, sizeof(want) - wl, "%s%s", wl ? " " : "", id);
	}
	got[0] = 0;
	do {
		struct osm_rep_query q = {.offset = next, .limit = 10};

		next = list_ids(&e, &q, page, sizeof(page));
		if (page[0])
			gl += (size_t) snprintf(got + gl, sizeof(got) - gl, "%s%s", gl ? " " : "", page);
		pages++;
	} while (next && pages < 100);
	assert_string_equal(got, want);
	assert_int_equal(pages, 8);		/* 76 reports, 10 a page */

	/* one account and one type: the filter skips, the pages still chain */
	want[0] = 0, wl = 0, got[0] = 0, gl = 0, next = 0;
	for (int i = 94; i >= 0; i--)
		if (i % 7 == 3 && i % 3 && i % 5 != 2) {
			fake_id(id, t0 + i * 10, 0);
			wl += (size_t) snprintf(want + wl, sizeof(want) - wl, "%s%s", wl ? " " : "", id);
		}
	do {
		struct osm_rep_query q = {.tag = "u3", .type = "logline", .offset = next, .limit = 2};

		next = list_ids(&e, &q, page, sizeof(page));
		if (page[0])
			gl += (size_t) snprintf(got + gl, sizeof(got) - gl, "%s%s", gl ? " " : "", page);
	} while (next);
	assert_string_equal(got, want);
	env_close(&e);
}

/* Reports no index knows, tags that needed escaping, members osm never wrote. */
static void
test_legacy_hostile(void **state)
{
	struct env e;
	char	tag[OSM_REP_TAG_MAX], got[256];
	json_t *o;

	(void) state;
	flushall();
	env_open(&e);
	fake(&e, "abc0001", "ip:2001:db8::1", "", 1700000000000LL);	/* not indexed */
	assert_int_equal(osm_rep_find(e.rep, "abc0001", tag), 0);
	assert_string_equal(tag, "ip:2001:db8::1");
	assert_int_equal(osm_rep_get(e.rep, "abc0001", tag, &o), 0);
	json_decref(o);
	freeReplyObject(redisCommand(rc, "ZADD " P "reports 5 nospace 4 %s 3 %b 2 %s", "../../x tag",
				     "ab\0c t", (size_t) 6, "abc0001 ip:2001:db8::1"));
	struct osm_rep_query q = {.limit = 10};

	assert_int_equal(list_ids(&e, &q, got, sizeof(got)), 0);
	assert_string_equal(got, "abc0001");
	/* a key of another type where a report should be: an error, not a crash */
	freeReplyObject(redisCommand(rc, "SET " P "{x}:report:abc0002 1"));
	assert_int_equal(osm_rep_get(e.rep, "abc0002", "x", &o), OSM_REP_ERR);
	env_close(&e);
}

/* Index entries older than the retention go on the next write; the per-account and per-type sets expire. */
static void
test_trim_release(void **state)
{
	struct env e;
	char	id[32], was[64];
	long long t0 = 1700000000000LL, n;

	(void) state;
	flushall();
	env_open(&e);
	fake_id(id, t0, 1);
	fake(&e, id, "dave", "logline", t0);
	fake_id(id, t0 + 3601000, 2);
	fake(&e, id, "erin", "logline", t0 + 3601000);
	struct osm_rep_query q = {.limit = 10}, qt = {.type = "logline", .limit = 10};

	assert_int_equal(osm_rep_count(e.rep, &q, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(osm_rep_count(e.rep, &qt, &n), 0);
	assert_int_equal(n, 1);
	redisReply *r = redisCommand(rc, "TTL " P "{erin}:reports");

	assert_true(r->integer > 3500 && r->integer <= 3600);
	freeReplyObject(r);

	freeReplyObject(redisCommand(rc, "HSET " P "{dave}:verdict account:dave %s", "HOLD x1 0"));
	assert_int_equal(osm_rep_release(e.rep, "dave", "account:dave", was, sizeof(was)), 1);
	assert_string_equal(was, "HOLD x1 0");
	assert_int_equal(osm_rep_release(e.rep, "dave", "account:dave", was, sizeof(was)), 0);
	r = redisCommand(rc, "HLEN " P "{dave}:verdict");
	assert_int_equal(r->integer, 0);
	freeReplyObject(r);

	/* a page out of range is an error, with nothing to free */
	json_t *was_there = json_object(), *arr = was_there;
	size_t	next = 7;
	struct osm_rep_query q0 = {.limit = 0};

	assert_int_equal(osm_rep_list(e.rep, &q0, &arr, &next), OSM_REP_ERR);
	assert_null(arr);
	assert_int_equal(next, 0);
	assert_string_equal(osm_rep_error(e.rep), "page size out of range");
	json_decref(was_there);
	env_close(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_find_get),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_legacy_hostile),
		cmocka_unit_test(test_trim_release),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
