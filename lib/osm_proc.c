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

/* osm_proc_file - a small file of the /proc/PID directory DIR, NULs made
 * spaces (or kept: raw) */
static ssize_t
osm_proc_file(int dir, const char *what, char *buf, size_t len, int raw)
{
	int	fd;
	ssize_t	n;

	if ((fd = openat(dir, what, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
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
osm_proc_link(int dir, const char *what, char *buf, size_t len)
{
	ssize_t	n;

	if ((n = readlinkat(dir, what, buf, len - 1)) > 0)
		buf[n] = 0;
	else
		buf[0] = 0;
}

int
osm_proc_open(long pid)
{
	char	path[64];

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
}

int
osm_proc_read_at(int dir, long pid, struct osm_proc *p)
{
	static char env[65536];
	ssize_t	n;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (pid <= 0 || dir < 0)
		return -1;
	osm_proc_link(dir, "exe", p->exe, sizeof(p->exe));
	osm_proc_link(dir, "cwd", p->cwd, sizeof(p->cwd));
	osm_proc_file(dir, "cmdline", p->cmdline, sizeof(p->cmdline), 0);
	if ((n = osm_proc_file(dir, "environ", env, sizeof(env), 1)) > 0) {
		for (char *e = env; e < env + n; e += strlen(e) + 1)
			if (!strncmp(e, "SCRIPT_FILENAME=", 16)) {
				snprintf(p->script, sizeof(p->script), "%s", e + 16);
				break;
			}
	}
	return p->cmdline[0] || p->exe[0] ? 0 : -1;	/* gone, or not ours to read */
}

int
osm_proc_read(long pid, struct osm_proc *p)
{
	int	dir = osm_proc_open(pid);
	int	r = osm_proc_read_at(dir, pid, p);

	if (dir >= 0)
		close(dir);
	return r;
}

int
osm_proc_uids_at(int dir, uid_t uids[4], long *ppid)
{
	char	buf[4096], *l;
	int	have = 0;

	if (dir < 0 || osm_proc_file(dir, "status", buf, sizeof(buf), 1) <= 0)
		return -1;
	if ((l = strstr(buf, "\nPPid:")) != NULL && sscanf(l + 6, "%ld", ppid) == 1)
		have |= 1;
	if ((l = strstr(buf, "\nUid:")) != NULL) {
		unsigned long u[4];

		if (sscanf(l + 5, "%lu %lu %lu %lu", &u[0], &u[1], &u[2], &u[3]) == 4) {
			for (int i = 0; i < 4; i++)
				uids[i] = (uid_t) u[i];
			have |= 2;
		}
	}
	return have == 3 ? 0 : -1;
}

int
osm_proc_status(long pid, uid_t *ruid, long *ppid)
{
	int	dir = osm_proc_open(pid);
	uid_t	uids[4];
	int	r = osm_proc_uids_at(dir, uids, ppid);

	if (dir >= 0)
		close(dir);
	if (r == 0)
		*ruid = uids[0];
	return r;
}
