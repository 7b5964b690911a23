/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgi_dash - the Dashboard: is everything running, and what fired.
 *
 * The daemon's health comes from its status file (rewritten every
 * second, readable while Redis is down), the other daemons' from /proc,
 * and the report figures from the report indexes in Redis: a handful of
 * ZCOUNTs and one page, never a scan of the keyspace.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgi_frame.h"
#include "cgi_out.h"
#include "cgi_pages.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_clock.h"
#include "osm_rep.h"

#define HOURS		24
#define TOP_FROM	200	/* the newest reports the top list is taken from */
#define TOP_N		10
#define STALE_S		5	/* a status file older than this: the daemon is not running */

struct cgi_status {
	int	found;
	char	kv[40][2][64];
	int	n;
};

static void
cgi_dash_status_read(const char *file, struct cgi_status *st)
{
	char	line[256];
	FILE   *fp = file ? fopen(file, "re") : NULL;

	memset(st, 0, sizeof(*st));
	if (fp == NULL)
		return;
	st->found = 1;
	while (st->n < 40 && fgets(line, sizeof(line), fp)) {
		char   *eq = strchr(line, '=');

		if (eq == NULL)
			continue;
		*eq = 0;
		eq[strcspn(eq + 1, "\n") + 1] = 0;
		snprintf(st->kv[st->n][0], 64, "%s", line);
		snprintf(st->kv[st->n][1], 64, "%s", eq + 1);
		st->n++;
	}
	fclose(fp);
}

static const char *
cgi_dash_get(const struct cgi_status *st, const char *k)
{
	for (int i = 0; i < st->n; i++)
		if (strcmp(st->kv[i][0], k) == 0)
			return st->kv[i][1];
	return "0";
}

/* cgi_dash_running - a process whose comm is NAME runs: its pid, or 0 */
static long
cgi_dash_running(const char *name)
{
	DIR    *d = opendir("/proc");
	struct dirent *e;
	long	pid = 0;

	while (d && pid == 0 && (e = readdir(d)) != NULL) {
		char	path[64], comm[32] = "";
		FILE   *fp;

		if (!isdigit((unsigned char) e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if ((fp = fopen(path, "re")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), fp) && strcmp(strtok(comm, "\n") ? comm : "", name) == 0)
			pid = atol(e->d_name);
		fclose(fp);
	}
	if (d)
		closedir(d);
	return pid;
}

static void
cgi_dash_card(struct osm_buf *b, const char *name, int ok, const char *state, const char *detail)
{
	cgi_out_printf(b, "<div class=\"osm-card %s\"><h3>%h</h3><p class=\"osm-state\">%h</p><p>%h</p></div>\n",
		       ok ? "osm-ok" : "osm-down", name, state, detail);
}

static void
cgi_dash_health(struct cgi_ctx *ctx, int redis_ok)
{
	struct cgi_status st;
	char	state[128], detail[512];
	long long age;
	long	pid;

	cgi_dash_status_read(ctx->cfg->status_file, &st);
	age = osm_wall_ms() / 1000 - atoll(cgi_dash_get(&st, "updated"));
	cgi_out_printf(ctx->page, "<section class=\"osm-cards\" id=\"health\">\n");
	if (st.found && age <= STALE_S) {
		snprintf(state, sizeof(state), "running (pid %s), mode %s, fail %s", cgi_dash_get(&st, "pid"),
			 cgi_dash_get(&st, "mode"), cgi_dash_get(&st, "fail"));
		snprintf(detail, sizeof(detail), "%s requests: %s held, %s discarded, %s answered by the fail "
			 "policy; %s Redis outages, %s bad requests", cgi_dash_get(&st, "requests"),
			 cgi_dash_get(&st, "hold"), cgi_dash_get(&st, "discard"), cgi_dash_get(&st, "failed"),
			 cgi_dash_get(&st, "redis_outages"), cgi_dash_get(&st, "bad_requests"));
		cgi_dash_card(ctx->page, "osm-policyd", 1, state, detail);
	} else {
		if (st.found)
			snprintf(detail, sizeof(detail), "its status file was last written %lld s ago", age);
		else
			snprintf(detail, sizeof(detail), "no status file at %s",
				 ctx->cfg->status_file ? ctx->cfg->status_file : "(status_file not set)");
		cgi_dash_card(ctx->page, "osm-policyd", 0, "not running", detail);
	}
	cgi_dash_card(ctx->page, "Redis", redis_ok, redis_ok ? "reachable" : "unreachable",
		      redis_ok ? ctx->cfg->redis : (ctx->rep ? osm_rep_error(ctx->rep) : ctx->rep_error));
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "osm-sniffer" : "osm-mainlog";

		snprintf(state, sizeof(state), "running (pid %ld)", pid = cgi_dash_running(name));
		cgi_dash_card(ctx->page, name, pid > 0, pid > 0 ? state : "not running",
			      i ? "SMTP that bypasses exim" : "exim's mainlog: deliveries and bounces");
	}
	cgi_out_printf(ctx->page, "</section>\n");
}

