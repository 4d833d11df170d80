/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: the mechanism table — what the crypto layer implements, with its
 * own key-size limits and flags (the vendor profile narrows this). */
#include "crypto_int.h"

/* -- the table -- */

#define RSA_MIN 1024
#define RSA_MAX 16384
#define SV (CKF_SIGN | CKF_VERIFY)
#define EDSV (CKF_ENCRYPT | CKF_DECRYPT | CKF_SIGN | CKF_VERIFY)
#define EDWU (CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP)
#define ECF (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS)
/* PKCS#11 3.0 message-based encryption, single-part and in parts (p11_message.c). */
#define MSG (CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MULTI_MESSAGE)

static const hl_mech_t mechs[] = {
	{ CKM_RSA_PKCS_KEY_PAIR_GEN,
	  HL_FAM_KEYGEN,
	  HL_MD_NONE,
	  { RSA_MIN, RSA_MAX, CKF_GENERATE_KEY_PAIR } },
	{ CKM_RSA_PKCS, HL_FAM_RSA_PKCS1, HL_MD_NONE, { RSA_MIN, RSA_MAX, EDSV } },
	{ CKM_RSA_X_509, HL_FAM_RSA_RAW, HL_MD_NONE, { RSA_MIN, RSA_MAX, EDSV } },
	{ CKM_RSA_PKCS_OAEP,
	  HL_FAM_RSA_OAEP,
	  HL_MD_NONE,
	  { RSA_MIN, RSA_MAX, EDWU } }, /* wraps secret keys */
	{ CKM_SHA1_RSA_PKCS, HL_FAM_RSA_PKCS1, HL_MD_SHA1, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA256_RSA_PKCS, HL_FAM_RSA_PKCS1, HL_MD_SHA256, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA384_RSA_PKCS, HL_FAM_RSA_PKCS1, HL_MD_SHA384, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA512_RSA_PKCS, HL_FAM_RSA_PKCS1, HL_MD_SHA512, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_RSA_PKCS_PSS, HL_FAM_RSA_PSS, HL_MD_NONE, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA1_RSA_PKCS_PSS, HL_FAM_RSA_PSS, HL_MD_SHA1, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA256_RSA_PKCS_PSS, HL_FAM_RSA_PSS, HL_MD_SHA256, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA384_RSA_PKCS_PSS, HL_FAM_RSA_PSS, HL_MD_SHA384, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA512_RSA_PKCS_PSS, HL_FAM_RSA_PSS, HL_MD_SHA512, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_EC_KEY_PAIR_GEN,
	  HL_FAM_KEYGEN,
	  HL_MD_NONE,
	  { 256, 521, CKF_GENERATE_KEY_PAIR | ECF } },
	{ CKM_ECDSA, HL_FAM_ECDSA, HL_MD_NONE, { 256, 521, SV | ECF } },
	{ CKM_ECDH1_DERIVE, HL_FAM_KEYGEN, HL_MD_NONE, { 256, 521, CKF_DERIVE | ECF } },
	{ CKM_ECDH1_COFACTOR_DERIVE, HL_FAM_KEYGEN, HL_MD_NONE, { 256, 521, CKF_DERIVE | ECF } },
	{ CKM_ECDSA_SHA1, HL_FAM_ECDSA, HL_MD_SHA1, { 256, 521, SV | ECF } },
	{ CKM_ECDSA_SHA256, HL_FAM_ECDSA, HL_MD_SHA256, { 256, 521, SV | ECF } },
	{ CKM_ECDSA_SHA384, HL_FAM_ECDSA, HL_MD_SHA384, { 256, 521, SV | ECF } },
	{ CKM_ECDSA_SHA512, HL_FAM_ECDSA, HL_MD_SHA512, { 256, 521, SV | ECF } },
	{ CKM_SHA_1, HL_FAM_DIGEST, HL_MD_SHA1, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA224, HL_FAM_DIGEST, HL_MD_SHA224, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA224_RSA_PKCS, HL_FAM_RSA_PKCS1, HL_MD_SHA224, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_SHA224_RSA_PKCS_PSS, HL_FAM_RSA_PSS, HL_MD_SHA224, { RSA_MIN, RSA_MAX, SV } },
	{ CKM_ECDSA_SHA224, HL_FAM_ECDSA, HL_MD_SHA224, { 256, 521, SV | ECF } },
	/* Generic secret and HMAC key sizes in bytes, like every secret key here. */
	{ CKM_GENERIC_SECRET_KEY_GEN, HL_FAM_KEYGEN, HL_MD_NONE, { 1, 512, CKF_GENERATE } },
	{ CKM_SHA_1_HMAC, HL_FAM_HMAC, HL_MD_SHA1, { 1, 512, SV } },
	{ CKM_SHA_1_HMAC_GENERAL, HL_FAM_HMAC, HL_MD_SHA1, { 1, 512, SV } },
	{ CKM_SHA224_HMAC, HL_FAM_HMAC, HL_MD_SHA224, { 1, 512, SV } },
	{ CKM_SHA224_HMAC_GENERAL, HL_FAM_HMAC, HL_MD_SHA224, { 1, 512, SV } },
	{ CKM_SHA256_HMAC, HL_FAM_HMAC, HL_MD_SHA256, { 1, 512, SV } },
	{ CKM_SHA256_HMAC_GENERAL, HL_FAM_HMAC, HL_MD_SHA256, { 1, 512, SV } },
	{ CKM_SHA384_HMAC, HL_FAM_HMAC, HL_MD_SHA384, { 1, 512, SV } },
	{ CKM_SHA384_HMAC_GENERAL, HL_FAM_HMAC, HL_MD_SHA384, { 1, 512, SV } },
	{ CKM_SHA512_HMAC, HL_FAM_HMAC, HL_MD_SHA512, { 1, 512, SV } },
	{ CKM_SHA512_HMAC_GENERAL, HL_FAM_HMAC, HL_MD_SHA512, { 1, 512, SV } },
	{ CKM_SHA256, HL_FAM_DIGEST, HL_MD_SHA256, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA384, HL_FAM_DIGEST, HL_MD_SHA384, { 0, 0, CKF_DIGEST } },
	{ CKM_SHA512, HL_FAM_DIGEST, HL_MD_SHA512, { 0, 0, CKF_DIGEST } },
	/* AES sizes in bytes, as the spec counts them for AES. */
	{ CKM_AES_KEY_GEN, HL_FAM_KEYGEN, HL_MD_NONE, { 16, 32, CKF_GENERATE } },
	{ CKM_AES_KEY_WRAP_PAD, HL_FAM_KEYGEN, HL_MD_NONE, { 16, 32, CKF_WRAP | CKF_UNWRAP } },
	{ CKM_AES_KEY_WRAP, HL_FAM_KEYGEN, HL_MD_NONE, { 16, 32, CKF_WRAP | CKF_UNWRAP } },
	{ CKM_AES_CBC_PAD, HL_FAM_SYM, HL_MD_NONE, { 16, 32, EDWU } },
	/* AES-CMAC: the MAC family with no hash (mac.c) */
	{ CKM_AES_CMAC, HL_FAM_HMAC, HL_MD_NONE, { 16, 32, SV } },
	{ CKM_AES_CMAC_GENERAL, HL_FAM_HMAC, HL_MD_NONE, { 16, 32, SV } },
	{ CKM_AES_ECB, HL_FAM_SYM, HL_MD_NONE, { 16, 32, EDWU } },
	{ CKM_AES_CBC, HL_FAM_SYM, HL_MD_NONE, { 16, 32, EDWU } },
	{ CKM_AES_CTR, HL_FAM_SYM, HL_MD_NONE, { 16, 32, CKF_ENCRYPT | CKF_DECRYPT } },
	{ CKM_AES_GCM, HL_FAM_SYM, HL_MD_NONE, { 16, 32, CKF_ENCRYPT | CKF_DECRYPT | MSG } },
	/* DES3 sizes in bytes too (the spec gives none; 24 is what the K9 profile says). */
	/* EdDSA: bits of the curve (255 for Ed25519, 448 for Ed448), as SoftHSMv2 counts them. */
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN,
	  HL_FAM_KEYGEN,
	  HL_MD_NONE,
	  { 255, 448, CKF_GENERATE_KEY_PAIR | CKF_EC_NAMEDCURVE } },
	{ CKM_EDDSA, HL_FAM_EDDSA, HL_MD_NONE, { 255, 448, SV | CKF_EC_NAMEDCURVE } },
	{ CKM_DES3_KEY_GEN, HL_FAM_KEYGEN, HL_MD_NONE, { 24, 24, CKF_GENERATE } },
	{ CKM_DES3_ECB, HL_FAM_SYM, HL_MD_NONE, { 24, 24, EDWU } },
	{ CKM_DES3_CBC, HL_FAM_SYM, HL_MD_NONE, { 24, 24, EDWU } },
	{ CKM_DES3_CBC_PAD, HL_FAM_SYM, HL_MD_NONE, { 24, 24, EDWU } },
};

