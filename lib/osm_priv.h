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

#endif
