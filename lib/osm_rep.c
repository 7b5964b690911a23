/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_rep - reports, verdicts and window counters in Redis, read and
 * changed by osmctl and the web UI; see osm_rep.h.
 *
 * Listing reads a sorted-set index by score (ZREVRANGEBYSCORE ...
 * LIMIT), O(log N + page), and fetches the page's report hashes in one
 * pipeline.  An index entry outlives its report by up to the gap
 * between two report writes (trimming happens on write, reports expire
 * by TTL), so an empty hash means "expired": skipped, and the page is
 * filled from the entries after it.
 *
 * SECURITY: Redis is shared and not trusted (osmctl runs as root).
 * Replies are checked for their type before use, ids must be
 * osm_rep_id_ok(), tags are cut to OSM_REP_TAG_MAX, and a key pattern
 * built from the configured prefix has its glob characters escaped.
 */
#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"
#include "osm_redis.h"
#include "osm_rep.h"
#include "osm_rfmt.h"

#define OSM_REP_SCAN_COUNT "1000"
#define OSM_REP_T(type)	(1u << (type))	/* a reply type in a mask */
#define OSM_REP_CHUNK	64		/* index entries read per round trip when filtering */

struct osm_rep {
	redisContext *rc;
	char   *prefix;
	struct osm_buf *key;		/* scratch: one key name */
	char	errstr[160];
};

/* One index entry of a page. */
struct osm_rep_entry {
	char	id[48];
	char	tag[OSM_REP_TAG_MAX];
	size_t	pos;			/* in the index */
};

struct osm_rep *
osm_rep_open(const char *redis, const char *prefix, unsigned timeout_ms, char *err, size_t errlen)
{
	struct osm_rep *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->prefix = strdup(prefix)) == NULL || (r->key = osm_buf_new(8192)) == NULL) {
		snprintf(err, errlen, "out of memory");
		osm_rep_close(r);
		return NULL;
	}
	if ((r->rc = osm_redis_connect(redis, timeout_ms, err, errlen)) == NULL) {
		osm_rep_close(r);
		return NULL;
	}
	return r;
}

void
osm_rep_close(struct osm_rep *r)
{
	if (r == NULL)
		return;
	if (r->rc)
		redisFree(r->rc);
	free(r->prefix);
	osm_buf_free(r->key);
	free(r);
}

const char *
osm_rep_error(const struct osm_rep *r)
{
	return r->errstr;
}

/* osm_rep_fail - record why, drop the context (it is not reused after an error) */
static int
osm_rep_fail(struct osm_rep *r, const char *why)
{
	char	tmp[sizeof(r->errstr)];

	snprintf(tmp, sizeof(tmp), "%s", why);	/* why may point into r->rc */
	memcpy(r->errstr, tmp, sizeof(tmp));
	if (r->rc) {
		redisFree(r->rc);
		r->rc = NULL;
	}
	return OSM_REP_ERR;
}

