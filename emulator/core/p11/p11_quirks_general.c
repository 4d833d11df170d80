/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the general G-row filters on sessions, logins, searches, signing and
 * digests (catalogue G1-G13): the top layer of the filter stack (hl_p11_general_layer). Any
 * profile, a user's own included, can switch these rows on and combine them
 * (emulator/doc/general-quirks.md). Each filter calls the layer below (the objects layer,
 * the vendor layer, the core) through its below table. The switches are resolved
 * once when the profile loads (hl_profile_general_t); while no loaded profile has one on,
 * every filter passes straight through without a session lookup, so the signing path of a
 * profile without them costs one relaxed load. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto/hl_crypto.h"
#include "p11_quirks_int.h"

/* The stack beneath this layer: every filtered call goes on through it. */
static const CK_FUNCTION_LIST_3_0 *const below = &hl_p11_general_layer.below;

typedef struct {
	CK_SESSION_HANDLE h;
	unsigned opens; /* G4: the device's count when the search began */
} find_state_t;

pthread_mutex_t hl_p11_qg_lock = PTHREAD_MUTEX_INITIALIZER;
static dev_state_t *devs;
static size_t n_devs;
static find_state_t *finds;
static size_t n_finds;

static void state_reset(void)
{
	pthread_mutex_lock(&hl_p11_qg_lock);
	for (size_t i = 0; i < n_devs; i++)
		free(devs[i].own);
	free(devs);
	free(finds);
	devs = NULL;
	finds = NULL;
	n_devs = n_finds = 0;
	pthread_mutex_unlock(&hl_p11_qg_lock);
}

/* The state of dev (hl_p11_qg_lock held), made on first use; NULL without memory. */
dev_state_t *hl_p11_qg_dev_state(const hl_device_t *dev)
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
const hl_profile_general_t *hl_p11_qg_general_of(CK_SESSION_HANDLE h, hl_device_t **dev)
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

static bool logged_in(const hl_device_t *dev)
{
	return __atomic_load_n(&dev->login, __ATOMIC_RELAXED) != HL_NOT_LOGGED_IN;
}

/* -- G11: a forked child's C_Initialize -- */

/* The pid whose C_Initialize armed G11 (a device of its lab switches it on), 0 when none did.
 * A child forked from it inherits the value and sees another pid: such a library believes
 * the state it copied is its own, so C_Initialize answers "already initialized" until the
 * child calls C_Finalize (which clears what it inherited). The core itself restarted the
 * child cleanly (p11_general.c), so its other calls find the library not initialized. */
static pid_t g11_parent;

/* Whether a device of the lab just opened switches G11 on. */
static bool g11_wanted(void)
{
	bool on = false;
	if (!hl_profile_general_loaded())
		return false;
	hl_p11_rdlock();
	for (size_t i = 0; i < hl_p11_slot_count(); i++) {
		const hl_profile_t *p = hl_p11_slot_at(i)->dev->profile;
		on = on || (p && p->general.fork_child_initialized);
	}
	hl_p11_unlock();
	return on;
}

static CK_RV hl_p11_qg_initialize(CK_VOID_PTR args)
{
	pid_t armed = __atomic_load_n(&g11_parent, __ATOMIC_RELAXED);
	if (armed && armed != getpid())
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	CK_RV rv = below->C_Initialize(args);
	if (rv == CKR_OK) {
		state_reset(); /* a restart (or a forked child): nothing carries over */
		__atomic_store_n(&g11_parent, g11_wanted() ? getpid() : 0, __ATOMIC_RELAXED);
	}
	return rv;
}

static CK_RV hl_p11_qg_finalize(CK_VOID_PTR reserved)
{
	pid_t armed = __atomic_load_n(&g11_parent, __ATOMIC_RELAXED);
	if (armed && armed != getpid()) {
		__atomic_store_n(&g11_parent, 0, __ATOMIC_RELAXED);
		return CKR_OK; /* G11: the child drops the state it inherited */
	}
	CK_RV rv = below->C_Finalize(reserved);
	if (rv == CKR_OK) {
		state_reset(); /* freed before the module may be unloaded */
		__atomic_store_n(&g11_parent, 0, __ATOMIC_RELAXED);
	}
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
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	drop = d && now_s() - d->login_at >= (int64_t)g->logout_after_s;
	pthread_mutex_unlock(&hl_p11_qg_lock);
	if (drop)
		drop_login(dev);
}

