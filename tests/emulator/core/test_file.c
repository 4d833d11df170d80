/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the atomic file writer (hl_file_write_atomic). A failure at any step leaves the old
 * file as it was and no temporary file behind; errors name the path. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/hl_file.h"

static char dir[] = "/tmp/hsmlab-file-XXXXXX";
static char path[256];

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.txt", dir);
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(file, .init = setup, .fini = teardown);

static char *slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	cr_assert_not_null(f, "%s", p);
	char *buf = calloc(1 << 20, 1);
	*len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	return buf;
}

/* Entries of dir other than . and .. */
static int entries(void)
{
	int n = 0;
	DIR *d = opendir(dir);
	cr_assert_not_null(d);
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

Test(file, writes_replaces_and_sets_the_mode)
{
	char err[256] = "";
	size_t len = 0;
	struct stat sb;
	cr_assert_eq(hl_file_write_atomic(path, "first", 5, 0600, err, sizeof(err)), HL_OK, "%s",
		     err);
	cr_assert_eq(hl_file_write_atomic(path, "second\n", 7, 0644, err, sizeof(err)), HL_OK, "%s",
		     err);
	char *text = slurp(path, &len);
	cr_assert_eq(len, 7);
	cr_assert_str_eq(text, "second\n");
	free(text);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0644, "mode %o", sb.st_mode & 0777);
	cr_assert_eq(entries(), 1, "no temporary file left");
	cr_assert_eq(hl_file_write_atomic(path, "", 0, 0600, err, sizeof(err)), HL_OK, "%s", err);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_size, 0, "an empty file is a file too");
	cr_assert_eq(sb.st_mode & 0777, 0600, "mode exactly as asked, whatever the umask");
}

/* A write that fails half way (the file size limit): the old file stays, the temporary file
 * goes, and the message names the path. */
Test(file, failed_write_leaves_the_old_file)
{
	char err[256] = "";
	size_t len = 0;
	static char big[256 * 1024];
	memset(big, 'x', sizeof(big));
	cr_assert_eq(hl_file_write_atomic(path, "old content", 11, 0600, err, sizeof(err)), HL_OK);
	signal(SIGXFSZ, SIG_IGN); /* write then fails with EFBIG instead of killing the test */
	struct rlimit rl = { .rlim_cur = 4096, .rlim_max = RLIM_INFINITY };
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	cr_assert_eq(hl_file_write_atomic(path, big, sizeof(big), 0600, err, sizeof(err)),
		     HL_ERR_IO);
	cr_assert(strstr(err, path) != NULL, "names the path: %s", err);
	cr_assert(strstr(err, "cannot write") != NULL, "%s", err);
	char *text = slurp(path, &len);
	cr_assert_eq(len, 11);
	cr_assert_str_eq(text, "old content");
	free(text);
	cr_assert_eq(entries(), 1, "the temporary file is removed");
}

/* The rename fails (a non-empty directory sits at the path): nothing changes. */
Test(file, failed_rename_leaves_the_target)
{
	char err[256] = "", inner[300];
	cr_assert_eq(mkdir(path, 0700), 0);
	snprintf(inner, sizeof(inner), "%s/keep", path);
	cr_assert_eq(hl_file_write_atomic(inner, "kept", 4, 0600, err, sizeof(err)), HL_OK);
	cr_assert_eq(hl_file_write_atomic(path, "data", 4, 0600, err, sizeof(err)), HL_ERR_IO);
	cr_assert(strstr(err, path) != NULL && strstr(err, "rename") != NULL, "%s", err);
	struct stat sb;
	cr_assert_eq(stat(inner, &sb), 0, "the directory is untouched");
	cr_assert_eq(entries(), 1, "the temporary file is removed");
}

Test(file, missing_directory_is_named)
{
	char err[256] = "", p[300];
	snprintf(p, sizeof(p), "%s/no/such/dir/out", dir);
	cr_assert_eq(hl_file_write_atomic(p, "x", 1, 0600, err, sizeof(err)), HL_ERR_IO);
	cr_assert(strstr(err, p) != NULL, "%s", err);
	cr_assert_eq(hl_file_write_atomic(NULL, "x", 1, 0600, err, sizeof(err)), HL_ERR_ARGS);
	cr_assert_eq(hl_file_write_atomic(path, NULL, 1, 0600, NULL, 0), HL_ERR_ARGS);
	cr_assert_eq(entries(), 0);
}

/* A path without a directory part is written in the working directory. */
Test(file, relative_path)
{
	char err[256] = "";
	size_t len = 0;
	cr_assert_eq(chdir(dir), 0);
	cr_assert_eq(hl_file_write_atomic("rel.txt", "here", 4, 0600, err, sizeof(err)), HL_OK,
		     "%s", err);
	char *text = slurp("rel.txt", &len);
	cr_assert_str_eq(text, "here");
	free(text);
}
