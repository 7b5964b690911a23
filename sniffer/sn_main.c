/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm-sniffer - catch outgoing SMTP connections that bypass exim and
 * name the account, process and script behind each.
 *
 * SYNOPSIS: osm-sniffer [-f] [-v] [-c FILE]
 *           osm-sniffer -r FILE.pcap [-c FILE]
 *
 * libpcap on sniffer.interface ("any") with a kernel BPF filter that
 * passes only the first SYN of connections to sniffer.ports leaving the
 * host or going to localhost (../shared notes: "outbound or ifindex 1";
 * no protochain, which the kernel refuses).  For each SYN, in the
 * capture callback, an exact sock_diag lookup gives the socket's uid
 * and inode while the connect() is still in flight; after the batch, a
 * /proc scan restricted to that uid finds the process (sn_attr).  The
 * MTA's own connections (mainlog.exim_users) are not events; the rest go
 * to osm-policyd as source=sniffer requests, which count them as packet
 * (by account) and packet:cwd (by directory) events.
 *
 * Privilege separation (OpenSSH privsep, osm-policyd's pd_proc): two
 * processes.  As root, this one loads the eBPF program, opens the
 * capture and the netlink socket, and forks the /proc reader (sn_proc),
 * which keeps only CAP_SYS_PTRACE and CAP_DAC_READ_SEARCH, the two it
 * needs to read other users' /proc, and one socketpair descriptor.  Then
 * this process, which decodes attackers' frames and eBPF events, builds
 * the events and talks to osm-policyd, becomes the configured user with
 * no capability in any set (bounding included), no supplementary
 * groups, no_new_privs and RLIMIT_NPROC 0 (osm_priv_drop_all; NPROC is
 * left alone in a sanitizer build, whose leak check forks).  It keeps
 * descriptors, not privileges: the capture, the eBPF ring buffer and
 * links, the netlink socket (sock_diag needs no privilege) and its end
 * of the socketpair; it asks the reader for a process's details by pid
 * (eBPF) or by socket inode (pcap) and gets five bounded fields back.
 * Without permission to capture it says so and exits 1; on a kernel that
 * cannot capture at all (OpenVZ) it logs that once and exits 0, so the
 * rest of osm runs on.
 *
 * -r decodes a capture file and prints the attempts, without
 * attribution: golden tests and administrators.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <pcap/pcap.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_clock.h"
#include "osm_hash.h"
#include "osm_msg.h"
#include "osm_sig.h"
#include "osm_pclient.h"
#include "osm_pkt.h"
#include "osm_proto.h"
#include "osm_priv.h"
#include "sn_attr.h"
#include "sn_proc.h"
#ifdef HAVE_EBPF
#include "sn_ebpf.h"
#endif

#ifndef OSM_SYSCONFDIR
#define OSM_SYSCONFDIR "/etc"
#endif

#define SN_SEEN		4096	/* recent SYNs, to drop retransmissions */
#define SN_SEEN_MS	10000
#define SN_PENDING	1024	/* attempts waiting for their process */
#define SN_TIMEOUT_MS	2000
#define SN_CONNECTS	4096	/* eBPF: connects waiting for their outcome */
#define SN_BLOCKED_MS	100	/* eBPF: a SYN pcap has not seen by then never left */
#define SN_PHASE1_MS	3000	/* eBPF: report a connect without an outcome after this */

static const char *sn_file = OSM_SYSCONFDIR "/osm/osm.yaml";

struct sn_attempt {
	struct osm_pkt_syn syn;
	uid_t	uid;
	unsigned long inode;
	int	have_uid;
	int	have_proc;		/* proc filled already (eBPF: read at connect) */
	struct osm_proc proc;
	const char *backend;
	int	blocked;		/* -1 unknown, 0 left the host, 1 stopped here */
	long long due;			/* eBPF: when it may be judged and sent */
	long long since;		/* eBPF: when connect() began (the kernel's
					 * CLOCK_MONOTONIC, as sn_recent.ms) */
	long long seen_us;		/* wall clock of the SYN (pcap) or event (eBPF) */
};

/* the SYNs pcap saw lately, for eBPF outcomes that lost their port */
#define SN_RECENT	4096
struct sn_recent {
	long long ms;			/* when the kernel saw it (CLOCK_MONOTONIC) */
	struct osm_pkt_syn syn;
	int	claimed;
};

/* eBPF: a connect() seen, waiting for its outcome */
struct sn_connect {
	unsigned long long sk;		/* 0: free */
	long long ms;
	struct sn_attempt a;
};

struct sn_seen {
	unsigned long long key;
	long long ms;
};

struct sn_uname {
	uid_t	uid;
	int	valid;
	long long ms;
	char	name[64];
};

struct sn {
	struct osm_cfg *cfg;
	struct sn_uname unames[256];
	int	nconnects;		/* eBPF connects waiting */
	long long last_flush;
	pcap_t *pcap;
	int	dlt;
	int	nl;
	struct sn_proc *rd;		/* the /proc reader */
	int	pd;			/* osm-policyd, -1 until connected */
	struct sn_seen seen[SN_SEEN];
	struct sn_attempt pending[SN_PENDING];
	int	npending;
	int	ebpf;			/* the eBPF backend runs; pcap only confirms */
	long long drained;		/* every SYN the kernel saw before this (mono ms)
					 * has been read from the capture */
	unsigned netns;			/* our network namespace (eBPF sees all) */
	struct sn_connect connects[SN_CONNECTS];
	struct sn_recent recent[SN_RECENT];
	unsigned nrecent;
	unsigned lat_us[4096];		/* SYN to osm-policyd's answer, the latest */
	unsigned long nlat;
	long long batch_us[SN_PENDING];	/* seen_us of the batch being sent */
	struct {
		unsigned long attempts, retransmits, attributed, with_process, blocked, mta,
			unattributed, sent, dropped;
	} st;
};

static unsigned long long
sn_hash(const struct osm_pkt_syn *s)
{
	unsigned char b[44];

	/* the sequence number too: a new connection that reuses the ports of
	 * a refused one is not a retransmission */
	memcpy(b, s->src, 16);
	memcpy(b + 16, s->dst, 16);
	b[32] = (unsigned char) (s->sport >> 8), b[33] = (unsigned char) s->sport;
	b[34] = (unsigned char) (s->dport >> 8), b[35] = (unsigned char) s->dport;
	b[36] = (unsigned char) s->family, b[37] = b[38] = b[39] = 0;
	b[40] = (unsigned char) (s->seq >> 24), b[41] = (unsigned char) (s->seq >> 16);
	b[42] = (unsigned char) (s->seq >> 8), b[43] = (unsigned char) s->seq;
	return osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, b, sizeof(b)) | 1;
}

