/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_JSON_H
#define OSM_JSON_H

/*
 * osm_json - append JSON string literals to an osm_buf.
 *
 * The hot path builds one small JSON object per event; this is cheaper
 * than a DOM and, unlike jansson's encoder, never fails on the invalid
 * UTF-8 that subjects and paths carry.  Control characters, quotes and
 * backslashes are escaped; a byte that is not part of valid UTF-8 is
 * written as \u00XX (its Latin-1 reading) so no input is rejected.
 */
#include <stddef.h>

struct osm_buf;

int	osm_json_str(struct osm_buf *, const char *s);
/* the length of the valid UTF-8 sequence at S (at most N bytes), 0 if none:
 * overlong forms, surrogates and code points past U+10FFFF are invalid */
size_t	osm_json_utf8_len(const unsigned char *s, size_t n);
int	osm_json_strn(struct osm_buf *, const char *s, size_t n);
/* "name":"value", with a leading comma unless first; skipped if value is NULL.
 * NAME is written as it is: a plain ASCII literal of the caller's. */
int	osm_json_field(struct osm_buf *, int *first, const char *name, const char *value);

#endif
