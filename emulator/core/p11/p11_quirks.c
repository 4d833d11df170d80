/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the vendor-behaviour filter layer (hl_p11_vendor_layer, hl_p11_quirks.h).
 * Profile switches of the vendor rows (K*, L*; the registry's VENDOR rows) that change what a
 * client sees of a plain PKCS#11 call are applied here, in one place: the layer overrides
 * the affected entries (p11-kit-filter style), each reads its switch's resolved field in the
 * device's profile and otherwise passes the call on to the layer below unchanged. Switches carried
 * by data alone (mechanism lists, limits, PIN rules) need no filter. The same layer reports the
 * security-relevant operations (login, keygen, signatures) to the device's family for its audit
 * log. See emulator/doc/families.md. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsmlab/p11client.h"
#include "p11_quirks_int.h"

/* The stack beneath this layer: every filtered call goes on through it. */
static const CK_FUNCTION_LIST_3_0 *const below = &hl_p11_vendor_layer.below;

/* A CK_ULONG template value: the caller's buffer, which PKCS#11 does not promise is aligned
 * (found by fuzz/p11.c), so it is copied, never dereferenced. */
static CK_ULONG ulong_value(const CK_ATTRIBUTE *a)
{
	CK_ULONG v;
	memcpy(&v, a->pValue, sizeof(v));
	return v;
}

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

static bool attr_false(const CK_ATTRIBUTE *a)
{
	return a && a->pValue && a->ulValueLen == sizeof(CK_BBOOL) && !*(CK_BBOOL *)a->pValue;
}

/* K8: whether the profile lists the function among those the vendor library lacks. */
static bool missing(const hl_profile_t *p, const char *fn)
{
	const char *v = p ? p->core.missing_functions : NULL;
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

/* -- timing model (issue 5; off by default, see families.md "Timing") -- */

/* The call's start, taken only when timing emulation is on (else zero: nothing is slept). */
static struct timespec call_start(void)
{
	struct timespec t = { 0, 0 };
	if (hl_p11_timing())
		clock_gettime(CLOCK_MONOTONIC, &t);
	return t;
}

/* ms of device work plus, for a network-attached device, one round trip (0 stays 0: no
 * figure declared, no wait). */
static uint64_t device_ns(const hl_profile_t *p, uint64_t ms)
{
	return ms ? (ms + p->timing.round_trip_ms) * 1000000ULL : 0;
}

/* Sleeps until ns after start (an absolute deadline), so the call takes the declared time in
 * total and never less than its real work. */
static void take_until(const struct timespec *start, uint64_t ns)
{
	if (!ns || (!start->tv_sec && !start->tv_nsec))
		return;
	struct timespec d = { start->tv_sec + (time_t)(ns / 1000000000ULL),
			      start->tv_nsec + (long)(ns % 1000000000ULL) };
	if (d.tv_nsec >= 1000000000L) {
		d.tv_sec++;
		d.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &d, NULL) == EINTR)
		;
}

/* Key size of a named curve's DER OID (the curves the profiles offer), else 0. */
static CK_ULONG ec_bits(const CK_ATTRIBUTE *a)
{
	static const struct {
		CK_ULONG bits;
		CK_ULONG len;
		CK_BYTE oid[10];
	} curves[] = {
		{ 256, 10, { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 } },
		{ 384, 7, { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 } },
		{ 521, 7, { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 } },
	};
	for (size_t i = 0; a && a->pValue && i < sizeof(curves) / sizeof(curves[0]); i++)
		if (a->ulValueLen == curves[i].len &&
		    !memcmp(a->pValue, curves[i].oid, a->ulValueLen))
			return curves[i].bits;
	return 0;
}

/* The size of key k in bits (RSA modulus length, private keys have no CKA_MODULUS_BITS; or
 * the EC curve), 0 when unknown. */
static CK_ULONG key_bits(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	CK_BYTE params[16];
	CK_ATTRIBUTE a = { CKA_MODULUS, NULL, 0 };
	if (hl_p11_C_GetAttributeValue(h, k, &a, 1) == CKR_OK &&
	    a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
		return 8 * a.ulValueLen;
	a = (CK_ATTRIBUTE){ CKA_EC_PARAMS, params, sizeof(params) };
	return hl_p11_C_GetAttributeValue(h, k, &a, 1) == CKR_OK ? ec_bits(&a) : 0;
}

/* The key type and size a key generation template asks for (mechanism, then template). */
static CK_ULONG keygen_ms(const hl_profile_t *p, const CK_MECHANISM *m, const CK_ATTRIBUTE *t,
			  CK_ULONG n)
{
	const CK_ATTRIBUTE *kt = find_attr(t, n, CKA_KEY_TYPE);
	const CK_ATTRIBUTE *mb = find_attr(t, n, CKA_MODULUS_BITS);
	const CK_ATTRIBUTE *vl = find_attr(t, n, CKA_VALUE_LEN);
	CK_KEY_TYPE type = kt && kt->pValue && kt->ulValueLen == sizeof(type)
			       ? ulong_value(kt)
			       : CK_UNAVAILABLE_INFORMATION;
	CK_ULONG bits = 0;
	if (!p || !p->timing.n_keygen || !m)
		return 0;
	if (m->mechanism == CKM_RSA_PKCS_KEY_PAIR_GEN || m->mechanism == CKM_RSA_X9_31_KEY_PAIR_GEN)
		type = CKK_RSA;
	else if (m->mechanism == CKM_EC_KEY_PAIR_GEN)
		type = CKK_EC;
	else if (m->mechanism == CKM_AES_KEY_GEN)
		type = CKK_AES;
	else if (m->mechanism == CKM_GENERIC_SECRET_KEY_GEN)
		type = CKK_GENERIC_SECRET;
	if (mb && mb->pValue && mb->ulValueLen == sizeof(CK_ULONG))
		bits = ulong_value(mb);
	else if (vl && vl->pValue && vl->ulValueLen == sizeof(CK_ULONG))
		bits = 8 * ulong_value(vl);
	else
		bits = ec_bits(find_attr(t, n, CKA_EC_PARAMS));
	return hl_profile_keygen_ms(p, type, bits);
}

/* The family's gate on a login of session h (e.g. K10/L2 activation), CKR_OK without one;
 * an invalid handle passes, for C_Login to report. */
static CK_RV login_gate(CK_SESSION_HANDLE h, CK_USER_TYPE user)
{
	hl_session_t *s = NULL;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return CKR_OK;
	CK_RV rv = hl_device_login_gate(s->slot->dev, user);
	hl_p11_unlock();
	return rv;
}

/* The family's own credential check of a login of session h (L1's Crypto User, L2's
 * challenge secret): HL_FAMILY_LOGIN_CORE when the core checks the PIN. */
static CK_RV login_check(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	hl_session_t *s = NULL;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return HL_FAMILY_LOGIN_CORE;
	hl_device_t *dev = s->slot->dev;
	CK_RV rv = HL_FAMILY_LOGIN_CORE;
	if (!dev->broken && dev->store && dev->family && dev->family->login_check) {
		pthread_mutex_lock(&dev->lock);
		rv = dev->family->login_check(dev, user, pin, len);
		pthread_mutex_unlock(&dev->lock);
	}
	hl_p11_unlock();
	return rv;
}

/* The family's gate on creating objects in session h (L1: a Crypto User only signs). */
static CK_RV create_gate(CK_SESSION_HANDLE h)
{
	hl_session_t *s = NULL;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return CKR_OK;
	hl_device_t *dev = s->slot->dev;
	CK_RV rv = CKR_OK;
	if (!dev->broken && dev->store && dev->family && dev->family->create_gate) {
		pthread_mutex_lock(&dev->lock);
		rv = dev->family->create_gate(dev);
		pthread_mutex_unlock(&dev->lock);
	}
	hl_p11_unlock();
	return rv;
}

/* -- login (L1; the family's gate: K10, L2) -- */

static CK_RV hl_p11_q_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
			    CK_ULONG len)
{
	struct timespec t0 = call_start();
	const hl_profile_t *p = session_profile(h);
	if (p && user == CKU_CONTEXT_SPECIFIC && p->core.context_specific_login_invalid)
		return CKR_USER_TYPE_INVALID;
	CK_RV gate = login_gate(h, user);
	if (gate != CKR_OK)
		return gate;
	CK_RV own = login_check(h, user, pin, len);
	if (own != HL_FAMILY_LOGIN_CORE) {
		if (p)
			take_until(&t0, device_ns(p, p->timing.login_ms));
		return own; /* the family audited it */
	}
	/* The vendor's Crypto User type logs in as the user role (which holds the keys). */
	if (p && p->core.crypto_user_type && user == p->core.crypto_user_type)
		user = CKU_USER;
	CK_RV rv = below->C_Login(h, user, pin, len);
	if (rv == CKR_OK)
		event(h, HL_FAMILY_EV_LOGIN, user_name(user));
	else if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LOCKED)
		event(h, HL_FAMILY_EV_LOGIN_FAILED, user_name(user));
	/* The device checks the PIN either way: a wrong one takes as long. */
	if (p)
		take_until(&t0, device_ns(p, p->timing.login_ms));
	return rv;
}

