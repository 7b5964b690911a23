/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_ADDR_H
#define OSM_ADDR_H

/*
 * osm_addr - IPv4/IPv6 addresses and CIDR ranges for ignore lists.
 *
 * osm_addr_parse_cidr() accepts "1.2.3.4", "10.0.0.0/8", "::1",
 * "2001:db8::/32" and IPv4-mapped IPv6; it returns 0 or -1 with a static
 * reason.  osm_addr_match() tests a textual address (as clients send it)
 * against one range; an IPv4-mapped IPv6 address matches IPv4 ranges.
 */
#include <stdint.h>

struct osm_cidr {
	int	family;			/* AF_INET or AF_INET6 */
	uint8_t	addr[16];
	int	bits;
};

int	osm_addr_parse_cidr(const char *text, struct osm_cidr *, const char **why);
int	osm_addr_match(const struct osm_cidr *, const char *addr);
int	osm_addr_is_valid(const char *addr);

#endif
