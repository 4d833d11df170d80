/* SPDX-License-Identifier: BSD-2-Clause
 * The 2024 story through the vendor modules' "hsmlab family" table: two Keyper devices share
 * an SMK set up from SMK cards and a KSK-2017-like key "Klajeyz" moves between them; four
 * Luna devices share a cloning domain and a new KSK made on one is backed up and restored
 * onto the other three; signatures from every copy equal the original's; cross-vendor,
 * other-domain, tampered and truncated blobs and every wrong-card case are refused with
 * their own message and leave the device unchanged; the audit logs verify. */
#include <sys/stat.h>
#include <unistd.h>

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

TestSuite(backup_restore, .init = setup, .fini = teardown);

typedef struct {
	fam_module_t *m;
	HSMLAB_FAMILY_FUNCTION_LIST *fx;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
} hsm_t;

static void hsm_open(hsm_t *h, fam_module_t *m, const char *label)
{
	h->m = m;
	h->fx = fam_ext(m);
	cr_assert_not_null(h->fx);
	h->slot = fam_device(m, label);
	h->s = fam_login(m, h->slot);
}

static CK_OBJECT_HANDLE key(hsm_t *h, const char *label)
{
	return fam_key(h->m, h->s, label);
}

static CK_ULONG count_keys(hsm_t *h)
{
	CK_OBJECT_HANDLE k[8];
	CK_ULONG n = 0;
	cr_assert_eq(hl_p11_find_by_label(h->m->fn, h->s, CKO_PRIVATE_KEY, NULL, k, 8, &n), CKR_OK);
	return n;
}

static const CK_BYTE digest_info[51] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
					 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
					 0x00, 0x04, 0x20, 0x11, 0x22, 0x33 };

/* The signature (CKM_RSA_PKCS over a DigestInfo: deterministic) as hex-free bytes. */
static CK_ULONG sign_with(hsm_t *h, const char *label, CK_BYTE sig[512])
{
	return fam_sign(h->m, h->s, key(h, label), CKM_RSA_PKCS, digest_info, sizeof(digest_info),
			sig);
}

static void path_of(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", lab.dir, name);
}

static void card_paths(char paths[][160], const char *kind, const int *which, size_t n,
		       const char *dir)
{
	for (size_t i = 0; i < n; i++)
		snprintf(paths[i], 160, "%s/%s-%d.card", dir, kind, which[i]);
}

static CK_RV load_cards(hsm_t *h, const char *owner, const char *kind, const int *which, size_t n,
			const char *dir)
{
	char paths[8][160];
	const char *p[8];
	card_paths(paths, kind, which, n, dir);
	for (size_t i = 0; i < n; i++)
		p[i] = paths[i];
	return h->fx->domain_load(h->slot, owner, p, n, "card-pin");
}

static void expect_refused(hsm_t *h, const char *blob, const char *why)
{
	CK_ULONG before = count_keys(h);
	cr_assert_eq(h->fx->key_restore(h->slot, blob), CKR_WRAPPED_KEY_INVALID, "%s", why);
	cr_assert_not_null(strstr(h->fx->last_error(), why), "%s: %s", why, h->fx->last_error());
	cr_assert_eq(count_keys(h), before, "device changed by a refused restore");
}

static void write_variant(const char *src, const char *dst, long cut, long flip)
{
	FILE *f = fopen(src, "rb");
	static unsigned char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (flip >= 0)
		buf[(size_t)flip % n] ^= 0x40;
	f = fopen(dst, "wb");
	fwrite(buf, 1, cut >= 0 ? (size_t)cut : n, f);
	fclose(f);
}

static void audit_ok(hsm_t *h)
{
	char path[160];
	hsmlab_audit_check_t chk;
	snprintf(path, sizeof(path), "%s/audit-%lu.txt", lab.dir, (unsigned long)h->slot);
	cr_assert_eq(h->fx->audit_export(h->slot, path), CKR_OK);
	cr_assert_eq(h->fx->audit_verify(h->slot, path, &chk), CKR_OK, "%s", chk.problems);
}

