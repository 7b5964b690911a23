/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ctl_scan - "osmctl scan FILE...": replay old exim logs (plain or gzip)
 * into a dry-run summary: events per type and key, and how often each
 * configured window would have fired, by the lines' own times.  Nothing
 * in Redis is read or changed.
 *
 * The lines become requests exactly as osm-mainlog makes them
 * (osm_mlev), and the requests become events keyed as osm-policyd keys
 * them: logline by email account, account or ip:ADDR; logline:subject by
 * that and the subject; cwdcheck by the owner of the cwd; cwdcheck:cwd
 * by the path; delivery by the sender of the message.  Ignore lists and
 * per-account triggers apply.  Each
 * window keeps its own events and, like osm-policyd, consumes them when
 * it fires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <zlib.h>

#include "ctl_scan.h"
#include "osm_acct.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_hash.h"
#include "osm_ident.h"
#include "osm_mlev.h"
#include "osm_msg.h"
#include "osm_proto.h"

struct sc_win {
	unsigned level, seconds, ratio;
	long long *ts;			/* unconsumed events, oldest first: time * 2 + failed */
	size_t	head, n, cap;
	size_t	nfail;			/* failed ones among them */
	unsigned long fired;
};

struct sc_key {
	char   *name;			/* "TYPE\tKEY" */
	unsigned long events;
	int	nwin;
	struct sc_win win[OSM_MAX_WINDOWS];
};

struct sc {
	const struct osm_cfg *cfg;
	struct osm_acct *acct;
	struct sc_key **tab;		/* open addressing */
	size_t	cap, n;
	unsigned long messages;
	unsigned long results;		/* delivery results */
};

static struct sc_key *
sc_key(struct sc *s, const char *name)
{
	size_t	h;

	if (s->n * 2 >= s->cap) {
		struct sc_key **old = s->tab;
		size_t	oc = s->cap;

		s->cap = s->cap ? s->cap * 2 : 1024;
		if ((s->tab = calloc(s->cap, sizeof(*s->tab))) == NULL)
			osm_msg_fatal("out of memory");
		for (size_t i = 0; i < oc; i++)
			if (old[i]) {
				size_t	g = osm_hash(old[i]->name, strlen(old[i]->name));

				while (s->tab[g % s->cap])
					g++;
				s->tab[g % s->cap] = old[i];
			}
		free(old);
	}
	for (h = osm_hash(name, strlen(name));; h++) {
		struct sc_key *k = s->tab[h % s->cap];

		if (k == NULL)
			break;
		if (strcmp(k->name, name) == 0)
			return k;
	}
	struct sc_key *k = calloc(1, sizeof(*k));

	if (k == NULL || (k->name = strdup(name)) == NULL)
		osm_msg_fatal("out of memory");
	s->tab[h % s->cap] = k;
	s->n++;
	return k;
}

/* sc_event - one event of type EV for KEY under hash TAG at T (a failed delivery: FAILED) */
static void
sc_event(struct sc *s, enum osm_ev ev, const char *tag, const char *key, const char *account,
	 const char *email, long long t, int failed)
{
	struct osm_trig trig;
	char	name[1400];
	struct sc_key *k;

	osm_cfg_trigger(s->cfg, account, email, ev, &trig);
	if (!trig.enabled)
		return;
	/* osm-policyd's windows are per tag: a path can be in two */
	snprintf(name, sizeof(name), "%s\t%s\t%s", osm_ev_names[ev], tag, key);
	k = sc_key(s, name);
	k->events++;
	k->nwin = trig.nwin;
	for (int i = 0; i < trig.nwin; i++) {
		struct sc_win *w = &k->win[i];

		w->level = trig.win[i].events;
		w->seconds = trig.win[i].seconds;
		w->ratio = trig.win[i].ratio;
		while (w->head < w->n && w->ts[w->head] / 2 <= t - w->seconds)
			w->nfail -= (size_t) (w->ts[w->head++] & 1);
		if (w->n == w->cap) {
			if (w->head > 0) {
				memmove(w->ts, w->ts + w->head, (w->n - w->head) * sizeof(*w->ts));
				w->n -= w->head;
				w->head = 0;
			}
			if (w->n == w->cap) {
				w->cap = w->cap ? w->cap * 2 : 16;
				if ((w->ts = realloc(w->ts, w->cap * sizeof(*w->ts))) == NULL)
					osm_msg_fatal("out of memory");
			}
		}
		w->ts[w->n++] = t * 2 + (failed != 0);
		w->nfail += failed != 0;
		if (w->n - w->head > w->level && w->nfail * 1000 >= w->ratio * (w->n - w->head)) {
			w->fired++;
			w->head = w->n;		/* consumed */
			w->nfail = 0;
		}
	}
}

