/* SPDX-License-Identifier: BSD-2-Clause
 * Cloning between the devices of one module (quirks.md L13, L7, K11): a key moves from a
 * Keyper to a Keyper and from a Luna to a Luna of the same SMK / cloning domain, through the
 * family table and the console's `key clone`, and the copy's public part and signatures equal
 * the source's; another domain, a device without one, another vendor, a wrong PIN on either
 * side, a label already on the target, a missing key, the same device and a policy that
 * forbids cloning are each refused with their own message and leave the target unchanged;
 * both devices audit the clone. Devices are set up by the console (famconsole.h). */
#include <fcntl.h>
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

TestSuite(clone, .init = setup, .fini = teardown, .timeout = 60);

typedef struct {
	fam_module_t *m;
	HSMLAB_FAMILY_FUNCTION_LIST *fx;
	char serial[17];
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
} dev_t_;

static void dev_open(dev_t_ *d, fam_module_t *m)
{
	d->m = m;
	d->fx = fam_ext(m);
	cr_assert_not_null(d->fx);
	cr_assert_geq(d->fx->version.minor, 1, "family table 1.1 has key_clone");
	d->slot = fam_slot_of(m, d->serial);
	d->s = fam_login(m, d->slot);
}

static CK_ULONG objects_labelled(dev_t_ *d, const char *label)
{
	CK_OBJECT_HANDLE h[8];
	CK_ULONG n = 0;
	cr_assert_eq(hl_p11_find_by_label(d->m->fn, d->s, CKO_PRIVATE_KEY, label, h, 8, &n),
		     CKR_OK);
	return n;
}

static CK_OBJECT_HANDLE key_of(dev_t_ *d, const char *label)
{
	return fam_key(d->m, d->s, label);
}

static const CK_BYTE digest_info[51] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
					 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
					 0x01, 0x05, 0x00, 0x04, 0x20, 0xc1, 0x0e };

/* The copy on b is the key of a: same modulus and exponent, same (deterministic) signature. */
static void same_key(dev_t_ *a, dev_t_ *b, const char *label)
{
	CK_BYTE ma[512], mb[512], ea[8], eb[8], sa[512], sb[512];
	CK_OBJECT_HANDLE ka = key_of(a, label), kb = key_of(b, label);
	CK_ATTRIBUTE ta[] = { { CKA_MODULUS, ma, sizeof(ma) },
			      { CKA_PUBLIC_EXPONENT, ea, sizeof(ea) } };
	CK_ATTRIBUTE tb[] = { { CKA_MODULUS, mb, sizeof(mb) },
			      { CKA_PUBLIC_EXPONENT, eb, sizeof(eb) } };
	cr_assert_eq(a->m->fn->C_GetAttributeValue(a->s, ka, ta, 2), CKR_OK);
	cr_assert_eq(b->m->fn->C_GetAttributeValue(b->s, kb, tb, 2), CKR_OK);
	cr_assert(ta[0].ulValueLen == tb[0].ulValueLen && memcmp(ma, mb, ta[0].ulValueLen) == 0 &&
		      ta[1].ulValueLen == tb[1].ulValueLen && memcmp(ea, eb, ta[1].ulValueLen) == 0,
		  "the copy's public part differs");
	CK_ULONG na = fam_sign(a->m, a->s, ka, CKM_RSA_PKCS, digest_info, 51, sa);
	CK_ULONG nb = fam_sign(b->m, b->s, kb, CKM_RSA_PKCS, digest_info, 51, sb);
	cr_assert(na == nb && memcmp(sa, sb, na) == 0, "the copy signs differently");
}

/* The device's audit export as text (static buffer). */
static const char *audit_text(dev_t_ *d)
{
	static char buf[1 << 16];
	char path[256];
	snprintf(path, sizeof(path), "%s/audit-%s.txt", lab.dir, d->serial);
	cr_assert_eq(d->fx->audit_export(d->slot, path), CKR_OK, "%s", d->fx->last_error());
	FILE *f = fopen(path, "r");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	hsmlab_audit_check_t chk;
	cr_assert_eq(d->fx->audit_verify(d->slot, path, &chk), CKR_OK, "%s", chk.problems);
	return buf;
}