static CK_RV hl_p11_q_logout(CK_SESSION_HANDLE h)
{
	CK_RV rv = below->C_Logout(h);
	if (rv == CKR_OK)
		event(h, HL_FAMILY_EV_LOGOUT, NULL);
	return rv;
}

/* -- signatures (audit: the sign count per key) -- */

/* Whether the session's device reports to a family (a vendor module's audit log). */
static bool audited(const hl_session_t *s)
{
	const hl_family_t *f = s->slot->dev->family;
	return f && f->on_event;
}

static CK_RV hl_p11_q_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	hl_session_t *s = NULL;
	const hl_profile_t *p = NULL;
	bool refuse = false, audit = false;
	if (hl_p11_enter(h, &s) == CKR_OK) {
		p = s->slot->dev->profile;
		/* L8: under the "no public crypto" policy nothing signs before a login, whatever
		 * the key; checked first, as the device answers before it looks at the key. */
		refuse = p && p->core.no_public_crypto && s->slot->dev->login == HL_NOT_LOGGED_IN;
		audit = audited(s);
		hl_p11_unlock();
	}
	if (refuse)
		return CKR_USER_NOT_LOGGED_IN;
	CK_RV rv = below->C_SignInit(h, m, k);
	if (rv != CKR_OK)
		return rv;
	/* The key label is the audit subject: looked up only where a family keeps a log (an
	 * extra attribute read per C_SignInit cost the strict module for nothing); the key size
	 * only when timing emulation is on and the profile declares times for signatures. */
	char label[64] = "";
	CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof(label) - 1 };
	if (audit && hl_p11_C_GetAttributeValue(h, k, &a, 1) != CKR_OK)
		label[0] = 0;
	uint64_t ns = p && p->timing.n_sign && m && hl_p11_timing()
			  ? hl_profile_sign_ns(p, m->mechanism, key_bits(h, k))
			  : 0;
	if (ns)
		ns += (uint64_t)p->timing.round_trip_ms * 1000000ULL;
	/* Without a log and without signing times both stay empty for good (the family and the
	 * profile are the device's for its life): nothing to store, no second session lookup. */
	if (!audit && !(p && p->timing.n_sign))
		return rv;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	size_t n = strnlen(label, sizeof(s->sign_key) - 1);
	memcpy(s->sign_key, label, n);
	s->sign_key[n] = 0;
	s->sign_ns = ns;
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* A signature was made: counted for the audit log, and (timing emulation) made to last the
 * device's time for one signature from the call's start t0. */
