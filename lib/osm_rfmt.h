/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_RFMT_H
#define OSM_RFMT_H

/*
 * osm_rfmt - a report in the shapes people and scripts read.
 *
 * osm_rfmt_from_hash() turns the fields of a report's Redis hash (name,
 * value, name, value...) into a JSON object: numbers for the counts, the
 * events and the action results parsed.  Strings are UTF-8: a byte that
 * is not part of valid UTF-8 (in a subject, a sender address) becomes
 * the Latin-1 character of the same value, U+0080..U+00FF, as osm_json
 * does for the events.  osm_rfmt_text() writes the readable form osmctl
 * prints and the report email carries: header, one line per event, one
 * per action result; control characters are shown as '?'.
 *
 * osm_rfmt_write() writes the object for a custom action's standard
 * input.  Every payload reads back, with a real parser, as the object
 * modulo this mapping (osm.yaml(5), CUSTOM ACTION PAYLOAD; fuzz_report
 * checks it with jansson, libyaml, libxml2 and perl):
 *   all   an array or object nested deeper than OSM_RFMT_MAX_DEPTH (the
 *         report is 1) is a string of its compact JSON; reals have the
 *         fewest digits that read back exactly, and a '.'.
 *   JSON  jansson's encoder, as it is.
 *   YAML  libyaml's emitter, one document; strings double-quoted, with
 *         what YAML cannot hold raw escaped (C0, DEL, C1, U+FEFF, U+FFFE,
 *         U+FFFF, past U+FFFF; NEL, U+2028, U+2029); a key plain only if
 *         it is an identifier no YAML 1.1 or 1.2 reader takes for a bool
 *         or null ("true", "123", "<<" are quoted).
 *   XML   libxml2's writer, XML 1.0 in UTF-8.  What production [2] Char
 *         excludes (C0 but tab, LF, CR; U+FFFE; U+FFFF; surrogates) and
 *         each byte of invalid UTF-8 become U+FFFD, in text and in
 *         attributes.  A key that is [A-Za-z_][A-Za-z0-9_.-]* names its
 *         element, another is <field name="KEY">; array items are named
 *         after the array without its final 's', or "item"; true and
 *         false are text, null an empty element.
 *   PERL  a Data::Dumper "$VAR1 = {...};" in printable ASCII: byte
 *         strings of the UTF-8, single-quoted if printable ASCII (\ and
 *         ' escaped), else double-quoted with \\ \" \$ \@ and \x{HH} for
 *         every other byte, so nothing interpolates and a reader's "use
 *         utf8" changes no value; true 1, false 0, null undef.
 * It returns 0, or -1 on a write error, out of memory, or (JSON, YAML) a
 * string that is not UTF-8, which osm_rfmt_from_hash() never makes.
 */
#include <stdio.h>
#include <jansson.h>

#include "osm_cfg.h"

/* containers nested deeper than this (the report is 1) are written as JSON text */
#define OSM_RFMT_MAX_DEPTH	32

json_t *osm_rfmt_from_hash(const char *const *kv, size_t nkv);
void	osm_rfmt_text(FILE *, json_t *report);
int	osm_rfmt_write(FILE *, json_t *report, enum osm_fmt);

#endif
