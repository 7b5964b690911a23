/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_action - the action worker; see pd_action.h.
 *
 * The daemon and the worker share two pipes: "ID TAG\n" lines one way,
 * one byte per finished report the other way.  The daemon counts what
 * is outstanding, so the queue is bounded by actions.queue whatever the
 * pipe's size.  The worker is a plain blocking loop: one report at a
 * time, each outside command bounded by actions.timeout.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "osm_acct.h"
#include "osm_apache.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_msg.h"
#include "osm_proto.h"
#include "osm_sig.h"
#include "osm_redis.h"
#include "osm_rfmt.h"
#include "osm_run.h"
#include "osm_safefs.h"
#include "pd_action.h"
#include "pd_priv.h"

#define PD_ACTION_MAX_EACH	10	/* paths, scripts, IPs acted on per report */
#define PD_ACTION_REDIS_WAIT	120	/* s a report waits for Redis to answer */

struct pd_action {
	char   *cfgfile;
	const struct osm_cfg *cfg;
	int	helper;			/* the privileged helper's socket */
	pid_t	pid;			/* the worker */
	int	qfd;			/* daemon -> worker: "ID TAG\n" */
	int	dfd;			/* worker -> daemon: a byte per report done */
	unsigned pending;
	time_t	started;
};

/* --- the worker -------------------------------------------------------- */

struct pd_worker {
	struct osm_cfg *cfg;
	const char *cfgfile;
	int	helper;
	redisContext *rc;
	struct osm_acct *acct;
	int	redis_down;		/* said so once: the retries stay quiet */
	pid_t	daemon;			/* our parent: the wait ends if it exits */
	char	prefix[200];
};

static volatile sig_atomic_t pd_worker_hup;

static void
pd_worker_on_hup(int sig)
{
	(void) sig;
	pd_worker_hup = 1;
}

static redisReply *
pd_worker_cmd(struct pd_worker *w, int argc, const char **argv)
{
	char	err[256];
	redisReply *r;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (w->rc == NULL && (w->rc = osm_redis_connect(w->cfg->redis, 2000, err, sizeof(err))) == NULL) {
			if (!w->redis_down)
				osm_msg_warn("actions: redis: %s", err);
			return NULL;
		}
		if ((r = redisCommandArgv(w->rc, argc, argv, NULL)) != NULL)
			return r;
		if (!w->redis_down)
			osm_msg_warn("actions: redis: %s", w->rc->errstr);
		redisFree(w->rc);
		w->rc = NULL;
	}
	return NULL;
}

/* pd_worker_cmd_wait - pd_worker_cmd, tried again while Redis does not
 * answer (a restart, a hang), 1 s apart, for PD_ACTION_REDIS_WAIT s: a
 * short outage must not lose a report's actions.  The queue waits
 * meanwhile; the daemon keeps it bounded (actions.queue).  Both of the
 * worker's commands may be sent twice: reading a report, and HSET of
 * the same results. */
static redisReply *
pd_worker_cmd_wait(struct pd_worker *w, int argc, const char **argv, const char *id, const char *what)
{
	time_t	end = time(NULL) + PD_ACTION_REDIS_WAIT;
	redisReply *r;

	for (int tries = 0;; tries++) {
		if ((r = pd_worker_cmd(w, argc, argv)) != NULL) {
			if (tries > 0)
				osm_msg_info("report %s: Redis answers again", id);
			w->redis_down = 0;
			return r;
		}
		if (tries == 0 && !w->redis_down)
			osm_msg_warn("report %s: Redis does not answer; trying again for up to %d s to %s",
				     id, PD_ACTION_REDIS_WAIT, what);
		w->redis_down = 1;
		if (time(NULL) >= end || getppid() != w->daemon)
			return NULL;
		sleep(1);
	}
}

static void
pd_worker_result(json_t *results, const char *id, const char *action, const char *status,
		 const char *detail)
{
	json_t *r = json_pack("{s:s,s:s}", "action", action, "status", status);

	if (r == NULL)
		return;
	if (detail && *detail) {
		json_t *d = json_string(detail);

		json_object_set_new(r, "detail", d ? d : json_string("(not UTF-8)"));
	}
	json_array_append_new(results, r);
	osm_msg_info("report %s: %s %s%s%s", id, action, status, detail && *detail ? ": " : "",
		     detail ? detail : "");
}

