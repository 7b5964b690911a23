/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm-policyd - the osm policy daemon: counts outgoing-mail events in
 * Redis sliding windows and answers Postfix-style policy requests.
 *
 * SYNOPSIS: osm-policyd [-f] [-v] [-c FILE]; osm-policyd -t [-c FILE]
 *
 * Start-up order (Postfix chroot_uid, OpenSSH privsep): load the
 * configuration, open the listeners and the pid file as root, fork the
 * privileged helper (pd_priv: the few actions that need root), then drop
 * to the configured user (setgid, initgroups, setuid, checked) before
 * the first request is read, and fork the action worker (pd_action).
 * The daemon never needs root again: the socket paths it unlinks at exit
 * live in its own run directory.
 * See osm-policyd(8).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_msg.h"
#include "osm_priv.h"
#include "pd_action.h"
#include "pd_priv.h"
#include "pd_proc.h"
#include "pd_server.h"

#ifndef OSM_SYSCONFDIR
#define OSM_SYSCONFDIR "/etc"
#endif

static const char *pd_main_file = OSM_SYSCONFDIR "/osm/osm.yaml";

static struct osm_cfg *
pd_main_reload(void)
{
	struct osm_cfg *cfg = osm_cfg_load_log(pd_main_file);

	if (cfg == NULL)
		osm_msg_warn("reload failed; the running configuration stays in force");
	return cfg;
}

/* pd_main_dirs - create the run directory of a path, owned by the user */
static void
pd_main_rundir(const char *path, const struct osm_cfg *cfg)
{
	char	dir[4096];
	char   *slash;
	struct passwd *pw;

	if (path == NULL || *path == 0)
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = 0;
	if (mkdir(dir, 0755) == 0 && geteuid() == 0 && cfg->user && *cfg->user
	    && (pw = getpwnam(cfg->user)) != NULL) {
		if (chown(dir, pw->pw_uid, pw->pw_gid) < 0)
			osm_msg_warn("chown %s: %m", dir);
	}
}

static void
pd_main_pidfile(const struct osm_cfg *cfg)
{
	FILE   *fp;

	if (cfg->pid_file == NULL || *cfg->pid_file == 0)
		return;
	if ((fp = fopen(cfg->pid_file, "w")) == NULL)
		osm_msg_fatal("%s: %m", cfg->pid_file);
	fprintf(fp, "%ld\n", (long) getpid());
	fclose(fp);
}

/*
 * pd_main_daemonize - the usual double fork; the first parent exits only
 * when the daemon says it is up (pid file written), through a pipe, so
 * whoever started it (a script, systemd Type=forking) finds the pid file.
 * Returns the pipe's write end, for pd_main_ready().
 */
static int
pd_main_daemonize(void)
{
	pid_t	pid;
	int	fd, up[2];
	char	c;

	if (pipe(up) < 0)
		osm_msg_fatal("pipe: %m");
	if ((pid = fork()) < 0)
		osm_msg_fatal("fork: %m");
	if (pid > 0) {
		close(up[1]);
		_exit(read(up[0], &c, 1) == 1 ? 0 : 1);
	}
	close(up[0]);
	setsid();
	if ((pid = fork()) < 0)
		osm_msg_fatal("fork: %m");
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		osm_msg_fatal("chdir /: %m");
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return up[1];
}

static void
pd_main_usage(void)
{
	fprintf(stderr, "usage: osm-policyd [-f] [-v] [-c FILE]\n"
		"       osm-policyd -t [-c FILE]\n"
		"  -c FILE  configuration (default %s)\n"
		"  -f       stay in the foreground and log to stderr\n"
		"  -t       check the configuration and exit\n"
		"  -v       verbose logging\n", pd_main_file);
	exit(2);
}

int
main(int argc, char **argv)
{
	int	ch, foreground = 0, test = 0;
	struct osm_cfg *cfg;
	struct pd_server *srv;

	osm_msg_init(argv[0]);
	while ((ch = getopt(argc, argv, "c:ftvh")) != -1) {
		switch (ch) {
		case 'c': pd_main_file = optarg; break;
		case 'f': foreground = 1; break;
		case 't': test = 1; break;
		case 'v': osm_msg_verbose++; break;
		default: pd_main_usage();
		}
	}
	if (optind != argc)
		pd_main_usage();
	if (test) {
		struct osm_buf *errs = osm_buf_new(1 << 20);

		if (errs == NULL)
			return 1;
		cfg = osm_cfg_load(pd_main_file, errs);
		fputs(osm_buf_data(errs), stderr);
		osm_buf_free(errs);
		if (cfg == NULL)
			return 1;
		printf("%s: configuration OK\n", pd_main_file);
		osm_cfg_free(cfg);
		return 0;
	}
	if ((cfg = osm_cfg_load_log(pd_main_file)) == NULL)
		osm_msg_fatal("%s: cannot start without a valid configuration", pd_main_file);
	for (int i = 0; i < cfg->nlisten; i++)
		if (cfg->listen[i].kind == OSM_LISTEN_UNIX)
			pd_main_rundir(cfg->listen[i].path, cfg);
	pd_main_rundir(cfg->pid_file, cfg);
	pd_main_rundir(cfg->status_file, cfg);
	/* Listeners first, so a busy port fails on the terminal, not in syslog. */
	srv = pd_server_new(cfg);
	int	up = -1;

	if (!foreground) {
		up = pd_main_daemonize();
		osm_msg_syslog_init("osm-policyd", LOG_MAIL);
	}
	pd_main_pidfile(cfg);
	if (up >= 0) {
		if (write(up, "1", 1) != 1)
			osm_msg_warn("telling the starter we are up: %m");
		close(up);
	}
	/* privilege separation: what needs root stays in a helper */
	int	helper_fd;

	pd_priv_start(pd_main_file, &helper_fd);
	pd_server_set_proc(srv, pd_proc_start(cfg->user));	/* after pd_priv: it keeps no copy */
	osm_priv_drop(cfg->user);
	struct pd_action *act = pd_action_new(pd_main_file, cfg, helper_fd);

	pd_server_set_actions(srv, act);
	osm_msg_info("started: server %s, %d listener(s), redis %s, mode %s", cfg->server_name,
		     cfg->nlisten, cfg->redis, cfg->monitor ? "monitor" : "enforce");
	char   *pidfile = cfg->pid_file ? strdup(cfg->pid_file) : NULL;

	pd_server_run(srv, pd_main_reload);
	pd_action_signal(act, SIGTERM);
	pd_action_free(act);
	pd_server_free(srv);			/* and the configuration it holds */
	if (pidfile)
		unlink(pidfile);
	free(pidfile);
	return 0;
}
