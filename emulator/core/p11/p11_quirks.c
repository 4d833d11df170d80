/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the quirk filter layer. Profile switches (QUIRKS.md rows, named in the
 * profile with their catalogue id) that change what a client sees of a plain PKCS#11 call
 * are applied here, in one place: the function tables point the affected entries at these
 * filters (p11-kit-filter style), each asks the device's profile whether its switch is on
 * and otherwise passes the call through unchanged. Switches carried by data alone (mechanism
 * lists, limits, PIN rules) need no filter. The same layer reports the security-relevant
 * operations (login, keygen, signatures) to the device's family for its audit log.
 * See emulator/doc/families.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsmlab/p11client.h"
#include "p11/hl_p11.h"
#include "p11/hl_p11_quirks.h"

/* The profile of the session's device, or NULL (the base call then reports the error). */
static const hl_profile_t *session_profile(CK_SESSION_HANDLE h)
{
	hl_session_t *s = NULL;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return NULL;
	const hl_profile_t *p = s->slot->dev->profile;
	hl_p11_unlock();
	return p;
}

static const CK_ATTRIBUTE *find_attr(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; t && i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

static bool attr_false(const CK_ATTRIBUTE *a)
{
	return a && a->pValue && a->ulValueLen == sizeof(CK_BBOOL) && !*(CK_BBOOL *)a->pValue;
}

/* A CK_RV named by a switch's value ("CKR_..." or a number), else dflt. */
static CK_RV rv_value(const char *v, CK_RV dflt)
{
	CK_ULONG x;
	char *end;
	if (!v)
		return dflt;
	if (hl_ck_value(v, &x) == 0)
		return x;
	x = strtoul(v, &end, 0);
	return *v && !*end ? x : dflt;
}

/* K8: whether the profile lists the function among those the vendor library lacks. */
static bool missing(const hl_profile_t *p, const char *fn)
{
	const char *v = p ? hl_profile_quirk_value(p, "missing_functions") : NULL;
	size_t n = strlen(fn);
	for (const char *c = v; c && *c; c = strchr(c, ',') ? strchr(c, ',') + 1 : NULL)
		if (strncmp(c, fn, n) == 0 && (c[n] == ',' || !c[n]))
			return true;
	return false;
}

/* Reports an operation of session h to its device's family (the audit log). */
static void event(CK_SESSION_HANDLE h, hl_family_event_t ev, const char *subject)
{
	hl_session_t *s = NULL;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return;
	hl_device_event(s->slot->dev, ev, subject);
	hl_p11_unlock();
}

static void label_of(const CK_ATTRIBUTE *t, CK_ULONG n, char *out, size_t len)
{
	const CK_ATTRIBUTE *a = find_attr(t, n, CKA_LABEL);
	int l = a && a->pValue ? (int)(a->ulValueLen < len ? a->ulValueLen : len - 1) : 0;
	snprintf(out, len, "%.*s", l, a && a->pValue ? (const char *)a->pValue : "");
}

static const char *user_name(CK_USER_TYPE u)
{
	return u == CKU_SO ? "so" : u == CKU_USER ? "user" : "context-specific";
}

/* -- login (L1) -- */

CK_RV hl_p11_q_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	const hl_profile_t *p = session_profile(h);
	if (p && user == CKU_CONTEXT_SPECIFIC &&
	    hl_profile_quirk(p, "context_specific_login_invalid"))
		return CKR_USER_TYPE_INVALID;
	/* The vendor's Crypto User type logs in as the user role (which holds the keys). */
	const char *cu = p ? hl_profile_quirk_value(p, "crypto_user_type") : NULL;
	if (cu && user == strtoul(cu, NULL, 0))
		user = CKU_USER;
	CK_RV rv = C_Login(h, user, pin, len);
	if (rv == CKR_OK)
		event(h, HL_FAMILY_EV_LOGIN, user_name(user));
	else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
		event(h, HL_FAMILY_EV_LOGIN_FAILED, user_name(user));
	return rv;
}

