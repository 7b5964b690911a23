/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_rfmt - report formats; see osm_rfmt.h.
 *
 * The four machine formats walk the same JSON tree, so a field added to
 * reports shows up in all of them without code here.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <libxml/xmlwriter.h>
#include <yaml.h>

#include "osm_buf.h"
#include "osm_json.h"
#include "osm_rfmt.h"

/*
 * osm_rfmt_string - V as a JSON string; a byte that is not part of valid
 * UTF-8 (a sender address, say) becomes the Latin-1 character of the same
 * value, as osm_json does for the events, so nothing is lost or refused.
 */
static json_t *
osm_rfmt_string(const char *v)
{
	json_t *s = json_string(v);
	struct osm_buf *b;

	if (s != NULL || (b = osm_buf_new(6 * strlen(v) + 16)) == NULL)
		return s;
	if (osm_json_str(b, v) == 0)
		s = json_loads(osm_buf_data(b), JSON_DECODE_ANY, NULL);
	osm_buf_free(b);
	return s;
}

json_t *
osm_rfmt_from_hash(const char *const *kv, size_t nkv)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i + 1 < nkv; i += 2) {
		const char *k = kv[i], *v = kv[i + 1];

		if (!strcmp(k, "events") || !strcmp(k, "results") || !strcmp(k, "apache")) {
			json_t *j = json_loads(v, 0, NULL);

			json_object_set_new(o, k, j ? j : json_string(v));
		} else if (!strcmp(k, "time") || !strcmp(k, "level") || !strcmp(k, "seconds")
			   || !strcmp(k, "count") || !strcmp(k, "failures") || !strcmp(k, "ratio"))
			json_object_set_new(o, k, json_integer(strtoll(v, NULL, 10)));
		else
			json_object_set_new(o, k, osm_rfmt_string(v));
	}
	return o;
}

static const char *
osm_rfmt_get(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : "";
}

static void
osm_rfmt_time(long long ms, char *buf, size_t len)
{
	time_t	t = (time_t) (ms / 1000);
	struct tm tm;

	strftime(buf, len, "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
}

/* osm_rfmt_safe - print a value with control characters as '?' */
static void
osm_rfmt_safe(FILE *fp, const char *s, size_t max)
{
	for (size_t i = 0; s[i] && i < max; i++)
		fputc((unsigned char) s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], fp);
}

void
osm_rfmt_text(FILE *fp, json_t *o)
{
	static const char *const f[] = {"account", "email", "ip", "uid", "cwd", "subject", "sender",
		"message_id", "queue_id", "script", "parent_cwd", "source", "delivery", "recipient", "remote_host",
		"remote_address", "reason", "src", "dst", "pid", "exe", "cmdline", "backend", "blocked"};
	char	when[32];
	size_t	i;
	json_t *ev, *res;
	const char *k;

	osm_rfmt_time(json_integer_value(json_object_get(o, "time")), when, sizeof(when));
	fprintf(fp, "report %s\n  time      %s\n  server    %s\n  event     %s\n  key       ",
		osm_rfmt_get(o, "id"), when, osm_rfmt_get(o, "server"), osm_rfmt_get(o, "type"));
	osm_rfmt_safe(fp, osm_rfmt_get(o, "key"), 1000);
	fprintf(fp, "\n  trigger   %lld events in %lld s exceeded %lld\n",
		json_integer_value(json_object_get(o, "count")),
		json_integer_value(json_object_get(o, "seconds")),
		json_integer_value(json_object_get(o, "level")));
	if (json_object_get(o, "failures"))
		fprintf(fp, "  failures  %lld of them (trigger at %lld%%)\n",
			json_integer_value(json_object_get(o, "failures")),
			(json_integer_value(json_object_get(o, "ratio")) + 5) / 10);
	fprintf(fp, "  actions   %s (mode %s)\n  verdict   %s\n", osm_rfmt_get(o, "actions"),
		osm_rfmt_get(o, "mode"), *osm_rfmt_get(o, "verdict") ? osm_rfmt_get(o, "verdict") : "none");
	if (json_array_size(json_object_get(o, "results")) > 0) {
		fprintf(fp, "  results:\n");
		json_array_foreach(json_object_get(o, "results"), i, res) {
			json_t *v;

			fprintf(fp, "    %s %s", osm_rfmt_get(res, "action"), osm_rfmt_get(res, "status"));
			json_object_foreach(res, k, v) {
				if (!strcmp(k, "action") || !strcmp(k, "status"))
					continue;
				fprintf(fp, " %s=\"", k);
				if (json_is_string(v))
					osm_rfmt_safe(fp, json_string_value(v), 2000);
				else if (json_is_integer(v))
					fprintf(fp, "%lld", json_integer_value(v));
				fputc('"', fp);
			}
			fputc('\n', fp);
		}
	}
	if (json_array_size(json_object_get(o, "apache")) > 0) {
		fprintf(fp, "  apache (requests being served, possible scripts):\n");
		json_array_foreach(json_object_get(o, "apache"), i, res) {
			static const char *const af[] = {"vhost", "account", "client", "request", "script"};

			fprintf(fp, "   ");
			for (size_t j = 0; j < sizeof(af) / sizeof(af[0]); j++)
				if (*osm_rfmt_get(res, af[j])) {
					fprintf(fp, " %s=\"", af[j]);
					osm_rfmt_safe(fp, osm_rfmt_get(res, af[j]), 1000);
					fputc('"', fp);
				}
			fputc('\n', fp);
		}
	}
	fprintf(fp, "  events:\n");
	json_array_foreach(json_object_get(o, "events"), i, ev) {
		osm_rfmt_time(json_integer_value(json_object_get(ev, "t")), when, sizeof(when));
		fprintf(fp, "    %s", when);
		for (size_t j = 0; j < sizeof(f) / sizeof(f[0]); j++) {
			json_t *v = json_object_get(ev, f[j]);

			if (json_is_string(v)) {
				fprintf(fp, " %s=\"", f[j]);
				osm_rfmt_safe(fp, json_string_value(v), 1000);
				fputc('"', fp);
			}
		}
		fputc('\n', fp);
	}
}

