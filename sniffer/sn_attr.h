/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SN_ATTR_H
#define SN_ATTR_H

/*
 * sn_attr - which local socket a SYN belongs to: its uid and inode.
 *
 * sn_attr_open() opens a NETLINK_SOCK_DIAG socket (no privilege needed;
 * it is opened with the capture anyway, before privileges go).
 * sn_attr_sock() asks the kernel for the one socket with this 4-tuple
 * (an exact sock_diag lookup, about a microsecond): its uid and inode.
 * It returns 0, or -1 when the socket is gone (refused, closed and
 * reaped).  A closed socket may still answer with its uid and inode 0.
 * This runs in the unprivileged frame decoder: sock_diag shows every
 * user's sockets without a capability.  Which process holds the inode
 * is the /proc reader's question (sn_proc.h).
 */
#include <stddef.h>
#include <sys/types.h>

struct osm_pkt_syn;

int	sn_attr_open(void);
int	sn_attr_sock(int nl, const struct osm_pkt_syn *, uid_t *uid, unsigned long *inode);

#endif
