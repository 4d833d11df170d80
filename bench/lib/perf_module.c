/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the workloads through a PKCS#11 module — sign/verify, finding among many
 * token objects, durable creation, and cold start in a fresh process. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "hsmlab/p11import.h"
#include "perf_work.h"

static const char key_rsa[] = "hsmlab-perf-rsa", key_ec[] = "hsmlab-perf-ec";

typedef struct {
	CK_FUNCTION_LIST_PTR fn;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_MECHANISM mech;
	CK_GCM_PARAMS gcm;
	CK_ECDH1_DERIVE_PARAMS ecdh;
	unsigned char peer[65];
	int verify, encrypt, derive;
	unsigned char in[256], sig[512];
	CK_ULONG inlen, siglen;
} p11_arg_t;

typedef struct {
	hl_perf_t *p;
	const char *name;
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE rsa[2], ec[2];   /* private, public */
	CK_OBJECT_HANDLE ed[2], ecdh[2];  /* Ed25519 (p->ed); a generated P-256 derive key */
	CK_OBJECT_HANDLE aes[2], hmac[2]; /* the same secret key twice */
	size_t cap, have;                 /* object count limit and objects made so far */
	const char *module, *token, *pin;
} tctx_t;

static int p11_op(void *v)
{
	p11_arg_t *a = v;
	CK_ULONG len = sizeof a->sig;
	CK_RV rv;

	if (a->derive) {
		static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
		static CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
		static CK_ULONG vl = 32;
		CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
				     { CKA_KEY_TYPE, &kt, sizeof kt },
				     { CKA_VALUE_LEN, &vl, sizeof vl } };
		CK_OBJECT_HANDLE h = 0;

		rv = a->fn->C_DeriveKey(a->s, &a->mech, a->key, t, 3, &h);
		if (rv == CKR_OK)
			rv = a->fn->C_DestroyObject(a->s, h);
		return (int)rv;
	}
	if (a->encrypt) {
		rv = a->fn->C_EncryptInit(a->s, &a->mech, a->key);
		if (rv == CKR_OK)
			rv = a->fn->C_Encrypt(a->s, a->in, a->inlen, a->sig, &len);
		return (int)rv;
	}
	if (a->verify) {
		rv = a->fn->C_VerifyInit(a->s, &a->mech, a->key);
		if (rv == CKR_OK)
			rv = a->fn->C_Verify(a->s, a->in, a->inlen, a->sig, a->siglen);
		return (int)rv;
	}
	rv = a->fn->C_SignInit(a->s, &a->mech, a->key);
	if (rv == CKR_OK)
		rv = a->fn->C_Sign(a->s, a->in, a->inlen, a->sig, &len);
	a->siglen = len;
	return (int)rv;
}

static int has_mech(tctx_t *c, CK_MECHANISM_TYPE m)
{
	CK_MECHANISM_INFO mi;

	return c->fn->C_GetMechanismInfo(c->slot, m, &mi) == CKR_OK;
}

/* A session secret key with hl_perf_secret's first len bytes; 0 when the module refuses. */
static CK_OBJECT_HANDLE secret_key(tctx_t *c, CK_KEY_TYPE kt, CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE h = 0;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_KEY_TYPE, &kt, sizeof kt },
			     { CKA_VALUE, (void *)hl_perf_secret, len },
			     { CKA_ENCRYPT, &yes, 1 },
			     { CKA_SIGN, &yes, 1 } };
	return c->fn->C_CreateObject(c->s, t, 5, &h) == CKR_OK ? h : 0;
}

/* The bench's Ed25519 key as two session objects (CKA_EC_PARAMS the RFC 8410 OID, which
 * every module taking Edwards keys reads); 0s when the module refuses them. */
