/* SPDX-License-Identifier: BSD-2-Clause
 * The Luna's PED (quirks.md L12) through libhsmlab-luna.so's "hsmlab luna" table 1.2: each
 * iKey a step presents goes through the PED, and the device times the answer on its own
 * clock; a late one fails the step with the profile's ped_timeout_code (CKR_TIMEOUT), the
 * timeout from Chrystoki.conf's PEDTimeout2 when the client sets it, else the profile's. The
 * PED's duplicate function copies an iKey; a duplicate is the same split.
 * The operator's wait is the device clock moving, not a sleep: this test defines
 * clock_gettime (exported, so the loaded module binds to it, as libfaketime's LD_PRELOAD
 * does) and its PED moves CLOCK_REALTIME forward while "the operator" answers. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/stat.h>
#include <time.h>

#include "lunalab.h"

/* Seconds added to CLOCK_REALTIME, for the module loaded in this process. */
static long skew;

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	int rc = real(id, ts);
	if (rc == 0 && id == CLOCK_REALTIME)
		ts->tv_sec += skew;
	return rc;
}

static void setup(void)
{
	luna_lab_setup();
	unsetenv("ChrystokiConfigurationPath");
}

TestSuite(luna_ped, .init = setup, .fini = luna_lab_teardown);

#define CKR_LUNA_TIMEOUT 0x80000024UL /* CKR_TIMEOUT: CKR_VENDOR_DEFINED + 0x24 */

/* What the test's PED does at each prompt: wait[i] seconds for the i-th iKey (1-based), then
 * answer rv; every prompt is recorded. */
typedef struct {
	long wait[4];
	CK_RV rv;
	int asked;
	char kinds[64], last[256];
} ped_t;

static CK_RV ped(void *ctx, const char *kind, const char *ikey, CK_ULONG i, CK_ULONG n)
{
	ped_t *p = ctx;
	cr_assert(i >= 1 && i <= n && n <= 3, "iKey %lu of %lu", i, n);
	p->asked++;
	snprintf(p->kinds + strlen(p->kinds), sizeof(p->kinds) - strlen(p->kinds), "%s%lu ", kind,
		 i);
	snprintf(p->last, sizeof(p->last), "%s", ikey);
	skew += p->wait[i];
	return p->rv;
}

/* A Luna out of STM, hard-initialized multifactor: HSM SO (and domain) iKeys 2 of 3. */
static void open_multifactor(luna_t *t)
{
	open_luna(t);
	cr_assert_geq(t->l->version.minor, 2, "the PED is table 1.2");
	recover(t);
	hsmlab_luna_cred_t mf = new_ikeys(2, 3, NULL);
	cr_assert_eq(t->l->hsmlab_CA_InitHSM(t->slot, "hsm", &mf, NULL, &mf), CKR_OK, "%s",
		     t->f->last_error());
}

/* The HSM SO logs in with iKey files a and b (paths under ikeys_dir). */
static CK_RV hso_login(luna_t *t, const char *a, const char *b)
{
	char pa[256], pb[256];
	snprintf(pa, sizeof(pa), "%s/%s", ikeys_dir, a);
	snprintf(pb, sizeof(pb), "%s/%s", ikeys_dir, b);
	const char *paths[] = { pa, pb };
	hsmlab_luna_auth_t hso = { .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				   .ikeys = paths,
				   .n_ikeys = 2 };
	return t->l->hsmlab_CA_LoginHSM(t->slot, &hso);
}