/* sn_retransmit - was this SYN seen in the last SN_SEEN_MS? */
static int
sn_retransmit(struct sn *s, const struct osm_pkt_syn *syn)
{
	unsigned long long k = sn_hash(syn);
	struct sn_seen *e = &s->seen[k % SN_SEEN];
	long long now = osm_mono_ms();

	if (e->key == k && now - e->ms < SN_SEEN_MS)
		return 1;
	e->key = k;
	e->ms = now;
	return 0;
}

/*
 * sn_left - did pcap see the SYN of this eBPF outcome leave?  A failed
 * socket has lost its port by the time the kernel reports CLOSE, so
 * match the addresses and the port it went to, since connect() began.
 * Both times are the kernel's, not when this process got to them: in a
 * burst the SYN is read in one pcap_dispatch() and the connect event
 * after many others (each a question to the /proc reader), tens of ms
 * later, and a SYN stamped when read looked older than its connect.
 */
static int
sn_left(struct sn *s, struct sn_attempt *a)
{
	for (unsigned i = 0; i < SN_RECENT; i++) {
		struct sn_recent *r = &s->recent[i];

		if (!r->claimed && r->ms >= a->since - 5 && r->syn.family == a->syn.family
		    && r->syn.dport == a->syn.dport && (a->syn.sport == 0 || r->syn.sport == a->syn.sport)
		    && !memcmp(r->syn.dst, a->syn.dst, 16) && !memcmp(r->syn.src, a->syn.src, 16)) {
			r->claimed = 1;
			a->syn.sport = r->syn.sport;
			return 1;
		}
	}
	return 0;
}