/* osm_rep_check - a reply of a type in the mask WANT (OSM_REP_T), or NULL with the error recorded */
static redisReply *
osm_rep_check(struct osm_rep *r, redisReply *rep, unsigned want)
{
	if (rep == NULL) {
		osm_rep_fail(r, r->rc && r->rc->errstr[0] ? r->rc->errstr : "connection lost");
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR || rep->type < 0 || rep->type > 15 || !(want & OSM_REP_T(rep->type))) {
		osm_rep_fail(r, rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

/* osm_rep_cmd - one command, its reply of type WANT or NULL */
static redisReply *
osm_rep_cmd(struct osm_rep *r, unsigned want, int argc, const char **argv)
{
	if (r->rc == NULL) {
		if (r->errstr[0] == 0)
			snprintf(r->errstr, sizeof(r->errstr), "not connected");
		return NULL;
	}
	return osm_rep_check(r, redisCommandArgv(r->rc, argc, argv, NULL), want);
}

/* osm_rep_strings - every element of an array reply is a string */
static int
osm_rep_strings(const redisReply *a)
{
	for (size_t i = 0; i < a->elements; i++)
		if (a->element[i]->type != REDIS_REPLY_STRING)
			return 0;
	return 1;
}

/* osm_rep_scan_ok - a SCAN/ZSCAN reply is {cursor, [strings]} */
static int
osm_rep_scan_ok(const redisReply *a)
{
	return a->elements == 2 && a->element[0]->type == REDIS_REPLY_STRING
	    && a->element[0]->len < 32 && a->element[1]->type == REDIS_REPLY_ARRAY
	    && osm_rep_strings(a->element[1]);
}

int
osm_rep_id_ok(const char *id)
{
	size_t	n = 0;

	for (; id[n]; n++)
		if (!isalnum((unsigned char) id[n]) || n >= 40)
			return 0;
	return n > 0;
}

int
osm_rep_key(struct osm_buf *b, const char *prefix, const char *tag, const char *suffix)
{
	int	rv;

	osm_buf_reset(b);
	if ((rv = osm_buf_puts(b, prefix)) != 0 || (rv = osm_buf_puts(b, "{")) != 0
	    || (rv = osm_redis_escape(b, tag)) != 0 || (rv = osm_buf_puts(b, "}:")) != 0)
		return rv;
	return osm_buf_puts(b, suffix);
}

int
osm_rep_key_all(struct osm_buf *b, const char *prefix)
{
	osm_buf_reset(b);
	return osm_buf_printf(b, "%sreports", prefix);
}

int
osm_rep_key_type(struct osm_buf *b, const char *prefix, const char *type)
{
	int	rv;

	osm_buf_reset(b);
	if ((rv = osm_buf_printf(b, "%sreports:type:", prefix)) != 0)
		return rv;
	return osm_redis_escape(b, type);
}

/* osm_rep_report_key - "P{TAG}:report:ID" into r->key */
static int
osm_rep_report_key(struct osm_rep *r, const char *id, const char *tag)
{
	char	suffix[64];

	snprintf(suffix, sizeof(suffix), "report:%s", id);
	if (osm_rep_key(r->key, r->prefix, tag, suffix) != 0)
		return osm_rep_fail(r, "key too long");
	return 0;
}

/* osm_rep_unescape - undo osm_redis_escape in place */
void
osm_rep_unescape(char *s)
{
	char   *d = s;

	for (; *s; s++) {
		if (s[0] == '%' && isxdigit((unsigned char) s[1]) && isxdigit((unsigned char) s[2])) {
			char	hex[3] = {s[1], s[2], 0};

			*d++ = (char) strtol(hex, NULL, 16);
			s += 2;
		} else
			*d++ = *s;
	}
	*d = 0;
}

int
osm_rep_member(const char *m, size_t len, char *id, size_t idlen, char *rest, size_t restlen)
{
	const char *sp = memchr(m, ' ', len);
	size_t	il, rl;

	if (sp == NULL || memchr(m, 0, len) != NULL)
		return -1;
	il = (size_t) (sp - m);
	rl = len - il - 1;
	if (il >= idlen || rl == 0 || rl >= restlen)
		return -1;
	memcpy(id, m, il);
	id[il] = 0;
	memcpy(rest, sp + 1, rl);
	rest[rl] = 0;
	return osm_rep_id_ok(id) ? 0 : -1;
}

int
osm_rep_key_tag(const char *prefix, const char *id, const char *key, size_t len, char *tag)
{
	char	tail[64];
	size_t	plen = strlen(prefix), tlen, n;

	snprintf(tail, sizeof(tail), "}:report:%s", id);
	tlen = strlen(tail);
	if (memchr(key, 0, len) != NULL || len <= plen + 1 + tlen || strncmp(key, prefix, plen) != 0
	    || key[plen] != '{' || memcmp(key + len - tlen, tail, tlen) != 0)
		return -1;
	if ((n = len - plen - 1 - tlen) >= OSM_REP_TAG_MAX)
		return -1;
	memcpy(tag, key + plen + 1, n);
	tag[n] = 0;
	osm_rep_unescape(tag);
	return tag[0] ? 0 : -1;
}

/* osm_rep_hash_json - a report hash reply as a JSON object */
static json_t *
osm_rep_hash_json(const redisReply *h)
{
	const char **kv = calloc(h->elements + 1, sizeof(*kv));
	json_t *o;

	if (kv == NULL)
		return NULL;
	for (size_t i = 0; i < h->elements; i++)
		kv[i] = h->element[i]->str;
	o = osm_rfmt_from_hash(kv, h->elements & ~(size_t) 1);
	free(kv);
	return o;
}

/* osm_rep_index - which index serves q, into r->key */
static int
osm_rep_index(struct osm_rep *r, const struct osm_rep_query *q)
{
	int	rv;

	if (q->tag)
		rv = osm_rep_key(r->key, r->prefix, q->tag, "reports");
	else if (q->type)
		rv = osm_rep_key_type(r->key, r->prefix, q->type);
	else
		rv = osm_rep_key_all(r->key, r->prefix);
	return rv != 0 ? osm_rep_fail(r, "key too long") : 0;
}

static void
osm_rep_bounds(const struct osm_rep_query *q, char *min, char *max)
{
	if (q->since_ms > 0)
		snprintf(min, 24, "%lld", q->since_ms);
	else
		snprintf(min, 24, "-inf");
	if (q->until_ms > 0)
		snprintf(max, 24, "%lld", q->until_ms);
	else
		snprintf(max, 24, "+inf");
}

/*
 * osm_rep_fetch - HGETALL the reports of e[0..n) in one pipeline and
 * append those still there to out, up to want; returns how many were
 * appended and sets *last to the index position after the last one used.
 */
static int
osm_rep_fetch(struct osm_rep *r, const struct osm_rep_entry *e, size_t n, size_t want,
	      json_t *out, size_t *last)
{
	int	got = 0, rv = 0;

	for (size_t i = 0; i < n; i++) {
		if (osm_rep_report_key(r, e[i].id, e[i].tag) != 0)
			return OSM_REP_ERR;
		const char *argv[] = {"HGETALL", osm_buf_data(r->key)};

		if (redisAppendCommandArgv(r->rc, 2, argv, NULL) != REDIS_OK)
			return osm_rep_fail(r, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		void   *p = NULL;
		redisReply *h;

		if (redisGetReply(r->rc, &p) != REDIS_OK)
			p = NULL;
		if ((h = osm_rep_check(r, p, OSM_REP_T(REDIS_REPLY_ARRAY))) == NULL)
			return OSM_REP_ERR;	/* the context is gone with the rest */
		if (rv == 0 && (size_t) got < want && h->elements > 0 && osm_rep_strings(h)) {
			json_t *o = osm_rep_hash_json(h);

			if (o == NULL || json_array_append_new(out, o) != 0)
				rv = OSM_REP_ERR;	/* failed once every reply is read */
			else {
				got++;
				*last = e[i].pos + 1;
			}
		} else if ((size_t) got < want)
			*last = e[i].pos + 1;	/* expired: the next page starts after it */
		freeReplyObject(h);
	}
	return rv != 0 ? osm_rep_fail(r, "out of memory") : got;
}

int
osm_rep_list(struct osm_rep *r, const struct osm_rep_query *q, json_t **out, size_t *next)
{
	char	min[24], max[24], off[24], cnt[24], second[OSM_REP_TAG_MAX];
	size_t	pos = q->offset, got = 0, limit = q->limit;
	struct osm_rep_entry *e = NULL;
	int	rv = OSM_REP_ERR;

	*next = 0;
	if (limit < 1 || limit > OSM_REP_MAX_PAGE) {
		*out = NULL;
		return osm_rep_fail(r, "page size out of range");
	}
	if ((*out = json_array()) == NULL
	    || (e = calloc(limit > OSM_REP_CHUNK ? limit : OSM_REP_CHUNK, sizeof(*e))) == NULL) {
		osm_rep_fail(r, "out of memory");
		goto out;
	}
	osm_rep_bounds(q, min, max);
	while (got < limit) {
		size_t	chunk = q->tag && q->type ? OSM_REP_CHUNK : limit - got, n = 0, last = 0;

		if (osm_rep_index(r, q) != 0)
			goto out;
		snprintf(off, sizeof(off), "%zu", pos);
		snprintf(cnt, sizeof(cnt), "%zu", chunk);
		const char *argv[] = {"ZREVRANGEBYSCORE", osm_buf_data(r->key), max, min, "LIMIT", off, cnt};
		redisReply *a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 7, argv);

		if (a == NULL)
			goto out;
		for (size_t i = 0; i < a->elements && i < chunk; i++) {
			const redisReply *m = a->element[i];

			if (m->type != REDIS_REPLY_STRING
			    || osm_rep_member(m->str, m->len, e[n].id, sizeof(e[n].id), second, sizeof(second)) != 0)
				continue;
			if (q->tag && q->type && strcmp(second, q->type) != 0)
				continue;
			snprintf(e[n].tag, sizeof(e[n].tag), "%s", q->tag ? q->tag : second);
			e[n++].pos = pos + i;
		}
		size_t	seen = a->elements;

		freeReplyObject(a);
		int	k = osm_rep_fetch(r, e, n, limit - got, *out, &last);

		if (k < 0)
			goto out;
		got += (size_t) k;
		if (got >= limit) {
			/* the next page starts after the last report used, unless nothing follows */
			*next = seen < chunk && last >= pos + seen ? 0 : last;
			break;
		}
		if (seen < chunk)		/* the end of the index */
			break;
		pos += seen;
	}
	rv = 0;
out:
	free(e);
	if (rv != 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rv;
}

int
osm_rep_count(struct osm_rep *r, const struct osm_rep_query *q, long long *n)
{
	char	min[24], max[24];
	redisReply *a;

	if (osm_rep_index(r, q) != 0)
		return OSM_REP_ERR;
	osm_rep_bounds(q, min, max);
	const char *argv[] = {"ZCOUNT", osm_buf_data(r->key), min, max};

	if ((a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_INTEGER), 4, argv)) == NULL)
		return OSM_REP_ERR;
	*n = a->integer;
	freeReplyObject(a);
	return 0;
}

/* osm_rep_find_scored - the tag of ID among the Preports entries scored at its time */
static int
osm_rep_find_scored(struct osm_rep *r, const char *id, char *tag)
{
	size_t	len = strlen(id);
	char	t[24], mid[48], rest[OSM_REP_TAG_MAX];
	int	rv = OSM_REP_GONE;

	if (len <= 4 || len - 4 > 15)	/* ms in hex: 15 digits last past year 30000 */
		return OSM_REP_GONE;
	for (size_t i = 0; i < len - 4; i++)
		if (!isxdigit((unsigned char) id[i]))
			return OSM_REP_GONE;
	memcpy(t, id, len - 4);
	t[len - 4] = 0;
	snprintf(t, sizeof(t), "%lld", strtoll(t, NULL, 16));
	if (osm_rep_key_all(r->key, r->prefix) != 0)
		return osm_rep_fail(r, "key too long");
	const char *argv[] = {"ZRANGEBYSCORE", osm_buf_data(r->key), t, t};
	redisReply *a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 4, argv);

	if (a == NULL)
		return OSM_REP_ERR;
	for (size_t i = 0; i < a->elements && rv == OSM_REP_GONE; i++)
		if (a->element[i]->type == REDIS_REPLY_STRING
		    && osm_rep_member(a->element[i]->str, a->element[i]->len, mid, sizeof(mid), rest, sizeof(rest)) == 0
		    && strcmp(mid, id) == 0) {
			snprintf(tag, OSM_REP_TAG_MAX, "%s", rest);
			rv = 0;
		}
	freeReplyObject(a);
	return rv;
}

/* osm_rep_glob - TEXT with the glob characters of SCAN MATCH escaped */
static int
osm_rep_glob(struct osm_buf *b, const char *text)
{
	for (; *text; text++)
		if ((strchr("*?[]\\", *text) && osm_buf_puts(b, "\\") != 0)
		    || osm_buf_append(b, text, 1) != 0)
			return -1;
	return 0;
}

/*
 * osm_rep_find_keys - the tag of a report no index knows: SCAN for
 * "P{*}:report:ID", the tag read back from the key name.
 */
static int
osm_rep_find_keys(struct osm_rep *r, const char *id, char *tag)
{
	char	cursor[32] = "0";
	int	rv = OSM_REP_GONE;

	osm_buf_reset(r->key);
	if (osm_rep_glob(r->key, r->prefix) != 0 || osm_buf_printf(r->key, "{*}:report:%s", id) != 0)
		return osm_rep_fail(r, "key too long");
	char   *pattern = strdup(osm_buf_data(r->key));

	if (pattern == NULL)
		return osm_rep_fail(r, "out of memory");
	do {
		const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", OSM_REP_SCAN_COUNT};
		redisReply *a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 6, argv);

		if (a == NULL || !osm_rep_scan_ok(a)) {
			if (a)
				freeReplyObject(a);
			rv = a ? osm_rep_fail(r, "unexpected SCAN reply") : OSM_REP_ERR;
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", a->element[0]->str);
		for (size_t i = 0; i < a->element[1]->elements && rv == OSM_REP_GONE; i++) {
			const redisReply *k = a->element[1]->element[i];

			if (osm_rep_key_tag(r->prefix, id, k->str, k->len, tag) == 0)
				rv = 0;
		}
		freeReplyObject(a);
	} while (rv == OSM_REP_GONE && strcmp(cursor, "0") != 0);
	free(pattern);
	return rv;
}

int
osm_rep_find(struct osm_rep *r, const char *id, char *tag)
{
	int	rv;

	tag[0] = 0;
	if (!osm_rep_id_ok(id))
		return OSM_REP_GONE;
	if ((rv = osm_rep_find_scored(r, id, tag)) != OSM_REP_GONE)
		return rv;
	return osm_rep_find_keys(r, id, tag);
}

int
osm_rep_get(struct osm_rep *r, const char *id, const char *tag, json_t **out)
{
	redisReply *h;

	*out = NULL;
	if (!osm_rep_id_ok(id))
		return OSM_REP_GONE;
	if (osm_rep_report_key(r, id, tag) != 0)
		return OSM_REP_ERR;
	const char *argv[] = {"HGETALL", osm_buf_data(r->key)};

	if ((h = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 2, argv)) == NULL)
		return OSM_REP_ERR;
	if (h->elements == 0 || !osm_rep_strings(h)) {
		freeReplyObject(h);
		return OSM_REP_GONE;
	}
	*out = osm_rep_hash_json(h);
	freeReplyObject(h);
	return *out ? 0 : osm_rep_fail(r, "out of memory");
}

