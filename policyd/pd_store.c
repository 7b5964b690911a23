/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_store - pipelined window-script calls over one hiredis context;
 * see pd_store.h.  The script is pd_window.lua, compiled in.
 *
 * Batching is the whole performance story: the server collects every
 * complete request from every ready client into one batch, and one
 * script run counts many events, so Redis pays the script's fixed cost
 * once per batch rather than once per event.  Batches are pipelined:
 * while Redis runs one, the server reads and plans the next, so both
 * cores work.  Nothing blocks: hiredis only buffers and parses, the
 * server's epoll loop drives the socket, and pd_store_check() enforces
 * redis.timeout_ms on every reply, connecting included.
 *
 * A connection starts with a non-blocking connect() and a pipelined
 * SCRIPT LOAD (after a SELECT, for a database); its answer makes the
 * connection ready.  Batches are queued behind it only when Redis was
 * not down (start-up, a reload that moved Redis): during an outage a new
 * connection is a probe, and requests keep being answered by the fail
 * policy until Redis has answered on it.  A probe that fails at once
 * (connection refused, no socket: nothing listens) costs microseconds,
 * so it is repeated every PD_STORE_RETRY_MS and a restarted Redis is
 * seen at once; one that times out (a hung Redis, a host that does not
 * answer) holds a connection for the timeout, so those back off from
 * PD_STORE_BACKOFF_MIN to PD_STORE_BACKOFF_MAX.
 */
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_cfg.h"
#include "osm_buf.h"
#include "osm_clock.h"
#include "osm_hash.h"
#include "osm_msg.h"
#include "osm_redis.h"
#include "osm_rep.h"
#include "pd_event.h"
#include "pd_store.h"

static const char pd_store_script[] =
#include "pd_window_lua.h"
;

/*
 * Calls per EVALSHA: enough to pay the script's fixed cost once for
 * many events, few enough that one script run holds Redis (shared by a
 * fleet) for only a millisecond or two.
 */
#define PD_STORE_CALLS_PER_EVAL	128
#define PD_STORE_MAX_ARGV	(8 + PD_STORE_CALLS_PER_EVAL * PD_CMD_MAX_ARGS)
#define PD_STORE_MAX_WAIT	1024	/* replies outstanding */

#define PD_STORE_RETRY_MS	50	/* after a connection refused */
#define PD_STORE_BACKOFF_MIN	100	/* after a timeout or an error reply */
#define PD_STORE_BACKOFF_MAX	2000

/* The handshake's replies (pd_store_wait.hello). */
#define PD_STORE_HELLO_SELECT	1
#define PD_STORE_HELLO_SCRIPT	2

/* A reply on its way: the calls it answers; or the plain events' RPUSHes
 * and PEXPIREs of batch b (n == 0: replies of them all, counted down in
 * left); or nothing anyone waits for (b == NULL); or the handshake's. */
struct pd_store_wait {
	struct pd_store_batch *b;
	size_t	first, n;
	size_t	left;			/* replies still to come */
	long long sent;			/* ms, monotonic */
	int	hello;			/* PD_STORE_HELLO_*, or 0 */
};

/* A window of a plain event, chained to the others for the same list. */
struct pd_store_item {
	const struct pd_cmd *c;
	int	w;
	int	next;
};

struct pd_store_list {
	const char *key;
	uint32_t keylen;
	int	first, last;		/* its items */
};

struct pd_store {
	const struct osm_cfg *cfg;
	redisContext *rc;
	unsigned long gen;		/* connection number */
	char	sha[48];			/* "" until a SCRIPT LOAD answered */
	int	ready;			/* Redis answered the handshake on rc */
	int	up;			/* not in an outage */
	long long next_try;		/* ms, monotonic */
	unsigned backoff;
	struct pd_store_stats st;
	struct pd_store_wait wait[PD_STORE_MAX_WAIT];	/* a ring */
	size_t	whead, nwait;
	const char *argv[PD_STORE_MAX_ARGV];
	size_t	argvlen[PD_STORE_MAX_ARGV];
	char	hdr[5][32];			/* numkeys, retention, verdict expiry, ncalls, slack */
	struct pd_store_item *items;	/* grouping plain events by list */
	struct pd_store_list *lists;
	int    *slots;
	size_t	cap;			/* items and lists; slots: twice that */
};

