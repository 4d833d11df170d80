/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab fuzz targets: makes the binary seeds the fixtures do not hold (backup blobs of both
 * vendors, cards with and without a PIN, an audit export, PKCS#11 inputs) under DIR/<target>/,
 * keyed with the secrets of fuzz_common.h. Run once by hand when a format changes (the
 * output is committed under fuzz/corpus/):  fuzz_seedgen fuzz/corpus */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/hl_audit.h"
#include "backup/hl_backup.h"
#include "craft.h"
#include "cards/hl_cards.h"
#include "fuzz_common.h"
#include "hsmlab/pkcs11.h"
#include "keyper/hl_keyper.h"
#include "luna/hl_luna.h"
#include "store/hl_store.h"

static const char *out_dir;

static void need(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "seedgen: %s failed\n", what);
		exit(1);
	}
}

static const char *seed_path(const char *target, const char *name)
{
	static char path[1024];
	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	return path;
}

static void put(const char *target, const char *name, const void *data, size_t len)
{
	FILE *f = fopen(seed_path(target, name), "wb");
	need(f != NULL && fwrite(data, 1, len, f) == len && fclose(f) == 0, name);
}

static void blobs(void)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	uint8_t value[32] = { 0x42 };
	CK_ATTRIBUTE attrs[] = { { CKA_CLASS, &cls, sizeof(cls) },
				 { CKA_KEY_TYPE, &kt, sizeof(kt) },
				 { CKA_TOKEN, &yes, sizeof(yes) },
				 { CKA_LABEL, "KSK-2024", 8 },
				 { CKA_ID, "\x01", 1 },
				 { CKA_VALUE, value, sizeof(value) } };
	const hl_backup_format_t *vendors[2] = { &hl_keyper_backup_format, &hl_luna_backup_format };
	const char *names[2] = { "keyper.blob", "luna.blob" };

	for (int i = 0; i < 2; i++) {
		hl_backup_domain_t dom;
		uint8_t *blob;
		size_t len;
		need(hl_backup_domain_derive(vendors[i], (const uint8_t *)HL_FUZZ_DOMAIN_SECRET,
					     strlen(HL_FUZZ_DOMAIN_SECRET), &dom) == HL_OK,
		     "domain");
		need(hl_backup_encode(&dom, "K0001", 1700000000, attrs, 6, &blob, &len) == HL_OK,
		     "encode");
		put("backup", names[i], blob, len);
		free(blob);
	}
}

/* Crafted blobs (craft.c): each field out of range in a container whose MAC is right, so
 * the fuzzer starts at every field check; the ones over 64 KiB stay out (libFuzzer sizes
 * its inputs by the largest seed). */
static void crafted(void)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	uint8_t value[32] = { 0x42 };
	CK_ATTRIBUTE attrs[] = { { CKA_CLASS, &cls, sizeof(cls) },
				 { CKA_KEY_TYPE, &kt, sizeof(kt) },
				 { CKA_LABEL, "KSK-2024", 8 },
				 { CKA_VALUE, value, sizeof(value) } };
	const hl_backup_format_t *vendors[2] = { &hl_keyper_backup_format, &hl_luna_backup_format };
	hl_backup_domain_t dom[2];
	for (int i = 0; i < 2; i++)
		need(hl_backup_domain_derive(vendors[i], (const uint8_t *)HL_FUZZ_DOMAIN_SECRET,
					     strlen(HL_FUZZ_DOMAIN_SECRET), &dom[i]) == HL_OK,
		     "domain");
	for (int i = 0; i < 2; i++) {
		hl_craft_case_t *cases = NULL;
		size_t n = 0;
		char name[96];
		need(hl_craft_cases(&dom[i], &dom[1 - i], attrs, 4, "K0001", &cases, &n) == 0,
		     "crafted blobs");
		for (size_t k = 0; k < n; k++) {
			if (cases[k].len > 65536)
				continue;
			snprintf(name, sizeof(name), "crafted-%s-%s.blob", i ? "luna" : "keyper",
				 cases[k].name);
			put("backup", name, cases[k].blob, cases[k].len);
		}
		hl_craft_free(cases, n);
	}
}

static void cards(void)
{
	hl_card_set_t set = { .kind = "keyper-smk", .owner = "K0001", .threshold = 2, .count = 3 };
	hl_card_t c[3];
	const uint8_t secret[32] = { 7, 7, 7 };

	need(hl_cards_split(&set, secret, sizeof(secret), c) == HL_OK, "split");
	need(hl_card_write(&c[0], seed_path("card", "smk-nopin.card"), NULL) == HL_OK, "card");
	need(hl_card_write(&c[1], seed_path("card", "smk-pin.card"), HL_FUZZ_CARD_PIN) == HL_OK,
	     "card with PIN");
	for (int i = 0; i < 3; i++)
		hl_card_wipe(&c[i]);
}

