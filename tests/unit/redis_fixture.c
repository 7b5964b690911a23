/* SPDX-License-Identifier: GPL-2.0-or-later */
/* redis_fixture - a throwaway redis-server for unit tests; see redis_fixture.h. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redis_fixture.h"

static char fixture_dir[64];
static char fixture_addr[128];
static pid_t fixture_pid;

const char *
redis_fixture_start(void)
{
	char	sock[100];
	struct stat st;

	snprintf(fixture_dir, sizeof(fixture_dir), "/tmp/osm-unit.XXXXXX");
	if (mkdtemp(fixture_dir) == NULL)
		return NULL;
	snprintf(sock, sizeof(sock), "%s/redis.sock", fixture_dir);
	if ((fixture_pid = fork()) == 0) {
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--save", "", "--appendonly", "no", "--dir", fixture_dir,
		       "--logfile", "/dev/null", (char *) NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		if (stat(sock, &st) == 0) {
			snprintf(fixture_addr, sizeof(fixture_addr), "unix:%s", sock);
			return fixture_addr;
		}
		usleep(20000);
	}
	redis_fixture_stop();
	return NULL;
}

void
redis_fixture_stop(void)
{
	char	cmd[128];

	if (fixture_pid > 0) {
		kill(fixture_pid, SIGTERM);
		waitpid(fixture_pid, NULL, 0);
		fixture_pid = 0;
	}
	if (fixture_dir[0]) {
		snprintf(cmd, sizeof(cmd), "%s/redis.sock", fixture_dir);
		unlink(cmd);
		rmdir(fixture_dir);
		fixture_dir[0] = 0;
	}
}