static void keygen(dev_t_ *d, const char *label)
{
	CK_OBJECT_HANDLE pub, priv;
	fam_rsa_keygen(d->m, d->s, label, &pub, &priv);
}

/* A refused clone of label from a to b: its code, its message, b unchanged. */
static void refused(dev_t_ *a, const char *apin, const char *label, dev_t_ *b, const char *bpin,
		    CK_RV want, const char *why)
{
	CK_ULONG before = objects_labelled(b, label);
	CK_RV rv = a->fx->key_clone(a->slot, apin, label, b->slot, bpin);
	cr_assert_eq(rv, want, "%s: got 0x%lx: %s", why, rv, a->fx->last_error());
	cr_assert_not_null(strstr(a->fx->last_error(), why), "want \"%s\" in: %s", why,
			   a->fx->last_error());
	cr_assert_eq(objects_labelled(b, label), before, "target changed by a refused clone");
}

/* Two devices of the family set up by the console, the second loading the first's new domain
 * (m of n cards), both logged in through this process's module m. */
static void pair_in_domain(const char *family, const char *owner, int m_cards, int n_cards,
			   dev_t_ *a, dev_t_ *b, fam_module_t *m)
{
	fam_console_device(family, NULL, "KSK-east", a->serial);
	fam_console_device(family, NULL, "KSK-west", b->serial);
	const char *peers[] = { b->serial };
	fam_console_domain(family, owner, "domain-cards", m_cards, n_cards, a->serial, peers, 1);
	fam_load(m, family);
	dev_open(a, m);
	dev_open(b, m);
}

Test(clone, keyper_to_keyper_within_an_smk)
{
	dev_t_ a, b;
	fam_module_t m;
	pair_in_domain("keyper", "smk-2010", 3, 5, &a, &b, &m);
	keygen(&a, "Klajeyz");
	cr_assert_eq(a.fx->key_clone(a.slot, FAM_PIN, "Klajeyz", b.slot, FAM_PIN), CKR_OK, "%s",
		     a.fx->last_error());
	same_key(&a, &b, "Klajeyz");
	/* Audited on both sides under one clone id (the two-phase record, fam_clone.c): the
	 * target's record with the copy, the source's "done" once the target holds the id; no
	 * intent is left pending. */
	char want[160];
	snprintf(want, sizeof(want), " clone Klajeyz from=%s%%20clone=%s:1 ", a.serial, a.serial);
	cr_assert_not_null(strstr(audit_text(&b), want), "%s", audit_text(&b));
	snprintf(want, sizeof(want), " clone Klajeyz to=%s%%20done%%20clone=%s:1 ", b.serial,
		 a.serial);
	cr_assert_not_null(strstr(audit_text(&a), want), "%s", audit_text(&a));
	/* The label is now taken on the target. */
	refused(&a, FAM_PIN, "Klajeyz", &b, FAM_PIN, CKR_ARGUMENTS_BAD, "already holds");
	/* A Keyper its operators have not activated has no Crypto Officer to clone (K10): the
	 * family's login gate answers, with its own code. */
	char out[1024];
	keygen(&a, "Kother");
	cr_assert_eq(fam_admin("keyper", out, sizeof(out), "keyper deactivate %s", b.serial), 0,
		     "%s", out);
	CK_RV rv = a.fx->key_clone(a.slot, FAM_PIN, "Kother", b.slot, FAM_PIN);
	cr_assert_neq(rv, CKR_OK);
	cr_assert_neq(rv, CKR_PIN_INCORRECT, "the gate comes before the PIN");
	cr_assert_not_null(strstr(a.fx->last_error(), "Crypto Officer cannot log in"), "%s",
			   a.fx->last_error());
	cr_assert_eq(objects_labelled(&b, "Kother"), 0);
	hl_p11_module_free(m.mod);
}

