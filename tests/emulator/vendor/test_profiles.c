/* SPDX-License-Identifier: BSD-2-Clause
 * Tests for the vendor profiles (fixtures/profiles/keyper.conf, luna.conf): they load with
 * the core's loader, carry the identity, limits and mechanisms quirks.md gives, name every
 * K1-K12 / L1-L14 row, and switch on what strict leaves off. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device/hl_profile.h"

static hl_profile_t *load(const char *name)
{
	char path[1024], err[512] = "";
	hl_profile_t *p = NULL;
	const char *src = getenv("HSMLAB_SOURCE_DIR");
	cr_assert_not_null(src, "HSMLAB_SOURCE_DIR not set");
	snprintf(path, sizeof(path), "%s/fixtures/profiles/%s.conf", src, name);
	hl_status_t st = hl_profile_load(path, &p, err, sizeof(err));
	cr_assert_eq(st, HL_OK, "%s: %s", name, err);
	return p;
}

/* A switch's value as the file gives it when it is on (NULL: off or absent): family rows
 * stay unresolved in this process, which registers no family. */
static const char *given(const hl_profile_t *p, const char *name)
{
	for (size_t i = 0; i < p->n_quirks; i++)
		if (strcmp(p->quirks[i].name, name) == 0)
			return p->quirks[i].on ? p->quirks[i].value : NULL;
	return NULL;
}

static bool on_in(const hl_profile_t *p, const char *name)
{
	for (size_t i = 0; i < p->n_quirks; i++)
		if (strcmp(p->quirks[i].name, name) == 0)
			return p->quirks[i].on;
	return false;
}

static bool names_row(const hl_profile_t *p, const char *id)
{
	for (size_t i = 0; i < p->n_quirks; i++)
		if (strcmp(p->quirks[i].id, id) == 0)
			return true;
	return false;
}

Test(profiles, keyper_identity_limits_and_mechanisms)
{
	hl_profile_t *p = load("keyper");
	cr_assert_str_eq(p->family, "keyper");
	cr_assert_str_eq(p->manufacturer, "Ultra Electronics AEP Networks");
	cr_assert_str_eq(p->model, "Keyper 9860-2", "K5: aep-keyper-test.md");
	cr_assert_eq(p->cryptoki_version.major, 2);
	cr_assert_eq(p->cryptoki_version.minor, 11);
	cr_assert_eq(p->pin_min, 4);
	cr_assert_eq(p->pin_max, 32);
	cr_assert(p->pin_digits_only);
	cr_assert_not_null(hl_profile_mech(p, CKM_RSA_X_509), "K1: raw RSA");
	cr_assert_null(hl_profile_mech(p, CKM_SHA256_RSA_PKCS), "K1: no hash-and-sign");
	cr_assert_null(hl_profile_mech(p, CKM_EC_KEY_PAIR_GEN), "K1: no EC");
	cr_assert_not_null(hl_profile_mech(p, CKM_DES3_ECB), "K9");
	cr_assert(p->core.labels_immutable);
	cr_assert_eq(p->core.label_change_error, CKR_ATTRIBUTE_READ_ONLY, "K2");
	cr_assert_str_eq(p->core.serial_hidden_until_login, "No slot selected", "K4");
	cr_assert_not_null(strstr(p->core.missing_functions, "C_DigestKey,"), "K8");
	cr_assert_eq(p->general.hash_sign_error, CKR_MECHANISM_INVALID, "G1's default code");
	cr_assert(p->general.any);
	hl_profile_free(p);
}

/* K5, on the record (IANA dnssec-keytools docs/aep-keyper-test.md): the library's description
 * and release, the unit's model and version. */
Test(profiles, keyper_identity_on_the_record)
{
	hl_profile_t *p = load("keyper");
	cr_assert_str_eq(p->library_description, "PKCS#11 Provider Rel64 P4=72898");
	cr_assert_eq(p->library_version.major, 5, "libpkcs11.so.5.05");
	cr_assert_eq(p->library_version.minor, 5);
	cr_assert_eq(p->firmware_version.major, 3, "Keyper version : 3.4");
	cr_assert_eq(p->firmware_version.minor, 4);
	cr_assert(p->core.single_slot_zero, "K5: a core row the slot list reads");
	hl_profile_free(p);
}

/* L4 and L6 on the record: the remap lists the X9.31 generator too; CKR_BUSY is 0x1604. */
Test(profiles, luna_remap_and_codes_on_the_record)
{
	hl_profile_t *p = load("luna");
	const hl_profile_mech_t *x931 = hl_profile_mech(p, CKM_RSA_X9_31_KEY_PAIR_GEN);
	cr_assert_not_null(x931, "L4: rsa-mechanism-remap.htm");
	cr_assert(x931->info.flags & CKF_GENERATE_KEY_PAIR);
	cr_assert_not_null(hl_profile_mech(p, CKM_RSA_PKCS_KEY_PAIR_GEN));
	cr_assert_eq(p->user_max_failed, 10, "L3: partition policy 20's default");
	hl_profile_free(p);
}

