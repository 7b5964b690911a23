/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_STORE_H
#define PD_STORE_H

/*
 * pd_store - osm-policyd's Redis connection: runs batches of window
 * script calls in one pipelined round trip.
 *
 * pd_store_run() sends every call of a batch (EVALSHA, loading the
 * script again after a NOSCRIPT reply) and reads the replies into
 * results[].  It returns 0, or -1 when Redis is unreachable: then no
 * result is valid and the caller answers by the fail policy.  An outage
 * is logged once and counted; reconnects back off from 100 ms to 5 s,
 * so a dead Redis costs requests nothing while it is down.  Every call
 * is bounded by redis.timeout_ms.
 */
#include <stddef.h>

struct osm_cfg;
struct pd_cmd;

#define PD_STORE_MAX_IDS 16

struct pd_store_result {
	int	ok;			/* 0: Redis refused this call */
	char	verdict[320];		/* "" or "HOLD|DISCARD FIELD ID" */
	int	nids;
	char	ids[PD_STORE_MAX_IDS][32];	/* reports that fired */
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
int	pd_store_available(struct pd_store *);
int	pd_store_run(struct pd_store *, struct pd_cmd **cmds, size_t n,
		     struct pd_store_result *results);
/* Add fired reports to the index: "ID TAG" members of Preports. */
void	pd_store_index(struct pd_store *, const char *prefix, long long now_ms,
		       const char *const *ids, const char *const *tags, size_t n);
void	pd_store_stats(const struct pd_store *, struct pd_store_stats *);

#endif
