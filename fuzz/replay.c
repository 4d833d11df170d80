/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab fuzz targets: the replay driver of the normal test suite. Built with a target's
 * LLVMFuzzerTestOneInput instead of libFuzzer's main, it feeds every file of the directories
 * named on the command line (the saved crash inputs and the seed corpus) through the target
 * once, so a fixed crash stays fixed in every build (normal and ASan), without clang. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Targets without set-up do not define it. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	/* One spare byte: a zero-length input still gets a valid pointer. */
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

/* Replays the regular files of dir (a missing directory is empty: a target may have no saved
 * crashes yet). Returns how many, or -1 on an unreadable file. */
static long replay_dir(const char *dir)
{
	struct dirent **names;
	char path[1024];
	struct stat st;
	long count = 0;
	int n = scandir(dir, &names, NULL, alphasort);

	if (n < 0)
		return 0;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (count >= 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    names[i]->d_name[0] != '.')
			count = replay_file(path) == 0 ? count + 1 : -1;
		free(names[i]);
	}
	free(names);
	return count;
}

int main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		long n = replay_dir(argv[i]);
		if (n < 0)
			return 1;
		printf("%s: %ld inputs replayed\n", argv[i], n);
		total += n;
	}
	/* No input at all means the paths are wrong, not that the target is fine. */
	if (total == 0) {
		fprintf(stderr, "replay: no input found in any directory\n");
		return 1;
	}
	return 0;
}
