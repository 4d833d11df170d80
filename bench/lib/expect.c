/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: expectation files ("check-id = value" per line, '#' comments). */
#include <ctype.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/bench/expect.h"

typedef struct {
	char *id, *value;
} entry_t;

struct hl_expect {
	entry_t *e;
	size_t n, cap;
};

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* -- public API -- */

hl_expect_t *hl_expect_new(void)
{
	return calloc(1, sizeof(hl_expect_t));
}

void hl_expect_free(hl_expect_t *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++) {
		free(e->e[i].id);
		free(e->e[i].value);
	}
	free(e->e);
	free(e);
}

int hl_expect_set(hl_expect_t *e, const char *id, const char *value)
{
	char *v = strdup(value), *k;

	if (v == NULL)
		return -1;
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->e[i].id, id) == 0) {
			free(e->e[i].value);
			e->e[i].value = v;
			return 0;
		}
	if (e->n == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 32;
		entry_t *p = reallocarray(e->e, ncap, sizeof *p);

		if (p == NULL) {
			free(v);
			return -1;
		}
		e->e = p;
		e->cap = ncap;
	}
	k = strdup(id);
	if (k == NULL) {
		free(v);
		return -1;
	}
	e->e[e->n].id = k;
	e->e[e->n++].value = v;
	return 0;
}

const char *hl_expect_get(const hl_expect_t *e, const char *id)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->e[i].id, id) == 0)
			return e->e[i].value;
	for (size_t i = 0; i < e->n; i++)
		if (strpbrk(e->e[i].id, "*?[") && fnmatch(e->e[i].id, id, 0) == 0)
			return e->e[i].value;
	return NULL;
}

hl_expect_t *hl_expect_load(const char *path, char *err, size_t errlen)
{
	hl_expect_t *e = NULL;
	FILE *f = NULL;
	char line[1024];
	unsigned lineno = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open expectation file", path);
		goto fail;
	}
	e = hl_expect_new();
	if (e == NULL)
		goto nomem;
	while (fgets(line, sizeof line, f) != NULL) {
		char *s, *eq, *id, *val;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			goto fail;
		}
		s = trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		eq = strchr(s, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%u: expected \"check-id = value\"", path, lineno);
			goto fail;
		}
		*eq = '\0';
		id = trim(s);
		val = trim(eq + 1);
		if (*id == '\0' || *val == '\0') {
			snprintf(err, errlen, "%s:%u: empty %s", path, lineno,
				 *id ? "value" : "check id");
			goto fail;
		}
		if (hl_expect_set(e, id, val) != 0)
			goto nomem;
	}
	fclose(f);
	return e;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	if (f != NULL)
		fclose(f);
	hl_expect_free(e);
	return NULL;
}
