/* SPDX-License-Identifier: BSD-2-Clause
 * The vendor devices' audit log and clock through the "hsmlab family" extension table:
 * logins, failed logins, keygen and the sign count are recorded (counted in memory, written as
 * one record per key on logout, C_Finalize, or after HL_FAM_COUNT_MAX_S seconds); an export
 * verifies and a tampered one is located; the device clock moves the audit stamps and the
 * Keyper end-of-support warning. Once a Luna holds its cloning domain, its records are keyed
 * by the domain (L13): an export verifies on any device of the domain and offline with the
 * domain's cards, and a device of another domain says it cannot authenticate it. */
#include <time.h>

#include "famconsole.h"

static testlab_t lab;

static void setup(void)
{
	testlab_make(&lab);
}

static void teardown(void)
{
	testlab_remove(&lab);
}

TestSuite(audit_clock, .init = setup, .fini = teardown);

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static size_t occurrences(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* The device's log exported to lab.dir/name, as text. */
static char *export_log(HSMLAB_FAMILY_FUNCTION_LIST *fx, CK_SLOT_ID slot, const char *name)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", lab.dir, name);
	cr_assert_eq(fx->audit_export(slot, path), CKR_OK, "%s", fx->last_error());
	return slurp(path);
}

static void sign_n(fam_module_t *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, int n)
{
	CK_BYTE sig[512];
	static const CK_BYTE data[51] = { 0x30, 0x31 };
	for (int i = 0; i < n; i++)
		fam_sign(m, s, key, CKM_RSA_PKCS, data, sizeof(data), sig);
}

