/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_ident - a request's sender and the events it enters; see
 * osm_ident.h and docs/protocol.md for the attributes.
 *
 * Event keys follow the reference osm readme: logline counts a local
 * send under the account owning the sending uid and an authenticated
 * send under the email account; logline:subject counts one subject from
 * one sender; cwdcheck counts the account owning the working directory
 * and cwdcheck:cwd the path itself; packet and packet:cwd are the
 * sniffer's; delivery counts a remote delivery result of the sender's
 * mail.  An unauthenticated relay with neither uid nor account is keyed
 * by its client IP.  This runs for every request: no printf, no
 * allocation, nothing cleared that is not used.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "osm_acct.h"
#include "osm_addr.h"
#include "osm_cfg.h"
#include "osm_ident.h"
#include "osm_redis.h"

/* osm_ident_digits - 1 if S is 1 to MAX decimal digits */
static int
osm_ident_digits(const char *s, size_t max)
{
	size_t	n = 0;

	for (; *s; s++, n++)
		if (!isdigit((unsigned char) *s) || n >= max)
			return 0;
	return n > 0;
}

/* osm_ident_hex - 1 if S is at most MAX hex digits */
static int
osm_ident_hex(const char *s, size_t max)
{
	size_t	n = 0;

	for (; *s; s++, n++)
		if (!isxdigit((unsigned char) *s) || n >= max)
			return 0;
	return 1;
}

/* osm_ident_bad_delivery - events=delivery needs its result; NULL if it has it */
static const char *
osm_ident_bad_delivery(const struct osm_ident_req *r)
{
	const char *d = r->delivery;

	if (d == NULL || (strcmp(d, "delivered") && strcmp(d, "bounced") && strcmp(d, "deferred")))
		return "events=delivery needs 'delivery' (delivered, bounced or deferred)";
	if (r->did && !osm_ident_hex(r->did, 32))
		return "'delivery_id' is not a short hex string";
	return NULL;
}

/* osm_ident_bad - why osm-policyd refuses R, NULL if it does not; the daemon's order */
static const char *
osm_ident_bad(const struct osm_ident_req *r)
{
	const char *s = r->source, *why;

	if (s && strcmp(s, "postfix") && strcmp(s, "exim") && strcmp(s, "mainlog") && strcmp(s, "sniffer"))
		return "unknown 'source' (want postfix, exim, mainlog or sniffer)";
	if (r->uid && !osm_ident_digits(r->uid, 10))
		return "'uid' is not a number";
	if ((r->rcpts && !osm_ident_digits(r->rcpts, 9)) || (r->remote && !osm_ident_digits(r->remote, 9)))
		return "recipient count is not a number";
	if (r->ip && !osm_addr_is_valid(r->ip))
		return "'client_address' is not an IP address";
	if (r->cwd && r->cwd[0] != '/')
		return "'cwd' is not an absolute path";
	if (r->events && strcmp(r->events, "cwd") && strcmp(r->events, "delivery"))
		return "unknown 'events' (want cwd: count only the working directory, or delivery)";
	if (r->events && !strcmp(r->events, "delivery") && (why = osm_ident_bad_delivery(r)) != NULL)
		return why;
	if (r->msgid && (strlen(r->msgid) > 120 || strpbrk(r->msgid, " \t")))
		return "'message_id' too long or has blanks";
	if (r->account && (strlen(r->account) > 128 || strpbrk(r->account, "{}@ \t")))
		return "'account' is not an account name";
	if (r->sasl && strlen(r->sasl) >= OSM_IDENT_MAX_EMAIL)
		return "'sasl_username' too long";
	return NULL;
}

/* osm_ident_check - see osm_ident.h */
int
osm_ident_check(const struct osm_ident_req *r, const char **why)
{
	const char *w = osm_ident_bad(r);

	if (w == NULL)
		return 0;
	*why = w;
	return -1;
}

/* osm_ident_cat - DST = A B, cut to SIZE - 1 bytes */
static const char *
osm_ident_cat(char *dst, size_t size, const char *a, const char *b)
{
	size_t	la = strnlen(a, size - 1), lb = strnlen(b, size - 1 - la);

	memcpy(dst, a, la);
	memcpy(dst + la, b, lb);
	dst[la + lb] = 0;
	return dst;
}

/*
 * osm_ident_sender - the account and email: the account attribute, the
 * email's domain owner, a login without '@' (the account's own), the
 * uid's user, the owner of the cwd, in that order.
 */
