/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the attribute policy table, template checks and attribute lists. */
#include <criterion/criterion.h>
#include <string.h>

#include "object/hl_attr.h"
#include "object/hl_policy.h"

static CK_OBJECT_CLASS c_priv = CKO_PRIVATE_KEY, c_pub = CKO_PUBLIC_KEY, c_data = CKO_DATA;
static CK_KEY_TYPE k_rsa = CKK_RSA;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_ULONG bits = 2048;

#define A(t, v)                    \
	{                          \
		t, &(v), sizeof(v) \
	}

Test(policy, table_rows_are_consistent)
{
	size_t n;
	const hl_policy_row_t *t = hl_policy_table(&n);
	cr_assert_gt(n, 60);
	for (size_t i = 0; i < n; i++) {
		cr_assert_neq(t[i].scope, 0u, "row %zu has no scope", i);
		/* A required attribute cannot also be forbidden for the same operation. */
		cr_assert_not((t[i].flags & HL_AF_1_REQ_CREATE) &&
			      (t[i].flags & HL_AF_2_NO_CREATE));
		cr_assert_not((t[i].flags & HL_AF_3_REQ_GEN) && (t[i].flags & HL_AF_4_NO_GEN));
		if (t[i].shape == HL_AT_BOOL)
			cr_assert(t[i].dflt != HL_AD_EMPTY, "bool row %zu has an empty default", i);
	}
}

Test(policy, scopes)
{
	cr_assert_eq(hl_policy_scope(CKO_PRIVATE_KEY, CKK_RSA), HL_S_PRIV | HL_S_RSA_PRIV);
	cr_assert_eq(hl_policy_scope(CKO_DATA, 0), HL_S_DATA);
	cr_assert_eq(hl_policy_scope(CKO_PRIVATE_KEY, CKK_DSA), 0u);
	cr_assert_eq(hl_policy_scope(CKO_HW_FEATURE, 0), 0u);
}

Test(policy, secret_attributes_are_footnote_7)
{
	cr_assert(hl_policy_is_secret_attr(CKA_PRIVATE_EXPONENT));
	cr_assert(hl_policy_is_secret_attr(CKA_PRIME_1));
	cr_assert_not(hl_policy_is_secret_attr(CKA_MODULUS));
	cr_assert_not(hl_policy_is_secret_attr(CKA_PUBLIC_EXPONENT));
}

Test(policy, create_needs_required_attributes)
{
	unsigned s = hl_policy_scope(CKO_PRIVATE_KEY, CKK_RSA);
	CK_ATTRIBUTE t[] = { A(CKA_CLASS, c_priv), A(CKA_KEY_TYPE, k_rsa) };
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_CREATE, t, 2, false),
		     HL_ERR_TEMPLATE_INCOMPLETE);
}

Test(policy, create_refuses_token_only_attributes)
{
	unsigned s = hl_policy_scope(CKO_PUBLIC_KEY, CKK_RSA);
	uint8_t n[4] = { 1, 2, 3, 4 }, e[1] = { 3 };
	CK_ATTRIBUTE t[] = { A(CKA_CLASS, c_pub), A(CKA_KEY_TYPE, k_rsa), A(CKA_MODULUS, n),
			     A(CKA_PUBLIC_EXPONENT, e), A(CKA_LOCAL, yes) };
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_CREATE, t, 5, false),
		     HL_ERR_ATTRIBUTE_READ_ONLY);
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_CREATE, t, 4, false), HL_OK);
}

Test(policy, generate_rules)
{
	unsigned s = hl_policy_scope(CKO_PUBLIC_KEY, CKK_RSA);
	uint8_t n[4] = { 1, 2, 3, 4 };
	CK_ATTRIBUTE ok[] = { A(CKA_MODULUS_BITS, bits), A(CKA_VERIFY, yes) };
	CK_ATTRIBUTE missing[] = { A(CKA_VERIFY, yes) };
	CK_ATTRIBUTE forbidden[] = { A(CKA_MODULUS_BITS, bits), A(CKA_MODULUS, n) };
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_GENERATE, ok, 2, false), HL_OK);
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_GENERATE, missing, 1, false),
		     HL_ERR_TEMPLATE_INCOMPLETE);
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_GENERATE, forbidden, 2, false),
		     HL_ERR_ATTRIBUTE_READ_ONLY);
}

Test(policy, shapes_unknown_types_and_conflicts)
{
	unsigned s = HL_S_DATA;
	CK_ULONG four = 4;
	CK_ATTRIBUTE bad_bool[] = { A(CKA_CLASS, c_data), A(CKA_TOKEN, four) };
	CK_ATTRIBUTE unknown[] = { A(CKA_CLASS, c_data), A(CKA_MODULUS_BITS, bits) };
	CK_ATTRIBUTE conflict[] = { A(CKA_CLASS, c_data), A(CKA_TOKEN, yes), A(CKA_TOKEN, no) };
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_CREATE, bad_bool, 2, false),
		     HL_ERR_ATTRIBUTE_VALUE_INVALID);
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_CREATE, unknown, 2, false),
		     HL_ERR_ATTRIBUTE_TYPE_INVALID);
	cr_assert_eq(hl_policy_check_new(s, HL_TMPL_CREATE, conflict, 3, false),
		     HL_ERR_TEMPLATE_INCONSISTENT);
}