static void
sn_pend(struct sn *s, const struct sn_attempt *a)
{
	if (s->npending < SN_PENDING)
		s->pending[s->npending++] = *a;
	else
		s->st.dropped++;
}

/* sn_packet - the capture callback: keep it short, the socket may close */
static void
sn_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct sn *s = (struct sn *) arg;
	struct sn_attempt a;

	memset(&a, 0, sizeof(a));
	if (!osm_pkt_decode(s->dlt, bytes, h->caplen, s->cfg->sniffer_ports, s->cfg->nsniffer_ports, &a.syn))
		return;
	if (sn_retransmit(s, &a.syn)) {
		s->st.retransmits++;
		return;
	}
	if (s->ebpf) {				/* noted: eBPF reports it */
		struct sn_recent *r = &s->recent[s->nrecent++ % SN_RECENT];

		/* the kernel's timestamp (CLOCK_REALTIME), on the monotonic clock */
		r->ms = osm_mono_ms() - osm_wall_ms() + h->ts.tv_sec * 1000LL + h->ts.tv_usec / 1000;
		r->syn = a.syn;
		r->claimed = 0;
		return;
	}
	s->st.attempts++;
	a.seen_us = h->ts.tv_sec * 1000000LL + h->ts.tv_usec;
	a.backend = "pcap";
	a.blocked = -1;
	a.have_uid = sn_attr_sock(s->nl, &a.syn, &a.uid, &a.inode) == 0;
	sn_pend(s, &a);
}

#ifdef HAVE_EBPF
/* sn_ebpf_syn - the addresses of an event, as pcap would see them */
static void
sn_ebpf_syn(const struct sn_bpf_event *e, struct osm_pkt_syn *syn)
{
	static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(syn, 0, sizeof(*syn));
	syn->family = e->family;
	syn->sport = e->sport;
	syn->dport = e->dport;
	syn->pkttype = -1;
	if (e->family == AF_INET6 && !memcmp(e->daddr, v4mapped, 12)) {
		syn->family = AF_INET;		/* a v4-mapped socket: IPv4 on the wire */
		memcpy(syn->src, e->saddr + 12, 4);
		memcpy(syn->dst, e->daddr + 12, 4);
	} else {
		memcpy(syn->src, e->saddr, 16);
		memcpy(syn->dst, e->daddr, 16);
	}
	inet_ntop(syn->family, syn->src, syn->srcs, sizeof(syn->srcs));
	inet_ntop(syn->family, syn->dst, syn->dsts, sizeof(syn->dsts));
}