static void ed_keys(tctx_t *c)
{
	static const unsigned char oid[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
	CK_OBJECT_CLASS priv = CKO_PRIVATE_KEY, pub = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_EC_EDWARDS;
	CK_BBOOL yes = CK_TRUE;
	unsigned char d[32], q[34] = { 0x04, 32 };
	size_t dl = sizeof d, ql = 32;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &priv, sizeof priv },
			     { CKA_KEY_TYPE, &kt, sizeof kt },
			     { CKA_EC_PARAMS, (void *)oid, sizeof oid },
			     { CKA_VALUE, d, sizeof d },
			     { CKA_SIGN, &yes, 1 } };

	c->ed[0] = c->ed[1] = 0;
	if (EVP_PKEY_get_raw_private_key(c->p->ed, d, &dl) != 1 ||
	    EVP_PKEY_get_raw_public_key(c->p->ed, q + 2, &ql) != 1 ||
	    c->fn->C_CreateObject(c->s, t, 5, &c->ed[0]) != CKR_OK)
		c->ed[0] = 0;
	OPENSSL_cleanse(d, sizeof d);
	t[0].pValue = &pub;
	t[3] = (CK_ATTRIBUTE){ CKA_EC_POINT, q, sizeof q };
	t[4].type = CKA_VERIFY;
	if (c->ed[0] != 0 && c->fn->C_CreateObject(c->s, t, 5, &c->ed[1]) != CKR_OK)
		c->ed[0] = c->ed[1] = 0;
}

/* A session P-256 key pair allowed to derive (imported keys are not). */
static void ecdh_key(tctx_t *c)
{
	static const unsigned char p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48,
					      0xce, 0x3d, 0x03, 0x01, 0x07 };
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pt[] = { { CKA_EC_PARAMS, (void *)p256, sizeof p256 } };
	CK_ATTRIBUTE kt[] = { { CKA_DERIVE, &yes, 1 } };

	if (c->fn->C_GenerateKeyPair(c->s, &m, pt, 1, kt, 1, &c->ecdh[1], &c->ecdh[0]) != CKR_OK)
		c->ecdh[0] = c->ecdh[1] = 0;
}

/* Per-thread set-up of the mechanism parameter a workload needs (GCM, ECDH). */
static void work_params(tctx_t *c, const hl_perf_work_t *w, p11_arg_t *a)
{
	size_t pl = 0;

	if (w->secret == HL_SK_AES) {
		CK_GCM_PARAMS g = { (CK_BYTE_PTR)hl_perf_gcm_iv, 12, 96, NULL, 0, 128 };
		a->gcm = g;
		a->mech.pParameter = &a->gcm;
		a->mech.ulParameterLen = sizeof a->gcm;
		a->encrypt = 1;
	}
	if (w->derive) {
		EVP_PKEY_get_octet_string_param(c->p->peer, "pub", a->peer, sizeof a->peer, &pl);
		a->ecdh = (CK_ECDH1_DERIVE_PARAMS){ CKD_NULL, 0, NULL, (CK_ULONG)pl, a->peer };
		a->mech.pParameter = &a->ecdh;
		a->mech.ulParameterLen = sizeof a->ecdh;
		a->derive = 1;
	}
}

