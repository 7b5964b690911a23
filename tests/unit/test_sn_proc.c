/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * test_sn_proc - osm-sniffer's /proc reader (sniffer/sn_proc.c): the two
 * questions it answers about a real process (a sleep(1) holding a socket,
 * SCRIPT_FILENAME in its environment), the ones it must not answer (the
 * wrong uid, another socket), and a table of malformed requests sent raw
 * over its socketpair, each refused with SN_PROC_BAD and nothing read,
 * after which it still answers.  As root the reader runs as nobody with
 * its two capabilities, as in osm-sniffer.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "osm_proc.h"
#include "sn_proc.h"

#define TSP_SCRIPT	"/home/t/public_html/mailer.php"

static struct sn_proc *tsp_rd;
static pid_t tsp_child;
static unsigned long tsp_inode;
static char tsp_sleep[4096], tsp_cwd[4096];

static int
tsp_setup(void **state)
{
	struct passwd *pw = getpwnam("nobody");
	char	*env[] = {"PATH=/usr/bin:/bin", "SCRIPT_FILENAME=" TSP_SCRIPT, NULL};
	char	cmd[64], path[64];
	struct stat st;
	int	s;

	(void) state;
	if (realpath("/bin/sleep", tsp_sleep) == NULL || getcwd(tsp_cwd, sizeof(tsp_cwd)) == NULL)
		return -1;
	/* a socket the child inherits across exec: its inode is what sock_diag gives */
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 || fstat(s, &st) < 0)
		return -1;
	tsp_inode = (unsigned long) st.st_ino;
	if ((tsp_child = fork()) == 0) {
		execve("/bin/sleep", (char *[]) {"sleep", "30", NULL}, env);
		_exit(127);
	}
	close(s);
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long) tsp_child);
	for (int i = 0; i < 200; i++) {		/* until the exec is done */
		FILE   *f = fopen(path, "r");
		size_t	n = f ? fread(cmd, 1, sizeof(cmd) - 1, f) : 0;

		if (f)
			fclose(f);
		cmd[n] = 0;
		if (!strcmp(cmd, "sleep"))
			break;
		usleep(10000);
	}
	tsp_rd = sn_proc_start(geteuid() == 0 && pw ? "nobody" : "");
	return tsp_rd ? 0 : -1;
}

static int
tsp_teardown(void **state)
{
	(void) state;
	kill(tsp_child, SIGKILL);
	waitpid(tsp_child, NULL, 0);
	sn_proc_free(tsp_rd);
	return 0;
}

static void
test_pid(void **state)
{
	struct osm_proc p;

	(void) state;
	assert_int_equal(sn_proc_pid(tsp_rd, tsp_child, getuid(), &p), 0);
	assert_int_equal(p.pid, tsp_child);
	assert_string_equal(p.exe, tsp_sleep);
	assert_string_equal(p.cwd, tsp_cwd);
	assert_string_equal(p.cmdline, "sleep 30");
	assert_string_equal(p.script, TSP_SCRIPT);
}

static void
test_pid_refused(void **state)
{
	struct osm_proc p;

	(void) state;
	/* not the uid the caller expects: nothing, though the pid exists */
	assert_int_equal(sn_proc_pid(tsp_rd, tsp_child, getuid() + 4242, &p), 1);
	assert_int_equal(p.pid, 0);
	assert_string_equal(p.exe, "");
	/* checked before asking, too */
	assert_int_equal(sn_proc_pid(tsp_rd, 0, getuid(), &p), 1);
	assert_int_equal(sn_proc_pid(tsp_rd, SN_PROC_PID_MAX + 1L, getuid(), &p), 1);
}

static void
test_sock(void **state)
{
	struct osm_proc p;

	(void) state;
	assert_int_equal(sn_proc_sock(tsp_rd, getuid(), tsp_inode, &p), 0);
	assert_int_equal(p.pid, tsp_child);
	assert_string_equal(p.exe, tsp_sleep);
	assert_string_equal(p.script, TSP_SCRIPT);
	/* another uid's processes are not searched; nobody holds inode+1e9 */
	assert_int_equal(sn_proc_sock(tsp_rd, getuid() + 4242, tsp_inode, &p), 1);
	assert_int_equal(sn_proc_sock(tsp_rd, getuid(), tsp_inode + 1000000000UL, &p), 1);
	assert_int_equal(sn_proc_sock(tsp_rd, getuid(), 0, &p), 1);
}

