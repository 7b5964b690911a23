/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * oracle_perl - read a PERL payload with an embedded perl (perlembed(1),
 * perlcall(1)); see oracle_report.h.
 *
 * The payload is evaluated the way a custom action's script does it
 * (eval of "$VAR1 = {...};"), but inside a Safe compartment with its
 * default operator mask: if the writer ever let a subject's text become
 * code, the fuzzer must see a wrong value, not run what it found.  The
 * value is then walked from C: hashes, arrays, byte strings (UTF-8, no
 * UTF8 flag), integers, undef.
 *
 * SECURITY: Safe is a second fence only; the first is that the values
 * must come back equal to what was written.
 */
#include <stdlib.h>
#include <string.h>

#include "oracle_report.h"

#ifndef HAVE_PERL_EMBED

int
oracle_perl_available(void)
{
	return 0;
}

int
oracle_perl(const char *p, size_t n, json_t *want, struct oracle_err *e)
{
	return 0;
}

#else

#include <EXTERN.h>
#include <perl.h>

static PerlInterpreter *my_perl;

EXTERN_C void boot_DynaLoader(pTHX_ CV *cv);

/* oracle_perl_xs_init - DynaLoader, for Safe's Opcode */
static void
oracle_perl_xs_init(pTHX)
{
	newXS("DynaLoader::boot_DynaLoader", boot_DynaLoader, __FILE__);
}

static const char oracle_perl_code[] =
	"use strict; use warnings; use Safe;\n"
	"my $c = Safe->new;\n"
	"sub oracle_read {\n"
	"  my $v = $c->reval($_[0]); my $err = $@;\n"
	"  ${$c->varglob('VAR1')} = undef;\n"
	"  die $err if $err;\n"
	"  die \"no hash\\n\" unless ref $v eq 'HASH';\n"
	"  return $v;\n"
	"}\n";

int
oracle_perl_available(void)
{
	return 1;
}

/* oracle_perl_init - one interpreter for the process; libFuzzer never tears down */
static void
oracle_perl_init(void)
{
	static char arg0[] = "oracle", arg1[] = "-e", arg2[] = "0";
	static char *args[] = {arg0, arg1, arg2, NULL};
	static char **argv = args;
	static int argc = 3;
	char  **env = NULL;
	char   *parse[] = {arg0, arg1, (char *) oracle_perl_code, NULL};

	PERL_SYS_INIT3(&argc, &argv, &env);
	if ((my_perl = perl_alloc()) == NULL)
		abort();
	perl_construct(my_perl);
	PL_exit_flags |= PERL_EXIT_DESTRUCT_END;
	if (perl_parse(my_perl, oracle_perl_xs_init, 3, parse, NULL) != 0 || perl_run(my_perl) != 0)
		abort();
}

