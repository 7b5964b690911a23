/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgi_auth - access control and CSRF tokens of the web UI (cgi_auth.h).
 *
 * Nothing here trusts the request: the user comes from the web server
 * (REMOTE_USER), its rights from files only root can write, the session
 * from cpsrvd or a cookie that only binds the token (it grants nothing
 * by itself), and the token from a secret no other user can read.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "cgi_auth.h"
#include "osm_secure.h"

#define SECRET_FILE	"web.secret"
#define ADMINS_FILE	"web-admins"
#define SECRET_LEN	32

static void
cgi_auth_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = 0;
}

int
cgi_auth_random_hex(size_t n, char *out)
{
	unsigned char r[64];

	if (n > sizeof(r) || getrandom(r, n, 0) != (ssize_t) n)
		return -1;
	cgi_auth_hex(r, n, out);
	return 0;
}

int
cgi_auth_token(const unsigned char *secret, size_t slen, const char *user, const char *session,
	       char out[CGI_AUTH_TOKEN_LEN + 1])
{
	unsigned char msg[320], md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t	ul = strlen(user), sl = strlen(session);

	if (ul + 1 + sl > sizeof(msg))
		return -1;
	memcpy(msg, user, ul);
	msg[ul] = 0;		/* user "a" session "bc" is not user "ab" session "c" */
	memcpy(msg + ul + 1, session, sl);
	if (HMAC(EVP_sha256(), secret, (int) slen, msg, ul + 1 + sl, md, &mdlen) == NULL || mdlen != 32)
		return -1;
	cgi_auth_hex(md, mdlen, out);
	return 0;
}

/* cgi_auth_secret_fd_ok - ours alone: a regular file, our owner, mode 0600 */
static int
cgi_auth_secret_fd_ok(int fd, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()
	    || (st.st_mode & 077) != 0 || st.st_size != SECRET_LEN) {
		snprintf(err, errlen, "%s: not a %d-byte file of uid %ld with mode 0600", SECRET_FILE,
			 SECRET_LEN, (long) geteuid());
		return -1;
	}
	return 0;
}

