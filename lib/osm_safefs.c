/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_safefs - symlink-proof rename inside a home; see osm_safefs.h.
 *
 * Why a child: the rename runs with the user's own uid, so even a race
 * the checks miss can only touch what the user may touch anyway.  Why
 * /proc/self/fd: an O_PATH descriptor cannot be fchmod()ed, but the
 * magic link names exactly the inode the checks saw.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osm_safefs.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#endif

struct osm_safefs_reply {
	int	ok;
	mode_t	oldmode;
	char	err[200];
};

int
osm_safefs_path_ok(const char *path)
{
	const char *p = path;

	if (path == NULL || *path != '/' || strlen(path) >= 4096)
		return 0;
	while (*p == '/') {
		const char *c = ++p;

		while (*p && *p != '/')
			p++;
		if (p == c || (p - c == 1 && c[0] == '.') || (p - c == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
	}
	return *p == 0;
}

/* osm_safefs_account_ok - a login name as useradd and cPanel allow */
int
osm_safefs_account_ok(const char *s)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 32 || s[0] == '-' || s[0] == '.')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char) *s) && *s != '_' && *s != '-' && *s != '.')
			return 0;
	return 1;
}

const struct passwd *
osm_safefs_account(const char *name, unsigned min_uid, char *err, size_t errlen)
{
	const struct passwd *pw;

	if (name == NULL || !osm_safefs_account_ok(name)) {
		snprintf(err, errlen, "'%.40s' is not an account name", name ? name : "");
		return NULL;
	}
	if ((pw = getpwnam(name)) == NULL || pw->pw_uid < min_uid || pw->pw_uid == 0) {
		snprintf(err, errlen, "%s is not an account (uid >= %u, not root)", name, min_uid);
		return NULL;
	}
	return pw;
}

int
osm_safefs_disabled_name(const char *path, const char *report, char *out, size_t outlen)
{
	const char *leaf = strrchr(path, '/');
	size_t	n = strlen(report);
	int	len;

	if (n == 0 || n > 40)
		return -1;
	for (const char *p = report; *p; p++)
		if (!isalnum((unsigned char) *p))
			return -1;
	len = snprintf(out, outlen, "%.200s.osm-disabled-%s", leaf ? leaf + 1 : path, report);
	return len < 0 || (size_t) len >= outlen ? -1 : 0;
}

static void __attribute__((format(printf, 2, 3)))
osm_safefs_fail(struct osm_safefs_reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	r->ok = 0;
}

/* osm_safefs_work - in the child, as the user */
static void
osm_safefs_work(const char *home, const char *path, const char *newname, uid_t uid, int kind,
		mode_t mode, struct osm_safefs_reply *r)
{
	char	buf[4096], *comp, *save = NULL, *leaf;
	size_t	hl = strlen(home);
	int	dfd, fd;
	struct stat st;

	snprintf(buf, sizeof(buf), "%s", path);
	leaf = strrchr(buf, '/');
	*leaf++ = 0;
	if ((dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		osm_safefs_fail(r, "open /: %s", strerror(errno));
		return;
	}
	/* the directories, from / down to the target's parent */
	size_t	done = 0;

	for (comp = strtok_r(buf, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		int	next = openat(dfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		done += strlen(comp) + 1;
		if (next < 0) {
			osm_safefs_fail(r, "%.*s: %s", (int) done, path,
					errno == ELOOP || errno == ENOTDIR ? "a symlink or not a directory"
					: strerror(errno));
			close(dfd);
			return;
		}
		close(dfd);
		dfd = next;
		if (done >= hl) {		/* at or below the home */
			if (fstat(dfd, &st) < 0 || st.st_uid != uid) {
				osm_safefs_fail(r, "%.*s: not owned by the account", (int) done, path);
				close(dfd);
				return;
			}
		}
	}
	if ((fd = openat(dfd, leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
		osm_safefs_fail(r, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISLNK(st.st_mode)) {
		osm_safefs_fail(r, "%s: a symlink", path);
		goto out;
	}
	if (st.st_uid != uid) {
		osm_safefs_fail(r, "%s: not owned by the account", path);
		goto out;
	}
	if (kind == 'd' ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		osm_safefs_fail(r, "%s: not a %s", path, kind == 'd' ? "directory" : "regular file");
		goto out;
	}
	if (syscall(SYS_renameat2, dfd, leaf, dfd, newname, RENAME_NOREPLACE) < 0) {
		osm_safefs_fail(r, "rename %s to %s: %s", path, newname, strerror(errno));
		goto out;
	}
	snprintf(buf, sizeof(buf), "/proc/self/fd/%d", fd);
	if (chmod(buf, mode) < 0) {
		osm_safefs_fail(r, "renamed to %s but chmod failed: %s", newname, strerror(errno));
		goto out;
	}
	r->ok = 1;
	r->oldmode = st.st_mode & 07777;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
}

int
osm_safefs_rename(const char *home, const char *path, const char *newname, uid_t uid, gid_t gid,
		  int kind, mode_t mode, mode_t *oldmode, char *err, size_t errlen)
{
	struct osm_safefs_reply r;
	size_t	hl = home ? strlen(home) : 0;
	int	p[2], status;
	pid_t	pid;

	memset(&r, 0, sizeof(r));
	if (!osm_safefs_path_ok(home) || !osm_safefs_path_ok(path) || hl < 2
	    || strncmp(path, home, hl) != 0 || path[hl] != '/') {
		snprintf(err, errlen, "%s: not a clean absolute path inside the home %s", path, home ? home : "?");
		return -1;
	}
	if (*newname == 0 || strchr(newname, '/') || !strcmp(newname, ".") || !strcmp(newname, "..")) {
		snprintf(err, errlen, "bad new name");
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0))
			osm_safefs_fail(&r, "cannot become uid %lu: %s", (unsigned long) uid, strerror(errno));
		else if (getuid() != uid)
			osm_safefs_fail(&r, "not running as uid %lu", (unsigned long) uid);
		else
			osm_safefs_work(home, path, newname, uid, kind, mode, &r);
		_exit(write(p[1], &r, sizeof(r)) == (ssize_t) sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	ssize_t	n = read(p[0], &r, sizeof(r));

	close(p[0]);
	waitpid(pid, &status, 0);
	if (n != (ssize_t) sizeof(r)) {
		snprintf(err, errlen, "the worker died");
		return -1;
	}
	r.err[sizeof(r.err) - 1] = 0;
	if (!r.ok) {
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	*oldmode = r.oldmode;
	return 0;
}
