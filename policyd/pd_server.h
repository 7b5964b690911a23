/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_SERVER_H
#define PD_SERVER_H

/*
 * pd_server - osm-policyd's event loop: listeners, clients, batches.
 *
 * pd_server_new() opens the configured listeners (call it before
 * dropping privileges: it may bind in root-owned directories and chown
 * the unix sockets).  pd_server_run() serves until SIGTERM or SIGINT.
 * On SIGHUP it calls the reload function; a NULL result keeps the
 * running configuration (the function has logged why).  The server owns
 * the configuration it is given and every reloaded one; pd_server_free()
 * frees them.
 */

struct osm_cfg;
struct osm_acct;
struct pd_server;
struct pd_action;

typedef struct osm_cfg *pd_server_reload_fn(void);

struct pd_server *pd_server_new(struct osm_cfg *);
void	pd_server_run(struct pd_server *, pd_server_reload_fn *);
/* Hand each new report to the action worker (pd_action). */
void	pd_server_set_actions(struct pd_server *, struct pd_action *);
/* The /proc reader's socket (pd_proc_start), or -1. */
void	pd_server_set_proc(struct pd_server *, int fd);
void	pd_server_free(struct pd_server *);

#endif
