/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_HASH_H
#define OSM_HASH_H

/*
 * osm_hash - unkeyed 64-bit hashes, the one copy of each.
 *
 * osm_hash() is a fast hash for osm-policyd's in-memory tables, whose
 * sizes are bounded.  Eight bytes a step: the keys it hashes are long
 * Redis key names that share prefixes.
 *
 * osm_hash_fnv1a() is 64-bit FNV-1a, byte at a time, from BASIS; pass a
 * previous result as BASIS to hash in pieces.  New uses take
 * OSM_HASH_FNV1A_BASIS, the standard offset basis.
 *
 * OSM_HASH_SUBJKEY_BASIS is the standard basis with its last digit
 * lost.  It stays: its hashes are in every subject key already stored
 * in Redis (osm_redis_hash, osm_ident), a key holds only the hash so it
 * cannot be rehashed, and a new basis would restart every subject
 * window on upgrade.  tests/unit/test_hash pins its values.
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

#define OSM_HASH_FNV1A_BASIS	14695981039346656037ULL
#define OSM_HASH_SUBJKEY_BASIS	1469598103934665603ULL	/* stored key format */
#define OSM_HASH_FNV1A_PRIME	1099511628211ULL

static inline uint64_t
osm_hash_fnv1a(uint64_t basis, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t h = basis;

	while (n--)
		h = (h ^ *p++) * OSM_HASH_FNV1A_PRIME;
	return h;
}

#endif
