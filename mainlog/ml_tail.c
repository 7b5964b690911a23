/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ml_tail - log follower with rotation and a saved offset; see ml_tail.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ml_tail.h"
#include "osm_hash.h"
#include "osm_msg.h"

struct ml_tail {
	char   *path;
	char   *state;
	int	fd;
	dev_t	dev;
	ino_t	ino;
	off_t	off;
	char	name[4096];		/* the file being read now */
	unsigned long long head;	/* hash of its first headlen bytes: */
	size_t	headlen;		/* ... recognises a copy, or new content */
	int	complained;
	int	next_fd;		/* after a copy: the truncated file itself */
};

#define ML_HEAD 64

/* ml_tail_head - the FNV-1a of FD's first N bytes; 0 if it has fewer.
 * The state file keeps it: the hash must not change across upgrades. */
static unsigned long long
ml_tail_head(int fd, size_t n)
{
	char	b[ML_HEAD];

	return n && pread(fd, b, n, 0) == (ssize_t) n ? osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, b, n) : 0;
}

/* ml_tail_save - DEV INO OFFSET HEADLEN HEAD, atomically */
static int
ml_tail_save(struct ml_tail *t)
{
	char	tmp[4200];
	FILE   *fp;

	snprintf(tmp, sizeof(tmp), "%s.tmp", t->state);
	if ((fp = fopen(tmp, "w")) == NULL) {
		osm_msg_warn("%s: %m", tmp);
		return -1;
	}
	fprintf(fp, "%llu %llu %lld %zu %llu\n", (unsigned long long) t->dev, (unsigned long long) t->ino,
		(long long) t->off, t->headlen, t->head);
	if (fclose(fp) != 0 || rename(tmp, t->state) != 0) {
		osm_msg_warn("%s: %m", t->state);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/*
 * ml_tail_find - a rotated file next to the log: the one with this device
 * and inode, or (ino 0) a copy of the file being read: at least OFF
 * bytes, starting with the same bytes (copytruncate).
 */
static int
ml_tail_find(struct ml_tail *t, dev_t dev, ino_t ino, off_t off, char *out, size_t len)
{
	char	dir[4096], base[4096], tmp[4096];
	DIR    *d;
	struct dirent *de;
	int	found = 0;

	/* dirname() and basename() may write into their argument */
	snprintf(tmp, sizeof(tmp), "%s", t->path);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	snprintf(tmp, sizeof(tmp), "%s", t->path);
	snprintf(base, sizeof(base), "%s", basename(tmp));
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		struct stat st;

		if (strncmp(de->d_name, base, strlen(base)) != 0 || strcmp(de->d_name, base) == 0)
			continue;
		if ((size_t) snprintf(out, len, "%s/%s", dir, de->d_name) >= len)
			continue;
		if (lstat(out, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (!strcmp(out, t->state) || (!strncmp(out, t->state, strlen(t->state)) && !strcmp(out + strlen(t->state), ".tmp")))
			continue;		/* our own state file */
		if (ino != 0)
			found = st.st_dev == dev && st.st_ino == ino;
		else if (st.st_size >= off && t->headlen > 0) {
			int	fd = open(out, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

			found = fd >= 0 && ml_tail_head(fd, t->headlen) == t->head;
			if (fd >= 0)
				close(fd);
		}
	}
	closedir(d);
	return found;
}

/* ml_tail_adopt - read FD (NAME) from OFF on; 0 or -1 */
static int
ml_tail_adopt(struct ml_tail *t, int fd, const char *name, off_t off)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		close(fd);
		return -1;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	t->dev = st.st_dev;
	t->ino = st.st_ino;
	t->off = off <= st.st_size ? off : 0;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->headlen = st.st_size < ML_HEAD ? (size_t) st.st_size : ML_HEAD;
	t->head = ml_tail_head(fd, t->headlen);
	if (t->complained)
		osm_msg_info("%s: reading", name);
	t->complained = 0;
	return 0;
}

/* ml_tail_reopen - open NAME at OFF; 0 or -1 */
static int
ml_tail_reopen(struct ml_tail *t, const char *name, off_t off)
{
	int	fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (!t->complained)
			osm_msg_warn("%s: %m; waiting for it", name);
		t->complained = 1;
		return -1;
	}
	return ml_tail_adopt(t, fd, name, off);
}

/*
 * ml_tail_copy - the file being read was truncated: read the rest from
 * its copy (found like ml_tail_find), then the truncated file from 0.
 */
static int
ml_tail_copy(struct ml_tail *t, int truncated_fd, off_t off)
{
	char	copy[4096];
	int	cfd;

	if (!ml_tail_find(t, 0, 0, off, copy, sizeof(copy))
	    || (cfd = open(copy, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -1;
	if (t->fd == truncated_fd)
		t->fd = -1;			/* keep it open as the next file */
	if (ml_tail_adopt(t, cfd, copy, off) != 0)
		return -1;
	if (t->next_fd >= 0)
		close(t->next_fd);
	t->next_fd = truncated_fd;
	osm_msg_info("%s was truncated: finishing its copy %s first", t->path, copy);
	return 0;
}

struct ml_tail *
ml_tail_open(const char *path, const char *state_file)
{
	struct ml_tail *t = calloc(1, sizeof(*t));
	unsigned long long dev, ino;
	long long off;
	FILE   *fp;
	struct stat st;

	if (t == NULL || (t->path = strdup(path)) == NULL || (t->state = strdup(state_file)) == NULL) {
		ml_tail_close(t);
		return NULL;
	}
	t->fd = -1;
	t->next_fd = -1;
	if ((fp = fopen(state_file, "r")) != NULL) {
		size_t	headlen;
		unsigned long long head;

		if (fscanf(fp, "%llu %llu %lld %zu %llu", &dev, &ino, &off, &headlen, &head) == 5 && off >= 0
		    && headlen <= ML_HEAD) {
			char	old[4096];

			t->headlen = headlen;
			t->head = head;
			if (stat(path, &st) == 0 && st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino) {
				int	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

				if (fd >= 0 && st.st_size >= off && ml_tail_head(fd, headlen) == head)
					ml_tail_adopt(t, fd, path, (off_t) off);
				else if (fd >= 0 && ml_tail_copy(t, fd, (off_t) off) != 0)
					ml_tail_adopt(t, fd, path, 0);	/* no copy: from the start */
			} else if (ml_tail_find(t, (dev_t) dev, (ino_t) ino, 0, old, sizeof(old))) {
				osm_msg_info("%s was rotated while stopped: finishing %s first", path, old);
				ml_tail_reopen(t, old, (off_t) off);
			}
		}
		fclose(fp);
	}
	return t;
}

void
ml_tail_close(struct ml_tail *t)
{
	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (t->next_fd >= 0)
		close(t->next_fd);
	free(t->path);
	free(t->state);
	free(t);
}

const char *
ml_tail_name(const struct ml_tail *t)
{
	return t->name;
}

/*
 * ml_tail_truncated - was the file being read truncated (copytruncate)?
 * It is shorter than the offset, or has grown again with new first
 * bytes.  Checked before every read, not only at the end: the truncated
 * file may already be longer than the offset, or renamed away, by the
 * time we look.
 */
static int
ml_tail_truncated(struct ml_tail *t)
{
	struct stat st;

	if (t->off == 0 || fstat(t->fd, &st) != 0)
		return 0;
	return st.st_size < t->off || (t->headlen > 0 && ml_tail_head(t->fd, t->headlen) != t->head);
}

ssize_t
ml_tail_read(struct ml_tail *t, char *buf, size_t len, int *final)
{
	*final = 0;
	for (int round = 0; round < 4; round++) {
		struct stat st;
		ssize_t	n;

		if (t->fd < 0 && ml_tail_reopen(t, t->path, 0) < 0)
			return -1;
		if (ml_tail_truncated(t)) {
			/* finish the copy, then the truncated file from 0 */
			if (ml_tail_copy(t, t->fd, t->off) != 0) {
				osm_msg_info("%s was truncated: reading it from the start", t->name);
				t->off = 0;
				t->headlen = 0;
			}
			ml_tail_save(t);
			continue;
		}
		if ((n = pread(t->fd, buf, len, t->off)) < 0) {
			osm_msg_warn("%s: read: %m", t->name);
			return -1;
		}
		if (t->off == 0 && n > 0 && t->headlen < ML_HEAD) {
			t->headlen = (size_t) n < ML_HEAD ? (size_t) n : ML_HEAD;
			t->head = osm_hash_fnv1a(OSM_HASH_FNV1A_BASIS, buf, t->headlen);
		}
		if (n > 0 && memchr(buf, '\n', (size_t) n) != NULL)
			return n;
		/* At the end, or a partial line: the truncated file after its copy? */
		if (t->next_fd >= 0) {
			if (n > 0) {
				*final = 1;
				return n;
			}
			ml_tail_adopt(t, t->next_fd, t->path, 0);
			t->next_fd = -1;
			ml_tail_save(t);
			continue;
		}
		/* ... or has the file been rotated? */
		if (stat(t->path, &st) != 0)
			return 0;		/* renamed, not yet recreated */
		if (st.st_dev != t->dev || st.st_ino != t->ino) {
			if (n > 0) {
				*final = 1;	/* the old file's last line */
				return n;
			}
			if (ml_tail_reopen(t, t->path, 0) < 0)
				return -1;
			ml_tail_save(t);
			continue;
		}
		return 0;
	}
	return 0;
}

int
ml_tail_commit(struct ml_tail *t, size_t bytes)
{
	t->off += (off_t) bytes;
	return ml_tail_save(t);
}