/* sn_ebpf_event - both phases of an attempt from the eBPF program */
static void
sn_ebpf_event(void *arg, const struct sn_bpf_event *e)
{
	struct sn *s = arg;
	struct sn_connect *c = &s->connects[(e->sk >> 6) % SN_CONNECTS];

	if (e->netns != s->netns)
		return;				/* another namespace's socket */
	if (e->phase == SN_BPF_CONNECT) {
		if (c->sk)			/* a collision: the older one goes as it is */
			sn_pend(s, &c->a);
		else
			s->nconnects++;
		memset(c, 0, sizeof(*c));
		sn_ebpf_syn(e, &c->a.syn);
		c->sk = e->sk;
		c->ms = osm_mono_ms();
		c->a.backend = "ebpf";
		c->a.blocked = -1;
		c->a.uid = e->uid;
		c->a.have_uid = 1;
		c->a.due = c->ms + SN_PHASE1_MS;
		c->a.since = (long long) (e->ns / 1000000);
		c->a.seen_us = osm_wall_us();
		/* read it now: the caller usually still holds the socket */
		c->a.have_proc = sn_proc_pid(s->rd, (long) e->pid, (uid_t) e->uid, &c->a.proc) == 0;
		if (!c->a.have_proc)
			c->a.proc.pid = e->pid;
		s->st.attempts++;
		return;
	}
	struct sn_attempt a;

	if (c->sk == e->sk) {
		a = c->a;
		c->sk = 0;
		s->nconnects--;
	}
	else {					/* its connect was missed */
		memset(&a, 0, sizeof(a));
		a.since = (long long) (e->ns / 1000000) - SN_PHASE1_MS;
		a.seen_us = osm_wall_us();
		a.backend = "ebpf";
		a.uid = e->uid;
		a.have_uid = 1;
		s->st.attempts++;
	}
	sn_ebpf_syn(e, &a.syn);
	/* connected: it left.  Closed: refused remotely, or stopped by a
	 * local rule before any packet left; pcap tells which, a moment later */
	a.blocked = e->newstate == 1 ? 0 : -1;
	a.due = e->newstate == 1 ? 0 : osm_mono_ms() + SN_BLOCKED_MS;
	sn_pend(s, &a);
}
#endif


/* sn_user - a uid's name, cached: getpwuid reads the passwd file each time */
static const char *
sn_user(struct sn *s, uid_t uid)
{
	struct sn_uname *u = &s->unames[uid % 256];

	if (!u->valid || u->uid != uid || osm_mono_ms() - u->ms > 60000) {
		struct passwd *pw = getpwuid(uid);

		u->uid = uid;
		u->valid = 1;
		u->ms = osm_mono_ms();
		snprintf(u->name, sizeof(u->name), "%s", pw ? pw->pw_name : "");
	}
	return u->name[0] ? u->name : NULL;
}

/* sn_send - a batch to osm-policyd; on failure it is dropped and counted */
static void
sn_send(struct sn *s, struct osm_buf *b, int nreq)
{
	if (nreq == 0)
		return;
	if (s->pd < 0 && (s->pd = osm_pclient_connect(s->cfg)) < 0) {
		/* why: a wrong socket_mode looks like a daemon that is down */
		osm_msg_warn("cannot reach osm-policyd: %m; %d attempt(s) not reported", nreq);
		s->st.dropped += (unsigned long) nreq;
		return;
	}
	if (osm_pclient_send(s->pd, b, nreq, SN_TIMEOUT_MS, NULL) == 0) {
		long long now = osm_wall_us();

		s->st.sent += (unsigned long) nreq;
		for (int i = 0; i < nreq; i++, s->nlat++)
			s->lat_us[s->nlat % 4096] = (unsigned) (now - s->batch_us[i]);
	} else {
		osm_msg_warn("cannot reach osm-policyd: it closed or did not answer; %d attempt(s) not reported", nreq);
		s->st.dropped += (unsigned long) nreq;
		close(s->pd);
		s->pd = -1;
	}
	osm_buf_reset(b);
}

static void
sn_attr(struct osm_buf *b, const char *name, const char *value)
{
	if (value != NULL && *value != 0)
		osm_proto_attr(b, name, value, 1000);
}

