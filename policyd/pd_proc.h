/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_PROC_H
#define PD_PROC_H

/*
 * pd_proc - the policy daemon's /proc reader: who really sent a local
 * submission.
 *
 * exim runs acl_not_smtp as its own user, so the exim module can read
 * only the command line of the process that ran sendmail; its cwd,
 * executable and SCRIPT_FILENAME belong to the account.  The module
 * sends both pids (ppid, pid) and the uid; while that parent still waits
 * for sendmail, this helper reads them.
 *
 * pd_proc_start(), as root before the daemon drops privileges, forks the
 * helper: the configured user keeping only CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH (osm_priv_drop_proc), talking over a SOCK_SEQPACKET
 * socket; returns the daemon's end or -1.  It answers only when PID is
 * CHILD's parent and its real uid is UID, so a client of the policy
 * socket learns nothing of processes that did not submit its message.
 * pd_proc_query() asks, waiting at most timeout_ms; 0 and *out filled,
 * 1 when the helper refused, -1 when it did not answer in time (it may
 * be slow now: its late answer is dropped by a later query, so the
 * caller may ask again, after a pause), or -2 when the helper is gone
 * (the caller closes the descriptor).
 */
struct osm_proc;

int	pd_proc_start(const char *user);
int	pd_proc_query(int fd, long pid, long child, unsigned long uid, struct osm_proc *out,
		      int timeout_ms);

#endif
