/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pd_server - the policy server's epoll loop; see pd_server.h.
 *
 * One thread.  Each turn of the loop reads whatever the ready clients
 * sent, parses every complete request (Postfix keeps a connection open
 * and sends many), plans each one (pd_event) and sends all their Redis
 * calls as one batch (pd_store) without waiting.  Up to
 * PD_SERVER_INFLIGHT batches are in flight, so the next batch is read
 * and planned while Redis runs the last; replies go out when a batch's
 * answer arrives, batches in the order they were sent, so each client
 * gets its replies in request order.  The busier the server, the larger
 * the batch and the cheaper each request.  Most requests do not wait for
 * Redis at all: when pd_shadow knows the answer is DUNNO (no verdict,
 * every window well below its level as of Redis's last answer) the reply
 * goes out at the end of the turn and the event follows in the batch;
 * only requests that may change a verdict, or whose sender has one, wait
 * for the script.  A client's replies still keep their order: once one of its
 * requests waits, the ones after it wait too.  The ready clients share a
 * batch evenly (at least PD_SERVER_PER_TURN requests each), so one fast
 * client cannot starve others, and one alone (osm-mainlog catching up)
 * fills whole batches; a client with requests in flight is closed
 * only once they are answered.
 *
 * The loop never blocks on Redis: its wait ends when the oldest reply
 * is due or a reconnect is (pd_store_check, asked after every batch is
 * sent), so redis.timeout_ms holds to the millisecond.  A request whose
 * client has closed its connection before the request was planned (it
 * gave up: Postfix and exim close on their timeout) is neither answered
 * nor counted.
 *
 * SECURITY: a client that breaks the protocol or a limit is logged and
 * disconnected without a reply (SMTPD_POLICY_README: "In case of
 * trouble the policy server must not send a reply"); one that stalls
 * halfway through a request is dropped after limits.request_timeout.
 * Nothing a client sends can stop the loop, and warnings about clients
 * are rate-limited (PD_SERVER_WARN_MAX a second), so neither can a
 * flood of bad ones fill the log.  Out of descriptors, a spare one lets
 * the loop accept and close a new connection at once (or the listeners
 * rest for PD_SERVER_PAUSE_MS) instead of spinning on a listener that
 * stays readable; at start and reload limits.max_clients is reconciled
 * with RLIMIT_NOFILE.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "osm_acct.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_clock.h"
#include "osm_msg.h"
#include "osm_sig.h"
#include "osm_proc.h"
#include "osm_proto.h"
#include "pd_action.h"
#include "pd_event.h"
#include "pd_proc.h"
#include "pd_server.h"
#include "pd_shadow.h"
#include "pd_store.h"

#define PD_SERVER_PER_TURN	32
#define PD_SERVER_MAX_BATCH	256
#define PD_SERVER_INFLIGHT	4
#define PD_SERVER_MAX_OUT	(1 << 20)
#define PD_SERVER_READ		16384
#define PD_SERVER_SHADOW	200000	/* entries of pd_shadow */
#define PD_SERVER_HOLD_MS	2	/* an answered batch waits for more */
#define PD_SERVER_PROC_MS	20	/* the /proc reader's answer */
#define PD_SERVER_PROC_PAUSE_MS	1000	/* not asked after a miss, doubling */
#define PD_SERVER_PROC_PAUSE_MAX 60000
#define PD_SERVER_FDS		64	/* descriptors besides the clients' */
#define PD_SERVER_PAUSE_MS	100	/* listeners rest when out of descriptors */
#define PD_SERVER_WARN_MAX	20	/* client warnings logged a second */

enum pd_server_kind { PD_KIND_LISTENER, PD_KIND_CLIENT, PD_KIND_SIGNAL, PD_KIND_REDIS, PD_KIND_ACTION };

struct pd_listener {
	enum pd_server_kind kind;
	int	fd;
	char	name[160];
};

struct pd_client {
	enum pd_server_kind kind;
	int	fd;
	struct osm_buf *in;
	struct osm_buf *out;
	long long last_ms;		/* monotonic ms of last input */
	long long partial_ms;		/* when a half request began, or 0 */
	int	dead;
	int	eof;			/* peer closed: its requests not yet planned are dropped */
	int	ready;			/* in the ready list */
	int	want_out;		/* replies wait for the socket: EPOLLOUT */
	unsigned watched;		/* the events in the epoll set, 0: not in it */
	unsigned inflight;		/* requests in batches not yet finished */
	unsigned waiting;		/* of those, requests not yet answered */
	struct pd_client *prev, *next;	/* all clients */
	struct pd_client *rnext;	/* ready list */
	char	name[200];
};

struct pd_pending {
	struct pd_client *cl;
	struct pd_plan *plan;
	int	fast;			/* answered before Redis's reply */
	int	plain;			/* counted with RPUSHes, not the script */
	int	redo;			/* its client sends it again if not counted */
};

/*
 * Requests and their Redis calls, until the replies go out.  The batch
 * after the ones in flight stays open across turns as long as every
 * request in it is answered already, for up to PD_SERVER_HOLD_MS:
 * Redis then runs one script for many events instead of one each.
 */
struct pd_batch {
	struct pd_plan *plans[PD_SERVER_MAX_BATCH];
	struct pd_pending pending[PD_SERVER_MAX_BATCH];
	size_t	npend;
	size_t	ncmd, nadds;
	long long opened;		/* monotonic ms of its first request */
	int	waits;			/* a request in it waits for Redis: send now */
	struct pd_cmd *cmds[PD_SERVER_MAX_BATCH * PD_PLAN_MAX_CMDS];
	struct pd_cmd *adds[PD_SERVER_MAX_BATCH * PD_PLAN_MAX_CMDS];
	struct pd_store_result results[PD_SERVER_MAX_BATCH * PD_PLAN_MAX_CMDS];
	struct pd_store_batch sb;
	long long now;
};

struct pd_server_stats {
	unsigned long requests;
	unsigned long fast;		/* answered from pd_shadow */
	unsigned long polled;		/* waits that busy polling answered */
	unsigned long events;
	unsigned long dunno, hold, discard, fail;
	unsigned long reports;
	unsigned long bad_requests;
	unsigned long clients_total;
	unsigned long clients;
	unsigned long refused;
	unsigned long shed;		/* closed at once: out of descriptors */
	unsigned long abandoned;	/* requests whose client closed first */
	unsigned long proc_misses;	/* the /proc reader did not answer in time */
	unsigned long warnings_dropped;
	unsigned long actions_dropped;
};

struct pd_server {
	struct osm_cfg *cfg;
	struct osm_acct *acct;
	struct pd_store *store;
	struct pd_shadow *shadow;
	struct pd_event_ctx ectx;
	char	prefix[160];
	int	epfd;
	int	sigfd;
	struct pd_listener listeners[OSM_MAX_LISTEN];
	int	nlisteners;
	struct pd_client *clients;
	struct pd_client *ready;
	struct pd_batch *batches[PD_SERVER_INFLIGHT];	/* a ring */
	size_t	bhead, nbatch;
	long long last_send;			/* monotonic ms of the last batch sent */
	int	polling;			/* requests come close together: poll */
	int	redis_fd;			/* as registered with epoll */
	unsigned long redis_gen;
	unsigned redis_events;
	struct osm_proto_req req;		/* the request being planned */
	struct pd_server_stats st;
	long long started;
	long long last_tick;
	long long last_acct_check;
	long long last_refused_log;
	long long last_shed_log;
	unsigned max_clients;		/* limits.max_clients, or what RLIMIT_NOFILE allows */
	int	spare_fd;		/* given up to accept and shed when out of descriptors */
	long long listen_paused;	/* monotonic ms the listeners rest until, or 0 */
	long long warn_start;		/* this second of client warnings */
	unsigned warn_count;
	unsigned long warn_dropped;
	long long proc_next;		/* the /proc reader is asked again from then */
	int	proc_pause;		/* ms, after a miss */
	struct pd_action *act;		/* NULL: actions do not run (tests of the engine) */
	int	act_fd;			/* as registered with epoll */
	int	proc_fd;		/* the /proc reader (pd_proc), or -1 */
	int	quit;
};

/*
 * pd_server_listen_unix - a unix socket born with its mode and group.
 * chmod() and chown() by name after bind() would act on whatever the
 * name points to by then; a socket's descriptor cannot change the file
 * bind() made (fchmod/fchown on it reach the socket, not the inode).
 * So the mode comes from the umask and, as root, the group from the
 * effective gid, both in force only around bind(); the result is then
 * checked (a setgid directory would impose its own group).  Not root,
 * the group is set by name: nothing is gained over the caller's own
 * rights then.
 */
static int
pd_server_listen_unix(const struct osm_cfg *cfg, const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	gid_t	gid = (gid_t) -1, egid = getegid();
	mode_t	mode = (mode_t) cfg->socket_mode & 0777, mask;
	int	fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (cfg->socket_group && *cfg->socket_group) {
		struct group *gr = getgrnam(cfg->socket_group);

		if (gr == NULL)
			osm_msg_fatal("socket_group %s: no such group", cfg->socket_group);
		gid = gr->gr_gid;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			osm_msg_fatal("%s exists and is not a socket; refusing to replace it", path);
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		osm_msg_fatal("socket: %m");
	if (geteuid() == 0 && gid != (gid_t) -1 && setegid(gid) < 0)
		osm_msg_fatal("setegid %lu: %m", (unsigned long) gid);
	mask = umask(~mode & 0777);
	r = bind(fd, (struct sockaddr *) &sun, sizeof(sun));
	umask(mask);
	if (getegid() != egid && setegid(egid) < 0)
		osm_msg_fatal("setegid %lu: %m", (unsigned long) egid);
	if (r < 0)
		osm_msg_fatal("bind %s: %m", path);
	if (geteuid() != 0 && gid != (gid_t) -1 && lchown(path, (uid_t) -1, gid) < 0)
		osm_msg_fatal("chown %s: %m", path);
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || (st.st_mode & 0777) != mode
	    || (gid != (gid_t) -1 && st.st_gid != gid))
		osm_msg_fatal("%s: the socket did not come out with mode %04o%s%s (a setgid directory?)", path,
			      (unsigned) mode, gid != (gid_t) -1 ? " and group " : "",
			      gid != (gid_t) -1 ? cfg->socket_group : "");
	return fd;
}

static int
pd_server_listen_inet(const char *host, unsigned port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int	fd, on = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *) &ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t) port);
		inet_pton(AF_INET6, host, &s6->sin6_addr);
		len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *) &ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t) port);
		inet_pton(AF_INET, host, &s4->sin_addr);
		len = sizeof(*s4);
	}
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		osm_msg_fatal("socket: %m");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *) &ss, len) < 0)
		osm_msg_fatal("bind %s port %u: %m", host, port);
	return fd;
}

