/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sn_attr - socket -> uid (sock_diag) -> process (/proc); see sn_attr.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include "osm_clock.h"
#include "osm_pkt.h"
#include "sn_attr.h"

int
sn_attr_open(void)
{
	return socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
}

int
sn_attr_sock(int nl, const struct osm_pkt_syn *s, uid_t *uid, unsigned long *inode)
{
	static unsigned seq;
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 r;
	} q;
	union {
		struct nlmsghdr h;
		char	buf[8192];
	} rep;
	size_t	alen = s->family == AF_INET ? 4 : 16;
	ssize_t	n;

	memset(&q, 0, sizeof(q));
	q.h.nlmsg_len = sizeof(q);
	q.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.h.nlmsg_flags = NLM_F_REQUEST;
	q.h.nlmsg_seq = ++seq;
	q.r.sdiag_family = (unsigned char) s->family;
	q.r.sdiag_protocol = IPPROTO_TCP;
	q.r.idiag_states = ~0U;
	q.r.id.idiag_sport = htons((unsigned short) s->sport);
	q.r.id.idiag_dport = htons((unsigned short) s->dport);
	q.r.id.idiag_cookie[0] = q.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	memcpy(q.r.id.idiag_src, s->src, alen);
	memcpy(q.r.id.idiag_dst, s->dst, alen);
	if (send(nl, &q, sizeof(q), 0) < 0)
		return -1;
	for (;;) {
		struct pollfd p = {nl, POLLIN, 0};

		if (poll(&p, 1, 100) <= 0 || (n = recv(nl, &rep, sizeof(rep), 0)) <= 0)
			return -1;
		for (struct nlmsghdr *h = &rep.h; NLMSG_OK(h, (size_t) n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;	/* a late answer to an earlier question */
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
				return -1;	/* NLMSG_ERROR: -ENOENT, the socket is gone */
			struct inet_diag_msg *m = NLMSG_DATA(h);

			*uid = m->idiag_uid;
			*inode = m->idiag_inode;
			return 0;
		}
	}
}

/* details read lately, by pid: a script that connects again is not read again
 * within SN_ATTR_FRESH_MS (its cwd and environment do not change that fast) */
#define SN_ATTR_CACHE		256
#define SN_ATTR_FRESH_MS	1000
struct sn_attr_cached {
	long long ms;
	struct osm_proc p;
};
static struct sn_attr_cached sn_attr_cache[SN_ATTR_CACHE];

int
sn_attr_pid(long pid, struct osm_proc *p)
{
	long long now = osm_mono_ms();
	struct sn_attr_cached *c = &sn_attr_cache[(unsigned long) pid % SN_ATTR_CACHE];

	if (c->p.pid == pid && now - c->ms < SN_ATTR_FRESH_MS) {
		*p = c->p;
		return 0;
	}
	if (osm_proc_read(pid, p) != 0)
		return -1;
	c->p = *p;
	c->ms = now;
	return 0;
}

/* sn_attr_holds - does process PID hold socket WANT ("socket:[N]")? */
static int
sn_attr_holds(long pid, const char *want)
{
	char	path[64], link[64];
	int	fdd, found = 0;
	DIR    *fds;
	struct dirent *f;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	if ((fdd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
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

/*
 * A script that sends much mail usually does it from one process, or a
 * few: the processes that held the last sockets of a uid are looked at
 * first, and /proc is walked only when none of them holds this one.
 */
#define SN_ATTR_RECENT	32
#define SN_ATTR_LOOKUPS	10
struct sn_attr_recent {
	uid_t	uid;
	int	streak;			/* the last lookup hit pid[0] */
	long	pid[SN_ATTR_RECENT];
};
static struct sn_attr_recent sn_attr_recent[64];

static void
sn_attr_remember(uid_t uid, long pid)
{
	struct sn_attr_recent *r = &sn_attr_recent[uid % 64];

	if (r->uid != uid) {
		memset(r, 0, sizeof(*r));
		r->uid = uid;
		r->streak = 1;
	}
	int	i;

	for (i = 0; i < SN_ATTR_RECENT - 1 && r->pid[i] != pid; i++)
		;
	memmove(r->pid + 1, r->pid, (size_t) i * sizeof(r->pid[0]));	/* to the front */
	r->pid[0] = pid;
}

int
sn_attr_proc(uid_t uid, unsigned long inode, struct osm_proc *p)
{
	struct sn_attr_recent *r = &sn_attr_recent[uid % 64];
	char	want[40];
	DIR    *d;
	struct dirent *e;
	long	found = 0;

	static long long window;
	static int lookups;
	long long now = osm_mono_ms();

	memset(p, 0, sizeof(*p));
	/* reading fd directories is the cost: at most SN_ATTR_LOOKUPS a second,
	 * so a flood costs a bounded share of a core; the account is known
	 * from sock_diag anyway, and a report needs a few processes, not all */
	if (now - window >= 1000)
		window = now, lookups = 0;
	if (inode == 0)
		return -1;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	/* while the process that held the uid's last socket keeps holding
	 * the next one (a script sending one message after another), asking
	 * it is free; any other lookup counts */
	int	free_ask = r->uid == uid && r->pid[0] && r->streak;

	if (!free_ask && lookups++ >= SN_ATTR_LOOKUPS)
		return -1;
	if (r->uid == uid && r->pid[0] && sn_attr_holds(r->pid[0], want))
		found = r->pid[0];
	else if (free_ask && lookups++ >= SN_ATTR_LOOKUPS) {
		r->streak = 0;
		return -1;
	}
	if (r->uid == uid)
		r->streak = found != 0;
	for (int i = 1; r->uid == uid && i < SN_ATTR_RECENT && r->pid[i] && !found; i++)
		if (sn_attr_holds(r->pid[i], want))
			found = r->pid[i];
	if (!found && (d = opendir("/proc")) != NULL) {
		while (!found && (e = readdir(d)) != NULL) {
			struct stat st;
			char   *end;
			long	pid = strtol(e->d_name, &end, 10);

			if (*end || pid <= 0 || fstatat(dirfd(d), e->d_name, &st, 0) != 0 || st.st_uid != uid)
				continue;
			if (sn_attr_holds(pid, want))
				found = pid;
		}
		closedir(d);
	}
	if (!found)
		return -1;
	sn_attr_remember(uid, found);
	sn_attr_pid(found, p);
	return 0;
}