/* tsp_raw - send LEN bytes as one request; the reply's status */
static int
tsp_raw(const void *req, size_t len, uint32_t seq)
{
	static struct sn_proc_rep rp;
	struct pollfd pfd = {sn_proc_fd(tsp_rd), POLLIN, 0};
	ssize_t	n;

	assert_int_equal(send(pfd.fd, req, len, MSG_NOSIGNAL), (ssize_t) len);
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	n = recv(pfd.fd, &rp, sizeof(rp), 0);
	assert_int_equal(n, (ssize_t) sizeof(rp));
	assert_int_equal(rp.magic, SN_PROC_MAGIC);
	if (len >= offsetof(struct sn_proc_req, uid))
		assert_int_equal(rp.seq, seq);
	if (rp.status != SN_PROC_FOUND) {	/* nothing read for a refused one */
		assert_int_equal(rp.pid, 0);
		assert_string_equal(rp.exe, "");
		assert_string_equal(rp.cwd, "");
		assert_string_equal(rp.cmdline, "");
		assert_string_equal(rp.script, "");
	}
	return rp.status;
}

static void
test_garbage(void **state)
{
	const struct sn_proc_req ok = {SN_PROC_MAGIC, SN_PROC_PID, 7, (uint32_t) getuid(),
		(uint64_t) tsp_child, 0};
	struct {
		const char *label;
		struct sn_proc_req q;
		size_t	len;		/* 0: sizeof(q) */
		int	want;
	} tt[] = {
		{"valid", ok, 0, SN_PROC_FOUND},
		{"valid, gone pid", {SN_PROC_MAGIC, SN_PROC_PID, 7, 0, SN_PROC_PID_MAX, 0}, 0, SN_PROC_NONE},
		{"one byte short", ok, sizeof(ok) - 1, SN_PROC_BAD},
		{"half", ok, sizeof(ok) / 2, SN_PROC_BAD},
		{"wrong magic", {0x41414141, SN_PROC_PID, 7, 0, 1, 0}, 0, SN_PROC_BAD},
		{"op 0", {SN_PROC_MAGIC, 0, 7, 0, 1, 0}, 0, SN_PROC_BAD},
		{"op 3", {SN_PROC_MAGIC, 3, 7, 0, 1, 0}, 0, SN_PROC_BAD},
		{"op -1", {SN_PROC_MAGIC, 0xffffffffu, 7, 0, 1, 0}, 0, SN_PROC_BAD},
		{"pid 0", {SN_PROC_MAGIC, SN_PROC_PID, 7, 0, 0, 0}, 0, SN_PROC_BAD},
		{"pid -1", {SN_PROC_MAGIC, SN_PROC_PID, 7, 0, (uint64_t) -1, 0}, 0, SN_PROC_BAD},
		{"pid past PID_MAX_LIMIT", {SN_PROC_MAGIC, SN_PROC_PID, 7, 0, SN_PROC_PID_MAX + 1ULL, 0}, 0,
			SN_PROC_BAD},
		{"pid request with an inode", {SN_PROC_MAGIC, SN_PROC_PID, 7, 0, 1, 5}, 0, SN_PROC_BAD},
		{"uid -1", {SN_PROC_MAGIC, SN_PROC_PID, 7, 0xffffffffu, 1, 0}, 0, SN_PROC_BAD},
		{"socket request with a pid", {SN_PROC_MAGIC, SN_PROC_SOCK, 7, 0, 1, 5}, 0, SN_PROC_BAD},
		{"socket request without an inode", {SN_PROC_MAGIC, SN_PROC_SOCK, 7, 0, 0, 0}, 0, SN_PROC_BAD},
	};
	char	big[sizeof(ok) + 100];
	struct osm_proc p;

	(void) state;
	for (size_t i = 0; i < sizeof(tt) / sizeof(tt[0]); i++) {
		int	got = tsp_raw(&tt[i].q, tt[i].len ? tt[i].len : sizeof(tt[i].q), 7);

		if (got != tt[i].want)
			fail_msg("%s: got status %d, want %d", tt[i].label, got, tt[i].want);
	}
	/* longer than a request, though it starts as a valid one */
	memset(big, 'A', sizeof(big));
	memcpy(big, &ok, sizeof(ok));
	assert_int_equal(tsp_raw(big, sizeof(ok) + 1, 7), SN_PROC_BAD);
	assert_int_equal(tsp_raw(big, sizeof(big), 7), SN_PROC_BAD);
	/* all of that refused, and the reader still answers */
	assert_int_equal(sn_proc_pid(tsp_rd, tsp_child, getuid(), &p), 0);
	assert_string_equal(p.script, TSP_SCRIPT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_pid_refused),
		cmocka_unit_test(test_sock),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, tsp_setup, tsp_teardown);
}
