/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: conformance checks of objects, attributes, templates and finding. */
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

static void len_name(char *buf, size_t n, CK_ULONG len)
{
	if (len == CK_UNAVAILABLE_INFORMATION)
		snprintf(buf, n, "unavailable");
	else
		snprintf(buf, n, "%lu", len);
}

/* Reads one attribute with a NULL buffer and records "rv,len=..". */
static void probe_attr(hl_conf_ctx_t *c, hl_conf_out_t *o, hl_conf_key_t k, CK_ATTRIBUTE_TYPE type)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE a = { type, NULL, 0 };
	char len[24];
	CK_RV rv;

	if (hl_conf_with_key(c, o, k, &s, &h) != 0)
		return;
	rv = c->fn->C_GetAttributeValue(s, h, &a, 1);
	len_name(len, sizeof len, a.ulValueLen);
	hl_conf_val(o, "%s,len=%s", hl_ckr_name(rv), len);
	c->fn->C_CloseSession(s);
}

static void attr_sensitive_rsa(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	probe_attr(c, o, HL_KEY_RSA_PRIV, CKA_PRIVATE_EXPONENT);
}

static void attr_sensitive_aes(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	probe_attr(c, o, HL_KEY_AES, CKA_VALUE);
}

static void attr_unknown(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	probe_attr(c, o, HL_KEY_RSA_PUB, 0x7fff0001UL);
}

static void attr_always_auth(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	probe_attr(c, o, HL_KEY_RSA_PRIV, CKA_ALWAYS_AUTHENTICATE);
}

static void attr_two_call(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_BYTE small[4], *buf = NULL;
	CK_ATTRIBUTE a = { CKA_MODULUS, NULL, 0 };
	CK_RV rv1, rv2, rv3 = CKR_GENERAL_ERROR;
	CK_ULONG want;
	char len[24];

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PUB, &s, &h) != 0)
		return;
	rv1 = c->fn->C_GetAttributeValue(s, h, &a, 1);
	want = a.ulValueLen;
	a.pValue = small;
	a.ulValueLen = sizeof small;
	rv2 = c->fn->C_GetAttributeValue(s, h, &a, 1);
	len_name(len, sizeof len, a.ulValueLen);
	if (rv1 == CKR_OK && want != CK_UNAVAILABLE_INFORMATION && (buf = malloc(want)) != NULL) {
		a.pValue = buf;
		a.ulValueLen = want;
		rv3 = c->fn->C_GetAttributeValue(s, h, &a, 1);
	}
	hl_conf_val(o, "size=%s small=%s,len=%s fit=%s", hl_ckr_name(rv1), hl_ckr_name(rv2), len,
		    hl_ckr_name(rv3));
	hl_conf_detail(o, "modulus length %lu", want);
	free(buf);
	c->fn->C_CloseSession(s);
}

static void attr_partial(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_BYTE label[64], exp[512];
	CK_ATTRIBUTE a[] = { { CKA_LABEL, label, sizeof label },
			     { CKA_PRIVATE_EXPONENT, exp, sizeof exp } };
	CK_RV rv;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &h) != 0)
		return;
	rv = c->fn->C_GetAttributeValue(s, h, a, 2);
	hl_conf_val(o, "%s,label=%s,exponent=%s", hl_ckr_name(rv),
		    a[0].ulValueLen == 15 ? "filled" : "not-filled",
		    a[1].ulValueLen == CK_UNAVAILABLE_INFORMATION ? "unavailable" : "revealed");
	c->fn->C_CloseSession(s);
}

static void attr_rsa_public_parts(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	unsigned char *mod = NULL, *exp = NULL;
	CK_ULONG ml = 0, el = 0;
	CK_RV rv1, rv2;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &h) != 0)
		return;
	rv1 = hl_p11_get_attr(c->fn, s, h, CKA_MODULUS, &mod, &ml);
	rv2 = hl_p11_get_attr(c->fn, s, h, CKA_PUBLIC_EXPONENT, &exp, &el);
	if (rv1 == CKR_OK && rv2 == CKR_OK)
		hl_conf_val(o, "modulus=%lu bytes,exponent=%s", ml,
			    el > 0 && exp[el - 1] == 1 ? "65537" : "other");
	else
		hl_conf_val(o, "modulus=%s,exponent=%s", hl_ckr_name(rv1), hl_ckr_name(rv2));
	if (rv1 == CKR_OK && ml > 0)
		hl_conf_detail(o, "first modulus byte 0x%02x (G17: leading zero?)", mod[0]);
	free(mod);
	free(exp);
	c->fn->C_CloseSession(s);
}

