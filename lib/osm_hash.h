/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_HASH_H
#define OSM_HASH_H

/*
 * osm_hash - a fast, unkeyed 64-bit hash for osm-policyd's in-memory
 * tables, whose sizes are bounded.  Eight bytes a step: the keys it
 * hashes are long Redis key names that share prefixes.
 */
#include <stdint.h>
#include <string.h>

static inline uint64_t
osm_hash(const char *s, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 29;
	}
	w = 0;
	memcpy(&w, s, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 32);
}

#endif