/* pd_store_drop - close the connection; every batch in flight fails */
static void
pd_store_drop(struct pd_store *s)
{
	if (s->rc) {
		redisFree(s->rc);
		s->rc = NULL;
	}
	s->ready = 0;
	for (size_t i = 0; i < s->nwait; i++) {
		struct pd_store_wait *w = &s->wait[(s->whead + i) % PD_STORE_MAX_WAIT];

		if (w->b)
			w->b->state = PD_STORE_FAILED;
	}
	s->whead = s->nwait = 0;
}

/*
 * pd_store_down - drop the connection; log only the first failure of an
 * outage.  A connection that failed before Redis ever answered on it,
 * and not by a timeout, found nothing listening (refused): try again
 * soon.  Anything else backs off.
 */
static void
pd_store_down_as(struct pd_store *s, const char *reason, int refused)
{
	char	why[128];

	/* reason may point into s->rc, which is about to go */
	snprintf(why, sizeof(why), "%s", reason);
	pd_store_drop(s);
	if (s->up) {
		osm_msg_warn("redis %s unreachable: %s; answering %s until it is back",
			     s->cfg->redis, why, s->cfg->fail_closed ? "DEFER (fail: closed)" : "DUNNO (fail: open)");
		s->st.outages++;
		s->up = 0;
	}
	if (refused) {
		s->next_try = osm_mono_ms() + PD_STORE_RETRY_MS;
		return;
	}
	s->backoff = s->backoff ? s->backoff * 2 : PD_STORE_BACKOFF_MIN;
	if (s->backoff > PD_STORE_BACKOFF_MAX)
		s->backoff = PD_STORE_BACKOFF_MAX;
	s->next_try = osm_mono_ms() + s->backoff;
}

static void
pd_store_down(struct pd_store *s, const char *reason)
{
	pd_store_down_as(s, reason, 0);
}

/* pd_store_lost - the socket failed: refused if Redis never answered on it */
static void
pd_store_lost(struct pd_store *s, const char *reason)
{
	pd_store_down_as(s, reason, !s->ready);
}

static struct pd_store_wait *pd_store_expect(struct pd_store *, struct pd_store_batch *, size_t, size_t);
static int pd_store_flush(struct pd_store *);

/*
 * pd_store_connect - start a connection if there is none and the
 * backoff allows; never blocks.  It is ready when the SCRIPT LOAD
 * queued here is answered (pd_store_hello).
 */
static void
pd_store_connect(struct pd_store *s)
{
	char	err[256];
	int	select;

	if (s->rc || osm_mono_ms() < s->next_try)
		return;
	if ((s->rc = osm_redis_connect_nb(s->cfg->redis, &select, err, sizeof(err))) == NULL) {
		pd_store_down_as(s, err, 1);
		return;
	}
	s->gen++;
	s->ready = 0;
	if (select)
		pd_store_expect(s, NULL, 0, 0)->hello = PD_STORE_HELLO_SELECT;
	if (redisAppendCommand(s->rc, "SCRIPT LOAD %s", pd_store_script) != REDIS_OK) {
		pd_store_down(s, "out of memory");
		return;
	}
	pd_store_expect(s, NULL, 0, 0)->hello = PD_STORE_HELLO_SCRIPT;
	pd_store_flush(s);
}