Test(clone, luna_to_luna_through_the_console)
{
	dev_t_ a, b;
	fam_module_t m;
	char out[2048];
	pair_in_domain("luna", "ksk-domain", 2, 3, &a, &b, &m);
	keygen(&a, "Kmyv6jo");
	cr_assert_eq(
	    fam_admin("luna", out, sizeof(out), "key clone %s Kmyv6jo %s", a.serial, b.serial), 0,
	    "%s", out);
	cr_assert_not_null(strstr(out, "cloned"), "%s", out);
	same_key(&a, &b, "Kmyv6jo");
	/* Again: the label is there now; the console says so and fails. */
	cr_assert_eq(
	    fam_admin("luna", out, sizeof(out), "key clone %s Kmyv6jo %s", a.serial, b.serial), 1,
	    "%s", out);
	cr_assert_not_null(strstr(out, "already holds"), "%s", out);
	cr_assert_eq(objects_labelled(&b, "Kmyv6jo"), 1);
	/* The target's Crypto Officer PIN is its own option (--dst-pin, default --pin): a
	 * wrong one is refused on the target's side, the right one clones. */
	keygen(&a, "Kdstpin");
	cr_assert_eq(fam_admin("luna", out, sizeof(out),
			       "--dst-pin 99999999 key clone %s Kdstpin %s", a.serial, b.serial),
		     1, "%s", out);
	cr_assert_not_null(strstr(out, "CKR_PIN_INCORRECT"), "%s", out);
	cr_assert_eq(objects_labelled(&b, "Kdstpin"), 0);
	cr_assert_eq(fam_admin("luna", out, sizeof(out),
			       "--dst-pin " FAM_PIN " key clone %s Kdstpin %s", a.serial, b.serial),
		     0, "%s", out);
	same_key(&a, &b, "Kdstpin");
	hl_p11_module_free(m.mod);
}

Test(clone, refused_with_its_own_message)
{
	dev_t_ a, b, other, bare;
	fam_module_t m;
	fam_console_device("luna", NULL, "src", a.serial);
	fam_console_device("luna", NULL, "dst", b.serial);
	fam_console_device("luna", NULL, "other", other.serial);
	fam_console_device("luna", NULL, "bare", bare.serial);
	const char *peers[] = { b.serial };
	fam_console_domain("luna", "dom", "ikeys", 1, 1, a.serial, peers, 1);
	fam_console_domain("luna", "dom2", "other-ikeys", 1, 1, other.serial, NULL, 0);
	fam_load(&m, "luna");
	dev_open(&a, &m);
	dev_open(&b, &m);
	dev_open(&other, &m);
	dev_open(&bare, &m);
	keygen(&a, "K1");
	unsigned long long na = 0, nb = 0, na2 = 0, nb2 = 0;
	cr_assert_eq(a.fx->audit_count(a.slot, &na), CKR_OK);
	cr_assert_eq(b.fx->audit_count(b.slot, &nb), CKR_OK);
	refused(&a, FAM_PIN, "K1", &other, FAM_PIN, CKR_WRAPPED_KEY_INVALID,
		"different SMKs / cloning domains");
	refused(&a, FAM_PIN, "K1", &bare, FAM_PIN, CKR_WRAPPED_KEY_INVALID,
		"no SMK / cloning domain");
	refused(&a, FAM_PIN, "no-such-key", &b, FAM_PIN, CKR_ARGUMENTS_BAD,
		"0 private keys carry that label");
	refused(&a, FAM_PIN, "K1", &a, FAM_PIN, CKR_ARGUMENTS_BAD, "the same device");
	cr_assert_eq(a.fx->audit_count(a.slot, &na2), CKR_OK);
	cr_assert_eq(b.fx->audit_count(b.slot, &nb2), CKR_OK);
	cr_assert(na2 == na && nb2 == nb, "a refused clone writes no record");
	/* A wrong PIN on either side: refused, and counted as that side's failed login. */
	refused(&a, "00000000", "K1", &b, FAM_PIN, CKR_PIN_INCORRECT, "source device");
	refused(&a, FAM_PIN, "K1", &b, "00000000", CKR_PIN_INCORRECT, "target device");
	cr_assert_not_null(strstr(audit_text(&a), " login-failed user clone "));
	cr_assert_not_null(strstr(audit_text(&b), " login-failed user clone "));
	cr_assert_null(strstr(audit_text(&b), " clone K1 "), "no clone record on the target");
	/* The refusals left both able to clone. */
	cr_assert_eq(a.fx->key_clone(a.slot, FAM_PIN, "K1", b.slot, FAM_PIN), CKR_OK, "%s",
		     a.fx->last_error());
	same_key(&a, &b, "K1");
	hl_p11_module_free(m.mod);
}