CK_RV hl_p11_q_logout(CK_SESSION_HANDLE h)
{
	CK_RV rv = C_Logout(h);
	if (rv == CKR_OK)
		event(h, HL_FAMILY_EV_LOGOUT, NULL);
	return rv;
}

/* -- signatures (audit: the sign count per key) -- */

/* Whether anyone is logged in on the session's token. */
static bool logged_in(CK_SESSION_HANDLE h)
{
	hl_session_t *s = NULL;
	bool in = false;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return false;
	in = s->slot->dev->login != HL_NOT_LOGGED_IN;
	hl_p11_unlock();
	return in;
}

/* Whether the session's device reports to a family (a vendor module's audit log). */
static bool audited(const hl_session_t *s)
{
	const hl_family_t *f = s->slot->dev->family;
	return f && f->on_event;
}

CK_RV hl_p11_q_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	/* L8: under the "no public crypto" policy nothing signs before a login, whatever the
	 * key; checked first, as the device answers before it looks at the key. */
	const hl_profile_t *p = session_profile(h);
	if (p && hl_profile_quirk(p, "no_public_crypto") && !logged_in(h))
		return CKR_USER_NOT_LOGGED_IN;
	CK_RV rv = C_SignInit(h, m, k);
	hl_session_t *s = NULL;
	if (rv != CKR_OK || hl_p11_enter(h, &s) != CKR_OK)
		return rv;
	/* The key label is the audit subject: looked up only where a family keeps a log (an
	 * extra attribute read per C_SignInit cost the strict module for nothing). */
	char label[64] = "";
	CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof(label) - 1 };
	if (audited(s) && C_GetAttributeValue(h, k, &a, 1) != CKR_OK)
		label[0] = 0;
	pthread_mutex_lock(&s->lock);
	snprintf(s->sign_key, sizeof(s->sign_key), "%s", label);
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* Timing emulation (off by default; HSMLAB_TIMING=1): a signature takes the profile's
 * per-signature time (K8 slow_signing_ms), as the device would. The environment is read
 * only for a profile that declares a time, so other devices never pay for getenv(). */
