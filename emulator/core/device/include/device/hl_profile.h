/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: device profiles, read from libconfig files (fixtures/profiles/<name>.conf).
 * A profile is data: identity strings, flags, limits, PIN rules, the mechanism list with
 * key-size limits, and named quirk switches from quirks.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

typedef struct {
	CK_MECHANISM_TYPE type;
	CK_MECHANISM_INFO info;
} hl_profile_mech_t;

/* A switch as the profile gives it (for tools and docs; code reads the resolved fields). */
typedef struct {
	char *name;   /* switch name, e.g. "labels_immutable" */
	char *id;     /* catalogue id, e.g. "K2" */
	char *source; /* "doc", "field" or "guess" */
	char *value;  /* the switch's value member as text (a list: comma separated), or NULL */
	bool on;
} hl_profile_switch_t;

/* Timing model (issue 5, rehearsals): how fast the real device is. Every figure says where it
 * comes from: source "doc" (a datasheet or manual), "field" (measured) or "guess". */
typedef struct {
	CK_ULONG what;     /* sign: the CKM_ mechanism; keygen: the CKK_ key type */
	CK_ULONG key_bits; /* 0: not given */
	CK_ULONG value;    /* sign: signatures per second; keygen: ms per key; > 0 */
	char source[8];
} hl_profile_time_t;

typedef struct {
	bool declared; /* the profile has a timing group */
	char source[8];
	hl_profile_time_t *sign;
	size_t n_sign;
	hl_profile_time_t *keygen;
	size_t n_keygen;
	CK_ULONG login_ms; /* a C_Login, 0: none declared */
	char login_source[8];
	/* A network-attached device: one round trip added to each timed call, kept
	 * apart from the device's own work so a lab on another network can change it alone. */
	CK_ULONG round_trip_ms;
	char round_trip_source[8];
} hl_profile_timing_t;

/* The general G-row switches (catalogue G1-G17) that the filters of p11_quirks_general*.c
 * apply, resolved once when the profile loads from the registry's rows (quirk_registry.c;
 * no lookup by name per call). A number is 0 when its switch is off; a CK_RV is the code the
 * switch's value names (or its default). */
#define HL_PROFILE_ID_MAX 64 /* the longest CKA_ID length G15's cka_id_len may give */
#define HL_G6_OBJECTS 1UL    /* no_public_before_login: objects need a login */
#define HL_G6_RANDOM 2UL     /* ... and so does C_GenerateRandom */

typedef struct {
	bool any; /* a switch below is on: computed from the rows read by the general layer */
	CK_RV hash_sign_error;       /* G1 host_hash_only: C_SignInit of a hash-and-sign mech */
	CK_ULONG logout_after_ops;   /* G3 silent_logout: signatures after a login */
	CK_ULONG logout_after_s;     /* G3 silent_logout_after_s: device seconds after a login */
	bool find_lost_on_open;      /* G4 find_misses_on_login */
	CK_ULONG no_public;          /* G6 no_public_before_login: HL_G6_* of its value */
	CK_RV callbacks_error;       /* G7 session_callbacks_refused */
	bool no_allowed_mechanisms;  /* G7 no_allowed_mechanisms */
	bool id_required;            /* G10 cka_id_required */
	CK_RV digest_error;          /* G10 device_digest_fails: C_DigestInit */
	bool other_process_hidden;   /* G12 other_process_objects_invisible */
	bool no_multipart;           /* G13 no_multipart */
	bool order_device_error;     /* G13 call_order_device_error */
	CK_ULONG throttle_per_s;     /* G13 throttle_per_second */
	bool unique_labels;          /* G14 unique_labels */
	bool unique_ids;             /* G14 unique_immutable_id */
	CK_ULONG id_len;             /* G15 cka_id_len */
	bool fork_child_initialized; /* G11 fork_child_already_initialized */
	CK_ULONG modulus_zeros;      /* G17 modulus_leading_zero */
} hl_profile_general_t;

/* The core's other switches (vendor behaviours the core implements generically), resolved
 * once from the registry's rows; off is false, 0 or NULL. */
typedef struct {
	bool virtual_slot_ids;                 /* L5: slot ids far from 0 */
	bool virtual_handles;                  /* L5: object handles far from 0, new per run */
	bool handles_change_on_relogin;        /* G5 */
	bool token_after_slotlist_false;       /* G9 */
	bool slot_id_changes_on_init;          /* G16 */
	CK_ULONG session_limit;                /* L6: sessions per slot (0: none) */
	CK_ULONG max_sessions_code;            /* L6: the code past it (0: CKR_SESSION_COUNT) */
	bool context_specific_login_invalid;   /* L1 */
	CK_ULONG crypto_user_type;             /* L1: the vendor's Crypto User type (0: none) */
	const char *serial_hidden_until_login; /* K4: the serial shown before a login */
	bool labels_immutable;                 /* K2 */
	CK_ULONG label_change_error;           /* K2: the code (0: CKR_ATTRIBUTE_READ_ONLY) */
	bool no_always_authenticate;           /* L8 */
	bool refuse_nonsensitive_secret;       /* L9 */
	bool no_public_crypto;                 /* L8: on the signing hot path */
	const char *missing_functions;         /* K8: comma-joined C_ names the library lacks */
	bool single_slot_zero;                 /* K5: one slot, id 0: no lab free slot beside it */
} hl_profile_core_t;

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
	size_t mech_hint; /* hl_profile_mech's last row (a lookup cache, atomic access only) */
	hl_profile_switch_t *quirks;
	size_t n_quirks;
	hl_profile_timing_t timing;
	bool sourced; /* a sources group covers every value (profile_sources.c) */
	/* The switches, resolved once at load (no lookup by name per call). */
	hl_profile_core_t core;
	hl_profile_general_t general;
	/* The family's own switches (its hl_family_t.quirk_size bytes, laid out as it declares),
	 * or NULL when the family is not registered in this process: its rows could not be
	 * checked, so no module of this process serves the profile's devices. */
	void *family_sw;
	bool family_known;
} hl_profile_t;

/* Parses the profile file at path. On error err gets "file:line: key: problem". */
hl_status_t hl_profile_load(const char *path, hl_profile_t **out, char *err, size_t errlen);
void hl_profile_free(hl_profile_t *p);
/* The mechanism entry, or NULL when the profile does not offer it. */
const hl_profile_mech_t *hl_profile_mech(const hl_profile_t *p, CK_MECHANISM_TYPE type);
/* Whether any profile loaded in this process switches a general G row on: the filters of
 * p11_quirks_general.c pass straight through (no session lookup) while it is false. */
bool hl_profile_general_loaded(void);
/* The time of one signature (ns) with mechanism m and a key of key_bits: the entry for m of
 * that size, else of the nearest declared size; 0 when the profile declares none for m. */
uint64_t hl_profile_sign_ns(const hl_profile_t *p, CK_MECHANISM_TYPE m, CK_ULONG key_bits);
/* The time of one key generation (ms) of that key type and size (nearest size), or 0. */
CK_ULONG hl_profile_keygen_ms(const hl_profile_t *p, CK_KEY_TYPE type, CK_ULONG key_bits);
