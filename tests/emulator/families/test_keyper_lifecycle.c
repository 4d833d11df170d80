/* SPDX-License-Identifier: BSD-2-Clause
 * The Keyper lifecycle through the vendor's own table ("hsmlab keyper", K7, K10, K12): each
 * state step and its order, every wrong-card case, C_InitToken refused on the Keyper and
 * accepted on strict, login only while activated (before, after deactivate, after the
 * timeout in device time), the init step erasing keys, tamper zeroizing with the audit log
 * surviving and verifying, and recovery shares carrying the SMK to a new device. */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famlab.h"

static testlab_t lab;
static fam_module_t m;
static const HSMLAB_KEYPER_FUNCTION_LIST *k;
static HSMLAB_FAMILY_FUNCTION_LIST *fx;

static void setup(void)
{
	testlab_make(&lab);
	fam_load(&m, "keyper");
	k = fam_keyper(&m);
	fx = fam_ext(&m);
	cr_assert_not_null(k, "libhsmlab-keyper.so offers no \"hsmlab keyper\" table");
	cr_assert_not_null(fx);
}

static void teardown(void)
{
	testlab_remove(&lab);
}

TestSuite(keyper_lifecycle, .init = setup, .fini = teardown);

/* The device's state name. */
static const char *state(CK_SLOT_ID slot)
{
	static hsmlab_keyper_state_t s;
	cr_assert_eq(k->state(slot, &s), CKR_OK, "%s", fx->last_error());
	return s.state;
}

static bool activated(CK_SLOT_ID slot)
{
	hsmlab_keyper_state_t s;
	cr_assert_eq(k->state(slot, &s), CKR_OK, "%s", fx->last_error());
	return s.activated;
}

/* The device's card folder (made). */
static void card_dir(CK_SLOT_ID slot, char *out, size_t n)
{
	hsmlab_device_info_t d;
	cr_assert_eq(m.ext->device_info(slot, &d), CKR_OK);
	snprintf(out, n, "%s/cards", lab.dir);
	mkdir(out, 0700);
	snprintf(out, n, "%s/cards/%s", lab.dir, d.serial);
	mkdir(out, 0700);
}

typedef struct {
	char buf[8][1200];
	const char *p[8];
} cards_t;

/* dir/kind-i.card for each index given (1-based, 0 ends the list). */
static const char **cards(cards_t *c, const char *dir, const char *kind, const int *idx)
{
	for (int i = 0; idx[i] && i < 8; i++) {
		snprintf(c->buf[i], sizeof(c->buf[i]), "%s/%s-%d.card", dir, kind, idx[i]);
		c->p[i] = c->buf[i];
	}
	return c->p;
}

static CK_RV login(CK_SLOT_ID slot, CK_SESSION_HANDLE *s)
{
	CK_RV rv = m.fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	return rv == CKR_OK ? m.fn->C_Login(*s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8) : rv;
}

static void expect_error(CK_RV rv, CK_RV want, const char *msg)
{
	cr_assert_eq(rv, want, "got %s, want %s: %s", hl_ckr_name(rv), hl_ckr_name(want),
		     fx->last_error());
	cr_assert_not_null(strstr(fx->last_error(), msg), "\"%s\" does not say \"%s\"",
			   fx->last_error(), msg);
}

static const int one[] = { 1, 0 }, three[] = { 1, 2, 3, 0 }, five[] = { 1, 2, 3, 4, 5, 0 };