static void device_time(const char *ms)
{
	const char *on = ms ? getenv("HSMLAB_TIMING") : NULL;
	long v = on && !strcmp(on, "1") ? strtol(ms, NULL, 10) : 0;
	if (v > 0 && v < 60000) {
		struct timespec ts = { v / 1000, (v % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
}

static void signed_one(CK_SESSION_HANDLE h)
{
	hl_session_t *s = NULL;
	char key[64];
	if (hl_p11_enter(h, &s) != CKR_OK)
		return;
	const hl_profile_t *p = s->slot->dev->profile;
	const char *ms = p ? hl_profile_quirk_value(p, "slow_signing_ms") : NULL;
	if (audited(s)) {
		pthread_mutex_lock(&s->lock);
		memcpy(key, s->sign_key, sizeof(key));
		pthread_mutex_unlock(&s->lock);
		hl_device_event(s->slot->dev, HL_FAMILY_EV_SIGN, key);
	}
	hl_p11_unlock();
	device_time(ms);
}

CK_RV hl_p11_q_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
		    CK_ULONG_PTR sl)
{
	CK_RV rv = C_Sign(h, d, dl, sig, sl);
	if (rv == CKR_OK && sig)
		signed_one(h);
	return rv;
}

CK_RV hl_p11_q_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sl)
{
	CK_RV rv = C_SignFinal(h, sig, sl);
	if (rv == CKR_OK && sig)
		signed_one(h);
	return rv;
}

/* -- session close (audit: the pending sign counts are written) -- */

/* The device of session h when a family keeps its log, else NULL. Devices live until
 * C_Finalize, so the pointer outlives the session. */
static hl_device_t *audited_device(CK_SESSION_HANDLE h)
{
	hl_session_t *s = NULL;
	hl_device_t *dev = NULL;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return NULL;
	if (audited(s))
		dev = s->slot->dev;
	hl_p11_unlock();
	return dev;
}

CK_RV hl_p11_q_close_session(CK_SESSION_HANDLE h)
{
	hl_device_t *dev = audited_device(h);
	CK_RV rv = C_CloseSession(h);
	if (rv == CKR_OK && dev)
		hl_device_event(dev, HL_FAMILY_EV_SESSION_CLOSED, NULL);
	return rv;
}

CK_RV hl_p11_q_close_all_sessions(CK_SLOT_ID id)
{
	CK_RV rv = C_CloseAllSessions(id);
	if (rv != CKR_OK)
		return rv;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(id);
	if (slot && slot->dev->family && slot->dev->family->on_event)
		hl_device_event(slot->dev, HL_FAMILY_EV_SESSION_CLOSED, NULL);
	hl_p11_unlock();
	return rv;
}

/* -- slot list (G9) -- */

static bool slotlist_false_seen; /* atomic: C_GetSlotList(CK_FALSE) was called */

/* Whether slot id is hidden from C_GetSlotList(CK_TRUE): its profile switches G9 on and no
 * C_GetSlotList(CK_FALSE) came yet. */
static bool hidden_slot(CK_SLOT_ID id)
{
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(id);
	bool hide = slot && slot->dev->profile &&
		    hl_profile_quirk(slot->dev->profile, "token_after_slotlist_false");
	hl_p11_unlock();
	return hide;
}

CK_RV hl_p11_q_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_ULONG n = 0, k = 0;
	if (!present || __atomic_load_n(&slotlist_false_seen, __ATOMIC_RELAXED)) {
		CK_RV rv = C_GetSlotList(present, list, count);
		if (rv == CKR_OK && !present)
			__atomic_store_n(&slotlist_false_seen, true, __ATOMIC_RELAXED);
		return rv;
	}
	CK_RV rv = count ? C_GetSlotList(present, NULL, &n) : CKR_ARGUMENTS_BAD;
	CK_SLOT_ID *all = rv == CKR_OK ? calloc(n ? n : 1, sizeof(*all)) : NULL;
	if (rv == CKR_OK && !all)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = C_GetSlotList(present, all, &n);
	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++) {
		if (hidden_slot(all[i]))
			continue;
		if (list && k < *count)
			list[k] = all[i];
		k++;
	}
	if (rv == CKR_OK && list && k > *count)
		rv = CKR_BUFFER_TOO_SMALL;
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*count = k;
	free(all);
	return rv;
}

/* -- token info (K4) -- */

CK_RV hl_p11_q_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = C_GetTokenInfo(id, info);
	if (rv != CKR_OK)
		return rv;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(id);
	const char *v =
	    slot && slot->dev->profile
		? hl_profile_quirk_value(slot->dev->profile, "serial_hidden_until_login")
		: NULL;
	if (v && slot->dev->login == HL_NOT_LOGGED_IN) {
		size_t n = strlen(v);
		memset(info->serialNumber, ' ', sizeof(info->serialNumber));
		memcpy(info->serialNumber, v, n < 16 ? n : 16);
	}
	hl_p11_unlock();
	return CKR_OK;
}

/* -- object templates (K2, L8, L9) -- */

CK_RV hl_p11_q_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
				   CK_ULONG n)
{
	const hl_profile_t *p = session_profile(h);
	if (p && hl_profile_quirk(p, "labels_immutable") && find_attr(t, n, CKA_LABEL))
		return rv_value(hl_profile_quirk_value(p, "label_change_error"),
				CKR_ATTRIBUTE_READ_ONLY);
	return C_SetAttributeValue(h, obj, t, n);
}

/* L8: a library that knows no CKA_ALWAYS_AUTHENTICATE answers it like an unknown type. */
CK_RV hl_p11_q_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
				   CK_ULONG n)
{
	const hl_profile_t *p = session_profile(h);
	CK_RV rv = C_GetAttributeValue(h, obj, t, n);
	if (!p || !hl_profile_quirk(p, "no_always_authenticate") || !t)
		return rv;
	if (rv != CKR_OK && rv != CKR_ATTRIBUTE_SENSITIVE && rv != CKR_ATTRIBUTE_TYPE_INVALID &&
	    rv != CKR_BUFFER_TOO_SMALL)
		return rv; /* no such object, session, ...: nothing was filled in */
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == CKA_ALWAYS_AUTHENTICATE) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = rv == CKR_OK ? CKR_ATTRIBUTE_TYPE_INVALID : rv;
		}
	return rv;
}

