/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_priv - the privileged helper; see pd_priv.h.
 *
 * Everything from the socket is untrusted: the daemon's side runs as
 * the unprivileged user and may be compromised.  So every field is
 * checked against a narrow shape (an account name, an email address,
 * an IP address, a report id, a clean absolute path) before it goes
 * into a command line, and command lines come only from the helper's
 * own reading of the configuration file.  pd_priv_parse() checks the
 * shapes, without I/O (tests/fuzz/fuzz_priv.c); the handlers get only
 * what it accepted, and check what the fields name before they act.
 */
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osm_acct.h"
#include "osm_addr.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_exlog.h"
#include "osm_msg.h"
#include "osm_proto.h"
#include "osm_sig.h"
#include "osm_queue.h"
#include "osm_run.h"
#include "osm_safefs.h"
#include "pd_priv.h"

#define PD_PRIV_MAX_IDS		10000

static volatile sig_atomic_t pd_priv_hup;

struct pd_priv_reply {
	char	status[16];
	char	detail[2048];
};

static void __attribute__((format(printf, 3, 4)))
pd_priv_set(struct pd_priv_reply *r, const char *status, const char *fmt, ...)
{
	va_list ap;

	snprintf(r->status, sizeof(r->status), "%s", status);
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* --- shapes ------------------------------------------------------------ */

/* an email address: printable ASCII without quotes, blanks, shell or path specials */
static int
pd_priv_is_email(const char *s)
{
	const char *at = strchr(s, '@');
	size_t	n = strlen(s);

	if (at == NULL || at == s || at[1] == 0 || strchr(at + 1, '@') || n > 254 || s[0] == '-')
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || strchr("\"'`$\\/;|&<>(){}[]*?~!%", *s))
			return 0;
	return 1;
}

static int
pd_priv_is_report(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 40)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char) *s))
			return 0;
	return 1;
}

