/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: a small JSON reader and string writer, enough for the bench's own files
 * (shard results that `merge` joins). Not a general library: no streaming, numbers as double. */
#pragma once

#include <stddef.h>
#include <stdio.h>

typedef enum {
	HL_JSON_NULL,
	HL_JSON_BOOL,
	HL_JSON_NUM,
	HL_JSON_STR,
	HL_JSON_ARR,
	HL_JSON_OBJ
} hl_json_kind_t;

typedef struct hl_json hl_json_t;
struct hl_json {
	hl_json_kind_t kind;
	char *str;         /* HL_JSON_STR */
	double num;        /* HL_JSON_NUM, HL_JSON_BOOL (0 or 1) */
	hl_json_t **items; /* HL_JSON_ARR and HL_JSON_OBJ values */
	char **keys;       /* HL_JSON_OBJ keys, parallel to items */
	size_t n;
};

/* Parses a whole document; NULL with err set ("line 3: expected ':'") on bad input. */
hl_json_t *hl_json_parse(const char *text, char *err, size_t errlen);
/* Reads and parses a file; err names the file. */
hl_json_t *hl_json_load(const char *path, char *err, size_t errlen);
void hl_json_free(hl_json_t *j);
/* The member `key` of an object, or NULL (also when j is not an object). */
const hl_json_t *hl_json_get(const hl_json_t *j, const char *key);
/* The string value, or NULL when j is missing, null or not a string. */
const char *hl_json_str(const hl_json_t *j);
/* Writes s as a JSON string literal ("null" when s is NULL). */
void hl_json_write_str(FILE *out, const char *s);
