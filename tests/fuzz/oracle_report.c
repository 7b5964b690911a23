/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oracle_report - the JSON, YAML and XML payload oracles; see
 * oracle_report.h.
 *
 * References: RFC 8259 (JSON); XML 1.0 (Fifth Edition) production [2]
 * Char and section 2.3 Name; YAML 1.2.2 section 5.1 (c-printable) and
 * 10.3 (core schema) with YAML 1.1's type repository (bool, int, float,
 * null, merge, value, timestamp), which PyYAML and many others still
 * resolve plain scalars with.  A plain scalar the two versions may read
 * differently is a failure, not a guess.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <yaml.h>

#include "osm_rfmt.h"
#include "oracle_report.h"

void
oracle_report_fail(struct oracle_err *e, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

/* oracle_report_utf8 - the code point of the valid UTF-8 sequence at s, its length in *len; 0 if none */
static int
oracle_report_utf8(const unsigned char *s, size_t n, size_t *len, unsigned long *cp)
{
	static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t	l;
	unsigned long c;

	if (s[0] < 0x80)
		l = 1, c = s[0];
	else if (s[0] >= 0xc2 && s[0] <= 0xdf)
		l = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		l = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		l = 4, c = s[0] & 0x07;
	else
		return 0;
	if (l > n)
		return 0;
	for (size_t i = 1; i < l; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[l] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*len = l;
	*cp = c;
	return 1;
}

char   *
oracle_report_latin1(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *) s;
	char   *out = malloc(2 * n + 1), *d = out;
	size_t	l;
	unsigned long cp;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < n;) {
		if (oracle_report_utf8(p + i, n - i, &l, &cp)) {
			memcpy(d, p + i, l);
			d += l, i += l;
		} else {
			*d++ = (char) (0xc0 | p[i] >> 6);
			*d++ = (char) (0x80 | (p[i] & 0x3f));
			i++;
		}
	}
	*d = 0;
	return out;
}

json_t *
oracle_report_cap(json_t *j, int depth)
{
	const char *k;
	json_t *v, *c;
	size_t	i;

	if ((json_is_object(j) || json_is_array(j)) && depth > OSM_RFMT_MAX_DEPTH) {
		char   *s = json_dumps(j, JSON_COMPACT);

		c = json_string(s);
		free(s);
		return c;
	}
	if (json_is_object(j)) {
		c = json_object();
		json_object_foreach(j, k, v)
			json_object_set_new(c, k, oracle_report_cap(v, depth + 1));
		return c;
	}
	if (json_is_array(j)) {
		c = json_array();
		json_array_foreach(j, i, v)
			json_array_append_new(c, oracle_report_cap(v, depth + 1));
		return c;
	}
	return json_incref(j);
}

/* oracle_report_chars - the payload is valid UTF-8 of characters ok() allows */
static int
oracle_report_chars(const char *p, size_t n, int (*ok)(unsigned long), const char *what, struct oracle_err *e)
{
	size_t	l;
	unsigned long cp;

	for (size_t i = 0; i < n; i += l)
		if (!oracle_report_utf8((const unsigned char *) p + i, n - i, &l, &cp)) {
			oracle_report_fail(e, "invalid UTF-8 at byte %zu", i);
			return -1;
		} else if (!ok(cp)) {
			oracle_report_fail(e, "U+%04lX at byte %zu is not a %s character", cp, i, what);
			return -1;
		}
	return 0;
}

/* --- JSON: jansson, which rejects invalid UTF-8 itself ------------------- */

int
oracle_report_json(const char *p, size_t n, json_t *want, struct oracle_err *e)
{
	json_error_t je;
	json_t *got = json_loadb(p, n, 0, &je);
	int	r = 0;

	if (got == NULL) {
		oracle_report_fail(e, "jansson: %s at line %d column %d", je.text, je.line, je.column);
		return -1;
	}
	if (!json_equal(got, want)) {
		oracle_report_fail(e, "the JSON read back differs from the report");
		r = -1;
	}
	json_decref(got);
	return r;
}

/* --- YAML: libyaml's parser plus a resolver for plain scalars --------- */

/* YAML 1.2 c-printable, without U+FEFF (a BOM only starts a stream; osm writes none) */
static int
oracle_report_yaml_char(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0x7e) || c == 0x85
	    || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c != 0xfeff)
	    || (c >= 0x10000 && c <= 0x10ffff);
}

