/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgi_out - escaping writers for the page (cgi_out.h).
 *
 * The escapers never fail on bad input: a subject written by a spammer
 * is shown, replaced where it cannot be shown, never dropped.  Running
 * out of the page's bound truncates the page; the caller's final write
 * is then still valid HTML up to that point, nothing more.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cgi_out.h"
#include "osm_buf.h"
#include "osm_json.h"

#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */

void
cgi_out_html(struct osm_buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t	i = 0, run;

	while (i < n) {
		size_t	ulen = osm_json_utf8_len(p + i, n - i);

		if (ulen > 1) {
			osm_buf_append(b, p + i, ulen);
			i += ulen;
			continue;
		}
		for (run = i; run < n && p[run] >= 0x20 && p[run] < 0x7f && !strchr("&<>\"'", p[run]); run++)
			;
		if (run > i) {
			osm_buf_append(b, p + i, run - i);
			i = run;
			continue;
		}
		switch (p[i]) {
		case '&': osm_buf_puts(b, "&amp;"); break;
		case '<': osm_buf_puts(b, "&lt;"); break;
		case '>': osm_buf_puts(b, "&gt;"); break;
		case '"': osm_buf_puts(b, "&quot;"); break;
		case '\'': osm_buf_puts(b, "&#39;"); break;
		case '\t': case '\n': osm_buf_append(b, p + i, 1); break;
		default: osm_buf_puts(b, REPLACEMENT); break;
		}
		i++;
	}
}

void
cgi_out_url(struct osm_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
		    || strchr("._~-", *p)) {
			osm_buf_append(b, p, 1);
		} else {
			char	e[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			osm_buf_append(b, e, 3);
		}
	}
}

/* cgi_out_json - osm_json's literal, made safe inside HTML and <script> */
void
cgi_out_json(struct osm_buf *b, const char *s)
{
	struct osm_buf *t = osm_buf_new(CGI_OUT_MAX);
	const char *p, *end;

	if (t == NULL || osm_json_str(t, s) != 0) {
		osm_buf_puts(b, "\"\"");
		osm_buf_free(t);
		return;
	}
	for (p = osm_buf_data(t), end = p + osm_buf_len(t); p < end; p++) {
		if (*p == '<')
			osm_buf_puts(b, "\\u003c");
		else if (*p == '>')
			osm_buf_puts(b, "\\u003e");
		else if (*p == '&')
			osm_buf_puts(b, "\\u0026");
		else if (end - p >= 3 && memcmp(p, "\xe2\x80\xa8", 3) == 0)
			osm_buf_puts(b, "\\u2028"), p += 2;
		else if (end - p >= 3 && memcmp(p, "\xe2\x80\xa9", 3) == 0)
			osm_buf_puts(b, "\\u2029"), p += 2;
		else
			osm_buf_append(b, p, 1);
	}
	osm_buf_free(t);
}

/* cgi_out_num - one numeric conversion, spec "%d", "%lld"... */
static void
cgi_out_num(struct osm_buf *b, const char *spec, va_list *ap)
{
	if (strcmp(spec, "%d") == 0)
		osm_buf_printf(b, "%d", va_arg(*ap, int));
	else if (strcmp(spec, "%u") == 0)
		osm_buf_printf(b, "%u", va_arg(*ap, unsigned));
	else if (strcmp(spec, "%ld") == 0)
		osm_buf_printf(b, "%ld", va_arg(*ap, long));
	else if (strcmp(spec, "%lld") == 0)
		osm_buf_printf(b, "%lld", va_arg(*ap, long long));
	else if (strcmp(spec, "%llu") == 0)
		osm_buf_printf(b, "%llu", va_arg(*ap, unsigned long long));
	else if (strcmp(spec, "%zu") == 0)
		osm_buf_printf(b, "%zu", va_arg(*ap, size_t));
}

void
cgi_out_printf(struct osm_buf *b, const char *fmt, ...)
{
	va_list	ap;
	const char *p, *s;
	char	spec[8];
	size_t	n;

	va_start(ap, fmt);
	for (p = fmt; *p; p++) {
		if (*p != '%') {
			for (n = 1; p[n] && p[n] != '%'; n++)
				;
			osm_buf_append(b, p, n);
			p += n - 1;
			continue;
		}
		switch (*++p) {
		case 'h':
			s = va_arg(ap, const char *);
			cgi_out_html(b, s ? s : "", s ? strlen(s) : 0);
			break;
		case 'U':
			s = va_arg(ap, const char *);
			cgi_out_url(b, s ? s : "");
			break;
		case 'j':
			s = va_arg(ap, const char *);
			cgi_out_json(b, s ? s : "");
			break;
		case 's':
			s = va_arg(ap, const char *);
			osm_buf_puts(b, s ? s : "");
			break;
		case '%':
			osm_buf_puts(b, "%");
			break;
		default:
			/* %d %u %ld %lld %llu %zu: copy the spec up to its letter */
			n = strspn(p, "lz");
			if (n > 2 || p[n] == 0 || !strchr("du", p[n]))
				goto out;	/* a bad format is the program's bug: stop */
			snprintf(spec, sizeof(spec), "%%%.*s", (int) n + 1, p);
			cgi_out_num(b, spec, &ap);
			p += n;
			break;
		}
	}
out:
	va_end(ap);
}
