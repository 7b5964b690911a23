/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgi_report - the Reports list, one report, and releasing its hold.
 *
 * Reports come from Redis through osm_rep, as osmctl reads them, and
 * every string in them (subjects, paths, addresses, the key) is what a
 * sender wrote: it goes out only through cgi_out's escapers.  Release
 * acts on the sender the report is about (its tag and verdict target
 * as osm-policyd stored them), never on a name the form supplies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "cgi_frame.h"
#include "cgi_out.h"
#include "cgi_pages.h"
#include "cgi_req.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_clock.h"
#include "osm_msg.h"
#include "osm_queue.h"
#include "osm_rep.h"
#include "osm_run.h"

#define PAGE_SIZE	50

static const char *
cgi_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

/* cgi_report_source - where the first event came from: script or cwd, IP, login */
static void
cgi_report_source(struct osm_buf *b, json_t *o)
{
	json_t *ev = json_array_get(json_object_get(o, "events"), 0);
	const char *script = cgi_str(ev, "script"), *cwd = cgi_str(ev, "cwd");

	if (*script)
		cgi_out_printf(b, "<span class=\"osm-src\" title=\"script\">%h</span> ", script);
	else if (*cwd)
		cgi_out_printf(b, "<span class=\"osm-src\" title=\"cwd\">%h</span> ", cwd);
	if (*cgi_str(ev, "ip"))
		cgi_out_printf(b, "<span class=\"osm-ip\">%h</span> ", cgi_str(ev, "ip"));
	if (*cgi_str(ev, "email"))
		cgi_out_printf(b, "<span class=\"osm-auth\" title=\"authenticated as\">%h</span>", cgi_str(ev, "email"));
}

static void
cgi_report_results(struct osm_buf *b, json_t *o)
{
	size_t	i;
	json_t *res;

	json_array_foreach(json_object_get(o, "results"), i, res) {
		const char *st = cgi_str(res, "status");

		cgi_out_printf(b, "<span class=\"osm-res osm-res-%s\">%h %h</span> ",
			       strcmp(st, "ok") == 0 ? "ok" : "bad", cgi_str(res, "action"), st);
	}
}

void
cgi_reports_table(struct cgi_ctx *ctx, json_t *reports)
{
	struct osm_buf *b = ctx->page;
	size_t	i;
	json_t *o;

	if (json_array_size(reports) == 0) {
		cgi_out_printf(b, "<p class=\"osm-empty\">No reports.</p>\n");
		return;
	}
	cgi_out_printf(b, "<div class=\"osm-scroll\"><table class=\"osm-table\" id=\"reports\"><thead><tr>"
		       "<th>Time</th><th>Event</th><th>Sender</th><th>Count</th><th>Source</th>"
		       "<th>Actions</th><th>Verdict</th></tr></thead><tbody>\n");
	json_array_foreach(reports, i, o) {
		char	when[32];

		cgi_frame_time(json_integer_value(json_object_get(o, "time")), when, sizeof(when));
		cgi_out_printf(b, "<tr><td><a href=\"?page=report&amp;id=%U\">%h</a></td><td>%h</td>"
			       "<td class=\"osm-key\"><a href=\"?page=reports&amp;tag=%U\">%h</a></td>"
			       "<td class=\"osm-num\">%lld &gt; %lld / %lld s</td><td>",
			       cgi_str(o, "id"), when, cgi_str(o, "type"), cgi_str(o, "tag"), cgi_str(o, "key"),
			       json_integer_value(json_object_get(o, "count")),
			       json_integer_value(json_object_get(o, "level")),
			       json_integer_value(json_object_get(o, "seconds")));
		cgi_report_source(b, o);
		cgi_out_printf(b, "</td><td>%h<br>", cgi_str(o, "actions"));
		cgi_report_results(b, o);
		cgi_out_printf(b, "</td><td>%h</td></tr>\n", *cgi_str(o, "verdict") ? cgi_str(o, "verdict") : "-");
	}
	cgi_out_printf(b, "</tbody></table></div>\n");
}

