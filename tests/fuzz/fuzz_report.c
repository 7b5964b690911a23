/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_report - libFuzzer target for what the actions read and write
 * from text an attacker can shape: an exim spool header (the queue scan
 * of hold, discard and osmctl release), and a report whose fields (the
 * key, the action results) and event fields (subject, script) carry the
 * input, through the text form and all four custom formats.
 *
 * Every custom payload is read back with a real parser (oracle_report.h:
 * jansson, libyaml, libxml2, an embedded perl) and must equal the report
 * modulo the mapping osm_rfmt.h documents; the report itself must hold
 * the input with invalid UTF-8 read as Latin-1.  Any difference aborts,
 * with the reason and the payload on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osm_buf.h"
#include "osm_json.h"
#include "osm_queue.h"
#include "osm_rfmt.h"
#include "oracle_report.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_report_fail - say what differs, show the payload, stop */
static void
fuzz_report_fail(const char *what, const char *why, const char *payload, size_t len)
{
	fprintf(stderr, "fuzz_report: %s: %s\n", what, why);
	if (payload) {
		fprintf(stderr, "--- payload (%zu bytes) ---\n", len);
		fwrite(payload, 1, len < 4000 ? len : 4000, stderr);
		fprintf(stderr, "\n---\n");
	}
	abort();
}

/* fuzz_report_field - the string field NAME of O must be WANT */
static void
fuzz_report_field(json_t *o, const char *name, const char *want)
{
	json_t *v = json_object_get(o, name);

	if (!json_is_string(v) || strcmp(json_string_value(v), want)) {
		char	why[256];

		snprintf(why, sizeof(why), "field %s is '%.60s', want '%.60s'", name,
			 json_is_string(v) ? json_string_value(v) : "(not a string)", want);
		fuzz_report_fail("osm_rfmt_from_hash", why, NULL, 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmt[] = {"JSON", "YAML", "XML", "PERL"};
	static int (*const oracle[])(const char *, size_t, json_t *, struct oracle_err *) = {
		oracle_report_json, oracle_report_yaml, oracle_report_xml, oracle_perl};
	static int said;
	char   *h = malloc(size + 1), *latin1;
	struct osm_buf *ev = osm_buf_new(12 * size + 256);	/* \u00XX for each byte, twice */
	int	first = 1;

	if (h == NULL || ev == NULL)
		abort();
	memcpy(h, data, size);
	h[size] = 0;
	(void) osm_queue_header_match(h, "account:bob", 0);
	(void) osm_queue_header_match(h, "email:bob@example.com", 1);
	(void) osm_queue_header_match(h, "ip:192.0.2.1", 0);

	/* a report with the input in its event fields */
	osm_buf_puts(ev, "[{\"t\":1");
	first = 0;
	osm_json_field(ev, &first, "subject", h);
	osm_buf_puts(ev, ",\"script\":");
	osm_json_strn(ev, (const char *) data, size);
	osm_buf_puts(ev, "}]");
	const char *kv[] = {"id", "1", "time", "1000", "type", "logline", "key", h,
		"events", osm_buf_data(ev), "results", h, "count", h};
	json_t *o = osm_rfmt_from_hash(kv, sizeof(kv) / sizeof(kv[0])), *want;

	if (o == NULL)
		abort();

	/* the report holds the input: invalid UTF-8 as Latin-1 (osm_rfmt.h) */
	latin1 = oracle_report_latin1(h, strlen(h));
	fuzz_report_field(o, "key", latin1);
	if (strlen(h) == size) {	/* a NUL makes the events unreadable, a string */
		json_t *e0 = json_array_get(json_object_get(o, "events"), 0);

		if (e0 == NULL)
			fuzz_report_fail("osm_rfmt_from_hash", "the events are not an array", NULL, 0);
		fuzz_report_field(e0, "subject", latin1);
		fuzz_report_field(e0, "script", latin1);
	}
	free(latin1);

	if (!oracle_perl_available() && !said++)
		fprintf(stderr, "fuzz_report: built without an embedded perl (libperl-dev): "
			"PERL payloads are not read back\n");
	want = oracle_report_cap(o, 1);
	for (int f = -1; f < 4; f++) {
		char   *buf = NULL;
		size_t	len = 0;
		FILE   *fp = open_memstream(&buf, &len);
		struct oracle_err err = {""};

		if (fp == NULL)
			abort();
		if (f < 0)
			osm_rfmt_text(fp, o);
		else if (osm_rfmt_write(fp, o, (enum osm_fmt) f) != 0)
			fuzz_report_fail(fmt[f], "not produced", NULL, 0);
		if (fclose(fp) != 0)
			abort();
		if (f >= 0 && oracle[f](buf, len, want, &err) != 0)
			fuzz_report_fail(fmt[f], err.msg, buf, len);
		free(buf);
	}
	json_decref(want);

	/* the XML writer holds any bytes, even in a string jansson did not check */
	{
		char   *buf = NULL;
		size_t	len = 0;
		FILE   *fp = open_memstream(&buf, &len);
		json_t *raw = json_pack("{s:o}", "raw", json_string_nocheck(h));
		struct oracle_err err = {""};

		if (fp == NULL || raw == NULL)
			abort();
		if (osm_rfmt_write(fp, raw, OSM_FMT_XML) != 0)
			fuzz_report_fail("XML of raw bytes", "not produced", NULL, 0);
		if (fclose(fp) != 0)
			abort();
		if (oracle_report_xml(buf, len, raw, &err) != 0)
			fuzz_report_fail("XML of raw bytes", err.msg, buf, len);
		free(buf);
		json_decref(raw);
	}
	json_decref(o);
	osm_buf_free(ev);
	free(h);
	return 0;
}