Test(keyper_lifecycle, each_step_in_order_and_out_of_order_refused)
{
	CK_SLOT_ID slot = 0;
	char dir[1024];
	cards_t so, op;
	cr_assert_eq(m.ext->device_create(NULL, &slot, NULL), CKR_OK);
	card_dir(slot, dir, sizeof(dir));
	cards(&so, dir, "keyper-so", one);
	cards(&op, dir, "keyper-op", three);
	cr_assert_str_eq(state(slot), "factory");
	expect_error(k->op_cards(slot, so.p, 1, dir, NULL), CKR_OPERATION_NOT_INITIALIZED,
		     "needs \"smk\"");
	cr_assert_eq(k->so_cards(slot, dir, NULL), CKR_OK, "%s", fx->last_error());
	cr_assert_str_eq(state(slot), "so-cards");
	expect_error(k->so_cards(slot, dir, NULL), CKR_OPERATION_NOT_INITIALIZED, "so-cards");
	expect_error(k->init(slot, so.p, 1, "KSK", FAM_SO_PIN, FAM_PIN, NULL),
		     CKR_OPERATION_NOT_INITIALIZED, "\"op-cards\" or \"online\"");
	cr_assert_eq(fx->domain_create(slot, "smk-test", dir, 5, 7, NULL), CKR_OK);
	cr_assert_str_eq(state(slot), "smk");
	cr_assert_eq(k->op_cards(slot, so.p, 1, dir, NULL), CKR_OK, "%s", fx->last_error());
	cr_assert_str_eq(state(slot), "op-cards");
	expect_error(k->activate(slot, op.p, 3, NULL), CKR_OPERATION_NOT_INITIALIZED, "online");
	expect_error(k->init(slot, so.p, 1, "KSK", "12ab5678", FAM_PIN, NULL), CKR_PIN_INVALID,
		     "digits");
	expect_error(k->init(slot, so.p, 1, "KSK", "123", FAM_PIN, NULL), CKR_PIN_LEN_RANGE,
		     "4-32");
	cr_assert_str_eq(state(slot), "op-cards", "a refused init changed the state");
	cr_assert_eq(k->init(slot, so.p, 1, "KSK", FAM_SO_PIN, FAM_PIN, NULL), CKR_OK, "%s",
		     fx->last_error());
	cr_assert_str_eq(state(slot), "online");
	cr_assert(!activated(slot), "the init step leaves the device not activated");
	cr_assert_eq(k->activate(slot, op.p, 3, NULL), CKR_OK, "%s", fx->last_error());
	cr_assert(activated(slot));
}

/* A device set up by the vendor sequence, activated; its card folder in dir. */
static CK_SLOT_ID online(const char *label, char *dir, size_t n, const char *card_pin)
{
	CK_SLOT_ID slot = 0;
	cards_t so, op;
	hsmlab_device_info_t d;
	cr_assert_eq(m.ext->device_create(NULL, &slot, NULL), CKR_OK);
	cr_assert_eq(m.ext->device_info(slot, &d), CKR_OK);
	card_dir(slot, dir, n);
	cards(&so, dir, "keyper-so", one);
	cards(&op, dir, "keyper-op", three);
	cr_assert_eq(k->so_cards(slot, dir, card_pin), CKR_OK, "%s", fx->last_error());
	cr_assert_eq(fx->domain_create(slot, d.serial, dir, 5, 7, card_pin), CKR_OK);
	cr_assert_eq(k->op_cards(slot, so.p, 1, dir, card_pin), CKR_OK, "%s", fx->last_error());
	cr_assert_eq(k->init(slot, so.p, 1, label, FAM_SO_PIN, FAM_PIN, card_pin), CKR_OK, "%s",
		     fx->last_error());
	cr_assert_eq(k->activate(slot, op.p, 3, card_pin), CKR_OK, "%s", fx->last_error());
	return slot;
}

Test(keyper_lifecycle, every_wrong_card_has_its_own_error)
{
	char dir[1024], other[1024], ndir[1100];
	cards_t c, o;
	CK_SLOT_ID slot = online("cards", dir, sizeof(dir), "1111");
	CK_SLOT_ID peer = online("peer", other, sizeof(other), "1111");
	cr_assert_eq(k->deactivate(slot), CKR_OK);
	const int dup[] = { 1, 2, 2, 0 }, two[] = { 1, 2, 0 };
	expect_error(k->activate(slot, cards(&c, dir, "keyper-op", two), 2, "1111"),
		     CKR_PIN_INCORRECT, "too few cards");
	expect_error(k->activate(slot, cards(&c, dir, "keyper-op", dup), 3, "1111"),
		     CKR_PIN_INCORRECT, "presented twice");
	expect_error(k->activate(slot, cards(&c, dir, "keyper-so", one), 1, "1111"),
		     CKR_PIN_INCORRECT, "wrong kind");
	expect_error(k->activate(slot, cards(&c, other, "keyper-op", three), 3, "1111"),
		     CKR_PIN_INCORRECT, "another device");
	expect_error(k->activate(slot, cards(&c, dir, "keyper-op", three), 3, "2222"),
		     CKR_PIN_INCORRECT, "card PIN incorrect");
	/* two sets of the same device mixed, then a replaced set */
	cards(&o, dir, "keyper-op", three);
	snprintf(o.buf[2], sizeof(o.buf[2]), "%s/new/keyper-op-3.card", dir);
	snprintf(ndir, sizeof(ndir), "%s/new", dir);
	mkdir(ndir, 0700);
	cr_assert_eq(k->op_cards(slot, cards(&c, dir, "keyper-so", one), 1, ndir, "1111"), CKR_OK,
		     "%s", fx->last_error());
	expect_error(k->activate(slot, o.p, 3, "1111"), CKR_PIN_INCORRECT, "another card set");
	expect_error(k->activate(slot, cards(&c, dir, "keyper-op", three), 3, "1111"),
		     CKR_PIN_INCORRECT, "not the device's current set");
	cr_assert(!activated(slot), "a refused activation activated the device");
	(void)peer;
}

