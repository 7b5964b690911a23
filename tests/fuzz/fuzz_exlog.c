/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_exlog - libFuzzer target for the exim mainlog line parser and the
 * mainlog source's line-to-request step.  The input is split into lines
 * and fed through, as osm-mainlog reads a log; every request made must
 * be attribute lines ending in an empty line, with no stray control
 * characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_exlog.h"
#include "osm_mlev.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct osm_cfg *cfg;
	static struct osm_mlev *ev;
	static struct osm_exlog line;
	struct osm_buf *out = osm_buf_new(1 << 20);
	const char *p = (const char *) data, *end = p + size;

	if (cfg == NULL) {
		cfg = osm_cfg_load_mem("fuzz.yaml", "server_name: f\n", 15, NULL);
		ev = osm_mlev_new(cfg);
	}
	if (cfg == NULL || ev == NULL || out == NULL)
		abort();
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t	n = nl ? (size_t) (nl - p) : (size_t) (end - p);

		(void) osm_exlog_parse(p, n, &line);
		osm_mlev_feed(ev, p, n, out);
		p += n + 1;
	}
	osm_mlev_flush(ev, out);
	const char *o = osm_buf_data(out);
	size_t	ol = osm_buf_len(out);

	if (ol > 0 && (ol < 2 || o[ol - 1] != '\n' || o[ol - 2] != '\n'))
		abort();
	for (size_t i = 0; i < ol; i++)
		if ((unsigned char) o[i] < 0x20 && o[i] != '\n')
			abort();
	osm_buf_free(out);
	return 0;
}