/* cgi_reports_query - the filter of the list from the query string; 0, or -1 with err */
static int
cgi_reports_query(struct cgi_ctx *ctx, struct osm_rep_query *q, long *hours, char *err, size_t errlen)
{
	const char *type = cgi_req_arg(ctx->req, "type"), *tag = cgi_req_arg(ctx->req, "tag");
	const char *h = cgi_req_arg(ctx->req, "hours"), *off = cgi_req_arg(ctx->req, "offset");
	char   *end;
	int	i;

	memset(q, 0, sizeof(*q));
	q->limit = PAGE_SIZE;
	*hours = h && *h ? strtol(h, &end, 10) : 24;
	if (h && *h && (*end || *hours < 0 || *hours > 24 * 366)) {
		snprintf(err, errlen, "hours: a number of hours from 0 (all) to 8784");
		return -1;
	}
	if (*hours > 0)
		q->since_ms = osm_wall_ms() - *hours * 3600000LL;
	if (type && *type) {
		for (i = 0; i < OSM_EV_COUNT && strcmp(type, osm_ev_names[i]); i++)
			;
		if (i == OSM_EV_COUNT) {
			snprintf(err, errlen, "type: not an event type");
			return -1;
		}
		q->type = type;
	}
	if (tag && *tag) {
		if (strlen(tag) >= OSM_REP_TAG_MAX) {
			snprintf(err, errlen, "sender: longer than %d bytes", OSM_REP_TAG_MAX - 1);
			return -1;
		}
		q->tag = tag;
	}
	if (off && *off) {
		long	o = strtol(off, &end, 10);

		if (*end || o < 0 || o > 100000000) {
			snprintf(err, errlen, "offset: not a page position");
			return -1;
		}
		q->offset = (size_t) o;
	}
	return 0;
}

static void
cgi_reports_filter(struct cgi_ctx *ctx, const struct osm_rep_query *q, long hours)
{
	static const long choices[] = {1, 6, 24, 168, 720, 0};
	struct osm_buf *b = ctx->page;

	cgi_out_printf(b, "<form class=\"osm-filter\" method=\"get\" action=\"\">"
		       "<input type=\"hidden\" name=\"page\" value=\"reports\">"
		       "<label>Period <select name=\"hours\">");
	for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++) {
		char	label[32];

		if (choices[i] == 0)
			snprintf(label, sizeof(label), "all kept");
		else if (choices[i] < 48)
			snprintf(label, sizeof(label), "last %ld h", choices[i]);
		else
			snprintf(label, sizeof(label), "last %ld days", choices[i] / 24);
		cgi_out_printf(b, "<option value=\"%ld\"%s>%h</option>", choices[i],
			       choices[i] == hours ? " selected" : "", label);
	}
	cgi_out_printf(b, "</select></label> <label>Event <select name=\"type\"><option value=\"\">any</option>");
	for (int i = 0; i < OSM_EV_COUNT; i++)
		cgi_out_printf(b, "<option%s>%h</option>", q->type && strcmp(q->type, osm_ev_names[i]) == 0
			       ? " selected" : "", osm_ev_names[i]);
	cgi_out_printf(b, "</select></label> <label>Account <input name=\"tag\" value=\"%h\" size=\"20\" "
		       "placeholder=\"account or ip:ADDRESS\"></label> <button type=\"submit\">Show</button></form>\n",
		       q->tag ? q->tag : "");
}

