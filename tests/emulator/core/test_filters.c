/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: filter layers in-process, each stacked alone over a mock lower layer (the core's
 * table with a few entries replaced by recorders). The core runs underneath only so that a
 * session finds its device's profile; what the layer passes down, changes or refuses is
 * seen at the mock. One vendor-behaviour filter (K2 labels_immutable, L8
 * no_always_authenticate) and one general filter (G13 no_multipart). */
#include <criterion/criterion.h>
#include <string.h>

#include "p11/hl_p11.h"
#include "p11/hl_p11_quirks.h"
#include "testlab.h"

const char hl_module_family[] = "strict";
const hl_family_t *const hl_module_family_hooks = NULL;

static testlab_t lab;
static CK_SESSION_HANDLE session;

/* -- the mock lower layer: records what reaches it -- */

static struct {
	unsigned set_attr, get_attr, sign_update, sign;
	CK_ATTRIBUTE_PTR last_template;
} seen;

static CK_RV mock_set_attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	seen.set_attr++;
	seen.last_template = t;
	return CKR_OK;
}

/* Answers every attribute: CKA_ALWAYS_AUTHENTICATE as a CK_FALSE, others as 4 bytes. */
static CK_RV mock_get_attr(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	seen.get_attr++;
	for (CK_ULONG i = 0; i < n; i++)
		t[i].ulValueLen = t[i].type == CKA_ALWAYS_AUTHENTICATE ? sizeof(CK_BBOOL) : 4;
	return CKR_OK;
}

static CK_RV mock_sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG n)
{
	seen.sign_update++;
	return CKR_OK;
}

static CK_RV mock_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s,
		       CK_ULONG_PTR sl)
{
	seen.sign++;
	return CKR_OK;
}

static CK_FUNCTION_LIST_3_0 mock;

/* A lab whose free device has the profile of these switches, initialised, with a session
 * opened on the core directly (never through the stack under test). */
static void setup(void)
{
	char dir[160], path[200];
	testlab_make(&lab);
	snprintf(dir, sizeof(dir), "%s/profiles", lab.dir);
	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/filtered.conf", dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("profile: { name = \"filtered\"; family = \"strict\";\n"
	      " identity: { manufacturer = \"m\"; library_description = \"l\"; model = \"x\";"
	      " slot_description = \"s\"; };\n"
	      " mechanisms = ( { name = \"CKM_RSA_PKCS\"; min = 1024; max = 4096;"
	      " flags = [ \"CKF_SIGN\" ]; } );\n"
	      " quirks: {\n"
	      "  labels_immutable = { id = \"K2\"; on = true; source = \"doc\"; };\n"
	      "  label_change_error = { id = \"K2\"; on = true; source = \"guess\";"
	      " value = \"CKR_ACTION_PROHIBITED\"; };\n"
	      "  no_always_authenticate = { id = \"L8\"; on = true; source = \"field\"; };\n"
	      "  no_multipart = { id = \"G13\"; on = true; source = \"doc\"; };\n"
	      " };\n};\n",
	      f);
	fclose(f);
	setenv("HSMLAB_PROFILE_DIR", dir, 1);
	f = fopen(lab.conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "lab_dir = \"%s\";\ndefault_profile = \"filtered\";\n", lab.lab);
	fclose(f);
	cr_assert_eq(hl_p11_C_Initialize(NULL), CKR_OK, "%s", hl_p11_last_error());
	CK_SLOT_ID slot;
	CK_ULONG n = 1;
	cr_assert_eq(hl_p11_C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	cr_assert_eq(hl_p11_C_InitToken(slot, (CK_UTF8CHAR_PTR) "12345678", 8, label), CKR_OK, "%s",
		     hl_p11_last_error());
	cr_assert_eq(hl_p11_C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session), CKR_OK);
	mock = *hl_p11_core_functions();
	mock.C_SetAttributeValue = mock_set_attr;
	mock.C_GetAttributeValue = mock_get_attr;
	mock.C_SignUpdate = mock_sign_update;
	mock.C_Sign = mock_sign;
	memset(&seen, 0, sizeof(seen));
}

