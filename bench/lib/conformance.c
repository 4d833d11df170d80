/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the conformance runner — a child process per target runs the checks and
 * streams "id<TAB>value<TAB>detail" lines back; the parent compares them with expectations. */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "conf_int.h"
#include "hsmlab/bench/expect.h"

/* Generous: RSA keygen on a slow module plus every mechanism round trip. */
enum { CHILD_TIMEOUT_S = 300 };

static const hl_conf_entry_t *const tables[] = { hl_conf_session_checks, hl_conf_object_checks,
						 hl_conf_mech_checks, hl_conf_keyrule_checks };
enum { NTABLES = sizeof tables / sizeof tables[0] };

static const char *const key_labels[HL_KEY_COUNT] = {
	"hsmlab-conf-rsa", "hsmlab-conf-rsa",  "hsmlab-conf-ec", "hsmlab-conf-ec",
	"hsmlab-conf-aes", "hsmlab-conf-hmac", "hsmlab-conf-ed", "hsmlab-conf-ed",
};

/* -- helpers for the checks -- */

static void vset(char *dst, size_t n, const char *fmt, va_list ap)
{
	vsnprintf(dst, n, fmt, ap);
	for (char *p = dst; *p; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
}

void hl_conf_val(hl_conf_out_t *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(o->value, sizeof o->value, fmt, ap);
	va_end(ap);
}

void hl_conf_detail(hl_conf_out_t *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(o->detail, sizeof o->detail, fmt, ap);
	va_end(ap);
}

void hl_conf_emit(hl_conf_ctx_t *c, const char *id, const hl_conf_out_t *o)
{
	fprintf(c->out, "%s\t%s\t%s\n", id, o->value[0] ? o->value : "(none)", o->detail);
	fflush(c->out);
}

int hl_conf_has_mech(const hl_conf_ctx_t *c, CK_MECHANISM_TYPE mech)
{
	for (CK_ULONG i = 0; i < c->nmechs; i++)
		if (c->mechs[i] == mech)
			return 1;
	return 0;
}

CK_RV hl_conf_session(hl_conf_ctx_t *c, int rw, int login, CK_SESSION_HANDLE *s)
{
	const char *pin = hl_bench_target_user_pin(c->t);
	CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	CK_RV rv = c->fn->C_OpenSession(c->slot, flags, NULL, NULL, s);

	if (rv != CKR_OK || !login)
		return rv;
	if (pin == NULL)
		pin = "";
	rv = c->fn->C_Login(*s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv == CKR_USER_ALREADY_LOGGED_IN)
		rv = CKR_OK;
	if (rv != CKR_OK)
		c->fn->C_CloseSession(*s);
	return rv;
}

static CK_RV make_key(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, hl_conf_key_t which)
{
	static CK_BBOOL yes = CK_TRUE;
	static CK_ULONG bits = 2048, len32 = 32, len64 = 64;
	static CK_BYTE e65537[] = { 1, 0, 1 };
	static CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	static CK_BYTE ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 }; /* RFC 8410 */
	const char *label = key_labels[which];
	CK_ULONG ll = strlen(label);
	/* Every suite key carries a CKA_ID, as DNSSEC signers give theirs: a device that wants
	 * one (G10) must still show the other rows. Two bytes, one per key pair, so a device
	 * with short or unique ids (G14, G15) takes it too (a pair shares one); key.without_id
	 * makes its own key. */
	static const CK_BYTE pair_of[HL_KEY_COUNT] = { 1, 1, 2, 2, 3, 4, 5, 5 };
	CK_BYTE id[2] = { 'h', pair_of[which] };
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &yes, 1 },           { CKA_PRIVATE, &yes, 1 },
		{ CKA_SENSITIVE, &yes, 1 },       { CKA_SIGN, &yes, 1 },
		{ CKA_LABEL, (void *)label, ll }, { CKA_ID, id, sizeof id },
		{ CKA_DECRYPT, &yes, 1 }, /* last: an EC key takes the others only */
	};
	CK_ATTRIBUTE rsa_pub[] = {
		{ CKA_TOKEN, &yes, 1 },
		{ CKA_VERIFY, &yes, 1 },
		{ CKA_ENCRYPT, &yes, 1 },
		{ CKA_LABEL, (void *)label, ll },
		{ CKA_MODULUS_BITS, &bits, sizeof bits },
		{ CKA_PUBLIC_EXPONENT, e65537, sizeof e65537 },
		{ CKA_ID, id, sizeof id },
	};
	CK_ATTRIBUTE ec_pub[] = {
		{ CKA_TOKEN, &yes, 1 },           { CKA_VERIFY, &yes, 1 },
		{ CKA_LABEL, (void *)label, ll }, { CKA_EC_PARAMS, p256, sizeof p256 },
		{ CKA_ID, id, sizeof id },
	};
	int aes = which == HL_KEY_AES;
	CK_ATTRIBUTE secret[] = {
		{ CKA_TOKEN, &yes, 1 },
		{ CKA_SENSITIVE, &yes, 1 },
		{ CKA_LABEL, (void *)label, ll },
		{ CKA_ID, id, sizeof id },
		/* HMAC-SHA512 wants a key as long as its output */
		{ CKA_VALUE_LEN, aes ? &len32 : &len64, sizeof len32 },
		{ aes ? CKA_ENCRYPT : CKA_SIGN, &yes, 1 },
		{ aes ? CKA_DECRYPT : CKA_VERIFY, &yes, 1 },
	};
	CK_MECHANISM m = { 0, NULL, 0 };
	CK_OBJECT_HANDLE a, b;

	switch (which) {
	case HL_KEY_RSA_PRIV:
	case HL_KEY_RSA_PUB:
		m.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
		return c->fn->C_GenerateKeyPair(s, &m, rsa_pub, 7, priv, 7, &a, &b);
	case HL_KEY_EC_PRIV:
	case HL_KEY_EC_PUB:
		m.mechanism = CKM_EC_KEY_PAIR_GEN;
		return c->fn->C_GenerateKeyPair(s, &m, ec_pub, 5, priv, 6, &a, &b);
	case HL_KEY_ED_PRIV:
	case HL_KEY_ED_PUB:
		ec_pub[3] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, ed25519, sizeof ed25519 };
		m.mechanism = CKM_EC_EDWARDS_KEY_PAIR_GEN;
		return c->fn->C_GenerateKeyPair(s, &m, ec_pub, 5, priv, 6, &a, &b);
	case HL_KEY_AES:
		m.mechanism = CKM_AES_KEY_GEN;
		return c->fn->C_GenerateKey(s, &m, secret, 7, &a);
	default:
		m.mechanism = CKM_GENERIC_SECRET_KEY_GEN;
		return c->fn->C_GenerateKey(s, &m, secret, 7, &a);
	}
}