Test(profiles, luna_identity_limits_and_mechanisms)
{
	hl_profile_t *p = load("luna");
	cr_assert_str_eq(p->family, "luna");
	cr_assert_eq(p->pin_min, 8, "L10: the USB HSM 7's 8-255 (naming_reqs.htm)");
	cr_assert_eq(p->pin_max, 255, "L10");
	cr_assert_eq(p->max_sessions, 0, "L10");
	cr_assert_eq(p->so_max_failed, 10, "L3: CKU_SO is the Partition SO");
	cr_assert_str_eq(given(p, "hsm_so_failures_zeroize"), "3", "L3 (a family row: as given)");
	cr_assert_not_null(hl_profile_mech(p, CKM_SHA256_RSA_PKCS), "L11");
	cr_assert_not_null(hl_profile_mech(p, CKM_ECDSA_SHA256), "L11");
	cr_assert_not_null(hl_profile_mech(p, CKM_SHA256_RSA_PKCS_PSS), "L11");
	cr_assert_eq(p->core.crypto_user_type, 0x80000001UL, "L1");
	cr_assert(p->core.refuse_nonsensitive_secret);
	cr_assert(p->core.virtual_slot_ids && p->core.virtual_handles, "L5");
	cr_assert_eq(p->core.session_limit, 1024, "L6");
	cr_assert_eq(p->core.max_sessions_code, 0x80001601UL, "L6");
	cr_assert_not(p->general.any, "luna switches no general row on");
	hl_profile_free(p);
}

Test(profiles, every_catalogue_row_is_named)
{
	hl_profile_t *k = load("keyper"), *l = load("luna");
	char id[8];
	for (int i = 1; i <= 12; i++) {
		snprintf(id, sizeof(id), "K%d", i);
		cr_assert(names_row(k, id), "keyper.conf does not name %s", id);
	}
	for (int i = 1; i <= 14; i++) {
		snprintf(id, sizeof(id), "L%d", i);
		cr_assert(names_row(l, id), "luna.conf does not name %s", id);
	}
	for (size_t i = 0; i < k->n_quirks; i++)
		cr_assert(k->quirks[i].id[0] != 'L', "%s in keyper", k->quirks[i].name);
	for (size_t i = 0; i < l->n_quirks; i++)
		cr_assert(l->quirks[i].id[0] != 'K', "%s in luna", l->quirks[i].name);
	hl_profile_free(k);
	hl_profile_free(l);
}

Test(profiles, vendor_switches_are_off_on_strict)
{
	hl_profile_t *s = load("strict"), *k = load("keyper"), *l = load("luna");
	const hl_profile_t *v[] = { k, l };
	for (size_t j = 0; j < 2; j++)
		for (size_t i = 0; i < v[j]->n_quirks; i++)
			if (v[j]->quirks[i].id[0] != 'G')
				cr_assert_not(on_in(s, v[j]->quirks[i].name), "strict has %s on",
					      v[j]->quirks[i].name);
	cr_assert_not_null(hl_profile_mech(s, CKM_SHA256_RSA_PKCS), "the difference K1 makes");
	hl_profile_free(s);
	hl_profile_free(k);
	hl_profile_free(l);
}

/* Issue 16: every value of the vendor profiles carries its source (the loader checks the
 * sources group covers each; p->sourced says it was there). */
Test(profiles, every_value_has_a_source)
{
	hl_profile_t *k = load("keyper"), *l = load("luna"), *s = load("strict");
	cr_assert(k->sourced, "keyper.conf: no sources group");
	cr_assert(l->sourced, "luna.conf: no sources group");
	cr_assert(s->sourced, "strict.conf: no sources group (the PKCS#11 spec's sections)");
	hl_profile_free(k);
	hl_profile_free(l);
	hl_profile_free(s);
}

/* keyper.conf with one line dropped from its sources group: the loader names the value. */
static void load_without(const char *drop, const char *want)
{
	char in[1024], out[] = "/tmp/hsmlab-sources-XXXXXX", line[1024], err[512] = "";
	snprintf(in, sizeof(in), "%s/fixtures/profiles/keyper.conf", getenv("HSMLAB_SOURCE_DIR"));
	FILE *f = fopen(in, "r");
	int fd = mkstemp(out);
	FILE *o = fd >= 0 ? fdopen(fd, "w") : NULL;
	cr_assert(f && o);
	bool in_sources = false, dropped = false;
	while (fgets(line, sizeof(line), f)) {
		in_sources = in_sources || strstr(line, "  sources:") == line;
		if (in_sources && !dropped && strstr(line, drop)) {
			dropped = true;
			continue;
		}
		fputs(line, o);
	}
	fclose(f);
	fclose(o);
	cr_assert(dropped, "no \"%s\" in keyper.conf's sources", drop);
	hl_profile_t *p = NULL;
	hl_status_t st = hl_profile_load(out, &p, err, sizeof(err));
	unlink(out);
	cr_assert_neq(st, HL_OK, "loaded without the source of %s", want);
	cr_assert(strstr(err, want) != NULL, "error \"%s\" does not name %s", err, want);
}

Test(profiles, a_value_without_a_source_fails_to_load)
{
	load_without("      model = {", "sources.identity.model");
	load_without("      CKM_DES3_ECB = {", "sources.mechanisms.CKM_DES3_ECB");
	load_without("      so_max_failed = {", "sources.pin.so_max_failed");
}