/* cgi_auth_secret_new - write a new secret under a temporary name, link it in */
static int
cgi_auth_secret_new(int dfd, char *err, size_t errlen)
{
	unsigned char s[SECRET_LEN];
	char	tmp[64];
	int	fd, rc = -1;

	snprintf(tmp, sizeof(tmp), "%s.%ld", SECRET_FILE, (long) getpid());
	if (getrandom(s, sizeof(s), 0) != (ssize_t) sizeof(s)) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	unlinkat(dfd, tmp, 0);
	if ((fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "create %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (write(fd, s, sizeof(s)) == (ssize_t) sizeof(s) && fsync(fd) == 0
	    && (linkat(dfd, tmp, dfd, SECRET_FILE, 0) == 0 || errno == EEXIST))
		rc = 0;		/* EEXIST: another request made it first; use that one */
	else
		snprintf(err, errlen, "write %s: %s", SECRET_FILE, strerror(errno));
	close(fd);
	unlinkat(dfd, tmp, 0);
	OPENSSL_cleanse(s, sizeof(s));
	return rc;
}

static int
cgi_auth_secret(const char *confdir, unsigned char *s, char *err, size_t errlen)
{
	char	why[512];
	int	dfd, fd = -1, rc = -1;

	if ((dfd = osm_secure_dir(confdir, geteuid(), why, sizeof(why))) < 0) {
		snprintf(err, errlen, "%s: %s", confdir, why);
		return -1;
	}
	for (int tries = 0; tries < 2 && fd < 0; tries++) {
		fd = openat(dfd, SECRET_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT && cgi_auth_secret_new(dfd, err, errlen) != 0)
			goto out;
	}
	if (fd < 0)
		snprintf(err, errlen, "%s/%s: %s", confdir, SECRET_FILE, strerror(errno));
	else if (cgi_auth_secret_fd_ok(fd, err, errlen) == 0 && read(fd, s, SECRET_LEN) == SECRET_LEN)
		rc = 0;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return rc;
}

/* cgi_auth_listed - USER is a line of the root-only file PATH */
static int
cgi_auth_listed(const char *path, const char *user, char *err, size_t errlen)
{
	char	why[512], line[256];
	int	fd = osm_secure_open(path, 0, why, sizeof(why)), found = 0;
	FILE   *fp;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (!found && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\r\n#")] = 0;
		char   *p = line + strspn(line, " \t");

		p[strcspn(p, " \t")] = 0;
		found = *p && strcmp(p, user) == 0;
	}
	fclose(fp);
	if (!found)
		snprintf(err, errlen, "user \"%s\" is not listed in %s", user, path);
	return found ? 0 : -1;
}

int
cgi_auth_reseller_all(const char *resellers, const char *user)
{
	char	line[8192];
	size_t	ul = strlen(user);
	FILE   *fp = fopen(resellers, "re");
	int	all = 0;

	if (fp == NULL)
		return 0;
	/* "user:acl1,acl2" with whitespace stripped, as cPanel reads it */
	while (!all && fgets(line, sizeof(line), fp)) {
		char	clean[8192], *o = clean;

		for (char *p = line; *p && *p != '#' && *p != '\n'; p++)
			if (!isspace((unsigned char) *p))
				*o++ = *p;
		*o = 0;
		if (strncmp(clean, user, ul) || clean[ul] != ':')
			continue;
		for (char *acl = strtok(clean + ul + 1, ","); acl && !all; acl = strtok(NULL, ","))
			all = strcmp(acl, "all") == 0;
	}
	fclose(fp);
	return all;
}

static int
cgi_auth_user_ok(const char *u)
{
	size_t	n = strlen(u);

	if (n == 0 || n > 63)
		return 0;
	for (; *u; u++)
		if (!isalnum((unsigned char) *u) && !strchr("._-@", *u))
			return 0;
	return 1;
}

/* cgi_auth_session - the cookie if it is one of ours, else a new one */
static int
cgi_auth_session(struct cgi_auth *a, const char *cookie, char *err, size_t errlen)
{
	if (cookie && strlen(cookie) == CGI_AUTH_SESSION_LEN
	    && strspn(cookie, "0123456789abcdef") == CGI_AUTH_SESSION_LEN) {
		snprintf(a->session, sizeof(a->session), "%s", cookie);
		return 0;
	}
	if (cgi_auth_random_hex(CGI_AUTH_SESSION_LEN / 2, a->session) != 0) {
		snprintf(err, errlen, "getrandom: %s", strerror(errno));
		return -1;
	}
	a->new_session = 1;
	return 0;
}

int
cgi_auth_check(struct cgi_auth *a, const char *cookie, const char *confdir, const char *resellers,
	       char *err, size_t errlen)
{
	const char *user = getenv("REMOTE_USER"), *cpsess = getenv("cp_security_token");
	unsigned char secret[SECRET_LEN];
	char	path[4200];
	int	rc;

	memset(a, 0, sizeof(*a));
	if (user == NULL || !cgi_auth_user_ok(user)) {
		snprintf(err, errlen, "no authenticated user (REMOTE_USER): the web server must authenticate");
		return -1;
	}
	snprintf(a->user, sizeof(a->user), "%s", user);
	a->whm = cpsess != NULL;
	if (a->whm) {
		if (getenv("WHM_API_TOKEN_NAME")) {
			snprintf(err, errlen, "WHM API tokens are not accepted here; log in to WHM");
			return -1;
		}
		if (strcmp(user, "root") && !cgi_auth_reseller_all(resellers, user)) {
			snprintf(err, errlen, "only root and resellers with the \"all\" privilege may use osm");
			return -1;
		}
		snprintf(a->session, sizeof(a->session), "%s", cpsess);
	} else {
		snprintf(path, sizeof(path), "%s/%s", confdir, ADMINS_FILE);
		if (cgi_auth_listed(path, user, err, errlen) != 0 || cgi_auth_session(a, cookie, err, errlen) != 0)
			return -1;
	}
	if (cgi_auth_secret(confdir, secret, err, errlen) != 0)
		return -1;
	rc = cgi_auth_token(secret, sizeof(secret), a->user, a->session, a->token);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc != 0)
		snprintf(err, errlen, "cannot make the form token");
	return rc;
}

int
cgi_auth_host_of(const char *url, char *out, size_t outlen)
{
	const char *p;
	size_t	n;

	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return -1;
	n = strcspn(p, "/?#");
	if (n == 0 || n >= outlen || memchr(p, '@', n))
		return -1;
	memcpy(out, p, n);
	out[n] = 0;
	return 0;
}

int
cgi_auth_post_ok(const struct cgi_auth *a, const char *token, const char *origin,
		 const char *referer, const char *host, char *err, size_t errlen)
{
	char	from[256];
	const char *src = origin && *origin && strcmp(origin, "null") ? origin : referer;

	if (token == NULL || strlen(token) != CGI_AUTH_TOKEN_LEN
	    || CRYPTO_memcmp(token, a->token, CGI_AUTH_TOKEN_LEN) != 0) {
		snprintf(err, errlen, "the form's security token is missing or wrong: reload the page and try again");
		return -1;
	}
	if (src == NULL || host == NULL || cgi_auth_host_of(src, from, sizeof(from)) != 0
	    || strcasecmp(from, host) != 0) {
		snprintf(err, errlen, "the request did not come from this site's own page (Origin/Referer)");
		return -1;
	}
	return 0;
}