CK_OBJECT_HANDLE hl_conf_key(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, hl_conf_key_t which)
{
	static const CK_OBJECT_CLASS cls[HL_KEY_COUNT] = {
		CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY,
		CKO_SECRET_KEY,  CKO_SECRET_KEY, CKO_PRIVATE_KEY, CKO_PUBLIC_KEY,
	};
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (hl_p11_find_by_label(c->fn, s, cls[which], key_labels[which], &h, 1, &n) ==
			CKR_OK &&
		    n > 0)
			return h;
		if (attempt == 0 && make_key(c, s, which) != CKR_OK)
			return 0;
	}
	return 0;
}

int hl_conf_with_key(hl_conf_ctx_t *c, hl_conf_out_t *o, hl_conf_key_t k, CK_SESSION_HANDLE *s,
		     CK_OBJECT_HANDLE *h)
{
	CK_RV rv = hl_conf_session(c, 1, 1, s);

	if (rv != CKR_OK) {
		hl_conf_val(o, "login:%s", hl_ckr_name(rv));
		return -1;
	}
	*h = hl_conf_key(c, *s, k);
	if (*h == 0) {
		hl_conf_val(o, "no-key");
		c->fn->C_CloseSession(*s);
		return -1;
	}
	return 0;
}

/* -- the child: run every check -- */

static const char *const *skip_globs;
static size_t n_skip;

void hl_conformance_skip(const char *const *globs, size_t n)
{
	skip_globs = globs;
	n_skip = n;
}

int hl_conf_skipped(const char *id)
{
	for (size_t i = 0; i < n_skip; i++)
		if (fnmatch(skip_globs[i], id, 0) == 0)
			return 1;
	return 0;
}

