/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * redis_fixture - a throwaway redis-server for unit tests; see
 * redis_fixture.h.
 *
 * Ready means a connect() succeeds, not that the socket file exists:
 * redis binds (which creates the file) before it listens, and under
 * load a client that came in between was refused.  The server logs to
 * a file in its directory, shown when it does not come up.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redis_fixture.h"

static char fixture_dir[64];
static char fixture_addr[128];
static pid_t fixture_pid;

static int
fixture_connects(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int	fd, ok;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return 0;
	ok = connect(fd, (struct sockaddr *) &sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

static void
fixture_show_log(void)
{
	char	path[100], line[512];
	FILE   *fp;

	snprintf(path, sizeof(path), "%s/redis.log", fixture_dir);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp))
		fprintf(stderr, "redis_fixture: %s", line);
	fclose(fp);
}

const char *
redis_fixture_start(void)
{
	char	sock[100], log[100];
	int	status;

	snprintf(fixture_dir, sizeof(fixture_dir), "/tmp/osm-unit.XXXXXX");
	if (mkdtemp(fixture_dir) == NULL)
		return NULL;
	snprintf(sock, sizeof(sock), "%s/redis.sock", fixture_dir);
	snprintf(log, sizeof(log), "%s/redis.log", fixture_dir);
	if ((fixture_pid = fork()) == 0) {
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--save", "", "--appendonly", "no", "--dir", fixture_dir,
		       "--logfile", log, (char *) NULL);
		_exit(127);
	}
	for (int i = 0; i < 1000 && fixture_pid > 0; i++) {	/* 10 s */
		if (fixture_connects(sock)) {
			snprintf(fixture_addr, sizeof(fixture_addr), "unix:%s", sock);
			return fixture_addr;
		}
		if (waitpid(fixture_pid, &status, WNOHANG) == fixture_pid) {
			fprintf(stderr, "redis_fixture: redis-server exited (status 0x%x)\n", status);
			fixture_pid = 0;
			break;
		}
		usleep(10000);
	}
	fprintf(stderr, "redis_fixture: redis-server at %s did not come up\n", sock);
	fixture_show_log();
	redis_fixture_stop();
	return NULL;
}

void
redis_fixture_stop(void)
{
	char	path[128];

	if (fixture_pid > 0) {
		kill(fixture_pid, SIGTERM);
		waitpid(fixture_pid, NULL, 0);
		fixture_pid = 0;
	}
	if (fixture_dir[0]) {
		snprintf(path, sizeof(path), "%s/redis.sock", fixture_dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/redis.log", fixture_dir);
		unlink(path);
		rmdir(fixture_dir);
		fixture_dir[0] = 0;
	}
}
