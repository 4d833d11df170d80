/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the general G-row quirk filters (QUIRKS.md G1-G17). Any profile, a user's
 * own included, can switch these rows on and combine them (emulator/doc/general-quirks.md).
 * The function tables point the entries at these filters; each chains to the vendor filter
 * of p11_quirks.c where one exists, else to the plain C_* call. The switches are resolved
 * once when the profile loads (hl_profile_general_t); while no loaded profile has one on,
 * every filter passes straight through without a session lookup, so the signing path of a
 * profile without them costs one relaxed load. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/hl_crypto.h"
#include "p11/hl_p11.h"
#include "p11/hl_p11_quirks.h"

/* -- state of the filters: per device, per search; reset by C_Initialize -- */

typedef struct {
	const hl_device_t *dev;
	CK_ULONG ops;     /* G3: signatures since the login */
	int64_t login_at; /* G3: device time of the login */
	unsigned opens;   /* G4: C_OpenSession and C_Login calls so far */
	bool horizon_set; /* G12: objects with higher ids came from another process */
	uint64_t horizon; /* ... unless this process made them (own) */
	uint64_t *own;
	size_t n_own;
	int64_t window;     /* G13: the monotonic second being counted */
	CK_ULONG in_window; /* G13: signatures in it */
} dev_state_t;

typedef struct {
	CK_SESSION_HANDLE h;
	unsigned opens; /* G4: the device's count when the search began */
} find_state_t;

static pthread_mutex_t state_lock = PTHREAD_MUTEX_INITIALIZER;
static dev_state_t *devs;
static size_t n_devs;
static find_state_t *finds;
static size_t n_finds;

static void state_reset(void)
{
	pthread_mutex_lock(&state_lock);
	for (size_t i = 0; i < n_devs; i++)
		free(devs[i].own);
	free(devs);
	free(finds);
	devs = NULL;
	finds = NULL;
	n_devs = n_finds = 0;
	pthread_mutex_unlock(&state_lock);
}

/* The state of dev (state_lock held), made on first use; NULL without memory. */
static dev_state_t *dev_state(const hl_device_t *dev)
{
	for (size_t i = 0; i < n_devs; i++)
		if (devs[i].dev == dev)
			return &devs[i];
	dev_state_t *v = reallocarray(devs, n_devs + 1, sizeof(*v));
	if (!v)
		return NULL;
	devs = v;
	memset(&v[n_devs], 0, sizeof(v[n_devs]));
	v[n_devs].dev = dev;
	return &v[n_devs++];
}

/* The general switches of session h's device and the device, or NULL when no switch is on
 * (or h is no session: the base call then reports that). */
static const hl_profile_general_t *general_of(CK_SESSION_HANDLE h, hl_device_t **dev)
{
	hl_session_t *s = NULL;
	if (!hl_profile_general_loaded() || hl_p11_enter(h, &s) != CKR_OK)
		return NULL;
	const hl_profile_t *p = s->slot->dev->profile;
	if (dev)
		*dev = s->slot->dev;
	hl_p11_unlock();
	return p && p->general.any ? &p->general : NULL;
}

static const CK_ATTRIBUTE *find_attr(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; t && i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

static bool logged_in(const hl_device_t *dev)
{
	return __atomic_load_n(&dev->login, __ATOMIC_RELAXED) != HL_NOT_LOGGED_IN;
}

CK_RV hl_p11_qg_initialize(CK_VOID_PTR args)
{
	CK_RV rv = hl_p11_C_Initialize(args);
	if (rv == CKR_OK)
		state_reset(); /* a restart (or a forked child): nothing carries over */
	return rv;
}

CK_RV hl_p11_qg_finalize(CK_VOID_PTR reserved)
{
	CK_RV rv = hl_p11_C_Finalize(reserved);
	if (rv == CKR_OK)
		state_reset(); /* freed before the module may be unloaded */
	return rv;
}

/* -- G3: sessions silently logged out -- */

/* Host time through libc, so libfaketime shifts it as it shifts the device clock (the
 * core's devices keep no clock offset of their own: that is the vendor families'). */
static int64_t now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec;
}

