/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the attribute policy table (PKCS#11 v2.40 §4, v3.0 §4) and its checks. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "object/hl_policy.h"

#define F1 HL_AF_1_REQ_CREATE
#define F2 HL_AF_2_NO_CREATE
#define F3 HL_AF_3_REQ_GEN
#define F4 HL_AF_4_NO_GEN
#define F5 HL_AF_5_REQ_UNWRAP
#define F6 HL_AF_6_NO_UNWRAP
#define F7 HL_AF_7_SENSITIVE
#define F8 HL_AF_8_MODIFIABLE
#define F9 HL_AF_9_TOKEN_DEFAULT
#define F10 HL_AF_10_SO_ONLY_TRUE
#define F11 HL_AF_11_STICKY_TRUE
#define F12 HL_AF_12_STICKY_FALSE
#define BY HL_AT_BYTES
#define BO HL_AT_BOOL
#define UL HL_AT_ULONG
#define TM HL_AT_TEMPLATE

#define STORAGE HL_S_ANY
#define KEY HL_S_KEY
#define PUB HL_S_PUB
#define PRIV HL_S_PRIV
#define SEC HL_S_SECRET
/* Local flags of the emulator (the token-specific choices of footnote 9 are the dflt column). */
#define RO_ALL (F2 | F4 | F6) /* set only by the token */

/* The first row whose scope meets the object's scope wins, so narrower rows come first. */
static const hl_policy_row_t table[] = {
	/* common and storage objects */
	{ STORAGE, CKA_CLASS, F1 | F5, UL, HL_AD_NONE, 0 },
	{ STORAGE, CKA_TOKEN, 0, BO, HL_AD_FALSE, 0 },
	{ PRIV | SEC, CKA_PRIVATE, F9, BO, HL_AD_TRUE, 0 },
	{ STORAGE, CKA_PRIVATE, F9, BO, HL_AD_FALSE, 0 },
	{ STORAGE, CKA_MODIFIABLE, 0, BO, HL_AD_TRUE, 0 },
	{ STORAGE, CKA_LABEL, F8, BY, HL_AD_EMPTY, 0 },
	{ STORAGE, CKA_COPYABLE, F12, BO, HL_AD_TRUE, 0 },
	{ STORAGE, CKA_DESTROYABLE, 0, BO, HL_AD_TRUE, 0 },
	{ STORAGE, CKA_UNIQUE_ID, RO_ALL, BY, HL_AD_NONE, 0 },
	/* data objects */
	{ HL_S_DATA, CKA_APPLICATION, F8, BY, HL_AD_EMPTY, 0 },
	{ HL_S_DATA, CKA_OBJECT_ID, F8, BY, HL_AD_EMPTY, 0 },
	{ HL_S_DATA, CKA_VALUE, F8, BY, HL_AD_EMPTY, 0 },
	/* certificates (X.509 public key certificates) */
	{ HL_S_CERT, CKA_CERTIFICATE_TYPE, F1, UL, HL_AD_NONE, 0 },
	{ HL_S_CERT, CKA_TRUSTED, F10, BO, HL_AD_FALSE, 0 },
	{ HL_S_CERT, CKA_CERTIFICATE_CATEGORY, 0, UL, HL_AD_ULONG, 0 },
	{ HL_S_CERT, CKA_CHECK_VALUE, 0, BY, HL_AD_NONE, 0 },
	{ HL_S_CERT, CKA_START_DATE, F8, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_END_DATE, F8, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_PUBLIC_KEY_INFO, 0, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_SUBJECT, F1, BY, HL_AD_NONE, 0 },
	{ HL_S_CERT, CKA_ID, F8, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_ISSUER, F8, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_SERIAL_NUMBER, F8, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_VALUE, F1, BY, HL_AD_NONE, 0 },
	{ HL_S_CERT, CKA_URL, 0, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_HASH_OF_SUBJECT_PUBLIC_KEY, 0, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_HASH_OF_ISSUER_PUBLIC_KEY, 0, BY, HL_AD_EMPTY, 0 },
	{ HL_S_CERT, CKA_JAVA_MIDP_SECURITY_DOMAIN, 0, UL, HL_AD_ULONG, 0 },
	{ HL_S_CERT, CKA_NAME_HASH_ALGORITHM, 0, UL, HL_AD_ULONG, CKM_SHA_1 },
	/* every key */
	{ KEY, CKA_KEY_TYPE, F1 | F5, UL, HL_AD_NONE, 0 },
	{ KEY, CKA_ID, F8, BY, HL_AD_EMPTY, 0 },
	{ KEY, CKA_START_DATE, F8, BY, HL_AD_EMPTY, 0 },
	{ KEY, CKA_END_DATE, F8, BY, HL_AD_EMPTY, 0 },
	{ KEY, CKA_DERIVE, F8, BO, HL_AD_FALSE, 0 },
	{ KEY, CKA_LOCAL, RO_ALL, BO, HL_AD_FALSE, 0 },
	{ KEY, CKA_KEY_GEN_MECHANISM, RO_ALL, UL, HL_AD_ULONG, CK_UNAVAILABLE_INFORMATION },
	{ KEY, CKA_ALLOWED_MECHANISMS, 0, BY, HL_AD_EMPTY, 0 },
	/* Templates (no footnote: fixed at creation) on the keys that wrap, unwrap, derive. */
	{ PUB | SEC, CKA_WRAP_TEMPLATE, 0, TM, HL_AD_NONE, 0 },
	{ PRIV | SEC, CKA_UNWRAP_TEMPLATE, 0, TM, HL_AD_NONE, 0 },
	{ PRIV | SEC, CKA_DERIVE_TEMPLATE, 0, TM, HL_AD_NONE, 0 },
	/* public keys */
	{ PUB, CKA_SUBJECT, F8, BY, HL_AD_EMPTY, 0 },
	{ PUB, CKA_ENCRYPT, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PUB, CKA_VERIFY, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PUB, CKA_VERIFY_RECOVER, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PUB, CKA_WRAP, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PUB, CKA_TRUSTED, F10, BO, HL_AD_FALSE, 0 },
	{ PUB, CKA_PUBLIC_KEY_INFO, 0, BY, HL_AD_EMPTY, 0 },
	/* private keys */
	{ PRIV, CKA_SUBJECT, F8, BY, HL_AD_EMPTY, 0 },
	{ PRIV, CKA_SENSITIVE, F8 | F9 | F11, BO, HL_AD_TRUE, 0 },
	{ PRIV, CKA_DECRYPT, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PRIV, CKA_SIGN, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PRIV, CKA_SIGN_RECOVER, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PRIV, CKA_UNWRAP, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ PRIV, CKA_EXTRACTABLE, F8 | F9 | F12, BO, HL_AD_FALSE, 0 },
	{ PRIV, CKA_ALWAYS_SENSITIVE, RO_ALL, BO, HL_AD_FALSE, 0 },
	{ PRIV, CKA_NEVER_EXTRACTABLE, RO_ALL, BO, HL_AD_FALSE, 0 },
	{ PRIV, CKA_WRAP_WITH_TRUSTED, F11, BO, HL_AD_FALSE, 0 },
	{ PRIV, CKA_ALWAYS_AUTHENTICATE, 0, BO, HL_AD_FALSE, 0 },
	{ PRIV, CKA_PUBLIC_KEY_INFO, 0, BY, HL_AD_EMPTY, 0 },
	/* secret keys */
	{ SEC, CKA_SENSITIVE, F8 | F9 | F11, BO, HL_AD_FALSE, 0 }, /* the spec: CK_FALSE */
	{ SEC, CKA_ENCRYPT, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ SEC, CKA_DECRYPT, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ SEC, CKA_SIGN, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ SEC, CKA_VERIFY, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ SEC, CKA_WRAP, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ SEC, CKA_UNWRAP, F8 | F9, BO, HL_AD_TRUE, 0 },
	{ SEC, CKA_EXTRACTABLE, F8 | F9 | F12, BO, HL_AD_FALSE, 0 },
	{ SEC, CKA_ALWAYS_SENSITIVE, RO_ALL, BO, HL_AD_FALSE, 0 },
	{ SEC, CKA_NEVER_EXTRACTABLE, RO_ALL, BO, HL_AD_FALSE, 0 },
	{ SEC, CKA_CHECK_VALUE, 0, BY, HL_AD_NONE, 0 },
	{ SEC, CKA_WRAP_WITH_TRUSTED, F11, BO, HL_AD_FALSE, 0 },
	{ SEC, CKA_TRUSTED, F10, BO, HL_AD_FALSE, 0 },
	/* RSA */
	{ HL_S_RSA_PUB, CKA_MODULUS, F1 | F4, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PUB, CKA_MODULUS_BITS, F2 | F3, UL, HL_AD_NONE, 0 },
	{ HL_S_RSA_PUB, CKA_PUBLIC_EXPONENT, F1, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_MODULUS, F1 | F4 | F6, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_PUBLIC_EXPONENT, F4 | F6, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_PRIVATE_EXPONENT, F1 | F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_PRIME_1, F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_PRIME_2, F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_EXPONENT_1, F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_EXPONENT_2, F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	{ HL_S_RSA_PRIV, CKA_COEFFICIENT, F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	/* EC */
	{ HL_S_EC_PUB, CKA_EC_PARAMS, F1 | F3, BY, HL_AD_NONE, 0 },
	{ HL_S_EC_PUB, CKA_EC_POINT, F1 | F4, BY, HL_AD_NONE, 0 },
	{ HL_S_EC_PRIV, CKA_EC_PARAMS, F1 | F4 | F6, BY, HL_AD_NONE, 0 },
	{ HL_S_EC_PRIV, CKA_VALUE, F1 | F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	/* Not in the spec's EC private key table: the token sets it (keygen, unwrap) because
	 * ceremony tooling reads public values from the private key, as CKA_MODULUS for RSA. */
	{ HL_S_EC_PRIV, CKA_EC_POINT, RO_ALL, BY, HL_AD_NONE, 0 },
	/* AES and generic secret */
	{ HL_S_SECRET_VALUE, CKA_VALUE, F1 | F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	{ HL_S_SECRET_VALUE, CKA_VALUE_LEN, F2 | F3, UL, HL_AD_NONE, 0 },
	/* DES3: 24 bytes; the token reports the length (as it does for an imported key). The
	 * spec's DES3 table has no CKA_VALUE_LEN; a key generation may still name it (pkcs11-tool
	 * does), and C_GenerateKey accepts 24 only. */
	{ HL_S_DES3, CKA_VALUE, F1 | F4 | F6 | F7, BY, HL_AD_NONE, 0 },
	{ HL_S_DES3, CKA_VALUE_LEN, F2 | F6, UL, HL_AD_NONE, 0 },
};

const hl_policy_row_t *hl_policy_table(size_t *n_out)
{
	*n_out = sizeof(table) / sizeof(table[0]);
	return table;
}

unsigned hl_policy_scope(CK_OBJECT_CLASS cls, CK_KEY_TYPE kt)
{
	switch (cls) {
	case CKO_DATA:
		return HL_S_DATA;
	case CKO_CERTIFICATE:
		return HL_S_CERT;
	case CKO_PUBLIC_KEY:
		if (kt == CKK_RSA)
			return HL_S_PUB | HL_S_RSA_PUB;
		if (kt == CKK_EC || kt == CKK_EC_EDWARDS) /* the same attributes (3.0 §2.3.5) */
			return HL_S_PUB | HL_S_EC_PUB;
		return 0;
	case CKO_PRIVATE_KEY:
		if (kt == CKK_RSA)
			return HL_S_PRIV | HL_S_RSA_PRIV;
		if (kt == CKK_EC || kt == CKK_EC_EDWARDS)
			return HL_S_PRIV | HL_S_EC_PRIV;
		return 0;
	case CKO_SECRET_KEY:
		if (kt == CKK_AES || kt == CKK_GENERIC_SECRET)
			return HL_S_SECRET | HL_S_SECRET_VALUE;
		if (kt == CKK_DES3)
			return HL_S_SECRET | HL_S_DES3;
		return 0;
	default:
		return 0;
	}
}

#define N_ROWS (sizeof(table) / sizeof(table[0]))

/* shadow[r]: the scopes of the rows before r with r's type. Row r is the one
 * hl_policy_lookup finds for a scope exactly when it matches the scope and none of those
 * does: a test by bits instead of a second scan of the table per row (which made each new
 * object's defaults cost some 10,000 instructions). */
static unsigned shadow[N_ROWS];
static pthread_once_t shadow_once = PTHREAD_ONCE_INIT;

static void shadow_init(void)
{
	for (size_t r = 0; r < N_ROWS; r++)
		for (size_t j = 0; j < r; j++)
			if (table[j].type == table[r].type)
				shadow[r] |= table[j].scope;
}

/* Whether table[r] is the row hl_policy_lookup(scope, its type) returns. */
static bool first_row(size_t r, unsigned scope)
{
	pthread_once(&shadow_once, shadow_init);
	return (table[r].scope & scope) && !(shadow[r] & scope);
}

const hl_policy_row_t *hl_policy_lookup(unsigned scope, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].type == type && (table[i].scope & scope))
			return &table[i];
	return NULL;
}

bool hl_policy_is_secret_attr(CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].type == type && (table[i].flags & F7))
			return true;
	return false;
}

/* -- checks -- */

static hl_status_t check_shape(const hl_policy_row_t *row, const CK_ATTRIBUTE *a)
{
	if (a->ulValueLen && !a->pValue)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	if (row->shape == HL_AT_BOOL) {
		if (a->ulValueLen != sizeof(CK_BBOOL))
			return HL_ERR_ATTRIBUTE_VALUE_INVALID;
		CK_BBOOL b = *(const CK_BBOOL *)a->pValue;
		if (b != CK_TRUE && b != CK_FALSE)
			return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	} else if (row->shape == HL_AT_ULONG && a->ulValueLen != sizeof(CK_ULONG)) {
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	} else if (row->shape == HL_AT_TEMPLATE) {
		return hl_tmpl_check(a);
	}
	return HL_OK;
}

static bool is_true(const CK_ATTRIBUTE *a)
{
	return a->ulValueLen == sizeof(CK_BBOOL) && *(const CK_BBOOL *)a->pValue == CK_TRUE;
}

static hl_status_t check_dups(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++)
		for (CK_ULONG j = i + 1; j < n; j++)
			if (t[i].type == t[j].type &&
			    (t[i].ulValueLen != t[j].ulValueLen ||
			     (t[i].ulValueLen &&
			      memcmp(t[i].pValue, t[j].pValue, t[i].ulValueLen))))
				return HL_ERR_TEMPLATE_INCONSISTENT;
	return HL_OK;
}