/* Each iKey through the PED, in order; an answer within the timeout passes. */
Test(luna_ped, every_ikey_goes_through_the_ped)
{
	luna_t t;
	ped_t p = { .wait = { 0, 60, 150 }, .rv = CKR_OK };
	open_multifactor(&t);
	cr_assert_eq(t.l->hsmlab_CA_SetPED(ped, &p), CKR_OK);
	cr_assert_eq(hso_login(&t, "luna-hsm-so-1.card", "luna-hsm-so-3.card"), CKR_OK, "%s",
		     t.f->last_error());
	cr_assert_eq(p.asked, 2);
	cr_assert_str_eq(p.kinds, "luna-hsm-so1 luna-hsm-so2 ");
	cr_assert(strstr(p.last, "luna-hsm-so-3.card"), "%s", p.last);
	/* No PED: the iKeys are presented at once (as before the PED existed). */
	cr_assert_eq(t.l->hsmlab_CA_SetPED(NULL, NULL), CKR_OK);
	cr_assert_eq(hso_login(&t, "luna-hsm-so-1.card", "luna-hsm-so-2.card"), CKR_OK);
	cr_assert_eq(p.asked, 2);
	hl_p11_module_free(t.m.mod);
}

/* An answer slower than the profile's timeout (luna.conf: 200 s) fails the step with
 * CKR_TIMEOUT, names the iKey, and is no failed login; a cancel gets CKR_FUNCTION_CANCELED. */
Test(luna_ped, a_late_ikey_times_out)
{
	luna_t t;
	hsmlab_luna_status_t s;
	ped_t p = { .wait = { 0, 10, 201 }, .rv = CKR_OK };
	open_multifactor(&t);
	cr_assert_eq(t.l->hsmlab_CA_SetPED(ped, &p), CKR_OK);
	CK_RV rv = hso_login(&t, "luna-hsm-so-1.card", "luna-hsm-so-2.card");
	cr_assert_eq(rv, CKR_LUNA_TIMEOUT, "rv 0x%lx: %s", rv, t.f->last_error());
	const char *msg = t.f->last_error();
	cr_assert(strstr(msg, "luna-hsm-so-2.card") && strstr(msg, "timed out after 200 s"), "%s",
		  msg);
	cr_assert_eq(t.l->hsmlab_CA_GetStatus(t.slot, &s), CKR_OK);
	cr_assert_eq(s.hso_failed, 0, "a timed-out PED prompt is no failed login");
	/* At the limit still in time. */
	p.wait[2] = 199;
	cr_assert_eq(hso_login(&t, "luna-hsm-so-1.card", "luna-hsm-so-2.card"), CKR_OK, "%s",
		     t.f->last_error());
	p.wait[2] = 0;
	p.rv = CKR_FUNCTION_CANCELED;
	cr_assert_eq(hso_login(&t, "luna-hsm-so-1.card", "luna-hsm-so-2.card"),
		     CKR_FUNCTION_CANCELED);
	cr_assert(strstr(t.f->last_error(), "cancelled"), "%s", t.f->last_error());
	hl_p11_module_free(t.m.mod);
}

/* Chrystoki.conf's Luna PEDTimeout2 (milliseconds) sets the timeout, over the profile's. */
Test(luna_ped, chrystoki_conf_sets_the_timeout)
{
	luna_t t;
	char conf[256];
	ped_t p = { .wait = { 0, 0, 31 }, .rv = CKR_OK };
	snprintf(conf, sizeof(conf), "%s/Chrystoki.conf", lab.dir);
	FILE *f = fopen(conf, "w");
	cr_assert_not_null(f);
	fputs("Chrystoki2 = {\n   LibUNIX64 = /usr/safenet/lunaclient/lib/libCryptoki2_64.so;\n}\n"
	      "Luna = {\n  DefaultTimeOut = 500000;\n  PEDTimeout1 = 100000;\n"
	      "  PEDTimeout2 = 30000;\n  PEDTimeout3 = 10000;\n}\n",
	      f);
	fclose(f);
	setenv("ChrystokiConfigurationPath", lab.dir, 1);
	open_multifactor(&t);
	cr_assert_eq(t.l->hsmlab_CA_SetPED(ped, &p), CKR_OK);
	cr_assert_eq(hso_login(&t, "luna-hsm-so-1.card", "luna-hsm-so-2.card"), CKR_LUNA_TIMEOUT);
	cr_assert(strstr(t.f->last_error(), "timed out after 30 s"), "%s", t.f->last_error());
	p.wait[2] = 29;
	cr_assert_eq(hso_login(&t, "luna-hsm-so-1.card", "luna-hsm-so-2.card"), CKR_OK, "%s",
		     t.f->last_error());
	hl_p11_module_free(t.m.mod);
}

