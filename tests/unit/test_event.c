/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_event - policy request -> events -> script arguments (pd_event). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "osm_acct.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_proto.h"
#include "pd_event.h"

static struct osm_cfg *cfg;
static struct osm_acct *tables;
static struct pd_event_ctx ctx;
static struct pd_plan *plan;
static char domains[] = "/tmp/osm-ud.XXXXXX";

static int
setup(void **state)
{
	const char *yaml =
	    "server_name: s\n"
	    "triggers:\n"
	    "  default:\n"
	    "    logline: { events: 5, seconds: 60, actions: [store, hold] }\n"
	    "    cwdcheck: { events: 5, seconds: 60 }\n"
	    "  accounts:\n"
	    "    quiet: { logline: { enabled: false } }\n"
	    "ignore:\n"
	    "  accounts: [ignored]\n"
	    "  subjects: [\"^skip\"]\n";
	int	fd = mkstemp(domains);
	FILE   *fp = fdopen(fd, "w");

	(void) state;
	fprintf(fp, "shop.example: bob\n");
	fclose(fp);
	cfg = osm_cfg_load_mem("t.yaml", yaml, strlen(yaml), NULL);
	tables = osm_acct_load(domains, 0);
	plan = pd_plan_new();
	ctx.cfg = cfg;
	ctx.acct = tables;
	ctx.prefix = "osm:s:";
	ctx.pid = 1;
	return cfg && tables && plan ? 0 : -1;
}

static int
teardown(void **state)
{
	(void) state;
	osm_cfg_free(cfg);
	osm_acct_free(tables);
	pd_plan_free(plan);
	unlink(domains);
	return 0;
}

static int run_script = 1;		/* pd_event_plan's script argument */

/* run - parse a request text and plan it */
static int
run(const char *text, const char **why)
{
	char   *buf = strdup(text);
	struct osm_proto_req *req = malloc(sizeof(*req));
	struct osm_proto_limits lim = {2048, 100, 16384};
	size_t	used;
	int	r;

	assert_int_equal(osm_proto_parse(buf, strlen(buf), &lim, req, &used, why), OSM_PROTO_OK);
	r = pd_event_plan(&ctx, req, 1000000, plan, run_script, why);
	free(req);
	free(buf);
	return r;
}

static int
has_arg(const struct pd_cmd *c, const char *want)
{
	for (int i = 0; i < c->argc; i++)
		if (strcmp(c->argv[i], want) == 0)
			return 1;
	return 0;
}

static void
test_local(void **state)
{
	const char *why;
	struct pd_cmd *c;

	(void) state;
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\naccount=carol\n"
			     "subject=Hi {there}\ncwd=/srv/x y\n\n", &why), 0);
	assert_int_equal(plan->ncmd, 1);
	assert_int_equal(plan->count, 1);
	c = &plan->cmd[0];
	assert_string_equal(c->tag, "carol");
	assert_true(has_arg(c, "osm:s:{carol}:verdict"));
	assert_true(has_arg(c, "osm:s:{carol}:w:logline:carol:60"));
	assert_true(has_arg(c, "osm:s:{carol}:w:cwdcheck:cwd:/srv/x%20y:60"));
	assert_true(has_arg(c, "account:carol"));
	/* what a report needs: type, seconds, actions, verdict kind, target, key */
	assert_true(has_arg(c, "logline\n60\nstore,hold\nHOLD\naccount:carol\ncarol"));
	assert_true(has_arg(c, "cwdcheck:cwd\n60\nstore\n-\naccount:carol\n/srv/x y"));
	/* keys: verdict + (window, report) per window: logline, subject, cwd = 7 */
	assert_int_equal(c->nkeys, 7);
	assert_string_equal(plan->who, "account:carol");
}

static void
test_auth_email(void **state)
{
	const char *why;
	struct pd_cmd *c;

	(void) state;
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\nsasl_username=Sales@Shop.Example\n"
			     "client_address=2001:db8::7\n\n", &why), 0);
	c = &plan->cmd[0];
	assert_string_equal(c->tag, "bob");	/* the domain's owner */
	assert_true(has_arg(c, "osm:s:{bob}:w:logline:sales@shop.example:60"));
	assert_true(has_arg(c, "account:bob"));
	assert_true(has_arg(c, "email:sales@shop.example"));
}

static void
test_postfix_states(void **state)
{
	const char *why;

	(void) state;
	assert_int_equal(run("request=smtpd_access_policy\nprotocol_state=RCPT\nsasl_username=a@b.example\n\n", &why), 0);
	assert_int_equal(plan->count, 0);
	assert_true(has_arg(&plan->cmd[0], "0"));
	assert_int_equal(run("request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nsasl_username=a@b.example\n\n", &why), 0);
	assert_int_equal(plan->count, 1);
	/* the exim router looks without counting; an osm source without a state counts */
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\nprotocol_state=DELIVERY\naccount=carol\n\n", &why), 0);
	assert_int_equal(plan->count, 0);
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\naccount=carol\n\n", &why), 0);
	assert_int_equal(plan->count, 1);
}

static void
test_ip_and_unknown(void **state)
{
	const char *why;

	(void) state;
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\nclient_address=192.0.2.9\n\n", &why), 0);
	assert_string_equal(plan->cmd[0].tag, "ip:192.0.2.9");
	assert_true(has_arg(&plan->cmd[0], "osm:s:{ip%3A192.0.2.9}:w:logline:ip%3A192.0.2.9:60"));
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\n\n", &why), 0);
	assert_int_equal(plan->ncmd, 0);
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\naccount=ignored\n\n", &why), 0);
	assert_int_equal(plan->ncmd, 0);
}