hl_status_t hl_policy_check_new(unsigned scope, hl_tmpl_op_t op, const CK_ATTRIBUTE *t, CK_ULONG n,
				bool so)
{
	unsigned forbid = op == HL_TMPL_CREATE ? F2 : op == HL_TMPL_GENERATE ? F4 : F6;
	unsigned need = op == HL_TMPL_CREATE ? F1 : op == HL_TMPL_GENERATE ? F3 : F5;
	for (CK_ULONG i = 0; i < n; i++) {
		const hl_policy_row_t *row = hl_policy_lookup(scope, t[i].type);
		if (!row)
			return HL_ERR_ATTRIBUTE_TYPE_INVALID;
		hl_status_t st = check_shape(row, &t[i]);
		if (st != HL_OK)
			return st;
		if (row->flags & forbid)
			return HL_ERR_ATTRIBUTE_READ_ONLY;
		if ((row->flags & F10) && is_true(&t[i]) && !so)
			return HL_ERR_ATTRIBUTE_READ_ONLY;
	}
	hl_status_t st = check_dups(t, n);
	if (st != HL_OK)
		return st;
	for (size_t r = 0; r < N_ROWS; r++) {
		if (!(table[r].flags & need) || !first_row(r, scope))
			continue;
		bool found = false;
		for (CK_ULONG i = 0; i < n && !found; i++)
			found = t[i].type == table[r].type;
		if (!found)
			return HL_ERR_TEMPLATE_INCOMPLETE;
	}
	return HL_OK;
}