static int
oracle_perl_value(SV *sv, json_t *want, const char *where, struct oracle_err *e)
{
	const char *k;
	json_t *v;
	size_t	i;

	switch (json_typeof(want)) {
	case JSON_OBJECT: {
		HV     *hv;

		if (!SvROK(sv) || SvTYPE(SvRV(sv)) != SVt_PVHV) {
			oracle_report_fail(e, "at %s: not a hash", where);
			return -1;
		}
		hv = (HV *) SvRV(sv);
		if ((size_t) HvUSEDKEYS(hv) != json_object_size(want)) {
			oracle_report_fail(e, "at %s: %zu keys, want %zu", where, (size_t) HvUSEDKEYS(hv),
					   json_object_size(want));
			return -1;
		}
		json_object_foreach(want, k, v) {
			/* a byte key: a key read as characters would not be found */
			SV    **got = hv_fetch(hv, k, (I32) strlen(k), 0);

			if (got == NULL) {
				oracle_report_fail(e, "at %s: key missing", where);
				return -1;
			}
			if (oracle_perl_value(*got, v, k, e) != 0)
				return -1;
		}
		return 0;
	}
	case JSON_ARRAY: {
		AV     *av;

		if (!SvROK(sv) || SvTYPE(SvRV(sv)) != SVt_PVAV) {
			oracle_report_fail(e, "at %s: not an array", where);
			return -1;
		}
		av = (AV *) SvRV(sv);
		if ((size_t) (av_top_index(av) + 1) != json_array_size(want)) {
			oracle_report_fail(e, "at %s: %zd items, want %zu", where, (ssize_t) (av_top_index(av) + 1),
					   json_array_size(want));
			return -1;
		}
		json_array_foreach(want, i, v) {
			SV    **got = av_fetch(av, (SSize_t) i, 0);

			if (got == NULL || oracle_perl_value(*got, v, where, e) != 0) {
				if (got == NULL)
					oracle_report_fail(e, "at %s: item %zu missing", where, i);
				return -1;
			}
		}
		return 0;
	}
	case JSON_STRING: {
		STRLEN	len;
		const char *s;

		if (SvROK(sv) || !SvPOK(sv) || SvUTF8(sv)) {
			oracle_report_fail(e, "at %s: not a byte string%s", where, SvPOK(sv) && SvUTF8(sv) ? " (characters)" : "");
			return -1;
		}
		s = SvPV(sv, len);
		if (len != strlen(json_string_value(want)) || memcmp(s, json_string_value(want), len)) {
			oracle_report_fail(e, "at %s: string '%.40s', want '%.40s'", where, s, json_string_value(want));
			return -1;
		}
		return 0;
	}
	case JSON_INTEGER:
		if (SvROK(sv) || !SvIOK(sv) || SvIsUV(sv) || SvIV(sv) != (IV) json_integer_value(want)) {
			oracle_report_fail(e, "at %s: not the integer %lld", where, json_integer_value(want));
			return -1;
		}
		return 0;
	case JSON_REAL:
		/* Data::Dumper's way: a quoted number */
		if (SvROK(sv) || !SvPOK(sv) || SvNV(sv) != json_real_value(want)) {
			oracle_report_fail(e, "at %s: not the real %.17g", where, json_real_value(want));
			return -1;
		}
		return 0;
	case JSON_TRUE:
	case JSON_FALSE:
		if (SvROK(sv) || !SvIOK(sv) || SvIV(sv) != (json_is_true(want) ? 1 : 0)) {
			oracle_report_fail(e, "at %s: not %d", where, json_is_true(want) ? 1 : 0);
			return -1;
		}
		return 0;
	default:
		if (SvOK(sv)) {
			oracle_report_fail(e, "at %s: not undef", where);
			return -1;
		}
		return 0;
	}
}

int
oracle_perl(const char *p, size_t n, json_t *want, struct oracle_err *e)
{
	int	r = -1;

	for (size_t i = 0; i < n; i++)
		if (p[i] != '\n' && (p[i] < 0x20 || p[i] > 0x7e)) {
			oracle_report_fail(e, "byte 0x%02x at %zu is not printable ASCII", (unsigned char) p[i], i);
			return -1;
		}
	if (n < 9 || memcmp(p, "$VAR1 = ", 8) || memcmp(p + n - 2, ";\n", 2)) {
		oracle_report_fail(e, "not \"$VAR1 = ...;\"");
		return -1;
	}
	if (my_perl == NULL)
		oracle_perl_init();
	{
		dSP;
		int	count;

		ENTER;
		SAVETMPS;
		PUSHMARK(SP);
		XPUSHs(sv_2mortal(newSVpvn(p, n)));
		PUTBACK;
		count = call_pv("oracle_read", G_SCALAR | G_EVAL);
		SPAGAIN;
		if (SvTRUE(ERRSV))
			oracle_report_fail(e, "perl: %.400s", SvPV_nolen(ERRSV));
		else if (count != 1)
			oracle_report_fail(e, "perl: %d values", count);
		else
			r = oracle_perl_value(TOPs, want, "$VAR1", e);
		if (count > 0)
			SP -= count;
		PUTBACK;
		FREETMPS;
		LEAVE;
	}
	return r;
}

#endif