/* The device drops its login without telling anyone (the client sees it only through
 * C_GetSessionInfo or a refused operation). */
static void drop_login(hl_device_t *dev)
{
	hl_p11_rdlock();
	hl_device_logout(dev);
	hl_p11_unlock();
}

/* G3 after silent_logout_after_s device seconds: checked lazily by the filtered calls. */
static void login_expiry(const hl_profile_general_t *g, hl_device_t *dev)
{
	bool drop = false;
	if (!g || !g->logout_after_s || !logged_in(dev))
		return;
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	drop = d && now_s() - d->login_at >= (int64_t)g->logout_after_s;
	pthread_mutex_unlock(&state_lock);
	if (drop)
		drop_login(dev);
}

/* G3 after silent_logout signatures. */
static void count_signature(const hl_profile_general_t *g, hl_device_t *dev)
{
	bool drop = false;
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	if (d && ++d->ops >= g->logout_after_ops) {
		d->ops = 0;
		drop = true;
	}
	pthread_mutex_unlock(&state_lock);
	if (drop)
		drop_login(dev);
}

CK_RV hl_p11_qg_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	CK_RV rv = hl_p11_q_login(h, user, pin, len);
	if (!g)
		return rv;
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	if (d) {
		d->opens++; /* G4: a login beside a search */
		if (rv == CKR_OK) {
			d->ops = 0;
			d->login_at = now_s();
		}
	}
	pthread_mutex_unlock(&state_lock);
	return rv;
}

CK_RV hl_p11_qg_get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev); /* sets dev: its own statement */
	login_expiry(g, dev);
	return hl_p11_C_GetSessionInfo(h, info);
}

/* -- G7 (callbacks), G4 and G12 (what C_OpenSession starts) -- */

/* G12: the highest object id in dev's store when this process first opened a session. */
static void take_horizon(hl_device_t *dev)
{
	hl_object_t **objs = NULL;
	size_t n = 0;
	uint64_t max = 0;
	hl_p11_rdlock();
	if (dev->store && hl_device_find(dev, NULL, 0, true, &objs, &n) == HL_OK) {
		for (size_t i = 0; i < n; i++) {
			max = objs[i]->id > max ? objs[i]->id : max;
			hl_object_free(objs[i]);
		}
		free(objs);
	}
	hl_p11_unlock();
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	if (d && !d->horizon_set) {
		d->horizon = max;
		d->horizon_set = true;
	}
	pthread_mutex_unlock(&state_lock);
}

CK_RV hl_p11_qg_open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
			     CK_SESSION_HANDLE_PTR out)
{
	const hl_profile_general_t *g = NULL;
	hl_device_t *dev = NULL;
	if (hl_profile_general_loaded()) {
		hl_p11_rdlock();
		hl_slot_t *slot = hl_p11_initialized() ? hl_p11_slot(id) : NULL;
		if (slot && slot->dev->profile && slot->dev->profile->general.any) {
			g = &slot->dev->profile->general;
			dev = slot->dev;
		}
		hl_p11_unlock();
	}
	if (g && g->callbacks_error && (app || notify))
		return g->callbacks_error;
	CK_RV rv = hl_p11_C_OpenSession(id, flags, app, notify, out);
	if (rv != CKR_OK || !g)
		return rv;
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	bool horizon = d && g->other_process_hidden && !d->horizon_set;
	if (d)
		d->opens++;
	pthread_mutex_unlock(&state_lock);
	if (horizon)
		take_horizon(dev);
	return rv;
}

/* -- searching: G4, G6, G12 -- */

static bool own_object(const dev_state_t *d, uint64_t id)
{
	for (size_t i = 0; i < d->n_own; i++)
		if (d->own[i] == id)
			return true;
	return false;
}

