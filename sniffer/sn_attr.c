/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sn_attr - socket -> uid and inode (sock_diag); see sn_attr.h.
 */
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

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