static void signed_one(CK_SESSION_HANDLE h, const struct timespec *t0)
{
	hl_session_t *s = NULL;
	char key[64];
	uint64_t ns;
	if (hl_p11_enter(h, &s) != CKR_OK)
		return;
	bool audit = audited(s);
	pthread_mutex_lock(&s->lock);
	memcpy(key, s->sign_key, sizeof(key));
	ns = s->sign_ns;
	pthread_mutex_unlock(&s->lock);
	if (audit)
		hl_device_event(s->slot->dev, HL_FAMILY_EV_SIGN, key);
	hl_p11_unlock();
	take_until(t0, ns);
}

static CK_RV hl_p11_q_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
			   CK_ULONG_PTR sl)
{
	struct timespec t0 = call_start();
	CK_RV rv = below->C_Sign(h, d, dl, sig, sl);
	if (rv == CKR_OK && sig)
		signed_one(h, &t0);
	return rv;
}

static CK_RV hl_p11_q_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sl)
{
	struct timespec t0 = call_start();
	CK_RV rv = below->C_SignFinal(h, sig, sl);
	if (rv == CKR_OK && sig)
		signed_one(h, &t0);
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

static CK_RV hl_p11_q_close_session(CK_SESSION_HANDLE h)
{
	hl_device_t *dev = audited_device(h);
	CK_RV rv = below->C_CloseSession(h);
	if (rv == CKR_OK && dev)
		hl_device_event(dev, HL_FAMILY_EV_SESSION_CLOSED, NULL);
	return rv;
}

static CK_RV hl_p11_q_close_all_sessions(CK_SLOT_ID id)
{
	CK_RV rv = below->C_CloseAllSessions(id);
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

static bool slotlist_false_seen; /* atomic: below->C_GetSlotList(CK_FALSE) was called */

/* Whether slot id is hidden from below->C_GetSlotList(CK_TRUE): its profile switches G9 on and no
 * below->C_GetSlotList(CK_FALSE) came yet. */
static bool hidden_slot(CK_SLOT_ID id)
{
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(id);
	bool hide =
	    slot && slot->dev->profile && slot->dev->profile->core.token_after_slotlist_false;
	hl_p11_unlock();
	return hide;
}

static CK_RV hl_p11_q_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	CK_ULONG n = 0, k = 0;
	if (!present || __atomic_load_n(&slotlist_false_seen, __ATOMIC_RELAXED)) {
		CK_RV rv = below->C_GetSlotList(present, list, count);
		if (rv == CKR_OK && !present)
			__atomic_store_n(&slotlist_false_seen, true, __ATOMIC_RELAXED);
		return rv;
	}
	CK_RV rv = count ? below->C_GetSlotList(present, NULL, &n) : CKR_ARGUMENTS_BAD;
	CK_SLOT_ID *all = rv == CKR_OK ? calloc(n ? n : 1, sizeof(*all)) : NULL;
	if (rv == CKR_OK && !all)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = below->C_GetSlotList(present, all, &n);
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

static CK_RV hl_p11_q_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv = below->C_GetTokenInfo(id, info);
	if (rv != CKR_OK)
		return rv;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(id);
	const char *v =
	    slot && slot->dev->profile ? slot->dev->profile->core.serial_hidden_until_login : NULL;
	if (v && slot->dev->login == HL_NOT_LOGGED_IN) {
		size_t n = strlen(v);
		memset(info->serialNumber, ' ', sizeof(info->serialNumber));
		memcpy(info->serialNumber, v, n < 16 ? n : 16);
	}
	hl_device_t *dev = slot ? slot->dev : NULL;
	if (dev && !dev->broken && dev->store && dev->family && dev->family->token_info) {
		pthread_mutex_lock(&dev->lock);
		dev->family->token_info(dev, info);
		pthread_mutex_unlock(&dev->lock);
	}
	hl_p11_unlock();
	return CKR_OK;
}

/* -- object templates (K2, L8, L9) -- */

static CK_RV hl_p11_q_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
					  CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	const hl_profile_t *p = session_profile(h);
	if (p && p->core.labels_immutable && find_attr(t, n, CKA_LABEL)) {
		/* The handle first, as the spec orders the errors: a label "change" of an object
		 * that does not exist (or is not visible) is CKR_OBJECT_HANDLE_INVALID, never the
		 * K2 refusal. CKA_CLASS is never sensitive, so only a bad handle fails here. */
		CK_OBJECT_CLASS cls;
		CK_ATTRIBUTE probe = { CKA_CLASS, &cls, sizeof(cls) };
		CK_RV rv = below->C_GetAttributeValue(h, obj, &probe, 1);
		if (rv != CKR_OK)
			return rv;
		return p->core.label_change_error ? p->core.label_change_error
						  : CKR_ATTRIBUTE_READ_ONLY;
	}
	return below->C_SetAttributeValue(h, obj, t, n);
}