/* Another vendor's device is not a slot of this module: the console names the problem and
 * nothing moves (K11: cross-vendor export is impossible by design). */
Test(clone, refused_across_vendors)
{
	dev_t_ k, l;
	fam_module_t km, lm;
	char out[2048];
	fam_console_device("keyper", NULL, "keyper", k.serial);
	fam_console_device("luna", NULL, "luna", l.serial);
	fam_load(&km, "keyper");
	fam_load(&lm, "luna");
	dev_open(&k, &km);
	dev_open(&l, &lm);
	keygen(&k, "Klajeyz");
	cr_assert_neq(
	    fam_admin("keyper", out, sizeof(out), "key clone %s Klajeyz %s", k.serial, l.serial), 0,
	    "%s", out);
	cr_assert_not_null(strstr(out, "no such slot id or serial"), "%s", out);
	cr_assert_neq(k.fx->key_clone(k.slot, FAM_PIN, "Klajeyz", l.slot, FAM_PIN), CKR_OK);
	cr_assert_eq(objects_labelled(&l, "Klajeyz"), 0);
	hl_p11_module_free(lm.mod);
	hl_p11_module_free(km.mod);
}

/* A copy of the shipped profiles plus luna-noclone: luna.conf with the cloning policy off. */
static void noclone_profile(char *dir, size_t n)
{
	char cmd[1024], path[256];
	static char text[1 << 16];
	snprintf(dir, n, "%s/profiles", lab.dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/*.conf %s/", dir,
		 getenv("HSMLAB_PROFILE_DIR"), dir);
	cr_assert_eq(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/luna.conf", dir);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t len = fread(text, 1, sizeof(text) - 1, f);
	text[len] = '\0';
	fclose(f);
	char *name = strstr(text, "name = \"luna\";");
	/* luna.conf ships the switch off: the user profile turns it on ("true " keeps the
	 * length of "false") */
	char *sw = strstr(text, "no_private_key_cloning = { id = \"L13\"; on = false;");
	cr_assert(name && sw, "luna.conf changed shape");
	memcpy(strstr(sw, "false"), "true ", 5);
	snprintf(path, sizeof(path), "%s/luna-noclone.conf", dir);
	f = fopen(path, "w");
	fprintf(f, "%.*sname = \"luna-noclone\";%s", (int)(name - text), text, name + 14);
	fclose(f);
}

/* The cloning policy (no_private_key_cloning: L13, a guess at Luna's partition policy "allow
 * private key cloning" switched off) in a user profile built on luna.conf: refused on
 * either side. The shipped profiles leave it off; strict has no family table at all. */
Test(clone, policy_forbids_cloning)
{
	dev_t_ a, n;
	fam_module_t m, g;
	char dir[160];
	noclone_profile(dir, sizeof(dir));
	setenv("HSMLAB_PROFILE_DIR", dir, 1);
	fam_console_device("luna", NULL, "src", a.serial);
	fam_console_device("luna", "luna-noclone", "noclone", n.serial);
	const char *peers[] = { n.serial };
	fam_console_domain("luna", "dom", "ikeys", 1, 1, a.serial, peers, 1);
	fam_load(&m, "luna");
	dev_open(&a, &m);
	dev_open(&n, &m);
	keygen(&a, "K1");
	keygen(&n, "K2");
	refused(&a, FAM_PIN, "K1", &n, FAM_PIN, CKR_ACTION_PROHIBITED, "forbids private key");
	refused(&n, FAM_PIN, "K2", &a, FAM_PIN, CKR_ACTION_PROHIBITED, "forbids private key");
	fam_load(&g, "");
	cr_assert_null(fam_ext(&g), "strict: no family table, no cloning");
	hl_p11_module_free(g.mod);
	hl_p11_module_free(m.mod);
}

/* The first line sqlite3 prints for sql on the store at path (the store's own file). */
static void sql_at(const char *path, const char *sql, char *out, size_t n)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "sqlite3 '%s' \"%s\"", path, sql);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	out[0] = '\0';
	if (!fgets(out, (int)n, p))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	cr_assert_eq(pclose(p), 0, "sqlite3 %s: %s", path, sql);
}