static void run_table(hl_conf_ctx_t *c, int before_init)
{
	for (int t = 0; t < NTABLES; t++)
		for (const hl_conf_entry_t *e = tables[t]; e->info.id != NULL; e++) {
			hl_conf_out_t o;

			if (e->before_init != before_init || hl_conf_skipped(e->info.id))
				continue;
			memset(&o, 0, sizeof o);
			e->fn(c, &o);
			hl_conf_emit(c, e->info.id, &o);
		}
}

static void load_mechs(hl_conf_ctx_t *c)
{
	CK_ULONG n = 0;

	if (c->fn->C_GetMechanismList(c->slot, NULL, &n) != CKR_OK || n == 0)
		return;
	c->mechs = calloc(n, sizeof *c->mechs);
	if (c->mechs != NULL && c->fn->C_GetMechanismList(c->slot, c->mechs, &n) == CKR_OK)
		c->nmechs = n;
}

/* Runs in the child; returns its exit status. Setup failures become "!" lines. */
/* Destroys every object the suite made (labels "hsmlab-conf*"): a run on a user's own token
 * (a fingerprint of a real device) must leave it as it found it. */
static void remove_own_objects(hl_conf_ctx_t *c)
{
	static const char prefix[] = "hsmlab-conf";
	CK_OBJECT_HANDLE h[64], mine[256];
	CK_ULONG n = 0, nmine = 0;
	CK_SESSION_HANDLE s;

	if (hl_conf_session(c, 1, 1, &s) != CKR_OK)
		return;
	if (c->fn->C_FindObjectsInit(s, NULL, 0) == CKR_OK) {
		while (c->fn->C_FindObjects(s, h, 64, &n) == CKR_OK && n > 0)
			for (CK_ULONG i = 0; i < n && nmine < 256; i++) {
				char label[64] = "";
				CK_ATTRIBUTE a = { CKA_LABEL, label, sizeof label };
				if (c->fn->C_GetAttributeValue(s, h[i], &a, 1) == CKR_OK &&
				    a.ulValueLen >= sizeof prefix - 1 &&
				    memcmp(label, prefix, sizeof prefix - 1) == 0)
					mine[nmine++] = h[i];
			}
		c->fn->C_FindObjectsFinal(s);
	}
	for (CK_ULONG i = 0; i < nmine; i++) /* after the search: destroying inside it is UB */
		c->fn->C_DestroyObject(s, mine[i]);
	c->fn->C_Logout(s);
	c->fn->C_CloseSession(s);
}

static int child_main(hl_bench_target_t *t, const char *rundir, FILE *out)
{
	hl_conf_ctx_t c = { .t = t, .out = out };
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	char err[512] = "";
	CK_RV rv;

	alarm(CHILD_TIMEOUT_S);
	if (hl_bench_target_prepare(t, rundir, err, sizeof err) != 0)
		goto fail;
	c.mod = hl_p11_module_load(hl_bench_target_module(t), 1, err, sizeof err);
	if (c.mod == NULL)
		goto fail;
	c.fn = hl_p11_module_fn(c.mod);
	c.fn3 = hl_p11_module_fn3(c.mod);
	run_table(&c, 1);
	rv = c.fn->C_Initialize(&args);
	if (rv != CKR_OK) {
		snprintf(err, sizeof err, "C_Initialize: %s", hl_ckr_name(rv));
		goto fail;
	}
	if (hl_bench_target_open(t, c.fn, &c.slot, err, sizeof err) != CKR_OK)
		goto fail;
	load_mechs(&c);
	run_table(&c, 0);
	hl_conf_mech_rows(&c);
	remove_own_objects(&c);
	c.fn->C_Finalize(NULL);
	free(c.mechs);
	hl_p11_module_free(c.mod);
	return 0;
fail:
	fprintf(out, "!\t%s\n", err);
	fflush(out);
	free(c.mechs);
	hl_p11_module_free(c.mod);
	return 3;
}

/* -- the parent -- */

static const hl_conformance_check_t *find_check(const char *id)
{
	for (int t = 0; t < NTABLES; t++)
		for (const hl_conf_entry_t *e = tables[t]; e->info.id != NULL; e++)
			if (strcmp(e->info.id, id) == 0)
				return &e->info;
	return NULL;
}

static void store(hl_matrix_t *m, int col, const hl_expect_t *exp, const char *id,
		  const char *value, const char *detail)
{
	const hl_conformance_check_t *chk = find_check(id);
	const char *title = chk ? chk->title : NULL, *ref = chk ? chk->ref : NULL;
	int row;

	if (chk == NULL && strncmp(id, "mech.", 5) == 0) {
		title = "an announced mechanism: key generation and its operations round trip";
		ref = "spec";
	}
	row = hl_matrix_row(m, id, title, ref);
	if (row >= 0)
		hl_matrix_set(m, row, col, value, exp ? hl_expect_get(exp, id) : NULL,
			      detail && *detail ? detail : NULL);
}

