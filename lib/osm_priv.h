/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_PRIV_H
#define OSM_PRIV_H

/*
 * osm_priv - become the unprivileged user (OpenSSH privsep style).
 *
 * osm_priv_drop(USER), when running as root: setgid, initgroups (so a
 * group such as adm that may read the mail log comes along), setuid,
 * then checks that root cannot be regained; any failure is fatal.  Not
 * root: nothing to do.  An empty USER keeps root, with a warning.
 */
void	osm_priv_drop(const char *user);

/*
 * osm_priv_drop_proc(USER): the same for a process that reads other
 * users' processes in /proc: it keeps CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH (all else leaves the bounding set), no
 * supplementary groups, and no_new_privs.
 */
void	osm_priv_drop_proc(const char *user);

/*
 * osm_priv_drop_all(USER): for a process that handles attacker data and
 * needs no privilege at all (osm-sniffer's frame decoder).  As root:
 * every capability leaves the bounding set, no supplementary groups,
 * then USER's gid and uid (real, effective, saved).  As any user: the
 * permitted, effective, inheritable and ambient sets are emptied (a
 * process started with capabilities, by systemd say, gives them up) and
 * no_new_privs is set.  Then it checks that none is left and that root
 * cannot be regained; any failure is fatal.  An empty USER keeps uid 0,
 * with a warning, but still without any capability.
 */
void	osm_priv_drop_all(const char *user);

/*
 * osm_priv_limit(KEEP, N): lower this process's capabilities to those of
 * KEEP it has (permitted and effective; the bounding set too where it
 * may), empty the inheritable and ambient sets and set no_new_privs;
 * works as any user (osm_priv_drop_proc does nothing when not root, or
 * without a user).  Fatal on failure.
 */
void	osm_priv_limit(const int *keep, int nkeep);

#endif
