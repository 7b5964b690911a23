/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_replay - run a libFuzzer target over files without libFuzzer
 * (after libpcap's onefile.c), so each corpus runs in "make check"
 * under gcc and the sanitizers.  Arguments are files or directories.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
fuzz_replay_file(const char *path)
{
	FILE   *fp = fopen(path, "rb");
	uint8_t *buf;
	long	n;

	if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0) {
		perror(path);
		return 1;
	}
	rewind(fp);
	if ((buf = malloc((size_t) n + 1)) == NULL || fread(buf, 1, (size_t) n, fp) != (size_t) n) {
		perror(path);
		return 1;
	}
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, (size_t) n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int	files = 0, bad = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR    *d = opendir(argv[i]);
			struct dirent *de;

			while (d && (de = readdir(d)) != NULL) {
				char	path[4096];

				if (de->d_name[0] == '.')
					continue;
				snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
				bad |= fuzz_replay_file(path);
				files++;
			}
			if (d)
				closedir(d);
		} else {
			bad |= fuzz_replay_file(argv[i]);
			files++;
		}
	}
	printf("replayed %d inputs\n", files);
	return bad || files == 0;
}
