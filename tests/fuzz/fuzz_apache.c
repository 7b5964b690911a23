/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_apache - libFuzzer target for the mod_status page parser (its
 * request column carries whatever URL a visitor sent) and the request
 * line to path step.  Every request found must have a one-letter mode
 * and a path without a query or blanks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osm_apache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct osm_apache_req reqs[16];
	char	path[1024];
	int	n = osm_apache_parse((const char *) data, size, reqs, 16);

	for (int i = 0; i < n; i++) {
		if (reqs[i].mode == 0 || strchr("_.L", reqs[i].mode))
			abort();
		if (osm_apache_path(reqs[i].request, path, sizeof(path)) && (path[0] != '/' || strpbrk(path, " ?#")))
			abort();
	}
	return 0;
}
