/* SPDX-License-Identifier: BSD-2-Clause
 * Run-time path resolution (hsmlab/paths.h). The build tree announces itself with a
 * hsmlab-tree.conf at its top (written by CMake, never installed); an installed file finds
 * the rest of the installation from the configured *relative* install directories. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/paths.h"

#ifndef HL_PATHS_BINDIR
#error "HL_PATHS_BINDIR, HL_PATHS_LIBDIR, HL_PATHS_DATADIR, HL_PATHS_DOCDIR, HL_PATHS_PREFIX"
#endif

#define TREE_FILE "hsmlab-tree.conf"

/* a/b, or b alone when absolute (an install dir given as a full path). */
static void set(char *dst, const char *a, const char *b)
{
	if (b[0] == '/') {
		snprintf(dst, HL_PATHS_MAX, "%s", b);
		return;
	}
	snprintf(dst, HL_PATHS_MAX, "%s%s%s", a, b[0] ? "/" : "", b);
}

/* dir made of `up` levels above the directory holding `file` ("" when it has none). */
static void dir_up(const char *file, int up, char *out)
{
	snprintf(out, HL_PATHS_MAX, "%s", file);
	for (int i = 0; i <= up; i++) {
		char *slash = strrchr(out, '/');
		if (slash == NULL || slash == out) {
			out[0] = slash ? '/' : '\0';
			out[1] = '\0';
			return;
		}
		*slash = '\0';
	}
}

static int depth(const char *rel)
{
	int n = rel[0] ? 1 : 0;
	for (const char *s = rel; *s; s++)
		n += *s == '/' && s[1] != '\0';
	return n;
}

/* Reads the build tree's hsmlab-tree.conf (key=value lines) into p; 0 or -1. */
static int read_tree(const char *build, hl_paths_t *p)
{
	char path[HL_PATHS_MAX + 32], line[HL_PATHS_MAX + 16];
	snprintf(path, sizeof(path), "%s/" TREE_FILE, build);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "data", offsetof(hl_paths_t, data) },
		{ "modules", offsetof(hl_paths_t, modules) },
		{ "admin", offsetof(hl_paths_t, admin) },
		{ "audit", offsetof(hl_paths_t, audit) },
		{ "signer", offsetof(hl_paths_t, signer) },
		{ "docs", offsetof(hl_paths_t, docs) },
		{ "source", offsetof(hl_paths_t, source) },
		{ "build", offsetof(hl_paths_t, build) },
	};
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++)
			if (strcmp(line, keys[i].key) == 0)
				snprintf((char *)p + keys[i].off, HL_PATHS_MAX, "%s", eq + 1);
	}
	fclose(f);
	return 0;
}

static void installed(const char *prefix, hl_paths_t *p)
{
	char share[HL_PATHS_MAX];
	set(share, prefix, HL_PATHS_DATADIR);
	set(p->data, share, "hsmlab");
	set(p->modules, prefix, HL_PATHS_LIBDIR);
	set(p->admin, prefix, HL_PATHS_BINDIR);
	memcpy(p->audit, p->admin, sizeof(p->audit));
	memcpy(p->signer, p->admin, sizeof(p->signer));
	set(p->docs, prefix, HL_PATHS_DOCDIR);
	p->source[0] = p->build[0] = '\0';
}

void hl_paths_resolve(const char *self, int in_libdir, hl_paths_t *p)
{
	char real[PATH_MAX], dir[HL_PATHS_MAX];
	const char *env = getenv("HSMLAB_BUILD_DIR");
	int found = 0;

	memset(p, 0, sizeof(*p));
	/* Absolute and without symlinks: a module may be loaded by a relative path
	 * (pkcs11-tool --module build/...), and /proc/self/exe is already resolved. */
	self = realpath(self ? self : "/proc/self/exe", real) ? real : "";
	if (env && env[0] && read_tree(env, p) == 0)
		found = 1;
	/* Installed: <prefix>/<bindir or libdir>/self; an absolute install dir (no prefix to
	 * walk back to) leaves only the configured prefix. */
	const char *own = in_libdir ? HL_PATHS_LIBDIR : HL_PATHS_BINDIR;
	if (!found && own[0] != '/' && self[0] == '/') {
		dir_up(self, depth(own), dir);
		installed(dir, p);
		found = access(p->data, R_OK) == 0;
	}
	for (int up = 0; !found && self[0] == '/' && up < 6; up++) {
		dir_up(self, up, dir);
		found = read_tree(dir, p) == 0;
	}
	if (!found)
		installed(HL_PATHS_PREFIX, p);
	const char *data = getenv("HSMLAB_DATA_DIR");
	if (data && data[0])
		snprintf(p->data, sizeof(p->data), "%s", data);
}

static hl_paths_t self_paths;

static void resolve_self(void)
{
	hl_paths_resolve(NULL, 0, &self_paths);
}

const hl_paths_t *hl_paths_get(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, resolve_self); /* the bench's workers may ask first */
	return &self_paths;
}