Test(keyper_lifecycle, c_inittoken_refused_on_keyper_accepted_on_strict)
{
	CK_SLOT_ID slot = 0;
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	cr_assert_eq(m.ext->device_create(NULL, &slot, NULL), CKR_OK);
	expect_error(m.fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8, label),
		     CKR_FUNCTION_NOT_SUPPORTED, "vendor's init step");
	cr_assert_str_eq(state(slot), "factory");

	fam_module_t g;
	fam_load(&g, "");
	cr_assert_eq(g.ext->device_create("strict", &slot, NULL), CKR_OK, "%s",
		     g.ext->last_error());
	cr_assert_eq(g.fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8, label), CKR_OK);
	CK_SESSION_HANDLE s;
	cr_assert_eq(g.fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	/* strict: no activation gate, the SO logs in straight away */
	CK_RV rv = g.fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8);
	cr_assert_eq(rv, CKR_OK, "%s: %s", hl_ckr_name(rv), g.ext->last_error());
	hl_p11_module_free(g.mod);
}

Test(keyper_lifecycle, login_only_while_activated)
{
	char dir[1024];
	cards_t op;
	CK_SESSION_HANDLE s;
	long long now = 0;
	CK_SLOT_ID slot = online("login", dir, sizeof(dir), NULL);
	cards(&op, dir, "keyper-op", three);
	cr_assert_eq(login(slot, &s), CKR_OK, "%s", fx->last_error());
	cr_assert_eq(m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(k->deactivate(slot), CKR_OK);
	expect_error(login(slot, &s), CKR_FUNCTION_FAILED, "not activated");
	expect_error(m.fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8), CKR_FUNCTION_FAILED,
		     "not activated");
	cr_assert_eq(k->activate(slot, op.p, 3, NULL), CKR_OK);
	cr_assert_eq(m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	cr_assert_eq(m.fn->C_Logout(s), CKR_OK);
	/* the timeout runs in device time: 8 h 1 s later the activation has ended */
	cr_assert_eq(fx->clock_get(slot, &now, NULL), CKR_OK);
	cr_assert_eq(fx->clock_set(slot, now + 7 * 3600), CKR_OK);
	cr_assert_eq(m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	cr_assert_eq(m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(fx->clock_set(slot, now + 8 * 3600 + 1), CKR_OK);
	cr_assert(!activated(slot));
	expect_error(m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_FUNCTION_FAILED,
		     "not activated");
	cr_assert_eq(k->activate(slot, op.p, 3, NULL), CKR_OK);
	cr_assert_eq(m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
}

static CK_ULONG count_objects(CK_SLOT_ID slot)
{
	CK_ULONG n = 0;
	cr_assert_eq(m.ext->object_list(slot, NULL, &n), CKR_OK);
	return n;
}

Test(keyper_lifecycle, the_init_step_erases_every_key)
{
	char dir[1024];
	cards_t so, op;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	CK_SLOT_ID slot = online("erase", dir, sizeof(dir), NULL);
	cards(&so, dir, "keyper-so", one);
	cards(&op, dir, "keyper-op", three);
	cr_assert_eq(login(slot, &s), CKR_OK);
	fam_rsa_keygen(&m, s, "Klajeyz", &pub, &priv);
	cr_assert_eq(count_objects(slot), 2);
	cr_assert_eq(k->init(slot, so.p, 1, "again", "11112222", "33334444", NULL), CKR_OK, "%s",
		     fx->last_error());
	cr_assert_eq(count_objects(slot), 0);
	CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };
	cr_assert_eq(m.fn->C_GetAttributeValue(s, priv, &a, 1), CKR_OBJECT_HANDLE_INVALID);
	cr_assert_eq(k->activate(slot, op.p, 3, NULL), CKR_OK);
	CK_SESSION_HANDLE s2;
	cr_assert_eq(m.fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s2), CKR_OK);
	cr_assert_eq(m.fn->C_Login(s2, CKU_USER, (CK_UTF8CHAR_PTR) "33334444", 8), CKR_OK);
	CK_TOKEN_INFO ti;
	cr_assert_eq(m.fn->C_GetTokenInfo(slot, &ti), CKR_OK);
	cr_assert_eq(memcmp(ti.label, "again ", 6), 0);
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f, "%s", path);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

Test(keyper_lifecycle, tamper_zeroizes_and_the_audit_log_survives)
{
	char dir[1024], path[1200];
	cards_t so, op, smk;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	hsmlab_audit_check_t chk;
	hsmlab_device_info_t d;
	CK_SLOT_ID slot = online("tamper", dir, sizeof(dir), NULL);
	cr_assert_eq(m.ext->device_info(slot, &d), CKR_OK);
	cards(&so, dir, "keyper-so", one);
	cards(&op, dir, "keyper-op", three);
	cr_assert_eq(login(slot, &s), CKR_OK);
	fam_rsa_keygen(&m, s, "Klajeyz", &pub, &priv);
	cr_assert_eq(k->tamper(slot), CKR_OK, "%s", fx->last_error());
	hsmlab_keyper_state_t st;
	cr_assert_eq(k->state(slot, &st), CKR_OK);
	cr_assert_str_eq(st.state, "tampered");
	cr_assert(!st.has_smk && !st.activated);
	cr_assert_eq(count_objects(slot), 0);
	/* the token itself is gone: no session until the init step */
	cr_assert_eq(m.fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s),
		     CKR_TOKEN_NOT_RECOGNIZED);
	expect_error(k->activate(slot, op.p, 3, NULL), CKR_OPERATION_NOT_INITIALIZED, "tampered");
	snprintf(path, sizeof(path), "%s/audit.txt", lab.dir);
	cr_assert_eq(fx->audit_export(slot, path), CKR_OK);
	char *text = read_all(path);
	cr_assert_not_null(strstr(text, "zeroize tamper zeroized%20keys=2%20smk=yes"), "%s", text);
	cr_assert_not_null(strstr(text, "keygen"), "the log lost its earlier records: %s", text);
	cr_assert_eq(fx->audit_verify(slot, path, &chk), CKR_OK, "%s", chk.problems);
	/* back with the SMK cards, new OP cards, the init step */
	cr_assert_eq(fx->domain_load(slot, d.serial, cards(&smk, dir, "keyper-smk", five), 5, NULL),
		     CKR_OK, "%s", fx->last_error());
	cr_assert_str_eq(state(slot), "smk");
	cr_assert_eq(k->op_cards(slot, so.p, 1, dir, NULL), CKR_OK, "%s", fx->last_error());
	cr_assert_eq(k->init(slot, so.p, 1, "back", FAM_SO_PIN, FAM_PIN, NULL), CKR_OK);
	cr_assert_eq(k->activate(slot, op.p, 3, NULL), CKR_OK);
	cr_assert_eq(login(slot, &s), CKR_OK);
}

/* Watches /tmp for new entries (the SMK once went to the domain load as a card file there). */
static int tmp_watch(void)
{
	int fd = inotify_init1(IN_NONBLOCK);
	cr_assert_geq(fd, 0);
	cr_assert_geq(inotify_add_watch(fd, "/tmp", IN_CREATE), 0);
	return fd;
}

/* Whether a /tmp/hsmlab-rksh-* entry appeared since tmp_watch (closes fd). */
static bool tmp_saw_rksh(int fd)
{
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool seen = false;
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)(void *)p;
			seen = seen || (e->len && !strncmp(e->name, "hsmlab-rksh-", 12));
			p += sizeof(*e) + e->len;
		}
	close(fd);
	return seen;
}