static void
pd_server_epoll_add(struct pd_server *s, int fd, void *ptr, unsigned events)
{
	struct epoll_event ev;

	ev.events = events;
	ev.data.ptr = ptr;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		osm_msg_fatal("epoll_ctl: %m");
}

static void
pd_server_prefix(struct pd_server *s)
{
	snprintf(s->prefix, sizeof(s->prefix), "%s%s:", s->cfg->prefix, s->cfg->server_name);
	s->ectx.cfg = s->cfg;
	s->ectx.acct = s->acct;
	s->ectx.prefix = s->prefix;
}

/*
 * pd_server_warn - a warning about a client, at most PD_SERVER_WARN_MAX
 * a second; how many more there were is logged with the next one, or
 * by pd_server_warn_flush() once a second.
 */
static void pd_server_warn(struct pd_server *, const char *, ...) OSM_PRINTFLIKE(2, 3);

static void
pd_server_warn_flush(struct pd_server *s, long long now)
{
	if (now - s->warn_start < 1000)
		return;
	if (s->warn_dropped)
		osm_msg_warn("%lu more client warning(s) in %lld ms not logged", s->warn_dropped, now - s->warn_start);
	s->warn_start = now;
	s->warn_count = 0;
	s->warn_dropped = 0;
}

static void
pd_server_warn(struct pd_server *s, const char *fmt, ...)
{
	va_list	ap;

	pd_server_warn_flush(s, osm_mono_ms());
	if (s->warn_count >= PD_SERVER_WARN_MAX) {
		s->warn_dropped++;
		s->st.warnings_dropped++;
		return;
	}
	s->warn_count++;
	va_start(ap, fmt);
	osm_msg_vlog(OSM_MSG_WARN, fmt, ap);
	va_end(ap);
}