static int
oracle_report_match(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

/* oracle_report_yaml_plain - what a plain scalar means, or NULL if YAML 1.1 and 1.2 readers may differ */
static json_t *
oracle_report_yaml_plain(const char *s, struct oracle_err *e)
{
	static const char *const nul[] = {"", "~", "null", "Null", "NULL", NULL};
	static const char *const yes[] = {"true", "True", "TRUE", NULL};
	static const char *const no[] = {"false", "False", "FALSE", NULL};
	static const char *const v11[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On",
		"ON", "off", "Off", "OFF", "<<", "=", NULL};
	const char *d = s + (*s == '-');
	size_t	int_len = strspn(d, "0123456789");
	char   *end;

	if (oracle_report_match(s, nul))
		return json_null();
	if (oracle_report_match(s, yes))
		return json_true();
	if (oracle_report_match(s, no))
		return json_false();
	if (oracle_report_match(s, v11)) {
		oracle_report_fail(e, "plain scalar '%s' is not a string in YAML 1.1", s);
		return NULL;
	}
	/* -?(0|[1-9][0-9]*): an integer to both */
	if (int_len > 0 && (d[0] != '0' || int_len == 1) && d[int_len] == 0) {
		long long v;

		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == 0)
			return json_integer(v);
	}
	/* -?(0|[1-9][0-9]*)\.[0-9]+([eE][-+][0-9]+)?: a float to both */
	if (int_len > 0 && (d[0] != '0' || int_len == 1) && d[int_len] == '.') {
		const char *f = d + int_len + 1;
		size_t	fl = strspn(f, "0123456789");

		if (fl > 0 && (f[fl] == 0 || ((f[fl] == 'e' || f[fl] == 'E') && (f[fl + 1] == '-' || f[fl + 1] == '+')
					      && f[fl + 2 + strspn(f + fl + 2, "0123456789")] == 0
					      && strspn(f + fl + 2, "0123456789") > 0))) {
			double	v = strtod(s, &end);

			if (*end == 0)
				return json_real(v);
		}
	}
	/* numbers in other spellings, .inf, .nan, timestamps, sexagesimal */
	if (strchr("0123456789+-.", *s)) {
		oracle_report_fail(e, "plain scalar '%s' may be a number or a date", s);
		return NULL;
	}
	return json_string(s);
}

static int
oracle_report_yaml_next(yaml_parser_t *p, yaml_event_t *ev, struct oracle_err *e)
{
	if (!yaml_parser_parse(p, ev)) {
		oracle_report_fail(e, "libyaml: %s at line %zu column %zu", p->problem ? p->problem : "error",
				   p->problem_mark.line + 1, p->problem_mark.column + 1);
		return -1;
	}
	return 0;
}

/* oracle_report_yaml_node - the value that starts with event ev (consumed) */
static json_t *
oracle_report_yaml_node(yaml_parser_t *p, yaml_event_t *ev, struct oracle_err *e)
{
	yaml_event_t kev, vev;
	json_t *c = NULL, *v;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.tag || ev->data.scalar.anchor) {
			oracle_report_fail(e, "a tag or anchor on a scalar");
		} else if (strlen((char *) ev->data.scalar.value) != ev->data.scalar.length) {
			oracle_report_fail(e, "a scalar holds U+0000");
		} else if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			c = oracle_report_yaml_plain((char *) ev->data.scalar.value, e);
		} else if ((c = json_string((char *) ev->data.scalar.value)) == NULL)
			oracle_report_fail(e, "a scalar is not UTF-8");
		break;
	case YAML_SEQUENCE_START_EVENT:
		if (ev->data.sequence_start.tag || ev->data.sequence_start.anchor) {
			oracle_report_fail(e, "a tag or anchor on a sequence");
			break;
		}
		c = json_array();
		for (;;) {
			if (oracle_report_yaml_next(p, &vev, e) != 0)
				goto fail;
			if (vev.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&vev);
				break;
			}
			if ((v = oracle_report_yaml_node(p, &vev, e)) == NULL)
				goto fail;
			json_array_append_new(c, v);
		}
		break;
	case YAML_MAPPING_START_EVENT:
		if (ev->data.mapping_start.tag || ev->data.mapping_start.anchor) {
			oracle_report_fail(e, "a tag or anchor on a mapping");
			break;
		}
		c = json_object();
		for (;;) {
			json_t *k;

			if (oracle_report_yaml_next(p, &kev, e) != 0)
				goto fail;
			if (kev.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&kev);
				break;
			}
			if (kev.type != YAML_SCALAR_EVENT) {
				oracle_report_fail(e, "a mapping key is not a scalar");
				yaml_event_delete(&kev);
				goto fail;
			}
			if ((k = oracle_report_yaml_node(p, &kev, e)) == NULL)
				goto fail;
			if (!json_is_string(k) || json_object_get(c, json_string_value(k))) {
				oracle_report_fail(e, "mapping key %s", json_is_string(k) ? "repeated" : "is not a string");
				json_decref(k);
				goto fail;
			}
			if (oracle_report_yaml_next(p, &vev, e) != 0 || (v = oracle_report_yaml_node(p, &vev, e)) == NULL) {
				json_decref(k);
				goto fail;
			}
			json_object_set_new(c, json_string_value(k), v);
			json_decref(k);
		}
		break;
	default:
		oracle_report_fail(e, "unexpected YAML event %d (an alias?)", (int) ev->type);
	}
	yaml_event_delete(ev);
	return c;
