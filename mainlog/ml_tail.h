/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ML_TAIL_H
#define ML_TAIL_H

/*
 * ml_tail - follow a log file across rotations, and remember the place.
 *
 * ml_tail_read() returns the bytes after the committed offset (pread, so
 * nothing is consumed until ml_tail_commit()).  Before each read it checks
 * that the file was not truncated (copytruncate: shorter than the offset,
 * or different first bytes); then the rest is read from the copy next to
 * it (the rotated file that starts with the same bytes), then the file
 * from 0.  At the end of the file it checks the path: another file there
 * (rename + create rotation) means the old one is finished: its last
 * bytes are returned with *final set even without a newline, then reading
 * moves to the new file from its start.  It returns 0 when there is
 * nothing new, -1 when the file cannot be read (logged once until it can).
 *
 * ml_tail_commit() advances the offset and saves "DEV INO OFFSET" to the
 * state file (written to a temporary file and renamed, so it is never
 * half-written).  ml_tail_open() reads the state: the same file resumes
 * at the offset; if the file was rotated meanwhile, the old one is found
 * by device and inode among the rotated files next to it (mainlog.1,
 * exim_mainlog-20261123 ...) and finished first.
 */
#include <sys/types.h>

struct ml_tail;

struct ml_tail *ml_tail_open(const char *path, const char *state_file);
void	ml_tail_close(struct ml_tail *);
ssize_t	ml_tail_read(struct ml_tail *, char *buf, size_t len, int *final);
int	ml_tail_commit(struct ml_tail *, size_t bytes);
const char *ml_tail_name(const struct ml_tail *);

#endif