/* pd_priv_is_local - an address of this host, or one that never is a client */
static int
pd_priv_is_local(const char *ip)
{
	static const char *const never[] = {"127.0.0.0/8", "::1/128", "0.0.0.0/8", "::/128",
		"169.254.0.0/16", "fe80::/10", "224.0.0.0/4", "ff00::/8"};
	struct ifaddrs *ifa, *i;
	struct osm_cidr c;
	const char *why;
	int	local = 0;

	for (size_t k = 0; k < sizeof(never) / sizeof(never[0]); k++)
		if (osm_addr_parse_cidr(never[k], &c, &why) == 0 && osm_addr_match(&c, ip))
			return 1;
	if (getifaddrs(&ifa) != 0)
		return 1;			/* cannot tell: refuse */
	for (i = ifa; i && !local; i = i->ifa_next) {
		char	host[64];

		if (i->ifa_addr == NULL || (i->ifa_addr->sa_family != AF_INET && i->ifa_addr->sa_family != AF_INET6))
			continue;
		if (getnameinfo(i->ifa_addr, i->ifa_addr->sa_family == AF_INET ? sizeof(struct sockaddr_in)
				: sizeof(struct sockaddr_in6), host, sizeof(host), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		char   *pct = strchr(host, '%');

		if (pct)
			*pct = 0;
		if (osm_addr_parse_cidr(host, &c, &why) == 0 && osm_addr_match(&c, ip))
			local = 1;
	}
	freeifaddrs(ifa);
	return local;
}

/* --- command actions --------------------------------------------------- */

/*
 * pd_priv_sender_ok - the account and email account a command acts on
 * are real, not root, not below min_uid, not ignored, and the email
 * account is the account's (its domain's owner in userdomains): the
 * unprivileged side names them, root checks them.
 */
static int
pd_priv_sender_ok(const struct osm_cfg *cfg, const char *account, const char *email, struct pd_priv_reply *r)
{
	char	err[256];

	if (*account) {
		if (osm_safefs_account(account, cfg->min_uid, err, sizeof(err)) == NULL) {
			pd_priv_set(r, "failed", "%s", err);
			return -1;
		}
		if (osm_cfg_ignore_account(cfg, account) || (cfg->user && !strcmp(account, cfg->user))) {
			pd_priv_set(r, "skipped", "%s is in ignore.accounts", account);
			return -1;
		}
	}
	if (*email && osm_cfg_ignore_email(cfg, email)) {
		pd_priv_set(r, "skipped", "%s is in ignore.emails", email);
		return -1;
	}
	if (*email == 0 || *account == 0)
		return 0;			/* no %account for a command on the email account */
	struct osm_acct *acct = osm_acct_load(cfg->userdomains, cfg->min_uid);
	const char *owner = acct ? osm_acct_by_email(acct, email) : NULL;
	int	mine = owner && !strcmp(owner, account);

	osm_acct_free(acct);
	if (!mine) {
		pd_priv_set(r, "failed", "%s is not an email account of %s", email, account);
		return -1;
	}
	return 0;
}


/* pd_priv_expand - one argument with %account, %email, %domain, %ip, %report */
static int
pd_priv_expand(const char *tmpl, const char *const vals[5], char *out, size_t outlen)
{
	static const char *const names[5] = {"account", "email", "domain", "ip", "report"};
	size_t	o = 0;

	for (const char *p = tmpl; *p; p++) {
		const char *v = NULL;
		char	c[2] = {*p, 0};

		if (*p == '%' && p[1] == '%')
			v = "%", p++;
		else if (*p == '%') {
			for (int i = 0; i < 5; i++)
				if (!strncmp(p + 1, names[i], strlen(names[i]))) {
					v = vals[i];
					p += strlen(names[i]);
					if (*v == 0)
						return -1;	/* a value this command needs is absent */
					break;
				}
		}
		if (v == NULL)
			v = c;
		size_t	l = strlen(v);

		if (o + l >= outlen)
			return -1;
		memcpy(out + o, v, l);
		o += l;
	}
	out[o] = 0;
	return 0;
}

/* pd_priv_command_act - the command action named NAME, or OSM_ACT_COUNT */
static int
pd_priv_command_act(const char *name)
{
	int	act;

	for (act = 0; act < OSM_ACT_COUNT; act++)
		if ((OSM_ACT_COMMANDS & (1u << act)) && !strcmp(name, osm_act_names[act]))
			break;
	return act;
}

static void
pd_priv_command(const struct osm_cfg *cfg, char **f, struct pd_priv_reply *r)
{
	int	act = pd_priv_command_act(f[1]);
	const char *account = f[2], *email = f[3], *ip = f[4], *report = f[5];
	int	block_ip = (1u << act) == OSM_ACT_BLOCK_IP;

	if (pd_priv_sender_ok(cfg, account, block_ip ? "" : email, r) != 0)
		return;
	if (block_ip) {
		if (*ip == 0) {
			pd_priv_set(r, "skipped", "no client IP in the report");
			return;
		}
		if (osm_cfg_ignore_ip(cfg, ip)) {
			pd_priv_set(r, "skipped", "%s is in ignore.ips", ip);
			return;
		}
		if (pd_priv_is_local(ip)) {
			pd_priv_set(r, "skipped", "%s is a local address", ip);
			return;
		}
	}
	const char *domain = strchr(email, '@') ? strchr(email, '@') + 1 : "";
	const char *vals[5] = {account, email, domain, ip, report};
	const struct osm_cmds *cm = &cfg->commands[act];
	struct osm_buf *done = osm_buf_new(2048);
	int	ran = 0, bad = 0;

	for (int i = 0; i < cm->n; i++) {
		const struct osm_argv *a = &cm->cmd[i];
		char	args[OSM_CMD_MAX_ARGS][1024], out[512];
		const char *argv[OSM_CMD_MAX_ARGS + 1];
		struct osm_run_result res;
		int	k;

		if (block_ip && ran)
			break;			/* the first that exists */
		if (access(a->argv[0], X_OK) != 0) {
			if (block_ip)
				continue;
			osm_buf_printf(done, "%s%s: not installed", ran + bad ? "; " : "", a->argv[0]);
			bad++;
			continue;
		}
		for (k = 0; k < a->argc; k++) {
			if (pd_priv_expand(a->argv[k], vals, args[k], sizeof(args[k])) != 0)
				break;
			argv[k] = args[k];
		}
		if (k < a->argc) {
			osm_buf_printf(done, "%s%s: skipped, the report has no value for '%s'",
				       ran + bad ? "; " : "", a->argv[0], a->argv[k]);
			bad++;
			continue;
		}
		argv[k] = NULL;
		osm_run(argv, NULL, NULL, -1, cfg->action_timeout * 1000, out, sizeof(out), &res);
		for (char *p = out; *p; p++)
			if ((unsigned char) *p < 0x20)
				*p = ' ';
		osm_buf_printf(done, "%s%s %s: %s%s%.200s", ran + bad ? "; " : "", args[0],
			       k > 1 ? args[1] : "", res.detail, *out ? ": " : "", out);
		ran++;
		bad += res.status != OSM_RUN_OK;
	}
	if (block_ip && ran == 0)
		pd_priv_set(r, "failed", "no firewall command installed (csf, or actions.commands.block_ip)");
	else
		pd_priv_set(r, ran == 0 ? "skipped" : bad ? "failed" : "ok", "%s", osm_buf_data(done));
	osm_buf_free(done);
}

/* --- exim's queue ------------------------------------------------------ */

static void
pd_priv_queue(const struct osm_cfg *cfg, char **f, int n, struct pd_priv_reply *r)
{
	static char ids[PD_PRIV_MAX_IDS][OSM_QUEUE_ID_LEN];
	size_t	nids = 0;
	const char *op, *who = f[2];

	op = !strcmp(f[1], "hold") ? "-Mf" : !strcmp(f[1], "discard") ? "-Mrm" : "-Mt";
	for (int i = 4; i < n; i++)
		if (osm_exlog_is_id(f[i], strlen(f[i])) && nids < PD_PRIV_MAX_IDS)
			snprintf(ids[nids++], OSM_QUEUE_ID_LEN, "%s", f[i]);
	osm_queue_scan(cfg->exim_spool, who, op[2] == 't', ids, &nids, PD_PRIV_MAX_IDS);
	/*
	 * Drop duplicates, ids no longer in the queue (delivered, removed),
	 * and any message that is not WHO's: the ids come from the
	 * unprivileged side, and its header file is what exim says.
	 */
	size_t	m = 0, foreign = 0;

	for (size_t i = 0; i < nids; i++) {
		int	dup = 0;

		for (size_t j = 0; j < m && !dup; j++)
			dup = !strcmp(ids[i], ids[j]);
		if (dup)
			continue;
		if (osm_queue_owned(cfg->exim_spool, ids[i], who, op[2] == 't'))
			memmove(ids[m++], ids[i], OSM_QUEUE_ID_LEN);
		else
			foreign++;
	}
	if (foreign)
		osm_msg_info("queue %s %s: %zu message id(s) given are not %s's or are gone; left alone",
			     f[1], f[3], foreign, who);
	nids = m;
	if (nids == 0) {
		pd_priv_set(r, "ok", "no messages of %s in the queue", who);
		return;
	}
	struct osm_run_result res;
	struct osm_buf *b = osm_buf_new(1024);
	size_t	done;
	int	ran = osm_queue_exim(cfg->exim, op, ids, nids, cfg->action_timeout * 1000, &done, &res) == 0;

	/* a message being delivered (locked) or gone meanwhile is not a failure */
	osm_buf_printf(b, "%s %zu of %zu message(s) of %s:", op[2] == 'f' ? "froze" : op[2] == 'r' ? "removed"
		       : "thawed", done, nids, who);
	for (size_t i = 0; i < nids && i < 100; i++)
		osm_buf_printf(b, " %s", ids[i]);
	if (nids > 100)
		osm_buf_puts(b, " ...");
	if (!ran || done == 0)
		osm_buf_printf(b, " (exim: %s)", res.detail);
	pd_priv_set(r, ran && done > 0 ? "ok" : "failed", "%s", osm_buf_data(b));
	osm_buf_free(b);
}

/* --- rename ------------------------------------------------------------ */

static void
pd_priv_rename(const struct osm_cfg *cfg, char **f, struct pd_priv_reply *r)
{
	const struct passwd *pw;
	char	err[256], newname[300];
	mode_t	old;

	if (osm_safefs_disabled_name(f[3], f[4], newname, sizeof(newname)) != 0) {
		pd_priv_set(r, "failed", "rename: a field has a bad shape");	/* pd_priv_parse checked it */
		return;
	}
	if ((pw = osm_safefs_account(f[2], cfg->min_uid, err, sizeof(err))) == NULL) {
		pd_priv_set(r, "failed", "rename: %s", err);
		return;
	}
	if (osm_safefs_rename(pw->pw_dir, f[3], newname, pw->pw_uid, pw->pw_gid, f[1][0] == 'p' ? 'd' : 'f',
			      0, &old, err, sizeof(err)) != 0) {
		pd_priv_set(r, "failed", "%s", err);
		return;
	}
	pd_priv_set(r, "ok", "%04o %s", (unsigned) old, newname);
}

/* --- custom ------------------------------------------------------------ */

static void
pd_priv_custom(const struct osm_cfg *cfg, char **f, int payload, struct pd_priv_reply *r)
{
	char	out[1024], env_report[80], env_format[40];
	const char *env[3] = {env_report, env_format, NULL};
	struct osm_run_result res;

	if (payload < 0) {
		pd_priv_set(r, "failed", "custom: bad request");
		return;
	}
	if (cfg->custom.argc == 0) {
		pd_priv_set(r, "skipped", "no actions.custom.command configured");
		return;
	}
	snprintf(env_report, sizeof(env_report), "OSM_REPORT=%s", f[1]);
	snprintf(env_format, sizeof(env_format), "OSM_FORMAT=%s", osm_fmt_names[cfg->custom_format]);
	lseek(payload, 0, SEEK_SET);
	osm_run((const char *const *) cfg->custom.argv, env, cfg->custom_user, payload,
		cfg->action_timeout * 1000, out, sizeof(out), &res);
	/* the first lines of its output, for the report */
	int	lines = 0;
	size_t	ol = strlen(out);

	while (ol > 0 && isspace((unsigned char) out[ol - 1]))
		out[--ol] = 0;

	for (char *p = out; *p; p++) {
		if (*p == '\n' && ++lines == 5) {
			*p = 0;
			break;
		}
		if ((unsigned char) *p < 0x20 && *p != '\n')
			*p = ' ';
	}
	pd_priv_set(r, osm_run_status_name(res.status), "%s%s%s", res.detail, *out ? "; output: " : "", out);
}

/* --- a request's shape ------------------------------------------------- */

/* pd_priv_why - the reason a request is refused; always -1 */
static int
pd_priv_why(char *why, size_t wlen, const char *text)
{
	snprintf(why, wlen, "%s", text);
	return -1;
}

int
pd_priv_parse(char *msg, size_t len, char **f, int *np, char *why, size_t wlen)
{
	int	n = 0;

	/* fields: NUL-separated; the last may lack its NUL */
	msg[len] = 0;
	for (char *p = msg; p < msg + len && n < PD_PRIV_MAX_FIELDS; p += strlen(p) + 1)
		f[n++] = p;
	*np = n;
	if (n == 0)
		return pd_priv_why(why, wlen, "request too long");
	if (!strcmp(f[0], "command")) {
		if (n != 6)
			return pd_priv_why(why, wlen, "command: wrong number of fields");
		if (pd_priv_command_act(f[1]) == OSM_ACT_COUNT)
			return pd_priv_why(why, wlen, "command: not a command action");
		if ((*f[2] && !osm_safefs_account_ok(f[2])) || (*f[3] && !pd_priv_is_email(f[3]))
		    || (*f[4] && !osm_addr_is_valid(f[4])) || !pd_priv_is_report(f[5]))
			return pd_priv_why(why, wlen, "command: a field has a bad shape");
	} else if (!strcmp(f[0], "queue")) {
		if (n < 4 || (strcmp(f[1], "hold") && strcmp(f[1], "discard") && strcmp(f[1], "thaw")))
			return pd_priv_why(why, wlen, "queue: bad request");
		const char *who = f[2], *colon = strchr(who, ':');

		if (colon == NULL || !pd_priv_is_report(f[3])
		    || !((!strncmp(who, "account:", 8) && osm_safefs_account_ok(colon + 1))
			 || (!strncmp(who, "email:", 6) && pd_priv_is_email(colon + 1))
			 || (!strncmp(who, "ip:", 3) && osm_addr_is_valid(colon + 1))))
			return pd_priv_why(why, wlen, "queue: a field has a bad shape");
	} else if (!strcmp(f[0], "rename")) {
		char	newname[300];

		if (n != 5 || (strcmp(f[1], "path") && strcmp(f[1], "script")) || !osm_safefs_account_ok(f[2])
		    || !osm_safefs_path_ok(f[3]) || osm_safefs_disabled_name(f[3], f[4], newname, sizeof(newname)) != 0)
			return pd_priv_why(why, wlen, "rename: a field has a bad shape");
	} else if (!strcmp(f[0], "custom")) {
		if (n != 2 || !pd_priv_is_report(f[1]))
			return pd_priv_why(why, wlen, "custom: bad request");
	} else
		return pd_priv_why(why, wlen, "unknown request");
	return 0;
}

/* --- the loop ---------------------------------------------------------- */

/* pd_priv_loggable - a refused request's words are the peer's: short, printable */
static void
pd_priv_loggable(const char *s, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s", s);
	osm_proto_printable(out, outlen - 1);
}

static void
pd_priv_on_hup(int sig)
{
	(void) sig;
	pd_priv_hup = 1;
}

static void
pd_priv_serve(const char *cfgfile, struct osm_cfg *cfg, int fd)
{
	static char msg[PD_PRIV_MAX_MSG + 1];
	struct stat st, loaded;

	if (stat(cfgfile, &loaded) != 0)
		memset(&loaded, 0, sizeof(loaded));

	osm_sig_child(pd_priv_on_hup);
	for (;;) {
		char	cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = {msg, PD_PRIV_MAX_MSG};
		struct msghdr mh = {0};
		ssize_t	len;
		int	payload = -1;

		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		len = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
		/* the daemon cannot signal root: a changed file is the reload */
		if (stat(cfgfile, &st) == 0 && (st.st_mtim.tv_sec != loaded.st_mtim.tv_sec
		    || st.st_mtim.tv_nsec != loaded.st_mtim.tv_nsec || st.st_ino != loaded.st_ino
		    || st.st_size != loaded.st_size))
			pd_priv_hup = 1;
		if (pd_priv_hup) {
			loaded = st;
			struct osm_cfg *nc = osm_cfg_load_log(cfgfile);

			pd_priv_hup = 0;
			if (nc) {
				osm_cfg_free(cfg);
				cfg = nc;
				osm_msg_info("helper: configuration reloaded");
			}
		}
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;			/* the daemon is gone */
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS
			    && c->cmsg_len == CMSG_LEN(sizeof(int)))
				memcpy(&payload, CMSG_DATA(c), sizeof(int));
		char   *f[PD_PRIV_MAX_FIELDS], why[64];
		int	n = 0;
		struct pd_priv_reply r;

		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			pd_priv_set(&r, "failed", "request too long");
		else if (pd_priv_parse(msg, (size_t) len, f, &n, why, sizeof(why)) != 0)
			pd_priv_set(&r, "failed", "%s", why);
		else if (!strcmp(f[0], "command"))
			pd_priv_command(cfg, f, &r);
		else if (!strcmp(f[0], "queue"))
			pd_priv_queue(cfg, f, n, &r);
		else if (!strcmp(f[0], "rename"))
			pd_priv_rename(cfg, f, &r);
		else if (!strcmp(f[0], "custom"))
			pd_priv_custom(cfg, f, payload, &r);
		if (payload >= 0)
			close(payload);
		if (strcmp(r.status, "ok")) {
			char	op[2][41];

			pd_priv_loggable(n > 0 ? f[0] : "", op[0], sizeof(op[0]));
			pd_priv_loggable(n > 1 ? f[1] : "", op[1], sizeof(op[1]));
			osm_msg_info("helper: %s %s: %s %s", op[0], op[1], r.status, r.detail);
		}
		size_t	sl = strlen(r.status) + 1, dl = strlen(r.detail);

		memcpy(msg, r.status, sl);
		memcpy(msg + sl, r.detail, dl);
		if (send(fd, msg, sl + dl, MSG_NOSIGNAL) < 0)
			break;
	}
	osm_cfg_free(cfg);
	_exit(0);
}

pid_t
pd_priv_start(const char *cfgfile, int *fdp)
{
	int	sv[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		osm_msg_fatal("socketpair: %m");
	if ((pid = fork()) < 0)
		osm_msg_fatal("fork: %m");
	if (pid == 0) {
		struct osm_cfg *cfg = osm_cfg_load_log(cfgfile);

		for (int fd = 3; fd < 1024; fd++)
			if (fd != sv[1])
				close(fd);
		if (cfg == NULL)
			_exit(1);
		if (geteuid() != 0)
			osm_msg_warn("helper: not root; privileged actions will fail");
		pd_priv_serve(cfgfile, cfg, sv[1]);
	}
	close(sv[1]);
	*fdp = sv[0];
	return pid;
}

int
pd_priv_call(int fd, const char *const *fields, int nfields, int payload_fd,
	     char *status, size_t slen, char *detail, size_t dlen)
{
	static char msg[PD_PRIV_MAX_MSG + 1];
	size_t	len = 0;
	char	cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov;
	struct msghdr mh = {0};
	ssize_t	n;

	for (int i = 0; i < nfields; i++) {
		size_t	l = strlen(fields[i]) + 1;

		if (len + l > PD_PRIV_MAX_MSG) {
			snprintf(status, slen, "failed");
			snprintf(detail, dlen, "request too long for the helper");
			return -1;
		}
		memcpy(msg + len, fields[i], l);
		len += l;
	}
	iov.iov_base = msg;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (payload_fd >= 0) {
		struct cmsghdr *c;

		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &payload_fd, sizeof(int));
	}
	if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0
	    || (n = recv(fd, msg, PD_PRIV_MAX_MSG, 0)) <= 0) {
		snprintf(status, slen, "failed");
		snprintf(detail, dlen, "the privileged helper is gone");
		return -1;
	}
	msg[n] = 0;
	snprintf(status, slen, "%s", msg);
	size_t	sl = strlen(msg) + 1;

	snprintf(detail, dlen, "%s", sl < (size_t) n ? msg + sl : "");
	return 0;
}