/* sn_flush - attribute the pending attempts to processes, send them */
static void
sn_flush(struct sn *s)
{
	struct osm_buf *b = osm_buf_new(1 << 20), *r = osm_buf_new(16384);
	int	nreq = 0;

	long long now = osm_mono_ms();
	int	keep = 0;

	/* eBPF connects that never got an outcome (a black hole) go as they are */
	for (int i = 0; s->nconnects > 0 && i < SN_CONNECTS; i++)
		if (s->connects[i].sk && s->connects[i].a.due <= now) {
			sn_pend(s, &s->connects[i].a);
			s->connects[i].sk = 0;
			s->nconnects--;
		}
	s->last_flush = now;
	for (int i = 0; i < s->npending; i++) {
		struct sn_attempt *a = &s->pending[i];
		struct osm_proc p;
		char	text[200], src[80], dst[80], uid[16], pid[24];

		/* not yet judged; and "pcap never saw its SYN" only once the
		 * capture has been read past the time it was due */
		if (a->due > now || (a->blocked < 0 && s->ebpf && s->pcap && s->drained < a->due)) {
			s->pending[keep++] = *a;
			continue;
		}
		if (a->blocked < 0 && s->ebpf && s->pcap)
			a->blocked = !sn_left(s, a);
		osm_pkt_format(&a->syn, text, sizeof(text));
		if (!a->have_uid) {
			s->st.unattributed++;
			osm_msg_info("%s: no local socket (refused or closed already); not attributed", text);
			continue;
		}
		const char *name = sn_user(s, a->uid);

		if (name && osm_cfg_exim_user(s->cfg, name)) {
			s->st.mta++;			/* the MTA's own delivery */
			continue;
		}
		s->st.attributed++;
		if (a->have_proc)
			p = a->proc;
		else if (a->proc.pid == 0 || sn_proc_pid(s->rd, a->proc.pid, a->uid, &p) != 0) {
			long	known = a->proc.pid;

			if (sn_proc_sock(s->rd, a->uid, a->inode, &p) != 0) {
				memset(&p, 0, sizeof(p));
				p.pid = known;		/* eBPF knows the pid even when /proc is gone */
			}
		}
		if (p.pid > 0)
			s->st.with_process++;
		if (a->blocked > 0)
			s->st.blocked++;
		if (osm_msg_verbose)
			osm_msg_info("%s: uid %lu (%s) pid %ld exe %s cwd %s script %s%s", text, (unsigned long) a->uid,
				     name ? name : "?", p.pid, p.exe, p.cwd, p.script,
				     a->blocked > 0 ? " (blocked here)" : "");
		snprintf(src, sizeof(src), a->syn.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a->syn.srcs, a->syn.sport);
		snprintf(dst, sizeof(dst), a->syn.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a->syn.dsts, a->syn.dport);
		snprintf(uid, sizeof(uid), "%lu", (unsigned long) a->uid);
		snprintf(pid, sizeof(pid), "%ld", p.pid);
		osm_buf_reset(r);
		osm_buf_printf(r, "request=smtpd_access_policy\nsource=sniffer\nbackend=%s\n", a->backend);
		if (a->blocked >= 0)
			osm_buf_printf(r, "blocked=%d\n", a->blocked);
		sn_attr(r, "uid", uid);
		sn_attr(r, "src", a->syn.sport ? src : a->syn.srcs);
		sn_attr(r, "dst", dst);
		if (p.pid > 0) {
			sn_attr(r, "pid", pid);
			sn_attr(r, "exe", p.exe);
			sn_attr(r, "cmdline", p.cmdline);
			sn_attr(r, "cwd", p.cwd[0] == '/' ? p.cwd : NULL);
			sn_attr(r, "script", p.script);	/* SCRIPT_FILENAME; cmdline is apart */
		}
		osm_buf_puts(r, "\n");
		/* a full batch goes now; the request starts the next */
		if (osm_buf_append(b, osm_buf_data(r), osm_buf_len(r)) != 0) {
			sn_send(s, b, nreq);
			nreq = 0;
			osm_buf_append(b, osm_buf_data(r), osm_buf_len(r));
		}
		s->batch_us[nreq++] = a->seen_us;
	}
	s->npending = keep;
	sn_send(s, b, nreq);
	osm_buf_free(r);
	osm_buf_free(b);
}