/* G3 after silent_logout signatures. */
static void count_signature(const hl_profile_general_t *g, hl_device_t *dev)
{
	bool drop = false;
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	if (d && ++d->ops >= g->logout_after_ops) {
		d->ops = 0;
		drop = true;
	}
	pthread_mutex_unlock(&hl_p11_qg_lock);
	if (drop)
		drop_login(dev);
}

static CK_RV hl_p11_qg_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
			     CK_ULONG len)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	CK_RV rv = below->C_Login(h, user, pin, len);
	if (!g)
		return rv;
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	if (d) {
		d->opens++; /* G4: a login beside a search */
		if (rv == CKR_OK) {
			d->ops = 0;
			d->login_at = now_s();
		}
	}
	pthread_mutex_unlock(&hl_p11_qg_lock);
	return rv;
}

static CK_RV hl_p11_qg_get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g =
	    hl_p11_qg_general_of(h, &dev); /* sets dev: its own statement */
	login_expiry(g, dev);
	return below->C_GetSessionInfo(h, info);
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
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	if (d && !d->horizon_set) {
		d->horizon = max;
		d->horizon_set = true;
	}
	pthread_mutex_unlock(&hl_p11_qg_lock);
}

static CK_RV hl_p11_qg_open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app,
				    CK_NOTIFY notify, CK_SESSION_HANDLE_PTR out)
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
	CK_RV rv = below->C_OpenSession(id, flags, app, notify, out);
	if (rv != CKR_OK || !g)
		return rv;
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	bool horizon = d && g->other_process_hidden && !d->horizon_set;
	if (d)
		d->opens++;
	pthread_mutex_unlock(&hl_p11_qg_lock);
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
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(s->slot->dev);
	for (size_t i = 0; d && i < s->n_found; i++) {
		hl_object_t *obj = NULL;
		if (hl_p11_object_get(s, s->found[i], &obj) != CKR_OK || !obj->token ||
		    !d->horizon_set || obj->id <= d->horizon || own_object(d, obj->id))
			s->found[k++] = s->found[i];
	}
	if (d)
		s->n_found = k;
	pthread_mutex_unlock(&hl_p11_qg_lock);
}

/* G4: remembers the device's open/login count at the start of session h's search, and
 * forgets the searches of sessions that are gone (p11 read lock held). */
static void note_search(CK_SESSION_HANDLE h, const hl_device_t *dev)
{
	size_t k = 0;
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	for (size_t i = 0; i < n_finds; i++)
		if (finds[i].h != h && hl_p11_session_get(finds[i].h))
			finds[k++] = finds[i];
	n_finds = k;
	find_state_t *v = d ? reallocarray(finds, n_finds + 1, sizeof(*v)) : NULL;
	if (v) {
		finds = v;
		finds[n_finds++] = (find_state_t){ h, d->opens };
	}
	pthread_mutex_unlock(&hl_p11_qg_lock);
}

static CK_RV hl_p11_qg_find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	hl_session_t *s = NULL;
	login_expiry(g, dev);
	CK_RV rv = below->C_FindObjectsInit(h, t, n);
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
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	for (size_t i = 0; d && i < n_finds; i++)
		if (finds[i].h == h)
			lost = finds[i].opens != d->opens;
	pthread_mutex_unlock(&hl_p11_qg_lock);
	return lost;
}

static CK_RV hl_p11_qg_find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
				    CK_ULONG_PTR count)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	if (g && g->find_lost_on_open && search_disturbed(h, dev))
		return below->C_FindObjects(h, out, 0,
					    count); /* checks the call, returns nothing */
	return below->C_FindObjects(h, out, max, count);
}

/* -- G6: C_GenerateRandom before login -- */

static CK_RV hl_p11_qg_generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	if (g && (g->no_public & HL_G6_RANDOM) && !logged_in(dev))
		return CKR_USER_NOT_LOGGED_IN;
	return below->C_GenerateRandom(h, out, len);
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
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, NULL);
	return g && g->order_device_error ? CKR_DEVICE_ERROR : rv;
}

static CK_RV hl_p11_qg_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	if (!hl_profile_general_loaded())
		return below->C_SignInit(h, m, k);
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	login_expiry(g, dev);
	if (g && g->hash_sign_error && m && hash_and_sign(m->mechanism))
		return g->hash_sign_error;
	return call_order(h, below->C_SignInit(h, m, k));
}

