/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_cfg - osm.yaml loader; see osm_cfg.h and osm.yaml(5).
 *
 * libyaml builds a node tree; we walk it with one function per section.
 * Every node carries its start mark, so each problem is reported with
 * the line and column of the offending key or value, and the walk goes
 * on after an error so the administrator sees all problems at once.
 *
 * SECURITY: the file holds command lines run as root, so a process
 * running as root reads it only when root alone could have written it
 * and every directory above it (osm_cfg_open, osm_secure).  It is still
 * read hostile-proof:
 * sizes and counts are bounded and nothing here can crash on any input
 * (there is a fuzz target).
 */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_clock.h"
#include "osm_msg.h"
#include "osm_secure.h"

const char *const osm_ev_names[OSM_EV_COUNT] = {
	"logline", "logline:subject", "cwdcheck", "cwdcheck:cwd", "packet", "packet:cwd",
	"delivery",
};

const char *const osm_act_names[OSM_ACT_COUNT] = {
	"store", "report", "hold", "discard", "suspend_account", "block_account_mail",
	"suspend_email", "block_login", "block_outgoing", "rename_path", "rename_script",
	"block_ip", "custom",
};

const char *const osm_fmt_names[4] = {"json", "yaml", "xml", "perl"};

#define OSM_CFG_MAX_FILE	(4 << 20)
#define OSM_CFG_MAX_ERRORS	100

/*
 * Ignore patterns run on text the spammer wrote (subjects, script
 * paths), inside the event loop.  These limits bound one match to a
 * few milliseconds whatever the pattern: a plain pattern over a 16 KB
 * subject needs a few ten thousand steps; a catastrophic one such as
 * (a+)+$ stops here instead of at PCRE2's default of ten million
 * (about 200 ms per request).  A match that gives up is "not ignored".
 */
#define OSM_CFG_RE_MATCH_LIMIT	200000
#define OSM_CFG_RE_DEPTH_LIMIT	5000
#define OSM_CFG_RE_LOG_EVERY_MS	60000

struct osm_cfg_ld {
	const char *file;
	yaml_document_t *doc;
	struct osm_buf *errs;
	int	nerr;
	struct osm_cfg *cfg;
	int	listen_items;		/* entries seen in listen:, valid or not */
};

/* osm_cfg_err - record "file:line:col: message" for a node */
static void __attribute__((format(printf, 3, 4)))
osm_cfg_err(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *fmt, ...)
{
	char	msg[512];
	va_list ap;

	if (++ld->nerr > OSM_CFG_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ld->errs == NULL)
		return;
	if (ld->nerr == OSM_CFG_MAX_ERRORS)
		osm_buf_printf(ld->errs, "%s: too many errors, stopping\n", ld->file);
	else
		osm_buf_printf(ld->errs, "%s:%lu:%lu: %s\n", ld->file,
			       n ? (unsigned long) n->start_mark.line + 1 : 1UL,
			       n ? (unsigned long) n->start_mark.column + 1 : 1UL, msg);
}

static yaml_node_t *
osm_cfg_node(struct osm_cfg_ld *ld, int id)
{
	return yaml_document_get_node(ld->doc, id);
}

/* osm_cfg_scalar - a scalar's text, or NULL after reporting the error */
static const char *
osm_cfg_scalar(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE) {
		osm_cfg_err(ld, n, "%s: expected a single value", what);
		return NULL;
	}
	if (strlen((const char *) n->data.scalar.value) != n->data.scalar.length) {
		osm_cfg_err(ld, n, "%s: NUL byte in value", what);
		return NULL;
	}
	return (const char *) n->data.scalar.value;
}

/* osm_cfg_is_null - "key:" with nothing after it (or ~ / null) */
static int
osm_cfg_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n == NULL || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *) n->data.scalar.value;
	return *v == 0 || !strcmp(v, "~") || !strcmp(v, "null");
}

static int
osm_cfg_is_map(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what)
{
	if (osm_cfg_is_null(n))
		return 0;			/* an empty section */
	if (n == NULL || n->type != YAML_MAPPING_NODE) {
		osm_cfg_err(ld, n, "%s: expected a mapping (key: value lines)", what);
		return 0;
	}
	return 1;
}

static int
osm_cfg_is_list(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what)
{
	if (osm_cfg_is_null(n))
		return 0;
	if (n == NULL || n->type != YAML_SEQUENCE_NODE) {
		osm_cfg_err(ld, n, "%s: expected a list", what);
		return 0;
	}
	return 1;
}

/* osm_cfg_str - replace *dst with a copy of a scalar */
static void
osm_cfg_str(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what, char **dst)
{
	const char *s = osm_cfg_scalar(ld, n, what);

	if (s == NULL)
		return;
	if (strlen(s) > 4096) {
		osm_cfg_err(ld, n, "%s: value too long", what);
		return;
	}
	free(*dst);
	if ((*dst = strdup(s)) == NULL)
		osm_cfg_err(ld, n, "%s: out of memory", what);
}

/* osm_cfg_uint - a decimal integer in [min, max] */
static int
osm_cfg_uint(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what,
	     unsigned long min, unsigned long max, unsigned *dst)
{
	const char *s = osm_cfg_scalar(ld, n, what);
	char   *end;
	unsigned long v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char) *s) || *end || errno) {
		osm_cfg_err(ld, n, "%s: '%.40s' is not a whole number", what, s);
		return -1;
	}
	if (v < min || v > max) {
		osm_cfg_err(ld, n, "%s: %lu is out of range (%lu to %lu)", what, v, min, max);
		return -1;
	}
	*dst = (unsigned) v;
	return 0;
}

/* osm_cfg_parse_duration - "90", "90s", "15m", "12h", "30d" */
int
osm_cfg_parse_duration(const char *s, unsigned *out)
{
	char   *end;
	unsigned long v, mul = 1;

	if (!isdigit((unsigned char) *s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		if (end[1])
			return -1;
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 604800; break;
		default: return -1;
		}
	}
	if (v > UINT_MAX / mul)
		return -1;
	*out = (unsigned) (v * mul);
	return 0;
}

static int
osm_cfg_duration(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what,
		 unsigned min, unsigned max, unsigned *dst)
{
	const char *s = osm_cfg_scalar(ld, n, what);
	unsigned v;

	if (s == NULL)
		return -1;
	if (osm_cfg_parse_duration(s, &v) != 0) {
		osm_cfg_err(ld, n, "%s: '%.40s' is not a duration (like 60, 90s, 15m, 12h, 30d)", what, s);
		return -1;
	}
	if (v < min || v > max) {
		osm_cfg_err(ld, n, "%s: %u seconds is out of range (%u to %u)", what, v, min, max);
		return -1;
	}
	*dst = v;
	return 0;
}

static int
osm_cfg_bool(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what, int *dst)
{
	const char *s = osm_cfg_scalar(ld, n, what);

	if (s == NULL)
		return -1;
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcasecmp(s, "on"))
		*dst = 1;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcasecmp(s, "off"))
		*dst = 0;
	else {
		osm_cfg_err(ld, n, "%s: expected true or false, not '%.40s'", what, s);
		return -1;
	}
	return 0;
}

/* osm_cfg_dupkeys - report keys that appear twice in a small mapping */
static void
osm_cfg_dupkeys(struct osm_cfg_ld *ld, const yaml_node_t *map, const char *what)
{
	yaml_node_pair_t *a, *b;

	for (a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top; a++) {
		yaml_node_t *ka = osm_cfg_node(ld, a->key);

		if (ka == NULL || ka->type != YAML_SCALAR_NODE)
			continue;
		for (b = map->data.mapping.pairs.start; b < a; b++) {
			yaml_node_t *kb = osm_cfg_node(ld, b->key);

			if (kb && kb->type == YAML_SCALAR_NODE
			    && strcmp((char *) ka->data.scalar.value, (char *) kb->data.scalar.value) == 0) {
				osm_cfg_err(ld, ka, "%s: key '%.60s' given twice", what,
					    (char *) ka->data.scalar.value);
				break;
			}
		}
	}
}

#define OSM_CFG_FOREACH_PAIR(ld, map, k, v, keyname, what) \
	for (yaml_node_pair_t *p_ = (map)->data.mapping.pairs.start; \
	     p_ < (map)->data.mapping.pairs.top; p_++) \
		if (((k) = osm_cfg_node(ld, p_->key)) == NULL \
		    || ((v) = osm_cfg_node(ld, p_->value)) == NULL \
		    || ((keyname) = osm_cfg_scalar(ld, k, what)) == NULL) \
			continue; \
		else

#define OSM_CFG_FOREACH_ITEM(ld, seq, v) \
	for (yaml_node_item_t *i_ = (seq)->data.sequence.items.start; \
	     i_ < (seq)->data.sequence.items.top; i_++) \
		if (((v) = osm_cfg_node(ld, *i_)) == NULL) \
			continue; \
		else

/*
 * The parameter table: one row per key, in the order the "unknown key"
 * messages list them.  Rows the generic walker loads name a field;
 * SECTION rows walk their children from the table (or hand them to a
 * dedicated parser), COMPLEX rows have a parser of their own, or none
 * when their parent's parser reads them.
 */