/*
 * sn_capture - read what the capture holds.  When it is empty, every SYN
 * sent before the call is read (the kernel copies a frame to the capture
 * as it sends it), which sn_flush needs before it calls an eBPF attempt
 * blocked: reading the eBPF events of a burst may take longer than
 * SN_BLOCKED_MS.  At most 64 rounds, so a flood cannot starve the rest.
 */
static void
sn_capture(struct sn *s)
{
	long long start = osm_mono_ms();
	int	n, rounds = 0;

	while ((n = pcap_dispatch(s->pcap, -1, sn_packet, (u_char *) s)) > 0 && ++rounds < 64)
		;
	if (n < 0)
		osm_msg_fatal("capture: %s", pcap_geterr(s->pcap));
	if (n == 0)
		s->drained = start;
}

/* sn_filter - the kernel filter for the configured ports */
static void
sn_filter(const struct osm_cfg *cfg, char *buf, size_t len)
{
	char	v4[256] = "", v6[256] = "";

	for (int i = 0; i < cfg->nsniffer_ports; i++) {
		snprintf(v4 + strlen(v4), sizeof(v4) - strlen(v4), "%stcp dst port %u", i ? " or " : "",
			 cfg->sniffer_ports[i]);
		snprintf(v6 + strlen(v6), sizeof(v6) - strlen(v6), "%sip6[42:2] == %u", i ? " or " : "",
			 cfg->sniffer_ports[i]);
	}
	/* IPv6 with extension headers goes to userland, which walks them */
	snprintf(buf, len, "(outbound or ifindex 1) and ("
		 "(ip and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and (%s))"
		 " or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02 and (%s))"
		 " or (ip6 and (ip6[6] == 0 or ip6[6] == 43 or ip6[6] == 60)))", v4, v6);
}

/* sn_offline - -r: print the attempts in a capture file */
static int
sn_offline(const struct osm_cfg *cfg, const char *file)
{
	char	err[PCAP_ERRBUF_SIZE], text[200];
	pcap_t *p = pcap_open_offline(file, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long frames = 0, attempts = 0;
	int	r;

	if (p == NULL) {
		fprintf(stderr, "osm-sniffer: %s\n", err);
		return 1;
	}
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		struct osm_pkt_syn syn;

		frames++;
		if (!osm_pkt_decode(pcap_datalink(p), d, h->caplen, cfg->sniffer_ports, cfg->nsniffer_ports, &syn))
			continue;
		attempts++;
		osm_pkt_format(&syn, text, sizeof(text));
		printf("%lld.%06ld %s\n", (long long) h->ts.tv_sec, (long) h->ts.tv_usec, text);
	}
	fflush(stdout);			/* the counts after the attempts, even on one file */
	if (r == -1)
		fprintf(stderr, "osm-sniffer: %s: %s\n", file, pcap_geterr(p));
	fprintf(stderr, "%lu frames, %lu connection attempts\n", frames, attempts);
	pcap_close(p);
	return r == -1;
}

/* sn_open - the live capture; unless optional, exits as osm-sniffer(8)
 * says on failure; optional (beside eBPF) returns NULL */