static void sign_workloads(tctx_t *c)
{
	for (const hl_perf_work_t *w = hl_perf_works; w->name != NULL; w++) {
		p11_arg_t a[2];
		void *args[2] = { &a[0], &a[1] };
		CK_OBJECT_HANDLE *k = w->secret == HL_SK_AES    ? c->aes
				      : w->secret == HL_SK_HMAC ? c->hmac
				      : w->derive               ? c->ecdh
				      : w->ec == HL_EC_ED25519  ? c->ed
				      : w->ec                   ? c->ec
								: c->rsa;
		hl_perf_row_t *r;
		int t;

		if (!has_mech(c, w->mech) || k[0] == 0) {
			r = hl_perf_add(c->p, c->name, w->name, 0, "ops/s");
			if (r != NULL)
				snprintf(r->note, sizeof r->note, "skipped: %s",
					 !has_mech(c, w->mech)
					     ? "mechanism not offered by the module"
					     : "key import failed");
			continue;
		}
		for (t = 0; t < w->threads; t++) {
			size_t len = 0;

			memset(&a[t], 0, sizeof a[t]);
			a[t].fn = c->fn;
			a[t].mech.mechanism = w->mech;
			a[t].key = k[0];
			hl_perf_input(w->input, a[t].in, &len);
			a[t].inlen = (CK_ULONG)len;
			work_params(c, w, &a[t]);
			if (c->fn->C_OpenSession(c->slot, CKF_SERIAL_SESSION, NULL, NULL,
						 &a[t].s) != CKR_OK)
				break;
			if (w->verify) {
				p11_op(&a[t]);
				a[t].verify = 1;
				a[t].key = k[1];
			}
		}
		if (t == w->threads) {
			void *raw[2];
			int paired = hl_perf_raw_new(c->p, w, raw) == 0;

			hl_perf_measure(c->p, c->name, w->name, 0, p11_op, args, w->threads,
					paired ? hl_perf_raw_op : NULL, paired ? raw : NULL);
			hl_perf_raw_free(raw);
		}
		while (t-- > 0)
			c->fn->C_CloseSession(a[t].s);
	}
}

/* -- many objects: create, find, cold start -- */

static CK_RV create_obj(tctx_t *c, size_t i)
{
	static CK_OBJECT_CLASS cls = CKO_DATA;
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	char label[40];
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_TOKEN, &yes, 1 },
			     { CKA_PRIVATE, &no, 1 },
			     { CKA_LABEL, label, 0 },
			     { CKA_VALUE, (void *)hl_perf_msg, sizeof hl_perf_msg } };

	t[3].ulValueLen = (CK_ULONG)snprintf(label, sizeof label, "hsmlab-perf-obj-%07zu", i);
	return c->fn->C_CreateObject(c->s, t, 5, &h);
}

typedef struct {
	tctx_t *c;
	char label[40];
} find_arg_t;

static int find_op(void *v)
{
	find_arg_t *a = v;
	CK_OBJECT_HANDLE h[4];
	CK_ULONG n = 0;
	CK_RV rv = hl_p11_find_by_label(a->c->fn, a->c->s, CKO_DATA, a->label, h, 4, &n);

	if (rv == CKR_OK && n != 1)
		rv = CKR_GENERAL_ERROR;
	return (int)rv;
}

/* Grows the token to `size` objects; records the creation rate of this step. */
static int populate(tctx_t *c, size_t size)
{
	double t0 = hl_perf_now();
	size_t from = c->have;
	hl_perf_row_t *r;
	CK_RV rv = CKR_OK;

	while (c->have < size && (rv = create_obj(c, c->have)) == CKR_OK)
		c->have++;
	r = hl_perf_add(c->p, c->name, "create token object", size, "creates/s");
	if (r != NULL && c->have > from) {
		r->v[r->n++] = (double)(c->have - from) / (hl_perf_now() - t0);
		snprintf(r->note, sizeof r->note, "objects %zu..%zu", from + 1, c->have);
	}
	if (rv != CKR_OK && r != NULL)
		snprintf(r->note, sizeof r->note, "failed at object %zu: %s", c->have + 1,
			 hl_ckr_name(rv));
	return rv == CKR_OK ? 0 : -1;
}