/* pd_worker_add - v to the distinct list (at most PD_ACTION_MAX_EACH) */
static void
pd_worker_add(const char **list, int *n, const char *v)
{
	if (v == NULL || *v == 0 || *n >= PD_ACTION_MAX_EACH)
		return;
	for (int i = 0; i < *n; i++)
		if (!strcmp(list[i], v))
			return;
	list[(*n)++] = v;
}

static const char *
pd_worker_str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* pd_worker_call - one helper request; the result goes into the report */
static void
pd_worker_call(struct pd_worker *w, json_t *results, const char *id, const char *action,
	       const char *const *f, int n, int payload, json_t *extra)
{
	char	status[16], detail[2048];

	pd_priv_call(w->helper, f, n, payload, status, sizeof(status), detail, sizeof(detail));
	pd_worker_result(results, id, action, status, detail);
	if (extra) {
		json_t *last = json_array_get(results, json_array_size(results) - 1);

		json_object_update(last, extra);
		json_decref(extra);
	}
}

/* pd_worker_script_add - a rename_script candidate and the account it is renamed as */
static void
pd_worker_script_add(const char **list, const char **accts, int *n, const char *v, const char *acct)
{
	int	before = *n;

	pd_worker_add(list, n, v);
	if (*n > before)
		accts[before] = acct;
}

/*
 * pd_worker_script - a script as the exim module saw it, made a path; a
 * command line (the module's last resort, with blanks) is not a file.
 * X-PHP-Originating-Script is "UID:name.php", written by PHP but set by
 * whoever runs it: a UID that is not the sending uid names no target.
 */
static int
pd_worker_script(const char *script, const char *cwd, const char *uid, char *out, size_t len)
{
	const char *s = script;

	if (strpbrk(script, " \t"))
		return -1;
	while (isdigit((unsigned char) *s))
		s++;
	if (*s == ':' && s != script) {
		if (uid == NULL || strlen(uid) != (size_t) (s - script) || strncmp(uid, script, (size_t) (s - script)))
			return -1;
		s++;
	} else
		s = script;
	if (*s == '/')
		snprintf(out, len, "%s", s);
	else if (cwd && *cwd == '/' && *s && strchr(s, ' ') == NULL)
		snprintf(out, len, "%s/%s", cwd, s);
	else
		return -1;
	return osm_safefs_path_ok(out) ? 0 : -1;
}

/*
 * pd_worker_rename - PATH renamed as OWNER, inside OWNER's home: the
 * report's account, never the path's owner (a process of one account
 * may name another's files), or for a script Apache says it serves,
 * the vhost's account.
 */
static void
pd_worker_rename(struct pd_worker *w, json_t *results, const char *id, const char *kind,
		 const char *path, const char *owner)
{
	const char *action = kind[0] == 'p' ? "rename_path" : "rename_script";

	if (owner == NULL) {
		pd_worker_result(results, id, action, "skipped", "the report names no account");
		return;
	}
	const char *f[] = {"rename", kind, owner, path, id};
	char	status[16], detail[2048];
	unsigned mode;
	int	off = 0;

	pd_priv_call(w->helper, f, 5, -1, status, sizeof(status), detail, sizeof(detail));
	if (!strcmp(status, "ok") && sscanf(detail, "%o %n", &mode, &off) == 1 && off > 0) {
		json_t *r = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "action", action, "status", "ok",
				      "account", owner, "path", path, "renamed_to", detail + off,
				      "mode", "");
		char	m[8];

		if (r == NULL)
			return;
		snprintf(m, sizeof(m), "%04o", mode);
		json_object_set_new(r, "mode", json_string(m));
		json_array_append_new(results, r);
		osm_msg_info("report %s: %s ok: %s renamed to %s (mode was %s)", id, action, path,
			     detail + off, m);
		return;
	}
	pd_worker_result(results, id, action, status, detail);
}