/* Drops from s's result what the device hides (s->lock and the p11 read lock held). */
static void hide_found(hl_session_t *s, const hl_profile_general_t *g)
{
	size_t k = 0;
	if ((g->no_public & HL_G6_OBJECTS) && !logged_in(s->slot->dev)) {
		s->n_found = 0; /* G6: nothing, not even public objects, before a login */
		return;
	}
	if (!g->other_process_hidden)
		return;
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(s->slot->dev);
	for (size_t i = 0; d && i < s->n_found; i++) {
		hl_object_t *obj = NULL;
		if (hl_p11_object_get(s, s->found[i], &obj) != CKR_OK || !obj->token ||
		    !d->horizon_set || obj->id <= d->horizon || own_object(d, obj->id))
			s->found[k++] = s->found[i];
	}
	if (d)
		s->n_found = k;
	pthread_mutex_unlock(&state_lock);
}

/* G4: remembers the device's open/login count at the start of session h's search, and
 * forgets the searches of sessions that are gone (p11 read lock held). */
static void note_search(CK_SESSION_HANDLE h, const hl_device_t *dev)
{
	size_t k = 0;
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	for (size_t i = 0; i < n_finds; i++)
		if (finds[i].h != h && hl_p11_session_get(finds[i].h))
			finds[k++] = finds[i];
	n_finds = k;
	find_state_t *v = d ? reallocarray(finds, n_finds + 1, sizeof(*v)) : NULL;
	if (v) {
		finds = v;
		finds[n_finds++] = (find_state_t){ h, d->opens };
	}
	pthread_mutex_unlock(&state_lock);
}

CK_RV hl_p11_qg_find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	hl_session_t *s = NULL;
	login_expiry(g, dev);
	CK_RV rv = hl_p11_C_FindObjectsInit(h, t, n);
	if (rv != CKR_OK || !g || hl_p11_enter(h, &s) != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	hide_found(s, g);
	pthread_mutex_unlock(&s->lock);
	if (g->find_lost_on_open)
		note_search(h, s->slot->dev);
	hl_p11_unlock();
	return rv;
}

/* G4: whether a session was opened or a login made on the device since h's search began:
 * the rest of that search is lost (deterministic stand-in for the race). */
static bool search_disturbed(CK_SESSION_HANDLE h, const hl_device_t *dev)
{
	bool lost = false;
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	for (size_t i = 0; d && i < n_finds; i++)
		if (finds[i].h == h)
			lost = finds[i].opens != d->opens;
	pthread_mutex_unlock(&state_lock);
	return lost;
}

CK_RV hl_p11_qg_find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
			     CK_ULONG_PTR count)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	if (g && g->find_lost_on_open && search_disturbed(h, dev))
		return hl_p11_C_FindObjects(h, out, 0,
					    count); /* checks the call, returns nothing */
	return hl_p11_C_FindObjects(h, out, max, count);
}

/* -- G6: C_GenerateRandom before login -- */

CK_RV hl_p11_qg_generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	if (g && (g->no_public & HL_G6_RANDOM) && !logged_in(dev))
		return CKR_USER_NOT_LOGGED_IN;
	return hl_p11_C_GenerateRandom(h, out, len);
}

/* -- G1, G3, G13: signing -- */

