/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_pkt - libFuzzer target for the sniffer's frame decoder.  The
 * first byte picks the link type; the rest is the frame.  A decoded
 * attempt must name a watched port and printable addresses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "osm_pkt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int dlts[] = {276, 113, 1, 12, 14, 101, 228, 229, 0, 108};
	static const unsigned ports[] = {25, 465, 587};
	struct osm_pkt_syn syn;
	char	text[200];

	if (size < 1)
		return 0;
	if (osm_pkt_decode(dlts[data[0] % 10], data + 1, size - 1, ports, 3, &syn)) {
		if (syn.dport != 25 && syn.dport != 465 && syn.dport != 587)
			abort();
		if ((syn.family != AF_INET && syn.family != AF_INET6) || !syn.srcs[0] || !syn.dsts[0])
			abort();
		osm_pkt_format(&syn, text, sizeof(text));
	}
	return 0;
}
