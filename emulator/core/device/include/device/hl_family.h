/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: per-family C hooks, for what profile data cannot express. A family
 * (e.g. a vendor) registers one static table by name; the core looks it up through the
 * profile's `family` and never names a vendor itself. Every hook is optional (NULL = the
 * plain PKCS#11 behaviour). */
#pragma once

#include "device/hl_quirk.h"
#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

struct hl_device;
struct hl_backup_format;
struct hl_lab_config;

/* Security-relevant operations the PKCS#11 layer reports to a family (its audit log). */
typedef enum {
	HL_FAMILY_EV_LOGIN,
	HL_FAMILY_EV_LOGIN_FAILED,
	HL_FAMILY_EV_LOGOUT,
	HL_FAMILY_EV_KEYGEN,
	HL_FAMILY_EV_SIGN,
	HL_FAMILY_EV_SESSION_CLOSED, /* a session (or all of a slot's) closed; no subject */
} hl_family_event_t;

typedef struct {
	const char *name;  /* family name as profiles give it, e.g. "strict" */
	const char *model; /* how messages name the device, e.g. "Acme" in "this Acme device" */
	/* Called by C_InitToken after the core checked the SO PIN and label and before the
	 * store is rewritten; may refuse (e.g. "only through the vendor tool"). */
	hl_status_t (*init_token)(struct hl_device *dev, const CK_UTF8CHAR *so_pin,
				  CK_ULONG so_pin_len, const CK_UTF8CHAR label[32]);
	/* Key backup: the family's sealed-blob format (core/backup: magic, format byte, version)
	 * and the kind of card its backup domain's secret is split over; NULL: no backups. */
	const struct hl_backup_format *backup_format;
	const char *backup_domain_card;
	/* Extra vendor function table offered through C_GetInterface, or NULL. */
	const char *ext_interface_name;
	CK_VERSION ext_version;
	void *ext_functions;
	/* Told of a security-relevant operation that succeeded (or a failed login), with the
	 * device lock held; subject names the user type or key. Never fails the operation. */
	void (*on_event)(struct hl_device *dev, hl_family_event_t ev, const char *subject);
	/* Frees the family's per-device state (dev->family_state) when the device goes. */
	void (*device_free)(struct hl_device *dev);
	/* The vendor's own extension table (its CA_*-style functions: init sequence, cards,
	 * activation), offered through C_GetInterface beside ext_functions, or NULL. */
	const char *vendor_interface_name;
	CK_VERSION vendor_version;
	void *vendor_functions;
	/* Asked by C_Login before the core checks the PIN, with the device lock held: CKR_OK
	 * lets the login go on; any other value refuses it and is returned to the caller (e.g.
	 * a device that its operator quorum has not activated). user is the type the caller
	 * passed, before any vendor mapping (L1's Crypto User). */
	CK_RV (*login_gate)(struct hl_device *dev, CK_USER_TYPE user);
	/* Asked by C_Login after login_gate passed, device lock held, with the caller's user
	 * type (before any vendor mapping) and PIN: HL_FAMILY_LOGIN_CORE lets the core check
	 * the PIN; CKR_OK means the family checked a credential of its own (a vendor role the
	 * core does not know, e.g. L1's Crypto User) and set dev->login; any other value
	 * refuses the login and is returned. */
	CK_RV(*login_check)
	(struct hl_device *dev, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len);
	/* Adjusts C_GetTokenInfo's answer (e.g. flags that depend on the device's own state),
	 * device lock held. */
	void (*token_info)(struct hl_device *dev, CK_TOKEN_INFO *info);
	/* Asked by C_CreateObject, C_CopyObject and C_GenerateKey(Pair) before the core, device
	 * lock held: CKR_OK lets the call go on (e.g. L1: a Crypto User only signs). */
	CK_RV (*create_gate)(struct hl_device *dev);
	/* The environment variable through which the vendor library finds its device (a
	 * directory holding a "machine" file, quirk K6), or NULL. Read by
	 * hl_lab_config_load before any profile exists; see emulator/doc/config.md. */
	const char *library_path_env;
	/* The vendor client's own configuration, read by hl_lab_config_load after the lab
	 * config, before any profile exists (a vendor client's config file, found the way the
	 * vendor's library finds it, or a variable its set-up needs). named_by: the
	 * variable that named the lab config ("HSMLAB_CONF", library_path_env), or NULL when
	 * none did: the hook may then name the lab (cfg's lab keys; paths absolute). A failure
	 * fails C_Initialize with err (one line naming the file and line, or the variable).
	 * NULL: none. */
	hl_status_t (*client_config)(struct hl_lab_config *cfg, const char *named_by, char *err,
				     size_t errlen);
	/* The family's own quirk rows (hl_quirk.h), ended by a row without a name: the switches
	 * only its code reads. The profile loader checks a profile of this family against the
	 * core's rows and these, and resolves them into a quirk_size-byte struct
	 * (hl_profile_t.family_sw) at each row's offset. */
	const hl_quirk_row_t *quirks;
	size_t quirk_size;
	/* Called by hl_device_init_token inside its store transaction, after the core's writes,
	 * device lock held: the family's own writes for the new token (e.g. a vendor role of
	 * the old one removed) commit or roll back with them. NULL: none. */
	hl_status_t (*init_token_tx)(struct hl_device *dev);
	/* Called by hl_device_load once a device's store is open and its state read (never for
	 * a broken one): the family finishes what a crash left between two stores (a clone's
	 * pending intent). It never fails the load; what it cannot finish it says and leaves.
	 * NULL: none. */
	void (*device_loaded)(struct hl_device *dev);
	/* The CK_RV C_InitToken returns for a status of the family's init_token (a profile's
	 * vendor code where the device has its own, e.g. a transport mode refusing it). NULL:
	 * the status's spec code (hl_p11_rv). */
	CK_RV (*status_rv)(const struct hl_device *dev, hl_status_t st);
	/* Asked by C_InitPIN (the SO logged in) before the core, device lock not held: CKR_OK
	 * lets it go on; any other value refuses it (e.g. a policy that forbids the SO to reset
	 * the user's PIN). NULL: always allowed. */
	CK_RV (*init_pin_gate)(struct hl_device *dev);
} hl_family_t;

/* login_check's "not mine: let the core check the PIN" (a vendor-defined value no call
 * returns). */
#define HL_FAMILY_LOGIN_CORE ((CK_RV)(CKR_VENDOR_DEFINED | 0x484c4cUL))

/* Registers a family (the table is borrowed, usually static). HL_ERR_EXISTS on a name
 * already taken by another table; registering the same table twice is fine. */
hl_status_t hl_family_register(const hl_family_t *fam);
/* The family of that name; unknown names get the built-in "strict" family (no hooks). */
const hl_family_t *hl_family_get(const char *name);
/* The family of that name when it is registered in this process (or built in), else NULL. */
const hl_family_t *hl_family_find(const char *name);