static bool hash_and_sign(CK_MECHANISM_TYPE m)
{
	static const CK_MECHANISM_TYPE v[] = {
		CKM_SHA1_RSA_PKCS,       CKM_SHA224_RSA_PKCS,     CKM_SHA256_RSA_PKCS,
		CKM_SHA384_RSA_PKCS,     CKM_SHA512_RSA_PKCS,     CKM_SHA1_RSA_PKCS_PSS,
		CKM_SHA224_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS,
		CKM_SHA512_RSA_PKCS_PSS, CKM_ECDSA_SHA1,          CKM_ECDSA_SHA224,
		CKM_ECDSA_SHA256,        CKM_ECDSA_SHA384,        CKM_ECDSA_SHA512,
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (v[i] == m)
			return true;
	return false;
}

/* G13: a call out of order is a device error, not the spec's code. Looked up only when the
 * call failed that way, so a good call pays nothing. */
static CK_RV call_order(CK_SESSION_HANDLE h, CK_RV rv)
{
	if (rv != CKR_OPERATION_NOT_INITIALIZED && rv != CKR_OPERATION_ACTIVE)
		return rv;
	const hl_profile_general_t *g = general_of(h, NULL);
	return g && g->order_device_error ? CKR_DEVICE_ERROR : rv;
}

CK_RV hl_p11_qg_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (!hl_profile_general_loaded())
		return hl_p11_q_sign_init(h, m, k);
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	login_expiry(g, dev);
	if (g && g->hash_sign_error && m && hash_and_sign(m->mechanism))
		return g->hash_sign_error;
	return call_order(h, hl_p11_q_sign_init(h, m, k));
}

/* G13: more than throttle_per_second signatures in one second of the device: refused. */
static bool throttled(const hl_profile_general_t *g, const hl_device_t *dev)
{
	struct timespec now;
	bool refuse = false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&state_lock);
	dev_state_t *d = dev_state(dev);
	if (d && d->window != (int64_t)now.tv_sec) {
		d->window = (int64_t)now.tv_sec;
		d->in_window = 0;
	}
	if (d)
		refuse = d->in_window++ >= g->throttle_per_s;
	pthread_mutex_unlock(&state_lock);
	return refuse;
}

CK_RV hl_p11_qg_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
		     CK_ULONG_PTR sl)
{
	if (!hl_profile_general_loaded())
		return hl_p11_q_sign(h, d, dl, sig, sl);
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	if (g && g->throttle_per_s && sig && throttled(g, dev)) {
		hl_p11_C_SessionCancel(h, CKF_SIGN); /* an error ends the operation */
		return CKR_DEVICE_ERROR;
	}
	CK_RV rv = call_order(h, hl_p11_q_sign(h, d, dl, sig, sl));
	if (rv == CKR_OK && sig && g && g->logout_after_ops)
		count_signature(g, dev);
	return rv;
}

/* G13: the device signs and digests in one part only; the refusal ends the operation, as
 * any error does in the spec. */
static bool multipart_refused(CK_SESSION_HANDLE h, CK_FLAGS op)
{
	const hl_profile_general_t *g = general_of(h, NULL);
	if (!g || !g->no_multipart)
		return false;
	hl_p11_C_SessionCancel(h, op);
	return true;
}

CK_RV hl_p11_qg_sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	return multipart_refused(h, CKF_SIGN) ? CKR_FUNCTION_NOT_SUPPORTED
					      : call_order(h, hl_p11_C_SignUpdate(h, part, len));
}

CK_RV hl_p11_qg_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sl)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	if (multipart_refused(h, CKF_SIGN))
		return CKR_FUNCTION_NOT_SUPPORTED;
	CK_RV rv = call_order(h, hl_p11_q_sign_final(h, sig, sl));
	if (rv == CKR_OK && sig && g && g->logout_after_ops)
		count_signature(g, dev);
	return rv;
}

/* -- G10 (on-device digest fails), G13 (no multi-part digest, call order) -- */

CK_RV hl_p11_qg_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	const hl_profile_general_t *g = general_of(h, NULL);
	if (g && g->digest_error)
		return g->digest_error;
	return call_order(h, hl_p11_C_DigestInit(h, m));
}

CK_RV hl_p11_qg_digest(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR out,
		       CK_ULONG_PTR ol)
{
	return call_order(h, hl_p11_C_Digest(h, d, dl, out, ol));
}