/*
 * pd_server_limits - limits.max_clients against RLIMIT_NOFILE: the soft
 * limit is raised as far as the hard one allows; if that is not enough,
 * fewer clients are served, so that accept() never runs out of
 * descriptors and the loop always has some for Redis, the status file
 * and the account tables.
 */
static void
pd_server_limits(struct pd_server *s)
{
	struct rlimit rl;
	rlim_t	need = (rlim_t) s->cfg->max_clients + PD_SERVER_FDS;

	s->max_clients = s->cfg->max_clients;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		struct rlimit want = {need, rl.rlim_max};

		if (rl.rlim_max != RLIM_INFINITY && want.rlim_cur > rl.rlim_max)
			want.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			rl.rlim_cur = want.rlim_cur;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		s->max_clients = rl.rlim_cur > 2 * PD_SERVER_FDS ? (unsigned) (rl.rlim_cur - PD_SERVER_FDS) : PD_SERVER_FDS;
		osm_msg_warn("limits.max_clients %u needs %llu descriptors, but the open-file limit is %llu:"
			     " serving at most %u clients", s->cfg->max_clients, (unsigned long long) need,
			     (unsigned long long) rl.rlim_cur, s->max_clients);
	}
}

/*
 * pd_server_signals - signals arrive through a signalfd in the loop.  Set
 * up here, after any daemonizing fork: a signalfd in an epoll set wakes
 * only for the process that added it.
 */
static void
pd_server_signals(struct pd_server *s)
{
	static enum pd_server_kind sigkind = PD_KIND_SIGNAL;
	sigset_t mask;

	osm_sig_block(&mask, 1);
	s->sigfd = osm_sig_fd(&mask);
	pd_server_epoll_add(s, s->sigfd, &sigkind, EPOLLIN);
}

struct pd_server *
pd_server_new(struct osm_cfg *cfg)
{
	struct pd_server *s;
	sigset_t mask;

	/* Blocked from the start (the mask survives fork), so a signal sent
	 * as soon as the socket exists waits for the loop's signalfd. */
	osm_sig_block(&mask, 1);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		osm_msg_fatal("out of memory");
	s->cfg = cfg;
	if ((s->acct = osm_acct_load(cfg->userdomains, cfg->min_uid)) == NULL)
		osm_msg_fatal("cannot load account tables");
	if ((s->store = pd_store_new(cfg)) == NULL || (s->shadow = pd_shadow_new(PD_SERVER_SHADOW)) == NULL)
		osm_msg_fatal("out of memory");
	s->ectx.seq = (unsigned long) osm_wall_ms();
	pd_server_prefix(s);
	if ((s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		osm_msg_fatal("epoll_create1: %m");
	for (int i = 0; i < cfg->nlisten; i++) {
		struct pd_listener *l = &s->listeners[s->nlisteners++];
		const struct osm_listen *c = &cfg->listen[i];

		l->kind = PD_KIND_LISTENER;
		if (c->kind == OSM_LISTEN_UNIX) {
			l->fd = pd_server_listen_unix(cfg, c->path);
			snprintf(l->name, sizeof(l->name), "unix:%s", c->path);
		} else {
			l->fd = pd_server_listen_inet(c->host, c->port);
			snprintf(l->name, sizeof(l->name), "inet:%s:%u", c->host, c->port);
		}
		if (listen(l->fd, 1024) < 0)
			osm_msg_fatal("listen %s: %m", l->name);
		pd_server_epoll_add(s, l->fd, l, EPOLLIN);
	}
	s->sigfd = -1;
	s->redis_fd = -1;
	s->act_fd = -1;
	s->proc_fd = -1;
	for (int b = 0; b < PD_SERVER_INFLIGHT; b++) {
		if ((s->batches[b] = calloc(1, sizeof(struct pd_batch))) == NULL)
			osm_msg_fatal("out of memory");
		for (int i = 0; i < PD_SERVER_MAX_BATCH; i++)
			if ((s->batches[b]->plans[i] = pd_plan_new()) == NULL)
				osm_msg_fatal("out of memory");
	}
	/* The one descriptor given up to shed a connection when out of them. */
	if ((s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		osm_msg_fatal("open /dev/null: %m");
	pd_server_limits(s);
	s->started = osm_wall_ms();
	return s;
}

/*
 * pd_server_watch_client - what epoll watches for a client: input until
 * it has closed, output while replies wait.  A client that has closed
 * leaves the set (a closed socket stays readable, and would wake the
 * loop at every turn until its requests in flight are answered).
 */
static void
pd_server_watch_client(struct pd_server *s, struct pd_client *cl)
{
	unsigned want = (cl->eof ? 0 : EPOLLIN | EPOLLRDHUP) | (cl->want_out ? EPOLLOUT : 0);
	struct epoll_event ev = {want, {.ptr = cl}};

	if (want == cl->watched)
		return;
	if (want == 0)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	else if (epoll_ctl(s->epfd, cl->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, cl->fd, &ev) < 0) {
		pd_server_warn(s, "client %s: epoll_ctl: %m; disconnecting", cl->name);
		cl->dead = 1;
	}
	cl->watched = want;
}

static void
pd_server_close(struct pd_server *s, struct pd_client *cl)
{
	if (cl->watched)	/* a forked child may hold the socket open too */
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		s->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	osm_buf_free(cl->in);
	osm_buf_free(cl->out);
	free(cl);
	s->st.clients--;
}

/* pd_server_listen_rest - stop or resume watching the listeners */
static void
pd_server_listen_rest(struct pd_server *s, int rest)
{
	for (int i = 0; i < s->nlisteners; i++) {
		struct epoll_event ev = {rest ? 0 : EPOLLIN, {.ptr = &s->listeners[i]}};

		epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->listeners[i].fd, &ev);
	}
	s->listen_paused = rest ? osm_mono_ms() + PD_SERVER_PAUSE_MS : 0;
}

/*
 * pd_server_shed - accept() found no descriptor free: the connection
 * waiting would keep the listener readable and the loop spinning.  The
 * spare descriptor makes room to accept it and close it at once (its
 * client sees the connection close, as with limits.max_clients); if the
 * spare cannot be had back, the listeners rest for PD_SERVER_PAUSE_MS.
 * Returns 0 to go on accepting.
 */
static int
pd_server_shed(struct pd_server *s, struct pd_listener *l)
{
	long long now = osm_mono_ms();
	int	fd = -1, gone = 0;

	if (s->spare_fd >= 0) {
		close(s->spare_fd);
		if ((fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			close(fd);
			s->st.shed++;
		} else
			gone = errno == EAGAIN || errno == ECONNABORTED;	/* nothing waits now */
		s->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (s->spare_fd >= 0 && gone)
		return -1;
	if (now - s->last_shed_log > 1000) {
		osm_msg_warn("%s: out of file descriptors (%lu clients connected); %s", l->name, s->st.clients,
			     s->spare_fd >= 0 ? "closing new connections at once" : "not accepting for a while");
		s->last_shed_log = now;
	}
	if (s->spare_fd >= 0 && fd >= 0)
		return 0;
	pd_server_listen_rest(s, 1);
	return -1;
}

static void
pd_server_accept(struct pd_server *s, struct pd_listener *l)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		int	fd = accept4(l->fd, (struct sockaddr *) &ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct pd_client *cl;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				if (pd_server_shed(s, l) == 0)
					continue;
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				pd_server_warn(s, "accept %s: %m", l->name);
			return;
		}
		if (s->st.clients >= s->max_clients) {
			long long now = osm_mono_ms();

			s->st.refused++;
			if (now - s->last_refused_log > 1000) {
				osm_msg_warn("%s: %u clients connected (limits.max_clients); refusing more", l->name,
					     s->max_clients);
				s->last_refused_log = now;
			}
			close(fd);
			continue;
		}
		if ((cl = calloc(1, sizeof(*cl))) == NULL
		    || (cl->in = osm_buf_new(s->cfg->max_request + PD_SERVER_READ)) == NULL
		    || (cl->out = osm_buf_new(PD_SERVER_MAX_OUT)) == NULL) {
			pd_server_warn(s, "out of memory accepting a client");
			if (cl) {
				osm_buf_free(cl->in);
				free(cl);
			}
			close(fd);
			continue;
		}
		cl->kind = PD_KIND_CLIENT;
		cl->fd = fd;
		cl->last_ms = osm_mono_ms();
		if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
			char	addr[INET6_ADDRSTRLEN] = "?";
			int	on = 1;

			if (ss.ss_family == AF_INET)
				inet_ntop(AF_INET, &((struct sockaddr_in *) &ss)->sin_addr, addr, sizeof(addr));
			else
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *) &ss)->sin6_addr, addr, sizeof(addr));
			snprintf(cl->name, sizeof(cl->name), "%s", addr);
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
		} else
			snprintf(cl->name, sizeof(cl->name), "%s fd %d", l->name, fd);
		cl->next = s->clients;
		if (s->clients)
			s->clients->prev = cl;
		s->clients = cl;
		s->st.clients++;
		s->st.clients_total++;
		pd_server_watch_client(s, cl);
		if (cl->dead) {
			pd_server_close(s, cl);
			continue;
		}
	}
}

