/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_exim - libFuzzer target for what the exim module parses: the
 * daemon's reply (untrusted bytes off a socket) and the dlfunc OPTIONS
 * text; and for the request builder, with the input as a value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oe_query.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct oe_req req;
	char   *s = malloc(size + 1);
	char	text[64], err[128];
	struct oe_opts o;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	(void) oe_reply_parse(s, size, text, sizeof(text));
	(void) oe_reply_parse(s, size, text, 1);
	(void) oe_opts_parse(s, &o, err, sizeof(err));
	oe_req_init(&req);
	for (int i = 0; i < 12; i++)
		oe_req_add(&req, "subject", s);
	if (req.len >= sizeof(req.buf) || memchr(req.buf, 0, req.len) != NULL)
		abort();			/* the request must stay one clean text */
	for (size_t i = 0; i < req.len; i++)
		if ((unsigned char) req.buf[i] < 0x20 && req.buf[i] != '\n')
			abort();
	free(s);
	return 0;
}
