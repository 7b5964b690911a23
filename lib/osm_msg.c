/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * osm_msg - log to stderr, syslog or a callback; see osm_msg.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "osm_msg.h"

int	osm_msg_verbose;

static const char *osm_msg_prog = "osm";
static int osm_msg_use_syslog;
static osm_msg_output_fn *osm_msg_output;
static osm_msg_fatal_fn *osm_msg_fatal_hook;

static const char *const osm_msg_tags[] = {"", "warning: ", "error: ", "fatal: ", "panic: "};
static const int osm_msg_prio[] = {LOG_INFO, LOG_WARNING, LOG_ERR, LOG_CRIT, LOG_CRIT};

/* osm_msg_init - set the program name shown on stderr */
void
osm_msg_init(const char *progname)
{
	const char *slash = strrchr(progname, '/');

	osm_msg_prog = slash ? slash + 1 : progname;
}

/* osm_msg_syslog_init - send all further messages to syslog */
void
osm_msg_syslog_init(const char *ident, int facility)
{
	openlog(ident, LOG_PID | LOG_NDELAY, facility);
	osm_msg_use_syslog = 1;
}

void
osm_msg_set_output(osm_msg_output_fn *fn)
{
	osm_msg_output = fn;
}

void
osm_msg_set_fatal_hook(osm_msg_fatal_fn *fn)
{
	osm_msg_fatal_hook = fn;
}

/* osm_msg_vlog - format once, then hand to the active back-end */
void
osm_msg_vlog(int level, const char *fmt, va_list ap)
{
	char	text[2048];

	vsnprintf(text, sizeof(text), fmt, ap);
	if (osm_msg_output)
		osm_msg_output(level, text);
	else if (osm_msg_use_syslog)
		syslog(osm_msg_prio[level], "%s%s", osm_msg_tags[level], text);
	else
		fprintf(stderr, "%s: %s%s\n", osm_msg_prog, osm_msg_tags[level], text);
}

#define OSM_MSG_BODY(level) do { \
	va_list ap; \
	va_start(ap, fmt); \
	osm_msg_vlog(level, fmt, ap); \
	va_end(ap); \
} while (0)

void
osm_msg_info(const char *fmt, ...)
{
	OSM_MSG_BODY(OSM_MSG_INFO);
}

void
osm_msg_warn(const char *fmt, ...)
{
	OSM_MSG_BODY(OSM_MSG_WARN);
}

void
osm_msg_error(const char *fmt, ...)
{
	OSM_MSG_BODY(OSM_MSG_ERROR);
}

void
osm_msg_fatal(const char *fmt, ...)
{
	OSM_MSG_BODY(OSM_MSG_FATAL);
	if (osm_msg_fatal_hook)
		osm_msg_fatal_hook();
	exit(1);
}

void
osm_msg_panic(const char *fmt, ...)
{
	OSM_MSG_BODY(OSM_MSG_PANIC);
	if (osm_msg_fatal_hook)
		osm_msg_fatal_hook();
	abort();
}
