/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CTL_SCAN_H
#define CTL_SCAN_H

/*
 * ctl_scan - osmctl scan: a dry run of exim logs (plain or gzip) against
 * the configured triggers; prints events per type and key and how often
 * each window would have fired, as text or (json) JSON.  Touches nothing.
 */
struct osm_cfg;

int	ctl_scan(const struct osm_cfg *, char **files, int nfiles, int json);

#endif
