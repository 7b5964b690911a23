/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osmctl - look at and steer osm-policyd: status, counters, reports,
 * release, reload.  See osmctl(8).
 *
 * Redis is the one source of truth for counters, verdicts and reports,
 * so osmctl reads and changes them there, through osm_rep (which the
 * web UI shares; its indexes keep listing off the keyspace); the
 * daemon's own figures (requests, outages) come from the status file
 * it rewrites every second, which stays readable while Redis is down;
 * reload is a SIGHUP to the pid in the pid file, once that file and
 * the process behind it are checked (ctl_reload).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "osm_acct.h"
#include "osm_addr.h"
#include "ctl_scan.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_clock.h"
#include "osm_msg.h"
#include "osm_queue.h"
#include "osm_redis.h"
#include "osm_rep.h"
#include "osm_rfmt.h"
#include "osm_run.h"
#include "osm_safefs.h"
#include "osm_secure.h"

#ifndef OSM_SYSCONFDIR
#define OSM_SYSCONFDIR "/etc"
#endif

static struct osm_cfg *ctl_cfg;
static char ctl_prefix[160];
static int ctl_json;

static void
ctl_usage(void)
{
	fprintf(stderr, "usage: osmctl [-c FILE] COMMAND\n"
		"  status                 daemon, Redis and counts\n"
		"  counters ACCOUNT|EMAIL|IP  live window counters and verdicts\n"
		"  reports [--json] [-n N]    the newest reports (default 20)\n"
		"  report ID [--json]         one report with all its events\n"
		"  release ACCOUNT|EMAIL|IP   lift a hold or discard verdict, thaw its frozen mail\n"
		"  restore ID                 undo the renames of a report's rename actions\n"
		"  reload                     check the configuration, then SIGHUP the daemon\n"
		"  scan [--json] FILE...      dry run of exim logs (plain or .gz) against the triggers\n");
	exit(2);
}

/* ctl_rep - the report store (osm_rep), or die */
static struct osm_rep *
ctl_rep(void)
{
	char	err[256];
	struct osm_rep *r = osm_rep_open(ctl_cfg->redis, ctl_prefix, 2000, err, sizeof(err));

	if (r == NULL)
		osm_msg_fatal("redis: %s", err);
	return r;
}

/* ctl_rep_fatal - a Redis error: osmctl's exit */
static void
ctl_rep_fatal(const struct osm_rep *r)
{
	osm_msg_fatal("redis: %s", osm_rep_error(r));
}

static void
ctl_time(long long ms, char *out, size_t len)
{
	time_t	t = (time_t) (ms / 1000);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/* ctl_field - the verdict field for a name given on the command line */
static void
ctl_field(const char *name, char *out, size_t len)
{
	if (strchr(name, '@'))
		snprintf(out, len, "email:%s", name);
	else if (osm_addr_is_valid(name))
		snprintf(out, len, "ip:%s", name);
	else if (strncmp(name, "ip:", 3) == 0)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "account:%s", name);
}

static const char *
ctl_tag(struct osm_acct *acct, const char *name, char *field)
{
	/* the daemon tags an IP-keyed sender with its field, "ip:ADDR" */
	if (strncmp(field, "ip:", 3) == 0)
		return field;
	return osm_acct_tag(acct, name);
}

/*
 * ctl_pid_read - the pid in the pid file, read only if it can be
 * trusted: as root, no one but root could have written it or a
 * directory above it (osm_secure); otherwise a regular file, not a
 * symlink, root's or the caller's, not writable by group or others.
 * 0, or -1 with the reason in err.
 */
static int
ctl_pid_read(const char *file, long *pid, char *err, size_t errlen)
{
	char	buf[32], *end;
	ssize_t	n;
	int	fd;
	struct stat st;

	if (geteuid() == 0)
		fd = osm_secure_open(file, 0, err, errlen);
	else if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0)
		snprintf(err, errlen, "%s", strerror(errno));
	else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)
		 || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
		snprintf(err, errlen, "not trusted: not a regular file of root's or yours, or writable by others");
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	*pid = strtol(buf, &end, 10);
	if (n <= 0 || end == buf || (*end != '\n' && *end != 0) || *pid <= 1 || *pid > 4194304) {
		snprintf(err, errlen, "no pid in it");
		return -1;
	}
	return 0;
}

/*
 * ctl_pid_is_daemon - is PID osm-policyd, running as the configured
 * user (or as whoever owns its pid file, when it kept that uid)?  A
 * pid file outlives its daemon, and the number may belong to anyone
 * by now.
 */
