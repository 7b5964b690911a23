/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sn_proc - osm-sniffer's /proc reader; see sn_proc.h.
 *
 * The reader (sn_proc_serve) is a loop: one request, checked field by
 * field, one reply.  Both questions end in sn_proc_details(), which reads
 * a process through a descriptor of its /proc directory.  The search for
 * a socket's process (sn_proc_find) and its limits moved here from the
 * sniffer's main process with the capabilities it needs: a flood costs
 * the reader a bounded share of a core whatever the other side asks.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include "osm_clock.h"
#include "osm_msg.h"
#include "osm_sig.h"
#include "osm_priv.h"
#include "osm_proc.h"
#include "sn_proc.h"

struct sn_proc {
	int	fd;
	pid_t	pid;
	uint32_t seq;
	int	late;			/* a request timed out; its answer is due */
	long long warned;
};

/* --- the reader ---------------------------------------------------- */

/* details read lately, by pid: a script that connects again is not read again
 * within SN_PROC_FRESH_MS (its cwd and environment do not change that fast) */
#define SN_PROC_CACHE		256
#define SN_PROC_FRESH_MS	1000
struct sn_proc_cached {
	long long ms;
	uid_t	uids[4];
	struct osm_proc p;
};
static struct sn_proc_cached sn_proc_cache[SN_PROC_CACHE];

/* sn_proc_uid_is - is UID one of the process's uids? */
static int
sn_proc_uid_is(const uid_t uids[4], uid_t uid)
{
	return uids[0] == uid || uids[1] == uid || uids[2] == uid || uids[3] == uid;
}

/* sn_proc_details - the report's fields of PID (its /proc directory DIR),
 * if one of its uids is UID; 0 if found */
static int
sn_proc_details(int dir, long pid, uid_t uid, struct osm_proc *p)
{
	struct sn_proc_cached *c = &sn_proc_cache[(unsigned long) pid % SN_PROC_CACHE];
	long long now = osm_mono_ms();
	uid_t	uids[4];
	long	ppid;

	memset(p, 0, sizeof(*p));
	if (c->p.pid == pid && now - c->ms < SN_PROC_FRESH_MS && sn_proc_uid_is(c->uids, uid)) {
		*p = c->p;
		return 0;
	}
	if (osm_proc_uids_at(dir, uids, &ppid) != 0 || !sn_proc_uid_is(uids, uid))
		return -1;
	if (osm_proc_read_at(dir, pid, p) != 0)
		return -1;
	c->p = *p;
	memcpy(c->uids, uids, sizeof(uids));
	c->ms = now;
	return 0;
}

/* sn_proc_holds - does the process of /proc directory DIR hold socket
 * WANT ("socket:[N]")? */
