/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_BUF_H
#define OSM_BUF_H

/*
 * osm_buf - a growable byte buffer with a hard maximum, after sshbuf and
 * Postfix vstring.
 *
 * Usage: b = osm_buf_new(max); osm_buf_append(b, p, n); ...; osm_buf_free(b).
 * Appends that would pass the maximum fail with OSM_BUF_FULL and leave the
 * buffer unchanged; out of memory fails with OSM_BUF_NOMEM.  The data is
 * always NUL-terminated one byte past osm_buf_len() for convenience.
 * osm_buf_consume() drops bytes from the front (input buffers).
 */
#include <stddef.h>
#include <stdarg.h>

#define OSM_BUF_FULL	(-1)
#define OSM_BUF_NOMEM	(-2)

struct osm_buf;

struct osm_buf *osm_buf_new(size_t max);
void	osm_buf_free(struct osm_buf *);
int	osm_buf_append(struct osm_buf *, const void *, size_t);
int	osm_buf_puts(struct osm_buf *, const char *);
int	osm_buf_putu(struct osm_buf *, unsigned long long, int hex);
int	osm_buf_printf(struct osm_buf *, const char *, ...) __attribute__((format(printf, 2, 3)));
void	osm_buf_consume(struct osm_buf *, size_t);
void	osm_buf_reset(struct osm_buf *);
void	osm_buf_truncate(struct osm_buf *, size_t);
char   *osm_buf_data(const struct osm_buf *);
size_t	osm_buf_len(const struct osm_buf *);
/* Make room for n bytes at the end; the caller writes and then commits. */
char   *osm_buf_reserve(struct osm_buf *, size_t n);
void	osm_buf_commit(struct osm_buf *, size_t n);

#endif