/* pd_store_hello - a reply of the handshake: an error drops the connection */
static void
pd_store_hello(struct pd_store *s, const struct pd_store_wait *w, const redisReply *r)
{
	if (r->type == REDIS_REPLY_ERROR || (w->hello == PD_STORE_HELLO_SCRIPT && r->type != REDIS_REPLY_STRING)) {
		char	why[160];

		snprintf(why, sizeof(why), "%s: %.120s", w->hello == PD_STORE_HELLO_SCRIPT ? "SCRIPT LOAD" : "SELECT",
			 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
		pd_store_down(s, why);
		return;
	}
	if (w->hello != PD_STORE_HELLO_SCRIPT)
		return;
	snprintf(s->sha, sizeof(s->sha), "%s", r->str);
	s->ready = 1;
	s->backoff = 0;
	if (!s->up)
		osm_msg_info("redis %s connected", s->cfg->redis);
	s->up = 1;
}

/* pd_store_up - Redis has answered on the connection (no reconnect attempt) */
int
pd_store_up(const struct pd_store *s)
{
	return s->rc != NULL && s->ready;
}

/*
 * pd_store_available - whether a batch may be queued now: on a ready
 * connection, or on one still connecting if Redis was not down.  Starts
 * a connection when the backoff allows.
 */
int
pd_store_available(struct pd_store *s)
{
	pd_store_connect(s);
	return s->rc != NULL && (s->ready || s->up);
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
	pd_store_drop(s);
	free(s->items);
	free(s->lists);
	free(s->slots);
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
		pd_store_drop(s);
		s->next_try = 0;
	}
}

int
pd_store_fd(const struct pd_store *s, unsigned long *gen)
{
	*gen = s->gen;
	return s->rc ? s->rc->fd : -1;
}

int
pd_store_want_write(const struct pd_store *s)
{
	return s->rc && sdslen(s->rc->obuf) > 0;
}

int
pd_store_busy(const struct pd_store *s)
{
	return s->nwait > 0;
}

/* pd_store_expect - one more reply on its way (the caller may make it more: left) */
static struct pd_store_wait *
pd_store_expect(struct pd_store *s, struct pd_store_batch *b, size_t first, size_t n)
{
	struct pd_store_wait *w = &s->wait[(s->whead + s->nwait++) % PD_STORE_MAX_WAIT];

	w->b = b;
	w->first = first;
	w->n = n;
	w->left = 1;
	w->sent = osm_mono_ms();
	w->hello = 0;
	if (b)
		b->due++;
	return w;
}

static void
pd_store_push(struct pd_store *s, size_t *argc, const char *arg, size_t len)
{
	s->argv[*argc] = arg;
	s->argvlen[*argc] = len;
	(*argc)++;
}

/*
 * pd_store_append - queue one script run for calls cmds[0..n): all
 * keys, then all arguments; by SHA1, or with the script itself after
 * Redis forgot it (which also loads it again).
 */
static int
pd_store_append(struct pd_store *s, struct pd_cmd **cmds, size_t n, int body)
{
	size_t	argc = 0, nkeys = 0;

	for (size_t i = 0; i < n; i++)
		nkeys += (size_t) cmds[i]->nkeys;
	snprintf(s->hdr[0], sizeof(s->hdr[0]), "%zu", nkeys);
	snprintf(s->hdr[1], sizeof(s->hdr[1]), "%u", s->cfg->report_retention);
	snprintf(s->hdr[2], sizeof(s->hdr[2]), "%llu", s->cfg->verdict_expiry * 1000ULL);
	snprintf(s->hdr[3], sizeof(s->hdr[3]), "%zu", n);
	snprintf(s->hdr[4], sizeof(s->hdr[4]), "%d", PD_EVENT_TTL_SLACK_MS);
	if (body || s->sha[0] == 0) {	/* or queued behind the first SCRIPT LOAD */
		pd_store_push(s, &argc, "EVAL", 4);
		pd_store_push(s, &argc, pd_store_script, sizeof(pd_store_script) - 1);
	} else {
		pd_store_push(s, &argc, "EVALSHA", 7);
		pd_store_push(s, &argc, s->sha, strlen(s->sha));
	}
	pd_store_push(s, &argc, s->hdr[0], strlen(s->hdr[0]));
	for (size_t i = 0; i < n; i++)
		for (int a = 0; a < cmds[i]->nkeys; a++)
			pd_store_push(s, &argc, cmds[i]->argv[a], cmds[i]->argvlen[a]);
	pd_store_push(s, &argc, s->hdr[1], strlen(s->hdr[1]));
	pd_store_push(s, &argc, s->cfg->server_name, strlen(s->cfg->server_name));
	pd_store_push(s, &argc, s->cfg->monitor ? "monitor" : "enforce", 7);
	pd_store_push(s, &argc, s->hdr[2], strlen(s->hdr[2]));
	pd_store_push(s, &argc, s->hdr[3], strlen(s->hdr[3]));
	pd_store_push(s, &argc, s->hdr[4], strlen(s->hdr[4]));
	for (size_t i = 0; i < n; i++)
		for (int a = cmds[i]->nkeys; a < cmds[i]->argc; a++)
			pd_store_push(s, &argc, cmds[i]->argv[a], cmds[i]->argvlen[a]);
	return redisAppendCommandArgv(s->rc, (int) argc, s->argv, s->argvlen);
}