/* Runs `hsmlab-bench perf-child` (a fresh process: nothing loaded, nothing cached). */
static int cold_child(tctx_t *c, double *ms, double *kib)
{
	int fds[2], status = 0, got = 0;
	char line[256];
	FILE *in;
	pid_t pid;

	if (c->p->o.self_exe == NULL || pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		/* The PIN goes through the environment, not the argument list others can read. */
		setenv("HSMLAB_BENCH_PIN", c->pin, 1);
		execl(c->p->o.self_exe, c->p->o.self_exe, "perf-child", c->module, c->token,
		      key_rsa, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	if (in != NULL) {
		if (fgets(line, sizeof line, in) != NULL &&
		    sscanf(line, "ms=%lf hwm_kib=%lf", ms, kib) == 2)
			got = 1;
		fclose(in);
	} else {
		close(fds[0]);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return got && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void cold_start(tctx_t *c, size_t size)
{
	hl_perf_row_t *r = hl_perf_add(c->p, c->name, "cold start", size, "ms");
	hl_perf_row_t *m = hl_perf_add(c->p, c->name, "peak memory (VmHWM)", size, "KiB");

	for (int i = 0; r != NULL && m != NULL && i < c->p->o.runs; i++) {
		double ms = 0, kib = 0;

		if (cold_child(c, &ms, &kib) != 0) {
			snprintf(r->note, sizeof r->note, "the cold-start child failed");
			return;
		}
		r->v[r->n++] = ms;
		m->v[m->n++] = kib;
	}
	if (r != NULL)
		snprintf(r->note, sizeof r->note,
			 "C_Initialize+open+login+find+first sign, fresh process");
}

static void size_workloads(tctx_t *c)
{
	for (size_t i = 0; i < c->p->o.nsizes; i++) {
		size_t size = c->p->o.sizes[i];
		find_arg_t fa = { .c = c };
		void *args[1] = { &fa };

		if (c->cap && size > c->cap) {
			hl_perf_row_t *r =
			    hl_perf_add(c->p, c->name, "find by label", size, "ops/s");

			if (r != NULL)
				snprintf(r->note, sizeof r->note,
					 "skipped (and its cold start): capped at %zu objects for "
					 "this target (--softhsm-max-objects, --max-objects)",
					 c->cap);
			continue;
		}
		if (populate(c, size) != 0)
			return;
		snprintf(fa.label, sizeof fa.label, "hsmlab-perf-obj-%07zu", size / 2);
		hl_perf_measure(c->p, c->name, "find by label", size, find_op, args, 1, NULL, NULL);
		cold_start(c, size);
	}
}

/* -- a whole target -- */

static void describe(tctx_t *c)
{
	hl_perf_t *p = c->p;
	char man[33], desc[33];
	CK_INFO info;

	if (p->nmodules >= sizeof p->modules / sizeof p->modules[0] ||
	    c->fn->C_GetInfo(&info) != CKR_OK)
		return;
	hl_p11_unpad(man, info.manufacturerID, sizeof info.manufacturerID);
	hl_p11_unpad(desc, info.libraryDescription, sizeof info.libraryDescription);
	snprintf(p->modules[p->nmodules++], sizeof p->modules[0], "%s: %s, %s %u.%u (%s)", c->name,
		 man, desc, info.libraryVersion.major, info.libraryVersion.minor, c->module);
	/* SoftHSMv2 keeps one file per object: populating 100k takes far too long. */
	c->cap = p->o.max_objects;
	if (strncmp(man, "SoftHSM", 7) == 0 && p->o.softhsm_max_objects &&
	    (c->cap == 0 || p->o.softhsm_max_objects < c->cap))
		c->cap = p->o.softhsm_max_objects;
}

static int run_loaded(tctx_t *c, char *err, size_t errlen)
{
	const char *step = "C_OpenSession";
	CK_RV rv;

	describe(c);
	rv = c->fn->C_OpenSession(c->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &c->s);
	if (rv == CKR_OK) {
		step = "C_Login";
		rv = c->fn->C_Login(c->s, CKU_USER, (CK_UTF8CHAR_PTR)c->pin, strlen(c->pin));
		if (rv == CKR_USER_ALREADY_LOGGED_IN)
			rv = CKR_OK;
	}
	if (rv != CKR_OK) {
		snprintf(err, errlen, "%s: %s: %s", c->name, step, hl_ckr_name(rv));
		return -1;
	}
	/* Keys the module cannot take (e.g. no EC) only skip their workloads. */
	hl_p11_import_pkey(c->fn, c->s, c->p->rsa, key_rsa, &c->rsa[0], &c->rsa[1]);
	hl_p11_import_pkey(c->fn, c->s, c->p->ec, key_ec, &c->ec[0], &c->ec[1]);
	c->aes[0] = c->aes[1] = secret_key(c, CKK_AES, 16);
	c->hmac[0] = c->hmac[1] = secret_key(c, CKK_GENERIC_SECRET, 32);
	if (has_mech(c, CKM_EDDSA))
		ed_keys(c);
	if (has_mech(c, CKM_ECDH1_DERIVE))
		ecdh_key(c);
	sign_workloads(c);
	size_workloads(c);
	return 0;
}

int hl_perf_run_target(hl_perf_t *p, hl_bench_target_t *t, const char *rundir, char *err,
		       size_t errlen)
{
	tctx_t c = { .p = p, .name = hl_bench_target_name(t) };
	hl_p11_module_t *mod = NULL;
	hl_perf_row_t *r;
	int rc = -1;

	if (hl_bench_target_prepare(t, rundir, err, errlen) != 0)
		goto out;
	c.module = hl_bench_target_module(t);
	c.token = hl_bench_target_token(t);
	c.pin = hl_bench_target_user_pin(t);
	if (c.token == NULL || c.pin == NULL) {
		snprintf(err, errlen, "%s: the benchmark needs a token label and a user PIN",
			 c.name);
		goto out;
	}
	mod = hl_p11_module_load(c.module, 0, err, errlen);
	if (mod == NULL)
		goto out;
	c.fn = hl_p11_module_fn(mod);
	if (hl_bench_target_open(t, c.fn, &c.slot, err, errlen) != CKR_OK)
		goto out;
	rc = run_loaded(&c, err, errlen);
out:
	if (rc != 0 && (r = hl_perf_add(p, c.name, "(target)", 0, "")) != NULL)
		snprintf(r->note, sizeof r->note, "not measured: %s", err);
	if (c.s != 0)
		c.fn->C_CloseSession(c.s);
	hl_p11_module_free(mod);
	return rc;
}

/* -- the cold-start child -- */

static long vm_hwm_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kib;
}

int hl_perf_cold_start(const char *module, const char *token, const char *pin,
		       const char *key_label, FILE *out, char *err, size_t errlen)
{
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	unsigned char di[51], sig[512];
	CK_ULONG n = 0, siglen = sizeof sig;
	CK_OBJECT_HANDLE key = 0;
	CK_SESSION_HANDLE s = 0;
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	const char *step = "C_GetSlotList";
	double t0 = hl_perf_now();
	CK_RV rv;

	hl_perf_digest_info(di);
	mod = hl_p11_module_load(module, 0, err, errlen);
	if (mod == NULL)
		return -1;
	fn = hl_p11_module_fn(mod);
	rv = hl_p11_find_slot(fn, token, &slot);
	if (rv == CKR_OK && (step = "C_OpenSession") != NULL)
		rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv == CKR_OK && (step = "C_Login") != NULL)
		rv = fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv == CKR_OK && (step = "C_FindObjects") != NULL)
		rv = hl_p11_find_by_label(fn, s, CKO_PRIVATE_KEY, key_label, &key, 1, &n);
	if (rv == CKR_OK && n == 0)
		rv = CKR_KEY_HANDLE_INVALID;
	if (rv == CKR_OK && (step = "C_SignInit") != NULL)
		rv = fn->C_SignInit(s, &m, key);
	if (rv == CKR_OK && (step = "C_Sign") != NULL)
		rv = fn->C_Sign(s, di, sizeof di, sig, &siglen);
	if (rv == CKR_OK)
		fprintf(out, "ms=%.3f hwm_kib=%ld\n", (hl_perf_now() - t0) * 1e3, vm_hwm_kib());
	else
		snprintf(err, errlen, "%s: %s: %s", module, step, hl_ckr_name(rv));
	hl_p11_module_free(mod);
	return rv == CKR_OK ? 0 : -1;
}