Test(audit_clock, operations_are_recorded_and_an_export_verifies)
{
	fam_module_t k;
	fam_load(&k, "keyper");
	HSMLAB_FAMILY_FUNCTION_LIST *fx = fam_ext(&k);
	cr_assert_not_null(fx);
	CK_SLOT_ID slot = fam_device(&k, "audit");
	CK_SESSION_HANDLE s;
	cr_assert_eq(k.fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	cr_assert_eq(k.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "11111111", 8),
		     CKR_PIN_INCORRECT);
	cr_assert_eq(k.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	CK_OBJECT_HANDLE pub, priv;
	fam_rsa_keygen(&k, s, "Klajeyz", &pub, &priv);
	sign_n(&k, s, priv, 3);
	/* Counted in memory: no durable write per signature. */
	char *text = export_log(fx, slot, "before.txt");
	cr_assert_eq(occurrences(text, "sign-count"), 0, "%s", text);

	/* The logout writes the count (one record for the three), then its own record. */
	cr_assert_eq(k.fn->C_Logout(s), CKR_OK);
	text = export_log(fx, slot, "audit.txt");
	cr_assert_eq(occurrences(text, "login-failed"), 1, "%s", text);
	/* user, failed (the Keyper's token was set up by its vendor sequence: no SO login) */
	cr_assert_geq(occurrences(text, "login"), 2, "%s", text);
	cr_assert_eq(occurrences(text, "keygen"), 1, "%s", text);
	cr_assert_eq(occurrences(text, "sign-count"), 1, "%s", text);
	char *count = strstr(text, "count=3,new=3");
	cr_assert_not_null(count, "%s", text);
	cr_assert_not_null(strstr(count, "logout"), "sign-count before the logout: %s", text);
	cr_assert_not_null(strstr(text, "Klajeyz"), "%s", text);
	/* A session that signed writes its count when it closes (no logout). */
	CK_SESSION_HANDLE s2 = fam_login(&k, slot);
	sign_n(&k, s2, priv, 2);
	cr_assert_eq(k.fn->C_CloseSession(s2), CKR_OK);
	text = export_log(fx, slot, "closed.txt");
	cr_assert_eq(occurrences(text, "sign-count"), 2, "%s", text);
	cr_assert_not_null(strstr(text, "count=5,new=2"), "%s", text);
	text = export_log(fx, slot, "audit.txt");
	char path[160], bad[170];
	snprintf(path, sizeof(path), "%s/audit.txt", lab.dir);

	hsmlab_audit_check_t chk;
	cr_assert_eq(fx->audit_verify(slot, path, &chk), CKR_OK, "%s", chk.problems);
	cr_assert(chk.intact);
	unsigned long long n = 0;
	cr_assert_eq(fx->audit_count(slot, &n), CKR_OK);
	cr_assert_eq(chk.records, n);

	/* A changed record is found and located. */
	char *p = strstr(text, "Klajeyz");
	p[0] = 'X';
	snprintf(bad, sizeof(bad), "%s.bad", path);
	FILE *f = fopen(bad, "w");
	fputs(text, f);
	fclose(f);
	cr_assert_eq(fx->audit_verify(slot, bad, &chk), CKR_SIGNATURE_INVALID);
	cr_assert_not(chk.intact);
	cr_assert_not_null(strstr(chk.problems, "line "), "%s", chk.problems);
	hl_p11_module_free(k.mod);
}

/* The pending counts are written by the next signature once the oldest has waited a few
 * seconds (HL_FAM_COUNT_MAX_S in hl_fam.h: 3), and by C_Finalize without a logout. */
Test(audit_clock, counts_reach_the_log_after_a_few_seconds_and_on_finalize)
{
	fam_module_t k;
	fam_load(&k, "keyper");
	CK_SLOT_ID slot = fam_device(&k, "finalize");
	CK_SESSION_HANDLE s = fam_login(&k, slot);
	CK_OBJECT_HANDLE pub, priv;
	fam_rsa_keygen(&k, s, "Kfin", &pub, &priv);
	sign_n(&k, s, priv, 2);
	struct timespec wait = { 3, 300000000L };
	nanosleep(&wait, NULL);
	sign_n(&k, s, priv, 1); /* the oldest waited 3.3 s: all three are written */
	char *text = export_log(fam_ext(&k), slot, "timed.txt");
	cr_assert_eq(occurrences(text, "sign-count"), 1, "%s", text);
	cr_assert_not_null(strstr(text, "count=3,new=3"), "%s", text);
	cr_assert_eq(occurrences(text, "logout"), 0, "%s", text);

	sign_n(&k, s, priv, 2);
	hl_p11_module_free(k.mod); /* C_Finalize, no logout, no close */
	fam_load(&k, "keyper");
	cr_assert_eq(hl_p11_find_slot(k.fn, "finalize", &slot), CKR_OK);
	text = export_log(fam_ext(&k), slot, "final.txt");
	cr_assert_eq(occurrences(text, "sign-count"), 2, "%s", text);
	cr_assert_not_null(strstr(text, "count=5,new=2"), "%s", text);
	hsmlab_audit_check_t chk;
	char path[160];
	snprintf(path, sizeof(path), "%s/final.txt", lab.dir);
	cr_assert_eq(fam_ext(&k)->audit_verify(slot, path, &chk), CKR_OK, "%s", chk.problems);
	cr_assert(chk.intact);
	hl_p11_module_free(k.mod);
}

Test(audit_clock, device_clock_moves_stamps_and_the_keyper_warning)
{
	fam_module_t k, l, g;
	fam_load(&k, "keyper");
	fam_load(&l, "luna");
	fam_load(&g, "");
	cr_assert_null(fam_ext(&g), "the generic module has no family table");
	HSMLAB_FAMILY_FUNCTION_LIST *kx = fam_ext(&k), *lx = fam_ext(&l);
	CK_SLOT_ID ks = fam_device(&k, "clock"), ls = fam_device(&l, "clock");
	char w[256];
	const long long in_2024 = 1717200000; /* 2024-06-01 */
	const long long in_2025 = 1748736000; /* 2025-06-01 */
	cr_assert_eq(kx->clock_set(ks, in_2024), CKR_OK, "%s", kx->last_error());
	cr_assert_eq(kx->device_warning(ks, w, sizeof(w)), CKR_OK);
	cr_assert_str_eq(w, "");
	cr_assert_eq(kx->clock_set(ks, in_2025), CKR_OK);
	cr_assert_eq(kx->device_warning(ks, w, sizeof(w)), CKR_OK);
	cr_assert_neq(w[0], 0, "Keyper out of support after 2025-01-01");
	long long now = 0, off = 0;
	cr_assert_eq(kx->clock_get(ks, &now, &off), CKR_OK);
	cr_assert(now >= in_2025 && now < in_2025 + 60);
	cr_assert(off < -(long long)1e6 || off > (long long)1e6);
	/* Luna: no end of support, same clock. */
	cr_assert_eq(lx->clock_set(ls, in_2025), CKR_OK);
	cr_assert_eq(lx->device_warning(ls, w, sizeof(w)), CKR_OK);
	cr_assert_str_eq(w, "");
	/* The clock change is audited, stamped in device time. */
	char path[160];
	snprintf(path, sizeof(path), "%s/k.txt", lab.dir);
	cr_assert_eq(kx->audit_export(ks, path), CKR_OK);
	char *text = slurp(path);
	cr_assert_eq(occurrences(text, "clock-change"), 2, "%s", text);
	cr_assert_not_null(strstr(text, "2025-06-01T"), "%s", text);
	hl_p11_module_free(g.mod);
	hl_p11_module_free(l.mod);
	hl_p11_module_free(k.mod);
}

/* -- the audit key from the domain (L13) -- */

/* hsmlab-audit-verify with args; its exit status, its output in out. */
static int audit_cli(char *out, size_t n, const char *fmt, ...)
{
	char args[2048], cmd[3072], log[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(log, sizeof(log), "%s/cli.out", lab.dir);
	snprintf(cmd, sizeof(cmd), "%s/emulator/tools/audit-verify/hsmlab-audit-verify %s >%s 2>&1",
		 getenv("HSMLAB_BUILD_DIR"), args, log);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	FILE *f = fopen(log, "r");
	size_t got = fread(out, 1, n - 1, f);
	out[got] = '\0';
	fclose(f);
	return WEXITSTATUS(st);
}

static CK_RV verify_on(HSMLAB_FAMILY_FUNCTION_LIST *fx, fam_module_t *m, const char *serial,
		       const char *path, hsmlab_audit_check_t *chk)
{
	return fx->audit_verify(fam_slot_of(m, serial), path, chk);
}

Test(audit_clock, luna_export_verifies_on_any_device_of_the_domain)
{
	char a[17], b[17], c[17], d[17], out[4096], path[200], bad[200], pre[200];
	fam_module_t l;
	hsmlab_audit_check_t chk;
	fam_console_device("luna", NULL, "a", a);
	fam_console_device("luna", NULL, "b", b);
	fam_console_device("luna", NULL, "c", c);
	fam_console_device("luna", NULL, "d", d);
	snprintf(pre, sizeof(pre), "%s/pre-domain.txt", lab.dir);
	cr_assert_eq(fam_admin("luna", out, sizeof(out), "audit export %s %s", a, pre), 0, "%s",
		     out);
	const char *peers[] = { b };
	fam_console_domain("luna", "ksk-domain", "ikeys", 2, 3, a, peers, 1);
	fam_console_domain("luna", "other", "other-ikeys", 1, 1, c, NULL, 0);
	fam_load(&l, "luna");
	HSMLAB_FAMILY_FUNCTION_LIST *fx = fam_ext(&l);
	CK_SESSION_HANDLE s = fam_login(&l, fam_slot_of(&l, a));
	CK_OBJECT_HANDLE pub, priv;
	fam_rsa_keygen(&l, s, "Kdomain", &pub, &priv);
	cr_assert_eq(l.fn->C_Logout(s), CKR_OK);
	snprintf(path, sizeof(path), "%s/a.txt", lab.dir);
	cr_assert_eq(fx->audit_export(fam_slot_of(&l, a), path), CKR_OK, "%s", fx->last_error());
	char *text = slurp(path);
	cr_assert_not_null(strstr(text, "hsmlab-audit 2 "), "%s", text);
	cr_assert_not_null(strstr(text, " device:"), "records from before the domain: %s", text);
	cr_assert_not_null(strstr(text, " keygen Kdomain - "), "%s", text);
	cr_assert_not_null(strstr(strstr(text, " keygen Kdomain "), " domain:"), "%s", text);

	/* The device itself and its peer in the domain authenticate every record. */
	cr_assert_eq(verify_on(fx, &l, a, path, &chk), CKR_OK, "%s", chk.problems);
	cr_assert_eq(verify_on(fx, &l, b, path, &chk), CKR_OK, "%s", chk.problems);
	cr_assert(chk.intact);
	cr_assert_eq(fam_admin("luna", out, sizeof(out), "audit verify %s %s", b, path), 0, "%s",
		     out);
	/* Another domain, no domain: intact but not theirs to authenticate, and they say so. */
	const char *strangers[] = { c, d };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(verify_on(fx, &l, strangers[i], path, &chk), CKR_KEY_NEEDED, "%s",
			     chk.problems);
		cr_assert_not(chk.intact);
		cr_assert_not_null(strstr(chk.problems, "cannot authenticate"), "%s", chk.problems);
		cr_assert_not_null(strstr(chk.problems, "domain:"), "%s", chk.problems);
		cr_assert_eq(
		    fam_admin("luna", out, sizeof(out), "audit verify %s %s", strangers[i], path),
		    1, "%s", out);
		cr_assert_not_null(strstr(out, "nothing found tampered"), "%s", out);
		cr_assert_null(strstr(out, "fails verification"), "%s", out);
	}
	/* Offline, with 2 of the domain's 3 cards and their PIN: the auditor's verifier. */
	char cards[200], other[200];
	fam_lab_path(cards, sizeof(cards), "ikeys");
	fam_lab_path(other, sizeof(other), "other-ikeys");
	cr_assert_eq(audit_cli(out, sizeof(out), "--card-pin " FAM_CARD_PIN " %s %s/%s %s/%s", path,
			       cards, "luna-domain-3.card", cards, "luna-domain-1.card"),
		     0, "%s", out);
	cr_assert_not_null(strstr(out, "intact, authenticated"), "%s", out);
	cr_assert_eq(audit_cli(out, sizeof(out), "--card-pin " FAM_CARD_PIN " -c %s/%s %s", cards,
			       "luna-domain-2.card", path),
		     3, "one card is too few: %s", out);
	cr_assert_not_null(strstr(out, "too few"), "%s", out);
	cr_assert_eq(audit_cli(out, sizeof(out), "--card-pin " FAM_CARD_PIN " %s %s/%s", path,
			       other, "luna-domain-1.card"),
		     4, "another domain's card: %s", out);
	cr_assert_not_null(strstr(out, "cannot authenticate"), "%s", out);
	/* Tampering is still located, on the peer and offline. */
	char *p = strstr(text, " keygen Kdomain ");
	p[9] = 'X';
	snprintf(bad, sizeof(bad), "%s/a-bad.txt", lab.dir);
	FILE *f = fopen(bad, "w");
	fputs(text, f);
	fclose(f);
	cr_assert_eq(verify_on(fx, &l, b, bad, &chk), CKR_SIGNATURE_INVALID, "%s", chk.problems);
	cr_assert_not_null(strstr(chk.problems, "changed"), "%s", chk.problems);
	cr_assert_eq(audit_cli(out, sizeof(out), "--card-pin " FAM_CARD_PIN " %s %s/%s %s/%s", bad,
			       cards, "luna-domain-1.card", cards, "luna-domain-2.card"),
		     1, "%s", out);
	/* An export made before the domain: the device key only, so only its own device. */
	cr_assert_eq(verify_on(fx, &l, a, pre, &chk), CKR_OK, "%s", chk.problems);
	cr_assert_eq(verify_on(fx, &l, b, pre, &chk), CKR_KEY_NEEDED, "%s", chk.problems);
	cr_assert_not_null(strstr(chk.problems, "another device's own key"), "%s", chk.problems);
	hl_p11_module_free(l.mod);
}

/* keyper.conf has no audit_domain_key: a Keyper's records stay keyed by the device, even in
 * an SMK shared with another Keyper, which cannot authenticate them (and says so). */
Test(audit_clock, keyper_records_stay_keyed_by_the_device)
{
	char a[17], b[17], out[2048], path[200];
	fam_module_t k;
	hsmlab_audit_check_t chk;
	fam_console_device("keyper", NULL, "a", a);
	fam_console_device("keyper", NULL, "b", b);
	const char *peers[] = { b };
	fam_console_domain("keyper", "smk-2010", "smk", 2, 3, a, peers, 1);
	fam_load(&k, "keyper");
	HSMLAB_FAMILY_FUNCTION_LIST *fx = fam_ext(&k);
	snprintf(path, sizeof(path), "%s/k.txt", lab.dir);
	cr_assert_eq(fam_admin("keyper", out, sizeof(out), "audit export %s %s", a, path), 0, "%s",
		     out);
	char *text = slurp(path);
	cr_assert_null(strstr(text, " domain:"), "%s", text);
	cr_assert_eq(verify_on(fx, &k, a, path, &chk), CKR_OK, "%s", chk.problems);
	cr_assert_eq(verify_on(fx, &k, b, path, &chk), CKR_KEY_NEEDED, "%s", chk.problems);
	hl_p11_module_free(k.mod);
}
