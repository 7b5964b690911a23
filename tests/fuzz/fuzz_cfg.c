/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_cfg - libFuzzer target for the osm.yaml loader: any bytes either
 * load or give errors, never a crash or leak; a loaded config answers
 * trigger and ignore queries.
 */
#include <stdint.h>
#include <stdlib.h>

#include "osm_buf.h"
#include "osm_cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct osm_buf *errs = osm_buf_new(1 << 20);
	struct osm_cfg *cfg;

	if (errs == NULL)
		abort();
	cfg = osm_cfg_load_mem("fuzz.yaml", (const char *) data, size, errs);
	if (cfg) {
		struct osm_trig t;

		for (int e = 0; e < OSM_EV_COUNT; e++)
			osm_cfg_trigger(cfg, "bob", "info@example.com", (enum osm_ev) e, &t);
		osm_cfg_ignore_ip(cfg, "10.1.2.3");
		osm_cfg_ignore_path(cfg, "/home/bob/public_html");
		osm_cfg_ignore_subject(cfg, "hello");
		osm_cfg_free(cfg);
	} else if (osm_buf_len(errs) == 0)
		abort();			/* a refusal always says why */
	osm_buf_free(errs);
	return 0;
}
