/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_proto - libFuzzer target for the policy protocol parser.
 * Feeds the input as one client's byte stream, parsing every request in
 * it, as pd_server does; then formats a reply from the last value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"
#include "osm_proto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct osm_proto_req req;
	struct osm_proto_limits lim = {512, 32, 4096};
	char   *buf = malloc(size + 1);
	size_t	off = 0, used;
	const char *why;
	struct osm_buf *out = osm_buf_new(1 << 16);

	if (buf == NULL || out == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = 0;
	while (off < size && osm_proto_parse(buf + off, size - off, &lim, &req, &used, &why) == OSM_PROTO_OK) {
		if (used == 0 || used > size - off)
			abort();
		const char *v = osm_proto_get(&req, "request");

		for (size_t i = 0; i < req.nattr; i++)
			if (req.attr[i].name[0] == 0 || strchr(req.attr[i].value, '\n'))
				abort();
		osm_proto_reply(out, "DUNNO", v ? v : req.attr[req.nattr - 1].value);
		off += used;
	}
	osm_buf_free(out);
	free(buf);
	return 0;
}
