/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_rep - libFuzzer target for what osm_rep reads back from Redis,
 * which anyone who reaches Redis can write: an index member ("ID REST")
 * and a report key name ("P{TAG}:report:ID", the tag read from it).
 * The input is both at once.  What comes out must be bounded and NUL
 * free, the id a valid report id, and a tag read from a key must make
 * a key name again (osm_rep_key), escaped: no brace, so it stays one
 * hash tag.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"
#include "osm_rep.h"

#define FUZZ_REP_PREFIX "osm:w:"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	id[48], rest[OSM_REP_TAG_MAX], tag[OSM_REP_TAG_MAX], suffix[64];
	struct osm_buf *b;

	if (osm_rep_member((const char *) data, size, id, sizeof(id), rest, sizeof(rest)) == 0) {
		if (!osm_rep_id_ok(id) || strlen(rest) == 0 || strlen(id) + 1 + strlen(rest) != size)
			abort();
	}
	if (osm_rep_key_tag(FUZZ_REP_PREFIX, "1a2b0001", (const char *) data, size, tag) == 0) {
		if (strlen(tag) >= OSM_REP_TAG_MAX || (b = osm_buf_new(4096)) == NULL)
			abort();
		snprintf(suffix, sizeof(suffix), "report:%s", "1a2b0001");
		if (osm_rep_key(b, FUZZ_REP_PREFIX, tag, suffix) != 0
		    || strpbrk(osm_buf_data(b) + strlen(FUZZ_REP_PREFIX) + 1, "{}") != strchr(osm_buf_data(b), '}'))
			abort();
		osm_buf_free(b);
	}
	return 0;
}
