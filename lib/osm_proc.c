/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_proc - read one process's details from /proc; see osm_proc.h.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osm_proc.h"

/* osm_proc_file - a small /proc file, NULs made spaces (or kept: raw) */
static ssize_t
osm_proc_file(long pid, const char *what, char *buf, size_t len, int raw)
{
	char	path[64];
	int	fd;
	ssize_t	n;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	if (!raw) {
		while (n > 0 && buf[n - 1] == 0)
			n--;
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] == 0 || (unsigned char) buf[i] < 0x20)
				buf[i] = ' ';
		buf[n] = 0;
	}
	return n;
}

static void
osm_proc_link(long pid, const char *what, char *buf, size_t len)
{
	char	path[64];
	ssize_t	n;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, what);
	if ((n = readlink(path, buf, len - 1)) > 0)
		buf[n] = 0;
	else
		buf[0] = 0;
}

int
osm_proc_read(long pid, struct osm_proc *p)
{
	static char env[65536];
	ssize_t	n;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (pid <= 0)
		return -1;
	osm_proc_link(pid, "exe", p->exe, sizeof(p->exe));
	osm_proc_link(pid, "cwd", p->cwd, sizeof(p->cwd));
	osm_proc_file(pid, "cmdline", p->cmdline, sizeof(p->cmdline), 0);
	if ((n = osm_proc_file(pid, "environ", env, sizeof(env), 1)) > 0) {
		for (char *e = env; e < env + n; e += strlen(e) + 1)
			if (!strncmp(e, "SCRIPT_FILENAME=", 16)) {
				snprintf(p->script, sizeof(p->script), "%s", e + 16);
				break;
			}
	}
	return p->cmdline[0] || p->exe[0] ? 0 : -1;	/* gone, or not ours to read */
}

int
osm_proc_status(long pid, uid_t *ruid, long *ppid)
{
	char	buf[4096], *l;
	int	have = 0;

	if (pid <= 0 || osm_proc_file(pid, "status", buf, sizeof(buf), 1) <= 0)
		return -1;
	if ((l = strstr(buf, "\nPPid:")) != NULL && sscanf(l + 6, "%ld", ppid) == 1)
		have |= 1;
	if ((l = strstr(buf, "\nUid:")) != NULL) {
		unsigned long u;

		if (sscanf(l + 5, "%lu", &u) == 1) {
			*ruid = (uid_t) u;
			have |= 2;
		}
	}
	return have == 3 ? 0 : -1;
}
