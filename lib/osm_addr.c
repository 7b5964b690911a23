/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_addr - CIDR parsing and matching; see osm_addr.h.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "osm_addr.h"

/* osm_addr_to_bin - textual address to family + 16 bytes, v4-mapped folded */
static int
osm_addr_to_bin(const char *text, int *family, uint8_t out[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	char	tmp[64];
	size_t	n = strlen(text);

	/* Postfix may send "ipv6:" free forms; exim brackets nothing. */
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, text, n + 1);
	memset(out, 0, 16);
	if (inet_pton(AF_INET, tmp, out) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, out) == 1) {
		if (memcmp(out, mapped, 12) == 0) {
			memmove(out, out + 12, 4);
			memset(out + 4, 0, 12);
			*family = AF_INET;
		} else
			*family = AF_INET6;
		return 0;
	}
	return -1;
}

int
osm_addr_is_valid(const char *addr)
{
	int	family;
	uint8_t	bin[16];

	return osm_addr_to_bin(addr, &family, bin) == 0;
}

/* osm_addr_parse_cidr - see osm_addr.h */
int
osm_addr_parse_cidr(const char *text, struct osm_cidr *c, const char **why)
{
	char	host[64];
	const char *slash = strchr(text, '/');
	size_t	hlen = slash ? (size_t) (slash - text) : strlen(text);
	int	maxbits;

	if (hlen == 0 || hlen >= sizeof(host)) {
		*why = "not an IP address or CIDR range";
		return -1;
	}
	memcpy(host, text, hlen);
	host[hlen] = 0;
	if (osm_addr_to_bin(host, &c->family, c->addr) != 0) {
		*why = "not an IP address or CIDR range";
		return -1;
	}
	maxbits = c->family == AF_INET ? 32 : 128;
	c->bits = maxbits;
	if (slash) {
		char   *end;
		long	b = strtol(slash + 1, &end, 10);

		if (slash[1] == 0 || *end != 0 || b < 0 || b > maxbits) {
			*why = "bad prefix length";
			return -1;
		}
		c->bits = (int) b;
	}
	/* Refuse host bits set: "10.1.2.3/8" is almost always a typo. */
	for (int i = c->bits; i < maxbits; i++) {
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "host bits set in CIDR range";
			return -1;
		}
	}
	return 0;
}

/* osm_addr_match - does addr fall in c? */
int
osm_addr_match(const struct osm_cidr *c, const char *addr)
{
	int	family;
	uint8_t	bin[16];
	int	full, rest;

	if (osm_addr_to_bin(addr, &family, bin) != 0 || family != c->family)
		return 0;
	full = c->bits / 8;
	rest = c->bits % 8;
	if (memcmp(bin, c->addr, (size_t) full) != 0)
		return 0;
	if (rest && ((bin[full] ^ c->addr[full]) & (0xff00 >> rest) & 0xff))
		return 0;
	return 1;
}
