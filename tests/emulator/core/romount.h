/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab tests: a directory made read-only by a real read-only bind mount, in a mount
 * namespace of the test's own process (Criterion runs each test in its own process), so
 * root is stopped too (file modes do not stop root) and nothing outside the test sees it.
 * Without root, a user namespace maps the caller to root first. Header-only; include it
 * first (unshare needs _GNU_SOURCE before any system header). */
#pragma once

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static inline bool romount_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

/* Makes dir read-only for this process. Where the kernel refuses the namespaces (a locked
 * down container), the test fails under CI=true (the machine is meant to allow them) and is
 * skipped elsewhere, saying why. */
static inline void romount(const char *dir)
{
	char map[64];
	const char *why = NULL;
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (uid != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
			why = "unshare(CLONE_NEWUSER|CLONE_NEWNS)";
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (!why && !romount_write("/proc/self/uid_map", map))
			why = "uid_map";
		if (!why && !romount_write("/proc/self/setgroups", "deny"))
			why = "setgroups";
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (!why && !romount_write("/proc/self/gid_map", map))
			why = "gid_map";
	} else if (unshare(CLONE_NEWNS) != 0) {
		why = "unshare(CLONE_NEWNS)";
	}
	/* Private first: the read-only mount must not propagate to the host's namespace. */
	if (!why && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		why = "mount --make-rprivate /";
	if (!why && mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) != 0)
		why = "mount --bind";
	if (!why && mount(NULL, dir, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) != 0)
		why = "mount -o remount,bind,ro";
	if (!why)
		return;
	const char *ci = getenv("CI");
	if (ci && strcmp(ci, "true") == 0)
		cr_assert_fail("cannot make %s read-only: %s: %s", dir, why, strerror(errno));
	cr_skip_test("cannot make %s read-only here: %s: %s", dir, why, strerror(errno));
}

/* Undoes romount (a test's .fini, before its directory is removed; harmless without it). */
static inline void romount_undo(const char *dir)
{
	umount2(dir, MNT_DETACH);
}
