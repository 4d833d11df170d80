/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: C_Initialize/C_Finalize, locking, fork handling, info, slots, mechanisms. */
#define _GNU_SOURCE 1 /* dladdr: the module finds its own file */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/hl_crypto.h"
#include "hsmlab/p11client.h"
#include "hsmlab/paths.h"
#include "p11/hl_p11.h"
#include "p11/hl_p11_quirks.h"

static struct {
	bool initialized;
	pid_t pid;
	bool app_locks; /* caller-supplied mutexes instead of our rwlock */
	CK_C_INITIALIZE_ARGS args;
	void *app_mutex;
	pthread_rwlock_t rw;
	hl_lab_t *lab;
	hl_slot_t **slots;
	size_t n_slots;
	bool timing; /* timing emulation, fixed at C_Initialize */
} g;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static _Thread_local char last_error[512];

static void child_after_fork(void)
{
	/* The child starts with no usable state: forget (never free) the parent's. */
	pthread_mutex_init(&init_lock, NULL);
	memset(&g, 0, sizeof(g));
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, child_after_fork);
}

void hl_p11_log(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	if (!getenv("HSMLAB_QUIET"))
		fprintf(stderr, "hsmlab: %s\n", last_error);
}

const char *hl_p11_last_error(void)
{
	return last_error;
}

/* No getpid() here: this runs on every call, and on a virtual machine a system call costs
 * as much as the rest of a digest. The fork handler (child_after_fork, registered with
 * pthread_atfork by the first C_Initialize) clears g in the child instead, so a forked child
 * sees CKR_CRYPTOKI_NOT_INITIALIZED until it calls C_Initialize itself. */
bool hl_p11_initialized(void)
{
	return __atomic_load_n(&g.initialized, __ATOMIC_ACQUIRE);
}

bool hl_p11_timing(void)
{
	return g.timing;
}

hl_lab_t *hl_p11_lab(void)
{
	return g.lab;
}

void hl_p11_rdlock(void)
{
	if (g.app_locks)
		g.args.LockMutex(g.app_mutex);
	else
		pthread_rwlock_rdlock(&g.rw);
}

void hl_p11_wrlock(void)
{
	if (g.app_locks)
		g.args.LockMutex(g.app_mutex);
	else
		pthread_rwlock_wrlock(&g.rw);
}

void hl_p11_unlock(void)
{
	if (g.app_locks)
		g.args.UnlockMutex(g.app_mutex);
	else
		pthread_rwlock_unlock(&g.rw);
}

/* -- slots -- */

hl_slot_t *hl_p11_slot(CK_SLOT_ID id)
{
	for (size_t i = 0; i < g.n_slots; i++)
		if (g.slots[i]->id == id)
			return g.slots[i];
	return NULL;
}

size_t hl_p11_slot_count(void)
{
	return g.n_slots;
}

hl_slot_t *hl_p11_slot_at(size_t i)
{
	return g.slots[i];
}

/* L5: a virtual slot id is the stored one moved far from the small numbers a client might
 * assume (0, 1, ...). Stable across C_Initialize: a client's configuration names slots. */
#define VIRTUAL_SLOT_BASE 0x2C4A0000UL

static CK_RV slot_append(hl_device_t *dev)
{
	hl_slot_t *slot = calloc(1, sizeof(*slot));
	hl_slot_t **v = slot ? reallocarray(g.slots, g.n_slots + 1, sizeof(*v)) : NULL;
	if (!v) {
		free(slot);
		hl_device_free(dev);
		return CKR_HOST_MEMORY;
	}
	slot->dev = dev;
	const hl_profile_t *p = dev->profile;
	slot->id = dev->slot_id;
	if (p && p->core.virtual_slot_ids)
		slot->id += VIRTUAL_SLOT_BASE;
	slot->new_handles_on_relogin = p && p->core.handles_change_on_relogin;
	slot->session_limit = p ? p->core.session_limit : 0;
	slot->session_count_rv =
	    p && p->core.max_sessions_code ? p->core.max_sessions_code : CKR_SESSION_COUNT;
	g.slots = v;
	g.slots[g.n_slots++] = slot;
	return CKR_OK;
}

bool hl_p11_serves(const hl_profile_t *p)
{
	/* Never another family's device: without its hooks its rules would not hold (nor were
	 * its family's switches checked: hl_profile_t.family_known). */
	return p->family_known && strcmp(p->family, hl_module_family) == 0;
}

