/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_RFMT_H
#define OSM_RFMT_H

/*
 * osm_rfmt - a report in the shapes people and scripts read.
 *
 * osm_rfmt_from_hash() turns the fields of a report's Redis hash (name,
 * value, name, value...) into a JSON object: numbers for the counts, the
 * events and the action results parsed.  osm_rfmt_text() writes the
 * readable form osmctl prints and the report email carries: header, one
 * line per event, one per action result; control characters are shown
 * as '?'.  osm_rfmt_write() writes the object for a custom action's
 * standard input as JSON, YAML (libyaml's emitter, every string
 * double-quoted), XML (libxml2's writer; characters XML 1.0 cannot hold
 * become U+FFFD) or PERL (a Data::Dumper "$VAR1 = {...};" with
 * single-quoted strings, where only \ and ' are escaped, so nothing in a
 * subject can interpolate).  Strings are UTF-8: a byte of invalid UTF-8
 * in a subject arrives as the Latin-1 character of the same value.
 */
#include <stdio.h>
#include <jansson.h>

#include "osm_cfg.h"

json_t *osm_rfmt_from_hash(const char *const *kv, size_t nkv);
void	osm_rfmt_text(FILE *, json_t *report);
int	osm_rfmt_write(FILE *, json_t *report, enum osm_fmt);

#endif