Test(keyper_lifecycle, recovery_shares_carry_the_smk_to_a_new_device)
{
	char dir[1024], rdir[1100], path[1200], ndir[1024];
	cards_t smk, rk;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	hsmlab_device_info_t d;
	CK_SLOT_ID slot = online("rksh", dir, sizeof(dir), NULL);
	cr_assert_eq(m.ext->device_info(slot, &d), CKR_OK);
	snprintf(rdir, sizeof(rdir), "%s/rksh", dir);
	mkdir(rdir, 0700);
	const int smk_set[] = { 7, 2, 5, 1, 3, 0 };
	cr_assert_eq(k->recovery_cards(slot, d.serial, cards(&smk, dir, "keyper-smk", smk_set), 5,
				       rdir, NULL),
		     CKR_OK, "%s", fx->last_error());
	cr_assert_eq(login(slot, &s), CKR_OK);
	fam_rsa_keygen(&m, s, "Klajeyz", &pub, &priv);
	snprintf(path, sizeof(path), "%s/k.blob", lab.dir);
	cr_assert_eq(fx->key_backup(slot, "Klajeyz", path), CKR_OK, "%s", fx->last_error());

	CK_SLOT_ID nslot = 0;
	cr_assert_eq(m.ext->device_create(NULL, &nslot, NULL), CKR_OK);
	card_dir(nslot, ndir, sizeof(ndir));
	cr_assert_eq(k->so_cards(nslot, ndir, NULL), CKR_OK);
	const int four[] = { 1, 2, 3, 4, 0 };
	expect_error(k->recover(nslot, d.serial, cards(&rk, rdir, "keyper-rksh", four), 4, NULL),
		     CKR_PIN_INCORRECT, "too few");
	expect_error(k->recover(nslot, d.serial, cards(&rk, dir, "keyper-smk", five), 5, NULL),
		     CKR_PIN_INCORRECT, "wrong kind");
	cr_assert_str_eq(state(nslot), "so-cards");
	int watch = tmp_watch();
	cr_assert_eq(k->recover(nslot, d.serial, cards(&rk, rdir, "keyper-rksh", five), 5, NULL),
		     CKR_OK, "%s", fx->last_error());
	cr_assert_not(tmp_saw_rksh(watch), "the SMK went through a /tmp/hsmlab-rksh-* directory");
	cr_assert_str_eq(state(nslot), "smk");
	/* A restore needs the new device's Crypto Officer logged in, after its quorum. */
	cards_t nso, nop;
	cr_assert_eq(k->op_cards(nslot, cards(&nso, ndir, "keyper-so", one), 1, ndir, NULL), CKR_OK,
		     "%s", fx->last_error());
	cr_assert_eq(k->init(nslot, nso.p, 1, "rksh-new", FAM_SO_PIN, FAM_PIN, NULL), CKR_OK, "%s",
		     fx->last_error());
	cr_assert_eq(k->activate(nslot, cards(&nop, ndir, "keyper-op", three), 3, NULL), CKR_OK,
		     "%s", fx->last_error());
	CK_SESSION_HANDLE ns;
	cr_assert_eq(login(nslot, &ns), CKR_OK);
	snprintf(path, sizeof(path), "%s/audit-new.txt", lab.dir);
	cr_assert_eq(fx->audit_export(nslot, path), CKR_OK);
	char *text = read_all(path);
	cr_assert_not_null(strstr(text, "loaded%20from%20cards%20owner="), "%s", text);
	cr_assert_not_null(strstr(text, "SMK%20loaded%20from%20keyper-rksh%20cards"), "%s", text);
	snprintf(path, sizeof(path), "%s/k.blob", lab.dir);
	cr_assert_eq(fx->key_restore(nslot, path), CKR_OK, "the recovered SMK is not the same: %s",
		     fx->last_error());
}