static bool known(const char *serial)
{
	for (size_t i = 0; i < g.n_slots; i++)
		if (strcmp(g.slots[i]->dev->serial, serial) == 0)
			return true;
	return false;
}

/* The profile of the module's free device: the lab's default, or (a lab whose default is
 * another family's) the profile named like this module's family. */
static hl_status_t default_profile(const hl_profile_t **out, char *err, size_t errlen)
{
	const hl_profile_t *p = NULL;
	hl_status_t st = hl_lab_profile(g.lab, g.lab->cfg.default_profile, &p, err, errlen);
	if (st == HL_OK && !hl_p11_serves(p))
		st = hl_lab_profile(g.lab, hl_module_family, &p, err, errlen);
	if (st == HL_OK)
		*out = p;
	return st;
}

static CK_RV add_free_device(void)
{
	const hl_profile_t *prof = NULL;
	char err[320];
	CK_SLOT_ID next = 0;
	hl_status_t st = default_profile(&prof, err, sizeof(err));
	if (st != HL_OK) {
		hl_p11_log("%s", err);
		/* The lab's profile is missing or bad: not the caller's arguments. */
		return st == HL_ERR_NOMEM ? CKR_HOST_MEMORY : CKR_GENERAL_ERROR;
	}
	/* K5: the real library shows one slot, id 0: its machine. A free slot only when the
	 * module would show none (then it is the machine, at id 0), never beside a device. */
	if (prof->core.single_slot_zero && g.n_slots > 0)
		return CKR_OK;
	for (size_t i = 0; i < g.n_slots; i++) {
		hl_device_t *d = g.slots[i]->dev;
		if (d->state != HL_DEV_INITIALIZED && !d->broken && d->profile == prof)
			return CKR_OK; /* the lab already offers an uninitialized device */
		if (d->slot_id != HL_DEVICE_SLOT_UNKNOWN && d->slot_id >= next)
			next = d->slot_id + 1;
	}
	hl_device_t *dev = NULL;
	st = hl_device_new_free(g.lab, prof, next, &dev);
	return st == HL_OK ? slot_append(dev) : hl_p11_rv(st);
}

static int by_slot_id(const void *a, const void *b)
{
	CK_SLOT_ID x = (*(hl_slot_t *const *)a)->dev->slot_id;
	CK_SLOT_ID y = (*(hl_slot_t *const *)b)->dev->slot_id;
	return x < y ? -1 : x > y;
}

CK_RV hl_p11_rescan(void)
{
	char **serials = NULL;
	size_t n = 0;
	CK_RV rv = hl_p11_rv(hl_lab_list(g.lab, &serials, &n));
	for (size_t i = 0; i < n; i++) {
		if (rv == CKR_OK && !known(serials[i])) {
			hl_device_t *dev = NULL;
			rv = hl_p11_rv(hl_device_load(g.lab, serials[i], &dev));
			if (rv == CKR_OK && dev->broken)
				hl_p11_log("%s", dev->err);
			if (rv == CKR_OK && !dev->broken && !hl_p11_serves(dev->profile)) {
				hl_device_free(dev); /* another family's module serves it */
				dev = NULL;
			}
			if (rv == CKR_OK && dev)
				rv = slot_append(dev);
		}
		free(serials[i]);
	}
	free(serials);
	if (rv == CKR_OK)
		rv = add_free_device();
	if (g.n_slots > 1)
		qsort(g.slots, g.n_slots, sizeof(*g.slots), by_slot_id);
	return rv;
}

/* -- initialize / finalize -- */

static CK_RV parse_args(CK_VOID_PTR p)
{
	memset(&g.args, 0, sizeof(g.args));
	g.app_locks = false;
	if (!p)
		return CKR_OK;
	CK_C_INITIALIZE_ARGS *a = p;
	if (a->pReserved)
		return CKR_ARGUMENTS_BAD;
	int given = !!a->CreateMutex + !!a->DestroyMutex + !!a->LockMutex + !!a->UnlockMutex;
	if (given != 0 && given != 4)
		return CKR_ARGUMENTS_BAD;
	g.args = *a;
	/* Our own locking when the OS may be used; the caller's mutexes otherwise. */
	g.app_locks = given == 4 && !(a->flags & CKF_OS_LOCKING_OK);
	if (g.app_locks && g.args.CreateMutex(&g.app_mutex) != CKR_OK)
		return CKR_CANT_LOCK;
	return CKR_OK;
}

