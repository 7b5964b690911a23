/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_json - JSON string escaping; see osm_json.h and RFC 8259.
 */
#include <string.h>

#include "osm_buf.h"
#include "osm_json.h"

/* osm_json_utf8_len - length of a valid UTF-8 sequence at s, or 0 */
size_t
osm_json_utf8_len(const unsigned char *s, size_t n)
{
	size_t	len;
	unsigned min;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
osm_json_strn(struct osm_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t	i = 0, start = 0;
	char   *d;
	int	r;

	/* Most strings need no escape at all: one append (the loop below
	 * gives the error if there is no room). */
	while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
		i++;
	if (i == n && (d = osm_buf_reserve(b, n + 2)) != NULL) {
		d[0] = '"';
		memcpy(d + 1, s, n);
		d[n + 1] = '"';
		osm_buf_commit(b, n + 2);
		return 0;
	}
	if ((r = osm_buf_append(b, "\"", 1)) != 0)
		return r;
	while (i < n) {
		size_t	ulen = osm_json_utf8_len(p + i, n - i);
		char	esc[8];

		if (ulen > 1) {
			i += ulen;
			continue;
		}
		if (ulen == 1 && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\') {
			i++;
			continue;
		}
		if ((r = osm_buf_append(b, s + start, i - start)) != 0)
			return r;
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\', esc[1] = (char) p[i], esc[2] = 0;
		} else if (p[i] == '\n') {
			strcpy(esc, "\\n");
		} else if (p[i] == '\t') {
			strcpy(esc, "\\t");
		} else {
			static const char hex[] = "0123456789abcdef";

			memcpy(esc, "\\u00", 4);
			esc[4] = hex[p[i] >> 4], esc[5] = hex[p[i] & 15], esc[6] = 0;
		}
		if ((r = osm_buf_puts(b, esc)) != 0)
			return r;
		start = ++i;
	}
	if ((r = osm_buf_append(b, s + start, i - start)) != 0)
		return r;
	return osm_buf_append(b, "\"", 1);
}

int
osm_json_str(struct osm_buf *b, const char *s)
{
	return osm_json_strn(b, s, strlen(s));
}

int
osm_json_field(struct osm_buf *b, int *first, const char *name, const char *value)
{
	int	r;

	if (value == NULL)
		return 0;
	/* names are osm's own: no escaping */
	if ((r = osm_buf_puts(b, *first ? "\"" : ",\"")) != 0
	    || (r = osm_buf_puts(b, name)) != 0 || (r = osm_buf_append(b, "\":", 2)) != 0)
		return r;
	*first = 0;
	return osm_json_str(b, value);
}