/* L8: a library that knows no CKA_ALWAYS_AUTHENTICATE answers it like an unknown type. */
static CK_RV hl_p11_q_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
					  CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	const hl_profile_t *p = session_profile(h);
	CK_RV rv = below->C_GetAttributeValue(h, obj, t, n);
	if (!p || !p->core.no_always_authenticate || !t)
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
	if (p->core.no_always_authenticate && find_attr(t, n, CKA_ALWAYS_AUTHENTICATE))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (secret && p->core.refuse_nonsensitive_secret &&
	    attr_false(find_attr(t, n, CKA_SENSITIVE)))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return CKR_OK;
}

static bool secret_class(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	const CK_ATTRIBUTE *c = find_attr(t, n, CKA_CLASS);
	return c && c->pValue && c->ulValueLen == sizeof(CK_OBJECT_CLASS) &&
	       ulong_value(c) == CKO_SECRET_KEY;
}

/* L9: every secret key on the device is sensitive, so a template that does not name
 * CKA_SENSITIVE gets CK_TRUE (the core keeps the spec's CK_FALSE default for strict). *out
 * is t itself, or a copy with the attribute added (free it when it differs from t). */
static CK_RV l9_sensitive(const hl_profile_t *p, CK_ATTRIBUTE_PTR t, CK_ULONG n, bool secret,
			  CK_ATTRIBUTE_PTR *out)
{
	static CK_BBOOL yes = CK_TRUE;
	*out = t;
	if (!p || !secret || !p->core.refuse_nonsensitive_secret || (!t && n) ||
	    find_attr(t, n, CKA_SENSITIVE))
		return CKR_OK;
	CK_ATTRIBUTE_PTR c = calloc(n + 1, sizeof(*c));
	if (!c)
		return CKR_HOST_MEMORY;
	if (n)
		memcpy(c, t, n * sizeof(*c));
	c[n] = (CK_ATTRIBUTE){ CKA_SENSITIVE, &yes, sizeof(yes) };
	*out = c;
	return CKR_OK;
}