/* G13: more than throttle_per_second signatures in one second of the device: refused. */
static bool throttled(const hl_profile_general_t *g, const hl_device_t *dev)
{
	struct timespec now;
	bool refuse = false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&hl_p11_qg_lock);
	dev_state_t *d = hl_p11_qg_dev_state(dev);
	if (d && d->window != (int64_t)now.tv_sec) {
		d->window = (int64_t)now.tv_sec;
		d->in_window = 0;
	}
	if (d)
		refuse = d->in_window++ >= g->throttle_per_s;
	pthread_mutex_unlock(&hl_p11_qg_lock);
	return refuse;
}

static CK_RV hl_p11_qg_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
			    CK_ULONG_PTR sl)
{
	if (!hl_profile_general_loaded())
		return below->C_Sign(h, d, dl, sig, sl);
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	if (g && g->throttle_per_s && sig && throttled(g, dev)) {
		hl_p11_C_SessionCancel(h, CKF_SIGN); /* an error ends the operation */
		return CKR_DEVICE_ERROR;
	}
	CK_RV rv = call_order(h, below->C_Sign(h, d, dl, sig, sl));
	if (rv == CKR_OK && sig && g && g->logout_after_ops)
		count_signature(g, dev);
	return rv;
}

/* G13: the device signs and digests in one part only; the refusal ends the operation, as
 * any error does in the spec. */
static bool multipart_refused(CK_SESSION_HANDLE h, CK_FLAGS op)
{
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, NULL);
	if (!g || !g->no_multipart)
		return false;
	hl_p11_C_SessionCancel(h, op);
	return true;
}

static CK_RV hl_p11_qg_sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	return multipart_refused(h, CKF_SIGN) ? CKR_FUNCTION_NOT_SUPPORTED
					      : call_order(h, below->C_SignUpdate(h, part, len));
}

static CK_RV hl_p11_qg_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sl)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	if (multipart_refused(h, CKF_SIGN))
		return CKR_FUNCTION_NOT_SUPPORTED;
	CK_RV rv = call_order(h, below->C_SignFinal(h, sig, sl));
	if (rv == CKR_OK && sig && g && g->logout_after_ops)
		count_signature(g, dev);
	return rv;
}

/* -- G10 (on-device digest fails), G13 (no multi-part digest, call order) -- */

static CK_RV hl_p11_qg_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, NULL);
	if (g && g->digest_error)
		return g->digest_error;
	return call_order(h, below->C_DigestInit(h, m));
}

static CK_RV hl_p11_qg_digest(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR out,
			      CK_ULONG_PTR ol)
{
	return call_order(h, below->C_Digest(h, d, dl, out, ol));
}

static CK_RV hl_p11_qg_digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len)
{
	return multipart_refused(h, CKF_DIGEST)
		   ? CKR_FUNCTION_NOT_SUPPORTED
		   : call_order(h, below->C_DigestUpdate(h, part, len));
}

static CK_RV hl_p11_qg_digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR ol)
{
	return multipart_refused(h, CKF_DIGEST) ? CKR_FUNCTION_NOT_SUPPORTED
						: call_order(h, below->C_DigestFinal(h, out, ol));
}

/* -- the layer: the entries the general rows on sessions, searches, signing and digests
 * change -- */

static const CK_FUNCTION_LIST_3_0 general_over = {
	.C_Initialize = hl_p11_qg_initialize,
	.C_Finalize = hl_p11_qg_finalize,
	.C_OpenSession = hl_p11_qg_open_session,
	.C_GetSessionInfo = hl_p11_qg_get_session_info,
	.C_Login = hl_p11_qg_login,
	.C_FindObjectsInit = hl_p11_qg_find_objects_init,
	.C_FindObjects = hl_p11_qg_find_objects,
	.C_GenerateRandom = hl_p11_qg_generate_random,
	.C_SignInit = hl_p11_qg_sign_init,
	.C_Sign = hl_p11_qg_sign,
	.C_SignUpdate = hl_p11_qg_sign_update,
	.C_SignFinal = hl_p11_qg_sign_final,
	.C_DigestInit = hl_p11_qg_digest_init,
	.C_Digest = hl_p11_qg_digest,
	.C_DigestUpdate = hl_p11_qg_digest_update,
	.C_DigestFinal = hl_p11_qg_digest_final,
};

hl_p11_layer_t hl_p11_general_layer = { .name = "general", .over = &general_over };
