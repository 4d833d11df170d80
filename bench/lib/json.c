/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: a small recursive-descent JSON reader (RFC 8259) and a string writer. */
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	const char *p;
	int line;
	char *err;
	size_t errlen;
	int depth;
} parser_t;

static hl_json_t *parse_value(parser_t *ps);

static void fail(parser_t *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err[0] != '\0')
		return; /* keep the first, innermost error */
	n = snprintf(ps->err, ps->errlen, "line %d: ", ps->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void skip_ws(parser_t *ps)
{
	for (; *ps->p == ' ' || *ps->p == '\t' || *ps->p == '\r' || *ps->p == '\n'; ps->p++)
		if (*ps->p == '\n')
			ps->line++;
}

static hl_json_t *node(hl_json_kind_t kind)
{
	hl_json_t *j = calloc(1, sizeof *j);

	if (j != NULL)
		j->kind = kind;
	return j;
}

/* Appends one code point as UTF-8; lone surrogates become U+FFFD. */
static size_t put_utf8(char *o, unsigned cp)
{
	if (cp >= 0xd800 && cp <= 0xdfff)
		cp = 0xfffd;
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	o[0] = (char)(0xe0 | (cp >> 12));
	o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[2] = (char)(0x80 | (cp & 0x3f));
	return 3;
}

static int hex4(const char *p, unsigned *cp)
{
	char buf[5] = { 0 }, *end;

	for (int i = 0; i < 4; i++) /* stops at the NUL: no reading past a cut-off escape */
		if ((buf[i] = p[i]) == '\0')
			return -1;
	*cp = (unsigned)strtoul(buf, &end, 16);
	return *end == '\0' ? 0 : -1;
}

/* Decodes the string starting at the opening quote; the output is never longer. */
static char *parse_string(parser_t *ps)
{
	const char *start = ++ps->p;
	char *out = malloc(strlen(start) + 1), *o = out;

	if (out == NULL)
		return NULL;
	for (; *ps->p != '"'; ps->p++) {
		unsigned char c = (unsigned char)*ps->p;
		unsigned cp;

		if (c == '\0' || c < 0x20) {
			fail(ps, "unterminated string");
			free(out);
			return NULL;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		switch (*++ps->p) {
		case '"':
		case '\\':
		case '/':
			*o++ = *ps->p;
			break;
		case 'b':
			*o++ = '\b';
			break;
		case 'f':
			*o++ = '\f';
			break;
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			if (hex4(ps->p + 1, &cp) != 0) {
				fail(ps, "bad \\u escape");
				free(out);
				return NULL;
			}
			o += put_utf8(o, cp);
			ps->p += 4;
			break;
		default:
			fail(ps, "bad escape in string");
			free(out);
			return NULL;
		}
	}
	ps->p++;
	*o = '\0';
	return out;
}

/* Adds item (and key, for objects) to a container; frees both on failure. */
static int append(hl_json_t *c, char *key, hl_json_t *item)
{
	hl_json_t **items = reallocarray(c->items, c->n + 1, sizeof *items);
	char **keys = NULL;

	if (items != NULL)
		c->items = items;
	if (items != NULL && c->kind == HL_JSON_OBJ) {
		keys = reallocarray(c->keys, c->n + 1, sizeof *keys);
		if (keys != NULL)
			c->keys = keys;
	}
	if (items == NULL || (c->kind == HL_JSON_OBJ && keys == NULL)) {
		free(key);
		hl_json_free(item);
		return -1;
	}
	if (c->kind == HL_JSON_OBJ)
		c->keys[c->n] = key;
	c->items[c->n++] = item;
	return 0;
}

static hl_json_t *parse_container(parser_t *ps, hl_json_kind_t kind)
{
	char close = kind == HL_JSON_OBJ ? '}' : ']';
	hl_json_t *c = node(kind);

	ps->p++;
	skip_ws(ps);
	if (c != NULL && *ps->p == close) {
		ps->p++;
		return c;
	}
	while (c != NULL) {
		char *key = NULL;
		hl_json_t *v;

		skip_ws(ps);
		if (kind == HL_JSON_OBJ) {
			if (*ps->p != '"' || (key = parse_string(ps)) == NULL) {
				fail(ps, "expected a member name");
				break;
			}
			skip_ws(ps);
			if (*ps->p != ':') { /* never step past the terminating NUL */
				fail(ps, "expected ':'");
				free(key);
				break;
			}
			ps->p++;
		}
		if ((v = parse_value(ps)) == NULL || append(c, key, v) != 0) {
			if (v == NULL)
				free(key);
			break;
		}
		skip_ws(ps);
		if (*ps->p == close) {
			ps->p++;
			return c;
		}
		if (*ps->p != ',') {
			fail(ps, "expected ',' or '%c'", close);
			break;
		}
		ps->p++;
	}
	fail(ps, "out of memory");
	hl_json_free(c);
	return NULL;
}

static hl_json_t *parse_literal(parser_t *ps)
{
	static const struct {
		const char *word;
		hl_json_kind_t kind;
		double num;
	} lits[] = { { "null", HL_JSON_NULL, 0 },
		     { "true", HL_JSON_BOOL, 1 },
		     { "false", HL_JSON_BOOL, 0 } };
	hl_json_t *j;
	char *end;

	for (size_t i = 0; i < sizeof lits / sizeof lits[0]; i++)
		if (strncmp(ps->p, lits[i].word, strlen(lits[i].word)) == 0) {
			ps->p += strlen(lits[i].word);
			if ((j = node(lits[i].kind)) != NULL)
				j->num = lits[i].num;
			return j;
		}
	if ((j = node(HL_JSON_NUM)) == NULL)
		return NULL;
	errno = 0;
	j->num = strtod(ps->p, &end);
	if (end == ps->p || errno != 0) {
		fail(ps, "unexpected '%c'", *ps->p ? *ps->p : '?');
		free(j);
		return NULL;
	}
	ps->p = end;
	return j;
}

static hl_json_t *parse_value(parser_t *ps)
{
	hl_json_t *j;

	skip_ws(ps);
	if (++ps->depth > 64) {
		fail(ps, "nested too deeply");
		return NULL;
	}
	if (*ps->p == '{' || *ps->p == '[') {
		j = parse_container(ps, *ps->p == '{' ? HL_JSON_OBJ : HL_JSON_ARR);
	} else if (*ps->p == '"') {
		j = node(HL_JSON_STR);
		if (j != NULL && (j->str = parse_string(ps)) == NULL) {
			free(j);
			j = NULL;
		}
	} else {
		j = parse_literal(ps);
	}
	ps->depth--;
	if (j == NULL)
		fail(ps, "out of memory");
	return j;
}

hl_json_t *hl_json_parse(const char *text, char *err, size_t errlen)
{
	parser_t ps = { .p = text, .line = 1, .err = err, .errlen = errlen };
	hl_json_t *j;

	err[0] = '\0';
	j = parse_value(&ps);
	if (j != NULL)
		skip_ws(&ps);
	if (j != NULL && *ps.p != '\0') {
		fail(&ps, "trailing data after the document");
		hl_json_free(j);
		return NULL;
	}
	return j;
}

hl_json_t *hl_json_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL, sub[256];
	size_t len = 0;
	hl_json_t *j = NULL;

	if (f == NULL || getdelim(&text, &len, '\0', f) < 0) {
		snprintf(err, errlen, "%s: %s", path, f ? "cannot read" : strerror(errno));
		if (f != NULL)
			fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	j = hl_json_parse(text, sub, sizeof sub);
	if (j == NULL)
		snprintf(err, errlen, "%s: %s", path, sub);
	free(text);
	return j;
}

void hl_json_free(hl_json_t *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->n; i++) {
		hl_json_free(j->items[i]);
		if (j->keys != NULL)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->str);
	free(j);
}

const hl_json_t *hl_json_get(const hl_json_t *j, const char *key)
{
	if (j == NULL || j->kind != HL_JSON_OBJ)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->keys[i], key) == 0)
			return j->items[i];
	return NULL;
}

const char *hl_json_str(const hl_json_t *j)
{
	return j != NULL && j->kind == HL_JSON_STR ? j->str : NULL;
}

void hl_json_write_str(FILE *out, const char *s)
{
	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}
