/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: status messages and the status → CK_RV mapping, the core's own statuses
 * and those the families register. */
#include <pthread.h>

#include "util/hl_status.h"

static const hl_status_desc_t table[] = {
#define HL_STATUS_ROW(name, rv, msg) { #name, rv, msg },
	HL_STATUS_LIST(HL_STATUS_ROW)
#undef HL_STATUS_ROW
};

#define FAMILY_CODES ((size_t)(HL_STATUS_FAMILY_LAST - HL_STATUS_FAMILY_FIRST + 1))

/* Registered rows by code (append-only, under lock), and each registered array's first code
 * so that registering it again (another module instance, a test) gives the same codes. */
static const hl_status_desc_t *family_rows[FAMILY_CODES];
static size_t n_family;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static size_t find_rows(const hl_status_desc_t *rows)
{
	for (size_t i = 0; i < n_family; i++)
		if (family_rows[i] == rows)
			return i;
	return FAMILY_CODES;
}

hl_status_t hl_status_register(const hl_status_desc_t *rows, size_t n, hl_status_t *first_out)
{
	if (!rows || n == 0 || !first_out)
		return HL_ERR_ARGS;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].name || !rows[i].msg)
			return HL_ERR_ARGS;
	hl_status_t st = HL_OK;
	pthread_mutex_lock(&lock);
	size_t at = find_rows(rows);
	if (at != FAMILY_CODES && (n > n_family - at || family_rows[at + n - 1] != &rows[n - 1])) {
		st = HL_ERR_EXISTS; /* the same array again, but longer than it was registered */
	} else if (at == FAMILY_CODES) {
		if (n > FAMILY_CODES - n_family) {
			st = HL_ERR_DEVICE_MEMORY;
		} else {
			at = n_family;
			for (size_t i = 0; i < n; i++)
				family_rows[n_family++] = &rows[i];
		}
	}
	pthread_mutex_unlock(&lock);
	if (st == HL_OK)
		*first_out = (hl_status_t)((size_t)HL_STATUS_FAMILY_FIRST + at);
	return st;
}

hl_status_t hl_status_of(const hl_status_desc_t *rows, size_t n, size_t i)
{
	hl_status_t first;
	if (i >= n || hl_status_register(rows, n, &first) != HL_OK)
		return HL_ERR_INTERNAL;
	return (hl_status_t)((size_t)first + i);
}

/* The row of a status, or NULL for a code nobody defined. */
static const hl_status_desc_t *row_of(hl_status_t st)
{
	if ((unsigned)st < HL_STATUS_COUNT)
		return &table[st];
	if (st < HL_STATUS_FAMILY_FIRST || st > HL_STATUS_FAMILY_LAST)
		return NULL;
	const hl_status_desc_t *row = NULL;
	pthread_mutex_lock(&lock);
	size_t i = (size_t)(st - HL_STATUS_FAMILY_FIRST);
	if (i < n_family)
		row = family_rows[i];
	pthread_mutex_unlock(&lock);
	return row;
}

const char *hl_strerror(hl_status_t st)
{
	const hl_status_desc_t *row = row_of(st);
	return row ? row->msg : "unknown status";
}

const char *hl_status_name(hl_status_t st)
{
	const hl_status_desc_t *row = row_of(st);
	return row ? row->name : "HL_ERR_UNKNOWN";
}

CK_RV hl_status_to_ckr(hl_status_t st)
{
	const hl_status_desc_t *row = row_of(st);
	return row ? row->rv : CKR_GENERAL_ERROR;
}
