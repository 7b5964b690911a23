/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_redis - Redis connection by address and key escaping; see osm_redis.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "osm_buf.h"
#include "osm_hash.h"
#include "osm_redis.h"

/*
 * osm_redis_address - split "unix:/path" or "redis://host[:port][/db]";
 * *path is set for a unix socket, host and *port otherwise.
 */
static int
osm_redis_address(const char *addr, const char **path, char *host, size_t hostlen, int *port,
		  unsigned long *db, char *err, size_t errlen)
{
	*path = NULL;
	*port = 6379;
	*db = 0;
	if (strncmp(addr, "unix:", 5) == 0) {
		*path = addr + 5;
		return 0;
	}
	if (strncmp(addr, "redis://", 8) == 0) {
		const char *h = addr + 8, *slash = strchr(h, '/'), *colon;
		size_t	hl = slash ? (size_t) (slash - h) : strlen(h);

		if (hl > 0 && hl < hostlen) {
			memcpy(host, h, hl);
			host[hl] = 0;
			if ((colon = strrchr(host, ':')) != NULL && strchr(host, ']') < colon) {
				*port = atoi(colon + 1);
				*(char *) colon = 0;
			}
			if (host[0] == '[') {
				memmove(host, host + 1, strlen(host));
				host[strcspn(host, "]")] = 0;
			}
			if (slash)
				*db = strtoul(slash + 1, NULL, 10);
			return 0;
		}
	}
	snprintf(err, errlen, "bad redis address '%s'", addr);
	return -1;
}

/* osm_redis_check - a new context, or NULL and err */
static redisContext *
osm_redis_check(redisContext *c, const char *addr, char *err, size_t errlen)
{
	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", addr);
		return NULL;
	}
	if (c->err) {
		snprintf(err, errlen, "%s: %s", addr, c->errstr);
		redisFree(c);
		return NULL;
	}
	return c;
}

/* osm_redis_open - connect to ADDR, bounded by *tv, or non-blocking when
 * tv is NULL; *db is the database the address names */
static redisContext *
osm_redis_open(const char *addr, const struct timeval *tv, unsigned long *db, char *err, size_t errlen)
{
	redisContext *c;
	const char *path;
	char	host[256];
	int	port;

	if (osm_redis_address(addr, &path, host, sizeof(host), &port, db, err, errlen) != 0)
		return NULL;
	if (tv)
		c = path ? redisConnectUnixWithTimeout(path, *tv) : redisConnectWithTimeout(host, port, *tv);
	else
		c = path ? redisConnectUnixNonBlock(path) : redisConnectNonBlock(host, port);
	return osm_redis_check(c, addr, err, errlen);
}

redisContext *
osm_redis_connect(const char *addr, unsigned timeout_ms, char *err, size_t errlen)
{
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	redisContext *c;
	unsigned long db;

	if ((c = osm_redis_open(addr, &tv, &db, err, errlen)) == NULL)
		return NULL;
	redisSetTimeout(c, tv);
	if (db) {
		redisReply *r = redisCommand(c, "SELECT %lu", db);

		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "%s: SELECT %lu: %s", addr, db,
				 r ? r->str : c->errstr);
			if (r)
				freeReplyObject(r);
			redisFree(c);
			return NULL;
		}
		freeReplyObject(r);
	}
	return c;
}

redisContext *
osm_redis_connect_nb(const char *addr, int *queued, char *err, size_t errlen)
{
	redisContext *c;
	unsigned long db;

	*queued = 0;
	if ((c = osm_redis_open(addr, NULL, &db, err, errlen)) == NULL)
		return NULL;
	if (db) {
		if (redisAppendCommand(c, "SELECT %lu", db) != REDIS_OK) {
			snprintf(err, errlen, "%s: out of memory", addr);
			redisFree(c);
			return NULL;
		}
		*queued = 1;
	}
	return c;
}

int
osm_redis_escape(struct osm_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *start = s;
	int	r;

	for (; *s; s++) {
		unsigned char ch = (unsigned char) *s;

		/* kept as they are: A-Z a-z 0-9 . - _ @ + / = (a bit each) */
		if (ch < 128 && ((ch < 64 ? 0x23ffe80000000000ULL : 0x07fffffe87ffffffULL) >> (ch & 63) & 1))
			continue;
		char	esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};

		if ((r = osm_buf_append(b, start, (size_t) (s - start))) != 0
		    || (r = osm_buf_append(b, esc, 3)) != 0)
			return r;
		start = s + 1;
	}
	return osm_buf_append(b, start, (size_t) (s - start));
}

unsigned long long
osm_redis_hash(const char *s)
{
	/* the old basis: stored subject keys hold this hash (osm_hash.h) */
	return osm_hash_fnv1a(OSM_HASH_SUBJKEY_BASIS, s, strlen(s));
}