static CK_RV open_lab(void)
{
	hl_lab_config_t cfg = { 0 };
	char err[512] = "";
	hl_status_t st =
	    hl_module_family_hooks ? hl_family_register(hl_module_family_hooks) : HL_OK;
	/* The profiles beside this module file: <prefix>/<datadir>/hsmlab/profiles when
	 * installed, the source tree's from the build tree; else the configured install dir. */
	Dl_info self;
	hl_paths_t paths;
	char builtin[HL_PATHS_MAX + 16];
	hl_paths_resolve(dladdr((void *)open_lab, &self) && self.dli_fname ? self.dli_fname : "", 1,
			 &paths);
	snprintf(builtin, sizeof(builtin), "%s/profiles", paths.data);
	if (access(builtin, R_OK) != 0)
		snprintf(builtin, sizeof(builtin), "%s", HSMLAB_PROFILE_INSTALL_DIR);
	if (st == HL_OK)
		st = hl_lab_config_load(builtin, hl_module_family, &cfg, err, sizeof(err));
	const char *tm = getenv("HSMLAB_TIMING");
	g.timing = (tm && strcmp(tm, "1") == 0) || (st == HL_OK && cfg.timing);
	if (st == HL_OK)
		st = hl_lab_open(&cfg, false, &g.lab, err, sizeof(err));
	if (st != HL_OK) {
		hl_p11_log("%s", err[0] ? err : hl_strerror(st));
		return hl_p11_rv(st);
	}
	return hl_p11_rescan();
}

static void release_all(void)
{
	hl_p11_handles_clear();
	for (size_t i = 0; i < g.n_slots; i++) {
		hl_device_free(g.slots[i]->dev);
		free(g.slots[i]);
	}
	free(g.slots);
	g.slots = NULL;
	g.n_slots = 0;
	hl_lab_free(g.lab);
	g.lab = NULL;
}

CK_RV hl_p11_C_Initialize(CK_VOID_PTR pInitArgs)
{
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&init_lock);
	CK_RV rv = CKR_OK;
	if (g.initialized) { /* a forked child has it cleared (child_after_fork) */
		rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
		goto out;
	}
	memset(&g, 0, sizeof(g));
	rv = parse_args(pInitArgs);
	if (rv != CKR_OK)
		goto out;
	pthread_rwlock_init(&g.rw, NULL);
	g.pid = getpid();
	hl_p11_handles_epoch();
	rv = open_lab();
	if (rv != CKR_OK) {
		release_all();
		if (g.app_locks)
			g.args.DestroyMutex(g.app_mutex);
		pthread_rwlock_destroy(&g.rw);
		memset(&g, 0, sizeof(g));
		goto out;
	}
	g.initialized = true;
out:
	pthread_mutex_unlock(&init_lock);
	return rv;
}

CK_RV hl_p11_C_Finalize(CK_VOID_PTR pReserved)
{
	if (pReserved)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&init_lock);
	CK_RV rv = CKR_OK;
	if (!hl_p11_initialized()) {
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
		goto out;
	}
	hl_p11_wrlock();
	g.initialized = false;
	release_all();
	hl_crypto_release(); /* after the keys: nothing uses the fetched algorithms now */
	hl_p11_unlock();
	if (g.app_locks)
		g.args.DestroyMutex(g.app_mutex);
	pthread_rwlock_destroy(&g.rw);
	memset(&g, 0, sizeof(g));
out:
	pthread_mutex_unlock(&init_lock);
	return rv;
}

/* -- information -- */

static void pad(CK_UTF8CHAR *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	memset(dst, ' ', n);
	memcpy(dst, src, len > n ? n : len);
}

static const hl_profile_t *module_profile(void)
{
	const hl_profile_t *p = NULL;
	char err[320];
	if (default_profile(&p, err, sizeof(err)) != HL_OK)
		return NULL;
	return p;
}

CK_RV hl_p11_C_GetInfo(CK_INFO_PTR pInfo)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	hl_p11_wrlock();
	const hl_profile_t *p = module_profile();
	memset(pInfo, 0, sizeof(*pInfo));
	pInfo->cryptokiVersion = p ? p->cryptoki_version : (CK_VERSION){ 2, 40 };
	pad(pInfo->manufacturerID, 32, p ? p->manufacturer : "hsmlab");
	pad(pInfo->libraryDescription, 32, p ? p->library_description : "hsmlab");
	pInfo->libraryVersion = p ? p->library_version : (CK_VERSION){ 0, 1 };
	hl_p11_unlock();
	return CKR_OK;
}