/* A key leaves or enters a Keyper only with the operator quorum's activation and the CO's
 * login, besides the SMK: a direct caller of the family table without them is refused and
 * nothing is written. */
Test(keyper_lifecycle, backup_and_restore_need_the_quorum_and_the_co)
{
	char dir[1024], path[1200];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	cards_t op;
	CK_SLOT_ID slot = online("creds", dir, sizeof(dir), NULL);
	cr_assert_eq(login(slot, &s), CKR_OK);
	fam_rsa_keygen(&m, s, "Kcreds", &pub, &priv);
	snprintf(path, sizeof(path), "%s/creds.blob", lab.dir);
	cr_assert_eq(m.fn->C_Logout(s), CKR_OK);
	expect_error(fx->key_backup(slot, "Kcreds", path), CKR_USER_NOT_LOGGED_IN,
		     "Crypto Officer is not logged in");
	cr_assert_neq(access(path, F_OK), 0, "a blob was written without the CO");
	cr_assert_eq(m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	cr_assert_eq(k->deactivate(slot), CKR_OK, "%s", fx->last_error());
	CK_RV rv = fx->key_backup(slot, "Kcreds", path);
	cr_assert_neq(rv, CKR_OK, "a backup without the operator quorum");
	cr_assert_not_null(strstr(fx->last_error(), "not activated"), "%s", fx->last_error());
	cr_assert_neq(access(path, F_OK), 0, "a blob was written without the quorum");
	cr_assert_eq(k->activate(slot, cards(&op, dir, "keyper-op", three), 3, NULL), CKR_OK, "%s",
		     fx->last_error());
	rv = m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8);
	cr_assert(rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN, "%s", hl_ckr_name(rv));
	cr_assert_eq(fx->key_backup(slot, "Kcreds", path), CKR_OK, "%s", fx->last_error());
	cr_assert_eq(m.fn->C_Logout(s), CKR_OK);
	expect_error(fx->key_restore(slot, path), CKR_USER_NOT_LOGGED_IN,
		     "Crypto Officer is not logged in");
}
