/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_PCLIENT_H
#define OSM_PCLIENT_H

/*
 * osm_pclient - the osm sources' side of the policy protocol.
 *
 * osm_pclient_connect() connects to osm-policyd's first listen address
 * (unix or inet) and returns the descriptor, or -1 with errno set.
 * osm_pclient_open() is the same for an address "unix:PATH" or
 * "inet:HOST:PORT" (HOST may be [IPv6]), the tools' and benches' form.
 * osm_pclient_send() writes a batch of NREQ requests (each ended by an
 * empty line) and waits for all NREQ replies, each at most timeout_ms
 * apart; it returns 0, or -1 if the daemon closed, stalled or failed:
 * the caller closes the descriptor and sends the batch again later.
 * *deferred (if not NULL) is how many replies were DEFER: for
 * source=mainlog, requests that were not counted (Redis unavailable),
 * which the caller sends again.
 *
 * Every reader of replies (osm_pclient_send, the test client, the load
 * generator) finds them with osm_pclient_reply(): the length of the
 * first whole reply at the start of buf, with its empty line, or 0
 * while it is incomplete.  osm_pclient_action() tells whether a reply's
 * action is ACTION (case-insensitive, as Postfix reads it).
 */
#include <stddef.h>

struct osm_cfg;
struct osm_buf;

int	osm_pclient_connect(const struct osm_cfg *);
int	osm_pclient_open(const char *address);
int	osm_pclient_send(int fd, const struct osm_buf *batch, int nreq, int timeout_ms, int *deferred);
size_t	osm_pclient_reply(const char *buf, size_t len);
int	osm_pclient_action(const char *reply, size_t len, const char *action);

#endif