/* Reads the child's lines into the matrix; returns the setup error line if there was one. */
static void read_child(FILE *in, hl_matrix_t *m, int col, const hl_expect_t *exp, FILE *log,
		       const char *name, char *setup_err, size_t errlen)
{
	char line[1024];

	while (fgets(line, sizeof line, in) != NULL) {
		char *id = line, *val, *detail;

		line[strcspn(line, "\n")] = '\0';
		val = strchr(id, '\t');
		if (val == NULL)
			continue;
		*val++ = '\0';
		detail = strchr(val, '\t');
		if (detail != NULL)
			*detail++ = '\0';
		if (strcmp(id, "!") == 0) {
			snprintf(setup_err, errlen, "%s", val);
			continue;
		}
		store(m, col, exp, id, val, detail);
		if (log != NULL)
			fprintf(log, "  %-12s %-40s %s\n", name, id, val);
	}
}

static void record_exit(hl_matrix_t *m, int col, const hl_expect_t *exp, int status,
			const char *setup_err)
{
	char v[64];

	if (WIFSIGNALED(status))
		snprintf(v, sizeof v, "crashed:%s", strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		snprintf(v, sizeof v, "setup-failed");
	else
		snprintf(v, sizeof v, "yes");
	store(m, col, exp, "suite.completed", v, setup_err[0] ? setup_err : NULL);
}

typedef struct {
	hl_bench_target_t *t;
	const char *rundir;
	hl_matrix_t *m;
	int col;
	const hl_expect_t *exp;
	FILE *log;
	char setup_err[600];
} run_arg_t;

static int run_child(void *v, FILE *out)
{
	run_arg_t *a = v;

	return child_main(a->t, a->rundir, out);
}

static void run_read(void *v, FILE *in)
{
	run_arg_t *a = v;

	read_child(in, a->m, a->col, a->exp, a->log, hl_bench_target_name(a->t), a->setup_err,
		   sizeof a->setup_err);
}

int hl_conformance_run(hl_bench_target_t *t, const char *rundir, hl_matrix_t *m, int col, FILE *log,
		       char *err, size_t errlen)
{
	run_arg_t a = { .t = t, .rundir = rundir, .m = m, .col = col, .log = log };
	hl_expect_t *exp = NULL;
	const char *path;
	int status;

	/* The expectation's path may hold ${VAR}s; the child does the real prepare. */
	if (hl_bench_target_resolve(t, rundir, err, errlen) != 0)
		return -1;
	path = hl_bench_target_expect(t);
	if (path != NULL && (exp = hl_expect_load(path, err, errlen)) == NULL)
		return -1;
	a.exp = exp;
	if (hl_child_run(run_child, &a, run_read, &a, &status, err, errlen) != 0) {
		hl_expect_free(exp);
		return -1;
	}
	record_exit(m, col, exp, status, a.setup_err);
	hl_expect_free(exp);
	return 0;
}

const hl_conformance_check_t *hl_conformance_checks(void)
{
	static hl_conformance_check_t all[128];
	size_t n = 0;

	if (all[0].id == NULL)
		for (int t = 0; t < NTABLES; t++)
			for (const hl_conf_entry_t *e = tables[t]; e->info.id != NULL; e++)
				if (n + 1 < sizeof all / sizeof all[0])
					all[n++] = e->info;
	return all;
}

int hl_conformance_write_expect(const hl_matrix_t *m, int col, FILE *out)
{
	fprintf(out,
		"# Expected conformance results for target \"%s\" (written by\n"
		"# hsmlab-bench conformance --write-expect; edit values to \"any\" or "
		"\"a|b\" where the module may vary).\n",
		hl_matrix_column_name(m, (size_t)col));
	for (size_t r = 0; r < hl_matrix_rows(m); r++) {
		const hl_cell_t *cell = hl_matrix_cell(m, r, (size_t)col);

		if (cell->observed != NULL)
			fprintf(out, "%s = %s\n", hl_matrix_row_id(m, r), cell->observed);
	}
	return ferror(out) ? -1 : 0;
}