/* cgi_dash_chart - reports per hour over 24 h as an SVG bar chart */
static int
cgi_dash_chart(struct cgi_ctx *ctx, struct osm_rep *rep, long long now, long long *total)
{
	long long n[HOURS], max = 1;
	struct osm_rep_query q = {0};
	struct osm_buf *b = ctx->page;

	*total = 0;
	for (int h = 0; h < HOURS; h++) {
		q.since_ms = now - (HOURS - h) * 3600000LL + 1;
		q.until_ms = now - (HOURS - h - 1) * 3600000LL;
		if (osm_rep_count(rep, &q, &n[h]) != 0)
			return -1;
		*total += n[h];
		if (n[h] > max)
			max = n[h];
	}
	cgi_out_printf(b, "<figure class=\"osm-chart\" id=\"chart-reports\"><figcaption>Reports per hour, "
		       "last 24 h (%lld in all, most %lld in an hour)</figcaption>"
		       "<svg viewBox=\"0 0 %d 110\" role=\"img\" aria-label=\"reports per hour\" "
		       "preserveAspectRatio=\"none\">", *total, max, HOURS * 20);
	for (int h = 0; h < HOURS; h++) {
		long long ht = n[h] * 100 / max;

		cgi_out_printf(b, "<rect x=\"%d\" y=\"%lld\" width=\"16\" height=\"%lld\" data-n=\"%lld\">"
			       "<title>%lld h ago: %lld</title></rect>", h * 20 + 2, 100 - ht, ht ? ht : 0LL,
			       n[h], (long long) (HOURS - h), n[h]);
	}
	cgi_out_printf(b, "<line x1=\"0\" y1=\"100.5\" x2=\"%d\" y2=\"100.5\"/></svg>"
		       "<div class=\"osm-axis\"><span>24 h ago</span><span>now</span></div></figure>\n", HOURS * 20);
	return 0;
}

static void
cgi_dash_types(struct cgi_ctx *ctx, struct osm_rep *rep, long long now)
{
	struct osm_rep_query q = {.since_ms = now - HOURS * 3600000LL};

	cgi_out_printf(ctx->page, "<table class=\"osm-table osm-narrow\" id=\"by-type\"><thead><tr><th>Event</th>"
		       "<th>Reports, 24 h</th></tr></thead><tbody>");
	for (int i = 0; i < OSM_EV_COUNT; i++) {
		long long n = 0;

		q.type = osm_ev_names[i];
		if (osm_rep_count(rep, &q, &n) != 0)
			break;
		cgi_out_printf(ctx->page, "<tr><td><a href=\"?page=reports&amp;type=%U\">%h</a></td>"
			       "<td class=\"osm-num\">%lld</td></tr>", osm_ev_names[i], osm_ev_names[i], n);
	}
	cgi_out_printf(ctx->page, "</tbody></table>\n");
}