static void
test_cwd_owner(void **state)
{
	const char *why;

	(void) state;
	/* nobody's script in root's home (min_uid 0): two tags */
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\nuid=65534\ncwd=/root/site\nsubject=skip me\n\n", &why), 0);
	assert_int_equal(plan->ncmd, 2);
	assert_string_equal(plan->cmd[0].tag, "nobody");
	assert_string_equal(plan->cmd[1].tag, "root");
	assert_true(has_arg(&plan->cmd[1], "osm:s:{root}:w:cwdcheck:root:60"));
	assert_true(has_arg(&plan->cmd[1], "account:root"));
	/* the ignored subject made no logline:subject window: verdict + 1 window */
	assert_int_equal(plan->cmd[0].nkeys, 3);
	/* an account's process in another account's home counts for itself */
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\nuid=0\ncwd=/nonexistent/site\n\n", &why), 0);
	assert_int_equal(plan->ncmd, 1);
	assert_string_equal(plan->cmd[0].tag, "root");
	assert_true(has_arg(&plan->cmd[0], "osm:s:{root}:w:cwdcheck:root:60"));
	assert_false(has_arg(&plan->cmd[0], "account:nobody"));
	/* a disabled type adds no window */
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\naccount=quiet\n\n", &why), 0);
	assert_int_equal(plan->cmd[0].nkeys, 1);
}

static void
test_sniffer(void **state)
{
	const char *why;

	(void) state;
	assert_int_equal(run("request=smtpd_access_policy\nsource=sniffer\naccount=carol\ncwd=/tmp/x\n\n", &why), 0);
	assert_true(has_arg(&plan->cmd[0], "osm:s:{carol}:w:packet:carol:60"));
	assert_true(has_arg(&plan->cmd[0], "osm:s:{carol}:w:packet:cwd:/tmp/x:60"));
}

/* Without script, a plain event gets only what pd_shadow and its RPUSH read. */
static void
test_plain_part(void **state)
{
	const char *why;
	const char *text = "request=smtpd_access_policy\nsource=exim\naccount=carol\nsubject=Hi\n\n";
	const struct pd_cmd *c = &plan->cmd[0];
	char	event[512];

	(void) state;
	assert_int_equal(run(text, &why), 0);
	assert_int_equal(plan->script, 1);
	assert_int_equal(c->nkeys, 5);		/* verdict, (window, report) x 2 */
	assert_non_null(strstr(c->argv[2], ":report:"));
	snprintf(event, sizeof(event), "%s", c->argv[c->event_arg] + strcspn(c->argv[c->event_arg], ","));
	run_script = 0;
	assert_int_equal(run(text, &why), 0);
	assert_int_equal(plan->plain, 1);
	assert_int_equal(plan->script, 0);
	assert_string_equal(c->argv[0], "osm:s:{carol}:verdict");
	assert_int_equal(c->nwin, 2);
	assert_string_equal(c->argv[c->win[0]], "osm:s:{carol}:w:logline:carol:60");
	assert_int_equal(c->level[0], 5);
	assert_int_equal(c->ttl_ms[0], 60000 + PD_EVENT_TTL_SLACK_MS);
	assert_int_equal(c->nfield, 1);
	assert_string_equal(c->argv[c->field[0]], "account:carol");
	/* the same event as the whole call's, but for its id */
	assert_string_equal(c->argv[c->event_arg] + strcspn(c->argv[c->event_arg], ","), event);
	assert_int_equal(c->argc, 5);		/* verdict, 2 windows, event, field */
	for (int i = 0; i < c->argc; i++)
		assert_null(strstr(c->argv[i], ":report:"));
	/* a message marker needs the script: the whole call at once */
	assert_int_equal(run("request=smtpd_access_policy\nsource=exim\naccount=carol\nmessage_id=1a-2b-3c\n\n", &why), 0);
	assert_int_equal(plan->plain, 0);
	assert_int_equal(plan->script, 1);
	assert_true(has_arg(c, "osm:s:{carol}:msg:1a-2b-3c"));
	/* a look without counting only needs the verdict fields */
	assert_int_equal(run("request=smtpd_access_policy\nprotocol_state=RCPT\nsasl_username=a@b.example\n\n", &why), 0);
	assert_int_equal(plan->script, 0);
	run_script = 1;
}

struct bad_case {
	const char *req;
	const char *want;
};

static void
test_bad(void **state)
{
	static const struct bad_case cases[] = {
		{"source=exim\n\n", "missing or unsupported 'request' attribute (want smtpd_access_policy)"},
		{"request=x\n\n", "missing or unsupported 'request' attribute (want smtpd_access_policy)"},
		{"request=smtpd_access_policy\nsource=pop3\n\n", "unknown 'source' (want postfix, exim, mainlog or sniffer)"},
		{"request=smtpd_access_policy\nuid=-1\n\n", "'uid' is not a number"},
		{"request=smtpd_access_policy\nuid=99999999999\n\n", "'uid' is not a number"},
		{"request=smtpd_access_policy\nrecipient_count=x\n\n", "recipient count is not a number"},
		{"request=smtpd_access_policy\nclient_address=1.2.3\n\n", "'client_address' is not an IP address"},
		{"request=smtpd_access_policy\ncwd=relative\n\n", "'cwd' is not an absolute path"},
		{"request=smtpd_access_policy\naccount=a{b}\n\n", "'account' is not an account name"},
	};
	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;

		if (run(cases[i].req, &why) != -1 || why == NULL || strcmp(why, cases[i].want))
			fail_msg("case %zu: got '%s', want '%s'", i, why ? why : "(accepted)", cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_auth_email),
		cmocka_unit_test(test_postfix_states),
		cmocka_unit_test(test_ip_and_unknown),
		cmocka_unit_test(test_cwd_owner),
		cmocka_unit_test(test_sniffer),
		cmocka_unit_test(test_plain_part),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
