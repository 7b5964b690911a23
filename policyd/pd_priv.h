/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PD_PRIV_H
#define PD_PRIV_H

/*
 * pd_priv - osm-policyd's privileged helper (the OpenSSH privilege
 * separation model).
 *
 * pd_priv_start() forks the helper while the daemon is still root and
 * returns the daemon's end of a SOCK_SEQPACKET socketpair.  The helper
 * keeps root, closes every other descriptor, reads the configuration
 * file itself (again when the file has changed, or on SIGHUP from root:
 * the daemon cannot signal it) and serves one request at a time.  A
 * request is NUL-separated fields in one packet; there are four, and
 * every field is checked before use:
 *
 *   command ACTION ACCOUNT EMAIL IP REPORT
 *	one of the command actions (suspend_account, block_account_mail,
 *	suspend_email, block_login, block_outgoing, block_ip): the command
 *	lines of actions.commands with the checked values put in.  block_ip
 *	refuses ignored and local addresses and runs the first of its
 *	command lines whose program exists (csf, else the fallback).
 *   queue hold|discard|thaw WHO REPORT [ID...]
 *	freeze, remove or thaw WHO's messages in exim's queue: the ids
 *	given plus those a spool scan finds (thaw: frozen ones only).
 *   rename path|script ACCOUNT PATH REPORT
 *	disable PATH (osm_safefs, as the account, inside its home):
 *	rename it to NAME.osm-disabled-REPORT with mode 000; the reply
 *	detail is "OLDMODE NEWNAME" (osmctl
 *	restore, run by root, undoes it).
 *   custom REPORT, with a descriptor of the payload (SCM_RIGHTS)
 *	the configured custom command, the payload on its standard input.
 *
 * The reply is STATUS NUL DETAIL: STATUS is ok, failed, timeout or
 * skipped.  No request carries a program, an argument list or a shell
 * word; the unprivileged side can only pick among these operations.
 * pd_priv_call() sends one request and waits for its reply.
 */
#include <stddef.h>
#include <sys/types.h>

#define PD_PRIV_MAX_MSG	16384
#define PD_PRIV_MAX_FIELDS	64

pid_t	pd_priv_start(const char *cfgfile, int *fd);

/*
 * pd_priv_parse(MSG, LEN, FIELDS, &N, WHY, WLEN): the helper's first
 * step on a request of LEN bytes (MSG has room for LEN + 1): split it
 * into at most PD_PRIV_MAX_FIELDS fields and check the operation, the
 * field count and each field's shape.  0, or -1 with the reason the
 * reply gives in WHY.  Pure (no file, process or socket), so a fuzz
 * target can call it; what the fields name (an account's uid, a
 * message's owner) is checked later, when the helper acts.
 */
int	pd_priv_parse(char *msg, size_t len, char **fields, int *n, char *why, size_t wlen);
int	pd_priv_call(int fd, const char *const *fields, int nfields, int payload_fd,
		     char *status, size_t slen, char *detail, size_t dlen);

#endif