void
cgi_page_reports(struct cgi_ctx *ctx)
{
	struct osm_rep_query q;
	struct osm_rep *rep;
	char	err[256];
	long	hours;
	long long total = 0;
	json_t *arr = NULL;
	size_t	next = 0;

	if (cgi_reports_query(ctx, &q, &hours, err, sizeof(err)) != 0) {
		cgi_frame_fail(ctx, 400, err);
		return;
	}
	cgi_frame_begin(ctx, "Reports", "reports");
	cgi_reports_filter(ctx, &q, hours);
	if ((rep = cgi_frame_rep(ctx)) == NULL || osm_rep_count(rep, &q, &total) != 0
	    || osm_rep_list(rep, &q, &arr, &next) != 0) {
		cgi_out_printf(ctx->page, "<p class=\"osm-notice osm-bad\">Redis: %h</p>\n",
			       rep ? osm_rep_error(rep) : ctx->rep_error);
		cgi_frame_end(ctx);
		return;
	}
	cgi_out_printf(ctx->page, "<p class=\"osm-count\">%lld report(s)%s</p>\n", total,
		       q.offset ? ", this page and older" : "");
	cgi_reports_table(ctx, arr);
	if (next)
		cgi_out_printf(ctx->page, "<p class=\"osm-pager\"><a href=\"?page=reports&amp;hours=%ld&amp;type=%U"
			       "&amp;tag=%U&amp;offset=%zu\">Older reports</a></p>\n", hours,
			       q.type ? q.type : "", q.tag ? q.tag : "", next);
	json_decref(arr);
	cgi_frame_end(ctx);
}

/* cgi_report_fields - the report's header as a definition list */
static void
cgi_report_fields(struct osm_buf *b, json_t *o)
{
	char	when[32];

	cgi_frame_time(json_integer_value(json_object_get(o, "time")), when, sizeof(when));
	cgi_out_printf(b, "<dl class=\"osm-dl\"><dt>Time</dt><dd>%h</dd><dt>Event</dt><dd>%h</dd>"
		       "<dt>Sender</dt><dd class=\"osm-key\"><a href=\"?page=reports&amp;tag=%U&amp;hours=0\">%h</a></dd>"
		       "<dt>Trigger</dt><dd>%lld events in %lld s exceeded %lld</dd>",
		       when, cgi_str(o, "type"), cgi_str(o, "tag"), cgi_str(o, "key"),
		       json_integer_value(json_object_get(o, "count")), json_integer_value(json_object_get(o, "seconds")),
		       json_integer_value(json_object_get(o, "level")));
	if (json_object_get(o, "failures"))
		cgi_out_printf(b, "<dt>Failures</dt><dd>%lld (trigger at %lld permille)</dd>",
			       json_integer_value(json_object_get(o, "failures")),
			       json_integer_value(json_object_get(o, "ratio")));
	cgi_out_printf(b, "<dt>Actions</dt><dd>%h (mode %h)</dd><dt>Verdict</dt><dd>%h</dd><dt>Server</dt><dd>%h</dd></dl>\n",
		       cgi_str(o, "actions"), cgi_str(o, "mode"),
		       *cgi_str(o, "verdict") ? cgi_str(o, "verdict") : "none", cgi_str(o, "server"));
}

/* cgi_report_kv - every field of OBJ but those in SKIP, as "name value" spans */
static void
cgi_report_kv(struct osm_buf *b, json_t *obj, const char *const *skip)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		int	skipped = 0;

		for (size_t i = 0; skip[i]; i++)
			skipped |= strcmp(k, skip[i]) == 0;
		if (skipped)
			continue;
		if (json_is_string(v))
			cgi_out_printf(b, "<span class=\"osm-kv\"><b>%h</b> %h</span> ", k, json_string_value(v));
		else if (json_is_integer(v))
			cgi_out_printf(b, "<span class=\"osm-kv\"><b>%h</b> %lld</span> ", k, json_integer_value(v));
	}
}

