/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CGI_AUTH_H
#define CGI_AUTH_H

/*
 * cgi_auth - who may use the UI, and the CSRF token of its forms.
 *
 * Under WHM (cpsrvd sets cp_security_token; no HTTP header can) the
 * user is REMOTE_USER, authenticated by cpsrvd: root, or a reseller
 * whose line in /var/cpanel/resellers holds the "all" ACL (root's
 * equivalent).  Every other user, and any request made with a WHM API
 * token (WHM_API_TOKEN_NAME set: its ACLs are not the user's), is
 * refused.  The session is the cpsess token itself.
 *
 * On any other web server the server authenticates (REMOTE_USER) and
 * the user must be listed in the web-admins file beside osm.yaml, one
 * name per line, a file only root can have written (osm_secure).  The
 * session is a random cookie the CGI sets (HttpOnly, SameSite=Strict).
 *
 * The CSRF token of a form is HMAC-SHA256(secret, user NUL session),
 * hex; the secret is 32 random bytes in web.secret beside osm.yaml,
 * mode 0600, created once (O_EXCL, O_NOFOLLOW) and refused if anyone
 * but the CGI's own user owns it or could read it.  A POST is accepted
 * only with that token (compared in constant time) and an Origin, else
 * a Referer, whose host is HTTP_HOST.
 */
#include <stddef.h>

#define CGI_AUTH_TOKEN_LEN	64	/* hex of SHA-256 */
#define CGI_AUTH_SESSION_LEN	32	/* hex of the cookie's 128 bits */

struct cgi_auth {
	int	whm;			/* running under WHM */
	char	user[64];
	char	session[128];		/* cpsess token or cookie value */
	int	new_session;		/* set the cookie in this answer */
	char	token[CGI_AUTH_TOKEN_LEN + 1];
};

/*
 * cgi_auth_check - fill A for this request; 0, or -1 with why the user
 * is refused in err.  cookie is the request's osm_session cookie, or
 * NULL; confdir the directory of osm.yaml; resellers the WHM file.
 */
int	cgi_auth_check(struct cgi_auth *a, const char *cookie, const char *confdir, const char *resellers,
		       char *err, size_t errlen);
/* cgi_auth_post_ok - the CSRF checks of a POST; 0, or -1 with why */
int	cgi_auth_post_ok(const struct cgi_auth *a, const char *token, const char *origin,
			 const char *referer, const char *host, char *err, size_t errlen);

/* cgi_auth_random_hex - N random bytes as hex into out[2N + 1]; 0, or -1 */
int	cgi_auth_random_hex(size_t n, char *out);

/* For tests: the reseller check and the token of a user and session. */
int	cgi_auth_reseller_all(const char *resellers, const char *user);
int	cgi_auth_token(const unsigned char *secret, size_t slen, const char *user, const char *session,
		       char out[CGI_AUTH_TOKEN_LEN + 1]);
/* cgi_auth_host_of - the host[:port] of an absolute http(s) URL into out */
int	cgi_auth_host_of(const char *url, char *out, size_t outlen);

#endif
