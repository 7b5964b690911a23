/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_REP_H
#define OSM_REP_H

/*
 * osm_rep - the stored reports, verdicts and window counters in Redis,
 * for osmctl and the web UI: list, find, read, release, restore marks.
 *
 * Usage: r = osm_rep_open(redis, P, timeout_ms, err, len); then any of
 * the calls below; osm_rep_close(r).  P is redis.prefix + server_name
 * + ":" (osm_redis.h).  Every call returns 0 (or the documented
 * positive value) or OSM_REP_ERR with the reason in osm_rep_error();
 * after an error the connection is gone, so the caller closes r (hiredis
 * README: a context is not reused after an error).
 *
 * Indexes (man osm-policyd(8), REDIS KEYS), written by osm-policyd in
 * the pipeline that follows the report (pd_store_index), each scored
 * by the report's time in ms and trimmed to the retention on write:
 *   Preports             "ID TAG"   every report
 *   Preports:type:TYPE   "ID TAG"   one event type
 *   P{TAG}:reports       "ID TYPE"  one account (hash tag): its slot
 * osm_rep_list() reads one of them by a page of LIMIT from OFFSET,
 * newest first, skipping entries whose report has expired; it never
 * scans the keyspace.  osm_rep_find() looks an id up in Preports by the
 * time in it (a report id is its time in ms, in hex, and 4 hex digits:
 * ZRANGEBYSCORE T T), and only for a report no index knows (its index
 * write lost, or a version without Preports) by SCAN of the keyspace.
 *
 * Redis is not trusted: every reply is checked for type and length,
 * tags and ids read back are bounded.  Not thread-safe (one context).
 */
#include <stddef.h>

struct osm_buf;
struct json_t;
struct osm_rep;

#define OSM_REP_ERR	(-1)
#define OSM_REP_GONE	1		/* no such report (expired, never made) */
#define OSM_REP_MAX_PAGE 1000
#define OSM_REP_TAG_MAX	256

struct osm_rep_query {
	long long since_ms, until_ms;	/* time range, inclusive; 0: open */
	const char *type;		/* an event type, or NULL */
	const char *tag;		/* an account (hash tag), or NULL */
	size_t	offset;			/* index entries to skip */
	size_t	limit;			/* reports wanted, 1..OSM_REP_MAX_PAGE */
};

struct osm_rep *osm_rep_open(const char *redis, const char *prefix, unsigned timeout_ms,
			     char *err, size_t errlen);
void	osm_rep_close(struct osm_rep *);
const char *osm_rep_error(const struct osm_rep *);

/* A report id as osm-policyd makes them: 1 to 40 letters and digits. */
int	osm_rep_id_ok(const char *id);

/*
 * The key names.  osm_rep_key: "P{TAG}:SUFFIX", TAG escaped
 * (osm_redis_escape); the others are the index keys above.
 */
int	osm_rep_key(struct osm_buf *, const char *prefix, const char *tag, const char *suffix);
int	osm_rep_key_all(struct osm_buf *, const char *prefix);
int	osm_rep_key_type(struct osm_buf *, const char *prefix, const char *type);
/*
 * The parsers of what Redis holds (fuzz_rep): osm_rep_member splits an
 * index member "ID REST" (REST a tag, which may hold spaces, or a type)
 * into id[idlen] and rest[restlen]; osm_rep_key_tag reads the tag back
 * from the name of report key "P{TAG}:report:ID" into
 * tag[OSM_REP_TAG_MAX], unescaped.  0, or -1 for what osm never wrote.
 */
int	osm_rep_member(const char *m, size_t len, char *id, size_t idlen, char *rest, size_t restlen);
int	osm_rep_key_tag(const char *prefix, const char *id, const char *key, size_t len, char *tag);
/* osm_rep_unescape - undo osm_redis_escape in place (a tag or key read back) */
void	osm_rep_unescape(char *);

/*
 * osm_rep_list - a page of reports, newest first, as JSON objects
 * (osm_rfmt_from_hash) in the new array *out, the caller's (NULL on
 * error).  *next: the offset of the next page (an index position: pass
 * it back in q->offset), or 0 when there is none.  Entries whose report
 * is gone are skipped, so a page may come from more than LIMIT entries.
 */
int	osm_rep_list(struct osm_rep *, const struct osm_rep_query *, struct json_t **out, size_t *next);
/* osm_rep_count - index entries matching q's time range, type and tag (upper bound) */
int	osm_rep_count(struct osm_rep *, const struct osm_rep_query *, long long *n);

/* osm_rep_find - the hash tag of report ID into tag[OSM_REP_TAG_MAX]; OSM_REP_GONE */
int	osm_rep_find(struct osm_rep *, const char *id, char *tag);
/* osm_rep_get - report ID of TAG as a JSON object (*out, the caller's); OSM_REP_GONE */
int	osm_rep_get(struct osm_rep *, const char *id, const char *tag, struct json_t **out);
/* osm_rep_set_results - replace the "results" of report ID (JSON text) */
int	osm_rep_set_results(struct osm_rep *, const char *id, const char *tag, const char *json);

/*
 * osm_rep_release - delete verdict FIELD ("account:X", "email:X",
 * "ip:X") of TAG; 1 if there was one (its value in was[wlen], "?" if
 * not a string), 0 if not.
 */
int	osm_rep_release(struct osm_rep *, const char *tag, const char *field, char *was, size_t wlen);
/* osm_rep_verdicts - fn(field, value, arg) for each verdict of TAG */
int	osm_rep_verdicts(struct osm_rep *, const char *tag,
			 void (*fn)(const char *field, const char *value, void *), void *arg);
/*
 * osm_rep_windows - fn(key, pttl_ms, arg) for each window list of TAG
 * ("P{TAG}:w:..."); a SCAN of the keyspace, for one sender's counters.
 */
int	osm_rep_windows(struct osm_rep *, const char *tag,
			void (*fn)(const char *key, long long pttl_ms, void *), void *arg);
/* osm_rep_window_count - the events of window list KEY later than SINCE (ms) */
int	osm_rep_window_count(struct osm_rep *, const char *key, long long since_ms, long long *n);

/*
 * The audit log "Paudit": what people changed (a release, a restore, a
 * configuration change) with who and when, newest first, the last
 * OSM_REP_AUDIT_MAX kept.  osm_rep_audit_add writes one entry, a JSON
 * object {"t": ms, "user": USER, "what": WHAT}; osm_rep_audit_list
 * passes the newest N, each checked, to fn(ms, user, what, arg).
 */
#define OSM_REP_AUDIT_MAX 1000
int	osm_rep_audit_add(struct osm_rep *, long long ms, const char *user, const char *what);
int	osm_rep_audit_list(struct osm_rep *, size_t n,
			   void (*fn)(long long ms, const char *user, const char *what, void *), void *arg);

#endif
