/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_exim - the exim side of osm: dlfunc entry points that ask
 * osm-policyd about each outgoing message.
 *
 *   ${dlfunc{/usr/lib/osm/osm_exim.so}{osm_check}{OPTIONS}}
 *	in acl_not_smtp and acl_smtp_data: counts the message and yields
 *	accept, hold, discard or (only with fail=defer) defer.
 *   ${dlfunc{/usr/lib/osm/osm_exim.so}{osm_route}{OPTIONS}}
 *	in a redirect router's data before remote delivery: checks the
 *	sender's verdict without counting; yields ":defer: ..." for a held
 *	sender, ":blackhole:" for a discarded one, and fails forced (the
 *	router declines, delivery goes on) otherwise.
 * OPTIONS: "socket=PATH timeout=MS fail=accept|defer" (oe_query.h).
 *
 * What exim knows is read from the variables local_scan.h exports
 * (message_id, sender_address, sender_host_address, recipients_count,
 * sender_host_authenticated) and the rest with one expand_string() per
 * variable: Debian's exim exports only the local_scan API, and
 * $variables work in every exim build.  The timeout runs from the moment
 * exim calls in, so the expansions and /proc reads count in it.
 * For a local submission the submitting script is found from the
 * X-PHP-Originating-Script header, else from the parent process (the
 * one that ran sendmail and is waiting for it): its command line, which
 * anyone may read, and its cwd and SCRIPT_FILENAME where this process
 * may read them.  Both pids go along, so osm-policyd's /proc reader
 * (pd_proc) can read what exim's user may not.
 *
 * SECURITY: this runs inside exim.  It never exits, raises signals,
 * touches SIGALRM or blocks past its timeout; every failure is one
 * mainlog line and the configured default answer; it always returns OK
 * except to make a router decline.  Header and address text only goes
 * into the request as data (control characters replaced), never into
 * an expansion string.
 */
#define DLFUNC_IMPL
#include <local_scan.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oe_query.h"

#define OE_EXPORT __attribute__((visibility("default")))

/*
 * The message's facts.  What local_scan.h exports is read directly; the
 * rest comes from one expansion per variable, never from one expansion
 * split on a separator: the sender, the authenticated id and the cwd
 * are the sender's text and may hold any byte but NUL.
 */
enum { F_UID, F_AUTH, F_EXIM_UID, F_QUALIFY, F_CWD, F_N };
static const char *const oe_vars[F_N] = {
	"$originator_uid", "$authenticated_id", "$exim_uid", "$qualify_domain", "$initial_cwd",
};

struct oe_msg {
	const char *f[F_N];
	const char *id, *sender, *host, *auth;
	char	rcpts[16];
	int	local;			/* not received over SMTP */
};

static int
oe_facts_get(struct oe_msg *m)
{
	for (int i = 0; i < F_N; i++) {
		uschar *x = expand_string(US oe_vars[i]);

		if (x == NULL)
			return -1;
		m->f[i] = (const char *) x;
	}
	m->id = (const char *) message_id;
	m->sender = (const char *) sender_address;
	m->host = (const char *) sender_host_address;
	m->auth = sender_host_authenticated ? m->f[F_AUTH] : "";
	snprintf(m->rcpts, sizeof(m->rcpts), "%d", recipients_count);
	m->local = m->host == NULL || m->host[0] == 0;
	return 0;
}

static const char *
oe_nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* oe_header - a header's value, decoded by exim; NULL if absent */
static const char *
oe_header(const char *expansion)
{
	uschar *v = expand_string(US expansion);

	return v && *v ? (const char *) v : NULL;
}

/* oe_domain_listed - DOMAIN is in the colon-separated LIST (literal entries only) */
static int
oe_domain_listed(const char *list, const char *domain)
{
	size_t	dl = strlen(domain);

	while (list && *list) {
		size_t	n = strcspn(list, ":");
		const char *s = list, *e = list + n;

		while (s < e && isspace((unsigned char) *s))
			s++;
		while (e > s && isspace((unsigned char) e[-1]))
			e--;
		if ((size_t) (e - s) == dl && strncasecmp(s, domain, dl) == 0)
			return 1;
		list += n + (list[n] == ':');
	}
	return 0;
}

