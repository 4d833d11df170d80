/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab power-loss shim (LD_PRELOAD): counts the process's durable-write points (write,
 * pwrite, writev, fflush, ftruncate, fsync, fdatasync, rename, unlink on regular files) and
 * kills the process with SIGKILL just before the Nth, so a test can stop an operation at
 * every write it makes, one run per point (powerloss.sh).
 *   HSMLAB_POWERLOSS_AT=N      kill before the Nth point (unset or 0: count only)
 *   HSMLAB_POWERLOSS_COUNT=F   at exit, write the number of points seen to F
 * What it models is the process dying at that point (the kernel keeps what was written
 * before it), not the loss of data written but not yet synced: that part rests on SQLite's
 * WAL with synchronous=FULL and on the writers' fsync before rename. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned long kill_at, seen;
static const char *count_file;
static __thread int inside; /* a counted call made by another (fflush -> write) */

static void report(void)
{
	FILE *f;
	/* Its own writes are no points (and must not cut it short). */
	inside++;
	if (count_file != NULL && (f = fopen(count_file, "w")) != NULL) {
		fprintf(f, "%lu\n", seen);
		fclose(f);
	}
	inside--;
}

__attribute__((constructor)) static void init(void)
{
	const char *at = getenv("HSMLAB_POWERLOSS_AT");
	kill_at = at ? strtoul(at, NULL, 10) : 0;
	count_file = getenv("HSMLAB_POWERLOSS_COUNT");
	if (count_file != NULL)
		atexit(report);
}

/* Only writes that reach a file count: not the terminal or pipes of the test itself. */
static int regular(int fd)
{
	struct stat st;
	return fd > 2 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

static void point(void)
{
	if (inside)
		return;
	__atomic_add_fetch(&seen, 1, __ATOMIC_SEQ_CST);
	if (kill_at != 0 && seen >= kill_at) {
		report();
		kill(getpid(), SIGKILL);
	}
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buf, size_t n)
{
	if (regular(fd))
		point();
	return NEXT(write)(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (regular(fd))
		point();
	return NEXT(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	if (regular(fd))
		point();
	return NEXT(pwrite64)(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	if (regular(fd))
		point();
	return NEXT(writev)(fd, iov, cnt);
}

/* stdio writes go through glibc's internal write, which no preload sees: the flush that
 * pushes them out is the point. */
int fflush(FILE *f)
{
	int rc;
	if (f != NULL && regular(fileno(f)))
		point();
	inside++;
	rc = NEXT(fflush)(f);
	inside--;
	return rc;
}

int fclose(FILE *f)
{
	int rc;
	if (f != NULL && regular(fileno(f)) && fileno(f) >= 0)
		point();
	inside++;
	rc = NEXT(fclose)(f);
	inside--;
	return rc;
}

int ftruncate(int fd, off_t len)
{
	if (regular(fd))
		point();
	return NEXT(ftruncate)(fd, len);
}

int ftruncate64(int fd, off64_t len)
{
	if (regular(fd))
		point();
	return NEXT(ftruncate64)(fd, len);
}

int fsync(int fd)
{
	point();
	return NEXT(fsync)(fd);
}

int fdatasync(int fd)
{
	point();
	return NEXT(fdatasync)(fd);
}

int rename(const char *from, const char *to)
{
	point();
	return NEXT(rename)(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
	point();
	return NEXT(renameat)(fd1, from, fd2, to);
}

int unlink(const char *path)
{
	point();
	return NEXT(unlink)(path);
}