int
osm_rep_set_results(struct osm_rep *r, const char *id, const char *tag, const char *json)
{
	redisReply *a;

	if (!osm_rep_id_ok(id))
		return osm_rep_fail(r, "not a report id");
	if (osm_rep_report_key(r, id, tag) != 0)
		return OSM_REP_ERR;
	const char *argv[] = {"HSET", osm_buf_data(r->key), "results", json};

	if ((a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_INTEGER), 4, argv)) == NULL)
		return OSM_REP_ERR;
	freeReplyObject(a);
	return 0;
}

int
osm_rep_release(struct osm_rep *r, const char *tag, const char *field, char *was, size_t wlen)
{
	redisReply *g, *d;
	int	rv;

	if (osm_rep_key(r->key, r->prefix, tag, "verdict") != 0)
		return osm_rep_fail(r, "key too long");
	const char *gargv[] = {"HGET", osm_buf_data(r->key), field};
	const char *dargv[] = {"HDEL", osm_buf_data(r->key), field};

	if ((g = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_STRING) | OSM_REP_T(REDIS_REPLY_NIL), 3, gargv)) == NULL)
		return OSM_REP_ERR;
	snprintf(was, wlen, "%s", g->type == REDIS_REPLY_STRING ? g->str : "?");
	freeReplyObject(g);
	if ((d = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_INTEGER), 3, dargv)) == NULL)
		return OSM_REP_ERR;
	rv = d->integer > 0;
	freeReplyObject(d);
	return rv;
}

