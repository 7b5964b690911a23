/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_SECURE_H
#define OSM_SECURE_H

/*
 * osm_secure - open a file only if nobody but root (or one trusted uid)
 * could have written it or swapped it in, as sshd's StrictModes
 * (secure_filename) checks authorized_keys.
 *
 * A process that runs as root and reads a file (the configuration, with
 * command lines run as root; a pid file it will signal) must not read
 * one another user could change.  So the walk starts at "/" and opens
 * one component at a time with O_PATH | O_NOFOLLOW: a symlink anywhere
 * fails; every directory and the file must be owned by root or by
 * TRUSTED and must not be writable by group or others.  The sticky bit
 * does not make a world-writable directory acceptable (sshd refuses
 * /tmp too): its owner-only unlink does not stop a user from creating
 * the name first.  The checks are fstat()s of the descriptors that are
 * then used, so nothing can be swapped between check and use.  A
 * relative PATH is taken from the working directory; "." components
 * are skipped, ".." ones refused.
 *
 * osm_secure_open() returns a read-only descriptor (O_CLOEXEC) of a
 * regular file; osm_secure_dir() an O_PATH descriptor of a directory,
 * for the *at() calls.  Both return -1 with errno set and a reason in
 * err: strerror(errno) for system errors, "not trusted: ..." naming the
 * component for a check that failed.
 */
#include <stddef.h>
#include <sys/types.h>

int	osm_secure_open(const char *path, uid_t trusted, char *err, size_t errlen);
int	osm_secure_dir(const char *path, uid_t trusted, char *err, size_t errlen);

/*
 * osm_secure_fd_ok - the same ownership and mode check for one open
 * descriptor (what the walk applies to each component); 0 or -1 with
 * the reason, naming it NAME, in err.
 */
int	osm_secure_fd_ok(int fd, const char *name, uid_t trusted, char *err, size_t errlen);

#endif