/* --- what the four formats share ------------------------------------- */

/*
 * osm_rfmt_real - V in the fewest digits that read back as V, with a '.'
 * so that YAML 1.1 readers see a float too ("1.0e+20", not "1e+20").
 */
static void
osm_rfmt_real(double v, char *buf, size_t len)
{
	char	tmp[40], *e;

	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (strchr(tmp, '.') || (e = strpbrk(tmp, "eE")) == NULL) {
		snprintf(buf, len, "%s%s", tmp, strchr(tmp, '.') ? "" : ".0");
		return;
	}
	snprintf(buf, len, "%.*s.0%s", (int) (e - tmp), tmp, e);
}

/*
 * osm_rfmt_cap - J with every array or object nested deeper than
 * OSM_RFMT_MAX_DEPTH replaced by a string of its compact JSON: readers
 * have depth limits (libxml2 and so xmllint 256, Python's json about
 * 1000) and a report is 3 deep.  DEPTH is J's own; the report is 1.
 */
static json_t *
osm_rfmt_cap(json_t *j, int depth)
{
	const char *k;
	json_t *c, *v;
	size_t	i;

	if ((json_is_object(j) || json_is_array(j)) && depth > OSM_RFMT_MAX_DEPTH) {
		char   *s = json_dumps(j, JSON_COMPACT);

		c = s ? json_string(s) : NULL;
		free(s);
		return c;
	}
	if (json_is_object(j)) {
		c = json_object();
		json_object_foreach(j, k, v)
			if (c && json_object_set_new(c, k, osm_rfmt_cap(v, depth + 1)) != 0) {
				json_decref(c);
				return NULL;
			}
		return c;
	}
	if (json_is_array(j)) {
		c = json_array();
		json_array_foreach(j, i, v)
			if (c && json_array_append_new(c, osm_rfmt_cap(v, depth + 1)) != 0) {
				json_decref(c);
				return NULL;
			}
		return c;
	}
	return json_incref(j);
}

/* --- YAML -------------------------------------------------------------- */

/*
 * osm_rfmt_yaml_plain_key - K may be a plain key: an identifier that no
 * YAML 1.1 or 1.2 reader takes for a bool or a null (a key "true" or
 * "123" would not come back a string; "<<" is a merge to YAML 1.1).
 */
static int
osm_rfmt_yaml_plain_key(const char *k)
{
	static const char *const special[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"};
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";

	if (*k == 0 || !strchr(alpha, *k)
	    || k[strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789")] != 0)
		return 0;
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (!strcasecmp(k, special[i]))
			return 0;
	return 1;
}

static int
osm_rfmt_yaml_scalar(yaml_emitter_t *em, const char *s, int quoted)
{
	yaml_event_t ev;

	/* untagged: implicit both ways; the style alone keeps strings strings */
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *) s, (int) strlen(s), 1, 1,
					  quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE))
		return 0;
	return yaml_emitter_emit(em, &ev);
}