static pcap_t *
sn_open(const struct osm_cfg *cfg, int optional)
{
	char	err[PCAP_ERRBUF_SIZE], filter[2048];
	struct bpf_program bp;
	pcap_t *p = pcap_create(cfg->sniffer_interface, err);
	int	r;

	if (p == NULL)
		osm_msg_fatal("capture on %s: %s", cfg->sniffer_interface, err);
	pcap_set_snaplen(p, 160);
	pcap_set_promisc(p, 0);
	pcap_set_immediate_mode(p, 1);
	pcap_set_buffer_size(p, 4 << 20);
	if ((r = pcap_activate(p)) < 0) {
		if (optional) {
			osm_msg_warn("no packet capture beside eBPF (%s): attempts a local firewall rule stops are not told apart from refused ones",
				     pcap_geterr(p));
			pcap_close(p);
			return NULL;
		}
		if (r == PCAP_ERROR_PERM_DENIED) {
			osm_msg_error("no permission to capture on %s (%s): run osm-sniffer as root, or with CAP_NET_RAW",
				      cfg->sniffer_interface, pcap_geterr(p));
			exit(1);
		}
		if (r == PCAP_ERROR_NO_SUCH_DEVICE)
			osm_msg_fatal("sniffer.interface %s: no such interface (%s)", cfg->sniffer_interface,
				      pcap_geterr(p));
		/* OpenVZ/Virtuozzo containers and the like: no packet sockets */
		osm_msg_warn("this system cannot capture packets (%s: %s); osm-sniffer exits, the rest of osm runs on",
			     cfg->sniffer_interface, pcap_geterr(p));
		exit(0);
	}
	if (!strcmp(cfg->sniffer_interface, "any"))
		pcap_set_datalink(p, DLT_LINUX_SLL2);	/* after activate, before compile */
	sn_filter(cfg, filter, sizeof(filter));
	if (pcap_compile(p, &bp, filter, 1, PCAP_NETMASK_UNKNOWN) < 0 || pcap_setfilter(p, &bp) < 0)
		osm_msg_fatal("capture filter: %s", pcap_geterr(p));
	pcap_freecode(&bp);
	if (pcap_setnonblock(p, 1, err) < 0)
		osm_msg_fatal("capture: %s", err);
	return p;
}

static int
sn_cmp_u(const void *a, const void *b)
{
	unsigned x = *(const unsigned *) a, y = *(const unsigned *) b;

	return x < y ? -1 : x > y;
}

#if defined(__SANITIZE_ADDRESS__)
#define SN_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SN_LSAN 1
#endif
#endif

/* sn_drop - the frame decoder's privileges: none (see the top of this file) */
static void
sn_drop(const char *user)
{
	struct rlimit none = {0, 0};

	prctl(PR_SET_NAME, "osm-sniffer", 0, 0, 0);
	osm_priv_drop_all(user);
#ifndef SN_LSAN
	/* not under --enable-sanitizers: LeakSanitizer clones a tracer at exit */
	if (setrlimit(RLIMIT_NPROC, &none) < 0)
		osm_msg_fatal("setrlimit: %m");
#else
	(void) none;
#endif
}

