/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_CFG_H
#define OSM_CFG_H

/*
 * osm_cfg - load and query osm.yaml (documented in osm.yaml(5)).
 *
 * osm_cfg_load() parses a file into a new struct osm_cfg.  It checks the
 * whole file and appends one "file:line:column: message" line to errs
 * for every problem it finds (syntax, unknown key, wrong type, bad
 * value); it returns NULL if there was any.  Run as root (or in a
 * process that was root at an earlier load), it first
 * refuses a file that is a symlink, not a regular file, or that root
 * alone could not have written: the file or any directory above it not
 * owned by root, or writable by group or others (sticky /tmp included),
 * with "file:1:1: cannot open: not trusted: REASON" (osm_secure.h).
 * osm_cfg_load_mem() does the
 * same from memory (tests and the fuzzer).  The struct is read-only to
 * callers and freed with osm_cfg_free(); a daemon keeps the old one
 * until a new one has loaded completely.
 *
 * Trigger levels inherit: per-email-account overrides take what they do
 * not set from the owning account's override, which takes what it does
 * not set from the defaults.  osm_cfg_trigger() returns the merged
 * result for one event type.
 */
#include <stddef.h>

#include "osm_addr.h"

enum osm_ev {
	OSM_EV_LOGLINE,
	OSM_EV_LOGLINE_SUBJECT,
	OSM_EV_CWDCHECK,
	OSM_EV_CWDCHECK_CWD,
	OSM_EV_PACKET,
	OSM_EV_PACKET_CWD,
	OSM_EV_DELIVERY,		/* a remote delivery result (mainlog) */
	OSM_EV_COUNT
};

extern const char *const osm_ev_names[OSM_EV_COUNT];

/* Actions a report can decide; hold and discard are the inline verdicts. */
#define OSM_ACT_STORE		(1u << 0)
#define OSM_ACT_REPORT		(1u << 1)
#define OSM_ACT_HOLD		(1u << 2)
#define OSM_ACT_DISCARD		(1u << 3)
#define OSM_ACT_SUSPEND_ACCOUNT	(1u << 4)
#define OSM_ACT_BLOCK_ACCOUNT_MAIL (1u << 5)
#define OSM_ACT_SUSPEND_EMAIL	(1u << 6)
#define OSM_ACT_BLOCK_LOGIN	(1u << 7)
#define OSM_ACT_BLOCK_OUTGOING	(1u << 8)
#define OSM_ACT_RENAME_PATH	(1u << 9)
#define OSM_ACT_RENAME_SCRIPT	(1u << 10)
#define OSM_ACT_BLOCK_IP	(1u << 11)
#define OSM_ACT_CUSTOM		(1u << 12)
#define OSM_ACT_COUNT		13

extern const char *const osm_act_names[OSM_ACT_COUNT];

#define OSM_MAX_WINDOWS	4
#define OSM_CFG_MAX_EVENTS 10000000	/* a window's events: a sanity bound */

struct osm_window {
	unsigned events;		/* a report fires when the count exceeds this */
	unsigned seconds;		/* the sliding interval */
	unsigned ratio;			/* failure_ratio in permille; 0 = plain count */
};

#define OSM_TRIG_SET_ENABLED	1u
#define OSM_TRIG_SET_ACTIONS	2u
#define OSM_TRIG_SET_WINDOWS	4u

struct osm_trig {
	unsigned set;			/* OSM_TRIG_SET_* given in this layer */
	int	enabled;
	unsigned actions;		/* OSM_ACT_* */
	int	nwin;
	struct osm_window win[OSM_MAX_WINDOWS];
	unsigned winset[OSM_MAX_WINDOWS];	/* 1 = events, 2 = seconds, 4 = ratio set */
};

struct osm_trigset {
	struct osm_trig ev[OSM_EV_COUNT];
};

struct osm_override {
	char   *name;
	struct osm_trigset ts;
};

/* A command line of an action: argv[0] an absolute path, no shell; the
 * arguments may hold %account, %email, %domain, %ip, %report and %%. */