fail:
	yaml_event_delete(ev);
	json_decref(c);
	return NULL;
}

int
oracle_report_yaml(const char *p, size_t n, json_t *want, struct oracle_err *e)
{
	yaml_parser_t yp;
	yaml_event_t ev;
	json_t *got = NULL;
	int	r = -1;

	if (oracle_report_chars(p, n, oracle_report_yaml_char, "YAML printable", e) != 0)
		return -1;
	if (!yaml_parser_initialize(&yp))
		abort();
	yaml_parser_set_input_string(&yp, (const unsigned char *) p, n);
	if (oracle_report_yaml_next(&yp, &ev, e) != 0)
		goto out;
	if (ev.type != YAML_STREAM_START_EVENT) {
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	if (oracle_report_yaml_next(&yp, &ev, e) != 0)
		goto out;
	if (ev.type != YAML_DOCUMENT_START_EVENT) {
		oracle_report_fail(e, "no document");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	if (oracle_report_yaml_next(&yp, &ev, e) != 0 || (got = oracle_report_yaml_node(&yp, &ev, e)) == NULL)
		goto out;
	if (oracle_report_yaml_next(&yp, &ev, e) != 0)
		goto out;
	if (ev.type != YAML_DOCUMENT_END_EVENT) {
		oracle_report_fail(e, "more than one node");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	if (oracle_report_yaml_next(&yp, &ev, e) != 0)
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT) {
		oracle_report_fail(e, "more than one document");
		yaml_event_delete(&ev);
		goto out;
	}
	yaml_event_delete(&ev);
	if (!json_equal(got, want)) {
		oracle_report_fail(e, "the YAML read back differs from the report");
		goto out;
	}
	r = 0;
out:
	json_decref(got);
	yaml_parser_delete(&yp);
	return r;
}

/* --- XML: libxml2's parser, strict, with the limits xmllint has -------- */

/* XML 1.0 [2] Char */
static int
oracle_report_xml_char(unsigned long c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)
	    || (c >= 0x10000 && c <= 0x10ffff);
}

/* oracle_report_xml_map - the documented mapping: what is not a Char becomes U+FFFD */
static char *
oracle_report_xml_map(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t	n = strlen(s), l;
	char   *out = malloc(3 * n + 1), *d = out;
	unsigned long cp;

	if (out == NULL)
		abort();
	for (size_t i = 0; i < n; i += l)
		if (oracle_report_utf8(p + i, n - i, &l, &cp) && oracle_report_xml_char(cp)) {
			memcpy(d, p + i, l);
			d += l;
		} else {
			if (!oracle_report_utf8(p + i, n - i, &l, &cp))
				l = 1;
			memcpy(d, "\xef\xbf\xbd", 3);
			d += 3;
		}
	*d = 0;
	return out;
}

/* a key that is an element name as it is: ASCII [A-Za-z_][A-Za-z0-9_.-]* */
static int
oracle_report_xml_name(const char *k)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";

	return *k && strchr(alpha, *k) && k[strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789.-")] == 0;
}

static int
oracle_report_xml_node(xmlNodePtr x, const char *key, json_t *want, struct oracle_err *e)
{
	xmlChar *attr = xmlGetProp(x, BAD_CAST "name"), *text = NULL;
	int	nattr = 0, r = -1;
	char   *m = NULL, *item = NULL, buf[64];

	for (xmlAttrPtr a = x->properties; a; a = a->next)
		nattr++;
	if (x->ns) {
		oracle_report_fail(e, "element %s has a namespace", (char *) x->name);
		goto out;
	}
	if (oracle_report_xml_name(key)) {
		if (strcmp((char *) x->name, key) || nattr) {
			oracle_report_fail(e, "element %s (%d attributes), want %s", (char *) x->name, nattr, key);
			goto out;
		}
	} else {
		m = oracle_report_xml_map(key);
		if (strcmp((char *) x->name, "field") || nattr != 1 || attr == NULL || strcmp((char *) attr, m)) {
			oracle_report_fail(e, "element %s name=\"%s\", want field name=\"%s\"", (char *) x->name,
					   attr ? (char *) attr : "", m);
			goto out;
		}
	}
	if (json_is_object(want) || json_is_array(want)) {
		void   *it = json_object_iter(want);	/* NULL for an array */
		size_t	i = 0, n = json_array_size(want);	/* 0 for an object */

		if (json_is_array(want)) {
			/* events -> event, results -> result, the others item */
			size_t	kl = strlen(key);
			int	plural = oracle_report_xml_name(key) && kl > 1 && key[kl - 1] == 's';

			if ((item = strdup(plural ? key : "item")) == NULL)
				abort();
			if (plural)
				item[kl - 1] = 0;
		}
		for (xmlNodePtr c = x->children; c; c = c->next) {
			if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c))
				continue;
			if (c->type != XML_ELEMENT_NODE) {
				oracle_report_fail(e, "in %s: a node of type %d", key, (int) c->type);
				goto out;
			}
			if (item == NULL && it == NULL) {
				oracle_report_fail(e, "in %s: element %s past the last key", key, (char *) c->name);
				goto out;
			}
			if (item != NULL && i >= n) {
				oracle_report_fail(e, "in %s: element %s past the last item", key, (char *) c->name);
				goto out;
			}
			if (item == NULL) {
				if (oracle_report_xml_node(c, json_object_iter_key(it), json_object_iter_value(it), e) != 0)
					goto out;
				it = json_object_iter_next(want, it);
			} else if (oracle_report_xml_node(c, item, json_array_get(want, i++), e) != 0)
				goto out;
		}
		if (it != NULL || i < n) {
			oracle_report_fail(e, "in %s: elements missing", key);
			goto out;
		}
		r = 0;
		goto out;
	}
	for (xmlNodePtr c = x->children; c; c = c->next)
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) {
			oracle_report_fail(e, "in %s: a node of type %d in a value", key, (int) c->type);
			goto out;
		}
	if ((text = xmlNodeGetContent(x)) == NULL && (text = xmlStrdup(BAD_CAST "")) == NULL)
		abort();
	free(m);
	m = NULL;
	switch (json_typeof(want)) {
	case JSON_STRING:
		m = oracle_report_xml_map(json_string_value(want));
		break;
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%lld", json_integer_value(want));
		break;
	case JSON_REAL: {
		char   *end;
		double	v = strtod((char *) text, &end);

		if (*text && *end == 0 && v == json_real_value(want))
			r = 0;
		else
			oracle_report_fail(e, "in %s: real %.40s, want %.17g", key, (char *) text, json_real_value(want));
		goto out;
	}
	case JSON_TRUE:
	case JSON_FALSE:
		snprintf(buf, sizeof(buf), "%s", json_is_true(want) ? "true" : "false");
		break;
	default:
		buf[0] = 0;
	}
	if (strcmp((char *) text, m ? m : buf) == 0)
		r = 0;
	else
		oracle_report_fail(e, "in %s: text '%.40s', want '%.40s'", key, (char *) text, m ? m : buf);
out:
	free(m);
	free(item);
	xmlFree(text);
	xmlFree(attr);
	return r;
}

int
oracle_report_xml(const char *p, size_t n, json_t *want, struct oracle_err *e)
{
	xmlParserCtxtPtr ctx;
	xmlDocPtr doc;
	xmlNodePtr root;
	int	r = -1;

	if (oracle_report_chars(p, n, oracle_report_xml_char, "XML 1.0", e) != 0)
		return -1;
	if ((ctx = xmlNewParserCtxt()) == NULL)
		abort();
	/* no XML_PARSE_HUGE: xmllint's default limits (depth 256) */
	doc = xmlCtxtReadMemory(ctx, p, (int) n, "report.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || !ctx->wellFormed || !ctx->nsWellFormed) {
		oracle_report_fail(e, "libxml2: %s", ctx->lastError.message ? ctx->lastError.message : "not well-formed");
		goto out;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || doc->children != root || root->next || !doc->encoding
	    || xmlStrcasecmp(doc->encoding, BAD_CAST "UTF-8")) {
		oracle_report_fail(e, "not one root element in a UTF-8 document");
		goto out;
	}
	r = oracle_report_xml_node(root, "report", want, e);
out:
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctx);
	return r;
}