static void teardown(void)
{
	hl_p11_C_Finalize(NULL);
	testlab_remove(&lab);
}

TestSuite(filters, .init = setup, .fini = teardown);

/* Each test stacks one layer over the mock (its own process: the global layer is ours). */
static CK_FUNCTION_LIST_3_0 stack_over_mock(hl_p11_layer_t *layer)
{
	CK_FUNCTION_LIST_3_0 top;
	hl_p11_layer_t *const layers[] = { layer };
	hl_p11_stack_build(&mock, layers, 1, &top);
	return top;
}

Test(filters, layer_overrides_only_its_entries)
{
	CK_FUNCTION_LIST_3_0 top = stack_over_mock(&hl_p11_vendor_layer);
	cr_assert(top.C_SignUpdate == mock_sign_update, "not the vendor layer's: the mock's own");
	cr_assert(top.C_Encrypt == mock.C_Encrypt);
	cr_assert(top.C_SetAttributeValue != mock_set_attr, "K2 filters it");
	cr_assert(hl_p11_vendor_layer.below.C_SetAttributeValue == mock_set_attr);
	cr_assert_eq(top.version.major, 3);
}

Test(filters, vendor_labels_immutable_refuses_before_the_layer_below)
{
	CK_FUNCTION_LIST_3_0 top = stack_over_mock(&hl_p11_vendor_layer);
	CK_ATTRIBUTE label = { CKA_LABEL, "new", 3 };
	cr_assert_eq(top.C_SetAttributeValue(session, 1, &label, 1), CKR_ACTION_PROHIBITED,
		     "the profile's label_change_error");
	cr_assert_eq(seen.set_attr, 0, "a refused change never reaches the layer below");
	CK_ATTRIBUTE id = { CKA_ID, "\x01", 1 };
	cr_assert_eq(top.C_SetAttributeValue(session, 1, &id, 1), CKR_OK);
	cr_assert_eq(seen.set_attr, 1);
	cr_assert(seen.last_template == &id, "passed down as given");
}

Test(filters, vendor_no_always_authenticate_hides_the_attribute)
{
	CK_FUNCTION_LIST_3_0 top = stack_over_mock(&hl_p11_vendor_layer);
	CK_BYTE buf[8];
	CK_BBOOL aa;
	CK_ATTRIBUTE t[] = { { CKA_LABEL, buf, sizeof(buf) },
			     { CKA_ALWAYS_AUTHENTICATE, &aa, sizeof(aa) } };
	cr_assert_eq(top.C_GetAttributeValue(session, 1, t, 2), CKR_ATTRIBUTE_TYPE_INVALID);
	cr_assert_eq(seen.get_attr, 1);
	cr_assert_eq(t[0].ulValueLen, 4, "the layer below's answer kept");
	cr_assert_eq(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION, "L8: an unknown type");
	CK_ATTRIBUTE bad[] = { { CKA_LABEL, buf, sizeof(buf) } };
	cr_assert_eq(top.C_GetAttributeValue(session, 1, bad, 1), CKR_OK, "nothing to hide");
}

Test(filters, general_no_multipart_refuses_and_ends_the_operation)
{
	CK_FUNCTION_LIST_3_0 top = stack_over_mock(&hl_p11_general_layer);
	cr_assert(top.C_SetAttributeValue == mock_set_attr, "not the general layer's entry");
	CK_BYTE part[4] = { 1, 2, 3, 4 };
	cr_assert_eq(top.C_SignUpdate(session, part, sizeof(part)), CKR_FUNCTION_NOT_SUPPORTED);
	cr_assert_eq(seen.sign_update, 0, "G13: refused before the layer below");
	CK_BYTE sig[8];
	CK_ULONG sl = sizeof(sig);
	cr_assert_eq(top.C_Sign(session, part, sizeof(part), sig, &sl), CKR_OK);
	cr_assert_eq(seen.sign, 1, "single-part signing passes down");
}