/* oe_remote_count - recipients whose domain is neither local_domains nor qualify_domain */
static int
oe_remote_count(const char *qualify)
{
	uschar *local = expand_string(US "${listnamed:local_domains}");
	int	n = 0;

	for (int i = 0; i < recipients_count; i++) {
		const char *a = (const char *) recipients_list[i].address;
		const char *at = a ? strrchr(a, '@') : NULL;

		if (at == NULL)
			continue;		/* unqualified: local */
		if (strcasecmp(at + 1, qualify) == 0 || oe_domain_listed((const char *) local, at + 1))
			continue;
		n++;
	}
	return n;
}

/* oe_read_proc - a small /proc file of PID, NUL bytes kept; length or -1 */
static ssize_t
oe_read_proc(pid_t pid, const char *what, char *buf, size_t len)
{
	char	path[64];
	ssize_t	n, got = 0;
	int	fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long) pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	while ((size_t) got < len - 1 && (n = read(fd, buf + got, len - 1 - (size_t) got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	return got;
}

static int
oe_is_interpreter(const char *argv0)
{
	static const char *const names[] = {
		"php", "sh", "bash", "dash", "zsh", "ksh", "perl", "python", "ruby", "node", "lua", "tclsh",
	};
	const char *base = strrchr(argv0, '/');

	base = base ? base + 1 : argv0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t	n = strlen(names[i]);

		/* php, php8.2, php-cgi, python3, perl5.36 ... */
		if (strncmp(base, names[i], n) == 0 && (base[n] == 0 || isdigit((unsigned char) base[n])
							 || base[n] == '-' || base[n] == '.'))
			return 1;
	}
	return 0;
}

/*
 * oe_script - the sending script of a local submission.  The header
 * PHP adds wins ("UID:file.php"); else SCRIPT_FILENAME of the parent
 * when readable; else the parent's command line: the script an
 * interpreter runs, or the program itself, made absolute with the
 * parent's cwd (or, unreadable, the submission's).
 */
static const char *
oe_script(const char *cwd)
{
	const char *hdr = oe_header("$h_X-PHP-Originating-Script:");
	pid_t	pp = getppid();
	char	cmd[4096], env[16384], pcwd[1024];
	ssize_t	n;
	const char *script = NULL;

	if (hdr) {
		const char *colon = strchr(hdr, ':');
		int	uid_prefix = colon != NULL && colon > hdr;

		for (const char *c = hdr; uid_prefix && c < colon; c++)
			if (!isdigit((unsigned char) *c))
				uid_prefix = 0;
		return uid_prefix ? colon + 1 : hdr;
	}
	if (pp <= 1)
		return NULL;
	if ((n = oe_read_proc(pp, "environ", env, sizeof(env))) > 0) {
		for (char *e = env; e < env + n; e += strlen(e) + 1)
			if (strncmp(e, "SCRIPT_FILENAME=", 16) == 0 && e[16] == '/')
				return (const char *) string_copy(US (e + 16));
	}
	if ((n = oe_read_proc(pp, "cmdline", cmd, sizeof(cmd))) <= 0)
		return NULL;
	/* argv[0], then the first argument that is not an option */
	script = cmd;
	if (oe_is_interpreter(cmd)) {
		for (char *a = cmd + strlen(cmd) + 1; a < cmd + n; a += strlen(a) + 1) {
			if (strcmp(a, "-c") == 0)
				break;		/* sh -c '...': no file; keep the interpreter */
			if (*a && *a != '-') {
				script = a;
				break;
			}
		}
	}
	if (script[0] == '/')
		return (const char *) string_copy(US script);
	char	link[64];
	ssize_t	cl;

	snprintf(link, sizeof(link), "/proc/%ld/cwd", (long) pp);
	cl = readlink(link, pcwd, sizeof(pcwd) - 1);

	if (cl > 0)
		pcwd[cl] = 0;
	else
		snprintf(pcwd, sizeof(pcwd), "%s", cwd ? cwd : "");
	if (pcwd[0] != '/')
		return (const char *) string_copy(US script);
	return (const char *) string_sprintf("%s/%s", pcwd, script[0] == '.' && script[1] == '/' ? script + 2 : script);
}

/* oe_identity - the attributes that name the sender */
static void
oe_identity(struct oe_req *r, const struct oe_msg *m)
{
	oe_req_add(r, "request", "smtpd_access_policy");
	oe_req_add(r, "source", "exim");
	if (m->local)
		oe_req_add(r, "uid", oe_nonempty(m->f[F_UID]));
	oe_req_add(r, "sasl_username", oe_nonempty(m->auth));
	oe_req_add(r, "client_address", oe_nonempty(m->host));
	oe_req_add(r, "sender", oe_nonempty(m->sender));
}

static void
oe_fail_log(const char *fn, const char *err, int defer)
{
	log_write(0, LOG_MAIN, "osm %s: %s; answering %s", fn, err, defer ? "defer" : "accept");
}

OE_EXPORT int
osm_check(uschar **yield, int argc, uschar *argv[])
{
	struct oe_opts o;
	struct oe_msg m;
	static struct oe_req req;
	struct oe_req *r = &req;
	char	err[256], text[300], count[16];
	enum oe_verdict v;
	long long deadline = oe_now();

	if (oe_opts_parse(argc > 0 ? (const char *) argv[0] : "", &o, err, sizeof(err)) != 0) {
		oe_fail_log("osm_check", err, 0);
		*yield = US "accept";
		return OK;
	}
	deadline += o.timeout_ms;
	if (oe_facts_get(&m) != 0) {
		oe_fail_log("osm_check", "cannot expand the message's variables", o.fail_defer);
		*yield = US (o.fail_defer ? "defer" : "accept");
		return OK;
	}
	/* exim's own mail (bounces, warnings) is nobody's spam */
	if (m.local && strcmp(m.f[F_UID], m.f[F_EXIM_UID]) == 0) {
		*yield = US "accept";
		return OK;
	}
	oe_req_init(r);
	oe_identity(r, &m);
	oe_req_add(r, "protocol_state", "END-OF-MESSAGE");
	oe_req_add(r, "message_id", oe_nonempty(m.id));
	oe_req_add(r, "recipient_count", m.rcpts);
	snprintf(count, sizeof(count), "%d", oe_remote_count(m.f[F_QUALIFY]));
	oe_req_add(r, "remote_recipient_count", count);
	oe_req_add(r, "subject", oe_header("$h_Subject:"));
	if (m.local) {
		oe_req_add(r, "cwd", oe_nonempty(m.f[F_CWD]));
		oe_req_add(r, "script", oe_script(m.f[F_CWD]));
		/* osm-policyd's /proc reader reads what exim's user may not */
		snprintf(count, sizeof(count), "%ld", (long) getppid());
		oe_req_add(r, "ppid", count);
		snprintf(count, sizeof(count), "%ld", (long) getpid());
		oe_req_add(r, "pid", count);
	}
	v = oe_query(&o, r, deadline, text, sizeof(text), err, sizeof(err));
	if (v == OE_ERROR || (v == OE_DEFER && !o.fail_defer)) {
		oe_fail_log("osm_check", v == OE_ERROR ? err : "osm-policyd answered DEFER", o.fail_defer);
		v = o.fail_defer ? OE_DEFER : OE_ACCEPT;
	} else if (v != OE_ACCEPT)
		log_write(0, LOG_MAIN, "osm: %s (%s)", oe_verdict_name(v), text);
	*yield = US oe_verdict_name(v);
	return OK;
}

OE_EXPORT int
osm_route(uschar **yield, int argc, uschar *argv[])
{
	struct oe_opts o;
	struct oe_msg m;
	static struct oe_req req;
	struct oe_req *r = &req;
	char	err[256], text[300];
	enum oe_verdict v;
	long long deadline = oe_now();

	if (oe_opts_parse(argc > 0 ? (const char *) argv[0] : "", &o, err, sizeof(err)) != 0) {
		oe_fail_log("osm_route", err, 0);
		return FAIL_FORCED;
	}
	deadline += o.timeout_ms;
	if (oe_facts_get(&m) != 0 || (m.local && strcmp(m.f[F_UID], m.f[F_EXIM_UID]) == 0))
		return FAIL_FORCED;
	oe_req_init(r);
	oe_identity(r, &m);
	oe_req_add(r, "protocol_state", "DELIVERY");	/* look, don't count */
	oe_req_add(r, "message_id", oe_nonempty(m.id));
	v = oe_query(&o, r, deadline, text, sizeof(text), err, sizeof(err));
	switch (v) {
	case OE_HOLD:
		*yield = string_sprintf(":defer: %s", text[0] ? text : "osm: sender held");
		return OK;
	case OE_DISCARD:
		log_write(0, LOG_MAIN, "osm: discard queued message (%s)", text);
		*yield = US ":blackhole:";
		return OK;
	case OE_ERROR:
		oe_fail_log("osm_route", err, 0);
		return FAIL_FORCED;
	default:
		return FAIL_FORCED;
	}
}
