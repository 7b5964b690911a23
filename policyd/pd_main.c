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
 * The daemon never needs root again.
 *
 * SECURITY: root works by name only in directories no one else can
 * change.  The run directory (sockets, pid file; /run/osm) is created
 * root's and 0755 and stays so; the pid file is created O_EXCL |
 * O_NOFOLLOW there; sockets are born with their mode and group (umask
 * and egid at bind, pd_server).  What the daemon writes as its user,
 * the status file, lives in a directory of its own (/run/osm/daemon)
 * that root hands over by descriptor.  So the daemon, as its user,
 * cannot remove its sockets and pid file at exit: the next start
 * replaces them, and osmctl checks the pid file's process is ours.
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
#include "osm_secure.h"
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

/* pd_main_split - PATH's directory and last component; -1 if it has none */
static int
pd_main_split(const char *path, char *dir, size_t dlen, const char **leaf)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path || slash[1] == 0 || (size_t) (slash - path) >= dlen)
		return -1;
	memcpy(dir, path, (size_t) (slash - path));
	dir[slash - path] = 0;
	*leaf = slash + 1;
	return 0;
}

/*
 * pd_main_rundir - the directory of a socket or the pid file: created
 * root's and 0755 if missing.  It stays root's: root later creates and
 * replaces names in it, which is safe only where no one else can.
 */
static void
pd_main_rundir(const char *path)
{
	char	dir[4096];
	const char *leaf;

	if (path == NULL || *path == 0 || pd_main_split(path, dir, sizeof(dir), &leaf) != 0)
		return;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		osm_msg_fatal("mkdir %s: %m", dir);
}

/*
 * pd_main_piddir - the pid file's directory must be root's alone, as
 * must every directory above it.  One an older osm-policyd handed to the
 * user (a restart after an upgrade, before /run was cleared) is taken
 * back: through its descriptor, below a parent only root can change.
 * Any other owner is refused.
 */