static CK_RV hl_p11_q_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
				    CK_OBJECT_HANDLE_PTR out)
{
	const hl_profile_t *p = session_profile(h);
	CK_ATTRIBUTE_PTR tt = t;
	bool secret = secret_class(t, n);
	CK_RV rv = template_check(p, t, n, secret);
	if (rv == CKR_OK)
		rv = create_gate(h);
	if (rv == CKR_OK)
		rv = l9_sensitive(p, t, n, secret, &tt);
	if (rv == CKR_OK)
		rv = below->C_CreateObject(h, tt, n + (tt != t), out);
	if (tt != t)
		free(tt);
	return rv;
}

static CK_RV hl_p11_q_generate_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t,
				   CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	struct timespec t0 = call_start();
	const hl_profile_t *p = session_profile(h);
	CK_ATTRIBUTE_PTR tt = t;
	CK_RV rv = template_check(p, t, n, true);
	if (rv == CKR_OK)
		rv = create_gate(h);
	if (rv == CKR_OK)
		rv = l9_sensitive(p, t, n, true, &tt);
	if (rv == CKR_OK)
		rv = below->C_GenerateKey(h, m, tt, n + (tt != t), out);
	if (tt != t)
		free(tt);
	if (rv == CKR_OK) {
		char label[64];
		label_of(t, n, label, sizeof(label));
		event(h, HL_FAMILY_EV_KEYGEN, label);
		take_until(&t0, device_ns(p, keygen_ms(p, m, t, n)));
	}
	return rv;
}

static CK_RV hl_p11_q_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
					CK_ATTRIBUTE_PTR pt, CK_ULONG pn, CK_ATTRIBUTE_PTR kt,
					CK_ULONG kn, CK_OBJECT_HANDLE_PTR pub,
					CK_OBJECT_HANDLE_PTR priv)
{
	struct timespec t0 = call_start();
	const hl_profile_t *p = session_profile(h);
	CK_RV rv = template_check(p, kt, kn, false);
	if (rv == CKR_OK)
		rv = create_gate(h);
	if (rv == CKR_OK)
		rv = below->C_GenerateKeyPair(h, m, pt, pn, kt, kn, pub, priv);
	if (rv == CKR_OK) {
		char label[64];
		label_of(kt, kn, label, sizeof(label));
		event(h, HL_FAMILY_EV_KEYGEN, label);
		take_until(&t0, device_ns(p, keygen_ms(p, m, pt, pn)));
	}
	return rv;
}

/* -- functions the vendor library lacks (K8) -- */

static CK_RV hl_p11_q_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
				  CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	if (missing(session_profile(h), "C_CopyObject"))
		return CKR_FUNCTION_NOT_SUPPORTED;
	CK_RV rv = create_gate(h);
	return rv == CKR_OK ? below->C_CopyObject(h, o, t, n, out) : rv;
}

static CK_RV hl_p11_q_get_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG_PTR len)
{
	return missing(session_profile(h), "C_GetOperationState")
		   ? CKR_FUNCTION_NOT_SUPPORTED
		   : below->C_GetOperationState(h, st, len);
}