static void
pd_server_mark_ready(struct pd_server *s, struct pd_client *cl)
{
	if (!cl->ready) {
		cl->ready = 1;
		cl->rnext = s->ready;
		s->ready = cl;
	}
}

/*
 * pd_server_read - drain the socket into the input buffer.  When epoll
 * said the peer closed (HUP), read on to the end of file: the requests
 * read with it were given up on.
 */
static void
pd_server_read(struct pd_server *s, struct pd_client *cl, int hup)
{
	for (;;) {
		char   *dst = osm_buf_reserve(cl->in, PD_SERVER_READ);
		ssize_t	n;

		if (dst == NULL) {
			/* Full: the parser will reject the oversized request. */
			pd_server_mark_ready(s, cl);
			return;
		}
		n = read(cl->fd, dst, PD_SERVER_READ);
		if (n > 0) {
			osm_buf_commit(cl->in, (size_t) n);
			cl->last_ms = osm_mono_ms();
			pd_server_mark_ready(s, cl);
			if (n < PD_SERVER_READ && !hup)
				return;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0 && errno != ECONNRESET)
			pd_server_warn(s, "client %s: read: %m", cl->name);
		cl->eof = 1;
		pd_server_watch_client(s, cl);
		pd_server_mark_ready(s, cl);
		return;
	}
}