CK_RV hl_p11_qg_digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	return multipart_refused(h, CKF_DIGEST)
		   ? CKR_FUNCTION_NOT_SUPPORTED
		   : call_order(h, hl_p11_C_DigestUpdate(h, part, len));
}

CK_RV hl_p11_qg_digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR ol)
{
	return multipart_refused(h, CKF_DIGEST) ? CKR_FUNCTION_NOT_SUPPORTED
						: call_order(h, hl_p11_C_DigestFinal(h, out, ol));
}

/* -- G7 (no CKA_ALLOWED_MECHANISMS), G17 (moduli with leading zeros): reading attributes -- */

/* G17: the base call writes each CKA_MODULUS z bytes into the caller's buffer; the zeros
 * are put in front afterwards. A buffer too small for them gets CKR_BUFFER_TOO_SMALL. */
/* Whether C_GetAttributeValue answered each entry (else nothing was filled in: no such
 * object or session, bad arguments, ...; the template must stay as the caller gave it). */
static bool filled_in(CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	       rv == CKR_BUFFER_TOO_SMALL;
}

static CK_RV get_padded(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			CK_ULONG z)
{
	CK_ATTRIBUTE *orig = calloc(n ? n : 1, sizeof(*orig)); /* t as the caller gave it */
	bool small = false;
	if (!orig)
		return CKR_HOST_MEMORY;
	memcpy(orig, t, n * sizeof(*t));
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == CKA_MODULUS && t[i].pValue) {
			small = small || t[i].ulValueLen < z;
			t[i].pValue = t[i].ulValueLen < z ? NULL : (CK_BYTE *)t[i].pValue + z;
			t[i].ulValueLen = t[i].pValue ? t[i].ulValueLen - z : 0;
		}
	CK_RV rv = hl_p11_q_get_attribute_value(h, obj, t, n);
	bool filled = filled_in(rv);
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].type != CKA_MODULUS)
			continue;
		bool shifted = t[i].pValue != NULL,
		     got = t[i].ulValueLen != CK_UNAVAILABLE_INFORMATION;
		CK_ULONG len = t[i].ulValueLen;
		t[i] = orig[i];
		if (!filled)
			continue;
		if (orig[i].pValue && !shifted) /* smaller than the zeros alone */
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
		else
			t[i].ulValueLen = got ? len + z : CK_UNAVAILABLE_INFORMATION;
		if (shifted && got)
			memset(t[i].pValue, 0, z);
	}
	free(orig);
	return small && rv == CKR_OK ? CKR_BUFFER_TOO_SMALL : rv;
}

CK_RV hl_p11_qg_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
				    CK_ULONG n)
{
	const hl_profile_general_t *g = general_of(h, NULL);
	if (!g || !t)
		return hl_p11_q_get_attribute_value(h, obj, t, n);
	CK_RV rv = g->modulus_zeros ? get_padded(h, obj, t, n, g->modulus_zeros)
				    : hl_p11_q_get_attribute_value(h, obj, t, n);
	for (CK_ULONG i = 0; g->no_allowed_mechanisms && i < n; i++)
		if (t[i].type == CKA_ALLOWED_MECHANISMS && filled_in(rv)) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = rv == CKR_OK ? CKR_ATTRIBUTE_TYPE_INVALID : rv;
		}
	return rv;
}

/* -- object templates: G7, G10, G12 (own objects), G14, G15 -- */

static bool has_id(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	const CK_ATTRIBUTE *a = find_attr(t, n, CKA_ID);
	return a && a->pValue && a->ulValueLen && a->ulValueLen != CK_UNAVAILABLE_INFORMATION;
}

static CK_OBJECT_CLASS class_of(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS dflt)
{
	const CK_ATTRIBUTE *a = find_attr(t, n, CKA_CLASS);
	return a && a->pValue && a->ulValueLen == sizeof(CK_OBJECT_CLASS)
		   ? *(CK_OBJECT_CLASS *)a->pValue
		   : dflt;
}

