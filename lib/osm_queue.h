/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_QUEUE_H
#define OSM_QUEUE_H

/*
 * osm_queue - find a sender's messages in exim's queue and freeze, thaw
 * or remove them.
 *
 * osm_queue_scan() reads the header files (ID-H) under SPOOL/input,
 * split spool directories included, and adds to ids the messages of one
 * sender: WHO is "account:NAME" (the submitting login, line 2 of the
 * header), "email:ADDRESS" (-auth_id) or "ip:ADDRESS" (-host_address).
 * With frozen_only, only frozen messages (-frozen).  It returns how many
 * it added, at most max - *n.  Header files are opened with O_NOFOLLOW
 * and read up to 64 KiB.
 *
 * osm_queue_exim() runs EXIM OP ID... (OP one of -Mf, -Mt, -Mrm) through
 * osm_run, 50 ids per run; ids must be exim message ids.  exim's exit
 * status says only that some message was locked (being delivered) or
 * gone, so *done counts the messages its output says it froze, thawed or
 * removed.  Returns -1 if exim could not run or timed out.
 */
#include <stddef.h>

struct osm_run_result;

#define OSM_QUEUE_ID_LEN 24

int	osm_queue_scan(const char *spool, const char *who, int frozen_only,
		       char (*ids)[OSM_QUEUE_ID_LEN], size_t *n, size_t max);
/* The message ID is in the queue and WHO's (and frozen): its header file says so. */
int	osm_queue_owned(const char *spool, const char *id, const char *who, int frozen_only);
/* One header file's text (NUL-terminated): is it WHO's (and frozen)? */
int	osm_queue_header_match(const char *header, const char *who, int frozen_only);
int	osm_queue_exim(const char *exim, const char *op, char (*ids)[OSM_QUEUE_ID_LEN], size_t n,
		       unsigned timeout_ms, size_t *done, struct osm_run_result *);
/*
 * osm_queue_thaw - thaw WHO's frozen messages (osm_queue_scan, then
 * exim -Mt, at most OSM_QUEUE_THAW_MAX): how many were frozen in
 * *found, thawed in *done; 0, or -1 as osm_queue_exim (reason in res).
 * Used by osmctl release and the web UI's release.
 */
#define OSM_QUEUE_THAW_MAX 10000
int	osm_queue_thaw(const char *exim, const char *spool, const char *who, size_t *found, size_t *done,
		       struct osm_run_result *);

#endif