/* pd_server_flush - write pending replies; arm EPOLLOUT if the peer is slow */
static void
pd_server_flush(struct pd_server *s, struct pd_client *cl)
{
	while (osm_buf_len(cl->out) > 0) {
		ssize_t	n = write(cl->fd, osm_buf_data(cl->out), osm_buf_len(cl->out));

		if (n > 0) {
			osm_buf_consume(cl->out, (size_t) n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			cl->want_out = 1;
			pd_server_watch_client(s, cl);
			return;
		}
		cl->dead = 1;
		return;
	}
	cl->want_out = 0;
	pd_server_watch_client(s, cl);
}

/* pd_server_dunno - the answer when nothing stands against the sender */
static void
pd_server_dunno(struct pd_server *s, struct pd_client *cl)
{
	s->st.dunno++;
	if (osm_proto_reply(cl->out, "DUNNO", NULL) != 0) {
		pd_server_warn(s, "client %s: not reading its replies; disconnecting", cl->name);
		cl->dead = 1;
	}
}

/* pd_server_fired - log the reports a request fired and queue their actions */
static void
pd_server_fired(struct pd_server *s, const struct pd_plan *plan, const struct pd_store_result *res)
{
	for (int i = 0; i < plan->ncmd; i++) {
		for (int j = 0; j < res[i].nids; j++) {
			s->st.reports++;
			osm_msg_info("report %s: %s exceeded a trigger%s%s", res[i].ids[j], plan->who,
				     res[i].verdict[0] ? "; verdict " : "", res[i].verdict);
			if (s->act && pd_action_submit(s->act, res[i].ids[j], plan->cmd[i].tag) != 0) {
				s->st.actions_dropped++;
				osm_msg_warn("report %s: the action queue is full (actions.queue %u) or its worker is down; stored, its actions do not run",
					     res[i].ids[j], s->cfg->action_queue);
			}
		}
	}
}

/* pd_server_reply - the answer for one request that waited for Redis */
static void
pd_server_reply(struct pd_server *s, struct pd_pending *pe, struct pd_store_result *res, int store_ok)
{
	struct pd_client *cl = pe->cl;
	const char *best = "";
	char	kind[16], field[320], id[40], text[400];
	int	r, discard;

	if (pe->plan->ncmd > 0 && !store_ok) {
		s->st.fail++;
		if (pe->redo)
			r = osm_proto_reply(cl->out, "DEFER", "osm: not counted (Redis unavailable), send it again");
		else if (!s->cfg->fail_closed) {
			pd_server_dunno(s, cl);
			return;
		} else
			r = osm_proto_reply(cl->out, "DEFER", "osm: policy service unavailable, try again later");
	} else {
		for (int i = 0; i < pe->plan->ncmd; i++)
			if (res[i].verdict[0] && (best[0] == 0 || strncmp(res[i].verdict, "DISCARD", 7) == 0))
				best = res[i].verdict;
		if (best[0] == 0 || s->cfg->monitor || sscanf(best, "%15s %319s %39s", kind, field, id) != 3) {
			pd_server_dunno(s, cl);
			return;
		}
		discard = strcmp(kind, "DISCARD") == 0;
		snprintf(text, sizeof(text), "osm: %s %s by report %s", field,
			 discard ? "discarded" : "held", id);
		if (discard)
			s->st.discard++;
		else
			s->st.hold++;
		r = osm_proto_reply(cl->out, discard ? "DISCARD" : "HOLD", text);
	}
	if (r != 0) {
		pd_server_warn(s, "client %s: not reading its replies; disconnecting", cl->name);
		cl->dead = 1;
	}
}

/* pd_server_reap - close clients that are finished, once nothing is in flight for them */
static void
pd_server_reap(struct pd_server *s)
{
	struct pd_client *cl, *next;

	for (cl = s->clients; cl; cl = next) {
		next = cl->next;
		if (cl->inflight)
			continue;
		if (cl->eof && !cl->ready && !cl->dead) {
			if (osm_buf_len(cl->in) > 0)
				pd_server_warn(s, "client %s: disconnected in the middle of a request", cl->name);
			cl->dead = 1;
		}
		if (cl->dead) {
			if (cl->ready) {
				/* unlink from the ready list */
				struct pd_client **pp = &s->ready;

				while (*pp && *pp != cl)
					pp = &(*pp)->rnext;
				if (*pp)
					*pp = cl->rnext;
			}
			pd_server_close(s, cl);
		}
	}
}

/* pd_server_deliver - answer every finished batch at the head of the ring */
static void
pd_server_deliver(struct pd_server *s)
{
	int	any = 0;

	while (s->nbatch > 0) {
		struct pd_batch *b = s->batches[s->bhead];
		int	store_ok = b->sb.state == PD_STORE_DONE;
		const char *ids[64], *tags[64], *types[64];
		size_t	nfired = 0, ri = 0;

		if (b->sb.state == PD_STORE_SENT)
			break;
		long long mono = osm_mono_ms();

		for (size_t i = 0; i < b->npend; i++) {
			struct pd_pending *pe = &b->pending[i];
			struct pd_plan *plan = pe->plan;
			struct pd_store_result *res = &b->results[ri];

			pe->cl->inflight--;
			if (pe->plain) {
				pd_shadow_done(s->shadow, plan, NULL, store_ok && !b->sb.adds_failed, mono);
				continue;
			}
			for (int c = 0; store_ok && c < plan->ncmd; c++)
				for (int j = 0; j < res[c].nids && nfired < 64; j++) {
					ids[nfired] = res[c].ids[j];
					types[nfired] = res[c].types[j];
					tags[nfired++] = plan->cmd[c].tag;
				}
			pd_shadow_done(s->shadow, plan, res, store_ok, mono);
			if (store_ok)
				pd_server_fired(s, plan, res);
			if (!pe->fast) {
				pd_server_reply(s, pe, res, store_ok);
				pe->cl->waiting--;
			}
			ri += (size_t) plan->ncmd;
		}
		if (nfired)
			pd_store_index(s->store, s->prefix, b->now, ids, tags, types, nfired);
		for (size_t i = 0; i < b->npend; i++) {
			struct pd_client *cl = b->pending[i].cl;

			if (!cl->dead && osm_buf_len(cl->out) > 0)
				pd_server_flush(s, cl);
		}
		b->npend = b->ncmd = b->nadds = 0;
		s->bhead = (s->bhead + 1) % PD_SERVER_INFLIGHT;
		s->nbatch--;
		any = 1;
	}
	if (any)
		pd_server_reap(s);
}

void
pd_server_set_proc(struct pd_server *s, int fd)
{
	s->proc_fd = fd;
}

static long
pd_server_number(const struct osm_proto_req *req, const char *name)
{
	const char *v = osm_proto_get(req, name);
	char   *end;
	long	n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	n = strtol(v, &end, 10);
	return *end == 0 ? n : -1;
}

/*
 * pd_server_resolve - a local submission from the exim module names the
 * process that ran sendmail (ppid) and exim's (pid): the /proc reader
 * adds that process's executable, cwd and SCRIPT_FILENAME, which exim
 * could not read.  The loop waits for it, so not for long: after a miss
 * (a machine so busy the reader was not scheduled in time, a /proc read
 * that blocked) it is not asked for a pause, which doubles while it
 * keeps missing, and the requests meanwhile go without; one that is
 * gone is not asked again.
 */
static void
pd_server_resolve(struct pd_server *s, struct osm_proto_req *req)
{
	static struct osm_proc p;
	const char *src = osm_proto_get(req, "source");
	long	ppid, pid, uid;
	int	r;

	if (src == NULL || strcmp(src, "exim") != 0)
		return;
	ppid = pd_server_number(req, "ppid");
	pid = pd_server_number(req, "pid");
	uid = pd_server_number(req, "uid");
	if (ppid <= 1 || pid <= 1 || uid < 0)
		return;
	long long now = osm_mono_ms();

	if (now < s->proc_next)
		return;
	if ((r = pd_proc_query(s->proc_fd, ppid, pid, (unsigned long) uid, &p, PD_SERVER_PROC_MS)) == -2) {
		osm_msg_warn("the /proc reader is gone; scripts of local submissions are no longer resolved");
		close(s->proc_fd);
		s->proc_fd = -1;
		return;
	}
	if (r < 0) {
		s->st.proc_misses++;
		s->proc_pause = s->proc_pause ? s->proc_pause * 2 : PD_SERVER_PROC_PAUSE_MS;
		if (s->proc_pause > PD_SERVER_PROC_PAUSE_MAX)
			s->proc_pause = PD_SERVER_PROC_PAUSE_MAX;
		s->proc_next = osm_mono_ms() + s->proc_pause;
		osm_msg_warn("the /proc reader did not answer within %d ms; scripts of local submissions are not resolved for %d ms",
			     PD_SERVER_PROC_MS, s->proc_pause);
		return;
	}
	s->proc_pause = 0;
	if (r > 0)
		return;
	if (p.script[0] == '/')
		osm_proto_set(req, "script", p.script);
	if (p.exe[0])
		osm_proto_set(req, "exe", p.exe);
	if (p.cwd[0])
		osm_proto_set(req, "parent_cwd", p.cwd);
}

/*
 * pd_server_send - send the open batch to Redis if it is due (or force):
 * a request in it waits, it is full, it has been open long enough, or
 * Redis has had nothing to do for that long (a lone event goes at once).
 * Returns ms until it is due, or -1 when nothing is open.
 */
static int
pd_server_send(struct pd_server *s, int force)
{
	struct pd_batch *b;
	long long now, left;

	if (s->nbatch == PD_SERVER_INFLIGHT)
		return -1;
	b = s->batches[(s->bhead + s->nbatch) % PD_SERVER_INFLIGHT];
	if (b->npend == 0)
		return -1;
	now = osm_mono_ms();
	left = b->opened + PD_SERVER_HOLD_MS - now;
	if (!force && !b->waits && b->npend < PD_SERVER_MAX_BATCH && left > 0
	    && (s->nbatch > 0 || now - s->last_send < PD_SERVER_HOLD_MS))
		return (int) left;
	s->last_send = now;
	b->sb.cmds = b->cmds;
	b->sb.n = b->ncmd;
	b->sb.results = b->results;
	b->sb.adds = b->adds;
	b->sb.nadds = b->nadds;
	s->nbatch++;
	pd_store_send(s->store, &b->sb);	/* may finish at once: no calls, or no Redis */
	pd_server_deliver(s);
	return -1;
}

/*
 * pd_server_turn - parse and plan everything the ready clients sent, and
 * answer what is known; the rest waits in the open batch.  Returns 1 if
 * requests were left for another turn.
 */
static int
pd_server_turn(struct pd_server *s)
{
	struct osm_proto_limits lim = {s->cfg->max_line, s->cfg->max_attrs, s->cfg->max_request};
	struct osm_proto_req *req = &s->req;
	struct pd_client *cl, *next, *again = NULL, *done = NULL;
	struct pd_batch *b;
	long long mono = osm_mono_ms();
	int	backlog = 0;

	if (s->nbatch == PD_SERVER_INFLIGHT)
		return 0;			/* Redis's answer wakes the loop */
	b = s->batches[(s->bhead + s->nbatch) % PD_SERVER_INFLIGHT];
	if (b->npend == 0) {
		b->opened = mono;
		b->waits = 0;
		pd_store_fd(s->store, &b->sb.gen);
	}
	b->now = osm_wall_ms();
	size_t	nready = 0, per_turn;

	for (cl = s->ready; cl; cl = cl->rnext)
		nready++;
	per_turn = PD_SERVER_MAX_BATCH / (nready ? nready : 1);
	if (per_turn < PD_SERVER_PER_TURN)
		per_turn = PD_SERVER_PER_TURN;
	for (cl = s->ready, s->ready = NULL; cl; cl = next) {
		size_t	handled = 0;

		next = cl->rnext;
		cl->ready = 0;
		while (!cl->dead && osm_buf_len(cl->in) > 0 && b->npend < PD_SERVER_MAX_BATCH) {
			const char *why;
			size_t	used;
			int	r;

			if (handled == per_turn) {
				cl->rnext = again, again = cl, cl->ready = 1, backlog = 1;
				break;
			}
			r = osm_proto_parse(osm_buf_data(cl->in), osm_buf_len(cl->in), &lim, req, &used, &why);
			if (r == OSM_PROTO_MORE) {
				if (cl->partial_ms == 0)
					cl->partial_ms = mono;
				break;
			}
			if (r == OSM_PROTO_ERR) {
				pd_server_warn(s, "client %s: bad request (%s); disconnecting", cl->name, why);
				s->st.bad_requests++;
				cl->dead = 1;
				break;
			}
			cl->partial_ms = 0;
			if (cl->eof) {
				/* Its client gave up on it: not counted, not answered. */
				s->st.abandoned++;
				osm_buf_consume(cl->in, used);
				continue;
			}
			struct pd_plan *plan = b->plans[b->npend];

			if (s->proc_fd >= 0)
				pd_server_resolve(s, req);

			if (pd_event_plan(&s->ectx, req, b->now, plan, 0, &why) != 0) {
				pd_server_warn(s, "client %s: bad request (%s); disconnecting", cl->name, why);
				s->st.bad_requests++;
				cl->dead = 1;
				break;
			}
			handled++;
			s->st.requests++;
			if (plan->ncmd > 0 && plan->count)
				s->st.events++;
			/* osm-mainlog reads after the fact and sends again what
			 * was not counted: it waits for the count. */
			const char *src = osm_proto_get(req, "source");
			int	redo = src && strcmp(src, "mainlog") == 0;
			/* Known to be DUNNO: answer now, count in Redis behind it. */
			int	fast = !redo && cl->waiting == 0 && pd_store_up(s->store)
				&& pd_shadow_clear(s->shadow, plan, mono);
			/* It fires nothing: a plain RPUSH counts it, no script. */
			int	plain = fast && plan->plain;
			int	sent = !fast || plan->count;	/* Redis has work to do */

			/* The script after all: its whole call (req is still in
			 * cl->in; the same request cannot fail twice). */
			if (sent && !plain && !plan->script)
				(void) pd_event_plan(&s->ectx, req, b->now, plan, 1, &why);
			osm_buf_consume(cl->in, used);
			if (fast) {
				s->st.fast++;
				pd_server_dunno(s, cl);
			} else {
				cl->waiting++;
				b->waits = 1;
			}
			if (!sent)
				continue;

			pd_shadow_sent(s->shadow, plan, fast, plain, mono);
			b->pending[b->npend].cl = cl;
			b->pending[b->npend].plan = plan;
			b->pending[b->npend].fast = fast;
			b->pending[b->npend].plain = plain;
			b->pending[b->npend].redo = redo;
			b->npend++;
			cl->inflight++;
			for (int i = 0; i < plan->ncmd; i++)
				if (plain)
					b->adds[b->nadds++] = &plan->cmd[i];
				else
					b->cmds[b->ncmd++] = &plan->cmd[i];
		}
		if (b->npend == PD_SERVER_MAX_BATCH && !cl->ready && osm_buf_len(cl->in) > 0 && !cl->dead)
			cl->rnext = again, again = cl, cl->ready = 1, backlog = 1;
		else if (!cl->ready)
			cl->rnext = done, done = cl;
	}
	/* The turn's replies go out together, so a client reading many
	 * connections wakes once for them, not once for each. */
	for (cl = done; cl; cl = cl->rnext)
		if (!cl->dead && osm_buf_len(cl->out) > 0)
			pd_server_flush(s, cl);
	/* Clients left for the next turn go back on the ready list. */
	for (cl = again; cl; cl = next) {
		next = cl->rnext;
		if (!cl->dead && osm_buf_len(cl->out) > 0)
			pd_server_flush(s, cl);
		cl->rnext = s->ready;
		s->ready = cl;
	}
	pd_server_send(s, 0);
	pd_server_reap(s);
	return backlog;
}

/* pd_server_watch_redis - keep the Redis socket in the epoll set, with EPOLLOUT as needed */
static void
pd_server_watch_redis(struct pd_server *s)
{
	static enum pd_server_kind rkind = PD_KIND_REDIS;
	unsigned long gen;
	int	fd = pd_store_fd(s->store, &gen);
	unsigned want = EPOLLIN | (pd_store_want_write(s->store) ? EPOLLOUT : 0);
	struct epoll_event ev = {want, {.ptr = &rkind}};

	if (fd < 0) {
		s->redis_fd = -1;		/* closing it left the epoll set */
		return;
	}
	if (s->redis_fd < 0 || gen != s->redis_gen) {
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			osm_msg_fatal("epoll_ctl redis: %m");
		pd_shadow_reconnected(s->shadow);
	} else if (want != s->redis_events)
		epoll_ctl(s->epfd, EPOLL_CTL_MOD, fd, &ev);
	else
		return;
	s->redis_fd = fd;
	s->redis_gen = gen;
	s->redis_events = want;
}

/* pd_server_status - write the status file atomically */
static void
pd_server_status(struct pd_server *s)
{
	char	tmp[4200];
	FILE   *fp;
	struct pd_store_stats st;

	if (s->cfg->status_file == NULL || *s->cfg->status_file == 0)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->cfg->status_file);
	if ((fp = fopen(tmp, "w")) == NULL)
		return;
	pd_store_stats(s->store, &st);
	fprintf(fp, "pid=%ld\nstarted=%lld\nupdated=%lld\nserver=%s\nmode=%s\nfail=%s\nconfig=%s\n"
		"redis=%s\nredis_up=%d\nredis_outages=%lu\nredis_errors=%lu\nbatches=%lu\n"
		"requests=%lu\nanswered_from_memory=%lu\nbusy_polls=%lu\nevents=%lu\ndunno=%lu\nhold=%lu\ndiscard=%lu\nfailed=%lu\n"
		"reports=%lu\nbad_requests=%lu\nclients=%lu\nclients_total=%lu\nrefused=%lu\n"
		"max_clients=%u\nshed=%lu\nabandoned=%lu\nproc_misses=%lu\nwarnings_dropped=%lu\n"
		"actions_dropped=%lu\n",
		s->ectx.pid, s->started / 1000, osm_wall_ms() / 1000, s->cfg->server_name,
		s->cfg->monitor ? "monitor" : "enforce", s->cfg->fail_closed ? "closed" : "open",
		s->cfg->file, s->cfg->redis, st.up, st.outages, st.errors, st.batches,
		s->st.requests, s->st.fast, s->st.polled, s->st.events, s->st.dunno, s->st.hold, s->st.discard, s->st.fail,
		s->st.reports, s->st.bad_requests, s->st.clients, s->st.clients_total, s->st.refused,
		s->max_clients, s->st.shed, s->st.abandoned, s->st.proc_misses, s->st.warnings_dropped,
		s->st.actions_dropped);
	if (fclose(fp) != 0 || rename(tmp, s->cfg->status_file) != 0)
		unlink(tmp);
}

