/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_buf - bounded growable buffer; see osm_buf.h.
 *
 * The live data is [off, off+len) of mem.  Consuming from the front only
 * moves off; the data is slid back when space runs out at the end, so a
 * connection's input buffer costs no memmove per request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"

struct osm_buf {
	char   *mem;
	size_t	off;
	size_t	len;
	size_t	cap;
	size_t	max;
};

struct osm_buf *
osm_buf_new(size_t max)
{
	struct osm_buf *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->cap = max < 256 ? max + 1 : 256;
	if ((b->mem = malloc(b->cap)) == NULL) {
		free(b);
		return NULL;
	}
	b->mem[0] = 0;
	b->max = max;
	return b;
}

void
osm_buf_free(struct osm_buf *b)
{
	if (b == NULL)
		return;
	free(b->mem);
	free(b);
}

/* osm_buf_reserve - room for n more bytes plus the terminator */
char *
osm_buf_reserve(struct osm_buf *b, size_t n)
{
	size_t	need;
	char   *nm;

	if (n > b->max || b->len > b->max - n)
		return NULL;
	need = b->len + n + 1;
	if (b->off + need <= b->cap)
		return b->mem + b->off + b->len;
	if (b->off > 0) {
		memmove(b->mem, b->mem + b->off, b->len);
		b->off = 0;
		b->mem[b->len] = 0;
		if (need <= b->cap)
			return b->mem + b->len;
	}
	size_t	ncap = b->cap;

	while (ncap < need)
		ncap = ncap > (b->max + 1) / 2 ? b->max + 1 : ncap * 2;
	if ((nm = realloc(b->mem, ncap)) == NULL)
		return NULL;
	b->mem = nm;
	b->cap = ncap;
	return b->mem + b->len;
}

void
osm_buf_commit(struct osm_buf *b, size_t n)
{
	b->len += n;
	b->mem[b->off + b->len] = 0;
}

int
osm_buf_append(struct osm_buf *b, const void *p, size_t n)
{
	char   *dst;

	if (n > b->max || b->len > b->max - n)
		return OSM_BUF_FULL;
	if (b->off + b->len + n < b->cap) {	/* room already: the common case */
		dst = b->mem + b->off + b->len;
		memcpy(dst, p, n);
		dst[n] = 0;
		b->len += n;
		return 0;
	}
	if ((dst = osm_buf_reserve(b, n)) == NULL)
		return OSM_BUF_NOMEM;
	memcpy(dst, p, n);
	osm_buf_commit(b, n);
	return 0;
}

int
osm_buf_puts(struct osm_buf *b, const char *s)
{
	return osm_buf_append(b, s, strlen(s));
}

/* osm_buf_putu - a number in decimal or hex: hot paths avoid printf */
int
osm_buf_putu(struct osm_buf *b, unsigned long long v, int hex)
{
	static const char digits[] = "0123456789abcdef";
	char	tmp[24], *e = tmp + sizeof(tmp), *p = e;

	/* Constant divisors: a multiply or a shift, not a division a digit. */
	if (hex)
		do
			*--p = digits[v & 15];
		while ((v >>= 4) != 0);
	else
		do
			*--p = digits[v % 10];
		while ((v /= 10) != 0);
	return osm_buf_append(b, p, (size_t) (e - p));
}

int
osm_buf_printf(struct osm_buf *b, const char *fmt, ...)
{
	va_list ap;
	char	small[512];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return OSM_BUF_NOMEM;
	if ((size_t) n < sizeof(small))
		return osm_buf_append(b, small, (size_t) n);

	char   *dst;

	if ((size_t) n > b->max || b->len > b->max - (size_t) n)
		return OSM_BUF_FULL;
	if ((dst = osm_buf_reserve(b, (size_t) n)) == NULL)
		return OSM_BUF_NOMEM;
	va_start(ap, fmt);
	vsnprintf(dst, (size_t) n + 1, fmt, ap);
	va_end(ap);
	osm_buf_commit(b, (size_t) n);
	return 0;
}

void
osm_buf_consume(struct osm_buf *b, size_t n)
{
	if (n >= b->len) {
		osm_buf_reset(b);
		return;
	}
	b->off += n;
	b->len -= n;
}

void
osm_buf_reset(struct osm_buf *b)
{
	b->off = b->len = 0;
	b->mem[0] = 0;
}

void
osm_buf_truncate(struct osm_buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->mem[b->off + n] = 0;
	}
}

char *
osm_buf_data(const struct osm_buf *b)
{
	return b->mem + b->off;
}

size_t
osm_buf_len(const struct osm_buf *b)
{
	return b->len;
}
