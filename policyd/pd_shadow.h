/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_SHADOW_H
#define PD_SHADOW_H

/*
 * pd_shadow - what osm-policyd last heard from Redis about each window
 * and verdict, so most requests are answered without waiting for it.
 *
 * Redis stays the one source of truth: every event is still counted
 * there, in order.  The shadow only decides when the answer is already
 * known.  pd_shadow_clear() says a request is DUNNO for certain when,
 * for every key it touches, the window script answered less than
 * PD_SHADOW_FRESH_MS ago, and
 *  - no verdict stood on any of its verdict fields, and no earlier
 *    request of that sender that may fire a trigger is still waiting
 *    for Redis (its verdict must come first; an earlier request whose
 *    windows all had room for it when it was sent fires nothing);
 *  - each window's count then, plus the events in flight, plus this
 *    one, does not exceed the window's level (so this event fires
 *    nothing: counts only fall as events age out).
 * Then the server answers DUNNO at once and sends the event on; a plain
 * event (pd_event.h) then goes without the script, as an RPUSH, since it
 * can fire nothing.  Only
 * this daemon writes its keys (the prefix names the server); osmctl
 * release only lifts verdicts, which the shadow never assumes.
 *
 * pd_shadow_sent() records a request's calls as in flight (fast says
 * whether it was answered already, plain whether it goes as RPUSHes) and
 * keeps their entries in the calls; for a plain event it also sets
 * pd_cmd.expire for each list that has had no PEXPIRE on this Redis
 * connection for half of PD_EVENT_TTL_SLACK_MS (sent by a plain event,
 * or by a script run that left the list standing), so a list always
 * outlives its newest event by its interval.  pd_shadow_reconnected()
 * forgets every PEXPIRE: a new connection may be to a Redis that lost
 * the keys.  pd_shadow_done() takes Redis's results for them (ok 0: Redis
 * failed, and the entries are no longer known; results NULL: a plain
 * event was added, each window's count grows by one and stays an upper
 * bound) and lets the entries go.  Calls
 * finish in the order they were sent.  pd_shadow_expire() forgets idle
 * entries; at most max entries are kept, past that requests simply
 * wait for Redis.
 */
#include <stddef.h>

struct pd_plan;
struct pd_store_result;
struct pd_shadow;

#define PD_SHADOW_FRESH_MS	10000

struct pd_shadow *pd_shadow_new(size_t max);
void	pd_shadow_free(struct pd_shadow *);
int	pd_shadow_clear(struct pd_shadow *, const struct pd_plan *, long long mono_ms);
void	pd_shadow_sent(struct pd_shadow *, struct pd_plan *, int fast, int plain, long long mono_ms);
void	pd_shadow_done(struct pd_shadow *, const struct pd_plan *,
		       const struct pd_store_result *, int ok, long long mono_ms);
void	pd_shadow_expire(struct pd_shadow *, long long mono_ms);
void	pd_shadow_reconnected(struct pd_shadow *);
size_t	pd_shadow_size(const struct pd_shadow *);

#endif
