/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_proto - libFuzzer target for the policy protocol parser and
 * the planner behind it.  Feeds the input as one client's byte stream,
 * parsing every request in it, as pd_server does; plans each one as
 * pd_server does (the part a plain event needs, then the script's whole
 * call) and checks every argument's bounds; then formats a reply from
 * the last value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "osm_acct.h"
#include "osm_buf.h"
#include "osm_cfg.h"
#include "osm_proto.h"
#include "pd_event.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* plan - pd_event_plan with SCRIPT; a plan's arguments must be in its buffer, whole */
static void
plan(const struct osm_proto_req *req, int script)
{
	static const char yaml[] =
	    "server_name: fuzz\n"
	    "triggers:\n"
	    "  default:\n"
	    "    logline: { windows: [ {events: 5, seconds: 60}, {events: 50, seconds: 1h} ] }\n"
	    "    cwdcheck: { events: 5, seconds: 60, actions: [store, hold] }\n"
	    "    delivery: { events: 4, seconds: 1h, failure_ratio: 50% }\n"
	    "ignore: { subjects: [\"^skip\"], ips: [10.0.0.0/8] }\n";
	static struct pd_event_ctx ctx;
	static struct pd_plan *p;
	const char *why;

	if (p == NULL) {
		ctx.cfg = osm_cfg_load_mem("fuzz.yaml", yaml, sizeof(yaml) - 1, NULL);
		ctx.acct = osm_acct_load("/nonexistent", 0);
		ctx.prefix = "osm:fuzz:";
		if (ctx.cfg == NULL || ctx.acct == NULL || (p = pd_plan_new()) == NULL)
			abort();
	}
	if (pd_event_plan(&ctx, req, 1000000, p, script, &why) != 0) {
		if (why == NULL)
			abort();
		return;
	}
	if (script && !p->script)
		abort();
	for (int i = 0; i < p->ncmd; i++) {
		const struct pd_cmd *c = &p->cmd[i];

		if (c->argc > PD_CMD_MAX_ARGS || c->nkeys > c->argc || c->event_arg >= c->argc)
			abort();
		for (int a = 0; a < c->argc; a++)
			if (strlen(c->argv[a]) != c->argvlen[a])
				abort();
		for (int w = 0; w < c->nwin; w++)
			if (c->win[w] >= c->nkeys)
				abort();
		for (int f = 0; f < c->nfield; f++)
			if (c->field[f] >= c->argc)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct osm_proto_req req;
	struct osm_proto_limits lim = {512, 32, 4096};
	char   *buf = malloc(size + 1);
	size_t	off = 0, used;
	const char *why;
	struct osm_buf *out = osm_buf_new(1 << 16);

	if (buf == NULL || out == NULL)
		abort();
	memcpy(buf, data, size);
	buf[size] = 0;
	while (off < size && osm_proto_parse(buf + off, size - off, &lim, &req, &used, &why) == OSM_PROTO_OK) {
		if (used == 0 || used > size - off)
			abort();
		const char *v = osm_proto_get(&req, "request");

		for (size_t i = 0; i < req.nattr; i++)
			if (req.attr[i].name[0] == 0 || strchr(req.attr[i].value, '\n'))
				abort();
		plan(&req, 0);
		plan(&req, 1);
		osm_proto_reply(out, "DUNNO", v ? v : req.attr[req.nattr - 1].value);
		off += used;
	}
	osm_buf_free(out);
	free(buf);
	return 0;
}
