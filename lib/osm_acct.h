/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_ACCT_H
#define OSM_ACCT_H

/*
 * osm_acct - map what a source reports to the hosting account behind it.
 *
 *  uid    -> the user name (any uid; unknown uids become "uid:N");
 *  path   -> the owner of the home directory that contains the path
 *            (homes of users with uid >= min_uid; the longest home wins);
 *  email  -> the owner of the address's domain, from cPanel's
 *            /etc/userdomains ("domain: user" lines) when it exists.
 *
 * The tables are loaded once by osm_acct_load() (from the passwd
 * database and the userdomains file) so requests never touch NSS or the
 * disk.  osm_acct_stale() tells whether /etc/passwd or the userdomains
 * file changed since, so the daemon can reload them cheaply.  Returned
 * strings belong to the table and live until osm_acct_free().
 */
#include <stddef.h>

struct osm_acct;

struct osm_acct *osm_acct_load(const char *userdomains, unsigned long min_uid);
void	osm_acct_free(struct osm_acct *);
int	osm_acct_stale(const struct osm_acct *);
/* Writes the user name or "uid:N" into out; returns 1 if the uid is known. */
int	osm_acct_by_uid(const struct osm_acct *, unsigned long uid, char *out, size_t outlen);
const char *osm_acct_by_path(const struct osm_acct *, const char *path);
/* NAME is an account: a user with uid >= min_uid and a home. */
int	osm_acct_is_account(const struct osm_acct *, const char *name);
const char *osm_acct_by_email(const struct osm_acct *, const char *email);
const char *osm_acct_by_domain(const struct osm_acct *, const char *domain);

/*
 * osm_acct_tag - the Redis hash tag for a sender named by an operator or
 * a source: an email address maps to its domain's owner (or itself when
 * the domain is unknown); anything else (account, "ip:ADDR") is itself.
 */
const char *osm_acct_tag(const struct osm_acct *, const char *name);

#endif
