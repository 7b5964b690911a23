/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_STORE_H
#define PD_STORE_H

/*
 * pd_store - osm-policyd's Redis connection: runs batches of window
 * script calls, several batches in flight at once.
 *
 * pd_store_send() joins the calls of a batch into EVALSHA commands of
 * up to 128 calls each and queues them on the connection without
 * waiting.  Plain events that cannot fire anything (adds[], see
 * pd_event.h) go first, without the script: one RPUSH and one PEXPIRE per
 * list for all of them.  The server's loop watches pd_store_fd() and calls
 * pd_store_io() when it is readable (or writable, if
 * pd_store_want_write()); replies land in the batch's results[] and its
 * state turns PD_STORE_DONE.  Batches finish in the order they were
 * sent.  A NOSCRIPT reply (Redis restarted) resends that part of the
 * batch with the script itself.
 *
 * When Redis is unreachable, or a reply is later than redis.timeout_ms
 * (pd_store_check()), the connection is dropped and every batch in
 * flight turns PD_STORE_FAILED: the caller answers by the fail policy.
 * An outage is logged once and counted.  Reconnecting never blocks:
 * pd_store_check() starts a connection when the backoff allows (50 ms
 * after a refused one, 100 ms to 2 s after a timeout) and returns when
 * it wants to be called again, and during an outage batches fail at
 * once until Redis has answered on the new connection, so a dead or
 * hung Redis costs requests nothing.
 *
 * pd_store_run() is the same, synchronously, for tools and tests.
 */
#include <stddef.h>

struct osm_cfg;
struct pd_cmd;

#define PD_STORE_MAX_IDS 16
#define PD_STORE_MAX_WIN 16		/* PD_EVENT_MAX_WIN */

struct pd_store_result {
	int	ok;			/* 0: Redis refused this call */
	char	verdict[320];		/* "" or "HOLD|DISCARD FIELD ID" */
	int	nids;
	char	ids[PD_STORE_MAX_IDS][32];	/* reports that fired */
	char	types[PD_STORE_MAX_IDS][24];	/* and their event types */
	int	ncount;			/* -1: nothing was counted */
	unsigned count[PD_STORE_MAX_WIN];	/* each window's count after the event */
};

enum pd_store_state { PD_STORE_SENT, PD_STORE_DONE, PD_STORE_FAILED };

/* The caller's; it must stay put until the state leaves PD_STORE_SENT. */
struct pd_store_batch {
	struct pd_cmd **cmds;
	size_t	n;
	struct pd_store_result *results;	/* n of them */
	struct pd_cmd **adds;		/* plain events, counted with RPUSH */
	size_t	nadds;
	int	adds_failed;		/* Redis refused an RPUSH or PEXPIRE */
	unsigned long gen;		/* the connection (pd_store_fd) its plain
					 * events were planned on; on another one
					 * every list gets a PEXPIRE */
	enum pd_store_state state;
	size_t	due;			/* replies still to come (pd_store's) */
};

struct pd_store_stats {
	int	up;
	unsigned long outages;
	unsigned long errors;
	unsigned long batches;
};

struct pd_store;

struct pd_store *pd_store_new(const struct osm_cfg *);
void	pd_store_free(struct pd_store *);
void	pd_store_config(struct pd_store *, const struct osm_cfg *);
/* A batch may be queued now (starts connecting when the backoff allows). */
int	pd_store_available(struct pd_store *);
int	pd_store_up(const struct pd_store *);	/* Redis answered on the connection */

int	pd_store_send(struct pd_store *, struct pd_store_batch *);
/* The connection's socket, or -1; *gen changes with every new connection. */
int	pd_store_fd(const struct pd_store *, unsigned long *gen);
int	pd_store_want_write(const struct pd_store *);
void	pd_store_io(struct pd_store *);
/* Drop an overdue connection, reconnect when due; returns ms until it
 * wants to be called again (a reply due, a reconnect), or -1. */
int	pd_store_check(struct pd_store *);
int	pd_store_busy(const struct pd_store *);

int	pd_store_run(struct pd_store *, struct pd_store_batch *);
/*
 * Add fired reports to the indexes osm_rep reads (osm_rep.h), trimmed to
 * report_retention; queued behind the script run that wrote them, no
 * reply awaited.
 */
void	pd_store_index(struct pd_store *, const char *prefix, long long now_ms,
		       const char *const *ids, const char *const *tags, const char *const *types, size_t n);
void	pd_store_stats(const struct pd_store *, struct pd_store_stats *);

#endif
