/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_secure - StrictModes-style trusted open; see osm_secure.h.
 *
 * Why a walk of descriptors rather than lstat() of each prefix: a name
 * checked and then opened again can be swapped in between; a component
 * opened relative to the descriptor of its checked parent cannot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osm_secure.h"

#define OSM_SECURE_MAX_PATH	4096

static void __attribute__((format(printf, 3, 4)))
osm_secure_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
osm_secure_fd_ok(int fd, const char *name, uid_t trusted, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		osm_secure_err(err, errlen, "%s: %s", name, strerror(errno));
		return -1;
	}
	errno = EPERM;
	if (S_ISLNK(st.st_mode)) {
		osm_secure_err(err, errlen, "not trusted: %s is a symlink", name);
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != trusted) {
		osm_secure_err(err, errlen, "not trusted: %s is owned by uid %lu, not root", name,
			       (unsigned long) st.st_uid);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		osm_secure_err(err, errlen, "not trusted: %s is writable by group or others (mode %04o)", name,
			       (unsigned) (st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* osm_secure_abs - PATH made absolute, in buf; -1 if too long */
static int
osm_secure_abs(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	char	cwd[OSM_SECURE_MAX_PATH];
	int	n;

	if (path[0] == '/')
		n = snprintf(buf, len, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL) {
		osm_secure_err(err, errlen, "getcwd: %s", strerror(errno));
		return -1;
	} else
		n = snprintf(buf, len, "%s/%s", cwd, path);
	if (n < 0 || (size_t) n >= len) {
		errno = ENAMETOOLONG;
		osm_secure_err(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * osm_secure_walk - the walk for both entry points: the last component
 * is opened O_RDONLY (a regular file, want_dir 0) or O_PATH (a directory)
 */
static int
osm_secure_walk(const char *path, uid_t trusted, int want_dir, char *err, size_t errlen)
{
	char	buf[OSM_SECURE_MAX_PATH], shown[OSM_SECURE_MAX_PATH] = "";
	char   *comp, *next, *save = NULL;
	size_t	sl = 0;
	int	fd, sub;
	struct stat st;

	if (osm_secure_abs(path, buf, sizeof(buf), err, errlen) != 0)
		return -1;
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		osm_secure_err(err, errlen, "/: %s", strerror(errno));
		return -1;
	}
	if (osm_secure_fd_ok(fd, "/", trusted, err, errlen) != 0)
		goto fail;
	for (comp = strtok_r(buf, "/", &save); comp; comp = next) {
		int	last, flags;

		next = strtok_r(NULL, "/", &save);
		last = next == NULL;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			errno = EINVAL;	/* ".." would climb past what was checked */
			osm_secure_err(err, errlen, "not trusted: a '..' component");
			goto fail;
		}
		sl += (size_t) snprintf(shown + sl, sizeof(shown) - sl, "/%s", comp);
		if (!last || want_dir)
			flags = O_PATH | O_DIRECTORY;
		else			/* no blocking on a FIFO, no controlling tty */
			flags = O_RDONLY | O_NONBLOCK | O_NOCTTY;
		if ((sub = openat(fd, comp, flags | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			int	e = errno;

			if ((e == ELOOP || e == ENOTDIR)
			    && fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
				osm_secure_err(err, errlen, "not trusted: %s is a symlink", shown);
			else if (e == ENOTDIR)
				osm_secure_err(err, errlen, "%s: not a directory", shown);
			else
				osm_secure_err(err, errlen, "%s", strerror(e));
			errno = e;
			goto fail;
		}
		close(fd);
		fd = sub;
		if (osm_secure_fd_ok(fd, shown, trusted, err, errlen) != 0)
			goto fail;
	}
	if (!want_dir) {
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			errno = EINVAL;
			osm_secure_err(err, errlen, "not trusted: %s is not a regular file", shown);
			goto fail;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	return fd;
fail:
	{
		int	e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

int
osm_secure_open(const char *path, uid_t trusted, char *err, size_t errlen)
{
	return osm_secure_walk(path, trusted, 0, err, errlen);
}

int
osm_secure_dir(const char *path, uid_t trusted, char *err, size_t errlen)
{
	return osm_secure_walk(path, trusted, 1, err, errlen);
}
