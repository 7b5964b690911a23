/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_RUN_H
#define OSM_RUN_H

/*
 * osm_run - run a program the way osm runs every outside command: no
 * shell, a fixed minimal environment, its own process group, bounded
 * time and bounded output.
 *
 * osm_run() executes argv[0] (an absolute path) with argv, standard
 * input from infd (or /dev/null when -1), standard output and error
 * together into out (the first outlen - 1 bytes, NUL-terminated; the
 * rest is read and dropped), and env plus PATH, LANG=C and HOME=/ as its
 * whole environment.  With user set, the child switches to that user
 * (its groups, gid, uid) before exec; only root can.  After timeout_ms
 * the whole process group is killed.  Every descriptor but 0-2 is
 * closed in the child.  The result says how it ended; detail is a short
 * human text ("exit 0", "exit 3", "killed by signal 9", "timed out after
 * 30 s", "cannot run: ...").
 */
#include <stddef.h>

enum osm_run_status { OSM_RUN_OK, OSM_RUN_FAILED, OSM_RUN_TIMEOUT };

struct osm_run_result {
	enum osm_run_status status;	/* OK: exit 0 */
	int	exit_code;		/* -1 if it did not exit */
	char	detail[160];
};

int	osm_run(const char *const *argv, const char *const *env, const char *user, int infd,
		unsigned timeout_ms, char *out, size_t outlen, struct osm_run_result *);
const char *osm_run_status_name(enum osm_run_status);

#endif