static void
pd_main_piddir(const struct osm_cfg *cfg)
{
	char	dir[4096], parent[4096], err[512];
	const char *leaf, *dleaf;
	struct passwd *pw;
	struct stat st;
	int	pfd, dfd;

	if (geteuid() != 0 || cfg->pid_file == NULL || *cfg->pid_file == 0
	    || pd_main_split(cfg->pid_file, dir, sizeof(dir), &leaf) != 0
	    || pd_main_split(dir, parent, sizeof(parent), &dleaf) != 0)
		return;
	if ((pfd = osm_secure_dir(parent, 0, err, sizeof(err))) < 0)
		osm_msg_fatal("pid_file %s: %s: %s", cfg->pid_file, parent, err);
	if ((dfd = openat(pfd, dleaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(dfd, &st) < 0)
		osm_msg_fatal("%s: %m (a symlink or not a directory?)", dir);
	if (cfg->user && *cfg->user && (pw = getpwnam(cfg->user)) != NULL && pw->pw_uid != 0
	    && st.st_uid == pw->pw_uid) {
		osm_msg_warn("%s belonged to %s; making it root's again", dir, cfg->user);
		if (fchown(dfd, 0, 0) < 0 || fchmod(dfd, 0755) < 0)
			osm_msg_fatal("%s: %m", dir);
	}
	close(dfd);
	close(pfd);
}

/* pd_main_same_dir - do two paths name files in the same directory? */
static int
pd_main_same_dir(const char *a, const char *b)
{
	char	da[4096], db[4096];
	const char *la, *lb;
	struct stat sa, sb;

	if (a == NULL || b == NULL || pd_main_split(a, da, sizeof(da), &la) != 0
	    || pd_main_split(b, db, sizeof(db), &lb) != 0)
		return 0;
	if (!strcmp(da, db))
		return 1;
	return stat(da, &sa) == 0 && stat(db, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * pd_main_userdir - the status file's directory, which the daemon
 * rewrites as the user.  It must be a directory of its own, not the run
 * directory root works in, and below a directory only root can change,
 * so the one root creates and hands over (mkdirat, then fchown and
 * fchmod on its descriptor, never by name) cannot be swapped.
 */
static void
pd_main_userdir(const struct osm_cfg *cfg)
{
	char	dir[4096], parent[4096], err[512];
	const char *leaf, *dleaf;
	struct passwd *pw;
	struct stat st;
	int	pfd, dfd;

	if (cfg->status_file == NULL || *cfg->status_file == 0
	    || pd_main_split(cfg->status_file, dir, sizeof(dir), &leaf) != 0)
		return;
	if (geteuid() != 0 || cfg->user == NULL || *cfg->user == 0) {
		pd_main_rundir(cfg->status_file);	/* one user throughout */
		return;
	}
	if ((pw = getpwnam(cfg->user)) == NULL)
		osm_msg_fatal("user %s: no such user", cfg->user);
	for (int i = 0; i < cfg->nlisten; i++)
		if ((cfg->listen[i].kind == OSM_LISTEN_UNIX && pd_main_same_dir(cfg->status_file, cfg->listen[i].path))
		    || pd_main_same_dir(cfg->status_file, cfg->pid_file))
			osm_msg_fatal("status_file %s: its directory must be one of its own, which %s may write,"
				      " not the run directory of the sockets and the pid file (say %s/daemon/%s)",
				      cfg->status_file, cfg->user, dir, leaf);
	if (pd_main_split(dir, parent, sizeof(parent), &dleaf) != 0)
		osm_msg_fatal("status_file %s: needs a directory of its own", cfg->status_file);
	if ((pfd = osm_secure_dir(parent, 0, err, sizeof(err))) < 0)
		osm_msg_fatal("status_file %s: %s: %s", cfg->status_file, parent, err);
	if (mkdirat(pfd, dleaf, 0755) < 0 && errno != EEXIST)
		osm_msg_fatal("mkdir %s: %m", dir);
	if ((dfd = openat(pfd, dleaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(dfd, &st) < 0)
		osm_msg_fatal("%s: %m (a symlink or not a directory?)", dir);
	if ((st.st_uid != pw->pw_uid && fchown(dfd, pw->pw_uid, pw->pw_gid) < 0)
	    || ((st.st_mode & 022) && fchmod(dfd, 0755) < 0))
		osm_msg_fatal("%s: handing it to %s: %m", dir, cfg->user);
	close(dfd);
	close(pfd);
}

/*
 * pd_main_pidfile - written by root, as a new file (O_EXCL, O_NOFOLLOW)
 * in a directory only root can change.  A stale one is replaced only
 * if it is a regular file of ours: a symlink or another user's file
 * there means someone else had a hand in the directory.
 */
static void
pd_main_pidfile(const struct osm_cfg *cfg)
{
	char	dir[4096], err[512];
	const char *leaf;
	struct stat st;
	int	dfd, fd = -1;

	if (cfg->pid_file == NULL || *cfg->pid_file == 0)
		return;
	if (pd_main_split(cfg->pid_file, dir, sizeof(dir), &leaf) != 0)
		osm_msg_fatal("pid_file %s: not an absolute path of a file", cfg->pid_file);
	if (geteuid() == 0)
		dfd = osm_secure_dir(dir, 0, err, sizeof(err));
	else if ((dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		snprintf(err, sizeof(err), "%s", strerror(errno));
	if (dfd < 0)
		osm_msg_fatal("pid_file %s: %s: %s", cfg->pid_file, dir, err);
	for (int tries = 0; fd < 0 && tries < 2; tries++) {
		fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd >= 0 || errno != EEXIST)
			break;
		if (fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
			osm_msg_fatal("%s exists and is not a regular file of uid %lu; refusing to replace it",
				      cfg->pid_file, (unsigned long) geteuid());
		if (unlinkat(dfd, leaf, 0) < 0 && errno != ENOENT)
			osm_msg_fatal("removing the stale %s: %m", cfg->pid_file);
	}
	if (fd < 0)
		osm_msg_fatal("%s: %m", cfg->pid_file);
	if (dprintf(fd, "%ld\n", (long) getpid()) < 0 || close(fd) < 0)
		osm_msg_fatal("%s: %m", cfg->pid_file);
	close(dfd);
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
			pd_main_rundir(cfg->listen[i].path);
	pd_main_rundir(cfg->pid_file);
	pd_main_piddir(cfg);
	pd_main_userdir(cfg);
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
	if (pidfile)			/* only works if we kept our uid: see SECURITY above */
		unlink(pidfile);
	free(pidfile);
	return 0;
}