static void
sn_usage(void)
{
	fprintf(stderr, "usage: osm-sniffer [-f] [-v] [-c FILE]\n"
		"       osm-sniffer -r FILE.pcap [-c FILE]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct sn s;
	const char *offline = NULL;
	int	ch, fg = 0, sfd;
	sigset_t mask;

	osm_msg_init(argv[0]);
	while ((ch = getopt(argc, argv, "c:fr:vh")) != -1) {
		switch (ch) {
		case 'c': sn_file = optarg; break;
		case 'f': fg = 1; break;
		case 'r': offline = optarg; break;
		case 'v': osm_msg_verbose++; break;
		default: sn_usage();
		}
	}
	if (optind != argc)
		sn_usage();
	if ((s.cfg = osm_cfg_load_log(sn_file)) == NULL)
		return 1;
	if (offline) {
		int	r = sn_offline(s.cfg, offline);

		osm_cfg_free(s.cfg);
		return r;
	}
	if (!fg)
		osm_msg_syslog_init("osm-sniffer", LOG_MAIL);
	struct stat ns;

	s.netns = stat("/proc/self/ns/net", &ns) == 0 ? (unsigned) ns.st_ino : 0;
#ifdef HAVE_EBPF
	struct sn_ebpf *bpf = NULL;

	if (strcmp(s.cfg->sniffer_backend, "pcap") != 0) {
		char	err[256];

		if ((bpf = sn_ebpf_open(s.cfg->sniffer_ports, s.cfg->nsniffer_ports, err, sizeof(err))) != NULL)
			s.ebpf = 1;
		else if (!strcmp(s.cfg->sniffer_backend, "ebpf"))
			osm_msg_fatal("sniffer.backend ebpf: cannot load the eBPF program: %s", err);
		else
			osm_msg_info("eBPF backend unavailable (%s); using libpcap", err);
	}
#else
	if (!strcmp(s.cfg->sniffer_backend, "ebpf"))
		osm_msg_fatal("sniffer.backend ebpf: this osm-sniffer was built without the eBPF backend");
#endif
	s.pcap = sn_open(s.cfg, s.ebpf);
	s.dlt = s.pcap ? pcap_datalink(s.pcap) : -1;
	if ((s.nl = sn_attr_open()) < 0)
		osm_msg_fatal("sock_diag: %m");
	s.pd = -1;
	s.rd = sn_proc_start(s.cfg->user);	/* before the drop: it needs root to keep two */
	sn_drop(s.cfg->user);
	osm_sig_block(&mask, 0);
	sfd = osm_sig_fd(&mask);
	osm_msg_info("capturing on %s (backend %s%s, ports %u...), as %s", s.cfg->sniffer_interface,
		     s.ebpf ? "ebpf" : "pcap", s.ebpf && s.pcap ? " with pcap" : "", s.cfg->sniffer_ports[0],
		     s.cfg->user && *s.cfg->user ? s.cfg->user : "root");
	for (;;) {
		struct pollfd p[3] = {{sfd, POLLIN, 0}, {s.pcap ? pcap_get_selectable_fd(s.pcap) : -1, POLLIN, 0},
			{-1, POLLIN, 0}};
		int	waiting = s.npending > 0 || s.nconnects > 0;

#ifdef HAVE_EBPF
		if (bpf)
			p[2].fd = sn_ebpf_fd(bpf);
#endif
		if (poll(p, 3, waiting ? 5 : 1000) < 0 && errno != EINTR)
			osm_msg_fatal("poll: %m");
		if (p[0].revents)
			break;
		/* pcap first: a SYN it saw marks an eBPF outcome as not blocked */
		if (s.pcap)
			sn_capture(&s);
#ifdef HAVE_EBPF
		if (bpf)
			sn_ebpf_read(bpf, sn_ebpf_event, &s);
#endif
		/* batches, every 5 ms (the socket's uid and inode were taken in
		 * the callback; eBPF read the process already) */
		if ((waiting || s.npending) && (s.npending >= 128 || osm_mono_ms() - s.last_flush >= 5))
			sn_flush(&s);
	}
	osm_msg_info("exiting: %lu attempts (%lu retransmissions dropped), %lu attributed to an account, "
		     "%lu with the process, %lu blocked here, %lu by the MTA, %lu unattributed, %lu sent, %lu dropped",
		     s.st.attempts, s.st.retransmits, s.st.attributed, s.st.with_process, s.st.blocked, s.st.mta,
		     s.st.unattributed, s.st.sent, s.st.dropped);
	if (s.nlat) {
		size_t	n = s.nlat < 4096 ? s.nlat : 4096;

		qsort(s.lat_us, n, sizeof(s.lat_us[0]), sn_cmp_u);
		osm_msg_info("delay SYN to osm-policyd: p50 %.2f ms, p99 %.2f ms, max %.2f ms (last %zu)",
			     s.lat_us[n / 2] / 1000.0, s.lat_us[n * 99 / 100] / 1000.0, s.lat_us[n - 1] / 1000.0, n);
	}
	if (s.pcap)
		pcap_close(s.pcap);
	sn_proc_free(s.rd);
#ifdef HAVE_EBPF
	sn_ebpf_close(bpf);
#endif
	osm_cfg_free(s.cfg);
	return 0;
}