/* pd_server_tick - once a second: timeouts, status, account tables */
static void
pd_server_tick(struct pd_server *s)
{
	long long now = osm_mono_ms();
	struct pd_client *cl, *next;

	for (cl = s->clients; cl; cl = next) {
		next = cl->next;
		if (cl->ready || cl->inflight)
			continue;
		if (cl->partial_ms && now - cl->partial_ms > s->cfg->request_timeout * 1000LL) {
			pd_server_warn(s, "client %s: request not finished within %u s; disconnecting",
				     cl->name, s->cfg->request_timeout);
			s->st.bad_requests++;
			pd_server_close(s, cl);
		} else if (now - cl->last_ms > s->cfg->idle_timeout * 1000LL)
			pd_server_close(s, cl);
	}
	if (now - s->last_acct_check >= 10000) {
		s->last_acct_check = now;
		if (osm_acct_stale(s->acct)) {
			struct osm_acct *a = osm_acct_load(s->cfg->userdomains, s->cfg->min_uid);

			if (a) {
				osm_acct_free(s->acct);
				s->acct = a;
				pd_server_prefix(s);
				osm_msg_info("account tables reloaded");
			}
		}
	}
	pd_shadow_expire(s->shadow, now);
	pd_server_warn_flush(s, now);
	pd_server_status(s);
	s->last_tick = now;
}

