/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rep-bench - how fast the report pages are with many stored reports:
 * fills a Redis with N reports over A accounts (report hashes as the
 * window script writes them, indexes by pd_store_index itself), then
 * times with osm_rep, each R times, the median and the worst:
 *   page 1        the newest 50 reports
 *   type+range    50 of one event type within a 6-hour range, page 3
 *   account       the newest 50 of one account
 *   find+get      a report by id, then its hash
 *   find legacy   a report no index knows (the keyspace SCAN fallback)
 *
 *   rep-bench unix:/path/redis.sock [REPORTS [ACCOUNTS [REPEAT]]]
 *
 * Writes into the Redis it is given (prefix "osm:bench:"): give it a
 * scratch one (bench/rep.sh starts one).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_clock.h"
#include "osm_redis.h"
#include "osm_rep.h"
#include "pd_store.h"

#define RB_PREFIX	"osm:bench:"
#define RB_BATCH	64
#define RB_STEP		25000LL		/* 100,000 reports: 29 days, within the retention */

static const char *const rb_types[] = {"logline", "delivery", "packet", "cwd"};

/* rb_drain - until pd_store has every reply it waits for */
static void
rb_drain(struct pd_store *s)
{
	unsigned long gen;

	while (pd_store_busy(s)) {
		struct pollfd pfd = {pd_store_fd(s, &gen), POLLIN, 0};

		if (pfd.fd < 0)
			break;
		if (pd_store_want_write(s))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, 100) > 0)
			pd_store_io(s);
	}
}

/* rb_fill - N reports over A accounts, one every RB_STEP ms up to now */
static void
rb_fill(redisContext *rc, struct pd_store *s, long n, long a, long long now)
{
	struct osm_buf *key = osm_buf_new(4096);
	char	ids[RB_BATCH][32], tags[RB_BATCH][32], ts[32], events[1024];
	const char *pid[RB_BATCH], *ptag[RB_BATCH], *ptype[RB_BATCH];
	size_t	k = 0;

	for (long i = 0; i < n; i++) {
		long long t = now - (n - i) * RB_STEP;
		const char *type = rb_types[i % 4];
		char	suffix[64];

		snprintf(ids[k], sizeof(ids[k]), "%llx%04lx", t, i & 0xffff);
		snprintf(tags[k], sizeof(tags[k]), "user%ld", (i * 7919) % a);
		snprintf(ts, sizeof(ts), "%lld", t);
		snprintf(events, sizeof(events), "[{\"id\":\"1a%ld\",\"t\":%lld,\"account\":\"%s\",\"subject\":"
			 "\"Cheap watches %ld\",\"sender\":\"%s@example.com\",\"ip\":\"192.0.2.%ld\"},"
			 "{\"id\":\"1b%ld\",\"t\":%lld,\"account\":\"%s\",\"subject\":\"Cheap watches\"}]",
			 i, t - 5, tags[k], i, tags[k], i % 250, i, t, tags[k]);
		snprintf(suffix, sizeof(suffix), "report:%s", ids[k]);
		osm_rep_key(key, RB_PREFIX, tags[k], suffix);
		const char *argv[] = {"HSET", osm_buf_data(key), "id", ids[k], "time", ts, "server", "bench",
			"tag", tags[k], "mode", "enforce", "type", type, "key", tags[k], "level", "100",
			"seconds", "3600", "count", "101", "actions", "store,hold", "target", "account",
			"verdict", "HOLD account", "events", events};

		redisAppendCommandArgv(rc, (int) (sizeof(argv) / sizeof(argv[0])), argv, NULL);
		pid[k] = ids[k], ptag[k] = tags[k], ptype[k] = type;
		if (++k == RB_BATCH || i == n - 1) {
			void   *r;

			for (size_t j = 0; j < k; j++)
				if (redisGetReply(rc, &r) == REDIS_OK)
					freeReplyObject(r);
			/* one call each: a report's index score is the time in its id */
			for (size_t j = 0; j < k; j++)
				pd_store_index(s, RB_PREFIX, strtoll(ts, NULL, 10) - (long long) (k - 1 - j) * RB_STEP,
					       pid + j, ptag + j, ptype + j, 1);
			rb_drain(s);
			k = 0;
		}
	}
	osm_buf_free(key);
}

