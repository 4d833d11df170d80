/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the atomic file writer (temporary file, fsync, rename, directory fsync). */
#define _GNU_SOURCE /* mkostemp: the temporary file's descriptor is close-on-exec */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/hl_file.h"

static hl_status_t fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return HL_ERR_IO;
}

static int write_all(int fd, const unsigned char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* fsync of the directory holding path, so the new name is on disk too. */
static int sync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

hl_status_t hl_file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
				 char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	if (err && errlen)
		err[0] = '\0';
	if (!path || !path[0] || (!data && len)) {
		fail(err, errlen, "atomic write: no path or no data");
		return HL_ERR_ARGS;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path) >= (int)sizeof(tmp))
		return fail(err, errlen, "%s: path too long", path);
	/* A unique name, so two writers of the same file never share a temporary file; not
	 * inherited by a program the host process runs meanwhile. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, "%s: cannot create a temporary file: %s", path,
			    strerror(errno));
	const char *step = NULL;
	if (fchmod(fd, mode & 07777) != 0)
		step = "cannot set its mode";
	else if (write_all(fd, data, len) != 0)
		step = "cannot write";
	else if (fsync(fd) != 0)
		step = "cannot sync";
	int saved = errno;
	if (close(fd) != 0 && !step) {
		step = "cannot close";
		saved = errno;
	}
	if (!step && rename(tmp, path) != 0) {
		step = "cannot rename the temporary file over it";
		saved = errno;
	}
	if (step) {
		unlink(tmp);
		return fail(err, errlen, "%s: %s: %s", path, step, strerror(saved));
	}
	if (sync_dir(path) != 0)
		return fail(err, errlen, "%s: written, but cannot sync its directory: %s", path,
			    strerror(errno));
	return HL_OK;
}
