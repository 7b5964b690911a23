/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_PKT_H
#define OSM_PKT_H

/*
 * osm_pkt - decode a captured frame into an outgoing SMTP connection
 * attempt: the first SYN (SYN without ACK) of a TCP connection to one of
 * the watched ports, over IPv4 or IPv6.
 *
 * osm_pkt_decode() takes the capture's link type (DLT_LINUX_SLL2,
 * DLT_LINUX_SLL, DLT_EN10MB with up to two VLAN tags, DLT_RAW, DLT_IPV4,
 * DLT_IPV6, DLT_NULL, DLT_LOOP) and the captured bytes, and returns 1
 * with *out filled for such a SYN, 0 for anything else (other traffic,
 * truncated or malformed frames, fragments).  IPv6 extension headers
 * (hop-by-hop, routing, destination options) are walked.  Pure: no
 * allocation, every read bounds-checked against caplen.
 */
#include <stddef.h>
#include <netinet/in.h>

struct osm_pkt_syn {
	int	family;			/* AF_INET or AF_INET6 */
	unsigned char src[16], dst[16];	/* network order; IPv4 uses 4 bytes */
	unsigned sport, dport;
	unsigned long seq;		/* the initial sequence number: a retransmission repeats it */
	int	ifindex;		/* from DLT_LINUX_SLL2, else 0 */
	int	pkttype;		/* SLL/SLL2 packet type (4 = outgoing), else -1 */
	char	srcs[INET6_ADDRSTRLEN];
	char	dsts[INET6_ADDRSTRLEN];
};

int	osm_pkt_decode(int dlt, const unsigned char *data, size_t caplen, const unsigned *ports,
		       int nports, struct osm_pkt_syn *out);
/* "tcp4 192.0.2.1:40000 > 192.0.2.2:25", "tcp6 [2001:db8::1]:40000 > [2001:db8::2]:587" */
void	osm_pkt_format(const struct osm_pkt_syn *, char *buf, size_t len);

#endif
