/* SPDX-License-Identifier: BSD-2-Clause
 * Threads against the built module: C_Initialize racing, caller-supplied mutexes, and
 * parallel signing on separate sessions (correctness, and that it scales). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hsmlab/p11client.h"
#include "modsession.h"
#include "testlab.h"

static testlab_t lab;
static hl_p11_module_t *mod;
static CK_FUNCTION_LIST_PTR fn;
static CK_SLOT_ID slot;
static CK_OBJECT_HANDLE priv, pub;

static void setup(void)
{
	char err[512];
	testlab_make(&lab);
	mod = hl_p11_module_load(getenv("HSMLAB_MODULE"), 1, err, sizeof(err));
	cr_assert_not_null(mod, "%s", err);
	fn = hl_p11_module_fn(mod);
}
static void teardown(void)
{
	fn->C_Finalize(NULL);
	hl_p11_module_free(mod);
	testlab_remove(&lab);
}
TestSuite(threads, .init = setup, .fini = teardown);

static pthread_barrier_t barrier;
static CK_RV results[8];

static void *init_racer(void *arg)
{
	pthread_barrier_wait(&barrier);
	results[(size_t)arg] = fn->C_Initialize(NULL);
	return NULL;
}

Test(threads, initialize_race)
{
	pthread_t t[8];
	pthread_barrier_init(&barrier, NULL, 8);
	for (size_t i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, init_racer, (void *)i);
	int ok = 0, already = 0;
	for (size_t i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		ok += results[i] == CKR_OK;
		already += results[i] == CKR_CRYPTOKI_ALREADY_INITIALIZED;
	}
	cr_assert_eq(ok, 1);
	cr_assert_eq(already, 7);
	CK_ULONG n = 0;
	cr_assert_eq(fn->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
	cr_assert_geq(n, 1);
}

/* Caller-supplied mutexes: counted, so the test sees the module use them. */
static int locks;
static CK_RV mk(CK_VOID_PTR_PTR m)
{
	pthread_mutex_t *p = calloc(1, sizeof(*p));
	pthread_mutex_init(p, NULL);
	*m = p;
	return CKR_OK;
}
static CK_RV rm(CK_VOID_PTR m)
{
	pthread_mutex_destroy(m);
	free(m);
	return CKR_OK;
}
static CK_RV lk(CK_VOID_PTR m)
{
	__atomic_add_fetch(&locks, 1, __ATOMIC_RELAXED);
	return pthread_mutex_lock(m) ? CKR_GENERAL_ERROR : CKR_OK;
}
static CK_RV ul(CK_VOID_PTR m)
{
	return pthread_mutex_unlock(m) ? CKR_GENERAL_ERROR : CKR_OK;
}

Test(threads, caller_supplied_mutexes_are_used)
{
	CK_C_INITIALIZE_ARGS args = { mk, rm, lk, ul, 0, NULL };
	cr_assert_eq(fn->C_Initialize(&args), CKR_OK);
	CK_SLOT_INFO si;
	CK_ULONG n = 1;
	cr_assert_eq(fn->C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	cr_assert_eq(fn->C_GetSlotInfo(slot, &si), CKR_OK);
	cr_assert_gt(locks, 0);
}

static void make_key(void)
{
	CK_SESSION_HANDLE s;
	CK_ULONG n = 1, bits = 2048;
	CK_BBOOL yes = CK_TRUE;
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) }, { CKA_TOKEN, &yes, 1 } };
	CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &yes, 1 }, { CKA_LABEL, "mt", 2 } };
	cr_assert_eq(fn->C_Initialize(NULL), CKR_OK);
	cr_assert_eq(fn->C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	s = testlab_user_session(fn, slot, "");
	cr_assert_eq(fn->C_GenerateKeyPair(s, &m, pt, 2, vt, 2, &pub, &priv), CKR_OK);
	/* The session stays open: login state is per token and lasts while sessions exist. */
}

typedef struct {
	int signs, bad;
} job_t;

static void *signer(void *arg)
{
	job_t *j = arg;
	CK_SESSION_HANDLE s;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE sig[256];
	if (fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		j->bad = j->signs;
		return NULL;
	}
	for (int i = 0; i < j->signs; i++) {
		CK_ULONG sl = sizeof(sig);
		if (fn->C_SignInit(s, &m, priv) != CKR_OK ||
		    fn->C_Sign(s, (CK_BYTE_PTR)&i, sizeof(i), sig, &sl) != CKR_OK ||
		    fn->C_VerifyInit(s, &m, pub) != CKR_OK ||
		    fn->C_Verify(s, (CK_BYTE_PTR)&i, sizeof(i), sig, sl) != CKR_OK)
			j->bad++;
	}
	fn->C_CloseSession(s);
	return NULL;
}

static double run(int nthreads, int signs_each, int *bad)
{
	pthread_t t[8];
	job_t jobs[8];
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < nthreads; i++) {
		jobs[i] = (job_t){ signs_each, 0 };
		pthread_create(&t[i], NULL, signer, &jobs[i]);
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		*bad += jobs[i].bad;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

Test(threads, parallel_signing_is_correct)
{
	int bad = 0;
	make_key();
	run(4, 50, &bad);
	cr_assert_eq(bad, 0);
}

/* Scaling with threads is measured by the benchmark (hsmlab-bench perf, "2 threads"), not
 * here: timing does not belong in pass/fail tests. */
