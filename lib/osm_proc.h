/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_PROC_H
#define OSM_PROC_H

/*
 * osm_proc - what /proc says of one process: the details a report names
 * (executable, working directory, command line, the SCRIPT_FILENAME a
 * web server's CGI or PHP process carries) and who it is (real uid,
 * parent).
 *
 * osm_proc_read() fills what it may read; the cwd, exe and environment
 * of another user's process need CAP_SYS_PTRACE (osm-sniffer and the
 * policy daemon's /proc reader keep it; see osm_priv.h).  Returns 0 if
 * anything was read, -1 if the process is gone or not readable at all.
 * osm_proc_status(): 0 and the real uid and parent pid, or -1.
 *
 * The _at forms read through a descriptor of the /proc/PID directory
 * from osm_proc_open() (O_DIRECTORY; -1 if there is no such process), so
 * that a check and the reads after it concern one process: once PID
 * exits, reads through it fail even if the number is reused.
 * osm_proc_uids_at() gives the real, effective, saved and filesystem
 * uids.  The caller closes the descriptor.
 */
#include <sys/types.h>

struct osm_proc {
	long	pid;
	char	exe[1024];
	char	cwd[1024];
	char	cmdline[1024];		/* arguments joined by spaces */
	char	script[1024];		/* SCRIPT_FILENAME, or "" */
};

int	osm_proc_read(long pid, struct osm_proc *);
int	osm_proc_status(long pid, uid_t *ruid, long *ppid);
int	osm_proc_open(long pid);
int	osm_proc_read_at(int dir, long pid, struct osm_proc *);
int	osm_proc_uids_at(int dir, uid_t uids[4], long *ppid);

#endif
