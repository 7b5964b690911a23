/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_report - libFuzzer target for what the actions read and write
 * from text an attacker can shape: an exim spool header (the queue scan
 * of hold, discard and osmctl release), and a report whose event fields
 * (subject, script, cwd) carry the input, through the text form and all
 * four custom formats.  Every format must be produced.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"
#include "osm_json.h"
#include "osm_queue.h"
#include "osm_rfmt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char   *h = malloc(size + 1);
	struct osm_buf *ev = osm_buf_new(4 * size + 256);
	int	first = 1;

	if (h == NULL || ev == NULL)
		abort();
	memcpy(h, data, size);
	h[size] = 0;
	(void) osm_queue_header_match(h, "account:bob", 0);
	(void) osm_queue_header_match(h, "email:bob@example.com", 1);
	(void) osm_queue_header_match(h, "ip:192.0.2.1", 0);

	/* a report with the input in its event fields */
	osm_buf_puts(ev, "[{\"t\":1");
	first = 0;
	osm_json_field(ev, &first, "subject", h);
	osm_buf_puts(ev, ",\"script\":");
	osm_json_strn(ev, (const char *) data, size);
	osm_buf_puts(ev, "}]");
	const char *kv[] = {"id", "1", "time", "1000", "type", "logline", "key", h,
		"events", osm_buf_data(ev), "results", h, "count", h};
	json_t *o = osm_rfmt_from_hash(kv, sizeof(kv) / sizeof(kv[0]));

	if (o == NULL)
		abort();
	for (int f = -1; f < 4; f++) {
		char   *buf = NULL;
		size_t	len = 0;
		FILE   *fp = open_memstream(&buf, &len);

		if (fp == NULL)
			abort();
		if (f < 0)
			osm_rfmt_text(fp, o);
		else if (osm_rfmt_write(fp, o, (enum osm_fmt) f) != 0)
			abort();		/* every format must be produced */
		fclose(fp);
		free(buf);
	}
	json_decref(o);
	osm_buf_free(ev);
	free(h);
	return 0;
}