/*
 * pd_worker_apache - the requests Apache is serving for the account now
 * (for the web server's own user: every request), as possible scripts:
 * into the report ("apache") and the rename_script candidates.
 */
static void
pd_worker_apache(struct pd_worker *w, json_t *report, const char *id, const char *account,
		 const char **scripts, const char **accts, int *nscript, char (*scriptbuf)[4096])
{
	static struct osm_apache_req reqs[64];
	char	err[256], path[1024];
	char   *html = osm_apache_fetch(w->cfg->apache_url, w->cfg->apache_timeout_ms, err, sizeof(err));
	json_t *list = json_array();
	int	n, web = account == NULL || osm_cfg_web_user(w->cfg, account);

	if (html == NULL) {
		osm_msg_warn("report %s: apache status: %s", id, err);
		json_object_set_new(report, "apache_error", json_string(err));
		json_decref(list);
		return;
	}
	n = osm_apache_parse(html, strlen(html), reqs, 64);
	free(html);
	for (int i = 0; i < n; i++) {
		const char *vh = reqs[i].vhost, *owner = osm_acct_by_domain(w->acct, vh);
		struct passwd *pw;
		char	script[4096] = "";

		if (owner == NULL && !strncmp(vh, "www.", 4))
			owner = osm_acct_by_domain(w->acct, vh + 4);
		if (!web && (owner == NULL || account == NULL || strcmp(owner, account)))
			continue;
		/* the file: the owner's document root and the request's path */
		if (owner && (pw = getpwnam(owner)) != NULL && osm_apache_path(reqs[i].request, path, sizeof(path))) {
			const char *d = w->cfg->apache_docroot;

			if (!strncmp(d, "%home", 5))
				snprintf(script, sizeof(script), "%s%s%s", pw->pw_dir, d + 5, path);
			else
				snprintf(script, sizeof(script), "%s%s", d, path);
			if (!osm_safefs_path_ok(script))
				script[0] = 0;
		}
		json_t *r = json_object();

		json_object_set_new(r, "vhost", json_string(vh));
		if (owner)
			json_object_set_new(r, "account", json_string(owner));
		json_object_set_new(r, "client", json_string(reqs[i].client));
		json_t *rq = json_string(reqs[i].request);

		json_object_set_new(r, "request", rq ? rq : json_string("(not UTF-8)"));
		if (script[0]) {
			json_object_set_new(r, "script", json_string(script));
			if (*nscript < PD_ACTION_MAX_EACH) {
				snprintf(scriptbuf[*nscript], 4096, "%s", script);
				pd_worker_script_add(scripts, accts, nscript, scriptbuf[*nscript], owner);
			}
		}
		json_array_append_new(list, r);
	}
	osm_msg_info("report %s: apache status: %zu request(s) of %s", id, json_array_size(list),
		     web ? "every vhost (a web server user)" : account);
	json_object_set_new(report, "apache", list);
}

/* pd_worker_file - an anonymous file to write a payload into */
static FILE *
pd_worker_file(int *fd)
{
	FILE   *fp;

	if ((*fd = memfd_create("osm-report", MFD_CLOEXEC)) < 0)
		return NULL;
	if ((fp = fdopen(dup(*fd), "w")) == NULL)
		close(*fd);
	return fp;
}

