/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the family hook registry. */
#include <pthread.h>
#include <string.h>

#include "device/hl_family.h"

#define MAX_FAMILIES 16

static const hl_family_t strict_family = { .name = "strict" };
static const hl_family_t *families[MAX_FAMILIES] = { &strict_family };
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

hl_status_t hl_family_register(const hl_family_t *fam)
{
	hl_status_t st = HL_ERR_DEVICE_MEMORY;
	if (!fam || !fam->name)
		return HL_ERR_ARGS;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < MAX_FAMILIES; i++) {
		if (!families[i]) {
			families[i] = fam;
			st = HL_OK;
			break;
		}
		if (strcmp(families[i]->name, fam->name) == 0) {
			st = families[i] == fam ? HL_OK : HL_ERR_EXISTS;
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	return st;
}

const hl_family_t *hl_family_find(const char *name)
{
	const hl_family_t *f = NULL;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; name && i < MAX_FAMILIES && families[i]; i++)
		if (strcmp(families[i]->name, name) == 0)
			f = families[i];
	pthread_mutex_unlock(&lock);
	return f;
}

const hl_family_t *hl_family_get(const char *name)
{
	const hl_family_t *f = hl_family_find(name);
	return f ? f : &strict_family;
}