/* pd_store_room - items for N windows of plain events */
static int
pd_store_room(struct pd_store *s, size_t n)
{
	size_t	cap = s->cap ? s->cap : 256;

	while (cap < n)
		cap *= 2;
	if (cap == s->cap)
		return 0;
	free(s->items);
	free(s->lists);
	free(s->slots);
	s->items = malloc(cap * sizeof(*s->items));
	s->lists = malloc(cap * sizeof(*s->lists));
	s->slots = malloc(2 * cap * sizeof(*s->slots));
	s->cap = cap;
	if (s->items && s->lists && s->slots)
		return 0;
	free(s->items);
	free(s->lists);
	free(s->slots);
	s->items = NULL, s->lists = NULL, s->slots = NULL, s->cap = 0;
	return -1;
}

/*
 * pd_store_adds - queue the plain events of a batch: per window list,
 * in the order the lists first appear, one RPUSH with every event for it
 * and, if pd_shadow asked for it on any of them (pd_cmd.expire), one
 * PEXPIRE to the interval plus PD_EVENT_TTL_SLACK_MS, as the script
 * does; one wait for all their replies.  pd_shadow has made sure none
 * of them can pass a level.
 */
static int
pd_store_adds(struct pd_store *s, struct pd_store_batch *b)
{
	size_t	nitems = 0, nl = 0, mask, ncmd = 0;
	int	ni = 0;

	for (size_t i = 0; i < b->nadds; i++)
		nitems += (size_t) b->adds[i]->nwin;
	if (nitems == 0)
		return REDIS_OK;
	if (pd_store_room(s, nitems) != 0)
		return REDIS_ERR;
	mask = 2 * s->cap - 1;
	memset(s->slots, 0xff, 2 * s->cap * sizeof(*s->slots));
	for (size_t i = 0; i < b->nadds; i++) {
		const struct pd_cmd *c = b->adds[i];

		for (int w = 0; w < c->nwin; w++, ni++) {
			const char *key = c->argv[c->win[w]];
			uint32_t len = c->argvlen[c->win[w]];
			size_t	j = osm_hash(key, len) & mask;
			struct pd_store_list *l;

			for (; s->slots[j] >= 0; j = (j + 1) & mask) {
				l = &s->lists[s->slots[j]];
				if (l->keylen == len && memcmp(l->key, key, len) == 0)
					break;
			}
			s->items[ni] = (struct pd_store_item) {c, w, -1};
			if (s->slots[j] < 0) {
				s->slots[j] = (int) nl;
				s->lists[nl++] = (struct pd_store_list) {key, len, ni, ni};
			} else {
				l = &s->lists[s->slots[j]];
				s->items[l->last].next = ni;
				l->last = ni;
			}
		}
	}
	for (size_t i = 0; i < nl; i++) {
		const struct pd_store_list *l = &s->lists[i];
		const struct pd_store_item *it = &s->items[l->first];
		const struct pd_cmd *c = it->c;
		size_t	argc = 0;
		unsigned expire = b->gen != s->gen;
		char	ttl[24];

		pd_store_push(s, &argc, "RPUSH", 5);
		pd_store_push(s, &argc, l->key, l->keylen);
		for (int k = l->first; k >= 0; k = s->items[k].next) {
			const struct pd_cmd *e = s->items[k].c;

			expire |= e->expire >> s->items[k].w & 1;
			if (argc + 1 > PD_STORE_MAX_ARGV) {
				if (redisAppendCommandArgv(s->rc, (int) argc, s->argv, s->argvlen) != REDIS_OK)
					return REDIS_ERR;
				ncmd++;
				argc = 2;		/* RPUSH key */
			}
			pd_store_push(s, &argc, e->argv[e->event_arg], e->argvlen[e->event_arg]);
		}
		if (redisAppendCommandArgv(s->rc, (int) argc, s->argv, s->argvlen) != REDIS_OK)
			return REDIS_ERR;
		ncmd++;
		if (!expire)
			continue;
		int	n = snprintf(ttl, sizeof(ttl), "%llu", c->ttl_ms[it->w]);

		argc = 0;
		pd_store_push(s, &argc, "PEXPIRE", 7);
		pd_store_push(s, &argc, l->key, l->keylen);
		pd_store_push(s, &argc, ttl, (size_t) n);
		if (redisAppendCommandArgv(s->rc, (int) argc, s->argv, s->argvlen) != REDIS_OK)
			return REDIS_ERR;
		ncmd++;
	}
	pd_store_expect(s, b, 0, 0)->left = ncmd;
	return REDIS_OK;
}