#define N_MECHS (sizeof mechs / sizeof mechs[0])
_Static_assert(N_MECHS <= HL_MECH_SLOTS, "HL_MECH_SLOTS too small for the mechanism table");

/* -- lookups -- */

/* The row found last: a signer asks for the same mechanism again and again, and the table
 * is long (a scan of it costs about as much as a 256-byte AES-GCM). Relaxed: any value read
 * is a valid index, only checked. */
static unsigned last_found;

const hl_mech_t *hl_crypto_mech_find(CK_MECHANISM_TYPE type, unsigned *index_out)
{
	unsigned i = __atomic_load_n(&last_found, __ATOMIC_RELAXED);

	if (i >= N_MECHS || mechs[i].type != type) {
		for (i = 0; i < N_MECHS && mechs[i].type != type; i++)
			;
		if (i == N_MECHS)
			return NULL;
		__atomic_store_n(&last_found, i, __ATOMIC_RELAXED);
	}
	if (index_out != NULL)
		*index_out = i;
	return &mechs[i];
}

bool hl_crypto_mech_info(CK_MECHANISM_TYPE mech, CK_MECHANISM_INFO *info_out)
{
	const hl_mech_t *m = hl_crypto_mech_find(mech, NULL);

	if (m == NULL)
		return false;
	if (info_out != NULL)
		*info_out = m->info;
	return true;
}

size_t hl_crypto_mech_list(CK_MECHANISM_TYPE *out, size_t max)
{
	for (size_t i = 0; out != NULL && i < N_MECHS && i < max; i++)
		out[i] = mechs[i].type;
	return N_MECHS;
}
