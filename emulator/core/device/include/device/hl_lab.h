/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the lab, a directory of devices named by a config file (HSMLAB_CONF, a
 * family's library path variable, or the per-user default; see emulator/doc/config.md). Layout:
 *   <lab>/lab.secret          0600, 32 random bytes: wraps each device's master key
 *   <lab>/devices/<serial>.db 0600, one SQLite store per device (see store.md)
 * Directories are 0700. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "device/hl_profile.h"
#include "util/hl_status.h"

typedef struct hl_lab_config {
	char *conf_path;       /* the config file read, or NULL when none existed */
	char *lab_dir;         /* absolute */
	char *profile_dir;     /* where <name>.conf profiles are looked up */
	char *default_profile; /* profile of the free device */
	bool is_default;       /* no HSMLAB_CONF and no lab_dir: the per-user default lab */
	bool timing;           /* `timing = true;`: emulate the profiles' device speed */
} hl_lab_config_t;

/* Reads the configuration: HSMLAB_CONF (must exist), else $VAR/machine when the family named
 * family_profile has a library_path_env VAR and it is set (K6; must exist, no fallback),
 * else $XDG_CONFIG_HOME/hsmlab/hsmlab.conf (optional). Profile dir: HSMLAB_PROFILE_DIR, else
 * the config's profile_dir, else builtin_profile_dir. family_profile: the module's family,
 * also the default profile when the config names none. Then the family's client_config hook
 * (its vendor client's own config file and variables) reads what it reads,
 * and may name the lab when no variable did. */
hl_status_t hl_lab_config_load(const char *builtin_profile_dir, const char *family_profile,
			       hl_lab_config_t *out, char *err, size_t errlen);
void hl_lab_config_clear(hl_lab_config_t *cfg);

typedef struct hl_lab {
	hl_lab_config_t cfg;
	uint8_t secret[32];
	hl_profile_t **profiles; /* loaded on demand, owned */
	size_t n_profiles;
} hl_lab_t;

/* Opens the lab of cfg (taking over cfg's strings). create: make the directory and secret
 * when missing (the default lab, or `hsmlab-admin lab create`); otherwise a missing lab is
 * HL_ERR_LAB_INVALID. Bad modes give HL_ERR_PERMISSIONS. err names the path at fault. */
hl_status_t hl_lab_open(hl_lab_config_t *cfg, bool create, hl_lab_t **out, char *err,
			size_t errlen);
void hl_lab_free(hl_lab_t *lab);
/* The profile of that name (loaded once from profile_dir, borrowed). */
hl_status_t hl_lab_profile(hl_lab_t *lab, const char *name, const hl_profile_t **out, char *err,
			   size_t errlen);
/* Path of a device's store (caller frees). */
char *hl_lab_device_path(const hl_lab_t *lab, const char *serial);
/* Serials of the devices present, sorted (caller frees each and the array). */
hl_status_t hl_lab_list(const hl_lab_t *lab, char ***serials_out, size_t *n_out);
/* Derives the key-encryption key of one device's master key from the lab secret. */
hl_status_t hl_lab_device_kek(const hl_lab_t *lab, const char *serial, uint8_t kek[32]);