/* pd_server_watch_action - the worker's descriptor changes when it restarts */
static void
pd_server_watch_action(struct pd_server *s)
{
	static enum pd_server_kind actkind = PD_KIND_ACTION;
	int	fd = pd_action_fd(s->act);

	if (fd == s->act_fd)
		return;
	s->act_fd = fd;			/* a closed one left the epoll set by itself */
	if (fd >= 0)
		pd_server_epoll_add(s, fd, &actkind, EPOLLIN);
}

void
pd_server_set_actions(struct pd_server *s, struct pd_action *act)
{
	s->act = act;
}

static void
pd_server_signal(struct pd_server *s, pd_server_reload_fn *reload)
{
	struct signalfd_siginfo si;

	while (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			struct osm_cfg *nc = reload();

			if (nc == NULL)
				continue;
			if (nc->nlisten != s->cfg->nlisten || strcmp(nc->user ? nc->user : "", s->cfg->user ? s->cfg->user : ""))
				osm_msg_warn("listen and user changes take effect at the next restart");
			struct osm_acct *a = osm_acct_load(nc->userdomains, nc->min_uid);

			if (a == NULL) {
				osm_msg_warn("reload: cannot load account tables; keeping the old configuration");
				osm_cfg_free(nc);
				continue;
			}
			osm_acct_free(s->acct);
			s->acct = a;
			pd_store_config(s->store, nc);
			pd_action_config(s->act, nc);
			pd_action_signal(s->act, SIGHUP);
			osm_cfg_free(s->cfg);
			s->cfg = nc;
			pd_server_prefix(s);
			pd_server_limits(s);
			osm_msg_info("configuration %s reloaded", nc->file);
		} else {
			osm_msg_info("signal %u: exiting", si.ssi_signo);
			s->quit = 1;
		}
	}
}

