/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: device profiles, read from libconfig files (fixtures/profiles/<name>.conf).
 * A profile is data: identity strings, flags, limits, PIN rules, the mechanism list with
 * key-size limits, and named quirk switches from QUIRKS.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

typedef struct {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
} hl_profile_mech_t;

typedef struct {
	char *name;   /* switch name, e.g. "labels_immutable" */
	char *id;     /* catalogue id, e.g. "K2" */
	char *source; /* "doc", "field" or "guess" */
	char *value;  /* the switch's value member as text (a list: comma separated), or NULL */
	bool on;
} hl_profile_quirk_t;

typedef struct {
	char *name, *family, *description, *path;
	char manufacturer[33], library_description[33], model[17], slot_description[65];
	CK_VERSION cryptoki_version, library_version, hardware_version, firmware_version;
	CK_FLAGS slot_flags, token_flags;
	CK_ULONG max_sessions, max_rw_sessions, max_objects;
	CK_ULONG label_max, pin_min, pin_max, so_max_failed, user_max_failed;
	bool pin_digits_only;
	hl_profile_mech_t *mechs;
	size_t n_mechs;
	hl_profile_quirk_t *quirks;
	size_t n_quirks;
} hl_profile_t;

/* Parses the profile file at path. On error err gets "file:line: key: problem". */
hl_status_t hl_profile_load(const char *path, hl_profile_t **out, char *err, size_t errlen);
void hl_profile_free(hl_profile_t *p);
/* The mechanism entry, or NULL when the profile does not offer it. */
const hl_profile_mech_t *hl_profile_mech(const hl_profile_t *p, CK_MECHANISM_TYPE type);
/* Whether the named quirk is switched on (unknown names are off). */
bool hl_profile_quirk(const hl_profile_t *p, const char *name);
/* The value of the named quirk when it is switched on and has one, else NULL (borrowed). */
const char *hl_profile_quirk_value(const hl_profile_t *p, const char *name);
