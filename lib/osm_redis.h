/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_REDIS_H
#define OSM_REDIS_H

/*
 * osm_redis - connect to Redis by osm's address syntax and name keys.
 *
 * osm_redis_connect() takes "unix:/path" or "redis://host[:port][/db]",
 * connects with the timeout, sets the same timeout on every later
 * command (hiredis redisSetTimeout) and SELECTs the database.  It
 * returns NULL with a message in err on failure.  After any error on a
 * context the caller frees it and connects again (hiredis README).
 * osm_redis_connect_nb() only starts connecting and never blocks (but a
 * host name is resolved): the context is non-blocking, a SELECT is
 * queued on it if the address names a database (*queued: 1, its reply
 * is the first), and the caller's event loop writes, reads and times
 * out what it sends (redisSetTimeout means nothing to such a context).
 * It fails at once only when connect() does (nothing listens on a unix
 * socket, or it is gone).
 *
 * Key schema (all keys one event touches share the hash tag {TAG}, the
 * account the event is keyed under, so Redis Cluster keeps them in one
 * slot):
 *   P = prefix + server_name + ":"             e.g. "osm:web1:"
 *   P{TAG}:w:TYPE:KEY:SECONDS  list   unconsumed events of one window,
 *                                     oldest first, as JSON
 *   P{TAG}:verdict             hash   "account:X" / "email:X" / "ip:X" ->
 *                                     "HOLD|DISCARD REPORT_ID EXPIRY_MS"
 *   P{TAG}:report:ID           hash   one stored report
 *   Preports                   zset   report index, "ID TAG" by time
 *   Preports:type:TYPE         zset   the same for one event type
 *   P{TAG}:reports             zset   one account's, "ID TYPE" (osm_rep.h)
 * osm_redis_escape() makes any text safe inside a key: bytes other than
 * letters, digits and ".-_@+/=" become %XX, so braces never break a tag.
 */
#include <stddef.h>

#include <hiredis/hiredis.h>

struct osm_buf;

redisContext *osm_redis_connect(const char *address, unsigned timeout_ms,
				char *err, size_t errlen);
redisContext *osm_redis_connect_nb(const char *address, int *queued, char *err, size_t errlen);
int	osm_redis_escape(struct osm_buf *, const char *text);
/* FNV-1a 64-bit from the old basis (osm_hash.h), for subject keys */
unsigned long long osm_redis_hash(const char *text);

#endif