/* G14: whether dev holds a token object of class cls, other than the one with store id
 * except, whose attribute a->type has a's value. */
static bool taken(hl_device_t *dev, CK_OBJECT_CLASS cls, const CK_ATTRIBUTE *a, uint64_t except)
{
	CK_ATTRIBUTE q[2] = { { CKA_CLASS, &cls, sizeof(cls) }, *a };
	hl_object_t **objs = NULL;
	size_t n = 0;
	bool hit = false;
	hl_p11_rdlock();
	if (dev->store && hl_device_find(dev, q, 2, true, &objs, &n) == HL_OK) {
		for (size_t i = 0; i < n; i++) {
			hit = hit || objs[i]->id != except;
			hl_object_free(objs[i]);
		}
		free(objs);
	}
	hl_p11_unlock();
	return hit;
}

/* The checks on a new object's template, in the order the device makes them. */
static CK_RV check_new(const hl_profile_general_t *g, hl_device_t *dev, const CK_ATTRIBUTE *t,
		       CK_ULONG n, CK_OBJECT_CLASS cls)
{
	const CK_ATTRIBUTE *id = find_attr(t, n, CKA_ID), *label = find_attr(t, n, CKA_LABEL);
	bool key = cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
	if (g->no_allowed_mechanisms && find_attr(t, n, CKA_ALLOWED_MECHANISMS))
		return CKR_ATTRIBUTE_TYPE_INVALID; /* G7 */
	if (g->id_required && key && !has_id(t, n))
		return CKR_TEMPLATE_INCOMPLETE; /* G10 */
	if (g->id_len && id && id->ulValueLen != g->id_len)
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G15 */
	if (g->unique_labels && label && taken(dev, cls, label, 0))
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G14 */
	if (g->unique_ids && has_id(t, n) && taken(dev, cls, id, 0))
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G14 */
	return CKR_OK;
}

/* G15: a template without CKA_ID gets a fresh one of the device's length, unused by objects
 * of class cls: *out is t and the id (caller frees it), or NULL when t needs none. */
static CK_RV fresh_id(const hl_profile_general_t *g, hl_device_t *dev, CK_OBJECT_CLASS cls,
		      const CK_ATTRIBUTE *t, CK_ULONG n, CK_BYTE id[HL_PROFILE_ID_MAX],
		      CK_ATTRIBUTE **out)
{
	CK_ATTRIBUTE a = { CKA_ID, id, g->id_len };
	int tries = 0;
	*out = NULL;
	if (!g->id_len || has_id(t, n))
		return CKR_OK;
	do {
		if (hl_crypto_random(id, g->id_len) != HL_OK)
			return CKR_FUNCTION_FAILED;
	} while (taken(dev, cls, &a, 0) && ++tries < 64);
	if (tries == 64)
		return CKR_DEVICE_MEMORY; /* every id of that length is in use */
	CK_ATTRIBUTE *v = calloc(n + 1, sizeof(*v));
	if (!v)
		return CKR_HOST_MEMORY;
	if (n)
		memcpy(v, t, n * sizeof(*v));
	v[n] = a;
	*out = v;
	return CKR_OK;
}

