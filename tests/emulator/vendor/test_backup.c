/* SPDX-License-Identifier: BSD-2-Clause
 * Tests for backup blobs (emulator/core/backup, in the formats the families supply): both
 * vendors' formats round-trip a real key (the restored copy signs identically), blobs written
 * before the formats left the core still open, and every wrong blob (other family's format,
 * other SMK or domain, newer version, truncated, tampered, garbage) gets its own status and
 * yields nothing. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/hl_backup.h"
#include "crypto/hl_crypto.h"
#include "util/hl_file.h"
#include "keyper/hl_keyper.h"
#include "luna/hl_luna.h"

#define KEYPER (&hl_keyper_backup_format)
#define LUNA (&hl_luna_backup_format)

static hl_backup_domain_t smk1, smk2, dom1;
static hl_rsa_parts_t rsa;
static CK_ATTRIBUTE attrs[12];
static size_t n_attrs;
static CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
static CK_KEY_TYPE kt = CKK_RSA;
static CK_BBOOL yes = CK_TRUE;

static void add(CK_ATTRIBUTE_TYPE t, void *v, size_t len)
{
	attrs[n_attrs++] = (CK_ATTRIBUTE){ t, v, (CK_ULONG)len };
}

static void setup(void)
{
	static const uint8_t s1[32] = "storage master key one........", s2[32] = "another SMK";
	cr_assert_eq(hl_backup_domain_derive(KEYPER, s1, 32, &smk1), HL_OK);
	cr_assert_eq(hl_backup_domain_derive(KEYPER, s2, 32, &smk2), HL_OK);
	cr_assert_eq(hl_backup_domain_derive(LUNA, s1, 32, &dom1), HL_OK);
	cr_assert_eq(hl_crypto_rsa_generate(2048, NULL, 0, &rsa), HL_OK);
	n_attrs = 0;
	add(CKA_CLASS, &cls, sizeof(cls));
	add(CKA_KEY_TYPE, &kt, sizeof(kt));
	add(CKA_LABEL, "Klajeyz", 7);
	add(CKA_SIGN, &yes, 1);
	add(CKA_MODULUS, rsa.n.data, rsa.n.len);
	add(CKA_PUBLIC_EXPONENT, rsa.e.data, rsa.e.len);
	add(CKA_PRIVATE_EXPONENT, rsa.d.data, rsa.d.len);
	add(CKA_PRIME_1, rsa.p.data, rsa.p.len);
	add(CKA_PRIME_2, rsa.q.data, rsa.q.len);
	add(CKA_EXPONENT_1, rsa.dp.data, rsa.dp.len);
	add(CKA_EXPONENT_2, rsa.dq.data, rsa.dq.len);
	add(CKA_COEFFICIENT, rsa.qinv.data, rsa.qinv.len);
}

static void teardown(void)
{
	hl_rsa_parts_clear(&rsa);
	hl_backup_domain_wipe(&smk1);
	hl_backup_domain_wipe(&smk2);
	hl_backup_domain_wipe(&dom1);
}

TestSuite(backup, .init = setup, .fini = teardown);

static void encode(const hl_backup_domain_t *d, uint8_t **blob, size_t *len)
{
	cr_assert_eq(hl_backup_encode(d, "K0001", 1790000000, attrs, n_attrs, blob, len), HL_OK);
}

static hl_buf_t buf_of(const hl_backup_obj_t *o, CK_ATTRIBUTE_TYPE t)
{
	const CK_ATTRIBUTE *a = hl_backup_obj_attr(o, t);
	cr_assert_not_null(a);
	return (hl_buf_t){ a->pValue, a->ulValueLen };
}

static void sign(const hl_rsa_parts_t *parts, uint8_t sig[256])
{
	hl_key_t *k = NULL;
	hl_op_t *op = NULL;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	size_t len = 256;
	cr_assert_eq(hl_key_rsa_private(parts, &k), HL_OK);
	cr_assert_eq(hl_op_new(HL_OP_SIGN, &m, k, &op), HL_OK);
	cr_assert_eq(hl_op_oneshot(op, (const uint8_t *)"DNSKEY RRset", 12, sig, &len), HL_OK);
	hl_op_free(op);
	hl_key_free(k);
}

Test(backup, keyper_round_trip_restores_the_same_key)
{
	uint8_t *blob = NULL, sig1[256], sig2[256];
	size_t len = 0;
	hl_backup_obj_t *o = NULL;
	encode(&smk1, &blob, &len);
	cr_assert_eq(memcmp(blob, "HLKYPR", 6), 0);
	cr_assert_not_null(memmem(blob, len, "Klajeyz", 7), "label is in clear");
	cr_assert_null(memmem(blob, len, rsa.d.data, 16), "private exponent is not");
	cr_assert_null(memmem(blob, len, rsa.p.data, 16), "prime is not");
	cr_assert_eq(hl_backup_decode(&smk1, blob, len, &o), HL_OK);
	cr_assert_eq(o->n, n_attrs);
	cr_assert_str_eq(o->source_serial, "K0001");
	cr_assert_eq(o->created, 1790000000);
	cr_assert_eq(o->format, KEYPER);
	for (size_t i = 0; i < n_attrs; i++) {
		const CK_ATTRIBUTE *a = hl_backup_obj_attr(o, attrs[i].type);
		cr_assert_not_null(a, "attribute 0x%lx lost", attrs[i].type);
		cr_assert_eq(a->ulValueLen, attrs[i].ulValueLen);
		cr_assert_arr_eq(a->pValue, attrs[i].pValue, a->ulValueLen);
	}
	hl_rsa_parts_t back = { .n = buf_of(o, CKA_MODULUS),
				.e = buf_of(o, CKA_PUBLIC_EXPONENT),
				.d = buf_of(o, CKA_PRIVATE_EXPONENT),
				.p = buf_of(o, CKA_PRIME_1),
				.q = buf_of(o, CKA_PRIME_2),
				.dp = buf_of(o, CKA_EXPONENT_1),
				.dq = buf_of(o, CKA_EXPONENT_2),
				.qinv = buf_of(o, CKA_COEFFICIENT) };
	sign(&rsa, sig1);
	sign(&back, sig2);
	cr_assert_arr_eq(sig1, sig2, 256, "the restored key signs identically");
	hl_backup_obj_free(o);
	free(blob);
}

Test(backup, luna_round_trip_and_file)
{
	uint8_t *blob = NULL, *back = NULL;
	size_t len = 0, blen = 0;
	hl_backup_obj_t *o = NULL;
	hl_backup_info_t info;
	char dir[] = "/tmp/hsmlab-backup-XXXXXX", path[64], cmd[96];
	cr_assert_eq(hl_backup_encode(&dom1, "L7-0001", 1720000000, attrs, n_attrs, &blob, &len),
		     HL_OK);
	cr_assert_eq(memcmp(blob, "HLLUNA", 6), 0);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ksk.blob", dir);
	cr_assert_eq(hl_file_write_atomic(path, blob, len, 0600, NULL, 0), HL_OK);
	cr_assert_eq(hl_backup_read_file(path, &back, &blen), HL_OK);
	cr_assert_eq(blen, len);
	cr_assert_eq(hl_backup_peek(back, blen, &info), HL_OK);
	cr_assert(hl_backup_info_is(&info, LUNA));
	cr_assert_not(hl_backup_info_is(&info, KEYPER));
	cr_assert_eq(info.version, 1);
	cr_assert_str_eq(info.source_serial, "L7-0001");
	cr_assert_arr_eq(info.domain_id, dom1.id, HL_BACKUP_DOMAIN_ID_LEN);
	cr_assert_eq(hl_backup_decode(&dom1, back, blen, &o), HL_OK);
	cr_assert_eq(o->n, n_attrs);
	cr_assert_eq(hl_backup_read_file("/nonexistent/blob", &back, &blen), HL_ERR_IO);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	hl_backup_obj_free(o);
	free(back);
	free(blob);
}

static void refused(const hl_backup_domain_t *d, const uint8_t *blob, size_t len, hl_status_t want,
		    const char *what)
{
	hl_backup_obj_t *o = (hl_backup_obj_t *)0x1;
	hl_status_t st = hl_backup_decode(d, blob, len, &o);
	cr_assert_eq(st, want, "%s: got %s", what, hl_status_name(st));
	cr_assert_eq(o, (hl_backup_obj_t *)0x1, "%s: output written", what);
}

Test(backup, other_vendor_and_other_domain)
{
	uint8_t *k = NULL, *l = NULL;
	size_t klen = 0, llen = 0;
	encode(&smk1, &k, &klen);
	encode(&dom1, &l, &llen);
	refused(&dom1, k, klen, HL_ERR_BACKUP_WRONG_VENDOR, "keyper blob on luna");
	refused(&smk1, l, llen, HL_ERR_BACKUP_WRONG_VENDOR, "luna blob on keyper");
	refused(&smk2, k, klen, HL_ERR_BACKUP_WRONG_DOMAIN, "keyper blob, other SMK");
	hl_backup_domain_t dom2;
	cr_assert_eq(hl_backup_domain_derive(LUNA, (const uint8_t *)"x", 1, &dom2), HL_OK);
	refused(&dom2, l, llen, HL_ERR_BACKUP_WRONG_DOMAIN, "luna blob, other domain");
	cr_assert_arr_neq(smk1.id, dom1.id, HL_BACKUP_DOMAIN_ID_LEN,
			  "one secret, two vendors: unrelated domains");
	hl_backup_domain_wipe(&dom2);
	free(k);
	free(l);
}

Test(backup, newer_version)
{
	uint8_t *b = NULL;
	size_t len = 0;
	hl_backup_info_t info;
	encode(&smk1, &b, &len);
	b[7] = 2; /* version 2: a later build's format */
	refused(&smk1, b, len, HL_ERR_BACKUP_TOO_NEW, "version 2");
	cr_assert_eq(hl_backup_peek(b, len, &info), HL_ERR_BACKUP_TOO_NEW);
	b[6] = 1; /* version 258 */
	refused(&smk1, b, 20, HL_ERR_BACKUP_TOO_NEW, "version 258, cut short");
	free(b);
}