/* pd_store_flush - write what the socket takes now */
static int
pd_store_flush(struct pd_store *s)
{
	int	done = 0;

	while (s->rc && !done) {
		size_t	before = sdslen(s->rc->obuf);

		if (redisBufferWrite(s->rc, &done) != REDIS_OK) {
			pd_store_lost(s, s->rc->errstr[0] ? s->rc->errstr : "write failed");
			return -1;
		}
		if (!done && sdslen(s->rc->obuf) == before)
			break;			/* socket full: EPOLLOUT */
	}
	return 0;
}

int
pd_store_send(struct pd_store *s, struct pd_store_batch *b)
{
	size_t	chunks = (b->n + PD_STORE_CALLS_PER_EVAL - 1) / PD_STORE_CALLS_PER_EVAL;
	size_t	items = 0;

	for (size_t i = 0; i < b->nadds; i++)
		items += (size_t) b->adds[i]->nwin;
	if (items > 0)
		chunks++;			/* the plain events' wait */
	b->due = 0;
	b->adds_failed = 0;
	b->state = PD_STORE_SENT;
	if (b->n == 0 && items == 0) {
		b->state = PD_STORE_DONE;
		return 0;
	}
	if (!pd_store_available(s) || s->nwait + chunks > PD_STORE_MAX_WAIT) {
		b->state = PD_STORE_FAILED;
		return -1;
	}
	s->st.batches++;
	if (pd_store_adds(s, b) != REDIS_OK) {
		pd_store_down(s, "out of memory");
		b->state = PD_STORE_FAILED;
		return -1;
	}
	for (size_t i = 0; i < b->n; i += PD_STORE_CALLS_PER_EVAL) {
		size_t	k = b->n - i < PD_STORE_CALLS_PER_EVAL ? b->n - i : PD_STORE_CALLS_PER_EVAL;

		if (pd_store_append(s, b->cmds + i, k, 0) != REDIS_OK) {
			pd_store_down(s, "out of memory");
			b->state = PD_STORE_FAILED;
			return -1;
		}
		pd_store_expect(s, b, i, k);
	}
	pd_store_flush(s);
	return b->state == PD_STORE_FAILED ? -1 : 0;
}

