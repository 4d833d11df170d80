/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: @include expansion with a line map (see config_include.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "config_include.h"

#define MAX_DEPTH 8

typedef struct buf {
	char *s;
	size_t len, cap;
} buf_t;

static int buf_add(buf_t *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->s, cap);
		if (p == NULL)
			return -1;
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

static int map_add(hl_srcmap_t *m, size_t file, int line)
{
	if (m->nlines == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		size_t *f = realloc(m->file_of, cap * sizeof(*f));
		int *l;
		if (f == NULL)
			return -1;
		m->file_of = f;
		if ((l = realloc(m->line_of, cap * sizeof(*l))) == NULL)
			return -1;
		m->line_of = l;
		m->cap = cap;
	}
	m->file_of[m->nlines] = file;
	m->line_of[m->nlines++] = line;
	return 0;
}

/* The quoted path of an "@include" line, or NULL when the line is something else. */
static char *include_path(char *line)
{
	char *p = line + strspn(line, " \t"), *end;

	if (strncmp(p, "@include", 8) != 0)
		return NULL;
	p += 8;
	p += strspn(p, " \t");
	if (*p != '"' || (end = strchr(p + 1, '"')) == NULL)
		return NULL;
	*end = '\0';
	return p + 1;
}

/* The included file's path: absolute as given, else relative to the including file. */
static char *resolve(const char *including, const char *path)
{
	const char *slash = strrchr(including, '/');
	char *out = NULL;

	if (path[0] == '/' || slash == NULL)
		return strdup(path);
	if (asprintf(&out, "%.*s/%s", (int)(slash - including), including, path) < 0)
		return NULL;
	return out;
}

static int expand(const char *path, const char *from, int depth, buf_t *b, hl_srcmap_t *m,
		  hl_err_t *err)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, **files, *inc;
	unsigned char(*hashes)[32];
	size_t cap = 0, idx;
	ssize_t n;
	int lineno = 0, rc = 0;
	EVP_MD_CTX *md = NULL;

	if (f == NULL || depth > MAX_DEPTH) {
		hl_err_set(err, "CONFIG", "%s: cannot open %s%s", from ? from : path,
			   from ? "include file " : "the config file",
			   depth > MAX_DEPTH ? " (includes nested too deeply)"
			   : from            ? path
					     : "");
		if (f != NULL)
			fclose(f);
		return -1;
	}
	files = realloc(m->files, (m->nfiles + 1) * sizeof(*files));
	m->files = files ? files : m->files;
	hashes = files ? realloc(m->sha256, (m->nfiles + 1) * sizeof(*hashes)) : NULL;
	m->sha256 = hashes ? hashes : m->sha256;
	if (hashes == NULL || (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    (files[m->nfiles] = strdup(path)) == NULL) {
		EVP_MD_CTX_free(md);
		fclose(f);
		hl_err_set(err, "CONFIG", "%s: out of memory", path);
		return -1;
	}
	idx = m->nfiles++;
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		char where[600], *full;
		lineno++;
		EVP_DigestUpdate(md, line, (size_t)n); /* every byte, @include lines too */
		if ((inc = include_path(line)) == NULL) {
			rc = buf_add(b, line, (size_t)n) != 0 ||
				     (n > 0 && line[n - 1] != '\n' && buf_add(b, "\n", 1) != 0) ||
				     map_add(m, idx, lineno) != 0
				 ? -1
				 : 0;
			continue;
		}
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		full = resolve(path, inc);
		rc = full ? expand(full, where, depth + 1, b, m, err) : -1;
		free(full);
	}
	if (EVP_DigestFinal_ex(md, m->sha256[idx], NULL) != 1 && rc == 0) {
		hl_err_set(err, "CONFIG", "%s: cannot hash it", path);
		rc = -1;
	}
	EVP_MD_CTX_free(md);
	free(line);
	fclose(f);
	return rc;
}

int hl_config_expand(const char *path, char **text, hl_srcmap_t *map, hl_err_t *err)
{
	buf_t b = { NULL, 0, 0 };

	memset(map, 0, sizeof(*map));
	if (buf_add(&b, "", 0) != 0 || expand(path, NULL, 0, &b, map, err) != 0) {
		if (err->check[0] == '\0')
			hl_err_set(err, "CONFIG", "%s: out of memory", path);
		free(b.s);
		hl_srcmap_free(map); /* the files read before the failure */
		return -1;
	}
	*text = b.s;
	return 0;
}

void hl_srcmap_where(const hl_srcmap_t *map, int line, char *buf, size_t len)
{
	if (map == NULL || line < 1 || (size_t)line > map->nlines) {
		snprintf(buf, len, "%s:%d", map && map->nfiles ? map->files[0] : "?", line);
		return;
	}
	snprintf(buf, len, "%s:%d", map->files[map->file_of[line - 1]], map->line_of[line - 1]);
}

void hl_srcmap_free(hl_srcmap_t *map)
{
	for (size_t i = 0; i < map->nfiles; i++)
		free(map->files[i]);
	free(map->files);
	free(map->sha256);
	free(map->file_of);
	free(map->line_of);
	memset(map, 0, sizeof(*map));
}
