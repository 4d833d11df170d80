/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab fuzz targets: the temporary directory and file helpers (see fuzz_common.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "fuzz_common.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path); /* best effort: a leftover file fails no run */
	return 0;
}

/* Removes everything the target wrote (the p11 target's lab has subdirectories). */
static void remove_dir(void)
{
	nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *hl_fuzz_dir(void)
{
	if (dir[0] == '\0') {
		/* TMPDIR: ci/fuzz.sh points it into the build tree, where a crashed run leaves no
		 * litter in /tmp. */
		const char *tmp = getenv("TMPDIR");
		snprintf(dir, sizeof(dir), "%s/hsmlab-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(dir) == NULL) {
			perror("fuzz: mkdtemp");
			abort();
		}
		atexit(remove_dir);
	}
	return dir;
}

const char *hl_fuzz_file(const char *name, const uint8_t *data, size_t size)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", hl_fuzz_dir(), name);
	f = fopen(path, "wb");
	if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

char *hl_fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	if (size > 0)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}