static void
osm_ident_sender(const struct osm_ident_req *r, const struct osm_acct *acct, struct osm_ident *id)
{
	const char *account = r->account, *sasl = r->sasl;

	id->email = NULL;
	if (sasl && strchr(sasl, '@')) {
		for (size_t i = 0; (id->emailbuf[i] = (char) tolower((unsigned char) sasl[i])) != 0; i++)
			;
		id->email = id->emailbuf;
		if (account == NULL)
			account = osm_acct_by_email(acct, id->email);
	} else if (sasl && account == NULL && strlen(sasl) <= 128 && !strpbrk(sasl, "{} \t"))
		account = sasl;
	if (account == NULL && r->uid) {
		osm_acct_by_uid(acct, strtoul(r->uid, NULL, 10), id->uidname, sizeof(id->uidname));
		account = id->uidname;
	}
	if (id->cwd)
		id->cwd_owner = osm_acct_by_path(acct, id->cwd);
	if (account == NULL && id->email == NULL)
		account = id->cwd_owner;	/* local send known only by its path */
	id->account = account;
}

/*
 * osm_ident_owner - the path's owner is who the cwd events count for:
 * that is how mail of the web server's user (apache_status.web_users) is
 * an account's.  But a process of an account that sits in another
 * account's directory (homes are 0711) counts for itself: no hold,
 * rename or suspension lands on one account on the word of another's
 * process.
 */
static const char *
osm_ident_owner(const struct osm_cfg *cfg, const struct osm_acct *acct, const struct osm_ident *id)
{
	const char *owner = id->cwd_owner, *account = id->account;

	if (owner && account && strcmp(owner, account) && osm_acct_is_account(acct, account)
	    && !osm_cfg_web_user(cfg, account))
		return account;
	return owner;
}

/* osm_ident_name - target, key and tag: the email account, else the account, else the IP */
static int
osm_ident_name(const struct osm_ident_req *r, struct osm_ident *id)
{
	char   *t = id->targetbuf;

	if (id->email) {
		id->target = osm_ident_cat(t, sizeof(id->targetbuf), "email:", id->email);
		id->key = id->email;
		id->tag = id->account ? id->account : id->email;
	} else if (id->account) {
		id->target = osm_ident_cat(t, sizeof(id->targetbuf), "account:", id->account);
		id->key = id->tag = id->account;
	} else if (r->ip) {
		id->target = osm_ident_cat(t, sizeof(id->targetbuf), "ip:", r->ip);
		id->key = id->tag = id->target;
	} else {
		id->target = id->key = id->tag = "";
		return 0;
	}
	return 1;
}

/* osm_ident_why - why a named sender counts nothing, or OSM_IDENT_COUNT */
static enum osm_ident_skip
osm_ident_why(const struct osm_cfg *cfg, const struct osm_ident_req *r, const struct osm_ident *id)
{
	/* osm's own mail: the report action runs sendmail as the daemon's user */
	if (id->account && cfg->user && !strcmp(id->account, cfg->user))
		return OSM_IDENT_OWN_MAIL;
	if (id->account && osm_cfg_ignore_account(cfg, id->account))
		return OSM_IDENT_IGNORED_ACCOUNT;
	if (id->email && osm_cfg_ignore_email(cfg, id->email))
		return OSM_IDENT_IGNORED_EMAIL;
	if (osm_cfg_ignore_ip(cfg, r->ip))
		return OSM_IDENT_IGNORED_IP;
	return OSM_IDENT_COUNT;
}

/* osm_ident_drop - the ignore lists' cuts of the cwd and the subject */
static void
osm_ident_drop(const struct osm_cfg *cfg, struct osm_ident *id)
{
	if (id->cwd && ((id->owner && osm_cfg_ignore_account(cfg, id->owner))
			|| osm_cfg_ignore_path(cfg, id->cwd))) {
		id->cwd = NULL;
		id->cwd_ignored = 1;
	}
	if (id->subject && osm_cfg_ignore_subject(cfg, id->subject)) {
		id->subject = NULL;
		id->subject_ignored = 1;
	}
}

/* osm_ident_subjkey - "KEY:HASH", the subject's FNV-1a in 16 hex digits */
static const char *
osm_ident_subjkey(struct osm_ident *id)
{
	static const char hex[] = "0123456789abcdef";
	unsigned long long h = osm_redis_hash(id->subject);
	char   *p = id->subjkey;
	size_t	n = strnlen(id->key, sizeof(id->subjkey) - 18);

	memcpy(p, id->key, n);
	p[n++] = ':';
	for (int i = 15; i >= 0; i--, h >>= 4)
		p[n + (size_t) i] = hex[h & 15];
	p[n + 16] = 0;
	return p;
}

