/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ML_EVENTS_H
#define ML_EVENTS_H

/*
 * ml_events - exim mainlog lines in, osm-policyd requests out.
 *
 * ml_events_line() parses one entry (osm_exlog) and appends the policy
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
 * outgoing messages are remembered in a fixed table (ML_MSGS entries):
 * a result of a message that arrived before this process started, or
 * that was pushed out by newer ones, counts as unattributed.
 * Pure: no I/O; memory is fixed at creation.
 */
#include <stddef.h>

struct osm_buf;
struct osm_cfg;

struct ml_stats {
	unsigned long lines;
	unsigned long skipped;		/* not understood */
	unsigned long arrivals;
	unsigned long forged;		/* arrivals with fields out of exim's order: no A= taken */
	unsigned long results;		/* remote delivery results of outgoing mail */
	unsigned long unattributed;	/* results of messages not in the table */
	unsigned long requests;
};

struct ml_events;

struct ml_events *ml_events_new(const struct osm_cfg *);
void	ml_events_free(struct ml_events *);
void	ml_events_config(struct ml_events *, const struct osm_cfg *);
/*
 * ml_events_line() takes one log entry, usually one line.  An entry
 * whose line ends inside a quoted address (osm_exlog "more": a newline
 * in a local user's -f or recipient) goes on in the next line: unless
 * last is set, it returns ML_EVENTS_MORE and changes nothing; call it
 * again with the line, "\n" and the next line.  ml_events_feed() does
 * that itself for a file read line by line, and ml_events_flush() ends
 * the file (an entry still open is taken as it is).
 */
#define ML_EVENTS_MORE	(-1)
int	ml_events_line(struct ml_events *, const char *line, size_t len, int last, struct osm_buf *out);
int	ml_events_feed(struct ml_events *, const char *line, size_t len, struct osm_buf *out);
int	ml_events_flush(struct ml_events *, struct osm_buf *out);
void	ml_events_stats(const struct ml_events *, struct ml_stats *);

#endif