static int
sn_proc_holds(int dir, const char *want)
{
	char	link[64];
	int	fdd, found = 0;
	DIR    *fds;
	struct dirent *f;

	if ((fdd = openat(dir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if ((fds = fdopendir(fdd)) == NULL) {	/* NULL: it just exited */
		close(fdd);
		return 0;
	}
	while (!found && (f = readdir(fds)) != NULL) {
		ssize_t	n = readlinkat(dirfd(fds), f->d_name, link, sizeof(link) - 1);

		found = n > 0 && (link[n] = 0, !strcmp(link, want));
	}
	closedir(fds);
	return found;
}

/* sn_proc_pid_holds - a descriptor of /proc/PID if PID holds WANT, else -1 */
static int
sn_proc_pid_holds(long pid, const char *want)
{
	int	dir = osm_proc_open(pid);

	if (dir >= 0 && !sn_proc_holds(dir, want)) {
		close(dir);
		dir = -1;
	}
	return dir;
}

/*
 * A script that sends much mail usually does it from one process, or a
 * few: the processes that held the last sockets of a uid are looked at
 * first, and /proc is walked only when none of them holds this one.
 */
#define SN_PROC_RECENT	32
#define SN_PROC_LOOKUPS	10
struct sn_proc_recent {
	uid_t	uid;
	int	streak;			/* the last lookup hit pid[0] */
	long	pid[SN_PROC_RECENT];
};
static struct sn_proc_recent sn_proc_recent[64];

static void
sn_proc_remember(uid_t uid, long pid)
{
	struct sn_proc_recent *r = &sn_proc_recent[uid % 64];
	int	i;

	if (r->uid != uid) {
		memset(r, 0, sizeof(*r));
		r->uid = uid;
		r->streak = 1;
	}
	for (i = 0; i < SN_PROC_RECENT - 1 && r->pid[i] != pid; i++)
		;
	memmove(r->pid + 1, r->pid, (size_t) i * sizeof(r->pid[0]));	/* to the front */
	r->pid[0] = pid;
}

/* sn_proc_scan - the process of UID holding WANT, by walking /proc: a
 * descriptor of its directory, and its pid in *pid; or -1 */
static int
sn_proc_scan(uid_t uid, const char *want, long *pid)
{
	DIR    *d;
	struct dirent *e;
	int	found = -1;

	if ((d = opendir("/proc")) == NULL)
		return -1;
	while (found < 0 && (e = readdir(d)) != NULL) {
		struct stat st;
		char   *end;
		long	n = strtol(e->d_name, &end, 10);

		if (*end || n <= 0 || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0
		    || !S_ISDIR(st.st_mode) || st.st_uid != uid)
			continue;
		if ((found = sn_proc_pid_holds(n, want)) >= 0)
			*pid = n;
	}
	closedir(d);
	return found;
}

/* sn_proc_find - the process of UID holding socket INODE; 0 if found */
static int
sn_proc_find(uid_t uid, unsigned long inode, struct osm_proc *p)
{
	struct sn_proc_recent *r = &sn_proc_recent[uid % 64];
	static long long window;
	static int lookups;
	long long now = osm_mono_ms();
	char	want[40];
	long	found = 0;
	int	dir = -1, ret;

	memset(p, 0, sizeof(*p));
	/* reading fd directories is the cost: at most SN_PROC_LOOKUPS a second,
	 * so a flood costs a bounded share of a core; the account is known
	 * from sock_diag anyway, and a report needs a few processes, not all */
	if (now - window >= 1000)
		window = now, lookups = 0;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	/* while the process that held the uid's last socket keeps holding
	 * the next one (a script sending one message after another), asking
	 * it is free; any other lookup counts */
	int	free_ask = r->uid == uid && r->pid[0] && r->streak;

	if (!free_ask && lookups++ >= SN_PROC_LOOKUPS)
		return -1;
	if (r->uid == uid && r->pid[0] && (dir = sn_proc_pid_holds(r->pid[0], want)) >= 0)
		found = r->pid[0];
	else if (free_ask && lookups++ >= SN_PROC_LOOKUPS) {
		r->streak = 0;
		return -1;
	}
	if (r->uid == uid)
		r->streak = found != 0;
	for (int i = 1; r->uid == uid && i < SN_PROC_RECENT && r->pid[i] && !found; i++)
		if ((dir = sn_proc_pid_holds(r->pid[i], want)) >= 0)
			found = r->pid[i];
	if (!found && (dir = sn_proc_scan(uid, want, &found)) < 0)
		return -1;
	sn_proc_remember(uid, found);
	/* it holds the socket: its uid need not be the socket's (a setuid
	 * program, a descriptor passed on); the scan looked only at UID's */
	ret = osm_proc_read_at(dir, found, p) == 0 ? 0 : -1;
	close(dir);
	return ret;
}

/* sn_proc_check - is this a request the reader answers?  NULL, or why not */
static const char *
sn_proc_check(const struct sn_proc_req *q, ssize_t n)
{
	if (n != (ssize_t) sizeof(*q))
		return "wrong length";
	if (q->magic != SN_PROC_MAGIC)
		return "wrong magic";
	if (q->uid == (uint32_t) -1)
		return "bad uid";
	switch (q->op) {
	case SN_PROC_PID:
		if (q->pid < 1 || q->pid > SN_PROC_PID_MAX)
			return "bad pid";
		if (q->inode != 0)
			return "an inode in a pid request";
		return NULL;
	case SN_PROC_SOCK:
		if (q->pid != 0)
			return "a pid in a socket request";
		if (q->inode == 0)
			return "no inode";
		return NULL;
	default:
		return "unknown operation";
	}
}

/* sn_proc_answer - the reply to a checked request */
static void
sn_proc_answer(const struct sn_proc_req *q, struct sn_proc_rep *rp)
{
	struct osm_proc p;
	int	r = -1;

	if (q->op == SN_PROC_PID) {
		int	dir = osm_proc_open((long) q->pid);

		if (dir >= 0) {
			r = sn_proc_details(dir, (long) q->pid, (uid_t) q->uid, &p);
			close(dir);
		}
	} else
		r = sn_proc_find((uid_t) q->uid, (unsigned long) q->inode, &p);
	if (r != 0)
		return;
	rp->status = SN_PROC_FOUND;
	rp->pid = p.pid;
	/* struct osm_proc's strings are NUL-terminated within the same sizes */
	memcpy(rp->exe, p.exe, sizeof(rp->exe));
	memcpy(rp->cwd, p.cwd, sizeof(rp->cwd));
	memcpy(rp->cmdline, p.cmdline, sizeof(rp->cmdline));
	memcpy(rp->script, p.script, sizeof(rp->script));
}

static void
sn_proc_serve(int fd)
{
	union {
		struct sn_proc_req q;
		char	raw[sizeof(struct sn_proc_req) + 1];	/* one more: a longer one shows */
	} in;
	static struct sn_proc_rep rp;
	long long warned = -1000;
	unsigned long bad = 0;
	const char *why;
	ssize_t	n;

	for (;;) {
		memset(&in, 0, sizeof(in));
		if ((n = recv(fd, &in, sizeof(in), MSG_TRUNC)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;			/* the sniffer is gone (or sent an empty record) */
		memset(&rp, 0, sizeof(rp));
		rp.magic = SN_PROC_MAGIC;
		rp.seq = in.q.seq;
		rp.status = SN_PROC_NONE;
		if ((why = sn_proc_check(&in.q, n)) != NULL) {
			rp.status = SN_PROC_BAD;
			bad++;
			if (osm_mono_ms() - warned >= 1000) {
				osm_msg_warn("/proc reader: request refused (%s, %zd bytes); %lu refused so far",
					     why, n, bad);
				warned = osm_mono_ms();
			}
		} else
			sn_proc_answer(&in.q, &rp);
		if (send(fd, &rp, sizeof(rp), MSG_NOSIGNAL) < 0)
			break;
	}
	_exit(0);
}

/* sn_proc_jail - the reader's process: one descriptor, two capabilities */
static void
sn_proc_jail(int fd, const char *user)
{
	static const int keep[] = {CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH};
	struct rlimit none = {0, 0}, few = {16, 16}, nofile;

	/* syslog's socket goes too (reopened when needed): were it fd 3, the
	 * reader's log lines would go to the sniffer as replies */
	closelog();
	/* nothing of the sniffer's: no capture, no netlink, no osm-policyd */
	if (fd != 3 && (dup2(fd, 3) < 0 || close(fd) < 0))
		osm_msg_fatal("/proc reader: dup2: %m");
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0 || nofile.rlim_cur > 1 << 20)
		nofile.rlim_cur = 1 << 20;
	for (int i = 4; i < (int) nofile.rlim_cur; i++)
		close(i);
	osm_sig_child(NULL);			/* a ^C is the sniffer's; EOF ends us */
	prctl(PR_SET_NAME, "osm-sniff-proc", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
	osm_priv_drop_proc(user);
	osm_priv_limit(keep, 2);		/* also when not started as root */
	if (setrlimit(RLIMIT_NPROC, &none) < 0 || setrlimit(RLIMIT_NOFILE, &few) < 0)
		osm_msg_fatal("/proc reader: setrlimit: %m");
	/* ptrace_may_access and DAC checks need the effective set only; a
	 * dumpable reader could be ptraced by USER's other processes */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

struct sn_proc *
sn_proc_start(const char *user)
{
	struct sn_proc *r = calloc(1, sizeof(*r));
	int	sv[2];

	if (r == NULL)
		osm_msg_fatal("/proc reader: out of memory");
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		osm_msg_fatal("/proc reader: socketpair: %m");
	if ((r->pid = fork()) < 0)
		osm_msg_fatal("/proc reader: fork: %m");
	if (r->pid == 0) {
		close(sv[0]);
		sn_proc_jail(sv[1], user);
		sn_proc_serve(3);
	}
	close(sv[1]);
	r->fd = sv[0];
	r->warned = -60000;
	return r;
}

/* sn_proc_get - a string field of a reply, cut to its field, control
 * characters (an attacker may name a directory so) made spaces: the
 * fields go into log lines and policy requests */
static void
sn_proc_get(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len - 1] = 0;
	for (char *c = dst; *c; c++)
		if ((unsigned char) *c < 0x20 || *c == 0x7f)
			*c = ' ';
}

/* sn_proc_ask - one request, its reply: 0, 1 or -1 as sn_proc.h says */
static int
sn_proc_ask(struct sn_proc *r, uint32_t op, long pid, uid_t uid, unsigned long inode, struct osm_proc *out)
{
	struct sn_proc_req q;
	static struct sn_proc_rep rp;
	long long until;
	ssize_t	n;

	memset(out, 0, sizeof(*out));
	/* a late answer first: it is stale, but the reader is free again */
	while (r->late && (n = recv(r->fd, &rp, sizeof(rp), MSG_DONTWAIT)) != 0) {
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -1;	/* still busy with it: do not queue behind it */
		if (n < 0 && errno != EINTR)
			osm_msg_fatal("/proc reader: %m");
		if (n == (ssize_t) sizeof(rp) && rp.seq == r->seq)
			r->late = 0;
	}
	if (r->late)
		osm_msg_fatal("the /proc reader (pid %ld) exited", (long) r->pid);
	memset(&q, 0, sizeof(q));
	q.magic = SN_PROC_MAGIC;
	q.op = op;
	q.seq = ++r->seq;
	q.uid = (uint32_t) uid;
	q.pid = (uint64_t) pid;
	q.inode = inode;
	if (send(r->fd, &q, sizeof(q), MSG_NOSIGNAL) != (ssize_t) sizeof(q))
		osm_msg_fatal("the /proc reader (pid %ld) exited: %m", (long) r->pid);
	until = osm_mono_ms() + SN_PROC_WAIT_MS;
	for (;;) {
		struct pollfd p = {r->fd, POLLIN, 0};
		long long left = until - osm_mono_ms();

		if (left <= 0 || poll(&p, 1, (int) left) == 0) {
			r->late = 1;
			if (osm_mono_ms() - r->warned >= 60000) {
				osm_msg_warn("the /proc reader did not answer within %d ms; not asked until it does",
					     SN_PROC_WAIT_MS);
				r->warned = osm_mono_ms();
			}
			return -1;
		}
		if ((n = recv(r->fd, &rp, sizeof(rp), MSG_DONTWAIT)) == 0)
			osm_msg_fatal("the /proc reader (pid %ld) exited", (long) r->pid);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			osm_msg_fatal("/proc reader: %m");
		}
		if (n != (ssize_t) sizeof(rp) || rp.magic != SN_PROC_MAGIC)
			osm_msg_panic("/proc reader: a reply of %zd bytes", n);
		if (rp.seq == r->seq)
			break;			/* else the answer to an earlier question */
	}
	if (rp.status != SN_PROC_FOUND || rp.pid <= 0 || rp.pid > SN_PROC_PID_MAX)
		return 1;
	out->pid = (long) rp.pid;
	sn_proc_get(out->exe, rp.exe, sizeof(out->exe));
	sn_proc_get(out->cwd, rp.cwd, sizeof(out->cwd));
	sn_proc_get(out->cmdline, rp.cmdline, sizeof(out->cmdline));
	sn_proc_get(out->script, rp.script, sizeof(out->script));
	return 0;
}

int
sn_proc_pid(struct sn_proc *r, long pid, uid_t uid, struct osm_proc *out)
{
	if (pid < 1 || pid > SN_PROC_PID_MAX || uid == (uid_t) -1) {
		memset(out, 0, sizeof(*out));
		return 1;
	}
	return sn_proc_ask(r, SN_PROC_PID, pid, uid, 0, out);
}

int
sn_proc_sock(struct sn_proc *r, uid_t uid, unsigned long inode, struct osm_proc *out)
{
	if (inode == 0 || uid == (uid_t) -1) {	/* a closed socket: nothing to look for */
		memset(out, 0, sizeof(*out));
		return 1;
	}
	return sn_proc_ask(r, SN_PROC_SOCK, 0, uid, inode, out);
}

int
sn_proc_fd(const struct sn_proc *r)
{
	return r->fd;
}

pid_t
sn_proc_child(const struct sn_proc *r)
{
	return r->pid;
}

void
sn_proc_free(struct sn_proc *r)
{
	if (r == NULL)
		return;
	close(r->fd);
	while (waitpid(r->pid, NULL, 0) < 0 && errno == EINTR)
		;
	free(r);
}