CK_RV hl_p11_C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	hl_p11_wrlock();
	CK_RV rv = pSlotList ? CKR_OK : hl_p11_rescan(); /* a new list is fixed by the query */
	CK_ULONG n = (CK_ULONG)g.n_slots;
	if (rv == CKR_OK && pSlotList) {
		if (*pulCount < n)
			rv = CKR_BUFFER_TOO_SMALL;
		for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++)
			pSlotList[i] = g.slots[i]->id;
	}
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*pulCount = n;
	(void)tokenPresent; /* every slot holds its device's token */
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(slotID);
	CK_RV rv = slot ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (slot) {
		const hl_profile_t *p = slot->dev->profile;
		memset(pInfo, 0, sizeof(*pInfo));
		pad(pInfo->slotDescription, 64, p ? p->slot_description : "hsmlab device");
		pad(pInfo->manufacturerID, 32, p ? p->manufacturer : "hsmlab");
		pInfo->flags = p ? p->slot_flags : CKF_TOKEN_PRESENT;
		pInfo->hardwareVersion = p ? p->hardware_version : (CK_VERSION){ 1, 0 };
		pInfo->firmwareVersion = p ? p->firmware_version : (CK_VERSION){ 1, 0 };
	}
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(slotID);
	CK_RV rv = slot ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (slot && slot->dev->broken) {
		hl_p11_log("%s", slot->dev->err);
		rv = hl_p11_rv(slot->dev->broken);
	} else if (slot) {
		rv = hl_p11_rv(hl_device_token_info(slot->dev, pInfo));
		pInfo->ulSessionCount = __atomic_load_n(&slot->n_sessions, __ATOMIC_RELAXED);
		pInfo->ulRwSessionCount = __atomic_load_n(&slot->n_rw, __ATOMIC_RELAXED);
	}
	hl_p11_unlock();
	return rv;
}

/* Mechanisms the ABI layer implements itself on top of the crypto layer. */
static bool own_mechanism(CK_MECHANISM_TYPE m)
{
	return m == CKM_RSA_PKCS_KEY_PAIR_GEN || m == CKM_RSA_X9_31_KEY_PAIR_GEN ||
	       m == CKM_EC_KEY_PAIR_GEN || m == CKM_AES_KEY_GEN || m == CKM_AES_KEY_WRAP_PAD;
}

static bool offered(const hl_profile_mech_t *pm)
{
	CK_MECHANISM_INFO info;
	return own_mechanism(pm->type) || hl_crypto_mech_info(pm->type, &info);
}

CK_RV hl_p11_C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pList,
				CK_ULONG_PTR pulCount)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(slotID);
	CK_RV rv = slot && slot->dev->profile ? CKR_OK : CKR_SLOT_ID_INVALID;
	CK_ULONG n = 0;
	for (size_t i = 0; rv == CKR_OK && i < slot->dev->profile->n_mechs; i++) {
		const hl_profile_mech_t *pm = &slot->dev->profile->mechs[i];
		if (!offered(pm))
			continue;
		if (pList && n < *pulCount)
			pList[n] = pm->type;
		n++;
	}
	if (rv == CKR_OK && pList && n > *pulCount)
		rv = CKR_BUFFER_TOO_SMALL;
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*pulCount = n;
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type,
				CK_MECHANISM_INFO_PTR pInfo)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!pInfo)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(slotID);
	CK_RV rv = slot && slot->dev->profile ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK) {
		const hl_profile_mech_t *pm = hl_profile_mech(slot->dev->profile, type);
		if (pm && offered(pm))
			*pInfo = pm->info;
		else
			rv = CKR_MECHANISM_INVALID;
	}
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	return CKR_FUNCTION_NOT_SUPPORTED;
}

CK_RV hl_p11_C_GetFunctionStatus(CK_SESSION_HANDLE hSession)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_PARALLEL : CKR_CRYPTOKI_NOT_INITIALIZED;
}

CK_RV hl_p11_C_CancelFunction(CK_SESSION_HANDLE hSession)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_PARALLEL : CKR_CRYPTOKI_NOT_INITIALIZED;
}
