/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * privcall - play the unprivileged side of osm-policyd: start the
 * privileged helper (pd_priv) with CONFIG, send it one request made of
 * the FIELDs, print "STATUS DETAIL".  The tests use it to send what a
 * compromised action worker could: another account's message ids,
 * another home's path, an account below min_uid.
 *
 *   privcall CONFIG FIELD...
 *   privcall -s CONFIG
 *
 * With -s, each line of standard input is one raw packet to the same
 * helper: its TAB-separated fields joined by NUL, with no NUL after the
 * last (so "command<TAB>susp" is a request cut short), or "@big N", N
 * bytes of 'a'.  Each reply is printed as a line; a packet the helper
 * does not answer prints "gone" and ends the run with status 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "osm_msg.h"
#include "pd_priv.h"

static char privcall_pkt[4 * PD_PRIV_MAX_MSG];

/* privcall_script - the -s loop */
static int
privcall_script(int fd)
{
	char	line[PD_PRIV_MAX_MSG], reply[PD_PRIV_MAX_MSG + 1];
	ssize_t	n;

	while (fgets(line, sizeof(line), stdin)) {
		size_t	len = strcspn(line, "\n");
		unsigned long big;

		line[len] = 0;
		if (sscanf(line, "@big %lu", &big) == 1 && big <= sizeof(privcall_pkt)) {
			memset(privcall_pkt, 'a', big);
			len = big;
		} else {
			memcpy(privcall_pkt, line, len);
			for (size_t i = 0; i < len; i++)
				if (privcall_pkt[i] == '\t')
					privcall_pkt[i] = 0;
		}
		if (send(fd, privcall_pkt, len, MSG_NOSIGNAL) < 0
		    || (n = recv(fd, reply, PD_PRIV_MAX_MSG, 0)) <= 0) {
			printf("gone\n");
			return 1;
		}
		reply[n] = 0;
		size_t	sl = strlen(reply) + 1;

		printf("%s %s\n", reply, sl < (size_t) n ? reply + sl : "");
		fflush(stdout);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char	status[16], detail[2048];
	int	fd, script = argc > 1 && !strcmp(argv[1], "-s"), rc = 0;
	pid_t	pid;

	osm_msg_init(argv[0]);
	if (argc < 3 - script || (script && argc != 3)) {
		fprintf(stderr, "usage: privcall CONFIG FIELD... | privcall -s CONFIG\n");
		return 2;
	}
	pid = pd_priv_start(argv[1 + script], &fd);
	if (script)
		rc = privcall_script(fd);
	else if (pd_priv_call(fd, (const char *const *) argv + 2, argc - 2, -1, status, sizeof(status),
			      detail, sizeof(detail)) != 0) {
		fprintf(stderr, "privcall: no reply from the helper\n");
		rc = 1;
	} else
		printf("%s %s\n", status, detail);
	close(fd);
	waitpid(pid, NULL, 0);
	return rc;
}