static int
osm_rfmt_yaml(yaml_emitter_t *em, json_t *j)
{
	yaml_event_t ev;
	char	num[40];
	const char *k;
	json_t *v;
	size_t	i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		json_object_foreach(j, k, v)
			if (!osm_rfmt_yaml_scalar(em, k, !osm_rfmt_yaml_plain_key(k)) || !osm_rfmt_yaml(em, v))
				return 0;
		yaml_mapping_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	case JSON_ARRAY:
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(em, &ev))
			return 0;
		json_array_foreach(j, i, v)
			if (!osm_rfmt_yaml(em, v))
				return 0;
		yaml_sequence_end_event_initialize(&ev);
		return yaml_emitter_emit(em, &ev);
	case JSON_STRING:
		/* double-quoted: libyaml escapes what is not printable (C0, DEL,
		 * C1, U+FEFF, U+FFFE, U+FFFF, beyond U+FFFF) and the line breaks
		 * NEL, U+2028 and U+2029 */
		return osm_rfmt_yaml_scalar(em, json_string_value(j), 1);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", json_integer_value(j));
		return osm_rfmt_yaml_scalar(em, num, 0);
	case JSON_REAL:
		osm_rfmt_real(json_real_value(j), num, sizeof(num));
		return osm_rfmt_yaml_scalar(em, num, 0);
	case JSON_TRUE:
	case JSON_FALSE:
		return osm_rfmt_yaml_scalar(em, json_is_true(j) ? "true" : "false", 0);
	default:
		return osm_rfmt_yaml_scalar(em, "null", 0);
	}
}

static int
osm_rfmt_write_yaml(FILE *fp, json_t *o)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int	ok;

	if (!yaml_emitter_initialize(&em))
		return -1;
	yaml_emitter_set_output_file(&em, fp);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	ok = yaml_emitter_emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
	ok = ok && yaml_emitter_emit(&em, &ev) && osm_rfmt_yaml(&em, o);
	yaml_document_end_event_initialize(&ev, 1);
	ok = ok && yaml_emitter_emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	ok = ok && yaml_emitter_emit(&em, &ev) && yaml_emitter_flush(&em);
	yaml_emitter_delete(&em);
	return ok ? 0 : -1;
}

/* --- XML (XML 1.0 Fifth Edition) --------------------------------------- */

/*
 * osm_rfmt_xml_text - S with each character outside production [2] Char
 * (C0 controls but tab, LF and CR; U+FFFE; U+FFFF; surrogates) and each
 * byte of invalid UTF-8 made U+FFFD.  The writer escapes the rest: &, <,
 * > and CR as references (and ", tab, LF in attributes).
 */
static char *
osm_rfmt_xml_text(const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	size_t	n = strlen(s), len;
	char   *out = malloc(n * 3 + 1), *d = out;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i += len) {
		len = osm_json_utf8_len(p + i, n - i);
		if (len == 0 || (len == 1 && p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
		    || (len == 3 && p[i] == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe)) {
			memcpy(d, "\xef\xbf\xbd", 3);
			d += 3;
			len = len ? len : 1;
		} else {
			memcpy(d, p + i, len);
			d += len;
		}
	}
	*d = 0;
	return out;
}

/*
 * osm_rfmt_xml_name - K is written as an element name: ASCII
 * [A-Za-z_][A-Za-z0-9_.-]*, which is a Name and, without ':', namespace
 * clean.  Other keys become <field name="K">.
 */
static int
osm_rfmt_xml_name(const char *k)
{
	static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";

	return *k && strchr(first, *k) && k[strspn(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789.-")] == 0;
}

static int
osm_rfmt_xml(xmlTextWriterPtr w, const char *key, json_t *j)
{
	const char *k;
	json_t *v;
	size_t	i;
	char	num[40], *t;
	int	named = osm_rfmt_xml_name(key);
	int	r = xmlTextWriterStartElement(w, BAD_CAST (named ? key : "field"));

	if (r >= 0 && !named) {
		t = osm_rfmt_xml_text(key);
		r = t ? xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST t) : -1;
		free(t);
	}
	if (r < 0)
		return r;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach(j, k, v)
			if ((r = osm_rfmt_xml(w, k, v)) < 0)
				return r;
		break;
	case JSON_ARRAY: {
		/* events -> event, results -> result, the others item */
		size_t	n = strlen(key);
		int	plural = named && n > 1 && key[n - 1] == 's';
		char   *item = strdup(plural ? key : "item");

		if (item == NULL)
			return -1;
		if (plural)
			item[n - 1] = 0;
		json_array_foreach(j, i, v)
			if ((r = osm_rfmt_xml(w, item, v)) < 0)
				break;
		free(item);
		if (r < 0)
			return r;
		break;
	}
	case JSON_STRING:
		t = osm_rfmt_xml_text(json_string_value(j));
		r = t ? xmlTextWriterWriteString(w, BAD_CAST t) : -1;
		free(t);
		if (r < 0)
			return r;
		break;
	case JSON_INTEGER:
		if ((r = xmlTextWriterWriteFormatString(w, "%lld", json_integer_value(j))) < 0)
			return r;
		break;
	case JSON_REAL:
		osm_rfmt_real(json_real_value(j), num, sizeof(num));
		if ((r = xmlTextWriterWriteString(w, BAD_CAST num)) < 0)
			return r;
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		if ((r = xmlTextWriterWriteString(w, BAD_CAST (json_is_true(j) ? "true" : "false"))) < 0)
			return r;
		break;
	default:
		break;			/* null: an empty element */
	}
	return xmlTextWriterEndElement(w);
}

