/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_SAFEFS_H
#define OSM_SAFEFS_H

/*
 * osm_safefs - rename a user's file or directory inside the user's home
 * without ever following a symlink, as that user.
 *
 * osm_safefs_rename() renames PATH to NEWNAME (a name, not a path) in
 * the same directory and sets its mode, returning the old mode.  PATH
 * must be absolute, without "." or ".." or empty components, strictly
 * below HOME.  The work runs in a child process that first becomes UID
 * and GID (when called as root), so the kernel refuses what the user
 * could not do either.  The child walks from "/" one component at a time
 * with O_PATH | O_NOFOLLOW, so a symlink at any component fails; every
 * component from HOME down, and the target, must belong to UID; the
 * target must be a directory (kind 'd') or a regular file ('f').  The
 * rename never replaces an existing name (RENAME_NOREPLACE) and the mode
 * is set on the inode that was checked, not on whatever the name points
 * to afterwards.  Returns 0, or -1 with the reason in err.
 */
#include <stddef.h>
#include <sys/types.h>

int	osm_safefs_rename(const char *home, const char *path, const char *newname, uid_t uid,
			  gid_t gid, int kind, mode_t mode, mode_t *oldmode, char *err, size_t errlen);
/* A path osm_safefs accepts: absolute, no "."/".."/empty components. */
int	osm_safefs_path_ok(const char *path);

/*
 * The checks both ends of a rename make, the privileged helper's rename
 * and osmctl restore, so that restore (run as root, on what Redis says)
 * accepts exactly what a rename could have produced:
 *
 * osm_safefs_account_ok(NAME) - NAME has a login name's shape (letters,
 * digits, "_-.", not starting with "-" or ".", at most 32 bytes).
 *
 * osm_safefs_account(NAME, MIN_UID) - the account NAME (a login name's
 * shape) if it exists with uid >= MIN_UID and is not root, else NULL
 * with the reason in err.  The result is getpwnam()'s static storage.
 *
 * osm_safefs_disabled_name(PATH, REPORT) - the name a rename gives PATH
 * for report REPORT (alphanumeric): its last component, cut to 200
 * bytes, + ".osm-disabled-" + REPORT.  0, or -1 for a bad report id.
 *
 * OSM_SAFEFS_MODE_MASK - the permission bits a rename may set back:
 * never setuid, setgid or sticky.
 */
#define OSM_SAFEFS_MODE_MASK	0777

struct passwd;

int	osm_safefs_account_ok(const char *name);
const struct passwd *osm_safefs_account(const char *name, unsigned min_uid, char *err, size_t errlen);
int	osm_safefs_disabled_name(const char *path, const char *report, char *out, size_t outlen);

#endif