/* cgi_dash_top - the senders most reported among the newest reports */
static void
cgi_dash_top(struct cgi_ctx *ctx, json_t *arr)
{
	struct top { const char *tag; int n; } top[TOP_FROM];
	size_t	i, j, nt = 0;
	json_t *o;

	json_array_foreach(arr, i, o) {
		const char *tag = json_string_value(json_object_get(o, "tag"));

		if (tag == NULL)
			continue;
		for (j = 0; j < nt && strcmp(top[j].tag, tag); j++)
			;
		if (j == nt)
			top[nt++] = (struct top) {tag, 0};
		top[j].n++;
	}
	for (i = 1; i < nt; i++)	/* insertion sort, most first: at most TOP_FROM */
		for (j = i; j > 0 && top[j].n > top[j - 1].n; j--) {
			struct top t = top[j];

			top[j] = top[j - 1], top[j - 1] = t;
		}
	cgi_out_printf(ctx->page, "<table class=\"osm-table osm-narrow\" id=\"top\"><thead><tr><th>Sender</th>"
		       "<th>Reports</th></tr></thead><tbody>");
	for (i = 0; i < nt && i < TOP_N; i++)
		cgi_out_printf(ctx->page, "<tr><td class=\"osm-key\"><a href=\"?page=reports&amp;tag=%U\">%h</a></td>"
			       "<td class=\"osm-num\">%d</td></tr>", top[i].tag, top[i].tag, top[i].n);
	if (nt == 0)
		cgi_out_printf(ctx->page, "<tr><td colspan=\"2\" class=\"osm-empty\">none in 24 h</td></tr>");
	cgi_out_printf(ctx->page, "</tbody></table>\n");
}

static void
cgi_dash_audit_row(long long ms, const char *user, const char *what, void *arg)
{
	struct osm_buf *b = arg;
	char	when[32];

	cgi_frame_time(ms, when, sizeof(when));
	cgi_out_printf(b, "<tr><td>%h</td><td>%h</td><td>%h</td></tr>", when, user, what);
}

/* cgi_dash_audit - the newest changes made through the UI */
static void
cgi_dash_audit(struct cgi_ctx *ctx, struct osm_rep *rep)
{
	size_t	before;

	cgi_out_printf(ctx->page, "<h2>Changes made here</h2><table class=\"osm-table\" id=\"audit\"><thead><tr>"
		       "<th>Time</th><th>User</th><th>Change</th></tr></thead><tbody>");
	before = osm_buf_len(ctx->page);
	if (osm_rep_audit_list(rep, 10, cgi_dash_audit_row, ctx->page) != 0)
		cgi_out_printf(ctx->page, "<tr><td colspan=\"3\">Redis: %h</td></tr>", osm_rep_error(rep));
	else if (osm_buf_len(ctx->page) == before)
		cgi_out_printf(ctx->page, "<tr><td colspan=\"3\" class=\"osm-empty\">none yet</td></tr>");
	cgi_out_printf(ctx->page, "</tbody></table>\n");
}

void
cgi_page_dashboard(struct cgi_ctx *ctx)
{
	long long now = osm_wall_ms(), total = 0;
	struct osm_rep *rep = cgi_frame_rep(ctx);
	struct osm_rep_query q = {.since_ms = now - HOURS * 3600000LL, .limit = TOP_FROM};
	json_t *arr = NULL;
	size_t	next;
	int	redis_ok = rep && osm_rep_count(rep, &q, &total) == 0;

	cgi_frame_begin(ctx, "Dashboard", "dashboard");
	cgi_dash_health(ctx, redis_ok);
	if (!redis_ok) {
		cgi_frame_end(ctx);
		return;
	}
	cgi_out_printf(ctx->page, "<section class=\"osm-row\"><div class=\"osm-wide\">");
	if (cgi_dash_chart(ctx, rep, now, &total) == 0 && osm_rep_list(rep, &q, &arr, &next) == 0) {
		cgi_out_printf(ctx->page, "</div><div><h2>By event</h2>");
		cgi_dash_types(ctx, rep, now);
		cgi_out_printf(ctx->page, "</div><div><h2>Most reported</h2>");
		cgi_dash_top(ctx, arr);
		cgi_out_printf(ctx->page, "</div></section>\n<h2>Latest reports</h2>\n");
		while (json_array_size(arr) > 10)
			json_array_remove(arr, 10);
		cgi_reports_table(ctx, arr);
		cgi_out_printf(ctx->page, "<p><a href=\"?page=reports\">All reports</a></p>\n");
		cgi_dash_audit(ctx, rep);
	} else
		cgi_out_printf(ctx->page, "</div></section><p class=\"osm-notice osm-bad\">Redis: %h</p>\n",
			       osm_rep_error(rep));
	json_decref(arr);
	cgi_frame_end(ctx);
}