int
osm_rep_verdicts(struct osm_rep *r, const char *tag,
		 void (*fn)(const char *, const char *, void *), void *arg)
{
	redisReply *h;

	if (osm_rep_key(r->key, r->prefix, tag, "verdict") != 0)
		return osm_rep_fail(r, "key too long");
	const char *argv[] = {"HGETALL", osm_buf_data(r->key)};

	if ((h = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 2, argv)) == NULL)
		return OSM_REP_ERR;
	if (osm_rep_strings(h))
		for (size_t i = 0; i + 1 < h->elements; i += 2)
			fn(h->element[i]->str, h->element[i + 1]->str, arg);
	freeReplyObject(h);
	return 0;
}

int
osm_rep_windows(struct osm_rep *r, const char *tag,
		void (*fn)(const char *, long long, void *), void *arg)
{
	char	cursor[32] = "0", *pattern;
	int	rv = 0;

	/* the escaped tag has no glob characters; the prefix may */
	osm_buf_reset(r->key);
	if (osm_rep_glob(r->key, r->prefix) != 0 || osm_buf_puts(r->key, "{") != 0
	    || osm_redis_escape(r->key, tag) != 0 || osm_buf_puts(r->key, "}:w:*") != 0)
		return osm_rep_fail(r, "key too long");
	if ((pattern = strdup(osm_buf_data(r->key))) == NULL)
		return osm_rep_fail(r, "out of memory");
	do {
		const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", OSM_REP_SCAN_COUNT};
		redisReply *a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 6, argv);

		if (a == NULL || !osm_rep_scan_ok(a)) {
			rv = a ? osm_rep_fail(r, "unexpected SCAN reply") : OSM_REP_ERR;
			if (a)
				freeReplyObject(a);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", a->element[0]->str);
		for (size_t i = 0; i < a->element[1]->elements && rv == 0; i++) {
			const char *k = a->element[1]->element[i]->str;
			const char *targv[] = {"PTTL", k};
			redisReply *tt = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_INTEGER), 2, targv);

			if (tt == NULL)
				rv = OSM_REP_ERR;
			else {
				long long ttl = tt->integer;

				freeReplyObject(tt);
				fn(k, ttl, arg);
				rv = r->rc ? 0 : OSM_REP_ERR;	/* fn's own calls may have failed */
			}
		}
		freeReplyObject(a);
	} while (rv == 0 && strcmp(cursor, "0") != 0);
	free(pattern);
	return rv;
}