/* The PED's duplicate: the copy stands in for its original, is the same split (not a second
 * card of the quorum), keeps the PIN, and never overwrites an iKey. */
Test(luna_ped, duplicate_ikey)
{
	luna_t t;
	char src[256], dst[256];
	open_multifactor(&t);
	snprintf(src, sizeof(src), "%s/luna-hsm-so-1.card", ikeys_dir);
	snprintf(dst, sizeof(dst), "%s/copy-of-hsm-so-1.card", ikeys_dir);
	cr_assert_eq(t.l->hsmlab_CA_DuplicateIKey(src, dst, NULL), CKR_OK, "%s", t.f->last_error());
	cr_assert_eq(hso_login(&t, "copy-of-hsm-so-1.card", "luna-hsm-so-2.card"), CKR_OK, "%s",
		     t.f->last_error());
	cr_assert_eq(hso_login(&t, "luna-hsm-so-1.card", "copy-of-hsm-so-1.card"),
		     CKR_PIN_INCORRECT, "the original and its duplicate are one split");
	cr_assert(strstr(t.f->last_error(), "twice"), "%s", t.f->last_error());
	/* Never over an existing iKey; a missing source writes nothing. */
	snprintf(src, sizeof(src), "%s/luna-hsm-so-2.card", ikeys_dir);
	cr_assert_eq(t.l->hsmlab_CA_DuplicateIKey(src, dst, NULL), CKR_ARGUMENTS_BAD);
	cr_assert(strstr(t.f->last_error(), "exists"), "%s", t.f->last_error());
	snprintf(src, sizeof(src), "%s/nowhere.card", ikeys_dir);
	snprintf(dst, sizeof(dst), "%s/copy2.card", ikeys_dir);
	cr_assert_neq(t.l->hsmlab_CA_DuplicateIKey(src, dst, NULL), CKR_OK);
	cr_assert_neq(access(dst, F_OK), 0, "%s written", dst);
	hl_p11_module_free(t.m.mod);
}

/* A PIN-protected iKey: its duplicate needs the PIN and keeps it. */
Test(luna_ped, duplicate_keeps_the_pin)
{
	luna_t t;
	char src[256], dst[256];
	hsmlab_luna_status_t s;
	fam_load(&t.m, "luna");
	t.l = fam_luna(&t.m);
	t.f = fam_ext(&t.m);
	cr_assert_eq(t.m.ext->device_create(NULL, &t.slot, NULL), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_GetStatus(t.slot, &s), CKR_OK);
	hsmlab_luna_auth_t f = { .method = HSMLAB_LUNA_AUTH_PASSWORD,
				 .password = HSMLAB_LUNA_FACTORY_SO_PASSWORD };
	cr_assert_eq(t.l->hsmlab_CA_RecoverSTM(t.slot, s.user_string, s.fingerprint, &f), CKR_OK);
	hsmlab_luna_cred_t mf = { .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				  .password = "dom",
				  .dir = ikeys_dir,
				  .m = 1,
				  .n = 2,
				  .ikey_pin = "4321" };
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm", &mf, NULL, &mf), CKR_OK, "%s",
		     t.f->last_error());
	snprintf(src, sizeof(src), "%s/luna-hsm-so-2.card", ikeys_dir);
	snprintf(dst, sizeof(dst), "%s/dup.card", ikeys_dir);
	cr_assert_neq(t.l->hsmlab_CA_DuplicateIKey(src, dst, "0000"), CKR_OK, "wrong PIN");
	cr_assert_eq(t.l->hsmlab_CA_DuplicateIKey(src, dst, "4321"), CKR_OK, "%s",
		     t.f->last_error());
	const char *paths[] = { dst };
	hsmlab_luna_auth_t hso = { .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				   .ikeys = paths,
				   .n_ikeys = 1,
				   .ikey_pin = "4321" };
	cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &hso), CKR_OK, "%s", t.f->last_error());
	hl_p11_module_free(t.m.mod);
}
