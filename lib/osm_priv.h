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

#endif