/* The template checks the vendor library makes before any call reaches the device. */
static CK_RV template_check(const hl_profile_t *p, const CK_ATTRIBUTE *t, CK_ULONG n, bool secret)
{
	if (!p)
		return CKR_OK;
	if (hl_profile_quirk(p, "no_always_authenticate") &&
	    find_attr(t, n, CKA_ALWAYS_AUTHENTICATE))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (secret && hl_profile_quirk(p, "refuse_nonsensitive_secret") &&
	    attr_false(find_attr(t, n, CKA_SENSITIVE)))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

static bool secret_class(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	const CK_ATTRIBUTE *c = find_attr(t, n, CKA_CLASS);
	return c && c->pValue && c->ulValueLen == sizeof(CK_OBJECT_CLASS) &&
	       *(CK_OBJECT_CLASS *)c->pValue == CKO_SECRET_KEY;
}

CK_RV hl_p11_q_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			     CK_OBJECT_HANDLE_PTR out)
{
	CK_RV rv = template_check(session_profile(h), t, n, secret_class(t, n));
	return rv == CKR_OK ? C_CreateObject(h, t, n, out) : rv;
}

CK_RV hl_p11_q_generate_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			    CK_OBJECT_HANDLE_PTR out)
{
	CK_RV rv = template_check(session_profile(h), t, n, true);
	if (rv == CKR_OK)
		rv = C_GenerateKey(h, m, t, n, out);
	if (rv == CKR_OK) {
		char label[64];
		label_of(t, n, label, sizeof(label));
		event(h, HL_FAMILY_EV_KEYGEN, label);
	}
	return rv;
}

CK_RV hl_p11_q_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt,
				 CK_ULONG pn, CK_ATTRIBUTE_PTR kt, CK_ULONG kn,
				 CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv)
{
	CK_RV rv = template_check(session_profile(h), kt, kn, false);
	if (rv == CKR_OK)
		rv = C_GenerateKeyPair(h, m, pt, pn, kt, kn, pub, priv);
	if (rv == CKR_OK) {
		char label[64];
		label_of(kt, kn, label, sizeof(label));
		event(h, HL_FAMILY_EV_KEYGEN, label);
	}
	return rv;
}

/* -- functions the vendor library lacks (K8) -- */

CK_RV hl_p11_q_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			   CK_OBJECT_HANDLE_PTR out)
{
	return missing(session_profile(h), "C_CopyObject") ? CKR_FUNCTION_NOT_SUPPORTED
							   : C_CopyObject(h, o, t, n, out);
}

CK_RV hl_p11_q_get_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG_PTR len)
{
	return missing(session_profile(h), "C_GetOperationState") ? CKR_FUNCTION_NOT_SUPPORTED
								  : C_GetOperationState(h, st, len);
}

CK_RV hl_p11_q_set_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG len,
				   CK_OBJECT_HANDLE ek, CK_OBJECT_HANDLE ak)
{
	return missing(session_profile(h), "C_SetOperationState")
		   ? CKR_FUNCTION_NOT_SUPPORTED
		   : C_SetOperationState(h, st, len, ek, ak);
}

CK_RV hl_p11_q_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	return missing(session_profile(h), "C_DigestKey") ? CKR_FUNCTION_NOT_SUPPORTED
							  : C_DigestKey(h, k);
}

CK_RV hl_p11_q_sign_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return missing(session_profile(h), "C_SignRecoverInit") ? CKR_FUNCTION_NOT_SUPPORTED
								: C_SignRecoverInit(h, m, k);
}

CK_RV hl_p11_q_verify_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return missing(session_profile(h), "C_VerifyRecoverInit") ? CKR_FUNCTION_NOT_SUPPORTED
								  : C_VerifyRecoverInit(h, m, k);
}
