/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_SIG_H
#define OSM_SIG_H

/*
 * osm_sig - how osm's processes take signals.
 *
 * A daemon's loop takes SIGTERM and SIGINT (and SIGHUP, reload, when it
 * asks) through a signalfd: osm_sig_block() fills *mask with them and
 * blocks them (do it early: the mask survives fork, so a signal sent
 * before the loop exists waits for it); osm_sig_fd() opens the
 * non-blocking signalfd for *mask (after any daemonizing fork: a
 * signalfd in an epoll set wakes only the process that added it) and
 * ignores SIGPIPE, so a peer that hung up is an error return, not death.
 *
 * A forked helper calls osm_sig_child() first: nothing blocked, SIGPIPE
 * ignored, SIGTERM default, SIGINT ignored (a ^C on the terminal is its
 * daemon's, which ends it by closing its socket or by SIGTERM), and
 * SIGHUP to on_hup, or ignored when NULL.
 */
#include <signal.h>

void	osm_sig_block(sigset_t *mask, int hup);
int	osm_sig_fd(const sigset_t *mask);
void	osm_sig_child(void (*on_hup)(int));

#endif
