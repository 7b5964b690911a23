/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_pkt - frame -> SMTP SYN; see osm_pkt.h.
 *
 * Link-type numbers are pcap's DLT_ values, written out so this file
 * needs no libpcap (the fuzz target and the tests link it alone).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "osm_pkt.h"

#define OSM_DLT_NULL		0
#define OSM_DLT_EN10MB		1
#define OSM_DLT_RAW		12
#define OSM_DLT_RAW_OPENBSD	14
#define OSM_DLT_LOOP		108
#define OSM_DLT_LINUX_SLL	113
#define OSM_DLT_IPV4		228
#define OSM_DLT_IPV6		229
#define OSM_DLT_LINUX_SLL2	276
#define OSM_LINKTYPE_RAW	101

static unsigned
osm_pkt_be16(const unsigned char *p)
{
	return (unsigned) p[0] << 8 | p[1];
}

/* osm_pkt_tcp - the TCP header at p: a first SYN to a watched port? */
static int
osm_pkt_tcp(const unsigned char *p, size_t len, const unsigned *ports, int nports,
	    struct osm_pkt_syn *o)
{
	if (len < 20)
		return 0;
	unsigned flags = p[13];

	if ((flags & 0x12) != 0x02)		/* SYN set, ACK clear */
		return 0;
	o->sport = osm_pkt_be16(p);
	o->dport = osm_pkt_be16(p + 2);
	o->seq = (unsigned long) osm_pkt_be16(p + 4) << 16 | osm_pkt_be16(p + 6);
	for (int i = 0; i < nports; i++)
		if (ports[i] == o->dport)
			return 1;
	return 0;
}

static int
osm_pkt_ip4(const unsigned char *p, size_t len, const unsigned *ports, int nports,
	    struct osm_pkt_syn *o)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return 0;
	size_t	hl = (size_t) (p[0] & 15) * 4, total = osm_pkt_be16(p + 2);

	if (hl < 20 || hl > len || p[9] != IPPROTO_TCP)
		return 0;
	if ((osm_pkt_be16(p + 6) & 0x3fff) != 0)
		return 0;			/* a fragment */
	if (total >= hl && total < len)
		len = total;			/* ignore link padding */
	o->family = AF_INET;
	memcpy(o->src, p + 12, 4);
	memcpy(o->dst, p + 16, 4);
	return osm_pkt_tcp(p + hl, len - hl, ports, nports, o);
}

static int
osm_pkt_ip6(const unsigned char *p, size_t len, const unsigned *ports, int nports,
	    struct osm_pkt_syn *o)
{
	if (len < 40 || (p[0] >> 4) != 6)
		return 0;
	unsigned next = p[6];
	size_t	off = 40;

	/* hop-by-hop 0, routing 43, destination options 60: (len + 1) * 8 bytes */
	for (int hops = 0; (next == 0 || next == 43 || next == 60) && hops < 8; hops++) {
		if (off + 8 > len)
			return 0;
		next = p[off];
		off += ((size_t) p[off + 1] + 1) * 8;
	}
	if (next != IPPROTO_TCP || off > len)
		return 0;			/* not TCP, a fragment, or too many headers */
	o->family = AF_INET6;
	memcpy(o->src, p + 8, 16);
	memcpy(o->dst, p + 24, 16);
	return osm_pkt_tcp(p + off, len - off, ports, nports, o);
}

/* osm_pkt_ether - by ethertype */
static int
osm_pkt_ether(unsigned type, const unsigned char *p, size_t len, const unsigned *ports, int nports,
	      struct osm_pkt_syn *o)
{
	if (type == 0x0800)
		return osm_pkt_ip4(p, len, ports, nports, o);
	if (type == 0x86dd)
		return osm_pkt_ip6(p, len, ports, nports, o);
	return 0;
}

int
osm_pkt_decode(int dlt, const unsigned char *d, size_t len, const unsigned *ports, int nports,
	       struct osm_pkt_syn *o)
{
	int	r = 0;

	memset(o, 0, sizeof(*o));
	o->pkttype = -1;
	switch (dlt) {
	case OSM_DLT_LINUX_SLL2:		/* type 2, ifindex 4, ..., pkttype 10; 20 bytes */
		if (len < 20)
			return 0;
		o->ifindex = (int) ((unsigned) d[4] << 24 | (unsigned) d[5] << 16 | (unsigned) d[6] << 8 | d[7]);
		o->pkttype = d[10];
		r = osm_pkt_ether(osm_pkt_be16(d), d + 20, len - 20, ports, nports, o);
		break;
	case OSM_DLT_LINUX_SLL:			/* pkttype 0, ..., protocol 14; 16 bytes */
		if (len < 16)
			return 0;
		o->pkttype = (int) osm_pkt_be16(d);
		r = osm_pkt_ether(osm_pkt_be16(d + 14), d + 16, len - 16, ports, nports, o);
		break;
	case OSM_DLT_EN10MB: {
		size_t	off = 12;
		unsigned type;

		if (len < 14)
			return 0;
		type = osm_pkt_be16(d + off);
		for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
			off += 4;
			if (off + 2 > len)
				return 0;
			type = osm_pkt_be16(d + off);
		}
		r = osm_pkt_ether(type, d + off + 2, len - off - 2, ports, nports, o);
		break;
	}
	case OSM_DLT_RAW:
	case OSM_DLT_RAW_OPENBSD:
	case OSM_LINKTYPE_RAW:
		if (len < 1)
			return 0;
		r = (d[0] >> 4) == 4 ? osm_pkt_ip4(d, len, ports, nports, o)
		    : osm_pkt_ip6(d, len, ports, nports, o);
		break;
	case OSM_DLT_IPV4:
		r = osm_pkt_ip4(d, len, ports, nports, o);
		break;
	case OSM_DLT_IPV6:
		r = osm_pkt_ip6(d, len, ports, nports, o);
		break;
	case OSM_DLT_NULL:
	case OSM_DLT_LOOP: {			/* a 4-byte address family, host or network order */
		if (len < 4)
			return 0;
		unsigned af = d[0] | d[1] | d[2] | d[3];

		r = af == 2 ? osm_pkt_ip4(d + 4, len - 4, ports, nports, o)
		    : (af == 10 || af == 24 || af == 28 || af == 30) ? osm_pkt_ip6(d + 4, len - 4, ports, nports, o)
		    : 0;
		break;
	}
	default:
		return 0;
	}
	if (r) {
		inet_ntop(o->family, o->src, o->srcs, sizeof(o->srcs));
		inet_ntop(o->family, o->dst, o->dsts, sizeof(o->dsts));
	}
	return r;
}

void
osm_pkt_format(const struct osm_pkt_syn *o, char *buf, size_t len)
{
	if (o->family == AF_INET6)
		snprintf(buf, len, "tcp6 [%s]:%u > [%s]:%u", o->srcs, o->sport, o->dsts, o->dport);
	else
		snprintf(buf, len, "tcp4 %s:%u > %s:%u", o->srcs, o->sport, o->dsts, o->dport);
}