static void attr_ec_point(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	unsigned char *p = NULL;
	CK_ULONG n = 0;
	CK_RV rv;

	if (hl_conf_with_key(c, o, HL_KEY_EC_PUB, &s, &h) != 0)
		return;
	rv = hl_p11_get_attr(c->fn, s, h, CKA_EC_POINT, &p, &n);
	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else if (n == 67 && p[0] == 0x04 && p[1] == 65 && p[2] == 0x04)
		hl_conf_val(o, "der-octet-string");
	else if (n == 65 && p[0] == 0x04)
		hl_conf_val(o, "raw-point");
	else
		hl_conf_val(o, "other:%lu bytes", n);
	free(p);
	c->fn->C_CloseSession(s);
}

/* The row's own key pair (the suite's keys carry an id): RSA, which every device makes. */
static CK_RV make_noid_key(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *priv)
{
	static CK_BBOOL yes = CK_TRUE;
	static CK_ULONG bits = 2048;
	static CK_BYTE e65537[] = { 1, 0, 1 };
	static const char label[] = "hsmlab-conf-noid";
	CK_ATTRIBUTE pub[] = { { CKA_TOKEN, &yes, 1 },
			       { CKA_LABEL, (void *)label, sizeof label - 1 },
			       { CKA_MODULUS_BITS, &bits, sizeof bits },
			       { CKA_PUBLIC_EXPONENT, e65537, sizeof e65537 } };
	CK_ATTRIBUTE prv[] = { { CKA_TOKEN, &yes, 1 },
			       { CKA_PRIVATE, &yes, 1 },
			       { CKA_SIGN, &yes, 1 },
			       { CKA_LABEL, (void *)label, sizeof label - 1 } };
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_OBJECT_HANDLE pubh;
	CK_ULONG n = 0;

	if (hl_p11_find_by_label(c->fn, s, CKO_PRIVATE_KEY, label, priv, 1, &n) == CKR_OK && n)
		return CKR_OK;
	return c->fn->C_GenerateKeyPair(s, &m, pub, 4, prv, 4, &pubh, priv);
}

/* K3 (no id assigned), G10 (an id required), G15 (an id of the device's length assigned). */
static void key_without_id(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h = 0, found[4];
	unsigned char *id = NULL;
	CK_ULONG n = 0, idlen = 0;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);
	char what[48];

	if (rv != CKR_OK) {
		hl_conf_val(o, "login:%s", hl_ckr_name(rv));
		return;
	}
	rv = make_noid_key(c, s, &h);
	if (rv != CKR_OK) {
		hl_conf_val(o, "keygen=%s", hl_ckr_name(rv));
		c->fn->C_CloseSession(s);
		return;
	}
	rv = hl_p11_get_attr(c->fn, s, h, CKA_ID, &id, &idlen);
	free(id);
	c->fn->C_CloseSession(s);
	/* A fresh session, as ceremony tooling does, with label + class only. */
	if (hl_conf_session(c, 0, 1, &s) != CKR_OK) {
		hl_conf_val(o, "login-failed");
		return;
	}
	hl_p11_find_by_label(c->fn, s, CKO_PRIVATE_KEY, "hsmlab-conf-noid", found, 4, &n);
	if (rv != CKR_OK)
		snprintf(what, sizeof what, "%s", hl_ckr_name(rv));
	else if (idlen == 0)
		snprintf(what, sizeof what, "empty");
	else
		snprintf(what, sizeof what, "%lu bytes", (unsigned long)idlen);
	hl_conf_val(o, "id=%s,found-by-label=%lu", what, n);
	c->fn->C_CloseSession(s);
}

/* -- templates -- */

/* Creates a session object from the template; records the CK_RV and destroys it again. */
static void try_create(hl_conf_ctx_t *c, hl_conf_out_t *o, CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	if (rv == CKR_OK) {
		rv = c->fn->C_CreateObject(s, t, n, &h);
		if (rv == CKR_OK)
			c->fn->C_DestroyObject(s, h);
		c->fn->C_CloseSession(s);
	}
	hl_conf_val(o, "%s", hl_ckr_name(rv));
}