Test(backup_restore, the_2024_story)
{
	fam_module_t km, lm;
	fam_load(&km, "keyper");
	fam_load(&lm, "luna");
	char smk_dir[160], dom_dir[160], other_dir[160], kblob[160], lblob[160], bad[160];
	path_of(smk_dir, sizeof(smk_dir), "smk-cards");
	path_of(dom_dir, sizeof(dom_dir), "domain-ikeys");
	path_of(other_dir, sizeof(other_dir), "other-ikeys");
	mkdir(smk_dir, 0700);
	mkdir(dom_dir, 0700);
	mkdir(other_dir, 0700);
	path_of(kblob, sizeof(kblob), "klajeyz.hlkypr");
	path_of(lblob, sizeof(lblob), "ksk2024.hlluna");
	path_of(bad, sizeof(bad), "bad.blob");

	/* Two Keypers: the SMK split 5 of 7 over SMK cards, the KSK made on the first. */
	hsm_t k1, k2;
	hsm_open(&k1, &km, "KSK-east");
	hsm_open(&k2, &km, "KSK-west");
	cr_assert_eq(k1.fx->domain_create(k1.slot, "smk-2010", smk_dir, 5, 7, "card-pin"), CKR_OK,
		     "%s", k1.fx->last_error());
	CK_OBJECT_HANDLE pub, priv;
	fam_rsa_keygen(&km, k1.s, "Klajeyz", &pub, &priv);
	cr_assert_eq(k1.fx->key_backup(k1.slot, "Klajeyz", kblob), CKR_OK, "%s",
		     k1.fx->last_error());
	/* Before the SMK is loaded the second Keyper cannot take the blob. */
	expect_refused(&k2, kblob, "another SMK or cloning domain");
	static const int four[] = { 1, 2, 3, 4 }, five[] = { 7, 2, 5, 1, 3 },
			 dup[] = { 1, 1, 2, 3, 4 };
	cr_assert_eq(load_cards(&k2, "smk-2010", "keyper-smk", four, 4, smk_dir),
		     CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(k2.fx->last_error(), "too few cards for the quorum: 4 given, 5 "
						       "needed"),
			   "%s", k2.fx->last_error());
	cr_assert_eq(load_cards(&k2, "smk-2010", "keyper-smk", dup, 5, smk_dir), CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(k2.fx->last_error(), "twice"), "%s", k2.fx->last_error());
	cr_assert_eq(load_cards(&k2, "smk-1999", "keyper-smk", five, 5, smk_dir),
		     CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(k2.fx->last_error(), "another device or domain"));
	cr_assert_eq(load_cards(&k2, "smk-2010", "keyper-smk", five, 5, smk_dir), CKR_OK, "%s",
		     k2.fx->last_error());
	cr_assert_eq(k2.fx->key_restore(k2.slot, kblob), CKR_OK, "%s", k2.fx->last_error());
	CK_BYTE s1[512], s2[512];
	CK_ULONG n1 = sign_with(&k1, "Klajeyz", s1), n2 = sign_with(&k2, "Klajeyz", s2);
	cr_assert(n1 == n2 && memcmp(s1, s2, n1) == 0, "restored Keyper key signs differently");

	/* Four Lunas in one cloning domain; the new KSK made on the first, restored on three. */
	hsm_t l[4];
	for (int i = 0; i < 4; i++)
		hsm_open(&l[i], &lm, i < 2 ? "KSK-east" : "KSK-west");
	/* A device with no domain yet names the blob's real problem first: the other vendor. */
	expect_refused(&l[1], kblob, "other vendor family");
	cr_assert_eq(l[0].fx->domain_create(l[0].slot, "ksk-domain", dom_dir, 3, 5, "card-pin"),
		     CKR_OK);
	static const int three[] = { 2, 4, 5 };
	for (int i = 1; i < 4; i++)
		cr_assert_eq(load_cards(&l[i], "ksk-domain", "luna-domain", three, 3, dom_dir),
			     CKR_OK, "%s", l[i].fx->last_error());
	/* SMK cards are not iKeys of a cloning domain. */
	cr_assert_eq(load_cards(&l[1], "smk-2010", "keyper-smk", five, 5, smk_dir),
		     CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(l[1].fx->last_error(), "wrong kind"));
	fam_rsa_keygen(&lm, l[0].s, "Kmyv6jo", &pub, &priv);
	cr_assert_eq(l[0].fx->key_backup(l[0].slot, "Kmyv6jo", lblob), CKR_OK);
	CK_BYTE ref[512], got[512];
	CK_ULONG rn = sign_with(&l[0], "Kmyv6jo", ref);
	for (int i = 1; i < 4; i++) {
		cr_assert_eq(l[i].fx->key_restore(l[i].slot, lblob), CKR_OK, "%s",
			     l[i].fx->last_error());
		CK_ULONG gn = sign_with(&l[i], "Kmyv6jo", got);
		cr_assert(gn == rn && memcmp(got, ref, rn) == 0, "Luna copy %d signs differently",
			  i);
	}

	/* The migration that cannot happen, and damaged blobs: refused, device unchanged. */
	expect_refused(&l[1], kblob, "other vendor family");
	expect_refused(&k2, lblob, "other vendor family");
	hsm_t other;
	hsm_open(&other, &lm, "lab-spare");
	cr_assert_eq(other.fx->domain_create(other.slot, "other", other_dir, 1, 1, NULL), CKR_OK);
	expect_refused(&other, lblob, "another SMK or cloning domain");
	write_variant(lblob, bad, -1, 200);
	expect_refused(&l[2], bad, "tampered");
	write_variant(lblob, bad, 100, -1);
	expect_refused(&l[2], bad, "truncated");

	hsm_t *all[] = { &k1, &k2, &l[0], &l[1], &l[2], &l[3], &other };
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		audit_ok(all[i]);
	hl_p11_module_free(lm.mod);
	hl_p11_module_free(km.mod);
}