static int
ctl_pid_is_daemon(long pid, char *err, size_t errlen)
{
	char	path[64], comm[32] = "", line[256];
	struct passwd *pw = ctl_cfg->user && *ctl_cfg->user ? getpwnam(ctl_cfg->user) : NULL;
	struct stat st;
	long	uid = -1;
	FILE   *fp;

	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	if ((fp = fopen(path, "r")) != NULL) {
		if (fgets(comm, sizeof(comm), fp) == NULL)
			comm[0] = 0;
		fclose(fp);
	}
	if (strcmp(comm, "osm-policyd\n") != 0) {
		snprintf(err, errlen, "pid %ld is not osm-policyd", pid);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp))
			if (sscanf(line, "Uid: %ld", &uid) == 1)
				break;
		fclose(fp);
	}
	if (uid < 0 || ((pw == NULL || (uid_t) uid != pw->pw_uid)
			&& (stat(ctl_cfg->pid_file, &st) < 0 || (uid_t) uid != st.st_uid))) {
		snprintf(err, errlen, "pid %ld is an osm-policyd of uid %ld, not of user %s", pid, uid,
			 ctl_cfg->user && *ctl_cfg->user ? ctl_cfg->user : "root");
		return 0;
	}
	return 1;
}

/* ctl_daemon_pid - the running daemon's pid from a trusted pid file, or -1 */
static long
ctl_daemon_pid(char *err, size_t errlen)
{
	long	pid;

	if (ctl_cfg->pid_file == NULL || *ctl_cfg->pid_file == 0) {
		snprintf(err, errlen, "no pid_file configured");
		return -1;
	}
	if (ctl_pid_read(ctl_cfg->pid_file, &pid, err, errlen) != 0 || !ctl_pid_is_daemon(pid, err, errlen))
		return -1;
	return pid;
}

static int
ctl_status(void)
{
	FILE   *fp;
	char	line[512], why[512];
	long	pid = ctl_daemon_pid(why, sizeof(why));
	int	running = pid > 0, rc_ok = 0;

	printf("daemon: %s", running ? "running" : "not running");
	if (running)
		printf(" (pid %ld)", pid);
	else
		printf(" (%s: %s)", ctl_cfg->pid_file ? ctl_cfg->pid_file : "pid_file", why);
	printf("\nconfig: %s\nserver: %s\nmode: %s\nfail: %s\n", ctl_cfg->file, ctl_cfg->server_name,
	       ctl_cfg->monitor ? "monitor" : "enforce", ctl_cfg->fail_closed ? "closed" : "open");
	{
		char	err[256];
		redisContext *rc = osm_redis_connect(ctl_cfg->redis, 1000, err, sizeof(err));

		if (rc) {
			redisReply *r = redisCommand(rc, "PING");

			rc_ok = r && r->type == REDIS_REPLY_STATUS;
			printf("redis: %s %s\n", ctl_cfg->redis, rc_ok ? "reachable" : "not answering");
			if (r)
				freeReplyObject(r);
			redisFree(rc);
		} else
			printf("redis: unreachable (%s)\n", err);
	}
	if (ctl_cfg->status_file && (fp = fopen(ctl_cfg->status_file, "r")) != NULL) {
		printf("daemon statistics (%s):\n", ctl_cfg->status_file);
		while (fgets(line, sizeof(line), fp)) {
			char   *eq = strchr(line, '=');

			if (eq == NULL)
				continue;
			*eq = 0;
			printf("  %-14s %s", line, eq + 1);
		}
		fclose(fp);
	}
	return running && rc_ok ? 0 : 1;
}

/* ctl_window_type - split "TYPE:KEY:SECONDS" after "}:w:" */
static int
ctl_window_type(const char *rest, const char **key)
{
	int	best = -1;
	size_t	bl = 0;

	for (int e = 0; e < OSM_EV_COUNT; e++) {
		size_t	l = strlen(osm_ev_names[e]);

		if (strncmp(rest, osm_ev_names[e], l) == 0 && rest[l] == ':' && l > bl)
			best = e, bl = l;
	}
	if (best >= 0)
		*key = rest + bl + 1;
	return best;
}

struct ctl_counters {
	struct osm_rep *rep;
	struct osm_acct *acct;
	struct osm_buf *b;
	const char *name, *email;
	int	shown;
};