/* Loads the Luna module (C_Initialize opens every device) and frees it again; msg gets the
 * lines the module wrote on stderr meanwhile (the order of its devices' lines follows their
 * random serials, so not only the last message). */
static void load_and_free(char *msg, size_t n)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/stderr.txt", lab.dir);
	fflush(stderr);
	int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert(saved >= 0 && fd >= 0 && dup2(fd, 2) == 2);
	close(fd);
	unsetenv("HSMLAB_QUIET");
	fam_module_t m;
	fam_load(&m, "luna");
	hl_p11_module_free(m.mod);
	setenv("HSMLAB_QUIET", "1", 1);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	size_t got = fread(msg, 1, n - 1, f);
	msg[got] = '\0';
	fclose(f);
}

/* Clones a crash interrupted, written as a kill leaves them (fam_clone.c): the source's
 * intents clone_out/<n>, and the target's clone_in/<id> of the one whose copy committed. The
 * source's next load resolves them: "done" where the target holds the id, "aborted" where it
 * does not. While the target's store is broken or missing the source still opens, says in
 * one line that the clone stays pending, and keeps its intents. */
Test(clone, interrupted_clone_resolved_on_next_load)
{
	char a[17], b[17], src[256], dst[256], aside[300], sql[512], got[4096];
	fam_console_device("luna", NULL, "KSK-east", a);
	fam_console_device("luna", NULL, "KSK-west", b);
	snprintf(src, sizeof(src), "%s/devices/%s.db", lab.lab, a);
	snprintf(dst, sizeof(dst), "%s/devices/%s.db", lab.lab, b);
	snprintf(aside, sizeof(aside), "%s.aside", dst);
	snprintf(sql, sizeof(sql),
		 "insert into meta values('clone_next', '2');"
		 "insert into meta values('clone_out/00000000000000000001', '%s Kgone');"
		 "insert into meta values('clone_out/00000000000000000002', '%s Kmade');",
		 b, b);
	sql_at(src, sql, got, sizeof(got));
	snprintf(sql, sizeof(sql), "insert into meta values('clone_in/%s:2', 'Kmade');", a);
	sql_at(dst, sql, got, sizeof(got));
	const char *count = "select count(*) from meta where key like 'clone_out/%'";

	/* A broken target (another file in its place), then a missing one. */
	cr_assert_eq(rename(dst, aside), 0);
	FILE *f = fopen(dst, "w");
	cr_assert_not_null(f);
	fputs("not a store, whatever its name says", f);
	fclose(f);
	cr_assert_eq(chmod(dst, 0600), 0);
	load_and_free(got, sizeof(got));
	cr_assert_not_null(strstr(got, "stays pending (its target cannot be read"), "%s", got);
	cr_assert_not_null(strstr(got, "it is resolved once both stores open"), "%s", got);
	cr_assert_eq(unlink(dst), 0);
	load_and_free(got, sizeof(got));
	cr_assert_not_null(strstr(got, "No such file or directory"), "%s", got);
	sql_at(src, count, got, sizeof(got));
	cr_assert_str_eq(got, "2", "the intents stay while the target cannot be read");

	/* Both stores there: each intent resolved, the source's log says how. */
	cr_assert_eq(rename(aside, dst), 0);
	load_and_free(got, sizeof(got));
	sql_at(src, count, got, sizeof(got));
	cr_assert_str_eq(got, "0");
	snprintf(sql, sizeof(sql),
		 "select group_concat(r, ', ') from (select subject || ' ' || details as r "
		 "from hl_audit where event = 'clone' order by seq)");
	sql_at(src, sql, got, sizeof(got));
	char want[256];
	snprintf(want, sizeof(want), "Kgone to=%s aborted clone=%s:1, Kmade to=%s done clone=%s:2",
		 b, a, b, a);
	cr_assert_str_eq(got, want);
	/* Resolved once: the next load changes nothing. */
	load_and_free(got, sizeof(got));
	sql_at(src, "select count(*) from hl_audit where event = 'clone'", got, sizeof(got));
	cr_assert_str_eq(got, "2");
}
