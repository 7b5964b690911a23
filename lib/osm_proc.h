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

#endif