/* osm_ident_add - one (event type, key) pair */
static void
osm_ident_add(struct osm_ident *id, enum osm_ev ev, const char *key, const char *account,
	      const char *email, int cwd)
{
	struct osm_ident_ev *e = &id->ev[id->nev++];

	e->ev = ev;
	e->key = key;
	e->account = account;
	e->email = email;
	e->cwd = cwd;
}

/* osm_ident_events - the sender's events, then the cwd's */
static void
osm_ident_events(struct osm_ident *id)
{
	const char *who = id->owner ? id->owner : id->account;

	id->nev = 0;
	if (id->only_cwd)
		;			/* the mainlog's late cwd line of a message already counted */
	else if (id->delivery)
		osm_ident_add(id, OSM_EV_DELIVERY, id->key, id->account, id->email, 0);
	else if (id->sniffer) {
		if (id->account)
			osm_ident_add(id, OSM_EV_PACKET, id->key, id->account, NULL, 0);
	} else {
		osm_ident_add(id, OSM_EV_LOGLINE, id->key, id->account, id->email, 0);
		if (id->subject)
			osm_ident_add(id, OSM_EV_LOGLINE_SUBJECT, osm_ident_subjkey(id), id->account, id->email, 0);
	}
	if (id->cwd == NULL)
		return;
	if (id->sniffer)
		osm_ident_add(id, OSM_EV_PACKET_CWD, id->cwd, who, NULL, 1);
	else {
		if (id->owner)
			osm_ident_add(id, OSM_EV_CWDCHECK, id->owner, id->owner, NULL, 1);
		osm_ident_add(id, OSM_EV_CWDCHECK_CWD, id->cwd, who, NULL, 1);
	}
}

/* osm_ident_cwd_tag - cwd events go with the sender unless another account owns the path */
static void
osm_ident_cwd_tag(struct osm_ident *id)
{
	id->cwd_tag = id->owner ? id->owner : id->tag;
	id->same = strcmp(id->cwd_tag, id->tag) == 0;
	if (id->owner)
		id->cwd_target = osm_ident_cat(id->cwdtargetbuf, sizeof(id->cwdtargetbuf), "account:", id->owner);
	else
		id->cwd_target = id->target;
}

/* osm_ident_resolve - see osm_ident.h */
void
osm_ident_resolve(const struct osm_ident_req *r, const struct osm_cfg *cfg,
		  const struct osm_acct *acct, struct osm_ident *id)
{
	id->sniffer = r->source && !strcmp(r->source, "sniffer");
	id->only_cwd = r->events && !strcmp(r->events, "cwd");
	id->delivery = r->events && !strcmp(r->events, "delivery");
	/* delivery results count only as delivery events */
	id->cwd = id->delivery ? NULL : r->cwd;
	id->subject = id->delivery ? NULL : r->subject;
	id->cwd_owner = id->owner = NULL;
	id->cwd_ignored = id->subject_ignored = 0;
	id->nev = 0;
	osm_ident_sender(r, acct, id);
	id->owner = osm_ident_owner(cfg, acct, id);
	if (!osm_ident_name(r, id)) {
		id->skip = OSM_IDENT_NO_SENDER;
		id->cwd_tag = id->cwd_target = "";
		id->same = 1;
		return;
	}
	osm_ident_cwd_tag(id);
	if ((id->skip = osm_ident_why(cfg, r, id)) != OSM_IDENT_COUNT)
		return;
	osm_ident_drop(cfg, id);
	osm_ident_events(id);
}

/* osm_ident_skip_name - a word for logs and tests */
const char *
osm_ident_skip_name(enum osm_ident_skip s)
{
	static const char *const names[] = {
		[OSM_IDENT_COUNT] = "counted", [OSM_IDENT_NO_SENDER] = "no sender",
		[OSM_IDENT_OWN_MAIL] = "osm's own mail", [OSM_IDENT_IGNORED_ACCOUNT] = "ignored account",
		[OSM_IDENT_IGNORED_EMAIL] = "ignored email", [OSM_IDENT_IGNORED_IP] = "ignored ip",
	};

	return (unsigned) s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
