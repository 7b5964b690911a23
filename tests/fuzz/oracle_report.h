/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ORACLE_REPORT_H
#define ORACLE_REPORT_H

/*
 * oracle_report - read a custom action's payload back with a real parser
 * and compare it with the report it was written from (fuzz_report).
 *
 * Each oracle_report_<format>() parses the N bytes at P with that
 * format's reference parser (jansson, libyaml's parser, libxml2's
 * parser, an embedded perl) and returns 0 if the value read equals WANT
 * modulo the mapping osm_rfmt.h and osm.yaml(5) document; otherwise -1
 * with the reason in ERR.  WANT is the report as osm_rfmt_write() got
 * it; the oracles apply the documented mapping themselves (it is
 * written again here, not taken from osm_rfmt.c, so that a change to
 * one shows up as a difference).  They also check the raw bytes: JSON,
 * YAML and XML must be valid UTF-8 of characters the format allows,
 * Perl must be printable ASCII (so "use utf8" in the reader cannot
 * change a value).
 *
 * oracle_report_latin1() is the mapping of osm_rfmt_from_hash() and
 * osm_json: a byte that is not part of valid UTF-8 becomes U+0080..
 * U+00FF.  The caller frees the result.
 *
 * oracle_perl() is in oracle_perl.c (perl.h is kept out of the rest);
 * oracle_perl_available() says whether it was built.  Test programs
 * only: nothing here is linked into osm's programs.
 */
#include <stddef.h>
#include <jansson.h>

struct oracle_err {
	char	msg[512];
};

int	oracle_report_json(const char *p, size_t n, json_t *want, struct oracle_err *);
int	oracle_report_yaml(const char *p, size_t n, json_t *want, struct oracle_err *);
int	oracle_report_xml(const char *p, size_t n, json_t *want, struct oracle_err *);
int	oracle_perl(const char *p, size_t n, json_t *want, struct oracle_err *);
int	oracle_perl_available(void);

char   *oracle_report_latin1(const char *s, size_t n);
json_t *oracle_report_cap(json_t *, int depth);
void	oracle_report_fail(struct oracle_err *, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