/*
 * pd_server_wait - epoll_wait, but while requests come close together,
 * poll for up to busy_poll_us before going to sleep.  Waking a process
 * that sleeps costs tens of microseconds on a virtual machine, more
 * than answering a request, and a client that sends one request at a
 * time (exim, Postfix's policy client) pays it on every request.  The
 * next wait polls only when the last one ended by an event within
 * busy_poll_us, so a quiet server never polls, and each empty poll
 * yields the core, so Redis or a client with work on it runs first.
 */
static int
pd_server_wait(struct pd_server *s, struct epoll_event *evs, int max, int wait_ms)
{
	long long spin = s->cfg->busy_poll_us, t0;
	int	n;

	if (wait_ms == 0 || spin == 0)
		return epoll_wait(s->epfd, evs, max, wait_ms);
	t0 = osm_mono_us();
	if (s->polling) {
		long long until = t0 + spin;

		do {
			if ((n = epoll_wait(s->epfd, evs, max, 0)) != 0) {
				s->st.polled += n > 0;
				return n;
			}
			sched_yield();
		} while ((t0 = osm_mono_us()) < until);
	}
	n = epoll_wait(s->epfd, evs, max, wait_ms);
	s->polling = n > 0 && osm_mono_us() - t0 < spin;
	return n;
}

void
pd_server_run(struct pd_server *s, pd_server_reload_fn *reload)
{
	struct epoll_event evs[256];
	int	backlog = 0;

	pd_server_signals(s);

	s->ectx.pid = (long) getpid();		/* after any daemonizing fork */
	pd_store_check(s->store);		/* starts connecting */
	pd_server_status(s);
	s->last_tick = osm_mono_ms();
	for (;;) {
		if (s->quit) {
			pd_server_send(s, 1);	/* answered events are still counted */
			if (s->nbatch == 0)
				break;
		}
		int	wait = backlog ? 0 : 1000;
		int	due = pd_server_send(s, 0);

		pd_server_deliver(s);
		/* Asked after the last send: it fails overdue batches, and its
		 * answer is when the next reply is due or the next reconnect. */
		int	left = pd_store_check(s->store);

		pd_server_deliver(s);
		if (left >= 0 && left < wait)
			wait = left;
		if (due >= 0 && due < wait)
			wait = due;
		if (s->listen_paused) {
			long long rest = s->listen_paused - osm_mono_ms();

			if (rest <= 0)
				pd_server_listen_rest(s, 0);
			else if (rest < wait)
				wait = (int) rest;
		}
		pd_server_watch_redis(s);
		pd_server_watch_action(s);
		int	n = pd_server_wait(s, evs, 256, wait);

		if (n < 0 && errno != EINTR)
			osm_msg_fatal("epoll_wait: %m");
		for (int i = 0; i < n; i++) {
			enum pd_server_kind *kind = evs[i].data.ptr;

			if (*kind == PD_KIND_LISTENER)
				pd_server_accept(s, evs[i].data.ptr);
			else if (*kind == PD_KIND_SIGNAL)
				pd_server_signal(s, reload);
			else if (*kind == PD_KIND_REDIS)
				pd_store_io(s->store);
			else if (*kind == PD_KIND_ACTION)
				pd_action_event(s->act);
			else {
				struct pd_client *cl = evs[i].data.ptr;

				if (evs[i].events & EPOLLOUT)
					pd_server_flush(s, cl);
				if (!cl->eof && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP | EPOLLERR)))
					pd_server_read(s, cl, (evs[i].events & (EPOLLHUP | EPOLLRDHUP)) != 0);
				if (cl->dead)
					pd_server_mark_ready(s, cl);
			}
		}
		pd_server_deliver(s);
		backlog = s->ready && !s->quit ? pd_server_turn(s) : 0;
		if (osm_mono_ms() - s->last_tick >= 1000)
			pd_server_tick(s);
	}
	pd_server_status(s);
}

void
pd_server_free(struct pd_server *s)
{
	if (s == NULL)
		return;
	while (s->clients)
		pd_server_close(s, s->clients);
	for (int i = 0; i < s->nlisteners; i++) {
		close(s->listeners[i].fd);
		if (s->cfg->listen[i].kind == OSM_LISTEN_UNIX)
			unlink(s->cfg->listen[i].path);
	}
	for (int b = 0; b < PD_SERVER_INFLIGHT; b++) {
		for (int i = 0; i < PD_SERVER_MAX_BATCH; i++)
			pd_plan_free(s->batches[b]->plans[i]);
		free(s->batches[b]);
	}
	if (s->sigfd >= 0)
		close(s->sigfd);
	if (s->proc_fd >= 0)
		close(s->proc_fd);
	if (s->spare_fd >= 0)
		close(s->spare_fd);
	close(s->epfd);
	pd_store_free(s->store);
	pd_shadow_free(s->shadow);
	osm_acct_free(s->acct);
	osm_cfg_free(s->cfg);
	free(s);
}
