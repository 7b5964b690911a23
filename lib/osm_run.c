/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_run - run a command without a shell; see osm_run.h.
 *
 * The child reports a failed exec through a close-on-exec pipe, so
 * "cannot run" is told apart from a program that ran and failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osm_clock.h"
#include "osm_run.h"

const char *
osm_run_status_name(enum osm_run_status s)
{
	return s == OSM_RUN_OK ? "ok" : s == OSM_RUN_TIMEOUT ? "timeout" : "failed";
}

/* osm_run_child - never returns */
static void
osm_run_child(const char *const *argv, const char *const *env, const struct passwd *pw, int infd,
	      int outfd, int errpipe)
{
	const char *envp[24];
	int	n = 0, err;

	setpgid(0, 0);
	signal(SIGPIPE, SIG_DFL);
	if (infd < 0)
		infd = open("/dev/null", O_RDONLY);
	if (infd < 0 || dup2(infd, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		goto fail;
	if (pw && (setgid(pw->pw_gid) < 0 || initgroups(pw->pw_name, pw->pw_gid) < 0
		   || setuid(pw->pw_uid) < 0))
		goto fail;
	for (int fd = 3; fd < 1024; fd++)
		if (fd != errpipe)
			close(fd);
	envp[n++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	envp[n++] = "LANG=C";
	envp[n++] = "HOME=/";
	for (int i = 0; env && env[i] && n < 23; i++)
		envp[n++] = env[i];
	envp[n] = NULL;
	execve(argv[0], (char *const *) argv, (char *const *) envp);
fail:
	err = errno;
	if (write(errpipe, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int
osm_run(const char *const *argv, const char *const *env, const char *user, int infd,
	unsigned timeout_ms, char *out, size_t outlen, struct osm_run_result *res)
{
	struct passwd *pw = NULL;
	int	opipe[2], epipe[2], status = 0, err = 0;
	size_t	got = 0;
	pid_t	pid;
	long long deadline = osm_mono_ms() + timeout_ms;
	int	timed_out = 0, open_out = 1;

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;
	res->status = OSM_RUN_FAILED;
	if (outlen)
		out[0] = 0;
	if (user && *user && (pw = getpwnam(user)) == NULL) {
		snprintf(res->detail, sizeof(res->detail), "cannot run: no user %s", user);
		return -1;
	}
	if (pipe2(opipe, O_CLOEXEC) < 0 || pipe2(epipe, O_CLOEXEC) < 0) {
		snprintf(res->detail, sizeof(res->detail), "cannot run: pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(res->detail, sizeof(res->detail), "cannot run: fork: %s", strerror(errno));
		close(opipe[0]), close(opipe[1]), close(epipe[0]), close(epipe[1]);
		return -1;
	}
	if (pid == 0)
		osm_run_child(argv, env, pw, infd, opipe[1], epipe[1]);
	setpgid(pid, pid);			/* both sides: no race with the kill */
	close(opipe[1]);
	close(epipe[1]);
	while (open_out) {
		long long left = deadline - osm_mono_ms();
		struct pollfd p = {opipe[0], POLLIN, 0};
		char	buf[4096];
		ssize_t	n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(&p, 1, (int) left) <= 0)
			continue;
		if ((n = read(opipe[0], buf, sizeof(buf))) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			open_out = 0;
			break;
		}
		if (outlen && got < outlen - 1) {
			size_t	k = (size_t) n < outlen - 1 - got ? (size_t) n : outlen - 1 - got;

			memcpy(out + got, buf, k);
			got += k;
			out[got] = 0;
		}
	}
	/* Output closed; the program may still run (a daemon child holding
	 * nothing open, or just slow): wait for it within the deadline. */
	while (!timed_out) {
		pid_t	w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (osm_mono_ms() >= deadline)
			timed_out = 1;
		else
			usleep(10000);
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	close(opipe[0]);
	if (read(epipe[0], &err, sizeof(err)) == (ssize_t) sizeof(err)) {
		snprintf(res->detail, sizeof(res->detail), "cannot run %s: %s", argv[0], strerror(err));
		close(epipe[0]);
		return -1;
	}
	close(epipe[0]);
	if (timed_out) {
		res->status = OSM_RUN_TIMEOUT;
		snprintf(res->detail, sizeof(res->detail), "timed out after %u ms, killed", timeout_ms);
	} else if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
		res->status = res->exit_code == 0 ? OSM_RUN_OK : OSM_RUN_FAILED;
		snprintf(res->detail, sizeof(res->detail), "exit %d", res->exit_code);
	} else
		snprintf(res->detail, sizeof(res->detail), "killed by signal %d", WTERMSIG(status));
	return 0;
}