/* sc_attr - an attribute's first value, NULL if absent or empty (as osm-policyd reads it) */
static const char *
sc_attr(const struct osm_proto_req *req, const char *name)
{
	const char *v = osm_proto_get(req, name);

	return v && *v ? v : NULL;
}

/* sc_request - the events of one request, resolved by osm_ident as osm-policyd resolves them */
static void
sc_request(struct sc *s, char *text, size_t len, long long t)
{
	static struct osm_proto_req req;
	struct osm_proto_limits lim = {65536, 256, 1 << 20};
	struct osm_ident_req r;
	struct osm_ident id;
	const char *why;
	size_t	used;

	if (osm_proto_parse(text, len, &lim, &req, &used, &why) != OSM_PROTO_OK)
		return;
	r.source = sc_attr(&req, "source");
	r.events = sc_attr(&req, "events");
	r.delivery = sc_attr(&req, "delivery");
	r.uid = sc_attr(&req, "uid");
	r.account = sc_attr(&req, "account");
	r.sasl = sc_attr(&req, "sasl_username");
	r.ip = sc_attr(&req, "client_address");
	r.cwd = sc_attr(&req, "cwd");
	r.subject = sc_attr(&req, "subject");
	r.rcpts = sc_attr(&req, "recipient_count");
	r.remote = sc_attr(&req, "remote_recipient_count");
	r.msgid = sc_attr(&req, "message_id");
	r.did = sc_attr(&req, "delivery_id");
	if (osm_ident_check(&r, &why) < 0)
		return;				/* osm-policyd refuses it */
	osm_ident_resolve(&r, s->cfg, s->acct, &id);
	if (id.skip != OSM_IDENT_COUNT)
		return;
	if (id.delivery)
		s->results++;
	else
		s->messages += !id.only_cwd;
	for (int i = 0; i < id.nev; i++) {
		const struct osm_ident_ev *e = &id.ev[i];

		sc_event(s, e->ev, e->cwd ? id.cwd_tag : id.tag, e->key, e->account, e->email, t,
			 id.delivery && strcmp(r.delivery, "delivered") != 0);
	}
}

