/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_priv - drop root for good; see osm_priv.h.
 */
#include <errno.h>
#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
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

void
osm_priv_drop_proc(const char *user)
{
	struct passwd *pw;
	cap_t	caps;
	cap_value_t keep[] = {CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH};

	if (geteuid() != 0)
		return;
	if (user == NULL || *user == 0) {
		osm_msg_warn("no user configured: running as root");
		return;
	}
	if ((pw = getpwnam(user)) == NULL || pw->pw_uid == 0)
		osm_msg_fatal("user %s does not exist or is root", user);
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_SYS_PTRACE && c != CAP_DAC_READ_SEARCH && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0
		    && errno != EINVAL)
			osm_msg_fatal("drop capability %d: %m", c);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0
	    || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0
	    || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		osm_msg_fatal("switching to %s: %m", user);
	if ((caps = cap_init()) == NULL || cap_set_flag(caps, CAP_PERMITTED, 2, keep, CAP_SET) < 0
	    || cap_set_flag(caps, CAP_EFFECTIVE, 2, keep, CAP_SET) < 0 || cap_set_proc(caps) < 0)
		osm_msg_fatal("keeping CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH: %m");
	cap_free(caps);
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (setuid(0) == 0)
		osm_msg_fatal("privileges were not dropped");
}

void
osm_priv_limit(const int *keep, int nkeep)
{
	cap_t	have, want;
	cap_flag_value_t v;

	/* the bounding set too, where this process may (CAP_SETPCAP) */
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		int	kept = 0;

		for (int i = 0; i < nkeep; i++)
			kept |= keep[i] == c;
		if (!kept && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL && errno != EPERM)
			osm_msg_fatal("drop capability %d: %m", c);
	}
	if ((have = cap_get_proc()) == NULL || (want = cap_init()) == NULL)
		osm_msg_fatal("reading capabilities: %m");
	for (int i = 0; i < nkeep; i++) {
		cap_value_t c = (cap_value_t) keep[i];

		if (cap_get_flag(have, c, CAP_PERMITTED, &v) == 0 && v == CAP_SET
		    && (cap_set_flag(want, CAP_PERMITTED, 1, &c, CAP_SET) < 0
			|| cap_set_flag(want, CAP_EFFECTIVE, 1, &c, CAP_SET) < 0))
			osm_msg_fatal("capability %d: %m", keep[i]);
	}
	if (cap_set_proc(want) < 0)
		osm_msg_fatal("lowering capabilities: %m");
	cap_free(have);
	cap_free(want);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		osm_msg_fatal("clearing ambient capabilities: %m");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		osm_msg_fatal("no_new_privs: %m");
}

void
osm_priv_drop_all(const char *user)
{
	struct passwd *pw = NULL;
	cap_t	caps, none;
	int	root = geteuid() == 0;

	if (root && (user == NULL || *user == 0))
		osm_msg_warn("no user configured: running as root, without capabilities");
	else if (root && ((pw = getpwnam(user)) == NULL || pw->pw_uid == 0))
		osm_msg_fatal("user %s does not exist or is root", user);
	/* the bounding set: always as root; otherwise only with CAP_SETPCAP */
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL && (root || errno != EPERM))
			osm_msg_fatal("drop capability %d: %m", c);
	if (pw != NULL) {
		if (setgroups(0, NULL) < 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0
		    || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
			osm_msg_fatal("switching to %s: %m", user);
		if (setuid(0) == 0 || geteuid() == 0 || getuid() == 0)
			osm_msg_fatal("privileges were not dropped");
	}
	osm_priv_limit(NULL, 0);
	if ((caps = cap_get_proc()) == NULL || (none = cap_init()) == NULL)
		osm_msg_fatal("reading capabilities: %m");
	if (cap_compare(caps, none) != 0)
		osm_msg_fatal("capabilities were not dropped");
	cap_free(caps);
	cap_free(none);
	for (int c = 0; root && c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) > 0)
			osm_msg_fatal("capability %d is left in the bounding set", c);
}
