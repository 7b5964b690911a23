/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cfgkeys - print "path<TAB>help" for every row of the osm.yaml
 * parameter table (osm_cfg_params), for tests/check_docs.sh.
 */
#include <stdio.h>

#include "osm_cfg.h"

int
main(void)
{
	for (size_t i = 0; i < osm_cfg_nparams; i++)
		printf("%s\t%s\n", osm_cfg_params[i].path, osm_cfg_params[i].help);
	return ferror(stdout) ? 1 : 0;
}
