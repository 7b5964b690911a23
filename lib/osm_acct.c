/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_acct - account resolution tables; see osm_acct.h.
 *
 * All three lookups are over sorted arrays (bsearch) or a short list of
 * homes, built at load time; a server with thousands of accounts pays a
 * few microseconds per request and no system calls.
 */
#include <ctype.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "osm_acct.h"

struct osm_acct_uid {
	unsigned long uid;
	char   *name;
};

struct osm_acct_home {
	char   *home;
	size_t	len;
	char   *name;
};

struct osm_acct_dom {
	char   *domain;
	char   *user;
};

struct osm_acct {
	struct osm_acct_uid *uids;
	size_t	nuids;
	struct osm_acct_home *homes;
	size_t	nhomes;
	struct osm_acct_dom *doms;
	size_t	ndoms;
	char   *userdomains;
	struct timespec passwd_mtime;
	struct timespec domains_mtime;
};

static int
osm_acct_uid_cmp(const void *a, const void *b)
{
	const struct osm_acct_uid *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int
osm_acct_home_cmp(const void *a, const void *b)
{
	const struct osm_acct_home *x = a, *y = b;

	/* Longest first, so the first prefix match is the most specific. */
	return x->len < y->len ? 1 : x->len > y->len ? -1 : 0;
}

static int
osm_acct_dom_cmp(const void *a, const void *b)
{
	const struct osm_acct_dom *x = a, *y = b;

	return strcmp(x->domain, y->domain);
}

static struct timespec
osm_acct_mtime(const char *path)
{
	struct stat st;
	struct timespec zero = {0, 0};

	return path && stat(path, &st) == 0 ? st.st_mtim : zero;
}

/* osm_acct_load_passwd - uids and homes from the passwd database */
static int
osm_acct_load_passwd(struct osm_acct *a, unsigned long min_uid)
{
	struct passwd *pw;
	size_t	cap = 0;
	size_t	hcap = 0;

	setpwent();
	while ((pw = getpwent()) != NULL) {
		if (a->nuids == cap) {
			cap = cap ? cap * 2 : 64;
			void   *n = realloc(a->uids, cap * sizeof(*a->uids));

			if (n == NULL)
				goto nomem;
			a->uids = n;
		}
		if ((a->uids[a->nuids].name = strdup(pw->pw_name)) == NULL)
			goto nomem;
		a->uids[a->nuids++].uid = pw->pw_uid;
		size_t	hl = pw->pw_dir ? strlen(pw->pw_dir) : 0;

		while (hl > 1 && pw->pw_dir[hl - 1] == '/')
			hl--;
		if (pw->pw_uid < min_uid || hl < 2 || pw->pw_dir[0] != '/')
			continue;
		if (a->nhomes == hcap) {
			hcap = hcap ? hcap * 2 : 64;
			void   *n = realloc(a->homes, hcap * sizeof(*a->homes));

			if (n == NULL)
				goto nomem;
			a->homes = n;
		}
		struct osm_acct_home *h = &a->homes[a->nhomes];

		if ((h->home = strndup(pw->pw_dir, hl)) == NULL)
			goto nomem;
		h->len = hl;
		h->name = a->uids[a->nuids - 1].name;
		a->nhomes++;
	}
	endpwent();
	qsort(a->uids, a->nuids, sizeof(*a->uids), osm_acct_uid_cmp);
	if (a->nhomes)
		qsort(a->homes, a->nhomes, sizeof(*a->homes), osm_acct_home_cmp);
	return 0;
nomem:
	endpwent();
	return -1;
}

/* osm_acct_load_domains - "domain: user" lines; a missing file is fine */
static int
osm_acct_load_domains(struct osm_acct *a)
{
	FILE   *fp;
	char	line[1024];
	size_t	cap = 0;

	if (a->userdomains == NULL || (fp = fopen(a->userdomains, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp)) {
		char   *colon = strchr(line, ':');
		char   *user, *end;

		if (colon == NULL || line[0] == '*' || line[0] == '#')
			continue;
		*colon = 0;
		for (user = colon + 1; isspace((unsigned char) *user); user++)
			;
		for (end = user; *end && !isspace((unsigned char) *end); end++)
			;
		*end = 0;
		if (*user == 0 || line[0] == 0 || strcmp(user, "nobody") == 0)
			continue;
		if (a->ndoms == cap) {
			cap = cap ? cap * 2 : 64;
			void   *n = realloc(a->doms, cap * sizeof(*a->doms));

			if (n == NULL)
				break;
			a->doms = n;
		}
		for (char *p = line; *p; p++)
			*p = (char) tolower((unsigned char) *p);
		a->doms[a->ndoms].domain = strdup(line);
		a->doms[a->ndoms].user = strdup(user);
		if (a->doms[a->ndoms].domain == NULL || a->doms[a->ndoms].user == NULL) {
			free(a->doms[a->ndoms].domain);
			free(a->doms[a->ndoms].user);
			break;
		}
		a->ndoms++;
	}
	fclose(fp);
	if (a->ndoms)
		qsort(a->doms, a->ndoms, sizeof(*a->doms), osm_acct_dom_cmp);
	return 0;
}

struct osm_acct *
osm_acct_load(const char *userdomains, unsigned long min_uid)
{
	struct osm_acct *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	if (userdomains && (a->userdomains = strdup(userdomains)) == NULL)
		goto fail;
	a->passwd_mtime = osm_acct_mtime("/etc/passwd");
	a->domains_mtime = osm_acct_mtime(a->userdomains);
	if (osm_acct_load_passwd(a, min_uid) != 0 || osm_acct_load_domains(a) != 0)
		goto fail;
	return a;
fail:
	osm_acct_free(a);
	return NULL;
}

void
osm_acct_free(struct osm_acct *a)
{
	if (a == NULL)
		return;
	for (size_t i = 0; i < a->nuids; i++)
		free(a->uids[i].name);
	for (size_t i = 0; i < a->nhomes; i++)
		free(a->homes[i].home);
	for (size_t i = 0; i < a->ndoms; i++) {
		free(a->doms[i].domain);
		free(a->doms[i].user);
	}
	free(a->uids);
	free(a->homes);
	free(a->doms);
	free(a->userdomains);
	free(a);
}

int
osm_acct_stale(const struct osm_acct *a)
{
	struct timespec p = osm_acct_mtime("/etc/passwd");
	struct timespec d = osm_acct_mtime(a->userdomains);

	return p.tv_sec != a->passwd_mtime.tv_sec || p.tv_nsec != a->passwd_mtime.tv_nsec
	    || d.tv_sec != a->domains_mtime.tv_sec || d.tv_nsec != a->domains_mtime.tv_nsec;
}

int
osm_acct_by_uid(const struct osm_acct *a, unsigned long uid, char *out, size_t outlen)
{
	struct osm_acct_uid key = {uid, NULL};
	struct osm_acct_uid *hit;

	hit = a->nuids ? bsearch(&key, a->uids, a->nuids, sizeof(key), osm_acct_uid_cmp) : NULL;
	if (hit) {
		snprintf(out, outlen, "%s", hit->name);
		return 1;
	}
	snprintf(out, outlen, "uid:%lu", uid);
	return 0;
}

int
osm_acct_is_account(const struct osm_acct *a, const char *name)
{
	for (size_t i = 0; i < a->nhomes; i++)
		if (!strcmp(a->homes[i].name, name))
			return 1;
	return 0;
}

const char *
osm_acct_by_path(const struct osm_acct *a, const char *path)
{
	if (path == NULL || path[0] != '/')
		return NULL;
	for (size_t i = 0; i < a->nhomes; i++) {
		const struct osm_acct_home *h = &a->homes[i];

		if (strncmp(path, h->home, h->len) == 0
		    && (path[h->len] == '/' || path[h->len] == 0))
			return h->name;
	}
	return NULL;
}

const char *
osm_acct_by_domain(const struct osm_acct *a, const char *domain)
{
	char	low[256];
	size_t	n = strlen(domain);
	struct osm_acct_dom key, *hit;

	if (n == 0 || n >= sizeof(low) || a->ndoms == 0)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char) tolower((unsigned char) domain[i]);
	key.domain = low;
	hit = bsearch(&key, a->doms, a->ndoms, sizeof(key), osm_acct_dom_cmp);
	return hit ? hit->user : NULL;
}

const char *
osm_acct_by_email(const struct osm_acct *a, const char *email)
{
	const char *at = email ? strrchr(email, '@') : NULL;

	return at ? osm_acct_by_domain(a, at + 1) : NULL;
}

const char *
osm_acct_tag(const struct osm_acct *a, const char *name)
{
	const char *owner;

	if (strchr(name, '@') && (owner = osm_acct_by_email(a, name)) != NULL)
		return owner;
	return name;
}
