/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_ACTION_H
#define PD_ACTION_H

/*
 * pd_action - run what reports decided, off the event loop.
 *
 * pd_action_new() takes the privileged helper (pd_priv) and forks the
 * action worker, an unprivileged process of its own: call it after the
 * daemon has dropped root.  pd_action_submit() hands it one new report
 * ("ID TAG" over a pipe); it never blocks: when actions.queue reports
 * are already waiting, or the worker is gone, the report keeps only its
 * stored form and the call returns -1 (the caller logs it).  The worker
 * reads the report from Redis and runs its actions in a fixed order:
 * store, hold or discard (exim's queue), the command actions,
 * rename_script, rename_path (a script inside a disabled directory is
 * renamed first), custom, and report (the email, last, so it
 * lists what the others did).  In monitor mode (the report's mode) every
 * action but store is recorded as skipped.  Each result goes into the
 * report (field "results", a JSON array of {action, status, detail,
 * ...}) and the log.
 *
 * pd_action_fd() is the descriptor the event loop watches (it changes
 * when a worker is restarted; -1 while there is none); call
 * pd_action_event() when it is readable: it counts finished reports and
 * restarts a worker that died, unless it died at once.
 * pd_action_signal() passes a signal on to the worker; on SIGHUP it
 * reloads the configuration file (and one is started if none runs).
 * The helper, root, reloads by itself when the file changes.
 */
#include <sys/types.h>

struct osm_cfg;
struct pd_action;

struct pd_action *pd_action_new(const char *cfgfile, const struct osm_cfg *, int helper_fd);
int	pd_action_submit(struct pd_action *, const char *id, const char *tag);
int	pd_action_fd(const struct pd_action *);
void	pd_action_event(struct pd_action *);
void	pd_action_config(struct pd_action *, const struct osm_cfg *);
void	pd_action_signal(struct pd_action *, int sig);
void	pd_action_free(struct pd_action *);

#endif
