/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: what profile.c shares with profile_quirks.c (the device layer only). */
#pragma once

#include <libconfig.h>

#include "device/hl_profile.h"

typedef struct {
	const char *file;
	char *err;
	size_t errlen;
} hl_profile_ctx_t;

/* Fills the context's error as "file:line: key: message" and returns
 * HL_ERR_PROFILE_INVALID. */
hl_status_t hl_profile_fail(hl_profile_ctx_t *c, const config_setting_t *s, const char *key,
			    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reads the quirks group: checks every switch against the registry (the core's rows and the
 * profile's family's) and resolves it into p->core, p->general and p->family_sw. */
hl_status_t hl_profile_read_quirks(hl_profile_ctx_t *c, const config_setting_t *root,
				   hl_profile_t *p);
/* Reads the optional sources group (profile_sources.c): when present it must give a source
 * (doc/field with a reference, guess with its reasoning) for every value; sets p->sourced. */
hl_status_t hl_profile_read_sources(hl_profile_ctx_t *c, const config_setting_t *root,
				    hl_profile_t *p);
