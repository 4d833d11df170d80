/* SPDX-License-Identifier: BSD-2-Clause
 * The benchmark's pieces against SoftHSMv2: the imported key signs exactly as OpenSSL does
 * with the same key (so module and raw figures compare like with like), and a tiny run
 * fills every row it should, skipping what the cap excludes. */
#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/p11import.h"
#include "bench_test.h"
#include "hsmlab/bench/perf.h"
#include "perf_int.h"

TestSuite(perf, .init = hl_test_setup, .timeout = 60);

Test(perf, imported_key_signs_like_openssl)
{
	hl_bench_target_t *t = hl_test_softhsm2(1);
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	unsigned char di[51], mine[256], theirs[512];
	size_t mlen = sizeof mine;
	CK_ULONG tlen = sizeof theirs;
	CK_OBJECT_HANDLE priv = 0, pub = 0;
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	char err[512] = "";
	hl_p11_module_t *mod = hl_p11_module_load(hl_bench_target_module(t), 0, err, sizeof err);
	CK_FUNCTION_LIST_PTR fn;
	const char *pin = hl_bench_target_user_pin(t);

	cr_assert_not_null(mod, "%s", err);
	fn = hl_p11_module_fn(mod);
	cr_assert_eq(hl_bench_target_open(t, fn, &slot, err, sizeof err), CKR_OK, "%s", err);
	cr_assert_eq(fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	cr_assert_eq(fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
	cr_assert_eq(hl_p11_import_pkey(fn, s, key, "k", &priv, &pub), CKR_OK);
	hl_perf_digest_info(di);
	cr_assert_eq(fn->C_SignInit(s, &m, priv), CKR_OK);
	cr_assert_eq(fn->C_Sign(s, di, sizeof di, theirs, &tlen), CKR_OK);
	cr_assert_eq(EVP_PKEY_sign_init(ctx), 1);
	cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	cr_assert_eq(EVP_PKEY_sign(ctx, mine, &mlen, di, sizeof di), 1);
	cr_assert_eq(tlen, mlen);
	cr_assert_arr_eq(theirs, mine, mlen, "PKCS#1 v1.5 is deterministic: same key, same bytes");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
	fn->C_CloseSession(s);
	hl_p11_module_free(mod);
	hl_bench_target_free(t);
}

static const hl_perf_row_t *row(const hl_perf_t *p, const char *target, const char *w, size_t size)
{
	for (size_t i = 0; i < hl_perf_rows(p); i++) {
		const hl_perf_row_t *r = hl_perf_row(p, i);

		if (!strcmp(r->target, target) && !strcmp(r->workload, w) && r->size == size)
			return r;
	}
	cr_assert_fail("no row %s / %s / %zu", target, w, size);
	return NULL;
}

Test(perf, a_tiny_run_fills_every_row)
{
	hl_perf_opts_t o = { .runs = 2,
			     .seconds = 0.01,
			     .sizes = { 5, 40 },
			     .nsizes = 2,
			     .softhsm_max_objects = 20 };
	hl_bench_target_t *t = hl_test_softhsm2(0);
	char err[512] = "";
	hl_perf_t *p = hl_perf_new(&o, err, sizeof err);
	const hl_perf_row_t *r;

	cr_assert_not_null(p, "%s", err);
	cr_assert_eq(hl_perf_run_raw(p), 0);
	cr_assert_eq(hl_perf_run_target(p, t, hl_test_dir, err, sizeof err), 0, "%s", err);
	for (const char *const *w =
		 (const char *const[]){ "sign RSA-2048 CKM_SHA256_RSA_PKCS",
					"sign RSA-2048 CKM_RSA_PKCS", "sign RSA-2048 CKM_RSA_X_509",
					"sign ECDSA P-256 CKM_ECDSA",
					"verify RSA-2048 CKM_SHA256_RSA_PKCS",
					"sign RSA-2048 CKM_SHA256_RSA_PKCS, 2 threads", NULL };
	     *w != NULL; w++) {
		for (int k = 0; k < 2; k++) {
			r = row(p, k ? "softhsm2" : "openssl", *w, 0);
			cr_expect_eq(r->n, 2, "%s %s: %s", r->target, *w, r->note);
			cr_expect_gt(hl_perf_median(r), 0);
			cr_expect_gt(r->p99, 0);
			cr_expect(r->p50 <= r->p90 && r->p90 <= r->p99);
			/* Module runs are paired with raw runs of the same work. */
			cr_expect_eq(r->nraw, k ? 2 : 0, "%s %s", r->target, *w);
		}
	}
	cr_assert_gt(hl_perf_median(row(p, "softhsm2", "find by label", 5)), 0);
	cr_assert_gt(hl_perf_median(row(p, "softhsm2", "create token object", 5)), 0);
	/* Cold start needs the hsmlab-bench binary: here the self path is unset. */
	cr_assert(strstr(row(p, "softhsm2", "cold start", 5)->note, "failed") != NULL);
	r = row(p, "softhsm2", "find by label", 40);
	cr_assert_eq(r->n, 0);
	cr_assert(strstr(r->note, "skipped") && strstr(r->note, "capped at 20"), "%s", r->note);
	hl_perf_free(p);
	hl_bench_target_free(t);
}