/* pd_worker_file_done - its descriptor, at the start, or -1 if writing failed */
static int
pd_worker_file_done(FILE *fp, int fd, int bad)
{
	if (fclose(fp) != 0 || bad) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

/* pd_worker_mail_text - the report email's header and body */
static void
pd_worker_mail_text(FILE *fp, json_t *report, const char *from, const char *to)
{
	const char *key = pd_worker_str(report, "key");
	char	date[64], subj[OSM_PROTO_REPLY_TEXT + 1];
	time_t	now = time(NULL);
	struct tm tm;

	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", localtime_r(&now, &tm));
	fprintf(fp, "From: %s\nTo: %s\n", from, to);
	fprintf(fp, "Date: %s\nAuto-Submitted: auto-generated\n", date);
	fprintf(fp, "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
		"Content-Transfer-Encoding: 8bit\n");
	/* a header: one line of ASCII, whatever the report in Redis holds */
	snprintf(subj, sizeof(subj), "osm report %.40s: %.40s %.200s exceeded its trigger on %.100s",
		 pd_worker_str(report, "id"), pd_worker_str(report, "type"), key ? key : "",
		 pd_worker_str(report, "server"));
	osm_proto_printable(subj, sizeof(subj) - 1);
	fprintf(fp, "Subject: %s\n\n", subj);
	osm_rfmt_text(fp, report);
}

static void
pd_worker_mail(struct pd_worker *w, json_t *report, json_t *results, const char *id)
{
	const struct osm_cfg *c = w->cfg;
	char	from[300], to[4096] = "", out[512];
	const char *argv[OSM_CMD_MAX_ARGS + 40];
	struct osm_run_result res;
	int	a = 0, fd;

	if (c->nreport_to == 0) {
		pd_worker_result(results, id, "report", "skipped", "no actions.report.to");
		return;
	}
	if (c->report_from)
		snprintf(from, sizeof(from), "%s", c->report_from);
	else
		snprintf(from, sizeof(from), "osm@%s", c->server_name);
	argv[a++] = c->sendmail;
	argv[a++] = "-i";
	argv[a++] = "-f";
	argv[a++] = from;
	argv[a++] = "--";
	for (size_t i = 0; i < c->nreport_to && a < (int) (sizeof(argv) / sizeof(argv[0])) - 1; i++) {
		argv[a++] = c->report_to[i];
		snprintf(to + strlen(to), sizeof(to) - strlen(to), "%s%s", i ? ", " : "", c->report_to[i]);
	}
	argv[a] = NULL;
	/* the results so far go into the mail: it is the last action */
	json_t *copy = json_deep_copy(report);
	FILE   *fp = pd_worker_file(&fd);

	json_object_set(copy, "results", results);
	if (fp) {
		pd_worker_mail_text(fp, copy, from, to);
		fd = pd_worker_file_done(fp, fd, 0);
	}
	json_decref(copy);
	if (fp == NULL || fd < 0) {
		pd_worker_result(results, id, "report", "failed", "cannot build the message");
		return;
	}
	osm_run(argv, NULL, NULL, fd, c->action_timeout * 1000, out, sizeof(out), &res);
	close(fd);
	out[200] = 0;
	for (char *p = out; *p; p++)
		if ((unsigned char) *p < 0x20)
			*p = ' ';
	char	detail[700];

	snprintf(detail, sizeof(detail), "to %s: %s%s%s", to, res.detail, *out ? ": " : "", out);
	pd_worker_result(results, id, "report", osm_run_status_name(res.status), detail);
}

static void
pd_worker_report(struct pd_worker *w, const char *id, const char *tag)
{
	struct osm_buf *key = osm_buf_new(512);
	const char *argv[4];
	redisReply *r;
	json_t *report, *results = json_array(), *ev;
	size_t	i;

	osm_buf_printf(key, "%s{", w->prefix);
	osm_redis_escape(key, tag);
	osm_buf_printf(key, "}:report:%s", id);
	argv[0] = "HGETALL";
	argv[1] = osm_buf_data(key);
	r = pd_worker_cmd_wait(w, 2, argv, id, "read the report");
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		osm_msg_warn("report %s: %s; its actions do not run", id,
			     r == NULL ? "Redis did not answer" : "it is not in Redis (expired or removed)");
		freeReplyObject(r);
		osm_buf_free(key);
		json_decref(results);
		return;
	}
	const char **kv = calloc(r->elements, sizeof(*kv));

	for (i = 0; kv && i < r->elements; i++)
		kv[i] = r->element[i]->str ? r->element[i]->str : "";
	report = osm_rfmt_from_hash(kv, kv ? r->elements : 0);
	free(kv);
	freeReplyObject(r);

	/* what the report names: the sender, accounts, IPs, paths, scripts, messages */
	const char *target = pd_worker_str(report, "target"), *type = pd_worker_str(report, "type");
	const char *actions = pd_worker_str(report, "actions");
	int	monitor = pd_worker_str(report, "mode") && !strcmp(pd_worker_str(report, "mode"), "monitor");
	const char *account = NULL, *email = NULL, *ips[PD_ACTION_MAX_EACH], *cwds[PD_ACTION_MAX_EACH];
	const char *scripts[PD_ACTION_MAX_EACH], *script_acct[PD_ACTION_MAX_EACH], *msgids[50];
	char	scriptbuf[PD_ACTION_MAX_EACH][4096];
	int	nip = 0, ncwd = 0, nscript = 0, nmsg = 0;

	if (target && !strncmp(target, "account:", 8))
		account = target + 8;
	else if (target && !strncmp(target, "email:", 6))
		email = target + 6;
	if (type && strstr(type, ":cwd"))
		pd_worker_add(cwds, &ncwd, pd_worker_str(report, "key"));
	json_array_foreach(json_object_get(report, "events"), i, ev) {
		const char *cwd = pd_worker_str(ev, "cwd"), *script = pd_worker_str(ev, "script");
		const char *uid = pd_worker_str(ev, "uid");

		if (account == NULL)
			account = pd_worker_str(ev, "account");
		pd_worker_add(ips, &nip, pd_worker_str(ev, "ip"));
		if (!(type && strstr(type, ":cwd")))
			pd_worker_add(cwds, &ncwd, cwd);
		if (script && nscript < PD_ACTION_MAX_EACH
		    && pd_worker_script(script, cwd, uid, scriptbuf[nscript], sizeof(scriptbuf[0])) == 0)
			pd_worker_script_add(scripts, script_acct, &nscript, scriptbuf[nscript], account);
		if (pd_worker_str(ev, "message_id") && nmsg < 50)
			msgids[nmsg++] = pd_worker_str(ev, "message_id");
	}

	if (w->cfg->apache_enabled && type && (!strncmp(type, "packet", 6) || !strncmp(type, "logline", 7)
					      || !strncmp(type, "cwdcheck", 8)))
		pd_worker_apache(w, report, id, account, scripts, script_acct, &nscript, scriptbuf);

	/* the actions, in a fixed order; store is done already */
	unsigned want = 0;
	char   *list = strdup(actions ? actions : "");

	for (char *save = NULL, *a = strtok_r(list, ",", &save); a; a = strtok_r(NULL, ",", &save))
		for (int k = 0; k < OSM_ACT_COUNT; k++)
			if (!strcmp(a, osm_act_names[k]))
				want |= 1u << k;
	free(list);
	static const unsigned order[OSM_ACT_COUNT] = {OSM_ACT_STORE, OSM_ACT_HOLD, OSM_ACT_DISCARD,
		OSM_ACT_SUSPEND_ACCOUNT, OSM_ACT_BLOCK_ACCOUNT_MAIL, OSM_ACT_SUSPEND_EMAIL, OSM_ACT_BLOCK_LOGIN,
		OSM_ACT_BLOCK_OUTGOING, OSM_ACT_BLOCK_IP, OSM_ACT_RENAME_SCRIPT, OSM_ACT_RENAME_PATH,
		OSM_ACT_CUSTOM, OSM_ACT_REPORT};

	for (int k = 0; k < OSM_ACT_COUNT; k++) {
		unsigned act = order[k];
		const char *name = osm_act_names[__builtin_ctz(act)];
		int	block_ip = act == OSM_ACT_BLOCK_IP, rpath = act == OSM_ACT_RENAME_PATH;

		if (!(want & act))
			continue;
		if (act == OSM_ACT_STORE) {
			char	d[64];

			snprintf(d, sizeof(d), "kept for %u days", w->cfg->report_retention / 86400);
			pd_worker_result(results, id, name, "ok", d);
			continue;
		}
		if (monitor) {
			pd_worker_result(results, id, name, "skipped", "monitor mode");
			continue;
		}
		if (act == OSM_ACT_HOLD || act == OSM_ACT_DISCARD) {	/* the queue too */
			const char *f[4 + 50] = {"queue", act == OSM_ACT_HOLD ? "hold" : "discard", target ? target : "", id};

			for (int m = 0; m < nmsg; m++)
				f[4 + m] = msgids[m];
			pd_worker_call(w, results, id, name, f, 4 + nmsg, -1, NULL);
		} else if (OSM_ACT_COMMANDS & act) {
			if (block_ip && nip == 0) {
				pd_worker_result(results, id, name, "skipped", "no client IP in the report");
				continue;
			}
			for (int j = 0; j < (block_ip ? nip : 1); j++) {
				const char *f[] = {"command", name, account ? account : "", email ? email : "",
					block_ip ? ips[j] : "", id};

				pd_worker_call(w, results, id, name, f, 6, -1,
					       block_ip ? json_pack("{s:s}", "ip", ips[j]) : NULL);
			}
		} else if (rpath || act == OSM_ACT_RENAME_SCRIPT) {
			int	n = rpath ? ncwd : nscript;

			if (n == 0)
				pd_worker_result(results, id, name, "skipped",
						 rpath ? "no path in the report" : "no script path in the report");
			for (int j = 0; j < n; j++)
				pd_worker_rename(w, results, id, rpath ? "path" : "script",
						 rpath ? cwds[j] : scripts[j], rpath ? account : script_acct[j]);
		} else if (act == OSM_ACT_CUSTOM) {
			json_t *copy = json_deep_copy(report);
			int	fd;
			FILE   *fp = pd_worker_file(&fd);

			json_object_set(copy, "results", results);
			if (fp)
				fd = pd_worker_file_done(fp, fd, osm_rfmt_write(fp, copy, w->cfg->custom_format));
			json_decref(copy);
			if (fp == NULL || fd < 0) {
				pd_worker_result(results, id, name, "failed", "cannot build the payload");
				continue;
			}
			const char *f[] = {"custom", id};

			pd_worker_call(w, results, id, name, f, 2, fd, NULL);
			close(fd);
		} else if (act == OSM_ACT_REPORT)
			pd_worker_mail(w, report, results, id);
	}

	char   *js = json_dumps(results, JSON_COMPACT);
	char   *ja = json_object_get(report, "apache") ? json_dumps(json_object_get(report, "apache"), JSON_COMPACT) : NULL;
	const char *hargv[6] = {"HSET", osm_buf_data(key), "results", js ? js : "[]", "apache", ja};

	if ((r = pd_worker_cmd_wait(w, ja ? 6 : 4, hargv, id, "record the results")) == NULL)
		osm_msg_warn("report %s: Redis did not answer; the action results are only in this log", id);
	freeReplyObject(r);
	free(js);
	free(ja);
	json_decref(results);
	json_decref(report);
	osm_buf_free(key);
}

