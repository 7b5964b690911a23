/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privcall - play the unprivileged side of osm-policyd: start the
 * privileged helper (pd_priv) with CONFIG, send it one request made of
 * the FIELDs, print "STATUS DETAIL".  The tests use it to send what a
 * compromised action worker could: another account's message ids,
 * another home's path, an account below min_uid.
 *
 *   privcall CONFIG FIELD...
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osm_msg.h"
#include "pd_priv.h"

int
main(int argc, char **argv)
{
	char	status[16], detail[2048];
	int	fd;
	pid_t	pid;

	osm_msg_init(argv[0]);
	if (argc < 3) {
		fprintf(stderr, "usage: privcall CONFIG FIELD...\n");
		return 2;
	}
	pid = pd_priv_start(argv[1], &fd);
	if (pd_priv_call(fd, (const char *const *) argv + 2, argc - 2, -1, status, sizeof(status),
			 detail, sizeof(detail)) != 0) {
		fprintf(stderr, "privcall: no reply from the helper\n");
		return 1;
	}
	printf("%s %s\n", status, detail);
	close(fd);
	waitpid(pid, NULL, 0);
	return 0;
}
