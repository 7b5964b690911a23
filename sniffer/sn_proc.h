/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SN_PROC_H
#define SN_PROC_H

/*
 * sn_proc - osm-sniffer's /proc reader: the one process of osm-sniffer
 * that keeps a capability (osm-policyd's pd_proc is the model).
 *
 * Reading another user's /proc/PID/{exe,cwd,environ,fd} needs
 * CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH; decoding frames, building
 * events and talking to osm-policyd need none.  So the frame decoder
 * drops every capability (osm_priv_drop_all) and asks this reader, over
 * a SOCK_SEQPACKET socketpair, the two questions attribution needs:
 *
 *   SN_PROC_PID pid uid	(eBPF: the kernel named the pid)
 *	the details of process PID, if one of its uids (real, effective,
 *	saved, filesystem) is UID;
 *   SN_PROC_SOCK uid inode	(pcap: sock_diag named the socket)
 *	the process of UID that holds socket INODE: the /proc entries of
 *	UID only, the processes that held UID's last sockets first, at
 *	most 10 such searches a second (asking the process that held the
 *	last socket stays free while it keeps being the one).
 *
 * The details are the five fields a report names: pid, exe, cwd,
 * cmdline (NULs and control characters as spaces) and SCRIPT_FILENAME
 * from the environment, each cut to its field.  The reader builds every
 * path from the number it checked (/proc/PID/...), reads through one
 * descriptor of /proc/PID so that a reused pid reads nothing, and
 * follows no name the request carries (it carries none).
 *
 * Wire format, host order, one datagram each way: a request is exactly
 * struct sn_proc_req; magic must be SN_PROC_MAGIC, op one of the two,
 * pid 1..SN_PROC_PID_MAX for SN_PROC_PID and 0 for SN_PROC_SOCK, inode
 * nonzero for SN_PROC_SOCK and 0 for SN_PROC_PID, uid not (uid_t) -1.
 * Anything else is answered SN_PROC_BAD (and logged, at most once a
 * second); the reader then reads the next request.  The reply echoes
 * seq; its strings are NUL-terminated within their fields, which the
 * asking side enforces again, making control characters spaces.
 *
 * sn_proc_start(USER) forks the reader; call it as root after the
 * capture, the eBPF program and the netlink socket are open, and before
 * the caller drops its own privileges.  The reader closes every other
 * descriptor (it holds no capture, no netlink socket, no connection to
 * osm-policyd), becomes USER keeping only CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH (in permitted, effective and bounding; nothing
 * inheritable or ambient), sets no_new_privs and RLIMIT_NPROC 0 (it
 * cannot fork), names itself "osm-sniff-proc", and exits when the other
 * end closes.  Failure to start is fatal.
 *
 * sn_proc_pid() and sn_proc_sock() ask, waiting at most SN_PROC_WAIT_MS:
 * 0 and *out filled; 1 not found, not that uid, refused or skipped; -1
 * no answer in time (a reader that has not answered is not asked again
 * until its late answer arrives).  A reader that exited is fatal: there
 * is no attribution without it.  sn_proc_free() closes it and reaps it.
 */
#include <stdint.h>
#include <sys/types.h>

#include "osm_proc.h"

#define SN_PROC_MAGIC	0x6f736d70u	/* "osmp" */
#define SN_PROC_PID	1
#define SN_PROC_SOCK	2
#define SN_PROC_PID_MAX	4194304		/* the kernel's PID_MAX_LIMIT */
#define SN_PROC_WAIT_MS	500

#define SN_PROC_FOUND	0
#define SN_PROC_NONE	1
#define SN_PROC_BAD	2

struct sn_proc_req {
	uint32_t magic;
	uint32_t op;
	uint32_t seq;
	uint32_t uid;
	uint64_t pid;
	uint64_t inode;
};

struct sn_proc_rep {
	uint32_t magic;
	uint32_t seq;
	int32_t	status;			/* SN_PROC_FOUND, _NONE or _BAD */
	uint32_t pad;
	int64_t	pid;
	char	exe[1024];
	char	cwd[1024];
	char	cmdline[1024];
	char	script[1024];
};

struct sn_proc;

struct sn_proc *sn_proc_start(const char *user);
int	sn_proc_pid(struct sn_proc *, long pid, uid_t uid, struct osm_proc *out);
int	sn_proc_sock(struct sn_proc *, uid_t uid, unsigned long inode, struct osm_proc *out);
int	sn_proc_fd(const struct sn_proc *);
pid_t	sn_proc_child(const struct sn_proc *);
void	sn_proc_free(struct sn_proc *);

#endif
