/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_queue - exim queue scan and message operations; see osm_queue.h.
 *
 * The spool header format is exim's spec chapter "Format of spool
 * files": line 1 "ID-H", line 2 "login uid gid", line 3 "<sender>",
 * line 4 "time delay", then "-name value" lines.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "osm_exlog.h"
#include "osm_queue.h"
#include "osm_run.h"

/* osm_queue_header_match - see osm_queue.h */
int
osm_queue_header_match(const char *h, const char *who, int frozen_only)
{
	const char *v = strchr(who, ':') + 1, *p = h, *nl;
	size_t	vl = strlen(v);
	int	n = 0, match = 0, frozen = 0;

	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1, n++) {
		size_t	len = (size_t) (nl - p);

		if (n == 1 && !strncmp(who, "account:", 8))
			match = len > vl && !strncmp(p, v, vl) && p[vl] == ' ';
		else if (n > 3 && p[0] != '-')
			break;			/* past the - lines: recipients, headers */
		else if (!strncmp(p, "-auth_id ", 9) && !strncmp(who, "email:", 6))
			match = len - 9 == vl && !strncasecmp(p + 9, v, vl);
		else if (!strncmp(p, "-host_address ", 14) && !strncmp(who, "ip:", 3))
			match = len > 14 + vl && !strncmp(p + 14, v, vl) && p[14 + vl] == '.';
		else if (!strncmp(p, "-frozen ", 8))
			frozen = 1;
		else if (!strncmp(p, "-aclc ", 6) || !strncmp(p, "-aclm ", 6)) {
			/* "-aclX NAME LENGTH", then LENGTH bytes of value and a newline */
			const char *sp = memrchr(p, ' ', len);
			unsigned long vlen = sp ? strtoul(sp + 1, NULL, 10) : 0;

			if (vlen >= strlen(nl + 1) || nl[vlen + 1] != '\n')
				break;		/* cut short or not what exim writes */
			nl += vlen + 1;
		}
	}
	return match && (frozen || !frozen_only);
}

/* osm_queue_read - one header file, up to 64 KiB, NUL-terminated; 0 if empty or unreadable */
static ssize_t
osm_queue_read(const char *path, char *h, size_t size)
{
	int	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t	got;

	if (fd < 0)
		return 0;
	got = read(fd, h, size - 1);
	close(fd);
	if (got <= 0)
		return 0;
	h[got] = 0;
	return got;
}

static void
osm_queue_dir(const char *dir, const char *who, int frozen_only, char (*ids)[OSM_QUEUE_ID_LEN],
	      size_t *n, size_t max, int depth)
{
	DIR    *d = opendir(dir);
	struct dirent *e;
	char	path[4096];
	static char h[65536];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && *n < max) {
		size_t	l = strlen(e->d_name);

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (depth == 0 && l == 1 && isalnum((unsigned char) e->d_name[0])) {
			osm_queue_dir(path, who, frozen_only, ids, n, max, 1);	/* split spool */
			continue;
		}
		if (l < 3 || strcmp(e->d_name + l - 2, "-H") || !osm_exlog_is_id(e->d_name, l - 2))
			continue;
		if (osm_queue_read(path, h, sizeof(h)) && osm_queue_header_match(h, who, frozen_only)) {
			snprintf(ids[*n], OSM_QUEUE_ID_LEN, "%.*s", (int) (l - 2), e->d_name);
			(*n)++;
		}
	}
	closedir(d);
}

int
osm_queue_scan(const char *spool, const char *who, int frozen_only, char (*ids)[OSM_QUEUE_ID_LEN],
	       size_t *n, size_t max)
{
	char	dir[4096];
	size_t	before = *n;

	if (strchr(who, ':') == NULL)
		return 0;
	snprintf(dir, sizeof(dir), "%s/input", spool);
	osm_queue_dir(dir, who, frozen_only, ids, n, max, 0);
	return (int) (*n - before);
}

int
osm_queue_owned(const char *spool, const char *id, const char *who, int frozen_only)
{
	static char h[65536];
	char	path[4200];

	if (!osm_exlog_is_id(id, strlen(id)) || strchr(who, ':') == NULL)
		return 0;
	/* split_spool_directory: input/X/ with X the id's sixth character */
	snprintf(path, sizeof(path), "%.4000s/input/%s-H", spool, id);
	if (osm_queue_read(path, h, sizeof(h)) == 0) {
		snprintf(path, sizeof(path), "%.4000s/input/%c/%s-H", spool, id[5], id);
		if (osm_queue_read(path, h, sizeof(h)) == 0)
			return 0;
	}
	return osm_queue_header_match(h, who, frozen_only);
}

/* osm_queue_count - the messages exim's output says it handled */
static size_t
osm_queue_count(const char *out, const char *op)
{
	static const char *const frozen[] = {"is now frozen", "is already frozen", NULL};
	static const char *const thawed[] = {"is no longer frozen", "is not frozen", NULL};
	static const char *const removed[] = {"has been removed\n", NULL};
	const char *const *ok = op[2] == 'f' ? frozen : op[2] == 't' ? thawed : removed;
	size_t	n = 0;

	for (; *ok; ok++)
		for (const char *p = strstr(out, *ok); p; p = strstr(p + 1, *ok))
			n++;
	return n;
}

int
osm_queue_exim(const char *exim, const char *op, char (*ids)[OSM_QUEUE_ID_LEN], size_t n,
	       unsigned timeout_ms, size_t *done, struct osm_run_result *res)
{
	const char *argv[53];
	static char out[16384];
	int	rv = 0;

	memset(res, 0, sizeof(*res));
	snprintf(res->detail, sizeof(res->detail), "nothing to do");
	*done = 0;
	for (size_t i = 0; i < n; i += 50) {
		int	a = 0;

		argv[a++] = exim;
		argv[a++] = op;
		for (size_t j = i; j < n && j < i + 50; j++)
			if (osm_exlog_is_id(ids[j], strlen(ids[j])))
				argv[a++] = ids[j];
		argv[a] = NULL;
		/* exim exits 1 if any message was locked or gone: count, do not trust it */
		if (osm_run(argv, NULL, NULL, -1, timeout_ms, out, sizeof(out), res) != 0
		    || res->status == OSM_RUN_TIMEOUT)
			rv = -1;
		*done += osm_queue_count(out, op);
	}
	return rv;
}

int
osm_queue_thaw(const char *exim, const char *spool, const char *who, size_t *found, size_t *done,
	       struct osm_run_result *res)
{
	static char ids[OSM_QUEUE_THAW_MAX][OSM_QUEUE_ID_LEN];

	*found = *done = 0;
	osm_queue_scan(spool, who, 1, ids, found, OSM_QUEUE_THAW_MAX);
	if (*found == 0)
		return 0;
	return osm_queue_exim(exim, "-Mt", ids, *found, 60000, done, res);
}