static void
cgi_report_events(struct osm_buf *b, json_t *o)
{
	static const char *const skip[] = {"t", "account", "email", "ip", "subject", "script", "cwd", NULL};
	size_t	i;
	json_t *ev;

	cgi_out_printf(b, "<h2>Events (%zu)</h2><div class=\"osm-scroll\"><table class=\"osm-table\" id=\"events\">"
		       "<thead><tr><th>Time</th><th>Account</th><th>Mailbox</th><th>IP</th><th>Script or cwd</th>"
		       "<th>Subject</th><th>More</th></tr></thead><tbody>\n", json_array_size(json_object_get(o, "events")));
	json_array_foreach(json_object_get(o, "events"), i, ev) {
		char	when[32];

		cgi_frame_time(json_integer_value(json_object_get(ev, "t")), when, sizeof(when));
		cgi_out_printf(b, "<tr><td>%h</td><td>%h</td><td>%h</td><td>%h</td><td class=\"osm-src\">%h</td>"
			       "<td class=\"osm-subject\">%h</td><td>", when, cgi_str(ev, "account"), cgi_str(ev, "email"),
			       cgi_str(ev, "ip"), *cgi_str(ev, "script") ? cgi_str(ev, "script") : cgi_str(ev, "cwd"),
			       cgi_str(ev, "subject"));
		cgi_report_kv(b, ev, skip);
		cgi_out_printf(b, "</td></tr>\n");
	}
	cgi_out_printf(b, "</tbody></table></div>\n");
}

static void
cgi_report_actions(struct osm_buf *b, json_t *o)
{
	static const char *const skip[] = {"action", "status", NULL};
	static const char *const askip[] = {NULL};
	size_t	i;
	json_t *r;

	cgi_out_printf(b, "<h2>Action results</h2>");
	if (json_array_size(json_object_get(o, "results")) == 0)
		cgi_out_printf(b, "<p class=\"osm-empty\">No action has reported a result yet.</p>\n");
	else
		cgi_out_printf(b, "<table class=\"osm-table\" id=\"results\"><thead><tr><th>Action</th><th>Status</th>"
			       "<th>Detail</th></tr></thead><tbody>\n");
	json_array_foreach(json_object_get(o, "results"), i, r) {
		cgi_out_printf(b, "<tr><td>%h</td><td>%h</td><td>", cgi_str(r, "action"), cgi_str(r, "status"));
		cgi_report_kv(b, r, skip);
		cgi_out_printf(b, "</td></tr>\n");
	}
	if (json_array_size(json_object_get(o, "results")) > 0)
		cgi_out_printf(b, "</tbody></table>\n");
	if (json_array_size(json_object_get(o, "apache")) > 0) {
		cgi_out_printf(b, "<h2>Apache requests being served</h2><ul class=\"osm-apache\">");
		json_array_foreach(json_object_get(o, "apache"), i, r) {
			cgi_out_printf(b, "<li>");
			cgi_report_kv(b, r, askip);
			cgi_out_printf(b, "</li>");
		}
		cgi_out_printf(b, "</ul>\n");
	}
}

struct cgi_held {
	const char *target;
	int	held;
};

static void
cgi_report_held_fn(const char *field, const char *value, void *arg)
{
	struct cgi_held *h = arg;

	(void) value;
	h->held |= strcmp(field, h->target) == 0;
}

/* cgi_report_held - TARGET has a verdict now (a failed read counts as held) */
static int
cgi_report_held(struct osm_rep *rep, const char *tag, const char *target)
{
	struct cgi_held h = {target, 0};

	return osm_rep_verdicts(rep, tag, cgi_report_held_fn, &h) != 0 || h.held;
}

/*
 * cgi_report_load - report ID and its tag (into tag), or NULL once the
 * error page is sent
 */
static json_t *
cgi_report_load(struct cgi_ctx *ctx, const char *id, struct osm_rep **rep, char *tag)
{
	json_t *o = NULL;
	int	rv;

	if (id == NULL || !osm_rep_id_ok(id)) {
		cgi_frame_fail(ctx, 400, "id: not a report id");
		return NULL;
	}
	if ((*rep = cgi_frame_rep(ctx)) == NULL) {
		cgi_frame_fail(ctx, 502, ctx->rep_error);
		return NULL;
	}
	if ((rv = osm_rep_find(*rep, id, tag)) == 0)
		rv = osm_rep_get(*rep, id, tag, &o);
	if (rv != 0)
		cgi_frame_fail(ctx, rv == OSM_REP_GONE ? 404 : 502,
			       rv == OSM_REP_GONE ? "no such report (it may have expired)" : osm_rep_error(*rep));
	return rv == 0 ? o : NULL;
}

