/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef OSM_MSG_H
#define OSM_MSG_H

/*
 * osm_msg - diagnostics for osm programs, after Postfix msg(3).
 *
 * osm_msg_info/warn/error log and return.  osm_msg_fatal logs and exits
 * (unusable environment: configuration, privileges, start-up);
 * osm_msg_panic logs and aborts (a broken invariant).  Bad input from a
 * peer is never fatal: warn and take the protocol's failure path.
 *
 * Output goes to stderr (the default), to syslog after
 * osm_msg_syslog_init(), or to a callback (the exim module logs through
 * exim's log_write).  Tests may install a fatal hook that longjmps instead
 * of exiting.  Not thread-safe; signal handlers must not log.
 */
#include <stdarg.h>

#define OSM_PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))
#define OSM_NORETURN __attribute__((noreturn))

enum osm_msg_level { OSM_MSG_INFO, OSM_MSG_WARN, OSM_MSG_ERROR, OSM_MSG_FATAL, OSM_MSG_PANIC };

typedef void osm_msg_output_fn(int level, const char *text);
typedef void osm_msg_fatal_fn(void);

extern int osm_msg_verbose;

void	osm_msg_init(const char *progname);
void	osm_msg_syslog_init(const char *ident, int facility);
void	osm_msg_set_output(osm_msg_output_fn *fn);
void	osm_msg_set_fatal_hook(osm_msg_fatal_fn *fn);

void	osm_msg_info(const char *, ...) OSM_PRINTFLIKE(1, 2);
void	osm_msg_warn(const char *, ...) OSM_PRINTFLIKE(1, 2);
void	osm_msg_error(const char *, ...) OSM_PRINTFLIKE(1, 2);
OSM_NORETURN void osm_msg_fatal(const char *, ...) OSM_PRINTFLIKE(1, 2);
OSM_NORETURN void osm_msg_panic(const char *, ...) OSM_PRINTFLIKE(1, 2);
void	osm_msg_vlog(int level, const char *fmt, va_list ap);

#define osm_msg_debug(...) \
	do { if (osm_msg_verbose) osm_msg_info(__VA_ARGS__); } while (0)

#endif