#define OSM_CMD_MAX_ARGS	16
#define OSM_CMD_MAX		4

struct osm_argv {
	int	argc;
	char   *argv[OSM_CMD_MAX_ARGS + 1];	/* NULL-terminated */
};

struct osm_cmds {
	int	n;
	struct osm_argv cmd[OSM_CMD_MAX];
};

enum osm_fmt { OSM_FMT_JSON, OSM_FMT_YAML, OSM_FMT_XML, OSM_FMT_PERL };

#define OSM_LISTEN_UNIX	1
#define OSM_LISTEN_INET	2
#define OSM_MAX_LISTEN	8

struct osm_listen {
	int	kind;
	char   *path;			/* unix */
	char   *host;			/* inet */
	unsigned port;
};

struct osm_cfg {
	char   *file;
	char   *server_name;
	int	monitor;		/* mode: monitor */
	int	fail_closed;		/* fail: closed */
	struct osm_listen listen[OSM_MAX_LISTEN];
	int	nlisten;
	unsigned socket_mode;
	char   *socket_group;
	char   *user;
	char   *pid_file;
	char   *status_file;
	char   *redis;			/* unix:/path or redis://host:port/db */
	char   *prefix;			/* key prefix, server name appended */
	unsigned redis_timeout_ms;
	unsigned max_line;
	unsigned max_attrs;
	unsigned max_request;
	unsigned request_timeout;	/* s a half-sent request may stall */
	unsigned idle_timeout;		/* s an idle connection is kept */
	unsigned max_clients;
	unsigned busy_poll_us;		/* poll this long before sleeping, 0 = never */
	unsigned report_retention;	/* s */
	unsigned verdict_expiry;	/* s, 0 = until released */
	char   *userdomains;
	unsigned min_uid;
	struct osm_trigset defaults;
	struct osm_override *accounts;	/* sorted by name */
	size_t	naccounts;
	struct osm_override *emails;	/* sorted by name */
	size_t	nemails;
	char  **ign_accounts;		/* sorted */
	size_t	nign_accounts;
	char  **ign_emails;		/* sorted, lower case */
	size_t	nign_emails;
	struct osm_cidr *ign_ips;
	size_t	nign_ips;
	void  **ign_paths;		/* pcre2_code * */
	size_t	nign_paths;
	void  **ign_subjects;
	size_t	nign_subjects;
	void   *re_mctx;		/* pcre2_match_context *: the match limits */
	void   *re_md;			/* pcre2_match_data *, shared by every match */
	/* mainlog: the exim log source (osm-mainlog) */
	char   *mainlog_path;
	char   *mainlog_state;		/* where it remembers its place */
	char  **mainlog_exim_users;	/* sorted; their arrivals are exim's own mail */
	size_t	nmainlog_exim_users;
	/* sniffer: osm-sniffer */
	unsigned sniffer_ports[8];
	int	nsniffer_ports;
	char   *sniffer_backend;	/* auto, pcap or ebpf */
	char   *sniffer_interface;	/* pcap device, "any" */
	/* apache_status: the requests Apache serves, in reports */
	int	apache_enabled;
	char   *apache_url;
	unsigned apache_timeout_ms;
	char   *apache_docroot;		/* "%home/public_html" */
	char  **apache_web_users;	/* sorted: the users Apache's scripts run as */
	size_t	napache_web_users;
	/* actions: what runs when a report fires */
	unsigned action_timeout;	/* s one action may take */
	unsigned action_queue;		/* reports waiting for their actions */
	char  **report_to;		/* the report action's recipients */
	size_t	nreport_to;
	char   *report_from;
	char   *sendmail;
	char   *exim;			/* exim binary: freeze, remove, thaw */
	char   *exim_spool;		/* its spool directory (input/ below it) */
	struct osm_cmds commands[OSM_ACT_COUNT];	/* the command actions */
	struct osm_argv custom;
	enum osm_fmt custom_format;
	char   *custom_user;
};