static void audit(void)
{
	uint8_t key[HL_AUDIT_KEY_LEN];
	hl_clock_t clk = { 0 };
	hl_audit_t *log = NULL;
	hl_store_t *db = NULL;
	char dir[] = "/tmp/hl-seedgen-XXXXXX", path[64], err[256];

	need(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/audit.db", dir);
	need(hl_store_open(path, HL_STORE_CREATE, &db, err, sizeof(err)) == HL_OK, err);
	need(hl_audit_key_derive((const uint8_t *)HL_FUZZ_AUDIT_SECRET,
				 strlen(HL_FUZZ_AUDIT_SECRET), key) == HL_OK,
	     "audit key");
	need(hl_audit_open(db, "K0001", key, &clk, &log) == HL_OK, "audit open");
	need(hl_audit_append(log, HL_AUDIT_LOGIN, "SO", NULL, NULL) == HL_OK, "append");
	need(hl_audit_append(log, HL_AUDIT_KEYGEN, "KSK-2024", "RSA 2048", NULL) == HL_OK,
	     "append");
	need(hl_audit_append(log, HL_AUDIT_BACKUP, "KSK-2024", "odd % chars\n-\t", NULL) == HL_OK,
	     "append");
	need(hl_audit_export(log, seed_path("audit", "three-records.txt"), err, sizeof(err)) ==
		 HL_OK,
	     err);
	hl_audit_free(log);
	hl_store_close(db);
	unlink(path);
	rmdir(dir);
}

/* -- PKCS#11 inputs in the layout p11.c reads -- */

typedef struct {
	uint8_t b[512];
	size_t n;
} seed_t;

static void bytes(seed_t *s, const void *p, size_t n)
{
	need(s->n + n <= sizeof(s->b), "seed size");
	memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void byte(seed_t *s, uint8_t v)
{
	bytes(s, &v, 1);
}

static void attr(seed_t *s, uint32_t type, const void *v, uint8_t len)
{
	bytes(s, &type, 4);
	byte(s, len);
	if (len < 0xfe)
		bytes(s, v, len);
}

static void ulong_attr(seed_t *s, uint32_t type, CK_ULONG v)
{
	attr(s, type, &v, sizeof(v));
}

/* op, mechanism index, parameter */
static seed_t *head(seed_t *s, uint8_t op, uint8_t mech, const void *param, uint8_t plen)
{
	s->n = 0;
	byte(s, op);
	byte(s, mech);
	byte(s, plen);
	bytes(s, param, plen);
	return s;
}

static void p11(void)
{
	static const uint8_t p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_RSA_PKCS_PSS_PARAMS pss = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	const uint8_t yes = 1;
	seed_t s;

	head(&s, 0, 0, NULL, 0);
	byte(&s, 3);
	ulong_attr(&s, CKA_CLASS, CKO_DATA);
	attr(&s, CKA_TOKEN, &yes, 1);
	attr(&s, CKA_LABEL, "data", 4);
	put("p11", "create-data", s.b, s.n);

	head(&s, 1, 0, NULL, 0);
	byte(&s, 2);
	ulong_attr(&s, CKA_CLASS, CKO_PRIVATE_KEY);
	attr(&s, CKA_LABEL, NULL, 0xff);
	put("p11", "find-null-value", s.b, s.n);

	head(&s, 2, 6, NULL, 0);
	byte(&s, 1);
	attr(&s, CKA_EC_PARAMS, p256, sizeof(p256));
	byte(&s, 2);
	attr(&s, CKA_SIGN, &yes, 1);
	attr(&s, CKA_TOKEN, &yes, 1);
	put("p11", "keypair-ec", s.b, s.n);

	head(&s, 2, 0, NULL, 0);
	byte(&s, 1);
	ulong_attr(&s, CKA_MODULUS_BITS, 1024);
	byte(&s, 1);
	attr(&s, CKA_SIGN, &yes, 1);
	put("p11", "keypair-rsa", s.b, s.n);

	head(&s, 3, 9, NULL, 0);
	byte(&s, 1);
	ulong_attr(&s, CKA_VALUE_LEN, 16);
	put("p11", "genkey-aes", s.b, s.n);

	head(&s, 4, 2, NULL, 0);
	put("p11", "sign-rsa", s.b, s.n);
	head(&s, 4, 4, &pss, sizeof(pss));
	put("p11", "sign-pss", s.b, s.n);
	head(&s, 4, 8, "\x01", 1);
	put("p11", "sign-ecdsa", s.b, s.n);

	head(&s, 5, 0, NULL, 0);
	byte(&s, 2);
	attr(&s, CKA_LABEL, NULL, 0xff);
	attr(&s, CKA_MODULUS, "0123456789", 10);
	put("p11", "get-attributes", s.b, s.n);

	head(&s, 6, 2, NULL, 0);
	byte(&s, 1);
	attr(&s, CKA_LABEL, "new", 3);
	put("p11", "set-label", s.b, s.n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	out_dir = argv[1];
	blobs();
	crafted();
	cards();
	audit();
	p11();
	return 0;
}