hl_status_t hl_policy_apply_new(unsigned scope, const CK_ATTRIBUTE *t, CK_ULONG n,
				hl_attrs_t *attrs)
{
	hl_status_t st = HL_OK;
	for (CK_ULONG i = 0; i < n && st == HL_OK; i++) {
		if (!hl_tmpl_is_template(t[i].type)) {
			st = hl_attrs_set(attrs, t[i].type, t[i].pValue, t[i].ulValueLen);
			continue;
		}
		/* The caller's array points into its own memory: keep the values instead. */
		uint8_t *enc = NULL;
		size_t len = 0;
		st = hl_tmpl_encode(&t[i], &enc, &len);
		if (st == HL_OK)
			st = hl_attrs_set(attrs, t[i].type, enc, len);
		free(enc);
	}
	for (size_t r = 0; r < N_ROWS && st == HL_OK; r++) {
		const hl_policy_row_t *row = &table[r];
		if (!first_row(r, scope) || hl_attrs_get(attrs, row->type))
			continue;
		switch (row->dflt) {
		case HL_AD_FALSE:
		case HL_AD_TRUE:
			st = hl_attrs_set_bool(attrs, row->type, row->dflt == HL_AD_TRUE);
			break;
		case HL_AD_EMPTY:
			st = hl_attrs_set(attrs, row->type, NULL, 0);
			break;
		case HL_AD_ULONG:
			st = hl_attrs_set_ulong(attrs, row->type, row->dval);
			break;
		case HL_AD_NONE:
			break;
		}
	}
	return st;
}

