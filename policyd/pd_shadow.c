/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_shadow - the last known state of windows and verdicts; see
 * pd_shadow.h.
 *
 * One chained hash table of entries named by Redis key: a window's list
 * key, or "VERDICT_HASH\nFIELD" for a verdict field.  An entry that a
 * call in flight refers to is never dropped, so the in-flight counts
 * stay exact and the call keeps its entries from pd_shadow_sent() to
 * pd_shadow_done() without looking them up again; idle ones go once they
 * are stale, or all of them when the table reaches its size (losing them
 * only means waiting for Redis).
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osm_hash.h"
#include "pd_event.h"
#include "pd_shadow.h"
#include "pd_store.h"

#define PD_SHADOW_KEY_MAX	1024

struct pd_shadow_ent {
	struct pd_shadow_ent *next;
	uint64_t hash;
	long long fresh;		/* monotonic ms of Redis's last answer, 0: none yet */
	unsigned count;			/* window: its count then */
	unsigned inflight;		/* window: events sent, not answered;
					 * field: requests waiting for Redis
					 * that may fire (pd_cmd.holds) */
	unsigned refs;			/* calls in flight that hold it */
	int	verdict;		/* field: a verdict stood then */
	long long pexpire_ms;		/* window: monotonic ms of the last PEXPIRE
					 * sent, 0: none known */
	unsigned long epoch;		/* the connection that PEXPIRE went on */
	size_t	len;
	char	key[];
};

struct pd_shadow {
	struct pd_shadow_ent **tab;
	size_t	nbucket;		/* a power of two */
	size_t	n;
	size_t	max;
	unsigned long epoch;		/* one per Redis connection */
};

struct pd_shadow *
pd_shadow_new(size_t max)
{
	struct pd_shadow *sh = calloc(1, sizeof(*sh));

	if (sh == NULL)
		return NULL;
	sh->nbucket = 1024;
	sh->max = max;
	if ((sh->tab = calloc(sh->nbucket, sizeof(*sh->tab))) == NULL) {
		free(sh);
		return NULL;
	}
	return sh;
}

void
pd_shadow_free(struct pd_shadow *sh)
{
	if (sh == NULL)
		return;
	for (size_t b = 0; b < sh->nbucket; b++)
		for (struct pd_shadow_ent *e = sh->tab[b], *next; e; e = next) {
			next = e->next;
			free(e);
		}
	free(sh->tab);
	free(sh);
}

size_t
pd_shadow_size(const struct pd_shadow *sh)
{
	return sh->n;
}

static void
pd_shadow_grow(struct pd_shadow *sh)
{
	size_t	nb = sh->nbucket * 2;
	struct pd_shadow_ent **tab = calloc(nb, sizeof(*tab));

	if (tab == NULL)
		return;				/* longer chains, still correct */
	for (size_t b = 0; b < sh->nbucket; b++)
		for (struct pd_shadow_ent *e = sh->tab[b], *next; e; e = next) {
			next = e->next;
			e->next = tab[e->hash & (nb - 1)];
			tab[e->hash & (nb - 1)] = e;
		}
	free(sh->tab);
	sh->tab = tab;
	sh->nbucket = nb;
}

/* pd_shadow_drop - forget idle entries: stale ones, or all of them */
static void
pd_shadow_drop(struct pd_shadow *sh, long long now, int all)
{
	for (size_t b = 0; b < sh->nbucket; b++) {
		struct pd_shadow_ent **pp = &sh->tab[b];

		while (*pp) {
			struct pd_shadow_ent *e = *pp;

			if (e->refs == 0 && (all || now - e->fresh > PD_SHADOW_FRESH_MS)) {
				*pp = e->next;
				free(e);
				sh->n--;
			} else
				pp = &e->next;
		}
	}
}

void
pd_shadow_expire(struct pd_shadow *sh, long long now)
{
	pd_shadow_drop(sh, now, 0);
}

/*
 * pd_shadow_find - the entry for a key given as up to two parts joined
 * by a newline; NULL if absent (or, creating, out of memory or the key
 * is absurdly long).
 */
static struct pd_shadow_ent *
pd_shadow_find(struct pd_shadow *sh, const char *a, size_t alen, const char *b, size_t blen,
	       int create)
{
	char	key[PD_SHADOW_KEY_MAX];
	size_t	len = alen + (b ? 1 + blen : 0);
	struct pd_shadow_ent *e;
	uint64_t h;

	if (len > sizeof(key))
		return NULL;
	memcpy(key, a, alen);
	if (b) {
		key[alen] = '\n';
		memcpy(key + alen + 1, b, blen);
	}
	h = osm_hash(key, len);
	for (e = sh->tab[h & (sh->nbucket - 1)]; e; e = e->next)
		if (e->hash == h && e->len == len && memcmp(e->key, key, len) == 0)
			return e;
	if (!create)
		return NULL;
	if (sh->n >= sh->max)
		pd_shadow_drop(sh, 0, 1);
	if ((e = calloc(1, sizeof(*e) + len)) == NULL)
		return NULL;
	e->hash = h;
	e->len = len;
	memcpy(e->key, key, len);
	if (sh->n >= sh->nbucket)
		pd_shadow_grow(sh);
	e->next = sh->tab[h & (sh->nbucket - 1)];
	sh->tab[h & (sh->nbucket - 1)] = e;
	sh->n++;
	return e;
}

static struct pd_shadow_ent *
pd_shadow_field(struct pd_shadow *sh, const struct pd_cmd *c, int i, int create)
{
	return pd_shadow_find(sh, c->argv[0], c->argvlen[0], c->argv[c->field[i]],
			      c->argvlen[c->field[i]], create);
}