static void osm_cfg_listen(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_server_name(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_socket_mode(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_redis(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_redis_address(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_redis_prefix(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_limits(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_triggers(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_ignore(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_mainlog(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_actions_section(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_report_section(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_report_from(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_commands_section(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_custom_section(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_sniffer(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_apache(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_sniffer_ports(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_sniffer_backend(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_sniffer_interface(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_apache_url(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_apache_timeout(struct osm_cfg_ld *, const yaml_node_t *);
static void osm_cfg_apache_docroot(struct osm_cfg_ld *, const yaml_node_t *);

static const char *const osm_cfg_mode_names[] = {"enforce", "monitor", NULL};
static const char *const osm_cfg_fail_names[] = {"open", "closed", NULL};
static const char *const osm_cfg_backend_names[] = {"auto", "pcap", "ebpf", NULL};
static const char *const osm_cfg_format_names[] = {"json", "yaml", "xml", "perl", NULL};

#define OSM_CFG_F(f)	offsetof(struct osm_cfg, f)
#define OSM_CFG_YEARS10	(3650LL * 86400)
#define P_VAL(path, type, min, max, def, f, help) \
	{ path, type, min, max, def, help, OSM_CFG_F(f), 0, NULL, NULL }
#define P_LIST(path, type, f, nf, help) \
	{ path, type, 0, 0, NULL, help, OSM_CFG_F(f), OSM_CFG_F(nf), NULL, NULL }
#define P_ENUM(path, choices, def, f, help) \
	{ path, OSM_CFG_ENUM, 0, 0, def, help, OSM_CFG_F(f), 0, choices, NULL }
#define P_FN(path, type, def, fn, help) \
	{ path, type, 0, 0, def, help, 0, 0, NULL, fn }

const struct osm_cfg_param osm_cfg_params[] = {
	P_FN("server_name", OSM_CFG_COMPLEX, NULL, osm_cfg_server_name, "this server's name in keys and reports (default: the host name)"),
	P_ENUM("mode", osm_cfg_mode_names, "enforce", monitor, "enforce verdicts, or monitor: report only"),
	P_ENUM("fail", osm_cfg_fail_names, "open", fail_closed, "the verdict when Redis or the daemon fails"),
	P_FN("listen", OSM_CFG_COMPLEX, "[unix:/run/osm/policyd.sock]", osm_cfg_listen, "sockets: unix:/path or inet:HOST:PORT"),
	P_FN("socket_mode", OSM_CFG_COMPLEX, "0660", osm_cfg_socket_mode, "octal mode of the unix sockets"),
	P_VAL("socket_group", OSM_CFG_STR, 0, 0, NULL, socket_group, "group of the unix sockets"),
	P_VAL("user", OSM_CFG_STR, 0, 0, OSM_DEFAULT_USER, user, "the unprivileged user the daemons run as"),
	P_VAL("pid_file", OSM_CFG_STR, 0, 0, "/run/osm/osm-policyd.pid", pid_file, "osm-policyd's pid file"),
	P_VAL("status_file", OSM_CFG_STR, 0, 0, "/run/osm/daemon/status", status_file, "where osm-policyd writes its status"),
	P_VAL("userdomains", OSM_CFG_STR, 0, 0, "/etc/userdomains", userdomains, "cPanel's domain to account map"),
	P_VAL("min_uid", OSM_CFG_UINT, 0, 4000000000LL, "500", min_uid, "the lowest uid of a hosting account"),
	P_VAL("busy_poll_us", OSM_CFG_UINT, 0, 1000, "50", busy_poll_us, "microseconds to poll before sleeping, 0 = never"),
	P_VAL("report_retention", OSM_CFG_DURATION, 60, OSM_CFG_YEARS10, "30d", report_retention, "how long reports are kept"),
	P_VAL("verdict_expiry", OSM_CFG_DURATION, 0, OSM_CFG_YEARS10, "0", verdict_expiry, "how long a verdict holds, 0 = until released"),
	P_FN("redis", OSM_CFG_SECTION, NULL, osm_cfg_redis, "the Redis server"),
	P_FN("redis.address", OSM_CFG_COMPLEX, "redis://127.0.0.1:6379/0", osm_cfg_redis_address, "unix:/path or redis://host:port/db"),
	P_FN("redis.prefix", OSM_CFG_COMPLEX, "osm:", osm_cfg_redis_prefix, "key prefix; the server name is appended"),
	P_VAL("redis.timeout_ms", OSM_CFG_UINT, 10, 60000, "200", redis_timeout_ms, "milliseconds one Redis command may take"),
	P_FN("limits", OSM_CFG_SECTION, NULL, osm_cfg_limits, "bounds on policy requests and clients"),
	P_VAL("limits.max_line", OSM_CFG_UINT, 64, 65536, "2048", max_line, "bytes in one request line"),
	P_VAL("limits.max_attributes", OSM_CFG_UINT, 4, 256, "100", max_attrs, "attributes in one request"),
	P_VAL("limits.max_request", OSM_CFG_UINT, 256, 1 << 20, "16384", max_request, "bytes in one request"),
	P_VAL("limits.request_timeout", OSM_CFG_DURATION, 1, 3600, "10", request_timeout, "how long a half-sent request may stall"),
	P_VAL("limits.idle_timeout", OSM_CFG_DURATION, 1, 86400, "600", idle_timeout, "how long an idle connection is kept"),
	P_VAL("limits.max_clients", OSM_CFG_UINT, 1, 100000, "4096", max_clients, "connections served at once"),
	P_FN("triggers", OSM_CFG_COMPLEX, NULL, osm_cfg_triggers, "report thresholds: default, accounts, email_accounts"),
	P_FN("triggers.default", OSM_CFG_COMPLEX, NULL, NULL, "the thresholds of every event type"),
	P_FN("triggers.accounts", OSM_CFG_COMPLEX, NULL, NULL, "per-account overrides"),
	P_FN("triggers.email_accounts", OSM_CFG_COMPLEX, NULL, NULL, "per-email-account overrides"),
	P_FN("ignore", OSM_CFG_SECTION, NULL, osm_cfg_ignore, "senders never counted"),
	P_FN("ignore.accounts", OSM_CFG_COMPLEX, NULL, NULL, "account names"),
	P_FN("ignore.email_accounts", OSM_CFG_COMPLEX, NULL, NULL, "email addresses"),
	P_FN("ignore.paths", OSM_CFG_COMPLEX, NULL, NULL, "PCRE2 patterns of script paths"),
	P_FN("ignore.subjects", OSM_CFG_COMPLEX, NULL, NULL, "PCRE2 patterns of subjects"),
	P_FN("ignore.ips", OSM_CFG_COMPLEX, NULL, NULL, "addresses and CIDR blocks"),
	P_FN("mainlog", OSM_CFG_SECTION, NULL, osm_cfg_mainlog, "the exim log osm-mainlog reads"),
	P_VAL("mainlog.path", OSM_CFG_PATH, 0, 0, "/var/log/exim4/mainlog", mainlog_path, "exim's main log"),
	P_VAL("mainlog.state_file", OSM_CFG_PATH, 0, 0, "/var/lib/osm/mainlog.state", mainlog_state, "where osm-mainlog remembers its place"),
	P_LIST("mainlog.exim_users", OSM_CFG_STRLIST, mainlog_exim_users, nmainlog_exim_users, "users whose arrivals are exim's own mail"),
	P_FN("actions", OSM_CFG_SECTION, NULL, osm_cfg_actions_section, "what runs when a report fires"),
	P_VAL("actions.timeout", OSM_CFG_DURATION, 1, 3600, "30", action_timeout, "how long one action may take"),
	P_VAL("actions.queue", OSM_CFG_UINT, 1, 100000, "1000", action_queue, "reports waiting for their actions"),
	P_FN("actions.report", OSM_CFG_SECTION, NULL, osm_cfg_report_section, "the report mail"),
	P_VAL("actions.exim", OSM_CFG_PATH, 0, 0, "/usr/sbin/exim4", exim, "the exim binary: freeze, remove, thaw"),
	P_VAL("actions.exim_spool", OSM_CFG_PATH, 0, 0, "/var/spool/exim4", exim_spool, "exim's spool directory"),
	P_FN("actions.commands", OSM_CFG_COMPLEX, NULL, osm_cfg_commands_section, "command lines of the command actions"),
	P_FN("actions.custom", OSM_CFG_COMPLEX, NULL, osm_cfg_custom_section, "a script that gets each report"),
	P_LIST("actions.report.to", OSM_CFG_ADDRLIST, report_to, nreport_to, "the report's recipients"),
	P_FN("actions.report.from", OSM_CFG_COMPLEX, NULL, osm_cfg_report_from, "the report's sender address"),
	P_VAL("actions.report.sendmail", OSM_CFG_PATH, 0, 0, "/usr/sbin/sendmail", sendmail, "the sendmail binary"),
	P_FN("actions.custom.command", OSM_CFG_COMPLEX, NULL, NULL, "the script's argv, no placeholders"),
	{ "actions.custom.format", OSM_CFG_ENUM, 0, 0, "json", "the report's format on the script's input", 0, 0, osm_cfg_format_names, NULL },
	P_FN("actions.custom.user", OSM_CFG_COMPLEX, NULL, NULL, "the user the script runs as (default: the daemon's)"),
	P_FN("sniffer", OSM_CFG_SECTION, NULL, osm_cfg_sniffer, "osm-sniffer's capture"),
	P_FN("sniffer.ports", OSM_CFG_COMPLEX, "[25, 465, 587]", osm_cfg_sniffer_ports, "SMTP ports watched, at most 8"),
	{ "sniffer.backend", OSM_CFG_COMPLEX, 0, 0, "auto", "capture backend", 0, 0, osm_cfg_backend_names, osm_cfg_sniffer_backend },
	P_FN("sniffer.interface", OSM_CFG_COMPLEX, "any", osm_cfg_sniffer_interface, "the pcap device"),
	P_FN("apache_status", OSM_CFG_SECTION, NULL, osm_cfg_apache, "the requests Apache serves, in reports"),
	P_VAL("apache_status.enabled", OSM_CFG_BOOL, 0, 0, "false", apache_enabled, "fetch Apache's server-status"),
	P_FN("apache_status.url", OSM_CFG_COMPLEX, "http://127.0.0.1/server-status", osm_cfg_apache_url, "its http:// URL"),
	{ "apache_status.timeout", OSM_CFG_COMPLEX, 1, 60, "2", "seconds a fetch may take", 0, 0, NULL, osm_cfg_apache_timeout },
	P_FN("apache_status.docroot", OSM_CFG_COMPLEX, "%home/public_html", osm_cfg_apache_docroot, "a user's document root"),
	P_LIST("apache_status.web_users", OSM_CFG_STRLIST, apache_web_users, napache_web_users, "the users Apache's scripts run as"),
};
const size_t osm_cfg_nparams = sizeof(osm_cfg_params) / sizeof(osm_cfg_params[0]);

/* osm_cfg_param_find - the row of a dotted path, or NULL */
const struct osm_cfg_param *
osm_cfg_param_find(const char *path)
{
	for (size_t i = 0; i < osm_cfg_nparams; i++)
		if (strcmp(osm_cfg_params[i].path, path) == 0)
			return &osm_cfg_params[i];
	return NULL;
}

/* osm_cfg_listen - "unix:/path" or "inet:HOST:PORT" */
static void
osm_cfg_listen(struct osm_cfg_ld *ld, const yaml_node_t *list)
{
	yaml_node_t *v;

	if (!osm_cfg_is_list(ld, list, "listen"))
		return;
	/* The file's list replaces the default one. */
	for (int i = 0; i < OSM_MAX_LISTEN; i++) {
		free(ld->cfg->listen[i].path);
		free(ld->cfg->listen[i].host);
	}
	memset(ld->cfg->listen, 0, sizeof(ld->cfg->listen));
	ld->cfg->nlisten = 0;
	OSM_CFG_FOREACH_ITEM(ld, list, v) {
		const char *s = osm_cfg_scalar(ld, v, "listen");
		struct osm_listen *l;

		ld->listen_items++;
		if (s == NULL)
			continue;
		if (ld->cfg->nlisten == OSM_MAX_LISTEN) {
			osm_cfg_err(ld, v, "listen: at most %d sockets", OSM_MAX_LISTEN);
			return;
		}
		l = &ld->cfg->listen[ld->cfg->nlisten];
		if (strncmp(s, "unix:", 5) == 0) {
			if (s[5] != '/' || strlen(s + 5) >= 108) {
				osm_cfg_err(ld, v, "listen: '%.60s': unix socket needs an absolute path under 108 bytes", s);
				continue;
			}
			l->kind = OSM_LISTEN_UNIX;
			l->path = strdup(s + 5);
		} else if (strncmp(s, "inet:", 5) == 0) {
			const char *colon = strrchr(s + 5, ':');
			char   *end;
			unsigned long port;

			if (colon == NULL || colon == s + 5) {
				osm_cfg_err(ld, v, "listen: '%.60s': expected inet:HOST:PORT", s);
				continue;
			}
			port = strtoul(colon + 1, &end, 10);
			if (colon[1] == 0 || *end || port == 0 || port > 65535) {
				osm_cfg_err(ld, v, "listen: '%.60s': bad port", s);
				continue;
			}
			const char *h = s + 5;
			size_t	hl = (size_t) (colon - h);

			if (h[0] == '[' && hl > 2 && h[hl - 1] == ']')
				h++, hl -= 2;
			l->kind = OSM_LISTEN_INET;
			l->host = strndup(h, hl);
			l->port = (unsigned) port;
			if (l->host && !osm_addr_is_valid(l->host)) {
				osm_cfg_err(ld, v, "listen: '%.60s': host must be a numeric IP address", s);
				free(l->host);
				l->host = NULL;
				continue;
			}
		} else {
			osm_cfg_err(ld, v, "listen: '%.60s': expected unix:/path or inet:HOST:PORT", s);
			continue;
		}
		ld->cfg->nlisten++;
	}
}

static void osm_cfg_strlist(struct osm_cfg_ld *, const yaml_node_t *, const char *, int, char ***, size_t *);
static void osm_cfg_free_strs(char **, size_t);
static void osm_cfg_free_overrides(struct osm_override *, size_t);
static void osm_cfg_free_res(void **, size_t);

/* osm_cfg_path - an absolute path */
static void
osm_cfg_path(struct osm_cfg_ld *ld, const yaml_node_t *v, const char *what, char **dst)
{
	const char *s = osm_cfg_scalar(ld, v, what);

	if (s && *s != '/')
		osm_cfg_err(ld, v, "%s: expected an absolute path, not '%.60s'", what, s);
	else if (s)
		osm_cfg_str(ld, v, what, dst);
}

/* osm_cfg_choices - "a, b or c" from a NULL-terminated list */
static void
osm_cfg_choices(char *out, size_t len, const char *const *v, size_t n)
{
	size_t	used = 0;

	out[0] = 0;
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t) snprintf(out + used, len - used, "%s%s",
					  i == 0 ? "" : i + 1 == n ? " or " : ", ", v[i]);
}

/* osm_cfg_set - load one table row's value */
static void
osm_cfg_set(struct osm_cfg_ld *ld, const struct osm_cfg_param *p, const yaml_node_t *v)
{
	char   *base = (char *) ld->cfg;
	const char *s;
	char	list[160];
	size_t	n;

	switch (p->type) {
	case OSM_CFG_STR:
		osm_cfg_str(ld, v, p->path, (char **) (base + p->off));
		break;
	case OSM_CFG_PATH:
		osm_cfg_path(ld, v, p->path, (char **) (base + p->off));
		break;
	case OSM_CFG_UINT:
		osm_cfg_uint(ld, v, p->path, (unsigned long) p->min, (unsigned long) p->max,
			     (unsigned *) (base + p->off));
		break;
	case OSM_CFG_DURATION:
		osm_cfg_duration(ld, v, p->path, (unsigned) p->min, (unsigned) p->max,
				 (unsigned *) (base + p->off));
		break;
	case OSM_CFG_BOOL:
		osm_cfg_bool(ld, v, p->path, (int *) (base + p->off));
		break;
	case OSM_CFG_STRLIST:
	case OSM_CFG_ADDRLIST:
		osm_cfg_strlist(ld, v, p->path, p->type == OSM_CFG_ADDRLIST,
				(char ***) (base + p->off), (size_t *) (base + p->off_n));
		break;
	case OSM_CFG_ENUM:
		if ((s = osm_cfg_scalar(ld, v, p->path)) == NULL)
			break;
		for (n = 0; p->choices[n] && strcmp(s, p->choices[n]); n++)
			;
		if (p->choices[n]) {
			*(int *) (base + p->off) = (int) n;
			break;
		}
		for (n = 0; p->choices[n]; n++)
			;
		osm_cfg_choices(list, sizeof(list), p->choices, n);
		osm_cfg_err(ld, v, "%s: expected %s, not '%.40s'", p->path, list, s);
		break;
	case OSM_CFG_SECTION:
	case OSM_CFG_COMPLEX:
		if (p->parse)
			p->parse(ld, v);
		break;
	}
}

/* osm_cfg_child - the row SECTION.KEY (KEY at the top level), or NULL */
static const struct osm_cfg_param *
osm_cfg_child(const char *sec, const char *key)
{
	char	path[128];
	int	n = *sec ? snprintf(path, sizeof(path), "%s.%s", sec, key)
		    : snprintf(path, sizeof(path), "%s", key);

	if (n < 0 || (size_t) n >= sizeof(path))
		return NULL;
	return osm_cfg_param_find(path);
}

/* osm_cfg_unknown - "SEC: unknown key 'K'", with the table's keys if LISTED */
static void
osm_cfg_unknown(struct osm_cfg_ld *ld, const yaml_node_t *k, const char *sec,
		const char *key, int listed)
{
	const char *names[32] = {NULL};
	char	list[400];
	size_t	n = 0, sl = strlen(sec);

	for (size_t i = 0; listed && i < osm_cfg_nparams && n < 32; i++) {
		const char *path = osm_cfg_params[i].path;

		if (strncmp(path, sec, sl) == 0 && path[sl] == '.' && !strchr(path + sl + 1, '.'))
			names[n++] = path + sl + 1;
	}
	osm_cfg_choices(list, sizeof(list), names, n);
	osm_cfg_err(ld, k, "%s%sunknown key '%.60s'%s%s%s", sec, *sec ? ": " : "", key,
		    n ? " (expected " : "", list, n ? ")" : "");
}

/* osm_cfg_section - load a mapping's keys through the table rows under SEC */
static void
osm_cfg_section(struct osm_cfg_ld *ld, const yaml_node_t *map, const char *sec, int listed)
{
	const char *what = *sec ? sec : "configuration";
	const struct osm_cfg_param *p;
	yaml_node_t *k, *v;
	const char *key;

	if (!osm_cfg_is_map(ld, map, what))
		return;
	osm_cfg_dupkeys(ld, map, what);
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, what) {
		if ((p = osm_cfg_child(sec, key)) != NULL)
			osm_cfg_set(ld, p, v);
		else
			osm_cfg_unknown(ld, k, sec, key, listed);
	}
}

/* osm_cfg_table_defaults - every scalar row's def */
static void
osm_cfg_table_defaults(struct osm_cfg *c)
{
	char   *base = (char *) c;

	for (size_t i = 0; i < osm_cfg_nparams; i++) {
		const struct osm_cfg_param *p = &osm_cfg_params[i];
		unsigned u;

		if (p->def == NULL || p->off == 0)
			continue;
		switch (p->type) {
		case OSM_CFG_STR:
		case OSM_CFG_PATH:
			*(char **) (base + p->off) = strdup(p->def);
			break;
		case OSM_CFG_UINT:
			*(unsigned *) (base + p->off) = (unsigned) strtoul(p->def, NULL, 10);
			break;
		case OSM_CFG_DURATION:
			if (osm_cfg_parse_duration(p->def, &u) == 0)
				*(unsigned *) (base + p->off) = u;
			break;
		case OSM_CFG_BOOL:
			*(int *) (base + p->off) = strcmp(p->def, "true") == 0;
			break;
		case OSM_CFG_ENUM:
			for (int n = 0; p->choices[n]; n++)
				if (!strcmp(p->def, p->choices[n]))
					*(int *) (base + p->off) = n;
			break;
		default:
			break;
		}
	}
}

/* osm_cfg_redis_address - unix:/path or redis://host:port/db */
static void
osm_cfg_redis_address(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "redis.address");

	if (s && strncmp(s, "unix:/", 6) && strncmp(s, "redis://", 8))
		osm_cfg_err(ld, v, "redis.address: '%.60s': expected unix:/path or redis://host:port/db", s);
	else if (s)
		osm_cfg_str(ld, v, "redis.address", &ld->cfg->redis);
}

/* osm_cfg_redis_prefix - a key prefix: no braces (hash tags) or spaces */
static void
osm_cfg_redis_prefix(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "redis.prefix");

	if (s && (strpbrk(s, "{} \t\r\n") || strlen(s) > 64))
		osm_cfg_err(ld, v, "redis.prefix: must be at most 64 characters without braces or spaces");
	else if (s)
		osm_cfg_str(ld, v, "redis.prefix", &ld->cfg->prefix);
}

static void
osm_cfg_redis(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	osm_cfg_section(ld, map, "redis", 0);
}

static void
osm_cfg_limits(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	osm_cfg_section(ld, map, "limits", 0);
}

static void
osm_cfg_mainlog(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	osm_cfg_section(ld, map, "mainlog", 1);
}

/* osm_cfg_argv - [/abs/path, arg, ...] with known placeholders only */
static void
osm_cfg_argv(struct osm_cfg_ld *ld, const yaml_node_t *list, const char *what, struct osm_argv *a)
{
	yaml_node_t *v;

	for (int i = 0; i < a->argc; i++)
		free(a->argv[i]);
	memset(a, 0, sizeof(*a));
	if (!osm_cfg_is_list(ld, list, what))
		return;
	OSM_CFG_FOREACH_ITEM(ld, list, v) {
		const char *s = osm_cfg_scalar(ld, v, what);

		if (s == NULL)
			continue;
		if (a->argc == OSM_CMD_MAX_ARGS) {
			osm_cfg_err(ld, v, "%s: at most %d arguments", what, OSM_CMD_MAX_ARGS);
			break;
		}
		if (a->argc == 0 && *s != '/') {
			osm_cfg_err(ld, v, "%s: the program must be an absolute path, not '%.60s'", what, s);
			continue;
		}
		for (const char *p = strchr(s, '%'); p; p = strchr(p + 1, '%')) {
			static const char *const ph[] = {"%account", "%email", "%domain", "%ip", "%report", "%%"};
			size_t	i;

			for (i = 0; i < sizeof(ph) / sizeof(ph[0]); i++)
				if (!strncmp(p, ph[i], strlen(ph[i])))
					break;
			if (i == sizeof(ph) / sizeof(ph[0])) {
				osm_cfg_err(ld, v, "%s: unknown placeholder in '%.60s' (expected %%account, %%email, %%domain, %%ip, %%report or %%%%)",
					    what, s);
				break;
			}
			if (ph[i][1] == '%')
				p++;
		}
		a->argv[a->argc++] = strdup(s);
	}
	if (a->argc == 0)
		osm_cfg_err(ld, list, "%s: the command is empty", what);
}

/* osm_cfg_cmds - one command line, or a list of them run in order */
static void
osm_cfg_cmds(struct osm_cfg_ld *ld, const yaml_node_t *list, const char *what, struct osm_cmds *c)
{
	yaml_node_t *v;

	for (int i = 0; i < c->n; i++)
		for (int j = 0; j < c->cmd[i].argc; j++)
			free(c->cmd[i].argv[j]);
	memset(c, 0, sizeof(*c));
	if (!osm_cfg_is_list(ld, list, what))
		return;
	yaml_node_t *first = list->data.sequence.items.start < list->data.sequence.items.top
	    ? osm_cfg_node(ld, *list->data.sequence.items.start) : NULL;

	if (first && first->type != YAML_SEQUENCE_NODE) {
		osm_cfg_argv(ld, list, what, &c->cmd[c->n++]);
		return;
	}
	OSM_CFG_FOREACH_ITEM(ld, list, v) {
		if (c->n == OSM_CMD_MAX) {
			osm_cfg_err(ld, v, "%s: at most %d commands", what, OSM_CMD_MAX);
			break;
		}
		osm_cfg_argv(ld, v, what, &c->cmd[c->n++]);
	}
}

/* osm_cfg_report_from - an address fit for a From: header */
static void
osm_cfg_report_from(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "actions.report.from");

	if (s && (strchr(s, '@') == NULL || strpbrk(s, " \t\r\n<>\"")))
		osm_cfg_err(ld, v, "actions.report.from: '%.60s' is not an email address", s);
	else if (s)
		osm_cfg_str(ld, v, "actions.report.from", &ld->cfg->report_from);
}

static void
osm_cfg_report_section(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	osm_cfg_section(ld, map, "actions.report", 1);
}

static void
osm_cfg_commands_section(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	yaml_node_t *k, *v;
	const char *key;
	char	what[96];

	if (!osm_cfg_is_map(ld, map, "actions.commands"))
		return;
	osm_cfg_dupkeys(ld, map, "actions.commands");
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, "actions.commands") {
		int	a;

		for (a = 0; a < OSM_ACT_COUNT; a++)
			if ((OSM_ACT_COMMANDS & (1u << a)) && !strcmp(key, osm_act_names[a]))
				break;
		if (a == OSM_ACT_COUNT) {
			osm_cfg_err(ld, k, "actions.commands: '%.60s' is not a command action (expected suspend_account, block_account_mail, suspend_email, block_login, block_outgoing or block_ip)",
				    key);
			continue;
		}
		snprintf(what, sizeof(what), "actions.commands.%s", key);
		osm_cfg_cmds(ld, v, what, &ld->cfg->commands[a]);
	}
}

static void
osm_cfg_custom_section(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	yaml_node_t *k, *v;
	const char *key;
	struct osm_cfg *c = ld->cfg;

	if (!osm_cfg_is_map(ld, map, "actions.custom"))
		return;
	osm_cfg_dupkeys(ld, map, "actions.custom");
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, "actions.custom") {
		if (!strcmp(key, "command")) {
			osm_cfg_argv(ld, v, "actions.custom.command", &c->custom);
			for (int i = 0; i < c->custom.argc; i++)
				if (strchr(c->custom.argv[i], '%'))
					osm_cfg_err(ld, v, "actions.custom.command: no placeholders here; the script gets the report on standard input and its id in $OSM_REPORT");
		}
		else if (!strcmp(key, "user"))
			osm_cfg_str(ld, v, "actions.custom.user", &c->custom_user);
		else if (!strcmp(key, "format")) {
			const char *s = osm_cfg_scalar(ld, v, "actions.custom.format");
			int	f;

			for (f = 0; s && f < 4; f++)
				if (!strcasecmp(s, osm_fmt_names[f]))
					break;
			if (s && f == 4)
				osm_cfg_err(ld, v, "actions.custom.format: expected json, yaml, xml or perl, not '%.40s'", s);
			else if (s)
				c->custom_format = (enum osm_fmt) f;
		} else
			osm_cfg_err(ld, k, "actions.custom: unknown key '%.60s' (expected command, format or user)", key);
	}
}

static void
osm_cfg_actions_section(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	osm_cfg_section(ld, map, "actions", 1);
}

/* osm_cfg_sniffer_ports - at most 8 TCP ports; the file's list replaces the default */
static void
osm_cfg_sniffer_ports(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	struct osm_cfg *c = ld->cfg;
	yaml_node_t *item;

	if (!osm_cfg_is_list(ld, v, "sniffer.ports"))
		return;
	c->nsniffer_ports = 0;
	OSM_CFG_FOREACH_ITEM(ld, v, item) {
		if (c->nsniffer_ports == 8) {
			osm_cfg_err(ld, item, "sniffer.ports: at most 8 ports");
			break;
		}
		if (osm_cfg_uint(ld, item, "sniffer.ports", 1, 65535,
				 &c->sniffer_ports[c->nsniffer_ports]) == 0)
			c->nsniffer_ports++;
	}
	if (c->nsniffer_ports == 0)
		osm_cfg_err(ld, v, "sniffer.ports: list is empty");
}

static void
osm_cfg_sniffer_backend(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "sniffer.backend");

	if (s && strcmp(s, "auto") && strcmp(s, "pcap") && strcmp(s, "ebpf"))
		osm_cfg_err(ld, v, "sniffer.backend: expected auto, pcap or ebpf, not '%.40s'", s);
	else if (s)
		osm_cfg_str(ld, v, "sniffer.backend", &ld->cfg->sniffer_backend);
}

static void
osm_cfg_sniffer_interface(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "sniffer.interface");

	if (s && (*s == 0 || strlen(s) > 15 || strpbrk(s, " /\t")))
		osm_cfg_err(ld, v, "sniffer.interface: '%.40s' is not an interface name", s);
	else if (s)
		osm_cfg_str(ld, v, "sniffer.interface", &ld->cfg->sniffer_interface);
}

static void
osm_cfg_sniffer(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	osm_cfg_section(ld, map, "sniffer", 1);
}

static void
osm_cfg_apache_url(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "apache_status.url");

	if (s && (strncmp(s, "http://", 7) || strlen(s) > 1000 || strpbrk(s, " \t\r\n")))
		osm_cfg_err(ld, v, "apache_status.url: '%.60s' is not an http:// URL", s);
	else if (s)
		osm_cfg_str(ld, v, "apache_status.url", &ld->cfg->apache_url);
}

/* osm_cfg_apache_timeout - given in seconds, kept in milliseconds */
static void
osm_cfg_apache_timeout(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	unsigned sec;

	if (osm_cfg_duration(ld, v, "apache_status.timeout", 1, 60, &sec) == 0)
		ld->cfg->apache_timeout_ms = sec * 1000;
}

static void
osm_cfg_apache_docroot(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "apache_status.docroot");

	if (s && strncmp(s, "%home", 5) && *s != '/')
		osm_cfg_err(ld, v, "apache_status.docroot: '%.60s' must start with %%home or /", s);
	else if (s)
		osm_cfg_str(ld, v, "apache_status.docroot", &ld->cfg->apache_docroot);
}

static void
osm_cfg_apache(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	osm_cfg_section(ld, map, "apache_status", 1);
}

/* osm_cfg_actions - a list of action names into a bit mask */
static void
osm_cfg_actions(struct osm_cfg_ld *ld, const yaml_node_t *list, const char *what, unsigned *mask)
{
	yaml_node_t *v;

	if (!osm_cfg_is_list(ld, list, what))
		return;
	*mask = 0;
	OSM_CFG_FOREACH_ITEM(ld, list, v) {
		const char *s = osm_cfg_scalar(ld, v, what);
		int	i;

		if (s == NULL)
			continue;
		for (i = 0; i < OSM_ACT_COUNT; i++)
			if (!strcmp(s, osm_act_names[i]))
				break;
		if (i == OSM_ACT_COUNT)
			osm_cfg_err(ld, v, "%s: unknown action '%.40s'", what, s);
		else
			*mask |= 1u << i;
	}
	if ((*mask & OSM_ACT_HOLD) && (*mask & OSM_ACT_DISCARD))
		osm_cfg_err(ld, list, "%s: hold and discard exclude each other", what);
}

/* osm_cfg_ratio - failure_ratio: 0.5 or 50% -> permille */
static int
osm_cfg_ratio(struct osm_cfg_ld *ld, const yaml_node_t *n, const char *what, unsigned *dst)
{
	const char *s = osm_cfg_scalar(ld, n, what);
	char   *end;
	double	v;

	if (s == NULL)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (*end == '%' && end[1] == 0 && end != s) {
		v /= 100;
		end++;
	}
	if (!isdigit((unsigned char) *s) || *end || errno || !(v > 0 && v <= 1)) {
		osm_cfg_err(ld, n, "%s: failure_ratio '%.40s' is not a share above 0 and at most 1 (0.5 or 50%%)",
			    what, s);
		return -1;
	}
	*dst = (unsigned) (v * 1000 + 0.5);
	if (*dst == 0)
		*dst = 1;
	return 0;
}

/* osm_cfg_window - {events: N, seconds: DURATION, failure_ratio: R}, each may be inherited */
static void
osm_cfg_window(struct osm_cfg_ld *ld, const yaml_node_t *map, const char *what,
	       struct osm_trig *t, int idx)
{
	yaml_node_t *k, *v;
	const char *key;

	if (!osm_cfg_is_map(ld, map, what))
		return;
	osm_cfg_dupkeys(ld, map, what);
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, what) {
		if (!strcmp(key, "events")) {
			if (osm_cfg_uint(ld, v, what, 0, OSM_CFG_MAX_EVENTS, &t->win[idx].events) == 0)
				t->winset[idx] |= 1;
		} else if (!strcmp(key, "seconds")) {
			if (osm_cfg_duration(ld, v, what, 1, 7 * 86400, &t->win[idx].seconds) == 0)
				t->winset[idx] |= 2;
		} else if (!strcmp(key, "failure_ratio")) {
			if (osm_cfg_ratio(ld, v, what, &t->win[idx].ratio) == 0)
				t->winset[idx] |= 4;
		} else
			osm_cfg_err(ld, k, "%s: unknown key '%.60s' (expected events, seconds or failure_ratio)", what, key);
	}
}

/* osm_cfg_trig - one event type's settings; events/seconds is window 0 */
static void
osm_cfg_trig(struct osm_cfg_ld *ld, const yaml_node_t *map, const char *what, struct osm_trig *t)
{
	yaml_node_t *k, *v;
	const char *key;
	int	has_short = 0, has_list = 0;

	if (!osm_cfg_is_map(ld, map, what))
		return;
	osm_cfg_dupkeys(ld, map, what);
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, what) {
		if (!strcmp(key, "enabled")) {
			if (osm_cfg_bool(ld, v, what, &t->enabled) == 0)
				t->set |= OSM_TRIG_SET_ENABLED;
		} else if (!strcmp(key, "actions")) {
			osm_cfg_actions(ld, v, what, &t->actions);
			t->set |= OSM_TRIG_SET_ACTIONS;
		} else if (!strcmp(key, "events") || !strcmp(key, "seconds") || !strcmp(key, "failure_ratio")) {
			has_short = 1;
			if (!strcmp(key, "events")) {
				if (osm_cfg_uint(ld, v, what, 0, OSM_CFG_MAX_EVENTS, &t->win[0].events) == 0)
					t->winset[0] |= 1;
			} else if (!strcmp(key, "failure_ratio")) {
				if (osm_cfg_ratio(ld, v, what, &t->win[0].ratio) == 0)
					t->winset[0] |= 4;
			} else if (osm_cfg_duration(ld, v, what, 1, 7 * 86400, &t->win[0].seconds) == 0)
				t->winset[0] |= 2;
			t->nwin = 1;
			t->set |= OSM_TRIG_SET_WINDOWS;
		} else if (!strcmp(key, "windows")) {
			yaml_node_t *w;

			has_list = 1;
			if (!osm_cfg_is_list(ld, v, what))
				continue;
			t->nwin = 0;
			OSM_CFG_FOREACH_ITEM(ld, v, w) {
				if (t->nwin == OSM_MAX_WINDOWS) {
					osm_cfg_err(ld, w, "%s: at most %d windows", what, OSM_MAX_WINDOWS);
					break;
				}
				osm_cfg_window(ld, w, what, t, t->nwin++);
			}
			if (t->nwin == 0)
				osm_cfg_err(ld, v, "%s: windows: list is empty", what);
			t->set |= OSM_TRIG_SET_WINDOWS;
		} else
			osm_cfg_err(ld, k, "%s: unknown key '%.60s'", what, key);
	}
	if (has_short && has_list)
		osm_cfg_err(ld, map, "%s: give either events/seconds or windows, not both", what);
}

/* osm_cfg_trigset - event type name -> settings */
static void
osm_cfg_trigset(struct osm_cfg_ld *ld, const yaml_node_t *map, const char *what,
		struct osm_trigset *ts)
{
	yaml_node_t *k, *v;
	const char *key;

	if (!osm_cfg_is_map(ld, map, what))
		return;
	osm_cfg_dupkeys(ld, map, what);
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, what) {
		int	e;
		char	sub[160];

		for (e = 0; e < OSM_EV_COUNT; e++)
			if (!strcmp(key, osm_ev_names[e]))
				break;
		if (e == OSM_EV_COUNT) {
			osm_cfg_err(ld, k, "%s: unknown event type '%.60s'", what, key);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%s", what, key);
		osm_cfg_trig(ld, v, sub, &ts->ev[e]);
	}
}

static int
osm_cfg_override_cmp(const void *a, const void *b)
{
	return strcmp(((const struct osm_override *) a)->name, ((const struct osm_override *) b)->name);
}

static int
osm_cfg_strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
osm_cfg_lower(char *s)
{
	for (; *s; s++)
		*s = (char) tolower((unsigned char) *s);
}

/* osm_cfg_overrides - accounts: or email_accounts: name -> trigset */
static void
osm_cfg_overrides(struct osm_cfg_ld *ld, const yaml_node_t *map, const char *what,
		  int email, struct osm_override **out, size_t *nout)
{
	yaml_node_t *k, *v;
	const char *key;
	size_t	n = 0;

	if (!osm_cfg_is_map(ld, map, what))
		return;
	size_t	max = (size_t) (map->data.mapping.pairs.top - map->data.mapping.pairs.start);

	osm_cfg_free_overrides(*out, *nout);	/* the key given twice: the last counts */
	*nout = 0;
	if ((*out = calloc(max ? max : 1, sizeof(**out))) == NULL) {
		osm_cfg_err(ld, map, "%s: out of memory", what);
		return;
	}
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, what) {
		char	sub[300];

		if (*key == 0 || strlen(key) > 254 || strpbrk(key, "{}\t\r\n ")
		    || (email && strchr(key, '@') == NULL)) {
			osm_cfg_err(ld, k, "%s: '%.60s' is not a valid %s", what, key,
				    email ? "email address" : "account name");
			continue;
		}
		snprintf(sub, sizeof(sub), "%s.%s", what, key);
		(*out)[n].name = strdup(key);
		if ((*out)[n].name == NULL)
			continue;
		if (email)
			osm_cfg_lower((*out)[n].name);
		osm_cfg_trigset(ld, v, sub, &(*out)[n].ts);
		n++;
	}
	*nout = n;
	qsort(*out, n, sizeof(**out), osm_cfg_override_cmp);
	for (size_t i = 1; i < n; i++)
		if (!strcmp((*out)[i].name, (*out)[i - 1].name))
			osm_cfg_err(ld, map, "%s: '%.60s' is given twice", what, (*out)[i].name);
}

/* osm_cfg_strlist - a list of names, sorted for bsearch */
static void
osm_cfg_strlist(struct osm_cfg_ld *ld, const yaml_node_t *list, const char *what,
		int email, char ***out, size_t *nout)
{
	yaml_node_t *v;
	size_t	n = 0;

	if (!osm_cfg_is_list(ld, list, what))
		return;
	size_t	max = (size_t) (list->data.sequence.items.top - list->data.sequence.items.start);

	osm_cfg_free_strs(*out, *nout);		/* the key given twice: the last counts */
	*nout = 0;
	if ((*out = calloc(max ? max : 1, sizeof(char *))) == NULL)
		return;
	OSM_CFG_FOREACH_ITEM(ld, list, v) {
		const char *s = osm_cfg_scalar(ld, v, what);

		if (s == NULL)
			continue;
		if (*s == 0 || (email && strchr(s, '@') == NULL)) {
			osm_cfg_err(ld, v, "%s: '%.60s' is not a valid %s", what, s,
				    email ? "email address" : "account name");
			continue;
		}
		if (((*out)[n] = strdup(s)) == NULL)
			continue;
		if (email)
			osm_cfg_lower((*out)[n]);
		n++;
	}
	*nout = n;
	qsort(*out, n, sizeof(char *), osm_cfg_strp_cmp);
}

/* osm_cfg_patterns - PCRE2 patterns, compiled now so errors show at load */
static void
osm_cfg_patterns(struct osm_cfg_ld *ld, const yaml_node_t *list, const char *what,
		 void ***out, size_t *nout)
{
	yaml_node_t *v;
	size_t	n = 0;

	if (!osm_cfg_is_list(ld, list, what))
		return;
	size_t	max = (size_t) (list->data.sequence.items.top - list->data.sequence.items.start);

	osm_cfg_free_res(*out, *nout);		/* the key given twice: the last counts */
	*nout = 0;
	if ((*out = calloc(max ? max : 1, sizeof(void *))) == NULL)
		return;
	OSM_CFG_FOREACH_ITEM(ld, list, v) {
		const char *s = osm_cfg_scalar(ld, v, what);
		int	errcode;
		PCRE2_SIZE erroff;
		pcre2_code *re;

		if (s == NULL)
			continue;
		re = pcre2_compile((PCRE2_SPTR) s, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
				   &errcode, &erroff, NULL);
		if (re == NULL) {
			PCRE2_UCHAR msg[160];

			pcre2_get_error_message(errcode, msg, sizeof(msg));
			osm_cfg_err(ld, v, "%s: bad pattern '%.60s' at offset %lu: %s", what, s,
				    (unsigned long) erroff, (char *) msg);
			continue;
		}
		/* JIT where the library and CPU have it; else the interpreter */
		(void) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
		(*out)[n++] = re;
	}
	*nout = n;
}

static void
osm_cfg_ignore(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	yaml_node_t *k, *v;
	const char *key;
	struct osm_cfg *c = ld->cfg;

	if (!osm_cfg_is_map(ld, map, "ignore"))
		return;
	osm_cfg_dupkeys(ld, map, "ignore");
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, "ignore") {
		if (!strcmp(key, "accounts"))
			osm_cfg_strlist(ld, v, "ignore.accounts", 0, &c->ign_accounts, &c->nign_accounts);
		else if (!strcmp(key, "email_accounts"))
			osm_cfg_strlist(ld, v, "ignore.email_accounts", 1, &c->ign_emails, &c->nign_emails);
		else if (!strcmp(key, "paths"))
			osm_cfg_patterns(ld, v, "ignore.paths", &c->ign_paths, &c->nign_paths);
		else if (!strcmp(key, "subjects"))
			osm_cfg_patterns(ld, v, "ignore.subjects", &c->ign_subjects, &c->nign_subjects);
		else if (!strcmp(key, "ips")) {
			yaml_node_t *item;
			size_t	n = 0;

			if (!osm_cfg_is_list(ld, v, "ignore.ips"))
				continue;
			size_t	max = (size_t) (v->data.sequence.items.top - v->data.sequence.items.start);

			free(c->ign_ips);
			c->nign_ips = 0;
			if ((c->ign_ips = calloc(max ? max : 1, sizeof(*c->ign_ips))) == NULL)
				continue;
			OSM_CFG_FOREACH_ITEM(ld, v, item) {
				const char *s = osm_cfg_scalar(ld, item, "ignore.ips");
				const char *why;

				if (s == NULL)
					continue;
				if (osm_addr_parse_cidr(s, &c->ign_ips[n], &why) != 0)
					osm_cfg_err(ld, item, "ignore.ips: '%.60s': %s", s, why);
				else
					n++;
			}
			c->nign_ips = n;
		} else
			osm_cfg_err(ld, k, "ignore: unknown key '%.60s'", key);
	}
}

static void
osm_cfg_triggers(struct osm_cfg_ld *ld, const yaml_node_t *map)
{
	yaml_node_t *k, *v;
	const char *key;
	struct osm_cfg *c = ld->cfg;

	if (!osm_cfg_is_map(ld, map, "triggers"))
		return;
	osm_cfg_dupkeys(ld, map, "triggers");
	OSM_CFG_FOREACH_PAIR(ld, map, k, v, key, "triggers") {
		if (!strcmp(key, "default")) {
			struct osm_trigset ts;
			int	before = ld->nerr;

			memset(&ts, 0, sizeof(ts));
			osm_cfg_trigset(ld, v, "triggers.default", &ts);
			if (ld->nerr != before)
				continue;	/* no follow-on errors from a bad value */
			/* Defaults given in the file replace the built-in ones per field. */
			for (int e = 0; e < OSM_EV_COUNT; e++) {
				struct osm_trig *d = &c->defaults.ev[e], *o = &ts.ev[e];

				if (o->set & OSM_TRIG_SET_ENABLED)
					d->enabled = o->enabled;
				if (o->set & OSM_TRIG_SET_ACTIONS)
					d->actions = o->actions;
				if (o->set & OSM_TRIG_SET_WINDOWS) {
					for (int w = 0; w < o->nwin; w++) {
						if ((o->winset[w] & 3) != 3) {
							osm_cfg_err(ld, v, "triggers.default.%s: window %d needs both events and seconds",
								    osm_ev_names[e], w + 1);
						}
					}
					d->nwin = o->nwin;
					memcpy(d->win, o->win, sizeof(d->win));
				}
			}
		} else if (!strcmp(key, "accounts"))
			osm_cfg_overrides(ld, v, "triggers.accounts", 0, &c->accounts, &c->naccounts);
		else if (!strcmp(key, "email_accounts"))
			osm_cfg_overrides(ld, v, "triggers.email_accounts", 1, &c->emails, &c->nemails);
		else
			osm_cfg_err(ld, k, "triggers: unknown key '%.60s' (expected default, accounts, email_accounts)", key);
	}
}

/* osm_cfg_check_windows - window seconds must differ within an event type */
static void
osm_cfg_check_windows(struct osm_cfg_ld *ld, const yaml_node_t *root, const struct osm_trig *t,
		      const char *who, int e)
{
	for (int i = 0; i < t->nwin; i++)
		for (int j = 0; j < i; j++)
			if (t->win[i].seconds == t->win[j].seconds)
				osm_cfg_err(ld, root, "triggers: %s %s: two windows of %u seconds",
					    who, osm_ev_names[e], t->win[i].seconds);
}

/* osm_cfg_default_commands - cPanel's tools and csf (osm.yaml(5)) */
static void
osm_cfg_default_commands(struct osm_cfg *c)
{
	static const struct {
		unsigned act;
		const char *argv[8];
	} d[] = {
		{OSM_ACT_SUSPEND_ACCOUNT, {"/scripts/suspendacct", "%account", "osm report %report"}},
		{OSM_ACT_BLOCK_ACCOUNT_MAIL, {"/usr/sbin/whmapi1", "suspend_outgoing_email", "user=%account"}},
		{OSM_ACT_SUSPEND_EMAIL, {"/usr/bin/uapi", "--user=%account", "Email", "suspend_login", "email=%email"}},
		{OSM_ACT_SUSPEND_EMAIL, {"/usr/bin/uapi", "--user=%account", "Email", "suspend_incoming", "email=%email"}},
		{OSM_ACT_SUSPEND_EMAIL, {"/usr/bin/uapi", "--user=%account", "Email", "suspend_outgoing", "email=%email"}},
		{OSM_ACT_BLOCK_LOGIN, {"/usr/bin/uapi", "--user=%account", "Email", "suspend_login", "email=%email"}},
		{OSM_ACT_BLOCK_OUTGOING, {"/usr/bin/uapi", "--user=%account", "Email", "suspend_outgoing", "email=%email"}},
		{OSM_ACT_BLOCK_IP, {"/usr/sbin/csf", "-d", "%ip", "osm report %report"}},
	};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		struct osm_cmds *cm = &c->commands[__builtin_ctz(d[i].act)];
		struct osm_argv *a = &cm->cmd[cm->n++];

		for (int j = 0; d[i].argv[j]; j++)
			a->argv[a->argc++] = strdup(d[i].argv[j]);
	}
}

/* osm_cfg_defaults - built-in values for everything the file may omit */
static void
osm_cfg_defaults(struct osm_cfg *c)
{
	char	host[256];

	if (gethostname(host, sizeof(host)) != 0 || host[0] == 0)
		strcpy(host, "localhost");
	host[sizeof(host) - 1] = 0;
	c->server_name = strdup(host);
	c->socket_mode = 0660;
	c->redis = strdup("redis://127.0.0.1:6379/0");
	c->prefix = strdup("osm:");
	osm_cfg_table_defaults(c);
	c->listen[0].kind = OSM_LISTEN_UNIX;
	c->listen[0].path = strdup("/run/osm/policyd.sock");
	c->nlisten = 1;
	c->sniffer_ports[0] = 25;
	c->sniffer_ports[1] = 465;
	c->sniffer_ports[2] = 587;
	c->nsniffer_ports = 3;
	c->sniffer_backend = strdup("auto");
	c->sniffer_interface = strdup("any");
	c->apache_url = strdup("http://127.0.0.1/server-status");
	c->apache_timeout_ms = 2000;
	c->apache_docroot = strdup("%home/public_html");
	c->custom_user = NULL;		/* after the file: the daemon's user */
	osm_cfg_default_commands(c);
	for (int e = 0; e < OSM_EV_COUNT; e++) {
		struct osm_trig *t = &c->defaults.ev[e];

		t->enabled = 1;
		t->actions = OSM_ACT_STORE;
		t->nwin = 1;
		t->win[0].events = e == OSM_EV_LOGLINE_SUBJECT ? 25 : 50;
		t->win[0].seconds = e == OSM_EV_LOGLINE_SUBJECT ? 300 : 60;
	}
	c->defaults.ev[OSM_EV_LOGLINE].nwin = 2;
	c->defaults.ev[OSM_EV_LOGLINE].win[1].events = 500;
	c->defaults.ev[OSM_EV_LOGLINE].win[1].seconds = 3600;
	/* more than 100 remote results in an hour, at least half failed */
	c->defaults.ev[OSM_EV_DELIVERY].win[0].events = 100;
	c->defaults.ev[OSM_EV_DELIVERY].win[0].seconds = 3600;
	c->defaults.ev[OSM_EV_DELIVERY].win[0].ratio = 500;
}

/* osm_cfg_server_name - a name fit for Redis keys and reports */
static void
osm_cfg_server_name(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "server_name");

	if (s && (*s == 0 || strlen(s) > 64 || strpbrk(s, "{}: \t\r\n")))
		osm_cfg_err(ld, v, "server_name: 1 to 64 characters without braces, colons or spaces");
	else if (s)
		osm_cfg_str(ld, v, "server_name", &ld->cfg->server_name);
}

/* osm_cfg_socket_mode - an octal permission mode */
static void
osm_cfg_socket_mode(struct osm_cfg_ld *ld, const yaml_node_t *v)
{
	const char *s = osm_cfg_scalar(ld, v, "socket_mode");
	char   *end;
	unsigned long m = s ? strtoul(s, &end, 8) : 0;

	if (s && (*s == 0 || *end || m > 0777))
		osm_cfg_err(ld, v, "socket_mode: expected an octal mode like 0660, not '%.40s'", s);
	else if (s)
		ld->cfg->socket_mode = (unsigned) m;
}

static void
osm_cfg_root(struct osm_cfg_ld *ld, const yaml_node_t *root)
{
	struct osm_cfg *c = ld->cfg;

	if (!osm_cfg_is_map(ld, root, "configuration"))
		return;
	osm_cfg_section(ld, root, "", 0);
	for (int e = 0; e < OSM_EV_COUNT; e++)
		osm_cfg_check_windows(ld, root, &c->defaults.ev[e], "default", e);
	/* Overrides may only refine windows the defaults define. */
	for (int pass = 0; pass < 2; pass++) {
		struct osm_override *ov = pass ? c->emails : c->accounts;
		size_t	n = pass ? c->nemails : c->naccounts;

		for (size_t i = 0; i < n; i++) {
			for (int e = 0; e < OSM_EV_COUNT; e++) {
				struct osm_trig *t = &ov[i].ts.ev[e];

				for (int w = 0; w < t->nwin; w++) {
					if ((t->winset[w] & 3) != 3 && w >= c->defaults.ev[e].nwin)
						osm_cfg_err(ld, root, "triggers: %s %s window %d: events and seconds are both needed (the default has no window %d to inherit from)",
							    ov[i].name, osm_ev_names[e], w + 1, w + 1);
				}
			}
		}
	}
	if (c->nlisten == 0 && ld->listen_items == 0)
		osm_cfg_err(ld, root, "listen: at least one socket is needed");
	if (c->max_line > c->max_request)
		osm_cfg_err(ld, root, "limits: max_line is larger than max_request");
}

/* osm_cfg_re_init - the match context (limits) and match data all matches share */
static int
osm_cfg_re_init(struct osm_cfg *c)
{
	pcre2_match_context *mc = pcre2_match_context_create(NULL);

	if (mc == NULL)
		return -1;
	pcre2_set_match_limit(mc, OSM_CFG_RE_MATCH_LIMIT);
	pcre2_set_depth_limit(mc, OSM_CFG_RE_DEPTH_LIMIT);
	c->re_mctx = mc;
	/* only "did it match" is asked: one pair is enough for any pattern */
	if ((c->re_md = pcre2_match_data_create(1, NULL)) == NULL)
		return -1;
	return 0;
}

struct osm_cfg *
osm_cfg_load_mem(const char *name, const char *text, size_t len, struct osm_buf *errs)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct osm_cfg_ld ld;
	struct osm_cfg *c;
	yaml_node_t *root;

	memset(&ld, 0, sizeof(ld));
	ld.file = name;
	ld.errs = errs;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	osm_cfg_defaults(c);
	if ((c->file = strdup(name)) == NULL || osm_cfg_re_init(c) != 0) {
		osm_cfg_free(c);
		return NULL;
	}
	ld.cfg = c;
	if (!yaml_parser_initialize(&parser)) {
		osm_cfg_free(c);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *) text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (errs)
			osm_buf_printf(errs, "%s:%lu:%lu: %s%s%s\n", name,
				       (unsigned long) parser.problem_mark.line + 1,
				       (unsigned long) parser.problem_mark.column + 1,
				       parser.problem ? parser.problem : "syntax error",
				       parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		osm_cfg_free(c);
		return NULL;
	}
	ld.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root != NULL)			/* an empty file means all defaults */
		osm_cfg_root(&ld, root);
	/* the custom program is the administrator's, not a root tool: it
	 * runs as the daemon's unprivileged user unless told otherwise */
	if (c->custom_user == NULL && (c->custom_user = strdup(c->user ? c->user : "")) == NULL)
		ld.nerr++;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (ld.nerr) {
		osm_cfg_free(c);
		return NULL;
	}
	return c;
}

/*
 * osm_cfg_open - the file, as its reader may trust it.  The file holds
 * command lines that run as root, so a process running as root reads it
 * only if no one but root could have written it or any directory above
 * it (osm_secure: the walk from "/", O_NOFOLLOW, fstat of each
 * descriptor).  A process that ran as root once keeps checking after it
 * dropped privileges: osm-policyd reloads as its user, and its triggers
 * are no less the administrator's.  Others read it as they find it, but
 * never a FIFO or a device.
 */
static int
osm_cfg_open(const char *file, char *err, size_t errlen)
{
	static int strict;		/* once root, always: a daemon reloads after its drop */
	struct stat st;
	int	fd;

	if (geteuid() == 0)
		strict = 1;
	if (strict)
		return osm_secure_open(file, 0, err, errlen);
	if ((fd = open(file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

struct osm_cfg *
osm_cfg_load(const char *file, struct osm_buf *errs)
{
	FILE   *fp;
	char   *text, err[512];
	size_t	len;
	struct osm_cfg *c;
	int	fd;

	if ((fd = osm_cfg_open(file, err, sizeof(err))) < 0 || (fp = fdopen(fd, "r")) == NULL) {
		if (fd >= 0) {
			snprintf(err, sizeof(err), "%s", strerror(errno));
			close(fd);
		}
		if (errs)
			osm_buf_printf(errs, "%s:1:1: cannot open: %s\n", file, err);
		return NULL;
	}
	if ((text = malloc(OSM_CFG_MAX_FILE + 1)) == NULL) {
		fclose(fp);
		return NULL;
	}
	len = fread(text, 1, OSM_CFG_MAX_FILE + 1, fp);
	if (ferror(fp) || len > OSM_CFG_MAX_FILE) {
		if (errs)
			osm_buf_printf(errs, "%s:1:1: %s\n", file,
				       ferror(fp) ? "read error" : "file larger than 4 MiB");
		fclose(fp);
		free(text);
		return NULL;
	}
	fclose(fp);
	c = osm_cfg_load_mem(file, text, len, errs);
	free(text);
	return c;
}

static void
osm_cfg_free_overrides(struct osm_override *ov, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ov[i].name);
	free(ov);
}

static void
osm_cfg_free_strs(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
osm_cfg_free_res(void **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pcre2_code_free(v[i]);
	free(v);
}

void
osm_cfg_free(struct osm_cfg *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < osm_cfg_nparams; i++) {
		const struct osm_cfg_param *p = &osm_cfg_params[i];
		char   *base = (char *) c;

		if (p->type == OSM_CFG_STR || p->type == OSM_CFG_PATH)
			free(*(char **) (base + p->off));
		else if (p->type == OSM_CFG_STRLIST || p->type == OSM_CFG_ADDRLIST)
			osm_cfg_free_strs(*(char ***) (base + p->off), *(size_t *) (base + p->off_n));
	}
	free(c->file);
	free(c->server_name);
	for (int i = 0; i < OSM_MAX_LISTEN; i++) {
		free(c->listen[i].path);
		free(c->listen[i].host);
	}
	free(c->apache_url);
	free(c->apache_docroot);
	free(c->sniffer_backend);
	free(c->sniffer_interface);
	free(c->report_from);
	free(c->custom_user);
	for (int a = 0; a < OSM_ACT_COUNT; a++)
		for (int i = 0; i < c->commands[a].n; i++)
			for (int j = 0; j < c->commands[a].cmd[i].argc; j++)
				free(c->commands[a].cmd[i].argv[j]);
	for (int j = 0; j < c->custom.argc; j++)
		free(c->custom.argv[j]);
	free(c->redis);
	free(c->prefix);
	osm_cfg_free_overrides(c->accounts, c->naccounts);
	osm_cfg_free_overrides(c->emails, c->nemails);
	osm_cfg_free_strs(c->ign_accounts, c->nign_accounts);
	osm_cfg_free_strs(c->ign_emails, c->nign_emails);
	free(c->ign_ips);
	osm_cfg_free_res(c->ign_paths, c->nign_paths);
	osm_cfg_free_res(c->ign_subjects, c->nign_subjects);
	pcre2_match_context_free(c->re_mctx);
	pcre2_match_data_free(c->re_md);
	free(c);
}

static const struct osm_override *
osm_cfg_find(const struct osm_override *ov, size_t n, const char *name)
{
	struct osm_override key;

	if (name == NULL || n == 0)
		return NULL;
	key.name = (char *) name;
	return bsearch(&key, ov, n, sizeof(key), osm_cfg_override_cmp);
}

/* osm_cfg_merge - lay an override's set fields over *t */
static void
osm_cfg_merge(struct osm_trig *t, const struct osm_trig *o)
{
	if (o->set & OSM_TRIG_SET_ENABLED)
		t->enabled = o->enabled;
	if (o->set & OSM_TRIG_SET_ACTIONS)
		t->actions = o->actions;
	if (o->set & OSM_TRIG_SET_WINDOWS) {
		struct osm_window base[OSM_MAX_WINDOWS];
		int	nbase = t->nwin;

		memcpy(base, t->win, sizeof(base));
		for (int w = 0; w < o->nwin; w++) {
			t->win[w].events = (o->winset[w] & 1) || w >= nbase ? o->win[w].events : base[w].events;
			t->win[w].seconds = (o->winset[w] & 2) || w >= nbase ? o->win[w].seconds : base[w].seconds;
			t->win[w].ratio = (o->winset[w] & 4) || w >= nbase ? o->win[w].ratio : base[w].ratio;
		}
		t->nwin = o->nwin;
	}
}

/* osm_cfg_trigger - effective settings: default <- account <- email */
void
osm_cfg_trigger(const struct osm_cfg *c, const char *account, const char *email,
		enum osm_ev e, struct osm_trig *out)
{
	const struct osm_override *ov;

	*out = c->defaults.ev[e];
	if ((ov = osm_cfg_find(c->accounts, c->naccounts, account)) != NULL)
		osm_cfg_merge(out, &ov->ts.ev[e]);
	if ((ov = osm_cfg_find(c->emails, c->nemails, email)) != NULL)
		osm_cfg_merge(out, &ov->ts.ev[e]);
}

static int
osm_cfg_in(char *const *v, size_t n, const char *s)
{
	return s && n && bsearch(&s, v, n, sizeof(char *), osm_cfg_strp_cmp) != NULL;
}

int
osm_cfg_ignore_account(const struct osm_cfg *c, const char *account)
{
	return osm_cfg_in(c->ign_accounts, c->nign_accounts, account);
}

int
osm_cfg_exim_user(const struct osm_cfg *c, const char *user)
{
	static const char *const dflt[] = {"Debian-exim", "exim", "mailnull"};	/* sorted */

	if (c->nmainlog_exim_users == 0)
		return osm_cfg_in((char **) dflt, 3, user);
	return osm_cfg_in(c->mainlog_exim_users, c->nmainlog_exim_users, user);
}

int
osm_cfg_web_user(const struct osm_cfg *c, const char *user)
{
	static const char *const dflt[] = {"apache", "nobody", "www-data"};	/* sorted */

	if (c->napache_web_users == 0)
		return osm_cfg_in((char **) dflt, 3, user);
	return osm_cfg_in(c->apache_web_users, c->napache_web_users, user);
}

int
osm_cfg_ignore_email(const struct osm_cfg *c, const char *email)
{
	return osm_cfg_in(c->ign_emails, c->nign_emails, email);
}

int
osm_cfg_ignore_ip(const struct osm_cfg *c, const char *ip)
{
	if (ip == NULL)
		return 0;
	for (size_t i = 0; i < c->nign_ips; i++)
		if (osm_addr_match(&c->ign_ips[i], ip))
			return 1;
	return 0;
}

/*
 * osm_cfg_re_gave_up - log a match that hit a limit, at most once a
 * minute (the subject is the spammer's: every request may hit it)
 */
static void
osm_cfg_re_gave_up(const char *what, size_t i, int rc, size_t len)
{
	static long long last = -OSM_CFG_RE_LOG_EVERY_MS;
	static unsigned long more;
	long long now = osm_mono_ms();
	PCRE2_UCHAR msg[120];

	if (now - last < OSM_CFG_RE_LOG_EVERY_MS) {
		more++;
		return;
	}
	pcre2_get_error_message(rc, msg, sizeof(msg));
	osm_msg_warn("%s: pattern %zu gave up on a %zu-byte value (%s); counted as not ignored"
		     " (%lu more since the last warning)", what, i + 1, len, (char *) msg, more);
	last = now;
	more = 0;
}

/*
 * osm_cfg_match_any - does any pattern match S?  A match that errs
 * (match or depth limit, JIT stack) counts as no match: the event is
 * counted rather than let through.  Shares c's match data: not
 * reentrant.
 */
static int
osm_cfg_match_any(const struct osm_cfg *c, void *const *res, size_t n, const char *s, const char *what)
{
	size_t	len;

	if (s == NULL || n == 0)
		return 0;
	len = strlen(s);
	for (size_t i = 0; i < n; i++) {
		int	rc = pcre2_match(res[i], (PCRE2_SPTR) s, len, 0, 0, c->re_md, c->re_mctx);

		if (rc >= 0)
			return 1;
		if (rc != PCRE2_ERROR_NOMATCH)
			osm_cfg_re_gave_up(what, i, rc, len);
	}
	return 0;
}

int
osm_cfg_ignore_path(const struct osm_cfg *c, const char *path)
{
	return osm_cfg_match_any(c, c->ign_paths, c->nign_paths, path, "ignore.paths");
}

int
osm_cfg_ignore_subject(const struct osm_cfg *c, const char *subject)
{
	return osm_cfg_match_any(c, c->ign_subjects, c->nign_subjects, subject, "ignore.subjects");
}

/* osm_cfg_load_log - see osm_cfg.h */
struct osm_cfg *
osm_cfg_load_log(const char *file)
{
	struct osm_buf *errs = osm_buf_new(1 << 20);
	struct osm_cfg *cfg;

	if (errs == NULL)
		return NULL;
	cfg = osm_cfg_load(file, errs);
	if (cfg == NULL) {
		char   *line = osm_buf_data(errs), *nl;

		for (; *line; line = nl + 1) {
			if ((nl = strchr(line, '\n')) == NULL)
				break;
			*nl = 0;
			osm_msg_error("%s", line);
		}
		osm_msg_warn("%s: configuration not loaded", file);
	}
	osm_buf_free(errs);
	return cfg;
}