static void
pd_worker_run(const char *cfgfile, int helper, int qfd, int dfd)
{
	struct pd_worker w = {0};
	char	buf[8192];
	size_t	have = 0;

	/* our own copy of the configuration: the daemon's may be replaced */
	if ((w.cfg = osm_cfg_load_log(cfgfile)) == NULL)
		_exit(1);
	w.cfgfile = cfgfile;
	w.helper = helper;
	w.daemon = getppid();
	w.acct = osm_acct_load(w.cfg->userdomains, w.cfg->min_uid);
	snprintf(w.prefix, sizeof(w.prefix), "%s%s:", w.cfg->prefix, w.cfg->server_name);
	osm_sig_child(pd_worker_on_hup);
	for (;;) {
		char   *nl;
		ssize_t	n;

		if (pd_worker_hup) {
			struct osm_cfg *nc = osm_cfg_load_log(cfgfile);

			pd_worker_hup = 0;
			if (nc) {
				osm_cfg_free(w.cfg);
				w.cfg = nc;
				osm_acct_free(w.acct);
				w.acct = osm_acct_load(w.cfg->userdomains, w.cfg->min_uid);
			}
		}
		while ((nl = memchr(buf, '\n', have)) != NULL) {
			char	id[64], tag[400];

			*nl = 0;
			if (sscanf(buf, "%63s %399s", id, tag) == 2)
				pd_worker_report(&w, id, tag);
			if (write(dfd, "x", 1) < 0)
				_exit(0);
			have -= (size_t) (nl + 1 - buf);
			memmove(buf, nl + 1, have);
		}
		if (have == sizeof(buf))
			have = 0;		/* a line this long is not ours */
		n = read(qfd, buf + have, sizeof(buf) - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;			/* the daemon is gone */
		have += (size_t) n;
	}
	if (w.rc)
		redisFree(w.rc);
	osm_acct_free(w.acct);
	osm_cfg_free(w.cfg);
	_exit(0);
}

/* --- the daemon's side ------------------------------------------------- */

static int
pd_action_fork(struct pd_action *a)
{
	int	q[2], d[2];
	pid_t	pid;

	if (pipe2(q, O_CLOEXEC) < 0 || pipe2(d, O_CLOEXEC) < 0) {
		osm_msg_error("actions: pipe: %m");
		return -1;
	}
	if ((pid = fork()) < 0) {
		osm_msg_error("actions: fork: %m");
		close(q[0]), close(q[1]), close(d[0]), close(d[1]);
		return -1;
	}
	if (pid == 0) {
		/* nothing of the daemon's but these: listeners, clients, Redis */
		for (int fd = 3; fd < 65536; fd++)
			if (fd != q[0] && fd != d[1] && fd != a->helper)
				close(fd);
		pd_worker_run(a->cfgfile, a->helper, q[0], d[1]);
	}
	close(q[0]);
	close(d[1]);
	fcntl(q[1], F_SETFL, O_NONBLOCK);
	fcntl(d[0], F_SETFL, O_NONBLOCK);
	a->pid = pid;
	a->qfd = q[1];
	a->dfd = d[0];
	a->pending = 0;
	a->started = time(NULL);
	return 0;
}

struct pd_action *
pd_action_new(const char *cfgfile, const struct osm_cfg *cfg, int helper_fd)
{
	struct pd_action *a = calloc(1, sizeof(*a));

	if (a == NULL || (a->cfgfile = strdup(cfgfile)) == NULL)
		osm_msg_fatal("out of memory");
	a->cfg = cfg;
	a->helper = helper_fd;
	a->qfd = a->dfd = -1;
	if (pd_action_fork(a) != 0)
		osm_msg_fatal("cannot start the action worker");
	return a;
}

int
pd_action_submit(struct pd_action *a, const char *id, const char *tag)
{
	char	line[512];
	int	n = snprintf(line, sizeof(line), "%s %s\n", id, tag);

	if (a == NULL || a->qfd < 0 || a->pending >= a->cfg->action_queue || n >= (int) sizeof(line)
	    || strchr(tag, ' '))
		return -1;
	if (write(a->qfd, line, (size_t) n) != n)
		return -1;
	a->pending++;
	return 0;
}

int
pd_action_fd(const struct pd_action *a)
{
	return a ? a->dfd : -1;
}

void
pd_action_event(struct pd_action *a)
{
	char	buf[256];
	ssize_t	n;

	while ((n = read(a->dfd, buf, sizeof(buf))) > 0)
		a->pending = (unsigned) n > a->pending ? 0 : a->pending - (unsigned) n;
	if (n == 0) {
		int	status;

		close(a->dfd);
		close(a->qfd);
		a->dfd = a->qfd = -1;
		waitpid(a->pid, &status, 0);
		a->pid = 0;
		/* one that dies at once (a bad configuration) waits for a reload */
		if (time(NULL) - a->started < 5)
			osm_msg_error("the action worker exited at start; actions stay off until a reload (SIGHUP)");
		else {
			osm_msg_error("the action worker exited; starting a new one");
			pd_action_fork(a);
		}
	}
}

void
pd_action_config(struct pd_action *a, const struct osm_cfg *cfg)
{
	if (a)
		a->cfg = cfg;
}

void
pd_action_signal(struct pd_action *a, int sig)
{
	if (a == NULL)
		return;
	if (a->pid > 0)
		kill(a->pid, sig);
	else if (sig == SIGHUP)
		pd_action_fork(a);
}

void
pd_action_free(struct pd_action *a)
{
	if (a == NULL)
		return;
	if (a->qfd >= 0)
		close(a->qfd);
	if (a->dfd >= 0)
		close(a->dfd);
	close(a->helper);
	free(a->cfgfile);
	free(a);
}