static void tmpl_incomplete(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_KEY_TYPE, &kt, sizeof kt } };

	try_create(c, o, t, 2);
}

static void tmpl_bad_class(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = 0x7ffff;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_LABEL, "x", 1 } };

	try_create(c, o, t, 2);
}

static void tmpl_unknown_type(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { 0x7fff0002UL, &yes, 1 } };

	try_create(c, o, t, 2);
}

static void tmpl_bad_length(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BYTE three[3] = { 1, 1, 1 };
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls }, { CKA_TOKEN, three, 3 } };

	try_create(c, o, t, 2);
}

static void tmpl_value_len_on_create(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ULONG vl = 16;
	CK_BYTE v[16] = { 0 };
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_KEY_TYPE, &kt, sizeof kt },
			     { CKA_VALUE, v, sizeof v },
			     { CKA_VALUE_LEN, &vl, sizeof vl } };

	try_create(c, o, t, 4);
}

static void tmpl_secret_not_sensitive(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ULONG len = 16;
	CK_ATTRIBUTE t[] = { { CKA_SENSITIVE, &no, 1 },
			     { CKA_ENCRYPT, &yes, 1 },
			     { CKA_VALUE_LEN, &len, sizeof len } };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	if (rv == CKR_OK) {
		rv = c->fn->C_GenerateKey(s, &m, t, 3, &h);
		c->fn->C_CloseSession(s);
	}
	hl_conf_val(o, "%s", hl_ckr_name(rv));
}

/* -- changing and destroying -- */

static void set_attr(hl_conf_ctx_t *c, hl_conf_out_t *o, CK_ATTRIBUTE *a)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PUB, &s, &h) != 0)
		return;
	hl_conf_val(o, "%s", hl_ckr_name(c->fn->C_SetAttributeValue(s, h, a, 1)));
	c->fn->C_CloseSession(s);
}

static void set_class(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE a = { CKA_CLASS, &cls, sizeof cls };

	set_attr(c, o, &a);
}

static void set_label(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	/* The same label again: a module that allows changes accepts it harmlessly. */
	CK_ATTRIBUTE a = { CKA_LABEL, "hsmlab-conf-rsa", 15 };

	set_attr(c, o, &a);
}

static CK_RV make_data(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, const char *label, CK_BBOOL token,
		       CK_BBOOL priv, CK_OBJECT_HANDLE *h)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_TOKEN, &token, 1 },
			     { CKA_PRIVATE, &priv, 1 },
			     { CKA_LABEL, (void *)label, strlen(label) },
			     { CKA_VALUE, "hsmlab", 6 } };

	return c->fn->C_CreateObject(s, t, 5, h);
}

static void obj_destroy(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	if (rv == CKR_OK && (rv = make_data(c, s, "hsmlab-conf-gone", 0, 0, &h)) == CKR_OK) {
		rv = c->fn->C_DestroyObject(s, h);
		hl_conf_val(o, "destroy=%s,then=%s", hl_ckr_name(rv),
			    hl_ckr_name(c->fn->C_GetAttributeValue(s, h, &a, 1)));
	} else {
		hl_conf_val(o, "create:%s", hl_ckr_name(rv));
	}
	c->fn->C_CloseSession(s);
}

static void obj_copy(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h, copy;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	if (rv == CKR_OK && (rv = make_data(c, s, "hsmlab-conf-copy", 0, 0, &h)) == CKR_OK) {
		rv = c->fn->C_CopyObject(s, h, NULL, 0, &copy);
		if (rv == CKR_OK)
			c->fn->C_DestroyObject(s, copy);
		c->fn->C_DestroyObject(s, h);
	}
	hl_conf_val(o, "%s", hl_ckr_name(rv));
	c->fn->C_CloseSession(s);
}

static void obj_duplicate_label(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE a = 0, b = 0;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	if (rv == CKR_OK && (rv = make_data(c, s, "hsmlab-conf-dup", 1, 0, &a)) == CKR_OK) {
		rv = make_data(c, s, "hsmlab-conf-dup", 1, 0, &b);
		if (rv == CKR_OK)
			c->fn->C_DestroyObject(s, b);
		c->fn->C_DestroyObject(s, a);
	}
	hl_conf_val(o, "%s", rv == CKR_OK ? "allowed" : hl_ckr_name(rv));
	c->fn->C_CloseSession(s);
}

