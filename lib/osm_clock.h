/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_CLOCK_H
#define OSM_CLOCK_H

/*
 * osm_clock - the two clocks osm reads: osm_mono_ms() and osm_mono_us()
 * for timeouts and intervals (never jumps), osm_wall_ms() and
 * osm_wall_us() for times that are shown or compared with a packet's
 * timestamp.
 */
#include <time.h>

static inline long long
osm_clock_read(clockid_t id, long long div)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * (1000000000LL / div) + ts.tv_nsec / div;
}

static inline long long osm_mono_ms(void) { return osm_clock_read(CLOCK_MONOTONIC, 1000000); }
static inline long long osm_mono_us(void) { return osm_clock_read(CLOCK_MONOTONIC, 1000); }
static inline long long osm_wall_ms(void) { return osm_clock_read(CLOCK_REALTIME, 1000000); }
static inline long long osm_wall_us(void) { return osm_clock_read(CLOCK_REALTIME, 1000); }

#endif