/*
 * osm_rep_window_count - a list may still hold events older than its
 * window (pd_window.lua); it is in time order, so it is read from the
 * tail, 256 events at a time, until an older one.  Each event is JSON
 * that starts {"id":"...","t":MS.
 */
int
osm_rep_window_count(struct osm_rep *r, const char *key, long long since, long long *n)
{
	*n = 0;
	for (long long hi = -1;; hi -= 256) {
		char	lo_s[24], hi_s[24];
		const char *argv[] = {"LRANGE", key, lo_s, hi_s};
		redisReply *a;

		snprintf(lo_s, sizeof(lo_s), "%lld", hi - 255);
		snprintf(hi_s, sizeof(hi_s), "%lld", hi);
		if ((a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 4, argv)) == NULL)
			return OSM_REP_ERR;
		size_t	i = a->elements, got = a->elements;

		while (i > 0) {
			const redisReply *e = a->element[i - 1];
			const char *t = e->type == REDIS_REPLY_STRING ? strstr(e->str, "\"t\":") : NULL;

			if (t == NULL || strtoll(t + 4, NULL, 10) <= since)
				break;
			i--;
		}
		*n += (long long) (got - i);
		freeReplyObject(a);
		if (i > 0 || got < 256)
			return 0;
	}
}

int
osm_rep_audit_add(struct osm_rep *r, long long ms, const char *user, const char *what)
{
	json_t *o = json_pack("{s:I,s:s,s:s}", "t", (json_int_t) ms, "user", user, "what", what);
	char   *js = o ? json_dumps(o, JSON_COMPACT) : NULL;
	redisReply *a = NULL;

	json_decref(o);
	osm_buf_reset(r->key);
	if (js == NULL || osm_buf_printf(r->key, "%saudit", r->prefix) != 0) {
		free(js);
		return osm_rep_fail(r, js ? "key too long" : "out of memory (or not UTF-8)");
	}
	const char *push[] = {"LPUSH", osm_buf_data(r->key), js};
	char	stop[24];

	snprintf(stop, sizeof(stop), "%d", OSM_REP_AUDIT_MAX - 1);
	const char *trim[] = {"LTRIM", osm_buf_data(r->key), "0", stop};

	if ((a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_INTEGER), 3, push)) != NULL) {
		freeReplyObject(a);
		a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_STATUS), 4, trim);
	}
	free(js);
	if (a == NULL)
		return OSM_REP_ERR;
	freeReplyObject(a);
	return 0;
}

