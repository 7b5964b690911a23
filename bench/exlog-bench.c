/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * exlog-bench - mainlog parse throughput: every line of FILE through
 * osm_exlog_parse(), then through osm_mlev (parse and build the
 * requests osm-mainlog would send), each timed on one core.
 *
 *   exlog-bench FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_exlog.h"
#include "osm_mlev.h"

static double
eb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static struct osm_exlog l;
	struct stat st;
	const char *map, *p, *end;
	unsigned long lines = 0, arrivals = 0, requests = 0;
	double	t0, t1, t2;
	int	fd;

	if (argc != 2 || (fd = open(argv[1], O_RDONLY)) < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "usage: exlog-bench FILE\n");
		return 2;
	}
	map = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return 1;
	end = map + st.st_size;
	t0 = eb_now();
	for (p = map; p < end; lines++) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t	n = nl ? (size_t) (nl - p) : (size_t) (end - p);

		arrivals += osm_exlog_parse(p, n, &l) == OSM_EXLOG_ARRIVAL;
		p += n + 1;
	}
	t1 = eb_now();
	struct osm_cfg *cfg = osm_cfg_load_mem("b.yaml", "server_name: b\n", 14, NULL);
	struct osm_mlev *ev = osm_mlev_new(cfg);
	struct osm_buf *out = osm_buf_new(1 << 20);

	t1 = eb_now();
	for (p = map; p < end;) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t	n = nl ? (size_t) (nl - p) : (size_t) (end - p);

		requests += (unsigned long) osm_mlev_feed(ev, p, n, out);
		osm_buf_reset(out);
		p += n + 1;
	}
	t2 = eb_now();
	printf("lines=%lu arrivals=%lu parse=%.3fs %.0f lines/s  parse+requests=%.3fs %.0f lines/s requests=%lu\n",
	       lines, arrivals, t1 - t0, lines / (t1 - t0), t2 - t1, lines / (t2 - t1), requests);
	return 0;
}