static int
rb_cmp(const void *a, const void *b)
{
	double	x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static double
rb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* rb_report - the median and the worst of R timings, in ms */
static void
rb_report(const char *what, double *ms, int r, size_t shown)
{
	qsort(ms, (size_t) r, sizeof(*ms), rb_cmp);
	printf("  %-12s median %8.3f ms   max %8.3f ms   (%zu reports)\n", what, ms[r / 2], ms[r - 1], shown);
}

/* rb_list - one page of q; how many reports it had */
static size_t
rb_list(struct osm_rep *rep, const struct osm_rep_query *q)
{
	json_t *arr;
	size_t	next, n;

	if (osm_rep_list(rep, q, &arr, &next) != 0) {
		fprintf(stderr, "rep-bench: %s\n", osm_rep_error(rep));
		exit(1);
	}
	n = json_array_size(arr);
	json_decref(arr);
	return n;
}

/* rb_time_list - time R reads of page q */
static void
rb_time_list(const char *what, struct osm_rep *rep, const struct osm_rep_query *q, double *ms, int r)
{
	size_t	shown = 0;

	for (int i = 0; i < r; i++) {
		double	t = rb_now();

		shown = rb_list(rep, q);
		ms[i] = rb_now() - t;
	}
	rb_report(what, ms, r, shown);
}

int
main(int argc, char **argv)
{
	const char *addr = argc > 1 ? argv[1] : NULL;
	long	n = argc > 2 ? atol(argv[2]) : 100000, a = argc > 3 ? atol(argv[3]) : 10000;
	int	r = argc > 4 ? atoi(argv[4]) : 21;
	char	yaml[512], err[256], tag[OSM_REP_TAG_MAX], id[32];
	double	ms[1000], t;
	long long now = osm_wall_ms();

	if (addr == NULL || n < 100 || a < 1 || r < 1 || r > 1000) {
		fprintf(stderr, "usage: rep-bench REDIS [REPORTS [ACCOUNTS [REPEAT]]]\n");
		return 2;
	}
	snprintf(yaml, sizeof(yaml), "server_name: bench\nredis: {address: \"%s\"}\n", addr);
	struct osm_cfg *cfg = osm_cfg_load_mem("bench.yaml", yaml, strlen(yaml), NULL);
	struct pd_store *s = cfg ? pd_store_new(cfg) : NULL;
	redisContext *rc = osm_redis_connect(addr, 60000, err, sizeof(err));
	struct osm_rep *rep = rc ? osm_rep_open(addr, RB_PREFIX, 10000, err, sizeof(err)) : NULL;

	if (s == NULL || rep == NULL) {
		fprintf(stderr, "rep-bench: %s\n", cfg ? err : "config");
		return 1;
	}
	freeReplyObject(redisCommand(rc, "FLUSHDB"));
	t = rb_now();
	rb_fill(rc, s, n, a, now);
	printf("filled %ld reports over %ld accounts in %.1f s\n", n, a, (rb_now() - t) / 1000);
	{
		redisReply *d = redisCommand(rc, "DBSIZE");

		printf("  %lld keys\n", d ? d->integer : -1);
		freeReplyObject(d);
	}

	struct osm_rep_query page1 = {.limit = 50};
	struct osm_rep_query typed = {.type = "delivery", .since_ms = now - 12 * 3600000LL,
		.until_ms = now - 6 * 3600000LL, .offset = 100, .limit = 50};
	struct osm_rep_query acct = {.tag = "user4242", .limit = 50};

	rb_time_list("page 1", rep, &page1, ms, r);
	rb_time_list("type+range", rep, &typed, ms, r);
	rb_time_list("account", rep, &acct, ms, r);
	for (int i = 0; i < r; i++) {
		long	k = (i * 48271L) % n;
		json_t *o = NULL;

		snprintf(id, sizeof(id), "%llx%04lx", now - (n - k) * RB_STEP, k & 0xffff);
		t = rb_now();
		if (osm_rep_find(rep, id, tag) != 0 || osm_rep_get(rep, id, tag, &o) != 0) {
			fprintf(stderr, "rep-bench: report %s not found\n", id);
			return 1;
		}
		ms[i] = rb_now() - t;
		json_decref(o);
	}
	rb_report("find+get", ms, r, 1);
	/* one report no index knows: the fallback walks the keyspace */
	freeReplyObject(redisCommand(rc, "HSET " RB_PREFIX "{legacy}:report:abc0001 id abc0001"));
	for (int i = 0; i < 3; i++) {
		t = rb_now();
		if (osm_rep_find(rep, "abc0001", tag) != 0)
			return 1;
		ms[i] = rb_now() - t;
	}
	rb_report("find legacy", ms, 3, 1);
	osm_rep_close(rep);
	redisFree(rc);
	pd_store_free(s);
	osm_cfg_free(cfg);
	return 0;
}