static CK_RV hl_p11_q_set_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG len,
					  CK_OBJECT_HANDLE ek, CK_OBJECT_HANDLE ak)
{
	return missing(session_profile(h), "C_SetOperationState")
		   ? CKR_FUNCTION_NOT_SUPPORTED
		   : below->C_SetOperationState(h, st, len, ek, ak);
}

static CK_RV hl_p11_q_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	return missing(session_profile(h), "C_DigestKey") ? CKR_FUNCTION_NOT_SUPPORTED
							  : below->C_DigestKey(h, k);
}

static CK_RV hl_p11_q_sign_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return missing(session_profile(h), "C_SignRecoverInit") ? CKR_FUNCTION_NOT_SUPPORTED
								: below->C_SignRecoverInit(h, m, k);
}

static CK_RV hl_p11_q_verify_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
					  CK_OBJECT_HANDLE k)
{
	return missing(session_profile(h), "C_VerifyRecoverInit")
		   ? CKR_FUNCTION_NOT_SUPPORTED
		   : below->C_VerifyRecoverInit(h, m, k);
}

/* Unwrapped and derived keys are made from templates too (L8, L9); without CKA_CLASS the
 * core makes a secret key. */
static bool made_secret(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	return !find_attr(t, n, CKA_CLASS) || secret_class(t, n);
}

static CK_RV hl_p11_q_unwrap_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE kek,
				 CK_BYTE_PTR w, CK_ULONG wl, CK_ATTRIBUTE_PTR t, CK_ULONG n,
				 CK_OBJECT_HANDLE_PTR out)
{
	const hl_profile_t *p = session_profile(h);
	CK_ATTRIBUTE_PTR tt = t;
	bool secret = made_secret(t, n);
	CK_RV rv = template_check(p, t, n, secret);
	if (rv == CKR_OK)
		rv = l9_sensitive(p, t, n, secret, &tt);
	if (rv == CKR_OK)
		rv = below->C_UnwrapKey(h, m, kek, w, wl, tt, n + (tt != t), out);
	if (tt != t)
		free(tt);
	return rv;
}

static CK_RV hl_p11_q_derive_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE base,
				 CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	const hl_profile_t *p = session_profile(h);
	CK_ATTRIBUTE_PTR tt = t;
	bool secret = made_secret(t, n);
	CK_RV rv = template_check(p, t, n, secret);
	if (rv == CKR_OK)
		rv = l9_sensitive(p, t, n, secret, &tt);
	if (rv == CKR_OK)
		rv = below->C_DeriveKey(h, m, base, tt, n + (tt != t), out);
	if (tt != t)
		free(tt);
	return rv;
}

/* -- the layer: the entries the vendor behaviours change -- */

static const CK_FUNCTION_LIST_3_0 vendor_over = {
	.C_GetSlotList = hl_p11_q_get_slot_list,
	.C_GetTokenInfo = hl_p11_q_get_token_info,
	.C_CloseSession = hl_p11_q_close_session,
	.C_CloseAllSessions = hl_p11_q_close_all_sessions,
	.C_GetOperationState = hl_p11_q_get_operation_state,
	.C_SetOperationState = hl_p11_q_set_operation_state,
	.C_Login = hl_p11_q_login,
	.C_Logout = hl_p11_q_logout,
	.C_CreateObject = hl_p11_q_create_object,
	.C_CopyObject = hl_p11_q_copy_object,
	.C_GetAttributeValue = hl_p11_q_get_attribute_value,
	.C_SetAttributeValue = hl_p11_q_set_attribute_value,
	.C_DigestKey = hl_p11_q_digest_key,
	.C_SignInit = hl_p11_q_sign_init,
	.C_Sign = hl_p11_q_sign,
	.C_SignFinal = hl_p11_q_sign_final,
	.C_SignRecoverInit = hl_p11_q_sign_recover_init,
	.C_VerifyRecoverInit = hl_p11_q_verify_recover_init,
	.C_GenerateKey = hl_p11_q_generate_key,
	.C_GenerateKeyPair = hl_p11_q_generate_key_pair,
	.C_UnwrapKey = hl_p11_q_unwrap_key,
	.C_DeriveKey = hl_p11_q_derive_key,
};

hl_p11_layer_t hl_p11_vendor_layer = { .name = "vendor", .over = &vendor_over };
