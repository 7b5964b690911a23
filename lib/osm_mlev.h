/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_MLEV_H
#define OSM_MLEV_H

/*
 * osm_mlev - exim mainlog lines in, osm-policyd requests out.
 *
 * osm_mlev_line() parses one entry (osm_exlog) and appends the policy
 * requests it makes, each ended by an empty line, to out:
 *   - an arrival ("<=") of a local submission (P=local*, not by an exim
 *     user, mainlog.exim_users): source=mainlog, account (U=), the
 *     submission's cwd when a "cwd=" line of the same [pid] (or, without
 *     +pid, the line before) preceded it, subject, sender, message_id,
 *     recipient_count;
 *   - an arrival with A= (SMTP AUTH): sasl_username (the id after the
 *     authenticator's name), client_address, subject, sender, message_id;
 *   - a "cwd=... exim -Mc ID" line of a local message that arrived
 *     without a cwd: events=cwd with that message's account and id;
 *   - a delivery result of one of those messages that left or tried to
 *     leave the server ("=>", "->", ">>" with a remote host or an smtp
 *     transport; "**" and "==" unless a local transport took them):
 *     events=delivery, delivery=delivered|bounced|deferred, the sender
 *     of the arrival, recipient, remote host and address, the error text,
 *     and a delivery_id that names the line (a replay counts once).
 * Unauthenticated SMTP arrivals (inbound mail) and every other line make
 * nothing; lines the parser cannot read are counted as skipped.  The
 * outgoing messages are remembered in a fixed table (OSM_MLEV_MSGS entries):
 * a result of a message that arrived before this process started, or
 * that was pushed out by newer ones, counts as unattributed.
 * Pure: no I/O; memory is fixed at creation.
 */
#include <stddef.h>

struct osm_buf;
struct osm_cfg;

struct osm_mlev_stats {
	unsigned long lines;
	unsigned long skipped;		/* not understood */
	unsigned long arrivals;
	unsigned long forged;		/* arrivals with fields out of exim's order: no A= taken */
	unsigned long results;		/* remote delivery results of outgoing mail */
	unsigned long unattributed;	/* results of messages not in the table */
	unsigned long requests;
};

struct osm_mlev;

struct osm_mlev *osm_mlev_new(const struct osm_cfg *);
void	osm_mlev_free(struct osm_mlev *);
void	osm_mlev_config(struct osm_mlev *, const struct osm_cfg *);
/*
 * osm_mlev_line() takes one log entry, usually one line.  An entry
 * whose line ends inside a quoted address (osm_exlog "more": a newline
 * in a local user's -f or recipient) goes on in the next line: unless
 * last is set, it returns OSM_MLEV_MORE and changes nothing; call it
 * again with the line, "\n" and the next line.  osm_mlev_feed() does
 * that itself for a file read line by line, and osm_mlev_flush() ends
 * the file (an entry still open is taken as it is).
 */
#define OSM_MLEV_MORE	(-1)
int	osm_mlev_line(struct osm_mlev *, const char *line, size_t len, int last, struct osm_buf *out);
int	osm_mlev_feed(struct osm_mlev *, const char *line, size_t len, struct osm_buf *out);
int	osm_mlev_flush(struct osm_mlev *, struct osm_buf *out);
void	osm_mlev_stats(const struct osm_mlev *, struct osm_mlev_stats *);

#endif
