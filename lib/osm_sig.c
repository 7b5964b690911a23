/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_sig - how osm's processes take signals; see osm_sig.h.
 */
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>

#include "osm_msg.h"
#include "osm_sig.h"

void
osm_sig_block(sigset_t *mask, int hup)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	if (hup)
		sigaddset(mask, SIGHUP);
	sigprocmask(SIG_BLOCK, mask, NULL);
}

int
osm_sig_fd(const sigset_t *mask)
{
	int	fd;

	if ((fd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		osm_msg_fatal("signalfd: %m");
	signal(SIGPIPE, SIG_IGN);
	return fd;
}

void
osm_sig_child(void (*on_hup)(int))
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_hup ? on_hup : SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