static void obj_private_hidden(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s, pub;
	CK_OBJECT_HANDLE h, found[2];
	CK_ULONG in = 0, out = 0;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	if (rv != CKR_OK || (rv = make_data(c, s, "hsmlab-conf-priv", 1, 1, &h)) != CKR_OK) {
		hl_conf_val(o, "create:%s", hl_ckr_name(rv));
		return;
	}
	hl_p11_find_by_label(c->fn, s, CKO_DATA, "hsmlab-conf-priv", found, 2, &in);
	c->fn->C_Logout(s);
	if (hl_conf_session(c, 0, 0, &pub) == CKR_OK) {
		hl_p11_find_by_label(c->fn, pub, CKO_DATA, "hsmlab-conf-priv", found, 2, &out);
		c->fn->C_CloseSession(pub);
	}
	hl_conf_val(o, "logged-in=%lu,public=%lu", in, out);
	if (hl_conf_session(c, 1, 1, &pub) == CKR_OK) {
		c->fn->C_DestroyObject(pub, h);
		c->fn->C_CloseSession(pub);
	}
	c->fn->C_CloseSession(s);
}

static void obj_handles_stable(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE first, second;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PUB, &s, &first) != 0)
		return;
	c->fn->C_Logout(s);
	c->fn->C_CloseAllSessions(c->slot);
	if (hl_conf_with_key(c, o, HL_KEY_RSA_PUB, &s, &second) != 0)
		return;
	hl_conf_val(o, "%s", first == second ? "same" : "changed");
	hl_conf_detail(o, "handle %lu -> %lu", first, second);
	c->fn->C_CloseSession(s);
}

/* L5: a key's handle after C_Finalize + C_Initialize, and how large handles are. */
static void obj_handles_reinit(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	const char *label = hl_bench_target_token(c->t);
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE first, second;
	CK_SLOT_ID again = c->slot;
	CK_RV rv;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PUB, &s, &first) != 0)
		return;
	c->fn->C_CloseSession(s);
	c->fn->C_Finalize(NULL);
	rv = c->fn->C_Initialize(&args);
	if (rv == CKR_OK && label != NULL)
		rv = hl_p11_find_slot(c->fn, label, &again);
	if (rv != CKR_OK) {
		hl_conf_val(o, "reinit:%s", hl_ckr_name(rv));
		return;
	}
	c->slot = again;
	if (hl_conf_with_key(c, o, HL_KEY_RSA_PUB, &s, &second) != 0)
		return;
	hl_conf_val(o, "%s,%s", first == second ? "same" : "changed",
		    first < 0x10000 && second < 0x10000 ? "small" : "large");
	hl_conf_detail(o, "handle %lu -> %lu", first, second);
	c->fn->C_CloseSession(s);
}

/* -- finding -- */

static void find_batches_of_one(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_LABEL, "hsmlab-conf-five", 16 } };
	CK_OBJECT_HANDLE made[5], got;
	CK_SESSION_HANDLE s;
	CK_ULONG n = 0, total = 0, calls = 0;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);

	for (int i = 0; rv == CKR_OK && i < 5; i++)
		rv = make_data(c, s, "hsmlab-conf-five", 0, 0, &made[i]);
	if (rv == CKR_OK)
		rv = c->fn->C_FindObjectsInit(s, t, 2);
	while (rv == CKR_OK && calls++ < 20) {
		rv = c->fn->C_FindObjects(s, &got, 1, &n);
		if (rv != CKR_OK || n == 0)
			break;
		total += n;
	}
	c->fn->C_FindObjectsFinal(s);
	if (rv == CKR_OK)
		hl_conf_val(o, "found=%lu", total);
	else
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	c->fn->C_CloseSession(s);
}