/* Actions run through osm_cfg.commands (the others are built in). */
#define OSM_ACT_COMMANDS	(OSM_ACT_SUSPEND_ACCOUNT | OSM_ACT_BLOCK_ACCOUNT_MAIL | OSM_ACT_SUSPEND_EMAIL \
				 | OSM_ACT_BLOCK_LOGIN | OSM_ACT_BLOCK_OUTGOING | OSM_ACT_BLOCK_IP)
extern const char *const osm_fmt_names[4];

struct osm_buf;

struct osm_cfg *osm_cfg_load(const char *file, struct osm_buf *errs);
struct osm_cfg *osm_cfg_load_mem(const char *name, const char *text, size_t len,
				 struct osm_buf *errs);
void	osm_cfg_free(struct osm_cfg *);
/* Load FILE, logging each error with osm_msg_error; NULL on failure. */
struct osm_cfg *osm_cfg_load_log(const char *file);

void	osm_cfg_trigger(const struct osm_cfg *, const char *account, const char *email,
			enum osm_ev, struct osm_trig *out);
int	osm_cfg_ignore_account(const struct osm_cfg *, const char *);
int	osm_cfg_ignore_email(const struct osm_cfg *, const char *);
/* An exim user: its local arrivals are exim's own mail (mainlog.exim_users). */
int	osm_cfg_exim_user(const struct osm_cfg *, const char *);
/* The web server's user (apache_status.web_users): its scripts are anyone's. */
int	osm_cfg_web_user(const struct osm_cfg *, const char *);
int	osm_cfg_ignore_ip(const struct osm_cfg *, const char *);
/*
 * ignore.paths / ignore.subjects: PCRE2 (JIT when available) under a
 * match and depth limit, so a pathological pattern cannot stall the
 * caller; a match that gives up counts as "not ignored" and is logged
 * at most once a minute.  Not reentrant (one match data per config).
 */
int	osm_cfg_ignore_path(const struct osm_cfg *, const char *);
int	osm_cfg_ignore_subject(const struct osm_cfg *, const char *);
int	osm_cfg_parse_duration(const char *text, unsigned *seconds);

/*
 * The parameter table (Postfix mail_params style): one read-only row per
 * key of osm.yaml, with its dotted path, type, bounds, default (as YAML
 * text, NULL when computed or none) and one line of help, for the loader
 * and for tools that build settings forms.  Rows of type OSM_CFG_COMPLEX
 * (listen, triggers, actions.commands, ...) keep a dedicated parser; the
 * table still names them.  osm_cfg_param_find() returns NULL for an
 * unknown path.
 */
enum osm_cfg_type {
	OSM_CFG_STR, OSM_CFG_PATH, OSM_CFG_UINT, OSM_CFG_DURATION, OSM_CFG_BOOL,
	OSM_CFG_ENUM, OSM_CFG_STRLIST, OSM_CFG_ADDRLIST, OSM_CFG_SECTION,
	OSM_CFG_COMPLEX
};

struct osm_cfg_ld;
struct yaml_node_s;

struct osm_cfg_param {
	const char *path;		/* "redis.timeout_ms" */
	enum osm_cfg_type type;
	long long min, max;		/* uint, duration (seconds) */
	const char *def;		/* default as YAML text, or NULL */
	const char *help;		/* one line, as in osm.yaml(5) */
	size_t	off;			/* offsetof in struct osm_cfg (table-loaded rows) */
	size_t	off_n;			/* strlist, addrlist: offsetof its count */
	const char *const *choices;	/* enum: NULL-terminated */
	/* complex rows: the loader's own parser (private to osm_cfg.c) */
	void	(*parse)(struct osm_cfg_ld *, const struct yaml_node_s *);
};

extern const struct osm_cfg_param osm_cfg_params[];
extern const size_t osm_cfg_nparams;
const struct osm_cfg_param *osm_cfg_param_find(const char *path);

#endif
