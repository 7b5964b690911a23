/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_proc - the /proc reader helper; see pd_proc.h.
 *
 * One fixed-size request, one fixed-size reply per datagram, each with
 * the request's number: a reply that comes after its query gave up is
 * told from the next query's and dropped.  The helper exits when the
 * daemon's end closes.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "osm_clock.h"
#include "osm_msg.h"
#include "osm_sig.h"
#include "osm_priv.h"
#include "osm_proc.h"
#include "pd_proc.h"

struct pd_proc_req {
	unsigned long seq;
	long	pid;
	long	child;
	unsigned long uid;
};

struct pd_proc_rep {
	unsigned long seq;
	int	ok;
	struct osm_proc p;
};

static void
pd_proc_serve(int fd)
{
	struct pd_proc_req rq;
	static struct pd_proc_rep rp;
	ssize_t	n;

	while ((n = recv(fd, &rq, sizeof(rq), 0)) != 0) {
		uid_t	ruid;
		long	ppid;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		memset(&rp, 0, sizeof(rp));
		rp.seq = rq.seq;
		/* Only the process that is waiting for this very submission. */
		if (n == sizeof(rq) && rq.pid > 1 && rq.child > 1
		    && osm_proc_status(rq.child, &ruid, &ppid) == 0 && ppid == rq.pid
		    && osm_proc_status(rq.pid, &ruid, &ppid) == 0 && (unsigned long) ruid == rq.uid
		    && osm_proc_read(rq.pid, &rp.p) == 0)
			rp.ok = 1;
		if (send(fd, &rp, sizeof(rp), MSG_NOSIGNAL) < 0)
			break;
	}
	_exit(0);
}

int
pd_proc_start(const char *user)
{
	int	sv[2];
	pid_t	pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		osm_msg_warn("/proc reader: socketpair: %m; scripts of local submissions are not resolved");
		return -1;
	}
	if ((pid = fork()) < 0) {
		osm_msg_warn("/proc reader: fork: %m; scripts of local submissions are not resolved");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		/* Nothing of the daemon's: no listeners, no Redis. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != sv[1])
				close(fd);
		osm_sig_child(NULL);
		osm_priv_drop_proc(user);
		pd_proc_serve(sv[1]);
	}
	close(sv[1]);
	return sv[0];
}

int
pd_proc_query(int fd, long pid, long child, unsigned long uid, struct osm_proc *out, int timeout_ms)
{
	static unsigned long seq;
	struct pd_proc_req rq = {++seq, pid, child, uid};
	static struct pd_proc_rep rp;
	struct pollfd pfd = {fd, POLLIN, 0};
	long long until = osm_mono_ms() + timeout_ms, left;
	ssize_t	n;

	if (send(fd, &rq, sizeof(rq), MSG_NOSIGNAL | MSG_DONTWAIT) != sizeof(rq))
		return errno == EAGAIN || errno == ENOBUFS ? -1 : -2;
	for (;;) {
		if ((n = recv(fd, &rp, sizeof(rp), MSG_DONTWAIT)) == sizeof(rp)) {
			if (rp.seq != rq.seq)
				continue;		/* late: the answer to a query that gave up */
			if (!rp.ok)
				return 1;
			*out = rp.p;
			return 0;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			return -2;
		if ((left = until - osm_mono_ms()) <= 0 || poll(&pfd, 1, (int) left) == 0)
			return -1;
	}
}