/* G12: objects this process makes stay visible to it. */
static void remember_own(const hl_profile_general_t *g, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{
	hl_session_t *s = NULL;
	hl_object_t *obj = NULL;
	if (!g->other_process_hidden || hl_p11_enter(h, &s) != CKR_OK)
		return;
	if (hl_p11_object_get(s, o, &obj) == CKR_OK && obj->token) {
		pthread_mutex_lock(&state_lock);
		dev_state_t *d = dev_state(s->slot->dev);
		uint64_t *v = d ? reallocarray(d->own, d->n_own + 1, sizeof(*v)) : NULL;
		if (v) {
			d->own = v;
			v[d->n_own++] = obj->id;
		}
		pthread_mutex_unlock(&state_lock);
	}
	hl_p11_unlock();
}

CK_RV hl_p11_qg_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			      CK_OBJECT_HANDLE_PTR out)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	CK_ATTRIBUTE *tt = NULL;
	CK_BYTE id[HL_PROFILE_ID_MAX];
	if (!g || !t)
		return hl_p11_q_create_object(h, t, n, out);
	CK_OBJECT_CLASS cls = class_of(t, n, CKO_DATA);
	CK_RV rv = check_new(g, dev, t, n, cls);
	if (rv == CKR_OK)
		rv = fresh_id(g, dev, cls, t, n, id, &tt);
	if (rv == CKR_OK)
		rv = hl_p11_q_create_object(h, tt ? tt : t, tt ? n + 1 : n, out);
	if (rv == CKR_OK)
		remember_own(g, h, *out);
	free(tt);
	return rv;
}

CK_RV hl_p11_qg_generate_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t,
			     CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	CK_ATTRIBUTE *tt = NULL;
	CK_BYTE id[HL_PROFILE_ID_MAX];
	if (!g || (!t && n))
		return hl_p11_q_generate_key(h, m, t, n, out);
	CK_RV rv = check_new(g, dev, t, n, CKO_SECRET_KEY);
	if (rv == CKR_OK)
		rv = fresh_id(g, dev, CKO_SECRET_KEY, t, n, id, &tt);
	if (rv == CKR_OK)
		rv = hl_p11_q_generate_key(h, m, tt ? tt : t, tt ? n + 1 : n, out);
	if (rv == CKR_OK)
		remember_own(g, h, *out);
	free(tt);
	return rv;
}

/* A key pair shares one fresh id (G15) when its templates name none. */
static CK_RV pair_ids(const hl_profile_general_t *g, hl_device_t *dev, const CK_ATTRIBUTE *pt,
		      CK_ULONG pn, const CK_ATTRIBUTE *kt, CK_ULONG kn,
		      CK_BYTE id[HL_PROFILE_ID_MAX], CK_ATTRIBUTE **pub, CK_ATTRIBUTE **priv)
{
	CK_RV rv = fresh_id(g, dev, CKO_PRIVATE_KEY, kt, kn, id, priv);
	const CK_ATTRIBUTE *kid = *priv ? &(*priv)[kn] : find_attr(kt, kn, CKA_ID);
	*pub = NULL;
	if (rv != CKR_OK || !g->id_len || has_id(pt, pn) || !kid)
		return rv;
	*pub = calloc(pn + 1, sizeof(**pub));
	if (!*pub)
		return CKR_HOST_MEMORY;
	if (pn)
		memcpy(*pub, pt, pn * sizeof(**pub));
	(*pub)[pn] = *kid;
	return CKR_OK;
}

CK_RV hl_p11_qg_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt,
				  CK_ULONG pn, CK_ATTRIBUTE_PTR kt, CK_ULONG kn,
				  CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	CK_ATTRIBUTE *tp = NULL, *tk = NULL;
	CK_BYTE id[HL_PROFILE_ID_MAX];
	if (!g || (!pt && pn) || (!kt && kn))
		return hl_p11_q_generate_key_pair(h, m, pt, pn, kt, kn, pub, priv);
	CK_RV rv = check_new(g, dev, pt, pn, CKO_PUBLIC_KEY);
	if (rv == CKR_OK)
		rv = check_new(g, dev, kt, kn, CKO_PRIVATE_KEY);
	if (rv == CKR_OK)
		rv = pair_ids(g, dev, pt, pn, kt, kn, id, &tp, &tk);
	if (rv == CKR_OK)
		rv = hl_p11_q_generate_key_pair(h, m, tp ? tp : pt, tp ? pn + 1 : pn, tk ? tk : kt,
						tk ? kn + 1 : kn, pub, priv);
	if (rv == CKR_OK && pub && priv) {
		remember_own(g, h, *pub);
		remember_own(g, h, *priv);
	}
	free(tp);
	free(tk);
	return rv;
}