/* pd_store_parse - one call's {verdict, counts, ids...} from the script's reply */
static void
pd_store_parse(const redisReply *r, struct pd_store_result *res)
{
	memset(res, 0, sizeof(*res));
	res->ncount = -1;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2
	    || r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING)
		return;
	res->ok = 1;
	snprintf(res->verdict, sizeof(res->verdict), "%s", r->element[0]->str);
	if (r->element[1]->len > 0) {
		const char *p = r->element[1]->str;
		char   *end;

		res->ncount = 0;
		while (*p && res->ncount < PD_STORE_MAX_WIN) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			res->count[res->ncount++] = v > UINT_MAX ? UINT_MAX : (unsigned) v;
			p = end;
		}
	}
	for (size_t i = 2; i < r->elements && res->nids < PD_STORE_MAX_IDS; i++) {
		const redisReply *e = r->element[i];
		const char *sp;

		if (e->type != REDIS_REPLY_STRING)
			continue;
		/* "ID TYPE" */
		sp = strchr(e->str, ' ');
		snprintf(res->ids[res->nids], sizeof(res->ids[0]), "%.*s", sp ? (int) (sp - e->str) : (int) e->len, e->str);
		snprintf(res->types[res->nids++], sizeof(res->types[0]), "%s", sp ? sp + 1 : "");
	}
}

/* pd_store_reply - the reply for the oldest wait */
static void
pd_store_reply(struct pd_store *s, redisReply *r)
{
	struct pd_store_wait w = s->wait[s->whead];
	struct pd_store_batch *b = w.b;
	int	noscript = r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0 && b && w.n > 0;

	if (w.hello) {
		s->whead = (s->whead + 1) % PD_STORE_MAX_WAIT;
		s->nwait--;
		pd_store_hello(s, &w, r);
		return;
	}

	if (r->type == REDIS_REPLY_ERROR && !noscript) {
		s->st.errors++;
		osm_msg_warn("redis error: %.200s", r->str);
		if (b && w.n == 0)
			b->adds_failed = 1;
	}
	if (w.left > 1) {			/* more of the plain events' replies to come */
		s->wait[s->whead].left--;
		return;
	}
	s->whead = (s->whead + 1) % PD_STORE_MAX_WAIT;
	s->nwait--;
	if (noscript) {
		/* Redis restarted or SCRIPT FLUSH: nothing ran; send the script itself. */
		b->due--;
		if (pd_store_append(s, b->cmds + w.first, w.n, 1) != REDIS_OK) {
			pd_store_down(s, "out of memory");
			return;
		}
		pd_store_expect(s, b, w.first, w.n);
		return;
	}
	if (b == NULL)
		return;
	for (size_t j = 0; j < w.n; j++) {
		if (r->type == REDIS_REPLY_ARRAY && j < r->elements)
			pd_store_parse(r->element[j], &b->results[w.first + j]);
		else {
			memset(&b->results[w.first + j], 0, sizeof(b->results[0]));
			b->results[w.first + j].ncount = -1;
		}
	}
	if (--b->due == 0 && b->state == PD_STORE_SENT)
		b->state = PD_STORE_DONE;
}

void
pd_store_io(struct pd_store *s)
{
	redisReply *r;

	if (s->rc == NULL || pd_store_flush(s) != 0)
		return;
	if (redisBufferRead(s->rc) != REDIS_OK) {
		pd_store_lost(s, s->rc->errstr[0] ? s->rc->errstr : "connection lost");
		return;
	}
	while (s->rc) {
		if (redisGetReplyFromReader(s->rc, (void **) &r) != REDIS_OK) {
			pd_store_down(s, s->rc->errstr[0] ? s->rc->errstr : "protocol error");
			return;
		}
		if (r == NULL)
			break;
		if (s->nwait == 0) {
			freeReplyObject(r);
			pd_store_down(s, "reply nobody asked for");
			return;
		}
		pd_store_reply(s, r);
		freeReplyObject(r);
	}
	pd_store_flush(s);			/* resent scripts */
}