/* K11: a site populated by cloning: the KSK restored from a backup onto one Keyper of the
 * SMK is cloned from there onto a factory-fresh Keyper of the same SMK; the three copies sign
 * alike. Devices set up by the console (famconsole.h). */
Test(backup_restore, restored_key_clones_onto_a_fresh_device)
{
	char a[17], b[17], c[17], out[2048], blob[160];
	fam_module_t km;
	fam_console_device("keyper", NULL, "east", a);
	fam_console_device("keyper", NULL, "west", b);
	fam_console_device("keyper", NULL, "fresh", c);
	const char *peers[] = { b, c };
	fam_console_domain("keyper", "smk-2010", "smk", 2, 3, a, peers, 2);
	fam_load(&km, "keyper");
	hsm_t ha = { &km, fam_ext(&km), fam_slot_of(&km, a), 0 };
	hsm_t hb = { &km, ha.fx, fam_slot_of(&km, b), 0 };
	hsm_t hc = { &km, ha.fx, fam_slot_of(&km, c), 0 };
	ha.s = fam_login(&km, ha.slot);
	CK_OBJECT_HANDLE pub, priv;
	fam_rsa_keygen(&km, ha.s, "Klajeyz", &pub, &priv);
	path_of(blob, sizeof(blob), "k.hlkypr");
	cr_assert_eq(fam_admin("keyper", out, sizeof(out), "key backup %s Klajeyz %s", a, blob), 0,
		     "%s", out);
	cr_assert_eq(fam_admin("keyper", out, sizeof(out), "key restore %s %s", b, blob), 0, "%s",
		     out);
	cr_assert_eq(fam_admin("keyper", out, sizeof(out), "key clone %s Klajeyz %s", b, c), 0,
		     "%s", out);
	hb.s = fam_login(&km, hb.slot);
	hc.s = fam_login(&km, hc.slot);
	CK_BYTE s1[512], s2[512], s3[512];
	CK_ULONG n1 = sign_with(&ha, "Klajeyz", s1), n2 = sign_with(&hb, "Klajeyz", s2),
		 n3 = sign_with(&hc, "Klajeyz", s3);
	cr_assert(n1 == n2 && n2 == n3 && !memcmp(s1, s2, n1) && !memcmp(s2, s3, n1),
		  "the restored and the cloned copies sign differently");
	audit_ok(&hc);
	hl_p11_module_free(km.mod);
}

/* A Luna key leaves or enters the device only after the Crypto Officer's login, besides the
 * cloning domain: a direct caller of the family table without it is refused, nothing is
 * written and the device is unchanged. */
Test(backup_restore, backup_and_restore_need_the_crypto_officer)
{
	fam_module_t lm;
	char dom_dir[160], blob[160];
	fam_load(&lm, "luna");
	path_of(dom_dir, sizeof(dom_dir), "co-ikeys");
	path_of(blob, sizeof(blob), "co.hlluna");
	mkdir(dom_dir, 0700);
	hsm_t l;
	hsm_open(&l, &lm, "KSK-co");
	cr_assert_eq(l.fx->domain_create(l.slot, "co-domain", dom_dir, 1, 1, NULL), CKR_OK);
	CK_OBJECT_HANDLE pub, priv;
	fam_rsa_keygen(&lm, l.s, "Kco", &pub, &priv);
	cr_assert_eq(l.fx->key_backup(l.slot, "Kco", blob), CKR_OK, "%s", l.fx->last_error());
	cr_assert_eq(unlink(blob), 0);
	cr_assert_eq(lm.fn->C_Logout(l.s), CKR_OK);
	cr_assert_eq(l.fx->key_backup(l.slot, "Kco", blob), CKR_USER_NOT_LOGGED_IN);
	cr_assert_not_null(strstr(l.fx->last_error(), "Crypto Officer is not logged in"), "%s",
			   l.fx->last_error());
	cr_assert_neq(access(blob, F_OK), 0, "a blob was written without the CO's login");
	unsigned long long before = 0, after = 0;
	cr_assert_eq(l.fx->audit_count(l.slot, &before), CKR_OK);
	cr_assert_eq(l.fx->key_restore(l.slot, blob), CKR_USER_NOT_LOGGED_IN);
	cr_assert_eq(l.fx->audit_count(l.slot, &after), CKR_OK);
	cr_assert_eq(after, before, "a refused restore left an audit record");
	hl_p11_module_free(lm.mod);
}