/* What a change needs of the object it changes: class, store id, label, whether it has an
 * id. The label is copied (caller frees). CKR_OK with nothing known when the handle is bad:
 * the base call reports that. */
typedef struct {
	bool known, with_id;
	CK_OBJECT_CLASS cls;
	uint64_t id;
	CK_ATTRIBUTE label;
} target_t;

static CK_RV read_target(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, target_t *out)
{
	hl_session_t *s = NULL;
	hl_object_t *obj = NULL;
	CK_RV rv = CKR_OK;
	memset(out, 0, sizeof(*out));
	if (hl_p11_enter(h, &s) != CKR_OK)
		return CKR_OK;
	if (hl_p11_object_get(s, o, &obj) == CKR_OK) {
		pthread_mutex_lock(&obj->lock);
		const hl_attr_t *l = hl_attrs_get(&obj->attrs, CKA_LABEL);
		const hl_attr_t *i = hl_attrs_get(&obj->attrs, CKA_ID);
		*out = (target_t){ true,
				   i && i->len,
				   obj->cls,
				   obj->token ? obj->id : 0,
				   { CKA_LABEL, NULL, l ? (CK_ULONG)l->len : 0 } };
		if (l && l->len && !(out->label.pValue = malloc(l->len)))
			rv = CKR_HOST_MEMORY;
		else if (l && l->len)
			memcpy(out->label.pValue, l->value, l->len);
		pthread_mutex_unlock(&obj->lock);
	}
	hl_p11_unlock();
	return rv;
}

/* The checks on C_SetAttributeValue (copy false) and C_CopyObject (copy true) templates. */
static CK_RV check_change(const hl_profile_general_t *g, hl_device_t *dev, CK_SESSION_HANDLE h,
			  CK_OBJECT_HANDLE o, const CK_ATTRIBUTE *t, CK_ULONG n, bool copy)
{
	const CK_ATTRIBUTE *id = find_attr(t, n, CKA_ID), *label = find_attr(t, n, CKA_LABEL);
	target_t x;
	if (g->no_allowed_mechanisms && find_attr(t, n, CKA_ALLOWED_MECHANISMS))
		return CKR_ATTRIBUTE_TYPE_INVALID; /* G7 */
	if (g->id_len && id && id->ulValueLen != g->id_len)
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G15 */
	if (g->unique_ids && id)
		return CKR_ATTRIBUTE_READ_ONLY; /* G14: CKA_ID is immutable */
	if (!g->unique_labels && !(g->unique_ids && copy))
		return CKR_OK;
	CK_RV rv = read_target(h, o, &x);
	if (rv != CKR_OK || !x.known)
		return rv;
	if (g->unique_ids && copy && x.with_id)
		rv = CKR_ATTRIBUTE_VALUE_INVALID; /* the copy would repeat the original's id */
	else if (g->unique_labels && (label || (copy && x.label.ulValueLen)) &&
		 taken(dev, x.cls, label ? label : &x.label, copy ? 0 : x.id))
		rv = CKR_ATTRIBUTE_VALUE_INVALID; /* G14 */
	free(x.label.pValue);
	return rv;
}

CK_RV hl_p11_qg_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
				    CK_ULONG n)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	CK_RV rv = g && t ? check_change(g, dev, h, o, t, n, false) : CKR_OK;
	return rv == CKR_OK ? hl_p11_q_set_attribute_value(h, o, t, n) : rv;
}

CK_RV hl_p11_qg_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			    CK_OBJECT_HANDLE_PTR out)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = general_of(h, &dev);
	CK_RV rv = g && (t || !n) ? check_change(g, dev, h, o, t, n, true) : CKR_OK;
	if (rv == CKR_OK)
		rv = hl_p11_q_copy_object(h, o, t, n, out);
	if (rv == CKR_OK && g && out)
		remember_own(g, h, *out);
	return rv;
}