/* ctl_counters_window - print one window list of the sender (osm_rep_windows) */
static void
ctl_counters_window(const char *k, long long pttl, void *arg)
{
	struct ctl_counters *cc = arg;
	const char *rest = strstr(k, "}:w:"), *key;
	long long n, nf;
	int	e;

	if (rest == NULL || (e = ctl_window_type(rest + 4, &key)) < 0)
		return;
	char   *kcopy = strdup(key), *colon = kcopy ? strrchr(kcopy, ':') : NULL;
	unsigned secs = colon ? (unsigned) strtoul(colon + 1, NULL, 10) : 0;
	long long since = osm_wall_ms() - secs * 1000LL;
	struct osm_trig t;
	unsigned level = 0, ratio = 0;
	char	failed[64] = "";

	if (kcopy == NULL)
		osm_msg_fatal("out of memory");
	if (osm_rep_window_count(cc->rep, k, since, &n) != 0)
		ctl_rep_fatal(cc->rep);
	if (colon)
		*colon = 0;
	osm_rep_unescape(kcopy);
	osm_cfg_trigger(ctl_cfg, cc->email ? osm_acct_by_email(cc->acct, cc->email) : cc->name, cc->email,
			(enum osm_ev) e, &t);
	for (int w = 0; w < t.nwin; w++)
		if (t.win[w].seconds == secs)
			level = t.win[w].events, ratio = t.win[w].ratio;
	if (ratio) {
		/* the window's failed events: same key with "}:wf:" */
		osm_buf_reset(cc->b);
		osm_buf_append(cc->b, k, (size_t) (rest - k));
		osm_buf_printf(cc->b, "}:wf:%s", rest + 4);
		if (osm_rep_window_count(cc->rep, osm_buf_data(cc->b), since, &nf) != 0)
			ctl_rep_fatal(cc->rep);
		snprintf(failed, sizeof(failed), ", %lld failed, trigger at %u%%", nf, (ratio + 5) / 10);
	}
	printf("  %-16s %-40s %6lld in %us (trigger above %u%s; idle expiry in %llds)\n",
	       osm_ev_names[e], kcopy, n, secs, level, failed, pttl > 0 ? pttl / 1000 : 0);
	cc->shown++;
	free(kcopy);
}

static void
ctl_counters_verdict(const char *field, const char *value, void *arg)
{
	(void) arg;
	printf("  verdict %-30s %s\n", field, value);
}

static int
ctl_counters(const char *name)
{
	struct ctl_counters cc = {0};
	char	field[320];
	const char *tag;

	cc.acct = osm_acct_load(ctl_cfg->userdomains, ctl_cfg->min_uid);
	cc.b = osm_buf_new(4096);
	cc.rep = ctl_rep();
	cc.name = name;
	cc.email = strchr(name, '@') ? name : NULL;
	if (cc.acct == NULL || cc.b == NULL)
		osm_msg_fatal("out of memory");
	ctl_field(name, field, sizeof(field));
	tag = ctl_tag(cc.acct, name, field);
	printf("%s (hash tag {%s})\n", name, tag);
	if (osm_rep_windows(cc.rep, tag, ctl_counters_window, &cc) != 0)
		ctl_rep_fatal(cc.rep);
	if (cc.shown == 0)
		printf("  no live counters\n");
	if (osm_rep_verdicts(cc.rep, tag, ctl_counters_verdict, NULL) != 0)
		ctl_rep_fatal(cc.rep);
	osm_rep_close(cc.rep);
	osm_buf_free(cc.b);
	osm_acct_free(cc.acct);
	return 0;
}

