/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_priv - drop root for good; see osm_priv.h.
 */
#include <grp.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include "osm_msg.h"
#include "osm_priv.h"

void
osm_priv_drop(const char *user)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	if (user == NULL || *user == 0) {
		osm_msg_warn("no user configured: running as root");
		return;
	}
	if ((pw = getpwnam(user)) == NULL)
		osm_msg_fatal("user %s does not exist (create it with 'useradd --system %s' or set user:)",
			      user, user);
	if (pw->pw_uid == 0)
		osm_msg_fatal("user %s has uid 0; pick an unprivileged user", user);
	if (setgid(pw->pw_gid) < 0)
		osm_msg_fatal("setgid %lu: %m", (unsigned long) pw->pw_gid);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0)
		osm_msg_fatal("initgroups %s: %m", pw->pw_name);
	if (setuid(pw->pw_uid) < 0)
		osm_msg_fatal("setuid %lu: %m", (unsigned long) pw->pw_uid);
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid || setuid(0) == 0)
		osm_msg_fatal("privileges were not dropped");
}