static void find_misuse(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t = { CKA_CLASS, &cls, sizeof cls };
	CK_OBJECT_HANDLE h;
	CK_SESSION_HANDLE s;
	CK_ULONG n;
	CK_RV uninit, twice, final2;

	if (hl_conf_session(c, 0, 0, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	uninit = c->fn->C_FindObjects(s, &h, 1, &n);
	c->fn->C_FindObjectsInit(s, &t, 1);
	twice = c->fn->C_FindObjectsInit(s, &t, 1);
	c->fn->C_FindObjectsFinal(s);
	final2 = c->fn->C_FindObjectsFinal(s);
	hl_conf_val(o, "find=%s,init-twice=%s,final-twice=%s", hl_ckr_name(uninit),
		    hl_ckr_name(twice), hl_ckr_name(final2));
	c->fn->C_CloseSession(s);
}

const hl_conf_entry_t hl_conf_object_checks[] = {
	{ { "attr.sensitive_rsa", "CKA_PRIVATE_EXPONENT of a sensitive RSA key", "spec" },
	  attr_sensitive_rsa,
	  0 },
	{ { "attr.sensitive_secret", "CKA_VALUE of a sensitive AES key", "spec" },
	  attr_sensitive_aes,
	  0 },
	{ { "attr.unknown_type", "an unknown attribute type", "G8" }, attr_unknown, 0 },
	{ { "attr.two_call", "CKA_MODULUS: size query, too small buffer, fitting buffer",
	    "baseline" },
	  attr_two_call,
	  0 },
	{ { "attr.partial_sensitive", "label + sensitive exponent in one call", "spec" },
	  attr_partial,
	  0 },
	{ { "attr.rsa_private_public_parts", "CKA_MODULUS/CKA_PUBLIC_EXPONENT on the private key",
	    "baseline" },
	  attr_rsa_public_parts,
	  0 },
	{ { "attr.always_authenticate", "CKA_ALWAYS_AUTHENTICATE on a private key", "L8" },
	  attr_always_auth,
	  0 },
	{ { "attr.ec_point", "encoding of CKA_EC_POINT (P-256)", "G16" }, attr_ec_point, 0 },
	{ { "key.without_id", "a key made without CKA_ID: its CKA_ID; found by label+class", "K3" },
	  key_without_id,
	  0 },
	{ { "tmpl.incomplete", "RSA public key without modulus", "spec" }, tmpl_incomplete, 0 },
	{ { "tmpl.bad_class", "an unknown CKA_CLASS value", "spec" }, tmpl_bad_class, 0 },
	{ { "tmpl.unknown_type", "an unknown attribute type in a template", "spec" },
	  tmpl_unknown_type,
	  0 },
	{ { "tmpl.bad_length", "CKA_TOKEN of 3 bytes", "spec" }, tmpl_bad_length, 0 },
	{ { "tmpl.value_len_on_create", "CKA_VALUE_LEN given to C_CreateObject", "spec" },
	  tmpl_value_len_on_create,
	  0 },
	{ { "tmpl.secret_not_sensitive", "AES keygen with CKA_SENSITIVE=false", "L9" },
	  tmpl_secret_not_sensitive,
	  0 },
	{ { "obj.set_class", "C_SetAttributeValue on CKA_CLASS", "spec" }, set_class, 0 },
	{ { "obj.set_label", "C_SetAttributeValue on a key's CKA_LABEL", "K2" }, set_label, 0 },
	{ { "obj.destroy", "C_DestroyObject, then reading the old handle", "spec" },
	  obj_destroy,
	  0 },
	{ { "obj.copy", "C_CopyObject of a data object", "spec" }, obj_copy, 0 },
	{ { "obj.duplicate_label", "two token objects with the same label", "G14" },
	  obj_duplicate_label,
	  0 },
	{ { "obj.private_hidden", "a private object: found logged in / in a public session", "G6" },
	  obj_private_hidden,
	  0 },
	{ { "obj.handles_stable", "a key's handle after closing all sessions and logging in again",
	    "G5" },
	  obj_handles_stable,
	  0 },
	{ { "obj.handles_reinit",
	    "a key's handle after C_Finalize + C_Initialize; small (below 65536) or large", "L5" },
	  obj_handles_reinit,
	  0 },
	{ { "find.batches_of_one", "C_FindObjects one handle at a time (5 objects)", "baseline" },
	  find_batches_of_one,
	  0 },
	{ { "find.misuse", "C_FindObjects uninitialised, C_FindObjectsInit twice, Final twice",
	    "spec" },
	  find_misuse,
	  0 },
	{ { NULL, NULL, NULL }, NULL, 0 },
};