int
pd_store_check(struct pd_store *s)
{
	long long now = osm_mono_ms(), left;

	if (s->nwait > 0) {
		left = s->wait[s->whead].sent + s->cfg->redis_timeout_ms - now;
		if (left > 0)
			return (int) left;
		pd_store_down(s, s->ready ? "timed out" : "timed out connecting");
	}
	pd_store_connect(s);
	if (s->nwait > 0)
		return (int) s->cfg->redis_timeout_ms;
	if (s->rc == NULL)
		return (int) (s->next_try > now ? s->next_try - now : 1);
	return -1;
}

int
pd_store_run(struct pd_store *s, struct pd_store_batch *b)
{
	unsigned long gen;

	if (pd_store_send(s, b) != 0)
		return -1;
	while (b->state == PD_STORE_SENT) {
		int	left = pd_store_check(s);
		struct pollfd pfd = {pd_store_fd(s, &gen), POLLIN, 0};

		if (left < 0 || pfd.fd < 0)
			break;
		if (pd_store_want_write(s))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, left) > 0)
			pd_store_io(s);
	}
	return b->state == PD_STORE_DONE ? 0 : -1;
}

/* pd_store_index_cmd - queue one index command (argv of strings); 1 queued, 0 not */
static int
pd_store_index_cmd(struct pd_store *s, int argc, const char **argv)
{
	return redisAppendCommandArgv(s->rc, argc, argv, NULL) == REDIS_OK;
}

/*
 * pd_store_index_add - ZADD one member to index KEY, trim what is older
 * than the retention and, for a per-type or per-account index
 * (EXPIRE), let the whole set go a retention after its last report, so
 * one that gets no new reports does not stay forever.
 */
static size_t
pd_store_index_add(struct pd_store *s, const char *key, const char *score, const char *member,
		   const char *cut, int expire)
{
	char	ttl[24];
	const char *zadd[] = {"ZADD", key, score, member};
	const char *trim[] = {"ZREMRANGEBYSCORE", key, "-inf", cut};
	const char *exp[] = {"EXPIRE", key, ttl};

	snprintf(ttl, sizeof(ttl), "%u", s->cfg->report_retention);
	return (size_t) pd_store_index_cmd(s, 4, zadd) + (size_t) pd_store_index_cmd(s, 4, trim)
	    + (expire ? (size_t) pd_store_index_cmd(s, 3, exp) : 0);
}

void
pd_store_index(struct pd_store *s, const char *prefix, long long now,
	       const char *const *ids, const char *const *tags, const char *const *types, size_t n)
{
	char	score[32], cut[32], member[320];
	struct osm_buf *key;
	size_t	ncmd = 0;

	if (n == 0 || !pd_store_available(s) || s->nwait + 1 > PD_STORE_MAX_WAIT)
		return;
	if ((key = osm_buf_new(4096)) == NULL) {
		osm_msg_warn("out of memory indexing %zu report(s)", n);
		return;
	}
	snprintf(score, sizeof(score), "%lld", now);
	snprintf(cut, sizeof(cut), "%lld", now - s->cfg->report_retention * 1000LL);
	for (size_t i = 0; i < n; i++) {
		const char *type = types[i][0] ? types[i] : "-";	/* not from this script */

		snprintf(member, sizeof(member), "%s %s", ids[i], tags[i]);
		if (osm_rep_key_all(key, prefix) == 0)
			ncmd += pd_store_index_add(s, osm_buf_data(key), score, member, cut, 0);
		if (osm_rep_key_type(key, prefix, type) == 0)
			ncmd += pd_store_index_add(s, osm_buf_data(key), score, member, cut, 1);
		snprintf(member, sizeof(member), "%s %s", ids[i], type);
		if (osm_rep_key(key, prefix, tags[i], "reports") == 0)
			ncmd += pd_store_index_add(s, osm_buf_data(key), score, member, cut, 1);
	}
	osm_buf_free(key);
	if (ncmd > 0)
		pd_store_expect(s, NULL, 0, 0)->left = ncmd;
	pd_store_flush(s);
}

void
pd_store_stats(const struct pd_store *s, struct pd_store_stats *st)
{
	*st = s->st;
	st->up = pd_store_up(s);
}
