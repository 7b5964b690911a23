/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_hash - osm_hash_fnv1a against the published FNV-1a 64-bit
 * vectors, and the subject-key hash pinned to the values already
 * stored in Redis: a change to either fails here, not on upgrade.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "osm_hash.h"
#include "osm_redis.h"

/* test_fnv1a - the standard basis gives the standard values */
static void
test_fnv1a(void **state)
{
	static const struct {
		const char *in;
		uint64_t want;
	} tt[] = {
		{"", 0xcbf29ce484222325ULL},
		{"a", 0xaf63dc4c8601ec8cULL},
		{"foobar", 0x85944171f73967e8ULL},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(tt) / sizeof(tt[0]); i++)
		assert_int_equal(osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, tt[i].in, strlen(tt[i].in)),
				 tt[i].want);
	/* in pieces: the previous result is the next basis */
	assert_int_equal(osm_hash_fnv1a(osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, "foo", 3), "bar", 3),
			 0x85944171f73967e8ULL);
	/* bytes above 0x7f are not sign-extended */
	assert_int_equal(osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, "\xff", 1), 0xaf64724c8602eb6eULL);
}

/* test_subjkey - the hash in every stored subject key */
static void
test_subjkey(void **state)
{
	(void) state;
	assert_int_equal(osm_redis_hash(""), 0x14650fb0739d0383ULL);
	assert_int_equal(osm_redis_hash("Invoice 42"), 0xd431458ee94eb564ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv1a),
		cmocka_unit_test(test_subjkey),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