/* Attributes a copy may change besides the modifiable ones (PKCS#11 C_CopyObject). */
static bool copy_may_set(CK_ATTRIBUTE_TYPE type)
{
	return type == CKA_TOKEN || type == CKA_PRIVATE || type == CKA_MODIFIABLE ||
	       type == CKA_DESTROYABLE || type == CKA_COPYABLE;
}

hl_status_t hl_policy_check_change(unsigned scope, hl_tmpl_op_t op, const hl_attrs_t *cur,
				   const CK_ATTRIBUTE *t, CK_ULONG n, bool so)
{
	if (op == HL_TMPL_SET && !hl_attrs_bool(cur, CKA_MODIFIABLE, true))
		return HL_ERR_ACTION_PROHIBITED;
	if (op == HL_TMPL_COPY && !hl_attrs_bool(cur, CKA_COPYABLE, true))
		return HL_ERR_ACTION_PROHIBITED;
	for (CK_ULONG i = 0; i < n; i++) {
		const hl_policy_row_t *row = hl_policy_lookup(scope, t[i].type);
		if (!row)
			return HL_ERR_ATTRIBUTE_TYPE_INVALID;
		hl_status_t st = check_shape(row, &t[i]);
		if (st != HL_OK)
			return st;
		bool allowed = (row->flags & (F8 | F11 | F12)) ||
			       (op == HL_TMPL_COPY && copy_may_set(t[i].type)) ||
			       (row->flags & F10);
		if (!allowed)
			return HL_ERR_ATTRIBUTE_READ_ONLY;
		if ((row->flags & F10) && is_true(&t[i]) && !so)
			return HL_ERR_ATTRIBUTE_READ_ONLY;
		bool now = hl_attrs_bool(cur, t[i].type, false);
		bool want = is_true(&t[i]);
		if ((row->flags & F11) && now && !want)
			return HL_ERR_ATTRIBUTE_READ_ONLY;
		if ((row->flags & F12) && !now && want)
			return HL_ERR_ATTRIBUTE_READ_ONLY;
	}
	return check_dups(t, n);
}
