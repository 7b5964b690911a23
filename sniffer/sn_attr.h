/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SN_ATTR_H
#define SN_ATTR_H

/*
 * sn_attr - which local process owns a TCP socket.
 *
 * sn_attr_open() opens a NETLINK_SOCK_DIAG socket (no privilege needed;
 * open it before dropping privileges anyway, with the capture).
 * sn_attr_sock() asks the kernel for the one socket with this 4-tuple
 * (an exact sock_diag lookup, about a microsecond): its uid and inode.
 * It returns 0, or -1 when the socket is gone (refused, closed and
 * reaped).  A closed socket may still answer with its uid and inode 0.
 *
 * sn_attr_proc() finds the process holding socket INODE among the
 * processes of UID only (reading /proc/PID/fd of every process would
 * cost tens of milliseconds on a busy server), trying first the few that
 * held the uid's last sockets; at most 10 lookups a second (asking the
 * process that held the last socket is free while it keeps being the
 * one), so a flood
 * costs a bounded share of a core (the account comes from sock_diag for
 * every attempt).  It reads the process's pid,
 * executable, working directory, command line and SCRIPT_FILENAME from
 * its environment.  Reading another user's /proc needs CAP_SYS_PTRACE
 * and CAP_DAC_READ_SEARCH.  Returns 0 when found.
 */
#include <stddef.h>
#include <sys/types.h>

#include "osm_proc.h"

struct osm_pkt_syn;

int	sn_attr_open(void);
int	sn_attr_sock(int nl, const struct osm_pkt_syn *, uid_t *uid, unsigned long *inode);
int	sn_attr_proc(uid_t uid, unsigned long inode, struct osm_proc *);
/* The same details of a known pid (the eBPF backend's); 0 if readable. */
int	sn_attr_pid(long pid, struct osm_proc *);

#endif