static struct pd_shadow_ent *
pd_shadow_window(struct pd_shadow *sh, const struct pd_cmd *c, int i, int create)
{
	return pd_shadow_find(sh, c->argv[c->win[i]], c->argvlen[c->win[i]], NULL, 0, create);
}

/* pd_shadow_known - Redis answered for this entry, lately */
static int
pd_shadow_known(const struct pd_shadow_ent *e, long long now)
{
	return e != NULL && e->fresh != 0 && now - e->fresh <= PD_SHADOW_FRESH_MS;
}

/* pd_shadow_room - every window of the event is known to have room for it: it fires nothing */
static int
pd_shadow_room(struct pd_shadow *sh, const struct pd_plan *p, long long now)
{
	for (int i = 0; p->count && i < p->ncmd; i++) {
		const struct pd_cmd *c = &p->cmd[i];

		for (int w = 0; w < c->nwin; w++) {
			struct pd_shadow_ent *e = pd_shadow_window(sh, c, w, 0);

			if (!pd_shadow_known(e, now)
			    || (unsigned long long) e->count + e->inflight + 1 > c->level[w])
				return 0;
		}
	}
	return 1;
}

int
pd_shadow_clear(struct pd_shadow *sh, const struct pd_plan *p, long long now)
{
	if (p->ncmd == 0)
		return 0;
	for (int i = 0; i < p->ncmd; i++) {
		const struct pd_cmd *c = &p->cmd[i];

		for (int f = 0; f < c->nfield; f++) {
			struct pd_shadow_ent *e = pd_shadow_field(sh, c, f, 0);

			if (!pd_shadow_known(e, now) || e->verdict || e->inflight)
				return 0;
		}
	}
	return pd_shadow_room(sh, p, now);
}

void
pd_shadow_reconnected(struct pd_shadow *sh)
{
	sh->epoch++;
}

/* pd_shadow_pexpired - the window's list has had a PEXPIRE after 'since' on this connection */
static int
pd_shadow_pexpired(const struct pd_shadow *sh, const struct pd_shadow_ent *e, long long since)
{
	return e != NULL && e->pexpire_ms != 0 && e->epoch == sh->epoch && e->pexpire_ms > since;
}

void
pd_shadow_sent(struct pd_shadow *sh, struct pd_plan *p, int fast, int plain, long long now)
{
	/* Only a waiting request that may fire can set a verdict its sender's
	 * later requests must wait for; one that waits only because another
	 * does cannot (its windows have room), so it holds nobody back, and a
	 * sender on many connections is not kept waiting for good. */
	int	holds = !fast && !pd_shadow_room(sh, p, now);

	for (int i = 0; i < p->ncmd; i++) {
		struct pd_cmd *c = &p->cmd[i];
		struct pd_shadow_ent *e;

		c->sent_ms = now;
		c->expire = 0;
		c->holds = holds;

		for (int f = 0; f < c->nfield; f++) {
			if ((c->shadow[f] = e = pd_shadow_field(sh, c, f, 1)) == NULL)
				continue;
			e->refs++;
			if (holds)
				e->inflight++;
		}
		for (int w = 0; w < c->nwin; w++) {
			c->shadow[PD_EVENT_MAX_FIELDS + w] = e = p->count ? pd_shadow_window(sh, c, w, 1) : NULL;
			if (e != NULL) {
				e->refs++;
				e->inflight++;
			}
			if (plain && !pd_shadow_pexpired(sh, e, now - PD_EVENT_TTL_SLACK_MS / 2)) {
				c->expire |= 1u << w;
				if (e != NULL) {
					e->pexpire_ms = now;
					e->epoch = sh->epoch;
				}
			}
		}
	}
}

void
pd_shadow_done(struct pd_shadow *sh, const struct pd_plan *p,
	       const struct pd_store_result *res, int ok, long long now)
{
	for (int i = 0; i < p->ncmd; i++) {
		const struct pd_cmd *c = &p->cmd[i];
		const struct pd_store_result *r = res ? &res[i] : NULL;
		int	known = ok && (r == NULL || r->ok);
		struct pd_shadow_ent *e;

		for (int f = 0; f < c->nfield; f++) {
			if ((e = c->shadow[f]) == NULL)
				continue;
			e->refs--;
			if (c->holds && e->inflight)
				e->inflight--;
			if (!known)
				e->fresh = 0;	/* Redis may or may not have run it */
			else if (r) {
				/* The verdict names one field; assume it stands on all. */
				e->verdict = r->verdict[0] != 0;
				e->fresh = now;
			}
		}
		for (int w = 0; w < c->nwin; w++) {
			if ((e = c->shadow[PD_EVENT_MAX_FIELDS + w]) == NULL)
				continue;
			e->refs--;
			if (e->inflight)
				e->inflight--;
			if (!known) {
				e->fresh = 0;
				e->pexpire_ms = 0;	/* nor whether its PEXPIRE ran */
			} else if (r == NULL) {
				/* Added by a plain RPUSH: one more, nothing trimmed,
				 * so still an upper bound; only the script's
				 * answers make the entry fresh again. */
				if (e->count < UINT_MAX)
					e->count++;
			} else if (r->ncount == c->nwin) {
				e->count = r->count[w];
				e->fresh = now;
				/* The script gives every list it leaves a PEXPIRE,
				 * after the call was sent; one that fired is gone. */
				if (e->count == 0)
					e->pexpire_ms = 0;
				else if (!pd_shadow_pexpired(sh, e, c->sent_ms)) {
					e->pexpire_ms = c->sent_ms;
					e->epoch = sh->epoch;
				}
			}
		}
	}
}