int
osm_rep_audit_list(struct osm_rep *r, size_t n,
		   void (*fn)(long long, const char *, const char *, void *), void *arg)
{
	char	stop[24];
	redisReply *a;

	osm_buf_reset(r->key);
	if (n == 0 || osm_buf_printf(r->key, "%saudit", r->prefix) != 0)
		return n == 0 ? 0 : osm_rep_fail(r, "key too long");
	snprintf(stop, sizeof(stop), "%zu", n - 1);
	const char *argv[] = {"LRANGE", osm_buf_data(r->key), "0", stop};

	if ((a = osm_rep_cmd(r, OSM_REP_T(REDIS_REPLY_ARRAY), 4, argv)) == NULL)
		return OSM_REP_ERR;
	for (size_t i = 0; i < a->elements; i++) {
		const redisReply *e = a->element[i];
		json_t *o = e->type == REDIS_REPLY_STRING ? json_loadb(e->str, e->len, 0, NULL) : NULL;
		json_t *t = json_object_get(o, "t"), *u = json_object_get(o, "user"), *w = json_object_get(o, "what");

		/* anyone who reaches Redis can write here: only well-formed entries are shown */
		if (json_is_integer(t) && json_is_string(u) && json_is_string(w))
			fn(json_integer_value(t), json_string_value(u), json_string_value(w), arg);
		json_decref(o);
	}
	freeReplyObject(a);
	return 0;
}
