/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_priv - libFuzzer target for the privileged helper's request
 * parser (pd_priv_parse), the first thing root does with bytes from
 * the unprivileged side.  Any packet is accepted or refused with a
 * reason, never a crash; an accepted one names one of the four
 * operations with the right field count, and no field that goes into
 * a command line can carry an option, a blank, a control byte, a shell
 * special or a path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pd_priv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_priv_plain - what the helper may put into an argument vector */
static void
fuzz_priv_plain(const char *s)
{
	if (s[0] == '-')
		abort();
	for (; *s; s++)
		if ((unsigned char) *s <= ' ' || (unsigned char) *s >= 0x7f || strchr("\"'`$\\;|&<>(){}*?/", *s))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char msg[PD_PRIV_MAX_MSG + 1];
	char   *f[PD_PRIV_MAX_FIELDS], why[64];
	int	n = -1, plain = 0;

	if (size > PD_PRIV_MAX_MSG)
		return 0;			/* the socket truncates: "request too long" */
	memcpy(msg, data, size);
	why[0] = 0;
	if (pd_priv_parse(msg, size, f, &n, why, sizeof(why)) != 0) {
		if (why[0] == 0)
			abort();		/* a refusal always says why */
		return 0;
	}
	if (n < 2 || n > PD_PRIV_MAX_FIELDS)
		abort();
	for (int i = 0; i < n; i++)
		if (f[i] < msg || f[i] + strlen(f[i]) > msg + size)
			abort();		/* every field inside the packet */
	if (!strcmp(f[0], "command") && n == 6)
		plain = 6;
	else if (!strcmp(f[0], "queue") && n >= 4)
		plain = 4;			/* the ids after WHO REPORT are filtered later */
	else if (!strcmp(f[0], "custom") && n == 2)
		plain = 2;
	else if (!strcmp(f[0], "rename") && n == 5) {
		if (f[3][0] != '/' || strstr(f[3], "/../") || strstr(f[3], "/./"))
			abort();
		fuzz_priv_plain(f[2]);
		fuzz_priv_plain(f[4]);
	} else
		abort();			/* an operation that does not exist */
	for (int i = 1; i < plain; i++)
		fuzz_priv_plain(f[i]);
	return 0;
}