Test(backup, every_truncation_is_named)
{
	uint8_t *b = NULL;
	size_t len = 0;
	encode(&smk1, &b, &len);
	for (size_t cut = 0; cut < len; cut++)
		refused(&smk1, b, cut, HL_ERR_BACKUP_TRUNCATED, "truncated");
	free(b);
}

Test(backup, every_changed_byte_is_refused)
{
	uint8_t *b = NULL;
	size_t len = 0;
	encode(&smk1, &b, &len);
	size_t header = 41 + 5;
	for (size_t i = 0; i < len; i++) {
		b[i] ^= 0x01;
		hl_backup_obj_t *o = NULL;
		hl_status_t st = hl_backup_decode(&smk1, b, len, &o);
		cr_assert_neq(st, HL_OK, "byte %zu changed, still accepted", i);
		cr_assert_null(o);
		if (i >= header && i != 16 /* domain id */)
			cr_assert_eq(st, HL_ERR_BACKUP_TAMPERED, "byte %zu: %s", i,
				     hl_status_name(st));
		b[i] ^= 0x01;
	}
	free(b);
}

Test(backup, garbage_and_bad_arguments)
{
	static const uint8_t junk[64] = "PK\x03\x04 not a backup blob at all";
	refused(&smk1, junk, sizeof(junk), HL_ERR_BACKUP_CORRUPT, "junk");
	uint8_t *b = NULL;
	size_t len = 0;
	encode(&smk1, &b, &len);
	uint8_t *longer = calloc(len + 1, 1);
	memcpy(longer, b, len);
	refused(&smk1, longer, len + 1, HL_ERR_BACKUP_CORRUPT, "trailing bytes");
	free(longer);
	free(b);
	CK_ATTRIBUTE dup[2] = { { CKA_LABEL, "a", 1 }, { CKA_LABEL, "b", 1 } };
	cr_assert_eq(hl_backup_encode(&smk1, "K0001", 0, dup, 2, &b, &len), HL_ERR_ARGS);
	cr_assert_eq(hl_backup_encode(&smk1, "", 0, attrs, n_attrs, &b, &len), HL_ERR_ARGS);
	CK_ATTRIBUTE none[1] = { { CKA_LABEL, NULL, 3 } };
	cr_assert_eq(hl_backup_encode(&smk1, "K0001", 0, none, 1, &b, &len), HL_ERR_ARGS);
	cr_assert(hl_backup_attr_sensitive(CKA_PRIVATE_EXPONENT));
	cr_assert_not(hl_backup_attr_sensitive(CKA_MODULUS));
}
