/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef REDIS_FIXTURE_H
#define REDIS_FIXTURE_H

/*
 * redis_fixture - start a private redis-server on a unix socket in a
 * temporary directory for one test program, and stop it again (after
 * hiredis test.sh).  redis_fixture_start() returns the socket path as
 * an osm address ("unix:/tmp/.../redis.sock") or NULL.
 */
const char *redis_fixture_start(void);
void	redis_fixture_stop(void);

#endif
