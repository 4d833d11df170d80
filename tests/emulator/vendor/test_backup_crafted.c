/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: crafted backup blobs beyond byte flips (fuzz/craft.c): valid containers of both
 * vendors with a version, a length, a count or a value out of range, or another vendor's
 * header over this vendor's body, each sealed and MACed again so the field's own check is
 * what refuses it. Each gets its status and its own message, and decodes to nothing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "craft.h"
#include "keyper/hl_keyper.h"
#include "luna/hl_luna.h"

static hl_backup_domain_t keyper, luna;

static void setup(void)
{
	static const uint8_t secret[32] = "crafted blobs' domain secret...";
	cr_assert_eq(hl_backup_domain_derive(&hl_keyper_backup_format, secret, 32, &keyper), HL_OK);
	cr_assert_eq(hl_backup_domain_derive(&hl_luna_backup_format, secret, 32, &luna), HL_OK);
}

TestSuite(crafted, .init = setup);

static void each_refused(const hl_backup_domain_t *mine, const hl_backup_domain_t *other)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	uint8_t value[32] = { 7 };
	CK_ATTRIBUTE attrs[] = { { CKA_CLASS, &cls, sizeof(cls) },
				 { CKA_KEY_TYPE, &kt, sizeof(kt) },
				 { CKA_LABEL, "KSK-2024", 8 },
				 { CKA_VALUE, value, sizeof(value) } };
	hl_craft_case_t *cases = NULL;
	size_t n = 0;
	char seen[40][160];
	cr_assert_eq(hl_craft_cases(mine, other, attrs, 4, "K0001", &cases, &n), 0);
	cr_assert_geq(n, 20);
	cr_assert_leq(n, 40);
	for (size_t i = 0; i < n; i++) {
		const hl_craft_case_t *c = &cases[i];
		hl_backup_obj_t *o = NULL;
		char why[160] = "";
		hl_status_t st =
		    hl_backup_decode_why(c->decoder, c->blob, c->len, &o, why, sizeof(why));
		cr_assert_eq(st, c->want, "%s: %s (%s), want %s", c->name, hl_status_name(st), why,
			     hl_status_name(c->want));
		cr_assert_null(o, "%s: decoded to something", c->name);
		cr_assert(strstr(why, c->why) != NULL, "%s: \"%s\" lacks \"%s\"", c->name, why,
			  c->why);
		for (size_t k = 0; k < i; k++)
			cr_assert_str_neq(seen[k], why, "%s: the same message as %s", c->name,
					  cases[k].name);
		snprintf(seen[i], sizeof(seen[i]), "%s", why);
		cr_log_info("%s: %s: %s", c->name, hl_status_name(st), why);
	}
	hl_craft_free(cases, n);
}

Test(crafted, keyper_blobs)
{
	each_refused(&keyper, &luna);
}

Test(crafted, luna_blobs)
{
	each_refused(&luna, &keyper);
}