static int
osm_rfmt_write_xml(FILE *fp, json_t *o)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	int	r = -1;

	if (w == NULL) {
		xmlBufferFree(buf);
		return -1;
	}
	xmlTextWriterSetIndent(w, 1);
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) >= 0 && osm_rfmt_xml(w, "report", o) >= 0
	    && xmlTextWriterEndDocument(w) >= 0) {
		xmlFreeTextWriter(w);
		w = NULL;
		r = fwrite(xmlBufferContent(buf), 1, (size_t) xmlBufferLength(buf), fp)
		    == (size_t) xmlBufferLength(buf) ? 0 : -1;
	}
	if (w)
		xmlFreeTextWriter(w);
	xmlBufferFree(buf);
	return r;
}

/* --- PERL -------------------------------------------------------------- */

/*
 * osm_rfmt_perl_str - S as a Perl literal of the same bytes, in ASCII so
 * that "use utf8" in the reader cannot make it another value: printable
 * ASCII single-quoted ('' interpolates nothing; \ and ' escaped), the
 * rest double-quoted with \\ \" \$ \@ and \x{HH} for every byte outside
 * printable ASCII.
 */
static void
osm_rfmt_perl_str(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *) s;
	int	ascii = 1;

	for (; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			ascii = 0;
	fputc(ascii ? '\'' : '"', fp);
	for (p = (const unsigned char *) s; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			fprintf(fp, "\\x{%02x}", *p);
		else if (*p == '\\' || (ascii ? *p == '\'' : strchr("\"$@", *p) != NULL)) {
			fputc('\\', fp);
			fputc(*p, fp);
		} else
			fputc(*p, fp);
	}
	fputc(ascii ? '\'' : '"', fp);
}

static void
osm_rfmt_perl(FILE *fp, json_t *j, int depth)
{
	const char *k;
	json_t *v;
	size_t	i;
	char	num[40];

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		fputs("{\n", fp);
		json_object_foreach(j, k, v) {
			fprintf(fp, "%*s", (depth + 1) * 2, "");
			osm_rfmt_perl_str(fp, k);
			fputs(" => ", fp);
			osm_rfmt_perl(fp, v, depth + 1);
			fputs(",\n", fp);
		}
		fprintf(fp, "%*s}", depth * 2, "");
		break;
	case JSON_ARRAY:
		fputs("[\n", fp);
		json_array_foreach(j, i, v) {
			fprintf(fp, "%*s", (depth + 1) * 2, "");
			osm_rfmt_perl(fp, v, depth + 1);
			fputs(",\n", fp);
		}
		fprintf(fp, "%*s]", depth * 2, "");
		break;
	case JSON_STRING:
		osm_rfmt_perl_str(fp, json_string_value(j));
		break;
	case JSON_INTEGER:
		fprintf(fp, "%lld", json_integer_value(j));
		break;
	case JSON_REAL:
		osm_rfmt_real(json_real_value(j), num, sizeof(num));
		fprintf(fp, "'%s'", num);
		break;
	case JSON_TRUE:
		fputs("1", fp);
		break;
	case JSON_FALSE:
		fputs("0", fp);
		break;
	default:
		fputs("undef", fp);
	}
}

int
osm_rfmt_write(FILE *fp, json_t *report, enum osm_fmt fmt)
{
	json_t *o = osm_rfmt_cap(report, 1);
	int	r;

	if (o == NULL)
		return -1;
	switch (fmt) {
	case OSM_FMT_YAML:
		r = osm_rfmt_write_yaml(fp, o);
		break;
	case OSM_FMT_XML:
		r = osm_rfmt_write_xml(fp, o);
		break;
	case OSM_FMT_PERL:
		fputs("$VAR1 = ", fp);
		osm_rfmt_perl(fp, o, 0);
		fputs(";\n", fp);
		r = ferror(fp) ? -1 : 0;
		break;
	default:
		r = json_dumpf(o, fp, JSON_INDENT(2)) != 0 || fputc('\n', fp) == EOF || ferror(fp) ? -1 : 0;
	}
	json_decref(o);
	return r;
}