Test(policy, defaults_fill_absent_attributes)
{
	hl_attrs_t a = { 0 };
	unsigned s = hl_policy_scope(CKO_PRIVATE_KEY, CKK_RSA);
	CK_ATTRIBUTE t[] = { A(CKA_CLASS, c_priv), A(CKA_KEY_TYPE, k_rsa), A(CKA_SIGN, no) };
	cr_assert_eq(hl_policy_apply_new(s, t, 3, &a), HL_OK);
	cr_assert(hl_attrs_bool(&a, CKA_PRIVATE, false), "private keys default to private");
	cr_assert(hl_attrs_bool(&a, CKA_SENSITIVE, false));
	cr_assert_not(hl_attrs_bool(&a, CKA_EXTRACTABLE, true));
	cr_assert_not(hl_attrs_bool(&a, CKA_SIGN, true), "template wins over default");
	cr_assert_not(hl_attrs_bool(&a, CKA_TOKEN, true));
	cr_assert_eq(hl_attrs_ulong(&a, CKA_KEY_GEN_MECHANISM, 0), CK_UNAVAILABLE_INFORMATION);
	hl_attrs_clear(&a);
}

Test(policy, change_rules_sticky_and_read_only)
{
	hl_attrs_t a = { 0 };
	unsigned s = hl_policy_scope(CKO_PRIVATE_KEY, CKK_RSA);
	CK_ATTRIBUTE t[] = { A(CKA_CLASS, c_priv), A(CKA_KEY_TYPE, k_rsa) };
	cr_assert_eq(hl_policy_apply_new(s, t, 2, &a), HL_OK);
	CK_ATTRIBUTE unsens[] = { A(CKA_SENSITIVE, no) };
	CK_ATTRIBUTE extract[] = { A(CKA_EXTRACTABLE, yes) };
	CK_ATTRIBUTE label[] = { { CKA_LABEL, "x", 1 } };
	CK_ATTRIBUTE cls[] = { A(CKA_CLASS, c_pub) };
	cr_assert_eq(hl_policy_check_change(s, HL_TMPL_SET, &a, unsens, 1, false),
		     HL_ERR_ATTRIBUTE_READ_ONLY, "CKA_SENSITIVE is sticky once true (footnote 11)");
	cr_assert_eq(hl_policy_check_change(s, HL_TMPL_SET, &a, extract, 1, false),
		     HL_ERR_ATTRIBUTE_READ_ONLY,
		     "CKA_EXTRACTABLE is sticky once false (footnote 12)");
	cr_assert_eq(hl_policy_check_change(s, HL_TMPL_SET, &a, label, 1, false), HL_OK);
	cr_assert_eq(hl_policy_check_change(s, HL_TMPL_SET, &a, cls, 1, false),
		     HL_ERR_ATTRIBUTE_READ_ONLY);
	hl_attrs_set_bool(&a, CKA_MODIFIABLE, false);
	cr_assert_eq(hl_policy_check_change(s, HL_TMPL_SET, &a, label, 1, false),
		     HL_ERR_ACTION_PROHIBITED);
	hl_attrs_set_bool(&a, CKA_COPYABLE, false);
	cr_assert_eq(hl_policy_check_change(s, HL_TMPL_COPY, &a, NULL, 0, false),
		     HL_ERR_ACTION_PROHIBITED);
	hl_attrs_clear(&a);
}

Test(attrs, encode_decode_round_trip_and_filter)
{
	hl_attrs_t a = { 0 }, b = { 0 };
	uint8_t *enc = NULL;
	size_t len = 0;
	cr_assert_eq(hl_attrs_set(&a, CKA_LABEL, "key", 3), HL_OK);
	cr_assert_eq(hl_attrs_set(&a, CKA_PRIVATE_EXPONENT, "\x01\x02", 2), HL_OK);
	cr_assert_eq(hl_attrs_set(&a, CKA_ID, NULL, 0), HL_OK);
	cr_assert_eq(hl_attrs_set(&a, CKA_LABEL, "k2", 2), HL_OK, "replace keeps one entry");
	cr_assert_eq(a.n, 3);
	cr_assert_eq(hl_attrs_encode(&a, NULL, &enc, &len), HL_OK);
	cr_assert_eq(hl_attrs_decode(&b, enc, len), HL_OK);
	cr_assert_eq(b.n, 3);
	cr_assert_eq(hl_attrs_get(&b, CKA_LABEL)->len, 2);
	cr_assert_eq(memcmp(hl_attrs_get(&b, CKA_LABEL)->value, "k2", 2), 0);
	hl_attrs_clear(&b);
	cr_assert_eq(hl_attrs_decode(&b, enc, len - 1), HL_ERR_STORE_CORRUPT, "truncated");
	hl_attrs_clear(&b);
	free(enc);
	hl_attrs_del(&a, CKA_ID);
	cr_assert_null(hl_attrs_get(&a, CKA_ID));
	hl_attrs_clear(&a);
	hl_attrs_clear(NULL);
}

Test(attrs, match)
{
	hl_attrs_t a = { 0 };
	hl_attrs_set(&a, CKA_LABEL, "abc", 3);
	CK_ATTRIBUTE same[] = { { CKA_LABEL, "abc", 3 } };
	CK_ATTRIBUTE other[] = { { CKA_LABEL, "abd", 3 } };
	CK_ATTRIBUTE absent[] = { { CKA_ID, "a", 1 } };
	cr_assert(hl_attrs_match(&a, same, 1));
	cr_assert_not(hl_attrs_match(&a, other, 1));
	cr_assert_not(hl_attrs_match(&a, absent, 1));
	cr_assert(hl_attrs_match(&a, NULL, 0));
	hl_attrs_clear(&a);
}