void
cgi_page_report(struct cgi_ctx *ctx, const char *id)
{
	struct osm_rep *rep;
	char	tag[OSM_REP_TAG_MAX];
	json_t *o;

	if ((o = cgi_report_load(ctx, id, &rep, tag)) == NULL)
		return;
	cgi_frame_begin(ctx, "Report", "reports");
	cgi_out_printf(ctx->page, "<p class=\"osm-id\">%h</p>\n", id);
	cgi_report_fields(ctx->page, o);
	if (*cgi_str(o, "verdict") && !cgi_report_held(rep, tag, cgi_str(o, "target")))
		cgi_out_printf(ctx->page, "<p class=\"osm-note\">%h is not held now.</p>\n", cgi_str(o, "target"));
	else if (*cgi_str(o, "verdict")) {
		cgi_out_printf(ctx->page, "<form method=\"post\" action=\"?page=report&amp;id=%U\" class=\"osm-actions\">",
			       id);
		cgi_frame_csrf(ctx);
		cgi_out_printf(ctx->page, "<input type=\"hidden\" name=\"op\" value=\"release\">"
			       "<input type=\"hidden\" name=\"id\" value=\"%h\">"
			       "<label><input type=\"checkbox\" name=\"thaw\" value=\"1\" checked> thaw its frozen mail</label> "
			       "<button type=\"submit\" id=\"release\">Release %h</button></form>\n", id, cgi_str(o, "target"));
	}
	cgi_report_actions(ctx->page, o);
	cgi_report_events(ctx->page, o);
	json_decref(o);
	cgi_frame_end(ctx);
}

/* cgi_release_thaw - thaw the sender's frozen mail; a line for the notice */
static void
cgi_release_thaw(struct cgi_ctx *ctx, const char *field, char *out, size_t len)
{
	size_t	n, done;
	struct osm_run_result res;

	int	rc = osm_queue_thaw(ctx->cfg->exim, ctx->cfg->exim_spool, field, &n, &done, &res);

	if (rc == 0 && n == 0)
		snprintf(out, len, "; no frozen messages in the queue");
	else if (rc == 0 && done > 0)
		snprintf(out, len, "; thawed %zu message(s)", done);
	else
		snprintf(out, len, "; thawing %zu message(s) failed: %s", n, res.detail);
}

void
cgi_post_release(struct cgi_ctx *ctx)
{
	static char notice[600];
	const char *id = cgi_req_form(ctx->req, "id"), *thaw = cgi_req_form(ctx->req, "thaw");
	struct osm_rep *rep;
	char	tag[OSM_REP_TAG_MAX], was[320], thawed[200] = "";
	const char *target;
	json_t *o;
	int	rv;

	if ((o = cgi_report_load(ctx, id, &rep, tag)) == NULL)
		return;
	/* the verdict's target as the daemon stored it: one of its three kinds */
	target = cgi_str(o, "target");
	if (strncmp(target, "account:", 8) && strncmp(target, "email:", 6) && strncmp(target, "ip:", 3)) {
		json_decref(o);
		cgi_frame_fail(ctx, 400, "this report set no verdict to release");
		return;
	}
	if ((rv = osm_rep_release(rep, tag, target, was, sizeof(was))) < 0) {
		json_decref(o);
		cgi_frame_fail(ctx, 502, osm_rep_error(rep));
		return;
	}
	if (thaw && strcmp(thaw, "1") == 0)
		cgi_release_thaw(ctx, target, thawed, sizeof(thawed));
	snprintf(notice, sizeof(notice), "%s %s%s", rv ? "Released" : "Not held any more:", target, thawed);
	osm_msg_info("web user %s: report %s: %s", ctx->auth.user, id, notice);
	if (rv && osm_rep_audit_add(rep, osm_wall_ms(), ctx->auth.user, notice) != 0)
		osm_msg_warn("audit log: %s", osm_rep_error(rep));
	json_decref(o);
	ctx->notice = notice;
	cgi_page_report(ctx, id);
}