static const char *
ctl_get(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static int
ctl_reports(int limit)
{
	struct osm_rep *rep = ctl_rep();
	struct osm_rep_query q = {.limit = (size_t) limit};
	json_t *arr, *o;
	size_t	next, i;

	/* a page is at most OSM_REP_MAX_PAGE: longer lists are read page by page */
	if (q.limit > OSM_REP_MAX_PAGE)
		q.limit = OSM_REP_MAX_PAGE;
	if (osm_rep_list(rep, &q, &arr, &next) != 0)
		ctl_rep_fatal(rep);
	while (next && json_array_size(arr) < (size_t) limit) {
		json_t *more;

		q.offset = next;
		q.limit = (size_t) limit - json_array_size(arr);
		if (q.limit > OSM_REP_MAX_PAGE)
			q.limit = OSM_REP_MAX_PAGE;
		if (osm_rep_list(rep, &q, &more, &next) != 0)
			ctl_rep_fatal(rep);
		json_array_extend(arr, more);
		json_decref(more);
	}
	if (ctl_json) {
		json_dumpf(arr, stdout, JSON_INDENT(2));
		printf("\n");
	} else
		printf("%-20s %-19s %-16s %-30s %-14s %s\n", "ID", "TIME", "EVENT", "KEY", "COUNT", "VERDICT");
	json_array_foreach(arr, i, o) {
		char	when[32], count[40];

		if (ctl_json)
			break;
		ctl_time(json_integer_value(json_object_get(o, "time")), when, sizeof(when));
		snprintf(count, sizeof(count), "%lld>%lld/%llds",
			 json_integer_value(json_object_get(o, "count")),
			 json_integer_value(json_object_get(o, "level")),
			 json_integer_value(json_object_get(o, "seconds")));
		printf("%-20s %-19s %-16s %-30s %-14s %s\n", ctl_get(o, "id"), when, ctl_get(o, "type"),
		       ctl_get(o, "key"), count, *ctl_get(o, "verdict") ? ctl_get(o, "verdict") : "-");
	}
	json_decref(arr);
	osm_rep_close(rep);
	return 0;
}

/*
 * ctl_report_find - the hash tag of report ID (osm_rep_find); 0, or -1
 * when there is no such report, said on stderr
 */
static int
ctl_report_find(struct osm_rep *rep, const char *id, char *tag)
{
	int	rv;

	if (!osm_rep_id_ok(id))
		osm_msg_fatal("'%s' is not a report id", id);
	if ((rv = osm_rep_find(rep, id, tag)) == OSM_REP_ERR)
		ctl_rep_fatal(rep);
	if (rv == OSM_REP_GONE) {
		fprintf(stderr, "osmctl: no report %s (expired or never made)\n", id);
		return -1;
	}
	return 0;
}

/* ctl_report_get - report ID of TAG, or NULL if it is gone */
static json_t *
ctl_report_get(struct osm_rep *rep, const char *id, const char *tag)
{
	json_t *o;
	int	rv = osm_rep_get(rep, id, tag, &o);

	if (rv == OSM_REP_ERR)
		ctl_rep_fatal(rep);
	return rv == 0 ? o : NULL;
}

static int
ctl_report(const char *id)
{
	struct osm_rep *rep = ctl_rep();
	char	tag[OSM_REP_TAG_MAX];
	json_t *o;
	int	rv = 1;

	if (ctl_report_find(rep, id, tag) != 0)
		goto out;
	if ((o = ctl_report_get(rep, id, tag)) == NULL)
		fprintf(stderr, "osmctl: report %s has expired\n", id);
	else {
		if (ctl_json) {
			json_dumpf(o, stdout, JSON_INDENT(2));
			printf("\n");
		} else
			osm_rfmt_text(stdout, o);
		json_decref(o);
		rv = 0;
	}
out:
	osm_rep_close(rep);
	return rv;
}

/*
 * ctl_restore_mode - the mode a result recorded, as octal; only the
 * permission bits come back, never setuid, setgid or sticky
 */
static int
ctl_restore_mode(const char *s, mode_t *mode)
{
	char   *end;
	unsigned long m;

	if (*s == 0 || strlen(s) > 6)
		return -1;
	m = strtoul(s, &end, 8);
	if (*end != 0)
		return -1;
	*mode = (mode_t) m & OSM_SAFEFS_MODE_MASK;
	return 0;
}

/*
 * ctl_restore_one - undo one rename result of report ID.  Redis is not
 * trusted here (anyone who reaches it can write a report) and this runs
 * as root, so the result must be one the helper's rename could have
 * made: a real account (uid >= min_uid, never root), a clean path, the
 * renamed name exactly LEAF.osm-disabled-ID beside it; the walk and the
 * rename are osm_safefs's, as the account, inside its home.
 */
static int
ctl_restore_one(const char *id, json_t *res)
{
	const char *action = ctl_get(res, "action"), *path = ctl_get(res, "path");
	const char *renamed = ctl_get(res, "renamed_to"), *account = ctl_get(res, "account");
	const struct passwd *pw;
	char	from[4600], want[300], err[256];
	mode_t	mode, was;

	if ((pw = osm_safefs_account(account, ctl_cfg->min_uid, err, sizeof(err))) == NULL) {
		printf("%s: cannot restore: %s\n", path, err);
		return -1;
	}
	if (!osm_safefs_path_ok(path) || osm_safefs_disabled_name(path, id, want, sizeof(want)) != 0) {
		printf("%s: cannot restore: not a clean absolute path\n", path);
		return -1;
	}
	if (strcmp(renamed, want) != 0) {
		printf("%s: cannot restore: the report names %.300s, a rename makes %s\n", path, renamed, want);
		return -1;
	}
	if (ctl_restore_mode(ctl_get(res, "mode"), &mode) != 0) {
		printf("%s: cannot restore: bad mode '%.20s'\n", path, ctl_get(res, "mode"));
		return -1;
	}
	snprintf(from, sizeof(from), "%.*s/%s", (int) (strrchr(path, '/') - path), path, want);
	if (osm_safefs_rename(pw->pw_dir, from, strrchr(path, '/') + 1, pw->pw_uid, pw->pw_gid,
			      action[7] == 'p' ? 'd' : 'f', mode, &was, err, sizeof(err)) != 0) {
		printf("%s: cannot restore: %s\n", path, err);
		return -1;
	}
	printf("restored %s (mode %04o)\n", path, (unsigned) mode);
	osm_msg_info("report %s: restored %s", id, path);
	return 0;
}

/*
 * ctl_restore - undo the renames of a report's rename_path and
 * rename_script actions (ctl_restore_one); each restored result is
 * marked so it is not done twice.
 */
static int
ctl_restore(const char *id)
{
	struct osm_rep *rep = ctl_rep();
	char	tag[OSM_REP_TAG_MAX];
	int	rv = 1, done = 0;
	size_t	i;
	json_t *res, *o;

	osm_msg_syslog_init("osmctl", LOG_MAIL);
	if (ctl_report_find(rep, id, tag) != 0)
		goto out;
	/* an expired report renamed nothing that can still be found */
	if ((o = ctl_report_get(rep, id, tag)) == NULL && (o = json_object()) == NULL)
		osm_msg_fatal("out of memory");
	rv = 0;
	/* last renamed first: a script inside a renamed directory */
	for (i = json_array_size(json_object_get(o, "results")); i-- > 0;) {
		res = json_array_get(json_object_get(o, "results"), i);
		const char *action = ctl_get(res, "action");

		if ((strcmp(action, "rename_path") && strcmp(action, "rename_script"))
		    || strcmp(ctl_get(res, "status"), "ok") || *ctl_get(res, "restored"))
			continue;
		if (ctl_restore_one(id, res) != 0) {
			rv = 1;
			continue;
		}
		json_object_set_new(res, "restored", json_string("yes"));
		done++;
	}
	if (done) {
		char   *js = json_dumps(json_object_get(o, "results"), JSON_COMPACT);

		if (js == NULL)
			osm_msg_fatal("out of memory");
		if (osm_rep_set_results(rep, id, tag, js) != 0)
			ctl_rep_fatal(rep);
		free(js);
	} else if (rv == 0)
		printf("report %s renamed nothing that is not restored already\n", id);
	json_decref(o);
out:
	osm_rep_close(rep);
	return rv;
}

/* ctl_thaw - thaw the sender's frozen messages in exim's queue */
static void
ctl_thaw(const char *field)
{
	char	input[4200];
	size_t	n, done;
	struct osm_run_result res;

	snprintf(input, sizeof(input), "%s/input", ctl_cfg->exim_spool);
	if (access(input, R_OK | X_OK) != 0) {
		printf("cannot read %s (run osmctl as root to thaw held messages)\n", input);
		return;
	}
	int	rc = osm_queue_thaw(ctl_cfg->exim, ctl_cfg->exim_spool, field, &n, &done, &res);

	if (rc == 0 && n == 0) {
		printf("no frozen messages of %s in the queue\n", field);
	} else if (rc == 0 && done > 0) {
		printf("thawed %zu message(s) of %s\n", done, field);
		osm_msg_info("thawed %zu message(s) of %s", done, field);
	} else
		printf("thawing %zu message(s) of %s failed: %s\n", n, field, res.detail);
}

static int
ctl_release(const char *name)
{
	struct osm_acct *acct = osm_acct_load(ctl_cfg->userdomains, ctl_cfg->min_uid);
	struct osm_rep *rep = ctl_rep();
	char	field[320], lower[300], was[320];
	const char *tag;
	int	released;

	if (acct == NULL)
		osm_msg_fatal("out of memory");
	snprintf(lower, sizeof(lower), "%s", name);
	if (strchr(lower, '@'))
		for (char *p = lower; *p; p++)
			*p = (char) tolower((unsigned char) *p);
	ctl_field(lower, field, sizeof(field));
	tag = ctl_tag(acct, lower, field);
	if ((released = osm_rep_release(rep, tag, field, was, sizeof(was))) < 0)
		ctl_rep_fatal(rep);
	if (released)
		printf("released %s (was %s)\n", field, was);
	else
		printf("%s is not held\n", field);
	osm_msg_syslog_init("osmctl", LOG_MAIL);
	if (released)
		osm_msg_info("released %s", field);
	ctl_thaw(field);
	osm_rep_close(rep);
	osm_acct_free(acct);
	return 0;
}

/*
 * ctl_reload - SIGHUP to the daemon, and only to it: the pid comes from
 * a pid file no one else could have written (ctl_daemon_pid), the
 * process behind it must be osm-policyd of the configured user, and the
 * signal goes through a pidfd opened before the check, so a pid reused
 * after the check gets nothing (ESRCH).
 */
static int
ctl_reload(void)
{
	char	err[512];
	long	pid;
	int	pfd = -1;

	if ((pid = ctl_daemon_pid(err, sizeof(err))) < 0)
		osm_msg_fatal("%s: %s (is osm-policyd running?); not reloading",
			      ctl_cfg->pid_file ? ctl_cfg->pid_file : "pid_file", err);
#ifdef SYS_pidfd_open
	pfd = (int) syscall(SYS_pidfd_open, (pid_t) pid, 0);
	if (pfd >= 0 && !ctl_pid_is_daemon(pid, err, sizeof(err)))
		osm_msg_fatal("%s; not reloading", err);
	if (pfd >= 0 && syscall(SYS_pidfd_send_signal, pfd, SIGHUP, NULL, 0) < 0)
		osm_msg_fatal("kill -HUP %ld: %m", pid);
#endif
	if (pfd < 0 && kill((pid_t) pid, SIGHUP) < 0)
		osm_msg_fatal("kill -HUP %ld: %m", pid);
	if (pfd >= 0)
		close(pfd);
	printf("sent SIGHUP to osm-policyd (pid %ld)\n", pid);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *file = OSM_SYSCONFDIR "/osm/osm.yaml";
	const char *cmd;
	struct osm_buf *errs;
	int	limit = 20, ch;

	osm_msg_init(argv[0]);
	while ((ch = getopt(argc, argv, "+c:h")) != -1) {
		if (ch == 'c')
			file = optarg;
		else
			ctl_usage();
	}
	if (optind >= argc)
		ctl_usage();
	cmd = argv[optind++];
	/* Options after the command: --json, -n N. */
	int	nargs = 0;
	char   *args[256];

	for (int i = optind; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			ctl_json = 1;
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			limit = atoi(argv[++i]);
		else if (nargs < 256)
			args[nargs++] = argv[i];
		else
			ctl_usage();
	}
	if (limit < 1 || limit > 100000)
		osm_msg_fatal("-n: 1 to 100000");
	if ((errs = osm_buf_new(1 << 20)) == NULL)
		return 1;
	if ((ctl_cfg = osm_cfg_load(file, errs)) == NULL) {
		fputs(osm_buf_data(errs), stderr);
		osm_buf_free(errs);
		osm_msg_fatal("%s: configuration has errors%s", file,
			      !strcmp(cmd, "reload") ? "; not reloading" : "");
	}
	osm_buf_free(errs);
	snprintf(ctl_prefix, sizeof(ctl_prefix), "%s%s:", ctl_cfg->prefix, ctl_cfg->server_name);
	if (!strcmp(cmd, "status") && nargs == 0)
		return ctl_status();
	if (!strcmp(cmd, "counters") && nargs == 1)
		return ctl_counters(args[0]);
	if (!strcmp(cmd, "reports") && nargs == 0)
		return ctl_reports(limit);
	if (!strcmp(cmd, "report") && nargs == 1)
		return ctl_report(args[0]);
	if (!strcmp(cmd, "release") && nargs == 1)
		return ctl_release(args[0]);
	if (!strcmp(cmd, "restore") && nargs == 1)
		return ctl_restore(args[0]);
	if (!strcmp(cmd, "reload") && nargs == 0)
		return ctl_reload();
	if (!strcmp(cmd, "scan") && nargs > 0)
		return ctl_scan(ctl_cfg, args, nargs, ctl_json);
	ctl_usage();
}