static int
sc_cmp(const void *a, const void *b)
{
	const struct sc_key *x = *(struct sc_key *const *) a, *y = *(struct sc_key *const *) b;
	unsigned long fx = 0, fy = 0;

	for (int i = 0; i < x->nwin; i++)
		fx += x->win[i].fired;
	for (int i = 0; i < y->nwin; i++)
		fy += y->win[i].fired;
	if (fx != fy)
		return fx < fy ? 1 : -1;
	if (x->events != y->events)
		return x->events < y->events ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* sc_requests - each request ends with an empty line; its time is in log_time= */
static void
sc_requests(struct sc *s, struct osm_buf *out)
{
	char   *p = osm_buf_data(out), *end = p + osm_buf_len(out);

	while (p < end) {
		char   *e = strstr(p, "\n\n");
		const char *lt = strstr(p, "\nlog_time=");
		long long t = lt && (!e || lt < e) ? strtoll(lt + 10, NULL, 10) : 0;

		if (e == NULL)
			break;
		sc_request(s, p, (size_t) (e + 2 - p), t);
		p = e + 2;
	}
}

int
ctl_scan(const struct osm_cfg *cfg, char **files, int nfiles, int json)
{
	struct sc s = {cfg, osm_acct_load(cfg->userdomains, cfg->min_uid), NULL, 0, 0, 0, 0};
	struct osm_mlev *ev = osm_mlev_new(cfg);
	struct osm_buf *out = osm_buf_new(1 << 20);
	struct osm_mlev_stats st;
	char   *line = malloc(65536);

	if (s.acct == NULL || ev == NULL || out == NULL || line == NULL)
		osm_msg_fatal("out of memory");
	for (int f = 0; f < nfiles; f++) {
		gzFile	gz = gzopen(files[f], "rb");	/* plain files read as they are */

		if (gz == NULL)
			osm_msg_fatal("%s: cannot open", files[f]);
		while (gzgets(gz, line, 65536) != NULL) {
			size_t	n = strlen(line);

			if (n && line[n - 1] == '\n')
				line[--n] = 0;
			osm_buf_reset(out);
			if (osm_mlev_feed(ev, line, n, out) > 0)
				sc_requests(&s, out);
		}
		osm_buf_reset(out);
		if (osm_mlev_flush(ev, out) > 0)
			sc_requests(&s, out);
		gzclose(gz);
	}
	osm_mlev_stats(ev, &st);

	struct sc_key **keys = calloc(s.n + 1, sizeof(*keys));
	size_t	nk = 0;

	for (size_t i = 0; i < s.cap; i++)
		if (s.tab[i])
			keys[nk++] = s.tab[i];
	qsort(keys, nk, sizeof(*keys), sc_cmp);
	if (json) {
		json_t *o = json_object(), *arr = json_array(), *fl = json_array();

		for (int f = 0; f < nfiles; f++)
			json_array_append_new(fl, json_string(files[f]));
		json_object_set_new(o, "files", fl);
		json_object_set_new(o, "lines", json_integer((json_int_t) st.lines));
		json_object_set_new(o, "skipped", json_integer((json_int_t) st.skipped));
		json_object_set_new(o, "messages", json_integer((json_int_t) s.messages));
		json_object_set_new(o, "delivery_results", json_integer((json_int_t) s.results));
		for (size_t i = 0; i < nk; i++) {
			json_t *k = json_object(), *w = json_array();
			char   *tab = strchr(keys[i]->name, '\t'), *tab2 = strchr(tab + 1, '\t');

			json_object_set_new(k, "type", json_stringn(keys[i]->name, (size_t) (tab - keys[i]->name)));
			json_object_set_new(k, "tag", json_stringn(tab + 1, (size_t) (tab2 - tab - 1)));
			json_object_set_new(k, "key", json_string(tab2 + 1));
			json_object_set_new(k, "events", json_integer((json_int_t) keys[i]->events));
			for (int j = 0; j < keys[i]->nwin; j++) {
				const struct sc_win *sw = &keys[i]->win[j];
				json_t *t = json_pack("{s:i,s:i,s:i}", "events", sw->level, "seconds", sw->seconds,
						      "fired", (json_int_t) sw->fired);

				if (sw->ratio)
					json_object_set_new(t, "failure_ratio", json_real(sw->ratio / 1000.0));
				json_array_append_new(w, t);
			}
			json_object_set_new(k, "triggers", w);
			json_array_append_new(arr, k);
		}
		json_object_set_new(o, "keys", arr);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		putchar('\n');
		json_decref(o);
	} else {
		printf("%lu lines (%lu not understood), %lu messages and %lu delivery results counted; dry run, nothing stored\n",
		       st.lines, st.skipped, s.messages, s.results);
		printf("%-16s %-40s %8s  %s\n", "EVENT", "KEY", "EVENTS", "WOULD FIRE");
		for (size_t i = 0; i < nk; i++) {
			char   *tab = strchr(keys[i]->name, '\t'), *tab2 = strchr(tab + 1, '\t');
			char	fired[200] = "";

			for (int j = 0; j < keys[i]->nwin; j++) {
				const struct sc_win *sw = &keys[i]->win[j];
				char	ratio[32] = "";

				if (sw->ratio)
					snprintf(ratio, sizeof(ratio), ", %u%% failed", (sw->ratio + 5) / 10);
				snprintf(fired + strlen(fired), sizeof(fired) - strlen(fired), "%s%lux (>%u/%us%s)",
					 j ? ", " : "", sw->fired, sw->level, sw->seconds, ratio);
			}
			printf("%-16.*s %-40s %8lu  %s\n", (int) (tab - keys[i]->name), keys[i]->name, tab2 + 1,
			       keys[i]->events, fired);
		}
	}
	for (size_t i = 0; i < nk; i++) {
		for (int j = 0; j < OSM_MAX_WINDOWS; j++)
			free(keys[i]->win[j].ts);
		free(keys[i]->name);
		free(keys[i]);
	}
	free(keys);
	free(s.tab);
	free(line);
	osm_buf_free(out);
	osm_mlev_free(ev);
	osm_acct_free(s.acct);
	return 0;
}
