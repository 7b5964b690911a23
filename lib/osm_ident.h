/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_IDENT_H
#define OSM_IDENT_H

/*
 * osm_ident - who sent a message, and which events it enters: the one
 * place that decides it, for osm-policyd (pd_event) and osmctl scan.
 *
 * osm_ident_resolve() takes a request's attributes (osm_ident_req, each
 * NULL when absent or empty), the configuration and the account tables,
 * and fills an osm_ident:
 *   - the sender: its email account (sasl_username with '@', lower
 *     case), its account (the account attribute; else the email's
 *     domain owner; else a sasl login without '@', the account's own;
 *     else the uid's user; else the owner of the cwd), else its client
 *     IP; target ("email:X", "account:X", "ip:X"), key and hash tag;
 *   - skip: why nothing is counted (no sender; osm's own mail, cfg->user;
 *     an ignored account, email or IP), else OSM_IDENT_COUNT;
 *   - the cwd: its home's owner, and whom the cwd events count for (the
 *     path's owner, unless the sender is an account that is not the web
 *     server's user: then itself), and whether the ignore lists dropped
 *     the cwd or the subject;
 *   - ev[]: the (event type, key) pairs the request enters, in order,
 *     with the account and email whose triggers apply (osm_cfg_trigger;
 *     a disabled trigger means no windows) and whether it goes with the
 *     cwd's tag and target instead of the sender's.
 * osm_ident_check() comes first: it returns 0, or -1 with *why (a
 * constant string) for a request osm-policyd refuses (an unknown source
 * or events, a uid or recipient count that is no number, a
 * client_address that is no IP, a relative cwd, a delivery result
 * without its status, an account name with '@', braces or blanks, ...);
 * osm_ident_resolve() takes only requests it passed.
 *
 * Pure: no I/O, no allocation.  The strings in the osm_ident point into
 * the request, the tables (osm_acct, until osm_acct_free), the
 * configuration, or the osm_ident's own buffers: it must outlive them.
 */
#include "osm_cfg.h"

struct osm_acct;

struct osm_ident_req {
	const char *source;		/* postfix (NULL), exim, mainlog, sniffer */
	const char *events;		/* NULL, "cwd" or "delivery" */
	const char *delivery;		/* delivered, bounced, deferred */
	const char *uid;
	const char *account;
	const char *sasl;		/* sasl_username */
	const char *ip;			/* client_address */
	const char *cwd;
	const char *subject;
	const char *rcpts;		/* recipient_count */
	const char *remote;		/* remote_recipient_count */
	const char *msgid;		/* message_id */
	const char *did;		/* delivery_id */
};

enum osm_ident_skip {
	OSM_IDENT_COUNT,		/* counted */
	OSM_IDENT_NO_SENDER,		/* nothing to key it by */
	OSM_IDENT_OWN_MAIL,		/* the account is osm's own user */
	OSM_IDENT_IGNORED_ACCOUNT,
	OSM_IDENT_IGNORED_EMAIL,
	OSM_IDENT_IGNORED_IP,
};

#define OSM_IDENT_MAX_EMAIL 256		/* a longer sasl_username is refused */
#define OSM_IDENT_MAX_EV 4		/* logline, subject, cwdcheck, cwdcheck:cwd */

struct osm_ident_ev {
	enum osm_ev ev;
	const char *key;
	const char *account;		/* whose triggers apply */
	const char *email;
	int	cwd;			/* 1: under cwd_tag, for cwd_target */
};

struct osm_ident {
	enum osm_ident_skip skip;
	int	sniffer;		/* source=sniffer */
	int	delivery;		/* events=delivery: a result, nothing else */
	int	only_cwd;		/* events=cwd: the cwd of a message counted */
	const char *account;		/* NULL if none */
	const char *email;		/* NULL if none */
	const char *target;		/* "" with no sender */
	const char *key;
	const char *tag;
	const char *cwd;		/* what the cwd events count; NULL if none */
	const char *cwd_owner;		/* the owner of the cwd's home, as sent */
	const char *owner;		/* whom the cwd events count for, or NULL */
	const char *subject;		/* counted, NULL if none */
	int	cwd_ignored;		/* a cwd the ignore lists dropped */
	int	subject_ignored;
	const char *cwd_tag;		/* owner, else tag */
	const char *cwd_target;		/* "account:OWNER", else target */
	int	same;			/* cwd_tag is tag: one hash tag in all */
	int	nev;
	struct osm_ident_ev ev[OSM_IDENT_MAX_EV];
	/* what the pointers above may point into */
	char	uidname[64];
	char	emailbuf[OSM_IDENT_MAX_EMAIL];
	char	targetbuf[300];
	char	cwdtargetbuf[300];
	char	subjkey[340];
};

int	osm_ident_check(const struct osm_ident_req *, const char **why);
void	osm_ident_resolve(const struct osm_ident_req *, const struct osm_cfg *,
			  const struct osm_acct *, struct osm_ident *);
const char *osm_ident_skip_name(enum osm_ident_skip);

#endif
